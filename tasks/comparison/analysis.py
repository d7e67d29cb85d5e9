"""Stage 4 (Tuotantotapojen vertailu ja valinta): the costing model. Pure functions, no Prefect.

Own production — full cost per unit by the common costing principles of the JHS recommendations
JHS 203 "Kuntien ja kuntayhtymien kustannuslaskenta" and JHS 204 "Maakuntien kustannuslaskenta":

* cost causation (aiheuttamisperiaate): a cost centre's costs go to the service product it
  produces; support services (tukipalvelut) and administration (hallinto) are pools allocated by
  keys (jakoperusteet), each key summing to 100 %;
* administration is split into the organiser's share (järjestäjän osuus: strategic planning,
  procurement, steering and supervision of all producers) and the producer's share. The
  organiser's share is NOT a production cost: the region bears it whichever mode it chooses, so it
  is added to neither side. The producer's share is part of own full cost;
* personnel costs include pension and other social-security costs;
* capital costs are depreciation plus imputed interest on the capital employed (rate a parameter);
  the imputed interest is not in the income statement and so outside the reconciliation;
* reconciliation to the income statement: per account group, the cost rows must sum to the
  income statement (a difference above the tolerance is an error naming the rows), and the
  allocation must be complete: Σ services + organiser share + other activities = income statement.

Purchased production — the comparable unit cost is the price plus the organiser's own costs of
buying (procurement and contract management: costs caused by buying, so they belong to the
purchased side), with VAT treated as the parameter says (see
:class:`~schemas.comparison.VatTreatment` and :data:`VAT_BASIS`). The organiser's monitoring of a
purchased service is left out of both modes and shown apart: the organiser's self-monitoring covers
its own production as well as the purchased (valvontalaki 741/2023, 23 § 2 mom.), and the
organiser's share of administration, which pays for it in own production, is outside both too.

Avoidable cost — beside the full cost, own production's avoidable unit cost leaves out what stays
with the region when a unit is outsourced (by default rents, capital costs, support services and
administration: the parameter ``stays_when_outsourced``).

Yearly € effect — per service and option, (option's unit cost − today's volume-weighted unit cost)
× today's total volume: what moving the whole volume to that option would cost (+) or save (−).

Sensitivity: low/high shares of every allocation key, a low/high imputed interest rate and ± an
uncertainty on the organiser's buying costs give low–high ranges; when the own and the external
range overlap, the difference is within the uncertainty ("ero on epävarmuusvälin sisällä").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from schemas.chains import ChainsBasis, ProductionMode
from schemas.comparison import COST_GROUPS as _COST_GROUPS
from schemas.comparison import (
    CRITERIA,
    CRITERION_LABELS,
    MONITORING_LABEL,
    ORGANISER,
    OTHER,
    OWN_COMPONENTS,
    PURCHASED_COMPONENTS,
    AllocatedShare,
    ComparisonAnalysis,
    ComparisonInputs,
    ComparisonMatrix,
    ComparisonParams,
    CostComponent,
    CostDifference,
    CostGroup,
    CostPool,
    CriterionScore,
    FeeBasis,
    IncomeStatementLine,
    ModeOption,
    OccupationFte,
    OrganisingPlan,
    OwnCostCalculation,
    OwnCostLine,
    OwnServiceCost,
    PersonnelImpact,
    PlanChange,
    PlanEntry,
    PoolKind,
    PoolRecipient,
    PreviousPlan,
    PreviousPlanRef,
    PurchaseContract,
    PurchasedCostCalculation,
    PurchasedServiceCost,
    QualityLine,
    RecommendedMode,
    ReconciliationLine,
    SensitivityRule,
    ServiceComparison,
    ServicePersonnelImpact,
    VatHandling,
    VatTreatment,
)
from soteflow.data.tabular import row_ranges
from soteflow.errors import InputError
from soteflow.numbers import fi_number, round_half_up
from tasks.comparison.inputs import GROUP_COLUMNS
from tasks.comparison.sensitivity import (
    OptionBasis,
    Sensitivities,
    analyse_service,
    method_paragraphs,
    robustness_sentence,
    shipped_rule,
)

#: Which account groups make up each own-cost component (the rest come from allocations).
COMPONENT_GROUPS: dict[str, tuple[CostGroup, ...]] = {
    "personnel": (CostGroup.WAGES, CostGroup.PENSIONS, CostGroup.OTHER_SOCIAL),
    "materials": (CostGroup.PURCHASED_SERVICES, CostGroup.MATERIALS, CostGroup.OTHER_COSTS),
    "premises": (CostGroup.RENTS,),
    "capital": (CostGroup.DEPRECIATION,),
}

#: The legal basis of the VAT treatment as printed (not checked by a lawyer: see the report).
VAT_BASIS: list[str] = [
    "Hyvinvointialueelle palautetaan sen verollisiin hankintoihin sisältyvä arvonlisävero "
    "(arvonlisäverolaki 1501/1993, 130 §). Oman tuotannon kustannukset ovat siksi kirjanpidossa "
    "arvonlisäverottomia, ja verollisten ostojen vertailuhinta on veroton hinta.",
    "Yksityisiltä tuottajilta ostetut sosiaali- ja terveyspalvelut ovat arvonlisäverosta vapaita "
    "(arvonlisäverolaki 34–37 §), mutta tuottajan hintaan sisältyy sen omiin hankintoihin sisältynyt "
    "vero (piilevä arvonlisävero). Sen kompensoimiseksi hyvinvointialue saa verottomista sosiaali- ja "
    "terveydenhuollon ostoista laskennallisen palautuksen (arvonlisäverolaki 130 §), jonka osuus hinnasta "
    "on parametri.",
]

#: Recommendation rules, in the order they are applied (printed in the document).
RULES: list[str] = [
    "1. Jos palvelulla on vain yksi tuotantotapa, jolle on kustannustiedot, suositellaan sitä: vertailua ei voi tehdä.",
    "2. Sekamallia suositellaan, kun ulkoisen tuotannon ja oman tuotannon kustannusero on epävarmuusvälin "
    "sisällä ja nykyinen kapasiteetti edellyttää molempia: kummankin osuus suoritteista on vähintään "
    "kapasiteettiehdon verran.",
    "3. Palveluseteliä suositellaan, kun palveluseteli soveltuu palveluun (vaiheen 3 palvelukatalogi tai "
    "nykyinen setelikäyttö), sen pienten tuottajien ja järjestöjen pisteet ovat vähintään kynnysarvon ja sen "
    "painotettu kokonaispistemäärä on vaihtoehdoista suurin.",
    "4. Muuten suositellaan tuotantotapaa, jonka painotettu kokonaispistemäärä on suurin (tasapisteissä "
    "nykyinen tuotantotapa, sitten oma tuotanto).",
]

COST_SCORE_METHOD = (
    "Kustannuspisteet = 5 × halvin vertailukelpoinen yksikkökustannus / vaihtoehdon yksikkökustannus: "
    "halvin vaihtoehto saa 5 pistettä ja esimerkiksi 25 % kalliimpi 4 pistettä. Muut kriteerit pisteytetään "
    "1–5 laatu- ja saatavuustiedoston mukaan. Kokonaispistemäärä = Σ paino × pisteet."
)

_MODE_ORDER = (ProductionMode.OWN, ProductionMode.PURCHASED, ProductionMode.VOUCHER)


def _r2(value: float) -> float:
    return round_half_up(value, 2)


def _r4(value: float) -> float:
    return round_half_up(value, 4)


def _fi(value: float, decimals: int = 2) -> str:
    return fi_number(value, decimals)


# -- own production ----------------------------------------------------------------------------


def _income_by_group(lines: Sequence[IncomeStatementLine]) -> dict[CostGroup, IncomeStatementLine]:
    return {line.data.group: line for line in lines}


def _file_ref(line: OwnCostLine | IncomeStatementLine) -> str:
    return f"{line.file} / {line.sheet}" if line.sheet else line.file


def reconcile_cost_rows(inputs: ComparisonInputs, tolerance: float, *, inputs_dir: str | None = None) -> None:
    """Per account group, the cost rows must sum to the income statement within ``tolerance`` €.

    A larger difference raises an :class:`InputError` at the income-statement row, naming the
    income-statement row and the cost rows of that account group (their column).
    """
    statement = _income_by_group(inputs.income_statement)
    for group in CostGroup:
        line = statement[group]
        rows = [c for c in inputs.own_costs if c.data.amount(group) != 0]
        total = sum(c.data.amount(group) for c in inputs.own_costs)
        difference = total - line.data.amount
        if abs(difference) > tolerance:
            where = (
                f"{_file_ref(rows[0])} rows {row_ranges(c.row for c in rows)}" if rows else "no cost rows have amounts"
            )
            raise InputError(
                f"account group {group.label_fi!r} does not reconcile: the income statement has "
                f"{_fi(line.data.amount)} € (row {line.row}), the cost rows sum to {_fi(total)} € "
                f"(difference {_fi(difference)} €, tolerance {_fi(tolerance)} €); cost rows in column "
                f"{GROUP_COLUMNS[group]!r}: {where}",
                file=_path(inputs_dir, line.file),
                sheet=line.sheet,
                row=line.row,
                field="euroa",
            )


def _path(inputs_dir: str | None, name: str) -> str:
    return f"{inputs_dir.rstrip('/')}/{name}" if inputs_dir else name


def _check_key_sums(inputs: ComparisonInputs, params: ComparisonParams, inputs_dir: str | None) -> dict[str, float]:
    """Each pool's key sums to 100 % within the tolerance (each share's low ≤ share ≤ high is checked
    when the rows are read, so Σ low ≤ 100 % ≤ Σ high follows)."""
    sums: dict[str, float] = {}
    by_pool: dict[str, list[int]] = defaultdict(list)
    for index, key in enumerate(inputs.allocation_keys):
        by_pool[key.data.pool_id].append(index)
    for pool_id, indexes in by_pool.items():
        lines = [inputs.allocation_keys[i] for i in indexes]
        first = lines[0]
        total = sum(k.data.share for k in lines)
        rows = row_ranges(k.row for k in lines)
        if abs(total - 100.0) > params.key_tolerance_pp + 1e-9:
            raise InputError(
                f"the allocation key of pool {pool_id} ({first.data.pool_name}) sums to {_fi(total, 4)} %, not "
                f"100 % (tolerance {_fi(params.key_tolerance_pp)} percentage points); rows {rows}",
                file=_path(inputs_dir, first.file),
                sheet=first.sheet,
                row=first.row,
                field="osuus %",
            )
        sums[pool_id] = total
    return sums


def compute_own_costs(
    inputs: ComparisonInputs,
    params: ComparisonParams,
    names: dict[str, str] | None = None,
    *,
    inputs_dir: str | None = None,
) -> OwnCostCalculation:
    """The full cost of each own-production service product, reconciled to the income statement.

    Per service ``s`` (amounts € per year; ``r`` the imputed interest rate, ``k_ps`` the share of
    pool ``p`` allocated to ``s`` after scaling the key to exactly 100 %)::

        personnel      = wages + pensions + other social-security costs          (direct rows)
        materials      = purchased services + materials + other operating costs  (direct rows)
        premises       = rents                                                   (direct rows)
        capital        = depreciation + r × capital employed                     (direct rows)
        pool total_p   = Σ costs of the pool's rows + r × the pool's capital
        support        = Σ_p(kind support)        k_ps × total_p
        administration = Σ_p(kind administration) k_ps × total_p   (producer share only:
                         the organiser's share k_p,JÄRJESTÄJÄ stays outside both modes)
        full cost      = Σ components;  unit cost = full cost / volume
        net            = full cost − client fees
        avoidable      = full cost − the components that stay when the unit is outsourced
                         (``params.stays_when_outsourced``: premises, capital, support, administration)

    Low/high unit costs use each key's low/high share and the low/high interest rate.
    ``names`` gives service names (else the cost rows' ``palvelutuote``). Raises
    :class:`InputError` when a key does not sum to 100 % or the cost rows do not reconcile.
    """
    key_sums = _check_key_sums(inputs, params, inputs_dir)
    reconcile_cost_rows(inputs, params.reconciliation_tolerance, inputs_dir=inputs_dir)
    rate, rate_low, rate_high = (
        params.interest_rate / 100,
        params.interest_rate_low / 100,
        params.interest_rate_high / 100,
    )
    pool_ids = list(key_sums)
    rows_of: dict[str, list[OwnCostLine]] = defaultdict(list)
    for line in inputs.own_costs:
        rows_of[line.data.service_id].append(line)
    service_ids = sorted(s for s in rows_of if s not in key_sums and s != OTHER)

    pools: list[CostPool] = []
    shares: dict[tuple[str, str], float] = {}  # (pool, recipient) → share scaled to 100 %
    pool_by_group: dict[str, dict[CostGroup, float]] = {}
    pool_capital_of: dict[str, float] = {}
    pool_total: dict[str, float] = {}  # exact pool totals (costs + imputed interest), before rounding
    pool_info: dict[str, CostPool] = {}
    for pool_id in pool_ids:
        keys = [k for k in inputs.allocation_keys if k.data.pool_id == pool_id]
        rows = rows_of[pool_id]
        by_group = {g: sum(r.data.amount(g) for r in rows) for g in _COST_GROUPS}
        costs = sum(by_group.values())
        capital = sum(r.data.capital for r in rows)
        total = costs + rate * capital
        recipients = []
        for key in keys:
            share = key.data.share * 100.0 / key_sums[pool_id]
            shares[(pool_id, key.data.recipient)] = share
            recipients.append(
                PoolRecipient(
                    recipient=key.data.recipient,
                    share=_r4(share),
                    share_as_given=_r4(key.data.share),
                    low=_r4(key.data.low if key.data.low is not None else key.data.share),
                    high=_r4(key.data.high if key.data.high is not None else key.data.share),
                    amount=_r2(total * share / 100),
                    source=key.source,
                )
            )
        pool_by_group[pool_id] = by_group
        pool_capital_of[pool_id] = capital
        pool_total[pool_id] = total
        pool = CostPool(
            pool_id=pool_id,
            name=keys[0].data.pool_name,
            kind=keys[0].data.kind,
            basis=keys[0].data.basis,
            costs=_r2(costs),
            costs_by_group={g.value: _r2(v) for g, v in by_group.items()},
            capital=_r2(capital),
            imputed_interest=_r2(rate * capital),
            total=_r2(total),
            key_sum=_r4(key_sums[pool_id]),
            recipients=recipients,
            sources=[r.source for r in rows] + [k.source for k in keys],
        )
        pools.append(pool)
        pool_info[pool_id] = pool

    services = []
    for service_id in service_ids:
        rows = rows_of[service_id]
        sources = [r.source for r in rows]
        volume = sum(r.data.volume for r in rows)
        direct = {g: sum(r.data.amount(g) for r in rows) for g in CostGroup}
        capital = sum(r.data.capital for r in rows)
        allocations: list[AllocatedShare] = []
        low_allocated = high_allocated = 0.0
        for pool_id in pool_ids:
            if (pool_id, service_id) not in shares:
                continue
            key = next(
                k for k in inputs.allocation_keys if k.data.pool_id == pool_id and k.data.recipient == service_id
            )
            pool_rows = rows_of[pool_id]
            costs = costs_total(pool_by_group[pool_id])
            pool_capital = pool_capital_of[pool_id]
            low = key.data.low if key.data.low is not None else key.data.share
            high = key.data.high if key.data.high is not None else key.data.share
            low_allocated += (costs + rate_low * pool_capital) * low / 100
            high_allocated += (costs + rate_high * pool_capital) * high / 100
            allocations.append(
                AllocatedShare(
                    pool_id=pool_id,
                    pool_name=pool_info[pool_id].name,
                    kind=pool_info[pool_id].kind,
                    basis=pool_info[pool_id].basis,
                    share=_r4(shares[(pool_id, service_id)]),
                    low=_r4(low),
                    high=_r4(high),
                    amount=_r2(pool_total[pool_id] * shares[(pool_id, service_id)] / 100),
                    amount_low=_r2((costs + rate_low * pool_capital) * low / 100),
                    amount_high=_r2((costs + rate_high * pool_capital) * high / 100),
                    sources=[r.source for r in pool_rows] + [key.source],
                )
            )
        interest = rate * capital
        allocated = {
            kind: sum(
                pool_total[a.pool_id] * shares[(a.pool_id, service_id)] / 100 for a in allocations if a.kind is kind
            )
            for kind in PoolKind
        }
        amounts = {
            "personnel": sum(direct[g] for g in COMPONENT_GROUPS["personnel"]),
            "materials": sum(direct[g] for g in COMPONENT_GROUPS["materials"]),
            "premises": direct[CostGroup.RENTS],
            "capital": direct[CostGroup.DEPRECIATION] + interest,
            "support": allocated[PoolKind.SUPPORT],
            "administration": allocated[PoolKind.ADMINISTRATION],
        }
        component_sources = {
            "personnel": [r.source for r in rows if any(r.data.amount(g) for g in COMPONENT_GROUPS["personnel"])],
            "materials": [r.source for r in rows if any(r.data.amount(g) for g in COMPONENT_GROUPS["materials"])],
            "premises": [r.source for r in rows if r.data.rents],
            "capital": [r.source for r in rows if r.data.depreciation or r.data.capital],
            "support": [s for a in allocations if a.kind is PoolKind.SUPPORT for s in a.sources],
            "administration": [s for a in allocations if a.kind is PoolKind.ADMINISTRATION for s in a.sources],
        }
        full = sum(amounts.values())
        # What the region avoids when the unit is outsourced: the full cost less what stays with it.
        avoidable = full - sum(amounts[code] for code in params.stays_when_outsourced)
        fees = direct[CostGroup.FEES]
        direct_costs = sum(direct[g] for g in _COST_GROUPS)
        low_full = direct_costs + rate_low * capital + low_allocated
        high_full = direct_costs + rate_high * capital + high_allocated
        name = (names or {}).get(service_id) or next(
            (r.data.product_name for r in rows if r.data.product_name), service_id
        )
        services.append(
            OwnServiceCost(
                service_id=service_id,
                name=name,
                unit=rows[0].data.unit or "",
                volume=_r2(volume),
                cost_centres=[f"{r.data.cost_centre} {r.data.cost_centre_name}" for r in rows],
                cost_rows=sources,
                direct_by_group={g.value: _r2(v) for g, v in direct.items()},
                capital=_r2(capital),
                imputed_interest=_r2(interest),
                allocations=allocations,
                components=[
                    CostComponent(
                        code=code,
                        label=OWN_COMPONENTS[code],
                        amount=_r2(amounts[code]),
                        per_unit=_r2(amounts[code] / volume),
                        sources=component_sources[code],
                    )
                    for code in OWN_COMPONENTS
                ],
                full_cost=_r2(full),
                fees=_r2(fees),
                net_cost=_r2(full - fees),
                unit_cost=_r2(full / volume),
                unit_cost_net=_r2((full - fees) / volume),
                unit_cost_low=_r2(low_full / volume),
                unit_cost_high=_r2(high_full / volume),
                avoidable_cost=_r2(avoidable),
                unit_cost_avoidable=_r2(avoidable / volume),
                sources=sources + [s for a in allocations for s in a.sources],
            )
        )

    reconciliation = _reconcile_allocation(inputs, params, service_ids, pool_ids, shares, pool_by_group, rows_of)
    statement = _income_by_group(inputs.income_statement)
    for check in reconciliation:
        if not check.ok:  # cannot happen once keys are scaled to 100 %; kept as a guard on the arithmetic
            source = statement[check.group]
            raise InputError(
                f"the allocation of account group {check.label!r} does not add up to the income statement "
                f"(difference {_fi(check.allocation_difference)} €)",
                file=_path(inputs_dir, source.file),
                sheet=source.sheet,
                row=source.row,
                field="euroa",
            )
    organiser = sum(pool_total[p] * shares.get((p, ORGANISER), 0.0) / 100 for p in pool_ids)
    other = sum(sum(r.data.amount(g) for g in _COST_GROUPS) for r in rows_of.get(OTHER, [])) + sum(
        pool_total[p] * shares.get((p, OTHER), 0.0) / 100 for p in pool_ids
    )
    return OwnCostCalculation(
        year=inputs.own_costs[0].data.year,
        interest_rate=params.interest_rate,
        interest_range=(params.interest_rate_low, params.interest_rate_high),
        services=services,
        pools=pools,
        organiser_share=_r2(organiser),
        other_activities=_r2(other),
        reconciliation=reconciliation,
        reconciled=all(line.ok for line in reconciliation),
        statement_from_targets=inputs.income_statement_from is not None,
        tolerance=params.reconciliation_tolerance,
        method=own_method(params),
    )


def costs_total(by_group: dict[CostGroup, float]) -> float:
    """The sum of a pool's costs over the cost groups."""
    return sum(by_group.values())


def _reconcile_allocation(
    inputs: ComparisonInputs,
    params: ComparisonParams,
    service_ids: Sequence[str],
    pool_ids: Sequence[str],
    shares: dict[tuple[str, str], float],
    pool_by_group: dict[str, dict[CostGroup, float]],
    rows_of: dict[str, list[OwnCostLine]],
) -> list[ReconciliationLine]:
    """Per account group: Σ services + organiser + other activities against the income statement."""
    statement = _income_by_group(inputs.income_statement)
    out = []
    for group in CostGroup:
        line = statement[group]
        cost_rows = sum(c.data.amount(group) for c in inputs.own_costs)
        services = sum(r.data.amount(group) for s in service_ids for r in rows_of[s])
        organiser = 0.0
        other = sum(r.data.amount(group) for r in rows_of.get(OTHER, []))
        if not group.is_income:
            for pool_id in pool_ids:
                amount = pool_by_group[pool_id][group]
                services += sum(amount * shares.get((pool_id, s), 0.0) / 100 for s in service_ids)
                organiser += amount * shares.get((pool_id, ORGANISER), 0.0) / 100
                other += amount * shares.get((pool_id, OTHER), 0.0) / 100
        allocated = services + organiser + other
        difference = cost_rows - line.data.amount
        allocation_difference = allocated - line.data.amount
        # The rows behind the sum: those with an amount in the group (all rows when the sum is 0).
        rows = [c for c in inputs.own_costs if c.data.amount(group) != 0] or list(inputs.own_costs)
        out.append(
            ReconciliationLine(
                group=group,
                label=group.label_fi,
                income_statement=_r2(line.data.amount),
                cost_rows=_r2(cost_rows),
                difference=_r2(difference),
                services=_r2(services),
                organiser=_r2(organiser),
                other=_r2(other),
                allocated_total=_r2(allocated),
                allocation_difference=_r2(allocation_difference),
                ok=abs(difference) <= params.reconciliation_tolerance
                and abs(allocation_difference) <= params.reconciliation_tolerance,
                sources=[line.source] + [c.source for c in rows],
            )
        )
    return out


def own_method(params: ComparisonParams) -> list[str]:
    """The own-production costing principles as printed (with the parameters used)."""
    return [
        "Oman tuotannon täyskustannus on laskettu JHS 203 (Kuntien ja kuntayhtymien kustannuslaskenta) ja "
        "JHS 204 (Maakuntien kustannuslaskenta) -suositusten yhteisten periaatteiden mukaisesti: kustannukset "
        "kohdistetaan aiheuttamisperiaatteella kustannuspaikoilta palvelutuotteille, ja tukipalvelujen sekä "
        "hallinnon kustannukset jaetaan jakoperusteiden mukaan. Jakoperusteen osuudet on skaalattu tarkalleen "
        f"100 %:iin, kun niiden summa poikkeaa siitä enintään {fi_number(params.key_tolerance_pp, 2)} "
        "prosenttiyksikköä.",
        "Henkilöstökuluihin sisältyvät palkkojen lisäksi eläkekulut ja muut henkilösivukulut.",
        f"Pääomakulut ovat poistot ja laskennallinen korko ({fi_number(params.interest_rate, 1)} %) sitoutuneelle "
        "pääomalle. Laskennallinen korko ei sisälly tuloslaskelmaan, joten se on täsmäytyksen ulkopuolella.",
        "Hallinnon kustannukset jaetaan järjestäjän ja tuottajan osuuteen. Järjestäjän osuus (palvelujen "
        "järjestämisen suunnittelu, hankinnat, kaikkien tuottajien ohjaus ja valvonta) ei ole "
        "tuotantokustannus: se syntyy tuotantotavasta riippumatta, joten sitä ei lisätä kumpaankaan "
        "vertailtavaan kustannukseen. Tuottajan osuus sisältyy oman tuotannon täyskustannukseen.",
        avoidable_text(params),
        "Kustannusrivit on täsmäytetty tuloslaskelmaan tiliryhmittäin (sallittu ero "
        f"{fi_number(params.reconciliation_tolerance, 2)} €), ja kohdistus on täydellinen: vertailtaville "
        "palveluille kohdistettu + järjestäjän osuus + muu toiminta = tuloslaskelma.",
    ]


#: The own-cost components in the words of the avoidable-cost sentence (genitive plural where needed).
_STAYS_WORDS: dict[str, str] = {
    "personnel": "henkilöstökulut",
    "materials": "palvelujen ostot, aineet ja muut kulut",
    "premises": "toimitilojen vuokrat",
    "capital": "pääomakulut (poistot ja laskennallinen korko)",
    "support": "tukipalvelujen kustannukset",
    "administration": "tuottajan hallinnon kustannukset",
}


def stays_words(params: ComparisonParams) -> str:
    """The components that stay when a unit is outsourced, as a Finnish list (``a, b ja c``)."""
    words = [_STAYS_WORDS[code] for code in OWN_COMPONENTS if code in params.stays_when_outsourced]
    if not words:
        return "ei mitään"
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " ja " + words[-1]


def avoidable_text(params: ComparisonParams) -> str:
    """The avoidable-cost view and its assumption as printed."""
    return (
        "Täyskustannuksen rinnalla esitetään oman tuotannon vältettävissä oleva kustannus: se osa "
        "täyskustannuksesta, joka poistuu, jos palvelu ulkoistetaan. Oletuksena on, että "
        f"{stays_words(params)} jäävät hyvinvointialueelle ainakin lyhyellä aikavälillä (vuokrasopimukset, "
        "tilat ja laitteet, yhteiset tukipalvelut ja hallinto eivät pienene palvelun mukana). Vältettävissä "
        "oleva kustannus kertoo, paljonko ulkoistaminen säästää lyhyellä aikavälillä; täyskustannus kertoo "
        "tuotantotapojen pitkän aikavälin kustannuserot."
    )


# -- purchased production ------------------------------------------------------------------------


def effective_price(price: float, vat: VatHandling, vat_rate: float, params: ComparisonParams) -> float:
    """The comparable price per unit under the VAT treatment.

    ``exclusive``: exempt → price × (1 − computed refund %); taxable → the VAT-exclusive price.
    ``with_unrefunded_vat``: exempt → the price as paid; taxable → price × (1 + VAT %).
    """
    if params.vat_treatment is VatTreatment.EXCLUSIVE:
        return price * (1 - params.computed_refund_rate / 100) if vat is VatHandling.EXEMPT else price
    return price if vat is VatHandling.EXEMPT else price * (1 + vat_rate / 100)


def compute_purchased_costs(
    inputs: ComparisonInputs, params: ComparisonParams, names: dict[str, str] | None = None
) -> PurchasedCostCalculation:
    """The comparable unit cost of each purchased service and mode.

    Per service and mode (``u`` the organiser-cost uncertainty)::

        purchases       = Σ comparable price × volume           (VAT as the parameter says)
        organiser costs = Σ procurement + contract management
        client share    = Σ client payments to the producer (vouchers only; omavastuuosuus)
        total           = purchases + organiser costs + client share;  unit cost = total / volume
        monitoring      = Σ monitoring: shown apart, in neither mode's unit cost (the organiser
                          supervises its own production too, valvontalaki 741/2023, 23 § 2 mom.)
        net             = total − client payments (fees collected by the region, or the voucher client share)
        low / high      = (purchases + client share + organiser costs × (1 ∓ u)) / volume
    """
    groups: dict[tuple[str, ProductionMode], list[int]] = defaultdict(list)
    for index, line in enumerate(inputs.purchases):
        groups[(line.data.service_id, line.data.mode)].append(index)
    own_units = {c.data.service_id: c.data.unit for c in inputs.own_costs if c.data.unit}
    u = params.organiser_cost_uncertainty / 100
    services = []
    for service_id, mode in sorted(groups, key=lambda k: (k[0], _MODE_ORDER.index(k[1]))):
        lines = [inputs.purchases[i] for i in groups[(service_id, mode)]]
        contracts = []
        for line in lines:
            d = line.data
            price = effective_price(d.price, d.vat, d.vat_rate, params)
            contracts.append(
                PurchaseContract(
                    producer=d.producer,
                    producer_type=d.producer_type,
                    price=_r2(d.price),
                    vat=d.vat,
                    vat_rate=d.vat_rate,
                    effective_price=_r4(price),
                    volume=_r2(d.volume),
                    purchase_cost=_r2(price * d.volume),
                    organiser_costs=_r2(d.procurement + d.contract_management),
                    monitoring=_r2(d.monitoring),
                    fees=_r2(d.fees),
                    source=line.source,
                )
            )
        volume = sum(line.data.volume for line in lines)
        fees = sum(line.data.fees for line in lines)
        amounts = {
            # The contracts' purchases to the cent (as in the contracts table): 46,00 × 0,95 is 43,699… in
            # binary, and the cents keep a half-cent unit cost rounding up as worked by hand.
            "price": sum(c.purchase_cost for c in contracts),
            "procurement": sum(line.data.procurement for line in lines),
            "contract_management": sum(line.data.contract_management for line in lines),
            # A voucher's client pays the producer the difference (omavastuuosuus): part of the
            # service's gross cost, though not the region's, so gross bases are comparable.
            "client_share": fees if mode is ProductionMode.VOUCHER else 0.0,
        }
        organiser = amounts["procurement"] + amounts["contract_management"]
        monitoring = sum(line.data.monitoring for line in lines)
        total = sum(amounts.values())
        small = sum(line.data.volume for line in lines if line.data.producer_type.small_or_ngo)
        column = {
            "price": None,
            "procurement": "procurement",
            "contract_management": "contract_management",
            "client_share": "fees",
        }
        unit = own_units.get(service_id) or next((line.data.unit for line in lines if line.data.unit), "")
        services.append(
            PurchasedServiceCost(
                service_id=service_id,
                name=(names or {}).get(service_id, service_id),
                mode=mode,
                unit=unit,
                volume=_r2(volume),
                contracts=contracts,
                small_producer_share=_r4(small / volume),
                components=[
                    CostComponent(
                        code=code,
                        label=PURCHASED_COMPONENTS[code],
                        amount=_r2(amounts[code]),
                        per_unit=_r2(amounts[code] / volume),
                        sources=[
                            line.source
                            for line in lines
                            if column[code] is None or getattr(line.data, str(column[code])) != 0
                        ],
                    )
                    for code in PURCHASED_COMPONENTS
                ],
                monitoring=CostComponent(
                    code="monitoring",
                    label=MONITORING_LABEL,
                    amount=_r2(monitoring),
                    per_unit=_r2(monitoring / volume),
                    sources=[line.source for line in lines if line.data.monitoring != 0],
                ),
                total_cost=_r2(total),
                fees=_r2(fees),
                net_cost=_r2(total - fees),
                unit_cost=_r2(total / volume),
                unit_cost_net=_r2((total - fees) / volume),
                unit_cost_low=_r2((amounts["price"] + amounts["client_share"] + organiser * (1 - u)) / volume),
                unit_cost_high=_r2((amounts["price"] + amounts["client_share"] + organiser * (1 + u)) / volume),
                sources=[line.source for line in lines],
            )
        )
    return PurchasedCostCalculation(
        vat_treatment=params.vat_treatment,
        vat_basis=VAT_BASIS,
        computed_refund_rate=params.computed_refund_rate,
        organiser_cost_uncertainty=params.organiser_cost_uncertainty,
        monitoring_total=_r2(sum(line.data.monitoring for line in inputs.purchases)),
        services=services,
        method=purchased_method(params),
    )


def purchased_method(params: ComparisonParams) -> list[str]:
    """The purchased-cost principles as printed (with the parameters used)."""
    if params.vat_treatment is VatTreatment.EXCLUSIVE:
        vat = (
            "Vertailu tehdään arvonlisäverottomin kustannuksin: verollisten ostojen hinta on veroton hinta, ja "
            f"verottomien sosiaali- ja terveyspalvelujen hinnasta on vähennetty laskennallinen palautus "
            f"({fi_number(params.computed_refund_rate, 1)} %)."
        )
    else:
        vat = (
            "Vertailussa on mukana palauttamaton arvonlisävero: verottomien palvelujen hinnasta ei vähennetä "
            "laskennallista palautusta, ja verollisiin ostoihin lisätään arvonlisävero. Oman tuotannon "
            "kustannukset ovat kirjanpidossa arvonlisäverottomia."
        )
    return [
        "Ostopalvelun vertailukelpoinen yksikkökustannus on sopimushinta (palvelusetelissä setelin arvo) "
        "lisättynä järjestäjän omilla kilpailutuksen, hankinnan ja sopimushallinnan kustannuksilla, koska ne "
        "aiheutuvat ostamisesta.",
        MONITORING_METHOD,
        vat,
        f"Järjestäjän hankinta- ja sopimushallintakulut ovat arvioita; niiden epävarmuudeksi on oletettu "
        f"±{fi_number(params.organiser_cost_uncertainty, 0)} %.",
        VOUCHER_SHARE_METHOD,
    ]


#: How the organiser's monitoring is treated (printed in the method): once, for neither mode.
MONITORING_METHOD = (
    "Järjestäjän valvontakuluja ei lueta kummankaan tuotantotavan vertailukelpoiseen kustannukseen. "
    "Hyvinvointialueen omavalvontaan kuuluu valvoa oman palvelutuotannon lisäksi palveluntuottajien "
    "kanssa tehtyjen sopimusten noudattamista (laki sosiaali- ja terveydenhuollon valvonnasta 741/2023, "
    "23 § 2 mom.), ja oman tuotannon valvonta sisältyy järjestäjän hallinto-osuuteen, jota ei lisätä "
    "kumpaankaan. Ostopalvelujen valvontakulut esitetään erikseen."
)

#: The voucher client's share as printed: the client's own payment to the producer, not a client fee.
VOUCHER_SHARE_METHOD = (
    "Palvelusetelillä asiakas maksaa tuottajalle omavastuuosuuden eli sen osan tuottajan hinnasta, jota "
    "setelin arvo ei kata (laki sosiaali- ja terveydenhuollon palvelusetelistä 569/2009, 3 § 4 kohta). Se "
    "perustuu asiakkaan ja tuottajan väliseen sopimukseen (6 § 2 mom.) eikä ole asiakasmaksulain (734/1992) "
    "mukainen asiakasmaksu. Palvelusetelin bruttokustannukseen luetaan setelin arvo ja omavastuuosuus, jotta "
    "se on vertailukelpoinen oman tuotannon bruttokustannuksen kanssa; nettokustannus on hyvinvointialueen "
    "maksama osuus."
)


def fee_basis_text(params: ComparisonParams) -> str:
    """How client payments enter the comparison: asiakasmaksut in own production and purchased services,
    the voucher client's omavastuuosuus (palvelusetelilaki 569/2009) apart from them."""
    return (
        f"Yksikkökustannuksia verrataan perusteella {params.fee_basis.label_fi}. Omassa tuotannossa ja "
        "ostopalvelussa asiakasmaksut määräytyvät asiakasmaksulain (734/1992) mukaan samoin, ja ne perii "
        "hyvinvointialue. Palvelusetelillä asiakas maksaa asiakasmaksun sijaan tuottajalle omavastuuosuuden, "
        "jonka suuruus riippuu tuottajan hinnasta (palvelusetelilaki 569/2009, 3 § 4 kohta ja 6 § 2 mom.). "
        "Nettokustannukset, joista asiakasmaksut tai omavastuuosuudet on vähennetty, esitetään taulukoissa "
        "rinnalla. Arvonlisävero: " + params.vat_treatment.label_fi + "."
    )


# -- decision matrix and recommendation ---------------------------------------------------------


def _basis_costs(
    mode: ProductionMode,
    own: OwnServiceCost | None,
    bought: PurchasedServiceCost | None,
    basis: FeeBasis,
) -> tuple[float, float, float, float]:
    """(unit cost, low, high, volume) of one option on the comparison basis (gross or net)."""
    item = own if mode is ProductionMode.OWN else bought
    assert item is not None
    fees_per_unit = item.fees / item.volume if basis is FeeBasis.NET else 0.0
    unit = item.unit_cost_net if basis is FeeBasis.NET else item.unit_cost
    return unit, _r2(item.unit_cost_low - fees_per_unit), _r2(item.unit_cost_high - fees_per_unit), item.volume


def _unit_text(value: float, unit: str) -> str:
    return f"{_fi(value)} €/{unit}" if unit else f"{_fi(value)} €"


def build_matrix(
    own: OwnCostCalculation,
    purchased: PurchasedCostCalculation,
    quality: Sequence[QualityLine],
    params: ComparisonParams,
    basis: ChainsBasis | None = None,
    sensitivity_rule: SensitivityRule | None = None,
) -> ComparisonMatrix:
    """The decision matrix, cost differences and recommendation of each service.

    Cost score = 5 × cheapest unit cost / the option's unit cost; the qualitative criteria are the
    1–5 scores of ``laatu_saatavuus.csv``; total = Σ normalised weight × score. The rules in
    :data:`RULES` give the recommendation; every rationale sentence is generated from the numbers.
    With ``sensitivity_rule`` each service also gets its sensitivity to the price at the next
    tender, the volume and the quality (:mod:`tasks.comparison.sensitivity`); the recommendation
    itself reads only the measured ranges.
    """
    weights = params.normalised_weights()
    raw = params.weights()
    exact = {k: v / sum(raw.values()) for k, v in raw.items()}
    own_by = {s.service_id: s for s in own.services}
    bought_by = {(s.service_id, s.mode): s for s in purchased.services}
    scores_by = {(q.data.service_id, q.data.mode): q for q in quality}
    service_ids = sorted(set(own_by) | {s for s, _m in bought_by})
    out = []
    for service_id in service_ids:
        own_cost = own_by.get(service_id)
        modes = [m for m in _MODE_ORDER if (m is ProductionMode.OWN and own_cost) or (service_id, m) in bought_by]
        costs = {m: _basis_costs(m, own_cost, bought_by.get((service_id, m)), params.fee_basis) for m in modes}
        cheapest = min(c[0] for c in costs.values())
        total_volume = sum(c[3] for c in costs.values())
        unit = own_cost.unit if own_cost else bought_by[(service_id, modes[0])].unit
        name = own_cost.name if own_cost else bought_by[(service_id, modes[0])].name
        # Today's mix: Σ unit cost × volume over the modes in use (the options' rounded unit costs).
        current_cost = sum(_r2(c[0]) * c[3] for c in costs.values())
        options = []
        values_by: dict[ProductionMode, dict[str, float]] = {}
        for mode in modes:
            unit_cost, low, high, volume = costs[mode]
            q = scores_by[(service_id, mode)]
            cost_score = 5.0 * cheapest / unit_cost if cheapest > 0 and unit_cost > 0 else 5.0
            item_sources = (
                own_cost.sources if mode is ProductionMode.OWN and own_cost else bought_by[(service_id, mode)].sources
            )
            values = {
                "cost": cost_score,
                "quality": q.data.quality,
                "availability": q.data.availability,
                "small_producers": q.data.small_producers,
                "continuity": q.data.continuity,
                "innovation": q.data.innovation,
            }
            values_by[mode] = values
            bases = {
                "cost": f"{_unit_text(unit_cost, unit)}; halvin {_unit_text(cheapest, unit)}",
                "quality": _indicator(q.data.quality_indicator, q.data.quality_value, q.data.note),
                "availability": _indicator(q.data.availability_indicator, q.data.availability_value, None),
                "small_producers": "pisteytys laatu- ja saatavuustiedostossa",
                "continuity": "pisteytys laatu- ja saatavuustiedostossa",
                "innovation": "pisteytys laatu- ja saatavuustiedostossa",
            }
            scores = [
                CriterionScore(
                    criterion=c,
                    label=CRITERION_LABELS[c],
                    score=_r4(values[c]),
                    weight=weights[c],
                    weighted=_r4(exact[c] * values[c]),
                    basis=bases[c],
                    sources=item_sources if c == "cost" else [q.source],
                )
                for c in CRITERIA
            ]
            options.append(
                ModeOption(
                    mode=mode,
                    unit_cost=_r2(unit_cost),
                    unit_cost_low=low,
                    unit_cost_high=high,
                    volume=volume,
                    volume_share=_r4(volume / total_volume) if total_volume else 0.0,
                    scores=scores,
                    total=_r4(sum(exact[c] * values[c] for c in CRITERIA)),
                    # The whole volume at this option's unit cost against today's mix.
                    annual_effect=_r2(_r2(unit_cost) * total_volume - current_cost),
                )
            )
        avoidable = None
        if own_cost is not None and own_cost.unit_cost_avoidable is not None:
            fees_per_unit = own_cost.fees / own_cost.volume if params.fee_basis is FeeBasis.NET else 0.0
            avoidable = _r2(own_cost.unit_cost_avoidable - fees_per_unit)
        item = _recommend(service_id, name, unit, options, params, basis, own_avoidable=avoidable)
        update: dict[str, object] = {
            "volume": _r2(total_volume),
            "current_unit_cost": _r2(current_cost / total_volume) if total_volume else None,
        }
        if sensitivity_rule is not None:
            scenarios = _sensitivities(
                service_id,
                options,
                {m: c[0] for m, c in costs.items()},
                values_by,
                own_cost,
                {m: bought_by[(service_id, m)] for m in modes if m is not ProductionMode.OWN},
                params,
                basis,
                sensitivity_rule,
                (item.recommendation, item.best_mode),
            )
            update["sensitivity"] = scenarios.service
            update["options"] = [
                o.model_copy(
                    update={
                        "price_range": scenarios.price.get(o.mode),
                        "volume_range": scenarios.volume[o.mode],
                        "scenario_range": scenarios.scenario[o.mode],
                    }
                )
                for o in options
            ]
        out.append(item.model_copy(update=update))
    effects = [i.recommended_effect for i in out if i.recommended_effect is not None]
    return ComparisonMatrix(
        weights=weights,
        fee_basis=params.fee_basis,
        rules=RULES,
        cost_score_method=COST_SCORE_METHOD,
        sensitivity_method=sensitivity_method(params, sensitivity_rule),
        services=out,
        effect_method=EFFECT_METHOD,
        effect_total=_r2(sum(effects)),
        sensitivity_rule=sensitivity_rule,
    )


def _sensitivities(
    service_id: str,
    options: Sequence[ModeOption],
    exact_costs: dict[ProductionMode, float],
    values_by: dict[ProductionMode, dict[str, float]],
    own_cost: OwnServiceCost | None,
    bought: dict[ProductionMode, PurchasedServiceCost],
    params: ComparisonParams,
    basis: ChainsBasis | None,
    rule: SensitivityRule,
    decided: tuple[RecommendedMode, ProductionMode | None],
) -> Sensitivities:
    """One service's scenarios: each option's price per unit and fixed part, and the recommendation
    rules re-run on a scenario's unit costs (the measured range moving with them) and quality scores."""
    raw = params.weights()
    exact = {k: v / sum(raw.values()) for k, v in raw.items()}
    current, own_share = current_mode(options, params)  # the volumes' shares do not change
    voucher_suitable = _voucher_suitability(service_id, options, basis)[0]

    def evaluate(
        delta: Mapping[ProductionMode, float], quality: Mapping[ProductionMode, float]
    ) -> tuple[RecommendedMode, ProductionMode]:
        units = {m: exact_costs[m] + delta.get(m, 0.0) for m in exact_costs}
        cheapest = min(units.values())
        scenario = []
        for option in options:
            unit_cost, shift = units[option.mode], delta.get(option.mode, 0.0)
            values = dict(values_by[option.mode])
            values["cost"] = 5.0 * cheapest / unit_cost if cheapest > 0 and unit_cost > 0 else 5.0
            values["quality"] += quality.get(option.mode, 0.0)
            scenario.append(
                option.model_copy(
                    update={
                        "unit_cost": _r2(unit_cost),
                        "unit_cost_low": _r2(option.unit_cost_low + shift),
                        "unit_cost_high": _r2(option.unit_cost_high + shift),
                        "total": _r4(sum(exact[c] * values[c] for c in CRITERIA)),
                    }
                )
            )
        recommendation, _rule = _decide(scenario, params, current, own_share, voucher_suitable)
        return recommendation, _best(scenario, current).mode

    if evaluate({}, {}) != decided:  # cannot happen: the scenarios start from the matrix's own figures
        raise RuntimeError(f"the sensitivity analysis of {service_id} does not reproduce its recommendation")
    bases = []
    for option in options:
        if option.mode is ProductionMode.OWN:
            assert own_cost is not None
            # What stays when the volume changes: the components that stay when the unit is outsourced.
            avoidable = own_cost.avoidable_cost if own_cost.avoidable_cost is not None else own_cost.full_cost
            fixed = (own_cost.full_cost - avoidable) / own_cost.volume
            price = 0.0
        else:
            item = bought[option.mode]
            per_unit = {c.code: c.amount / item.volume for c in item.components}
            fixed = per_unit["procurement"] + per_unit["contract_management"]
            price = per_unit["price"]
        bases.append(
            OptionBasis(
                mode=option.mode,
                unit_cost=exact_costs[option.mode],
                low=option.unit_cost_low,
                high=option.unit_cost_high,
                price_per_unit=price,
                fixed_per_unit=fixed,
                quality=values_by[option.mode]["quality"],
                total=option.total,
            )
        )
    return analyse_service(bases, rule, evaluate, quality_weight=exact["quality"])


EFFECT_METHOD: list[str] = [
    "Vuosivaikutus kertoo, paljonko palvelun kustannukset muuttuisivat vuodessa, jos sen koko nykyinen "
    "suoritemäärä tuotettaisiin kyseisellä tuotantotavalla: (vaihtoehdon yksikkökustannus − nykyisen "
    "tuotantotapojen yhdistelmän suoritteilla painotettu yksikkökustannus) × suoritteet yhteensä. Negatiivinen "
    "luku on säästö, positiivinen lisäkustannus.",
    "Vaikutus lasketaan vertailukelpoisilla yksikkökustannuksilla (oman tuotannon täyskustannus). Ulkoistamisen "
    "säästö lyhyellä aikavälillä on pienempi, koska osa kustannuksista jää hyvinvointialueelle (vältettävissä "
    "oleva kustannus). Sekamallin vaikutus on nolla, kun nykyinenkin tuotantotapa on sekamalli; kun "
    "sekamalliin siirrytään yhdestä tuotantotavasta, osuudet ja vaikutus arvioidaan hankintasuunnitelmassa.",
]


def _indicator(name: str | None, value: float | None, note: str | None) -> str:
    text = name or "pisteytys laatu- ja saatavuustiedostossa"
    if value is not None:
        text += f": {fi_number(value, 2).rstrip('0').rstrip(',')}"
    if note:
        text += f" ({note})"
    return text


def sensitivity_method(params: ComparisonParams, rule: SensitivityRule | None = None) -> list[str]:
    """The sensitivity analysis as printed: the measured ranges the recommendation rules read, and the
    scenario factors of ``rule`` reported as sensitivities."""
    measured = [
        "Oman tuotannon yksikkökustannuksen vaihteluväli saadaan, kun jokaisen tukipalvelun ja hallinnon "
        "jakoperusteen osuus vaihtelee tiedostossa annettujen ala- ja ylärajojen välillä ja laskennallinen korko "
        f"välillä {fi_number(params.interest_rate_low, 1)}–{fi_number(params.interest_rate_high, 1)} %.",
        "Ulkoisen tuotannon vaihteluväli saadaan, kun järjestäjän hankinta- ja sopimushallintakulut "
        f"vaihtelevat ±{fi_number(params.organiser_cost_uncertainty, 0)} %.",
        "Kun oman ja ulkoisen tuotannon vaihteluvälit ovat päällekkäiset, ero on epävarmuusvälin sisällä: "
        "kustannusten perusteella tuotantotavat ovat yhtä edullisia.",
    ]
    return measured + (method_paragraphs(rule, stays_words(params)) if rule is not None else [])


def _difference(own: ModeOption, other: ModeOption, unit: str) -> CostDifference:
    diff = other.unit_cost - own.unit_cost
    pct = 100 * diff / own.unit_cost if own.unit_cost else 0.0
    within = _within(own, other)
    label = "Ostopalvelun" if other.mode is ProductionMode.PURCHASED else "Palvelusetelin"
    direction = "suurempi" if diff > 0 else "pienempi"
    statement = (
        f"{label} vertailukelpoinen yksikkökustannus on {_fi(abs(diff))} € ({fi_number(abs(pct), 1)} %) "
        f"{direction} kuin oman tuotannon"
        if round(diff, 2) != 0
        else f"{label} vertailukelpoinen yksikkökustannus on sama kuin oman tuotannon"
    )
    statement += (
        "; ero on epävarmuusvälin sisällä."
        if within
        else f"; ero on epävarmuusvälin ulkopuolella (oma {_fi(own.unit_cost_low)}–{_fi(own.unit_cost_high)} €, "
        f"{label.lower()[:-1]} {_fi(other.unit_cost_low)}–{_fi(other.unit_cost_high)} €/{unit})."
    )
    return CostDifference(
        mode=other.mode, difference=_r2(diff), difference_pct=_r2(pct), within_uncertainty=within, statement=statement
    )


def current_mode(options: Sequence[ModeOption], params: ComparisonParams) -> tuple[RecommendedMode, float]:
    """The current mode from the volumes: one mode when its share ≥ ``single_mode_share``, else mixed."""
    total = sum(o.volume for o in options)
    own = sum(o.volume for o in options if o.mode is ProductionMode.OWN)
    own_share = own / total if total else 0.0
    largest = max(options, key=lambda o: (o.volume, -_MODE_ORDER.index(o.mode)))
    if total == 0 or largest.volume / total >= params.single_mode_share:
        return RecommendedMode.of(largest.mode), own_share
    return RecommendedMode.MIXED, own_share


def _within(own: ModeOption, other: ModeOption) -> bool:
    """The two options' measured low–high ranges overlap: the difference is within the uncertainty."""
    return other.unit_cost_low <= own.unit_cost_high and own.unit_cost_low <= other.unit_cost_high


def _best(options: Sequence[ModeOption], current: RecommendedMode) -> ModeOption:
    """The option with the largest weighted total (on a tie the current mode, then own production)."""

    def rank_key(option: ModeOption) -> tuple[float, int, int]:
        is_current = RecommendedMode.of(option.mode) is current
        return (option.total, 1 if is_current else 0, -_MODE_ORDER.index(option.mode))

    return max(options, key=rank_key)


def _voucher_suitability(
    service_id: str, options: Sequence[ModeOption], basis: ChainsBasis | None
) -> tuple[bool, str, ProductionMode | None]:
    """Whether the voucher suits the service, why (Finnish), and the stage-3 catalogue's mode."""
    catalogue = basis.service(service_id) if basis else None
    catalogue_mode = catalogue.mode if catalogue else None
    reasons = []
    if catalogue_mode is ProductionMode.VOUCHER:
        reasons.append("vaiheen 3 palvelukatalogissa tuotantotapa on palveluseteli")
    if any(o.mode is ProductionMode.VOUCHER for o in options):
        reasons.append("palveluseteliä käytetään nykyisin")
    basis_text = "; ".join(reasons) if reasons else "palveluseteli ei ole käytössä eikä katalogissa"
    return bool(reasons), basis_text, catalogue_mode


def _decide(
    options: Sequence[ModeOption],
    params: ComparisonParams,
    current: RecommendedMode,
    own_share: float,
    voucher_suitable: bool,
) -> tuple[RecommendedMode, str]:
    """The recommendation and the rule of :data:`RULES` that gives it (the sensitivity analysis re-runs
    this on its scenarios)."""
    by_mode = {o.mode: o for o in options}
    own = by_mode.get(ProductionMode.OWN)
    voucher = by_mode.get(ProductionMode.VOUCHER)
    best = _best(options, current)
    small_ok = (
        voucher is not None
        and voucher.scores[CRITERIA.index("small_producers")].score >= params.voucher_min_small_producers
    )
    capacity = min(own_share, 1 - own_share) >= params.mixed_min_share
    within = own is not None and any(_within(own, o) for o in options if o is not own)
    if len(options) == 1:
        return RecommendedMode.of(options[0].mode), "1"
    if within and capacity:
        return RecommendedMode.MIXED, "2"
    if voucher_suitable and voucher is not None and small_ok and best is voucher:
        return RecommendedMode.VOUCHER, "3"
    return RecommendedMode.of(best.mode), "4"


def _recommend(
    service_id: str,
    name: str,
    unit: str,
    options: list[ModeOption],
    params: ComparisonParams,
    basis: ChainsBasis | None,
    *,
    own_avoidable: float | None = None,
) -> ServiceComparison:
    by_mode = {o.mode: o for o in options}
    own = by_mode.get(ProductionMode.OWN)
    differences = [_difference(own, o, unit) for o in options if own is not None and o is not own]
    current, own_share = current_mode(options, params)
    voucher = by_mode.get(ProductionMode.VOUCHER)
    voucher_suitable, voucher_basis, catalogue_mode = _voucher_suitability(service_id, options, basis)

    best = _best(options, current)
    rationale = []
    basis_word = "nettokustannus" if params.fee_basis is FeeBasis.NET else "täyskustannus"
    cost_parts = []
    for option in options:
        label = {
            "own": f"Oman tuotannon {basis_word}",
            "purchased": "ostopalvelun vertailukelpoinen kustannus",
            "voucher": "palvelusetelin vertailukelpoinen kustannus",
        }[option.mode.value]
        cost_parts.append(
            f"{label} on {_unit_text(option.unit_cost, unit)} (vaihteluväli {_fi(option.unit_cost_low)}–"
            f"{_fi(option.unit_cost_high)} €)"
        )
    rationale.append(_sentence(" ja ".join(cost_parts)))
    rationale += [d.statement for d in differences]
    rationale.append(
        f"Nykyisin oman tuotannon osuus suoritteista on {fi_number(100 * own_share, 0)} % "
        f"(nykyinen tuotantotapa: {current.label_fi})."
    )
    rationale.append(
        "Painotettu kokonaispistemäärä: "
        + ", ".join(f"{RecommendedMode.of(o.mode).label_fi} {fi_number(o.total, 2)}" for o in options)
        + "."
    )
    recommendation, rule = _decide(options, params, current, own_share, voucher_suitable)
    if rule == "1":
        final = (
            f"Suositus: {recommendation.label_fi}, koska muulle tuotantotavalle ei ole kustannustietoja eikä "
            "vertailua voi tehdä."
        )
    elif rule == "2":
        final = (
            "Suositus: sekamalli, koska kustannusero on epävarmuusvälin sisällä ja nykyinen kapasiteetti "
            f"edellyttää molempia tuotantotapoja (kummankin osuus suoritteista vähintään "
            f"{fi_number(100 * params.mixed_min_share, 0)} %)."
        )
    elif rule == "3":
        assert voucher is not None
        final = (
            f"Suositus: palveluseteli, koska palveluseteli soveltuu palveluun ({voucher_basis}), pienten "
            f"tuottajien ja järjestöjen mahdollisuudet ovat hyvät (pisteet "
            f"{fi_number(voucher.scores[CRITERIA.index('small_producers')].score, 1)}) ja setelin painotettu "
            "kokonaispistemäärä on suurin."
        )
    else:
        final = (
            f"Suositus: {recommendation.label_fi}, koska sen painotettu kokonaispistemäärä "
            f"({fi_number(best.total, 2)}) on vaihtoehdoista suurin."
        )
    if own is not None and own_avoidable is not None:
        rationale += _avoidable_sentences(own, own_avoidable, options, unit, params)
    if rule == "2":
        # Rule 2 overrides the matrix: its best option is a single mode, the recommendation is mixed.
        rationale.append(
            f"Päätösmatriisin paras vaihtoehto on {RecommendedMode.of(best.mode).label_fi} (kokonaispistemäärä "
            f"{fi_number(best.total, 2)}), mutta suositussääntö 2 ohittaa sen, koska kustannusero on "
            "epävarmuusvälin sisällä ja nykyinen kapasiteetti edellyttää molempia tuotantotapoja."
        )
    if recommendation is RecommendedMode.MIXED:
        effect = 0.0 if current is RecommendedMode.MIXED else None
    else:
        effect = by_mode[ProductionMode(recommendation.value)].annual_effect
    if effect is not None:
        rationale.append(
            f"Suosituksen vuosivaikutus nykyiseen tuotantotapojen yhdistelmään verrattuna on {euros_text(effect)}"
            + (" (säästö)." if effect < 0 else " (lisäkustannus)." if effect > 0 else ".")
            + (" Tuotantotapojen osuudet eivät muutu." if recommendation is RecommendedMode.MIXED else "")
        )
    rationale.append(final)
    return ServiceComparison(
        service_id=service_id,
        name=name,
        unit=unit,
        options=options,
        differences=differences,
        current_mode=current,
        own_share=_r4(own_share),
        voucher_suitable=voucher_suitable,
        voucher_basis=voucher_basis,
        catalogue_mode=catalogue_mode,
        recommendation=recommendation,
        rule=rule,
        rationale=rationale,
        best_mode=best.mode,
        recommended_effect=effect,
        own_avoidable_unit_cost=own_avoidable,
    )


def _avoidable_sentences(
    own: ModeOption, avoidable: float, options: Sequence[ModeOption], unit: str, params: ComparisonParams
) -> list[str]:
    """One sentence when the avoidable cost changes the order: own production dearer than an external
    option on full cost but cheaper on what outsourcing would really save."""
    turned = [o for o in options if o is not own and avoidable < o.unit_cost < own.unit_cost]
    if not turned:
        return []
    names = " ja ".join(RecommendedMode.of(o.mode).label_fi for o in turned)
    return [
        f"Vältettävissä olevin kustannuksin oma tuotanto on kuitenkin edullisempi kuin {names}: ulkoistaminen "
        f"poistaisi vain {_unit_text(avoidable, unit)}, koska {stays_words(params)} jäävät hyvinvointialueelle."
    ]


def euros_text(value: float) -> str:
    """A yearly € amount as printed: millions with two decimals from 100 000 €, else whole euros."""
    if abs(value) >= 100_000:
        return f"{fi_number(value / 1e6, 2)} milj. €"
    return f"{fi_number(value, 0)} €"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


# -- personnel --------------------------------------------------------------------------------------

PERSONNEL_LEGAL_BASIS: list[str] = [
    "Liikkeen luovutus: työsopimuslaki (55/2001) 1 luku 10 § — kun toiminta tai sen osa luovutetaan toiselle "
    "työnantajalle ja se säilyy samana tai samankaltaisena, työsuhteet siirtyvät luovutuksensaajalle "
    "entisin ehdoin (vanhoina työntekijöinä).",
    "Viranhaltijat: laki kunnan ja hyvinvointialueen viranhaltijasta (304/2003) 25 § — virkasuhde muuttuu "
    "liikkeen luovutuksessa työsuhteeksi luovutuksensaajan palveluksessa.",
    "Yhteistoiminta: laki työnantajan ja henkilöstön välisestä yhteistoiminnasta kunnassa ja "
    "hyvinvointialueella (449/2007) 4 §:n 1 momentin 2 kohta — palvelujen uudelleen järjestämisen periaatteet "
    "käsitellään yhteistoiminnassa ennen päätöstä, jos asialla voi olla liikkeen luovutuksesta johtuvia "
    "henkilöstövaikutuksia.",
]


def personnel_impact(matrix: ComparisonMatrix, inputs: ComparisonInputs, own: OwnCostCalculation) -> PersonnelImpact:
    """FTEs by occupation affected where a recommendation changes the mode from the current one.

    own or mixed → purchased or voucher: all own-production FTEs of the service are affected; a
    transfer of undertaking (liikkeen luovutus) must be assessed. mixed or purchased → own: the
    additional own staff is estimated as own FTE per unit × the external volume, split by occupation
    in the proportions of today's own staff. own → mixed: the part to be bought is decided later, so
    the affected FTEs are not estimated here.
    """
    own_by = {s.service_id: s for s in own.services}
    out = []
    by_occupation: dict[str, float] = defaultdict(float)
    for item in matrix.services:
        lines = [p for p in inputs.personnel if p.data.service_id == item.service_id]
        occupations = [
            OccupationFte(
                occupation=p.data.occupation, employment=p.data.employment, fte=_r2(p.data.fte), source=p.source
            )
            for p in lines
        ]
        own_fte = sum(p.data.fte for p in lines)
        current, rec = item.current_mode, item.recommendation
        affected = 0.0
        additional: float | None = None
        additional_by: dict[str, float] = {}
        transfer = False
        implications: list[str] = []
        if current.has_own and not rec.has_own:
            change = "own_to_external"
            affected = own_fte
            transfer = True
            offices = sum(p.data.fte for p in lines if p.data.employment.value == "office")
            for o in occupations:
                by_occupation[o.occupation] += o.fte
            implications += [
                f"Oman tuotannon {fi_number(own_fte, 1)} henkilötyövuotta siirtyy tai sijoittuu uudelleen, jos "
                f"palvelu järjestetään jatkossa tuotantotavalla {rec.label_fi}.",
                "Jos toiminta siirtyy tuottajalle kokonaisuutena ja säilyy samana tai samankaltaisena, kyse on "
                "liikkeen luovutuksesta: työntekijät siirtyvät luovutuksensaajan palvelukseen vanhoina "
                "työntekijöinä (työsopimuslaki 1 luku 10 §).",
            ]
            if offices:
                implications.append(
                    f"Henkilöstöstä {fi_number(offices, 1)} htv on virkasuhteessa; virkasuhde muuttuu liikkeen "
                    "luovutuksessa työsuhteeksi (laki kunnan ja hyvinvointialueen viranhaltijasta 25 §)."
                )
            implications.append(
                "Ennen päätöstä asia käsitellään yhteistoimintamenettelyssä (laki työnantajan ja henkilöstön "
                "välisestä yhteistoiminnasta kunnassa ja hyvinvointialueella 449/2007, 4 § 1 mom. 2 kohta)."
            )
        elif (not current.has_own and rec.has_own) or (current is RecommendedMode.MIXED and rec is RecommendedMode.OWN):
            change = "external_to_own"
            service = own_by.get(item.service_id)
            external = sum(o.volume for o in item.options if o.mode is not ProductionMode.OWN)
            if service is not None and service.volume and own_fte:
                additional = _r2(own_fte / service.volume * external)
                # By occupation in the proportions of today's own staff of the service.
                for o in occupations:
                    additional_by[o.occupation] = additional_by.get(o.occupation, 0.0) + o.fte / own_fte * additional
                additional_by = {k: _r2(v) for k, v in additional_by.items()}
                implications.append(
                    f"Oman tuotannon laajentaminen ulkoisen tuotannon {fi_number(external, 0)} suoritteen verran "
                    f"edellyttää arviolta {fi_number(additional, 1)} henkilötyövuotta lisää (nykyinen oma "
                    f"henkilöstö {fi_number(own_fte, 1)} htv / {fi_number(service.volume, 0)} suoritetta): "
                    + ", ".join(f"{k} {fi_number(v, 1)} htv" for k, v in additional_by.items())
                    + "."
                )
            else:
                implications.append("Oman tuotannon henkilöstötarve arvioidaan erikseen.")
            implications.append(
                "Jos tuottajan toiminta siirtyy hyvinvointialueelle kokonaisuutena, myös se voi olla liikkeen "
                "luovutus, jolloin tuottajan henkilöstö siirtyy hyvinvointialueen palvelukseen "
                "(työsopimuslaki 1 luku 10 §). Henkilöstövaikutukset käsitellään yhteistoimintamenettelyssä."
            )
        elif current is RecommendedMode.OWN and rec is RecommendedMode.MIXED:
            change = "partial"
            implications.append(
                "Ulkoisen tuotannon osuus päätetään hankintasuunnitelmassa (vaihe 5); henkilöstövaikutukset "
                "arvioidaan ja käsitellään yhteistoimintamenettelyssä ennen hankintapäätöstä."
            )
        else:
            change = "none"
            implications.append("Tuotantotapa ei muutu, joten suosituksella ei ole henkilöstövaikutuksia.")
        out.append(
            ServicePersonnelImpact(
                service_id=item.service_id,
                name=item.name,
                current_mode=current,
                recommendation=rec,
                change=change,
                own_fte=_r2(own_fte),
                occupations=occupations,
                affected_fte=_r2(affected),
                additional_fte_estimate=additional,
                transfer_of_undertaking=transfer,
                implications=implications,
                additional_by_occupation=additional_by,
            )
        )
    return PersonnelImpact(
        services=out,
        total_own_fte=_r2(sum(p.data.fte for p in inputs.personnel)),
        total_affected_fte=_r2(sum(s.affected_fte for s in out)),
        by_occupation={k: _r2(v) for k, v in sorted(by_occupation.items())},
        legal_basis=PERSONNEL_LEGAL_BASIS,
        total_additional_fte=_r2(sum(s.additional_fte_estimate or 0.0 for s in out)),
    )


# -- organising plan --------------------------------------------------------------------------------


def organising_plan(
    matrix: ComparisonMatrix, region_code: str, cycle: int, previous: PreviousPlan | None = None
) -> OrganisingPlan:
    """The organising plan's production modes for the cycle, compared with the previous approved plan."""
    before = previous.plan if previous else None
    entries = []
    for item in matrix.services:
        prev = before.mode_of(item.service_id) if before else None
        entries.append(
            PlanEntry(
                service_id=item.service_id,
                name=item.name,
                chosen_mode=item.recommendation,
                current_mode=item.current_mode,
                own_share=item.own_share,
                rationale=item.rationale[-1],
                previous_mode=prev,
                changed=before is not None and prev is not item.recommendation,
            )
        )
    changes: list[PlanChange] = []
    if before is not None:
        now = {e.service_id: e for e in entries}
        old = {e.service_id: e for e in before.entries}
        for service_id in sorted(set(now) | set(old)):
            new_mode = now[service_id].chosen_mode if service_id in now else None
            old_mode = old[service_id].chosen_mode if service_id in old else None
            if new_mode is old_mode:
                continue
            name = now[service_id].name if service_id in now else old[service_id].name
            if old_mode is None:
                note = f"Uusi palvelu suunnitelmassa: {new_mode.label_fi if new_mode else ''}."
            elif new_mode is None:
                note = f"Ei enää mukana vertailussa (aiemmin {old_mode.label_fi})."
            else:
                note = f"Tuotantotapa muuttuu: {old_mode.label_fi} → {new_mode.label_fi}."
            changes.append(PlanChange(service_id=service_id, name=name, previous=old_mode, chosen=new_mode, note=note))
    return OrganisingPlan(
        region_code=region_code,
        cycle=cycle,
        entries=entries,
        previous=PreviousPlanRef(
            cycle=previous.cycle, key=previous.ref.key, version=previous.ref.version, sha256=previous.ref.sha256
        )
        if previous
        else None,
        changes=changes,
    )


# -- the whole analysis -----------------------------------------------------------------------------


def analyse_comparison(
    inputs: ComparisonInputs,
    params: ComparisonParams,
    *,
    region_code: str,
    region_name: str,
    cycle: int,
    basis: ChainsBasis | None = None,
    previous: PreviousPlan | None = None,
    inputs_dir: str | None = None,
    sensitivity_rule: SensitivityRule | None = None,
) -> ComparisonAnalysis:
    """Own and purchased costs, decision matrices, personnel impact, organising plan and findings.

    ``sensitivity_rule`` gives the scenario factors of the sensitivity analysis (the stage reads the
    dated rule for 1 January of the cycle's year from its data folder); without it the shipped rule
    file's entry for that day is used (:func:`tasks.comparison.sensitivity.shipped_rule`).
    """
    names = {s.service_id: s.name for s in basis.services} if basis else None
    own = compute_own_costs(inputs, params, names, inputs_dir=inputs_dir)
    own_names = {s.service_id: s.name for s in own.services}
    purchased = compute_purchased_costs(inputs, params, names or own_names)
    rule = sensitivity_rule if sensitivity_rule is not None else shipped_rule(cycle)
    matrix = build_matrix(own, purchased, inputs.quality, params, basis, rule)
    personnel = personnel_impact(matrix, inputs, own)
    plan = organising_plan(matrix, region_code, cycle, previous)
    return ComparisonAnalysis(
        region_code=region_code,
        region_name=region_name,
        cycle=cycle,
        params=params,
        own=own,
        purchased=purchased,
        matrix=matrix,
        personnel=personnel,
        plan=plan,
        findings=findings(own, matrix, personnel, plan),
        files=inputs.files,
    )


def findings(
    own: OwnCostCalculation, matrix: ComparisonMatrix, personnel: PersonnelImpact, plan: OrganisingPlan
) -> list[str]:
    """The key findings in Finnish, computed from the numbers."""
    out = [reconciliation_sentence(own)]
    counts: dict[RecommendedMode, list[str]] = defaultdict(list)
    for item in matrix.services:
        counts[item.recommendation].append(item.name)
    out.append(
        "Suositukset: "
        + "; ".join(
            f"{mode.label_fi}: {', '.join(names)}"
            for mode, names in sorted(counts.items(), key=lambda kv: list(RecommendedMode).index(kv[0]))
        )
        + "."
    )
    within = [i.name for i in matrix.services if any(d.within_uncertainty for d in i.differences)]
    if within:
        out.append(
            "Oman ja ulkoisen tuotannon kustannusero on epävarmuusvälin sisällä palveluissa: " + ", ".join(within) + "."
        )
    outside = [i for i in matrix.services if i.differences and not any(d.within_uncertainty for d in i.differences)]
    for item in outside:
        cheaper = min(item.options, key=lambda o: o.unit_cost)
        out.append(
            f"{item.name}: {RecommendedMode.of(cheaper.mode).label_fi} on selvästi edullisin "
            f"({_unit_text(cheaper.unit_cost, item.unit)})."
        )
    if matrix.effect_total is not None:
        out.append(effect_sentence(matrix))
    robustness = robustness_sentence(matrix.services)
    if robustness is not None:
        out.append(robustness)
    if personnel.total_affected_fte:
        out.append(
            f"Suositukset koskevat {fi_number(personnel.total_affected_fte, 1)} oman tuotannon henkilötyövuotta; "
            "liikkeen luovutuksen edellytykset arvioidaan ja asia käsitellään yhteistoimintamenettelyssä ennen "
            "päätöstä."
        )
    else:
        out.append("Suosituksista ei seuraa oman henkilöstön siirtoja.")
    if personnel.total_additional_fte:
        grown = [s.name for s in personnel.services if s.additional_fte_estimate]
        out.append(
            f"Oman tuotannon laajentaminen ({', '.join(grown)}) edellyttää arviolta "
            f"{fi_number(personnel.total_additional_fte, 1)} henkilötyövuotta lisää."
        )
    if plan.previous is not None:
        out.append(
            f"Edelliseen hyväksyttyyn järjestämissuunnitelmaan (suunnittelukierros {plan.previous.cycle}) "
            "verrattuna tuotantotapa "
            f"muuttuu {len(plan.changes)} palvelussa."
        )
    return out


def reconciliation_sentence(own: OwnCostCalculation) -> str:
    """Own production's costs against the income statement, and the organiser's share left out."""
    statement_costs = sum(line.income_statement for line in own.reconciliation if not line.group.is_income)
    statement = (
        f"vuoden {own.year} tilinpäätöksen tuloslaskelmaan, johon myös talouden kehys perustuu,"
        if own.statement_from_targets
        else "tuloslaskelmaan"
    )
    return (
        f"Oman tuotannon kustannukset täsmäävät {statement} kaikissa {len(own.reconciliation)} tiliryhmässä "
        f"(toimintakulut ja poistot {fi_number(statement_costs / 1e6, 1)} milj. €). Järjestäjän hallinto-osuutta "
        f"{fi_number(own.organiser_share / 1e6, 2)} milj. € ei ole lisätty kummankaan tuotantotavan kustannukseen."
    )


def effect_sentence(matrix: ComparisonMatrix) -> str:
    """The recommendations' yearly € effect summed, and the services it was estimated for."""
    total = matrix.effect_total or 0.0
    missing = [i.name for i in matrix.services if i.recommended_effect is None]
    text = (
        f"Suositusten yhteenlaskettu vuosivaikutus nykyiseen tuotantotapojen yhdistelmään verrattuna on "
        f"{euros_text(total)}" + (" (säästö)" if total < 0 else " (lisäkustannus)" if total > 0 else "")
    )
    if missing:
        text += f"; vaikutusta ei ole arvioitu palveluissa {', '.join(missing)}, koska osuudet päätetään myöhemmin"
    return text + "."


def catalogue_service_ids(payload: object) -> set[str]:
    """The step ids (``palvelu_id``) of the approved stage-3 ``chains-catalogue`` payload.

    ``payload`` is the stored JSON (a mapping) or a :class:`~schemas.chains.ServiceCatalogue`.
    """
    from schemas.chains import ServiceCatalogue

    catalogue = payload if isinstance(payload, ServiceCatalogue) else ServiceCatalogue.model_validate(payload)
    return catalogue.service_ids()


def sources_of(items: Iterable[str]) -> str:
    """Source labels joined for one cell of an export (``; `` between them, duplicates dropped)."""
    return "; ".join(dict.fromkeys(items))


def compact_sources(labels: Iterable[str]) -> str:
    """Source labels grouped by file and sheet with row ranges, for tables and exports.

    ``["a.xlsx / K / rivi 2", "a.xlsx / K / rivi 3", "b.csv / rivi 4"]`` →
    ``"a.xlsx / K / rivit 2–3; b.csv / rivi 4"``. Labels without a row number are kept as they are.
    """
    grouped: dict[str, list[int]] = {}
    plain: list[str] = []
    for label in labels:
        prefix, sep, number = label.rpartition(" / rivi ")
        if sep and number.isdigit():
            grouped.setdefault(prefix, []).append(int(number))
        elif label not in plain:
            plain.append(label)
    parts = []
    for prefix, numbers in grouped.items():
        unique_rows = sorted(set(numbers))
        word = "rivi" if len(unique_rows) == 1 else "rivit"
        parts.append(f"{prefix} / {word} {row_ranges(unique_rows)}")
    return "; ".join(parts + plain)
