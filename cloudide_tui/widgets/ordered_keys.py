"""Text widgets that apply their own keys in the order they were typed.

Textual resolves a widget's (non-priority) bindings only when the key has bubbled back
up to the App (``App._on_key`` → ``_check_bindings``), while printable keys are inserted
by the widget as soon as it receives them. When keys arrive in one burst (a fast typist,
``tmux send-keys C-u name Enter``, a terminal that batches input, a busy event loop),
the App's queue already holds the following keys, so a binding such as Ctrl+U (clear),
Left or Enter (submit) runs *after* them: ``C-u name Enter`` typed into a name dialog
cleared the name and submitted an empty field, and ``abc Left Left X`` in the editor
gave ``abcX``. Running the widget's own binding when the key reaches the widget keeps
the typed order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events
from textual.widgets import Input, TextArea

if TYPE_CHECKING:
    from textual.widget import Widget

    _Base = Widget
else:  # a plain mixin: a Widget base here would upset Textual's CSS/component merging
    _Base = object


class OrderedKeys(_Base):
    """Mixin (before the Textual widget in the bases): its own bindings act on arrival."""

    async def _on_key(self, event: events.Key) -> None:
        if event.is_printable:
            return  # the widget's own _on_key inserts it, in order already
        for key in (event.key, *event.aliases):
            for binding in self._bindings.key_to_bindings.get(key, ()):
                # run_action honours check_action (False: not now, e.g. read-only).
                if await self.app.run_action(binding.action, self):
                    event.stop()
                    event.prevent_default()  # neither the widget's _on_key nor the App
                    return


class OrderedInput(OrderedKeys, Input):
    """``Input`` whose bindings (Ctrl+U, arrows, Backspace, Enter …) act in typing order."""


class OrderedTextArea(OrderedKeys, TextArea):
    """``TextArea`` whose bindings (arrows, Backspace, Ctrl+K …) act in typing order."""
