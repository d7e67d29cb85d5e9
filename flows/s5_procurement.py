"""Stage 5a — Resurssien hankinta (procurement plan, lots, compensation models, award decisions,
contracts and their open contracting data).

A thin flow: its typed parameters are the deployment's form in the Prefect UI; the generic round
(:func:`tasks.round.run_stage`) does the rest.
"""

from __future__ import annotations

from typing import Literal

from prefect import flow

from schemas.results import StageResult
from tasks.procurement.stage import DEFINITION
from tasks.round import run_stage


@flow(name=DEFINITION.stage.slug, flow_run_name="s5-procurement-{region}-{cycle}", persist_result=True)
def procurement_flow(
    region: str = "HVA08",
    cycle: int = 2026,
    data_dir: str | None = None,
    inputs_dir: str | None = None,
    out_dir: str | None = None,
    gate: Literal["suspend", "pause", "scripted", "none"] = "suspend",
    decisions_file: str | None = None,
    horizon_years: int = 3,
    meeting_date: str | None = None,
    max_rounds: int = 3,
) -> StageResult:
    """Plan the procurements of the approved organising plan, divide them into lots, price their
    compensation models, compare the bids and propose the award decisions.

    Starts only from an approved stage-4 round (nothing is written otherwise). Reads the contracts
    register, the procurement categories and their work split, the procurement parameters, the
    award criteria and bids, the contract terms and the dated procurement rules; reconciles the
    register with stage 4's purchases; computes every procurement's estimated value, threshold,
    procedure, timeline and lots, the compensation models, the award comparisons, the contracts
    stage 6 monitors and the OCDS 1.1.5 release and record packages (validated offline); renders
    "Hankintasuunnitelma ja hankintojen työnjako" and one "Hankintapäätös" per procurement with
    bids; with the region's voucher files (5b) also the voucher values, rule book and personal
    budgets and one producer-approval round per batch; and waits for each case's decision on its own.

    Args:
        region: Welfare region: a code (HVA08), the map's id (PI) or a name (Pirkanmaa).
        cycle: Planning cycle, the year (2023–2100).
        data_dir: Folder of the public data and configuration; default: the shipped data.
        inputs_dir: Folder of the region's own files; default: <data>/examples/<REGION>.
        out_dir: Export the final versions under this folder (<out_dir>/s5-procurement).
        gate: How the body's decision is awaited: suspend, pause, scripted or none.
        decisions_file: Scripted decisions (JSON) for gate=scripted; default: the bodies approve.
        horizon_years: Planning horizon in years after the cycle: contracts ending in it are
            procured again.
        meeting_date: Meeting date (YYYY-MM-DD) of every case; default: the plan four weeks after
            the stage-4 approval, each award decision on its planned award day.
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
        params={"horizon_years": horizon_years},
    )
