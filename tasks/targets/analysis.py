"""Stage 2 (Tuloksellisuustavoitteiden asettaminen): the analysis, pure functions, no Prefect, no store.

With the approved stage-1 tables (:class:`~schemas.needs.NeedsBasis`) builds:

- the impact targets of the client groups, each with its baseline (from the approved stage-1
  need profile where the file names a profile field) and the stage-1 finding it answers;
- the financial situation and a multi-year framework forecast per named scenario, with the check
  of the statutory obligation to cover an accumulated deficit (hyvinvointialuelaki 611/2021
  115 § 2 mom.; the period is a parameter);
- the operating-cost frame of one year allocated to the client groups by need share, current
  spend or a blend of the two.

Every euro amount is rounded half up to whole euros as it is computed (a year's costs are the
rounded previous year's costs times the growth, minus the savings, rounded), so the worked
examples in the tests can be checked by hand and canonical JSON hashes are stable.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from schemas.needs import AreaProfile, NeedProfileTable, NeedsBasis
from schemas.results import SourceRef
from schemas.targets import (
    ActualYear,
    AllocationMethod,
    AllocationRules,
    ClientGroup,
    CoveragePlan,
    CoverageRule,
    DeficitCoverage,
    FinancialForecast,
    ForecastYear,
    FrameAllocation,
    FrameRow,
    FundingYear,
    GroupAllocation,
    ImpactTarget,
    ImpactTargets,
    MeasureEffect,
    NeedFinding,
    OwnRowAllocation,
    PhaseIn,
    PopulationBasis,
    ScenarioAssumptions,
    ScenarioForecast,
    TargetsAssessment,
    TargetsInputs,
)
from soteflow.errors import InputError
from soteflow.numbers import fi_meur, fi_number
from tasks.targets.inputs import check_direction, eur, round_to

METHOD_NAMES: Mapping[AllocationMethod, str] = {
    AllocationMethod.NEED_SHARE: "tarveosuuksien mukaan",
    AllocationMethod.CURRENT_SPEND: "nykyisten kustannusosuuksien mukaan",
    AllocationMethod.BLEND: "tarveosuuden ja nykyisen kustannusosuuden painotettuna yhdistelmänä",
}
FORECAST_METHOD = (
    "Toimintakulut_t = toimintakulut_(t−1) × (1 + kustannusten kasvu_t) − säästöt_t; valtion rahoitus_t = "
    "rahoitusennuste_t × (1 + skenaarion rahoitusmuutos); tulos_t = valtion rahoitus_t + muut tuotot_t − "
    "toimintakulut_t − poistot ja rahoituserät_t; kertynyt yli-/alijäämä_t = kertynyt_(t−1) + tulos_t. "
    "Lähtökohtana ovat viimeisen toteumavuoden toimintakulut ja taseen kertynyt yli-/alijäämä; eurot "
    "pyöristetään vuosittain täysiin euroihin."
)

# Impact targets


def _field_label(name: str) -> tuple[str, str, str]:
    """A stage-1 profile field's Finnish label, unit and unit qualifier, from the schema's description.

    ``"Pienituloisuusaste, % asuntoväestöstä"`` → ``("Pienituloisuusaste", "%", "asuntoväestöstä")``.
    """
    description = AreaProfile.model_fields[name].description or name
    for unit in ("%", "‰", "vuotta"):
        marker = f", {unit}"
        if marker in description and (description.endswith(marker) or f"{marker} " in description):
            head, tail = description.split(marker, 1)
            return head, unit, tail.strip()
    return description, "", ""


def _is_count(name: str) -> bool:
    return AreaProfile.model_fields[name].annotation in (int, int | None)


def stage1_value(profiles: NeedProfileTable, name: str, level: str = "region") -> float | None:
    """The region's (or country's) value of a stage-1 profile field."""
    area = profiles.region if level == "region" else profiles.country
    value = getattr(area, name)
    return None if value is None else float(value)


def finding_text(profiles: NeedProfileTable, name: str) -> str:
    """The stage-1 finding of a profile field, region against the whole country, in Finnish.

    A rate is compared as is; a count (e.g. disabled and long-term-ill unemployed job seekers) as
    the region's share of the country's count against the region's share of the population.
    """
    label, unit, qualifier = _field_label(name)
    region, country = stage1_value(profiles, name), stage1_value(profiles, name, "country")
    if region is None or country is None or country == 0:
        return f"{label}: vaiheen 1 aineistossa ei ole vertailukelpoista arvoa."
    if _is_count(name):
        share = 100 * region / country
        population_share = 100 * profiles.region.population / profiles.country.population
        side = "suurempi" if share > population_share else "pienempi"
        return (
            f"{label} {fi_number(region, 0)}: {fi_number(share, 1)} % koko maan määrästä, kun alueen väestöosuus on "
            f"{fi_number(population_share, 1)} % (väestöosuutta {side})."
        )
    suffix = f" {unit}" if unit else ""
    of_what = f" {qualifier}" if qualifier else ""
    ratio = region / country
    side = "korkeampi" if ratio > 1 else "matalampi" if ratio < 1 else "sama"
    return (
        f"{label} {fi_number(region, 1)}{suffix}{of_what} (koko maa {fi_number(country, 1)}{suffix}); "
        f"{side} kuin koko maassa, suhdeluku {fi_number(ratio, 2)}."
    )


def build_impact_targets(inputs: TargetsInputs, basis: NeedsBasis, cycle: int) -> ImpactTargets:
    """The impact targets with baselines from the approved stage-1 profile and their findings.

    A target whose file names a stage-1 field in ``lähtötaso_stage1`` takes the region's value as
    its baseline (``baseline_source='stage1'``, the period of that field's export as its year);
    otherwise the file's baseline is used. The finding points at ``needs-profile``
    ``region.<field>`` of the approved version.
    """
    file = inputs.files["tavoitteet"]
    profile_ref = basis.refs["needs-profile"]
    targets = []
    for spec in inputs.targets:
        source: Literal["stage1", "input"]
        if spec.baseline_field is not None:
            value = stage1_value(basis.profiles, spec.baseline_field)
            if value is None:
                raise InputError(
                    f"the approved stage-1 profile (needs-profile v{profile_ref.version}) has no region value "
                    f"for {spec.baseline_field}",
                    file=file,
                    row=spec.row,
                    field="lähtötaso_stage1",
                )
            baseline: float | None = round_to(value, 4)
            baseline_year = basis.periods.get(spec.baseline_field)
            check_direction(spec.direction, value, spec.target_value, file, spec.row)
            source = "stage1"
        else:
            baseline, baseline_year, source = spec.baseline, spec.baseline_year, "input"
        finding = None
        if spec.finding_field is not None:
            finding = NeedFinding(
                text=finding_text(basis.profiles, spec.finding_field),
                artefact=SourceRef.of(profile_ref),
                pointer=f"region.{spec.finding_field}",
            )
        targets.append(
            ImpactTarget(
                target_id=spec.target_id,
                client_group=spec.client_group,
                indicator=spec.indicator,
                unit=spec.unit,
                baseline=baseline,
                baseline_year=baseline_year,
                baseline_source=source,
                target_value=spec.target_value,
                target_year=spec.target_year,
                direction=spec.direction,
                finding=finding,
            )
        )
    return ImpactTargets(region_code=basis.region_code, cycle=cycle, targets=targets)


# ---------------------------------------------------------------------------------------------
# Forecast


def actual_years(inputs: TargetsInputs) -> list[ActualYear]:
    """The outturn of each actual year: costs and income from the ledger, funding from the funding file."""
    funding = {f.year: f for f in inputs.funding}
    out = []
    for year in inputs.actual_years:
        rows = [c for c in inputs.costs if c.year == year]
        costs = eur(sum(c.operating_costs for c in rows))
        income = eur(sum(c.operating_income for c in rows))
        f = funding[year]
        by_group = {g: eur(sum(c.operating_costs for c in rows if c.client_group is g)) for g in ClientGroup}
        by_row = {
            r: eur(sum(c.operating_costs for c in rows if c.frame_row is r))
            for r in FrameRow
            if any(c.frame_row is r for c in rows)
        }
        out.append(
            ActualYear(
                year=year,
                operating_costs_eur=costs,
                operating_income_eur=income,
                state_funding_eur=f.state_funding,
                other_items_eur=f.other_items,
                result_eur=eur(f.state_funding + income - costs - f.other_items),
                costs_by_group=by_group,
                costs_by_row=by_row,
            )
        )
    return out


def forecast_scenario(
    scenario: ScenarioAssumptions,
    *,
    base_costs: float,
    opening_accumulated: float,
    base_year: int,
    funding: Sequence[FundingYear],
    coverage: CoverageRule,
) -> ScenarioForecast:
    """One scenario's forecast from the base year's costs and the opening balance, with its coverage check."""
    by_year = {f.year: f for f in funding}
    costs, accumulated = base_costs, opening_accumulated
    years = []
    for assumption in scenario.years:
        f = by_year[assumption.year]
        costs = eur(costs * (1 + assumption.cost_growth_pct / 100) - assumption.savings_eur)
        state = eur(f.state_funding * (1 + scenario.funding_adjustment_pct / 100))
        income = f.other_income or 0.0
        result = eur(state + income - costs - f.other_items)
        accumulated = eur(accumulated + result)
        years.append(
            ForecastYear(
                year=assumption.year,
                cost_growth_pct=assumption.cost_growth_pct,
                savings_eur=assumption.savings_eur,
                operating_costs_eur=costs,
                state_funding_eur=state,
                operating_income_eur=income,
                other_items_eur=f.other_items,
                funding_eur=eur(state + income),
                result_eur=result,
                accumulated_eur=accumulated,
            )
        )
    return ScenarioForecast(
        key=scenario.key,
        name=scenario.name,
        description=scenario.description,
        funding_adjustment_pct=scenario.funding_adjustment_pct,
        years=years,
        coverage=deficit_coverage(scenario.name, years, opening_accumulated, base_year, coverage),
    )


def deficit_coverage(
    name: str, years: Sequence[ForecastYear], opening: float, base_year: int, rule: CoverageRule
) -> DeficitCoverage:
    """Whether the accumulated deficit is covered by the end of ``base_year + period`` (HVAL 115 §).

    The gap is the accumulated deficit left at the deadline; the improvement needed is the gap
    spread evenly over the forecast years up to the deadline (euros of better result per year).
    """
    deadline = base_year + rule.period_years
    at_deadline = next(y.accumulated_eur for y in years if y.year == deadline)
    covered = at_deadline >= 0
    gap = 0.0 if covered else -at_deadline
    n_years = deadline - base_year
    annual = eur(gap / n_years)
    first = base_year if opening >= 0 else None
    if first is None:
        first = next((y.year for y in years if y.accumulated_eur >= 0), None)
    if opening >= 0 and all(y.accumulated_eur >= 0 for y in years):
        statement = (
            f"{name}: taseessa ei ole katettavaa alijäämää ({base_year} lopussa {fi_meur(opening)}), eikä "
            "alijäämää kerry ennustekaudella."
        )
    elif covered:
        start = (
            f"taseen kertynyt alijäämä {fi_meur(opening)} ({base_year} lopussa) katetaan määräaikaan mennessä"
            if opening < 0
            else "katettavaa alijäämää ei ole määräaikana"
        )
        statement = f"{name}: {start}; kertynyt yli-/alijäämä on {deadline} lopussa {fi_meur(at_deadline)}."
    else:
        later = (
            f" Ennusteen mukaan alijäämä katetaan vasta vuonna {first}."
            if first is not None
            else " Alijäämä ei tule katetuksi ennustekaudella."
        )
        statement = (
            f"{name}: kertynyttä alijäämää ei saada katetuksi määräaikaan mennessä; {deadline} lopussa kertynyt "
            f"alijäämä on {fi_meur(at_deadline)}. Kattaminen edellyttää lisäsopeutusta keskimäärin "
            f"{fi_meur(annual)} vuodessa vuosina {base_year + 1}–{deadline}.{later}"
        )
    return DeficitCoverage(
        opening_accumulated_eur=opening,
        deadline_year=deadline,
        accumulated_at_deadline_eur=at_deadline,
        covered=covered,
        gap_eur=eur(gap),
        years_to_deadline=n_years,
        annual_improvement_needed_eur=annual,
        first_non_negative_year=first,
        statement=statement,
    )


def build_forecast(inputs: TargetsInputs, region_code: str, cycle: int) -> FinancialForecast:
    """The financial situation (actual years) and the framework forecast of every scenario."""
    actual = actual_years(inputs)
    assumptions = inputs.assumptions
    scenarios = [
        forecast_scenario(
            s,
            base_costs=actual[-1].operating_costs_eur,
            opening_accumulated=assumptions.opening_accumulated_eur,
            base_year=inputs.base_year,
            funding=[f for f in inputs.funding if f.kind == "ennuste"],
            coverage=assumptions.coverage,
        )
        for s in assumptions.scenarios
    ]
    return FinancialForecast(
        region_code=region_code,
        cycle=cycle,
        data_label=assumptions.data_label,
        base_year=inputs.base_year,
        actual=actual,
        statement=inputs.statement,
        opening_accumulated_eur=assumptions.opening_accumulated_eur,
        coverage_rule=assumptions.coverage,
        method_text=FORECAST_METHOD,
        scenarios=scenarios,
    )


# ---------------------------------------------------------------------------------------------
# Frame allocation


@dataclass(frozen=True)
class GroupNeed:
    """One client group's need measure against the country (:func:`group_needs`)."""

    population_label: str
    population: int
    age_ratio: float
    need_factor: float
    relative_need: float
    text: str


def relevant_population(area: AreaProfile, basis: PopulationBasis) -> int | None:
    """The inhabitants of ``area`` a client group's services serve, from the stage-1 age structure
    (population 31.12. × the share of the age group, rounded to whole persons)."""
    shares = {
        "all": 100.0,
        "age_0_14": area.share_under_15,
        "age_65_plus": area.share_65_plus,
        "age_15_64": None
        if area.share_under_15 is None or area.share_65_plus is None
        else 100.0 - area.share_under_15 - area.share_65_plus,
        "age_15_plus": None if area.share_under_15 is None else 100.0 - area.share_under_15,
    }
    share = shares[basis]
    return None if share is None else int(round_to(area.population * share / 100, 0))


def _missing(name: str, group: ClientGroup) -> InputError:
    return InputError(
        f"the approved stage-1 profile has no region and country value of {name} for {group.label_fi}",
        file="needs-profile",
        field=f"region.{name}",
    )


def group_needs(profiles: NeedProfileTable, rules: AllocationRules) -> dict[ClientGroup, GroupNeed]:
    """Each client group's need against the whole country, by the measures of ``rules``.

    Age ratio D = (the region's relevant inhabitants / its population) / (the same for the
    country); need factor m = 1 + Σ weight × (region / country − 1) over the group's socio-economic
    factors; relative need r = D × m (1 = the country's level per inhabitant). D, m and r to 4 decimals.
    """
    region, country = profiles.region, profiles.country
    out = {}
    for group in ClientGroup:
        rule = rules.groups[group]
        reg_pop, country_pop = (
            relevant_population(region, rule.population),
            relevant_population(country, rule.population),
        )
        if reg_pop is None or not country_pop or not region.population or not country.population:
            raise _missing("share_under_15 / share_65_plus", group)
        age_ratio = round_to((reg_pop / region.population) / (country_pop / country.population), 4)
        factor = 1.0
        for f in rule.factors:
            value, reference = stage1_value(profiles, f.field), stage1_value(profiles, f.field, "country")
            if value is None or not reference:
                raise _missing(f.field, group)
            factor += f.weight * (value / reference - 1)
        need_factor = round_to(factor, 4)
        out[group] = GroupNeed(
            population_label=rule.population_label,
            population=reg_pop,
            age_ratio=age_ratio,
            need_factor=need_factor,
            relative_need=round_to(age_ratio * need_factor, 4),
            text=f"{group.label_fi}: mittaa {rule.measures}; ei mittaa {rule.does_not_measure}.",
        )
    return out


def method_text(method: AllocationMethod, weight: float, base_year: int, rules: AllocationRules) -> str:
    """The allocation method in Finnish, as printed in the method attachment (paragraphs separated by newlines)."""
    factors = "; ".join(
        f"{g.genitive_fi} ryhmä: "
        + ", ".join(f"{_field_label(f.field)[0].lower()} (paino {fi_number(f.weight, 2)})" for f in rule.factors)
        for g, rule in rules.groups.items()
        if rule.factors
    )
    cut = (
        " Kun kehys ei ole perusvuoden toimintakuluja pienempi, minkään ryhmän kehys ei jää nimellisesti "
        "perusvuoden kuluja pienemmäksi."
        if rules.no_nominal_cut
        else ""
    )
    return (
        "Kehyksen jako noudattaa hyvinvointialueiden rahoituslain (617/2021) tarvelogiikkaa: tehtävän "
        "laskennallinen kustannus on asukaskohtainen hinta × asukkaat × tarvekerroin, joka muodostuu "
        "ikäryhmistä sekä sairastavuutta ja sosioekonomista asemaa kuvaavista tekijöistä (13 § ja 14 § sekä "
        "liite). Kullakin asiakasryhmällä on väestöpohja (ryhmän palvelujen ikäryhmä) ja tarvekerroin "
        "m = 1 + Σ paino × (alueen arvo / koko maan arvo − 1) ryhmän sosioekonomisista tekijöistä ("
        f"{factors}); muilla ryhmillä m = 1. Suhteellinen tarve asukasta kohden on r = D × m, jossa D on "
        "väestöpohjan osuus alueen väestöstä jaettuna koko maan osuudella.\nKoko maan kustannuksia "
        "asiakasryhmittäin ei ole aineistossa, joten vertailutasona on ryhmän omat kulut väestöpohjan asukasta "
        f"kohden vuonna {base_year}: väestöpohjan koko sisältyy jo kuluihin, ja tarveosuus n = s·m / Σ s·m "
        "siirtää rahaa ryhmien välillä vain tarvekertoimen mukaan (s on ryhmän osuus asiakasryhmien "
        f"toimintakuluista vuonna {base_year}). Tarvevakioitu vertailutaso asukasta kohden on n × "
        "asiakasryhmien kulut / väestöpohja.\nPelastustoimi ja yhteiset kustannukset ovat omia rivejään: "
        "ne pitävät osuutensa perusvuoden toimintakuluista eikä niitä jaeta asiakasryhmien tarpeen mukaan; "
        "pelastustoimen rahoitus määräytyy rahoituslaissa omin perustein (3 § ja 21–23 §).\n"
        f"Tavoiteosuus on a = w·n + (1 − w)·s, tarveosuuden paino w = {fi_number(weight, 2)} "
        f"({METHOD_NAMES[method]}). Siirtymä nykyisistä osuuksista tavoiteosuuksiin otetaan taloussuunnitelman "
        f"vuosina {rules.plan_span} ({rules.phase_years} vuotta): kehysvuosi saa siitä 1/{rules.phase_years}. "
        f"Ryhmän kehys poikkeaa nykyisten osuuksien mukaisesta enintään {fi_number(rules.max_change_pct, 1)} % "
        f"vuodessa.{cut} Rajoitusten jälkeen erotus jaetaan muille ryhmille niiden nykyisten osuuksien "
        "suhteessa. Osuudet pyöristetään kuuteen desimaaliin ja eurot täysiin euroihin; pyöristyserotus "
        f"kohdistetaan suurimmalle ryhmälle. Tarvemittarit ja siirtymän säännöt ovat tiedostossa {rules.source}."
    )


def _fit(
    desired: Mapping[ClientGroup, float],
    lower: Mapping[ClientGroup, float],
    upper: Mapping[ClientGroup, float],
    total: float,
    weight: Mapping[ClientGroup, float],
) -> tuple[dict[ClientGroup, float], dict[ClientGroup, str]]:
    """``desired`` moved to sum to ``total`` within ``lower``–``upper``: the difference is spread over
    the free groups in proportion to ``weight``; a group that would cross a bound is fixed at it (the
    farthest first) and the rest spread again. Returns the amounts and which bound fixed each group."""
    fixed: dict[ClientGroup, float] = {}
    bound: dict[ClientGroup, str] = {}
    while True:
        free = [g for g in desired if g not in fixed]
        if not free:
            return fixed, bound
        rest = total - sum(fixed.values()) - sum(desired[g] for g in free)
        weights = sum(weight[g] for g in free) or 1.0
        trial = {g: desired[g] + rest * weight[g] / weights for g in free}
        over = {g: max(lower[g] - trial[g], trial[g] - upper[g]) for g in free}
        worst = max(free, key=lambda g: over[g])
        if over[worst] <= 1e-6:
            return {**fixed, **trial}, bound
        fixed[worst] = min(max(trial[worst], lower[worst]), upper[worst])
        bound[worst] = "low" if trial[worst] < lower[worst] else "high"


def allocate_frame(
    *,
    region_code: str,
    frame_year: int,
    frame_eur: float,
    current_spend: Mapping[ClientGroup, float],
    needs: Mapping[ClientGroup, GroupNeed],
    method: AllocationMethod,
    need_weight: float,
    base_year: int,
    rules: AllocationRules,
    own_spend: Mapping[FrameRow, float] | None = None,
) -> FrameAllocation:
    """Allocate ``frame_eur`` to the rows kept apart and the client groups (method in :func:`method_text`).

    Own rows (rescue services, common costs) keep their share of the base year's costs. The client
    groups share the rest, F_g: the target share a = w·n + (1 − w)·s (``need_share`` w = 1,
    ``current_spend`` w = 0, a blend ``need_weight``); the frame year takes 1/years of the shift
    from the current shares, x = F_g·(s + (a − s) / years), bounded to ±``max_change_pct`` of the
    current-share frame F_g·s and, with ``no_nominal_cut`` while the frame is not below the base
    year's costs, to at least the base year's costs; what the bounds hold back is spread over the
    other groups in proportion to s. Euros and shares are rounded (6 decimals, whole euros) with the
    residue on the largest group, so the rows sum to the frame exactly.
    """
    weight = {AllocationMethod.NEED_SHARE: 1.0, AllocationMethod.CURRENT_SPEND: 0.0}.get(method, need_weight)
    groups = list(ClientGroup)
    own = dict(own_spend or {})
    spend = sum(current_spend[g] for g in groups)
    if spend <= 0:
        raise InputError("the base year's operating costs sum to zero; nothing to allocate by", field="toimintakulut")
    total = spend + sum(own.values())
    own_eur = {r: eur(own[r] * frame_eur / total) for r in own}
    groups_frame = frame_eur - sum(own_eur.values())
    share = {g: current_spend[g] / spend for g in groups}
    weighted = {g: share[g] * needs[g].need_factor for g in groups}
    need = {g: weighted[g] / sum(weighted.values()) for g in groups}
    target = {g: weight * need[g] + (1 - weight) * share[g] for g in groups}
    proportional = {g: share[g] * groups_frame for g in groups}
    desired = {g: groups_frame * (share[g] + (target[g] - share[g]) / rules.phase_years) for g in groups}
    cap = rules.max_change_pct / 100
    floor_applied = rules.no_nominal_cut and frame_eur >= total
    lower = {g: proportional[g] * (1 - cap) for g in groups}
    upper = {g: proportional[g] * (1 + cap) for g in groups}
    floors = {g: floor_applied and current_spend[g] >= lower[g] for g in groups}
    for g in groups:
        if floors[g]:
            lower[g] = current_spend[g]
            upper[g] = max(upper[g], lower[g])
    amounts, bound = _fit(desired, lower, upper, groups_frame, proportional)
    limited = {
        g: ("floor" if floors[g] else "cap") if bound.get(g) == "low" else "cap" if bound.get(g) == "high" else ""
        for g in groups
    }
    largest = max(groups, key=lambda g: (amounts[g], -groups.index(g)))
    euros = {g: eur(amounts[g]) for g in groups}
    euros[largest] = eur(groups_frame - sum(euros[g] for g in groups if g is not largest))
    own_share = {r: round_to(own_eur[r] / frame_eur, 6) for r in own}
    shares = {g: round_to(amounts[g] / frame_eur, 6) for g in groups}
    shares[largest] = round_to(1 - sum(own_share.values()) - sum(shares[g] for g in groups if g is not largest), 6)
    of_all = spend / total
    return FrameAllocation(
        region_code=region_code,
        frame_year=frame_year,
        frame_eur=eur(frame_eur),
        method=method,
        need_weight=round_to(weight, 4),
        method_text=method_text(method, weight, base_year, rules),
        groups=[
            GroupAllocation(
                client_group=g,
                current_spend_eur=eur(current_spend[g]),
                current_share=round_to(current_spend[g] / total, 6),
                relative_need=needs[g].relative_need,
                need_share=round_to(need[g] * of_all, 6),
                allocated_share=shares[g],
                allocated_eur=euros[g],
                population_label=needs[g].population_label,
                relevant_population=needs[g].population,
                age_ratio=needs[g].age_ratio,
                need_factor=needs[g].need_factor,
                spend_per_inhabitant_eur=eur(current_spend[g] / needs[g].population) if needs[g].population else None,
                expected_per_inhabitant_eur=eur(need[g] * spend / needs[g].population) if needs[g].population else None,
                target_share=round_to(target[g] * of_all, 6),
                change_pct=round_to(100 * (euros[g] / current_spend[g] - 1), 4) if current_spend[g] else None,
                need_measure=needs[g].text,
                limited_by=limited[g],
            )
            for g in groups
        ],
        own_rows=[
            OwnRowAllocation(
                row=r,
                current_spend_eur=eur(own[r]),
                current_share=round_to(own[r] / total, 6),
                allocated_share=own_share[r],
                allocated_eur=own_eur[r],
            )
            for r in FrameRow
            if r in own
        ],
        phase_in=PhaseIn(
            years=rules.phase_years,
            plan_span=rules.plan_span,
            max_change_pct=rules.max_change_pct,
            no_nominal_cut=rules.no_nominal_cut,
            floor_applied=floor_applied,
        ),
    )


def build_frame(inputs: TargetsInputs, forecast: FinancialForecast, basis: NeedsBasis) -> FrameAllocation:
    """The frame of the frame year allocated to the groups: the given frame, else the frame that
    meets the deficit-coverage duty (:func:`coverage_plan`)."""
    assumptions = inputs.assumptions
    rules = inputs.allocation
    if rules is None:
        raise InputError("the frame-allocation rules were not read", field="allocation")
    plan = coverage_plan(inputs, forecast)
    frame = assumptions.frame_eur if assumptions.frame_eur is not None else plan.required_frame_eur
    base = forecast.actual[-1]
    allocation = allocate_frame(
        region_code=basis.region_code,
        frame_year=assumptions.frame_year,
        frame_eur=frame,
        current_spend=base.costs_by_group,
        needs=group_needs(basis.profiles, rules),
        method=assumptions.method,
        need_weight=assumptions.need_weight,
        base_year=forecast.base_year,
        rules=rules,
        own_spend=base.costs_by_row,
    )
    population = basis.profiles.region.population
    return allocation.model_copy(
        update={
            "coverage": plan,
            "population": population,
            "costs_per_inhabitant_eur": eur(base.operating_costs_eur / population) if population else None,
            "funding_per_inhabitant_eur": eur(base.state_funding_eur / population) if population else None,
        }
    )


def coverage_plan(inputs: TargetsInputs, forecast: FinancialForecast) -> CoveragePlan:
    """The frame that meets the deficit-coverage duty (hyvinvointialuelaki 611/2021 115 § 2 mom.).

    The frame scenario leaves the gap ``G`` (accumulated deficit at the end of the deadline year,
    0 if covered). The named measures reduce costs by ``M`` in the years up to the deadline; the
    rest, ``max(0, G − M)``, is the adjustment still to be specified. It can only be decided in the
    budgets still to be adopted: the ``k`` years from the frame year (the budget year the cycle
    prepares) to the deadline, inclusive; the current year's budget is in force already. So
    ``U = max(0, G − M) / k`` per year. Required frame = the scenario's costs in the frame year −
    the measures' effect in the frame year − ``U`` (``U`` only up to the deadline). With ``M`` and
    ``U`` realised, the accumulated result at the deadline is ``−G + M + k·U ≥ 0``.
    """
    assumptions = inputs.assumptions
    scenario = forecast.scenario(assumptions.frame_scenario)
    frame_year = assumptions.frame_year
    costs = next(y.operating_costs_eur for y in scenario.years if y.year == frame_year)
    coverage = scenario.coverage
    deadline, n = coverage.deadline_year, coverage.years_to_deadline
    window = range(forecast.base_year + 1, deadline + 1)
    measures = [
        MeasureEffect(
            name=m.name, frame_year_eur=eur(m.effect(frame_year)), to_deadline_eur=eur(sum(m.effect(y) for y in window))
        )
        for m in assumptions.measures
    ]
    total = eur(sum(m.to_deadline_eur for m in measures))
    remaining = max(0.0, coverage.gap_eur - total)
    budgets = max(0, deadline - frame_year + 1)  # the budgets still to adopt up to the deadline
    unspecified = eur(remaining / budgets) if budgets else 0.0
    required = eur(costs - sum(m.frame_year_eur for m in measures) - unspecified)
    return CoveragePlan(
        scenario=scenario.name,
        deadline_year=deadline,
        scenario_costs_eur=costs,
        gap_eur=coverage.gap_eur,
        years_to_deadline=n,
        adjustment_years=budgets,
        measures=measures,
        measures_to_deadline_eur=total,
        unspecified_per_year_eur=unspecified,
        required_frame_eur=required,
        closed_by_measures=remaining == 0,
    )


# ---------------------------------------------------------------------------------------------
# The whole stage


def _findings(impact: ImpactTargets, forecast: FinancialForecast, frame: FrameAllocation) -> list[str]:
    last = forecast.actual[-1]
    out = [
        f"Toimintakulut olivat vuonna {last.year} {fi_meur(last.operating_costs_eur)} ja tilikauden tulos "
        f"{fi_meur(last.result_eur)}; taseen kertynyt yli-/alijäämä {last.year} lopussa on "
        f"{fi_meur(forecast.opening_accumulated_eur)} (esimerkkiaineisto).",
    ]
    covered = [s.name.lower() for s in forecast.scenarios if s.coverage.covered]
    uncovered = [s for s in forecast.scenarios if not s.coverage.covered]
    deadline = forecast.base_year + forecast.coverage_rule.period_years
    if uncovered:
        out.append(
            f"Kertynyttä alijäämää ei saada katetuksi määräaikaan ({deadline} loppuun) mennessä skenaariossa "
            + ", ".join(
                f"{s.name.lower()} (lisäsopeutustarve {fi_meur(s.coverage.annual_improvement_needed_eur)} vuodessa)"
                for s in uncovered
            )
            + (f"; skenaariossa {', '.join(covered)} se katetaan." if covered else ".")
        )
        plan = frame.coverage
        if plan is not None and plan.gap_eur > 0 and frame.frame_eur == plan.required_frame_eur:
            # The frame is derived from the duty: say how it closes the frame scenario's gap, so the
            # yearly need above and the adjustment in the frame read as one account.
            rest = plan.gap_eur - plan.measures_to_deadline_eur
            parts = ([f"nimetyt toimenpiteet {fi_meur(plan.measures_to_deadline_eur)}"] if plan.measures else []) + (
                [f"täsmentämätön sopeutus {fi_meur(rest)}"] if rest > 0 else []
            )
            out.append(
                f"Kehys {frame.frame_year} on johdettu kattamisvelvollisuudesta: kehysskenaarion "
                f"({plan.scenario.lower()}) vaje {fi_meur(plan.gap_eur)} katetaan vuoden {deadline} loppuun "
                "mennessä; " + " ja ".join(parts) + (" kattavat" if len(parts) > 1 else " kattaa") + " sen."
            )
    else:
        out.append(f"Kertynyt alijäämä katetaan määräaikaan ({deadline} loppuun) mennessä kaikissa skenaarioissa.")
    out.append(
        f"Toimintakulujen kehys vuodelle {frame.frame_year} on {fi_meur(frame.frame_eur)}; se jaetaan "
        f"asiakasryhmille {METHOD_NAMES[frame.method]}."
    )
    changes = sorted(frame.groups, key=lambda g: g.change_pct or 0.0)
    up, down = changes[-1], changes[0]
    if frame.phase_in is not None and up.change_pct is not None and down.change_pct is not None:
        text = (
            f"Siirtymä tarveperusteiseen jakoon otetaan vuosina {frame.phase_in.plan_span}. Ryhmän kehyksen muutos "
            f"vuoden {forecast.base_year} kuluista on kehysvuonna pienin {down.client_group.genitive_fi} ryhmällä "
            f"({fi_number(down.change_pct, 1, sign=True)} %) ja suurin {up.client_group.genitive_fi} ryhmällä "
            f"({fi_number(up.change_pct, 1, sign=True)} %)."
        )
        if frame.own_rows:
            items = [f"{r.row.label_fi.lower()} ({fi_meur(r.allocated_eur)})" for r in frame.own_rows]
            listed = items[0] if len(items) == 1 else ", ".join(items[:-1]) + " ja " + items[-1]
            several = len(items) > 1
            text += (
                f" Kehyksessä on {'omina riveinään' if several else 'omana rivinään'} {listed}; "
                f"{'niitä' if several else 'sitä'} ei jaeta asiakasryhmien tarpeen mukaan."
            )
        out.append(text)
    from_stage1 = sum(1 for t in impact.targets if t.baseline_source == "stage1")
    out.append(
        f"Asiakasryhmille asetetaan {len(impact.targets)} vaikuttavuustavoitetta; {from_stage1} tavoitteen "
        "lähtötaso on hyväksytyn palvelutarvearvion luku."
    )
    return out


def assess_targets(inputs: TargetsInputs, basis: NeedsBasis, cycle: int) -> TargetsAssessment:
    """Stage 2 of one region: impact targets, forecast with coverage check, frame allocation."""
    impact = build_impact_targets(inputs, basis, cycle)
    forecast = build_forecast(inputs, basis.region_code, cycle)
    frame = build_frame(inputs, forecast, basis)
    return TargetsAssessment(
        region_code=basis.region_code,
        region_name=basis.region_name,
        cycle=cycle,
        impact=impact,
        forecast=forecast,
        frame=frame,
        findings=_findings(impact, forecast, frame),
    )
