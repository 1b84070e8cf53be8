"""A person's flows through the app, on the real Docker engine (Pilot, headless).

Create a project and use its shell; see the shell's files in the tree; edit and save
them and read them back in the shell; rename and delete with confirmation; two shells
on one project; the keys a terminal must keep; the palette; quitting.
"""

from __future__ import annotations

from pathlib import Path

from textual import events
from textual.command import CommandPalette
from textual.widgets import Input

from cloudide_tui.backend import disks
from cloudide_tui.dialogs import ConfirmDialog, QuestionDialog, TextInputDialog
from cloudide_tui.widgets.terminal import Terminal
from testkit import docker_helpers
from testkit.backends import BackendHome, Home
from testkit.ide import notification_titles, running_ide, screen_text, type_text


async def test_creating_a_project_opens_its_terminal_where_echo_works(home: Home) -> None:
    async with running_ide(home) as ide:
        term = await ide.create_project("echoes")
        assert "echoes" in ide.main.browser.projects
        shown = await ide.run_in_terminal("echo hello-$((6*7))", "hello-42")
        # the command line and its output: the output is a line of its own
        assert "hello-42" in shown.splitlines()
        assert ide.app.focused is term


async def test_a_file_made_in_the_shell_shows_in_the_tree_then_edits_save_back(
    home: Home,
) -> None:
    async with running_ide(home) as ide:
        await ide.create_project("files")
        await ide.run_in_terminal("echo first > notes.txt; mkdir src; echo ok", "ok")

        # Leave the terminal: the project, opened, is expanded, with the shell's files.
        await ide.pilot.press("f12")
        assert ide.app.focused is ide.main.browser
        ide.main.browser.select_project("files")
        await ide.wait_for(
            lambda: {"notes.txt", "src"} <= ide.tree_paths("files"),
            "notes.txt and src/ in the tree",
        )

        # A file made later shows up by itself (polling), no key pressed.
        await ide.pilot.press("f12")
        await ide.run_in_terminal("touch later.txt; echo done", "done")
        await ide.wait_for(lambda: "later.txt" in ide.tree_paths("files"), "later.txt in the tree")

        # Open notes.txt from the tree, type, save with Ctrl+S.
        await ide.pilot.press("f12")
        await ide.put_cursor("files", "notes.txt")
        await ide.pilot.press("enter")
        await ide.wait_for(lambda: ide.main.editors(), "an editor tab")
        editor = ide.main.editors()[0]
        await ide.wait_for(lambda: ide.app.focused is editor.text_area, "the editor's focus")
        assert editor.text == "first\n"
        await type_text(ide.pilot, "edited ")
        assert editor.dirty
        assert "●" in ide.tab_label(editor)
        await ide.pilot.press("ctrl+s")
        await ide.wait_for(lambda: not editor.dirty, "the save")
        assert "●" not in ide.tab_label(editor)

        # Back in the terminal (Ctrl+PgUp), cat shows what the editor saved.
        await ide.pilot.press("ctrl+pageup")
        await ide.wait_for(lambda: isinstance(ide.app.focused, Terminal), "the terminal")
        await ide.run_in_terminal("cat notes.txt", "edited first")

        # The shell changes the file: the clean editor follows within a second or so.
        await ide.run_in_terminal("sed -i s/first/FROM-SED/ notes.txt; echo sed-done", "sed-done")
        await ide.wait_for(lambda: "FROM-SED" in editor.text, "the editor to follow the disk")
        assert not editor.dirty


