"""Stage 5a end to end on the example data and on inputs 20× (or ``--scale``) larger: time, peak
memory and how they grow.

Stages 1–4 run once, untimed, into a template store (the generic round called directly, the
bodies approving). Every timed run then gets its own copy of that store and runs the whole of
stage 5 — reading and checking the files, reconciling the contracts register with stage 4,
the plan, lots, compensation models, award comparisons, contracts, the OCDS packages and their
offline validation, the figures, rendering the plan and every award decision, storing them and
recording the scripted decisions — exactly as ``soteflow stage procurement --gate scripted``
does, without Prefect (what Prefect adds is measured by ``bench_stage1.py``).

The larger input is the example folder with every contract split into ``--scale`` contracts
(volumes and values divided, so that the register still reconciles with stage 4) held by as
many producers, and every bid repeated by ``--scale`` bidders with prices and quality points
spread around the original. The plan's procurements stay those of stage 4's organising plan.

Rows: the example input (baseline) and the scaled input, alternating; then one untimed run of
each under ``tracemalloc`` for the peak Python heap (WeasyPrint's Pango/HarfBuzz memory is not
counted) and the process's peak resident size.

    .venv/bin/python bench/bench_stage5.py [--runs 3] [--scale 20]
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

_TMP = tempfile.TemporaryDirectory(prefix="soteflow-bench-stage5-", ignore_cleanup_errors=True)
os.environ.update(
    {
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_CLIENT_ENABLE_METRICS": "false",
        "PREFECT_HOME": str(Path(_TMP.name) / "prefect-home"),
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "SOTEFLOW_HOME": str(Path(_TMP.name) / "template"),
    }
)

from _common import Timing, print_table  # noqa: E402  (bench/ is the script's folder)

from schemas.stages import Stage  # noqa: E402
from soteflow.settings import get_settings  # noqa: E402
from tasks.procurement.inputs import BIDS_FILE, CONTRACTS_FILE  # noqa: E402
from tasks.procurement.stage import DEFINITION, FILES  # noqa: E402
from tasks.registry import definition  # noqa: E402
from tasks.round import DirectSteps, run_stage  # noqa: E402
from tests.support import DATA_DIR, copy_home  # noqa: E402

REGION, CYCLE = "HVA08", 2026
EXAMPLE = DATA_DIR / "examples" / REGION
ROOT = Path(_TMP.name)


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f, delimiter=";")
        return list(reader.fieldnames or []), list(reader)


def _write(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    out = io.StringIO()
    writer = csv.DictWriter(out, header, delimiter=";", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def _number(text: str) -> float:
    return float(text.replace(" ", "").replace("\u00a0", "").replace(",", "."))


def _parts(total: float, n: int) -> list[int]:
    """``total`` split into ``n`` whole parts that sum to it exactly."""
    whole = round(total)
    base, extra = divmod(whole, n)
    return [base + (1 if i < extra else 0) for i in range(n)]


def scaled_inputs(target: Path, scale: int, seed: int = 7) -> tuple[int, int]:
    """Write the example's stage-5 files with contracts and bids ``scale``× as many rows; returns
    the row counts (contracts, bids)."""
    target.mkdir(parents=True)
    for spec in FILES:
        source = EXAMPLE / spec.name
        if source.is_file():
            shutil.copy2(source, target / spec.name)
    rng = random.Random(seed)

    header, contracts = _read(EXAMPLE / CONTRACTS_FILE)
    split: list[dict[str, str]] = []
    sizes = ["mikro", "pieni", "keskisuuri", "suuri"]
    for row in contracts:
        values = _parts(_number(row["vuosiarvo €"]), scale)
        volumes = _parts(_number(row["suoritteet_v"]), scale)
        for i in range(scale):
            split.append(
                row
                | {
                    "sopimus_id": f"{row['sopimus_id']}-{i + 1:03d}",
                    "tuottaja": f"{row['tuottaja']} {i + 1}",
                    "kokoluokka": row["kokoluokka"] if i == 0 else sizes[i % len(sizes)],
                    "vuosiarvo €": str(values[i]),
                    "suoritteet_v": str(volumes[i]),
                }
            )
    _write(target / CONTRACTS_FILE, header, split)

    header, bids = _read(EXAMPLE / BIDS_FILE)
    points = [c for c in header if c not in {"hankinta_id", "osa", "tarjoaja", "kokoluokka", "järjestö", "hinta €"}]
    many: list[dict[str, str]] = []
    for row in bids:
        for i in range(scale):
            copy = dict(row)
            if i:
                copy["tarjoaja"] = f"{row['tarjoaja']} {i + 1}"
                price = _number(row["hinta €"]) * rng.uniform(0.95, 1.08)
                copy["hinta €"] = f"{price:.2f}".replace(".", ",")
                for column in points:
                    if row[column]:
                        copy[column] = str(min(10, max(0, int(row[column]) + rng.randint(-2, 2))))
            many.append(copy)
    _write(target / BIDS_FILE, header, many)
    return len(split), len(many)


def _use_home(home: Path) -> None:
    os.environ["SOTEFLOW_HOME"] = str(home)
    get_settings.cache_clear()


def seed_template() -> Path:
    """Stages 1–4 approved in a template store (untimed)."""
    home = ROOT / "template"
    _use_home(home)
    for stage in (Stage.NEEDS, Stage.TARGETS, Stage.CHAINS, Stage.COMPARISON):
        result = run_stage(definition(stage), region=REGION, cycle=CYCLE, gate="scripted", steps=DirectSteps())
        assert result.accepted, f"{stage.value}: {result.outcome}"
    return home


class Runner:
    """Runs stage 5 on a fresh copy of the template store, each run in a folder of its own."""

    def __init__(self, template: Path) -> None:
        self.template = template
        self.count = 0

    def fresh_store(self) -> None:
        self.count += 1
        home = ROOT / f"run-{self.count}"
        copy_home(self.template, home)
        _use_home(home)

    def run(self, inputs: Path) -> Callable[[], None]:
        def go() -> None:
            result = run_stage(
                DEFINITION, region=REGION, cycle=CYCLE, inputs_dir=str(inputs), gate="scripted", steps=DirectSteps()
            )
            assert result.accepted, result.outcome
            assert len(result.cases) >= 2, [c.case for c in result.cases]

        return go


def peak_memory(runner: Runner, inputs: Path) -> int:
    """Peak Python heap (bytes) of one untimed stage-5 run, documents rendered in this process."""
    runner.fresh_store()
    previous = os.environ.get("SOTEFLOW_RENDER_WORKERS")
    os.environ["SOTEFLOW_RENDER_WORKERS"] = "1"
    get_settings.cache_clear()
    tracemalloc.start()
    try:
        runner.run(inputs)()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        if previous is None:
            del os.environ["SOTEFLOW_RENDER_WORKERS"]
        else:
            os.environ["SOTEFLOW_RENDER_WORKERS"] = previous
        get_settings.cache_clear()


def main(argv: list[str] | None = None) -> int:
    """Measure and print the table and the growth; 0 on success."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="timed runs per input (default 3)")
    parser.add_argument("--scale", type=int, default=20, help="how many times the contracts and bids (default 20)")
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc runs")
    args = parser.parse_args(argv)

    print(f"Stages 1–4 ({REGION}, cycle {CYCLE}) into a template store (not timed)…", flush=True)
    runner = Runner(seed_template())
    big = ROOT / f"inputs-x{args.scale}"
    contracts, bids = scaled_inputs(big, args.scale)
    _, base_contracts = _read(EXAMPLE / CONTRACTS_FILE)
    _, base_bids = _read(EXAMPLE / BIDS_FILE)
    labels = {
        "example": f"example ({len(base_contracts)} contracts, {len(base_bids)} bids)",
        "scaled": f"×{args.scale} ({contracts} contracts, {bids} bids)",
    }
    folders = {"example": EXAMPLE, "scaled": big}

    print("Warm-up (not timed): one run of each input…", flush=True)
    for name in ("example", "scaled"):
        runner.fresh_store()
        runner.run(folders[name])()

    seconds: dict[str, list[float]] = {"example": [], "scaled": []}
    for i in range(args.runs):
        for name in ("example", "scaled") if i % 2 == 0 else ("scaled", "example"):
            runner.fresh_store()
            start = time.perf_counter()
            runner.run(folders[name])()
            seconds[name].append(time.perf_counter() - start)
    base = Timing(labels["example"], seconds["example"])
    scaled = Timing(labels["scaled"], seconds["scaled"])
    print()
    print_table("Stage 5a end to end (DirectSteps): wall-clock seconds", base, [scaled])

    if not args.no_memory:
        peaks = {name: peak_memory(runner, folders[name]) for name in ("example", "scaled")}
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print()
        print(f"{'input':<40}  {'py peak MiB':>11}")
        for name in ("example", "scaled"):
            print(f"{labels[name]:<40}  {peaks[name] / 2**20:>11.1f}")
        print(f"process peak resident size (all runs): {rss:.0f} MiB")
        growth = peaks["scaled"] / peaks["example"]
        print(f"Headline: stage 5a peak Python heap ×{args.scale} input/example ×{growth:.2f}")
    print(f"Headline: stage 5a time ×{args.scale} input/example ×{scaled.median / base.median:.2f} (medians)")
    _TMP.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
