"""Stage 5b's analysis: the voucher values with their worked tables and the stage-4 comparison,
the rule book, the producer approvals per batch and the personal budgets. Pure."""

from __future__ import annotations

from schemas.choice import ChoiceAnalysis, ChoiceBasis, ChoiceInputs, VoucherKind, VoucherService, VoucherValue
from schemas.comparison import ComparisonRound, RecommendedMode
from soteflow.numbers import round_half_up
from tasks.procurement.approval import approval_batches, build_rulebook
from tasks.procurement.budgets import group_totals, personal_budgets
from tasks.procurement.choice_inputs import PLANS_FILE, fee_rule
from tasks.procurement.vouchers import household_parameters, voucher_value


def voucher_services(basis: ComparisonRound) -> list[str]:
    """The services the approved organising plan arranges (partly) with vouchers."""
    return [s.service_id for s in basis.services if s.voucher_volume > 0 or s.chosen_mode is RecommendedMode.VOUCHER]


def analyse_choice(
    inputs: ChoiceInputs, basis: ComparisonRound, *, region_code: str, region_name: str, cycle: int, example: bool
) -> ChoiceAnalysis:
    """Everything stage 5b proposes, from its checked inputs and the approved stage-4 round."""
    rulebook = build_rulebook(inputs.rulebook, inputs.vouchers)
    batches = approval_batches(
        inputs.applications,
        inputs.application_cells,
        inputs.application_rows,
        rulebook,
        basis,
        region_code=region_code,
        cycle=cycle,
    )
    approved_prices: dict[str, list[float]] = {}
    for batch in batches:
        for decision in batch.approved:
            approved_prices.setdefault(decision.service_id, []).append(decision.price)
    book = inputs.rulebook
    services = []
    for voucher, row in zip(inputs.vouchers, inputs.voucher_rows, strict=True):
        rule = fee_rule(inputs.rules, voucher.valid_from)
        households = household_parameters(voucher, inputs.limits, rule)
        service = basis.service(voucher.service_id)
        assert service is not None  # checked against the plan's voucher services on reading

        def value(household: int, income: float, price: float) -> VoucherValue:
            return voucher_value(voucher, households, rule, household=household, income=income, price=price)  # noqa: B023

        income_based = voucher.kind is VoucherKind.INCOME
        table = [
            value(h, income, voucher.price_cap)
            for h in (book.example_households if income_based else [1])
            for income in (book.example_incomes if income_based else [book.reference_income])
        ]
        prices = sorted(set(approved_prices.get(voucher.service_id, [])))
        reference = [value(1, book.reference_income, price) for price in prices]
        stage4_value = service.voucher_unit_price
        services.append(
            VoucherService(
                service_id=voucher.service_id,
                name=service.name,
                unit=service.unit,
                kind=voucher.kind,
                fixed_value=voucher.fixed_value,
                highest=voucher.highest,
                floor=voucher.floor,
                divisor=voucher.divisor,
                price_cap=voucher.price_cap,
                free=voucher.free,
                valid_from=voucher.valid_from,
                households=households,
                fee_rule_source=rule.source if income_based else None,
                fee_rule_provisional=rule.provisional and income_based,
                table=table,
                reference=reference,
                own_unit_cost=service.own_unit_cost,
                purchased_unit_price=service.purchased_unit_price,
                stage4_voucher_value=stage4_value,
                voucher_volume=service.voucher_volume,
                annual_cost=round_half_up(service.voucher_volume * stage4_value, 2) if stage4_value else None,
                source_row=row,
            )
        )
    budgets = personal_budgets(inputs.plans, inputs.plan_rows, basis, source=inputs.files.get("plans", PLANS_FILE))
    frame = basis.frame if isinstance(basis, ChoiceBasis) else None
    return ChoiceAnalysis(
        region_code=region_code,
        region_name=region_name,
        cycle=cycle,
        vouchers=services,
        rulebook=rulebook,
        batches=batches,
        budgets=budgets,
        groups=group_totals(budgets, frame),
        frame_year=frame.frame_year if frame else None,
        files=inputs.files,
        example_data=example,
    )
