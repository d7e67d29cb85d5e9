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
    AllocationRules,
    ClientGroup,
    CoverageRule,
    Direction,
    FrameRow,
    FundingYear,
    GroupNeedRule,
    NeedFactor,
    ScenarioAssumptions,
    ScenarioYear,
)
from soteflow.errors import InputError
from soteflow.stagekit import open_store
from tasks.needs.basis import field_periods, load_needs_basis
from tasks.targets.analysis import (
    GroupNeed,
    allocate_frame,
    assess_targets,
    build_impact_targets,
    finding_text,
    forecast_scenario,
    group_needs,
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
        "share_no_post_basic_education": 20.0,
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
        share_no_post_basic_education=20.0,
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


def _rules(years: int = 1, cap: float = 100.0, no_cut: bool = False) -> AllocationRules:
    """Need measures like the shipped rules, with one factor for working age and mental health."""

    def rule(population: str, *factors: tuple[str, float]) -> GroupNeedRule:
        return GroupNeedRule(
            population=population,  # type: ignore[arg-type]
            population_label=population,
            factors=[NeedFactor(field=f, weight=w) for f, w in factors],
            measures="x",
            does_not_measure="y",
        )

    return AllocationRules(
        groups={
            CF: rule("age_0_14"),
            WA: rule("age_15_64", ("unemployment_rate", 0.2)),
            OP: rule("age_65_plus"),
            DIS: rule("all"),
            MS: rule("age_15_plus", ("basic_security_dependence", 0.2)),
        },
        phase_years=years,
        plan_span="2027–2029",
        max_change_pct=cap,
        no_nominal_cut=no_cut,
        source="frame_allocation.toml",
    )


def test_group_needs_from_age_groups_and_socio_economic_factors() -> None:
    needs = group_needs(make_basis().profiles, _rules())
    # Region 1 000 000 inhabitants, 15 % under 15, 20 % 65+; country 10 000 000, 12 % and 25 %.
    # Children: 150 000 persons; D = 0,15 / 0,12 = 1,25; no factors, m = 1.
    assert (needs[CF].population, needs[CF].age_ratio, needs[CF].need_factor, needs[CF].relative_need) == (
        150_000,
        1.25,
        1.0,
        1.25,
    )
    # Working age 15–64: 65 % = 650 000 against 63 %: D = 0,65 / 0,63 = 1,031746 → 1,0317;
    # m = 1 + 0,2 × (10 / 8 − 1) = 1,05; r = 1,0317 × 1,05 = 1,083285 → 1,0833.
    assert (needs[WA].population, needs[WA].age_ratio, needs[WA].need_factor, needs[WA].relative_need) == (
        650_000,
        1.0317,
        1.05,
        1.0833,
    )
    # 65+: 200 000; D = 0,20 / 0,25 = 0,8.
    assert (needs[OP].population, needs[OP].relative_need) == (200_000, 0.8)
    # Disability: the whole population, D = 1, m = 1.
    assert (needs[DIS].population, needs[DIS].relative_need) == (1_000_000, 1.0)
    # 15+: 85 % against 88 %: D = 0,965909 → 0,9659; m = 1 + 0,2 × (5 / 4 − 1) = 1,05; r = 1,014195 → 1,0142.
    assert (needs[MS].population, needs[MS].age_ratio, needs[MS].need_factor, needs[MS].relative_need) == (
        850_000,
        0.9659,
        1.05,
        1.0142,
    )


def test_group_need_without_a_stage1_value_is_an_error() -> None:
    with pytest.raises(InputError, match="unemployment_rate") as info:
        group_needs(make_basis(unemployment_rate=None).profiles, _rules())
    assert info.value.field == "region.unemployment_rate"


# current spend 200/400/300/60/40 (total 1000) → s = 0.2, 0.4, 0.3, 0.06, 0.04
SPEND = {CF: 200.0, WA: 400.0, OP: 300.0, DIS: 60.0, MS: 40.0}
# need factor m = 1, 1.1, 1, 1, 1.5 → s·m = 0.2, 0.44, 0.3, 0.06, 0.06, Σ = 1.06
FACTOR = {CF: 1.0, WA: 1.1, OP: 1.0, DIS: 1.0, MS: 1.5}


def _needs(factors: dict[ClientGroup, float] = FACTOR) -> dict[ClientGroup, GroupNeed]:
    return {
        g: GroupNeed(population_label="", population=1000, age_ratio=1.0, need_factor=m, relative_need=m, text="")
        for g, m in factors.items()
    }


def _allocate(  # type: ignore[no-untyped-def]
    method: AllocationMethod,
    frame: float,
    weight: float = 0.5,
    rules: AllocationRules | None = None,
    own: dict[FrameRow, float] | None = None,
):
    return allocate_frame(
        region_code="HVA99",
        frame_year=2027,
        frame_eur=frame,
        current_spend=SPEND,
        needs=_needs(),
        method=method,
        need_weight=weight,
        base_year=2025,
        rules=rules or _rules(),
        own_spend=own,
    )


def test_need_share_in_one_year_is_proportional_to_spend_times_need_factor() -> None:
    # One phase-in year, no cap: n = s·m / 1,06; a frame of 1 060 € gives each group 1 000 × s·m:
    # 200, 440, 300, 60, 60.
    frame = _allocate(AllocationMethod.NEED_SHARE, 1060)
    assert [g.allocated_eur for g in frame.groups] == [200, 440, 300, 60, 60]
    assert [g.need_share for g in frame.groups] == [0.188679, 0.415094, 0.283019, 0.056604, 0.056604]
    assert frame.need_weight == 1.0  # need_share means w = 1 whatever the blend weight says
    assert [g.current_share for g in frame.groups] == [0.2, 0.4, 0.3, 0.06, 0.04]
    # Change against the base year: MS 60 / 40 − 1 = +50 %, OP 300 / 300 − 1 = 0 %.
    assert frame.for_group(MS).change_pct == 50.0 and frame.for_group(OP).change_pct == 0.0


def test_current_spend_allocation_keeps_todays_shares() -> None:
    frame = _allocate(AllocationMethod.CURRENT_SPEND, 1000, weight=0.9)
    assert frame.need_weight == 0.0
    assert [g.allocated_eur for g in frame.groups] == [200, 400, 300, 60, 40]


def test_phase_in_takes_half_the_shift_and_caps_a_group_at_five_percent() -> None:
    # Frame 1 100 €, two phase-in years, cap 5 %. Current-share frame p = 220, 440, 330, 66, 44.
    # Target n = 0,188679, 0,415094, 0,283019, 0,056604, 0,056604; the frame year takes half the shift:
    # s + (n − s) / 2 = 0,194340, 0,407547, 0,291509, 0,058302, 0,048302 → × 1 100 = 213,774,
    # 448,302, 320,660, 64,132, 53,132. Mental health's 53,132 is above its cap 44 × 1,05 = 46,2, so it
    # gets 46,2; the 6,932 left is spread over the others by p (220 + 440 + 330 + 66 = 1 056):
    # +1,444, +2,888, +2,166, +0,433 → 215,218, 451,190, 322,827, 64,565 → 215, 451, 323, 65, 46 €.
    frame = _allocate(AllocationMethod.NEED_SHARE, 1100, rules=_rules(years=2, cap=5.0, no_cut=True))
    assert [g.allocated_eur for g in frame.groups] == [215, 451, 323, 65, 46]
    assert [g.limited_by for g in frame.groups] == ["", "", "", "", "cap"]
    # The target at the end of the phase-in is the full need share.
    assert frame.for_group(MS).target_share == 0.056604
    assert frame.phase_in is not None and frame.phase_in.years == 2 and frame.phase_in.floor_applied


def test_no_group_is_cut_in_nominal_terms_while_the_frame_does_not_shrink() -> None:
    # Frame 1 000 € = the base year's costs, need share at once, no cap: the need share would give
    # children 188,68 € < 200 €; the floor keeps every group at its base-year costs and nothing is left
    # to shift: 200, 400, 300, 60, 40.
    frame = _allocate(AllocationMethod.NEED_SHARE, 1000, rules=_rules(no_cut=True))
    assert [g.allocated_eur for g in frame.groups] == [200, 400, 300, 60, 40]
    assert frame.for_group(CF).limited_by == "floor"
    # A frame below the base year's costs lifts the floor: 990 × n = 186,79, 410,94, 280,19, 56,04, 56,04.
    shrinking = _allocate(AllocationMethod.NEED_SHARE, 990, rules=_rules(no_cut=True))
    assert [g.allocated_eur for g in shrinking.groups] == [187, 411, 280, 56, 56]
    assert shrinking.phase_in is not None and not shrinking.phase_in.floor_applied


def test_rescue_services_and_common_costs_keep_their_share_as_own_rows() -> None:
    # Base year: groups 1 000 €, rescue 50 €, common 50 € (total 1 100). Frame 1 210 € (+10 %): each own
    # row keeps its share, 50 × 1 210 / 1 100 = 55 €; the groups share 1 100 € by current shares:
    # 220, 440, 330, 66, 44.
    own = {FrameRow.RESCUE_SERVICES: 50.0, FrameRow.COMMON_COSTS: 50.0}
    frame = _allocate(AllocationMethod.CURRENT_SPEND, 1210, own=own)
    assert [(r.row, r.allocated_eur) for r in frame.own_rows] == [
        (FrameRow.RESCUE_SERVICES, 55),
        (FrameRow.COMMON_COSTS, 55),
    ]
    assert [g.allocated_eur for g in frame.groups] == [220, 440, 330, 66, 44]
    assert frame.groups_eur + sum(r.allocated_eur for r in frame.own_rows) == 1210
    # Shares are of the whole: children 200 / 1 100 = 0,181818 now, 220 / 1 210 = 0,181818 in the frame.
    assert frame.for_group(CF).current_share == 0.181818
    assert sum(g.allocated_share for g in frame.groups) + sum(r.allocated_share for r in frame.own_rows) == (
        pytest.approx(1.0, abs=1e-9)
    )


def test_spending_per_relevant_inhabitant_against_the_need_adjusted_level() -> None:
    # make_basis needs: m = 1, 1,05, 1, 1, 1,05; spend in M€ 200/400/300/60/40 → s·m = 0,2, 0,42, 0,3,
    # 0,06, 0,042, Σ 1,022. Children: 200 M€ / 150 000 = 1 333,33 → 1 333 €; need-adjusted level
    # 0,2 / 1,022 × 1 000 M€ / 150 000 = 1 304,63 → 1 305 €. Older people: 300 M€ / 200 000 = 1 500 €;
    # 0,3 / 1,022 × 1 000 M€ / 200 000 = 1 467,71 → 1 468 €.
    frame = allocate_frame(
        region_code="HVA99",
        frame_year=2027,
        frame_eur=1e9,
        current_spend={g: v * 1e6 for g, v in SPEND.items()},
        needs=group_needs(make_basis().profiles, _rules()),
        method=AllocationMethod.BLEND,
        need_weight=0.5,
        base_year=2025,
        rules=_rules(),
    )
    cf, op = frame.for_group(CF), frame.for_group(OP)
    assert (cf.spend_per_inhabitant_eur, cf.expected_per_inhabitant_eur) == (1333, 1305)
    assert (op.spend_per_inhabitant_eur, op.expected_per_inhabitant_eur) == (1500, 1468)
    assert "617/2021" in frame.method_text and "n = s·m / Σ s·m" in frame.method_text


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
    # The frame is for 2027, the budget year cycle 2026 prepares (kehysvuosi = 2027). It is derived
    # from the coverage duty (deadline 2027 in the HVA08 setting): the gap 79 460 240 less the named
    # measures up to 2027 (15 + 30 + 10 + 15 = 70 M€) leaves 9 460 240 still to specify. Only the
    # budget 2027 is still to adopt before the deadline (2026's is in force): all of it falls in 2027.
    # The measures in 2027 are 30 M€ (palveluverkko) + 15 M€ (ostopalvelut), so
    # frame 2027 = 3 643 980 240 − 45 000 000 − 9 460 240 = 3 589 520 000.
    plan = assessment.frame.coverage
    assert plan is not None
    assert (plan.gap_eur, plan.measures_to_deadline_eur, plan.unspecified_per_year_eur) == (
        79_460_240,
        70_000_000,
        9_460_240,
    )
    assert (plan.years_to_deadline, plan.adjustment_years) == (2, 1)
    assert assessment.frame.frame_year == 2027
    assert plan.scenario_costs_eur == 3_643_980_240
    assert [m.frame_year_eur for m in plan.measures] == [30_000_000, 15_000_000]
    assert plan.closed_by_measures is False
    assert assessment.frame.frame_eur == plan.required_frame_eur == 3_589_520_000
    frame = assessment.frame
    assert frame.groups_eur + sum(r.allocated_eur for r in frame.own_rows) == 3_589_520_000
    # With the measures and the adjustment realised every year the deficit is covered by 2027:
    # −79 460 240 + 70 000 000 + 1 × 9 460 240 = 0.
    assert plan.gap_eur - plan.measures_to_deadline_eur - plan.unspecified_per_year_eur == 0
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


def test_need_measures_and_frame_of_pirkanmaa(pirkanmaa: NeedsBasis) -> None:
    assessment = assess_targets(read_targets_inputs(EXAMPLES, region_code="HVA08"), pirkanmaa, 2026)
    frame = assessment.frame
    needs = {g.client_group: (g.relevant_population, g.age_ratio, g.need_factor, g.relative_need) for g in frame.groups}
    # Region 548 910 inhabitants, under 15 13,9954 %, 65+ 22,5924 %; country 5 652 881, 14,3 % and 23,8 %.
    # Children 0–14: 548 910 × 0,139954 = 76 822; D = 0,139954 / 0,143 = 0,9787.
    # Working age 15–64: 63,4122 % → 348 076; D = 0,634122 / 0,619 = 1,0244; m = 1 + 0,1 × (13,7316 / 12,8299 − 1)
    # + 0,1 × (14,6298 / 14,2103 − 1) + 0,1 × (21,6445 / 24,5676 − 1) = 1 + 0,007028 + 0,002952 − 0,011898
    # = 0,9981; r = 1,0244 × 0,9981 = 1,0225.
    # 65+: 124 012; D = 0,225924 / 0,238 = 0,9493. Disability: the whole population, 1.
    # 15+: 86,0046 % → 472 088; D = 0,860046 / 0,857 = 1,0036; m = 1 + 0,2 × (4,4819 / 4,5218 − 1) = 0,9982;
    # r = 1,0036 × 0,9982 = 1,0018.
    assert needs == {
        ClientGroup.CHILDREN_FAMILIES: (76_822, 0.9787, 1.0, 0.9787),
        ClientGroup.WORKING_AGE: (348_076, 1.0244, 0.9981, 1.0225),
        ClientGroup.OLDER_PEOPLE: (124_012, 0.9493, 1.0, 0.9493),
        ClientGroup.DISABILITY: (548_910, 1.0, 1.0, 1.0),
        ClientGroup.MENTAL_SUBSTANCE: (472_088, 1.0036, 0.9982, 1.0018),
    }
    older = frame.for_group(ClientGroup.OLDER_PEOPLE)
    # Older people's services cost 298,4 + 377,3 + 130,4 = 806,1 M€ of 3 437,0 M€ in 2025, 6 500 € per
    # inhabitant aged 65+ (806 100 000 / 124 012 = 6 500,2).
    assert older.current_spend_eur == 806_100_000
    assert older.current_share == round(806.1 / 3437.0, 6)
    assert older.spend_per_inhabitant_eur == 6500
    # Rescue services 76,0 M€ and common costs 141,0 M€ keep their share of the frame 3 589 520 000 €:
    # 76 000 000 × 3 589 520 000 / 3 437 000 000 = 79 372 569,1 and 141 000 000 × … = 147 257 003,2.
    assert [(r.row, r.allocated_eur) for r in frame.own_rows] == [
        (FrameRow.RESCUE_SERVICES, 79_372_569),
        (FrameRow.COMMON_COSTS, 147_257_003),
    ]
    # The frame grows 3 589,52 / 3 437 = +4,4376 % on 2025. The need factors are close to 1, so the
    # blend (w = 0,5) over three plan years moves a group by at most a few hundredths of a percent:
    # working age s = 1 338,2 / 3 220 = 0,415590, n = 0,415590 × 0,9981 / 0,999077 = 0,415184,
    # (n − s) / 2 / 3 = −0,0000677 → +4,4376 % × … ≈ +4,42 %; children n − s = +0,000156 → ≈ +4,45 %.
    change = {g.client_group: g.change_pct for g in frame.groups}
    assert change[ClientGroup.WORKING_AGE] == pytest.approx(4.42, abs=0.01)
    assert change[ClientGroup.CHILDREN_FAMILIES] == pytest.approx(4.45, abs=0.01)
    assert all(g.limited_by == "" for g in frame.groups)
    assert frame.phase_in is not None and (frame.phase_in.years, frame.phase_in.plan_span) == (3, "2027–2029")


def test_stage1_baselines_of_pirkanmaa(pirkanmaa: NeedsBasis) -> None:
    impact = build_impact_targets(read_targets_inputs(EXAMPLES, region_code="HVA08"), pirkanmaa, 2026)
    target = impact.by_id("T-TYO-1")
    # 14 763 / 270 005 long-term unemployed of the labour force, June 2026 (the approved export's period).
    assert (target.baseline, target.baseline_year) == (5.4677, "2026M06")
    assert target.finding is not None and target.finding.artefact == SourceRef.of(pirkanmaa.refs["needs-profile"])
    disabled = impact.by_id("T-VAM-1")
    assert (disabled.baseline, disabled.baseline_source) == (5547, "stage1")
