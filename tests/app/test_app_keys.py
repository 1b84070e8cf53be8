"""The app's keys from inside a terminal (the prefix key, Alt+1..9), a footer that shows
only what works where the focus is, and one help entry in the palette; on the real engine.
"""

from __future__ import annotations

import pytest
from textual.widgets._footer import FooterKey

from cloudide_tui.screens.prefix import PrefixScreen
from cloudide_tui.widgets.terminal_pane import TerminalPane
from testkit.backends import BackendHome
from testkit.ide import Ide, notifications_shown, running_ide, screen_text, type_text


def footer(ide: Ide) -> list[str]:
    """The footer's items as a person reads them ("F12 Browser"), left to right."""
    keys = ide.app.screen.query(FooterKey)
    return [f"{key.key_display} {key.description}" for key in keys]


async def show_keys_as_typed(ide: Ide) -> None:
    """Run ``cat -v`` with signals off in the focused terminal: it shows every key sent.

    Returns once a line printed by cat's own process (``sh`` before its ``exec``) is on
    screen: by then stty has run and that process has the terminal. The echoed command
    line says only that bash has read it; a key sent then could reach readline, or
    interrupt stty before it turned signals off."""
    await type_text(ide.pilot, "stty -isig; sh -c 'echo cat-ready; exec cat -v'\n")

    def ready() -> bool:
        lines = screen_text(ide.terminal()).splitlines()
        return any("cat-ready" in line and "echo" not in line for line in lines)

    await ide.wait_for(ready, "cat to start")


async def test_the_prefix_key_then_t_opens_a_terminal_from_inside_a_terminal(
    home: BackendHome,
) -> None:
    async with running_ide(home) as ide:
        first = await ide.create_project("prefixed")
        await ide.run_in_terminal("echo before", "before")
        await ide.pilot.press("ctrl+backslash")
        await ide.wait_screen(PrefixScreen, "the prefix panel")
        # The panel lists what the next key can do; the terminal keeps its focus below.
        panel = ide.app.screen
        assert isinstance(panel, PrefixScreen)
        assert ("t c", "new terminal on this project") in panel.rows
        assert ("Esc", "cancel") in panel.rows
        await ide.pilot.press("t")
        await ide.wait_for(lambda: len(ide.main.terminals()) == 2, "a second terminal")
        second = ide.main.terminals()[1]
        await ide.wait_prompt(second)
        assert ide.app.focused is second
        # Neither key reached the first shell.
        assert "^\\" not in screen_text(first) and not screen_text(first).rstrip().endswith("t")
        # Prefix then 1: back to the first tab; prefix then p / n: previous / next.
        await ide.pilot.press("ctrl+backslash", "1")
        await ide.wait_for(lambda: ide.app.focused is first, "the first terminal")
        await ide.pilot.press("ctrl+backslash", "n")
        await ide.wait_for(lambda: ide.app.focused is second, "the second terminal")
        # Prefix then w closes the tab; Escape after the prefix does nothing.
        await ide.pilot.press("ctrl+backslash", "escape")
        await ide.wait_for(lambda: not isinstance(ide.app.screen, PrefixScreen), "no panel")
        assert len(ide.main.terminals()) == 2
        await ide.pilot.press("ctrl+backslash", "w")
        await ide.wait_for(lambda: len(ide.main.terminals()) == 1, "the tab closed")
        await ide.wait_for(lambda: ide.app.focused is first, "the first terminal focused")


async def test_the_prefix_key_twice_reaches_the_shell_and_a_stray_key_says_so(
    home: BackendHome,
) -> None:
    async with running_ide(home) as ide:
        term = await ide.create_project("twice")
        await show_keys_as_typed(ide)
        await ide.pilot.press("ctrl+backslash", "ctrl+backslash", "x", "enter")
        await ide.wait_for(lambda: "^\\x" in screen_text(term), "^\\ typed into cat")
        # A key the panel does not list: a short notice, and nothing reaches the shell.
        await ide.pilot.press("ctrl+backslash", "z", "y", "enter")
        await ide.wait_for(
            lambda: any("does nothing" in n for n in notifications_shown(ide.app)), "a notice"
        )
        await ide.wait_for(lambda: screen_text(term).rstrip().endswith("y"), "y typed")
        assert "zy" not in screen_text(term)


async def test_alt_digits_go_to_tabs_from_a_terminal(home: BackendHome) -> None:
    async with running_ide(home) as ide:
        first = await ide.create_project("digits")
        await ide.pilot.press("ctrl+backslash", "t")
        await ide.wait_for(lambda: len(ide.main.terminals()) == 2, "a second terminal")
        second = ide.main.terminals()[1]
        await ide.wait_for(lambda: ide.app.focused is second, "the second terminal")
        await ide.pilot.press("alt+1")
        await ide.wait_for(lambda: ide.app.focused is first, "tab 1")
        await ide.pilot.press("alt+2")
        await ide.wait_for(lambda: ide.app.focused is second, "tab 2")
        await ide.pilot.press("alt+7")
        await ide.wait_for(
            lambda: any("no tab 7" in n for n in notifications_shown(ide.app)), "a notice"
        )
        assert ide.app.focused is second


