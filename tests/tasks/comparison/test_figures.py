"""Stage-4 figures: each service's unit-cost components per mode, and the unit-cost ranges relative
to own production (own = 100), on the worked example."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemas.comparison import ComparisonAnalysis
from tasks.comparison.figures import build_comparison_figures, figure_key
from tests.fixtures.comparison.worked_example import worked_analysis, write_worked_example


@pytest.fixture
def analysis(tmp_path: Path) -> ComparisonAnalysis:
    return worked_analysis(write_worked_example(tmp_path / "inputs"))


def test_figures(analysis: ComparisonAnalysis) -> None:
    figures = build_comparison_figures(analysis)
    home = figures.for_service("IKA-KOTIHOITO")
    assert home.svg.startswith("<svg") and 'role="img"' in home.svg
    # The own bar's total is the unit cost 50,07 (its rounded parts would also give 50,07 here).
    assert "Oma tuotanto: " in home.svg and "yhteensä 50,07 €/käynti" in home.svg
    # The purchased bar: the price 46,00 × 0,95 = 43,70 and the organiser's procurement and contract
    # management 3 000 € / 2 000 visits = 1,50 (monitoring is in neither bar).
    assert (
        "Ostopalvelu: Sopimushinta tai setelin arvo 43,70, Järjestäjän hankinta- ja sopimushallintakulut 1,50; "
        "yhteensä 45,20 €/käynti."
    ) in home.svg
    # Ranges relative to own = 100: purchased 45,20 / 50,07 = 90,27 → 90,3 (44,83 → 89,54 → 89,5;
    # 45,58 → 91,03 → 91,0).
    assert "Ostopalvelu 90,3 (vaihteluväli 89,5–91,0)" in figures.ranges.svg


def test_one_component_chart_per_service_under_its_key(analysis: ComparisonAnalysis) -> None:
    figures = build_comparison_figures(analysis)
    assert figure_key("IKA-KOTIHOITO") == "comparison-components-ika-kotihoito-svg"
    assert [(f.key, f.service_id) for f in figures.components] == [
        ("comparison-components-ika-kotihoito-svg", "IKA-KOTIHOITO"),
        ("comparison-components-ika-tehpa-svg", "IKA-TEHPA"),
    ]
    assert (figures.ranges.key, figures.ranges.service_id) == ("comparison-ranges-svg", None)
    housing = figures.for_service("IKA-TEHPA")
    assert (
        housing.title
        == "Ympärivuorokautinen palveluasuminen: yksikkökustannuksen erät tuotantotavoittain, €/hoitovuorokausi"
    )
    # The voucher's bar: 190 × 0,95 = 180,50 + organiser 1 500 / 1 000 = 1,50 + the client's share
    # 20 000 / 1 000 = 20,00 = 202,00 €/hoitovuorokausi.
    assert "Palveluseteli: " in housing.svg and "yhteensä 202,00 €/hoitovuorokausi" in housing.svg


def test_range_indices_are_rounded_half_up(analysis: ComparisonAnalysis) -> None:
    # Own 40,00 and purchased 36,50 €/käynti: 100 × 36,50 / 40,00 = 91,25 → 91,3 (half up, as every
    # number shown; Python's round() gives 91,2 on this exact binary half).
    home, housing = analysis.matrix.services
    own, bought = home.options
    options = [
        own.model_copy(update={"unit_cost": 40.0, "unit_cost_low": 40.0, "unit_cost_high": 40.0}),
        bought.model_copy(update={"unit_cost": 36.5, "unit_cost_low": 36.5, "unit_cost_high": 36.5}),
    ]
    matrix = analysis.matrix.model_copy(update={"services": [home.model_copy(update={"options": options}), housing]})
    figures = build_comparison_figures(analysis.model_copy(update={"matrix": matrix}))
    assert "Ostopalvelu 91,3 (vaihteluväli 91,3–91,3)" in figures.ranges.svg
