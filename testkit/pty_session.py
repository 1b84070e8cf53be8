"""A ``ShellSession`` running a local command under a real pseudo-terminal.

The terminal widget only knows ``ShellSession``; this one runs a program on this machine
(bash by default) so that the widget can be tested and benchmarked against real PTYs, and
so that a "local shell" is possible later. It never blocks the event loop: the master side
is non-blocking, reads wait on ``loop.add_reader``, and the child's exit is watched through
a pidfd (so a background job that keeps the PTY open cannot hide the shell's exit).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import signal
import struct
import subprocess
import termios
from collections.abc import Mapping, Sequence

from cloudide_tui.backend.base import ShellSession
from cloudide_tui.errors import CloudIDEError

READ_SIZE = 65536
"""Bytes asked for per read (the pty hands out at most about 4 KiB per chunk anyway)."""

HANGUP_GRACE = 1.0
"""Seconds a program gets to exit after SIGHUP before it is killed."""


def _set_size(fd: int, rows: int, cols: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def session_members(sid: int) -> list[int]:
    """Live processes (not zombies) of POSIX session ``sid``, from /proc (Linux)."""
    members = []
    with contextlib.suppress(OSError):
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as stat:
                    fields = stat.read().rsplit(b")", 1)[1].split()
            except OSError:
                continue  # gone meanwhile
            # After the command name: state, ppid, pgrp, session, ...
            if len(fields) > 3 and fields[0] != b"Z" and int(fields[3]) == sid:
                members.append(int(entry.name))
    return members


_RESET_SIGNALS = (
    signal.SIGHUP,
    signal.SIGINT,
    signal.SIGQUIT,
    signal.SIGTERM,
    signal.SIGTSTP,
    signal.SIGTTIN,
    signal.SIGTTOU,
)


def _prepare_child() -> None:  # runs in the child, after setsid()
    """Make the PTY the controlling terminal, and give the program the signal state a
    terminal emulator gives it (xterm and tmux do the same): default actions, nothing
    blocked. Ignored signals pass through exec, so a suite started in the background
    (``cmd &`` in a script ignores SIGINT and SIGQUIT) would run programs that Ctrl+C
    cannot interrupt."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)
    for sig in _RESET_SIGNALS:
        signal.signal(sig, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_SETMASK, [])


