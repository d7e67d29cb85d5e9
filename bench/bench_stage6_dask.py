"""Stage 6's producer reports on Dask: 200 reports with 2 Dask workers against 1.

    .venv/bin/python bench/bench_stage6_dask.py [--reports 200] [--runs 2] [--workers 2]

Builds ``--reports`` steering reports of a synthetic period (labelled, made up: each contract with
three units, seven KPIs a unit, deviations, a billing line and a three-period trend) through the
stage's own document code (:func:`tasks.monitoring.documents.producer_document`), renders their
HTML (untimed), and then, inside a Prefect flow run on a temporary server, renders their PDFs the
way ``--task-runner dask`` does: the task ``steering-report-pdf`` mapped over them
(:func:`tasks.monitoring.fanout.render_mapped`) on a local Dask cluster of 1 worker (baseline) and
of ``--workers`` workers, one thread each. Each cluster is started and its workers warmed (they
import the renderer) before the timed runs. Only the fan-out is timed: submitting the task runs,
rendering, and collecting the PDFs. Checks that both give the same bytes, and prints the times,
the ratio and a ``Headline:`` line (issue 12's target: 2 workers at least 1.6 × faster than 1).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

_TMP = tempfile.TemporaryDirectory(prefix="soteflow-bench-stage6-dask-", ignore_cleanup_errors=True)
os.environ.update(
    {
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_CLIENT_ENABLE_METRICS": "false",
        "PREFECT_HOME": str(Path(_TMP.name) / "prefect-home"),
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
        "SOTEFLOW_HOME": str(Path(_TMP.name) / "soteflow-home"),
    }
)

PERIOD = "2026-03"
KPIS = (
    ("volume", "Toteutunut volyymi", 95.0, "at_least", "%"),
    ("care_guarantee", "Odotusajan 90. persentiili", 14.0, "at_most", "vrk"),
    ("wait_within", "Enimmäisajassa alkaneet", 90.0, "at_least", "%"),
    ("staffing", "Henkilöstömitoitus", 0.65, "at_least", "htv/asiakas"),
    ("complaints", "Muistutukset ja kantelut", 5.0, "at_most", "/1 000 asiakasta"),
    ("adverse_events", "Haittatapahtumat", 10.0, "at_most", "/1 000 asiakasta"),
    ("client_satisfaction", "Asiakastyytyväisyys", 4.0, "at_least", "1–5"),
)


def _jobs(count: int) -> list[Any]:
    """The PDF jobs of ``count`` producers' steering reports of a synthetic period."""
    from schemas.monitoring import (
        BillingLine,
        Deviation,
        KpiValue,
        LadderStep,
        MonitoringAnalysis,
        Severity,
        TrendPoint,
    )
    from schemas.results import VersionRef
    from soteflow.documents.parallel import PdfJob
    from soteflow.settings import get_settings
    from tasks.monitoring.documents import by_contract, producer_document

    ladder, kpis, deviations, billing, trend = [], [], [], [], []
    for n in range(count):
        contract, producer = f"S-BENCH-{n:03d}", f"Tuottaja {n:03d} Oy (SYNTEETTINEN)"
        ladder.append(
            LadderStep(
                contract_id=contract, producer=producer, service_name="Kotihoito", previous_step=n % 3,
                step=(n + 1) % 3, step_name="Korjausvaatimus", amount_eur=0.0, movement="up",
                reason="Toistuva poikkeama.", deadline=dt.date(2026, 6, 1), kpis=["care_guarantee"], own_case=False,
            )
        )  # fmt: skip
        for unit in range(3):
            for i, (kpi, name, threshold, direction, measure) in enumerate(KPIS):
                value = threshold * (0.8 + 0.05 * ((n + unit + i) % 8))
                ok = value >= threshold if direction == "at_least" else value <= threshold
                kpis.append(
                    KpiValue(
                        contract_id=contract, producer=producer, unit_id=f"U{n:03d}-{unit}", month=PERIOD, kpi=kpi,
                        name=name, value=round(value, 2), threshold=threshold, direction=direction, unit=measure,
                        basis="sopimus", ok=ok, clients=40 + unit,
                    )
                )  # fmt: skip
                if not ok and i < 2:
                    deviations.append(
                        Deviation(
                            contract_id=contract, producer=producer, unit_id=f"U{n:03d}-{unit}", month=PERIOD,
                            kpi=kpi, description=f"{name} {value:.2f} {measure} (raja {threshold}).",
                            severity=Severity.SIGNIFICANT, statutory=False, clients=40 + unit,
                        )
                    )  # fmt: skip
        billing.append(
            BillingLine(
                contract_id=contract, producer=producer, month=PERIOD, delivered=1200.0, contracted=1250.0,
                invoiced_volume=1210.0, invoiced_eur=53966.0, due_eur=53520.0, over_billed_eur=446.0,
                over_billed_pct=0.83,
            )
        )  # fmt: skip
        for period in ("2026-01", "2026-02", PERIOD):
            trend.append(
                TrendPoint(
                    period=period, contract_id=contract, deviations=n % 4, step=n % 3, over_billed_eur=0.0,
                    wait_within_pct=88.5,
                )
            )  # fmt: skip
    analysis = MonitoringAnalysis.model_construct(
        region_code="HVA08", region_name="Pirkanmaan hyvinvointialue", cycle=2026, period=PERIOD,
        period_start=dt.date(2026, 3, 1), period_end=dt.date(2026, 3, 31), kpis=kpis, deviations=deviations,
        billing=billing, ladder=ladder, visits=[], trend=trend, synthetic=True,
    )  # fmt: skip
    payload = SimpleNamespace(region_code="HVA08", region_name="Pirkanmaan hyvinvointialue", cycle=2026)
    proposal = VersionRef(
        key="steering-report-2026-03-proposal", version=1, version_id="00000000-0000-0000-0000-000000000001",
        sha256="0" * 64, status="proposed", media_type="application/json",
    )  # fmt: skip
    slices = by_contract(analysis)
    root = get_settings().templates_dir.resolve()
    jobs = []
    for step in ladder:
        spec = producer_document(step, slices[step.contract_id], analysis, payload, proposal)  # type: ignore[arg-type]
        jobs.append(
            PdfJob(
                html=spec.render_html(templates_dir=root),
                metadata=spec.metadata,
                attachments=tuple(spec.attachments),
                templates_dir=root,
            )
        )
    return jobs


