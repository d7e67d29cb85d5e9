"""Stage 5a's computation: the procurement plan (what is procured, its value, threshold,
procedure, timeline and work split), the lots small producers can bid for, the compensation
models, the award comparisons and the contracts stage 6 monitors.

Pure functions of the checked inputs and the approved stage-4 round; no Prefect, no store.
Every figure is rounded where it is computed (half up, :func:`~soteflow.numbers.round_half_up`),
so a figure printed in two documents is the same figure.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from schemas.comparison import ComparisonRound, RecommendedMode, ServiceBasis
from schemas.procurement import (
    AwardComparison,
    BidRow,
    BidScore,
    CategoryRow,
    CompensationKind,
    CompensationModel,
    ContractPolicy,
    ContractRegister,
    ContractRow,
    ContractTerms,
    CriterionRow,
    CriterionWeight,
    KpiTerm,
    Lot,
    LotAward,
    LotBasis,
    Milestone,
    MilestoneCode,
    NotProcured,
    PlanningRow,
    Procedure,
    Procurement,
    ProcurementAnalysis,
    ProcurementInputs,
    ProcurementPlan,
    ThresholdClass,
    ThresholdRule,
    WorkSplitRow,
)
from schemas.reconciliation import CheckKind, CrossCheck, Tolerance
from soteflow.documents.formatting import fi_date
from soteflow.errors import InputError
from soteflow.language import fi_quantity
from soteflow.numbers import fi_number, round_half_up
from soteflow.reconcile import enforce
from tasks.procurement.inputs import (
    BIDS_FILE,
    CONTRACTS_FILE,
    PLANNING_FILE,
    PRICE,
    area_shares,
    threshold_rule,
    timeline_rule,
)
from tasks.procurement.ocds import build_release_package, compile_records, validate_package

#: The modes under which a service is bought through procurement (vouchers are stage 5b's).
PROCURED_MODES = frozenset({RecommendedMode.PURCHASED, RecommendedMode.MIXED})


def legal_text(text: str) -> str:
    """A citation as printed: a no-break space joins a section number to its § sign."""
    return re.sub(r"(\d) §", "\\1\u00a0§", text)


def _euro(value: float) -> str:
    return f"{fi_number(value, 0)} €"


def add_years(day: dt.date, years: int) -> dt.date:
    """``day`` ``years`` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def contract_final_end(contract: ContractRow) -> dt.date:
    """The last day a contract can run if every option is used."""
    return add_years(contract.end, contract.option_years)


# -- reconciliation with stage 4 -------------------------------------------------------------------


def register_checks(
    inputs: ProcurementInputs, basis: ComparisonRound, cycle: int, tolerance: Tolerance
) -> list[CrossCheck]:
    """The contracts register and stage 4's purchased volumes describe the same purchases: for each
    service, the volume of the contracts in force on 1 January of the cycle's year against stage 4's
    purchased volume, within the dated contract-volume tolerance. Each line points at the
    register's first row of the service."""
    day = dt.date(cycle, 1, 1)
    rows: dict[str, int] = {}
    volumes: dict[str, float] = {}
    for number, contract in zip(inputs.contract_rows, inputs.contracts, strict=True):
        rows.setdefault(contract.service_id, number)
        if contract.start <= day <= contract.end:
            volumes[contract.service_id] = volumes.get(contract.service_id, 0.0) + contract.annual_volume
    file = Path(inputs.files["contracts"]).name if "contracts" in inputs.files else CONTRACTS_FILE
    ref = basis.purchased_ref
    source = f"vaihe 4: ostopalvelujen kustannukset ({ref.key} v{ref.version}, hyväksytty {fi_date(basis.approved_on)})"
    return [
        CrossCheck(
            subject=f"{service.name} ({service.service_id}): ostetut suoritteet vuodessa, sopimukset voimassa {fi_date(day)}",
            kind=CheckKind.EQUAL,
            basis_source=source,
            input_source=f"vaihe 5: {file}",
            unit=service.unit,
            basis_value=service.purchased_volume,
            input_value=volumes.get(service.service_id, 0.0),
            tolerance_pct=tolerance.contract_volume_pct,
            file=file,
            row=rows.get(service.service_id),
            field="suoritteet_v",
        )
        for service in basis.services
    ]


# -- the procurement plan --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Need:
    """What a service needs procured within the horizon."""

    service: ServiceBasis
    planned_volume: float
    ending: list[ContractRow]
    continuing: list[ContractRow]

    @property
    def continuing_volume(self) -> float:
        return sum(c.annual_volume for c in self.continuing)

    @property
    def volume(self) -> float:
        return max(0.0, self.planned_volume - self.continuing_volume)


def _planned_purchase(service: ServiceBasis) -> float:
    """The yearly volume the approved plan buys: a service the plan moves to purchased production
    takes its own production's volume along; otherwise purchases stay at today's volume."""
    if service.chosen_mode is RecommendedMode.PURCHASED and service.current_mode is not RecommendedMode.PURCHASED:
        return service.purchased_volume + service.own_volume
    if service.chosen_mode in PROCURED_MODES:
        return service.purchased_volume
    return 0.0


