"""Stage 1 (Strateginen palvelutarpeiden arviointi): the analysis, pure functions, no Prefect.

Builds the population service-need profiles of a welfare region's municipalities, the region and
the whole country, the need index, the change analysis, and a reconciliation of the region built
from municipalities against Statistics Finland's own HVA rows.

Aggregation rules for a region (from its municipalities in the 2026 division):

- counts (population, births, unemployed, …) are summed;
- rates are recomputed from summed counts where the counts are published (low-income rate =
  low-income persons / household population; unemployment rate = unemployed / labour force
  (TYOTTOMATLOPUSSA / TYOVOIMATK); education shares = counts / population aged 15+);
- age shares and mean age have no published counts: they are population-weighted means of the
  municipalities' values (exact for mean age up to the producer's rounding);
- a count suppressed (``"..."``) for some municipality is left out; the field is listed in
  ``incomplete_fields`` and the rate uses numerator and denominator of the same municipalities.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from statistics import NormalDist

from schemas.needs import (
    AreaLevel,
    AreaProfile,
    ChangeAnalysis,
    ChangeRow,
    ComponentEffect,
    MergedMunicipality,
    NeedIndex,
    NeedIndexComponent,
    NeedIndexParams,
    NeedIndexRow,
    NeedProfileTable,
    NeedsAssessment,
    NeedsRules,
    ReconciliationItem,
    ReconciliationReport,
    UnknownCode,
)
from soteflow.data.regions import Region, RegionKey, resolve_region
from soteflow.errors import InputError
from soteflow.numbers import fi_number, round_half_up
from tasks.needs.inputs import (
    COUNTRY,
    SOURCE_FILES,
    NeedsSources,
    check_area_codes,
    load_key,
    load_needs_sources,
    read_needs_rules,
    rules_path,
)

#: Need-index components: AreaProfile field → Finnish label.
COMPONENT_LABELS: Mapping[str, str] = {
    "share_65_plus": "65 vuotta täyttäneiden osuus",
    "low_income_rate": "Pienituloisuusaste",
    "basic_security_dependence": "Perusturvan varassa olevien osuus",
    "unemployment_rate": "Työttömyysaste",
    "long_term_unemployment_rate": "Pitkäaikaistyöttömien osuus työvoimasta",
    "share_no_post_basic_education": "Ilman perusasteen jälkeistä tutkintoa",
}

#: The count each component is a share of (AreaProfile fields): the n of its binomial error.
COMPONENT_BASES: Mapping[str, str] = {
    "share_65_plus": "population",
    "low_income_rate": "household_population",
    "basic_security_dependence": "household_population",
    "unemployment_rate": "labour_force",
    "long_term_unemployment_rate": "labour_force",
    "share_no_post_basic_education": "population_15_plus",
}


def index_method(rules: NeedsRules) -> str:
    """The need index's method in short Finnish (printed under the index table)."""
    points = fi_number(rules.points_per_sd, 0)
    return (
        "Kuvaileva indeksi: kunkin osatekijän arvon ja koko maan arvon erotus on jaettu osatekijän hajonnalla "
        f"koko maan kunnissa, kerrottu painolla ja {points}:llä; indeksi on 100 ja näiden osuuksien summa, "
        "joten koko maa on 100."
    )


SHARE_TOLERANCE_PP = 0.1  # published shares are rounded to 0.1 percentage points


