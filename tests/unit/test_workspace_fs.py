"""The workspace file layer, on a real file system: what a user (or an attacker in the
container) can do to the files, and what must never happen to the host."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cloudide_tui.backend.base import FileContent
from cloudide_tui.backend.workspace_fs import (
    TEMP_PREFIX,
    WorkspaceFS,
    create_workspace,
    list_workspaces,
    remove_workspace,
    rename_workspace,
)
from cloudide_tui.errors import (
    AlreadyExists,
    CloudIDEError,
    Conflict,
    FileOperationError,
    InvalidName,
    InvalidPath,
    NotFound,
)


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = tmp_path / "workspace"
    root.mkdir()
    return root


@pytest.fixture
def fs(ws: Path) -> WorkspaceFS:
    return WorkspaceFS(ws)


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A host folder next to the workspace holding a canary the API must never touch."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "canary.txt").write_bytes(b"CANARY host secret")
    return folder


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under ``folder`` with its content and mtime, to prove nothing changed."""
    result = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            result[str(path.relative_to(folder))] = (path.read_bytes(), path.stat().st_mtime_ns)
    return result


def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.rglob(TEMP_PREFIX + "*")]


# -- everyday use ------------------------------------------------------------------------


def test_a_user_makes_a_folder_saves_a_file_and_reads_it_back(fs: WorkspaceFS, ws: Path) -> None:
    fs.make_dir("src")
    saved = fs.write_file("src/main.py", b"print('hi')\n")
    assert saved.path == "src/main.py" and saved.kind == "file" and saved.size == 12
    assert (ws / "src" / "main.py").read_bytes() == b"print('hi')\n"
    content = fs.read_file("src/main.py")
    assert content.data == b"print('hi')\n"
    assert not content.truncated and not content.binary
    assert content.entry.version == saved.version
    assert fs.stat("src/main.py") == saved


def test_the_listing_shows_folders_first_then_files_by_name(fs: WorkspaceFS, ws: Path) -> None:
    for name in ["b.txt", "A.txt", "c.txt"]:
        (ws / name).write_text(name)
    for name in ["zdir", "adir"]:
        (ws / name).mkdir()
    os.symlink("b.txt", ws / "link")
    listing = fs.list_dir("")
    assert [e.name for e in listing] == ["adir", "zdir", "A.txt", "b.txt", "c.txt", "link"]
    assert [e.kind for e in listing] == ["dir", "dir", "file", "file", "file", "symlink"]
    assert fs.list_dir("adir") == []
    assert [e.path for e in fs.list_dir("zdir/")] == []


def test_a_save_in_progress_does_not_show_in_the_listing(fs: WorkspaceFS, ws: Path) -> None:
    (ws / (TEMP_PREFIX + "0123456789abcdef")).write_bytes(b"half")
    (ws / "real.txt").write_bytes(b"x")
    assert [e.name for e in fs.list_dir("")] == ["real.txt"]


def test_stat_of_the_root_is_the_workspace_folder(fs: WorkspaceFS) -> None:
    entry = fs.stat("")
    assert entry.kind == "dir" and entry.path == "" and entry.name == ""


def test_the_version_changes_when_the_shell_rewrites_the_file(fs: WorkspaceFS, ws: Path) -> None:
    first = fs.write_file("notes.md", b"one\n")
    (ws / "notes.md").write_bytes(b"one\ntwo\n")
    assert fs.stat("notes.md").version != first.version


def test_saving_over_a_file_changed_on_disk_is_a_conflict_and_writes_nothing(
    fs: WorkspaceFS, ws: Path
) -> None:
    opened = fs.write_file("a.txt", b"mine\n")
    (ws / "a.txt").write_bytes(b"the shell's edit\n")
    with pytest.raises(Conflict, match="changed on disk"):
        fs.write_file("a.txt", b"editor text\n", expected_version=opened.version)
    assert (ws / "a.txt").read_bytes() == b"the shell's edit\n"
    fresh = fs.stat("a.txt")
    fs.write_file("a.txt", b"editor text\n", expected_version=fresh.version)
    assert (ws / "a.txt").read_bytes() == b"editor text\n"
    assert leftovers(ws) == []


