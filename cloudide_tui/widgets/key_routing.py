"""Keys read in one batch with a key that moves the focus (F12, then Ctrl+P or a command).

Textual forwards each key to the focused widget's queue as it reads it, and a screen's
binding runs only once the key has bubbled up: the keys after F12 are queued to the old
focus before the focus moves. The widgets that give the focus away (the terminal, the
project browser) use these two steps so every key meets the focus the keys before it left.
"""

from __future__ import annotations

from textual import events
from textual.widget import Widget


def hand_on_if_left(widget: Widget, event: events.Key) -> bool:
    """A key queued to ``widget`` after the focus left it: give it back to the app (which
    sends it on to the new focus, in order); True when it did."""
    if not widget.is_attached or widget.screen.focused is widget:
        return False
    event.stop()
    event.prevent_default()
    widget.app.post_message(events.Key(event.key, event.character))
    return True


async def run_screen_binding(widget: Widget, event: events.Key) -> bool:
    """Run the binding the screen or app has for the key now, where it landed, rather
    than after it bubbled up; True when there was one (``widget``'s own bindings, and
    disabled ones, are left to Textual)."""
    bound = widget.screen.active_bindings.get(event.key) if widget.is_attached else None
    if bound is None or not bound.enabled or bound.node is widget:
        return False
    event.stop()
    event.prevent_default()
    await widget.app.run_action(bound.binding.action, bound.node)
    return True
