"""Personal budgets (henkilökohtainen budjetti) by the region's own client-specific model.

Each client's budget is built from the client's own plan: every needed service × its volume × the
region's comparable unit cost from stage 4 (the own production's full unit cost, JHS 203/204;
for a service without own production, the purchases' average price, else the voucher's). It is
not the ministry's sliding model (liukumamalli): no scale of fixed amounts by need class, only the
client's real needs and goals (seed report, esitys II.3). Totals per client group are set against
the group's frame of stage 2.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from schemas.choice import BudgetLine, ClientPlanRow, GroupBudget, PersonalBudget
from schemas.comparison import ComparisonRound
from schemas.targets import ClientGroup, FrameAllocation
from soteflow.errors import InputError
from soteflow.numbers import round_half_up


def unit_cost(basis: ComparisonRound, service_id: str) -> tuple[float, Literal["own", "purchased", "voucher"]] | None:
    """The region's comparable unit cost of a service in stage 4, and where it comes from."""
    service = basis.service(service_id)
    if service is None:
        return None
    if service.own_unit_cost is not None:
        return service.own_unit_cost, "own"
    if service.purchased_unit_price is not None:
        return service.purchased_unit_price, "purchased"
    if service.voucher_unit_price is not None:
        return service.voucher_unit_price, "voucher"
    return None


def personal_budgets(
    plans: Sequence[ClientPlanRow], rows: Sequence[int], basis: ComparisonRound, *, source: Path | str
) -> list[PersonalBudget]:
    """One budget per client, clients in the order they first appear."""
    lines: dict[str, list[BudgetLine]] = {}
    groups: dict[str, tuple[ClientGroup, int]] = {}
    for plan, row in zip(plans, rows, strict=True):
        known = groups.setdefault(plan.client, (plan.group, row))
        if known[0] is not plan.group:
            raise InputError(
                f"{plan.client} is in client group {known[0].label_fi!r} on row {known[1]}",
                file=source,
                row=row,
                field="asiakasryhmä",
            )
        cost = unit_cost(basis, plan.service_id)
        service = basis.service(plan.service_id)
        if cost is None or service is None:
            raise InputError(
                f"{plan.service_id!r} has no comparable unit cost in the approved stage-4 round",
                file=source,
                row=row,
                field="palvelu_id",
            )
        lines.setdefault(plan.client, []).append(
            BudgetLine(
                service_id=plan.service_id,
                service_name=service.name,
                unit=service.unit,
                volume=plan.volume,
                unit_cost=cost[0],
                cost_basis=cost[1],
                amount=round_half_up(plan.volume * cost[0], 2),
                goal=plan.goal,
                source_row=row,
            )
        )
    return [
        PersonalBudget(
            client=client,
            group=groups[client][0],
            lines=items,
            total=round_half_up(sum(line.amount for line in items), 2),
        )
        for client, items in lines.items()
    ]


def group_totals(budgets: Sequence[PersonalBudget], frame: FrameAllocation | None) -> list[GroupBudget]:
    """Budgets per client group, against the group's frame of stage 2 (if known)."""
    out = []
    for group in ClientGroup:
        members = [b for b in budgets if b.group is group]
        if not members:
            continue
        total = round_half_up(sum(b.total for b in members), 2)
        allocated = None
        if frame is not None and any(g.client_group is group for g in frame.groups):
            allocated = frame.for_group(group).allocated_eur
        out.append(
            GroupBudget(
                group=group,
                clients=len(members),
                total=total,
                frame_eur=allocated,
                share_of_frame=round_half_up(total / allocated, 6) if allocated else None,
            )
        )
    return out
