"""The protocol's control messages: typed, frozen, one class per kind.

JSON text frames, one object each, its kind in ``"t"``. Requests mirror ``Backend`` and
``ShellSession`` one to one and carry an ``id`` the answer repeats (``result`` or
``error``); the server also pushes messages of its own (progress lines, shell ends,
presence, sizes, events). Results reuse the backend's own dataclasses (``ProjectInfo``,
``FileEntry``, ``FileContent``, ``ShellInfo``, ``Capabilities``), so there is one
definition of each. Terminal bytes never travel here: see ``frames``.

Versioning: ``PROTOCOL_VERSION`` only changes for a change that old peers would
misread. Additive changes (a new message kind, a new optional field with a default)
keep version 1: unknown fields are ignored, an unknown kind gets the error
``unknown_message`` and the connection goes on.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from cloudide_tui import defaults
from cloudide_tui.backend.base import (
    Capabilities,
    ContainerState,
    FileContent,
    FileEntry,
    ProjectInfo,
    ShellInfo,
)

PROTOCOL_VERSION = 1
"""The protocol's version, exchanged in ``hello`` / ``welcome``."""

MAX_ID = 2**53 - 1
"""Largest request id (what a JSON number holds exactly everywhere)."""
MAX_CHANNEL = 2**32 - 1
MAX_ROWS = 1000
MAX_COLS = 1000
MAX_FILE_BYTES = 8 << 20
"""Largest file read or written in one message (the frame limit is set above it)."""

Id = Annotated[int, msgspec.Meta(ge=0, le=MAX_ID)]
Channel = Annotated[int, msgspec.Meta(ge=1, le=MAX_CHANNEL)]
Rows = Annotated[int, msgspec.Meta(ge=1, le=MAX_ROWS)]
Cols = Annotated[int, msgspec.Meta(ge=1, le=MAX_COLS)]
Offset = Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1)]
Limit = Annotated[int, msgspec.Meta(ge=0, le=MAX_FILE_BYTES)]
Text = Annotated[str, msgspec.Meta(max_length=8192)]
Data = Annotated[bytes, msgspec.Meta(max_length=MAX_FILE_BYTES)]
InputKey = Annotated[str, msgspec.Meta(max_length=64)]


class Message(msgspec.Struct, frozen=True, kw_only=True, tag_field="t"):
    """Base of every control message."""


# -- client -> server ------------------------------------------------------------------------


class Hello(Message, frozen=True, tag="hello"):
    """The client's first message: the protocol version it speaks, and who it is."""

    version: int
    client: Text = ""


class Request(Message, frozen=True):
    """A call; answered by exactly one ``result`` or ``error`` with the same ``id``."""

    id: Id


class EnsureReady(Request, frozen=True, tag="ensure_ready"):
    """``Backend.ensure_ready``: progress lines come as ``progress`` messages."""


class ListProjects(Request, frozen=True, tag="list_projects"):
    """``Backend.list_projects``."""


class CreateProject(Request, frozen=True, tag="create_project"):
    """``Backend.create_project``."""

    name: Text


class RenameProject(Request, frozen=True, tag="rename_project"):
    """``Backend.rename_project``."""

    old: Text
    new: Text


class DeleteProject(Request, frozen=True, tag="delete_project"):
    """``Backend.delete_project``."""

    name: Text


class GetContainerState(Request, frozen=True, tag="container_state"):
    """``Backend.container_state``."""

    project: Text


class StartContainer(Request, frozen=True, tag="start_container"):
    """``Backend.start_container``: progress lines come as ``progress`` messages."""

    project: Text


class StopContainer(Request, frozen=True, tag="stop_container"):
    """``Backend.stop_container``."""

    project: Text


class ListDir(Request, frozen=True, tag="list_dir"):
    """``Backend.list_dir``."""

    project: Text
    path: Text = ""


class Stat(Request, frozen=True, tag="stat"):
    """``Backend.stat``."""

    project: Text
    path: Text


class ReadFile(Request, frozen=True, tag="read_file"):
    """``Backend.read_file`` (``data`` comes back base64 in the JSON)."""

    project: Text
    path: Text
    limit: Limit = defaults.READ_LIMIT


