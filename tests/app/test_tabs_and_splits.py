"""Tabs as a person handles them: short stable names, a × and the middle button to close,
a mark when some do not fit, and two tabs side by side; on the real engine."""

from __future__ import annotations

from textual.widget import Widget
from textual.widgets import Static
from textual.widgets import Tab as TabWidget

from cloudide_tui.dialogs import QuestionDialog
from cloudide_tui.screens.tabs import Tab
from cloudide_tui.widgets.editor import Editor
from cloudide_tui.widgets.terminal import Terminal
from testkit.backends import BackendHome
from testkit.ide import Ide, running_ide, screen_text, type_text


def labels(ide: Ide) -> list[str]:
    """The tab bar's labels, left to right, as drawn."""
    return [str(ide.main.tabbed.get_tab(t.pane_id).label) for t in ide.main.tab_order()]


def shown(widget: Widget) -> bool:
    """Whether a tab's terminal or editor is on screen (its pane shown)."""
    return all(node.display for node in (widget, *widget.ancestors) if isinstance(node, Widget))


def content_tab(ide: Ide, tab: Tab) -> TabWidget:
    return ide.main.tabbed.get_tab(tab.pane_id)


async def click_x(ide: Ide, tab: TabWidget) -> None:
    """Click a tab's ×, its last cell before the one cell of padding, once the tab is laid
    out for its label now (a label that grew, with ●, widens the tab a refresh later)."""
    await ide.wait_for(
        lambda: tab.region.width == tab.label.cell_length + 2, "the tab laid out for its label"
    )
    await ide.click_on(tab, -2)


async def new_terminal(ide: Ide) -> Terminal:
    count = len(ide.main.terminals())
    await ide.pilot.press("ctrl+backslash", "t")
    await ide.wait_for(lambda: len(ide.main.terminals()) == count + 1, "another terminal")
    term = ide.main.terminals()[-1]
    await ide.wait_for(lambda: ide.app.focused is term, "its focus")
    return term


async def test_tab_names_are_short_numbered_and_stay_put_while_the_shell_moves(
    home: BackendHome,
) -> None:
    async with running_ide(home) as ide:
        first = await ide.create_project("names")
        second = await new_terminal(ide)
        await ide.wait_prompt(second)
        assert labels(ide) == ["1 names ×", "2 names #2 ×"]
        # The shell's title (where it is) is the tab's tooltip; the name stays.
        await ide.run_in_terminal("cd /tmp; echo moved", "moved", second)
        await ide.wait_for(
            lambda: "/tmp" in str(content_tab(ide, ide.tab_of(second)).tooltip), "the tooltip"
        )
        assert labels(ide) == ["1 names ×", "2 names #2 ×"]
        assert "/workspace" in str(content_tab(ide, ide.tab_of(first)).tooltip)


async def test_a_click_on_x_or_the_middle_button_closes_a_tab(home: BackendHome) -> None:
    async with running_ide(home) as ide:
        await ide.create_project("closing")
        second = await new_terminal(ide)
        third = await new_terminal(ide)
        # The middle button on the second tab's name.
        await ide.click_on(content_tab(ide, ide.tab_of(second)), 3, button=2)
        await ide.wait_for(lambda: second not in ide.main.terminals(), "the second closed")
        # Relabelled once the pane is gone: a moment after the tab leaves the list.
        await ide.wait_for(
            lambda: labels(ide) == ["1 closing ×", "2 closing #3 ×"], "the tabs relabelled"
        )
        # A click on the third's ×.
        await click_x(ide, content_tab(ide, ide.tab_of(third)))
        await ide.wait_for(lambda: third not in ide.main.terminals(), "the third closed")
        await ide.wait_for(lambda: labels(ide) == ["1 closing ×"], "the tabs relabelled")
        # A click on a name just shows that tab.
        await ide.run_in_terminal("printf 'x = 1\\n' > notes.py; echo ok", "ok")
        ide.main.open_file("closing", "notes.py")
        await ide.wait_for(lambda: ide.main.editors(), "the editor")
        editor = ide.main.editors()[0]
        await ide.wait_for(lambda: ide.app.focused is editor.text_area, "the editor's focus")
        await ide.click_on(content_tab(ide, ide.tab_of(ide.terminal())), 3)
        await ide.wait_for(lambda: ide.app.focused is ide.terminal(), "the terminal")
        # An editor with unsaved text asks first, on a click on × too.
        await ide.click_on(content_tab(ide, ide.tab_of(editor)), 3)
        await ide.wait_for(lambda: ide.app.focused is editor.text_area, "the editor again")
        await type_text(ide.pilot, "y = 2\n")
        widget = content_tab(ide, ide.tab_of(editor))
        await ide.wait_for(lambda: "●" in str(widget.label), "the unsaved mark")
        await click_x(ide, widget)
        await ide.wait_screen(QuestionDialog, "the question")
        await ide.pilot.press("escape")
        assert ide.main.editors() == [editor]


