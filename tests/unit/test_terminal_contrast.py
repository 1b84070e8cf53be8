"""Terminal colours stay readable in every Textual theme: ANSI white on a light theme,
bright black on a dark one, were close to invisible (minimum contrast, WCAG ratio)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.color import Color as RichColor
from rich.style import Style
from textual.app import App

from cloudide_tui.defaults import MIN_CONTRAST
from cloudide_tui.terminal.contrast import contrast_ratio, ensure_contrast
from cloudide_tui.widgets.terminal import Terminal
from testkit.memory_session import MemorySession
from testkit.terminal_support import TerminalApp, wait_until

THEMES = sorted(App().available_themes)
ANSI = [*range(30, 38), *range(90, 98)]
"""SGR foregrounds: the 16 palette colours."""

rgb = st.tuples(*[st.integers(0, 255)] * 3)


@given(rgb, rgb, st.floats(1.0, 7.0))
def test_a_colour_is_moved_just_enough_and_only_when_needed(
    fg: tuple[int, int, int], bg: tuple[int, int, int], minimum: float
) -> None:
    fixed = ensure_contrast(fg, bg, minimum)
    if contrast_ratio(fg, bg) >= minimum:
        assert fixed == fg
    else:
        best = max(contrast_ratio((0, 0, 0), bg), contrast_ratio((255, 255, 255), bg))
        assert contrast_ratio(fixed, bg) >= min(minimum, best) - 1e-9


def test_the_ratio_is_wcags() -> None:
    assert contrast_ratio((0, 0, 0), (255, 255, 255)) == pytest.approx(21.0)
    assert contrast_ratio((119, 119, 119), (255, 255, 255)) == pytest.approx(4.48, abs=0.01)


def drawn(app: App[Any], style: Style) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """(foreground, background) of a cell as Textual draws it (its ANSI-to-truecolor
    filter resolves palette colours with the app's ANSI theme)."""
    assert style.color is not None and style.bgcolor is not None
    fg = style.color.get_truecolor(app.ansi_theme, foreground=True)
    bg = style.bgcolor.get_truecolor(app.ansi_theme, foreground=False)
    return (fg.red, fg.green, fg.blue), (bg.red, bg.green, bg.blue)


@pytest.mark.parametrize("theme", THEMES)
async def test_every_palette_colour_is_readable_in_every_theme(theme: str) -> None:
    text = b"".join(b"\x1b[%dmX\x1b[0m" % sgr for sgr in ANSI)
    # and a program's own near-background colour on the default background
    text += b"\x1b[38;2;20;20;20mX\x1b[38;2;240;240;240mX\x1b[0m"
    session = MemorySession([text])
    app = TerminalApp(session)
    async with app.run_test(size=(40, 4)) as pilot:
        app.theme = theme
        terminal = app.query_one(Terminal)
        await wait_until(pilot, lambda: terminal.backlog == 0 and session.unread == 0, "output")
        await pilot.pause()
        line = terminal.render_line(0)
        cells = [segment.style for segment in line if segment.text == "X"]
        assert len(cells) == len(ANSI) + 2
        if app.native_ansi_color:
            # "ansi" themes draw with the host terminal's own palette: nothing to measure,
            # and the palette colours are left as the program chose them.
            assert all(
                s is not None and s.color == RichColor.from_ansi(i)
                for i, s in zip([*range(8), *range(8, 16)], cells[:16], strict=True)
            )
            return
        for sgr, style in zip([*ANSI, "rgb dark", "rgb light"], cells, strict=True):
            assert style is not None
            fg, bg = drawn(app, style)
            assert contrast_ratio(fg, bg) >= MIN_CONTRAST - 0.01, (theme, sgr, fg, bg)
