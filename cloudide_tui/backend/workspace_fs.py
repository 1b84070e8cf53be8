"""Host-side file operations confined to one workspace folder, safe against symlink tricks.

The container's user can make any symlink inside the workspace (``ln -s /etc/shadow x``,
``ln -s / root``) and can swap a folder for a symlink at any moment. The host process that
serves the file API runs with more rights than that user (often root), so every operation
here is done relative to an open descriptor of the workspace root, one component at a time:

- each folder on the way is opened with ``O_DIRECTORY | O_NOFOLLOW`` relative to the
  previous one (``dir_fd=``), so a symlink anywhere on the path is refused, never followed,
  and there is no window between a check and the use of what was checked;
- the last component is opened, stat-ed, renamed or removed with ``dir_fd=`` variants and
  ``O_NOFOLLOW`` / ``follow_symlinks=False``;
- as a second, independent check, the folder finally used is asked where it really is
  (``/proc/self/fd``) and that resolved path must be ``Path.is_relative_to`` the resolved
  root (never a string prefix test: Jupyter's CVE-2026-35397 was exactly that).

Symlinks are listed (kind ``"symlink"``) and can be renamed or deleted (the link itself),
but they are never followed, not even when they point inside the workspace: reading or
writing through one is refused with a message saying so. The workspace root itself being
a symlink is refused too.

Everything here is blocking; ``DockerBackend`` calls it through ``asyncio.to_thread``.
Errors are ``cloudide_tui.errors`` classes with workspace-relative paths in the message
(the host path of the workspace is never shown, the remote server must not leak it).
"""

from __future__ import annotations

import codecs
import ctypes
import ctypes.util
import errno
import os
import secrets
import shutil
import stat as stat_module
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path

from cloudide_tui import defaults
from cloudide_tui.backend.base import EntryKind, FileContent, FileEntry
from cloudide_tui.errors import (
    AlreadyExists,
    CloudIDEError,
    Conflict,
    DeletedOnDisk,
    FileOperationError,
    InvalidPath,
    NotFound,
)
from cloudide_tui.validation import display, join_parts, validate_project_name, workspace_parts

TEMP_PREFIX = ".cloudide-tmp-"
"""Name prefix of the temporary files of atomic writes (short, so any file name fits)."""

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
_CHUNK = 1 << 20


def container_owner_ids() -> tuple[int | None, int | None]:
    """The uid/gid to give created files: the container's ``dev`` when we run as root.

    A non-root host user cannot chown; its files keep its own uid (the common desktop case,
    where that uid is usually 1000 as well).
    """
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return defaults.CONTAINER_UID, defaults.CONTAINER_GID
    return None, None


def _kind(mode: int) -> EntryKind:
    if stat_module.S_ISLNK(mode):
        return "symlink"
    if stat_module.S_ISDIR(mode):
        return "dir"
    if stat_module.S_ISREG(mode):
        return "file"
    return "other"


def _kind_words(mode: int) -> str:
    """What a non-regular entry is, for a message."""
    if stat_module.S_ISLNK(mode):
        return "a symbolic link"
    if stat_module.S_ISDIR(mode):
        return "a folder"
    if stat_module.S_ISFIFO(mode):
        return "a named pipe"
    if stat_module.S_ISSOCK(mode):
        return "a socket"
    if stat_module.S_ISCHR(mode) or stat_module.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def version_of(st: os.stat_result) -> str:
    """A token that changes whenever the content may have changed.

    mtime (ns), size and inode: an atomic replacement (ours, ``sed -i``, git) makes a new
    inode; an in-place write moves mtime. Weak spot: two in-place writes of the same size
    within one kernel clock tick (a few ms) keep the same token.
    """
    return f"{st.st_mtime_ns}:{st.st_size}:{st.st_ino}"


def _entry(parts: tuple[str, ...], st: os.stat_result) -> FileEntry:
    return FileEntry(
        path=join_parts(parts),
        name=parts[-1] if parts else "",
        kind=_kind(st.st_mode),
        size=st.st_size,
        mtime=st.st_mtime,
        version=version_of(st),
    )


