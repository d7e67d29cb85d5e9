"""Service-voucher values (palvelusetelilaki 569/2009): a fixed value, or the income-related
value of the former ministry home-care model, the client's share at a producer's price and the
raise that protects the client's livelihood.

The income-related value per unit::

    value = highest − (gross monthly income − income limit of the household size) × percentage ÷ divisor

never above the highest value, never below the floor, rounded up to the cent (in the client's
favour). The region pays at most the producer's price (9 §), so the client's share is
``price − min(value, price)``. A service free of charge under the client-fee act leaves no share
(7 § 2 mom.): its voucher covers the producer's price up to the cap. The raise (8 §): where the
client's monthly share (share × divisor) would leave the household less than the income limit of
its size (asiakasmaksulaki 10 e §, the dated rule), the value is raised so that exactly that
much is left (or the whole price, when the income is below it).
"""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal

from schemas.choice import FeeRule, HouseholdParameters, IncomeLimitRow, VoucherKind, VoucherRow, VoucherValue
from soteflow.numbers import round_half_up

CENT = Decimal("0.01")


def _d(value: float) -> Decimal:
    return Decimal(str(value))


def _up(value: Decimal) -> float:
    """Rounded up to the cent (the client's favour for a value)."""
    return float(value.quantize(CENT, rounding=ROUND_CEILING))


def household_parameters(voucher: VoucherRow, limits: list[IncomeLimitRow], rule: FeeRule) -> list[HouseholdParameters]:
    """The income-related model's parameters by household size; an empty limit is the dated statutory one."""
    rows = sorted((r for r in limits if r.service_id == voucher.service_id), key=lambda r: r.household)
    return [
        HouseholdParameters(
            household=r.household,
            income_limit=r.income_limit if r.income_limit is not None else rule.limit(r.household),
            percentage=r.percentage,
            statutory=r.income_limit is None,
        )
        for r in rows
    ]


def _parameters(households: list[HouseholdParameters], household: int) -> HouseholdParameters:
    """A household size's parameters; a larger household than the table takes the largest size's."""
    known = {h.household: h for h in households}
    return known.get(household) or known[max(known)]


def formula_value(voucher: VoucherRow, households: list[HouseholdParameters], household: int, income: float) -> float:
    """The voucher's value per unit by the region's formula (before the producer's price caps it)."""
    if voucher.kind is VoucherKind.FIXED:
        assert voucher.fixed_value is not None
        return voucher.fixed_value
    assert voucher.highest is not None and voucher.floor is not None and voucher.divisor is not None
    params = _parameters(households, household)
    over = max(Decimal(0), _d(income) - _d(params.income_limit))
    raw = _d(voucher.highest) - over * _d(params.percentage) / Decimal(100) / _d(voucher.divisor)
    return _up(min(_d(voucher.highest), max(_d(voucher.floor), raw)))


def voucher_value(
    voucher: VoucherRow,
    households: list[HouseholdParameters],
    rule: FeeRule,
    *,
    household: int,
    income: float,
    price: float,
) -> VoucherValue:
    """The value, the client's share at ``price`` and, for an income-related voucher, the monthly
    share and the raise of 8 § where the household would be left with less than its income limit."""
    # 7 § 2 mom.: a free service leaves no share; the price is at most the cap (checked on approval).
    value = price if voucher.free else formula_value(voucher, households, household, income)
    paid = min(_d(value), _d(price))
    share = float(_d(price) - paid)
    monthly = left = raised = raised_share = None
    if voucher.kind is VoucherKind.INCOME and voucher.divisor is not None:
        divisor = _d(voucher.divisor)
        monthly = round_half_up(float(_d(share) * divisor), 2)
        left = round_half_up(income - monthly, 2)
        protected = _d(rule.limit(household))
        if _d(left) < protected:
            headroom = max(Decimal(0), _d(income) - protected)
            raised = _up(max(paid, _d(price) - headroom / divisor))
            raised_share = float(_d(price) - _d(raised))
    return VoucherValue(
        household=household,
        income=income,
        value=value,
        price=price,
        share=share,
        monthly_share=monthly,
        left=left,
        raised_value=raised,
        raised_share=raised_share,
    )
