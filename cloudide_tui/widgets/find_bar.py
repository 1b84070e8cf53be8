"""The editor's find (and replace) bar, and the search it runs over the text.

The bar only reads what is typed and says what the user wants (``Search``, ``Step``,
``Replace``, ``Closed`` messages up to the editor); the editor moves its cursor and edits
its text. ``find_matches`` is the search itself, plain Python: smart case (a query with a
capital letter matches case, an all-lowercase one ignores it), one line at a time (the
field is one line), matches never overlapping.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, Label

from cloudide_tui.widgets.ordered_keys import OrderedInput

Location = tuple[int, int]
"""(row, column) in the editor's text, as Textual's TextArea counts them."""

Match = tuple[Location, Location]
"""Where one match starts and ends."""


def find_matches(lines: list[str], query: str) -> list[Match]:
    """Every non-overlapping occurrence of ``query`` in ``lines``, in reading order.

    Smart case: case-sensitive only when ``query`` has a capital letter. An empty query
    matches nothing.
    """
    if not query:
        return []
    sensitive = query != query.lower()
    needle = query if sensitive else query.lower()
    found: list[Match] = []
    for row, line in enumerate(lines):
        hay = line if sensitive else line.lower()
        if len(hay) != len(line):  # lower() changed the length (rare letters): match as is
            hay, needle_here = line, query
        else:
            needle_here = needle
        start = hay.find(needle_here)
        while start >= 0:
            end = start + len(needle_here)
            found.append(((row, start), (row, end)))
            start = hay.find(needle_here, end)
    return found


def next_match(matches: list[Match], cursor: Location, *, backwards: bool = False) -> int | None:
    """The index of the match after ``cursor`` (or before it, ``backwards``), wrapping
    around the end of the text; None when there is none at all."""
    if not matches:
        return None
    if backwards:
        for index in range(len(matches) - 1, -1, -1):
            if matches[index][0] < cursor:
                return index
        return len(matches) - 1
    for index, (start, _end) in enumerate(matches):
        if start >= cursor:
            return index
    return 0


def replace_all(lines: list[str], matches: list[Match], replacement: str) -> str:
    """The whole text with every match replaced (matches as ``find_matches`` gives them)."""
    out = [list[str]() for _ in lines]
    by_row: dict[int, list[Match]] = {}
    for match in matches:
        by_row.setdefault(match[0][0], []).append(match)
    for row, line in enumerate(lines):
        col = 0
        for (_, start), (_, end) in by_row.get(row, []):
            out[row].append(line[col:start])
            out[row].append(replacement)
            col = end
        out[row].append(line[col:])
    return "\n".join("".join(parts) for parts in out)


def _button(label: str, button_id: str) -> Button:
    """A compact button the mouse reaches and Tab skips (its key does the same)."""
    button = Button(label, id=button_id, compact=True)
    button.can_focus = False
    return button


class FindBar(Vertical):
    """Find: ``[text] 3 of 12 [Prev] [Next]``; replace adds a second line:
    ``[with] [Replace] [All]``.

    Keys in the fields: Enter or Down (or F3) the next match, Up (or Shift+F3) the
    previous; in the replace field Enter replaces the current match and goes on; Escape
    closes the bar (the editor gets the focus back).
    """

    DEFAULT_CSS = """
    FindBar { dock: bottom; height: auto; background: $panel; display: none; }
    FindBar.-open { display: block; }
    FindBar > Horizontal { height: 1; }
    FindBar Input { width: 1fr; background: $boost; }
    FindBar #replace-row { display: none; }
    FindBar.-replace #replace-row { display: block; }
    FindBar Label { height: 1; padding: 0 1; color: $text-muted; }
    FindBar .field-name { width: 9; color: $text; text-style: bold; }
    FindBar Button { margin: 0 0 0 1; width: auto; min-width: 0; padding: 0 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close find", show=False),
        Binding("down,f3", "step(False)", "Next match", show=False),
        Binding("up,shift+f3", "step(True)", "Previous match", show=False),
    ]

    @dataclass
    class Search(Message):
        """The query changed: find its matches (from the cursor)."""

        bar: FindBar
        query: str

        @property
        def control(self) -> FindBar:
            return self.bar

    @dataclass
    class Step(Message):
        """Go to the next match (or the previous one, ``backwards``)."""

        bar: FindBar
        backwards: bool

        @property
        def control(self) -> FindBar:
            return self.bar

    @dataclass
    class Replace(Message):
        """Replace the current match (then go to the next), or every match (``everywhere``)."""

        bar: FindBar
        replacement: str
        everywhere: bool

        @property
        def control(self) -> FindBar:
            return self.bar

    @dataclass
    class Closed(Message):
        """The bar was closed (Escape)."""

        bar: FindBar

        @property
        def control(self) -> FindBar:
            return self.bar

    def compose(self) -> ComposeResult:
        # Tab goes from the find field to the replace field, then to All: the other
        # buttons have keys (Up, Down, Enter) and are for the mouse.
        with Horizontal(id="find-row"):
            yield Label("Find", classes="field-name")
            yield OrderedInput(placeholder="text to find", id="find", compact=True)
            yield Label("", id="count")
            yield _button("Prev", "prev")
            yield _button("Next", "next")
        with Horizontal(id="replace-row"):
            yield Label("Replace", classes="field-name")
            yield OrderedInput(placeholder="replace with", id="replace", compact=True)
            yield _button("Replace", "replace-one")
            yield Button("All", id="replace-all", compact=True)

    # -- what the editor asks -------------------------------------------------------------
    @property
    def is_open(self) -> bool:
        return self.has_class("-open")

    @property
    def query_text(self) -> str:
        return self.query_one("#find", Input).value

    def open(self, *, replace: bool, query: str | None = None) -> None:
        """Show the bar (with the replace field when ``replace``) and focus the find field;
        ``query`` (the selected text) replaces what was typed before."""
        self.add_class("-open")
        self.set_class(replace, "-replace")
        find = self.query_one("#find", Input)
        if query:
            find.value = query
        find.focus()
        find.select_all()
        self.post_message(self.Search(self, find.value))

    def close(self) -> None:
        self.remove_class("-open")

    def show_count(self, current: int | None, total: int) -> None:
        """``3 of 12``, ``no match`` or nothing (no query)."""
        if not self.query_text:
            text = ""
        elif total == 0:
            text = "no match"
        elif current is None:
            text = f"{total} found"
        else:
            text = f"{current + 1} of {total}"
        self.query_one("#count", Label).update(text)

    # -- events -----------------------------------------------------------------------------
    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if event.input.id == "find":
            self.post_message(self.Search(self, event.value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "replace":
            self.post_message(self.Replace(self, event.value, everywhere=False))
        else:
            self.post_message(self.Step(self, backwards=False))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        replacement = self.query_one("#replace", Input).value
        if event.button.id == "prev":
            self.post_message(self.Step(self, backwards=True))
        elif event.button.id == "next":
            self.post_message(self.Step(self, backwards=False))
        elif event.button.id == "replace-one":
            self.post_message(self.Replace(self, replacement, everywhere=False))
        elif event.button.id == "replace-all":
            self.post_message(self.Replace(self, replacement, everywhere=True))

    def action_step(self, backwards: bool) -> None:
        self.post_message(self.Step(self, backwards=backwards))

    def action_close(self) -> None:
        self.close()
        self.post_message(self.Closed(self))
