"""Per-project disk limits: each project's files live on an ext4 image of its own.

Why an image: a project's shell writes to ``/workspace`` and its home, both bind mounts
of host folders, and the file API writes to the same folders from the host. A limit must
cover both writers, so it has to be the file system's. What this engine offers was tried
here (docs/backend.md, "Disk limits"): overlay2's ``storage_opt size`` needs XFS with
``pquota`` under /var/lib/docker (ext4 here) and would only limit the container's own
layer, which is read-only anyway; ext4 project quotas need the ``project`` feature that
this file system lacks (``FS_IOC_FSSETXATTR`` gives EOPNOTSUPP). A loop-mounted image
works on any Linux host: a sparse file of the limit's size (it takes only what is
written: deleting files gives the space back, ``discard``), ``mkfs.ext4``, mounted with
``loop,nosuid,nodev,discard`` at ``disks/<owner>/<project>/``, whose ``workspace/`` and
``home/`` are bind-mounted on the project's workspace and home folders. So every path
the rest of the backend uses stays the same, and a write past the limit fails with
ENOSPC ("No space left on device"), inside the container and through the API alike.

A larger ``disk`` setting grows existing disks when their container next starts
(:func:`grow`, offline); a smaller one never shrinks them.

What it cannot do: mounting needs root (the app runs as root on servers and here; a
desktop user's app cannot, and its projects then have no disk limit: :func:`problem`
says why); the mounts do not survive a reboot (:func:`ensure` makes them again before
any use, and refuses to use an unmounted project rather than write beside its disk);
a project made before limits were on has no image and stays unlimited; the engine must
see the host's mounts (a dockerd in another mount namespace would not).

Everything here is blocking (subprocesses, file system): call it from a thread.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

from cloudide_tui import paths
from cloudide_tui.errors import FileOperationError
from cloudide_tui.validation import display

MOUNT_OPTIONS = "loop,nosuid,nodev,discard"
MKFS_OPTIONS = "lazy_itable_init=1,lazy_journal_init=1,nodiscard"
MIN_DISK_BYTES = 32 << 20
"""Smallest disk we make (ext4's journal and tables need a few MiB)."""

#: Seconds a mount tool may take before we give up on it (a hung mount must not hang us).
TOOL_TIMEOUT = 60.0

_locks: dict[Path, threading.RLock] = {}
_locks_lock = threading.Lock()


def _lock(disk: ProjectDisk) -> threading.RLock:
    """One lock per disk image: mounting and growing never overlap (a mount during
    e2fsck or resize2fs would corrupt it)."""
    with _locks_lock:
        return _locks.setdefault(disk.image, threading.RLock())


_TOOLS = ("mount", "umount", "losetup", "mkfs.ext4", "e2fsck", "resize2fs")


def problem() -> str | None:
    """Why disk limits cannot be used by this process (None: they can)."""
    if os.geteuid() != 0:
        return f"mounting a disk per project needs root (this app runs as uid {os.geteuid()})"
    missing = [tool for tool in _TOOLS if shutil.which(tool) is None]
    if missing:
        return f"{', '.join(missing)} not found (install mount and e2fsprogs)"
    if not os.path.exists("/dev/loop-control"):
        return "this system has no loop devices (/dev/loop-control)"
    return None


@dataclass(frozen=True, slots=True)
class ProjectDisk:
    """Where one project's disk image, its mount point and the two bind targets are."""

    project: str
    image: Path
    mount: Path
    workspace: Path
    home: Path

    @classmethod
    def of(cls, data_dir: Path, owner: str, project: str) -> ProjectDisk:
        """The disk of ``project`` (names already validated) in ``data_dir``."""
        disks = paths.disks_dir(data_dir, owner)
        return cls(
            project=project,
            image=disks / f"{project}.img",
            mount=disks / project,
            workspace=paths.workspace_dir(data_dir, owner, project),
            home=paths.home_dir(data_dir, owner, project),
        )

    def exists(self) -> bool:
        """Whether the project has a disk (projects made without limits have none)."""
        return self.image.is_file()

    def mounted(self) -> bool:
        """Whether the workspace and the home are the disk's (bind-mounted)."""
        return os.path.ismount(self.workspace) and os.path.ismount(self.home)


def _run(*argv: str) -> None:
    try:
        subprocess.run(
            argv, check=True, capture_output=True, timeout=TOOL_TIMEOUT, stdin=subprocess.DEVNULL
        )
    except subprocess.CalledProcessError as exc:
        words = (exc.stderr or b"").decode("utf-8", "replace").strip().splitlines()
        raise FileOperationError(
            f"{argv[0]} failed: {words[-1] if words else f'exit status {exc.returncode}'}."
        ) from None
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise FileOperationError(f"{argv[0]} could not run: {exc}.") from None


def make(disk: ProjectDisk, size: int, uid: int | None, gid: int | None) -> None:
    """Make the project's disk (a sparse image of ``size`` bytes) and mount it.

    The workspace and home folders must exist (empty): they become mount points.

    Raises:
        FileOperationError: a tool failed (the half-made image is removed).
    """
    disk.image.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    owner = f"{uid if uid is not None else os.getuid()}:{gid if gid is not None else os.getgid()}"
    fd = os.open(disk.image, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    try:
        os.ftruncate(fd, max(size, MIN_DISK_BYTES))
    finally:
        os.close(fd)
    try:
        _run("mkfs.ext4", "-q", "-F", "-m", "0", "-E", f"root_owner={owner},{MKFS_OPTIONS}",
             str(disk.image))  # fmt: skip
        ensure(disk, uid, gid)
    except BaseException:
        release(disk)
        with contextlib.suppress(FileNotFoundError):
            disk.image.unlink()
        raise


def ensure(disk: ProjectDisk, uid: int | None, gid: int | None) -> bool:
    """Mount the project's disk where it belongs, if it has one and is not mounted.

    Returns:
        True when the project's files are on its disk, False when it has none.

    Raises:
        FileOperationError: it has a disk that cannot be mounted: the project is not
            used at all then (writing to the bare folders would put files beside it).
    """
    if not disk.exists():
        return False
    if disk.mounted():
        return True
    with _lock(disk):
        return _mount(disk, uid, gid)


def _mount(disk: ProjectDisk, uid: int | None, gid: int | None) -> bool:
    if disk.mounted():
        return True
    why = problem()
    if why is not None:
        raise FileOperationError(
            f"The disk of project {display(disk.project)} is not mounted, and {why}.",
            hint="start cloudide-tui as root once to mount it",
        )
    disk.mount.mkdir(mode=0o700, exist_ok=True)
    if not os.path.ismount(disk.mount):
        _run("mount", "-o", MOUNT_OPTIONS, str(disk.image), str(disk.mount))
    for part, target in (("workspace", disk.workspace), ("home", disk.home)):
        inside = disk.mount / part
        if not inside.is_dir():
            inside.mkdir(mode=0o755)
            if uid is not None or gid is not None:
                os.chown(inside, -1 if uid is None else uid, -1 if gid is None else gid)
        target.mkdir(mode=0o755, parents=True, exist_ok=True)
        if not os.path.ismount(target):
            _run("mount", "-o", "bind", str(inside), str(target))
    return True


def grow(disk: ProjectDisk, size: int, uid: int | None, gid: int | None) -> bool:
    """Make the project's disk ``size`` bytes when it is smaller; never shrinks (that could
    lose files). Returns whether it grew.

    Done offline, which needs no more than root (growing a mounted ext4 also needs
    CAP_SYS_RESOURCE, which some sandboxes, this one included, do not give even to root):
    the caller makes sure no container of the project runs; our own mounts are undone,
    and if the image is still attached to a loop device (a container elsewhere still has
    it mounted) nothing is done. Then: the image grows (still sparse), ``e2fsck -f -p``
    (resize2fs wants a checked file system), ``resize2fs``, and it is mounted again.

    Raises:
        FileOperationError: a tool failed (the files are untouched: ext4 grows in place).
    """
    if not disk.exists() or disk.image.stat().st_size >= size:
        return False
    with _lock(disk):
        release(disk)
        try:
            if _attached(disk.image):
                return False
            os.truncate(disk.image, size)
            _run("e2fsck", "-f", "-p", str(disk.image))
            _run("resize2fs", str(disk.image))
            return True
        finally:
            _mount(disk, uid, gid)


def _attached(image: Path) -> bool:
    """Whether a loop device still holds the image (mounted in some mount namespace)."""
    try:
        out = subprocess.run(
            ["losetup", "-j", str(image)], capture_output=True, timeout=TOOL_TIMEOUT, check=False
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return True  # cannot tell: do not touch it
    return bool(out.strip())


def release(disk: ProjectDisk) -> None:
    """Unmount the project's folders and its disk (lazily if something still uses them)."""
    for target in (disk.workspace, disk.home, disk.mount):
        while os.path.ismount(target):
            try:
                _run("umount", str(target))
            except FileOperationError:
                _run("umount", "-l", str(target))


def remove(disk: ProjectDisk) -> None:
    """Unmount and delete the project's disk: its files are gone for good."""
    release(disk)
    with contextlib.suppress(FileNotFoundError):
        disk.image.unlink()
    with contextlib.suppress(FileNotFoundError):
        disk.mount.rmdir()


def rename(old: ProjectDisk, new: ProjectDisk) -> None:
    """Unmount ``old`` and give its image the new project's name (the caller renames
    the workspace and home folders; the next use mounts the disk there)."""
    if not old.exists():
        return
    release(old)
    os.rename(old.image, new.image)
    with contextlib.suppress(FileNotFoundError):
        old.mount.rmdir()


def size_words(size: int) -> str:
    """A size the way settings write it: 10737418240 -> "10g", 67108864 -> "64m"."""
    for unit, shift in (("g", 30), ("m", 20), ("k", 10)):
        if size >= 1 << shift and size % (1 << shift) == 0:
            return f"{size >> shift}{unit}"
    return str(size)


def usage(disk: ProjectDisk) -> tuple[int, int] | None:
    """(bytes free, bytes in all) on the project's mounted disk, or None."""
    if not disk.mounted():
        return None
    st = os.statvfs(disk.workspace)
    return st.f_bavail * st.f_frsize, st.f_blocks * st.f_frsize


def mounts_under(folder: Path) -> list[Path]:
    """Mount points at or below ``folder`` (resolved), deepest first (from mountinfo)."""
    root = Path(os.path.realpath(folder))
    found: list[Path] = []
    with open("/proc/self/mountinfo", encoding="utf-8", errors="surrogateescape") as info:
        for line in info:
            point = Path(_unescape(line.split()[4]))
            if point == root or point.is_relative_to(root):
                found.append(point)
    return sorted(found, key=lambda p: len(p.parts), reverse=True)


def _unescape(field: str) -> str:
    """mountinfo escapes space, tab, newline and backslash as octal (``\\040``)."""
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def release_under(folder: Path) -> None:
    """Unmount every disk and bind mount below ``folder`` (a data dir that goes away)."""
    for point in mounts_under(folder):
        with contextlib.suppress(FileOperationError):
            _run("umount", "-l", str(point))
