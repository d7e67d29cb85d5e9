"""Stage 1 analysis (tasks/needs/analysis.py): profiles, reconciliation, need index, change, assessment."""

from __future__ import annotations

import json

import pytest

from schemas.needs import NeedIndexParams, NeedsAssessment
from soteflow.data.regions import resolve_region
from soteflow.errors import UnknownRegionError
from tasks.needs.analysis import (
    analyse_change,
    assess_needs,
    build_profiles,
    compute_need_index,
    reconcile,
)
from tasks.needs.inputs import load_key, load_needs_sources
from tests.support import DATA_DIR


def raw_values(file: str, area: str) -> dict[str, str]:
    """The raw strings of an area's row, read with json alone (independent of the reader)."""
    doc = json.loads((DATA_DIR / "statfin" / file).read_text(encoding="utf-8-sig"))
    codes = [c["code"] for c in doc["columns"] if c["type"] == "c"]
    for row in doc["data"]:
        if area in row["key"]:
            return dict(zip(codes, row["values"], strict=True))
    raise KeyError(area)


@pytest.fixture(scope="module")
def pirkanmaa() -> NeedsAssessment:
    return assess_needs(DATA_DIR, "Pirkanmaa")


def test_tampere_profile_matches_files(pirkanmaa: NeedsAssessment) -> None:
    tampere = next(m for m in pirkanmaa.profiles.municipalities if m.area_code == "KU837")
    age = raw_values("age_register_kunnat_11ra.json", "KU837")
    assert tampere.population == int(age["vaerak-vaesto"]) == 263337
    assert tampere.share_65_plus == 19.0
    une = raw_values("unemployment_register_kunnat_12r5.json", "KU837")
    assert (tampere.unemployed, tampere.labour_force) == (22312, 135571)
    assert int(une["TYOTTOMATLOPUSSA"]) == 22312
    assert tampere.unemployment_rate == round(22312 / 135571 * 100, 4) == 16.4578
    vital = raw_values("population_register_kunnat_121w.json", "KU837")
    assert tampere.net_migration == int(vital["ssaaty-koknetmuutto"]) == 3168
    assert tampere.net_migration == tampere.net_internal_migration + tampere.net_immigration  # type: ignore[operator]


def test_region_population_is_sum_and_equals_hva_row(pirkanmaa: NeedsAssessment) -> None:
    profiles = pirkanmaa.profiles
    assert len(profiles.municipalities) == 23
    total = sum(m.population for m in profiles.municipalities)
    assert profiles.region.population == total == 548910
    assert int(raw_values("age_register_kunnat_11ra.json", "HVA08")["vaerak-vaesto"]) == 548910
    assert profiles.country.population == 5652881
    # Recomputed from summed counts, not averaged.
    assert profiles.region.unemployment_rate == round(
        sum(m.unemployed or 0 for m in profiles.municipalities)
        / sum(m.labour_force or 0 for m in profiles.municipalities)
        * 100,
        4,
    )


def test_reconciliation_pirkanmaa(pirkanmaa: NeedsAssessment) -> None:
    report = pirkanmaa.reconciliation
    items = {i.indicator: i for i in report.items}
    assert items["population"].status == "ok" and items["population"].difference == 0.0
    assert items["household_population"].official == 533813.0 and items["household_population"].status == "ok"
    assert items["share_65_plus"].status == "ok" and abs(items["share_65_plus"].difference or 1) <= 0.1
    assert report.ok
    # KU199 (unknown municipality) and KUJOU are in the unemployment file but not in the key.
    assert {(u.file, u.code) for u in report.unknown_codes} == {
        ("unemployment_register_kunnat_12r5.json", "KU199"),
        ("unemployment_register_kunnat_12r5.json", "KUJOU"),
    }
    assert report.merged_municipalities == []
    assert report.missing_municipalities == []


def test_reconciliation_reports_merge_in_etela_savo() -> None:
    key = load_key(DATA_DIR)
    sources = load_needs_sources(DATA_DIR)
    report = reconcile(sources, key, resolve_region("Etelä-Savo", key))
    assert [(m.old_code, m.old_name, m.new_code, m.new_name) for m in report.merged_municipalities] == [
        ("588", "Pertunmaa", "507", "Mäntyharju")
    ]
    assert report.ok


def test_suppressed_counts_are_not_comparable_not_mismatch() -> None:
    # In Lappi some municipalities' pt1_henkiloita is "...": the sum is a lower bound.
    key = load_key(DATA_DIR)
    report = reconcile(load_needs_sources(DATA_DIR), key, resolve_region("HVA21", key))
    item = next(i for i in report.items if i.indicator == "basic_security_persons")
    assert item.status == "not_comparable" and (item.difference or 0) < 0
    assert report.ok


def test_index_contributions_sum_to_index(pirkanmaa: NeedsAssessment) -> None:
    index = pirkanmaa.need_index
    assert abs(sum(index.weights.values()) - 1.0) < 1e-9
    for row in [*index.rows, index.region]:
        assert row.index == pytest.approx(sum(c.contribution for c in row.components), abs=1e-9)
        for c in row.components:
            if c.relative is not None and c.value is not None:
                assert c.contribution == pytest.approx(100 * c.weight * c.value / c.country_value, abs=1e-4)
    assert [r.rank for r in index.rows] == list(range(1, 24))
    assert [r.index for r in index.rows] == sorted((r.index for r in index.rows), reverse=True)


