"""Stage 1 runs writing to one PostgreSQL store at the same time: no collision, no lost or duplicate version.

Two waves, each run a separate process (like separate workers' flow runs) with its own engine,
all on one PostgreSQL database and one blob folder:

* every area: one stage-1 run per welfare-region area (22), ``--workers`` at a time;
* same area: ``--same`` runs of one area and cycle released together (a barrier): the same
  content, so they must share one version per key and one decision per version.

Each run is the generic round called directly (``DirectSteps``: no Prefect server), rendering its
documents and recording the scripted approval. Afterwards the store is checked: per area and key
the version numbers are exactly 1…n with no gap or repeat, every proposal has one decision,
nothing failed, the server detected no deadlock (``pg_stat_database``), and ``verify`` is clean.

    SOTEFLOW_BENCH_PG_URL=postgresql+psycopg://postgres@127.0.0.1:5432/soteflow_bench \\
        .venv/bin/python bench/bench_pg_concurrency.py [--workers 4] [--same 5]

The database is emptied first (its tables dropped): give it a database of its own.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
import traceback
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def _run(url: str, home: str, region: str, cycle: int, barrier: Any = None) -> tuple[str, int, float, str, int]:
    """One stage-1 run in this process; (region, cycle, seconds, error or "", transactions retried)."""
    os.environ["SOTEFLOW_DATABASE_URL"] = url
    os.environ["SOTEFLOW_HOME"] = home
    os.environ["SOTEFLOW_RENDER_WORKERS"] = "1"
    from schemas.stages import Stage
    from soteflow import stagekit
    from soteflow.settings import get_settings
    from tasks.registry import definition
    from tasks.round import DirectSteps, run_stage

    get_settings.cache_clear()
    # The counter is per process and a pool process runs several areas: count this run's only.
    retried_before = stagekit.retried_transactions
    if barrier is not None:
        barrier.wait(timeout=300)
    start = time.perf_counter()
    try:
        result = run_stage(definition(Stage.NEEDS), region=region, cycle=cycle, gate="scripted", steps=DirectSteps())
        error = "" if result.accepted else f"not accepted: {result.outcome}"
    except Exception:  # the figure to print, not a crash of the bench
        error = traceback.format_exc(limit=-4)
    return region, cycle, time.perf_counter() - start, error, stagekit.retried_transactions - retried_before


def _empty(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def _deadlocks(url: str) -> int:
    """Deadlocks the server has detected in this database so far (``pg_stat_database``)."""
    from sqlalchemy import create_engine, text

    time.sleep(1.0)  # a closed connection's backend reports its counters as it exits
    engine = create_engine(url)
    with engine.connect() as conn:
        count = conn.execute(
            text("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        ).scalar_one()
    engine.dispose()
    return int(count)


def _check(url: str, home: str) -> dict[str, Any]:
    from soteflow.store import Store, verify

    store = Store(url, Path(home) / "blobs")
    try:
        gaps = duplicates = undecided = multi = 0
        versions = 0
        for artefact in store.list_artefacts():
            numbers = [v.version for v in store.history(artefact.region, artefact.cycle, artefact.key)]
            versions += len(numbers)
            if numbers != list(range(1, len(numbers) + 1)):
                gaps += 1
            hashes = Counter(v.sha256 for v in store.history(artefact.region, artefact.cycle, artefact.key))
            duplicates += sum(1 for n in hashes.values() if n > 1)
            if artefact.kind == "proposal":
                for v in store.history(artefact.region, artefact.cycle, artefact.key):
                    count = len(store.decisions_for(v.id))
                    undecided += count == 0
                    multi += count > 1
        report = verify(store)
        return {
            "artefacts": len(store.list_artefacts()),
            "versions": versions,
            "keys with a gap or repeat in 1…n": gaps,
            "versions stored twice (same content)": duplicates,
            "proposals without a decision": undecided,
            "proposals with several decisions": multi,
            "verify": report.summary().splitlines()[0],
            "verify ok": report.ok,
        }
    finally:
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=os.environ.get("SOTEFLOW_BENCH_PG_URL"))
    parser.add_argument("--workers", type=int, default=4, help="processes of the every-area wave")
    parser.add_argument("--same", type=int, default=5, help="runs of one area released together")
    parser.add_argument("--region", default="HVA08", help="the area of the same-area wave")
    parser.add_argument("--areas", type=int, default=None, help="only the first N areas (a quicker look)")
    parser.add_argument("--verbose", action="store_true", help="print each failed run's traceback")
    args = parser.parse_args()
    if not args.url or not args.url.startswith("postgresql"):
        sys.exit("give a PostgreSQL URL: --url or SOTEFLOW_BENCH_PG_URL (postgresql+psycopg://…)")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from soteflow.data.regions import load_region_key
    from soteflow.settings import get_settings

    codes = sorted(load_region_key(get_settings().input_dir / "geo" / "finland-hva-2021.topo.json").regions)
    codes = codes[: args.areas] if args.areas is not None else codes
    _empty(args.url)
    from soteflow.store import Store

    home = tempfile.mkdtemp(prefix="soteflow-bench-pg-")
    Store(args.url, Path(home) / "blobs").close()  # migrate once before the waves
    context = multiprocessing.get_context("spawn")
    print(f"PostgreSQL store, {len(codes)} areas, {os.cpu_count()} CPUs")

    deadlocks0 = _deadlocks(args.url)
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.workers, mp_context=context) as pool:
        wave1 = list(pool.map(_run, [args.url] * len(codes), [home] * len(codes), codes, [2026] * len(codes)))
    wall1 = time.perf_counter() - start
    deadlocks1 = _deadlocks(args.url)
    manager = context.Manager()
    barrier = manager.Barrier(args.same)
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.same, mp_context=context) as pool:
        futures = [pool.submit(_run, args.url, home, args.region, 2027, barrier) for _ in range(args.same)]
        wave2 = [f.result() for f in futures]
    wall2 = time.perf_counter() - start
    manager.shutdown()
    deadlocks2 = _deadlocks(args.url)

    for name, wave, wall, deadlocks in (
        (f"every area ({len(codes)} runs, {args.workers} at a time)", wave1, wall1, deadlocks1 - deadlocks0),
        (f"same area {args.region} 2027 ({args.same} at once)", wave2, wall2, deadlocks2 - deadlocks1),
    ):
        failed = [w for w in wave if w[3]]
        seconds = sorted(w[2] for w in wave) or [0.0]
        print(
            f"{name}: wall {wall:.1f} s, per run median {seconds[len(seconds) // 2]:.1f} s, "
            f"max {seconds[-1]:.1f} s, failed {len(failed)}, deadlocks detected by the server {deadlocks}, "
            f"transactions retried after a deadlock {sum(w[4] for w in wave)}"
        )
        for region, cycle, _s, error, _r in failed:
            lines = [line for line in error.splitlines() if "Error" in line or "error" in line]
            print(f"  {region} {cycle}: {(lines or [error])[0].strip()[:300]}")
            if args.verbose:
                print(error)
    checks = _check(args.url, home)
    from soteflow.store import Store as _Store

    same = _Store(args.url, Path(home) / "blobs")
    versions = {
        a.key: [v.version for v in same.history(args.region, 2027, a.key)]
        for a in same.list_artefacts(region=args.region, cycle=2027)
    }
    same.close()
    checks["same area: keys with more than v1"] = sum(1 for v in versions.values() if v != [1])
    for name, value in checks.items():
        print(f"{name:<40} {value}")
    ok = (
        checks["verify ok"]
        and deadlocks2 == deadlocks0
        and not any(w[3] for w in wave1 + wave2)
        and not checks["keys with a gap or repeat in 1…n"]
        and not checks["versions stored twice (same content)"]
        and not checks["proposals with several decisions"]
        and not checks["same area: keys with more than v1"]
    )
    print("OK" if ok else "PROBLEMS")
    _empty(args.url)
    shutil.rmtree(home, ignore_errors=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