async def test_renaming_and_deleting_ask_first_and_say_what_goes(home: Home) -> None:
    async with running_ide(home) as ide:
        await ide.create_project("tidy")
        await ide.run_in_terminal("echo x > old.txt; echo y > gone.txt; echo ok", "ok")
        await ide.pilot.press("f12")
        browser = ide.main.browser
        browser.select_project("tidy")  # expanded since it was opened
        await ide.wait_for(lambda: "old.txt" in ide.tree_paths("tidy"), "old.txt listed")

        # Rename a file: F2, the old name is offered, type the new one.
        await ide.put_cursor("tidy", "old.txt")
        await ide.pilot.press("f2")
        await ide.wait_screen(TextInputDialog, "the dialog")
        assert ide.app.screen.query_one(Input).value == "old.txt"
        ide.app.screen.query_one(Input).value = ""
        await type_text(ide.pilot, "new.txt\n")
        await ide.wait_for(lambda: "new.txt" in ide.tree_paths("tidy"), "new.txt listed")
        names = {e.name for e in await ide.backend.list_dir("tidy")}
        assert {"new.txt", "gone.txt"} <= names and "old.txt" not in names

        # Delete a file: the dialog asks; Cancel keeps it, Delete removes it.
        await ide.put_cursor("tidy", "gone.txt")
        await ide.pilot.press("delete")
        await ide.wait_screen(ConfirmDialog, "the question")
        await ide.pilot.press("escape")
        assert "gone.txt" in {e.name for e in await ide.backend.list_dir("tidy")}
        await ide.pilot.press("delete")
        await ide.wait_screen(ConfirmDialog, "the question")
        await ide.pilot.click("#confirm")
        await ide.wait_for(lambda: "gone.txt" not in ide.tree_paths("tidy"), "gone.txt gone")
        assert "gone.txt" not in {e.name for e in await ide.backend.list_dir("tidy")}

        # Rename the project (its shells end; its files stay).
        await ide.put_cursor("tidy")
        await ide.pilot.press("f2")
        await ide.wait_screen(TextInputDialog, "the dialog")
        ide.app.screen.query_one(Input).value = ""
        await type_text(ide.pilot, "neat\n")
        await ide.wait_for(
            lambda: "neat" in browser.projects and "tidy" not in browser.projects,
            "the project renamed",
        )
        assert "new.txt" in {e.name for e in await ide.backend.list_dir("neat")}

        # Delete the project: the question says the workspace files go too.
        await ide.put_cursor("neat")
        await ide.pilot.press("delete")
        await ide.wait_screen(ConfirmDialog, "the question")
        dialog = ide.app.screen
        assert "WORKSPACE FILES" in str(dialog.query_one("#message").render())
        await ide.pilot.click("#confirm")
        await ide.wait_for(lambda: "neat" not in browser.projects, "the project deleted")
        assert "neat" not in {p.name for p in await ide.backend.list_projects()}
        assert not (ide.home.workspaces / "neat").exists()
        # Renamed and deleted here: no "deleted on disk" alarm for either. Change events
        # come in order: once a project made after them is listed, they were handled.
        await ide.backend.create_project("later")
        await ide.wait_for(lambda: "later" in browser.projects, "a later change seen")
        await ide.pilot.pause()
        assert "Project deleted on disk" not in notification_titles(ide.app)


async def test_two_terminals_on_one_project_are_two_shells(home: Home) -> None:
    async with running_ide(home) as ide:
        first = await ide.create_project("twins")
        await ide.pilot.press("f12")
        await ide.pilot.press("ctrl+t")
        await ide.wait_for(lambda: len(ide.main.terminals()) == 2, "a second terminal tab")
        second = ide.main.terminals()[1]
        await ide.wait_prompt(second)
        assert ide.app.focused is second
        await ide.run_in_terminal(
            "touch made-by-second; echo $$ > second.pid; echo ok", "ok", second
        )
        await ide.pilot.press("ctrl+pageup")
        await ide.wait_for(lambda: ide.app.focused is first, "the first terminal")
        shown = await ide.run_in_terminal("ls; echo pids $$ $(cat second.pid)", "pids", first)
        assert "made-by-second" in shown
        pids = shown.split("pids ")[-1].split()[:2]
        assert pids[0] != pids[1], "both tabs run in the same shell"
        await ide.pilot.press("ctrl+pagedown")
        await ide.wait_for(lambda: ide.app.focused is second, "the second terminal again")

        # Both tabs are named for the project, the second numbered; the shells' titles
        # ("twins: /workspace") are their tooltips and follow a cd (OSC 0/2).
        def labels() -> list[str]:
            return [str(ide.main.tabbed.get_tab(t.pane_id).label) for t in ide.main.tabs.values()]

        def tooltips() -> list[str]:
            return [str(ide.main.tabbed.get_tab(t.pane_id).tooltip) for t in ide.main.tabs.values()]

        assert labels() == ["1 twins ×", "2 twins #2 ×"]
        await ide.wait_for(lambda: all("/workspace" in tip for tip in tooltips()), "titles")
        await ide.run_in_terminal("cd /tmp; echo moved", "moved", second)
        await ide.wait_for(lambda: any("/tmp" in tip for tip in tooltips()), "the new title")
        assert labels() == ["1 twins ×", "2 twins #2 ×"]


