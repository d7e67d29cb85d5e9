"""Stage 4 as later stages and cycles read it: the approved round and its organising plan.

This module is stage 4's only door for other stages (and for its own next cycle, which compares
its plan with this cycle's approved one).
"""

from __future__ import annotations

from schemas.chains import ProductionMode
from schemas.comparison import (
    ComparisonRound,
    OrganisingPlan,
    OwnCostCalculation,
    PreviousPlan,
    PurchasedCostCalculation,
    PurchasedServiceCost,
    ServiceBasis,
)
from schemas.stages import Stage
from soteflow.numbers import round_half_up
from soteflow.stagekit import ref
from soteflow.store import Store
from soteflow.upstream import approved_case, input_ref, load_payload

PLAN_KEY = "comparison-organising-plan"


def load_previous_plan(store: Store, *, region: str, cycle: int) -> PreviousPlan | None:
    """The previous cycle's approved organising plan (``comparison-organising-plan``), if any."""
    version = store.latest(region, cycle - 1, PLAN_KEY, status="approved")
    if version is None:
        return None
    plan = OrganisingPlan.model_validate(store.read_json(version))
    return PreviousPlan(plan=plan, ref=ref(version, PLAN_KEY), cycle=cycle - 1)


def _price(services: list[PurchasedServiceCost], service_id: str, mode: ProductionMode) -> tuple[float, float | None]:
    """The volume and the volume-weighted contract price of a service's purchases (or vouchers)."""
    found = [s for s in services if s.service_id == service_id and s.mode is mode]
    volume = sum(c.volume for s in found for c in s.contracts)
    if volume <= 0:
        return 0.0, None
    value = sum(c.volume * c.price for s in found for c in s.contracts)
    return volume, round_half_up(value / volume, 2)


def load_comparison_round(store: Store, *, region: str, cycle: int) -> ComparisonRound:
    """The approved stage-4 round: the organising plan with each service's volumes by mode, own
    full unit cost and purchase prices, and the approval. Raises
    :class:`~soteflow.upstream.StageNotApprovedError` when stage 4 has no approved proposal."""
    approved = approved_case(store, region=region, cycle=cycle, stage=Stage.COMPARISON)
    assert approved is not None  # required
    plan = load_payload(store, approved, PLAN_KEY, OrganisingPlan)
    own = load_payload(store, approved, "comparison-own-costs", OwnCostCalculation)
    purchased = load_payload(store, approved, "comparison-purchased-costs", PurchasedCostCalculation)
    proposal = store.read_json(store.get_version(approved.proposal.version_id))
    own_by_id = {s.service_id: s for s in own.services}
    services = []
    for entry in plan.entries:
        own_service = own_by_id.get(entry.service_id)
        own_volume = own_service.volume if own_service else 0.0
        purchased_volume, purchased_price = _price(purchased.services, entry.service_id, ProductionMode.PURCHASED)
        voucher_volume, voucher_price = _price(purchased.services, entry.service_id, ProductionMode.VOUCHER)
        unit = (
            own_service.unit
            if own_service
            else next((s.unit for s in purchased.services if s.service_id == entry.service_id), "")
        )
        services.append(
            ServiceBasis(
                service_id=entry.service_id,
                name=entry.name,
                unit=unit,
                chosen_mode=entry.chosen_mode,
                current_mode=entry.current_mode,
                own_volume=own_volume,
                purchased_volume=purchased_volume,
                voucher_volume=voucher_volume,
                own_unit_cost=round_half_up(own_service.full_cost / own_volume, 2)
                if own_service and own_volume
                else None,
                purchased_unit_price=purchased_price,
                voucher_unit_price=voucher_price,
            )
        )
    return ComparisonRound(
        region_code=region,
        region_name=str(proposal.get("region_name") or region),
        services=services,
        plan_ref=input_ref(approved, PLAN_KEY),
        own_costs_ref=input_ref(approved, "comparison-own-costs"),
        purchased_ref=input_ref(approved, "comparison-purchased-costs"),
        proposal_ref=approved.proposal,
        approved_on=approved.decision.meeting_date,
        approved_by=approved.decision.body,
    )
