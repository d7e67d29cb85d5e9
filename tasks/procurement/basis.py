"""Stage 5a as later stages read it: the approved contracts and their terms.

This module is stage 5's only door for other stages. The contracts come from the approved
procurement plan's round; a contract an award decision creates is included only once that award
decision stands (each award is decided on its own).
"""

from __future__ import annotations

from schemas.procurement import ContractRegister, ProcurementBasis
from schemas.stages import Stage
from soteflow.store import Store
from soteflow.upstream import approved_case, input_ref, load_payload
from tasks.procurement.proposal import PLAN_CASE, award_case

CONTRACTS_KEY = "procurement-contracts"


def load_procurement_basis(store: Store, *, region: str, cycle: int) -> ProcurementBasis:
    """The contracts stage 6 monitors: every continued contract of the approved plan's round and
    every awarded one whose award decision stands. Raises
    :class:`~soteflow.upstream.StageNotApprovedError` when the procurement plan is not approved."""
    approved = approved_case(store, region=region, cycle=cycle, stage=Stage.PROCUREMENT, case=PLAN_CASE)
    assert approved is not None  # required
    register = load_payload(store, approved, CONTRACTS_KEY, ContractRegister)
    procurements = sorted({c.procurement_id for c in register.contracts if c.procurement_id})
    standing = [
        pid
        for pid in procurements
        if approved_case(
            store, region=region, cycle=cycle, stage=Stage.PROCUREMENT, case=award_case(pid), required=False
        )
    ]
    contracts = [c for c in register.contracts if c.procurement_id is None or c.procurement_id in standing]
    return ProcurementBasis(
        contracts=register.model_copy(update={"contracts": contracts}),
        contracts_ref=input_ref(approved, CONTRACTS_KEY),
        approved_on=approved.decision.meeting_date,
        awards_standing=standing,
        awards_pending=[pid for pid in procurements if pid not in standing],
    )