def _r(value: float | None, digits: int = 4) -> float | None:
    """Deterministic rounding for JSON; NaN becomes None."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return round(float(value), digits) + 0.0  # + 0.0 turns -0.0 into 0.0


def _int(value: float | None) -> int | None:
    if value is None or math.isnan(value):
        return None
    return round(value)


# --- profiles -------------------------------------------------------------------------------


def _pct(num: float | None, den: float | None) -> float | None:
    if num is None or den is None or den <= 0:
        return None
    return num / den * 100.0


def _per_1000(num: float | None, den: float | None) -> float | None:
    # Denominator: population at the end of the year (the file's own figure); Statistics Finland's
    # published rates use the mean population, so these can differ in the second decimal.
    if num is None or den is None or den <= 0:
        return None
    return num / den * 1000.0


def _dependency(u15: float | None, o65: float | None) -> float | None:
    # Väestöllinen huoltosuhde: (under 15 + 65 and over) per 100 persons aged 15–64.
    if u15 is None or o65 is None or u15 + o65 >= 100:
        return None
    return (u15 + o65) / (100.0 - u15 - o65) * 100.0


def _area_profile(sources: NeedsSources, area: str, name: str, level: AreaLevel) -> AreaProfile:
    """Profile of one area from the rows of the files (municipality or the SSS country row)."""
    age, pop, inc, une, edu = (sources[n] for n in ("age", "population", "income", "unemployment", "education"))
    population = age.get(area, "vaerak-vaesto")
    if population is None:
        raise InputError(f"no population for area {area}", file=age.file, field="vaerak-vaesto")
    u15 = age.get(area, "vaesto_alle15_p")
    o65 = age.get(area, "vaesto_yli64_p")
    births, deaths = pop.get(area, "ssaaty-vm01"), pop.get(area, "ssaaty-vm11")
    natural = pop.get(area, "ssaaty-luonvalisays")
    net_mig = pop.get(area, "ssaaty-koknetmuutto")
    hh_pop = inc.get(area, "tjt-henkiloita")
    low = inc.get(area, "rpt_henkilo")
    low_rate = _pct(low, hh_pop)
    if low_rate is None:
        low_rate = inc.get(area, "rpt_aste")  # the published rate if the count is suppressed
    pt1 = inc.get(area, "pt1_henkiloita")
    lf = une.get(area, "TYOVOIMATK")
    unemployed = une.get(area, "TYOTTOMATLOPUSSA")
    long_term = une.get(area, "PITKAAIKAISTYOTTOMAT")
    p15 = edu.get(area, "vaesto_15_")
    return AreaProfile(
        area_code=area,
        name=name,
        level=level,
        population=int(population),
        share_under_15=_r(u15),
        share_65_plus=_r(o65),
        mean_age=_r(age.get(area, "vaesto_keski_ika")),
        dependency_ratio=_r(_dependency(u15, o65)),
        births=_int(births),
        deaths=_int(deaths),
        natural_increase=_int(natural),
        net_internal_migration=_int(pop.get(area, "ssaaty-vm43_netto")),
        net_immigration=_int(pop.get(area, "ssaaty-vm4142")),
        net_migration=_int(net_mig),
        births_per_1000=_r(_per_1000(births, population)),
        deaths_per_1000=_r(_per_1000(deaths, population)),
        natural_increase_per_1000=_r(_per_1000(natural, population)),
        net_migration_per_1000=_r(_per_1000(net_mig, population)),
        household_population=_int(hh_pop),
        low_income_persons=_int(low),
        low_income_rate=_r(low_rate),
        basic_security_persons=_int(pt1),
        basic_security_dependence=_r(_pct(pt1, hh_pop)),
        labour_force=_int(lf),
        unemployed=_int(unemployed),
        unemployment_rate=_r(_pct(unemployed, lf)),
        long_term_unemployed=_int(long_term),
        long_term_unemployment_rate=_r(_pct(long_term, lf)),
        unemployed_disabled_or_ill=_int(une.get(area, "TYOTTOMATSAIR")),
        population_15_plus=_int(p15),
        share_no_post_basic_education=_r(_pct(edu.get(area, "kaste0"), p15)),
        share_tertiary=_r(_pct(edu.get(area, "kaste5T8"), p15)),
    )


_COUNT_FIELDS = (
    "births",
    "deaths",
    "natural_increase",
    "net_internal_migration",
    "net_immigration",
    "net_migration",
    "household_population",
    "low_income_persons",
    "basic_security_persons",
    "labour_force",
    "unemployed",
    "long_term_unemployed",
    "unemployed_disabled_or_ill",
    "population_15_plus",
)


def _aggregate(munis: list[AreaProfile], code: str, name: str) -> AreaProfile:
    """A region's profile from its municipalities' profiles (rules in the module docstring)."""
    population = sum(m.population for m in munis)
    incomplete: set[str] = set()

    def total(fieldname: str) -> int | None:
        vals = [getattr(m, fieldname) for m in munis]
        known = [v for v in vals if v is not None]
        if len(known) < len(vals):
            incomplete.add(fieldname)
        return sum(known) if known else None

    def rate(num: str, den: str, scale: float = 100.0) -> float | None:
        pairs = [(getattr(m, num), getattr(m, den)) for m in munis]
        ok = [(n, d) for n, d in pairs if n is not None and d is not None]
        if len(ok) < len(pairs):
            incomplete.add(num)
        d_sum = sum(d for _, d in ok)
        return sum(n for n, _ in ok) / d_sum * scale if ok and d_sum > 0 else None

    def weighted(fieldname: str) -> float | None:
        pairs = [(getattr(m, fieldname), m.population) for m in munis]
        ok = [(v, w) for v, w in pairs if v is not None]
        if len(ok) < len(pairs):
            incomplete.add(fieldname)
        w_sum = sum(w for _, w in ok)
        return sum(v * w for v, w in ok) / w_sum if ok and w_sum > 0 else None

    counts = {f: total(f) for f in _COUNT_FIELDS}
    u15, o65 = weighted("share_under_15"), weighted("share_65_plus")
    return AreaProfile(
        area_code=code,
        name=name,
        level=AreaLevel.REGION,
        population=population,
        share_under_15=_r(u15),
        share_65_plus=_r(o65),
        mean_age=_r(weighted("mean_age")),
        dependency_ratio=_r(_dependency(u15, o65)),
        births_per_1000=_r(_per_1000(counts["births"], population)),
        deaths_per_1000=_r(_per_1000(counts["deaths"], population)),
        natural_increase_per_1000=_r(_per_1000(counts["natural_increase"], population)),
        net_migration_per_1000=_r(_per_1000(counts["net_migration"], population)),
        low_income_rate=_r(rate("low_income_persons", "household_population")),
        basic_security_dependence=_r(rate("basic_security_persons", "household_population")),
        unemployment_rate=_r(rate("unemployed", "labour_force")),
        long_term_unemployment_rate=_r(rate("long_term_unemployed", "labour_force")),
        share_no_post_basic_education=_r(_weighted_edu(munis, "share_no_post_basic_education")),
        share_tertiary=_r(_weighted_edu(munis, "share_tertiary")),
        incomplete_fields=sorted(incomplete),
        **counts,
    )


def _weighted_edu(munis: Iterable[AreaProfile], fieldname: str) -> float | None:
    """An education share of a region: counts recomputed as share × population 15+ and summed."""
    pairs = [(getattr(m, fieldname), m.population_15_plus) for m in munis]
    ok = [(v, w) for v, w in pairs if v is not None and w is not None]
    w_sum = sum(w for _, w in ok)
    return sum(v * w for v, w in ok) / w_sum if ok and w_sum > 0 else None


def build_profiles(sources: NeedsSources, key: RegionKey, region: Region) -> NeedProfileTable:
    """Profiles of the region's municipalities (2026 division), the region and the country."""
    munis = [
        _area_profile(sources, m.statfin_code, m.name_fi, AreaLevel.MUNICIPALITY)
        for m in key.current_municipalities(region.code)
    ]
    if not munis:
        raise InputError(f"region {region.code} has no municipalities in the key", file=key.source_file)
    return NeedProfileTable(
        region_code=region.code,
        region_name=region.name_fi,
        municipalities=munis,
        region=_aggregate(munis, region.code, region.name_fi),
        country=_area_profile(sources, COUNTRY, "Koko maa", AreaLevel.COUNTRY),
    )


