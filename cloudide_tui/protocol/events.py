"""Change events on the wire: ``event`` messages with a ``kind`` and the event's fields.

The backend's event dataclasses (``cloudide_tui.backend.events``) are the one definition;
this module only names them and converts both ways, strictly (a wrong field type is a
protocol error, never a half-made event).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import msgspec

from cloudide_tui.backend.base import FilePresence, LimitHit
from cloudide_tui.backend.events import (
    BackendEvent,
    ContainerChanged,
    EventsLost,
    FileChanged,
    ProjectChanged,
    ShellEnded,
    ShellOpened,
)
from cloudide_tui.errors import ProtocolError

EVENT_KINDS: dict[str, type[BackendEvent]] = {
    "file_changed": FileChanged,
    "project_changed": ProjectChanged,
    "container_changed": ContainerChanged,
    "shell_opened": ShellOpened,
    "shell_ended": ShellEnded,
    "limit_hit": LimitHit,
    "file_presence": FilePresence,
    "events_lost": EventsLost,
}
_KIND_OF = {cls: kind for kind, cls in EVENT_KINDS.items()}


def event_to_wire(event: BackendEvent) -> tuple[str, dict[str, Any]]:
    """(kind, fields) of an event."""
    data = {f.name: getattr(event, f.name) for f in dataclasses.fields(event)}
    return _KIND_OF[type(event)], msgspec.to_builtins(data)


def event_from_wire(kind: str, data: dict[str, Any]) -> BackendEvent:
    """The event an ``event`` message carries.

    Raises:
        ProtocolError: an unknown kind (``unknown_message``) or fields of the wrong type.
    """
    cls = EVENT_KINDS.get(kind)
    if cls is None:
        raise ProtocolError(f"Unknown event kind {kind!r}.", code="unknown_message")
    try:
        return msgspec.convert(data, cls)
    except msgspec.ValidationError as e:
        raise ProtocolError(f"A {kind} event is malformed: {e}.") from None
