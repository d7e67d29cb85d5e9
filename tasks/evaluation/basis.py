"""Stage 7 as it reads the cycle and as the next cycle reads it.

:func:`load_evaluation_basis` gathers what the evaluation starts from — stages 1, 2, 4 and 5 as
their bodies approved them and stage 6's noted period reports — each through that stage's basis
module. :func:`load_carryover` is stage 7's only door for others: stage 1 of cycle N+1 reads what
the approved evaluation of cycle N carried over.
"""

from __future__ import annotations

from schemas.carryover import Carryover
from schemas.evaluation import EvaluationBasis, EvaluationCarryBasis
from schemas.stages import Stage
from soteflow.store import Store
from soteflow.upstream import approved_case, load_payload
from tasks.comparison.basis import load_comparison_round
from tasks.monitoring.basis import effective_ladder, load_cycle_reports
from tasks.needs.basis import load_needs_basis
from tasks.procurement.basis import load_procurement_basis
from tasks.targets.basis import load_targets_basis

CARRYOVER_KEY = "evaluation-carryover"


def load_evaluation_basis(store: Store, *, region: str, cycle: int) -> EvaluationBasis:
    """The approved rounds of stages 1, 2, 4 and 5 and the noted stage-6 reports of the cycle.

    Raises :class:`~soteflow.upstream.StageNotApprovedError` when one of stages 1, 2, 4 or 5 has
    no approved round, and an InputError when a period report still waits for the body. A cycle
    without stage-6 reports (no purchased services monitored yet) is evaluated without them.
    """
    reports = load_cycle_reports(store, region=region, cycle=cycle)
    last = reports[-1][0] if reports else None
    return EvaluationBasis(
        needs=load_needs_basis(store, region=region, cycle=cycle),
        targets=load_targets_basis(store, region=region, cycle=cycle),
        comparison=load_comparison_round(store, region=region, cycle=cycle),
        procurement=load_procurement_basis(store, region=region, cycle=cycle),
        reports=[report for report, _ in reports],
        report_refs=[ref for _, ref in reports],
        final_ladder=effective_ladder(store, region=region, cycle=cycle, report=last) if last else [],
    )


def load_carryover(store: Store, *, region: str, cycle: int) -> EvaluationCarryBasis | None:
    """What the approved evaluation of ``cycle`` carried over to the next cycle, or None when that
    cycle has no approved evaluation (the first cycle a region runs)."""
    if store.is_new():  # nothing stored yet: no evaluation, and nothing is created by asking
        return None
    approved = approved_case(store, region=region, cycle=cycle, stage=Stage.EVALUATION, required=False)
    if approved is None:
        return None
    return EvaluationCarryBasis(
        carryover=load_payload(store, approved, CARRYOVER_KEY, Carryover),
        ref=approved.inputs[CARRYOVER_KEY],
        decided_by=approved.decision.body,
        decided_on=approved.decision.meeting_date,
    )
