"""Removing a folder and everything in it: iterative, descriptor-based, never blocking.

``shutil.rmtree`` was not fit for a tree the container's user controls: it recurses (a
1,200-deep tree raised RecursionError half way), and on Python 3.11 it opens each folder
with a plain ``O_RDONLY``, so a folder swapped for a FIFO between its ``lstat`` and its
``open`` blocked the thread forever. Here:

- folders are only ever opened with ``O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK`` relative to
  the folder we are in: a symlink, a FIFO or a device in a folder's place is refused at
  once by the kernel, never followed, never waited on; everything else is unlinked by
  name relative to its folder's descriptor (a link is removed, never its target);
- every folder opened is checked to be the one just listed (device and inode), and going
  back up opens ``..`` and checks it is the folder we came from, so a folder moved away
  while we are inside it stops the removal instead of leading it anywhere else;
- the walk is a loop over an explicit stack: depth costs memory, not Python frames, and
  one descriptor is open at a time (a deep tree never runs out of descriptors);
- it never crosses into another file system (a mount point inside is refused);
- it checks a deadline between entries: a tree being refilled as fast as it is emptied,
  or a disk that crawls, ends in :class:`RemovalUnfinished`, never in a hang.

All functions are blocking: run them in a worker thread.
"""

from __future__ import annotations

import errno
import os
import stat as stat_module
import time
from dataclasses import dataclass, field

DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
"""How a folder is opened: never through a symlink, never anything but a folder."""


class RemovalUnfinished(Exception):
    """The removal stopped before the end: ``reason`` says why (deadline, a folder that
    changed underneath, a mount point, the system refused). What is left stays."""

    def __init__(self, reason: str, errno_: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.errno = errno_


@dataclass
class _Frame:
    """A folder on the way down: its name in its parent, its identity, what is left."""

    name: str
    identity: tuple[int, int]
    pending: list[tuple[str, tuple[int, int]]] = field(default_factory=list)
    listed: bool = False


def _identity(st: os.stat_result) -> tuple[int, int]:
    return st.st_dev, st.st_ino


def remove_tree(parent_fd: int, name: str, *, deadline: float | None = None) -> None:
    """Remove ``name`` (relative to the open folder ``parent_fd``) with all it holds.

    A non-folder is simply unlinked. Entries that vanish meanwhile are not an error.

    Args:
        deadline: ``time.monotonic()`` value after which the removal stops.

    Raises:
        FileNotFoundError: ``name`` does not exist.
        RemovalUnfinished: stopped early (see the class); part of the tree is left.
    """
    top = os.stat(name, dir_fd=parent_fd, follow_symlinks=False)
    while True:  # once more if ``name`` changed kind, or was refilled at the last moment
        try:
            if not stat_module.S_ISDIR(top.st_mode):
                _unlink(parent_fd, name)
                return
            if top.st_dev != os.fstat(parent_fd).st_dev:
                raise RemovalUnfinished("it is a mount point (another file system)", errno.EXDEV)
            fd = _open_checked(parent_fd, name, _identity(top))
            if fd is not None:
                _empty_tree(fd, _Frame(name, _identity(top)), top.st_dev, deadline)
                os.rmdir(name, dir_fd=parent_fd)
                return
        except FileNotFoundError:
            return  # gone meanwhile: someone else finished it
        except OSError as exc:
            if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                raise RemovalUnfinished(exc.strerror or str(exc), exc.errno) from None
        _check(deadline)
        try:
            top = os.stat(name, dir_fd=parent_fd, follow_symlinks=False)
        except FileNotFoundError:
            return
        except OSError as exc:
            raise RemovalUnfinished(exc.strerror or str(exc), exc.errno) from None


def _empty_tree(fd: int, top: _Frame, device: int, deadline: float | None) -> None:
    """Remove everything under the open folder ``fd`` (``top``), which it closes."""
    stack = [top]
    try:
        while True:
            _check(deadline)
            frame = stack[-1]
            if not frame.listed:
                frame.pending = _empty_out(fd, device, deadline)
                frame.listed = True
            if frame.pending:
                child, identity = frame.pending.pop()
                child_fd = _open_checked(fd, child, identity)
                if child_fd is None:  # gone or swapped: look at this folder again later
                    frame.listed = False
                    continue
                os.close(fd)
                fd = child_fd
                stack.append(_Frame(child, identity))
                continue
            # This folder is empty (as far as we saw): go back up and remove it.
            stack.pop()
            if not stack:
                return
            parent = _open_parent(fd, stack[-1].identity)
            os.close(fd)
            fd = parent
            try:
                os.rmdir(frame.name, dir_fd=fd)
            except FileNotFoundError:
                pass
            except OSError as exc:
                if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                    raise
                stack[-1].listed = False  # refilled meanwhile: list the parent again
    finally:
        os.close(fd)


def _check(deadline: float | None) -> None:
    if deadline is not None and time.monotonic() > deadline:
        raise RemovalUnfinished("it took too long", errno.ETIMEDOUT)


def _open_checked(dir_fd: int, name: str, identity: tuple[int, int]) -> int | None:
    """Open folder ``name`` if it is still the one listed (else None: gone or swapped)."""
    try:
        fd = os.open(name, DIR_FLAGS, dir_fd=dir_fd)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR, errno.ENXIO):
            return None  # a symlink, a FIFO, a device... now: unlinked on the next listing
        raise
    if _identity(os.fstat(fd)) != identity:
        os.close(fd)
        return None
    return fd


def _open_parent(fd: int, identity: tuple[int, int]) -> int:
    """Open ``..`` of ``fd``, which must be the folder we came down from."""
    parent = os.open("..", DIR_FLAGS, dir_fd=fd)
    if _identity(os.fstat(parent)) != identity:
        os.close(parent)
        raise RemovalUnfinished("a folder was moved while it was being deleted")
    return parent


def _empty_out(fd: int, device: int, deadline: float | None) -> list[tuple[str, tuple[int, int]]]:
    """Unlink every non-folder in ``fd``; return its sub-folders (name, identity)."""
    folders: list[tuple[str, tuple[int, int]]] = []
    with os.scandir(fd) as entries:
        for entry in entries:
            _check(deadline)
            try:
                st = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue
            if stat_module.S_ISDIR(st.st_mode):
                if st.st_dev != device:
                    raise RemovalUnfinished(
                        "it holds a mount point (another file system)", errno.EXDEV
                    )
                folders.append((entry.name, _identity(st)))
                continue
            _unlink(fd, entry.name)
    return folders


def _unlink(dir_fd: int, name: str) -> None:
    try:
        os.unlink(name, dir_fd=dir_fd)
    except FileNotFoundError:
        pass
    except IsADirectoryError:
        pass  # became a folder meanwhile: the next listing sees it
    except OSError as exc:
        if exc.errno == errno.EPERM and _is_dir(dir_fd, name):
            return  # (some systems say EPERM when unlinking a folder)
        raise


def _is_dir(dir_fd: int, name: str) -> bool:
    try:
        return stat_module.S_ISDIR(os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode)
    except OSError:
        return False
