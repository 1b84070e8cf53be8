"""Escape-sequence conformance: the table in ``emulator_cases.py`` (the research note's
32 esctest/vttest cases and more), each run with and without the fast path."""

from __future__ import annotations

import pytest

from testkit.emulator_cases import CASES, Case, OurProbe, passes


@pytest.mark.parametrize("fast_path", [True, False], ids=["fast", "plain"])
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_escape_sequence_case(case: Case, fast_path: bool) -> None:
    probe = OurProbe(case, fast_path=fast_path)
    ok = passes(case, probe)
    assert ok, (case.id, probe.text_rows(), probe.cursor())
    assert probe.e.errors == 0


def test_the_table_has_the_research_cases_and_more() -> None:
    assert len(CASES) >= 90
    assert len({c.id for c in CASES}) == len(CASES)
