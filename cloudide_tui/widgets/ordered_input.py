"""An ``Input`` that applies its own keys in the order they were typed.

Textual resolves a widget's (non-priority) bindings only when the key has bubbled back
up to the App (``App._on_key`` → ``_check_bindings``), while printable keys are inserted
by the widget as soon as it receives them. When keys arrive in one burst (a fast typist,
``tmux send-keys C-u name Enter``, a terminal that batches input), the App's queue
already holds the following keys, so a binding such as Ctrl+U (clear) or Enter (submit)
runs *after* them: ``C-u name Enter`` typed into a name dialog cleared the name and
submitted an empty field. Running the widget's own binding when the key reaches the
widget keeps the typed order.
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input


class OrderedInput(Input):
    """``Input`` whose bindings (Ctrl+U, arrows, Backspace, Enter …) act in typing order."""

    async def _on_key(self, event: events.Key) -> None:
        if event.is_printable:
            return  # Input._on_key inserts it, in order already
        for key in (event.key, *event.aliases):
            bindings = self._bindings.key_to_bindings.get(key)
            if bindings:
                event.stop()
                event.prevent_default()  # neither Input._on_key nor the App sees it again
                await self.run_action(bindings[0].action)
                return