def _needs(
    inputs: ProcurementInputs, basis: ComparisonRound, start: dt.date, end: dt.date
) -> tuple[dict[str, _Need], list[NotProcured]]:
    needs: dict[str, _Need] = {}
    not_procured: list[NotProcured] = []
    for service in basis.services:
        contracts = [c for c in inputs.contracts if c.service_id == service.service_id and c.end >= start]
        ending = [c for c in contracts if contract_final_end(c) <= end]
        continuing = [c for c in contracts if contract_final_end(c) > end]
        if service.chosen_mode not in PROCURED_MODES:
            if ending or continuing:
                last = max(c.end for c in contracts)
                reason = (
                    f"Järjestämissuunnitelma: {service.chosen_mode.label_fi}. Nykyiset sopimukset päättyvät "
                    f"viimeistään {fi_date(last)}, eikä niitä kilpailuteta uudelleen; palvelu siirtyy "
                    "hyväksytyn tuotantotavan mukaiseksi sopimusten päättyessä."
                )
                not_procured.append(
                    NotProcured(
                        service_id=service.service_id,
                        service_name=service.name,
                        contracts=[c.contract_id for c in contracts],
                        reason=reason,
                    )
                )
            continue
        need = _Need(service, _planned_purchase(service), ending, continuing)
        if need.volume > 0 and (ending or need.planned_volume > sum(c.annual_volume for c in contracts)):
            needs[service.service_id] = need
        elif contracts:
            not_procured.append(
                NotProcured(
                    service_id=service.service_id,
                    service_name=service.name,
                    contracts=[c.contract_id for c in contracts],
                    reason=(
                        "Sopimukset optioineen jatkuvat suunnittelujakson yli "
                        f"({', '.join(f'{c.contract_id} {fi_date(contract_final_end(c))}' for c in continuing)}); "
                        "hankintaa ei tarvita suunnittelujaksolla."
                    ),
                )
            )
    return needs, not_procured


def _check_planning(
    inputs: ProcurementInputs, basis: ComparisonRound, needs: dict[str, _Need], horizon: tuple[dt.date, dt.date]
) -> None:
    """Every needed procurement has its row in the planning file and every row a need; a new
    contract starts by the time the ending ones end (no gap in the service) and within the horizon."""
    file = Path(inputs.files.get("planning", PLANNING_FILE)).name
    rows = {p.service_id: n for n, p in zip(inputs.planning_rows, inputs.planning, strict=True)}
    for service_id, need in needs.items():
        if service_id not in rows:
            ends = ", ".join(f"{c.contract_id} {fi_date(contract_final_end(c))}" for c in need.ending)
            raise InputError(
                f"{service_id} must be procured within the horizon ({ends or 'the plan buys more than today'}) "
                "but has no row: add its procurement",
                file=file,
                field="palvelu_id",
            )
    for number, row in zip(inputs.planning_rows, inputs.planning, strict=True):
        service = basis.service(row.service_id)
        planned = needs.get(row.service_id)
        if planned is None:
            mode = service.chosen_mode.label_fi if service else "?"
            raise InputError(
                f"{row.service_id} needs no procurement in {fi_date(horizon[0])}–{fi_date(horizon[1])}: the approved "
                f"stage-4 plan chose {mode} and no contract of it ends in the horizon; remove the row or change the plan",
                file=file,
                row=number,
                field="palvelu_id",
            )
        if not horizon[0] <= row.contract_start <= horizon[1] + dt.timedelta(days=1):
            raise InputError(
                f"the new contracts start on {fi_date(row.contract_start)}, outside the planning horizon "
                f"{fi_date(horizon[0])}–{fi_date(horizon[1])}",
                file=file,
                row=number,
                field="sopimus_alkaa",
            )
        if planned.ending:
            # The same end as the one that makes a contract end in the horizon: every option used.
            first = min(planned.ending, key=contract_final_end)
            first_gap = contract_final_end(first) + dt.timedelta(days=1)
            if row.contract_start > first_gap:
                raise InputError(
                    f"the new contracts start on {fi_date(row.contract_start)} but {first.contract_id} ends on "
                    f"{fi_date(first_gap - dt.timedelta(days=1))} (options included): the service would have a gap",
                    file=file,
                    row=number,
                    field="sopimus_alkaa",
                )