def country_municipalities(sources: NeedsSources, key: RegionKey) -> list[AreaProfile]:
    """The profiles of every municipality of the current division with a row in the age export:
    the reference the need index's components are standardised against."""
    current = sorted((m for m in key.municipalities.values() if m.code not in key.merges), key=lambda m: m.code)
    return [
        _area_profile(sources, m.statfin_code, m.name_fi, AreaLevel.MUNICIPALITY)
        for m in current
        if sources["age"].has(m.statfin_code)
    ]


# --- reconciliation -------------------------------------------------------------------------


def _item(
    indicator: str,
    file: str,
    aggregated: float | None,
    official: float | None,
    tolerance: float,
    *,
    incomplete: bool = False,
    note: str = "",
) -> ReconciliationItem:
    if aggregated is None or official is None:
        return ReconciliationItem(
            indicator=indicator,
            source_file=file,
            aggregated=_r(aggregated),
            official=_r(official),
            difference=None,
            tolerance=tolerance,
            status="not_comparable",
            note=note or "arvo puuttuu",
        )
    diff = aggregated - official
    if incomplete:
        status = "not_comparable"
        note = note or "osa kuntien luvuista salattu: kunnista laskettu luku on vajaa"
    else:
        # Compare at 6 decimals: floating-point noise must not turn an exact match into a mismatch.
        status = "ok" if round(abs(diff), 6) <= tolerance else "mismatch"
    return ReconciliationItem(
        indicator=indicator,
        source_file=file,
        aggregated=_r(aggregated),
        official=_r(official),
        difference=_r(diff),
        tolerance=tolerance,
        status=status,
        note=note,
    )


