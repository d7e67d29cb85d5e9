"""Stage 2 as later stages read it: the approved targets and frame (:class:`TargetsBasis`).

This module is stage 2's only door for other stages.
"""

from __future__ import annotations

from schemas.stages import Stage
from schemas.targets import FinancialForecast, FrameAllocation, ImpactTargets, TargetsBasis
from soteflow.store import Store
from soteflow.upstream import approved_case, input_ref, load_payload


def load_targets_basis(store: Store, *, region: str, cycle: int) -> TargetsBasis:
    """The approved stage-2 targets and frame with their versions and the approval decision.

    Raises :class:`~soteflow.upstream.StageNotApprovedError` when stage 2 has no approved
    proposal for the region and cycle: a later stage does not start.
    """
    approved = approved_case(store, region=region, cycle=cycle, stage=Stage.TARGETS)
    assert approved is not None  # required
    return TargetsBasis(
        impact=load_payload(store, approved, "targets-impact", ImpactTargets),
        frame=load_payload(store, approved, "targets-frame", FrameAllocation),
        impact_ref=input_ref(approved, "targets-impact"),
        frame_ref=input_ref(approved, "targets-frame"),
        forecast=load_payload(store, approved, "targets-forecast", FinancialForecast),
        forecast_ref=input_ref(approved, "targets-forecast"),
        proposal_ref=approved.proposal,
        approved_on=approved.decision.meeting_date,
        approved_by=approved.decision.body,
    )
