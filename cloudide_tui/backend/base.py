"""The backend interface: everything the app (and the server) asks of a workspace host.

Two implementations: ``DockerBackend`` (docker-py, this machine) and ``RemoteBackend``
(websockets, a ``cloudide-server``). The server exposes this same interface, so the
remote one is a mirror of it: keep it small, async, typed, and free of UI and of Docker
types. All names and paths given to it are checked by ``cloudide_tui.validation``.

Paths are workspace-relative POSIX strings ("", "src", "src/main.py"); "" is the root.
Errors are ``cloudide_tui.errors.CloudIDEError`` subclasses.
"""

from __future__ import annotations

import abc
import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from cloudide_tui import defaults
from cloudide_tui.errors import NotAllowed


class ContainerState(enum.StrEnum):
    """State of a project's container."""

    RUNNING = "running"
    STOPPED = "stopped"
    NONE = "none"  # no container yet (made on demand)
    UNKNOWN = "unknown"  # the engine does not answer (the project is listed anyway)


@dataclass(frozen=True, slots=True)
class ProjectInfo:
    """A project as listed: its name, owner and container state."""

    name: str
    owner: str
    state: ContainerState


EntryKind = Literal["file", "dir", "symlink", "other"]


@dataclass(frozen=True, slots=True)
class FileEntry:
    """One entry of a directory listing, or the result of ``stat``.

    ``version`` changes whenever the content may have changed (mtime_ns and size); the
    editor keeps it to detect a change on disk before saving over it.
    """

    path: str
    name: str
    kind: EntryKind
    size: int
    mtime: float
    version: str


@dataclass(frozen=True, slots=True)
class FileContent:
    """A file read through the backend.

    ``data`` holds at most the requested limit; ``truncated`` says the file is longer
    (``size`` is the whole length). ``binary`` is a best guess (NUL bytes or invalid
    UTF-8 in what was read).
    """

    entry: FileEntry
    data: bytes
    truncated: bool
    binary: bool


ProgressCallback = Callable[[str], None]
"""Receives one human-readable line per step of long work (image build, container start)."""


@dataclass(frozen=True, slots=True)
class ShellInfo:
    """A running shell session as listed by ``list_shells``.

    Attributes:
        session_id: Its id (``attach_shell`` takes it).
        project: The project whose container runs it.
        started: When it was opened (seconds since the epoch).
        title: The window title its program set, when the backend knows it ("" else).
        viewers: How many clients are attached now (0 when the backend does not count).
    """

    session_id: str
    project: str
    started: float
    title: str = ""
    viewers: int = 0


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a backend can do, declared by the backend: the app knows its backend only
    through these (never by its class).

    Attributes:
        sessions_persist: Shells outlive the client: quitting detaches from them, and the
            next start can attach again (a server); False: they end with the process.
        prepares_image_locally: The backend builds the runner image on this machine, so
            the image dialog and its ``make image`` hint apply.
        stop_containers_on_quit: The app should stop the containers it used when it
            quits (unless told to keep them running); a server manages its own.
        shares_shells: The backend makes read-only links to a running shell that anyone
            can open in a browser (``share_shell``: a server).
    """

    sessions_persist: bool = False
    prepares_image_locally: bool = True
    stop_containers_on_quit: bool = True
    shares_shells: bool = False


@dataclass(frozen=True, slots=True)
class ShareLink:
    """A read-only link to one running shell (``Backend.share_shell``)."""

    session_id: str
    url: str
    """What to open in a browser (it carries its token)."""
    expires: float
    """When it stops working (Unix time)."""


# -- change events (backend/events.py fans them out) ---------------------------------

Change = Literal["created", "changed", "deleted"]


@dataclass(frozen=True, slots=True)
class FileChanged:
    """A file or directory of a project was created, changed or deleted.

    ``path`` is workspace-relative ("src/main.py"). A rename is a ``deleted`` of the old
    path and a ``created`` of the new one.
    """

    project: str
    path: str
    change: Change


@dataclass(frozen=True, slots=True)
class ProjectChanged:
    """A project appeared (``created``) or went away (``deleted``)."""

    project: str
    change: Change


@dataclass(frozen=True, slots=True)
class ContainerChanged:
    """A project's container changed state (started, stopped, removed)."""

    project: str
    state: ContainerState


@dataclass(frozen=True, slots=True)
class ShellOpened:
    """A shell session was opened in a project."""

    project: str
    session_id: str


