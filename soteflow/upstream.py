"""What a stage starts from: the approved versions of an earlier stage.

Stage N+1 reads stage N's data only through the proposal the body approved and the versions that
proposal was computed from (its lineage). A later, unapproved or returned proposal is never used,
and a stage whose predecessor has no approved proposal does not start.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from pydantic import BaseModel

from schemas.results import VersionRef
from schemas.stages import Stage
from soteflow.decide import proposal_key
from soteflow.errors import InputError
from soteflow.stagekit import ref
from soteflow.store import Store

M = TypeVar("M", bound=BaseModel)


class StageNotApprovedError(InputError):
    """The stage a run depends on has no approved proposal for the region and cycle."""


@dataclass(frozen=True)
class ApprovedRound:
    """An approved proposal of an earlier stage and every version it was computed from, by key."""

    stage: Stage
    region: str
    cycle: int
    proposal: VersionRef
    inputs: dict[str, VersionRef]

    def ref(self, key: str) -> VersionRef:
        """The approved round's version of ``key`` (the proposal itself or one of its inputs)."""
        if key == self.proposal.key:
            return self.proposal
        try:
            return self.inputs[key]
        except KeyError:
            raise InputError(
                f"the approved {self.stage.value} proposal v{self.proposal.version} was not computed from {key!r}"
            ) from None

    def load(self, store: Store, key: str, model: type[M]) -> M:
        """The payload of ``key`` in the approved round, hash-checked and validated as ``model``."""
        version = store.get_version(self.ref(key).version_id)
        return model.model_validate(store.read_json(version))


def approved_round(store: Store, *, region: str, cycle: int, stage: Stage) -> ApprovedRound:
    """The latest approved proposal of ``stage`` and its lineage, or :class:`StageNotApprovedError`."""
    key = proposal_key(stage)
    approved = [v for v in store.history(region, cycle, key) if str(getattr(v.status, "value", v.status)) == "approved"]
    if not approved:
        raise StageNotApprovedError(
            f"stage {stage.number} ({stage.value}) has no approved proposal for {region}, cycle {cycle}; "
            f"run `soteflow stage {stage.value} --region {region} --cycle {cycle}` and record the body's approval"
        )
    proposal = approved[-1]
    inputs: dict[str, VersionRef] = {}
    for lineage_ref in store.lineage(proposal.id):
        if lineage_ref.key not in inputs:  # nearest first: the direct input wins over older ones
            inputs[lineage_ref.key] = ref(store.get_version(lineage_ref.version_id), lineage_ref.key)
    return ApprovedRound(stage=stage, region=region, cycle=cycle, proposal=ref(proposal, key), inputs=inputs)
