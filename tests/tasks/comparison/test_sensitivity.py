"""Stage 4's sensitivity to the price at the next tender, the volume and the quality (issue 9): the
dated rule, the scenario arithmetic and break-even points worked out by hand on the worked example
(tests/fixtures/comparison/worked_example.py; its figures are derived in test_analysis.py), how a
recommendation is reported as sensitive or robust, and that the scenarios never change a
recommendation.

Home care in the worked example, gross, € per visit (the matrix's unit costs, rounded to the cent):

    own        50,07 (measured 48,54–51,61); fixed part (premises, capital, support, administration)
               (500 720 − 390 000) / 10 000 = 11,072, so the variable part is 50,07 − 11,072 = 38,998
    purchased  45,20 (measured 44,83–45,58) = price 43,70 + the organiser's costs 1,50 (fixed)
    totals     own 3,9798, purchased 3,95 (quality weight 0,20); today mixed (own 83 %), rule 4 → own
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from schemas.chains import ProductionMode
from schemas.comparison import (
    ComparisonAnalysis,
    ComparisonMatrix,
    ComparisonParams,
    FactorSensitivity,
    RecommendedMode,
    SensitivityFactor,
    SensitivityRule,
    ServiceComparison,
)
from soteflow.errors import InputError
from tasks.comparison.analysis import analyse_comparison
from tasks.comparison.documents import comparison_documents, sensitivity_rows
from tasks.comparison.figures import build_comparison_figures
from tasks.comparison.grounds import robustness_summary
from tasks.comparison.inputs import read_comparison_inputs
from tasks.comparison.proposal import build_comparison_proposal, document_created
from tasks.comparison.sensitivity import (
    OptionBasis,
    first_switch,
    price_break_even,
    price_cost,
    quality_break_even,
    read_sensitivity_rule,
    shipped_rule,
    volume_break_even,
    volume_cost,
)
from tests.fixtures.comparison.worked_example import (
    CHAINS_BASIS,
    PURCHASES_CSV,
    case_handling,
    version_ref,
    worked_analysis,
    write_worked_example,
)
from tests.support import DATA_DIR

RULE = """\
[[rule]]
valid_from = 2023-01-01
price_change_low_pct = -5.0
price_change_high_pct = 15.0
volume_change_pct = 10.0
quality_change_points = 1.0
source = "oletus 2023"

[[rule]]
valid_from = 2026-01-01
price_change_low_pct = -10.0
price_change_high_pct = 20.0
volume_change_pct = 5.0
quality_change_points = 0.5
source = "oletus 2026"
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "comparison_sensitivity.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _factor(
    item: ServiceComparison, factor: SensitivityFactor, mode: ProductionMode | None = None
) -> FactorSensitivity:
    assert item.sensitivity is not None
    return next(f for f in item.sensitivity.factors if f.factor is factor and (mode is None or f.mode is mode))


# -- the dated rule ---------------------------------------------------------------------------------


def test_the_rule_valid_on_a_day_is_the_latest_entry_not_after_it(tmp_path: Path) -> None:
    path = _write(tmp_path, RULE)
    older = read_sensitivity_rule(path, dt.date(2025, 12, 31))
    assert (older.price_change_low_pct, older.price_change_high_pct, older.volume_change_pct) == (-5.0, 15.0, 10.0)
    assert older.source == "oletus 2023"
    newer = read_sensitivity_rule(path, dt.date(2026, 1, 1))
    assert (newer.price_change_low_pct, newer.volume_change_pct, newer.quality_change_points) == (-10.0, 5.0, 0.5)
    with pytest.raises(InputError) as caught:
        read_sensitivity_rule(path, dt.date(2022, 12, 31))
    assert (caught.value.file, caught.value.field) == (str(path), "rule")


