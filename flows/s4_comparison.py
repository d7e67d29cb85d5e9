"""Stage 4 — Tuotantotapojen vertailu ja valinta (own vs purchased production, choice of mode).

A thin flow: its typed parameters are the deployment's form in the Prefect UI; the generic round
(:func:`tasks.round.run_stage`) does the rest.
"""

from __future__ import annotations

from typing import Literal

from prefect import flow

from schemas.results import StageResult
from tasks.comparison.stage import DEFINITION
from tasks.round import run_stage


@flow(name=DEFINITION.stage.slug, flow_run_name="s4-comparison-{region}-{cycle}", persist_result=True)
def comparison_flow(
    region: str = "HVA08",
    cycle: int = 2026,
    data_dir: str | None = None,
    inputs_dir: str | None = None,
    out_dir: str | None = None,
    gate: Literal["suspend", "pause", "scripted", "none"] = "suspend",
    decisions_file: str | None = None,
    criteria_weights: dict[str, float] | None = None,
    vat_treatment: Literal["exclusive", "with_unrefunded_vat"] | None = None,
    meeting_date: str | None = None,
    max_rounds: int = 3,
    cooperation_held: str | None = None,
) -> StageResult:
    """Compare own and purchased production on full, comparable unit costs and propose the modes.

    Starts only from an approved stage-3 round (nothing is written otherwise). Reads the
    own-production costs (oma_tuotanto.xlsx, or the same tables as CSV files), the purchased
    services, the quality and availability scores and the personnel; checks every service against
    the approved catalogue; computes the full cost per unit of own production (JHS 203/204,
    reconciled to the income statement), the comparable unit cost of purchases and vouchers, the
    sensitivity ranges, the decision matrix, the recommendation, the personnel impact and the
    organising plan (compared with the previous cycle's approved plan); renders "Tuotantotapojen
    vertailu ja valinta" and "Palvelujen järjestämissuunnitelma: tuotantotavat" from the same
    proposal version; and waits for the body's decision.

    Args:
        region: Welfare region: a code (HVA08), the map's id (PI) or a name (Pirkanmaa).
        cycle: Planning cycle, the year (2023–2100).
        data_dir: Folder of the public data and configuration; default: the shipped data.
        inputs_dir: Folder of the region's own files; default: <data>/examples/<REGION>.
        out_dir: Export the final versions under this folder (<out_dir>/s4-comparison).
        gate: How the body's decision is awaited: suspend, pause, scripted or none.
        decisions_file: Scripted decisions (JSON) for gate=scripted; default: the body approves.
        criteria_weights: Decision-matrix weights by criterion (cost, quality, availability,
            small_producers, continuity, innovation), relative.
        vat_treatment: exclusive (compare without VAT, the default) or with_unrefunded_vat.
        meeting_date: Meeting date (YYYY-MM-DD); default: derived from the stage-3 approval.
        max_rounds: How many proposals at most when the body returns them.
        cooperation_held: The day (YYYY-MM-DD) the co-operation procedure on mode changes with staff
            effects was held (laki 449/2007, 5 §); without it such changes are proposed as a
            preparatory decision that starts the procedure.
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
        params={
            "criteria_weights": criteria_weights,
            "vat_treatment": vat_treatment,
            "cooperation_held": cooperation_held,
        },
    )
