"""Stage 4 — Tuotantotapojen vertailu ja valinta (own vs purchased production, choice of mode).

Thin orchestration: the approved stage-3 round first (nothing is written without it), then the
input files, then the tasks compute, the store keeps both documents of the round and the CSV and
.xlsx exports, and the gate waits for the body.
"""

from __future__ import annotations

from prefect import flow

from schemas.decisions import Outcome
from schemas.results import StageResult
from schemas.stages import Stage
from soteflow.decide import document_key, proposal_key
from soteflow.gates import GateMode, load_scripted
from tasks.comparison_inputs import comparison_params
from tasks.comparison_proposal import (
    analyse_comparison_task,
    build_comparison_proposal_task,
    comparison_figures_task,
    comparison_governance_task,
    comparison_inputs_dir,
    comparison_region_task,
    comparison_renderer,
    comparison_round_outputs,
    document_created,
    load_chains_basis_task,
    previous_plan_task,
    read_comparison_inputs_task,
)
from tasks.stage import decide_round, earlier_decisions_task, persist_round_task, stage_result

STAGE = Stage.COMPARISON


@flow(name=STAGE.slug, flow_run_name="s4-comparison-{region}-{cycle}", persist_result=True)
def comparison_flow(
    region: str = "HVA08",
    cycle: int = 2026,
    data_dir: str | None = None,
    inputs_dir: str | None = None,
    out_dir: str | None = None,
    gate: str = GateMode.SUSPEND.value,
    decisions_file: str | None = None,
    criteria_weights: dict[str, float] | None = None,
    vat_treatment: str | None = None,
    meeting_date: str | None = None,
    max_rounds: int = 3,
) -> StageResult:
    """Compare own and purchased production on full, comparable unit costs and propose the modes.

    Starts only from an approved stage-3 round (``StageNotApprovedError`` otherwise, before
    anything is written). Reads from ``inputs_dir`` (default ``<data>/examples/<REGION>``) the
    own-production costs (``oma_tuotanto.xlsx``, or the same tables as CSV files), the purchased
    services (``ostopalvelut.csv``), the quality and availability scores (``laatu_saatavuus.csv``)
    and the personnel (``henkilosto.csv``); checks every service against the approved catalogue;
    computes the full cost per unit of own production (JHS 203/204 principles, reconciled to the
    income statement), the comparable unit cost of purchases and vouchers (``vat_treatment``:
    ``exclusive`` or ``with_unrefunded_vat``), the sensitivity ranges, the decision matrix per
    service (``criteria_weights``, relative), the recommendation, the personnel impact and the
    organising plan (compared with the previous cycle's approved plan); stores everything with
    its lineage and the CSV and .xlsx exports; renders "Tuotantotapojen vertailu ja valinta" and
    "Palvelujen järjestämissuunnitelma: tuotantotavat" from the same proposal version; and waits
    for the body's decision (``gate``). A returned proposal is prepared again with the comments,
    up to ``max_rounds`` proposals.
    """
    mode = GateMode(gate)
    scripted = load_scripted(decisions_file)
    params = comparison_params(criteria_weights, vat_treatment)
    code, name = comparison_region_task(region=region, data_dir=data_dir)
    basis = load_chains_basis_task(region=code, cycle=cycle)
    previous = previous_plan_task(region=code, cycle=cycle)
    folder = comparison_inputs_dir(code, inputs_dir, data_dir)
    inputs = read_comparison_inputs_task(inputs_dir=folder)
    analysis = analyse_comparison_task(
        inputs=inputs, basis=basis, previous=previous, params=params, region=code, cycle=cycle, inputs_dir=folder
    )
    figures = comparison_figures_task(analysis=analysis)
    governance = comparison_governance_task(region=code, region_name=basis.region_name or name, data_dir=data_dir)
    created = document_created(basis, cycle)

    persisted = None
    decision = None
    rounds = 0
    for _ in range(max_rounds):
        earlier = earlier_decisions_task(code, cycle, proposal_key(STAGE))
        rounds = len(earlier) + 1
        payload = build_comparison_proposal_task(
            analysis=analysis,
            basis=basis,
            governance=governance,
            earlier=earlier,
            cycle=cycle,
            previous=previous,
            meeting_date=meeting_date,
        )
        outputs = comparison_round_outputs(
            analysis=analysis,
            figures=figures,
            proposal=payload,
            basis=basis,
            previous=previous,
            inputs_dir=folder,
            created=created,
        )
        persisted = persist_round_task(
            region=code,
            cycle=cycle,
            stage=STAGE,
            sources=outputs.sources,
            data=outputs.data,
            figures=outputs.figures,
            proposal=outputs.proposal,
            render=comparison_renderer(payload, analysis, figures, created),
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