def test_saving_a_file_deleted_on_disk_is_a_conflict(fs: WorkspaceFS, ws: Path) -> None:
    opened = fs.write_file("gone.txt", b"x")
    (ws / "gone.txt").unlink()
    with pytest.raises(Conflict, match="deleted"):
        fs.write_file("gone.txt", b"y", expected_version=opened.version)
    assert not (ws / "gone.txt").exists()


def test_saving_into_a_missing_folder_says_which_folder_is_missing(fs: WorkspaceFS) -> None:
    with pytest.raises(NotFound) as caught:
        fs.write_file("docs/api/index.md", b"x")
    assert "'docs'" in caught.value.message and "does not exist" in caught.value.message
    assert caught.value.hint == "make the folder first"


def test_a_missing_file_in_an_existing_folder_is_not_blamed_on_the_folder(
    fs: WorkspaceFS, ws: Path
) -> None:
    (ws / "src").mkdir()
    with pytest.raises(NotFound) as caught:
        fs.read_file("src/missing.py")
    assert caught.value.message == "'src/missing.py' does not exist."
    assert caught.value.hint is None
    with pytest.raises(NotFound) as caught:
        fs.read_file("lib/missing.py")
    assert "the folder 'lib' does not exist" in caught.value.message


def test_saving_keeps_the_mode_of_an_existing_script(fs: WorkspaceFS, ws: Path) -> None:
    script = ws / "run.sh"
    script.write_bytes(b"#!/bin/sh\n")
    script.chmod(0o751)
    fs.write_file("run.sh", b"#!/bin/sh\necho hi\n")
    assert stat.S_IMODE(script.stat().st_mode) == 0o751


def test_saving_does_not_carry_set_id_bits_into_new_content(fs: WorkspaceFS, ws: Path) -> None:
    tool = ws / "tool"
    tool.write_bytes(b"old")
    tool.chmod(0o6755)
    fs.write_file("tool", b"new")
    assert stat.S_IMODE(tool.stat().st_mode) == 0o755


def test_saving_over_a_folder_or_the_root_is_refused(fs: WorkspaceFS, ws: Path) -> None:
    (ws / "d").mkdir()
    with pytest.raises(InvalidPath, match="folder"):
        fs.write_file("d", b"x")
    with pytest.raises(InvalidPath, match="workspace folder itself"):
        fs.write_file("", b"x")
    assert (ws / "d").is_dir()


def test_making_a_folder_that_exists_says_so(fs: WorkspaceFS, ws: Path) -> None:
    (ws / "src").mkdir()
    with pytest.raises(AlreadyExists):
        fs.make_dir("src")
    with pytest.raises(NotFound):
        fs.make_dir("no/such")


def test_renaming_moves_a_file_but_never_over_another(fs: WorkspaceFS, ws: Path) -> None:
    fs.write_file("a.txt", b"A")
    fs.write_file("b.txt", b"B")
    fs.make_dir("dir")
    with pytest.raises(AlreadyExists):
        fs.rename("a.txt", "b.txt")
    with pytest.raises(AlreadyExists):
        fs.rename("a.txt", "dir")
    assert (ws / "a.txt").read_bytes() == b"A" and (ws / "b.txt").read_bytes() == b"B"
    moved = fs.rename("a.txt", "dir/c.txt")
    assert moved.path == "dir/c.txt" and (ws / "dir" / "c.txt").read_bytes() == b"A"
    with pytest.raises(InvalidPath, match="into itself"):
        fs.rename("dir", "dir/inner")
    with pytest.raises(NotFound):
        fs.rename("nothing", "x")
    with pytest.raises(AlreadyExists, match="already has that name"):
        fs.rename("b.txt", "b.txt")


