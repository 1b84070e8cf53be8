"""cloudide-tui as users install it: a wheel in a fresh virtualenv, run from another folder.

The wheel is built from a copy of this tree (nothing is written into the checkout),
installed with its dependencies from the package index into a new venv, and run with the
checkout nowhere on the path: its ``--version`` answers, the runner image is built from
the files shipped inside the package (under a tag of this test's own), and a shell opens
in a project's container. Needs the Docker engine and the package index.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
import zipfile
from collections.abc import Iterator
from pathlib import Path

import docker.errors
import pytest

import cloudide_tui
from testkit import docker_helpers

ROOT = Path(__file__).parents[2]
SKIP = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis"
)


def run(*command: str | Path, cwd: Path, timeout: float = 600, **env: str) -> str:
    """Run a command; fail with its output when it fails."""
    result = subprocess.run(
        [str(c) for c in command],
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built from a copy of the working tree."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "src"
    shutil.copytree(ROOT, source, ignore=SKIP, symlinks=True)
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", work / "dist", ".", cwd=source)
    (built,) = (work / "dist").glob("cloudide_tui-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv (no system packages) with the wheel installed; its bin folder."""
    home = tmp_path_factory.mktemp("venv")
    run(sys.executable, "-m", "venv", home / "venv", cwd=home)
    bin_dir = home / "venv" / "bin"
    run(bin_dir / "python", "-m", "pip", "install", "-q", wheel, cwd=home)
    return bin_dir


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    """A folder outside the checkout to run the installed commands in."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    return folder


def test_the_wheel_ships_the_runner_the_server_and_the_styles(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    runner = {p.name for p in (ROOT / "runner").iterdir() if p.is_file()}
    assert runner >= {"Dockerfile", "build-image.sh", "cloudide-shell", "bashrc"}
    assert {f"cloudide_tui/runner/{name}" for name in runner} <= names
    server_files = {
        "cloudide_server/" + p.relative_to(ROOT / "server").as_posix()
        for p in (ROOT / "server").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert server_files <= names, f"not shipped: {sorted(server_files - names)}"
    # the pages' bundle (xterm.js, built from web/ and committed): no node needed to install
    assert {"cloudide_server/static/ide.js", "cloudide_server/pages/ide.html"} <= names
    assert any(re.fullmatch(r"cloudide_server/static/xterm-\w+\.js", n) for n in names)
    styles = {
        "cloudide_tui/" + p.relative_to(ROOT / "cloudide_tui").as_posix()
        for p in (ROOT / "cloudide_tui").rglob("*.tcss")
    }
    assert styles and styles <= names
    assert not any(n.startswith(("testkit/", "tests/", "bench/", "scripts/")) for n in names)
    assert any(n.endswith("/licenses/LICENSE") or n.endswith("/LICENSE") for n in names)


def test_the_installed_command_says_its_version_from_another_folder(
    venv: Path, elsewhere: Path
) -> None:
    out = run(venv / "cloudide-tui", "--version", cwd=elsewhere)
    assert out.strip() == f"cloudide-tui {cloudide_tui.__version__}"
    where = run(
        venv / "python", "-c", "import cloudide_tui; print(cloudide_tui.__file__)", cwd=elsewhere
    )
    assert Path(where.strip()).is_relative_to(venv.parent)


@pytest.fixture
def image_tag() -> Iterator[str]:
    """An image tag of this test's own, removed afterwards (the layers stay cached)."""
    tag = f"cloudide-runner:pkgtest-{docker_helpers.new_owner()}"
    yield tag
    api = docker_helpers.api()
    try:
        api.remove_image(tag)
    except docker.errors.ImageNotFound:
        pass
    finally:
        api.close()


SHELL_STORY = textwrap.dedent(
    """
    import asyncio, sys
    from pathlib import Path

    import cloudide_tui
    from cloudide_tui.backend.docker_backend import DockerBackend

    async def main(data_dir: str, owner: str, image: str) -> None:
        backend = DockerBackend(Path(data_dir), owner=owner, image=image)
        try:
            lines = []
            await backend.ensure_ready(progress=lines.append)
            print("BUILT", any("build-image:" in line for line in lines), flush=True)
            print("SCRIPT", *[line for line in lines if line.startswith("building")], flush=True)
            await backend.create_project("pkg")
            shell = await backend.open_shell("pkg", 24, 80)
            await shell.write(b"echo $((6 * 7))x\\n")
            seen = b""
            while b"42x" not in seen:
                seen += await asyncio.wait_for(shell.read(), 30)
            print("SHELL", "42x", flush=True)
            await shell.close()
            await backend.delete_project("pkg")
        finally:
            await backend.close()
        print("FROM", cloudide_tui.__file__, flush=True)

    asyncio.run(main(*sys.argv[1:]))
    """
)


def test_the_installed_app_builds_its_image_and_opens_a_shell(
    docker_engine: None, venv: Path, elsewhere: Path, image_tag: str
) -> None:
    owner = docker_helpers.new_owner()
    try:
        out = run(
            venv / "python",
            "-c",
            SHELL_STORY,
            elsewhere / "data",
            owner,
            image_tag,
            cwd=elsewhere,
            timeout=900,
        )
    finally:
        docker_helpers.remove_containers(owner)
    assert "BUILT True" in out, out
    script = out.split("SCRIPT", 1)[1].split("\n", 1)[0]
    assert f"{venv.parent}/lib/" in script and "cloudide_tui/runner/build-image.sh" in script, out
    assert "SHELL 42x" in out, out
    shipped = out.split("FROM", 1)[1].strip()
    assert Path(shipped).is_relative_to(venv.parent), shipped
