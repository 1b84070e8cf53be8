"""What the UI remembers: the file's round trip, and that a bad file never stops the app."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cloudide_tui import paths
from cloudide_tui.ui_state import SavedTab, UIState, from_json, load, save, to_json

STATE = UIState(
    theme="textual-light",
    tabs=(
        SavedTab("terminal", "demo"),
        SavedTab("editor", "demo", "src/app.py", (12, 4)),
        SavedTab("terminal", "web"),
    ),
    active=1,
    layout={"split": "vertical", "panes": [[0, 1], [2]]},
)


def test_the_state_survives_a_save_and_a_load(tmp_path: Path) -> None:
    file = paths.ui_state_file(tmp_path, "local")
    save(file, STATE)
    assert load(file) == (STATE, None)
    assert file.parent.stat().st_mode & 0o777 == 0o700
    assert [p.name for p in file.parent.iterdir()] == ["local.json"], "a temporary file stayed"
    save(file, UIState())  # replaced whole
    assert load(file) == (UIState(), None)


def test_a_first_run_has_no_file_and_no_note(tmp_path: Path) -> None:
    assert load(tmp_path / "none.json") == (UIState(), None)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("{not json", "Expecting"),
        ("[]", "not a JSON object"),
        ('{"version": 99}', "format version 99"),
        ('{"version": 1, "tabs": {}}', "tabs is not a list"),
        ('{"version": 1, "tabs": [{"kind": "terminal", "project": "../x"}]}', "../x"),
        (
            '{"version": 1, "tabs": [{"kind": "editor", "project": "a", "path": "/etc"}]}',
            "absolute",
        ),
        ('{"version": 1, "tabs": [{"kind": "vim", "project": "a"}]}', "neither"),
        ('{"version": 1, "layout": 3}', "layout is not an object"),
    ],
)
def test_a_corrupt_file_is_ignored_with_a_note(tmp_path: Path, text: str, why: str) -> None:
    file = tmp_path / "state.json"
    file.write_text(text)
    state, note = load(file)
    assert state == UIState()
    assert note is not None and str(file) in note and why in note


def test_an_unreadable_file_is_a_note_too(tmp_path: Path) -> None:
    file = tmp_path / "state.json"
    file.write_bytes(b"\xff\xfe")
    state, note = load(file)
    assert state == UIState() and note is not None and "could not be read" in note


def test_odd_details_are_mended_not_refused() -> None:
    data = json.loads(to_json(STATE))
    data["active"] = 7  # past the end: nothing shown in particular
    data["tabs"][1]["cursor"] = "x"
    state = from_json(json.dumps(data))
    assert state.active is None and state.tabs[1].cursor == (0, 0)
    assert state.layout == STATE.layout
