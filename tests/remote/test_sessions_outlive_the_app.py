"""Shells belong to the server: quitting (or closing a tab) only leaves them, the next
start brings them back, the palette lists and attaches them, and ending one for good is a
command of its own."""

from __future__ import annotations

import time
from collections.abc import Callable

from cloudide_tui.dialogs import ChoiceDialog
from cloudide_tui.widgets.terminal import Terminal
from testkit.ide import Ide, notifications_shown, running_ide, screen_text
from testkit.remote_ide import RemoteHome

MakeHome = Callable[..., RemoteHome]


async def quit_app(ide: Ide) -> None:
    """Quit as a person does from a terminal: the prefix key, then q."""
    await ide.pilot.press("ctrl+backslash", "q")
    await ide.wait_for(lambda: not ide.app.is_running, "the app to quit", timeout=60)


async def run_palette(ide: Ide, command: str) -> None:
    await ide.pilot.press("f12")
    await ide.search_palette(command, shows=command)
    await ide.pilot.press("enter")


async def test_quitting_leaves_the_shell_running_and_the_next_start_brings_it_back(
    home: RemoteHome,
) -> None:
    async with running_ide(home) as ide:
        await ide.create_project("keep")
        await ide.run_in_terminal("export MARK=kept-$((40+2)); echo marked", "marked")
        await quit_app(ide)
    backend = home.backend()
    try:
        [info] = await backend.list_shells("keep")  # still running on the server
        assert info.viewers == 0
    finally:
        await backend.close()

    async with running_ide(home) as ide:
        await ide.wait_for(lambda: ide.main.terminals(), "the shell back as a tab")
        term = ide.terminal()
        await ide.wait_for(lambda: "marked" in screen_text(term), "its screen as it was")
        assert any("came back as tabs" in text for text in notifications_shown(ide.app))
        await ide.pilot.press("f12")  # from the browser into the tab
        await ide.wait_for(lambda: ide.app.focused is term, "the terminal's focus")
        await ide.run_in_terminal("echo $MARK", "kept-42")  # the very same shell


async def test_a_project_given_at_start_comes_back_to_its_most_recent_shell(
    home: RemoteHome,
) -> None:
    async with running_ide(home) as ide:
        await ide.create_project("two")
        await ide.run_in_terminal("export WHO=older; echo one", "one")
        await ide.pilot.press("ctrl+backslash", "t")  # another terminal on the project
        await ide.wait_for(lambda: len(ide.main.terminals()) == 2, "a second terminal")
        await ide.wait_prompt(ide.main.terminals()[1])
        await ide.wait_for(lambda: ide.app.focused is ide.main.terminals()[1], "its focus")
        await ide.run_in_terminal("export WHO=newer; echo two", "two")
        await quit_app(ide)

    async with running_ide(home, project="two") as ide:
        await ide.wait_for(lambda: len(ide.main.terminals()) == 2, "both shells back")
        await ide.wait_for(lambda: ide.app.focused in ide.main.terminals(), "a terminal focused")
        focused = ide.app.focused
        assert isinstance(focused, Terminal)
        await ide.run_in_terminal("echo who=$WHO", "who=newer", focused)


async def test_closing_a_tab_leaves_its_shell_which_the_palette_attaches_again(
    home: RemoteHome,
) -> None:
    async with running_ide(home) as ide:
        term = await ide.create_project("again")
        await ide.run_in_terminal("export N=seven-$((3+4)); echo set", "set")
        await ide.pilot.press("ctrl+backslash", "w")  # close the tab: the shell runs on
        await ide.wait_for(lambda: not ide.main.terminals(), "the tab closed")
        assert [s.session_id for s in await ide.backend.list_shells("again")] == [
            term.session.session_id if term.session else None
        ]

        await run_palette(ide, "attach a running shell")
        await ide.wait_screen(ChoiceDialog, "the list")
        dialog = ide.app.screen
        assert isinstance(dialog, ChoiceDialog) and len(dialog.items) == 1
        assert "nobody attached" in dialog.items[0]
        await ide.pilot.press("enter")
        await ide.wait_for(lambda: ide.main.terminals(), "the shell attached as a tab")
        back = ide.terminal()
        await ide.wait_for(lambda: "set" in screen_text(back), "its screen")
        await ide.wait_for(lambda: ide.app.focused is back, "its focus")
        await ide.run_in_terminal("echo $N", "seven-7")


async def test_ending_a_shell_from_the_palette_ends_it_for_good(home: RemoteHome) -> None:
    async with running_ide(home) as ide:
        await ide.create_project("over")
        await ide.run_in_terminal("echo here", "here")
        assert len(await ide.backend.list_shells("over")) == 1
        await run_palette(ide, "end this shell")
        await ide.wait_for(lambda: not ide.main.terminals(), "the tab closed")

        deadline = time.monotonic() + 20
        while await ide.backend.list_shells("over"):  # ended on the server, for everyone
            assert time.monotonic() < deadline, "the shell still runs on the server"
            await ide.pilot.pause(0.1)
