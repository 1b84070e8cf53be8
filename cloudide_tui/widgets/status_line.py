"""The status line: which backend, which project, its container's state, what is going on."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from cloudide_tui.backend.base import ConnectionStatus, ContainerState
from cloudide_tui.widgets.project_browser import STATE_MARKS

CONNECTION_WORDS: dict[str, tuple[str, str]] = {
    "connecting": ("○ connecting…", "yellow"),
    "connected": ("● connected", "green"),
    "reconnecting": ("○ reconnecting…", "yellow"),
    "unauthorized": ("✕ token refused", "red"),
}
"""How each connection state reads (a mark and words: it reads without colour too)."""


def connection_text(status: ConnectionStatus) -> Text:
    """``ws://host:8000 │ ann │ ● connected 3 ms`` (a local backend: its name only)."""
    text = Text(status.where or "?")
    if status.state == "local":
        return text
    if status.user:
        text.append(" │ ", "dim")
        text.append(status.user)
    words, colour = CONNECTION_WORDS[status.state]
    text.append(" │ ", "dim")
    text.append(words, colour)
    if status.state == "connected" and status.rtt is not None:
        text.append(f" {status.rtt * 1000:.0f} ms", "dim")
    return text


class StatusLine(Widget):
    """One line at the top: ``cloudide-tui │ local Docker │ demo ● running │ activity``,
    or with a server ``cloudide-tui │ wss://ide │ ann │ ● connected 4 ms │ demo ...``;
    and on the right the active editor's ``Ln 12, Col 5  Python``."""

    DEFAULT_CSS = """
    StatusLine { dock: top; height: 1; background: $panel; color: $foreground; }
    """

    backend_name: reactive[str] = reactive("")
    """The backend's description ("local Docker", a server URL later)."""
    connection: reactive[ConnectionStatus | None] = reactive(None)
    """The backend's connection (a server's address, user, state and round-trip time);
    None or ``local``: just ``backend_name``."""
    project: reactive[str | None] = reactive(None)
    """The project of the active tab (or under the browser's cursor)."""
    state: reactive[ContainerState | None] = reactive(None)
    """That project's container state."""
    activity: reactive[str] = reactive("")
    """Long work in progress ("starting container…"), or the last notable event."""
    position: reactive[str] = reactive("")
    """The active editor's cursor and language (empty for a terminal)."""

    def render(self) -> Text:
        text = Text.assemble((" cloudide-tui ", "bold"), ("│ ", "dim"))
        connection = self.connection
        if connection is None or connection.state == "local":
            text.append(self.backend_name or "?")
        else:
            text.append_text(connection_text(connection))
        if self.project:
            text.append(" │ ", "dim")
            text.append(self.project, "bold")
            if self.state is not None:
                mark, colour = STATE_MARKS[self.state]
                text.append(f" {mark} ", colour)
                text.append(self.state.value)
        if self.activity:
            text.append(" │ ", "dim")
            text.append(self.activity, "italic")
        if self.position:
            right = Text(f" {self.position} ", style="bold")
            room = self.size.width - right.cell_len
            text.truncate(max(room, 0), overflow="ellipsis")
            text.pad_right(max(room - text.cell_len, 0))
            text.append_text(right)
        text.no_wrap = True
        text.overflow = "ellipsis"
        return text
