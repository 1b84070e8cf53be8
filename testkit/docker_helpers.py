"""Helpers for tests that use the real Docker engine: names, clean-up, and a shell driver.

Other helpers run their suites on the same engine at the same time, so everything a test
run makes carries an owner that starts with this run's unique prefix, and clean-up only
ever removes containers with our app label and such an owner.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import itertools
import os
import re
import secrets
import time
from typing import Any

import docker
import docker.errors

from cloudide_tui.backend.base import ShellSession
from cloudide_tui.backend.containers import APP_LABEL, APP_NAME, OWNER_LABEL

#: Owner prefix of everything this test run makes ("t" + 8 hex digits: valid owner names).
RUN_PREFIX = f"t{secrets.token_hex(4)}"
_counter = itertools.count(1)

ENGINE_FIX = (
    "Start the engine with `make engine` (scripts/ensure-docker.sh) or start Docker, and "
    "build the runner image under the suite's tag (`make image IMAGE=$(python3 "
    "testkit/runner_tag.py)`); `make test` does both."
)


def new_owner() -> str:
    """A fresh owner name, unique to this run and to the call."""
    return f"{RUN_PREFIX}-{next(_counter)}"


def engine_problem(image: str) -> str | None:
    """Why the tests cannot use the engine (None when they can)."""
    try:
        api = docker.APIClient(version="auto", timeout=15, **docker.utils.kwargs_from_env())
    except Exception as e:  # any failure to connect is the reason we report
        return f"cannot reach the Docker engine: {e}"
    try:
        api.ping()
        try:
            api.inspect_image(image)
        except docker.errors.ImageNotFound:
            return f"the runner image {image} is missing"
    except Exception as e:
        return f"the Docker engine does not answer: {e}"
    finally:
        api.close()
    return None


def api() -> docker.APIClient:
    """A plain docker-py client for checks from the outside."""
    return docker.APIClient(version="auto", **docker.utils.kwargs_from_env())


def containers_of(owner: str) -> list[dict[str, Any]]:
    """Every container (running or not) with our app label and ``owner``."""
    client = api()
    try:
        return client.containers(  # type: ignore[no-any-return]
            all=True, filters={"label": [f"{APP_LABEL}={APP_NAME}", f"{OWNER_LABEL}={owner}"]}
        )
    finally:
        client.close()


def remove_containers(owner_prefix: str) -> list[str]:
    """Remove our containers whose owner is ``owner_prefix`` or starts with ``prefix-``."""
    client = api()
    removed = []
    try:
        for entry in client.containers(all=True, filters={"label": f"{APP_LABEL}={APP_NAME}"}):
            owner = (entry.get("Labels") or {}).get(OWNER_LABEL, "")
            if owner == owner_prefix or owner.startswith(owner_prefix + "-"):
                try:
                    client.remove_container(entry["Id"], force=True)
                    removed.append(entry["Id"])
                except docker.errors.NotFound:
                    pass
    finally:
        client.close()
    return removed


def exec_in(container: str, command: str, user: str = "") -> tuple[int, str]:
    """Run ``sh -c command`` in a container from outside; (exit code, output: stdout and
    stderr as the engine sent them).

    ``user`` "" is the container's own user (the project's account).

    Not docker-py's ``exec_start()``: it reads the output from the raw socket under the
    HTTP layer, and loses what that layer had already read with the answer's headers. On
    a loaded machine the whole output of a quick command (``ps``) comes with them, and the
    check saw nothing (an absence assertion passed whatever ran). The output is read
    through the HTTP layer's buffer here.
    """
    client = api()
    try:
        ex = client.exec_create(container, ["sh", "-c", command], user=user)
        sock = client.exec_start(ex["Id"], socket=True)
        try:
            stream = sock._response.raw._fp.fp  # the buffered reader over the socket
            out = _demultiplex(stream.read())
        finally:
            sock._response.close()
            sock.close()
        return _exit_code(client, ex["Id"]), out.decode("utf-8", "replace")
    finally:
        client.close()


def _exit_code(client: docker.APIClient, exec_id: str, patience: float = 30.0) -> int:
    """An ended exec's exit code: the engine records it a moment after the output ends."""
    deadline = time.monotonic() + patience
    while True:
        info = client.exec_inspect(exec_id)
        if not info.get("Running") and info.get("ExitCode") is not None:
            return int(info["ExitCode"])
        if time.monotonic() > deadline:
            raise AssertionError(f"the exec ended its output but not its run: {info}")
        time.sleep(0.02)


def _demultiplex(data: bytes) -> bytes:
    """The payloads of a non-TTY exec's stream, in order (each frame: a stream byte, three
    zero bytes, the payload's size as 4 bytes big-endian, the payload)."""
    out = bytearray()
    at = 0
    while at + 8 <= len(data):
        size = int.from_bytes(data[at + 4 : at + 8], "big")
        out += data[at + 8 : at + 8 + size]
        at += 8 + size
    if at != len(data):
        raise AssertionError(f"the exec's output stream ended in a frame ({len(data) - at} bytes)")
    return bytes(out)


