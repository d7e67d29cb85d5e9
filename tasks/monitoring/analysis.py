"""Stage 6 analysis: KPIs per contract × unit × month out of core in DuckDB, deviations and the
escalation ladder carried from the previous period, billing reconciliation and the risk-based
supervision plan.

The events never enter Python: :func:`aggregate_events` runs one grouped query over the Parquet
file (DuckDB spills to disk above its memory limit) and returns one small row per unit and month.
Everything after that is plain Python over those rows and the small tables.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from schemas.monitoring import (
    BillingLine,
    CareGuaranteeRule,
    Deviation,
    KpiValue,
    LadderStep,
    MonitoringAnalysis,
    MonitoringBasis,
    MonitoringInputs,
    MonitoringRules,
    NoticeKind,
    Severity,
    StaffingRule,
    TrendPoint,
    UnitMonth,
    VisitPlanItem,
)
from schemas.procurement import ContractTerms, KpiTerm
from soteflow.data.parquet import connect
from soteflow.errors import InputError
from soteflow.numbers import fi_number, round_half_up
from tasks.agenda import next_monday
from tasks.context import period_bounds
from tasks.monitoring.inputs import period_months

#: The report of a period is prepared after the producers' monthly reports (due on the 15th of the
#: next month, sopimusehdot.toml) and is taken to the body about six weeks after the period ends.
REPORT_AFTER_DAYS = 42
#: A unit never visited counts as unvisited since its contract started, at most this many months.
MAX_MONTHS_SINCE_VISIT = 36
#: Days the producer has for a corrective plan after a reminder (the contract terms' step 1).
REMINDER_DAYS = 14


def report_meeting(period: str) -> dt.date:
    """The default meeting of a period's report: the first Monday six weeks after the period."""
    _, end = period_bounds(period)
    return next_monday(end + dt.timedelta(days=REPORT_AFTER_DAYS))


def staffing_rule(rules: MonitoringRules, day: dt.date) -> StaffingRule:
    """The statutory staffing minimum valid on ``day`` (an :class:`InputError` if none)."""
    for rule in rules.staffing:
        if rule.valid_from <= day and (rule.valid_to is None or day <= rule.valid_to):
            return rule
    raise InputError(f"no staffing rule for {day.isoformat()}", file=rules.source_file, field="staffing")


def guarantee_rules(rules: MonitoringRules, day: dt.date) -> list[CareGuaranteeRule]:
    """The care-guarantee rules valid on ``day`` (one per kind; the kinds the file covers)."""
    return [r for r in rules.care_guarantee if r.valid_from <= day and (r.valid_to is None or day <= r.valid_to)]


def _kpi(contract: ContractTerms, kpi: str) -> KpiTerm | None:
    return next((k for k in contract.kpis if k.kpi == kpi), None)


# -- DuckDB ----------------------------------------------------------------------------------------


def kpi_sql(path: str | Path) -> str:
    """The grouped query over the events (tables ``lim`` and ``stat`` give the limits per contract
    and per service): one row per contract × unit × month and, with ``kk`` NULL, per unit over
    the whole period (its distinct clients)."""
    literal = str(path).replace("'", "''")
    return f"""
        SELECT e.sopimus_id, e.yksikko, strftime(e.pvm, '%Y-%m') AS kk,
            count(*) AS events,
            sum(e.maara) AS volume,
            count(DISTINCT e.asiakas) AS clients,
            count(e.odotus_vrk) AS starts,
            coalesce(count_if(e.odotus_vrk <= l.max_days), 0) AS within_contract,
            CASE WHEN any_value(s.palvelu_id) IS NULL THEN NULL ELSE count_if(
                e.odotus_vrk IS NOT NULL AND e.pvm <= e.pvm - to_days(e.odotus_vrk::INTEGER) + CASE
                    WHEN e.ika < 23 THEN to_months(s.young_m) + to_days(s.young_d)
                    ELSE to_months(s.adult_m) + to_days(s.adult_d) END
            ) END AS within_statutory,
            quantile_disc(e.odotus_vrk, 0.9) AS p90
        FROM read_parquet('{literal}') e
        LEFT JOIN lim l ON l.sopimus_id = e.sopimus_id
        LEFT JOIN stat s ON s.palvelu_id = e.palvelu_id
        GROUP BY GROUPING SETS ((e.sopimus_id, e.yksikko, kk), (e.sopimus_id, e.yksikko))
    """


