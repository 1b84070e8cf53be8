"""Limits the engine's machine cannot honour, and file API mistakes, as a user meets them:
one line at start, a clear error before any container is made, never a raw exception or a
host path. Real engine."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from cloudide_tui.backend.docker_backend import DockerBackend
from cloudide_tui.errors import CloudIDEError, ConfigError, InvalidArgument
from testkit import docker_helpers

MakeBackend = Callable[..., DockerBackend]
SCRIPT = Path(sys.executable).with_name("cloudide-tui")


def engine_cpus() -> int:
    client = docker_helpers.api()
    try:
        return int(client.info()["NCPU"])
    finally:
        client.close()


@pytest.mark.parametrize(
    ("variable", "value", "words"),
    [
        ("CLOUDIDE_CPUS", "1024", "cpus = 1024 is more than the Docker engine's machine has"),
        ("CLOUDIDE_MEMORY", "100000g", "memory = 100000g is more than the Docker engine's"),
    ],
)
def test_limits_beyond_the_engines_machine_are_one_line_at_start(
    docker_engine: None, tmp_path: Path, variable: str, value: str, words: str
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLOUDIDE_")}
    env.update(XDG_CONFIG_HOME=str(tmp_path / "config"), HOME=str(tmp_path), **{variable: value})
    result = subprocess.run(
        [str(SCRIPT), "--data-dir", str(tmp_path / "data")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result
    assert result.stderr.count("\n") == 1 and words in result.stderr, result.stderr
    assert variable in result.stderr  # how to change it


async def test_a_backend_refuses_limits_beyond_the_engine_before_making_a_container(
    make_backend: MakeBackend,
) -> None:
    backend = make_backend(cpus=float(engine_cpus() + 1))
    await backend.create_project("greedy")
    with pytest.raises(ConfigError, match=r"cpus = \d+ is more than .* CPU"):
        await backend.start_container("greedy")
    assert docker_helpers.containers_of(backend.owner) == []


async def test_file_api_mistakes_are_clear_errors_without_host_paths(
    make_backend: MakeBackend, tmp_path: Path
) -> None:
    backend = make_backend()
    await backend.create_project("files")
    await backend.write_file("files", "a.txt", b"x")
    with pytest.raises(InvalidArgument, match="read limit"):
        await backend.read_file("files", "a.txt", limit=-1)
    # A data dir the CLI would have refused, used anyway (a server, a test): words, no path.
    (tmp_path / "file").write_text("in the way")
    broken = make_backend(data_dir=tmp_path / "file" / "data")
    for attempt in (broken.create_project("demo"), broken.list_projects()):
        with pytest.raises(CloudIDEError) as caught:
            await attempt
        assert str(tmp_path) not in str(caught.value), caught.value
