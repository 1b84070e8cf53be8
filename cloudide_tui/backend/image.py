"""The runner image: check it exists, and build it (with progress) when it does not.

Building is ``build-image.sh`` beside the runner's Dockerfile (it knows the debootstrap
fallback for machines where no registry can be reached), run as an asyncio subprocess so
that each output line reaches the progress callback as it comes, and so that cancelling
the task kills the build (its whole process group). The runner folder ships inside the
package as ``cloudide_tui.runner`` (the checkout's ``runner/``, mapped by pyproject.toml),
so an installed app (pip, pipx) builds its image as a checkout does.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import os
import signal
from pathlib import Path

import docker
import docker.errors

from cloudide_tui.backend.base import ProgressCallback
from cloudide_tui.errors import ImageError

BUILD_SCRIPT_NAME = "build-image.sh"

_PACKAGE = Path(__file__).resolve().parents[1]


def runner_dir() -> Path:
    """The runner image's folder (Dockerfile, its files, the build script): inside the
    installed package (``cloudide_tui/runner``), else the checkout's ``runner/`` (a
    source checkout or an editable install, where the package is the checkout's)."""
    installed = _PACKAGE / "runner"
    checkout = _PACKAGE.parent / "runner"
    return checkout if not installed.is_dir() and checkout.is_dir() else installed


def default_build_script() -> Path:
    """The build script beside the runner's Dockerfile (see ``runner_dir``)."""
    return runner_dir() / BUILD_SCRIPT_NAME


#: Lines of build output kept for the error message when the build fails.
TAIL_LINES = 15


def image_exists(api: docker.APIClient, image: str) -> bool:
    """Whether the engine has ``image`` (blocking)."""
    try:
        api.inspect_image(image)
    except docker.errors.ImageNotFound:
        return False
    except docker.errors.NotFound:
        return False
    return True


async def build_image(
    image: str,
    *,
    script: Path | None = None,
    docker_host: str | None = None,
    progress: ProgressCallback | None = None,
) -> None:
    """Build ``image`` with the build script, streaming its output to ``progress``.

    Cancelling the awaiting task kills the build.

    Raises:
        ImageError: the script is missing, or the build failed (with its last lines).
    """
    script = script or default_build_script()
    if not script.is_file():
        raise ImageError(
            f"The runner image {image} is missing and its build script is not here "
            f"({script}): this install is incomplete.",
            hint="reinstall cloudide-tui, or build the image from a clone with `make image` "
            f"(IMAGE={image})",
        )
    env = dict(os.environ, CLOUDIDE_IMAGE=image)
    if docker_host:
        env["DOCKER_HOST"] = docker_host
    say = progress or (lambda line: None)
    say(f"building the runner image {image} ({script})")
    try:
        proc = await asyncio.create_subprocess_exec(
            "bash",
            str(script),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env=env,
            limit=1 << 20,  # docker build can print long lines
            start_new_session=True,  # its own process group: cancelling kills all of it
        )
    except OSError as e:
        raise ImageError(f"Cannot run the image build script {script}: {e}") from None
    tail: collections.deque[str] = collections.deque(maxlen=TAIL_LINES)
    try:
        assert proc.stdout is not None
        async for raw in proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip()
            if line:
                tail.append(line)
                say(line)
        code = await proc.wait()
    except BaseException:
        await _kill_group(proc)
        raise
    if code != 0:
        raise ImageError(
            f"Building the runner image {image} failed (exit status {code}). Last lines:\n"
            + "\n".join(tail),
            hint="fix the cause above, then retry (or run `make image` to see it all)",
        )
    say(f"built {image}")


async def _kill_group(proc: asyncio.subprocess.Process) -> None:
    """Stop the build and everything it started: SIGTERM, then SIGKILL after 3 s."""
    if proc.returncode is not None:
        return
    for sig, wait in ((signal.SIGTERM, 3.0), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            await asyncio.wait_for(asyncio.shield(proc.wait()), wait)
            return
        except TimeoutError:
            continue