async def test_tabs_that_do_not_fit_are_counted_and_one_click_away(home: BackendHome) -> None:
    async with running_ide(home, size=(80, 24)) as ide:
        await ide.create_project("many")
        mark = ide.main.query_one("#tab-overflow", Static)
        assert not mark.display
        for _ in range(5):
            await new_terminal(ide)
        # Six tabs in 57 columns: the last is shown, some are hidden on its left.
        await ide.wait_for(lambda: mark.display, "the overflow mark")
        left, right = ide.main.hidden_tabs()
        assert left and not right
        assert str(mark.render()) == f"◂{len(left)}"
        await ide.pilot.press("alt+1")
        await ide.wait_for(lambda: not ide.main.hidden_tabs()[0], "the first tab shown")
        _, right = ide.main.hidden_tabs()
        await ide.wait_for(lambda: str(mark.render()) == f"{len(right)}▸", "the count")
        await ide.click_on(mark)
        await ide.wait_for(lambda: ide.main.active_tab is right[0], "a hidden tab shown")


async def test_a_terminal_beside_an_editor_and_two_terminals_side_by_side(
    home: BackendHome,
) -> None:
    async with running_ide(home) as ide:
        first = await ide.create_project("split")
        # One tab: the split opens a second terminal beside it.
        await ide.pilot.press("ctrl+backslash", "vertical_line")
        await ide.wait_for(lambda: len(ide.main.terminals()) == 2, "a terminal beside")
        second = ide.main.terminals()[1]
        await ide.wait_prompt(second)
        await ide.wait_for(lambda: shown(first) and shown(second), "both shown")
        assert first.region.width > 20 and second.region.width > 20
        assert first.region.right <= second.region.x  # left to right, in tab order
        assert ide.app.focused is second
        await ide.run_in_terminal("echo on-the-right", "on-the-right", second)
        # Prefix o: the other side (after the browser's turn it comes back round).
        await ide.pilot.press("ctrl+backslash", "o")
        await ide.wait_for(lambda: ide.app.focused is ide.main.browser, "the browser")
        await ide.pilot.press("ctrl+backslash", "o")
        await ide.wait_for(lambda: ide.app.focused is first, "the left terminal")
        await ide.run_in_terminal("echo on-the-left", "on-the-left", first)
        assert "on-the-left" not in screen_text(second)
        # A click in the other side gives it the keys; both stay shown.
        await ide.pilot.click(second, offset=(5, 5))
        await ide.wait_for(lambda: ide.app.focused is second, "the right terminal")
        assert shown(first) and shown(second)
        # A file opened meanwhile takes the active side; the other terminal stays beside.
        await ide.run_in_terminal("echo 'print(1)' > app.py; echo ok", "ok", second)
        ide.main.open_file("split", "app.py")
        await ide.wait_for(lambda: ide.main.editors(), "the editor")
        editor = ide.main.editors()[0]
        await ide.wait_for(lambda: shown(editor) and shown(first), "editor and terminal")
        assert not shown(second)
        assert isinstance(ide.main.active_tab and ide.main.active_tab.widget, Editor)
        # The prefix and | again: one tab.
        await ide.pilot.press("ctrl+backslash", "vertical_line")
        await ide.wait_for(lambda: not shown(first), "one tab shown")
        assert shown(editor)
