"""The keys are data: the help screen, the bindings and docs/app.md say the same thing."""

from __future__ import annotations

from pathlib import Path

from cloudide_tui.app import YIELD_TO_TERMINAL, CloudIDEApp
from cloudide_tui.keymap import APP_BINDINGS, MAIN_BINDINGS, help_rows, markdown_table
from cloudide_tui.screens.main import MainScreen
from cloudide_tui.terminal.keys import APP_KEYS, SCROLL_KEYS

DOCS = Path(__file__).resolve().parents[2] / "docs" / "app.md"


def test_the_docs_carry_the_key_table_made_from_the_bindings() -> None:
    text = DOCS.read_text()
    begin = text.index("-->", text.index("<!-- keys:begin")) + 3
    end = text.index("<!-- keys:end -->")
    assert text[begin:end].strip() == markdown_table(), (
        "docs/app.md's key table is stale: paste cloudide_tui.keymap.markdown_table()"
    )


def test_the_app_and_screen_bind_exactly_the_keymap() -> None:
    assert [b.key for b in CloudIDEApp.BINDINGS] == [b.key for b in APP_BINDINGS]  # type: ignore[union-attr]
    assert [b.key for b in MainScreen.BINDINGS] == [b.key for b in MAIN_BINDINGS]  # type: ignore[union-attr]


def test_the_keys_a_terminal_keeps_are_the_widgets_and_the_help_lists_them() -> None:
    # The widget lets exactly these through; the main screen binds the app keys among them.
    main_keys = {k for b in MAIN_BINDINGS for k in b.key.split(",")}
    assert set(APP_KEYS) <= main_keys
    shown = " ".join(r.keys for r in help_rows() if r.where == "terminal")
    for key in [*APP_KEYS, *SCROLL_KEYS]:
        spelled = key.replace("ctrl", "Ctrl").replace("shift", "Shift")
        spelled = spelled.replace("pageup", "PgUp").replace("pagedown", "PgDn").upper()
        assert spelled in shown.upper()
    assert {"quit", "command_palette"} == YIELD_TO_TERMINAL
