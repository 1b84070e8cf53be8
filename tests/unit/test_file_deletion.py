"""Deleting files and folders when the container's user (or bad luck) makes it hard: a
folder swapped for a FIFO while it is deleted, a tree too deep for recursion, a deletion
cut short. On a real file system, with real threads."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import os
import stat
import threading
import time
from pathlib import Path

import pytest

from cloudide_tui.backend.tree_removal import RemovalUnfinished, remove_tree
from cloudide_tui.backend.workspace_fs import (
    TRASH_PREFIX,
    WorkspaceFS,
    commit_trash,
    create_workspace,
    finish_trash,
    list_workspaces,
    recover_deletions,
    remove_workspace,
    restore_workspace,
    trash_workspace,
)
from cloudide_tui.errors import CloudIDEError

DEPTH = 1200
"""Deeper than Python's default recursion limit (1,000)."""

_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def exchange(a: Path, b: Path) -> None:
    """Swap two entries atomically (renameat2 RENAME_EXCHANGE), as an attacker would."""
    if _libc.renameat2(_AT_FDCWD, bytes(a), _AT_FDCWD, bytes(b), _RENAME_EXCHANGE) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def deep_tree(parent: Path, name: str, depth: int = DEPTH) -> None:
    """``parent/name/d/d/.../d`` ``depth`` folders deep, a file at the bottom (made through
    descriptors: no path gets long)."""
    fd = os.open(parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for index in range(depth):
            part = name if index == 0 else "d"
            os.mkdir(part, dir_fd=fd)
            child = os.open(part, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = child
        with open(os.open("bottom.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd), "w") as f:
            f.write("the bottom")
    finally:
        os.close(fd)


def unblock_fifos(folder: Path) -> None:
    """Open every FIFO under ``folder`` for writing: a thread stuck opening one goes on."""
    for path in folder.rglob("*"):
        with contextlib.suppress(OSError):
            if stat.S_ISFIFO(path.lstat().st_mode):
                os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))


def test_a_folder_swapped_for_a_fifo_while_it_is_deleted_never_blocks(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    fs = WorkspaceFS(ws)
    victim, spare, spare_top = ws / "victim", ws / "spare", ws / "spare-top"
    stop = threading.Event()

    def attacker() -> None:
        """Keeps swapping the folder being deleted, and one inside it, for FIFOs."""
        flip = False
        while not stop.is_set():
            flip = not flip
            with contextlib.suppress(OSError):
                (victim / "sub" / "deeper").mkdir(parents=True)
            for fifo in (spare, spare_top):
                with contextlib.suppress(OSError):
                    if not stat.S_ISFIFO(fifo.lstat().st_mode):
                        os.rename(fifo, ws / f"old-{time.monotonic_ns()}")
                with contextlib.suppress(OSError):
                    os.mkfifo(fifo)
            with contextlib.suppress(OSError):
                exchange(spare, victim / "sub") if flip else exchange(spare_top, victim)

    swapping = threading.Thread(target=attacker, daemon=True)
    swapping.start()
    stuck: list[threading.Thread] = []
    try:
        start = time.monotonic()
        attempts = 0
        # For 3 s and 100 attempts at least (a loaded machine makes fewer per second).
        while (time.monotonic() - start < 3.0 or attempts < 100) and time.monotonic() - start < 30:
            attempts += 1
            worker = threading.Thread(target=_delete, args=(fs,), daemon=True)
            worker.start()
            worker.join(10)
            if worker.is_alive():
                stuck.append(worker)
                break
        assert not stuck, f"delete_path blocked for good (attempt {attempts})"
    finally:
        stop.set()
        swapping.join(5)
        for _ in range(50):  # never leave a thread of ours blocked behind
            if not any(t.is_alive() for t in stuck):
                break
            unblock_fifos(ws)
            time.sleep(0.1)


def _delete(fs: WorkspaceFS) -> None:
    with contextlib.suppress(CloudIDEError):
        fs.delete("victim")


def test_a_tree_deeper_than_python_recursion_is_deleted(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    deep_tree(ws, "deep")
    (ws / "kept.txt").write_text("kept")
    WorkspaceFS(ws).delete("deep")
    assert sorted(os.listdir(ws)) == ["kept.txt"]


def test_a_workspace_holding_a_deep_tree_is_removed(tmp_path: Path) -> None:
    parent = tmp_path / "workspaces" / "local"
    made = create_workspace(parent, "proj")
    deep_tree(made, "deep")
    remove_workspace(parent, "proj")
    assert list_workspaces(parent) == []
    assert os.listdir(parent) == []


def test_a_deletion_cut_short_is_gone_from_view_and_finished_by_the_next_one(
    tmp_path: Path,
) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    fs = WorkspaceFS(ws)
    deep_tree(ws, "big", depth=50)
    (ws / "other").mkdir()
    fs.delete("big", deadline=time.monotonic())  # no time at all to remove the files
    assert [e.name for e in fs.list_dir("")] == ["other"]  # gone at once, never half
    assert [n for n in os.listdir(ws) if n.startswith(TRASH_PREFIX)]  # the rest waits
    fs.delete("other")  # the next deletion finishes what was left
    assert os.listdir(ws) == []


def test_the_removal_stops_at_its_deadline_and_leaves_the_rest(tmp_path: Path) -> None:
    deep_tree(tmp_path, "big", depth=20)
    fd = os.open(tmp_path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        with pytest.raises(RemovalUnfinished) as caught:
            remove_tree(fd, "big", deadline=time.monotonic() - 1)
        assert caught.value.errno == errno.ETIMEDOUT
        assert (tmp_path / "big").is_dir()
        remove_tree(fd, "big")
    finally:
        os.close(fd)
    assert not (tmp_path / "big").exists()


def test_deleting_never_opens_a_fifo_or_a_device(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    (ws / "tree" / "inner").mkdir(parents=True)
    os.mkfifo(ws / "tree" / "pipe")
    os.mkfifo(ws / "tree" / "inner" / "pipe")
    if os.geteuid() == 0:
        os.mknod(ws / "tree" / "null", stat.S_IFCHR | 0o600, os.makedev(1, 3))
    os.symlink("/etc", ws / "tree" / "etc")
    WorkspaceFS(ws).delete("tree")
    assert os.listdir(ws) == []
    assert Path("/etc/passwd").exists()


def test_a_project_deletion_cut_short_by_a_crash_gives_the_project_back(tmp_path: Path) -> None:
    parent = tmp_path / "workspaces" / "local"
    made = create_workspace(parent, "proj")
    (made / "notes.txt").write_text("precious")
    trash_workspace(parent, "proj")  # ... and the process died right here
    assert list_workspaces(parent) == []
    assert finish_trash(parent)  # never removed before it is made trash
    assert recover_deletions(parent) == []  # too fresh: a deletion may be going on
    assert recover_deletions(parent, stale_after=0) == ["proj"]
    assert (parent / "proj" / "notes.txt").read_text() == "precious"
    # Its name taken meanwhile by a new project: the old one is trash, then gone.
    trash_workspace(parent, "proj")
    create_workspace(parent, "proj")
    assert recover_deletions(parent, stale_after=0) == []
    assert finish_trash(parent)
    assert sorted(os.listdir(parent)) == ["proj"]
    assert os.listdir(parent / "proj") == []  # the new one, empty


def test_a_put_aside_workspace_is_given_back_or_made_trash(tmp_path: Path) -> None:
    parent = tmp_path / "workspaces" / "local"
    create_workspace(parent, "proj")
    pending = trash_workspace(parent, "proj")
    restore_workspace(parent, pending, "proj")
    assert list_workspaces(parent) == ["proj"]
    pending = trash_workspace(parent, "proj")
    commit_trash(parent, pending)
    assert [n for n in os.listdir(parent) if n.startswith(TRASH_PREFIX)]
    assert finish_trash(parent)
    assert os.listdir(parent) == []
