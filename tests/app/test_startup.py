"""First run: a missing runner image is built with its progress shown, and can be
cancelled; a good build closes its dialog; a failing build is a dialog; a name other
than the default one is built only after a yes. The build runs a real script (as the
real one, ``runner/build-image.sh``, is run) under an image name that does not exist."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

import docker.errors
from textual.widgets import Log, Static

from cloudide_tui.dialogs import ConfirmDialog, ErrorDialog, ProgressDialog
from cloudide_tui.errors import ImageError
from testkit import docker_helpers
from testkit.backends import TEST_IMAGE, BackendHome
from testkit.ide import Ide, notification_titles, running_ide


def _script(tmp_path: Path, body: str) -> Path:
    script = tmp_path / "build.sh"
    script.write_text(body)
    return script


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def _agree_to_build(ide: Ide) -> None:
    """Answer "Build" to the question a name other than the default one raises."""
    await ide.wait_screen(ConfirmDialog, "the build question")
    await ide.pilot.click("#confirm")


def _missing_image() -> str:
    return f"cloudide-missing-{secrets.token_hex(4)}:latest"


async def test_a_successful_build_closes_its_dialog_and_start_up_goes_on(
    home: BackendHome, tmp_path: Path
) -> None:
    """The dialog used to spin on after a good build (and Escape then said "cancelled")."""
    image = _missing_image()
    script = _script(
        tmp_path,
        'echo "Step 1/2 : FROM base"\n'
        f'docker tag {TEST_IMAGE} "$CLOUDIDE_IMAGE"\n'
        'for i in $(seq 1 20000); do echo "layer $i"; done\n'
        'echo "Step 2/2 : done"\n',
    )
    backend = home.backend(image=image, build_script=script)
    try:
        async with running_ide(home, backend=backend, wait_ready=False) as ide:
            await _agree_to_build(ide)
            await ide.wait_for(lambda: ide.app.ready.is_set(), "start-up to end")
            await ide.wait_for(
                lambda: not isinstance(ide.app.screen, ProgressDialog), "the dialog to close"
            )
            await ide.pilot.pause(0.5)  # build lines still queued must not open it again
            assert not isinstance(ide.app.screen, ProgressDialog)
            await ide.pilot.press("escape")
            await ide.pilot.pause(0.2)
            assert "Image build cancelled" not in notification_titles(ide.app)
            # And the image is used: a project's terminal opens on it.
            await ide.create_project("onbuilt")
    finally:
        _remove_image(image)


async def test_a_mistyped_image_is_not_built_without_asking(
    home: BackendHome, tmp_path: Path
) -> None:
    ran = tmp_path / "ran"
    script = _script(tmp_path, f"touch {ran}\nexit 1\n")
    backend = home.backend(image=_missing_image(), build_script=script)
    async with running_ide(home, backend=backend, wait_ready=False) as ide:
        dialog = await ide.wait_screen(ConfirmDialog, "the question")
        assert backend.image in str(dialog.query_one("#message", Static).render())
        await ide.pilot.press("enter")  # the focus starts on Cancel: Enter builds nothing
        await ide.wait_for(lambda: ide.app.ready.is_set(), "start-up to end")
        assert not ran.exists(), "the build ran without a yes"
        await ide.wait_for(
            lambda: "Runner image not built" in notification_titles(ide.app), "the notice"
        )
        assert not isinstance(ide.app.screen, ProgressDialog | ErrorDialog)


def _remove_image(image: str) -> None:
    client = docker_helpers.api()
    try:
        with contextlib.suppress(docker.errors.APIError):
            client.remove_image(image)
    finally:
        client.close()


async def test_the_image_build_streams_its_lines_and_cancel_stops_it(
    home: BackendHome, tmp_path: Path
) -> None:
    pidfile = tmp_path / "pid"
    script = _script(
        tmp_path,
        f'echo $$ > {pidfile}\necho "Step 1/3 : FROM base"\necho "Step 2/3 : RUN apt-get"\n'
        "sleep 300\n",
    )
    backend = home.backend(
        image=f"cloudide-missing-{secrets.token_hex(4)}:latest", build_script=script
    )
    async with running_ide(home, backend=backend, wait_ready=False) as ide:
        await _agree_to_build(ide)
        log = (await ide.wait_screen(ProgressDialog, "the progress")).query_one(Log)
        await ide.wait_for(lambda: any("Step 2/3" in line for line in log.lines), "build lines")
        pid = int(pidfile.read_text())
        assert _alive(pid)
        await ide.pilot.press("escape")  # Cancel
        await ide.wait_for(lambda: not isinstance(ide.app.screen, ProgressDialog), "closing")
        await ide.wait_for(lambda: not _alive(pid), "the build to be killed")
        await ide.wait_for(
            lambda: "Image build cancelled" in notification_titles(ide.app), "the notice"
        )
        assert ide.app.is_running


async def test_a_failing_image_build_is_a_dialog_with_its_last_lines(
    home: BackendHome, tmp_path: Path
) -> None:
    script = _script(tmp_path, 'echo "Step 1/2 : FROM nowhere"\necho "no such base" >&2\nexit 3\n')
    backend = home.backend(
        image=f"cloudide-missing-{secrets.token_hex(4)}:latest", build_script=script
    )
    async with running_ide(home, backend=backend, wait_ready=False) as ide:
        await _agree_to_build(ide)
        dialog = await ide.wait_screen(ErrorDialog, "the error dialog")
        assert dialog.error_title == ImageError.title
        assert "no such base" in dialog.message and dialog.hint
        await ide.pilot.press("escape")
        assert ide.app.is_running


async def test_the_real_app_keeps_what_start_up_made_out_of_full_collections(
    home: BackendHome,
) -> None:
    """``run_app`` freezes the collector's view once started (full collections walking
    Textual's start-up objects stalled the loop under a flood); apps made for tests don't,
    or the suite would keep every app it ran alive."""
    import asyncio
    import gc

    from cloudide_tui.app import make_app
    from testkit.ide import settings_for

    gc.unfreeze()
    for freeze in (False, True):
        backend = home.backend()
        app = make_app(settings_for(home), backend)
        app.freeze_gc = freeze
        try:
            async with app.run_test(size=(120, 36)):
                await asyncio.wait_for(app.ready.wait(), 60)
                assert (gc.get_freeze_count() > 0) is freeze
        finally:
            gc.unfreeze()
            await backend.close()
