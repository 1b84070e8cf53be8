"""Real programs' output (tests/data/corpus, recorded by ``record.py`` there) replayed into
our emulator, tmux and xterm.js: at every checkpoint the recorder noted (the moments a key
was typed, the screen settled) and at the end, the screens must be equal cell by cell (text
and attributes) and the cursors too, but where ``references.CORPUS`` says the references
disagree and which one we follow."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from testkit.differential import Tmux, XtermJs, judge, ours
from tests.differential.references import CORPUS

CORPUS_DIR = Path(__file__).parents[1] / "data" / "corpus"
MANIFEST: dict[str, dict[str, object]] = json.loads((CORPUS_DIR / "corpus.json").read_text())


def checkpoints(name: str) -> list[int]:
    entry = MANIFEST[name]
    size = (CORPUS_DIR / str(entry["file"])).stat().st_size
    points = [int(p) for p in entry["checkpoints"]]  # type: ignore[attr-defined]
    return sorted({p for p in points if 0 < p < size} | {size})


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_a_recorded_program_looks_the_same_as_in_tmux_and_xterm_js(
    name: str, tmux: Tmux, xterm_js: XtermJs
) -> None:
    entry = MANIFEST[name]
    data = (CORPUS_DIR / str(entry["file"])).read_bytes()
    columns, lines = int(entry["columns"]), int(entry["lines"])  # type: ignore[call-overload]
    problems = []
    for index, point in enumerate(checkpoints(name)):
        prefix = data[:point]
        mine = ours(prefix, columns, lines)
        assert mine.extra["errors"] == 0
        assert ours(prefix, columns, lines, fast_path=False).rows == mine.rows
        follow = CORPUS.get((name, index))
        found = judge(
            mine,
            [tmux.screen(prefix, columns, lines), xterm_js.screen(prefix, columns, lines)],
            follow.reference if follow else None,
        )
        problems += [f"checkpoint {index} (byte {point}): {p}" for p in found]
    assert not problems, "\n".join(problems)


def test_the_corpus_has_the_programs_the_issue_asks_for() -> None:
    wanted = {"vim", "less", "htop", "mc", "dialog", "ncurses", "vttest", "unicode"}
    assert wanted <= set(MANIFEST)
    for name, entry in MANIFEST.items():
        assert (CORPUS_DIR / str(entry["file"])).stat().st_size < 100_000, name
        assert entry["about"] and entry["command"] and entry["program"], name


def test_every_listed_disagreement_is_about_a_recording_and_checkpoint_we_have() -> None:
    for name, index in CORPUS:
        assert name in MANIFEST and index < len(checkpoints(name)), (name, index)


def test_the_corpus_readme_lists_what_the_manifest_says() -> None:
    spec = importlib.util.spec_from_file_location("record", CORPUS_DIR / "record.py")
    assert spec is not None and spec.loader is not None
    record = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = record  # its dataclasses look their module up
    spec.loader.exec_module(record)
    assert (CORPUS_DIR / "README.md").read_text() == record.readme(MANIFEST)