def _looks_binary(data: bytes, complete: bool) -> bool:
    """NUL bytes or invalid UTF-8; a multi-byte character cut by the limit is not invalid."""
    if b"\0" in data:
        return True
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    try:
        decoder.decode(data, final=complete)
    except UnicodeDecodeError:
        return True
    return False


# -- renameat2(RENAME_NOREPLACE): "never over an existing entry" without a race -----------

_RENAME_NOREPLACE = 1
_libc: ctypes.CDLL | None
try:
    _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    _renameat2 = _libc.renameat2
    _renameat2.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    _renameat2.restype = ctypes.c_int
except (OSError, AttributeError):  # not glibc >= 2.28: fall back to check-then-rename
    _libc = None


def rename_noreplace(src_dir_fd: int, src: str, dst_dir_fd: int, dst: str) -> None:
    """Rename ``src`` to ``dst`` (both relative to their dir fds), failing if ``dst`` exists.

    Uses ``renameat2(RENAME_NOREPLACE)``, atomic in the kernel. Where that is missing (old
    libc, or a file system that refuses the flag) it falls back to a check then a rename,
    which has a small race window.

    Raises:
        FileExistsError: ``dst`` exists.
        OSError: anything else the kernel refuses.
    """
    if _libc is not None:
        result = _renameat2(
            src_dir_fd, os.fsencode(src), dst_dir_fd, os.fsencode(dst), _RENAME_NOREPLACE
        )
        if result == 0:
            return
        err = ctypes.get_errno()
        if err not in (errno.ENOSYS, errno.EINVAL):
            raise OSError(err, os.strerror(err), src)
        # ENOSYS/EINVAL: the flag is not supported here (EINVAL can also mean "a folder
        # into itself"; the plain rename below then fails with EINVAL as well).
    if _exists(dst_dir_fd, dst):
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), dst)
    os.rename(src, dst, src_dir_fd=src_dir_fd, dst_dir_fd=dst_dir_fd)


def _exists(dir_fd: int, name: str) -> bool:
    try:
        os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return False
    return True


def _fd_path(fd: int) -> Path | None:
    """Where an open descriptor really is, from /proc (None where /proc is missing)."""
    try:
        target = os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return None
    return Path(target.removesuffix(" (deleted)"))


