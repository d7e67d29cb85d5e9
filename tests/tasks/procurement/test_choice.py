"""Stage 5b's computations checked against figures worked out by hand: the income-related voucher
value, the client's share, the raise of palvelusetelilaki 8 §, producer approval and rejection,
and a personal budget by the region's own model."""

from __future__ import annotations

import pytest

from schemas.choice import CriterionBasis, FeeRule, HouseholdParameters, VoucherKind, VoucherRow
from tasks.procurement.budgets import personal_budgets
from tasks.procurement.choice_analysis import analyse_choice
from tasks.procurement.choice_inputs import read_choice_inputs
from tasks.procurement.vouchers import voucher_value
from tests.fixtures.procurement.example import (
    CHOICE_RULES,
    COMPARISON_ROUND,
    EXAMPLES,
    SERVICES,
    VOUCHER_SERVICES,
)

#: The example's income-related voucher (IKA-TEHPA): highest 145 €, floor 95 €, divisor 30 days,
#: cap 158 €; the statutory income limits (asiakasmaksulaki 10 e §) and the region's percentages.
TEHPA = VoucherRow(
    service_id="IKA-TEHPA",
    kind=VoucherKind.INCOME,
    highest=145.0,
    floor=95.0,
    divisor=30.0,
    price_cap=158.0,
    valid_from="2027-03-01",
)
HOUSEHOLDS = [
    HouseholdParameters(household=1, income_limit=588, percentage=35, statutory=True),
    HouseholdParameters(household=2, income_limit=1084, percentage=24, statutory=True),
    HouseholdParameters(household=3, income_limit=1701, percentage=19, statutory=True),
]
RULE = FeeRule(
    valid_from="2021-07-01",
    valid_to="2029-12-31",
    source="test",
    income_limits={1: 588, 2: 1084, 3: 1701},
    extra_person=350,
)


@pytest.mark.parametrize(
    ("household", "income", "value"),
    [
        # 145 − (1500 − 588) × 35 % ÷ 30 = 145 − 10,64 = 134,36
        (1, 1500, 134.36),
        # 145 − (3000 − 588) × 35 % ÷ 30 = 145 − 28,14 = 116,86
        (1, 3000, 116.86),
        # 145 − (1500 − 1084) × 24 % ÷ 30 = 145 − 3,328 = 141,672 → 141,68 (up, the client's favour)
        (2, 1500, 141.68),
        # 145 − (3000 − 1084) × 24 % ÷ 30 = 145 − 15,328 = 129,672 → 129,68
        (2, 3000, 129.68),
        # 1500 is below the limit 1701: the highest value
        (3, 1500, 145.00),
        # 145 − (3000 − 1701) × 19 % ÷ 30 = 145 − 8,227 = 136,773 → 136,78
        (3, 3000, 136.78),
        # 145 − (6000 − 588) × 35 % ÷ 30 = 81,86, below the floor: 95
        (1, 6000, 95.00),
    ],
)
def test_income_related_value_by_hand(household: int, income: float, value: float) -> None:
    got = voucher_value(TEHPA, HOUSEHOLDS, RULE, household=household, income=income, price=158.0)
    assert got.value == value


def test_the_clients_share_at_a_producers_price() -> None:
    # 1 person, 1 500 €/month, producer's price 149,50 €: share 149,50 − 134,36 = 15,14 €/day,
    # × 30 = 454,20 €/month; 1 500 − 454,20 = 1 045,80 left, above the limit 588: no raise.
    got = voucher_value(TEHPA, HOUSEHOLDS, RULE, household=1, income=1500, price=149.50)
    assert (got.share, got.monthly_share, got.left, got.raised_value) == (15.14, 454.20, 1045.80, None)
    # A price below the value: the region pays the price only (9 §), the client nothing.
    cheap = voucher_value(TEHPA, HOUSEHOLDS, RULE, household=3, income=1500, price=140.0)
    assert (cheap.value, cheap.share) == (145.0, 0.0)


def test_the_value_is_raised_where_the_share_would_endanger_livelihood() -> None:
    # 1 person, 1 000 €/month, price 158: value 145 − 412 × 0,35 ÷ 30 = 140,1933 → 140,20; share
    # 17,80 × 30 = 534,00 €/month leaves 466,00 < 588: raised to 158 − (1000 − 588) ÷ 30 =
    # 144,2667 → 144,27, share 13,73 €/day (411,90 €/month, 588,10 € left).
    got = voucher_value(TEHPA, HOUSEHOLDS, RULE, household=1, income=1000, price=158.0)
    assert (got.value, got.share, got.monthly_share, got.left) == (140.20, 17.80, 534.00, 466.00)
    assert (got.raised_value, got.raised_share) == (144.27, 13.73)