def reconcile(sources: NeedsSources, key: RegionKey, region: Region) -> ReconciliationReport:
    """Compare the region built from municipalities with Statistics Finland's own figures.

    The age (11ra) and income (14ww) files have HVA rows: population and household population
    must match exactly, shares within 0.1 percentage points (the rounding of published shares).
    Files without HVA rows are checked across files (population in 121w and 11re vs 11ra).
    Merged municipalities of the key, unknown ``KU`` codes and missing municipalities are listed.
    """
    profiles = build_profiles(sources, key, region)
    agg = profiles.region
    code = region.code
    age, inc = sources["age"], sources["income"]
    inc_note = "tulonjakotilasto 2025 aluejaolla; kunnat samat kuin 2026"
    items = [
        _item("population", age.file, agg.population, age.get(code, "vaerak-vaesto"), 0.0),
        _item(
            "share_under_15",
            age.file,
            agg.share_under_15,
            age.get(code, "vaesto_alle15_p"),
            SHARE_TOLERANCE_PP,
            note="väestöpainotettu keskiarvo kuntien osuuksista",
        ),
        _item(
            "share_65_plus",
            age.file,
            agg.share_65_plus,
            age.get(code, "vaesto_yli64_p"),
            SHARE_TOLERANCE_PP,
            note="väestöpainotettu keskiarvo kuntien osuuksista",
        ),
        _item(
            "mean_age",
            age.file,
            agg.mean_age,
            age.get(code, "vaesto_keski_ika"),
            0.1,
            note="väestöpainotettu keskiarvo kuntien keski-iästä",
        ),
        _item(
            "household_population",
            inc.file,
            agg.household_population,
            inc.get(code, "tjt-henkiloita"),
            0.0,
            note=inc_note,
        ),
        _item(
            "low_income_rate",
            inc.file,
            agg.low_income_rate,
            inc.get(code, "rpt_aste"),
            SHARE_TOLERANCE_PP,
            incomplete="low_income_persons" in agg.incomplete_fields,
            note=inc_note,
        ),
        _item(
            "basic_security_persons",
            inc.file,
            agg.basic_security_persons,
            inc.get(code, "pt1_henkiloita"),
            0.0,
            incomplete="basic_security_persons" in agg.incomplete_fields,
        ),
        _item(
            "basic_security_dependence",
            inc.file,
            agg.basic_security_dependence,
            _pct(inc.get(code, "pt1_henkiloita"), inc.get(code, "tjt-henkiloita")),
            SHARE_TOLERANCE_PP,
            incomplete="basic_security_persons" in agg.incomplete_fields,
        ),
    ]
    # Cross-file: the region's population in the vital-statistics and sex files (no HVA rows there).
    for name, column in (("population", "ssaaty-vaesto"), ("sex", "vaerak-vaesto")):
        src = sources[name]
        values = [src.get(m.statfin_code, column) for m in key.current_municipalities(code)]
        total = None if any(v is None for v in values) else sum(v for v in values if v is not None)
        items.append(_item(f"population ({src.file} vs {age.file})", src.file, total, agg.population, 0.0))

    merged = [
        MergedMunicipality(
            old_code=old,
            old_name=key.municipalities[old].name_fi,
            new_code=new,
            new_name=key.municipalities[new].name_fi,
        )
        for old, new in sorted(key.merges.items())
        if old in key.municipalities and new in key.municipalities and key.municipalities[new].region_code == code
    ]
    known = {m.statfin_code for m in key.municipalities.values() if m.code not in key.merges}
    unknown: list[UnknownCode] = []
    missing: list[UnknownCode] = []
    wanted = [m.statfin_code for m in key.current_municipalities(code)]
    for name in SOURCE_FILES:
        src = sources[name]
        # Only municipality codes (KU…) are checked; SSS, HVA, SK, MK, ELY… are other levels.
        for area in sorted(a for a in src.by_area.index.unique() if str(a).startswith("KU")):
            if area not in known:
                unknown.append(UnknownCode(file=src.file, code=str(area)))
        missing.extend(UnknownCode(file=src.file, code=c) for c in wanted if not src.has(c))
    return ReconciliationReport(
        region_code=code,
        items=items,
        merged_municipalities=merged,
        unknown_codes=unknown,
        missing_municipalities=missing,
        ok=all(i.status != "mismatch" for i in items),
    )


# --- need index -----------------------------------------------------------------------------


def dispersions(
    reference: Sequence[AreaProfile], country: AreaProfile, components: Iterable[str]
) -> dict[str, float | None]:
    """Each component's dispersion among the reference municipalities: the root mean square
    deviation of the municipalities' values from the country's value, every municipality that has a
    value counted once.

    The index compares municipalities, so each municipality is one unit; measured from the country's
    value (not the municipalities' mean), so the whole country's standardised value is 0 and a
    component in which small municipalities differ systematically from the country (age) has that
    difference in its dispersion. ``None`` when the country's value is missing or nothing varies.
    """
    out: dict[str, float | None] = {}
    for comp in components:
        base = getattr(country, comp)
        values = [getattr(m, comp) for m in reference if getattr(m, comp) is not None]
        if base is None or not values:
            out[comp] = None
            continue
        spread = math.sqrt(sum((v - base) ** 2 for v in values) / len(values))
        out[comp] = spread if spread > 0 else None
    return out


def binomial_error(share_pct: float | None, count: int | None) -> float | None:
    """The standard error of a share (in percentage points) of ``count`` persons: 100·√(p(1 − p)/n)."""
    if share_pct is None or count is None or count <= 0 or not 0.0 <= share_pct <= 100.0:
        return None
    p = share_pct / 100.0
    return 100.0 * math.sqrt(p * (1.0 - p) / count)


def _index_row(
    profile: AreaProfile,
    country: AreaProfile,
    params: NeedIndexParams,
    spread: Mapping[str, float | None],
    rules: NeedsRules,
) -> NeedIndexRow:
    raw = params.weights()
    available = [
        comp
        for comp in raw
        if getattr(profile, comp) is not None
        and getattr(country, comp) is not None
        and getattr(country, comp) > 0
        and spread.get(comp) is not None
    ]
    missing = [comp for comp in raw if comp not in available]
    w_sum = sum(raw[c] for c in available)
    points = rules.points_per_sd
    components: list[NeedIndexComponent] = []
    error_terms: list[float] = []
    for comp in raw:
        value, base, sd = getattr(profile, comp), getattr(country, comp), spread.get(comp)
        if comp in available and w_sum > 0 and sd is not None:
            weight = raw[comp] / w_sum
            z = (value - base) / sd
            se = binomial_error(value, getattr(profile, COMPONENT_BASES[comp]))
            if se is not None:
                error_terms.append((weight * se / sd) ** 2)
            components.append(
                NeedIndexComponent(
                    indicator=comp,
                    label=COMPONENT_LABELS[comp],
                    value=value,
                    country_value=base,
                    relative=_r(value / base),
                    weight=_r(weight, 6) or 0.0,
                    contribution=_r(points * weight * z) or 0.0,
                    standardised=_r(z),
                    standard_error=_r(se),
                )
            )
        else:
            components.append(
                NeedIndexComponent(
                    indicator=comp,
                    label=COMPONENT_LABELS[comp],
                    value=value,
                    country_value=base if base is not None else 0.0,
                    relative=None,
                    weight=0.0,
                    contribution=0.0,
                )
            )
    # The index is 100 + the sum of the rounded contributions, so the table adds up exactly.
    index = _r(100.0 + sum(c.contribution for c in components)) or 0.0
    z_conf = NormalDist().inv_cdf(0.5 + rules.confidence / 2.0)
    margin = _r(z_conf * points * math.sqrt(sum(error_terms))) if error_terms else None
    return NeedIndexRow(
        area_code=profile.area_code,
        name=profile.name,
        level=profile.level,
        index=index,
        rank=None,
        components=components,
        missing_components=missing,
        population=profile.population,
        margin=margin,
        uncertain=profile.level is AreaLevel.MUNICIPALITY and profile.population < rules.population_limit,
    )


