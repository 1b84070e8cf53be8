"""The original endpoint, ``/ws/terminal/<project>/``: text in, text out, any client.

The MVP this project grew from was exactly this: connect with ``wscat``, type ``ls``, read
the shell's output. Kept as it was, on top of the same sessions as the API:

- the project is made if missing, and a shell is opened; connecting again to the same URL
  attaches the project's shell opened here before while it runs (its current screen
  first), ``?new=1`` always opens a new one;
- a text frame that is a JSON object with a known ``type`` is control
  (``{"type": "resize", "rows": 40, "cols": 120}``, ``{"type": "input", "data": "..."}``);
  any other text is typed into the shell as it is;
- output comes back as text frames (UTF-8; bytes that are not UTF-8 are replaced);
- binary frames are refused (close 1008), frames over 64 KiB close with 1009;
- the shell belongs to the server: closing the socket detaches, like every viewer.
"""

from __future__ import annotations

import codecs
import contextlib
import json
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from cloudide_tui.errors import AlreadyExists, CloudIDEError
from cloudide_tui.protocol import close
from cloudide_tui.protocol import messages as m
from cloudide_tui.protocol.codec import decode_server
from cloudide_tui.protocol.frames import OutputFrame, SnapshotFrame

from .auth import Principal
from .sessions import ServerSession, Viewer
from .users import Registry

log = logging.getLogger("cloudide_server.mvp")

MAX_FRAME = 64 * 1024
DEFAULT_ROWS, DEFAULT_COLS = 24, 80
CHANNEL = 1


class TerminalEndpoint:
    """One client of the original endpoint (see the module docstring)."""

    def __init__(
        self,
        registry: Registry,
        ws: ServerConnection,
        principal: Principal,
        project: str,
        *,
        new: bool,
        spawn: Callable[[Coroutine[Any, Any, Any]], None],
    ) -> None:
        self.registry = registry
        self.ws = ws
        self.principal = principal
        self.project = project
        self.new = new
        self.spawn = spawn
        self.space = registry.space(principal.user)
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._viewer: Viewer | None = None
        self._ended: m.ShellEnd | None = None

    # -- the Link ---------------------------------------------------------------------------
    async def send_binary(self, data: bytes) -> None:
        frame = decode_server(data)
        if isinstance(frame, SnapshotFrame):
            self._decoder.reset()
            text = frame.data.decode("utf-8", "replace")
        elif isinstance(frame, OutputFrame):
            text = self._decoder.decode(frame.data)
        else:
            return
        if text:
            await self.ws.send(text)

    def send_control(self, message: m.Message) -> None:
        if isinstance(message, m.ShellEnd):
            self._ended = message
            self.spawn(self.ws.close(close.NORMAL, f"shell ended: {message.reason}"[:120]))

    # -- life --------------------------------------------------------------------------------
    async def run(self) -> None:
        try:
            session, opened = await self._session()
        except CloudIDEError as e:
            await self.ws.close(close.POLICY, str(e)[:120])
            return
        viewer = self._viewer = session.attach(
            self,
            channel=CHANNEL,
            user=self.principal.user,
            client="original endpoint",
            read_only=self.principal.view_only_session is not None,
            offset=0 if opened else None,  # a new shell from its first byte, else its screen
        )
        viewer.start()
        try:
            async for frame in self.ws:
                if isinstance(frame, bytes):
                    await self.ws.close(close.POLICY, "this endpoint takes text frames")
                    break
                await self._text(viewer, frame)
        except ConnectionClosed:
            pass
        finally:
            await viewer.stop()

    async def _session(self) -> tuple[ServerSession, bool]:
        """The shell to attach, and whether it was opened just now."""
        if self.principal.view_only_session is not None:
            raise CloudIDEError("A share link cannot open shells.")
        registry = self.registry
        if not self.new:
            for session in reversed(registry.shells_of(self.space, self.project)):
                if session.opened_by_mvp:
                    return session, False
        with contextlib.suppress(AlreadyExists):
            await self.space.backend.create_project(self.project)
        session = await registry.open_shell(self.space, self.project, DEFAULT_ROWS, DEFAULT_COLS)
        session.opened_by_mvp = True
        return session, True

    async def _text(self, viewer: Viewer, text: str) -> None:
        control = _control(text)
        try:
            if control is None:
                await viewer.session.write(viewer, text.encode("utf-8", "surrogateescape"))
            elif control["type"] == "resize":
                rows = _size(control.get("rows"), m.MAX_ROWS)
                cols = _size(control.get("cols"), m.MAX_COLS)
                if rows is None or cols is None:
                    await self._error(
                        f"resize needs whole numbers rows 1-{m.MAX_ROWS} and cols 1-{m.MAX_COLS}"
                    )
                    return
                await viewer.session.resize(viewer, rows, cols)
            elif control["type"] == "input":
                data = control.get("data")
                if not isinstance(data, str):
                    await self._error("input needs a text 'data'")
                    return
                await viewer.session.write(viewer, data.encode("utf-8", "surrogateescape"))
        except CloudIDEError as e:
            await self._error(str(e))

    async def _error(self, message: str) -> None:
        await self.ws.send(json.dumps({"type": "error", "message": message}))


KNOWN_TYPES = ("resize", "input")


def _control(text: str) -> dict[str, Any] | None:
    """The control message a text frame is, or None when it is input."""
    stripped = text.strip()
    if not (stripped.startswith("{") and stripped.endswith("}")):
        return None
    try:
        value = json.loads(stripped)
    except ValueError:
        return None
    if isinstance(value, dict) and value.get("type") in KNOWN_TYPES:
        return value
    return None


def _size(value: object, high: int) -> int | None:
    """A terminal dimension from JSON (a whole number 1..high), or None."""
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= high:
        return value
    return None
