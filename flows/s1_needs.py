"""Stage 1 — Strateginen palvelutarpeiden arviointi (strategic service needs assessment).

A thin flow: its typed parameters are the deployment's form in the Prefect UI; the generic round
(:func:`tasks.round.run_stage`) does the rest.
"""

from __future__ import annotations

from typing import Literal

from prefect import flow

from schemas.results import StageResult
from tasks.needs.stage import DEFINITION
from tasks.round import run_stage

Gate = Literal["suspend", "pause", "scripted", "none"]


@flow(name=DEFINITION.stage.slug, flow_run_name="s1-needs-{region}-{cycle}", persist_result=True)
def needs_flow(
    region: str = "HVA08",
    cycle: int = 2026,
    data_dir: str | None = None,
    out_dir: str | None = None,
    gate: Gate = "suspend",
    decisions_file: str | None = None,
    index_weights: dict[str, float] | None = None,
    meeting_date: str | None = None,
    max_rounds: int = 3,
) -> StageResult:
    """Assess the population's service needs of a welfare region and propose the palvelutarvearvio.

    Reads the Statistics Finland exports, builds need profiles per municipality, the region and the
    country, a need index with each component's contribution, the change analysis and the
    reconciliation against Statistics Finland's own region figures; stores them as versions; renders
    the decision document; and waits for the body's decision.

    Args:
        region: Welfare region: a code (HVA08), the map's id (PI) or a name (Pirkanmaa).
        cycle: Planning cycle, the year (2023–2100).
        data_dir: Folder of the public data (statfin/, geo/, config/); default: the shipped data.
        out_dir: Export the final versions under this folder (<out_dir>/s1-needs).
        gate: How the body's decision is awaited: suspend (deployments), pause (a local run against
            a server), scripted (demo and tests) or none (propose and stop; decide later).
        decisions_file: Scripted decisions (JSON) for gate=scripted; default: the body approves.
        index_weights: Need-index weights by component, relative and ≥ 0 (others keep defaults).
        meeting_date: Meeting date (YYYY-MM-DD); default: derived from the data.
        max_rounds: How many proposals at most when the body returns them.
    """
    return run_stage(
        DEFINITION,
        region=region,
        cycle=cycle,
        data_dir=data_dir,
        out_dir=out_dir,
        gate=gate,
        decisions_file=decisions_file,
        meeting_date=meeting_date,
        max_rounds=max_rounds,
        params={"index_weights": index_weights},
    )