def test_deleting_a_folder_removes_what_it_holds(fs: WorkspaceFS, ws: Path) -> None:
    fs.make_dir("build")
    fs.make_dir("build/obj")
    fs.write_file("build/obj/a.o", b"\0")
    fs.delete("build")
    assert not (ws / "build").exists()
    with pytest.raises(NotFound):
        fs.delete("build")
    with pytest.raises(InvalidPath, match="workspace folder itself"):
        fs.delete("")


# -- the attacks of issue 2 §6 -----------------------------------------------------------

SHADOW = Path("/etc/shadow")


def every_operation(fs: WorkspaceFS, path: str) -> list[tuple[str, Callable[[], object]]]:
    return [
        ("read", lambda: fs.read_file(path)),
        ("write", lambda: fs.write_file(path, b"pwned")),
        ("list", lambda: fs.list_dir(path)),
        ("make_dir", lambda: fs.make_dir(path + "/new")),
        ("write inside", lambda: fs.write_file(path + "/new", b"pwned")),
        ("rename from", lambda: fs.rename(path + "/x", "moved")),
    ]


def test_a_symlink_to_etc_shadow_is_never_read_or_written(fs: WorkspaceFS, ws: Path) -> None:
    """``ln -s /etc/shadow x`` in the container, then ask the API for ``x``."""
    assert SHADOW.exists(), "this story needs /etc/shadow on the host"
    before = (SHADOW.read_bytes(), SHADOW.stat().st_mtime_ns)
    os.symlink(SHADOW, ws / "x")
    with pytest.raises(InvalidPath, match="symbolic link") as caught:
        fs.read_file("x")
    assert "never follows" in caught.value.message
    with pytest.raises(InvalidPath, match="symbolic link"):
        fs.write_file("x", b"root::0:0:::::\n")
    with pytest.raises(InvalidPath, match="symbolic link"):
        fs.list_dir("x")
    entry = fs.stat("x")
    assert entry.kind == "symlink" and entry.size == len(str(SHADOW))
    assert [(e.name, e.kind) for e in fs.list_dir("")] == [("x", "symlink")]
    assert (SHADOW.read_bytes(), SHADOW.stat().st_mtime_ns) == before
    assert os.readlink(ws / "x") == str(SHADOW)


def test_a_symlink_to_the_host_root_gives_no_way_into_etc(fs: WorkspaceFS, ws: Path) -> None:
    """``ln -s / root`` in the container, then ask for ``root/etc/passwd``."""
    before = Path("/etc/passwd").read_bytes()
    os.symlink("/", ws / "root")
    for path in ["root/etc/passwd", "root/etc", "root"]:
        for what, operation in every_operation(fs, path):
            with pytest.raises((InvalidPath, NotFound)) as caught:
                operation()
            assert "symbolic link" in caught.value.message, (what, path, caught.value)
    with pytest.raises(InvalidPath):
        fs.stat("root/etc/passwd")
    assert Path("/etc/passwd").read_bytes() == before
    assert not Path("/etc/new").exists() and not Path("/new").exists()


@pytest.mark.parametrize("path", ["../x", "/etc/passwd", "a/../../x", "a\0b", "..", "a/.."])
def test_paths_that_climb_out_are_refused_by_every_operation(
    fs: WorkspaceFS, ws: Path, path: str
) -> None:
    (ws / "a").mkdir()
    for what, operation in [
        *every_operation(fs, path),
        ("stat", lambda: fs.stat(path)),
        ("delete", lambda: fs.delete(path)),
        ("rename to", lambda: fs.rename("a", path)),
    ]:
        with pytest.raises(InvalidPath):
            operation()
        assert (ws / "a").is_dir(), what


def test_a_symlink_pointing_inside_is_listed_but_not_followed(fs: WorkspaceFS, ws: Path) -> None:
    (ws / "real.txt").write_bytes(b"hello")
    (ws / "dir").mkdir()
    os.symlink("real.txt", ws / "alias.txt")
    os.symlink("dir", ws / "dirlink")
    with pytest.raises(InvalidPath, match="symbolic link"):
        fs.read_file("alias.txt")
    with pytest.raises(InvalidPath, match="symbolic link"):
        fs.list_dir("dirlink")
    assert fs.read_file("real.txt").data == b"hello"


