"""Every failure a user can meet is shown as a notification or a dialog, never a crash.

Real engine throughout: an invalid name, a save that would overwrite the shell's change,
an engine that is not there, a container removed under an open terminal, and a bug
(an unexpected exception) that must not lose the text being edited.
"""

from __future__ import annotations

import secrets
import shutil
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Button, Static

from cloudide_tui.app import StoppedByABug
from cloudide_tui.backend.base import ContainerState
from cloudide_tui.dialogs import ConfirmDialog, ErrorDialog, TextInputDialog
from cloudide_tui.errors import EngineUnavailable
from cloudide_tui.widgets.terminal import Terminal
from testkit import docker_helpers
from testkit.backends import BackendHome
from testkit.ide import (
    notification_titles,
    notifications_shown,
    running_ide,
    screen_text,
    type_text,
)


async def test_an_invalid_project_name_is_explained_before_anything_happens(
    home: BackendHome,
) -> None:
    async with running_ide(home) as ide:
        await ide.pilot.press("ctrl+n")
        await ide.wait_screen(TextInputDialog, "the dialog")
        await type_text(ide.pilot, "Bad Name")
        dialog = ide.app.screen
        message = str(dialog.query_one("#error", Static).render())
        assert message.strip(), "the validator's reason is shown under the field"
        assert dialog.query_one("#ok", Button).disabled
        await ide.pilot.press("enter")  # refused: the dialog stays
        assert ide.app.screen is dialog
        await ide.pilot.press("escape")
        assert "Bad Name" not in ide.main.browser.projects

        # Refused by the validator on the way to the backend too (e.g. from the palette).
        ide.main.create_project("../escape")
        await ide.wait_for(
            lambda: "Invalid project name" in notification_titles(ide.app),
            "an 'Invalid project name' notification",
        )
        assert ide.app.is_running


async def test_saving_over_a_change_made_in_the_shell_asks_first(home: BackendHome) -> None:
    async with running_ide(home) as ide:
        await ide.create_project("conflict")
        await ide.run_in_terminal("echo original > shared.txt; echo ok-made", "ok-made")
        ide.main.open_file("conflict", "shared.txt")
        await ide.wait_for(lambda: ide.main.editors(), "an editor")
        editor = ide.main.editors()[0]
        await ide.wait_for(lambda: ide.app.focused is editor.text_area, "the editor's focus")
        await type_text(ide.pilot, "mine ")
        # Meanwhile the shell rewrites the file.
        await ide.pilot.press("ctrl+pageup")
        await ide.wait_for(lambda: isinstance(ide.app.focused, Terminal), "the terminal")
        await ide.run_in_terminal("echo theirs > shared.txt; echo ok-theirs", "ok-theirs")
        await ide.pilot.press("ctrl+pagedown")
        await ide.wait_for(lambda: ide.app.focused is editor.text_area, "the editor again")

        await ide.pilot.press("ctrl+s")
        await ide.wait_screen(ConfirmDialog, "the question")
        await ide.pilot.press("escape")  # keep theirs for now
        await ide.pilot.pause(0.3)
        assert (await ide.backend.read_file("conflict", "shared.txt")).data == b"theirs\n"
        assert editor.dirty and editor.text == "mine original\n"  # nothing lost

        await ide.pilot.press("ctrl+s")
        await ide.wait_screen(ConfirmDialog, "the question")
        await ide.pilot.click("#confirm")
        await ide.wait_for(lambda: not editor.dirty, "the overwrite")
        assert (await ide.backend.read_file("conflict", "shared.txt")).data == b"mine original\n"


