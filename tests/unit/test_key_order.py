"""Keys that arrive in one burst are applied in the order they were typed.

Textual runs a widget's own bindings (arrows, Ctrl+U, Enter) only once the key has
bubbled back to the App, after the keys queued behind it; ``OrderedKeys`` runs them on
arrival. The burst is posted the way the driver posts one read of stdin: every key
queued before any is handled.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import events
from textual.app import App, ComposeResult
from textual.widget import Widget

from cloudide_tui.widgets.ordered_keys import OrderedInput, OrderedTextArea
from testkit.terminal_support import wait_until

LEFT = ("left", None)


class OneWidget(App[None]):
    def __init__(self, make: Callable[[], Widget]) -> None:
        super().__init__()
        self.make = make
        self.widget: Any = None
        self.submitted: list[str] = []

    def on_input_submitted(self, event: OrderedInput.Submitted) -> None:
        self.submitted.append(event.value)

    def compose(self) -> ComposeResult:
        self.widget = self.make()
        yield self.widget


async def burst(
    make: Callable[[], Widget],
    keys: list[tuple[str, str | None]],
    last_done: Callable[[OneWidget], object],
) -> Any:
    """The app around the widget ``make`` builds, after the burst of ``keys``: once
    ``last_done(app)`` shows the last key's effect (the keys pass through the app's
    queue, then the widget's: a guessed pause may end before, on a loaded machine)."""
    app = OneWidget(make)
    async with app.run_test() as pilot:
        app.widget.focus()
        await wait_until(pilot, lambda: app.focused is app.widget, "the widget focused")
        for key, character in keys:
            app.post_message(events.Key(key, character))
        await wait_until(pilot, lambda: last_done(app), "the burst's last key handled")
    return app


def chars(text: str) -> list[tuple[str, str | None]]:
    return [(c, c) for c in text]


async def test_clearing_then_typing_a_name_in_one_burst_keeps_the_name() -> None:
    app = await burst(
        lambda: OrderedInput("old"),
        [("ctrl+u", "\x15"), *chars("new"), ("enter", "\r")],
        lambda app: app.submitted,  # Enter is the last key
    )
    assert app.widget.value == "new"
    assert app.submitted == ["new"]


async def test_moving_the_cursor_in_the_editor_mid_burst_inserts_where_it_moved() -> None:
    app = await burst(
        OrderedTextArea,
        [*chars("abc"), LEFT, LEFT, *chars("X"), ("enter", "\r"), *chars("Y")],
        lambda app: "Y" in app.widget.text,  # Y is the last key
    )
    assert app.widget.text == "aX\nYbc"