def test_deleting_a_symlink_removes_the_link_not_its_target(
    fs: WorkspaceFS, ws: Path, outside: Path
) -> None:
    before = snapshot(outside)
    os.symlink(outside, ws / "out")
    os.symlink(outside / "canary.txt", ws / "canary-link")
    (ws / "tree").mkdir()
    os.symlink(outside, ws / "tree" / "deep-out")
    fs.delete("out")
    fs.delete("canary-link")
    fs.delete("tree")  # a folder holding a link to outside: rmtree must not descend
    assert os.listdir(ws) == []
    assert snapshot(outside) == before


def test_renaming_a_symlink_moves_the_link_itself(fs: WorkspaceFS, ws: Path, outside: Path) -> None:
    os.symlink(outside, ws / "out")
    moved = fs.rename("out", "elsewhere")
    assert moved.kind == "symlink"
    assert os.readlink(ws / "elsewhere") == str(outside)
    assert sorted(os.listdir(outside)) == ["canary.txt"]


def test_a_folder_swapped_for_a_symlink_between_calls_is_not_followed(
    fs: WorkspaceFS, ws: Path, outside: Path
) -> None:
    fs.make_dir("sub")
    fs.write_file("sub/file.txt", b"inside")
    assert [e.name for e in fs.list_dir("sub")] == ["file.txt"]
    before = snapshot(outside)
    # The container's user swaps the folder for a link to the host.
    os.rename(ws / "sub", ws / "sub.moved")
    os.symlink(outside, ws / "sub")
    operations: list[tuple[str, Callable[[], object]]] = [
        ("list", lambda: fs.list_dir("sub")),
        ("read", lambda: fs.read_file("sub/canary.txt")),
        ("write", lambda: fs.write_file("sub/canary.txt", b"pwned")),
        ("write new", lambda: fs.write_file("sub/new.txt", b"pwned")),
        ("mkdir", lambda: fs.make_dir("sub/newdir")),
        ("delete", lambda: fs.delete("sub/canary.txt")),
        ("rename", lambda: fs.rename("sub/canary.txt", "stolen.txt")),
        ("stat", lambda: fs.stat("sub/canary.txt")),
    ]
    for what, operation in operations:
        with pytest.raises(InvalidPath, match="symbolic link"):
            operation()
        assert snapshot(outside) == before, what
    assert sorted(os.listdir(outside)) == ["canary.txt"]


def test_a_workspace_root_that_is_a_symlink_is_refused(tmp_path: Path, outside: Path) -> None:
    os.symlink(outside, tmp_path / "ws-link")
    fs = WorkspaceFS(tmp_path / "ws-link")
    with pytest.raises(InvalidPath, match="symbolic link"):
        fs.list_dir("")
    with pytest.raises(InvalidPath):
        fs.read_file("canary.txt")
    with pytest.raises(InvalidPath):
        fs.write_file("new.txt", b"x")
    assert sorted(os.listdir(outside)) == ["canary.txt"]


def test_a_missing_workspace_root_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="workspace folder does not exist"):
        WorkspaceFS(tmp_path / "nope").list_dir("")