@pytest.mark.parametrize(
    ("replace", "by", "field"),
    [
        ("price_change_low_pct = -10.0", 'price_change_low_pct = "kymmenen"', "rule.1.price_change_low_pct"),
        ("price_change_low_pct = -10.0", "price_change_low_pct = 3.0", "rule.1.price_change_low_pct"),  # not ≤ 0
        ("volume_change_pct = 5.0", "volume_change_pct = 100.0", "rule.1.volume_change_pct"),  # no volume left
        ('source = "oletus 2023"', 'source = "oletus 2023"\nsurprise = 1', "rule.0.surprise"),
        ("valid_from = 2026-01-01", "valid_from = 2023-01-01", "rule.1.valid_from"),  # two entries, one day
        ('source = "oletus 2026"\n', "", "rule.1.source"),
    ],
)
def test_a_malformed_rule_names_the_file_and_the_field(tmp_path: Path, replace: str, by: str, field: str) -> None:
    assert replace in RULE
    path = _write(tmp_path, RULE.replace(replace, by))
    with pytest.raises(InputError) as caught:
        read_sensitivity_rule(path, dt.date(2026, 1, 1))
    assert (caught.value.file, caught.value.field) == (str(path), field)
    assert str(path) in caught.value.message and field in caught.value.message


def test_a_file_without_entries_or_with_bad_syntax_is_an_input_error(tmp_path: Path) -> None:
    empty = _write(tmp_path, "# nothing here\n")
    with pytest.raises(InputError) as caught:
        read_sensitivity_rule(empty, dt.date(2026, 1, 1))
    assert caught.value.field == "rule"
    broken = _write(tmp_path, "[[rule]\nvalid_from = 2023-01-01\n")
    with pytest.raises(InputError, match="TOML syntax error"):
        read_sensitivity_rule(broken, dt.date(2026, 1, 1))


def test_the_shipped_rule() -> None:
    rule = shipped_rule(2026)
    assert (rule.price_change_low_pct, rule.price_change_high_pct) == (-5.0, 15.0)
    assert (rule.volume_change_pct, rule.quality_change_points) == (10.0, 1.0)
    assert rule.source.startswith("Hyvinvointialueen oletus") and "indeksiehtojen" in rule.source
    assert shipped_rule(0) == rule  # a trial computation without a cycle takes the latest entry


# -- arithmetic, by hand ------------------------------------------------------------------------------

OWN = OptionBasis(ProductionMode.OWN, 50.07, 48.54, 51.61, 0.0, 11.072, 4.0, 3.9798)
BOUGHT = OptionBasis(ProductionMode.PURCHASED, 45.20, 44.83, 45.58, 43.70, 1.50, 3.0, 3.95)


def test_scenario_unit_costs() -> None:
    # Price: 45,20 + p × 43,70: −5 % → 45,20 − 2,185 = 43,015; +15 % → 45,20 + 6,555 = 51,755.
    assert price_cost(BOUGHT, -5) == pytest.approx(43.015)
    assert price_cost(BOUGHT, 15) == pytest.approx(51.755)
    assert price_cost(OWN, 15) == 50.07  # own production has no price to re-tender
    # Volume: own 38,998 + 11,072 / 1,1 = 38,998 + 10,0655 = 49,0635; / 0,9 → 38,998 + 12,3022 = 51,3002.
    assert volume_cost(OWN, 10) == pytest.approx(49.0635, abs=1e-4)
    assert volume_cost(OWN, -10) == pytest.approx(51.3002, abs=1e-4)
    # Purchased: only the organiser's 1,50 is fixed: 43,70 + 1,50 / 1,1 = 45,0636.
    assert volume_cost(BOUGHT, 10) == pytest.approx(45.0636, abs=1e-4)