def _span(values: Sequence[float]) -> tuple[float, float] | None:
    return (_r(min(values)) or 0.0, _r(max(values)) or 0.0) if values else None


def _sd(values: Sequence[float]) -> float:
    mean = sum(values) / len(values)
    return math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))


def _shares(spread: Mapping[str, float]) -> dict[str, float | None]:
    total = sum(spread.values())
    return {k: (_r(v / total, 6) if total > 0 else None) for k, v in spread.items()}


def component_effects(
    params: NeedIndexParams,
    country: AreaProfile,
    spread: Mapping[str, float | None],
    rows: Sequence[NeedIndexRow],
    points: float,
) -> list[ComponentEffect]:
    """Each component's effective weight among the reference municipalities and among the region's,
    and its span among the region's, before standardisation (a plain ratio to the country) and
    after (definitions in :class:`ComponentEffect`)."""
    weights = {k: w for k, w in params.normalised_weights().items() if w > 0}
    before: dict[str, float] = {}
    after: dict[str, float] = {}
    for comp, w in weights.items():
        base, sd = getattr(country, comp), spread.get(comp)
        if base is not None and base > 0 and sd is not None:
            # The dispersion of the weighted component among the reference municipalities, in points:
            # the ratio 100·w·x/x_country spreads by 100·w·s/x_country, the standardised points·w·z by points·w.
            before[comp] = 100.0 * w * sd / base
            after[comp] = points * w
    found = {
        comp: [c for r in rows for c in r.components if c.indicator == comp and c.relative is not None]
        for comp in weights
    }
    ratio_points = {comp: [100.0 * c.weight * (c.relative or 0.0) for c in cs] for comp, cs in found.items()}
    std_points = {comp: [c.contribution for c in cs] for comp, cs in found.items()}
    region_before = _shares({k: _sd(v) for k, v in ratio_points.items() if v})
    region_after = _shares({k: _sd(v) for k, v in std_points.items() if v})
    country_before, country_after = _shares(before), _shares(after)
    return [
        ComponentEffect(
            indicator=comp,
            label=COMPONENT_LABELS[comp],
            weight=_r(w, 6) or 0.0,
            country_value=getattr(country, comp),
            dispersion=_r(spread.get(comp)),
            effective_before=country_before.get(comp),
            effective_after=country_after.get(comp),
            region_before=region_before.get(comp),
            region_after=region_after.get(comp),
            span_before=_span(ratio_points[comp]),
            span_after=_span(std_points[comp]),
        )
        for comp, w in weights.items()
    ]


def compute_need_index(
    profiles: NeedProfileTable,
    params: NeedIndexParams | None = None,
    *,
    rules: NeedsRules,
    reference: Sequence[AreaProfile] | None = None,
    reference_name: str = "alueen kunnissa",
) -> NeedIndex:
    """The need index of each municipality and of the region (formula in :class:`NeedIndex`).

    ``reference``: the municipalities whose dispersion standardises the components (default: the
    region's own; :func:`assess_needs` passes the whole country's). Rows are sorted by index,
    highest first (ties by area code); rank 1 = greatest need.
    """
    params = params or NeedIndexParams()
    ref = list(reference) if reference is not None else list(profiles.municipalities)
    spread = dispersions(ref, profiles.country, params.weights())
    rows = [_index_row(p, profiles.country, params, spread, rules) for p in profiles.municipalities]
    rows.sort(key=lambda r: (-r.index, r.area_code))
    ranked = [r.model_copy(update={"rank": i}) for i, r in enumerate(rows, start=1)]
    return NeedIndex(
        method=index_method(rules),
        weights={k: _r(v, 6) or 0.0 for k, v in params.normalised_weights().items()},
        rows=ranked,
        region=_index_row(profiles.region, profiles.country, params, spread, rules),
        points_per_sd=rules.points_per_sd,
        reference=reference_name,
        reference_count=len(ref),
        effects=component_effects(params, profiles.country, spread, ranked, rules.points_per_sd),
        population_limit=rules.population_limit,
        confidence=rules.confidence,
    )


# --- change analysis ------------------------------------------------------------------------