class PtySession(ShellSession):
    """Run ``argv`` in a new session with a PTY as its controlling terminal.

    Args:
        argv: The program and its arguments (default: an interactive bash).
        rows: Initial terminal height. cols: Initial terminal width.
        env: Extra environment variables (on top of this process's, with TERM=xterm-256color
            and COLORTERM=truecolor).
        cwd: Working directory of the program.

    Raises:
        CloudIDEError: the program could not be started (not found, not executable).

    ``exit_status`` follows the shell's convention: the exit code, or 128 + N when the
    program was killed by signal N.
    """

    def __init__(
        self,
        argv: Sequence[str] = ("bash",),
        *,
        rows: int = 24,
        cols: int = 80,
        env: Mapping[str, str] | None = None,
        cwd: str | None = None,
    ) -> None:
        self.argv = list(argv)
        full_env = dict(os.environ)
        for var in ("LINES", "COLUMNS", "TMUX", "TMUX_PANE"):
            full_env.pop(var, None)
        full_env.update({"TERM": "xterm-256color", "COLORTERM": "truecolor"})
        full_env.update(env or {})
        master, slave = os.openpty()
        try:
            _set_size(slave, max(1, rows), max(1, cols))
            self._proc = subprocess.Popen(
                self.argv,
                stdin=slave,
                stdout=slave,
                stderr=slave,
                env=full_env,
                cwd=cwd,
                start_new_session=True,
                preexec_fn=_prepare_child,
                close_fds=True,
            )
        except OSError as exc:
            os.close(master)
            raise CloudIDEError(
                f"Could not start {self.argv[0]!r}: {exc.strerror or exc}",
                hint="check that the program is installed",
            ) from exc
        finally:
            os.close(slave)
        os.set_blocking(master, False)
        self._fd: int | None = master
        self._pidfd: int | None = os.pidfd_open(self._proc.pid)
        self._exited = False
        self._closed = False
        self._status: int | None = None
        self._reason: str | None = None
        self._write_lock = asyncio.Lock()
        self._waiter: asyncio.Future[None] | None = None

    @property
    def pid(self) -> int:
        """The program's process id (also its process group and session id)."""
        return self._proc.pid

    @property
    def exit_status(self) -> int | None:
        return self._status

    @property
    def end_reason(self) -> str | None:
        return self._reason

    # -- output ------------------------------------------------------------------------
    async def read(self) -> bytes:
        """The next chunk of output; ``b""`` once the program has exited or was closed."""
        while True:
            fd = self._fd
            if fd is None:
                return b""
            try:
                data = os.read(fd, READ_SIZE)
            except BlockingIOError:
                if self._exited:  # drained everything after the exit
                    self._finish()
                    return b""
                await self._wait_readable(fd)
                continue
            except OSError:  # EIO: every slave side is closed
                await self._reap()
                self._finish()
                return b""
            if not data:
                await self._reap()
                self._finish()
                return b""
            return data

    async def _wait_readable(self, fd: int) -> None:
        """Wait until the PTY has output or the program has exited."""
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = loop.create_future()

        def wake() -> None:
            if not ready.done():
                ready.set_result(None)

        loop.add_reader(fd, wake)
        pidfd = self._pidfd
        if pidfd is not None:
            loop.add_reader(pidfd, wake)
        self._waiter = ready
        try:
            await ready
        finally:
            self._waiter = None
            self._unwatch(loop, fd, pidfd)
        if pidfd is not None and self._proc.poll() is not None:
            self._note_exit()

    async def _reap(self) -> None:
        """Collect the exit status (the program is gone or about to be)."""
        if self._proc.poll() is None:
            try:
                await asyncio.wait_for(asyncio.to_thread(self._proc.wait), HANGUP_GRACE)
            except TimeoutError:
                self._kill(signal.SIGKILL)
                await asyncio.to_thread(self._proc.wait)
        self._note_exit()

    def _note_exit(self) -> None:
        if self._exited:
            return
        self._exited = True
        code = self._proc.returncode
        name = os.path.basename(self.argv[0])
        if code is None:
            return
        if code < 0:
            self._status = 128 - code
            with contextlib.suppress(ValueError):
                sig = signal.Signals(-code).name
                if self._reason is None:
                    self._reason = f"{name} was killed by {sig}"
        else:
            self._status = code
        if self._reason is None:
            self._reason = f"{name} exited"

    def _unwatch(self, loop: asyncio.AbstractEventLoop, fd: int, pidfd: int | None) -> None:
        """Remove our readers, unless ``_finish`` closed the fds already (their numbers
        may belong to someone else by now)."""
        if self._fd != fd:
            return
        with contextlib.suppress(ValueError, OSError):
            loop.remove_reader(fd)
        if pidfd is not None:
            with contextlib.suppress(ValueError, OSError):
                loop.remove_reader(pidfd)

    def _finish(self) -> None:
        """Close the PTY and the pidfd, waking a pending ``read`` so it returns ``b""``."""
        waiter = self._waiter
        if waiter is not None:
            loop = waiter.get_loop()
            if self._fd is not None:
                self._unwatch(loop, self._fd, self._pidfd)
            if not waiter.done():
                waiter.set_result(None)
        for attr in ("_fd", "_pidfd"):
            fd = getattr(self, attr)
            if fd is not None:
                setattr(self, attr, None)
                with contextlib.suppress(OSError):
                    os.close(fd)

    # -- input -------------------------------------------------------------------------
    async def write(self, data: bytes) -> None:
        """Send input; waits (without blocking the loop) while the PTY's input is full."""
        async with self._write_lock:
            view = memoryview(data)
            while view:
                fd = self._fd
                if fd is None or self._closed:
                    return
                try:
                    written = os.write(fd, view)
                except BlockingIOError:
                    await self._wait_writable(fd)
                    continue
                except OSError:
                    return  # the program is gone: input is dropped, as documented
                view = view[written:]

    async def _wait_writable(self, fd: int) -> None:
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = loop.create_future()

        def wake() -> None:
            if not ready.done():
                ready.set_result(None)

        loop.add_writer(fd, wake)
        try:
            await asyncio.wait_for(ready, 0.25)
        except TimeoutError:
            pass
        finally:
            if self._fd == fd:
                with contextlib.suppress(ValueError, OSError):
                    loop.remove_writer(fd)

    async def resize(self, rows: int, cols: int) -> None:
        """Set the PTY's size; the kernel sends SIGWINCH to the foreground job."""
        fd = self._fd
        if fd is not None:
            with contextlib.suppress(OSError):
                _set_size(fd, max(1, rows), max(1, cols))

    # -- end ---------------------------------------------------------------------------
    def _kill(self, sig: int) -> None:
        """Signal every process of the session: its process group, and every other group
        in its POSIX session (bash's job control puts each background job in a group of
        its own, and bash may die before it passes the hang-up on to them)."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._proc.pid, sig)
        for pid in session_members(self._proc.pid):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, sig)

    async def close(self) -> None:
        """Hang up: SIGHUP to every process of the session, SIGKILL to what lingers."""
        if self._closed:
            return
        self._closed = True
        if self._proc.poll() is None:
            self._reason = "session closed"
        self._kill(signal.SIGHUP)
        self._kill(signal.SIGCONT)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + HANGUP_GRACE
        while self._proc.poll() is None or session_members(self._proc.pid):
            if loop.time() > deadline:
                self._kill(signal.SIGKILL)
                break
            await asyncio.sleep(0.02)
        await asyncio.to_thread(self._proc.wait)
        self._note_exit()
        self._finish()
