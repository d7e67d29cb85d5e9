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
from collections.abc import Iterable, Mapping
from pathlib import Path

from schemas.needs import (
    AreaLevel,
    AreaProfile,
    ChangeAnalysis,
    ChangeRow,
    MergedMunicipality,
    NeedIndex,
    NeedIndexComponent,
    NeedIndexParams,
    NeedIndexRow,
    NeedProfileTable,
    NeedsAssessment,
    ReconciliationItem,
    ReconciliationReport,
    UnknownCode,
)
from soteflow.data.regions import Region, RegionKey, resolve_region
from soteflow.errors import InputError
from soteflow.numbers import fi_number, round_half_up
from tasks.needs.inputs import COUNTRY, SOURCE_FILES, NeedsSources, check_area_codes, load_key, load_needs_sources

#: Need-index components: AreaProfile field → Finnish label.
COMPONENT_LABELS: Mapping[str, str] = {
    "share_65_plus": "65 vuotta täyttäneiden osuus",
    "low_income_rate": "Pienituloisuusaste",
    "basic_security_dependence": "Perusturvan varassa olevien osuus",
    "unemployment_rate": "Työttömyysaste",
    "long_term_unemployment_rate": "Pitkäaikaistyöttömien osuus työvoimasta",
    "share_no_post_basic_education": "Ilman perusasteen jälkeistä tutkintoa",
}

INDEX_METHOD = (
    "Painotettu suhdeluku koko maahan: kunkin osatekijän arvo jaetaan koko maan arvolla, "
    "kerrotaan normalisoidulla painolla ja sadalla; indeksi on osuuksien summa (koko maa = 100)."
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


def _index_row(profile: AreaProfile, country: AreaProfile, params: NeedIndexParams) -> NeedIndexRow:
    raw = params.weights()
    available: dict[str, tuple[float, float]] = {}
    missing: list[str] = []
    for comp in raw:
        value, base = getattr(profile, comp), getattr(country, comp)
        if value is None or base is None or base <= 0:
            missing.append(comp)
        else:
            available[comp] = (value, base)
    w_sum = sum(raw[c] for c in available)
    components: list[NeedIndexComponent] = []
    for comp in raw:
        base = getattr(country, comp)
        if comp in available and w_sum > 0:
            value, base = available[comp]
            weight = raw[comp] / w_sum
            relative = value / base
            contribution = _r(100.0 * weight * relative) or 0.0
            components.append(
                NeedIndexComponent(
                    indicator=comp,
                    label=COMPONENT_LABELS[comp],
                    value=value,
                    country_value=base,
                    relative=_r(relative),
                    weight=_r(weight, 6) or 0.0,
                    contribution=contribution,
                )
            )
        else:
            components.append(
                NeedIndexComponent(
                    indicator=comp,
                    label=COMPONENT_LABELS[comp],
                    value=getattr(profile, comp),
                    country_value=base if base is not None else 0.0,
                    relative=None,
                    weight=0.0,
                    contribution=0.0,
                )
            )
    # The index is the sum of the rounded contributions, so the table adds up exactly.
    index = _r(sum(c.contribution for c in components)) or 0.0
    return NeedIndexRow(
        area_code=profile.area_code,
        name=profile.name,
        level=profile.level,
        index=index,
        rank=None,
        components=components,
        missing_components=missing,
    )


def compute_need_index(profiles: NeedProfileTable, params: NeedIndexParams | None = None) -> NeedIndex:
    """The need index of each municipality and of the region (formula in :class:`NeedIndex`).

    Rows are sorted by index, highest first (ties by area code); rank 1 = greatest need.
    """
    params = params or NeedIndexParams()
    rows = [_index_row(p, profiles.country, params) for p in profiles.municipalities]
    rows.sort(key=lambda r: (-r.index, r.area_code))
    ranked = [r.model_copy(update={"rank": i}) for i, r in enumerate(rows, start=1)]
    return NeedIndex(
        method=INDEX_METHOD,
        weights={k: _r(v, 6) or 0.0 for k, v in params.normalised_weights().items()},
        rows=ranked,
        region=_index_row(profiles.region, profiles.country, params),
    )


# --- change analysis ------------------------------------------------------------------------


def _change_row(p: AreaProfile, country: AreaProfile) -> ChangeRow:
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
    )