@dataclass(frozen=True, slots=True)
class ShellEnded:
    """A shell session ended for good (``reason`` in words for the user)."""

    project: str
    session_id: str
    exit_status: int | None
    reason: str


LimitKind = Literal["memory", "disk"]


@dataclass(frozen=True, slots=True)
class LimitHit:
    """A project's container hit one of its limits, and something was lost because of it.

    ``memory``: the kernel killed a process of the project for memory (the shell may well
    live on, which is why the user must hear of it). ``disk``: the project's disk is full.

    Attributes:
        project: The project.
        kind: Which limit; it is also the name of the setting that raises it.
        limit: The limit as configured ("2g").
        process: The killed process's name when the host could tell ("python3").
    """

    project: str
    kind: LimitKind
    limit: str
    process: str | None = None

    @property
    def message(self) -> str:
        """What happened, in words for the user."""
        if self.kind == "memory":
            who = self.process or "A process"
            return (
                f"{who} was killed in project {self.project}: out of memory "
                f"(the limit is {self.limit})."
            )
        return f"The disk of project {self.project} is full (the limit is {self.limit})."


@dataclass(frozen=True, slots=True)
class FilePresence:
    """Who else has a file open in an editor now (a server's clients; sent whenever it
    changes, ``others`` empty once nobody else has it open).

    Attributes:
        project, path: The file.
        others: Each other client that has it open, in words ("ann (cloudide-tui@laptop)");
            this client itself is never listed.
    """

    project: str
    path: str
    others: list[str]


@dataclass(frozen=True, slots=True)
class EventsLost:
    """The subscriber fell behind and events were dropped: list again what you show."""

    dropped: int


BackendEvent = (
    FileChanged
    | ProjectChanged
    | ContainerChanged
    | ShellOpened
    | ShellEnded
    | LimitHit
    | FilePresence
    | EventsLost
)


class EventStream(abc.ABC):
    """A subscription to change events (made by ``Backend.events``).

    ``async with backend.events() as events: async for event in events: ...``; entering
    waits until the sources watch, so no change made after it is missed.
    """

    @abc.abstractmethod
    async def get(self) -> BackendEvent:
        """The next event. Raises StopAsyncIteration once closed."""

    @abc.abstractmethod
    async def wait_ready(self, timeout: float = 10.0) -> None:
        """Wait until the sources watch (a change made after this is told)."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Stop receiving; a pending ``get`` ends."""

    def __aiter__(self) -> EventStream:
        return self

    async def __anext__(self) -> BackendEvent:
        return await self.get()

    async def __aenter__(self) -> EventStream:
        await self.wait_ready()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


LimitCallback = Callable[[LimitHit], None]
"""Receives each :class:`LimitHit`; may be called from any thread."""


@dataclass(frozen=True, slots=True)
class SessionStatus:
    """What a tab shows of a shell besides its output (a local shell: always the default).

    Attributes:
        connected: False while the connection to the shell's host is being restored (the
            shell runs on there; its screen comes back when the connection does).
        viewers: Clients attached to it now, this one included.
        read_only: This view can neither type nor resize.
        held: Bytes typed while disconnected, sent once the shell is attached again.
        dropped: Bytes typed while disconnected that could not be sent (the shell ended or
            the server refused us meanwhile), so that the user can be told.
    """

    connected: bool = True
    viewers: int = 1
    read_only: bool = False
    held: int = 0
    dropped: int = 0


StatusCallback = Callable[[SessionStatus], None]
"""Receives a session's new status (on the event loop)."""

ConnectionState = Literal["local", "connecting", "connected", "reconnecting", "unauthorized"]


@dataclass(frozen=True, slots=True)
class ConnectionStatus:
    """The backend's link to where the projects live, for the status line.

    Attributes:
        state: ``local`` (nothing to lose: the engine is on this machine), ``connecting``
            (the first time), ``connected``, ``reconnecting`` (lost; trying again with
            backoff), ``unauthorized`` (the server refused the token: expired or revoked;
            no more tries until a new token is given).
        where: The server's address (or "local Docker").
        user: Who the server says we are ("" locally).
        rtt: The last round trip to the server, in seconds (None: not measured).
        message: Why, in words, when not connected.
    """

    state: ConnectionState = "local"
    where: str = ""
    user: str = ""
    rtt: float | None = None
    message: str = ""


ConnectionCallback = Callable[[ConnectionStatus], None]
"""Receives the backend's new connection status (on the event loop)."""