_ANSI = re.compile(
    r"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC (window title)
    r"|\x1b\[[0-9;?]*[ -/]*[@-~]"  # CSI (colours, modes)
    r"|\x1b[=>()][0-9A-Za-z]?"  # keypad modes, charsets
    r"|\r"
)


def plain(data: bytes) -> str:
    """Terminal output without escape sequences and carriage returns."""
    return _ANSI.sub("", data.decode("utf-8", "replace"))


class ShellDriver:
    """Types commands into a session and waits for what they print, like a user would.

    Output is kept as plain text (escape sequences removed), so ``expect`` sees
    everything printed since its last match.
    """

    def __init__(self, session: ShellSession, timeout: float = 20.0) -> None:
        self.session = session
        self.timeout = timeout
        self.text = ""
        self.ended = False
        self._marks = itertools.count(1)
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._held = ""  # an escape sequence cut in two by the chunking

    def feed(self, data: bytes) -> None:
        """Take in output (``_read_more`` calls it; so can a test that reads by itself)."""
        text = self._held + self._decoder.decode(data)
        self._held = ""
        esc = text.rfind("\x1b")
        if esc != -1 and len(text) - esc < 256 and not _ANSI.match(text, esc):
            text, self._held = text[:esc], text[esc:]
        self.text += _ANSI.sub("", text)

    async def _read_more(self, deadline: float) -> None:
        left = deadline - time.monotonic()
        try:
            if left <= 0:
                raise TimeoutError
            data = await asyncio.wait_for(self.session.read(), left)
        except TimeoutError:
            raise TimeoutError(f"no match; output so far:\n{self.text[-2000:]}") from None
        if not data:
            self.ended = True
            raise EOFError(f"session ended: {self.session.end_reason}")
        self.feed(data)

    async def expect(self, pattern: str, timeout: float | None = None) -> str:
        """Wait until ``pattern`` (a regex on plain text) appears; return text up to it."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            match = regex.search(self.text)
            if match:
                seen, self.text = self.text[: match.end()], self.text[match.end() :]
                return seen
            await self._read_more(deadline)

    async def prompt(self) -> None:
        """Wait for a shell prompt (ends with "$ ")."""
        await self.expect(r"\$ ")

    async def run(self, command: str, timeout: float | None = None) -> str:
        """Type ``command``, wait for it to finish; return what it printed (plain text).

        Markers printed by printf before and after frame the output: the typed line (as
        echoed, maybe wrapped) never matches them, since it shows ``@@%s@@`` instead.
        """
        mark = f"{next(self._marks)}x{secrets.token_hex(3)}"
        glue = " " if command.rstrip().endswith("&") else "; "  # `a &; b` is a syntax error
        line = f"printf '@@%s@@\\n' start{mark}; {command}{glue}printf '@@%s@@\\n' end{mark}\r"
        await self.session.write(line.encode())
        await self.expect(rf"@@start{mark}@@\n", timeout)
        seen = await self.expect(rf"@@end{mark}@@", timeout)
        return seen[: -len(f"@@end{mark}@@")]

    async def wait_end(self, timeout: float | None = None) -> None:
        """Read until the session ends."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while not self.ended:
            try:
                await self._read_more(deadline)
            except EOFError:
                return


def engine_socket_path() -> str:
    """The local engine's unix socket (DOCKER_HOST if it names one)."""
    host = os.environ.get("DOCKER_HOST", "")
    return host[len("unix://") :] if host.startswith("unix://") else "/var/run/docker.sock"


class EngineProxy:
    """A unix-socket relay to the real engine that a test can cut, like a lost engine.

    Runs on the test's event loop (the backend's docker-py calls run in threads, so the
    loop is free to relay them).
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.address = f"unix://{path}"
        self._server: asyncio.AbstractServer | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._flowing = asyncio.Event()
        self._flowing.set()

    async def start(self) -> EngineProxy:
        self._server = await asyncio.start_unix_server(self._relay, path=self.path)
        return self

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_unix_connection(engine_socket_path())
        self._writers |= {writer, up_writer}

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    await self._flowing.wait()
                    if dst.is_closing():
                        break
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                dst.close()

        await asyncio.gather(pump(reader, up_writer), pump(up_reader, writer))

    def freeze(self) -> None:
        """Stop relaying, keeping every connection open: an engine that no longer answers
        (new connections are accepted and then hear nothing either)."""
        self._flowing.clear()

    async def cut(self) -> None:
        """Drop every connection and stop listening: the engine is gone."""
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.close()
        self._flowing.set()  # frozen pumps see their writers closed and end
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)