def test_racing_a_folder_swap_never_reaches_the_outside_canary(
    fs: WorkspaceFS, ws: Path, outside: Path
) -> None:
    """A thread keeps swapping ``sub`` for a symlink to the host while we read and write.

    A naive ``open(root / path)`` in the same loop does reach the canary (the attack is
    real); the API never does.
    """
    fs.make_dir("sub")
    fs.write_file("sub/canary.txt", b"inside copy")
    before = snapshot(outside)
    stop = threading.Event()
    swaps = 0
    swapper_failed: list[BaseException] = []

    def swapper() -> None:
        nonlocal swaps
        try:
            while not stop.is_set():
                os.rename(ws / "sub", ws / "sub.real")
                os.symlink(outside, ws / "sub")
                os.unlink(ws / "sub")
                os.rename(ws / "sub.real", ws / "sub")
                swaps += 1
        except BaseException as exc:  # surfaced below: a dead swapper proves nothing
            swapper_failed.append(exc)

    thread = threading.Thread(target=swapper, daemon=True)
    thread.start()
    served = refused = naive_escapes = 0
    refusals: set[str] = set()

    def through_api(operation: Callable[[], object]) -> object | None:
        nonlocal refused
        try:
            return operation()
        except CloudIDEError as exc:  # any refusal is fine; reaching the canary is not
            refused += 1
            refusals.add(type(exc).__name__)
            return None

    try:
        # Bounded; stops early once every outcome has been seen (a noisy machine may
        # need more rounds before the swap lands between two steps).
        for i in range(20_000):
            content = through_api(lambda: fs.read_file("sub/canary.txt"))
            if isinstance(content, FileContent):
                assert content.data == b"inside copy"
                served += 1
            target = f"sub/w{i % 5}.txt"
            through_api(lambda: fs.write_file(target, b"through the API"))  # noqa: B023
            through_api(lambda: fs.list_dir("sub"))
            try:
                with open(ws / "sub" / "canary.txt", "rb") as naive:
                    if naive.read().startswith(b"CANARY"):
                        naive_escapes += 1
            except OSError:
                pass
            if i >= 500 and served and refused and naive_escapes and not swapper_failed:
                break
    finally:
        stop.set()
        thread.join()
    assert not swapper_failed, swapper_failed
    assert snapshot(outside) == before
    assert sorted(os.listdir(outside)) == ["canary.txt"]
    counts = dict(swaps=swaps, served=served, refused=refused, refusals=sorted(refusals))
    assert swaps > 0 and served > 0 and refused > 0, counts
    assert naive_escapes > 0, f"the swap never exposed the canary to a naive open: {counts}"
    assert leftovers(ws) == []


# -- atomic writes -----------------------------------------------------------------------


