"""Stage 1 figures (tasks/needs/figures.py): the need-index map and the charts of the document."""

from __future__ import annotations

import pytest

from schemas.needs import NeedsAssessment
from schemas.stages import Stage
from soteflow.numbers import fi_number
from tasks.context import RoundContext, make_context
from tasks.needs.analysis import assess_needs
from tasks.needs.figures import build_needs_figures, needs_map_svg
from tasks.needs.inputs import read_needs_inputs
from tests.support import DATA_DIR


@pytest.fixture(scope="module")
def pirkanmaa() -> NeedsAssessment:
    return assess_needs(DATA_DIR, "Pirkanmaa")


@pytest.fixture(scope="module")
def ctx() -> RoundContext:
    return make_context(Stage.NEEDS, region="HVA08", cycle=2026, data_dir=DATA_DIR)


def test_needs_map(pirkanmaa: NeedsAssessment, ctx: RoundContext) -> None:
    svg = needs_map_svg(pirkanmaa, ctx)
    assert svg == needs_map_svg(pirkanmaa, ctx)
    assert 'role="img"' in svg and "Tarveindeksi kunnittain – Pirkanmaan hyvinvointialue" in svg
    tampere = next(r for r in pirkanmaa.need_index.rows if r.name == "Tampere")
    assert f"<title>Tampere: {fi_number(tampere.index, 1)}</title>" in svg
    assert svg.count("<title") == 1 + 23  # the map's title + one per municipality
    # The small municipalities (under the rules' 5 000 inhabitants) carry the uncertainty mark.
    assert "<title>Kihniö*:" in svg and "<title>Parkano:" in svg  # 1 670 and 6 011 inhabitants
    assert svg.count("*:") == 7


def test_round_figures(pirkanmaa: NeedsAssessment, ctx: RoundContext) -> None:
    figures = build_needs_figures(ctx, read_needs_inputs(ctx), pirkanmaa)
    assert figures.map_svg == needs_map_svg(pirkanmaa, ctx)
    assert figures.index_chart_svg.startswith("<svg") and figures.age_chart_svg.startswith("<svg")
    assert "Tarveindeksi kunnittain, Pirkanmaan hyvinvointialue" in figures.index_chart_svg
    # 22,6 % of Pirkanmaa's population is 65 or over (the region's row of the age chart).
    assert "22,6" in figures.age_chart_svg
    assert "Kuhmoinen*" in figures.index_chart_svg and "Tampere*" not in figures.index_chart_svg
    assert figures == build_needs_figures(ctx, read_needs_inputs(ctx), pirkanmaa)
