"""Stage 2 — Tuloksellisuustavoitteiden asettaminen (performance targets and the financial frame).

Thin orchestration: the tasks compute, the store keeps, the gate waits for the regional council.
"""

from __future__ import annotations

from prefect import flow

from schemas.decisions import Outcome
from schemas.results import StageResult
from schemas.stages import Stage
from soteflow.decide import document_key, proposal_key
from soteflow.gates import GateMode, load_scripted
from tasks.inputs import inputs_dir_or_default
from tasks.stage import decide_round, earlier_decisions_task, persist_round_task, stage_result
from tasks.targets_proposal import (
    assess_targets_task,
    build_targets_proposal_task,
    load_needs_basis_task,
    read_targets_inputs_task,
    resolve_region_task,
    targets_figures_task,
    targets_governance_task,
    targets_renderer,
    targets_round_outputs,
)

STAGE = Stage.TARGETS


@flow(name=STAGE.slug, flow_run_name="s2-targets-{region}-{cycle}", persist_result=True)
def targets_flow(
    region: str = "HVA08",
    cycle: int = 2026,
    data_dir: str | None = None,
    inputs_dir: str | None = None,
    out_dir: str | None = None,
    gate: str = GateMode.SUSPEND.value,
    decisions_file: str | None = None,
    allocation_method: str | None = None,
    need_weight: float | None = None,
    meeting_date: str | None = None,
    max_rounds: int = 3,
) -> StageResult:
    """Set the client groups' impact targets and the financial frame, and propose them to the council.

    Starts from the approved stage-1 round (no approval: the run stops before writing anything);
    reads the financial frame files and the targets (``inputs_dir``, default
    ``<input dir>/examples/<REGION>``); builds the impact targets with stage-1 baselines and
    findings, the framework forecast per scenario with the deficit-coverage check
    (hyvinvointialuelaki 115 §), and the frame allocated to client groups
    (``allocation_method``: need_share, current_spend or blend, ``need_weight``); stores them as
    versions with the stage-1 versions as lineage; renders the decision document and waits for
    the body's decision (``gate``). A returned proposal is prepared again with the comments, up to
    ``max_rounds`` proposals.
    """
    mode = GateMode(gate)
    scripted = load_scripted(decisions_file)
    code = resolve_region_task(region=region, data_dir=data_dir)
    basis = load_needs_basis_task(region=code, cycle=cycle)
    folder = str(inputs_dir_or_default(inputs_dir, data_dir, code))
    inputs = read_targets_inputs_task(inputs_dir=folder, allocation_method=allocation_method, need_weight=need_weight)
    assessment = assess_targets_task(inputs=inputs, basis=basis, cycle=cycle)
    figures = targets_figures_task(assessment=assessment)
    governance = targets_governance_task(region=code, region_name=assessment.region_name, data_dir=data_dir)

    persisted = None
    decision = None
    rounds = 0
    for _ in range(max_rounds):
        earlier = earlier_decisions_task(code, cycle, proposal_key(STAGE))
        rounds = len(earlier) + 1
        payload = build_targets_proposal_task(
            assessment=assessment,
            basis=basis,
            governance=governance,
            earlier=earlier,
            cycle=cycle,
            meeting_date=meeting_date,
        )
        outputs = targets_round_outputs(
            assessment=assessment, figures=figures, proposal=payload, basis=basis, inputs=inputs
        )
        persisted = persist_round_task(
            region=code,
            cycle=cycle,
            stage=STAGE,
            sources=outputs.sources,
            data=outputs.data,
            figures=outputs.figures,
            proposal=outputs.proposal,
            render=targets_renderer(payload, assessment, figures, basis),
            document_key=document_key(STAGE),
            document_title=payload.agenda.title,
            tables=outputs.tables,
        )
        persisted, decision = decide_round(
            stage=STAGE,
            region=code,
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
        stage=STAGE, region=code, cycle=cycle, rounds=rounds, persisted=persisted, decision=decision, out_dir=out_dir
    )
