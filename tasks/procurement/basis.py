"""Stage 5 as later stages read it: the approved contracts and their terms, and the approved
voucher producers.

This module is stage 5's only door for other stages. The contracts come from the approved
procurement plan's round; a contract an award decision creates is included only once that award
decision stands (each award is decided on its own). A voucher producer is included once the voucher
values and rule book stand and the approval round that approved it stands (each round on its own).
"""

from __future__ import annotations

from schemas.choice import ApprovalBatch, ApprovedProducer, VouchersProposal
from schemas.procurement import ContractRegister, ProcurementBasis
from schemas.results import VersionRef
from schemas.stages import Stage
from soteflow.store import Store
from soteflow.upstream import approved_case, input_ref, load_payload
from tasks.procurement.choice_proposal import VOUCHERS_CASE, approval_case
from tasks.procurement.proposal import PLAN_CASE, award_case

CONTRACTS_KEY = "procurement-contracts"


def voucher_producers(store: Store, *, region: str, cycle: int) -> tuple[list[ApprovedProducer], list[VersionRef]]:
    """The approved voucher producers: those of every standing approval round, once the voucher
    values and rule book stand (none otherwise), with the versions they were read from."""
    vouchers = approved_case(
        store, region=region, cycle=cycle, stage=Stage.PROCUREMENT, case=VOUCHERS_CASE, required=False
    )
    if vouchers is None:
        return [], []
    proposal = VouchersProposal.model_validate(store.read_json(store.get_version(vouchers.proposal.version_id)))
    producers: list[ApprovedProducer] = []
    refs: list[VersionRef] = []
    for batch in proposal.batches:
        case = approval_case(batch)
        approved = approved_case(store, region=region, cycle=cycle, stage=Stage.PROCUREMENT, case=case, required=False)
        if approved is None:
            continue
        decided = load_payload(store, approved, f"choice-{case}", ApprovalBatch)
        refs.append(input_ref(approved, f"choice-{case}"))
        producers += [
            ApprovedProducer(
                producer=d.producer,
                business_id=d.business_id,
                producer_type=d.producer_type,
                service_id=d.service_id,
                price=d.price,
                batch=d.batch,
                application_id=d.application_id,
            )
            for d in decided.approved
        ]
    return producers, refs


def load_procurement_basis(store: Store, *, region: str, cycle: int) -> ProcurementBasis:
    """The contracts stage 6 monitors: every continued contract of the approved plan's round and
    every awarded one whose award decision stands; and the voucher producers whose approval stands. Raises
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
    producers, producer_refs = voucher_producers(store, region=region, cycle=cycle)
    return ProcurementBasis(
        contracts=register.model_copy(update={"contracts": contracts}),
        contracts_ref=input_ref(approved, CONTRACTS_KEY),
        approved_on=approved.decision.meeting_date,
        awards_standing=standing,
        awards_pending=[pid for pid in procurements if pid not in standing],
        voucher_producers=producers,
        voucher_producers_refs=producer_refs,
    )