class ShellSession(abc.ABC):
    """One interactive shell in a project's container, with a pseudo-terminal.

    The terminal widget only ever sees this: bytes out, bytes in, resize, close. A session
    ends when the shell exits, when its container goes away, or when ``close`` is called;
    then ``read`` returns ``b""`` and ``exit_status`` / ``end_reason`` say how it ended.
    """

    session_id: str = ""
    """Its id, unique within its backend (``Backend.attach_shell`` takes it)."""

    @abc.abstractmethod
    async def read(self) -> bytes:
        """Wait for the next chunk of output; ``b""`` once the session has ended."""

    @abc.abstractmethod
    async def write(self, data: bytes) -> None:
        """Send input bytes (keys, pastes) to the shell. Ignored once ended."""

    @abc.abstractmethod
    async def resize(self, rows: int, cols: int) -> None:
        """Set the pseudo-terminal's size; the program gets SIGWINCH."""

    @abc.abstractmethod
    async def close(self) -> None:
        """End the session for good: hang up the shell and every process it started."""

    async def detach(self) -> None:
        """Stop showing the session. Where sessions persist (a server) the shell runs on
        and can be attached again; where they do not (a local shell, whose only viewer
        this is) it ends: this closes it."""
        await self.close()

    @property
    def shell_size(self) -> tuple[int, int] | None:
        """The shell's size (rows, cols) as of the output read so far, where it may
        differ from the size this view asked: a shared shell takes the size of whoever
        typed or resized last, and its output is made for that size. None: this view's
        own (a shell with one viewer)."""
        return None

    async def reply(self, data: bytes) -> None:
        """Send the terminal's answer to a query the program printed (cursor position,
        device attributes). A shared shell takes one viewer's answers only (the server
        decides whose); a local one simply gets them as input."""
        await self.write(data)

    @property
    def status(self) -> SessionStatus:
        """Its connection, viewers and read-only state (see ``SessionStatus``)."""
        return SessionStatus()

    def watch_status(self, callback: StatusCallback) -> Callable[[], None]:
        """Call ``callback`` with the new status whenever it changes (a local session's
        never does). Returns a function that stops the watching."""
        return lambda: None

    @property
    @abc.abstractmethod
    def exit_status(self) -> int | None:
        """The shell's exit status once it has exited, else None."""

    @property
    @abc.abstractmethod
    def end_reason(self) -> str | None:
        """Why the session ended, in words for the user (None while it runs)."""