@dataclass(frozen=True)
class ChangeBase:
    """The start of a multi-year change period, by area code (municipalities and ``SSS``).

    ``population`` and ``share_65_plus`` at the end of ``base_year`` (age export); the natural
    increase and net migration summed over the years after it up to the latest (vital-statistics
    export), ``None`` where a year is missing or a value suppressed.
    """

    base_year: str
    years_available: tuple[str, ...]
    population: Mapping[str, float | None]
    share_65_plus: Mapping[str, float | None]
    natural_increase: Mapping[str, float | None]
    net_migration: Mapping[str, float | None]


def change_base(sources: NeedsSources, areas: Sequence[str], rules: NeedsRules) -> ChangeBase | None:
    """The change period's start from the exports' earlier years, or ``None`` when the age export
    holds the latest year only.

    The base year is the earliest year the age export holds within ``rules.change_years`` years
    before its latest year (5 years: 2020 for 2025). The exports use the latest area division for
    the whole series (merged municipalities combined), so a municipality's years are comparable.
    """
    age, vital = sources["age"], sources["population"]
    years = tuple(p for p in age.periods if p.isdigit())
    latest = age.period
    if not latest.isdigit() or vital.period != latest:
        return None  # one period must end both the population and the vital statistics
    earlier = [y for y in years if int(latest) - rules.change_years <= int(y) < int(latest)]
    if not earlier:
        return None
    base = min(earlier, key=int)
    vital_years = [str(y) for y in range(int(base) + 1, int(latest) + 1)]

    def total(area: str, column: str) -> float | None:
        values = [vital.get_at(y, area, column) for y in vital_years]
        return None if any(v is None for v in values) else sum(v for v in values if v is not None)

    return ChangeBase(
        base_year=base,
        years_available=years,
        population={a: age.get_at(base, a, "vaerak-vaesto") for a in areas},
        share_65_plus={a: age.get_at(base, a, "vaesto_yli64_p") for a in areas},
        natural_increase={a: total(a, "ssaaty-luonvalisays") for a in areas},
        net_migration={a: total(a, "ssaaty-koknetmuutto") for a in areas},
    )


def _period_fields(
    p: AreaProfile,
    start_population: float | None,
    start_share: float | None,
    natural: float | None,
    migration: float | None,
) -> dict[str, object]:
    """The multi-year fields of a change row (None where a value is missing)."""
    pct = (p.population / start_population - 1.0) * 100.0 if start_population else None
    diff = p.share_65_plus - start_share if p.share_65_plus is not None and start_share is not None else None
    return {
        "population_start": _int(start_population),
        "population_change_pct": _r(pct),
        "share_65_plus_start": _r(start_share),
        "share_65_plus_change_pp": _r(diff),
        "natural_increase_period": _int(natural),
        "net_migration_period": _int(migration),
    }


def _region_period_fields(munis: Sequence[AreaProfile], region: AreaProfile, base: ChangeBase) -> dict[str, object]:
    """The region's multi-year fields from its municipalities': counts summed, the 65+ share weighted
    by the population (as for the latest year); a value missing for any municipality leaves it out."""

    def total(values: Mapping[str, float | None]) -> float | None:
        got = [values.get(m.area_code) for m in munis]
        return None if any(v is None for v in got) else sum(v for v in got if v is not None)

    start = total(base.population)
    pairs = [(base.share_65_plus.get(m.area_code), base.population.get(m.area_code)) for m in munis]
    share = None
    if start and all(v is not None and w is not None for v, w in pairs):
        share = sum((v or 0.0) * (w or 0.0) for v, w in pairs) / start
    return _period_fields(region, start, share, total(base.natural_increase), total(base.net_migration))


def _change_row(p: AreaProfile, country: AreaProfile, period: Mapping[str, object] | None = None) -> ChangeRow:
    diff = None
    if p.share_65_plus is not None and country.share_65_plus is not None:
        diff = _r(p.share_65_plus - country.share_65_plus)
    ageing = (p.natural_increase or 0) < 0 and diff is not None and diff > 0
    return ChangeRow(
        area_code=p.area_code,
        name=p.name,
        level=p.level,
        population=p.population,
        births=p.births,
        deaths=p.deaths,
        natural_increase=p.natural_increase,
        net_migration=p.net_migration,
        natural_increase_per_1000=p.natural_increase_per_1000,
        net_migration_per_1000=p.net_migration_per_1000,
        share_65_plus=p.share_65_plus,
        share_65_plus_vs_country_pp=diff,
        dependency_ratio=p.dependency_ratio,
        ageing_signal=ageing,
    ).model_copy(update=dict(period or {}))


def _compare(value: float, base: float, unit: str, decimals: int = 1) -> str:
    diff = round_half_up(value - base, decimals)  # the rounding fi_number prints with
    if diff == 0:
        return "sama kuin koko maassa"
    word = "suurempi" if diff > 0 else "pienempi"
    return f"{fi_number(abs(diff), decimals)} {unit} koko maata {word}"


#: The elative ending after a numeral's last digit, as the numeral is read (kahdesta, neljästä).
_ELATIVE_BY_DIGIT = {1: "stä", 2: "sta", 3: "sta", 4: "stä", 5: "stä", 6: "sta", 7: "stä", 8: "sta", 9: "stä"}