def _procedure(
    klass: ThresholdClass, value: float, rule: ThresholdRule, direct_ground: str | None
) -> tuple[Procedure, str]:
    national, eu = rule.national[klass], rule.eu[klass]
    where = f"(kynnysarvot {fi_date(rule.valid_from)}–{fi_date(rule.valid_to)}; {legal_text(rule.source)})"
    if direct_ground:
        return Procedure.DIRECT, (
            f"Suorahankinta. Laillinen peruste: {direct_ground}. Suorahankinnasta tehdään perusteltu hankintapäätös; "
            "odotusaikaa ei sovelleta (hankintalaki 129\u00a0§ 3 mom.)."
        )
    light = klass in {ThresholdClass.SOCIAL_HEALTH, ThresholdClass.OTHER_SPECIFIC}
    if value < national:
        return Procedure.BELOW_NATIONAL, (
            f"Ennakoitu arvo {_euro(value)} alittaa kansallisen kynnysarvon {_euro(national)} (hankintalaki 25\u00a0§) "
            f"{where}; hankintalakia ei sovelleta, ja hankinta tehdään hyvinvointialueen hankintaohjeen mukaan."
        )
    if light:
        if value < eu:
            return Procedure.LIGHT_NATIONAL, (
                f"Ennakoitu arvo {_euro(value)} ylittää liitteen E palvelujen kansallisen kynnysarvon "
                f"{_euro(national)} (hankintalaki 25\u00a0§) {where}. Menettely hankintalain 12 luvun mukaan "
                "(107–109\u00a0§): hankintayksikkö kuvaa menettelyn hankintailmoituksessa, ja ilmoitus julkaistaan "
                "kansallisesti (58\u00a0§ 1 mom. 2 kohta); odotusaika 14 päivää (129\u00a0§)."
            )
        return Procedure.LIGHT_EU, (
            f"Ennakoitu arvo {_euro(value)} ylittää liitteen E palvelujen EU-kynnysarvon {_euro(eu)} {where}. "
            "Menettely hankintalain 12 luvun mukaan (107–109\u00a0§); ilmoitus julkaistaan myös EU:n virallisessa "
            "lehdessä; odotusaika 14 päivää (129\u00a0§)."
        )
    if value < eu:
        return Procedure.NATIONAL, (
            f"Ennakoitu arvo {_euro(value)} ylittää kansallisen kynnysarvon {_euro(national)} (hankintalaki 25\u00a0§) "
            f"mutta alittaa EU-kynnysarvon {_euro(eu)} {where}: kansallinen menettely (hankintalaki IV osa)."
        )
    return Procedure.EU_OPEN, (
        f"Ennakoitu arvo {_euro(value)} ylittää EU-kynnysarvon {_euro(eu)} (hankintalaki 26\u00a0§) {where}: "
        "EU-menettely, avoin menettely (hankintalaki 5 luku); odotusaika 14 päivää (129\u00a0§)."
    )


def _timeline(inputs: ProcurementInputs, start: dt.date, procedure: Procedure, file: str, row: int) -> list[Milestone]:
    """The steps worked back from the contract start with the timeline rule valid on that day."""
    try:
        rule = timeline_rule(inputs.rules, start)
    except InputError as exc:
        raise InputError(str(exc.reason), file=exc.file, field=exc.field) from None
    direct = procedure is Procedure.DIRECT
    standstill = 0 if direct or procedure is Procedure.BELOW_NATIONAL else rule.standstill_days
    signing = start - dt.timedelta(days=rule.transition_days)
    # Every step moves earlier, never later, so each duration is at least the rule's: the award
    # onto a Monday (the bodies meet on Mondays), the others onto a weekday.
    award = _monday_on_or_before(signing - dt.timedelta(days=standstill))
    deadline = _weekday_on_or_before(award - dt.timedelta(days=rule.evaluation_days))
    notice = _weekday_on_or_before(deadline - dt.timedelta(days=rule.tender_days[procedure]))
    preparation = _weekday_on_or_before(notice - dt.timedelta(days=rule.preparation_days))
    dialogue = _weekday_on_or_before(preparation - dt.timedelta(days=rule.market_dialogue_days))
    standstill_end = award + dt.timedelta(days=standstill)
    steps: list[tuple[MilestoneCode, dt.date]] = []
    if not direct:
        steps += [
            (MilestoneCode.DIALOGUE, dialogue),
            (MilestoneCode.PREPARATION, preparation),
            (MilestoneCode.NOTICE, notice),
            (MilestoneCode.TENDER_DEADLINE, deadline),
        ]
    else:
        steps += [(MilestoneCode.PREPARATION, _weekday_on_or_before(award - dt.timedelta(days=rule.preparation_days)))]
    steps.append((MilestoneCode.AWARD, award))
    if standstill:
        steps.append((MilestoneCode.STANDSTILL_END, standstill_end))
    steps.append((MilestoneCode.START, start))
    del file, row
    return [Milestone(code=code, step=code.label_fi, date=day) for code, day in steps]


def _weekday_on_or_before(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=max(0, day.weekday() - 4))