async def test_a_focused_terminal_gets_ctrl_q_ctrl_p_and_ctrl_c(home: Home) -> None:
    async with running_ide(home) as ide:
        term = await ide.create_project("keys")
        await ide.run_in_terminal("echo remembered", "remembered")
        # Ctrl+P is readline's previous-history: it goes to the shell, no palette opens,
        # and bash shows the recalled command at once (no next key needed).
        assert term.session is not None
        written: list[bytes] = []
        write = term.session.write

        async def spy(data: bytes) -> None:
            written.append(data)
            await write(data)

        term.session.write = spy  # type: ignore[method-assign]
        await ide.pilot.press("ctrl+p")
        await ide.wait_for(
            lambda: screen_text(term).count("echo remembered") >= 2, "the recalled command"
        )
        assert b"\x10" in b"".join(written)
        assert not isinstance(ide.app.screen, CommandPalette)
        # Ctrl+C reaches bash (cancels the line); Ctrl+Q does not quit the app.
        await ide.pilot.press("ctrl+c")
        await ide.pilot.press("ctrl+q")
        await ide.pilot.pause(0.3)
        assert ide.app.is_running and not isinstance(ide.app.screen, ConfirmDialog)
        await ide.run_in_terminal("echo still-here", "still-here")
        # Outside the terminal, Ctrl+P is the palette again.
        await ide.pilot.press("f12", "ctrl+p")
        await ide.wait_screen(CommandPalette, "the palette")


async def test_the_palette_finds_and_opens_any_file(home: Home) -> None:
    async with running_ide(home) as ide:
        await ide.create_project("palette")
        await ide.run_in_terminal(
            "mkdir -p deep/down && echo found > deep/down/needle.py; echo ok", "ok"
        )
        await ide.pilot.press("f12")
        await ide.search_palette("needle", shows="needle.py")
        await ide.pilot.press("enter")
        await ide.wait_for(lambda: ide.main.editors(), "an editor")
        editor = ide.main.editors()[0]
        assert editor.path == "deep/down/needle.py" and editor.text == "found\n"

        # Actions are there too: "New terminal" opens a second shell on the project.
        await ide.search_palette("new terminal", shows="New terminal")
        await ide.pilot.press("enter")
        await ide.wait_for(lambda: len(ide.main.terminals()) == 2, "a second terminal")
        await ide.wait_prompt(ide.main.terminals()[1])


async def test_starting_with_a_project_opens_it_with_its_terminal_focused(
    home: Home,
) -> None:
    async with running_ide(home, project="atstart") as ide:
        await ide.wait_for(lambda: ide.main.terminals(), "a terminal")
        term = await ide.wait_prompt()
        assert ide.app.focused is term
        assert "atstart" in ide.main.browser.projects
        node = ide.main.browser.node_for("atstart")
        assert node is not None and node.is_expanded, "--project left the project collapsed"
        await ide.run_in_terminal("pwd", "/workspace")