def elative(n: int) -> str:
    """``n`` in the elative as a numeral is written: 23:sta (kolmesta), 24:stä (neljästä), 13:sta
    (kolmestatoista), 20:stä (kahdestakymmenestä), 100:sta (sadasta)."""
    n = abs(n)
    if 11 <= n % 100 <= 19:
        ending = "sta"  # -toista
    elif n % 10:
        ending = _ELATIVE_BY_DIGIT[n % 10]
    elif n % 100:
        ending = "stä"  # -kymmenestä
    else:
        ending = "sta"  # sadasta, tuhannesta
    return f"{fi_number(n, 0)}:{ending}"


def _moved(value: float, up: str, down: str, unit: str) -> str:
    """``kasvoi 2,1 %`` / ``väheni 1,3 %`` / ``pysyi ennallaan``, at the precision printed (1 decimal)."""
    shown = round_half_up(value, 1)
    if shown == 0:
        return "pysyi ennallaan"
    return f"{up if shown > 0 else down} {fi_number(abs(shown), 1)} {unit}"


def _period_findings(reg: ChangeRow, ctry: ChangeRow, rows: Sequence[ChangeRow], base: str, latest: str) -> list[str]:
    """The multi-year findings: population and 65+ share from the end of ``base`` to the end of
    ``latest``, the vital totals of the years between, the municipalities whose population fell."""
    out: list[str] = []
    if reg.population_change_pct is not None and ctry.population_change_pct is not None:
        text = (
            f"Vuoden {base} lopusta vuoden {latest} loppuun alueen väkiluku "
            f"{_moved(reg.population_change_pct, 'kasvoi', 'väheni', '%')} (koko maassa "
            f"{fi_number(ctry.population_change_pct, 1, sign=True)} %)"
        )
        if reg.share_65_plus_change_pp is not None and ctry.share_65_plus_change_pp is not None:
            pp = "prosenttiyksikköä"
            text += (
                f", ja 65 vuotta täyttäneiden osuus {_moved(reg.share_65_plus_change_pp, 'nousi', 'laski', pp)} "
                f"(koko maassa {fi_number(ctry.share_65_plus_change_pp, 1, sign=True)} {pp})"
            )
        out.append(text + ".")
    if reg.natural_increase_period is not None and reg.net_migration_period is not None:
        first = str(int(base) + 1)
        years = first if first == latest else f"{first}\u2013{latest}"
        out.append(
            f"Vuosina {years} luonnollinen väestönlisäys oli yhteensä "
            f"{fi_number(reg.natural_increase_period, 0, sign=True)} ja kokonaisnettomuutto "
            f"{fi_number(reg.net_migration_period, 0, sign=True)} henkilöä."
        )
    known = [r for r in rows if r.population_change_pct is not None]
    if known:
        fell = sum(1 for r in known if (r.population_change_pct or 0.0) < 0)
        out.append(f"Väkiluku väheni jaksolla {fell} kunnassa {elative(len(known))}.")
    return out


def analyse_change(
    profiles: NeedProfileTable, period: str = "", base: ChangeBase | None = None, years: Sequence[str] = ()
) -> ChangeAnalysis:
    """Births, deaths, migration and ageing of the municipalities and region vs the country: the
    latest year's figures and, when ``base`` gives an earlier year, the change since its end.
    ``years``: the years the age export holds (with ``base``, its own list is used)."""
    country = profiles.country

    def fields(p: AreaProfile) -> dict[str, object]:
        if base is None:
            return {}
        return _period_fields(
            p,
            base.population.get(p.area_code),
            base.share_65_plus.get(p.area_code),
            base.natural_increase.get(p.area_code),
            base.net_migration.get(p.area_code),
        )

    rows = [_change_row(p, country, fields(p)) for p in profiles.municipalities]
    reg_fields = _region_period_fields(profiles.municipalities, profiles.region, base) if base is not None else {}
    reg = _change_row(profiles.region, country, reg_fields)
    ctry = _change_row(country, country, fields(country))
    n = len(rows)
    decrease = sum(1 for r in rows if (r.natural_increase or 0) < 0)
    out_mig = sum(1 for r in rows if (r.net_migration or 0) < 0)
    findings: list[str] = []
    rp = profiles.region
    year = f"Vuonna {period} " if period else ""
    if rp.births is not None and rp.deaths is not None and rp.natural_increase is not None:
        findings.append(
            f"{year}alueella syntyi {fi_number(rp.births, 0)} lasta ja kuoli {fi_number(rp.deaths, 0)} henkilöä; "
            f"luonnollinen väestönlisäys oli {fi_number(rp.natural_increase, 0, sign=True)} "
            f"({fi_number(rp.natural_increase_per_1000 or 0.0, 1, sign=True)} ‰, koko maassa "
            f"{fi_number(country.natural_increase_per_1000 or 0.0, 1, sign=True)} ‰)."
        )
    if rp.net_migration is not None:
        findings.append(
            f"{year}kokonaisnettomuutto oli {fi_number(rp.net_migration, 0, sign=True)} henkilöä "
            f"({fi_number(rp.net_migration_per_1000 or 0.0, 1, sign=True)} ‰; kuntien välinen nettomuutto "
            f"{fi_number(rp.net_internal_migration or 0, 0, sign=True)}, nettomaahanmuutto "
            f"{fi_number(rp.net_immigration or 0, 0, sign=True)})."
        )
    findings.append(
        f"Kuolleita oli enemmän kuin syntyneitä {decrease} kunnassa {elative(n)}, "
        f"ja kokonaisnettomuutto oli negatiivinen {out_mig} kunnassa."
    )
    if rp.dependency_ratio is not None and country.dependency_ratio is not None:
        findings.append(
            f"Väestöllinen huoltosuhde on {fi_number(rp.dependency_ratio, 1)}, koko maassa "
            f"{fi_number(country.dependency_ratio, 1)}."
        )
    ageing = [r.name for r in rows if r.ageing_signal]
    if ageing:
        findings.append(
            f"Väestö vähenee luonnollisesti ja 65 vuotta täyttäneiden osuus ylittää koko maan tason "
            f"{len(ageing)} kunnassa."
        )
    if base is not None:
        findings += _period_findings(reg, ctry, rows, base.base_year, period)
    return ChangeAnalysis(
        period=period,
        rows=rows,
        region=reg,
        country=ctry,
        municipalities_with_natural_decrease=decrease,
        municipalities_with_net_out_migration=out_mig,
        findings=[f[0].upper() + f[1:] for f in findings],
        base_year=base.base_year if base is not None else None,
        years_available=list(base.years_available if base is not None else years),
    )


