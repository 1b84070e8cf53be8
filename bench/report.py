"""The benchmark table: each figure next to its anchor, measured in the same run."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class Row:
    """One line of the table: what, our figure, the anchor's figure, and the goal."""

    section: str
    what: str
    ours: float
    unit: str
    anchor_name: str = ""
    anchor: float | None = None
    goal: str = ""
    higher_is_better: bool = False

    @property
    def ratio(self) -> float | None:
        """ours / anchor (for times, lower is better; for rates, higher)."""
        if self.anchor in (None, 0):
            return None
        return self.ours / self.anchor


@dataclass
class Report:
    """Collects rows from every bench module and prints them as one table."""

    rows: list[Row] = field(default_factory=list)
    section: str = ""

    def add(
        self,
        what: str,
        ours: float,
        unit: str,
        *,
        anchor_name: str = "",
        anchor: float | None = None,
        goal: str = "",
        higher_is_better: bool = False,
    ) -> Row:
        row = Row(self.section, what, ours, unit, anchor_name, anchor, goal, higher_is_better)
        self.rows.append(row)
        print(f"  {format_row(row)}", flush=True)
        return row

    def table(self) -> str:
        lines = []
        section = None
        header = f"{'measure':46} {'ours':>12} {'anchor':>12}  {'ratio':>7}  goal"
        for row in self.rows:
            if row.section != section:
                section = row.section
                lines += ["", f"== {section} ==", header]
            lines.append(format_row(row))
        return "\n".join(lines)


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if abs(value) >= 100:
        return f"{value:.0f} {unit}"
    if abs(value) >= 1:
        return f"{value:.2f} {unit}"
    return f"{value:.3g} {unit}"


def format_row(row: Row) -> str:
    ratio = row.ratio
    ratio_s = f"{ratio:.2f}x" if ratio is not None else "-"
    anchor = f"{_fmt(row.anchor, row.unit)} ({row.anchor_name})" if row.anchor_name else "-"
    return f"{row.what:46} {_fmt(row.ours, row.unit):>12} {anchor:>12}  {ratio_s:>7}  {row.goal}"


@contextmanager
def stopwatch() -> Iterator[Callable[[], float]]:
    """``with stopwatch() as elapsed: ...; elapsed()`` in seconds."""
    start = time.perf_counter()
    end: list[float] = []
    yield lambda: (end[0] if end else time.perf_counter()) - start
    end.append(time.perf_counter())


def percentile(samples: list[float], p: float) -> float:
    """The p-th percentile (0-100) by linear interpolation."""
    if not samples:
        return float("nan")
    if len(samples) == 1:
        return samples[0]
    return statistics.quantiles(samples, n=100, method="inclusive")[min(98, max(0, int(p) - 1))]