class WorkspaceFS:
    """File operations on one workspace folder, never leaving it, never following symlinks.

    Args:
        root: The workspace folder on the host. It must exist and must not be a symlink.
        uid: Owner to give every file and folder this object creates (with ``gid``); the
            container user, so the shell can edit them. ``None`` keeps the process's own.
        gid: Group for the same.

    Every method takes workspace-relative POSIX paths (``""`` is the root), checked by
    ``validation.workspace_parts`` and then walked component by component from a
    descriptor of the root (see the module docstring). Symlinks are reported as
    ``"symlink"`` entries and never followed, even when they point inside the workspace.
    """

    def __init__(self, root: Path, *, uid: int | None = None, gid: int | None = None) -> None:
        self.root = Path(root)
        self.uid = uid
        self.gid = gid

    def __repr__(self) -> str:
        return f"WorkspaceFS({str(self.root)!r})"

    # -- the walk -------------------------------------------------------------------------
    def _open_root(self) -> int:
        try:
            return os.open(self.root, _DIR_FLAGS)
        except FileNotFoundError:
            raise NotFound("The project's workspace folder does not exist.") from None
        except OSError as exc:
            if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                raise InvalidPath(
                    "The project's workspace folder is a symbolic link or not a folder; "
                    "refusing to use it."
                ) from None
            raise _os_error(exc, "the workspace folder") from None

    @contextmanager
    def _dir(self, parts: tuple[str, ...]) -> Iterator[int]:
        """Open the folder ``parts`` (relative to the root) without following any symlink.

        Yields a descriptor that is closed on exit. The resolved location of the folder is
        checked to be inside the resolved root as well.
        """
        root_fd = self._open_root()
        fd = root_fd
        try:
            root_real = _fd_path(root_fd)
            for index, part in enumerate(parts):
                try:
                    next_fd = os.open(part, _DIR_FLAGS, dir_fd=fd)
                except OSError as exc:
                    raise self._walk_error(exc, fd, parts[: index + 1]) from None
                if fd != root_fd:
                    os.close(fd)
                fd = next_fd
            if root_real is not None:
                real = _fd_path(fd)
                if real is None or not real.is_relative_to(root_real):
                    raise InvalidPath(
                        f"The folder {display(join_parts(parts))} is not inside the "
                        "workspace any more."
                    )
            try:
                yield fd
            except OSError as exc:
                raise _os_error(exc, join_parts(parts)) from None
        finally:
            if fd != root_fd:
                os.close(fd)
            os.close(root_fd)

    def _walk_error(self, exc: OSError, parent_fd: int, parts: tuple[str, ...]) -> Exception:
        """Turn a failed open of a folder on the way into a message saying why."""
        shown = display(join_parts(parts))
        if exc.errno == errno.ENOENT:
            return NotFound(f"The folder {shown} does not exist.")
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            try:
                st = os.stat(parts[-1], dir_fd=parent_fd, follow_symlinks=False)
            except OSError:
                return NotFound(f"The folder {shown} does not exist.")
            if stat_module.S_ISLNK(st.st_mode):
                return _symlink_refused(parts)
            if stat_module.S_ISDIR(st.st_mode):  # it was a link a moment ago
                return InvalidPath(f"{shown} changed while it was being opened; try again.")
            return InvalidPath(f"{shown} is not a folder.")
        return _os_error(exc, join_parts(parts))

    @contextmanager
    def _parent(self, path: str, action: str) -> Iterator[tuple[int, tuple[str, ...]]]:
        """Open the folder holding ``path``; yields (its fd, the parts of ``path``)."""
        parts = workspace_parts(path)
        if not parts:
            raise InvalidPath(f"Cannot {action} the workspace folder itself.")
        with ExitStack() as stack:
            try:
                fd = stack.enter_context(self._dir(parts[:-1]))
            except NotFound as exc:
                if parts[:-1]:
                    raise NotFound(
                        f"Cannot {action} {display(join_parts(parts))}: "
                        f"{exc.message[:1].lower()}{exc.message[1:]}",
                        hint="make the folder first",
                    ) from None
                raise
            try:
                yield fd, parts
            except OSError as exc:  # anything the body did not turn into words itself
                raise _os_error(exc, join_parts(parts)) from None

    # -- queries --------------------------------------------------------------------------
    def list_dir(self, path: str = "") -> list[FileEntry]:
        """The entries of a folder: folders first, then the rest, each by name.

        Symlinks are listed as kind ``"symlink"`` (what they point at is not looked at).
        Entries that vanish while listing, and the temp files of saves in progress
        (``.cloudide-tmp-*``), are left out.

        Raises:
            InvalidPath, NotFound: the path is refused, missing, a file or a symlink.
        """
        parts = workspace_parts(path)
        entries: list[FileEntry] = []
        with self._dir(parts) as fd, os.scandir(fd) as it:
            for item in it:
                if item.name.startswith(TEMP_PREFIX):  # a save in progress, not a file yet
                    continue
                try:
                    st = item.stat(follow_symlinks=False)
                except FileNotFoundError:
                    continue
                entries.append(_entry((*parts, item.name), st))
        entries.sort(key=lambda e: (e.kind != "dir", e.name.casefold(), e.name))
        return entries

    def stat(self, path: str) -> FileEntry:
        """One entry (``""``: the workspace folder itself). Never follows a symlink.

        Raises:
            InvalidPath, NotFound.
        """
        parts = workspace_parts(path)
        if not parts:
            with self._dir(()) as fd:
                return _entry((), os.fstat(fd))
        with self._parent(path, "look at") as (fd, parts):
            try:
                st = os.stat(parts[-1], dir_fd=fd, follow_symlinks=False)
            except FileNotFoundError:
                raise NotFound(f"{display(join_parts(parts))} does not exist.") from None
            except OSError as exc:
                raise _os_error(exc, join_parts(parts)) from None
        return _entry(parts, st)

    def read_file(self, path: str, limit: int = defaults.READ_LIMIT) -> FileContent:
        """Read at most ``limit`` bytes of a regular file.

        Opened with ``O_NOFOLLOW | O_NONBLOCK`` and checked to be a regular file on the open
        descriptor, so a symlink is refused and a FIFO or device never blocks the caller.
        ``truncated`` says the file holds more than was read; ``binary`` that what was read
        has NUL bytes or is not UTF-8 (a character cut at the limit does not count).
        ``entry.version`` is taken before reading: if the file changes meanwhile, a later
        save sees a conflict rather than silently overwriting.

        Raises:
            InvalidPath: a symlink, a folder, a pipe, a device.
            NotFound: missing file or folder.
            FileOperationError: the system refused (permissions, I/O error).
        """
        if limit < 0:
            raise ValueError("limit must be >= 0")
        with self._parent(path, "read") as (dir_fd, parts):
            shown = display(join_parts(parts))
            name = parts[-1]
            try:
                pre = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
            except FileNotFoundError:
                raise NotFound(f"{shown} does not exist.") from None
            if stat_module.S_ISLNK(pre.st_mode):
                raise _symlink_refused(parts)
            if not stat_module.S_ISREG(pre.st_mode):
                # Checked before opening: opening a device can have effects of its own.
                raise InvalidPath(f"{shown} is {_kind_words(pre.st_mode)}, not a file.")
            try:
                fd = os.open(name, _READ_FLAGS, dir_fd=dir_fd)
            except OSError as exc:
                if exc.errno == errno.ELOOP:
                    raise _symlink_refused(parts) from None
                if exc.errno == errno.ENOENT:
                    raise NotFound(f"{shown} does not exist.") from None
                raise _os_error(exc, join_parts(parts)) from None
            try:
                st = os.fstat(fd)
                if not stat_module.S_ISREG(st.st_mode):
                    raise InvalidPath(f"{shown} is {_kind_words(st.st_mode)}, not a file.")
                data = _read_at_most(fd, limit + 1, shown)
            finally:
                os.close(fd)
        truncated = len(data) > limit or st.st_size > limit
        data = data[:limit]
        return FileContent(
            entry=_entry(parts, st),
            data=data,
            truncated=truncated,
            binary=_looks_binary(data, complete=not truncated),
        )

    # -- changes --------------------------------------------------------------------------
    def write_file(self, path: str, data: bytes, expected_version: str | None = None) -> FileEntry:
        """Replace (or create) a file atomically: temp file, fsync, rename, fsync folder.

        A crash or a failed write leaves the old file whole and no temp file behind. An
        existing file keeps its mode (less set-user/group-id bits) and owner; a new one
        gets the process umask's mode and ``uid``/``gid`` if given. A check of
        ``expected_version`` is repeated just before the rename, which narrows but cannot
        close the window in which another writer (the shell) could slip in.

        Args:
            path: The file; its folder must exist.
            data: The whole new content.
            expected_version: The ``version`` the caller read; if the file on disk has
                another one (or has gone), nothing is written.

        Raises:
            Conflict: the file changed (or vanished) since ``expected_version``.
            NotFound: the folder does not exist (the message names it).
            InvalidPath: the path is refused, a symlink, a folder or not a regular file.
            FileOperationError: the system refused (disk full, file too big, permissions).
        """
        with self._parent(path, "save") as (dir_fd, parts):
            name = parts[-1]
            shown = display(join_parts(parts))
            current = self._existing_file(dir_fd, parts)
            _check_version(current, expected_version, shown)
            if current is not None:
                # Kept, except set-user/group-id: new content must not inherit a privilege.
                mode = stat_module.S_IMODE(current.st_mode)
                owner: tuple[int | None, int | None] = (current.st_uid, current.st_gid)
            else:
                mode, owner = -1, (self.uid, self.gid)
            tmp = TEMP_PREFIX + secrets.token_hex(8)
            try:
                fd = os.open(
                    tmp,
                    os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                    0o666,
                    dir_fd=dir_fd,
                )
            except OSError as exc:
                raise _os_error(exc, join_parts(parts)) from None
            try:
                try:
                    # Owner first: a chown clears set-id bits, so the mode comes after.
                    _fchown(fd, *owner, keep_quiet=current is not None)
                    if mode >= 0:
                        os.fchmod(fd, mode & ~(stat_module.S_ISUID | stat_module.S_ISGID))
                    _write_all(fd, data)
                    os.fsync(fd)
                finally:
                    os.close(fd)
                # Narrow the window: the file may have changed while we wrote.
                _check_version(self._existing_file(dir_fd, parts), expected_version, shown)
                os.rename(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
            except BaseException as exc:
                with suppress(OSError):
                    os.unlink(tmp, dir_fd=dir_fd)
                if isinstance(exc, OSError):
                    raise _os_error(exc, join_parts(parts)) from None
                raise
            with suppress(OSError):  # some file systems cannot fsync a folder
                os.fsync(dir_fd)
            return _entry(parts, os.stat(name, dir_fd=dir_fd, follow_symlinks=False))

    def _existing_file(self, dir_fd: int, parts: tuple[str, ...]) -> os.stat_result | None:
        """The stat of the file to be replaced, None if absent; refuses non-files."""
        try:
            st = os.stat(parts[-1], dir_fd=dir_fd, follow_symlinks=False)
        except FileNotFoundError:
            return None
        if stat_module.S_ISLNK(st.st_mode):
            raise _symlink_refused(parts)
        if not stat_module.S_ISREG(st.st_mode):
            raise InvalidPath(
                f"{display(join_parts(parts))} is {_kind_words(st.st_mode)}, not a file."
            )
        return st

    def make_dir(self, path: str) -> FileEntry:
        """Make one folder (its parent must exist), owned by ``uid``/``gid`` if given.

        Raises:
            AlreadyExists: something has that name already.
            NotFound: the parent folder does not exist.
            InvalidPath: the path is refused.
        """
        with self._parent(path, "make") as (dir_fd, parts):
            name = parts[-1]
            try:
                os.mkdir(name, 0o777, dir_fd=dir_fd)
            except FileExistsError:
                raise AlreadyExists(f"{display(join_parts(parts))} exists already.") from None
            except OSError as exc:
                raise _os_error(exc, join_parts(parts)) from None
            try:
                fd = os.open(name, _DIR_FLAGS, dir_fd=dir_fd)
            except OSError as exc:  # swapped for something else at once: leave it be
                raise _os_error(exc, join_parts(parts)) from None
            try:
                _fchown(fd, self.uid, self.gid)
                st = os.fstat(fd)
            finally:
                os.close(fd)
        return _entry(parts, st)

    def rename(self, src: str, dst: str) -> FileEntry:
        """Move a file, folder or symlink (the link itself) within the workspace.

        Never replaces an existing entry (``renameat2(RENAME_NOREPLACE)``).

        Raises:
            NotFound: ``src`` or the folder of ``dst`` does not exist.
            AlreadyExists: ``dst`` exists.
            InvalidPath: a path is refused, or a folder would move into itself.
        """
        with (
            self._parent(src, "move") as (src_fd, src_parts),
            self._parent(dst, "move to") as (dst_fd, dst_parts),
        ):
            if dst_parts == src_parts:
                raise AlreadyExists(f"{display(join_parts(src_parts))} already has that name.")
            if dst_parts[: len(src_parts)] == src_parts:
                raise InvalidPath(f"Cannot move {display(join_parts(src_parts))} into itself.")
            if not _exists(src_fd, src_parts[-1]):
                raise NotFound(f"{display(join_parts(src_parts))} does not exist.")
            try:
                rename_noreplace(src_fd, src_parts[-1], dst_fd, dst_parts[-1])
            except FileExistsError:
                raise AlreadyExists(
                    f"{display(join_parts(dst_parts))} exists already.",
                    hint="choose another name or delete it first",
                ) from None
            except FileNotFoundError:
                raise NotFound(f"{display(join_parts(src_parts))} does not exist.") from None
            except OSError as exc:
                if exc.errno == errno.EINVAL:
                    raise InvalidPath(
                        f"Cannot move {display(join_parts(src_parts))} into itself."
                    ) from None
                raise _os_error(exc, join_parts(src_parts)) from None
            st = os.stat(dst_parts[-1], dir_fd=dst_fd, follow_symlinks=False)
        return _entry(dst_parts, st)

    def delete(self, path: str) -> None:
        """Delete a file, a symlink (never its target) or a folder with all it holds.

        Folders go through ``shutil.rmtree(dir_fd=...)``, which on Linux works on
        descriptors and does not follow symlinks found inside.

        Raises:
            NotFound: nothing has that name.
            InvalidPath: the path is refused (including the workspace folder itself).
        """
        with self._parent(path, "delete") as (dir_fd, parts):
            name = parts[-1]
            try:
                st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
                if stat_module.S_ISDIR(st.st_mode):
                    shutil.rmtree(name, dir_fd=dir_fd)
                else:
                    os.unlink(name, dir_fd=dir_fd)
            except FileNotFoundError:
                raise NotFound(f"{display(join_parts(parts))} does not exist.") from None
            except OSError as exc:
                raise _os_error(exc, join_parts(parts)) from None


# -- helpers -------------------------------------------------------------------------------


def _symlink_refused(parts: tuple[str, ...]) -> InvalidPath:
    return InvalidPath(
        f"{display(join_parts(parts))} is a symbolic link; the file API never follows links "
        "(they could lead outside the workspace).",
        hint="open the file it points to by its own path, or use the terminal",
    )


def _check_version(current: os.stat_result | None, expected: str | None, shown: str) -> None:
    if expected is None:
        return
    if current is None:
        raise DeletedOnDisk(
            f"{shown} was deleted on disk since it was opened.",
            hint="save again to create it anew, or keep your copy elsewhere",
        )
    if version_of(current) != expected:
        raise Conflict(
            f"{shown} changed on disk since it was opened; saving would overwrite it.",
            hint="reload it, or save anyway",
        )


def _os_error(exc: OSError, what: str) -> CloudIDEError:
    """An OSError as a user-facing error, naming the workspace path (never the host path)."""
    shown = display(what)
    reason = exc.strerror or str(exc)
    if exc.errno == errno.ENOENT:
        return NotFound(f"{shown} does not exist.")
    if exc.errno == errno.EEXIST:
        return AlreadyExists(f"{shown} exists already.")
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return FileOperationError(f"No space left for {shown}.", hint="free some disk space")
    if exc.errno == errno.EFBIG:
        return FileOperationError(f"{shown} would be larger than the system allows.")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return FileOperationError(f"Permission denied for {shown} ({reason}).")
    if exc.errno == errno.ENAMETOOLONG:
        return InvalidPath(f"The name {shown} is too long.")
    return FileOperationError(f"{shown}: {reason}.")


def _fchown(fd: int, uid: int | None, gid: int | None, *, keep_quiet: bool = False) -> None:
    """Give ``fd`` an owner; when keeping an existing owner, a refusal is not an error."""
    if uid is None and gid is None:
        return
    try:
        os.fchown(fd, -1 if uid is None else uid, -1 if gid is None else gid)
    except PermissionError:
        if not keep_quiet:
            raise


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view[:_CHUNK])
        view = view[written:]


