"""Stage 3 — Priorisointi, palvelukokonaisuudet ja -ketjut (prioritised service packages and chains).

Thin orchestration: the approved stage-2 round first (nothing is written without it), then the
tasks compute, the store keeps both documents of the round, and the gate waits for the body.
"""

from __future__ import annotations

from prefect import flow

from schemas.decisions import Outcome
from schemas.results import StageResult
from schemas.stages import Stage
from soteflow.decide import document_key, proposal_key
from soteflow.gates import GateMode, load_scripted
from tasks.chains_proposal import (
    analyse_chains_task,
    build_chains_proposal_task,
    chains_figures_task,
    chains_governance_task,
    chains_input_paths,
    chains_region_task,
    chains_renderer,
    chains_round_outputs,
    feedback_figures_task,
    load_targets_basis_task,
    read_chains_inputs_task,
)
from tasks.stage import decide_round, earlier_decisions_task, persist_round_task, stage_result

STAGE = Stage.CHAINS


@flow(name=STAGE.slug, flow_run_name="s3-chains-{region}-{cycle}", persist_result=True)
def chains_flow(
    region: str = "HVA08",
    cycle: int = 2026,
    data_dir: str | None = None,
    inputs_dir: str | None = None,
    out_dir: str | None = None,
    gate: str = GateMode.SUSPEND.value,
    decisions_file: str | None = None,
    weights: dict[str, float] | None = None,
    meeting_date: str | None = None,
    max_rounds: int = 3,
    sensitivity_step: float | None = None,
) -> StageResult:
    """Prioritise the service packages against the approved stage-2 targets and propose the chains.

    Starts only from an approved stage-2 round (``StageNotApprovedError`` otherwise, before
    anything is written). Reads the service catalogue (``palvelukatalogi.csv``) and the
    stakeholder feedback (``lausunnot.csv``, themes from ``config/feedback_themes.toml``) from
    ``inputs_dir`` (default ``<data>/examples/<REGION>``); scores every package on target
    alignment, need, cost against the group's frame and feasibility (``weights``, relative) with a
    sensitivity check (``sensitivity_step``, default ±20 %); builds the chains with targets and
    metrics per chain and step and the service descriptions; stores everything with its lineage;
    renders "Palvelukokonaisuudet ja palveluketjut" and "Yhteenveto sidosryhmien lausunnoista"
    from the same proposal version; and waits for the body's decision (``gate``). A returned
    proposal is prepared again with the comments, up to ``max_rounds`` proposals.
    """
    mode = GateMode(gate)
    scripted = load_scripted(decisions_file)
    code, name = chains_region_task(region=region, data_dir=data_dir)
    basis = load_targets_basis_task(region=code, cycle=cycle)
    catalogue_path, feedback_path, taxonomy_path = chains_input_paths(code, inputs_dir, data_dir)
    inputs = read_chains_inputs_task(
        catalogue_path=catalogue_path, feedback_path=feedback_path, taxonomy_path=taxonomy_path
    )
    analysis = analyse_chains_task(
        catalogue=inputs.catalogue,
        basis=basis,
        catalogue_path=catalogue_path,
        weights=weights,
        sensitivity_step=sensitivity_step,
    )
    figures = chains_figures_task(services=analysis.services)
    feedback_figs = feedback_figures_task(synthesis=inputs.synthesis)
    governance = chains_governance_task(region=code, region_name=name, data_dir=data_dir)

    persisted = None
    decision = None
    rounds = 0
    for _ in range(max_rounds):
        earlier = earlier_decisions_task(code, cycle, proposal_key(STAGE))
        rounds = len(earlier) + 1
        payload = build_chains_proposal_task(
            inputs=inputs,
            analysis=analysis,
            basis=basis,
            governance=governance,
            earlier=earlier,
            cycle=cycle,
            meeting_date=meeting_date,
        )
        outputs = chains_round_outputs(inputs=inputs, analysis=analysis, figures=figures, proposal=payload, basis=basis)
        persisted = persist_round_task(
            region=code,
            cycle=cycle,
            stage=STAGE,
            sources=outputs.sources,
            data=outputs.data,
            figures=outputs.figures,
            proposal=outputs.proposal,
            render=chains_renderer(payload, inputs, analysis, figures, feedback_figs, basis),
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