async def test_alt_digits_can_be_given_to_the_shell(home: BackendHome) -> None:
    async with running_ide(home, alt_digits="shell") as ide:
        first = await ide.create_project("argdigits")
        await ide.pilot.press("ctrl+backslash", "t")
        await ide.wait_for(lambda: len(ide.main.terminals()) == 2, "a second terminal")
        second = ide.main.terminals()[1]
        await ide.wait_prompt(second)
        await show_keys_as_typed(ide)
        await ide.pilot.press("alt+1", "enter")
        await ide.wait_for(lambda: "^[1" in screen_text(second), "Alt+1 typed into cat")
        assert ide.app.focused is second
        # The prefix still reaches the tabs; the footer no longer offers Alt+1-9.
        assert not any("Alt+1-9" in item for item in footer(ide))
        await ide.pilot.press("ctrl+backslash", "1")
        await ide.wait_for(lambda: ide.app.focused is first, "tab 1")


async def test_a_prefix_key_of_ones_own_choosing(home: BackendHome) -> None:
    async with running_ide(home, prefix_key="ctrl+g") as ide:
        term = await ide.create_project("ownprefix")
        await show_keys_as_typed(ide)
        # Ctrl+\ is the shell's again; Ctrl+G is the prefix.
        await ide.pilot.press("ctrl+backslash", "enter")
        await ide.wait_for(lambda: "^\\" in screen_text(term), "^\\ typed into cat")
        await ide.pilot.press("ctrl+g")
        await ide.wait_screen(PrefixScreen, "the prefix panel")
        assert "Ctrl+G then" in str(ide.app.screen.query_one("#prefix-panel").border_title)
        await ide.pilot.press("ctrl+g", "enter")
        await ide.wait_for(lambda: "^G" in screen_text(term), "^G typed into cat")
        assert "^\\G" not in screen_text(term)
        assert any(item == "^G App keys" for item in footer(ide)), footer(ide)


async def test_the_footer_shows_the_keys_that_work_where_the_focus_is_and_fits(
    home: BackendHome,
) -> None:
    async with running_ide(home, size=(80, 24)) as ide:
        await ide.create_project("footer")
        # In a terminal: only the keys a terminal does not give to the shell.
        await ide.wait_for(lambda: footer(ide), "the footer")
        assert footer(ide) == ["F12 Browser", "^\\ App keys", "Alt+1-9 Tab"]
        # In the browser: its keys and the app's, as many as fit in 80 columns.
        await ide.pilot.press("f12")
        await ide.wait_for(lambda: "Enter Open" in footer(ide), "the browser's footer")
        items = footer(ide)
        assert {"^N Project", "^T Terminal", "F12 Tab"} <= set(items), items
        assert not any("App keys" in item for item in items)
        footer_widget = ide.app.screen.query_one("Footer")
        assert sum(key.outer_size.width for key in footer_widget.query(FooterKey)) <= 80


async def test_the_palette_has_one_entry_for_the_keys(home: BackendHome) -> None:
    async with running_ide(home) as ide:
        titles = await ide.search_palette("keys", shows="Keys")
        assert sum("Keys" in title for title in titles) == 1, titles


async def test_searching_a_shells_history_and_opening_a_link_it_printed(
    home: BackendHome, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A server, SSH: no display, so the link is copied rather than opened.
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    async with running_ide(home) as ide:
        term = await ide.create_project("history")
        await ide.run_in_terminal(
            "for i in $(seq 1 120); do echo row-$i; done; echo docs at https://example.org/x.",
            "docs at",
        )
        # Prefix, then /: the bar takes the keys, the view goes to the match.
        await ide.pilot.press("ctrl+backslash", "slash")
        pane = term.parent
        assert isinstance(pane, TerminalPane)
        await ide.wait_for(lambda: pane.search_bar.is_open, "the search bar")
        await type_text(ide.pilot, "row-7")
        await ide.wait_for(lambda: len(pane.search_bar.matches) == 11, "row-7 and row-70..79")
        await ide.wait_for(lambda: term.scrolled_back > 0, "the view on a match")
        view = [term.render_line(y).text for y in range(term.size.height)]
        assert any(line.startswith("row-79") for line in view), view
        await ide.pilot.press("escape")
        await ide.wait_for(lambda: ide.app.focused is term, "the terminal's focus back")
        # Prefix, then u: the one link in view is copied (no browser here), and said so.
        await ide.pilot.press("x")  # any key: back to the live screen
        await ide.wait_for(lambda: term.scrolled_back == 0, "the live screen")
        await ide.pilot.press("backspace", "ctrl+backslash", "u")
        await ide.wait_for(
            lambda: any("Copied the link" in n for n in notifications_shown(ide.app)),
            "the link copied",
        )
        assert ide.app.clipboard == "https://example.org/x"
