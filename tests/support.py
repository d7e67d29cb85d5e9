"""What tests share (never imported from conftest, which pytest loads on its own).

* :data:`REPO_ROOT`, :data:`DATA_DIR`: the repository and its shipped data;
* :class:`StoreSeeds`: stores in which the stages up to a given one have run and been approved,
  computed once per session by the generic round called directly (no Prefect), and copied into a
  test's own store — so a test of stage N runs stage N only.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

from schemas.reconciliation import Tolerance
from schemas.stages import Stage

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = REPO_ROOT / "data"


def copy_home(source: Path, target: Path) -> None:
    """Copy a store home (SQLite database and blob folder) consistently, with SQLite's backup API."""
    target.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(source / "soteflow.db")
    dst = sqlite3.connect(target / "soteflow.db")
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    if (source / "blobs").is_dir():
        shutil.copytree(source / "blobs", target / "blobs", dirs_exist_ok=True)


class StoreSeeds:
    """Stores where stages 1…N of HVA08, cycle 2026, ran on the shipped data and were approved.

    Each is computed at most once per session, in ``root``, from the one before it.
    """

    region = "HVA08"
    cycle = 2026

    def __init__(self, root: Path) -> None:
        """Seeds are kept under ``root`` (a session's temporary folder)."""
        self.root = root
        self._done: dict[Stage, Path] = {}

    def home_after(self, stage: Stage) -> Path:
        """A store home in which every built stage up to and including ``stage`` is approved.

        The test workers of one run share ``root``: the first that needs a seed computes it under
        a file lock, the others wait and use it.
        """
        if stage in self._done:
            return self._done[stage]
        home = self.root / f"after-{stage.number}-{stage.value}"
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / f"after-{stage.number}.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
            if not (home / ".seeded").exists():
                shutil.rmtree(home, ignore_errors=True)  # what an interrupted worker left
                self._compute(stage, home)
                (home / ".seeded").touch()
        self._done[stage] = home
        return home

    def _compute(self, stage: Stage, home: Path) -> None:
        import os

        from soteflow.settings import get_settings
        from tasks.registry import definition
        from tasks.round import DirectSteps, run_stage

        if stage.number > 1:
            copy_home(self.home_after(list(Stage)[stage.number - 2]), home)
        previous = os.environ.get("SOTEFLOW_HOME")
        os.environ["SOTEFLOW_HOME"] = str(home)
        get_settings.cache_clear()
        try:
            declared = definition(stage)
            periods: list[str | None] = [None]
            if declared.periodic and declared.periods is not None:  # stage 6: each shipped period in order
                from tasks.context import make_context

                periods = [*declared.periods(make_context(stage, region=self.region, cycle=self.cycle))]
            for period in periods:
                result = run_stage(
                    declared, region=self.region, cycle=self.cycle, gate="scripted", steps=DirectSteps(), period=period
                )
                assert result.accepted, f"seeding {stage.value} {period or ''}: {result.outcome}"
        finally:
            if previous is None:
                del os.environ["SOTEFLOW_HOME"]
            else:
                os.environ["SOTEFLOW_HOME"] = previous
            get_settings.cache_clear()


#: The type of the ``seed`` fixture: ``seed(Stage.TARGETS)`` seeds stages 1–2 and returns the home.
Seed = Callable[[Stage], Path]


#: The reconciliation tolerances of the tests (the shipped rule's figures, source "testi").
TOLERANCE = Tolerance(
    valid_from=dt.date(2023, 1, 1),
    volume_pct=2.0,
    unit_cost_pct=3.0,
    total_pct=0.1,
    contract_volume_pct=0.5,
    source="testi",
)
