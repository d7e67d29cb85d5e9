"""The whole seven-stage cycle: time and peak memory per stage for one region, and many regions'
cycles run concurrently against one after another (a ratio in the same script).

Run from the repository root: ``.venv/bin/python bench/bench_cycle.py`` (defaults: HVA08 for the
per-stage table; all 22 areas, two at a time, for the ratio; ``--regions HVA20 HVA04 …`` for a
subset, ``--workers N`` for the concurrency).

* **Per stage.** Each stage (each period of stage 6) runs the generic round directly
  (``DirectSteps``: no Prefect server, documents rendered) in a forked child process of its own,
  in order, on one store; the child's wall time and peak resident memory (``ru_maxrss`` from
  ``wait4``) are the stage's.
* **Regions.** Each region's cycle (stages 1–7, its example inputs generated from its own stage-1
  figures when it has none) runs in a process of its own, on one shared store (SQLite, as the
  embedded default); sequentially (one process at a time) and concurrently (``--workers`` at a
  time). The ratio sequential / concurrent is the speed-up; each cycle's outcome is checked.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _env(home: Path) -> None:
    os.environ["SOTEFLOW_HOME"] = str(home)
    from soteflow.settings import get_settings

    get_settings.cache_clear()


def _inputs(region: str, cycle: int, root: Path) -> str | None:
    """The region's inputs: its shipped examples, or examples generated from its stage-1 figures."""
    from tasks.context import make_context
    from tasks.examples import generate_examples
    from tasks.registry import STAGES

    ctx = make_context(STAGES[0].stage, region=region, cycle=cycle)
    if ctx.inputs_dir.is_dir():
        return None
    folder = root / "examples" / ctx.region
    if not folder.is_dir():
        generate_examples(ctx.region, folder, cycle=cycle)
    return str(folder)


def _steps(region: str, cycle: int, inputs: str | None) -> list[tuple[str, str | None]]:
    """(stage, period) in cycle order."""
    from tasks.context import make_context
    from tasks.registry import STAGES

    out: list[tuple[str, str | None]] = []
    for d in STAGES:
        if d.periodic and d.periods is not None:
            ctx = make_context(d.stage, region=region, cycle=cycle, inputs_dir=inputs)
            out += [(d.stage.value, p) for p in d.periods(ctx)]
        else:
            out.append((d.stage.value, None))
    return out


def _run_step(region: str, cycle: int, stage: str, period: str | None, inputs: str | None) -> bool:
    from tasks.registry import definition
    from tasks.round import DirectSteps, run_stage

    result = run_stage(
        definition(stage),
        region=region,
        cycle=cycle,
        inputs_dir=inputs,
        gate="scripted",
        steps=DirectSteps(),
        period=period,
    )
    return result.accepted


def per_stage(region: str, cycle: int, root: Path) -> None:
    """Each stage in a forked child: wall seconds and peak RSS."""
    home = root / "per-stage"
    _env(home)
    inputs = _inputs(region, cycle, root)
    rows = []
    for stage, period in _steps(region, cycle, inputs):
        start = time.perf_counter()
        pid = os.fork()
        if pid == 0:  # the child runs the stage and reports by its exit status
            ok = False
            try:
                ok = _run_step(region, cycle, stage, period, inputs)
            finally:
                os._exit(0 if ok else 1)
        _, status, usage = os.wait4(pid, 0)
        seconds = time.perf_counter() - start
        rows.append(
            (f"{stage} {period or ''}".strip(), seconds, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status))
        )
        if rows[-1][3] != 0:
            break
    width = max(len(r[0]) for r in rows)
    print(f"The cycle of {region} {cycle}, stage by stage (one process per stage, rounds called directly)")
    print(f"{'stage':<{width}}  {'seconds':>8}  {'peak MiB':>8}  result")
    for name, seconds, mib, code in rows:
        print(f"{name:<{width}}  {seconds:>8.2f}  {mib:>8.0f}  {'ok' if code == 0 else 'FAILED'}")
    print(f"{'total':<{width}}  {sum(r[1] for r in rows):>8.2f}  {max(r[2] for r in rows):>8.0f}")


def _cycle(home: str, root: str, region: str, cycle: int) -> tuple[str, float, bool]:
    _env(Path(home))
    start = time.perf_counter()
    inputs = _inputs(region, cycle, Path(root))
    ok = all(_run_step(region, cycle, stage, period, inputs) for stage, period in _steps(region, cycle, inputs))
    return region, time.perf_counter() - start, ok


def regions_ratio(regions: list[str], cycle: int, workers: int, root: Path) -> None:
    """The regions' cycles one after another, then ``workers`` at a time, each on a fresh store."""
    context = get_context("spawn")  # a fresh interpreter per cycle: no state shared through imports
    results = {}
    for label, width in (("one after another", 1), (f"{workers} at a time", workers)):
        home = root / label.replace(" ", "-")
        start = time.perf_counter()
        with ProcessPoolExecutor(max_workers=width, mp_context=context) as pool:
            done = list(
                pool.map(
                    _cycle, [str(home)] * len(regions), [str(root)] * len(regions), regions, [cycle] * len(regions)
                )
            )
        results[label] = (time.perf_counter() - start, done)
    print(f"\nThe cycles of {len(regions)} regions on one store (SQLite), stages 1–7 each")
    base = next(iter(results.values()))[0]
    for label, (wall, done) in results.items():
        failed = [r for r, _s, ok in done if not ok]
        per = sorted(s for _r, s, _ok in done)
        print(
            f"{label:<18} wall {wall:8.1f} s  ratio {base / wall:5.2f}×  per cycle median {per[len(per) // 2]:6.1f} s"
            f"  max {per[-1]:6.1f} s  failed {len(failed)}{' ' + ', '.join(failed) if failed else ''}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--region", default="HVA08", help="the region of the per-stage table")
    parser.add_argument("--cycle", type=int, default=2026)
    parser.add_argument("--regions", nargs="*", help="regions of the ratio (default: all 22 areas)")
    parser.add_argument("--workers", type=int, default=2, help="cycles at a time in the concurrent run")
    parser.add_argument("--skip-ratio", action="store_true", help="only the per-stage table")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-cycle-") as tmp:
        root = Path(tmp)
        per_stage(args.region, args.cycle, root)
        if not args.skip_ratio:
            from soteflow.data.regions import load_region_key
            from soteflow.settings import get_settings

            regions = args.regions or sorted(
                load_region_key(get_settings().input_dir / "geo" / "finland-hva-2021.topo.json").regions
            )
            regions_ratio(regions, args.cycle, args.workers, root)


if __name__ == "__main__":
    main()
