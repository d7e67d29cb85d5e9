"""Stage 2 — Tuloksellisuustavoitteiden asettaminen (performance targets and the financial frame).

A thin flow: its typed parameters are the deployment's form in the Prefect UI; the generic round
(:func:`tasks.round.run_stage`) does the rest.
"""

from __future__ import annotations

from typing import Literal

from prefect import flow

from schemas.results import StageResult
from tasks.round import run_stage
from tasks.targets.stage import DEFINITION


@flow(name=DEFINITION.stage.slug, flow_run_name="s2-targets-{region}-{cycle}", persist_result=True)
def targets_flow(
    region: str = "HVA08",
    cycle: int = 2026,
    data_dir: str | None = None,
    inputs_dir: str | None = None,
    out_dir: str | None = None,
    gate: Literal["suspend", "pause", "scripted", "none"] = "suspend",
    decisions_file: str | None = None,
    allocation_method: Literal["need_share", "current_spend", "blend"] | None = None,
    need_weight: float | None = None,
    meeting_date: str | None = None,
    max_rounds: int = 3,
) -> StageResult:
    """Set the client groups' impact targets and the financial frame, and propose them to the council.

    Starts from the approved stage-1 round (without one, nothing is written); reads the financial
    frame files and the targets; builds the impact targets with stage-1 baselines and findings, the
    framework forecast per scenario with the deficit-coverage check (hyvinvointialuelaki 115 §) and
    the frame allocated to the client groups; stores them with the stage-1 versions as lineage;
    renders the decision document and waits for the body's decision.

    Args:
        region: Welfare region: a code (HVA08), the map's id (PI) or a name (Pirkanmaa).
        cycle: Planning cycle, the year (2023–2100).
        data_dir: Folder of the public data and configuration; default: the shipped data.
        inputs_dir: Folder of the region's own files; default: <data>/examples/<REGION>.
        out_dir: Export the final versions under this folder (<out_dir>/s2-targets).
        gate: How the body's decision is awaited: suspend, pause, scripted or none.
        decisions_file: Scripted decisions (JSON) for gate=scripted; default: the body approves.
        allocation_method: How the frame is allocated to client groups; default: the assumptions file.
        need_weight: Weight of the need share in a blend, 0–1; default: the assumptions file.
        meeting_date: Meeting date (YYYY-MM-DD); default: derived from the stage-1 approval.
        max_rounds: How many proposals at most when the body returns them.
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
        params={"allocation_method": allocation_method, "need_weight": need_weight},
    )