def _monday_on_or_before(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _notice_day(timeline: Sequence[Milestone]) -> dt.date:
    """The day the procurement starts (its notice; for a direct award the decision): the day its
    value and threshold are judged (hankintalaki 27 §)."""
    for code in (MilestoneCode.NOTICE, MilestoneCode.AWARD):
        found = next((m.date for m in timeline if m.code is code), None)
        if found is not None:
            return found
    return timeline[0].date


#: The procedures a threshold class can lead to, longest tender period first.
_CANDIDATES = {
    ThresholdClass.SOCIAL_HEALTH: (Procedure.LIGHT_EU, Procedure.LIGHT_NATIONAL, Procedure.BELOW_NATIONAL),
    ThresholdClass.OTHER_SPECIFIC: (Procedure.LIGHT_EU, Procedure.LIGHT_NATIONAL, Procedure.BELOW_NATIONAL),
    ThresholdClass.GOODS_SERVICES: (Procedure.EU_OPEN, Procedure.NATIONAL, Procedure.BELOW_NATIONAL),
    ThresholdClass.WORKS: (Procedure.EU_OPEN, Procedure.NATIONAL, Procedure.BELOW_NATIONAL),
}


def _settle(
    inputs: ProcurementInputs, klass: ThresholdClass, value: float, row: PlanningRow, file: str, number: int
) -> tuple[ThresholdRule, Procedure, str, list[Milestone]]:
    """The threshold rule, procedure and timeline that agree with each other.

    The threshold is judged on the day the procurement starts, its notice (hankintalaki 27 §), and
    that day depends on the procedure's tender period: try each procedure the class can lead to and
    keep the one whose notice day's rule leads back to it. A notice day no rule covers is an error
    naming the rules file."""
    candidates = (Procedure.DIRECT,) if row.direct_award_ground else _CANDIDATES[klass]
    missing: InputError | None = None
    fallback: tuple[ThresholdRule, Procedure, str, list[Milestone]] | None = None
    for candidate in candidates:
        timeline = _timeline(inputs, row.contract_start, candidate, file, number)
        day = _notice_day(timeline)
        try:
            rule = threshold_rule(inputs.rules, day)
        except InputError as exc:
            missing = missing or InputError(
                f"{row.procurement_id}, notice planned on {fi_date(day)}: {exc.reason}", file=exc.file, field=exc.field
            )
            continue
        procedure, text = _procedure(klass, value, rule, row.direct_award_ground)
        if procedure is candidate:
            return rule, procedure, text, timeline
        if fallback is None:  # two rules that disagree around the notice day: the earlier day's rule
            fallback = rule, procedure, text, _timeline(inputs, row.contract_start, procedure, file, number)
    if missing is not None:
        raise missing
    assert fallback is not None
    return fallback


def small_producer_capacity(
    contracts: Sequence[ContractRow], service_id: str, category_services: Sequence[str]
) -> float | None:
    """The largest yearly value a small or medium producer (or an NGO of that size) holds today:
    for the service, else for its category, else for any service. None when the register has no
    small or medium producer at all."""
    for scope in ({service_id}, set(category_services), None):
        values = [
            c.annual_value for c in contracts if c.size.small_or_medium and (scope is None or c.service_id in scope)
        ]
        if values:
            return max(values)
    return None


def _split(total: float, parts: int, decimals: int) -> list[float]:
    """``total`` in ``parts`` nearly equal pieces that sum to it exactly (the last takes the rest)."""
    piece = round_half_up(total / parts, decimals)
    pieces = [piece] * (parts - 1)
    return [*pieces, round_half_up(total - sum(pieces), decimals)]


def build_lots(
    row: PlanningRow, volume: float, value: float, capacity: float | None, *, file: str, number: int
) -> list[Lot]:
    """The lots of a procurement: by area (an area too large for a small producer split further),
    by volume (as many equal lots as it takes for each to fit), or one lot when not divided."""
    parts: list[tuple[str, float]] = []
    if row.lot_basis is LotBasis.AREA:
        for area, share in area_shares(row.areas, path=file, row=number):
            count = math.ceil(value * share / capacity) if capacity else 1
            parts += [(area if count == 1 else f"{area} {i}/{count}", share / count) for i in range(1, count + 1)]
    elif row.lot_basis is LotBasis.VOLUME:
        count = max(1, math.ceil(value / capacity)) if capacity else 1
        parts = [(f"Volyymiosa {i}/{count}" if count > 1 else "Koko volyymi", 1 / count) for i in range(1, count + 1)]
    else:
        parts = [("Koko hankinta", 1.0)]
    values = _split(value, len(parts), 0) if all(math.isclose(s, parts[0][1]) for _, s in parts) else None
    if values is None:
        values = [round_half_up(value * share, 0) for _, share in parts[:-1]]
        values.append(round_half_up(value - sum(values), 0))
    volumes = [round_half_up(volume * share, 1) for _, share in parts[:-1]]
    volumes.append(round_half_up(volume - sum(volumes), 1))
    return [
        Lot(
            lot_id=f"O{i}",
            name=name,
            share=round_half_up(share, 6),
            annual_volume=volumes[i - 1],
            annual_value=values[i - 1],
            fits_small_producers=capacity is not None and values[i - 1] <= capacity,
        )
        for i, (name, share) in enumerate(parts, start=1)
    ]


def _small_share(contracts: Sequence[ContractRow]) -> float:
    total = sum(c.annual_value for c in contracts)
    small = sum(c.annual_value for c in contracts if c.size.small_or_medium)
    return round_half_up(small / total, 4) if total else 0.0


def _category(categories: Sequence[CategoryRow], service_id: str) -> CategoryRow:
    return next(c for c in categories if service_id in (c.services or "").split())


def _procurement(inputs: ProcurementInputs, need: _Need, row: PlanningRow, number: int, file: str) -> Procurement:
    service = need.service
    category = _category(inputs.categories, service.service_id)
    price = service.purchased_unit_price or service.own_unit_cost
    if price is None:  # pragma: no cover - stage 4 always has one of the two for a planned service
        raise InputError(f"stage 4 has no price for {service.service_id}", file=file, row=number, field="palvelu_id")
    volume = round_half_up(need.volume, 1)
    annual = round_half_up(volume * price, 0)
    estimated = round_half_up(annual * (row.contract_years + row.option_years), 0)
    rule, procedure, basis_text, timeline = _settle(inputs, category.threshold_class, estimated, row, file, number)
    capacity = small_producer_capacity(inputs.contracts, service.service_id, (category.services or "").split())
    lots = build_lots(row, volume, annual, capacity, file=file, number=number)
    access = (
        round_half_up(sum(lot.annual_value for lot in lots if lot.fits_small_producers) / annual, 4) if annual else 0.0
    )
    current = [c for c in inputs.contracts if c.service_id == service.service_id]
    reason_parts = []
    if need.ending:
        ends = ", ".join(
            f"{c.contract_id} ({c.producer}) päättyy {fi_date(contract_final_end(c))}" for c in need.ending
        )
        reason_parts.append(f"Päättyvät sopimukset: {ends}.")
    if service.chosen_mode is RecommendedMode.PURCHASED and service.current_mode is not RecommendedMode.PURCHASED:
        reason_parts.append("Järjestämissuunnitelma siirtää palvelun ostopalveluksi.")
    if need.continuing:
        reason_parts.append(
            "Jatkuvat sopimukset: "
            + ", ".join(
                f"{c.contract_id} {fi_quantity(c.annual_volume, service.unit)} vuodessa" for c in need.continuing
            )
            + "; hankittava volyymi on suunnitelman ostovolyymi vähennettynä niillä."
        )
    return Procurement(
        procurement_id=row.procurement_id,
        service_id=service.service_id,
        service_name=service.name,
        description=row.description,
        category_id=category.category_id,
        responsibility=category.responsibility,
        responsible_unit=category.unit,
        reason=" ".join(reason_parts),
        ending_contracts=[c.contract_id for c in need.ending],
        continuing_contracts=[c.contract_id for c in need.continuing],
        unit=service.unit,
        planned_volume=round_half_up(need.planned_volume, 1),
        continuing_volume=round_half_up(need.continuing_volume, 1),
        annual_volume=volume,
        unit_price=price,
        annual_value=annual,
        contract_years=row.contract_years,
        option_years=row.option_years,
        estimated_value=estimated,
        threshold_class=category.threshold_class,
        national_threshold=rule.national[category.threshold_class],
        eu_threshold=rule.eu[category.threshold_class],
        threshold_rule=f"{fi_date(rule.valid_from)}–{fi_date(rule.valid_to)}; {legal_text(rule.source)}",
        threshold_provisional=rule.provisional,
        contract_start=row.contract_start,
        contract_end=add_years(row.contract_start, row.contract_years) - dt.timedelta(days=1),
        procedure=procedure,
        procedure_basis=basis_text,
        timeline=timeline,
        schedule_note=None,
        lot_basis=row.lot_basis,
        lots=lots,
        no_lots_reason=row.no_lots_reason if row.lot_basis is LotBasis.NONE else None,
        small_producer_capacity=round_half_up(capacity, 0) if capacity is not None else 0.0,
        access_share=access,
        current_small_share=_small_share(current),
    )


def _late(procurement: Procurement, ready: dt.date) -> Procurement:
    """Mark a timeline whose first step falls before the plan can be decided."""
    first = procurement.timeline[0]
    if first.date >= ready:
        return procurement
    note = (
        f"Aikataulu on myöhässä: vaihe ”{first.step}” ({fi_date(first.date)}) on ennen kuin suunnitelma voidaan "
        f"hyväksyä ({fi_date(ready)}); vaiheita on lyhennettävä tai sopimuksen alkua siirrettävä "
        "(nykyisten sopimusten optiot)."
    )
    return procurement.model_copy(update={"schedule_note": note})


def build_plan(
    inputs: ProcurementInputs,
    basis: ComparisonRound,
    *,
    region: str,
    cycle: int,
    first_year: int,
    horizon_years: int,
) -> ProcurementPlan:
    """The procurement plan: every service the approved plan buys whose contracts end within the
    horizon (or that the plan buys more of than today's contracts cover) becomes a procurement.

    The horizon is ``horizon_years`` years from ``first_year``, the budget year the cycle prepares
    (the region's ``[planning]``: cycle 2026 → 1.1.2027–31.12.2029 for three years)."""
    start, end = dt.date(first_year, 1, 1), dt.date(first_year + horizon_years - 1, 12, 31)
    needs, not_procured = _needs(inputs, basis, start, end)
    _check_planning(inputs, basis, needs, (start, end))
    file = Path(inputs.files.get("planning", PLANNING_FILE)).name
    procurements = [
        _late(_procurement(inputs, needs[row.service_id], row, number, file), basis.approved_on)
        for number, row in zip(inputs.planning_rows, inputs.planning, strict=True)
    ]
    procurements.sort(key=lambda p: (p.contract_start, p.procurement_id))
    for service in basis.services:
        if service.voucher_volume > 0 and service.service_id not in needs:
            not_procured.append(
                NotProcured(
                    service_id=service.service_id,
                    service_name=service.name,
                    contracts=[],
                    reason=(
                        f"Palvelusetelillä järjestettävä osuus ({fi_quantity(service.voucher_volume, service.unit)} vuodessa) "
                        "ei ole hankinta: palvelusetelin arvo ja tuottajien hyväksyminen päätetään "
                        "valinnanvapauden asiana."
                    ),
                )
            )
    total_annual = sum(p.annual_value for p in procurements)
    procured_services = {p.service_id for p in procurements}
    return ProcurementPlan(
        region_code=region,
        cycle=cycle,
        horizon_start=start,
        horizon_end=end,
        procurements=procurements,
        not_procured=sorted(not_procured, key=lambda n: n.service_id),
        work_split=[
            WorkSplitRow(
                category_id=c.category_id,
                name=c.name,
                responsibility=c.responsibility,
                unit=c.unit,
                basis=c.basis,
                services=(c.services or "").split(),
            )
            for c in inputs.categories
        ],
        total_estimated_value=round_half_up(sum(p.estimated_value for p in procurements), 0),
        access_share=round_half_up(sum(p.access_share * p.annual_value for p in procurements) / total_annual, 4)
        if total_annual
        else 0.0,
        current_small_share=_small_share([c for c in inputs.contracts if c.service_id in procured_services]),
        method=_plan_method(horizon_years, start, end),
    )


def _plan_method(horizon_years: int, start: dt.date, end: dt.date) -> list[str]:
    return [
        f"Suunnittelujakso on {horizon_years} vuotta ({fi_date(start)}–{fi_date(end)}). Hankinnaksi tulee jokainen "
        "palvelu, jonka hyväksytty järjestämissuunnitelma (vaihe 4) järjestää ostopalveluna tai osin ostopalveluna ja "
        "jonka nykyiset sopimukset optioineen päättyvät jakson aikana, sekä palvelu, jota suunnitelma ostaa enemmän "
        "kuin nykyiset sopimukset kattavat.",
        "Hankittava volyymi on suunnitelman ostovolyymi vähennettynä jatkuvien sopimusten volyymilla. Arvo vuodessa on "
        "volyymi kertaa vaiheen 4 ostopalvelun keskihinta. Ennakoitu arvo on vuosiarvo kertaa sopimuskausi optioineen: "
        "hankinnan ennakoitua arvoa laskettaessa otetaan huomioon optio- ja pidennysehdot (hankintalaki 27\u00a0§).",
        "Kynnysarvo valitaan sen päivän mukaan, jolloin hankinnasta on tarkoitus ilmoittaa (27\u00a0§: arvio perustuu "
        "ilmoittamisajankohdan arvoon), päivättyjen kynnysarvosääntöjen mukaan. Aikataulu lasketaan taaksepäin uusien "
        "sopimusten alkupäivästä päivättyjen aikataulusääntöjen mukaan.",
        "Osiin jako: osa mitoitetaan niin, että sen vuosiarvo mahtuu pienen tai keskisuuren tuottajan kapasiteettiin. "
        "Kapasiteetiksi katsotaan suurin sopimusrekisterin mukainen vuosiarvo, joka pk-tuottajalla tai pk-kokoisella "
        "järjestöllä on saman palvelun (tai hankintaluokan) sopimuksissa. Jos hankintaa ei jaeta osiin, syy esitetään "
        "(hankintalaki 75\u00a0§).",
    ]


# -- compensation models ---------------------------------------------------------------------------


def compensation_model(procurement: Procurement, row: PlanningRow, service: ServiceBasis) -> CompensationModel:
    """The compensation model of a procurement's service with its formula and annual cost at the
    plan's volume, beside stage 4's full cost of producing the same volume itself."""
    volume, price = procurement.annual_volume, procurement.unit_price
    unit = procurement.unit
    incentive_pct, attainment_pct, clients = 0.0, 100.0, None
    if row.compensation is CompensationKind.CAPITATION:
        clients = row.clients or 0.0
        base = round_half_up(price * volume / clients / 12, 2)
        cost = round_half_up(base * clients * 12, 0)
        maximum = cost
        formula = (
            f"kuukausimaksu × asiakkaat × 12 = {fi_number(base, 2)} € × {fi_number(clients, 0)} × 12; kuukausimaksu = "
            f"hinta-arvio × suoritteet ÷ asiakkaat ÷ 12 = {fi_number(price, 2)} € × {fi_number(volume, 0)} ÷ "
            f"{fi_number(clients, 0)} ÷ 12"
        )
    elif row.compensation is CompensationKind.INCENTIVE:
        incentive_pct, attainment_pct = row.incentive_pct, row.expected_attainment_pct
        base = round_half_up(price * (1 - incentive_pct / 100), 2)
        pool = round_half_up(price * incentive_pct / 100 * volume, 0)
        cost = round_half_up(base * volume + pool * attainment_pct / 100, 0)
        maximum = round_half_up(base * volume + pool, 0)
        formula = (
            f"perushinta × suoritteet + kannustinpotti × tavoitteiden toteuma = {fi_number(base, 2)} € × "
            f"{fi_number(volume, 0)} + {fi_number(pool, 0)} € × {fi_number(attainment_pct, 0)} %; perushinta = "
            f"{fi_number(100 - incentive_pct, 1)} % hinta-arviosta {fi_number(price, 2)} €, kannustinpotti = "
            f"{fi_number(incentive_pct, 1)} % × hinta-arvio × suoritteet; toteuma sopimuksen mittareiden mukaan"
        )
    else:
        base = price
        cost = round_half_up(price * volume, 0)
        maximum = cost
        formula = f"yksikköhinta × suoritteet = {fi_number(price, 2)} € × {fi_quantity(volume, unit)}"
    own = round_half_up(service.own_unit_cost * volume, 0) if service.own_unit_cost is not None else None
    return CompensationModel(
        service_id=procurement.service_id,
        service_name=procurement.service_name,
        procurement_id=procurement.procurement_id,
        kind=row.compensation,
        formula=formula,
        unit=unit,
        annual_volume=volume,
        unit_price=price,
        base_price=base,
        clients=clients,
        incentive_pct=incentive_pct,
        expected_attainment_pct=attainment_pct,
        annual_cost=cost,
        max_annual_cost=maximum,
        own_full_cost=own,
        difference=round_half_up(cost - own, 0) if own is not None else None,
    )


# -- awards ----------------------------------------------------------------------------------------


def award_comparison(
    procurement: Procurement,
    criteria: Sequence[CriterionRow],
    bids: Sequence[tuple[int, BidRow]],
    *,
    file: str = BIDS_FILE,
) -> AwardComparison:
    """The price–quality comparison of a procurement's bids, lot by lot: price points = price
    weight × lowest price ÷ price; quality points = weight × points ÷ maximum; the highest total
    wins (a tie goes to the lower price, then to the earlier bid)."""
    lots = {lot.lot_id: lot for lot in procurement.lots}
    price_weight = next(c.weight_pct for c in criteria if c.criterion.lower() == PRICE)
    quality = [c for c in criteria if c.criterion.lower() != PRICE]
    by_lot: dict[str, list[tuple[int, BidRow]]] = {}
    for number, bid in bids:
        if bid.lot_id not in lots:
            raise InputError(
                f"{procurement.procurement_id} has no lot {bid.lot_id!r}; its lots are {', '.join(lots)}",
                file=file,
                row=number,
                field="osa",
            )
        by_lot.setdefault(bid.lot_id, []).append((number, bid))
    awards = []
    for lot_id, lot in lots.items():
        lot_bids = by_lot.get(lot_id, [])
        if not lot_bids:
            continue
        lowest = min(b.price for _, b in lot_bids)
        scored = []
        for number, bid in lot_bids:
            price_points = round_half_up(price_weight * lowest / bid.price, 2)
            quality_points = {
                c.criterion: round_half_up(c.weight_pct * bid.points[c.criterion] / c.max_points, 2) for c in quality
            }
            total = round_half_up(price_points + sum(quality_points.values()), 2)
            scored.append((number, bid, price_points, quality_points, total))
        scored.sort(key=lambda s: (-s[4], s[1].price, s[0]))
        scores = [
            BidScore(
                bidder=bid.bidder,
                size=bid.size,
                ngo=bid.ngo == "kyllä",
                price=bid.price,
                price_points=price_points,
                quality_points=quality_points,
                total=total,
                rank=rank,
                source_row=number,
            )
            for rank, (number, bid, price_points, quality_points, total) in enumerate(scored, start=1)
        ]
        winner = scores[0]
        awards.append(
            LotAward(
                lot_id=lot_id,
                lot_name=lot.name,
                bids=scores,
                winner=winner.bidder,
                winner_price=winner.price,
                annual_value=round_half_up(winner.price * lot.annual_volume, 0),
            )
        )
    weights = ", ".join(f"{c.criterion} {fi_number(c.weight_pct, 0)} %" for c in criteria)
    return AwardComparison(
        procurement_id=procurement.procurement_id,
        service_id=procurement.service_id,
        service_name=procurement.service_name,
        criteria=[
            CriterionWeight(criterion=c.criterion, weight_pct=c.weight_pct, max_points=c.max_points) for c in criteria
        ],
        lots=awards,
        lots_without_bids=[lot_id for lot_id in lots if lot_id not in by_lot],
        method=[
            f"Tarjoukset vertaillaan hinta-laatusuhteeltaan parhaan tarjouksen perusteella osittain. Vertailuperusteet ja "
            f"painot: {weights}.",
            "Hintapisteet = hinnan paino × halvin hinta ÷ tarjouksen hinta. Laatupisteet = perusteen paino × saadut "
            "pisteet ÷ enimmäispisteet. Kokonaispisteet ovat näiden summa (enintään 100). Tasapisteissä edullisempi "
            "hinta ratkaisee.",
        ],
    )


# -- contracts -------------------------------------------------------------------------------------


def _kpis(policy: ContractPolicy, service_id: str) -> list[KpiTerm]:
    return [*policy.kpis.get(service_id, []), *policy.kpis.get("*", [])]


def contract_register(
    inputs: ProcurementInputs,
    plan: ProcurementPlan,
    awards: Sequence[AwardComparison],
    services: ComparisonRound,
) -> ContractRegister:
    """Every contract stage 6 monitors: today's contracts still in force in the horizon and the
    contracts the award decisions create, each with its KPIs, reporting duty and sanction ladder."""
    names = {s.service_id: s.name for s in services.services}
    units = {s.service_id: s.unit for s in services.services}
    policy = inputs.policy
    out: list[ContractTerms] = []
    for c in inputs.contracts:
        if c.end < plan.horizon_start:
            continue
        out.append(
            ContractTerms(
                contract_id=c.contract_id,
                procurement_id=None,
                producer=c.producer,
                size=c.size,
                service_id=c.service_id,
                service_name=names.get(c.service_id, c.service_id),
                lot_id=c.lot,
                area=c.area,
                start=c.start,
                end=c.end,
                unit=units.get(c.service_id, ""),
                unit_price=round_half_up(c.annual_value / c.annual_volume, 2) if c.annual_volume else 0.0,
                annual_volume=c.annual_volume,
                annual_value=c.annual_value,
                origin="continued",
                kpis=_kpis(policy, c.service_id),
                reporting=policy.reporting,
                sanctions=policy.sanctions,
            )
        )
    procurements = {p.procurement_id: p for p in plan.procurements}
    for award in awards:
        procurement = procurements[award.procurement_id]
        lots = {lot.lot_id: lot for lot in procurement.lots}
        for lot_award in award.lots:
            lot = lots[lot_award.lot_id]
            winner = lot_award.bids[0]
            out.append(
                ContractTerms(
                    contract_id=f"{procurement.procurement_id}-{lot.lot_id}",
                    procurement_id=procurement.procurement_id,
                    producer=lot_award.winner,
                    size=winner.size,
                    service_id=procurement.service_id,
                    service_name=procurement.service_name,
                    lot_id=lot.lot_id,
                    area=lot.name,
                    start=procurement.contract_start,
                    end=procurement.contract_end,
                    unit=procurement.unit,
                    unit_price=lot_award.winner_price,
                    annual_volume=lot.annual_volume,
                    annual_value=lot_award.annual_value,
                    origin="awarded",
                    kpis=_kpis(policy, procurement.service_id),
                    reporting=policy.reporting,
                    sanctions=policy.sanctions,
                )
            )
    return ContractRegister(region_code=plan.region_code, cycle=plan.cycle, contracts=out)


# -- the whole stage -------------------------------------------------------------------------------


@dataclass(frozen=True)
class OcdsSettings:
    """How the region publishes its procurements (its region configuration)."""

    ocid_prefix: str
    buyer_id: str
    buyer_name: str
    uri: str
    published: dt.datetime


def analyse_procurement(
    inputs: ProcurementInputs,
    basis: ComparisonRound,
    *,
    cycle: int,
    first_year: int,
    horizon_years: int,
    ocds: OcdsSettings,
    tolerance: Tolerance,
) -> ProcurementAnalysis:
    """Everything stage 5a computes, from the checked inputs and the approved stage-4 round (whose
    purchased volumes the contracts register must agree with, within ``tolerance``); the plan's
    horizon starts on 1 January of ``first_year`` (the budget year the cycle prepares)."""
    checks = register_checks(inputs, basis, cycle, tolerance)
    enforce(checks)
    plan = build_plan(
        inputs, basis, region=basis.region_code, cycle=cycle, first_year=first_year, horizon_years=horizon_years
    )
    rows = {row.procurement_id: row for row in inputs.planning}
    compensation = [
        compensation_model(p, rows[p.procurement_id], _service(basis, p.service_id)) for p in plan.procurements
    ]
    bids_file = Path(inputs.files.get("bids", BIDS_FILE)).name
    awards = []
    for procurement in plan.procurements:
        criteria = [c for c in inputs.criteria if c.procurement_id == procurement.procurement_id]
        bids = [
            (number, bid)
            for number, bid in zip(inputs.bid_rows, inputs.bids, strict=True)
            if bid.procurement_id == procurement.procurement_id
        ]
        if criteria and bids:
            awards.append(award_comparison(procurement, criteria, bids, file=bids_file))
    register = contract_register(inputs, plan, awards, basis)
    package = build_release_package(
        plan,
        awards,
        register,
        ocid_prefix=ocds.ocid_prefix,
        buyer_id=ocds.buyer_id,
        buyer_name=ocds.buyer_name,
        published=ocds.published,
        uri=ocds.uri,
    )
    records = compile_records(package)
    problems = validate_package(package) + validate_package(records)
    if problems:
        raise ValueError("the OCDS package does not validate:\n" + "\n".join(problems))
    return ProcurementAnalysis(
        region_code=basis.region_code,
        region_name=basis.region_name,
        cycle=cycle,
        plan=plan,
        compensation=compensation,
        awards=awards,
        contracts=register,
        ocds=package,
        ocds_records=records,
        ocds_validation=[
            f"Julkaisupaketti ({len(package['releases'])} julkaisua) ja tietuepaketti ({len(records['records'])} "
            "tietuetta) on tarkistettu standardin skeemaa ja Lots-laajennusta vasten (libcoveocds): ei virheitä."
        ],
        files={role: Path(path).name for role, path in inputs.files.items()},
        example_data=inputs.example_data,
        cross_checks=checks,
        cross_check_rule=tolerance.source,
    )


def _service(basis: ComparisonRound, service_id: str) -> ServiceBasis:
    found = basis.service(service_id)
    assert found is not None  # every procurement comes from a service of the plan
    return found