def test_break_even_points() -> None:
    # Price: (50,07 − 45,20) / 43,70 = 4,87 / 43,70 = 11,144 %: purchased at +11,144 % costs 50,07.
    assert price_break_even(OWN, BOUGHT) == pytest.approx(11.144, abs=1e-3)
    assert price_cost(BOUGHT, 11.144165) == pytest.approx(50.07, abs=1e-5)
    # Volume: 1 + v = (11,072 − 1,50) / (43,70 − 38,998) = 9,572 / 4,702 = 2,03573 → v = +103,57 %.
    assert volume_break_even(OWN, BOUGHT) == pytest.approx(103.573, abs=1e-3)
    assert volume_cost(OWN, 103.573) == pytest.approx(volume_cost(BOUGHT, 103.573), abs=1e-4)
    # A purchase whose price alone is below own's variable part: no volume makes own as cheap.
    cheap = OptionBasis(ProductionMode.PURCHASED, 30.0, 30.0, 30.0, 28.5, 1.5, 3.0, 3.95)
    assert volume_break_even(OWN, cheap) is None
    # Quality: (3,9798 − 3,95) / 0,20 = 0,149 points of one option's quality score close the gap.
    gap, runner_up = quality_break_even([OWN, BOUGHT], ProductionMode.OWN, 0.20)
    assert gap == pytest.approx(0.149) and runner_up is ProductionMode.PURCHASED
    assert quality_break_even([OWN], ProductionMode.OWN, 0.20) == (None, None)


def test_first_switch_finds_the_change_nearest_to_zero() -> None:
    def at(change: float) -> RecommendedMode:
        return RecommendedMode.OWN if -3.3 < change < 7.25 else RecommendedMode.MIXED

    assert first_switch(at, RecommendedMode.OWN, 50.0, 0.5) == pytest.approx(7.25, abs=1e-3)
    assert first_switch(at, RecommendedMode.OWN, -50.0, 0.5) == pytest.approx(-3.3, abs=1e-3)
    assert first_switch(at, RecommendedMode.OWN, 5.0, 0.5) is None  # not within the search

    # A window narrower than the step, between two steps, is found when the considered range ends in it.
    def narrow(change: float) -> RecommendedMode:
        return RecommendedMode.MIXED if 4.9 < change < 4.95 else RecommendedMode.OWN

    assert first_switch(narrow, RecommendedMode.OWN, 50.0, 0.5) is None
    assert first_switch(narrow, RecommendedMode.OWN, 50.0, 0.5, also=4.93) == pytest.approx(4.9, abs=1e-3)


# -- the worked example ---------------------------------------------------------------------------


@pytest.fixture
def example(tmp_path: Path) -> ComparisonAnalysis:
    return worked_analysis(write_worked_example(tmp_path / "inputs"))


def test_a_recommendation_that_turns_within_the_ranges_is_reported_as_sensitive(example: ComparisonAnalysis) -> None:
    home = example.matrix.services[0]
    assert (home.recommendation, home.rule) == (RecommendedMode.OWN, "4")
    assert home.sensitivity is not None and not home.sensitivity.holds
    price = _factor(home, SensitivityFactor.PRICE, ProductionMode.PURCHASED)
    # A cheaper purchase raises its cost score: own's total 1,75 × u / 50,07 + 2,40 falls below the
    # purchase's 3,95 when u < 1,55 × 50,07 / 1,75 = 44,3477, i.e. p < (44,3477 − 45,20) / 43,70 = −1,95 %.
    assert not price.holds and price.switch == pytest.approx(-1.95, abs=0.01)
    assert price.switch_recommendation is RecommendedMode.PURCHASED
    assert price.break_even == 11.14
    assert [(e.mode, e.low, e.high) for e in price.effects] == [(ProductionMode.PURCHASED, 43.02, 51.76)]
    quality = _factor(home, SensitivityFactor.QUALITY)
    # 0,149 points < 1: own's quality one point lower makes the purchase the best (and the recommendation).
    assert (quality.holds, quality.best_flips, quality.break_even) == (False, True, 0.15)
    assert (quality.switch_mode, quality.switch_recommendation) == (ProductionMode.OWN, RecommendedMode.PURCHASED)
    assert home.sensitivity.price_break_even_pct == 11.14 and home.sensitivity.volume_break_even_pct == 103.57
    assert home.sensitivity.statement.startswith(
        "Suositus muuttuisi, jos ostopalvelun hinta seuraavassa kilpailutuksessa laskisi yli 1,9\xa0% "
        "(tarkasteltu vaihteluväli −5 … +15\xa0%)"
    )
    assert "oman tuotannon laatupisteet olisivat yli 0,15 pistettä pienemmät" in home.sensitivity.statement
    # The voucher of housing: own's range 205,10–215,28 meets the voucher's 201,63–202,38 + p × 180,50
    # when 202,38 + 1,805 p ≥ 205,10 − 0,005, p ≥ 1,504 %: within uncertainty and both needed → mixed.
    voucher = _factor(example.matrix.services[1], SensitivityFactor.PRICE, ProductionMode.VOUCHER)
    assert voucher.switch == pytest.approx(1.50, abs=0.01) and voucher.switch_recommendation is RecommendedMode.MIXED
    assert voucher.label == "Palvelusetelin arvo seuraavassa tarkistuksessa"


