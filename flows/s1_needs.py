"""Stage 1 — Strateginen palvelutarpeiden arviointi (strategic service needs assessment).

Thin orchestration: the tasks compute, the store keeps, the gate waits for the body.
"""

from __future__ import annotations

from prefect import flow

from schemas.decisions import Outcome
from schemas.results import StageResult
from schemas.stages import Stage
from soteflow.decide import document_key, proposal_key
from soteflow.gates import GateMode, load_scripted
from tasks.needs_proposal import (
    assess_needs_task,
    build_needs_proposal_task,
    needs_figures_task,
    needs_governance_task,
    needs_renderer,
    needs_round_outputs,
)
from tasks.stage import decide_round, earlier_decisions_task, persist_round_task, stage_result

STAGE = Stage.NEEDS


@flow(name=STAGE.slug, flow_run_name="s1-needs-{region}-{cycle}", persist_result=True)
def needs_flow(
    region: str = "HVA08",
    cycle: int = 2026,
    data_dir: str | None = None,
    out_dir: str | None = None,
    gate: str = GateMode.SUSPEND.value,
    decisions_file: str | None = None,
    index_weights: dict[str, float] | None = None,
    meeting_date: str | None = None,
    max_rounds: int = 3,
) -> StageResult:
    """Assess the population's service needs of a welfare region and propose the palvelutarvearvio.

    Reads the Statistics Finland exports, builds need profiles per municipality, the region and the
    country, a need index with each component's contribution, the change analysis and the
    reconciliation against Statistics Finland's own region figures; stores them as versions; renders
    the decision document; and waits for the body's decision (``gate``). A returned proposal is
    prepared again with the body's comments, up to ``max_rounds`` proposals.
    """
    mode = GateMode(gate)
    scripted = load_scripted(decisions_file)
    assessment = assess_needs_task(region=region, data_dir=data_dir, index_weights=index_weights)
    region = assessment.region_code  # a name such as "Pirkanmaa" is stored under its code, HVA08
    figures = needs_figures_task(assessment=assessment, data_dir=data_dir)
    governance = needs_governance_task(region=region, region_name=assessment.region_name, data_dir=data_dir)

    persisted = None
    decision = None
    rounds = 0
    for _ in range(max_rounds):
        earlier = earlier_decisions_task(region, cycle, proposal_key(STAGE))
        rounds = len(earlier) + 1
        payload = build_needs_proposal_task(
            assessment=assessment,
            governance=governance,
            earlier=earlier,
            cycle=cycle,
            meeting_date=meeting_date,
        )
        outputs = needs_round_outputs(assessment=assessment, figures=figures, proposal=payload, data_dir=data_dir)
        persisted = persist_round_task(
            region=region,
            cycle=cycle,
            stage=STAGE,
            sources=outputs.sources,
            data=outputs.data,
            figures=outputs.figures,
            proposal=outputs.proposal,
            render=needs_renderer(payload, assessment, figures),
            document_key=document_key(STAGE),
            document_title=payload.agenda.title,
            tables=outputs.tables,
        )
        persisted, decision = decide_round(
            stage=STAGE,
            region=region,
            cycle=cycle,
            persisted=persisted,
            agenda=payload.agenda,
            summary_markdown=payload.summary_markdown,
            mode=mode,
            round_no=rounds,
            scripted=scripted,
        )
        if decision is None or decision.outcome is not Outcome.RETURNED:
            break

    assert persisted is not None  # max_rounds >= 1
    return stage_result(
        stage=STAGE, region=region, cycle=cycle, rounds=rounds, persisted=persisted, decision=decision, out_dir=out_dir
    )
