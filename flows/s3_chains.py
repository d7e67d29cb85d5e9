"""Stage 3 — Priorisointi, palvelukokonaisuudet ja -ketjut (prioritised service packages and chains).

A thin flow: its typed parameters are the deployment's form in the Prefect UI; the generic round
(:func:`tasks.round.run_stage`) does the rest.
"""

from __future__ import annotations

from typing import Literal

from prefect import flow

from schemas.results import StageResult
from tasks.chains.stage import DEFINITION
from tasks.round import run_stage


@flow(name=DEFINITION.stage.slug, flow_run_name="s3-chains-{region}-{cycle}", persist_result=True)
def chains_flow(
    region: str = "HVA08",
    cycle: int = 2026,
    data_dir: str | None = None,
    inputs_dir: str | None = None,
    out_dir: str | None = None,
    gate: Literal["suspend", "pause", "scripted", "none"] = "suspend",
    decisions_file: str | None = None,
    weights: dict[str, float] | None = None,
    meeting_date: str | None = None,
    max_rounds: int = 3,
    sensitivity_step: float | None = None,
) -> StageResult:
    """Prioritise the service packages against the approved stage-2 targets and propose the chains.

    Starts only from an approved stage-2 round (nothing is written otherwise). Reads the service
    catalogue (palvelukatalogi.csv) and the stakeholder feedback (lausunnot.csv, themes from
    config/feedback_themes.toml); scores every package on target alignment, need, cost against the
    group's frame and feasibility with a sensitivity check; builds the chains with targets and
    metrics per chain and step; renders "Palvelukokonaisuudet ja palveluketjut" and "Yhteenveto
    sidosryhmien lausunnoista" from the same proposal version; and waits for the body's decision.

    Args:
        region: Welfare region: a code (HVA08), the map's id (PI) or a name (Pirkanmaa).
        cycle: Planning cycle, the year (2023–2100).
        data_dir: Folder of the public data and configuration; default: the shipped data.
        inputs_dir: Folder of the region's own files; default: <data>/examples/<REGION>.
        out_dir: Export the final versions under this folder (<out_dir>/s3-chains).
        gate: How the body's decision is awaited: suspend, pause, scripted or none.
        decisions_file: Scripted decisions (JSON) for gate=scripted; default: the body approves.
        weights: Prioritisation weights by criterion (alignment, need, cost, feasibility), relative.
        meeting_date: Meeting date (YYYY-MM-DD); default: derived from the data.
        max_rounds: How many proposals at most when the body returns them.
        sensitivity_step: Relative move of each weight in the sensitivity check, e.g. 0.2.
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
        params={"weights": weights, "sensitivity_step": sensitivity_step},
    )