class WriteFile(Request, frozen=True, tag="write_file"):
    """``Backend.write_file`` (``data`` goes base64 in the JSON)."""

    project: Text
    path: Text
    data: Data
    expected_version: Text | None = None


class MakeDir(Request, frozen=True, tag="make_dir"):
    """``Backend.make_dir``."""

    project: Text
    path: Text


class RenamePath(Request, frozen=True, tag="rename_path"):
    """``Backend.rename_path``."""

    project: Text
    src: Text
    dst: Text


class DeletePath(Request, frozen=True, tag="delete_path"):
    """``Backend.delete_path``."""

    project: Text
    path: Text


class OpenShell(Request, frozen=True, tag="open_shell"):
    """``Backend.open_shell``: a new session, attached on a new channel.

    Progress lines come as ``progress`` messages; then the result (``ShellAttached``),
    then the session's output as binary frames on that channel.
    """

    project: Text
    rows: Rows
    cols: Cols
    input_key: InputKey | None = None


class ListShells(Request, frozen=True, tag="list_shells"):
    """``Backend.list_shells``: every running session of the project."""

    project: Text


class AttachShell(Request, frozen=True, tag="attach_shell"):
    """``Backend.attach_shell``: view a running session on a new channel.

    With ``offset`` (the offset after the last output byte this client has), output
    resumes from there when the server still holds it; otherwise (and without
    ``offset``) a snapshot frame redraws the exact current screen first. ``rows`` and
    ``cols`` resize the session (the size follows whoever resized or typed last);
    ``read_only`` viewers can neither type nor resize.

    ``input_key`` names this client's input to the session (any text it chose, the same
    on every attach): the result's ``input_received`` says how many bytes typed under
    that key reached the shell, so that after a drop the client sends again exactly
    what was lost on the way, never twice.
    """

    session_id: Text
    rows: Rows | None = None
    cols: Cols | None = None
    read_only: bool = False
    offset: Offset | None = None
    input_key: InputKey | None = None


class DetachShell(Request, frozen=True, tag="detach_shell"):
    """Stop viewing a channel; the session runs on (``ShellSession`` has no such call:
    a local session has one viewer)."""

    channel: Channel


class CloseShell(Request, frozen=True, tag="close_shell"):
    """``ShellSession.close``: end the session for good, for every viewer."""

    channel: Channel


class Resize(Request, frozen=True, tag="resize"):
    """``ShellSession.resize``."""

    channel: Channel
    rows: Rows
    cols: Cols


class Subscribe(Request, frozen=True, tag="subscribe"):
    """``Backend.events``: change events come as ``event`` messages carrying this
    request's ``id`` as their ``subscription``."""

    project: Text | None = None


class Unsubscribe(Request, frozen=True, tag="unsubscribe"):
    """End a subscription."""

    subscription: Id


class SetFileOpen(Request, frozen=True, tag="file_open"):
    """``Backend.set_file_open``: this client shows (``open``) or stopped showing a file
    in an editor. The server tells the user's other clients (``file_presence`` events);
    a connection's files count as closed when it goes."""

    project: Text
    path: Text
    open: bool


class ShareShell(Request, frozen=True, tag="share_shell"):
    """``Backend.share_shell``: a read-only link to one running shell of this user (a
    share token for it, expiring after ``ttl`` seconds); anyone who opens it watches
    the shell live and cannot type."""

    session_id: str
    ttl: float = 3600.0


class Ping(Request, frozen=True, tag="ping"):
    """Answered at once with an empty result: the client's round-trip time."""


# -- server -> client ------------------------------------------------------------------------


class ShellAttached(msgspec.Struct, frozen=True, kw_only=True):
    """The result of ``open_shell`` and ``attach_shell``.

    Attributes:
        channel: Binary frames of this session carry it (per connection).
        offset: Output offset the first frame on this channel starts at.
        resumed: True when output resumes at the asked offset (no snapshot comes).
        input_received: Bytes typed under the attach's ``input_key`` that the shell got.
    """

    channel: Channel
    session_id: str
    project: str
    rows: Rows
    cols: Cols
    read_only: bool
    offset: Offset
    resumed: bool
    input_received: Offset = 0