def _read_at_most(fd: int, count: int, shown: str) -> bytes:
    chunks: list[bytes] = []
    remaining = count
    while remaining > 0:
        try:
            chunk = os.read(fd, min(remaining, _CHUNK))
        except BlockingIOError:  # a regular file never does this; be safe anyway
            raise InvalidPath(f"{shown} cannot be read without waiting.") from None
        except OSError as exc:
            raise _os_error(exc, shown.strip("'")) from None
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


# -- whole workspaces ----------------------------------------------------------------------


def _open_parent(parent: Path, *, create: bool) -> int:
    """Open the folder holding workspaces (``<data>/workspaces/<owner>``), not via a symlink.

    With ``create``, missing folders are made private to the host user (mode 0700): the
    container reaches its workspace by a bind mount and needs no access to the parents.
    """
    if create:
        os.makedirs(parent, mode=0o700, exist_ok=True)
    try:
        return os.open(parent, _DIR_FLAGS)
    except FileNotFoundError:
        raise NotFound("The workspaces folder does not exist.") from None
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            raise InvalidPath(
                f"The workspaces folder {parent} is a symbolic link or not a folder."
            ) from None
        raise _os_error(exc, str(parent)) from None


def create_workspace(
    parent: Path, name: str, *, uid: int | None = None, gid: int | None = None
) -> Path:
    """Make an empty workspace folder ``parent/name`` (``parent`` is made if missing).

    Returns:
        The new folder's path.

    Raises:
        InvalidName: ``name`` is not a valid project name.
        AlreadyExists: a workspace (or anything) with that name exists.
    """
    validate_project_name(name)
    parent_fd = _open_parent(parent, create=True)
    try:
        try:
            os.mkdir(name, 0o755, dir_fd=parent_fd)
        except FileExistsError:
            raise AlreadyExists(f"A project called {display(name)} exists already.") from None
        except OSError as exc:
            raise _os_error(exc, name) from None
        fd = os.open(name, _DIR_FLAGS, dir_fd=parent_fd)
        try:
            _fchown(fd, uid, gid)
            os.fchmod(fd, 0o755)
        finally:
            os.close(fd)
    finally:
        os.close(parent_fd)
    return parent / name


