"""What a stage starts from: the cases of earlier stages as their bodies decided them for good.

A later stage reads an earlier one only through the proposal the body approved (or noted) and the
versions that proposal was computed from (its lineage). A later, unapproved or returned proposal
is never used, and a stage whose basis has no standing proposal does not start. Each stage's
``basis`` module turns an :class:`~schemas.results.ApprovedCase` into its typed basis.
"""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel

from schemas.results import ApprovedCase, VersionRef
from schemas.stages import Stage
from soteflow.errors import InputError
from soteflow.stagekit import existing_decision, proposal_key, ref, status_of
from soteflow.store import FINAL_STATUSES, Store

M = TypeVar("M", bound=BaseModel)

__all__ = ["StageNotApprovedError", "StaleBasisError", "approved_case", "input_ref", "load_payload"]


class StageNotApprovedError(InputError):
    """The stage a run depends on has no approved proposal for the region and cycle."""


class StaleBasisError(InputError):
    """The approved round a run would build on rests on a basis approved again since."""


_STANDING = {s.value for s in FINAL_STATUSES}


def approved_case(
    store: Store, *, region: str, cycle: int, stage: Stage, case: str | None = None, required: bool = True
) -> ApprovedCase | None:
    """The latest standing (approved or noted) proposal of ``case`` (default: the stage's own case,
    keyed by the stage's name) with its decision and lineage.

    Raises :class:`StageNotApprovedError` when there is none and ``required``; else returns None.
    """
    case_key = case or stage.value
    key = proposal_key(case_key)
    standing = [v for v in store.history(region, cycle, key) if status_of(v) in _STANDING]
    if not standing:
        if not required:
            return None
        raise StageNotApprovedError(
            f"stage {stage.number} ({stage.value}) has no approved proposal for {region}, cycle {cycle}; "
            f"run `soteflow stage {stage.value} --region {region} --cycle {cycle}` and record the body's approval"
        )
    proposal = standing[-1]
    _refuse_stale(store, proposal.id, stage, region, cycle)
    proposal_ref = ref(proposal, key)
    decision = existing_decision(store, proposal_ref)
    if decision is None:  # pragma: no cover - an approved version always carries its decision
        raise InputError(f"the approved {key} v{proposal.version} has no recorded decision")
    inputs: dict[str, VersionRef] = {}
    for lineage_ref in store.lineage(proposal.id):
        if lineage_ref.key not in inputs:  # nearest first: the direct input wins over older ones
            inputs[lineage_ref.key] = ref(store.get_version(lineage_ref.version_id), lineage_ref.key)
    return ApprovedCase(
        stage=stage,
        case=case_key,
        region=region,
        cycle=cycle,
        proposal=proposal_ref,
        decision=decision,
        inputs=inputs,
    )


def input_ref(approved: ApprovedCase, key: str) -> VersionRef:
    """The approved case's version of ``key`` (the proposal itself or one of its inputs)."""
    if key == approved.proposal.key:
        return approved.proposal
    try:
        return approved.inputs[key]
    except KeyError:
        raise InputError(
            f"the approved {approved.stage.value} proposal v{approved.proposal.version} was not computed from {key!r}"
        ) from None


def load_payload(store: Store, approved: ApprovedCase, key: str, model: type[M]) -> M:
    """The payload of ``key`` in the approved case, hash-checked and validated as ``model``."""
    version = store.get_version(input_ref(approved, key).version_id)
    return model.model_validate(store.read_json(version))


def _refuse_stale(store: Store, proposal_id: object, stage: Stage, region: str, cycle: int) -> None:
    """Refuse a basis whose round was computed from a superseded earlier round, unless the
    ``allow_stale_basis`` setting says to build on it anyway."""
    from soteflow.settings import get_settings
    from soteflow.store.verify import stale_rounds

    if get_settings().allow_stale_basis:
        return
    for item in stale_rounds(store):
        if item.proposal_id == proposal_id:
            raise StaleBasisError(
                f"the approved {item.proposal} of stage {stage.number} ({stage.value}) {item.basis}: run "
                f"`soteflow stage {stage.value} --region {region} --cycle {cycle}` again on the approved basis and "
                "record its decision, or build on it anyway with --allow-stale-basis (SOTEFLOW_ALLOW_STALE_BASIS=1)"
            )
