"""Stage 6 at scale: the KPI aggregation against a bare DuckDB query, and the whole stage at
1, 3 and 10 million events (time and peak memory).

    .venv/bin/python bench/bench_stage6.py [--sizes 1000000,3000000,10000000] [--runs 3]

For each size the events are generated once (``soteflow generate monitoring``'s generator, untimed
for the ratio). Then, in round-robin order, each in a fresh child process (so its peak memory is
its own): the stage's aggregation (:func:`tasks.monitoring.analysis.aggregate_events`, the query
and the Python around it) and the bare DuckDB query computing the same KPIs from the same Parquet
file. Last, the whole stage round (basis, every check of the inputs, the streaming snapshot of the
events into the store, the analysis, the documents) in a child process per size, on a store where
stages 1–5 ran. Prints the times, peak RSS and ratios, and ``Headline:`` lines (targets of issue
12: aggregation ≤ 1.5 × bare; whole stage at 10 M under 2 GB; close to linear growth).

With ``--csv`` the generator also writes each size's events as CSV (the same rows), and the rows
``inputs parquet`` and ``inputs csv`` time the stage's reading and checking of the period's files
(:func:`tasks.monitoring.inputs.read_monitoring_inputs`: for CSV the streaming conversion to
Parquet included, from a cold cache) with their peak memory, in round-robin order.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PERIOD = "2026-03"


def _child(kind: str, folder: Path, home: Path) -> None:
    os.environ["SOTEFLOW_HOME"] = str(home)
    from soteflow.stagekit import open_store
    from tasks.context import period_bounds
    from tasks.monitoring.analysis import aggregate_events, guarantee_rules, kpi_sql, prepare_limits
    from tasks.monitoring.inputs import read_rules
    from tasks.procurement.basis import load_procurement_basis

    events = folder / "seuranta" / PERIOD / "tapahtumat.parquet"
    start, end = period_bounds(PERIOD)
    rules = read_rules(ROOT / "data" / "config" / "rules" / "monitoring.toml")
    contracts = [
        c
        for c in load_procurement_basis(open_store(), region="HVA08", cycle=2026).contracts.contracts
        if c.start <= end and c.end >= start
    ]
    guarantees = guarantee_rules(rules, start)
    if kind.startswith("inputs"):
        from schemas.stages import Stage
        from tasks.context import make_context
        from tasks.monitoring.inputs import converted_folder, read_monitoring_inputs
        from tasks.monitoring.stage import FILES

        shutil.rmtree(converted_folder(), ignore_errors=True)  # a cold conversion
        ctx = make_context(Stage.STEERING, region="HVA08", cycle=2026, inputs_dir=folder, period=PERIOD)
        began = time.perf_counter()
        checked = read_monitoring_inputs(
            {item.role: item.path(ctx) for item in FILES},
            period=PERIOD,
            region="HVA08",
            cycle=2026,
            contracts=contracts,
        )
        seconds = time.perf_counter() - began
        print(json.dumps({"seconds": seconds, "peak_mib": _peak_mib(), "rows": checked.manifest.files[0].rows}))
        return
    began = time.perf_counter()
    if kind == "stage-aggregation":
        rows = len(aggregate_events(events, contracts, guarantees).unit_months)
    elif kind == "bare-duckdb":
        import duckdb

        con = duckdb.connect()
        prepare_limits(con, contracts, guarantees)
        rows = len(con.execute(kpi_sql(events)).fetchall())
    else:  # the whole stage round
        from tasks.monitoring.stage import DEFINITION
        from tasks.round import DirectSteps, run_stage

        result = run_stage(
            DEFINITION, region="HVA08", cycle=2026, period=PERIOD, inputs_dir=str(folder), gate="scripted",
            steps=DirectSteps(),
        )  # fmt: skip
        rows = len(result.artefacts)
    seconds = time.perf_counter() - began
    peak = _peak_mib()
    print(json.dumps({"seconds": seconds, "peak_mib": peak, "rows": rows}))


def _peak_mib() -> float:
    """This process's peak resident size, MiB. Not ``ru_maxrss``: Linux carries it over fork and
    exec, so a child would report its parent's peak; ``VmHWM`` belongs to this address space."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # elsewhere: the best there is


