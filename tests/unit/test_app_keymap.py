"""The app's keys as data: the prefix key and what follows it, Alt+1..9, the footer per
place, and the settings that choose the prefix key and what Alt+digits do."""

from __future__ import annotations

import pytest

from cloudide_tui.app import CloudIDEApp
from cloudide_tui.config import load_settings
from cloudide_tui.errors import ConfigError
from cloudide_tui.keymap import (
    APP_BINDINGS,
    BROWSER_BINDINGS,
    EDITOR_BINDINGS,
    FOOTER,
    MAIN_BINDINGS,
    PREFIX_KEYS,
    help_rows,
    markdown_table,
    prefix_action,
    short_key,
    spell_key,
)
from cloudide_tui.screens.main import MainScreen
from cloudide_tui.widgets.project_browser import ProjectBrowser


@pytest.mark.parametrize(
    ("key", "character", "action"),
    [
        ("t", "t", "new_terminal"),
        ("c", "c", "new_terminal"),
        ("1", "1", "go_tab(1)"),
        ("9", "9", "go_tab(9)"),
        ("n", "n", "next_tab"),
        ("N", "N", "new_project"),
        ("shift+n", "N", "new_project"),  # the kitty protocol's name for it
        ("question_mark", "?", "app.help"),
        ("colon", ":", "app.command_palette"),
        ("z", "z", None),
        ("0", "0", None),
        ("escape", "\x1b", None),
    ],
)
def test_the_key_after_the_prefix_chooses_the_action(
    key: str, character: str, action: str | None
) -> None:
    assert prefix_action(key, character) == action


def test_every_action_the_keys_name_exists() -> None:
    def exists(action: str) -> bool:
        name = action.split("(")[0]
        if name.startswith("app."):
            return hasattr(CloudIDEApp, "action_" + name[4:])
        if name.startswith("screen."):
            return hasattr(MainScreen, "action_" + name[7:])
        return hasattr(MainScreen, "action_" + name) or hasattr(CloudIDEApp, "action_" + name)

    for entry in PREFIX_KEYS:
        assert exists(entry.action), entry
    for binding in [*APP_BINDINGS, *MAIN_BINDINGS]:
        assert exists(binding.action), binding
    for binding in BROWSER_BINDINGS:
        assert exists(binding.action) or hasattr(ProjectBrowser, "action_" + binding.action)


def test_the_footer_names_only_bound_actions() -> None:
    bound = {
        b.action.split("(")[0].rpartition(".")[2]
        for b in [*APP_BINDINGS, *MAIN_BINDINGS, *BROWSER_BINDINGS, *EDITOR_BINDINGS]
    }
    for place, items in FOOTER.items():
        for action, _label in items:
            assert action in bound, (place, action)


def test_keys_are_spelled_for_people() -> None:
    assert spell_key("ctrl+backslash") == "Ctrl+\\"
    assert spell_key("ctrl+pageup") == "Ctrl+PgUp"
    assert spell_key("f12") == "F12"
    assert spell_key("percent_sign") == "%"
    assert spell_key("alt+1") == "Alt+1"
    assert spell_key("ctrl+g") == "Ctrl+G"
    assert short_key("ctrl+n") == "^N"
    assert short_key("ctrl+backslash") == "^\\"
    assert short_key("f1") == "F1"


def test_the_help_spells_the_configured_prefix() -> None:
    rows = [r for r in help_rows("ctrl+g") if r.where == "prefix"]
    assert rows[0].keys == "Ctrl+G"
    assert any(r.keys == "Ctrl+G t / c" for r in rows)
    assert any(r.keys == "Ctrl+G Ctrl+G" for r in rows)
    assert "Ctrl+\\" in markdown_table() and "Ctrl+G t / c" not in markdown_table()


@pytest.mark.parametrize(
    ("given", "key"),
    [
        ("ctrl+backslash", "ctrl+backslash"),
        ("ctrl+\\", "ctrl+backslash"),
        ("C-a", "ctrl+a"),
        ("^A", "ctrl+a"),
        ("Ctrl+A", "ctrl+a"),
        ("C-]", "ctrl+right_square_bracket"),
        ("M-x", "alt+x"),
        ("ctrl+space", "ctrl+space"),
        ("f11", "f11"),
        ("Ctrl+Home", "ctrl+home"),
    ],
)
def test_a_prefix_key_can_be_written_as_tmux_or_textual_write_it(given: str, key: str) -> None:
    assert load_settings(environ={"CLOUDIDE_PREFIX_KEY": given}).prefix_key == key


@pytest.mark.parametrize(
    ("given", "fragment"),
    [
        ("a", "types text"),
        ("shift+x", "types text"),
        ("ctrl+q", "one of the app's own keys"),
        ("f12", "one of the app's own keys"),
        ("ctrl+frobnicate", "is not a key name"),
        ("hyperx+a", "is not a modifier"),
    ],
)
def test_a_prefix_key_that_cannot_work_is_refused_in_one_line(given: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(environ={"CLOUDIDE_PREFIX_KEY": given})
    assert "CLOUDIDE_PREFIX_KEY" in str(caught.value) and fragment in str(caught.value)


def test_alt_digits_are_tabs_or_the_shells() -> None:
    assert load_settings(environ={}).alt_digits == "tabs"
    assert load_settings(environ={"CLOUDIDE_ALT_DIGITS": "Shell"}).alt_digits == "shell"
    with pytest.raises(ConfigError, match="'tabs' or 'shell'"):
        load_settings(environ={"CLOUDIDE_ALT_DIGITS": "both"})
