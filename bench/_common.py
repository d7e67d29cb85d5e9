"""Shared helpers of the bench scripts: timing, summary figures and a plain-text table.

The scripts print ratios against a baseline measured in the same process, never absolute
pass/fail thresholds: absolute seconds depend on the machine, ratios much less so.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Timing:
    """The wall-clock seconds of the timed runs of one variant."""

    label: str
    seconds: list[float]

    @property
    def median(self) -> float:
        """Median of the runs (robust against one slow run)."""
        return statistics.median(self.seconds)

    @property
    def best(self) -> float:
        """Fastest run (the least disturbed by the machine)."""
        return min(self.seconds)


def time_runs(label: str, fn: Callable[[], object], runs: int, before: Callable[[], None] | None = None) -> Timing:
    """Call ``fn`` ``runs`` times and record each call's wall-clock time; ``before`` runs untimed first."""
    seconds = []
    for _ in range(runs):
        if before is not None:
            before()
        start = time.perf_counter()
        fn()
        seconds.append(time.perf_counter() - start)
    return Timing(label, seconds)


def print_table(
    title: str, baseline: Timing, rows: Sequence[Timing], extra: dict[str, str] | None = None, extra_name: str = ""
) -> None:
    """Print runs, median, min and the ratios median/median and min/min against ``baseline``."""
    extra = extra or {}
    width = max(len(t.label) for t in [baseline, *rows])
    head = f"{'variant':<{width}}  {'runs':>4}  {'median s':>9}  {'min s':>8}  {'ratio med':>9}  {'ratio min':>9}"
    if extra_name:
        head += f"  {extra_name:>12}"
    print(title)
    print(head)
    print("-" * len(head))
    for t in [baseline, *rows]:
        line = (
            f"{t.label:<{width}}  {len(t.seconds):>4}  {t.median:>9.3f}  {t.best:>8.3f}  "
            f"{t.median / baseline.median:>9.2f}  {t.best / baseline.best:>9.2f}"
        )
        if extra_name:
            line += f"  {extra.get(t.label, ''):>12}"
        print(line)
    print(f"(ratio = variant / {baseline.label!r}; 1.00 is the baseline itself)")
