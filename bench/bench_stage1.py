"""Stage 1 orchestrated by Prefect vs the same pure functions called directly.

Baseline ("direct"): the generic round (``tasks.round.run_stage``) that ``flows/s1_needs.py``
runs, with every step a plain call (``DirectSteps``) instead of a Prefect task: assess the needs,
draw the figures, build the proposal, save the case in one store transaction (rendering the
PDF/A-3a and HTML inside it) and record the scripted approval.

Orchestrated: ``needs_flow(region, cycle, gate="scripted")`` inside one Prefect test harness
(started once, outside the timing). Two rows: with the tasks' result cache refreshed
(``PREFECT_TASKS_REFRESH_CACHE``: every task really computes, the like-for-like comparison) and
with a warm cache (what a re-run of unchanged inputs costs).

Every timed run, direct or orchestrated, gets a fresh ``SOTEFLOW_HOME``, so each one writes a
new store rather than finding its versions already saved.

    .venv/bin/python bench/bench_stage1.py [--runs 3] [--direct-runs 5] [--region HVA08]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

_TMP = tempfile.TemporaryDirectory(prefix="soteflow-bench-stage1-", ignore_cleanup_errors=True)
_ROOT = Path(_TMP.name)
# Before Prefect is imported: it reads its settings at import.
os.environ.update(
    {
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_CLIENT_ENABLE_METRICS": "false",
        "PREFECT_HOME": str(_ROOT / "prefect-home"),
        "PREFECT_LOCAL_STORAGE_PATH": str(_ROOT / "prefect-results"),
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "SOTEFLOW_HOME": str(_ROOT / "soteflow-home-initial"),
    }
)

from _common import Timing, print_table  # noqa: E402  (bench/ is the script's folder)

from schemas.decisions import Outcome  # noqa: E402
from schemas.stages import Stage  # noqa: E402
from soteflow.settings import get_settings  # noqa: E402
from tasks.needs.stage import DEFINITION  # noqa: E402
from tasks.round import DirectSteps, run_stage  # noqa: E402

STAGE = Stage.NEEDS
_counter = 0


def fresh_home() -> None:
    """Point ``SOTEFLOW_HOME`` at a new, empty folder and drop the cached settings."""
    global _counter
    _counter += 1
    os.environ["SOTEFLOW_HOME"] = str(_ROOT / f"soteflow-home-{_counter}")
    get_settings.cache_clear()


def direct(region: str, cycle: int) -> dict[str, str]:
    """One scripted stage-1 round without Prefect; returns artefact key → sha256."""
    result = run_stage(DEFINITION, region=region, cycle=cycle, gate="scripted", steps=DirectSteps())
    assert result.outcome is Outcome.APPROVED
    return {a.key: a.sha256 for a in result.artefacts}


def orchestrated(region: str, cycle: int) -> dict[str, str]:
    """One run of the stage-1 flow with the scripted gate; returns artefact key → sha256."""
    from flows.s1_needs import needs_flow

    result = needs_flow(region=region, cycle=cycle, gate="scripted")
    assert result.outcome is Outcome.APPROVED
    return {a.key: a.sha256 for a in result.artefacts}


DIRECT, COLD, WARM = "direct (no Prefect)", "flow, task cache refreshed", "flow, warm task cache"


def timed(label: str, region: str, cycle: int) -> list[float]:
    """One timed run of the variant ``label``, as a one-element list of seconds."""
    from prefect.settings import PREFECT_TASKS_REFRESH_CACHE, temporary_settings

    if label == DIRECT:
        start = time.perf_counter()
        direct(region, cycle)
        return [time.perf_counter() - start]
    with temporary_settings(updates={PREFECT_TASKS_REFRESH_CACHE: label == COLD}):
        start = time.perf_counter()
        orchestrated(region, cycle)
        return [time.perf_counter() - start]


def main(argv: list[str] | None = None) -> int:
    """Measure and print the table; 0 on success."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="timed orchestrated runs per row (default 3)")
    parser.add_argument("--direct-runs", type=int, default=5, help="timed direct runs (default 5)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs of each kind first (default 1)")
    parser.add_argument("--settle", type=float, default=2.0, help="untimed pause before each run, s (default 2)")
    parser.add_argument("--region", default="HVA08")
    parser.add_argument("--cycle", type=int, default=2026)
    args = parser.parse_args(argv)

    from prefect.settings import PREFECT_TASKS_REFRESH_CACHE, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    region, cycle = args.region, args.cycle
    print(f"Stage 1 ({region}, cycle {cycle}): starting the Prefect test harness (not timed)…", flush=True)
    with prefect_test_harness(server_startup_timeout=120):
        # Warm-up: imports, template compilation, font loading, flow registration.
        for _ in range(args.warmup):
            fresh_home()
            direct_shas = direct(region, cycle)
            fresh_home()
            with temporary_settings(updates={PREFECT_TASKS_REFRESH_CACHE: True}):
                flow_shas = orchestrated(region, cycle)

        # Interleaved round-robin, so drift (a growing Prefect database, background threads, the
        # machine) spreads over all rows instead of landing on whichever runs last.
        times: dict[str, list[float]] = {DIRECT: [], COLD: [], WARM: []}
        for i in range(max(args.runs, args.direct_runs)):
            order = [DIRECT] if i < args.direct_runs else []
            if i < args.runs:
                order += [COLD, WARM] if i % 2 == 0 else [WARM, COLD]
            for label in order:
                fresh_home()
                # Untimed pause: the harness's server keeps handling the last flow run's events and
                # logs in its own process; on a small machine that would be charged to the next run.
                time.sleep(args.settle)
                times[label] += timed(label, region, cycle)
        if args.warmup == 0:
            fresh_home()
            direct_shas = direct(region, cycle)
            fresh_home()  # each path in its own store, as in the timed runs
            flow_shas = orchestrated(region, cycle)

    base, cold, warm = (Timing(label, times[label]) for label in (DIRECT, COLD, WARM))
    print()
    print_table(f"Stage 1 orchestrated vs direct — {region}, cycle {cycle} (wall-clock seconds)", base, [cold, warm])
    for t in (base, cold, warm):
        print(f"  {t.label}: " + ", ".join(f"{x:.2f}" for x in t.seconds) + " s (in run order)")
    same = direct_shas == flow_shas
    print(
        f"Same artefacts (key → sha256, incl. PDF and HTML) from both paths: {'yes' if same else 'NO'}"
        f" ({len(flow_shas)} versions)"
    )
    if not same:
        for key in sorted(set(direct_shas) | set(flow_shas)):
            if direct_shas.get(key) != flow_shas.get(key):
                print(f"  differs: {key}: direct {direct_shas.get(key)} flow {flow_shas.get(key)}")
    print(f"Headline: orchestration overhead ×{cold.median / base.median:.2f} (median, task cache refreshed)")
    _TMP.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