async def test_an_unreachable_engine_is_one_dialog_with_a_retry_and_projects_stay(
    home: BackendHome, tmp_path: Path
) -> None:
    setup = home.backend()
    await setup.create_project("ondisk")
    await setup.close()
    socket = Path(f"/tmp/cloudide-dead-{secrets.token_hex(4)}.sock")
    dead = home.backend(docker_host=f"unix://{socket}")
    async with running_ide(home, backend=dead, wait_ready=False) as ide:
        await ide.wait_screen(ErrorDialog, "the error dialog")
        dialog = ide.app.screen
        assert isinstance(dialog, ErrorDialog)
        assert dialog.error_title == EngineUnavailable.title
        assert str(socket) in dialog.message, "the address actually used is named"
        assert dialog.hint and "default Docker socket" not in dialog.message
        # The projects are listed from disk, their state unknown.
        browser = ide.main.browser
        await ide.wait_for(lambda: "ondisk" in browser.projects, "the project listed")
        assert browser.projects["ondisk"].state is ContainerState.UNKNOWN
        # Shown once: no toast says it again, however often the browser is listed again.
        await ide.wait_for(lambda: ide.app.ready.is_set(), "start-up to end")
        for _ in range(3):
            await ide.main.refresh_all().wait()
        await ide.pilot.pause()
        assert EngineUnavailable.title not in notification_titles(ide.app)
        assert len([s for s in ide.app.screen_stack if isinstance(s, ErrorDialog)]) == 1
        await ide.pilot.press("escape")

        # Ctrl+N in that state makes nothing: the engine is checked first.
        await ide.pilot.press("ctrl+n")
        await type_text(ide.pilot, "nowhere\n")
        await ide.wait_screen(ErrorDialog, "the dialog again")
        assert not (dead.workspaces / "nowhere").exists()
        assert "nowhere" not in browser.projects

        # The engine comes up (a relay to the real one at that address): Retry connects.
        proxy = await docker_helpers.EngineProxy(str(socket)).start()
        try:
            await ide.pilot.click("#retry")
            await ide.wait_for(
                lambda: browser.projects["ondisk"].state is not ContainerState.UNKNOWN,
                "the project's real state",
            )
            assert not isinstance(ide.app.screen, ErrorDialog)
            await ide.create_project("online")
            await ide.run_in_terminal("echo engine-back", "engine-back")
            await ide.pilot.press("f12", "ctrl+q")
            await ide.wait_for(lambda: not ide.app.is_running, "the app to quit", timeout=60)
        finally:
            await proxy.cut()


async def test_a_container_removed_under_a_terminal_ends_it_and_enter_restarts(
    home: BackendHome,
) -> None:
    async with running_ide(home) as ide:
        term = await ide.create_project("fragile")
        await ide.run_in_terminal("echo alive", "alive")
        client = docker_helpers.api()
        try:
            client.remove_container(home.backend().container_name("fragile"), force=True)
        finally:
            client.close()
        await ide.wait_for(lambda: term.ended, "the session to end")
        tab = ide.tab_of(term)
        await ide.wait_for(
            lambda: "(ended)" in str(ide.main.tabbed.get_tab(tab.pane_id).label),
            "the tab to say the shell ended",
        )
        assert ide.app.is_running
        # Enter on the ended terminal opens a new shell (a new container) in the same tab.
        assert ide.app.focused is term
        await ide.pilot.press("enter")
        await ide.wait_for(
            lambda: not term.ended and tab.session is not None and not tab.ended, "a new shell"
        )
        await ide.run_in_terminal("echo back-again", "back-again")
        assert "alive" in screen_text(term), "the ended session's screen is kept above"


