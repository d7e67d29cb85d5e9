"""The risk heat map: cells, bands, labels, accessibility, determinism."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from soteflow.charts.heatmap import BAND_STYLES, risk_heatmap_svg

SVG = "{http://www.w3.org/2000/svg}"
BANDS = {i: "suuri" if i >= 15 else "keskisuuri" if i >= 8 else "pieni" for i in range(1, 26)}
LABELS = {"suuri": "suuri (15–25)", "keskisuuri": "keskisuuri (8–14)", "pieni": "pieni (1–7)"}


def _svg(risks: list[tuple[str, int, int]]) -> str:
    return risk_heatmap_svg(risks, BANDS, title="Riskikartta", band_labels=LABELS)


def test_each_risk_sits_in_its_cell_and_each_cell_has_its_band() -> None:
    root = ET.fromstring(_svg([("R-01", 4, 5), ("R-04", 2, 4)]))
    cells = root.findall(f"{SVG}rect")[:25]
    assert len(cells) == 25
    # Probability 5 is the top row; impact 1 the left column: the top-right cell is index 25.
    fills = {(round(float(c.get("x", 0))), round(float(c.get("y", 0)))): c.get("fill") for c in cells}
    assert fills[(96 + 4 * 72, 12)] == BAND_STYLES["suuri"][0]
    assert fills[(96, 12 + 4 * 72)] == BAND_STYLES["pieni"][0]
    texts = {t.text: (float(t.get("x", 0)), float(t.get("y", 0))) for t in root.iter(f"{SVG}text")}
    x, y = texts["R-01"]  # probability 4 (second row from the top), impact 5 (last column)
    assert 96 + 4 * 72 < x < 96 + 5 * 72 and 12 + 72 < y < 12 + 2 * 72
    x, y = texts["R-04"]  # probability 2, impact 4
    assert 96 + 3 * 72 < x < 96 + 4 * 72 and 12 + 3 * 72 < y < 12 + 4 * 72


def test_the_description_lists_every_risk_in_words() -> None:
    desc = ET.fromstring(_svg([("R-01", 4, 5)])).find(f"{SVG}desc")
    assert desc is not None and desc.text == "R-01: todennäköisyys 4, vaikutus 5, indeksi 20 (suuri)"


def test_a_long_id_is_set_smaller_to_fit_its_cell() -> None:
    svg = _svg([("R-UUSI-VAIKUTTAVUUS", 3, 4)])
    size = float(re.search(r'font-size="([0-9.]+)" fill="[^"]+">R-UUSI-VAIKUTTAVUUS<', svg).group(1))  # type: ignore[union-attr]
    assert size * 0.7 * len("R-UUSI-VAIKUTTAVUUS") <= 72 - 8 + 0.01


def test_more_than_three_risks_in_a_cell_are_counted() -> None:
    svg = _svg([(f"R-{i}", 2, 2) for i in range(5)])
    assert ">+2<" in svg and ">R-3<" not in svg


def test_same_input_same_bytes_and_bad_scores_refused() -> None:
    assert _svg([("R-01", 4, 5)]) == _svg([("R-01", 4, 5)])
    with pytest.raises(ValueError, match="1–5"):
        _svg([("R-01", 0, 5)])