def _compare(value: float, base: float, unit: str, decimals: int = 1) -> str:
    diff = round_half_up(value - base, decimals)  # the rounding fi_number prints with
    if diff == 0:
        return "sama kuin koko maassa"
    word = "suurempi" if diff > 0 else "pienempi"
    return f"{fi_number(abs(diff), decimals)} {unit} koko maata {word}"


def analyse_change(profiles: NeedProfileTable, period: str = "") -> ChangeAnalysis:
    """Births, deaths, migration and ageing of the municipalities and region vs the country."""
    country = profiles.country
    rows = [_change_row(p, country) for p in profiles.municipalities]
    reg = _change_row(profiles.region, country)
    ctry = _change_row(country, country)
    n = len(rows)
    decrease = sum(1 for r in rows if (r.natural_increase or 0) < 0)
    out_mig = sum(1 for r in rows if (r.net_migration or 0) < 0)
    findings: list[str] = []
    rp = profiles.region
    if rp.births is not None and rp.deaths is not None and rp.natural_increase is not None:
        findings.append(
            f"Alueella syntyi {fi_number(rp.births, 0)} lasta ja kuoli {fi_number(rp.deaths, 0)} henkilöä; "
            f"luonnollinen väestönlisäys oli {fi_number(rp.natural_increase, 0, sign=True)} "
            f"({fi_number(rp.natural_increase_per_1000 or 0.0, 1, sign=True)} ‰, koko maassa "
            f"{fi_number(country.natural_increase_per_1000 or 0.0, 1, sign=True)} ‰)."
        )
    if rp.net_migration is not None:
        findings.append(
            f"Kokonaisnettomuutto oli {fi_number(rp.net_migration, 0, sign=True)} henkilöä "
            f"({fi_number(rp.net_migration_per_1000 or 0.0, 1, sign=True)} ‰; kuntien välinen nettomuutto "
            f"{fi_number(rp.net_internal_migration or 0, 0, sign=True)}, nettomaahanmuutto "
            f"{fi_number(rp.net_immigration or 0, 0, sign=True)})."
        )
    findings.append(
        f"Kuolleita oli enemmän kuin syntyneitä {decrease} kunnassa {n}:stä, "
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
    return ChangeAnalysis(
        period=period,
        rows=rows,
        region=reg,
        country=ctry,
        municipalities_with_natural_decrease=decrease,
        municipalities_with_net_out_migration=out_mig,
        findings=findings,
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
        if hi is not lo:
            out.append(
                f"Suurin tarveindeksi on kunnassa {hi.name} ({fi_number(hi.index, 1)}), "
                f"pienin kunnassa {lo.name} ({fi_number(lo.index, 1)})."
            )
    bad = [i.indicator for i in report.items if i.status == "mismatch"]
    if bad:
        out.append(f"Täsmäytyksessä Tilastokeskuksen lukuihin on poikkeamia: {', '.join(bad)}.")
    else:
        out.append("Kunnista lasketut alueen luvut täsmäävät Tilastokeskuksen hyvinvointialueen lukuihin.")
    return out


def assess_needs(data_dir: Path, region_text: str, params: NeedIndexParams | None = None) -> NeedsAssessment:
    """Stage 1 assessment of one region: profiles, need index, change, reconciliation, findings."""
    params = params or NeedIndexParams()
    key = load_key(data_dir)
    region = resolve_region(region_text, key)
    sources = load_needs_sources(data_dir)
    check_area_codes(sources, key)
    profiles = build_profiles(sources, key, region)
    index = compute_need_index(profiles, params)
    change = analyse_change(profiles, sources["population"].period)
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
    )