def rename_workspace(parent: Path, old: str, new: str) -> Path:
    """Rename workspace folder ``old`` to ``new`` under ``parent``, never over another.

    Raises:
        InvalidName: either name is invalid.
        NotFound: there is no workspace ``old``.
        AlreadyExists: ``new`` exists.
    """
    validate_project_name(old)
    validate_project_name(new)
    parent_fd = _open_parent(parent, create=False)
    try:
        _require_workspace(parent_fd, old)
        try:
            rename_noreplace(parent_fd, old, parent_fd, new)
        except FileExistsError:
            raise AlreadyExists(f"A project called {display(new)} exists already.") from None
        except OSError as exc:
            raise _os_error(exc, old) from None
    finally:
        os.close(parent_fd)
    return parent / new


def remove_workspace(parent: Path, name: str) -> None:
    """Delete workspace folder ``parent/name`` with everything in it, for good.

    Raises:
        InvalidName: ``name`` is invalid.
        NotFound: there is no such workspace.
    """
    validate_project_name(name)
    parent_fd = _open_parent(parent, create=False)
    try:
        _require_workspace(parent_fd, name)
        try:
            shutil.rmtree(name, dir_fd=parent_fd)
        except OSError as exc:
            raise _os_error(exc, name) from None
    finally:
        os.close(parent_fd)


def list_workspaces(parent: Path) -> list[str]:
    """Names of the workspace folders under ``parent``, sorted; [] if it does not exist.

    Entries that are not folders, are symlinks, or whose names are not valid project
    names (temp folders, stray files) are left out.
    """
    try:
        parent_fd = _open_parent(parent, create=False)
    except NotFound:
        return []
    names: list[str] = []
    try:
        with os.scandir(parent_fd) as it:
            for item in it:
                if not item.is_dir(follow_symlinks=False):
                    continue
                try:
                    validate_project_name(item.name)
                except CloudIDEError:
                    continue
                names.append(item.name)
    finally:
        os.close(parent_fd)
    return sorted(names)


def _require_workspace(parent_fd: int, name: str) -> None:
    try:
        st = os.stat(name, dir_fd=parent_fd, follow_symlinks=False)
    except FileNotFoundError:
        raise NotFound(f"There is no project called {display(name)}.") from None
    if not stat_module.S_ISDIR(st.st_mode):
        raise InvalidPath(f"The workspace of {display(name)} is not a folder.")
