"""Settings and the ``cloudide-tui`` command: where each value comes from, and what a user
sees when one is wrong. Every test builds its own environment: the developer's own config
file, data dir and CLOUDIDE_* variables never leak in."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cloudide_tui import __version__, paths
from cloudide_tui.cli import main
from cloudide_tui.config import FIELD_NAMES, Settings, env_var, load_settings
from cloudide_tui.errors import ConfigError
from cloudide_tui.validation import host_user_name, name_from_login

SCRIPT = Path(sys.executable).with_name("cloudide-tui")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A clean environment whose XDG dirs point into tmp_path, applied to this process too
    (platformdirs reads ``os.environ``) and returned for subprocesses and ``environ=``."""
    for key in list(os.environ):
        if key.startswith("CLOUDIDE_") or key == "DOCKER_HOST":
            monkeypatch.delenv(key)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return dict(os.environ)


def write_config(home: dict[str, str], text: str) -> Path:
    path = Path(home["XDG_CONFIG_HOME"]) / "cloudide-tui" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def run_script(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    assert SCRIPT.exists(), f"the console script is not installed at {SCRIPT}"
    return subprocess.run([str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=60)


# -- defaults and sources ----------------------------------------------------------------


def test_with_nothing_configured_the_defaults_apply(home: dict[str, str]) -> None:
    settings = load_settings(environ=home)
    assert settings.data_dir == Path(home["XDG_DATA_HOME"]) / "cloudide-tui"
    assert settings.image == "cloudide-runner:latest"
    assert settings.project is None and settings.keep_running is False
    assert settings.owner == host_user_name() and settings.docker_host is None
    assert settings.memory == "2g" and settings.memory_bytes == 2 << 30
    assert 0 < settings.cpus <= 2 and settings.pids == 512 and settings.scrollback == 10_000
    assert settings.disk == "10g" and settings.disk_bytes == 10 << 30
    assert settings.tmp_size == "512m" and settings.runtime is None
    assert settings.workspaces_dir == settings.data_dir / "workspaces" / host_user_name()


def test_the_default_owner_is_the_host_users_login_name(home: dict[str, str]) -> None:
    # Two host users never share an owner (and so containers) by default.
    assert name_from_login("alice", 1001) == "alice"
    assert name_from_login("Bob.Smith", 1002) == "bob.smith"
    assert name_from_login("1st", 1003) == "u1st"  # a name never reads as a uid
    assert name_from_login("!!!", 1004) == "u1004"
    assert name_from_login("", 1005) == "u1005"
    assert load_settings(environ=home).owner == host_user_name()


def test_a_data_dir_with_projects_of_the_old_default_owner_keeps_it(
    home: dict[str, str], tmp_path: Path
) -> None:
    # Made by a version whose default owner was "local" for everyone: nothing is hidden.
    (tmp_path / "workspaces" / "local" / "demo").mkdir(parents=True)
    settings = load_settings({"data_dir": str(tmp_path)}, environ=home)
    assert settings.owner == "local"
    # Once the login name has projects there, or the owner is set, those win.
    (tmp_path / "workspaces" / host_user_name()).mkdir()
    assert load_settings({"data_dir": str(tmp_path)}, environ=home).owner == host_user_name()
    assert load_settings(environ={**home, "CLOUDIDE_OWNER": "zed"}).owner == "zed"


def test_disk_tmp_size_and_runtime_are_checked(home: dict[str, str]) -> None:
    env = {**home, "CLOUDIDE_DISK": "0", "CLOUDIDE_TMP_SIZE": "64m", "CLOUDIDE_RUNTIME": "runsc"}
    settings = load_settings(environ=env)
    assert (settings.disk_bytes, settings.tmp_size, settings.runtime) == (0, "64m", "runsc")
    assert load_settings(environ={**home, "CLOUDIDE_RUNTIME": "runc"}).runtime is None
    for name, bad, words in (
        ("DISK", "1m", "below the minimum of 32m"),
        ("DISK", "lots", "is not a size"),
        ("TMP_SIZE", "10k", "below the minimum of 1m"),
        ("RUNTIME", "run sc;", "is not a runtime name"),
    ):
        with pytest.raises(ConfigError, match=words):
            load_settings(environ={**home, f"CLOUDIDE_{name}": bad})


def test_every_setting_is_documented_and_has_an_env_variable() -> None:
    source = Path(paths.__file__).with_name("config.py").read_text()
    for name in FIELD_NAMES:
        assert f"    {name}: " in source
        assert env_var(name) == "CLOUDIDE_" + name.upper()
    settings = Settings()
    with pytest.raises(AttributeError):
        settings.image = "other"  # type: ignore[misc]


def test_the_config_file_sets_values(home: dict[str, str]) -> None:
    write_config(
        home,
        'image = "registry.example:5000/team/runner:v2"\nkeep_running = true\n'
        'memory = "512m"\ncpus = 1\npids = 100\nscrollback = 0\nowner = "alice"\n'
        'docker_host = "unix:///run/other.sock"\ndata_dir = "relative/data"\n',
    )
    settings = load_settings(environ=home)
    assert settings.image == "registry.example:5000/team/runner:v2"
    assert settings.keep_running is True and settings.memory_bytes == 512 << 20
    assert settings.cpus == 1.0 and settings.pids == 100 and settings.scrollback == 0
    assert settings.owner == "alice" and settings.docker_host == "unix:///run/other.sock"
    # A relative path in the file is relative to the file's folder.
    assert settings.data_dir == Path(home["XDG_CONFIG_HOME"]) / "cloudide-tui" / "relative/data"


def test_the_environment_beats_the_file_and_the_command_line_beats_both(
    home: dict[str, str], tmp_path: Path
) -> None:
    write_config(home, 'image = "from-file"\nproject = "filed"\nkeep_running = true\n')
    assert load_settings(environ=home).image == "from-file"
    env = {
        **home,
        "CLOUDIDE_IMAGE": "from-env",
        "CLOUDIDE_PROJECT": "envy",
        "CLOUDIDE_KEEP_RUNNING": "no",
    }
    settings = load_settings(environ=env)
    assert (settings.image, settings.project, settings.keep_running) == ("from-env", "envy", False)
    cli = {
        "image": "from-cli",
        "project": None,
        "keep_running": True,
        "data_dir": str(tmp_path / "d"),
    }
    settings = load_settings(cli, environ=env)
    assert (settings.image, settings.project, settings.keep_running) == ("from-cli", "envy", True)
    assert settings.data_dir == tmp_path / "d"


def test_an_empty_variable_counts_as_unset(home: dict[str, str]) -> None:
    write_config(home, 'image = "from-file"\n')
    assert load_settings(environ={**home, "CLOUDIDE_IMAGE": ""}).image == "from-file"


def test_cloudide_config_names_another_file(home: dict[str, str], tmp_path: Path) -> None:
    other = tmp_path / "elsewhere.toml"
    other.write_text('owner = "bob"\n')
    assert load_settings(environ={**home, "CLOUDIDE_CONFIG": str(other)}).owner == "bob"
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(environ={**home, "CLOUDIDE_CONFIG": str(tmp_path / "missing.toml")})


@pytest.mark.parametrize(
    ("variable", "value", "fragment"),
    [
        ("CLOUDIDE_PIDS", "many", "CLOUDIDE_PIDS: must be a whole number, got 'many'"),
        ("CLOUDIDE_PIDS", "3", "between 16 and"),
        ("CLOUDIDE_CPUS", "0", "between 0.01 and 1024"),
        ("CLOUDIDE_MEMORY", "lots", "not a size like '512m'"),
        ("CLOUDIDE_MEMORY", "1k", "below Docker's minimum"),
        ("CLOUDIDE_KEEP_RUNNING", "perhaps", "must be true or false"),
        ("CLOUDIDE_PROJECT", "Bad Name", "CLOUDIDE_PROJECT: The project name 'Bad Name'"),
        ("CLOUDIDE_OWNER", "Root", "owner names are lowercase"),
        ("CLOUDIDE_IMAGE", "UPPER/Case", "not a Docker image name"),
        ("CLOUDIDE_DOCKER_HOST", "localhost:2375", "not an engine address"),
        ("CLOUDIDE_SCROLLBACK", "1.5", "whole number"),
    ],
)
def test_a_bad_environment_value_names_the_variable(
    home: dict[str, str], variable: str, value: str, fragment: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(environ={**home, variable: value})
    message = str(caught.value)
    assert f"environment variable {variable}" in message
    assert fragment.lower() in message.lower()
    assert "\n" not in message


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("pids = 'x'\n", "pids: must be a whole number"),
        ("keep_running = 3\n", "keep_running: must be text"),
        ("colour = 'red'\n", "unknown setting 'colour'"),
        ("image = \n", "not valid TOML"),
        ("cpus = true\n", "cpus: must be a number, not true/false"),
        ("project = '..'\n", "project: '..' is not a project name"),
    ],
)
def test_a_bad_config_file_names_the_file_and_the_field(
    home: dict[str, str], text: str, fragment: str
) -> None:
    path = write_config(home, text)
    with pytest.raises(ConfigError) as caught:
        load_settings(environ=home)
    assert f"config file {path}" in str(caught.value)
    assert fragment in str(caught.value)


# -- the command -------------------------------------------------------------------------


def test_help_explains_every_option_and_its_variable(home: dict[str, str]) -> None:
    result = run_script(home, "--help")
    assert result.returncode == 0 and result.stderr == ""
    for option, variable in [
        ("--data-dir", "CLOUDIDE_DATA_DIR"),
        ("--image", "CLOUDIDE_IMAGE"),
        ("--project", "CLOUDIDE_PROJECT"),
        ("--keep-running", "CLOUDIDE_KEEP_RUNNING"),
        ("--config", "CLOUDIDE_CONFIG"),
    ]:
        assert option in result.stdout and variable in result.stdout
    assert "--version" in result.stdout


def test_version_prints_the_version(home: dict[str, str]) -> None:
    result = run_script(home, "--version")
    assert (result.returncode, result.stdout.strip()) == (0, f"cloudide-tui {__version__}")


@pytest.mark.parametrize(
    ("args", "env", "fragment"),
    [
        (["--project", "My Project"], {}, "option --project: The project name 'My Project'"),
        (["--project", "../etc"], {}, "option --project"),
        (["--image", ""], {}, "option --image: must not be empty"),
        (["--project", ""], {}, "option --project: A project name cannot be empty"),
        (["--data-dir", "/etc/passwd"], {}, "option --data-dir: '/etc/passwd' exists and is not"),
        (["--keep-running=yes"], {}, "ignored explicit argument"),
        (["--frobnicate"], {}, "unrecognized arguments: --frobnicate"),
        (["--project"], {}, "expected one argument"),
        ([], {"CLOUDIDE_PIDS": "-1"}, "environment variable CLOUDIDE_PIDS"),
        (["--config", "/nonexistent/x.toml"], {}, "does not exist"),
    ],
)
def test_a_bad_value_gives_one_line_and_exit_status_2(
    home: dict[str, str], args: list[str], env: dict[str, str], fragment: str
) -> None:
    result = run_script({**home, **env}, *args)
    assert result.returncode == 2, result
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("cloudide-tui: error: ")
    assert fragment in lines[0]
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_python_dash_m_runs_the_same_command(home: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cloudide_tui", "--project", "UPPER"],
        env=home,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "try 'upper'" in result.stderr


def test_good_options_become_the_settings_the_app_is_given(
    home: dict[str, str], tmp_path: Path
) -> None:
    from cloudide_tui.cli import parse_settings

    settings = parse_settings(["--project", "demo", "--data-dir", str(tmp_path / "d")])
    assert settings.project == "demo" and settings.data_dir == tmp_path / "d"


def test_main_returns_2_in_process_for_a_bad_option(
    home: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--project", "a/b"]) == 2
    assert main(["--version"]) == 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "contains a slash" in err


def test_the_cli_and_the_file_layer_load_without_textual(home: dict[str, str]) -> None:
    """--help and option errors stay instant, and the backend side stays UI-free."""
    code = (
        "import sys, cloudide_tui.cli, cloudide_tui.config, cloudide_tui.paths, "
        "cloudide_tui.backend.workspace_fs; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'docker')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=home, capture_output=True, text=True, timeout=60
    )
    assert (result.returncode, result.stdout.strip()) == (0, "[]"), result.stderr
