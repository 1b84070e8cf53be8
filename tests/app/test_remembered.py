"""What the app remembers from one run to the next (real engine, two runs of the app on
one data dir): the theme, the open tabs (terminals as new shells, editors on their
files, where their cursor was), what could not come back; a corrupt file is ignored
with a note. Shell history survives the quit too (runner/bashrc)."""

from __future__ import annotations

from cloudide_tui import paths
from cloudide_tui.widgets.editor import Editor
from cloudide_tui.widgets.terminal import Terminal
from testkit.backends import BackendHome
from testkit.ide import notification_titles, notifications_shown, running_ide


async def test_theme_and_tabs_come_back_at_the_next_start(home: BackendHome) -> None:
    async with running_ide(home, remember=True) as ide:
        await ide.create_project("again")
        await ide.run_in_terminal("echo remembered-command", "remembered-command")
        for name in ("keep.txt", "lose.txt"):
            await ide.backend.write_file("again", name, b"one\ntwo\nthree\n")
            await ide.main.open_file("again", name).wait()
        keep = ide.main.tabs.editor_on("again", "keep.txt")
        assert keep is not None and isinstance(keep.widget, Editor)
        ide.main.tabbed.active = keep.pane_id
        keep.widget.go_to(2, 1)
        ide.app.theme = "textual-light"  # as the palette's theme entry does
        await ide.pilot.press("ctrl+q")
        await ide.wait_for(lambda: not ide.app.is_running, "the app to quit", timeout=60)
    await home.backend().delete_path("again", "lose.txt")

    async with running_ide(home, remember=True) as ide:
        await ide.wait_for(lambda: len(ide.main.tabs) == 2, "the tabs that can come back")
        assert ide.app.theme == "textual-light"
        kinds = [(t.kind, t.project) for t in ide.main.tabs.values()]
        assert kinds == [("terminal", "again"), ("editor", "again")]
        editor = ide.main.editors()[0]
        assert editor.path == "keep.txt"
        assert ide.main.active_tab is not None and ide.main.active_tab.widget is editor
        assert editor.cursor == (2, 1)
        await ide.wait_for(
            lambda: "Tabs of the last run" in notification_titles(ide.app), "what was not"
        )
        assert any("lose.txt in again: no such file" in n for n in notifications_shown(ide.app))
        # The terminal is a new shell, and the shell's history came through the quit.
        term = ide.main.terminals()[0]
        await ide.wait_prompt(term)
        await ide.pilot.press("ctrl+pageup")
        await ide.wait_for(lambda: ide.app.focused is term, "the terminal")
        assert isinstance(ide.app.focused, Terminal)
        await ide.run_in_terminal("history | grep -c 'echo [r]emembered-command'", "1")


async def test_a_corrupt_state_file_is_ignored_with_a_note(home: BackendHome) -> None:
    state = paths.ui_state_file(home.data_dir, home.owner)
    state.parent.mkdir(parents=True, exist_ok=True)
    state.write_text('{"version": 1, "tabs": [{"kind": "terminal"')
    async with running_ide(home, remember=True) as ide:
        await ide.wait_for(
            lambda: "Saved layout not restored" in notification_titles(ide.app), "the note"
        )
        assert not ide.main.tabs and ide.app.is_running
        await ide.create_project("fresh")
        await ide.pilot.press("f12", "ctrl+q")
        await ide.wait_for(lambda: not ide.app.is_running, "the app to quit", timeout=60)
    assert '"project": "fresh"' in state.read_text(), "the next save replaces it"


async def test_the_layout_comes_back_browser_hidden_and_two_tabs_side_by_side(
    home: BackendHome,
) -> None:
    paths.ui_state_file(home.data_dir, home.owner).unlink(missing_ok=True)  # a first run
    async with running_ide(home, remember=True) as ide:
        first = await ide.create_project("sides")
        await ide.wait_prompt(first)
        await ide.pilot.press("ctrl+backslash", "t")  # the prefix, then t: a second terminal
        await ide.wait_for(lambda: len(ide.main.terminals()) == 2, "the second terminal")
        await ide.pilot.press("ctrl+backslash", "|", "ctrl+backslash", "b")
        await ide.wait_for(
            lambda: ide.main.beside is not None and not ide.main.browser.display,
            "the split without the browser",
        )
        await ide.pilot.press("ctrl+backslash", "q")
        await ide.wait_for(lambda: not ide.app.is_running, "the app to quit", timeout=60)

    async with running_ide(home, remember=True) as ide:
        await ide.wait_for(lambda: len(ide.main.tabs) == 2, "both terminals")
        await ide.wait_for(lambda: ide.main.beside is not None, "the split")
        assert not ide.main.browser.display, "the browser was hidden when the app quit"
        assert [t.pane_id for t in ide.main.shown_tabs()] == [
            t.pane_id for t in ide.main.tab_order()
        ], "both tabs are shown, side by side"
        await ide.pilot.press("ctrl+backslash", "b")
        await ide.wait_for(lambda: ide.main.browser.display, "the browser back on request")