def test_country_index_is_100() -> None:
    key = load_key(DATA_DIR)
    profiles = build_profiles(load_needs_sources(DATA_DIR), key, resolve_region("PI", key))
    country_as_region = profiles.model_copy(update={"municipalities": [profiles.country]})
    assert compute_need_index(country_as_region).rows[0].index == 100.0


def _only(component: str) -> NeedIndexParams:
    zero = {f: 0.0 for f in NeedIndexParams.model_fields}
    return NeedIndexParams(**{**zero, component: 1.0})


def test_weights_change_ranking(pirkanmaa: NeedsAssessment) -> None:
    profiles = pirkanmaa.profiles
    ageing = compute_need_index(profiles, _only("weight_share_65_plus"))
    jobs = compute_need_index(profiles, _only("weight_unemployment_rate"))
    # Kuhmoinen has the highest 65+ share (47.2 %), Tampere the highest unemployment (16.5 %).
    assert ageing.rows[0].name == "Kuhmoinen"
    assert ageing.rows[0].index == round(47.2 / 23.8 * 100, 4)
    assert jobs.rows[0].name == "Tampere"
    tampere_rank = {r.name: r.rank for r in ageing.rows}["Tampere"]
    assert tampere_rank is not None and tampere_rank > 15
    # Relative weights: doubling all of them changes nothing.
    doubled = NeedIndexParams(**{f: 2 * v for f, v in NeedIndexParams().model_dump().items()})
    assert compute_need_index(profiles, doubled) == pirkanmaa.need_index


def test_all_zero_weights_refused() -> None:
    with pytest.raises(ValueError, match="at least one"):
        NeedIndexParams(**{f: 0.0 for f in NeedIndexParams.model_fields})


def test_change_analysis(pirkanmaa: NeedsAssessment) -> None:
    change = analyse_change(pirkanmaa.profiles, "2025")
    assert change == pirkanmaa.change
    vital = raw_values("population_register_kunnat_121w.json", "KU837")
    tampere = next(r for r in change.rows if r.area_code == "KU837")
    assert tampere.natural_increase == int(vital["ssaaty-luonvalisays"]) == 3
    region = pirkanmaa.profiles.region
    assert region.natural_increase == sum(m.natural_increase or 0 for m in pirkanmaa.profiles.municipalities)
    assert change.municipalities_with_natural_decrease == sum(
        1 for m in pirkanmaa.profiles.municipalities if (m.natural_increase or 0) < 0
    )
    # Thousands are separated by a no-break space (U+00A0), so a number never wraps across lines.
    assert change.findings[0].startswith("Alueella syntyi 4\u00a0587 lasta ja kuoli 5\u00a0423 henkilöä")


def test_findings_use_finnish_numbers(pirkanmaa: NeedsAssessment) -> None:
    text = "\n".join(pirkanmaa.findings)
    assert "väkiluku 548\u00a0910 (23 kuntaa)" in text
    # 22.59 % vs the country's 23.8 %: the difference is computed, not typed.
    assert "65 vuotta täyttäneiden osuus on 22,6 %, 1,2 prosenttiyksikköä koko maata pienempi." in text
    assert "Suurin tarveindeksi on kunnassa" in text


def test_comparison_with_the_country_rounds_half_up() -> None:
    from tasks.needs.analysis import _compare

    # 1,25 − 1,0 = 0,25 exactly: half up is 0,3 (Python's round() would give 0,2, which fi_number never prints).
    assert _compare(1.25, 1.0, "prosenttiyksikköä") == "0,3 prosenttiyksikköä koko maata suurempi"
    assert _compare(1.0, 1.25, "prosenttiyksikköä") == "0,3 prosenttiyksikköä koko maata pienempi"
    assert _compare(23.8, 23.84, "prosenttiyksikköä") == "sama kuin koko maassa"  # −0,04 rounds to 0,0


def test_assessment_is_json_stable(pirkanmaa: NeedsAssessment) -> None:
    again = assess_needs(DATA_DIR, "hva08")
    assert again.model_dump_json() == pirkanmaa.model_dump_json()
    restored = NeedsAssessment.model_validate_json(pirkanmaa.model_dump_json())
    assert restored == pirkanmaa
    assert pirkanmaa.sources[0].file == "age_register_kunnat_11ra.json"
    assert pirkanmaa.sources[0].updated is not None and pirkanmaa.sources[0].updated.tzinfo is not None


def test_helsinki_single_municipality() -> None:
    a = assess_needs(DATA_DIR, "Helsinki")
    assert a.profiles.region.population == a.profiles.municipalities[0].population == 694392
    assert a.reconciliation.ok


def test_unknown_region() -> None:
    with pytest.raises(UnknownRegionError, match="valid regions: HVA01"):
        assess_needs(DATA_DIR, "Uusimaa")
