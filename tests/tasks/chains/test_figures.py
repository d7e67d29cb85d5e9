"""Stage 3 figures: one diagram per service chain, with the production modes told apart without colour."""

from __future__ import annotations

import pytest

from schemas.chains import ChainsAnalysis, ProductionMode
from tasks.chains.figures import MODE_LEGEND, build_chain_figures
from tests.tasks.chains.factories import shipped_analysis, shipped_inputs


@pytest.fixture(scope="module")
def analysis() -> ChainsAnalysis:
    return shipped_analysis(shipped_inputs())


def test_chain_diagram_shows_steps_modes_and_volumes(analysis: ChainsAnalysis) -> None:
    figures = build_chain_figures(analysis.services)
    ika = figures.for_package("PK-IKA")
    assert ika.title == "Palveluketju: Ikääntyneiden palvelut"
    assert (
        "5. Ympärivuorokautinen palveluasuminen (ostopalvelu; 1\u00a0314\u00a0000 hoitopäivää vuodessa; tavoite T-IKA-2)"
        in ika.svg
    )
    assert ika.svg.count(">OMA<") == 4 and ika.svg.count(">OSTO<") == 1
    assert "OSTO = ostopalvelu" in ika.svg


def test_one_diagram_per_chain_under_the_chain_s_key(analysis: ChainsAnalysis) -> None:
    figures = build_chain_figures(analysis.services)
    assert [(f.package_id, f.key) for f in figures.chains] == [
        (c.package_id, c.figure_key) for c in analysis.services.chains
    ]
    assert figures.for_package("PK-TYO").key == "chains-chain-pk-tyo-svg"


def test_mode_legend_names_every_mode() -> None:
    assert dict(MODE_LEGEND) == {
        ProductionMode.OWN.value: "OMA = oma tuotanto",
        ProductionMode.PURCHASED.value: "OSTO = ostopalvelu",
        ProductionMode.VOUCHER.value: "SETELI = palveluseteli",
    }