def _run_child(kind: str, folder: Path, home: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--folder", str(folder), "--home", str(home)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PREFECT_LOGGING_LEVEL": "ERROR"},
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _seed(home: Path) -> None:
    os.environ["SOTEFLOW_HOME"] = str(home)
    from schemas.stages import Stage
    from soteflow.settings import get_settings
    from tasks.registry import definition
    from tasks.round import DirectSteps, run_stage

    get_settings.cache_clear()
    for stage in (Stage.NEEDS, Stage.TARGETS, Stage.CHAINS, Stage.COMPARISON, Stage.PROCUREMENT):
        run_stage(definition(stage), region="HVA08", cycle=2026, gate="scripted", steps=DirectSteps())


def main() -> None:
    """Run the benchmark and print its table and headlines."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000000,3000000,10000000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-stage", action="store_true", help="skip the whole-stage rows")
    parser.add_argument("--csv", action="store_true", help="also read each size's events from CSV")
    parser.add_argument("--no-aggregation", action="store_true", help="skip the aggregation rows")
    parser.add_argument("--child")
    parser.add_argument("--folder")
    parser.add_argument("--home")
    args = parser.parse_args()
    if args.child:
        _child(args.child, Path(args.folder), Path(args.home))
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    work = Path(tempfile.mkdtemp(prefix="soteflow-bench6-"))
    try:
        seeded = work / "seeded"
        _seed(seeded)
        from soteflow.stagekit import open_store
        from tasks.monitoring.generator import generate
        from tasks.procurement.basis import load_procurement_basis

        contracts = load_procurement_basis(open_store(), region="HVA08", cycle=2026).contracts.contracts
        results: dict[int, dict[str, list[dict[str, float]]]] = {}
        generated: dict[int, float] = {}
        for size in sizes:
            folder = work / f"inputs-{size}"
            began = time.perf_counter()
            generate(contracts, region="HVA08", period=PERIOD, events=size, seed=1, out=folder / "seuranta" / PERIOD)
            generated[size] = time.perf_counter() - began
            runs: dict[str, list[dict[str, float]]] = (
                {} if args.no_aggregation else {"stage-aggregation": [], "bare-duckdb": []}
            )
            folders = dict.fromkeys(runs, folder)
            if args.csv:
                as_csv = work / f"inputs-{size}-csv"
                shutil.copytree(folder, as_csv)
                generate(
                    contracts, region="HVA08", period=PERIOD, events=size, seed=1, out=as_csv / "seuranta" / PERIOD,
                    events_format="csv",
                )  # fmt: skip
                runs |= {"inputs parquet": [], "inputs csv": []}
                folders |= {"inputs parquet": folder, "inputs csv": as_csv}
            for _ in range(args.runs):  # round robin
                for kind in runs:
                    runs[kind].append(_run_child(kind, folders[kind], seeded))
            if not args.no_stage:
                home = work / f"home-{size}"
                shutil.copytree(seeded, home)
                runs["whole stage"] = [_run_child("stage", folder, home)]
                shutil.rmtree(home)
            results[size] = runs
        print(f"{'events':>10}  {'row':<18} {'median s':>9} {'peak MiB':>9}")
        medians: dict[tuple[int, str], float] = {}
        for size, runs in results.items():
            print(f"{size:>10}  {'generate':<18} {generated[size]:>9.2f}")
            for kind, measured in runs.items():
                times = sorted(m["seconds"] for m in measured)
                median = times[len(times) // 2]
                medians[(size, kind)] = median
                print(f"{size:>10}  {kind:<18} {median:>9.2f} {max(m['peak_mib'] for m in measured):>9.0f}")
        for size in sizes if not args.no_aggregation else ():
            ratio = medians[(size, "stage-aggregation")] / medians[(size, "bare-duckdb")]
            print(f"Headline: {size} events: stage aggregation / bare DuckDB = {ratio:.2f} (target ≤ 1.5)")
        for size in sizes if args.csv else ():
            ratio = medians[(size, "inputs csv")] / medians[(size, "inputs parquet")]
            peaks = [max(m["peak_mib"] for m in results[size][k]) for k in ("inputs csv", "inputs parquet")]
            print(
                f"Headline: {size} events: reading the inputs from CSV (converted) / from Parquet = {ratio:.2f}; "
                f"peak {peaks[0]:.0f} MiB vs {peaks[1]:.0f} MiB"
            )
        if not args.no_stage:
            big = sizes[-1]
            peak = results[big]["whole stage"][0]["peak_mib"]
            print(f"Headline: whole stage at {big} events: peak {peak:.0f} MiB (target < 2048)")
            first = sizes[0]
            for size in sizes[1:]:
                grow = medians[(size, "whole stage")] / medians[(first, "whole stage")]
                print(f"Headline: whole stage {size}/{first} events: time × {grow:.2f} for × {size / first:.1f} events")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
