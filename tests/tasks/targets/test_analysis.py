"""Stage 2 analysis (tasks/targets/analysis.py): impact targets, forecast with the deficit check, frame allocation.

Every expected number is worked out by hand in the comments next to it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from schemas.needs import (
    AreaLevel,
    AreaProfile,
    ChangeAnalysis,
    ChangeRow,
    NeedIndex,
    NeedIndexRow,
    NeedProfileTable,
    NeedsBasis,
)
from schemas.results import SourceRef, VersionRef
from schemas.stages import Stage
from schemas.targets import (
    AllocationMethod,
    ClientGroup,
    CoverageRule,
    Direction,
    FundingYear,
    ScenarioAssumptions,
    ScenarioYear,
)
from soteflow.errors import InputError
from soteflow.stagekit import open_store
from tasks.needs.basis import field_periods, load_needs_basis
from tasks.targets.analysis import (
    allocate_frame,
    assess_targets,
    build_impact_targets,
    finding_text,
    forecast_scenario,
    relative_needs,
)
from tasks.targets.inputs import read_targets_inputs
from tests.support import DATA_DIR

EXAMPLES = DATA_DIR / "examples" / "HVA08"
CF, WA, OP, DIS, MS = list(ClientGroup)


# -- factories ------------------------------------------------------------------------------------


def _area(code: str, level: AreaLevel, population: int, **values: float | int | None) -> AreaProfile:
    empty: dict[str, Any] = {
        name: None
        for name in AreaProfile.model_fields
        if name not in {"area_code", "name", "level", "population", "incomplete_fields"}
    }
    return AreaProfile(area_code=code, name=code, level=level, population=population, **{**empty, **values})


def _ref(key: str, version: int = 1) -> VersionRef:
    return VersionRef(
        version_id=uuid.uuid5(uuid.NAMESPACE_URL, key),
        key=key,
        version=version,
        sha256=(key[:1] * 64),
        status="approved",
        media_type="application/json",
    )


def make_basis(**region_overrides: float | None) -> NeedsBasis:
    """A small stage-1 basis: every need indicator 1,25 × the country except 65+ (0,8 ×)."""
    region_values: dict[str, float | int | None] = {
        "share_under_15": 15.0,  # country 12.0 → 1.25
        "share_65_plus": 20.0,  # country 25.0 → 0.8
        "unemployment_rate": 10.0,  # country 8.0 → 1.25
        "long_term_unemployment_rate": 5.4321,  # country 4.0
        "unemployed_disabled_or_ill": 6000,  # per labour force 6000/480 000 = 0.0125
        "labour_force": 480_000,
        "basic_security_dependence": 5.0,  # country 4.0 → 1.25
        "low_income_rate": 12.0,
    }
    region_values.update(region_overrides)
    region = _area("HVA99", AreaLevel.REGION, 1_000_000, **region_values)
    country = _area(
        "SSS",
        AreaLevel.COUNTRY,
        10_000_000,
        share_under_15=12.0,
        share_65_plus=25.0,
        unemployment_rate=8.0,
        long_term_unemployment_rate=4.0,
        unemployed_disabled_or_ill=50_000,
        labour_force=5_000_000,  # 0.01
        basic_security_dependence=4.0,
        low_income_rate=12.0,
    )
    profiles = NeedProfileTable(
        region_code="HVA99", region_name="Esimerkin hyvinvointialue", municipalities=[], region=region, country=country
    )
    row = NeedIndexRow(
        area_code="HVA99",
        name="x",
        level=AreaLevel.REGION,
        index=100.0,
        rank=None,
        components=[],
        missing_components=[],
    )
    change_row = ChangeRow(
        area_code="HVA99",
        name="x",
        level=AreaLevel.REGION,
        population=60_000,
        births=None,
        deaths=None,
        natural_increase=None,
        net_migration=None,
        natural_increase_per_1000=None,
        net_migration_per_1000=None,
        share_65_plus=20.0,
        share_65_plus_vs_country_pp=-5.0,
        dependency_ratio=None,
        ageing_signal=False,
    )
    return NeedsBasis(
        region_code="HVA99",
        region_name="Esimerkin hyvinvointialue",
        profiles=profiles,
        need_index=NeedIndex(method="", weights={}, rows=[], region=row),
        change=ChangeAnalysis(
            period="2025",
            rows=[],
            region=change_row,
            country=change_row,
            municipalities_with_natural_decrease=0,
            municipalities_with_net_out_migration=0,
            findings=[],
        ),
        refs={k: _ref(k) for k in ("needs-proposal", "needs-profile", "needs-index", "needs-change")},
        periods=field_periods({"age": "2025", "income": "2024", "unemployment": "2026M06"}),
        decision_date=dt.date(2026, 8, 24),
        decision_body="Aluehallitus",
    )


# -- allocation --------------------------------------------------------------------------------------

# current spend 200/400/300/60/40 (total 1000) → s = 0.2, 0.4, 0.3, 0.06, 0.04
SPEND = {CF: 200.0, WA: 400.0, OP: 300.0, DIS: 60.0, MS: 40.0}
# relative need r = 1.0, 1.1, 0.9, 1.5, 1.0 → s·r = 0.2, 0.44, 0.27, 0.09, 0.04, Σ = 1.04
NEED = {CF: 1.0, WA: 1.1, OP: 0.9, DIS: 1.5, MS: 1.0}


def _allocate(method: AllocationMethod, frame: float, weight: float = 0.5):  # type: ignore[no-untyped-def]
    return allocate_frame(
        region_code="HVA99",
        frame_year=2026,
        frame_eur=frame,
        current_spend=SPEND,
        relative_need=NEED,
        method=method,
        need_weight=weight,
        base_year=2025,
    )


def test_need_share_allocation_is_proportional_to_spend_times_need() -> None:
    # n = s·r / 1.04; with a frame of 1040 € each group gets 1000 × s·r: 200, 440, 270, 90, 40.
    frame = _allocate(AllocationMethod.NEED_SHARE, 1040)
    assert [g.allocated_eur for g in frame.groups] == [200, 440, 270, 90, 40]
    assert [g.need_share for g in frame.groups] == [0.192308, 0.423077, 0.259615, 0.086538, 0.038462]
    assert frame.need_weight == 1.0  # need_share means w = 1 whatever the blend weight says
    assert [g.current_share for g in frame.groups] == [0.2, 0.4, 0.3, 0.06, 0.04]


def test_current_spend_allocation_keeps_todays_shares() -> None:
    frame = _allocate(AllocationMethod.CURRENT_SPEND, 1000, weight=0.9)
    assert frame.need_weight == 0.0
    assert [g.allocated_eur for g in frame.groups] == [200, 400, 300, 60, 40]


def test_blend_puts_the_rounding_residue_on_the_largest_group() -> None:
    # a = (n + s) / 2 = 0.196154, 0.411538, 0.279808, 0.073269, 0.039231 (6 decimals).
    # Frame 13 €: a × 13 = 2.55, 5.35, 3.64, 0.95, 0.51 → rounded 3, 5, 4, 1, 1 = 14 € (one too many);
    # the largest group (working age) takes the residue: 13 − (3 + 4 + 1 + 1) = 4 €.
    frame = _allocate(AllocationMethod.BLEND, 13)
    assert [g.allocated_eur for g in frame.groups] == [3, 4, 4, 1, 1]
    assert sum(g.allocated_eur for g in frame.groups) == 13
    assert [g.allocated_share for g in frame.groups] == [0.196154, 0.411538, 0.279808, 0.073269, 0.039231]
    assert sum(g.allocated_share for g in frame.groups) == pytest.approx(1.0, abs=1e-12)
    assert "w = 0,50" in frame.method_text and "n = s·r / Σ s·r" in frame.method_text


def test_relative_needs_from_stage1_region_and_country_values() -> None:
    needs = relative_needs(make_basis().profiles)
    # under-15 15/12, unemployment 10/8, 65+ 20/25, disabled (6000/480 000)/(50 000/5 000 000) = 0.0125/0.01,
    # basic security 5/4.
    assert needs == {CF: 1.25, WA: 1.25, OP: 0.8, DIS: 1.25, MS: 1.25}


def test_relative_need_without_a_stage1_value_is_an_error() -> None:
    with pytest.raises(InputError, match="share_under_15") as info:
        relative_needs(make_basis(share_under_15=None).profiles)
    assert info.value.field == "region.share_under_15"


# -- forecast ----------------------------------------------------------------------------------------


def _funding() -> list[FundingYear]:
    return [
        FundingYear(
            row=5 + i, year=2026 + i, kind="ennuste", state_funding=state, other_income=120_000, other_items=10_000
        )
        for i, state in enumerate((950_000, 1_000_000, 1_050_000, 1_100_000))
    ]


def _scenario(adjustment: float = 0.0) -> ScenarioAssumptions:
    return ScenarioAssumptions(
        key="perusura",
        name="Perusura",
        funding_adjustment_pct=adjustment,
        years=[ScenarioYear(year=y, cost_growth_pct=5.0, savings_eur=20_000) for y in range(2026, 2030)],
    )


def _forecast(period: int, adjustment: float = 0.0):  # type: ignore[no-untyped-def]
    return forecast_scenario(
        _scenario(adjustment),
        base_costs=1_000_000,
        opening_accumulated=-100_000,
        base_year=2025,
        funding=_funding(),
        coverage=CoverageRule(period_years=period, legal_basis="HVAL 115 §"),
    )


def test_forecast_rolls_costs_result_and_accumulated_deficit() -> None:
    s = _forecast(period=2)
    # 2026: 1 000 000 × 1.05 − 20 000 = 1 030 000; result 950 000 + 120 000 − 1 030 000 − 10 000 = 30 000;
    #       accumulated −100 000 + 30 000 = −70 000.
    # 2027: 1 030 000 × 1.05 − 20 000 = 1 061 500; result 1 000 000 + 120 000 − 1 061 500 − 10 000 = 48 500;
    #       accumulated −21 500.
    # 2028: 1 061 500 × 1.05 − 20 000 = 1 094 575; result 65 425; accumulated 43 925.
    # 2029: 1 094 575 × 1.05 − 20 000 = 1 129 303.75 → 1 129 304 (half up); result 80 696; accumulated 124 621.
    assert [y.operating_costs_eur for y in s.years] == [1_030_000, 1_061_500, 1_094_575, 1_129_304]
    assert [y.result_eur for y in s.years] == [30_000, 48_500, 65_425, 80_696]
    assert [y.accumulated_eur for y in s.years] == [-70_000, -21_500, 43_925, 124_621]
    assert [y.funding_eur for y in s.years] == [1_070_000, 1_120_000, 1_170_000, 1_220_000]


def test_deficit_not_covered_by_the_deadline_gives_the_gap_and_the_annual_savings_needed() -> None:
    coverage = _forecast(period=2).coverage
    # Deadline 2025 + 2 = 2027; accumulated −21 500 at its end → gap 21 500 over two years = 10 750 €/year.
    assert (coverage.deadline_year, coverage.covered) == (2027, False)
    assert (coverage.gap_eur, coverage.years_to_deadline, coverage.annual_improvement_needed_eur) == (21_500, 2, 10_750)
    assert coverage.first_non_negative_year == 2028
    assert "ei saada katetuksi" in coverage.statement and "vasta vuonna 2028" in coverage.statement


def test_a_longer_period_covers_the_deficit() -> None:
    coverage = _forecast(period=3).coverage
    assert (coverage.deadline_year, coverage.covered, coverage.gap_eur) == (2028, True, 0)
    assert coverage.accumulated_at_deadline_eur == 43_925
    assert coverage.annual_improvement_needed_eur == 0


def test_funding_adjustment_of_the_scenario() -> None:
    s = _forecast(period=2, adjustment=-1.0)
    # 2026 state funding 950 000 × 0.99 = 940 500; result 940 500 + 120 000 − 1 030 000 − 10 000 = 20 500.
    assert s.years[0].state_funding_eur == 940_500
    assert s.years[0].result_eur == 20_500


# -- the shipped example ----------------------------------------------------------------------------


def test_example_inputs_forecast_by_hand() -> None:
    assessment = assess_targets(read_targets_inputs(EXAMPLES, region_code="HVA08"), make_basis(), 2026)
    forecast = assessment.forecast
    base = forecast.actual[-1]
    # 2025: costs 3 437,0 M€, income 299,7 M€, state 3 162,1 M€, other items 49,5 M€ → result −24,7 M€.
    assert (base.operating_costs_eur, base.operating_income_eur, base.result_eur) == (
        3_437_000_000,
        299_700_000,
        -24_700_000,
    )
    perusura = forecast.scenario("perusura")
    # 2026: 3 437 000 000 × 1.04 − 35 000 000 = 3 539 480 000;
    #       result 3 304 000 000 + 310 000 000 − 3 539 480 000 − 52 000 000 = 22 520 000; accumulated −117 480 000.
    # 2027: 3 539 480 000 × 1.038 − 30 000 000 = 3 643 980 240;
    #       result 3 416 000 000 + 320 000 000 − 3 643 980 240 − 54 000 000 = 38 019 760; accumulated −79 460 240.
    assert [y.operating_costs_eur for y in perusura.years[:2]] == [3_539_480_000, 3_643_980_240]
    assert [y.accumulated_eur for y in perusura.years[:2]] == [-117_480_000, -79_460_240]
    # Not covered by the end of 2027: 79 460 240 / 2 = 39 730 120 € a year of further savings.
    assert perusura.coverage.covered is False
    assert perusura.coverage.annual_improvement_needed_eur == 39_730_120
    assert forecast.scenario("myonteinen").coverage.covered is True
    # The frame is derived from the coverage duty (deadline 2027 in the HVA08 setting): the gap
    # 79 460 240 less the named measures up to 2027 (15 + 30 + 10 + 15 = 70 M€) leaves 9 460 240,
    # i.e. 4 730 120 a year still to specify; frame 2026 = 3 539 480 000 − (15 + 10) M€ − 4 730 120.
    plan = assessment.frame.coverage
    assert plan is not None
    assert (plan.gap_eur, plan.measures_to_deadline_eur, plan.unspecified_per_year_eur) == (
        79_460_240,
        70_000_000,
        4_730_120,
    )
    assert [m.frame_year_eur for m in plan.measures] == [15_000_000, 10_000_000]
    assert plan.closed_by_measures is False
    assert assessment.frame.frame_eur == plan.required_frame_eur == 3_509_749_880
    assert sum(g.allocated_eur for g in assessment.frame.groups) == 3_509_749_880
    # With the measures and the adjustment realised every year the deficit is covered by 2027:
    # −79 460 240 + 70 000 000 + 2 × 4 730 120 = 0.
    assert plan.gap_eur - plan.measures_to_deadline_eur - 2 * plan.unspecified_per_year_eur == 0
    assert assessment.frame.method is AllocationMethod.BLEND


# -- impact targets -----------------------------------------------------------------------------------


def test_stage1_baseline_and_finding_point_at_the_approved_profile() -> None:
    basis = make_basis()
    impact = build_impact_targets(read_targets_inputs(EXAMPLES, region_code="HVA08"), basis, 2026)
    target = impact.by_id("T-TYO-1")
    assert (target.baseline, target.baseline_year, target.baseline_source) == (5.4321, "2026M06", "stage1")
    assert target.direction is Direction.DECREASE and target.target_value == 4.8
    assert target.finding is not None
    assert target.finding.artefact == SourceRef.of(basis.refs["needs-profile"])
    assert target.finding.pointer == "region.long_term_unemployment_rate"
    # 5.4321 / 4.0 = 1.358 → "1,36"
    assert target.finding.text == (
        "Pitkäaikaistyöttömien osuus työvoimasta 5,4 % (koko maa 4,0 %); korkeampi kuin koko maassa, suhdeluku 1,36."
    )
    file_baseline = impact.by_id("T-IKA-1")
    assert (file_baseline.baseline, file_baseline.baseline_year, file_baseline.baseline_source) == (
        91.9,
        "2024",
        "input",
    )
    assert file_baseline.finding is not None and file_baseline.finding.pointer == "region.share_65_plus"
    assert {g for g in ClientGroup if len(impact.for_group(g)) >= 2} == set(ClientGroup)


def test_finding_for_a_count_compares_with_the_population_share() -> None:
    # 6000 of the country's 50 000 = 12,0 %; population 1 000 000 / 10 000 000 = 10,0 %.
    text = finding_text(make_basis().profiles, "unemployed_disabled_or_ill")
    assert text == (
        "Vammaiset ja pitkäaikaissairaat työttömät työnhakijat 6\u00a0000: 12,0 % koko maan määrästä, kun alueen "
        "väestöosuus on 10,0 % (väestöosuutta suurempi)."
    )


def test_stage1_baseline_must_agree_with_the_direction() -> None:
    # T-TYO-1: region 4.3215 → target 4,8 with "laskee" (decrease) is a contradiction.
    basis = make_basis(long_term_unemployment_rate=4.3215)
    # Without the basis only the files are checked, and they are fine.
    inputs = read_targets_inputs(EXAMPLES, region_code="HVA08")
    assert inputs.base_year == 2025
    with pytest.raises(InputError) as info:
        assess_targets(inputs, basis, 2026)
    error = info.value
    assert (Path(str(error.file)).name, error.row, error.field) == ("tavoitteet.csv", 4, "suunta")
    assert "baseline 4,32 → target 4,80" in error.reason


def test_stage1_baseline_missing_in_the_profile() -> None:
    basis = make_basis(basic_security_dependence=None)
    with pytest.raises(InputError, match="no region value for basic_security_dependence") as info:
        build_impact_targets(read_targets_inputs(EXAMPLES, region_code="HVA08"), basis, 2026)
    assert (info.value.row, info.value.field) == (11, "lähtötaso_stage1")


# -- Pirkanmaa on its approved stage 1 ---------------------------------------------------------------------


@pytest.fixture
def pirkanmaa(seed: Callable[[Stage], Path]) -> NeedsBasis:
    """The approved stage-1 round of Pirkanmaa."""
    seed(Stage.NEEDS)
    return load_needs_basis(open_store(), region="HVA08", cycle=2026)


def test_relative_needs_of_pirkanmaa_from_the_stage1_profile(pirkanmaa: NeedsBasis) -> None:
    assessment = assess_targets(read_targets_inputs(EXAMPLES, region_code="HVA08"), pirkanmaa, 2026)
    needs = {g.client_group: g.relative_need for g in assessment.frame.groups}
    # under-15 13,9954 / 14,3; unemployment 13,7316 / 12,8299; 65+ 22,5924 / 23,8;
    # disabled and ill unemployed (5547 / 270 005) / (42 048 / 2 743 596) = 0,020544 / 0,015326;
    # basic security 4,4819 / 4,5218.
    assert needs == {
        ClientGroup.CHILDREN_FAMILIES: 0.9787,
        ClientGroup.WORKING_AGE: 1.0703,
        ClientGroup.OLDER_PEOPLE: 0.9493,
        ClientGroup.DISABILITY: 1.3405,
        ClientGroup.MENTAL_SUBSTANCE: 0.9912,
    }
    older = assessment.frame.for_group(ClientGroup.OLDER_PEOPLE)
    # Older people's services cost 318,5 + 402,7 + 139,2 = 860,4 M€ of 3 437,0 M€ in 2025.
    assert older.current_spend_eur == 860_400_000
    assert older.current_share == round(860.4 / 3437.0, 6)


def test_stage1_baselines_of_pirkanmaa(pirkanmaa: NeedsBasis) -> None:
    impact = build_impact_targets(read_targets_inputs(EXAMPLES, region_code="HVA08"), pirkanmaa, 2026)
    target = impact.by_id("T-TYO-1")
    # 14 763 / 270 005 long-term unemployed of the labour force, June 2026 (the approved export's period).
    assert (target.baseline, target.baseline_year) == (5.4677, "2026M06")
    assert target.finding is not None and target.finding.artefact == SourceRef.of(pirkanmaa.refs["needs-profile"])
    disabled = impact.by_id("T-VAM-1")
    assert (disabled.baseline, disabled.baseline_source) == (5547, "stage1")
