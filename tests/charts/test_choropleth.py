"""The SVG choropleth: accessibility, classes, missing values, determinism."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from soteflow.charts.choropleth import PALETTE, choropleth_svg, classify, quantile_breaks
from soteflow.data.regions import load_region_key, municipality_polygons

MAP = Path("data/geo/finland-hva-2021.topo.json")
NS = "{http://www.w3.org/2000/svg}"

SQUARES = {
    code: [[[(lon, 60.0), (lon + 1.0, 60.0), (lon + 1.0, 61.0), (lon, 61.0), (lon, 60.0)]]]
    for code, lon in (
        ("001", 20.0),
        ("002", 21.0),
        ("003", 22.0),
        ("004", 23.0),
        ("005", 24.0),
        ("006", 25.0),
    )
}


def test_quantile_breaks_and_classes() -> None:
    edges = quantile_breaks([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    assert edges == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    assert [classify(v, edges) for v in (1.0, 2.0, 2.5, 6.0)] == [0, 0, 1, 4]
    assert quantile_breaks([7.0, 7.0, 7.0]) == [7.0]  # one distinct value: one class


def test_svg_is_accessible_and_classed() -> None:
    values: dict[str, float | None] = {
        "001": 1.0,
        "002": 2.0,
        "003": 3.0,
        "004": 4.0,
        "005": 5.0,
        "006": None,
    }
    svg = choropleth_svg(SQUARES, values, title="Testi", legend_title="Arvo", names={"001": "Aakkola"})
    root = ET.fromstring(svg)
    assert root.get("role") == "img" and root.get("viewBox", "").startswith("0 0 ")
    assert root.find(f"{NS}title").text == "Testi"  # type: ignore[union-attr]
    desc = root.find(f"{NS}desc").text  # type: ignore[union-attr]
    assert desc == "Kartta 6 alueesta. Suurin arvo: 005 5,0; pienin arvo: Aakkola 1,0. Tieto puuttuu 1 alueelta."
    paths = {p.find(f"{NS}title").text: p.get("fill") for p in root.iter(f"{NS}path")}  # type: ignore[union-attr]
    assert paths["Aakkola: 1,0"] == PALETTE[0]
    assert paths["005: 5,0"] == PALETTE[-1]
    assert paths["006: ei tietoa"] == "url(#ei-tietoa)"
    assert "ei tietoa" in "".join(root.find(f"{NS}g[@id='legend']").itertext())  # type: ignore[union-attr]


def test_cos_lat_correction() -> None:
    # One degree square at 60–61 °N: width = cos(60.5°) × height ≈ 0.49 × height.
    svg = choropleth_svg({"001": SQUARES["001"]}, {"001": 1.0}, title="t", legend_title="l")
    d = re.search(r'<path d="M([^"]+)Z" fill', svg).group(1)  # type: ignore[union-attr]
    pts = [tuple(map(float, p.split())) for p in d.split("L")]
    w = max(x for x, _ in pts) - min(x for x, _ in pts)
    h = max(y for _, y in pts) - min(y for _, y in pts)
    assert abs(w / h - 0.492) < 0.005


def test_region_zoom_is_deterministic_and_compact() -> None:
    key = load_region_key(MAP)
    polys = municipality_polygons(MAP)
    codes = [m.code for m in key.current_municipalities("HVA08")]
    values: dict[str, float | None] = {c: float(i) for i, c in enumerate(codes)}
    a = choropleth_svg(polys, values, title="t", legend_title="l", highlight_region=codes)
    b = choropleth_svg(
        polys, dict(reversed(list(values.items()))), title="t", legend_title="l", highlight_region=list(reversed(codes))
    )
    assert a == b  # byte-identical regardless of input order
    root = ET.fromstring(a)
    coloured = [p for p in root.iter(f"{NS}path") if p.find(f"{NS}title") is not None]
    assert len(coloured) == 23  # Pirkanmaa's municipalities
    # Every coordinate has exactly one decimal (0.1 px).
    assert all(re.fullmatch(r"-?\d+\.\d", n) for n in re.findall(r"-?\d+\.\d+", coloured[0].get("d", "")))
    assert len(a) < 60_000