#: The PDF jobs of the run, built once in :func:`main` (not a flow parameter: Prefect limits their size).
JOBS: list[Any] = []


def _fan_out(count: int, address: str) -> tuple[float, list[str]]:
    """The timed part, in a flow run: the mapped task over the first ``count`` jobs on the cluster
    at ``address``; the seconds and each PDF's sha256."""
    from prefect_dask.task_runners import DaskTaskRunner

    from tasks.monitoring.fanout import render_mapped

    # Looked up when called, so pickling this flow for the workers does not copy the jobs.
    batch = sys.modules[__name__].JOBS[:count]
    start = time.perf_counter()
    pdfs = render_mapped(batch, DaskTaskRunner(address=address))
    return time.perf_counter() - start, [hashlib.sha256(p).hexdigest() for p in pdfs]


def main(argv: list[str] | None = None) -> int:
    """Build the reports, then time the fan-out on 1 and on ``--workers`` Dask workers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=200, help="producer reports (default 200)")
    parser.add_argument("--runs", type=int, default=2, help="timed runs per variant (default 2)")
    parser.add_argument("--workers", type=int, default=2, help="Dask workers of the compared variant (default 2)")
    args = parser.parse_args(argv)

    from _common import Timing, print_table
    from distributed import LocalCluster
    from prefect import flow
    from prefect.testing.utilities import prefect_test_harness

    from tasks.round import in_process_flow_settings

    began = time.perf_counter()
    jobs = _jobs(args.reports)
    JOBS[:] = jobs
    print(f"{len(jobs)} producer reports (synthetic), HTML rendered in {time.perf_counter() - began:.1f} s (untimed)")

    fan_out = flow(name="bench-stage6-dask")(_fan_out)
    timings: list[Timing] = []
    digests: dict[int, list[str]] = {}
    print("Starting the Prefect test harness (untimed)…", flush=True)
    with prefect_test_harness(server_startup_timeout=120), in_process_flow_settings():
        for workers in (1, args.workers):
            with LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster:
                address = cluster.scheduler_address
                fan_out(2 * workers, address)  # warm: each worker imports the renderer (untimed)
                seconds = []
                for _ in range(args.runs):
                    elapsed, digests[workers] = fan_out(len(jobs), address)
                    seconds.append(elapsed)
            timings.append(Timing(f"{len(jobs)} reports, {workers} Dask worker{'s' if workers > 1 else ''}", seconds))
            print(f"  {timings[-1].label}: {', '.join(f'{s:.1f}' for s in seconds)} s", flush=True)
    same = digests[1] == digests[args.workers]
    print()
    print_table(f"Stage 6 producer reports on Dask ({os.cpu_count()} CPUs)", timings[0], timings[1:])
    speedup = timings[0].median / timings[1].median
    print(f"same bytes with 1 and {args.workers} workers: {'yes' if same else 'NO'}")
    print(
        f"Headline: {args.workers} Dask workers {speedup:.2f} × faster than 1 on {len(jobs)} producer reports "
        f"(median {timings[1].median:.1f} s vs {timings[0].median:.1f} s; target ≥ 1.6 ×: "
        f"{'met' if speedup >= 1.6 else 'not met'})"
    )
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