async def test_quitting_with_unsaved_changes_asks_and_stops_the_container(
    home: Home,
) -> None:
    async with running_ide(home) as ide:
        await ide.create_project("leaving")
        await ide.run_in_terminal("echo keep > draft.txt; echo ok", "ok")
        ide.main.open_file("leaving", "draft.txt")
        await ide.wait_for(lambda: ide.main.editors(), "an editor")
        editor = ide.main.editors()[0]
        await ide.wait_for(lambda: ide.app.focused is editor.text_area, "the editor's focus")
        await type_text(ide.pilot, "unsaved ")
        await ide.pilot.press("ctrl+q")
        await ide.wait_screen(QuestionDialog, "the question")
        await ide.pilot.press("escape")  # changed my mind: nothing is lost
        await ide.wait_for(lambda: not isinstance(ide.app.screen, QuestionDialog), "no question")
        assert ide.app.is_running and editor.text.startswith("unsaved ")
        await ide.pilot.press("ctrl+q")
        await ide.wait_screen(QuestionDialog, "the question")
        await ide.pilot.click("#answer-1")  # Quit without saving
        await ide.wait_for(lambda: not ide.app.is_running, "the app to quit", timeout=60)
    state = await home.backend().container_state("leaving")
    assert state.value == "stopped"


async def test_keep_running_leaves_the_container_up_on_quit(home: Home) -> None:
    async with running_ide(home, keep_running=True) as ide:
        await ide.create_project("stays")
        await ide.pilot.press("f12", "ctrl+q")
        await ide.wait_for(lambda: not ide.app.is_running, "the app to quit", timeout=60)
    assert (await home.backend().container_state("stays")).value == "running"


async def test_new_file_and_folder_from_the_browser_and_closing_a_changed_editor_asks(
    home: Home,
) -> None:
    async with running_ide(home) as ide:
        await ide.create_project("making")
        await ide.pilot.press("f12")
        await ide.put_cursor("making")
        await ide.pilot.press("m")
        await ide.wait_screen(TextInputDialog, "the dialog")
        await type_text(ide.pilot, "lib\n")
        await ide.wait_for(lambda: "lib" in ide.tree_paths("making"), "lib/ in the tree")
        await ide.put_cursor("making", "lib")
        await ide.pilot.press("n")
        await ide.wait_screen(TextInputDialog, "the dialog")
        await type_text(ide.pilot, "mod.py\n")
        # The new file opens in an editor, inside the folder under the cursor.
        await ide.wait_for(lambda: ide.main.editors(), "an editor on the new file")
        editor = ide.main.editors()[0]
        assert editor.path == "lib/mod.py"
        entry = await ide.backend.stat("making", "lib/mod.py")
        assert entry.kind == "file" and entry.size == 0
        await ide.wait_for(lambda: ide.app.focused is editor.text_area, "the editor's focus")
        await type_text(ide.pilot, "x = 1")
        await ide.pilot.press("ctrl+f4")
        await ide.wait_screen(QuestionDialog, "the question")
        await ide.pilot.press("escape")
        await ide.wait_for(lambda: not isinstance(ide.app.screen, QuestionDialog), "no question")
        assert editor in ide.main.editors() and editor.text == "x = 1"
        await ide.pilot.press("ctrl+f4")
        await ide.wait_screen(QuestionDialog, "the question")
        await ide.pilot.click("#answer-1")  # Close without saving
        await ide.wait_for(lambda: not ide.main.editors(), "the editor closed")
        assert (await ide.backend.read_file("making", "lib/mod.py")).data == b""


