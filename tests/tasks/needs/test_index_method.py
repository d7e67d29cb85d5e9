"""Stage 1's need-index method and change period on made-up municipalities, every figure worked by hand.

Three municipalities A, B, C and a country, with two components: the 65+ share (raw weight 3) and
the unemployment rate (raw weight 1), so the normalised weights are 0,75 and 0,25.

    country: 65+ 20 %, unemployment 10 %
    A: 65+ 25, unemployment 8     deviations +5, −2
    B: 65+ 21, unemployment 12    deviations +1, +2
    C: 65+ 19, unemployment 12    deviations −1, +2

Dispersions (root mean square deviation from the country, each municipality once):
65+ √((25 + 1 + 1)/3) = √9 = 3; unemployment √((4 + 4 + 4)/3) = 2.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from schemas.needs import AreaLevel, AreaProfile, NeedIndexParams, NeedProfileTable, NeedsRules
from soteflow.errors import InputError
from tasks.needs.analysis import analyse_change, assess_needs, change_base, compute_need_index, dispersions, elative
from tasks.needs.documents import change_paragraph, index_paragraphs, uncertainty_paragraph
from tasks.needs.inputs import SOURCE_FILES, load_needs_sources, read_needs_rules
from tests.support import DATA_DIR

RULES = NeedsRules(points_per_sd=10.0, population_limit=1000, confidence=0.95, change_years=5, source_file="t")
PARAMS = NeedIndexParams(
    weight_share_65_plus=3.0,
    weight_unemployment_rate=1.0,
    weight_low_income_rate=0.0,
    weight_basic_security_dependence=0.0,
    weight_long_term_unemployment=0.0,
    weight_no_post_basic_education=0.0,
)


def area(code: str, level: AreaLevel, population: int, **values: Any) -> AreaProfile:
    """A profile with the given fields and every other optional field missing."""
    blank = {
        name: None
        for name, f in AreaProfile.model_fields.items()
        if name not in {"area_code", "name", "level", "population", "incomplete_fields"}
    }
    return AreaProfile(area_code=code, name=code, level=level, population=population, **{**blank, **values})


def table() -> NeedProfileTable:
    m = AreaLevel.MUNICIPALITY
    return NeedProfileTable(
        region_code="HVA99",
        region_name="Esimerkkialue",
        municipalities=[
            # A is below the limit of 1 000 inhabitants; B is exactly at it (not below: not marked).
            area("KU001", m, 900, share_65_plus=25.0, unemployment_rate=8.0, labour_force=400),
            area("KU002", m, 1000, share_65_plus=21.0, unemployment_rate=12.0, labour_force=500),
            area("KU003", m, 20000, share_65_plus=19.0, unemployment_rate=12.0, labour_force=10000),
        ],
        region=area("HVA99", AreaLevel.REGION, 21900, share_65_plus=20.0, unemployment_rate=11.0, labour_force=10900),
        country=area("SSS", AreaLevel.COUNTRY, 5_000_000, share_65_plus=20.0, unemployment_rate=10.0),
    )


def test_components_are_standardised_by_hand() -> None:
    profiles = table()
    spread = dispersions(profiles.municipalities, profiles.country, ["share_65_plus", "unemployment_rate"])
    assert spread == {"share_65_plus": pytest.approx(3.0), "unemployment_rate": pytest.approx(2.0)}
    index = compute_need_index(profiles, PARAMS, rules=RULES)
    by = {r.area_code: r for r in index.rows}
    # A: 10 × 0,75 × 5/3 = 12,5 and 10 × 0,25 × (−2/2) = −2,5 → 110,0
    # B: 10 × 0,75 × 1/3 = 2,5 and 10 × 0,25 × 1 = 2,5 → 105,0
    # C: 10 × 0,75 × (−1/3) = −2,5 and 2,5 → 100,0
    assert [(r.area_code, r.index, r.rank) for r in index.rows] == [
        ("KU001", 110.0, 1),
        ("KU002", 105.0, 2),
        ("KU003", 100.0, 3),
    ]
    a = {c.indicator: c for c in by["KU001"].components}
    assert a["share_65_plus"].standardised == pytest.approx(1.6667, abs=1e-4)
    assert a["share_65_plus"].contribution == 12.5 and a["unemployment_rate"].contribution == -2.5
    assert a["share_65_plus"].weight == 0.75 and a["unemployment_rate"].weight == 0.25
    # The region: 65+ at the country's level (z = 0), unemployment +1/2 → 100 + 10 × 0,25 × 0,5 = 101,25.
    assert index.region.index == 101.25
    assert index.points_per_sd == 10.0 and index.reference_count == 3


def test_effective_weights_equal_the_stated_ones_after_standardisation() -> None:
    index = compute_need_index(table(), PARAMS, rules=RULES)
    effects = {e.indicator: e for e in index.effects}
    assert set(effects) == {"share_65_plus", "unemployment_rate"}  # the components with a weight
    age, jobs = effects["share_65_plus"], effects["unemployment_rate"]
    # Before, as ratios to the country: 65+ spreads by 100 × 0,75 × 3/20 = 11,25 points,
    # unemployment by 100 × 0,25 × 2/10 = 5 points: effective weights 11,25/16,25 and 5/16,25.
    assert age.effective_before == pytest.approx(0.692308, abs=1e-6)
    assert jobs.effective_before == pytest.approx(0.307692, abs=1e-6)
    # Standardised: 10 × 0,75 × 1 and 10 × 0,25 × 1 → 7,5 / 10 and 2,5 / 10, the stated weights.
    assert (age.effective_after, jobs.effective_after) == (0.75, 0.25)
    # Spans in the region's municipalities: ratio points 100 × 0,75 × x/20 = 3,75x → 71,25 … 93,75;
    # standardised −2,5 … 12,5. Unemployment 2,5x → 20 … 30; standardised −2,5 … 2,5.
    assert age.span_before == (71.25, 93.75) and age.span_after == (-2.5, 12.5)
    assert jobs.span_before == (20.0, 30.0) and jobs.span_after == (-2.5, 2.5)
    # In the region, the standard deviations of the weighted components around their mean: 65+
    # contributions 12,5, 2,5, −2,5 (mean 4,1667; squares 69,444 + 2,778 + 44,444 = 116,667; /3 → √38,889
    # = 6,2361); unemployment −2,5, 2,5, 2,5 (mean 0,8333; 11,111 + 2,778 + 2,778 = 16,667; /3 → 2,3570);
    # 6,2361 / 8,5931 = 0,7257: the region's own spread (here not the country's), so not the weight.
    assert age.region_after == pytest.approx(0.725708, abs=1e-5)


def test_the_uncertainty_mark_and_band_at_the_limit() -> None:
    index = compute_need_index(table(), PARAMS, rules=RULES)
    by = {r.area_code: r for r in index.rows}
    assert by["KU001"].uncertain  # 900 < 1 000
    assert not by["KU002"].uncertain  # 1 000 is not below the limit
    assert not by["KU003"].uncertain and not index.region.uncertain
    # A's band: 65+ se = 100·√(0,25·0,75/900) = 1,44338 pp → /3 × 0,75 = 0,360844;
    # unemployment se = 100·√(0,08·0,92/400) = 1,35647 pp → /2 × 0,25 = 0,169558;
    # 1,959964 × 10 × √(0,360844² + 0,169558²) = 1,959964 × 3,98696 = 7,8143.
    assert by["KU001"].margin == pytest.approx(7.8143, abs=1e-3)
    a = {c.indicator: c for c in by["KU001"].components}
    assert a["share_65_plus"].standard_error == pytest.approx(1.4434, abs=1e-4)
    # A larger population, a narrower band: C (20 000 persons, 10 000 in the labour force).
    assert (by["KU003"].margin or 0) < (by["KU002"].margin or 0) < (by["KU001"].margin or 0)
    # The limit comes from the rules: raised to 1 001, B is marked too.
    stricter = compute_need_index(table(), PARAMS, rules=RULES.model_copy(update={"population_limit": 1001}))
    assert [r.area_code for r in stricter.rows if r.uncertain] == ["KU001", "KU002"]


def test_the_method_text_calls_the_index_descriptive() -> None:
    profiles = table()
    index = compute_need_index(profiles, PARAMS, rules=RULES)
    change = analyse_change(profiles, "2025", years=("2025",))
    real = assess_needs(DATA_DIR, "HVA08")
    assessment = real.model_copy(update={"need_index": index, "change": change, "rules": RULES})
    text = " ".join(index_paragraphs(assessment))
    assert "Tarveindeksi on kuvaileva indeksi." in text
    assert "ei yksinään määrää talousarviota" in text
    # 65+: stated 75 %, 69 % among the reference before, 75 % after.
    assert "paino oli 75 %, mutta sen todellinen paino oli koko maan kunnissa 69 %" in text
    assert "Kunnat, joiden väkiluku on alle 1\u00a0000, on merkitty" in uncertainty_paragraph(assessment)
    assert "Alueen pienten kuntien (1) vaihteluväli on ±7,8 pistettä" in uncertainty_paragraph(assessment)
    assert change_paragraph(assessment).startswith("Lähdeaineistoissa on vain vuoden 2025 tiedot")


def test_elative_of_numerals() -> None:
    assert [elative(n) for n in (1, 2, 3, 4, 6, 8, 10, 13, 20, 23, 24, 100, 308)] == [
        "1:stä",
        "2:sta",
        "3:sta",
        "4:stä",
        "6:sta",
        "8:sta",
        "10:stä",
        "13:sta",
        "20:stä",
        "23:sta",
        "24:stä",
        "100:sta",
        "308:sta",
    ]


# -- the change over several years ----------------------------------------------------------------


def _pxweb(area_code: str, columns: list[str], rows: dict[tuple[str, str], list[float]], year_first: bool) -> str:
    keyed = [{"code": "timeperiod_y", "text": "Vuosi", "type": "t"}, {"code": area_code, "text": "Alue", "type": "d"}]
    if not year_first:
        keyed.reverse()
    data = [
        {"key": [year, area] if year_first else [area, year], "values": [str(v) for v in values]}
        for (area, year), values in rows.items()
    ]
    return json.dumps(
        {
            "columns": [*keyed, *({"code": c, "text": c, "type": "c"} for c in columns)],
            "data": data,
            "metadata": [{"updated": "2026-05-29T05.00.00Z", "label": "testi", "source": "Tilastokeskus"}],
        }
    )


AGE_COLUMNS = list(SOURCE_FILES["age"][1])
VITAL_COLUMNS = list(SOURCE_FILES["population"][1])


def _age_row(population: int, share_65: float) -> list[float]:
    return [population, 15.0, share_65, 45.0]


def _vital_row(natural: int, migration: int, population: int) -> list[float]:
    # births, deaths, natural increase, net internal migration, net immigration, net migration, population
    return [0, 0, natural, migration, 0, migration, population]


def made_up_exports(tmp_path: Path, vital_years: range) -> Path:
    """A data folder with made-up age (2019, 2020, 2023, 2025) and vital-statistics exports."""
    statfin = tmp_path / "statfin"
    statfin.mkdir()
    for name, (file_name, _) in SOURCE_FILES.items():
        if name not in {"age", "population"}:
            shutil.copy(DATA_DIR / "statfin" / file_name, statfin / file_name)
    age = {
        ("KU001", "2019"): _age_row(1, 99.0),  # outside the five years before 2025: never the base
        ("KU001", "2020"): _age_row(1000, 30.0),
        ("KU001", "2023"): _age_row(970, 32.0),
        ("KU001", "2025"): _age_row(950, 33.0),
        ("KU002", "2020"): _age_row(3000, 20.0),
        ("KU002", "2025"): _age_row(3150, 21.0),
        ("SSS", "2020"): _age_row(5_000_000, 22.0),
        ("SSS", "2025"): _age_row(5_100_000, 24.0),
    }
    vital: dict[tuple[str, str], list[float]] = {}
    for year in vital_years:
        y = str(year)
        # 2020 is the base year: its own events are before the period and must not be counted.
        factor = 99 if year == 2020 else 1
        vital[("KU001", y)] = _vital_row(-10 * factor, 0, 950)
        vital[("KU002", y)] = _vital_row(10 * factor, 20, 3150)
        vital[("SSS", y)] = _vital_row(-10_000 * factor, 30_000, 5_100_000)
    (statfin / SOURCE_FILES["age"][0]).write_text(_pxweb("alue_23_20260101", AGE_COLUMNS, age, False), "utf-8")
    (statfin / SOURCE_FILES["population"][0]).write_text(
        _pxweb("alue_23_20260101", VITAL_COLUMNS, vital, True), "utf-8"
    )
    return tmp_path


def change_table() -> NeedProfileTable:
    m = AreaLevel.MUNICIPALITY
    # 65+ of the region in 2025: (33 × 950 + 21 × 3 150) / 4 100 = 97 500 / 4 100 = 23,780488 %
    return NeedProfileTable(
        region_code="HVA99",
        region_name="Esimerkkialue",
        municipalities=[
            area("KU001", m, 950, share_65_plus=33.0, natural_increase=-10, net_migration=0),
            area("KU002", m, 3150, share_65_plus=21.0, natural_increase=10, net_migration=20),
        ],
        region=area("HVA99", AreaLevel.REGION, 4100, share_65_plus=23.780488, natural_increase=0, net_migration=20),
        country=area("SSS", AreaLevel.COUNTRY, 5_100_000, share_65_plus=24.0, natural_increase=-10_000),
    )


def test_change_over_five_years_by_hand(tmp_path: Path) -> None:
    sources = load_needs_sources(made_up_exports(tmp_path, range(2019, 2026)))
    assert sources["age"].periods == ("2019", "2020", "2023", "2025")
    base = change_base(sources, ["KU001", "KU002", "SSS"], RULES)
    assert base is not None and base.base_year == "2020"  # 2025 − 5; 2019 is outside the period
    change = analyse_change(change_table(), "2025", base)
    assert (change.base_year, change.change_period, change.years_available) == (
        "2020",
        "2020\u20132025",
        ["2019", "2020", "2023", "2025"],
    )
    rows = {r.area_code: r for r in change.rows}
    # KU001: 1 000 → 950 = −5,0 %; 65+ 30 → 33 = +3,0; 2021–2025 natural increase 5 × −10 = −50.
    assert (rows["KU001"].population_start, rows["KU001"].population_change_pct) == (1000, -5.0)
    assert rows["KU001"].share_65_plus_change_pp == 3.0
    assert (rows["KU001"].natural_increase_period, rows["KU001"].net_migration_period) == (-50, 0)
    # KU002: 3 000 → 3 150 = +5,0 %; natural 5 × 10 = +50, migration 5 × 20 = +100.
    assert (rows["KU002"].population_change_pct, rows["KU002"].natural_increase_period) == (5.0, 50)
    assert rows["KU002"].net_migration_period == 100
    # The region: 4 000 → 4 100 = +2,5 %; 65+ (30 × 1 000 + 20 × 3 000) / 4 000 = 22,5 → 23,780488: +1,280488.
    region = change.region
    assert (region.population_start, region.population_change_pct) == (4000, 2.5)
    assert region.share_65_plus_start == 22.5
    assert region.share_65_plus_change_pp == pytest.approx(1.2805, abs=1e-4)
    assert (region.natural_increase_period, region.net_migration_period) == (0, 100)
    # The country: 5 000 000 → 5 100 000 = +2,0 %; 65+ 22 → 24 = +2,0; natural 5 × −10 000.
    assert (change.country.population_change_pct, change.country.share_65_plus_change_pp) == (2.0, 2.0)
    assert change.country.natural_increase_period == -50_000
    assert change.findings[-3:] == [
        "Vuoden 2020 lopusta vuoden 2025 loppuun alueen väkiluku kasvoi 2,5 % (koko maassa +2,0 %), ja 65 vuotta "
        "täyttäneiden osuus nousi 1,3 prosenttiyksikköä (koko maassa +2,0 prosenttiyksikköä).",
        "Vuosina 2021\u20132025 luonnollinen väestönlisäys oli yhteensä 0 ja kokonaisnettomuutto +100 henkilöä.",
        "Väkiluku väheni jaksolla 1 kunnassa 2:sta.",
    ]


def test_a_missing_year_leaves_the_period_totals_out(tmp_path: Path) -> None:
    # The vital statistics lack 2022: the totals over 2021–2025 are not known; the population change is.
    sources = load_needs_sources(made_up_exports(tmp_path, range(2023, 2026)))
    base = change_base(sources, ["KU001", "KU002", "SSS"], RULES)
    assert base is not None
    change = analyse_change(change_table(), "2025", base)
    assert change.region.natural_increase_period is None and change.region.population_change_pct == 2.5
    assert not any(f.startswith("Vuosina") for f in change.findings)


def test_one_year_of_data_gives_the_latest_year_only() -> None:
    sources = load_needs_sources(DATA_DIR)
    assert sources["age"].periods == ("2025",)  # the shipped exports hold one year
    assert change_base(sources, ["KU837", "SSS"], RULES) is None
    shorter = RULES.model_copy(update={"change_years": 1})
    assert change_base(sources, ["KU837"], shorter) is None


# -- the rules file -----------------------------------------------------------------------------------


def test_rules_file_shipped_and_checked(tmp_path: Path) -> None:
    shipped = read_needs_rules(DATA_DIR / "config" / "rules" / "needs.toml")
    assert (shipped.population_limit, shipped.change_years, shipped.confidence) == (5000, 5, 0.95)
    bad = tmp_path / "needs.toml"
    bad.write_text("[need_index]\npoints_per_sd = 10\n[uncertainty]\nconfidence = 0.95\n[change]\nyears = 5\n")
    with pytest.raises(InputError, match="missing value") as missing:
        read_needs_rules(bad)
    assert missing.value.field == "uncertainty.population_limit"
    bad.write_text(
        '[need_index]\npoints_per_sd = 10\n[uncertainty]\npopulation_limit = "5000"\nconfidence = 0.95\n'
        "[change]\nyears = 5\n"
    )
    with pytest.raises(InputError) as wrong:
        read_needs_rules(bad)
    assert wrong.value.field == "uncertainty.population_limit"
    bad.write_text(
        "[need_index]\npoints_per_sd = 0\n[uncertainty]\npopulation_limit = 1\nconfidence = 1.5\n[change]\nyears = 5\n"
    )
    with pytest.raises(InputError) as zero:
        read_needs_rules(bad)
    assert zero.value.field == "need_index.points_per_sd"