# --- the whole assessment -------------------------------------------------------------------


def _findings(profiles: NeedProfileTable, index: NeedIndex, report: ReconciliationReport) -> list[str]:
    """Main findings in Finnish, generated from the numbers."""
    r, c = profiles.region, profiles.country
    out = [f"{profiles.region_name}: väkiluku {fi_number(r.population, 0)} ({len(profiles.municipalities)} kuntaa)."]
    pp = "prosenttiyksikköä"
    for label, field in (
        ("65 vuotta täyttäneiden osuus", "share_65_plus"),
        ("Alle 15-vuotiaiden osuus", "share_under_15"),
        ("Pienituloisuusaste", "low_income_rate"),
        ("Työttömien osuus työvoimasta", "unemployment_rate"),
        ("Ilman perusasteen jälkeistä tutkintoa olevien osuus", "share_no_post_basic_education"),
    ):
        v, b = getattr(r, field), getattr(c, field)
        if v is not None and b is not None:
            out.append(f"{label} on {fi_number(v, 1)} %, {_compare(v, b, pp)}.")
    out.append(f"Alueen tarveindeksi on {fi_number(index.region.index, 1)} (koko maa = 100).")
    if index.rows:
        hi, lo = index.rows[0], index.rows[-1]

        def shown(row: NeedIndexRow) -> str:
            return f"{fi_number(row.index, 1)}; luku epävarma" if row.uncertain else fi_number(row.index, 1)

        if hi is not lo:
            out.append(
                f"Suurin tarveindeksi on kunnassa {hi.name} ({shown(hi)}), pienin kunnassa {lo.name} ({shown(lo)})."
            )
        small = [r for r in index.rows if r.uncertain]
        margins = [r.margin for r in small if r.margin is not None]
        if small and index.population_limit is not None:
            text = (
                f"Alle {fi_number(index.population_limit, 0)} asukkaan kuntia on {len(small)}, ja niiden "
                "indeksit ovat epävarmoja"
            )
            if margins and index.confidence is not None:
                text += (
                    f" ({fi_number(100 * index.confidence, 0)} %:n vaihteluväli enintään "
                    f"±{fi_number(max(margins), 1)} pistettä)"
                )
            out.append(text + ".")
    bad = [i.indicator for i in report.items if i.status == "mismatch"]
    if bad:
        out.append(f"Täsmäytyksessä Tilastokeskuksen lukuihin on poikkeamia: {', '.join(bad)}.")
    else:
        out.append("Kunnista lasketut alueen luvut täsmäävät Tilastokeskuksen hyvinvointialueen lukuihin.")
    return out


def assess_needs(data_dir: Path, region_text: str, params: NeedIndexParams | None = None) -> NeedsAssessment:
    """Stage 1 assessment of one region: profiles, need index, change, reconciliation, findings."""
    params = params or NeedIndexParams()
    rules = read_needs_rules(rules_path(data_dir))
    key = load_key(data_dir)
    region = resolve_region(region_text, key)
    sources = load_needs_sources(data_dir)
    check_area_codes(sources, key)
    profiles = build_profiles(sources, key, region)
    everyone = country_municipalities(sources, key)
    index = compute_need_index(profiles, params, rules=rules, reference=everyone, reference_name="koko maan kunnissa")
    areas = [m.area_code for m in profiles.municipalities] + [COUNTRY]
    change = analyse_change(
        profiles, sources["population"].period, change_base(sources, areas, rules), sources["age"].periods
    )
    report = reconcile(sources, key, region)
    return NeedsAssessment(
        region_code=region.code,
        region_name=region.name_fi,
        params=params,
        profiles=profiles,
        need_index=index,
        change=change,
        reconciliation=report,
        sources=sources.provenance(),
        findings=_findings(profiles, index, report) + change.findings,
        rules=rules,
    )
