"""Settings of remote mode, as a person meets them: ``--server`` with a token from the
option, the environment, a token file or a named server of the config file; a token file
others could read is refused in one line that says how to fix it; and a ``--server`` run
forks no local warm-start helper (there is no local engine to open a shell on)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cloudide_tui import paths
from cloudide_tui.cli import parse_settings
from cloudide_tui.config import Settings, remote_target
from cloudide_tui.warm_start import fork_helper

SCRIPT = Path(sys.executable).with_name("cloudide-tui")
TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbm4ifQ.c2lnbmF0dXJl"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A clean environment (no CLOUDIDE_* of the developer's), XDG dirs in tmp_path."""
    for key in list(os.environ):
        if key.startswith("CLOUDIDE_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return dict(os.environ)


def token_file(folder: Path, mode: int, text: str = TOKEN + "\n") -> Path:
    path = folder / "ide.token"
    path.write_text(text)
    path.chmod(mode)
    return path


def run_script(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    assert SCRIPT.exists(), f"the console script is not installed at {SCRIPT}"
    return subprocess.run([str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_a_token_file_others_can_read_is_refused_in_one_line(
    home: dict[str, str], tmp_path: Path, mode: int
) -> None:
    path = token_file(tmp_path, mode)
    result = run_script(home, "--server", "ws://127.0.0.1:9", "--token-file", str(path))
    assert result.returncode == 2, result
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("cloudide-tui: error: ")
    assert "readable by others" in lines[0] and f"chmod 600 {path}" in lines[0]
    assert f"{mode:04o}" in lines[0]
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_a_token_file_of_yours_alone_gives_its_last_line(
    home: dict[str, str], tmp_path: Path
) -> None:
    path = token_file(tmp_path, 0o600, f"made by cloudide-server token create\n{TOKEN}\n")
    settings = parse_settings(["--server", "ws://127.0.0.1:9", "--token-file", str(path)])
    target = remote_target(settings)
    assert target is not None and target.token == TOKEN and target.url == "ws://127.0.0.1:9"


def test_the_server_and_token_come_from_the_environment(home: dict[str, str]) -> None:
    os.environ["CLOUDIDE_SERVER"] = "wss://ide.example.com"
    os.environ["CLOUDIDE_TOKEN"] = TOKEN
    target = remote_target(parse_settings([]))
    assert target is not None and (target.url, target.token) == ("wss://ide.example.com", TOKEN)


def test_a_named_server_of_the_config_file_gives_url_and_token_file(
    home: dict[str, str], tmp_path: Path
) -> None:
    path = token_file(tmp_path, 0o600)
    config = paths.config_file()
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(f'[servers.work]\nurl = "wss://ide.example.com"\ntoken_file = "{path}"\n')
    target = remote_target(parse_settings(["--server", "work"]))
    assert target is not None
    assert (target.url, target.token, target.name) == ("wss://ide.example.com", TOKEN, "work")


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--server", "ws://127.0.0.1:9"], "no token (give --token"),
        (["--server", "home"], "no [servers.home]"),
        (["--server", "ws://127.0.0.1:9", "--token-file", "/nonexistent/t"], "does not exist"),
    ],
)
def test_a_server_without_a_usable_token_is_one_line(
    home: dict[str, str], args: list[str], fragment: str
) -> None:
    result = run_script(home, *args)
    assert result.returncode == 2, result
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and fragment in lines[0], result.stderr


def test_remote_mode_forks_no_local_warm_start_helper(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, project="demo", server="ws://127.0.0.1:9", token=TOKEN)
    assert fork_helper(settings) is None


def test_a_servers_remembered_tabs_are_kept_apart_from_the_local_ones(tmp_path: Path) -> None:
    local = paths.ui_state_file(tmp_path, "ann")
    work = paths.ui_state_file(tmp_path, "ann", server="wss://work.example.com")
    other = paths.ui_state_file(tmp_path, "ann", server="wss://other.example.com")
    assert len({local, work, other}) == 3
    assert work == paths.ui_state_file(tmp_path, "bob", server="wss://work.example.com")
    assert work.parent == local.parent