async def test_a_bug_shows_a_generic_dialog_and_keeps_the_unsaved_text(home: BackendHome) -> None:
    class Buggy(type(home.backend())):  # type: ignore[misc]
        """A real backend with one fault injected: saving raises a non-CloudIDE error."""

        async def write_file(self, *args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("disk on fire")

    backend = Buggy(home.data_dir, owner=home.owner, image=home.backend().image)
    async with running_ide(home, backend=backend) as ide:
        await ide.create_project("buggy")
        await ide.run_in_terminal("echo text > f.txt; echo ok-made", "ok-made")
        ide.main.open_file("buggy", "f.txt")
        await ide.wait_for(lambda: ide.main.editors(), "an editor")
        editor = ide.main.editors()[0]
        await ide.wait_for(lambda: ide.app.focused is editor.text_area, "the editor's focus")
        await type_text(ide.pilot, "precious ")
        await ide.pilot.press("ctrl+s")
        await ide.wait_screen(ErrorDialog, "the error dialog")
        dialog = ide.app.screen
        assert isinstance(dialog, ErrorDialog)
        assert dialog.error_title == "Unexpected error"
        assert "disk on fire" in dialog.message
        await ide.pilot.press("escape")
        assert ide.app.is_running
        assert editor.dirty and editor.text == "precious text\n"
        assert len(ide.app.unexpected_errors) == 1
        ide.app.unexpected_errors.clear()  # expected here; the fixture checks for others


async def test_a_bug_that_stops_the_app_saves_the_unsaved_text_first(home: BackendHome) -> None:
    app = None
    with pytest.raises(StoppedByABug) as stopped:
        async with running_ide(home) as ide:
            app = ide.app
            await ide.create_project("rescue")
            await ide.run_in_terminal("echo base > r.txt; echo ok-made", "ok-made")
            ide.main.open_file("rescue", "r.txt")
            await ide.wait_for(lambda: ide.main.editors(), "an editor")
            editor = ide.main.editors()[0]
            await ide.wait_for(lambda: ide.app.focused is editor.text_area, "the focus")
            await type_text(ide.pilot, "unsaved ")

            def broken_app_handler() -> None:
                raise ZeroDivisionError("division by zero in the app")

            ide.app.call_later(broken_app_handler)
            await ide.wait_for(lambda: not ide.app.is_running, "the app to stop")
    assert app is not None and app.return_code == 1
    assert isinstance(stopped.value.__cause__, ZeroDivisionError)
    assert "stopped on an unexpected error (a bug): ZeroDivisionError" in str(stopped.value)
    recovered = list((home.data_dir / "recovered").rglob("r.txt"))
    assert len(recovered) == 1 and recovered[0].read_text() == "unsaved base\n"
    log = (home.data_dir / "cloudide-tui.log").read_text()
    assert "ZeroDivisionError" in log


def toast_text(app: Any, title: str) -> str:
    """The text of the toast with that title, on one line (as a person reads it)."""
    shown = next(text for text in notifications_shown(app) if text.startswith(title + "\n"))
    return " ".join(shown.split())


async def test_a_process_killed_for_memory_is_told_with_the_limit_and_how_to_raise_it(
    home: BackendHome,
) -> None:
    async with running_ide(home, backend=home.backend(memory="64m")) as ide:
        await ide.create_project("hungry")
        # The shell survives: only the kernel's kill of python3 happened.
        await ide.run_in_terminal("python3 -c 'x = bytearray(300 << 20)'; echo st=$?", "st=137")
        await ide.wait_for(
            lambda: "Out of memory" in notification_titles(ide.app),
            "an 'Out of memory' notification",
        )
        message = toast_text(ide.app, "Out of memory")
        assert "python3 was killed in project hungry" in message
        assert "the limit is 64m" in message
        assert "memory =" in message and "CLOUDIDE_MEMORY" in message
        assert ide.main.status.activity == "out of memory: hungry"
        await ide.run_in_terminal("echo still-here", "still-here")


async def test_a_full_disk_is_told_with_its_limit(home: BackendHome) -> None:
    async with running_ide(home, backend=home.backend(disk=48 << 20)) as ide:
        await ide.create_project("stuffed")
        await ide.run_in_terminal("dd if=/dev/zero of=f bs=1M count=80; echo st=$?", "st=1")
        await ide.wait_for(
            lambda: "Disk full" in notification_titles(ide.app),
            "a 'Disk full' notification",
        )
        message = toast_text(ide.app, "Disk full")
        assert "The disk of project stuffed is full (the limit is 48m)." in message
        assert "Free some space" in message and "disk =" in message


async def test_a_project_folder_deleted_on_disk_ends_its_shells_and_says_so(
    home: BackendHome,
) -> None:
    # Without disk limits the workspace is a plain folder (with them it is a mount point,
    # which rm -r empties but cannot remove): deleted as a person would, from the host.
    backend = home.backend(disk=0)
    async with running_ide(home, backend=backend) as ide:
        await ide.create_project("doomed")
        await ide.run_in_terminal("echo draft > d.txt; echo ok-made", "ok-made")
        ide.main.open_file("doomed", "d.txt")
        await ide.wait_for(lambda: ide.main.editors(), "an editor")
        editor = ide.main.editors()[0]
        await ide.wait_for(lambda: ide.app.focused is editor.text_area, "the editor's focus")
        await type_text(ide.pilot, "unsaved ")
        await ide.wait_for(
            lambda: ide.main.browser.projects["doomed"].state is ContainerState.RUNNING,
            "the container listed as running",
        )

        # Someone deletes the project's folder on the host (not through the app).
        shutil.rmtree(backend.workspaces / "doomed")

        await ide.wait_for(
            lambda: "Project deleted on disk" in notification_titles(ide.app), "the notice"
        )
        assert not ide.main.terminals(), "its shell was left running in a dead /workspace"
        assert "doomed" not in ide.main.browser.projects
        assert editor in ide.main.editors() and editor.text == "unsaved draft\n"
        client = docker_helpers.api()
        try:

            def stopped() -> bool:
                name = backend.container_name("doomed")
                return not client.inspect_container(name)["State"]["Running"]

            await ide.wait_for(stopped, "the container stopped")
        finally:
            client.close()
        assert ide.app.is_running