async def test_an_opened_project_shows_its_files_without_expanding_it_by_hand(
    home: Home,
) -> None:
    async with running_ide(home) as ide:
        await ide.create_project("shown")
        node = ide.main.browser.node_for("shown")
        assert node is not None and node.is_expanded, "Ctrl+N left the project collapsed"
        await ide.run_in_terminal("echo x > seen.txt; echo ok", "ok")
        await ide.wait_for(lambda: "seen.txt" in ide.tree_paths("shown"), "seen.txt in the tree")

        # Collapse it by hand, then open it again with Enter: its files show again
        # (and Enter on an open, expanded project does not fold it away).
        await ide.pilot.press("f12")
        await ide.put_cursor("shown")
        await ide.pilot.press("space")
        assert not node.is_expanded
        for _ in range(2):
            await ide.pilot.press("f12") if isinstance(ide.app.focused, Terminal) else None
            await ide.put_cursor("shown")
            await ide.pilot.press("enter")
            await ide.wait_for(lambda: isinstance(ide.app.focused, Terminal), "the terminal")
            assert node.is_expanded
        assert len(ide.main.terminals()) == 1


async def test_a_burst_of_keys_in_the_name_dialog_keeps_its_order(home: Home) -> None:
    """``tmux send-keys C-u name Enter`` arrives as one read: Ctrl+U and Enter must not
    run after the letters (they did: the field was cleared and submitted empty)."""
    async with running_ide(home) as ide:
        await ide.pilot.press("ctrl+n")
        await ide.wait_screen(TextInputDialog, "the dialog")
        await type_text(ide.pilot, "junk")
        # Post the burst the way the driver does: all keys queued before any is handled.
        for key, char in [("ctrl+u", "\x15"), *((c, c) for c in "burst"), ("enter", "\r")]:
            ide.app.post_message(events.Key(key, char))
        await ide.wait_for(
            lambda: any(t.project == "burst" for t in ide.main.tabs.values()),
            "a terminal tab for the project named in the burst",
        )
        await ide.wait_prompt()
        assert (
            "junk" not in ide.main.browser.projects and "burstjunk" not in ide.main.browser.projects
        )


async def test_starting_on_a_running_project_uses_one_shell_at_the_terminals_size(
    home: BackendHome,
) -> None:
    """The warm ``--project`` start opens the shell ahead, at a guessed size: the user
    sees one shell, and it knows the terminal's real size."""
    async with running_ide(home, project="warm", keep_running=True) as ide:
        await ide.wait_prompt()
    backend = home.backend()
    async with running_ide(home, backend, project="warm", size=(100, 30)) as ide:
        await ide.wait_for(lambda: ide.main.terminals(), "a terminal")
        term = await ide.wait_prompt()
        assert ide.app.focused is term
        assert len(backend.open_sessions()) == 1, backend.open_sessions()
        shown = await ide.run_in_terminal("echo size $(stty size)", "size ")
        rows, cols = shown.split("size ")[-1].split()[:2]
        assert (int(rows), int(cols)) == (term.emulator.lines, term.emulator.columns)
        node = ide.main.browser.node_for("warm")
        assert node is not None and node.is_expanded


async def test_with_no_projects_the_browser_says_how_to_make_one(
    home: Home, tmp_path: Path
) -> None:
    fresh = BackendHome(tmp_path / "data", docker_helpers.new_owner())  # no project at all
    try:
        await _create_the_first_project_from_the_empty_browser(fresh)
    finally:
        docker_helpers.remove_containers(fresh.owner)
        disks.release_under(fresh.data_dir)


async def _create_the_first_project_from_the_empty_browser(fresh: Home) -> None:
    async with running_ide(fresh) as ide:
        browser = ide.main.browser
        assert not browser.projects
        assert [str(n.label) for n in browser.root.children] == [
            "No projects yet.",
            "Ctrl+N creates one",
        ]
        await ide.click_on(browser, 4, 1)  # a click on "Ctrl+N creates one"
        await ide.wait_screen(TextInputDialog, "the dialog")
        await type_text(ide.pilot, "first\n")
        await ide.wait_for(lambda: "first" in browser.projects, "the project")
        assert all(n.data is not None for n in browser.root.children), "the line stayed"
        await ide.wait_prompt()
