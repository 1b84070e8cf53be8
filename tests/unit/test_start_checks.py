"""What a user sees when the data dir or a limit cannot work: one line and exit status 2 at
start, never an app that starts empty and fails at the first project; and the file layer's
own errors, in words without a host path. No Docker engine needed (the engine's side of
the limits is in tests/engine/test_limits_and_errors.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cloudide_tui.backend.capacity import Capacity, fit_limits
from cloudide_tui.backend.containers import Limits
from cloudide_tui.backend.workspace_fs import WorkspaceFS, create_workspace, list_workspaces
from cloudide_tui.config import Settings, check_data_dir
from cloudide_tui.errors import CloudIDEError, ConfigError, InvalidArgument

SCRIPT = Path(sys.executable).with_name("cloudide-tui")
GIB = 1 << 30


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A clean environment (no CLOUDIDE_*, XDG dirs in tmp_path) for the script."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CLOUDIDE_")}
    return {
        **clean,
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "HOME": str(tmp_path / "home"),
    }


def one_line_error(env: dict[str, str], *args: str) -> str:
    """Run the command, which must refuse at once: exit 2, one line, no traceback."""
    result = subprocess.run(
        [str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2, result
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("cloudide-tui: error: "), result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    return lines[0]


@pytest.mark.parametrize(
    ("data_dir", "words"),
    [
        ("{file}/x", "a file is in the way"),
        ("/proc/cloudide-x", "cannot be made"),
        ("/sys/cloudide-x", "cannot be made"),
        ("/proc/self", "cannot be written"),
    ],
)
def test_an_unusable_data_dir_is_refused_at_start(
    env: dict[str, str], tmp_path: Path, data_dir: str, words: str
) -> None:
    (tmp_path / "file").write_text("not a folder")
    given = data_dir.format(file=tmp_path / "file")
    line = one_line_error(env, "--data-dir", given)
    assert f"data dir '{given}'" in line and words in line
    assert "--data-dir" in line  # how to change it


def test_a_data_dir_whose_workspaces_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "workspaces").write_text("oops")
    with pytest.raises(ConfigError, match="'workspaces' is not a folder"):
        check_data_dir(tmp_path)


def test_a_usable_data_dir_is_made_private_and_left_clean(tmp_path: Path) -> None:
    data = tmp_path / "new" / "data"
    check_data_dir(data)
    assert data.is_dir() and (data.stat().st_mode & 0o777) == 0o700
    assert os.listdir(data) == []  # the write probe is gone


def test_a_memory_limit_no_engine_can_hold_is_refused_by_the_config(env: dict[str, str]) -> None:
    line = one_line_error({**env, "CLOUDIDE_MEMORY": "99999999999999999999g"})
    assert "CLOUDIDE_MEMORY" in line and "more than Docker can take" in line


def test_limits_above_the_engines_machine_are_refused_and_defaults_lowered() -> None:
    small = Capacity(cpus=1, memory=1 * GIB)
    with pytest.raises(ConfigError, match=r"cpus = 3 .* has: 1 CPU \(lower it .* CLOUDIDE_CPUS"):
        fit_limits(Limits(memory="512m", cpus=3), small)
    with pytest.raises(ConfigError, match=r"memory = 4g .* has: 1\.0 GiB"):
        fit_limits(Limits(memory="4g", cpus=1), small)
    # The defaults must work on a small machine: lowered, not refused.
    defaults = Settings()
    fitted = fit_limits(Limits(memory=defaults.memory, cpus=max(defaults.cpus, 2)), small)
    assert (fitted.memory, fitted.cpus) == ("1024m", 1.0)
    # Within what the engine has, or an engine that does not say: as they are.
    assert fit_limits(Limits(memory="512m", cpus=0.5), small) == Limits(memory="512m", cpus=0.5)
    assert fit_limits(Limits(memory="64g", cpus=64), Capacity(0, 0)).cpus == 64


def test_a_negative_read_limit_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x")
    fs = WorkspaceFS(tmp_path)
    with pytest.raises(InvalidArgument, match="read limit"):
        fs.read_file("a.txt", -1)


def test_a_workspaces_folder_that_cannot_be_made_says_so_without_its_host_path(
    tmp_path: Path,
) -> None:
    (tmp_path / "file").write_text("in the way")
    parent = tmp_path / "file" / "workspaces" / "local"
    for attempt in (lambda: create_workspace(parent, "demo"), lambda: list_workspaces(parent)):
        with pytest.raises(CloudIDEError) as caught:
            attempt()
        assert str(tmp_path) not in str(caught.value), caught.value
        assert "data dir" in str(caught.value)
    locked = tmp_path / "locked"
    locked.mkdir()
    if os.geteuid() != 0:  # root is never refused by permissions
        locked.chmod(0o500)
        with pytest.raises(CloudIDEError) as caught:
            create_workspace(locked / "workspaces" / "local", "demo")
        assert str(tmp_path) not in str(caught.value)
