"""Stage 1 orchestrated by Prefect vs the same functions called directly, and an unchanged re-run.

Baseline ("direct"): the generic round (``tasks.round.run_stage``) that ``flows/s1_needs.py``
runs, with every step a plain call (``DirectSteps``) instead of a Prefect task: assess the needs,
draw the figures, build the proposal, save the case in one store transaction (rendering the
PDF/A-3a and HTML inside it) and record the scripted approval.

Orchestrated: ``needs_flow(region, cycle, gate="scripted")`` inside one Prefect test harness
(started once, outside the timing), with the settings soteflow runs its flows with in its own
process (``tasks.round.in_process_flow_settings``: no flow-run heartbeats). Rows:

* fresh run: a new store and the task cache refreshed (``PREFECT_TASKS_REFRESH_CACHE``): every
  step really computes and every document renders — the like-for-like comparison with direct;
* warm re-run: the same flow again on the store the fresh run just wrote, nothing changed (inputs,
  code, templates), the task cache warm: what re-running an unchanged stage costs;
* fresh run with Prefect's default flow heartbeats (what a deployment's run pays: Prefect 3.8's
  heartbeat thread keeps a flow waiting up to a second after its work is done).

Every direct and fresh run gets a new ``SOTEFLOW_HOME``, so each one writes a new store.

    .venv/bin/python bench/bench_stage1.py [--runs 5] [--direct-runs 5] [--region HVA08]
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
from tasks.round import DirectSteps, in_process_flow_settings, run_stage  # noqa: E402

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


DIRECT, FRESH, WARM, BEATING = (
    "direct (no Prefect)",
    "flow, fresh run",
    "flow, warm re-run",
    "flow, fresh, Prefect heartbeats",
)


def timed(label: str, region: str, cycle: int) -> tuple[float, dict[str, str]]:
    """One timed run of the variant ``label``: seconds and the artefacts (key → sha256).

    Settings are entered before the clock starts; the store is the caller's business.
    """
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, PREFECT_TASKS_REFRESH_CACHE, temporary_settings

    if label == DIRECT:
        start = time.perf_counter()
        shas = direct(region, cycle)
        return time.perf_counter() - start, shas
    restore = [PREFECT_FLOWS_HEARTBEAT_FREQUENCY] if label == BEATING else []
    with temporary_settings(updates={PREFECT_TASKS_REFRESH_CACHE: label != WARM}, restore_defaults=restore):
        start = time.perf_counter()
        shas = orchestrated(region, cycle)
        return time.perf_counter() - start, shas


def main(argv: list[str] | None = None) -> int:
    """Measure and print the table; 0 on success."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed orchestrated runs per row (default 5)")
    parser.add_argument("--direct-runs", type=int, default=5, help="timed direct runs (default 5)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs of each kind first (default 1)")
    parser.add_argument("--settle", type=float, default=2.0, help="untimed pause before each run, s (default 2)")
    parser.add_argument("--no-heartbeat-row", action="store_true", help="skip the row with Prefect's heartbeats")
    parser.add_argument("--region", default="HVA08")
    parser.add_argument("--cycle", type=int, default=2026)
    args = parser.parse_args(argv)

    from prefect.settings import PREFECT_TASKS_REFRESH_CACHE, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    region, cycle = args.region, args.cycle
    labels = [DIRECT, FRESH, WARM] + ([] if args.no_heartbeat_row else [BEATING])
    print(f"Stage 1 ({region}, cycle {cycle}): starting the Prefect test harness (not timed)…", flush=True)
    with prefect_test_harness(server_startup_timeout=120), in_process_flow_settings():
        # Warm-up: imports, template compilation, font loading, flow registration.
        for _ in range(args.warmup):
            fresh_home()
            direct(region, cycle)
            fresh_home()
            with temporary_settings(updates={PREFECT_TASKS_REFRESH_CACHE: True}):
                orchestrated(region, cycle)
            orchestrated(region, cycle)

        # Interleaved round-robin, so drift (a growing Prefect database, background threads, the
        # machine) spreads over all rows instead of landing on whichever runs last. A warm re-run
        # follows the fresh run whose store it re-runs on.
        times: dict[str, list[float]] = {label: [] for label in labels}
        shas: dict[str, list[dict[str, str]]] = {label: [] for label in labels}
        for i in range(max(args.runs, args.direct_runs)):
            order = [DIRECT] if i < args.direct_runs else []
            if i < args.runs:
                flows = [FRESH, WARM] + ([] if args.no_heartbeat_row else [BEATING])
                order = order + flows if i % 2 == 0 else flows + order
            for label in order:
                if label != WARM:
                    fresh_home()
                # Untimed pause: the harness's server keeps handling the last flow run's events and
                # logs in its own process; on a small machine that would be charged to the next run.
                time.sleep(args.settle)
                seconds, found = timed(label, region, cycle)
                times[label].append(seconds)
                shas[label].append(found)

    base, fresh, warm, *beating = (Timing(label, times[label]) for label in labels)
    print()
    print_table(
        f"Stage 1 orchestrated vs direct — {region}, cycle {cycle} (wall-clock seconds)",
        base,
        [fresh, warm, *beating],
    )
    for t in (base, fresh, warm, *beating):
        print(f"  {t.label}: " + ", ".join(f"{x:.2f}" for x in t.seconds) + " s (in run order)")
    reference = shas[DIRECT][0]
    same = all(found == reference for label in labels for found in shas[label])
    print(
        f"Same artefacts (key → sha256, incl. PDF and HTML) from every run and path: {'yes' if same else 'NO'}"
        f" ({len(reference)} versions)"
    )
    if not same:
        for label in labels:
            for found in shas[label]:
                for key in sorted(set(reference) | set(found)):
                    if reference.get(key) != found.get(key):
                        print(f"  differs: {label}: {key}: {found.get(key)} (direct {reference.get(key)})")
    print(f"Headline: orchestrated/direct ×{fresh.median / base.median:.2f} (median, fresh runs; target ≤ 1.15)")
    print(f"Headline: warm re-run/fresh run ×{warm.median / fresh.median:.2f} (median; target ≤ 0.20)")
    if beating:
        print(
            f"With Prefect's default flow heartbeats: orchestrated/direct ×{beating[0].median / base.median:.2f}"
            " (how a deployment's run compares)"
        )
    _TMP.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