def prepare_limits(con: Any, contracts: Sequence[ContractTerms], guarantees: Sequence[CareGuaranteeRule]) -> None:
    """The limit tables :func:`kpi_sql` joins: each contract's care-guarantee days, each service's
    statutory limits."""
    con.execute("CREATE OR REPLACE TEMP TABLE lim (sopimus_id VARCHAR, max_days DOUBLE)")
    con.executemany(
        "INSERT INTO lim VALUES (?, ?)",
        [(c.contract_id, k.threshold) for c in contracts if (k := _kpi(c, "care_guarantee")) is not None],
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE stat (palvelu_id VARCHAR, adult_m INTEGER, adult_d INTEGER, "
        "young_m INTEGER, young_d INTEGER)"
    )
    rows = [
        (service, r.adults.months or 0, r.adults.days or 0, r.under_23.months or 0, r.under_23.days or 0)
        for r in guarantees
        for service in r.services
    ]
    if rows:
        con.executemany("INSERT INTO stat VALUES (?, ?, ?, ?, ?)", rows)


@dataclass(frozen=True)
class Aggregates:
    """The events' aggregates: per unit and month, and each unit's distinct clients in the period."""

    unit_months: list[UnitMonth]
    unit_clients: dict[str, int]
    events: int


def aggregate_events(
    path: str | Path, contracts: Sequence[ContractTerms], guarantees: Sequence[CareGuaranteeRule]
) -> Aggregates:
    """Run the KPI query over the events file out of core and return the small result."""
    con = connect()
    try:
        prepare_limits(con, contracts, guarantees)
        rows = con.execute(kpi_sql(path)).fetchall()
    finally:
        con.close()
    unit_months: list[UnitMonth] = []
    unit_clients: dict[str, int] = {}
    total = 0
    for contract, unit, month, events, volume, clients, starts, within, statutory, p90 in rows:
        if month is None:
            unit_clients[unit] = int(clients)
            total += int(events)
            continue
        unit_months.append(
            UnitMonth(
                contract_id=contract,
                unit_id=unit,
                month=month,
                events=int(events),
                volume=round_half_up(float(volume), 3),
                clients=int(clients),
                starts=int(starts),
                within_contract=int(within),
                within_statutory=None if statutory is None else int(statutory),
                wait_p90=None if p90 is None else float(p90),
            )
        )
    unit_months.sort(key=lambda u: (u.contract_id, u.unit_id, u.month))
    return Aggregates(unit_months=unit_months, unit_clients=unit_clients, events=total)


# -- KPIs and deviations -----------------------------------------------------------------------------


def _ok(value: float | None, threshold: float, direction: str) -> bool | None:
    if value is None:
        return None
    return value >= threshold if direction == "at_least" else value <= threshold


def _severity(value: float, threshold: float, ratio: float) -> Severity:
    distance = abs(value - threshold) / threshold if threshold else 1.0
    return Severity.SIGNIFICANT if distance > ratio else Severity.MINOR


def _fmt(value: float, decimals: int = 2) -> str:
    """A figure for a sentence: at most ``decimals`` decimals, no trailing zeros (0,6; 14; 3,85)."""
    text = fi_number(value, decimals)
    return text.rstrip("0").rstrip(",") if "," in text else text


#: The KPIs' short Finnish names, for sentences and the ladder's tables.
KPI_FI = {
    "care_guarantee": "odotusaika",
    "care_guarantee_statutory": "lakisääteinen hoitotakuu",
    "staffing": "henkilöstömitoitus (sopimus)",
    "staffing_statutory": "lakisääteinen henkilöstömitoitus",
    "complaints": "muistutukset ja kantelut",
    "client_satisfaction": "asiakastyytyväisyys",
    "billing": "laskutus",
    "adverse_event": "vakava haittatapahtuma",
    "placement_stability": "sijoitusten pysyvyys",
    "reporting": "raportointi",
}


def kpi_fi(kpi: str) -> str:
    """A KPI's short Finnish name (the code itself when it has none)."""
    return KPI_FI.get(kpi, kpi)


@dataclass
class _Collector:
    kpis: list[KpiValue]
    deviations: list[Deviation]

    def add(
        self,
        contract: ContractTerms,
        unit: str | None,
        month: str,
        term: KpiTerm,
        value: float | None,
        clients: int,
        *,
        statutory: bool,
        ratio: float,
        text: str = "",
        amount: float = 0.0,
    ) -> None:
        ok = _ok(value, term.threshold, term.direction)
        self.kpis.append(
            KpiValue(
                contract_id=contract.contract_id,
                producer=contract.producer,
                unit_id=unit,
                month=month,
                kpi=term.kpi,
                name=term.name,
                value=value,
                threshold=term.threshold,
                direction=term.direction,
                unit=term.unit,
                basis=term.basis,
                ok=ok,
                clients=clients,
            )
        )
        if ok is False and value is not None:
            severity = Severity.SERIOUS if statutory else _severity(value, term.threshold, ratio)
            bound = "vähintään" if term.direction == "at_least" else "enintään"
            self.deviations.append(
                Deviation(
                    contract_id=contract.contract_id,
                    producer=contract.producer,
                    unit_id=unit,
                    month=month,
                    kpi=term.kpi,
                    description=text
                    or f"{term.name}: {_fmt(value)} {term.unit}, kun {bound} {_fmt(term.threshold)} ({term.basis})",
                    severity=severity,
                    statutory=statutory,
                    clients=clients,
                    amount_eur=amount,
                )
            )


def compute_kpis(
    inputs: MonitoringInputs,
    contracts: Sequence[ContractTerms],
    aggregates: Aggregates,
) -> tuple[list[KpiValue], list[Deviation], list[BillingLine], list[str]]:
    """Every KPI against the contract's threshold and the statutory minimums; the deviations; the
    billing reconciliation; and the dated rules applied."""
    start, _ = period_bounds(inputs.period)
    rules = inputs.rules
    ratio = rules.ladder.significant_ratio
    staffing_min = staffing_rule(rules, start)
    guarantees = guarantee_rules(rules, start)
    by_id = {c.contract_id: c for c in contracts}
    unit_contract = {u.unit_id: u.contract_id for u in inputs.units}
    out = _Collector([], [])
    applied = [f"Henkilöstömitoitus vähintään {_fmt(staffing_min.minimum)} ({staffing_min.source})"]
    applied += [
        f"Hoitotakuu ({'perusterveydenhuolto' if g.kind == 'primary' else 'suun terveydenhuolto'}): "
        f"{g.adults.label_fi()}, alle 23-vuotiaat {g.under_23.label_fi()} ({g.source})"
        for g in guarantees
    ]
    statutory_services = {s for g in guarantees for s in g.services}

    # Waiting times per unit and month (contract limit on the 90th percentile; statutory share).
    for um in aggregates.unit_months:
        contract = by_id[um.contract_id]
        term = _kpi(contract, "care_guarantee")
        if term is not None and um.starts:
            out.add(contract, um.unit_id, um.month, term, um.wait_p90, um.starts, statutory=False, ratio=ratio)
        if contract.service_id in statutory_services and um.starts and um.within_statutory is not None:
            share = round_half_up(100 * um.within_statutory / um.starts, 1)
            late = um.starts - um.within_statutory
            legal = KpiTerm(
                kpi="care_guarantee_statutory",
                name="Lakisääteisessä enimmäisajassa alkanut hoito",
                threshold=100.0,
                unit="% alkaneista",
                direction="at_least",
                basis="laki (terveydenhuoltolaki 51 a–51 b §)",
            )
            out.add(
                contract,
                um.unit_id,
                um.month,
                legal,
                share,
                late,
                statutory=True,
                ratio=ratio,
                text=f"Hoitotakuu ei toteutunut: {late} potilasta odotti yli lakisääteisen enimmäisajan",
            )

    # Staffing of 24-hour units (the period's report): the contract's threshold and the law's minimum.
    for row in inputs.staffing:
        contract = by_id[unit_contract[row.unit_id]]
        value = round_half_up(row.staff / row.clients, 2)
        clients = round(row.clients)
        term = _kpi(contract, "staffing")
        if term is not None:
            out.add(contract, row.unit_id, inputs.period, term, value, clients, statutory=False, ratio=ratio)
        if contract.service_id in staffing_min.services:
            legal = KpiTerm(
                kpi="staffing_statutory",
                name="Lakisääteinen henkilöstömitoitus",
                threshold=staffing_min.minimum,
                unit="työntekijää / asiakas",
                direction="at_least",
                basis=staffing_min.source,
            )
            out.add(contract, row.unit_id, inputs.period, legal, value, clients, statutory=True, ratio=ratio)

    # Complaints and adverse events per 1 000 clients of the unit in the period; a serious adverse
    # event is a serious deviation on its own.
    notices: dict[str, int] = defaultdict(int)
    for notice in inputs.notices:
        notices[notice.unit_id] += 1
    for unit in inputs.units:
        contract = by_id[unit.contract_id]
        clients = aggregates.unit_clients.get(unit.unit_id, 0)
        term = _kpi(contract, "complaints")
        if term is not None and clients:
            value = round_half_up(1000 * notices[unit.unit_id] / clients, 1)
            out.add(contract, unit.unit_id, inputs.period, term, value, clients, statutory=False, ratio=ratio)
    for notice in inputs.notices:
        if notice.serious and notice.kind is NoticeKind.HAITTATAPAHTUMA:
            contract = by_id[unit_contract[notice.unit_id]]
            out.deviations.append(
                Deviation(
                    contract_id=contract.contract_id,
                    producer=contract.producer,
                    unit_id=notice.unit_id,
                    month=f"{notice.date.year}-{notice.date.month:02d}",
                    kpi="adverse_event",
                    description=f"Vakava haittatapahtuma {notice.date.day}.{notice.date.month}.{notice.date.year}",
                    severity=Severity.SERIOUS,
                    statutory=True,
                    clients=1,
                )
            )

    # Client satisfaction (scale 1–5).
    for fb in inputs.feedback:
        contract = by_id[unit_contract[fb.unit_id]]
        term = _kpi(contract, "client_satisfaction")
        if term is not None and fb.responses and fb.mean is not None:
            value = round_half_up(fb.mean, 2)
            out.add(contract, fb.unit_id, inputs.period, term, value, fb.responses, statutory=False, ratio=ratio)

    # A contract in force without a unit in the register has not reported the period at all.
    reporting = {u.contract_id for u in inputs.units}
    for contract in sorted(by_id.values(), key=lambda c: c.contract_id):
        if contract.contract_id not in reporting:
            out.deviations.append(
                Deviation(
                    contract_id=contract.contract_id,
                    producer=contract.producer,
                    unit_id=None,
                    month=inputs.period,
                    kpi="reporting",
                    description="Jakson seurantatiedot puuttuvat (sopimuksen raportointivelvollisuus)",
                    severity=Severity.MINOR,
                    statutory=False,
                    clients=0,
                )
            )

    # Billing: invoiced against delivered, per contract and month.
    delivered: dict[tuple[str, str], float] = defaultdict(float)
    contract_clients: dict[str, int] = defaultdict(int)
    for um in aggregates.unit_months:
        delivered[(um.contract_id, um.month)] += um.volume
    for unit_id, clients in aggregates.unit_clients.items():
        contract_clients[unit_contract[unit_id]] += clients
    invoiced: dict[tuple[str, str], tuple[float, float]] = defaultdict(lambda: (0.0, 0.0))
    for inv in inputs.invoices:
        volume, amount = invoiced[(inv.contract_id, inv.month)]
        invoiced[(inv.contract_id, inv.month)] = (volume + inv.volume, amount + inv.amount)
    billing: list[BillingLine] = []
    for contract in sorted(by_id.values(), key=lambda c: c.contract_id):
        for month in period_months(inputs.period):
            done = round_half_up(delivered.get((contract.contract_id, month), 0.0), 3)
            volume, amount = invoiced.get((contract.contract_id, month), (0.0, 0.0))
            if not done and not volume:
                continue
            due = round_half_up(done * contract.unit_price, 2)
            over = round_half_up(max(0.0, amount - due), 2)
            pct = round_half_up(100 * over / amount, 2) if amount else 0.0
            billing.append(
                BillingLine(
                    contract_id=contract.contract_id,
                    producer=contract.producer,
                    month=month,
                    delivered=done,
                    contracted=round_half_up(contract.annual_volume / 12, 1),
                    invoiced_volume=round_half_up(volume, 3),
                    invoiced_eur=round_half_up(amount, 2),
                    due_eur=due,
                    over_billed_eur=over,
                    over_billed_pct=pct,
                )
            )
            term = _kpi(contract, "billing")
            if term is not None and amount:
                out.add(
                    contract,
                    None,
                    month,
                    term,
                    pct,
                    contract_clients[contract.contract_id],
                    statutory=False,
                    ratio=ratio,
                    text=(
                        f"Ylilaskutus {_fmt(over)} € ({_fmt(pct)} % laskutuksesta): laskutettu "
                        f"{_fmt(volume, 1)} suoritetta, toteutunut {_fmt(done, 1)}"
                    ),
                    amount=over,
                )
    return out.kpis, out.deviations, billing, applied


# -- the ladder ----------------------------------------------------------------------------------------


def move_ladder(
    contract: ContractTerms,
    deviations: Sequence[Deviation],
    *,
    previous_step: int,
    previous_kpis: Sequence[str],
    rules: MonitoringRules,
    meeting: dt.date,
) -> LadderStep:
    """A contract's next step: up on a repeated (the same KPI again) or serious deviation, held on a
    new minor one, down one step after a period without deviations."""
    ladder = rules.ladder
    top = len(contract.sanctions)
    kpis = sorted({d.kpi for d in deviations})
    serious = any(d.severity is Severity.SERIOUS for d in deviations)
    repeated = sorted(set(kpis) & set(previous_kpis))
    if not kpis:
        step = max(previous_step - 1, 0)
        reason = (
            "Jaksolla ei poikkeamia: edellisen jakson poikkeama on korjattu, ja porras laskee yhdellä."
            if previous_step
            else "Jaksolla ei poikkeamia."
        )
    elif serious:
        step = min(max(previous_step + 1, ladder.serious_minimum_step), top)
        reason = "Vakava poikkeama (lakisääteinen vähimmäisvaatimus tai asiakasturvallisuus): porras nousee."
    elif repeated:
        step = min(previous_step + 1, top)
        reason = f"Toistuva poikkeama ({', '.join(kpi_fi(k) for k in repeated)}): porras nousee."
    else:
        step = max(previous_step, 1)
        reason = (
            "Uusi poikkeama: huomautus."
            if previous_step == 0
            else "Uusi, ei toistuva poikkeama: porras pysyy ennallaan."
        )
    movement = (
        "none"
        if step == previous_step == 0
        else "up"
        if step > previous_step
        else "down"
        if step < previous_step
        else "held"
    )
    sanction = contract.sanctions[step - 1] if step else None
    deadline = None
    if step == 1:
        deadline = meeting + dt.timedelta(days=REMINDER_DAYS)
    elif step >= 2:
        deadline = meeting + dt.timedelta(days=ladder.corrective_days)
    return LadderStep(
        contract_id=contract.contract_id,
        producer=contract.producer,
        service_name=contract.service_name,
        previous_step=previous_step,
        step=step,
        step_name=sanction.name if sanction else "Ei seuraamusta",
        amount_eur=sanction.amount_eur if sanction else 0.0,
        movement=movement,
        reason=reason,
        deadline=deadline,
        kpis=kpis,
        own_case=bool(kpis) and step >= ladder.own_case_from_step,
    )


# -- supervision plan ----------------------------------------------------------------------------------


def _months_between(earlier: dt.date, later: dt.date) -> int:
    return max(0, (later.year - earlier.year) * 12 + later.month - earlier.month)


def plan_visits(
    inputs: MonitoringInputs,
    contracts: Sequence[ContractTerms],
    deviations: Sequence[Deviation],
    unit_clients: dict[str, int],
    previous_visits: dict[str, dt.date],
    capacity: int,
) -> list[VisitPlanItem]:
    """Rank the units by risk = severity of their deviations × clients × months since the last
    visit, and plan visits to the riskiest up to ``capacity`` (a unit without deviations has no risk)."""
    _, end = period_bounds(inputs.period)
    by_id = {c.contract_id: c for c in contracts}
    severity: dict[str, int] = defaultdict(int)
    kinds: dict[str, list[str]] = defaultdict(list)
    for d in deviations:
        if d.unit_id is not None:
            severity[d.unit_id] += d.severity.weight
            kinds[d.unit_id].append(f"{kpi_fi(d.kpi)} ({d.severity.label_fi})")
    items = []
    for unit in inputs.units:
        contract = by_id[unit.contract_id]
        visits = [v for v in (unit.last_visit, previous_visits.get(unit.unit_id)) if v is not None]
        since = _months_between(max(visits), end) if visits else _months_between(contract.start, end)
        months = max(1, min(since, MAX_MONTHS_SINCE_VISIT))
        clients = unit_clients.get(unit.unit_id, 0)
        risk = float(severity[unit.unit_id] * clients * months)
        items.append((risk, unit, contract, clients, months))
    items.sort(key=lambda t: (-t[0], t[1].unit_id))
    out = []
    for rank, (risk, unit, contract, clients, months) in enumerate(items, start=1):
        visit = risk > 0 and rank <= capacity
        last = (
            "ei aiempaa käyntiä"
            if not (unit.last_visit or previous_visits.get(unit.unit_id))
            else f"{months} kk edellisestä käynnistä"
        )
        reason = (
            f"Poikkeamat: {', '.join(kinds[unit.unit_id])}; {clients} asiakasta; {last}."
            if severity[unit.unit_id]
            else f"Ei poikkeamia jaksolla; {last}."
        )
        if risk > 0 and not visit:
            reason += " Ei mahdu jakson käyntikapasiteettiin: seurataan raportoinnin perusteella."
        out.append(
            VisitPlanItem(
                rank=rank,
                unit_id=unit.unit_id,
                unit_name=unit.name,
                contract_id=contract.contract_id,
                producer=contract.producer,
                severity=severity[unit.unit_id],
                clients=clients,
                months_since_visit=months,
                risk=risk,
                visit=visit,
                reason=reason,
            )
        )
    return out


# -- the whole period ----------------------------------------------------------------------------------


METHOD = [
    "Tapahtumat (palvelusuoritteet) luetaan Parquet-tiedostosta DuckDB-tietokantamoottorilla muistin ulkopuolella: "
    "yksi ryhmittelykysely laskee sopimuksittain, yksiköittäin ja kuukausittain suoritteet, eri asiakkaat, "
    "alkaneet palvelut, sopimuksen enimmäisajassa alkaneet ja odotusajan 90. persentiilin (pienin arvo, jota "
    "vähintään 90 % odotusajoista ei ylitä).",
    "Mittareita verrataan kunkin sopimuksen raja-arvoihin (vaihe 5) ja päivättyihin lakisääteisiin "
    "vähimmäisvaatimuksiin; jakson ensimmäisenä päivänä voimassa oleva sääntö ratkaisee.",
    "Poikkeama on vakava, jos lakisääteinen vähimmäisvaatimus ei täyty tai tapahtui vakava haittatapahtuma; "
    "merkittävä, jos mittari poikkeaa raja-arvostaan yli {ratio} %; muuten vähäinen.",
    "Seuraamusporras nousee toistuvasta (sama mittari uudelleen) tai vakavasta poikkeamasta, pysyy uudesta "
    "vähäisestä poikkeamasta ja laskee yhdellä jaksosta, jolla poikkeamia ei ole. Edellisen jakson porras luetaan "
    "sen tiedoksi merkitystä raportista.",
    "Ylilaskutus = laskutettu € − toteutuneet suoritteet × sopimuksen yksikköhinta, kun erotus on positiivinen.",
    "Valvontakäyntien riski = yksikön poikkeamien vakavuus (1–3 kukin) × asiakkaat × kuukaudet edellisestä "
    "käynnistä; käynnit kohdistetaan suurimman riskin yksiköihin jakson kapasiteetin mukaan.",
]


def analyse_monitoring(
    inputs: MonitoringInputs,
    basis: MonitoringBasis,
    *,
    region_code: str,
    region_name: str,
    cycle: int,
    visit_capacity: int,
    meeting: dt.date | None = None,
) -> MonitoringAnalysis:
    """The whole period: aggregate, KPIs, deviations, the ladder, billing, the supervision plan."""
    start, end = period_bounds(inputs.period)
    contracts = [c for c in basis.contracts.contracts if c.start <= end and c.end >= start]
    guarantees = guarantee_rules(inputs.rules, start)
    aggregates = aggregate_events(inputs.events_path, contracts, guarantees)
    kpis, deviations, billing, applied = compute_kpis(inputs, contracts, aggregates)
    meeting = meeting or report_meeting(inputs.period)
    previous = {s.contract_id: s for s in basis.previous_ladder}
    ladder = [
        move_ladder(
            c,
            [d for d in deviations if d.contract_id == c.contract_id],
            previous_step=previous[c.contract_id].step if c.contract_id in previous else 0,
            previous_kpis=basis.previous_deviations.get(c.contract_id, []),
            rules=inputs.rules,
            meeting=meeting,
        )
        for c in sorted(contracts, key=lambda c: c.contract_id)
    ]
    visits = plan_visits(inputs, contracts, deviations, aggregates.unit_clients, basis.previous_visits, visit_capacity)
    starts: dict[str, tuple[int, int]] = defaultdict(lambda: (0, 0))
    for um in aggregates.unit_months:
        s, w = starts[um.contract_id]
        starts[um.contract_id] = (s + um.starts, w + um.within_contract)
    trend = [
        *basis.trend,
        *(
            TrendPoint(
                period=inputs.period,
                contract_id=step.contract_id,
                deviations=sum(1 for d in deviations if d.contract_id == step.contract_id),
                step=step.step,
                over_billed_eur=round_half_up(
                    sum(b.over_billed_eur for b in billing if b.contract_id == step.contract_id), 2
                ),
                wait_within_pct=(
                    round_half_up(100 * starts[step.contract_id][1] / starts[step.contract_id][0], 1)
                    if starts[step.contract_id][0]
                    else None
                ),
            )
            for step in ladder
        ),
    ]
    return MonitoringAnalysis(
        region_code=region_code,
        region_name=region_name,
        cycle=cycle,
        period=inputs.period,
        period_start=start,
        period_end=end,
        previous_period=basis.previous_period,
        unit_months=aggregates.unit_months,
        kpis=kpis,
        deviations=deviations,
        billing=billing,
        ladder=ladder,
        visits=visits,
        visit_capacity=visit_capacity,
        trend=trend,
        rules_applied=applied,
        method=[m.format(ratio=_fmt(100 * inputs.rules.ladder.significant_ratio, 0)) for m in METHOD],
        events=aggregates.events,
        synthetic=inputs.synthetic,
        files={role: Path(p).name for role, p in inputs.files.items()},
    )