def test_a_robust_recommendation_is_reported_as_robust(tmp_path: Path) -> None:
    # Purchased home care at 30,00 €: 30 × 0,95 = 28,50 + 1,50 = 30,00 €/käynti, far below own 50,07.
    # Own's total 1,75 × 30 / 50,07 + 2,40 = 3,4485 < 3,95 → purchased (rule 4). It stays so until
    # 1,75 × u / 50,07 = 1,55, u = 44,3477 = 30,00 + p × 28,50 → p = +50,34 %, far beyond +15 %.
    folder = write_worked_example(tmp_path, replace={"ostopalvelut": PURCHASES_CSV.replace(";46,00;", ";30,00;")})
    home = worked_analysis(folder).matrix.services[0]
    assert home.recommendation is RecommendedMode.PURCHASED
    assert home.sensitivity is not None and home.sensitivity.holds
    assert all(f.holds for f in home.sensitivity.factors)
    assert _factor(home, SensitivityFactor.PRICE).switch == pytest.approx(50.34, abs=0.01)
    # (3,95 − 3,4485) / 0,20 = 2,51 points; no volume makes own as cheap (variable 38,998 > 28,50).
    assert _factor(home, SensitivityFactor.QUALITY).break_even == 2.51
    assert home.sensitivity.volume_break_even_pct is None
    assert home.sensitivity.statement == (
        "Suositus pysyy samana kaikilla tarkastelluilla vaihteluväleillä: se muuttuisi vasta, jos ostopalvelun "
        "hinta seuraavassa kilpailutuksessa nousisi yli 50,3\xa0% (tarkasteltu vaihteluväli −5 … +15\xa0%)."
    )


def test_each_option_carries_its_scenario_ranges(example: ComparisonAnalysis) -> None:
    own, bought = example.matrix.services[0].options
    assert own.price_range is None and own.volume_range is not None
    assert (own.volume_range.low, own.volume_range.high) == (49.06, 51.30)
    # The scenario range: measured 48,54–51,61 ∪ volume 49,06–51,30 = 48,54–51,61.
    assert own.scenario_range is not None and (own.scenario_range.low, own.scenario_range.high) == (48.54, 51.61)
    # Purchased: measured 44,83–45,58 ∪ price 43,02–51,76 ∪ volume 45,06–45,37 = 43,02–51,76.
    assert bought.scenario_range is not None and (bought.scenario_range.low, bought.scenario_range.high) == (
        43.02,
        51.76,
    )


def test_the_scenarios_never_change_a_recommendation(tmp_path: Path) -> None:
    """Rule 2 reads the measured ranges only: a rule with ten times wider scenarios gives the same
    recommendations, rules, measured ranges and rationale, and only the sensitivities move."""
    folder = write_worked_example(tmp_path / "inputs")
    wide = SensitivityRule(
        valid_from=dt.date(2023, 1, 1),
        price_change_low_pct=-50.0,
        price_change_high_pct=150.0,
        volume_change_pct=90.0,
        quality_change_points=4.0,
        source="koe",
    )
    inputs = read_comparison_inputs(folder)
    default = analyse_comparison(inputs, ComparisonParams(), region_code="HVA08", region_name="", cycle=2026)
    widened = analyse_comparison(
        inputs, ComparisonParams(), region_code="HVA08", region_name="", cycle=2026, sensitivity_rule=wide
    )

    def decided(matrix: ComparisonMatrix) -> list[object]:
        return [
            (
                s.recommendation,
                s.rule,
                s.rationale,
                [(o.unit_cost, o.unit_cost_low, o.unit_cost_high) for o in s.options],
            )
            for s in matrix.services
        ]

    assert decided(default.matrix) == decided(widened.matrix)
    assert default.matrix.sensitivity_rule == shipped_rule(2026) and widened.matrix.sensitivity_rule == wide
    bought = widened.matrix.services[0].options[1]
    assert bought.price_range is not None and bought.price_range.high == pytest.approx(45.20 + 1.5 * 43.70, abs=0.01)


