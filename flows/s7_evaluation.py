"""Stage 7 — Arviointi ja itsearviointi (evaluation and self-evaluation of the cycle; what the next
cycle starts from).

A thin flow: its typed parameters are the deployment's form in the Prefect UI; the generic round
(:func:`tasks.round.run_stage`) does the rest.
"""

from __future__ import annotations

from typing import Literal

from prefect import flow

from schemas.results import StageResult
from tasks.evaluation.stage import DEFINITION
from tasks.round import run_stage


@flow(name=DEFINITION.stage.slug, flow_run_name="s7-evaluation-{region}-{cycle}", persist_result=True)
def evaluation_flow(
    region: str = "HVA08",
    cycle: int = 2026,
    data_dir: str | None = None,
    inputs_dir: str | None = None,
    out_dir: str | None = None,
    gate: Literal["suspend", "pause", "scripted", "none"] = "suspend",
    decisions_file: str | None = None,
    high_from: int | None = None,
    medium_from: int | None = None,
    meeting_date: str | None = None,
    max_rounds: int = 3,
) -> StageResult:
    """Evaluate the cycle: each stage-2 target's attainment, status and grade 1–5 (the preparers'
    overrides shown as such), actual costs and volumes against the frame and stage 4's plan, stage
    6's producer KPIs over the cycle's periods, client experience, the welfare indicators
    recomputed from a newer export, the risk register updated from the cycle's evidence, and what
    stage 1 of the next cycle starts from. Proposes *Arviointi ja itsearviointi* to the council.

    Starts only from approved stages 1, 2, 4 and 5 and noted stage-6 reports (nothing is written otherwise).

    Args:
        region: Welfare region: a code (HVA08), the map's id (PI) or a name (Pirkanmaa).
        cycle: Planning cycle, the year (2023–2100).
        data_dir: Folder of the public data and configuration (a newer Statistics Finland export
            here recomputes the welfare indicators); default: the shipped data.
        inputs_dir: Folder of the region's own files; default: <data>/examples/<REGION>.
        out_dir: Export the final versions under this folder (<out_dir>/s7-evaluation).
        gate: How the body's decision is awaited: suspend, pause, scripted or none.
        decisions_file: Scripted decisions (JSON) for gate=scripted; default: the body approves.
        high_from: Risk index from which a risk is in the high band (default: the rules file, 15).
        medium_from: Risk index from which a risk is in the medium band (default: the rules file, 8).
        meeting_date: Meeting date (YYYY-MM-DD); default: four weeks after the last decision it rests on.
        max_rounds: How many proposals at most when a body returns one.
    """
    return run_stage(
        DEFINITION,
        region=region,
        cycle=cycle,
        data_dir=data_dir,
        inputs_dir=inputs_dir,
        out_dir=out_dir,
        gate=gate,
        decisions_file=decisions_file,
        meeting_date=meeting_date,
        max_rounds=max_rounds,
        params={"high_from": high_from, "medium_from": medium_from},
    )
