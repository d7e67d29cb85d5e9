"""The documents of a round rendered in parallel (processes) vs one after another.

Stages 1–4 run once, untimed, on the shipped data (``DirectSteps``, in a temporary store); every
round that renders several documents (stage 3: the decision and the stakeholder summary; stage
4: the decision and the organising plan) hands its PDFs to ``soteflow.documents.parallel``, and
those jobs are kept. Then, on the same jobs:

* one after another (baseline): ``render_pdfs(jobs, workers=1)``, all in this process;
* in parallel: ``render_pdfs(jobs, workers=len(jobs))``: this process renders the first document
  while worker processes render the others.

The worker processes are started by a first parallel call, timed on its own (each is a new
interpreter that imports the renderer); the timed parallel runs use the started workers, as
every round after the first in a process does.
The script checks that both ways give byte-identical PDFs.

    .venv/bin/python bench/bench_parallel.py [--runs 3] [--region HVA08]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

_TMP = tempfile.TemporaryDirectory(prefix="soteflow-bench-parallel-", ignore_cleanup_errors=True)
# The stages' modules import Prefect; keep it away from the user's ~/.prefect.
os.environ.update(
    {
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_CLIENT_ENABLE_METRICS": "false",
        "PREFECT_HOME": str(Path(_TMP.name) / "prefect-home"),
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "SOTEFLOW_HOME": str(Path(_TMP.name) / "soteflow-home"),
        # The setup renders in this process: the workers are first started by the timed cold call.
        "SOTEFLOW_RENDER_WORKERS": "1",
    }
)

from _common import Timing, print_table  # noqa: E402  (bench/ is the script's folder)

from schemas.stages import Stage  # noqa: E402
from soteflow.documents import parallel, reuse  # noqa: E402
from soteflow.documents.parallel import PdfJob, render_pdfs  # noqa: E402
from tasks.registry import definition  # noqa: E402
from tasks.round import DirectSteps, run_stage  # noqa: E402

STAGES = (Stage.NEEDS, Stage.TARGETS, Stage.CHAINS, Stage.COMPARISON)


def capture_rounds(region: str, cycle: int) -> dict[str, list[PdfJob]]:
    """Run stages 1–4 once and keep the PDF jobs of every round with several documents."""
    rounds: dict[str, list[PdfJob]] = {}
    real = reuse.render_pdfs
    current = ""

    def keep(jobs: Sequence[PdfJob], *, workers: int | None = None) -> list[bytes]:
        if len(jobs) > 1:
            rounds[current] = list(jobs)
        return real(jobs, workers=1)

    reuse.render_pdfs = keep  # type: ignore[assignment]  # a bench's probe
    try:
        for stage in STAGES:
            current = f"stage {stage.number} ({stage.value})"
            result = run_stage(definition(stage), region=region, cycle=cycle, gate="scripted", steps=DirectSteps())
            assert result.accepted, f"{stage.value}: {result.outcome}"
    finally:
        reuse.render_pdfs = real  # type: ignore[assignment]
    return rounds


def main(argv: list[str] | None = None) -> int:
    """Measure and print one table per round; 0 on success."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="timed runs per variant (default 3)")
    parser.add_argument("--region", default="HVA08")
    parser.add_argument("--cycle", type=int, default=2026)
    args = parser.parse_args(argv)

    print(f"Stages 1–4 ({args.region}, cycle {args.cycle}): collecting the rounds' documents (not timed)…", flush=True)
    rounds = capture_rounds(args.region, args.cycle)
    print(f"{os.cpu_count()} CPUs; rounds with several documents: {', '.join(rounds)}")
    identical = True
    serial_total = parallel_total = 0.0
    workers = max(len(jobs) for jobs in rounds.values())
    try:
        first = next(iter(rounds.values()))
        start = time.perf_counter()
        reference = render_pdfs(first, workers=workers)  # starts the worker processes
        cold = time.perf_counter() - start
        for name, jobs in rounds.items():
            times: dict[str, list[float]] = {"serial": [], "parallel": []}
            results: dict[str, list[list[bytes]]] = {"serial": [], "parallel": []}
            for i in range(args.runs):
                for label in ("serial", "parallel") if i % 2 == 0 else ("parallel", "serial"):
                    start = time.perf_counter()
                    results[label].append(render_pdfs(jobs, workers=1 if label == "serial" else len(jobs)))
                    times[label].append(time.perf_counter() - start)
            every = results["serial"] + results["parallel"] + ([reference] if jobs is first else [])
            identical &= all(pdfs == every[0] for pdfs in every)
            serial = Timing(f"{len(jobs)} documents one after another", times["serial"])
            concurrent = Timing(f"{len(jobs)} documents in parallel ({len(jobs)} processes)", times["parallel"])
            print()
            print_table(f"The documents of {name}: wall-clock seconds", serial, [concurrent])
            serial_total += serial.median
            parallel_total += concurrent.median
        print(
            f"\nThe first parallel call of a process also starts the workers: {cold:.2f} s for the documents"
            f" of {next(iter(rounds))} (the demo starts them when the cycle starts)"
        )
    finally:
        parallel.shutdown()
    print()
    print(f"Byte-identical PDFs in parallel and one after another: {'yes' if identical else 'NO'}")
    if serial_total:
        print(
            f"Headline: documents rendered in parallel/one after another ×{parallel_total / serial_total:.2f}"
            f" (medians, {len(rounds)} rounds)"
        )
    _TMP.cleanup()
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
