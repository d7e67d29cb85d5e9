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
from typing import Literal

from schemas.needs import AreaProfile, NeedProfileTable, NeedsBasis
from schemas.results import SourceRef
from schemas.targets import (
    ActualYear,
    AllocationMethod,
    ClientGroup,
    CoveragePlan,
    CoverageRule,
    DeficitCoverage,
    FinancialForecast,
    ForecastYear,
    FrameAllocation,
    FundingYear,
    GroupAllocation,
    ImpactTarget,
    ImpactTargets,
    MeasureEffect,
    NeedFinding,
    ScenarioAssumptions,
    ScenarioForecast,
    TargetsAssessment,
    TargetsInputs,
)
from soteflow.errors import InputError
from soteflow.numbers import fi_meur, fi_number
from tasks.targets.inputs import check_direction, eur, round_to

#: The stage-1 indicator of each client group's relative need: (field, denominator field or None).
#: The region's value divided by the country's (for a count, per denominator) is the group's need
#: relative to the country. Chosen as the profile field closest to each group's service need:
#: children and families by the share of under-15s, working-age people by the unemployment rate,
#: older people by the share of people aged 65+, people with disabilities by disabled and
#: long-term-ill unemployed job seekers per labour force (the only disability-specific field of
#: the stage-1 data), mental-health and substance-abuse clients by the share of people wholly
#: dependent on basic security (a marker of the exclusion these services meet).
NEED_INDICATORS: Mapping[ClientGroup, tuple[str, str | None]] = {
    ClientGroup.CHILDREN_FAMILIES: ("share_under_15", None),
    ClientGroup.WORKING_AGE: ("unemployment_rate", None),
    ClientGroup.OLDER_PEOPLE: ("share_65_plus", None),
    ClientGroup.DISABILITY: ("unemployed_disabled_or_ill", "labour_force"),
    ClientGroup.MENTAL_SUBSTANCE: ("basic_security_dependence", None),
}
NEED_INDICATOR_TEXT: Mapping[ClientGroup, str] = {
    ClientGroup.CHILDREN_FAMILIES: "alle 15-vuotiaiden osuus väestöstä",
    ClientGroup.WORKING_AGE: "työttömien työnhakijoiden osuus työvoimasta",
    ClientGroup.OLDER_PEOPLE: "65 vuotta täyttäneiden osuus väestöstä",
    ClientGroup.DISABILITY: "vammaisten ja pitkäaikaissairaiden työttömien työnhakijoiden määrä työvoimaan suhteutettuna",
    ClientGroup.MENTAL_SUBSTANCE: "kokonaan perusturvan varassa olevien osuus asuntoväestöstä",
}
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
        out.append(
            ActualYear(
                year=year,
                operating_costs_eur=costs,
                operating_income_eur=income,
                state_funding_eur=f.state_funding,
                other_items_eur=f.other_items,
                result_eur=eur(f.state_funding + income - costs - f.other_items),
                costs_by_group=by_group,
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
        opening_accumulated_eur=assumptions.opening_accumulated_eur,
        coverage_rule=assumptions.coverage,
        method_text=FORECAST_METHOD,
        scenarios=scenarios,
    )


# ---------------------------------------------------------------------------------------------
# Frame allocation


def relative_needs(profiles: NeedProfileTable) -> dict[ClientGroup, float]:
    """Each client group's need relative to the whole country (1 = country level), 4 decimals."""
    out = {}
    for group, (name, denominator) in NEED_INDICATORS.items():
        region, country = stage1_value(profiles, name), stage1_value(profiles, name, "country")
        if denominator is not None:
            region_den = stage1_value(profiles, denominator)
            country_den = stage1_value(profiles, denominator, "country")
            region = region / region_den if region is not None and region_den else None
            country = country / country_den if country is not None and country_den else None
        if region is None or not country:
            raise InputError(
                f"the approved stage-1 profile has no region and country value of {name} for {group.label_fi}",
                file="needs-profile",
                field=f"region.{name}",
            )
        out[group] = round_to(region / country, 4)
    return out


def method_text(method: AllocationMethod, weight: float, base_year: int) -> str:
    """The allocation method in Finnish, as printed in the document."""
    needs = "; ".join(f"{g.label_fi.lower()}: {NEED_INDICATOR_TEXT[g]}" for g in ClientGroup)
    return (
        f"Kehys jaetaan asiakasryhmille {METHOD_NAMES[method]} (tarveosuuden paino w = {fi_number(weight, 2)}). "
        f"Nykyinen osuus s on ryhmän palvelualueiden toimintakulut vuonna {base_year} jaettuna kaikilla "
        "toimintakuluilla. Suhteellinen tarve r on ryhmän tarveindikaattorin alueen arvo jaettuna koko maan arvolla "
        f"hyväksytyissä palvelutarveprofiileissa ({needs}). Tarveosuus n = s·r / Σ s·r; jaettava osuus "
        "a = w·n + (1 − w)·s; ryhmän kehys = a × kehys. Tarveosuuden mukainen jako on w = 1 ja nykyisten "
        "kustannusten mukainen w = 0. Osuudet pyöristetään kuuteen desimaaliin ja eurot täysiin euroihin; "
        "pyöristyserotus kohdistetaan suurimmalle ryhmälle, joten ryhmien summa on täsmälleen kehys."
    )


def allocate_frame(
    *,
    region_code: str,
    frame_year: int,
    frame_eur: float,
    current_spend: Mapping[ClientGroup, float],
    relative_need: Mapping[ClientGroup, float],
    method: AllocationMethod,
    need_weight: float,
    base_year: int,
) -> FrameAllocation:
    """Allocate ``frame_eur`` to the client groups (method in :func:`method_text`).

    ``need_share`` uses w = 1 and ``current_spend`` w = 0 whatever ``need_weight`` says; a blend
    uses ``need_weight``. Shares are rounded to 6 decimals and euros to whole euros; the rounding
    residue of both goes to the group with the largest allocation, so the shares sum to 1 and the
    euros to the frame exactly.
    """
    weight = {AllocationMethod.NEED_SHARE: 1.0, AllocationMethod.CURRENT_SPEND: 0.0}.get(method, need_weight)
    groups = list(ClientGroup)
    total = sum(current_spend[g] for g in groups)
    if total <= 0:
        raise InputError("the base year's operating costs sum to zero; nothing to allocate by", field="toimintakulut")
    share = {g: current_spend[g] / total for g in groups}
    weighted = {g: share[g] * relative_need[g] for g in groups}
    weighted_total = sum(weighted.values())
    need = {g: weighted[g] / weighted_total for g in groups}
    allocated = {g: weight * need[g] + (1 - weight) * share[g] for g in groups}
    largest = max(groups, key=lambda g: (allocated[g], -groups.index(g)))
    rounded_share = {g: round_to(allocated[g], 6) for g in groups}
    rounded_share[largest] = round_to(1 - sum(rounded_share[g] for g in groups if g is not largest), 6)
    euros = {g: eur(allocated[g] * frame_eur) for g in groups}
    euros[largest] = eur(frame_eur - sum(euros[g] for g in groups if g is not largest))
    return FrameAllocation(
        region_code=region_code,
        frame_year=frame_year,
        frame_eur=eur(frame_eur),
        method=method,
        need_weight=round_to(weight, 4),
        method_text=method_text(method, weight, base_year),
        groups=[
            GroupAllocation(
                client_group=g,
                current_spend_eur=eur(current_spend[g]),
                current_share=round_to(share[g], 6),
                relative_need=relative_need[g],
                need_share=round_to(need[g], 6),
                allocated_share=rounded_share[g],
                allocated_eur=euros[g],
            )
            for g in groups
        ],
    )


def build_frame(inputs: TargetsInputs, forecast: FinancialForecast, basis: NeedsBasis) -> FrameAllocation:
    """The frame of the frame year allocated to the groups: the given frame, else the frame that
    meets the deficit-coverage duty (:func:`coverage_plan`)."""
    assumptions = inputs.assumptions
    plan = coverage_plan(inputs, forecast)
    frame = assumptions.frame_eur if assumptions.frame_eur is not None else plan.required_frame_eur
    allocation = allocate_frame(
        region_code=basis.region_code,
        frame_year=assumptions.frame_year,
        frame_eur=frame,
        current_spend=forecast.actual[-1].costs_by_group,
        relative_need=relative_needs(basis.profiles),
        method=assumptions.method,
        need_weight=assumptions.need_weight,
        base_year=forecast.base_year,
    )
    return allocation.model_copy(update={"coverage": plan})


def coverage_plan(inputs: TargetsInputs, forecast: FinancialForecast) -> CoveragePlan:
    """The frame that meets the deficit-coverage duty (hyvinvointialuelaki 611/2021 115 § 2 mom.).

    The frame scenario leaves the gap ``G`` (accumulated deficit at the end of the deadline year,
    0 if covered) after ``n`` forecast years. The named measures reduce costs by ``M`` in the years
    up to the deadline; the rest, ``max(0, G − M)``, spread evenly, is the adjustment still to be
    specified, ``U = max(0, G − M) / n`` per year. Required frame = the scenario's costs in the
    frame year − the measures' effect in the frame year − ``U`` (``U`` only up to the deadline).
    With ``M`` and ``U`` realised every year, the accumulated result at the deadline is
    ``−G + M + n·U ≥ 0``.
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
    unspecified = eur(remaining / n) if n and frame_year <= deadline else 0.0
    required = eur(costs - sum(m.frame_year_eur for m in measures) - unspecified)
    return CoveragePlan(
        scenario=scenario.name,
        deadline_year=deadline,
        scenario_costs_eur=costs,
        gap_eur=coverage.gap_eur,
        years_to_deadline=n,
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
    else:
        out.append(f"Kertynyt alijäämä katetaan määräaikaan ({deadline} loppuun) mennessä kaikissa skenaarioissa.")
    out.append(
        f"Toimintakulujen kehys vuodelle {frame.frame_year} on {fi_meur(frame.frame_eur)}; se jaetaan "
        f"asiakasryhmille {METHOD_NAMES[frame.method]}."
    )
    changes = sorted(frame.groups, key=lambda g: g.allocated_share - g.current_share)
    up, down = changes[-1], changes[0]
    if up.allocated_share - up.current_share > 0:
        out.append(
            f"Tarvepainotus kasvattaa eniten {up.client_group.genitive_fi} ryhmän osuutta (suhteellinen tarve "
            f"{fi_number(up.relative_need, 2)}): {fi_number(100 * up.allocated_share, 1)} % nykyisen "
            f"{fi_number(100 * up.current_share, 1)} %:n sijaan. Eniten pienenee {down.client_group.genitive_fi} "
            f"ryhmän osuus: {fi_number(100 * down.allocated_share, 1)} % nykyisen "
            f"{fi_number(100 * down.current_share, 1)} %:n sijaan."
        )
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