def test_the_shipped_examples_recommendations_are_unchanged() -> None:
    from tasks.targets.inputs import read_targets_inputs

    examples = DATA_DIR / "examples" / "HVA08"
    inputs = read_comparison_inputs(examples, read_targets_inputs(examples, region_code="HVA08").statement)
    analysis = analyse_comparison(inputs, ComparisonParams(), region_code="HVA08", region_name="", cycle=2026)
    assert [(s.service_id, s.recommendation, s.rule) for s in analysis.matrix.services] == [
        ("IKA-KOTIHOITO", RecommendedMode.OWN, "4"),
        ("IKA-TEHPA", RecommendedMode.MIXED, "2"),
        ("LAP-SIJAISHUOLTO", RecommendedMode.MIXED, "2"),
        ("TYO-SUUNHOITO", RecommendedMode.MIXED, "2"),
        ("VAM-ASUMINEN", RecommendedMode.PURCHASED, "4"),
    ]
    assert all(s.sensitivity is not None and s.sensitivity.statement for s in analysis.matrix.services)


# -- documents and stored versions ------------------------------------------------------------------


def test_the_documents_say_it(example: ComparisonAnalysis) -> None:
    method = " ".join(example.matrix.sensitivity_method)
    for text in ("−5 … +15\xa0%", "±10\xa0%", "±1 piste", "suositussääntö 2", "Hyvinvointialueen oletus"):
        assert text in method
    [sentence] = robustness_summary(example)
    assert sentence == (
        "Hinnan, suoritemäärän tai laatuarvion muutos tarkastelluissa rajoissa voisi muuttaa suosituksen palveluissa "
        "Säännöllinen kotihoito ja Ympärivuorokautinen palveluasuminen (herkkyystarkastelu, liite 2)."
    )
    # The item (under its summary table) carries that one sentence; attachment 2 the table per service.
    payload = build_comparison_proposal(example, CHAINS_BASIS, case_handling())
    item, _method, services, *_rest = comparison_documents(
        payload, example, build_comparison_figures(example), document_created(CHAINS_BASIS, 2026),
        version_ref("comparison-proposal", 1, "f"),
    )  # fmt: skip
    assert item.context["robustness"] == sentence
    assert len(services.context["sensitivity_rows"]["IKA-KOTIHOITO"]) == 3
    rows = sensitivity_rows(example.matrix.services[0])
    assert rows[0] == [
        "Ostopalvelun hinta seuraavassa kilpailutuksessa",
        "−5 … +15\xa0%",
        "ostopalvelu 43,02–51,76 €/käynti",
        "muuttuu",
        "+11,1\xa0% (oma tuotanto = ostopalvelu)",
        "−1,9\xa0% → ostopalvelu",
    ]
    figures = build_comparison_figures(example)
    assert "Ostopalvelu: skenaariot" in figures.ranges.svg


def test_a_matrix_stored_before_the_sensitivity_analysis_still_loads(example: ComparisonAnalysis) -> None:
    stored = example.matrix.model_dump(mode="json")
    stored.pop("sensitivity_rule")
    for service in stored["services"]:
        service.pop("sensitivity")
        for option in service["options"]:
            for key in ("price_range", "volume_range", "scenario_range"):
                option.pop(key)
    old = ComparisonMatrix.model_validate(stored)
    assert old.services[0].sensitivity is None and old.sensitivity_rule is None
    assert robustness_summary(example.model_copy(update={"matrix": old})) == []
    assert "skenaariot" not in build_comparison_figures(example.model_copy(update={"matrix": old})).ranges.svg