def test_a_write_that_fails_midway_leaves_the_original_whole(ws: Path) -> None:
    """The save process hits the file size limit (RLIMIT_FSIZE) half way through writing."""
    original = b"precious original\n" * 100
    (ws / "data.txt").write_bytes(original)
    script = textwrap.dedent(
        f"""
        import resource, sys
        from pathlib import Path
        from cloudide_tui.backend.workspace_fs import WorkspaceFS
        from cloudide_tui.errors import FileOperationError
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))
        try:
            WorkspaceFS(Path({str(ws)!r})).write_file("data.txt", b"new" * 1_000_000)
        except FileOperationError as exc:
            print(exc.message)
            sys.exit(3)
        sys.exit(0)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 3, result.stderr
    assert "larger than the system allows" in result.stdout
    assert (ws / "data.txt").read_bytes() == original
    assert leftovers(ws) == []


def test_a_successful_save_leaves_no_temp_file(fs: WorkspaceFS, ws: Path) -> None:
    for i in range(20):
        fs.write_file("f.txt", f"version {i}".encode())
    assert os.listdir(ws) == ["f.txt"]
    assert (ws / "f.txt").read_bytes() == b"version 19"


def test_a_failed_write_raises_a_user_facing_error(fs: WorkspaceFS, ws: Path) -> None:
    (ws / "sub").mkdir()
    with pytest.raises(CloudIDEError):
        fs.write_file("sub/" + "x" * 255 + "/y", b"")


# -- big, binary and special files -------------------------------------------------------


def test_a_huge_sparse_file_is_read_bounded_and_says_so(fs: WorkspaceFS, ws: Path) -> None:
    with open(ws / "huge.img", "wb") as handle:
        handle.truncate(50 << 20)
    content = fs.read_file("huge.img")
    assert len(content.data) == 4 << 20
    assert content.truncated and content.binary
    assert content.entry.size == 50 << 20
    small = fs.read_file("huge.img", limit=10)
    assert len(small.data) == 10 and small.truncated


def test_a_long_text_file_is_truncated_but_still_text(fs: WorkspaceFS, ws: Path) -> None:
    # "é" is two bytes: a limit of 5 cuts the third one in half.
    (ws / "text.txt").write_bytes("ééé".encode() * 1000)
    content = fs.read_file("text.txt", limit=5)
    assert content.data == "éé".encode() + b"\xc3"
    assert content.truncated and not content.binary


def test_a_file_of_exactly_the_limit_is_not_truncated(fs: WorkspaceFS, ws: Path) -> None:
    (ws / "exact.txt").write_bytes(b"a" * 100)
    content = fs.read_file("exact.txt", limit=100)
    assert content.data == b"a" * 100 and not content.truncated


def test_a_binary_file_is_flagged_binary(fs: WorkspaceFS, ws: Path) -> None:
    (ws / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR")
    (ws / "latin1.txt").write_bytes("café".encode("latin-1"))
    assert fs.read_file("logo.png").binary
    assert fs.read_file("latin1.txt").binary
    empty = fs.write_file("empty", b"")
    assert empty.size == 0
    content = fs.read_file("empty")
    assert content.data == b"" and not content.binary and not content.truncated


def test_reading_a_fifo_does_not_hang(fs: WorkspaceFS, ws: Path) -> None:
    os.mkfifo(ws / "pipe")
    with pytest.raises(InvalidPath, match="named pipe"):
        fs.read_file("pipe")
    assert [(e.name, e.kind) for e in fs.list_dir("")] == [("pipe", "other")]
    with pytest.raises(InvalidPath, match="named pipe"):
        fs.write_file("pipe", b"x")
    fs.delete("pipe")
    assert not (ws / "pipe").exists()


def test_reading_a_folder_says_it_is_a_folder(fs: WorkspaceFS, ws: Path) -> None:
    (ws / "d").mkdir()
    with pytest.raises(InvalidPath, match="is a folder"):
        fs.read_file("d")
    with pytest.raises(InvalidPath, match="not a folder"):
        (ws / "f").write_bytes(b"")
        fs.list_dir("f")
    with pytest.raises(NotFound):
        fs.read_file("missing.txt")


# -- ownership ---------------------------------------------------------------------------


def test_files_created_as_root_belong_to_the_container_user(ws: Path) -> None:
    assert os.geteuid() == 0, "this story needs root, as the backend runs on this machine"
    fs = WorkspaceFS(ws, uid=1000, gid=1000)
    fs.make_dir("src")
    fs.write_file("src/a.py", b"x = 1\n")
    for path in [ws / "src", ws / "src" / "a.py"]:
        info = path.stat()
        assert (info.st_uid, info.st_gid) == (1000, 1000), path


def test_overwriting_keeps_the_files_owner(ws: Path) -> None:
    assert os.geteuid() == 0, "this story needs root, as the backend runs on this machine"
    (ws / "theirs.txt").write_bytes(b"x")
    os.chown(ws / "theirs.txt", 1234, 1235)
    WorkspaceFS(ws, uid=1000, gid=1000).write_file("theirs.txt", b"y")
    info = (ws / "theirs.txt").stat()
    assert (info.st_uid, info.st_gid) == (1234, 1235)


# -- whole workspaces --------------------------------------------------------------------


def test_workspaces_are_created_listed_renamed_and_removed(tmp_path: Path) -> None:
    parent = tmp_path / "workspaces" / "local"
    assert list_workspaces(parent) == []
    made = create_workspace(parent, "alpha", uid=1000, gid=1000)
    assert made == parent / "alpha" and made.is_dir()
    assert (made.stat().st_uid, made.stat().st_gid) == (1000, 1000)
    create_workspace(parent, "beta")
    (parent / "stray-file").write_text("x")
    (parent / "Not-A-Project").mkdir()
    os.symlink(tmp_path, parent / "linked")
    assert list_workspaces(parent) == ["alpha", "beta"]
    with pytest.raises(AlreadyExists):
        create_workspace(parent, "alpha")
    with pytest.raises(AlreadyExists):
        rename_workspace(parent, "alpha", "beta")
    with pytest.raises(NotFound):
        rename_workspace(parent, "gamma", "delta")
    (made / "keep.txt").write_text("kept")
    renamed = rename_workspace(parent, "alpha", "gamma")
    assert (renamed / "keep.txt").read_text() == "kept"
    remove_workspace(parent, "gamma")
    assert list_workspaces(parent) == ["beta"]
    with pytest.raises(NotFound):
        remove_workspace(parent, "gamma")
    with pytest.raises(InvalidName):
        create_workspace(parent, "../escape")
    with pytest.raises(InvalidName):
        remove_workspace(parent, "..")


def test_removing_a_workspace_does_not_follow_links_inside_it(
    tmp_path: Path, outside: Path
) -> None:
    parent = tmp_path / "workspaces" / "local"
    made = create_workspace(parent, "proj")
    os.symlink(outside, made / "host")
    before = snapshot(outside)
    remove_workspace(parent, "proj")
    assert snapshot(outside) == before


def test_a_workspace_that_is_a_symlink_is_not_removed_through(
    tmp_path: Path, outside: Path
) -> None:
    parent = tmp_path / "workspaces" / "local"
    parent.mkdir(parents=True)
    os.symlink(outside, parent / "proj")
    with pytest.raises(InvalidPath):
        remove_workspace(parent, "proj")
    assert (outside / "canary.txt").exists()


def test_file_errors_are_user_facing(fs: WorkspaceFS) -> None:
    assert issubclass(FileOperationError, CloudIDEError)
    with pytest.raises(CloudIDEError):
        fs.read_file("nothing")


# -- property: whatever the path, nothing outside is touched ------------------------------

COMPONENTS = [
    "dir",
    "sub",
    "file.txt",
    "canary.txt",
    "link-out",
    "link-file",
    "link-in",
    "link-up",
    "link-root",
    "etc",
    "passwd",
    "..",
    ".",
    "",
    "\0",
    "new",
]


@pytest.fixture(scope="module")
def trap(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A workspace full of links to the outside, the host root and itself."""
    base = tmp_path_factory.mktemp("trap")
    root, outside = base / "ws", base / "outside"
    (root / "dir" / "sub").mkdir(parents=True)
    outside.mkdir()
    (outside / "canary.txt").write_bytes(b"CANARY")
    (root / "dir" / "file.txt").write_bytes(b"inside")
    os.symlink(outside, root / "link-out")
    os.symlink(outside / "canary.txt", root / "link-file")
    os.symlink("dir", root / "link-in")
    os.symlink("..", root / "dir" / "link-up")
    os.symlink("/", root / "dir" / "sub" / "link-root")
    return root, outside


@given(
    absolute=st.booleans(),
    parts=st.lists(st.sampled_from(COMPONENTS), min_size=0, max_size=6),
)
def test_any_path_either_is_refused_or_stays_inside_the_workspace(
    trap: tuple[Path, Path], absolute: bool, parts: list[str]
) -> None:
    root, outside = trap
    path = ("/" if absolute else "") + "/".join(parts)
    fs = WorkspaceFS(root)
    real_root = root.resolve()

    def inside(relative: str) -> bool:
        return Path(os.path.realpath(root / relative)).is_relative_to(real_root)

    try:
        content = fs.read_file(path)
    except CloudIDEError:
        pass
    else:
        assert content.data != b"CANARY"
        assert inside(content.entry.path)
        assert not os.path.islink(root / content.entry.path)
    try:
        listing = fs.list_dir(path)
    except CloudIDEError:
        pass
    else:
        folder = listing[0].path.rpartition("/")[0] if listing else path.strip("/")
        assert inside(folder)
    try:
        written = fs.write_file(path.rstrip("/") + "/new", b"through the API")
    except CloudIDEError:
        pass
    else:
        assert inside(written.path) and not os.path.islink(root / written.path)
    assert sorted(os.listdir(outside)) == ["canary.txt"]
    assert (outside / "canary.txt").read_bytes() == b"CANARY"
