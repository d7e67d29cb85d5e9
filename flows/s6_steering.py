"""Stage 6 — Tuotannon ohjaus, seuranta ja valvonta (contract monitoring per period, the
escalation ladder, billing reconciliation, the supervision plan, steering reports).

A thin flow: its typed parameters are the deployment's form in the Prefect UI; the generic round
(:func:`tasks.round.run_stage`) does the rest. The producer reports fan out as a Prefect task mapped
over them; ``task_runner="dask"`` runs it on Dask (:mod:`tasks.monitoring.fanout`).
"""

from __future__ import annotations

from typing import Literal

from prefect import flow

from schemas.results import StageResult
from tasks.monitoring.fanout import producer_reports_on
from tasks.monitoring.stage import DEFINITION
from tasks.round import run_stage


@flow(name=DEFINITION.stage.slug, flow_run_name="s6-steering-{region}-{cycle}-{period}", persist_result=True)
def steering_flow(
    region: str = "HVA08",
    cycle: int = 2026,
    period: str | None = None,
    data_dir: str | None = None,
    inputs_dir: str | None = None,
    out_dir: str | None = None,
    gate: Literal["suspend", "pause", "scripted", "none"] = "suspend",
    decisions_file: str | None = None,
    visits: int = 3,
    meeting_date: str | None = None,
    max_rounds: int = 3,
    task_runner: Literal["default", "dask"] = "default",
) -> StageResult:
    """Monitor the approved contracts for one period: KPIs per producer, unit and month from the
    monitoring events (Parquet, aggregated out of core in DuckDB) against the contracts' thresholds
    and the dated statutory minimums; deviations and the escalation ladder carried from the previous
    period's noted report; billing reconciliation; the risk-based supervision plan; and one steering
    report per producer. Proposes the period's report (the body takes note of it) and an escalation
    decision for each contract whose step costs the producer money or clients.

    Starts only from an approved stage-5 round and, after the cycle's first period, from the
    previous period's noted report (nothing is written otherwise).

    Args:
        region: Welfare region: a code (HVA08), the map's id (PI) or a name (Pirkanmaa).
        cycle: Planning cycle, the year (2023–2100).
        period: The period, a month (2026-03) or a quarter (2026-Q1) of the cycle's year.
        data_dir: Folder of the public data and configuration; default: the shipped data.
        inputs_dir: Folder of the region's own files; the period's files are under
            <inputs_dir>/seuranta/<period>/; default: <data>/examples/<REGION>.
        out_dir: Export the final versions under this folder (<out_dir>/s6-steering).
        gate: How the body's decision is awaited: suspend, pause, scripted or none.
        decisions_file: Scripted decisions (JSON) for gate=scripted; default: the body notes the
            report and approves the escalations.
        visits: Supervision visits the period's plan has room for.
        meeting_date: Meeting date (YYYY-MM-DD); default: the first Monday six weeks after the period.
        max_rounds: How many proposals at most when a body returns one.
        task_runner: Where the producer reports render: default (the round's own rendering
            processes) or dask (a Prefect task mapped over them on Dask: a local cluster, or the
            scheduler at SOTEFLOW_DASK_ADDRESS). The documents are the same bytes either way.
    """
    with producer_reports_on(task_runner):
        return run_stage(
            DEFINITION,
            region=region,
            cycle=cycle,
            period=period,
            data_dir=data_dir,
            inputs_dir=inputs_dir,
            out_dir=out_dir,
            gate=gate,
            decisions_file=decisions_file,
            meeting_date=meeting_date,
            max_rounds=max_rounds,
            params={"visits": visits},
        )