def test_a_free_service_leaves_no_share_and_a_fixed_value_does() -> None:
    free = TEHPA.model_copy(update={"kind": VoucherKind.FIXED, "fixed_value": 120.0, "free": True})
    got = voucher_value(free, [], RULE, household=1, income=4000, price=150.0)
    assert (got.value, got.share) == (150.0, 0.0)
    fixed = free.model_copy(update={"free": False})
    assert voucher_value(fixed, [], RULE, household=1, income=4000, price=150.0).share == 30.0


def _analysis():  # type: ignore[no-untyped-def]
    inputs = read_choice_inputs(EXAMPLES, CHOICE_RULES, voucher_services=VOUCHER_SERVICES, services=SERVICES)
    assert inputs is not None
    return analyse_choice(inputs, COMPARISON_ROUND, region_code="HVA08", region_name="P", cycle=2026, example=True)


def test_an_application_is_approved_and_others_are_rejected_naming_the_failed_criteria() -> None:
    analysis = _analysis()
    assert [b.batch for b in analysis.batches] == ["2027-01", "2027-02"]
    decisions = {d.application_id: d for b in analysis.batches for d in b.decisions}
    approved = decisions["PS-2027-002"]
    assert (approved.producer, approved.approved, approved.failed) == ("Kotikartano Esimerkki Oy", True, [])
    # Staffing 0,55 below the region's own level 0,6 (a quality criterion, 5 § 1 mom. 3 kohta).
    small = decisions["PS-2027-003"]
    assert not small.approved
    assert [(f.criterion_id, f.basis, f.found) for f in small.failed] == [("mitoitus", CriterionBasis.QUALITY, "0,55")]
    # Not in the prepayment register (1 kohta) and a price 86 € over the cap 82 € (5 kohta).
    dental = decisions["PS-2027-006"]
    assert [(f.criterion_id, f.found) for f in dental.failed] == [
        ("ennakkoperinta", "ei"),
        ("hintakatto-tyo-suunhoito", "86"),
    ]
    assert sum(d.approved for d in decisions.values()) == 5


def test_a_personal_budget_by_the_regions_own_model() -> None:
    analysis = _analysis()
    budgets = {b.client: b for b in analysis.budgets}
    # HB-001: home care 520 visits × 38,33 € (own full cost, stage 4) = 19 931,60 € and dental care
    # 2 visits × 97,25 € = 194,50 €: 20 126,10 € a year.
    first = budgets["HB-001"]
    assert [(line.service_id, line.amount, line.cost_basis) for line in first.lines] == [
        ("IKA-KOTIHOITO", 19931.60, "own"),
        ("TYO-SUUNHOITO", 194.50, "own"),
    ]
    assert first.total == 20126.10
    # HB-003: 365 days of housing × 259,01 € = 94 538,65 €.
    assert budgets["HB-003"].total == 94538.65
    older = next(g for g in analysis.groups if g.group.value == "older_people")
    assert (older.clients, older.total) == (2, 20126.10 + 730 * 38.33)


def test_the_budget_follows_the_clients_needs_not_a_sliding_scale() -> None:
    # Twice the need is twice the budget: no need classes with fixed amounts (liukumamalli).
    analysis = _analysis()
    lines = [b.lines[0] for b in analysis.budgets if b.client == "HB-002"]
    plan = next(
        p
        for p in read_choice_inputs(EXAMPLES, CHOICE_RULES, voucher_services=None, services=None).plans
        if p.client == "HB-002"
    )  # type: ignore[union-attr]
    doubled = personal_budgets([plan.model_copy(update={"volume": plan.volume * 2})], [4], COMPARISON_ROUND, source="x")
    assert doubled[0].total == pytest.approx(2 * lines[0].amount)


def test_the_worked_table_and_the_stage_4_comparison() -> None:
    tehpa = next(v for v in _analysis().vouchers if v.service_id == "IKA-TEHPA")
    assert len(tehpa.table) == 3 * 6 and tehpa.fee_rule_provisional
    assert (tehpa.own_unit_cost, tehpa.purchased_unit_price, tehpa.stage4_voucher_value) == (190.89, 197.71, 131.0)
    # 219 000 days × 131 € = 28 689 000 € a year.
    assert tehpa.annual_cost == 28_689_000.0
    # The reference household (1 person, 1 500 €/month) at the approved producers' prices.
    assert [(r.price, r.share) for r in tehpa.reference] == [(149.5, 15.14), (152.0, 17.64), (156.0, 21.64)]