class ShareLink(msgspec.Struct, frozen=True, kw_only=True):
    """The result of ``share_shell``.

    Attributes:
        path: The link without the server's address (``/share/<id>?token=...``).
        url: The whole link, when the server knows the address people open (its public
            URL, or the page the request came from); else the client puts its own
            server's address before ``path``.
        expires: When the link stops working (Unix time).
    """

    session_id: str
    path: str
    url: str | None = None
    expires: float


class Viewer(msgspec.Struct, frozen=True, kw_only=True):
    """Someone attached to a session (``presence``)."""

    user: str
    client: str
    read_only: bool


class Welcome(Message, frozen=True, tag="welcome"):
    """The answer to ``hello``: who the token says you are, and what the server can do."""

    version: int
    server: str
    user: str
    scope: str
    capabilities: Capabilities


class Result(Message, frozen=True, tag="result"):
    """A request's answer; ``value`` as the method's table in docs/protocol.md says."""

    id: Id
    value: Any = None


class Error(Message, frozen=True, tag="error"):
    """A request's failure (``id``), or a message that could not be read (``id`` null).

    ``code`` is stable (see ``protocol.errors``); ``message`` and ``hint`` are for the
    user.
    """

    id: Id | None
    code: str
    message: str
    hint: str | None = None


class Progress(Message, frozen=True, tag="progress"):
    """A progress line of a running request (image build, container start)."""

    id: Id
    line: str


class ShellEnd(Message, frozen=True, tag="shell_end"):
    """The session on ``channel`` ended (for every viewer); the channel is closed."""

    channel: Channel
    session_id: str
    exit_status: int | None
    reason: str


class Detached(Message, frozen=True, tag="detached"):
    """The server stopped this viewer (e.g. the token lost access); the session runs on."""

    channel: Channel
    reason: str


class Presence(Message, frozen=True, tag="presence"):
    """Who is attached to the session on ``channel`` (sent on every change)."""

    channel: Channel
    viewers: list[Viewer]


class SizeChanged(Message, frozen=True, tag="size"):
    """The session on ``channel`` has a new size (another viewer resized or typed)."""

    channel: Channel
    rows: Rows
    cols: Cols


class Event(Message, frozen=True, tag="event"):
    """A change event of subscription ``subscription``; ``kind`` and ``data`` as in
    ``protocol.events``."""

    subscription: Id
    kind: str
    data: dict[str, Any]


ClientMessage = (
    Hello
    | EnsureReady
    | ListProjects
    | CreateProject
    | RenameProject
    | DeleteProject
    | GetContainerState
    | StartContainer
    | StopContainer
    | ListDir
    | Stat
    | ReadFile
    | WriteFile
    | MakeDir
    | RenamePath
    | DeletePath
    | OpenShell
    | ListShells
    | AttachShell
    | DetachShell
    | CloseShell
    | Resize
    | Subscribe
    | Unsubscribe
    | SetFileOpen
    | ShareShell
    | Ping
)

ServerMessage = (
    Welcome | Result | Error | Progress | ShellEnd | Detached | Presence | SizeChanged | Event
)

#: What each request's ``result`` value is (for the client's typed decode and the docs).
RESULT_TYPES: dict[type[Request], Any] = {
    EnsureReady: None,
    ListProjects: list[ProjectInfo],
    CreateProject: ProjectInfo,
    RenameProject: ProjectInfo,
    DeleteProject: None,
    GetContainerState: ContainerState,
    StartContainer: None,
    StopContainer: None,
    ListDir: list[FileEntry],
    Stat: FileEntry,
    ReadFile: FileContent,
    WriteFile: FileEntry,
    MakeDir: FileEntry,
    RenamePath: FileEntry,
    DeletePath: None,
    OpenShell: ShellAttached,
    ListShells: list[ShellInfo],
    AttachShell: ShellAttached,
    DetachShell: None,
    CloseShell: None,
    Resize: None,
    Subscribe: None,
    Unsubscribe: None,
    SetFileOpen: None,
    ShareShell: ShareLink,
    Ping: None,
}


def tag_of(cls: type[Message]) -> str:
    """A message class's ``"t"`` value."""
    return str(cls.__struct_config__.tag)