class Backend(abc.ABC):
    """Projects, their files, their shells and their containers."""

    #: Shown in the status line: "local Docker", "ws://host:8000", ...
    description: str = ""

    #: What this backend can do (see ``Capabilities``); a remote backend learns it from
    #: the server, so it may be set per instance.
    capabilities: Capabilities = Capabilities()

    # -- set-up ---------------------------------------------------------------------
    @abc.abstractmethod
    async def ensure_ready(
        self, progress: ProgressCallback | None = None, *, build: bool = True
    ) -> None:
        """Check the engine answers and the runner image exists (building it if needed).

        Args:
            progress: Receives the build's lines.
            build: Build a missing image; False: raise ``ImageMissing`` instead (the app
                asks first when the name is not the default one: it may be a typo).

        Raises:
            EngineUnavailable: with a hint on how to start the engine.
            ImageMissing: the image is missing and ``build`` is False.
            ImageError: the image is missing and could not be built.
        """

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections; open sessions are closed."""

    def watch_limits(self, callback: LimitCallback) -> Callable[[], None]:
        """Call ``callback`` each time a project hits a limit (optional: a backend that
        cannot tell never calls it). Returns a function that stops the watching.

        The callback may run on another thread; it must only hand the news on.
        """
        return lambda: None

    def set_token(self, token: str) -> None:  # noqa: B027 - optional hook
        """Authenticate with a new token from now on (a server's, after it refused the
        old one: expired or revoked). A backend without tokens ignores it."""

    @property
    def connection(self) -> ConnectionStatus:
        """The link to where the projects live (``local`` for an engine on this machine)."""
        return ConnectionStatus("local", self.description)

    def watch_connection(self, callback: ConnectionCallback) -> Callable[[], None]:
        """Call ``callback`` with the new status whenever the connection changes (a local
        backend's never does). Returns a function that stops the watching."""
        return lambda: None

    # -- projects -------------------------------------------------------------------
    @abc.abstractmethod
    async def list_projects(self) -> list[ProjectInfo]:
        """All projects of this backend's owner, sorted by name. When the engine does not
        answer they are listed all the same (from disk), their state ``UNKNOWN``."""

    @abc.abstractmethod
    async def create_project(self, name: str) -> ProjectInfo:
        """Make an empty workspace (no container yet). Raises AlreadyExists, InvalidName;
        EngineUnavailable before anything is made (a project that cannot run would be
        half made)."""

    @abc.abstractmethod
    async def rename_project(self, old: str, new: str) -> ProjectInfo:
        """Rename a project; its container is recreated under the new name on demand."""

    @abc.abstractmethod
    async def delete_project(self, name: str) -> None:
        """Remove the project's container and its workspace files, for good."""

    # -- containers -----------------------------------------------------------------
    @abc.abstractmethod
    async def container_state(self, project: str) -> ContainerState:
        """running / stopped / none."""

    @abc.abstractmethod
    async def start_container(self, project: str, progress: ProgressCallback | None = None) -> None:
        """Create (if needed) and start the project's container."""

    @abc.abstractmethod
    async def stop_container(self, project: str) -> None:
        """Stop the container (its open shells end); files stay."""

    # -- files ----------------------------------------------------------------------
    @abc.abstractmethod
    async def list_dir(self, project: str, path: str = "") -> list[FileEntry]:
        """Entries of a workspace directory, directories first, then by name."""

    @abc.abstractmethod
    async def stat(self, project: str, path: str) -> FileEntry:
        """One entry (never follows a symlink)."""

    @abc.abstractmethod
    async def read_file(
        self, project: str, path: str, limit: int = defaults.READ_LIMIT
    ) -> FileContent:
        """Read at most ``limit`` bytes of a regular file."""

    @abc.abstractmethod
    async def write_file(
        self, project: str, path: str, data: bytes, *, expected_version: str | None = None
    ) -> FileEntry:
        """Replace a file atomically (temp file + rename in the same directory).

        Raises:
            Conflict: ``expected_version`` is given and the file on disk has another one.
            NotFound: the parent directory does not exist.
        """

    @abc.abstractmethod
    async def make_dir(self, project: str, path: str) -> FileEntry:
        """Make one directory (its parent must exist)."""

    @abc.abstractmethod
    async def rename_path(self, project: str, src: str, dst: str) -> FileEntry:
        """Move a file or directory within the workspace; never over an existing one."""

    @abc.abstractmethod
    async def delete_path(self, project: str, path: str) -> None:
        """Delete a file, a symlink (not its target) or a directory with its content."""

    # -- shells ---------------------------------------------------------------------
    @abc.abstractmethod
    async def open_shell(
        self, project: str, rows: int, cols: int, progress: ProgressCallback | None = None
    ) -> ShellSession:
        """Start the container if needed, then a login shell at the given size."""

    @abc.abstractmethod
    async def list_shells(self, project: str) -> list[ShellInfo]:
        """The project's shell sessions that are running, oldest first.

        ``DockerBackend``: the sessions this process holds; a server: every session of
        the owner, whoever opened it.
        """

    @abc.abstractmethod
    async def attach_shell(
        self,
        session_id: str,
        *,
        rows: int | None = None,
        cols: int | None = None,
        read_only: bool = False,
    ) -> ShellSession:
        """A running session by its id, to read and write as if just opened; its current
        screen comes first where the backend keeps it (a server).

        Args:
            rows, cols: This view's size (the shell takes it unless ``read_only``).
            read_only: Only watch (a server's shared shells; a local one has one viewer).

        Raises:
            NotFound: no running session has this id (it ended, or never existed).
            NotAllowed: ``read_only`` where the backend cannot share a shell.
        """

    async def share_shell(self, session_id: str, ttl: float = 3600.0) -> ShareLink:
        """A read-only link to the running shell ``session_id``, expiring after ``ttl``
        seconds: whoever opens it watches live and cannot type. Only where
        ``capabilities.shares_shells``.

        Raises:
            NotAllowed: this backend makes no links.
            SessionEnded, NotFound: no such running shell.
        """
        raise NotAllowed("Share links need a cloudide-server (they open in a browser).")

    async def set_file_open(self, project: str, path: str, is_open: bool) -> None:  # noqa: B027
        """Say that this client shows (or stopped showing) a file in an editor, so that
        other clients of a shared backend can tell (``FilePresence``). Optional."""

    # -- change events ---------------------------------------------------------------
    @abc.abstractmethod
    def events(self, project: str | None = None) -> EventStream:
        """Subscribe to change events (``cloudide_tui.backend.events``): files, projects,
        containers and shells of this owner, or of one project.

        ``async with backend.events() as events: async for event in events: ...``
        """
