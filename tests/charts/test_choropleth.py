"""The SVG choropleth: accessibility, classes, missing values, determinism."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from soteflow.charts.choropleth import (
    PALETTE,
    choropleth_svg,
    class_bounds,
    classify,
    fi_sort_key,
    interior_point,
    quantile_breaks,
)
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


def _legend_texts(svg: str) -> list[str]:
    legend = ET.fromstring(svg).find(f"{NS}g[@id='legend']")
    assert legend is not None
    return ["".join(t.itertext()) for t in legend.iter(f"{NS}text")]


def test_class_bounds_never_overlap() -> None:
    # Adjacent classes: the next class starts one unit of the last printed decimal above.
    assert class_bounds([67.7, 80.3, 96.9], 1) == [(67.7, 80.3), (80.4, 96.9)]
    assert class_bounds([1.0, 3.0, 7.0], 0) == [(1.0, 3.0), (4.0, 7.0)]


def test_legend_classes_the_printed_values_and_counts_each_class() -> None:
    # 1.96 is printed 2,0: it belongs to the class "1,0–2,0", as a reader of the key would expect.
    values: dict[str, float | None] = {"001": 1.04, "002": 1.96, "003": 3.0, "004": 4.0, "005": 5.0, "006": 6.0}
    svg = choropleth_svg(SQUARES, values, title="t", legend_title="Arvo", counted="kuntien")
    assert _legend_texts(svg) == [
        "Arvo",
        "5,1–6,0 (1)",
        "4,1–5,0 (1)",
        "3,1–4,0 (1)",
        "2,1–3,0 (1)",
        "1,0–2,0 (2)",
        "Suluissa kuntien määrä.",
    ]
    fills = {p.find(f"{NS}title").text: p.get("fill") for p in ET.fromstring(svg).iter(f"{NS}path")}  # type: ignore[union-attr]
    assert fills["002: 2,0"] == fills["001: 1,0"] == PALETTE[0]
    assert fills["003: 3,0"] == PALETTE[1]


def test_legend_is_never_cut_off() -> None:
    # The demo's long legend title ran past the picture's right edge ("… (koko maa = 10").
    title = "Tarveindeksi (koko maa = 100)"
    svg = choropleth_svg(SQUARES, {"001": 67.7, "002": 127.2}, title="t", legend_title=title)
    root = ET.fromstring(svg)
    view_width = float(root.get("viewBox", "").split()[2])
    legend = root.find(f"{NS}g[@id='legend']")
    assert legend is not None
    x0 = float(re.search(r"translate\(([\d.]+)", legend.get("transform", "")).group(1))  # type: ignore[union-attr]
    # 29 characters of 11-unit bold text are about 29 × 11 × 0.62 × 1.08 ≈ 214 units wide.
    assert view_width >= x0 + 214
    assert title in _legend_texts(svg)


def test_areas_are_numbered_with_a_key_in_finnish_alphabetical_order() -> None:
    names = {"001": "Ähtäri", "002": "Vaasa", "003": "Akaa", "004": "Öja", "005": "Zeta", "006": "Ähtävä"}
    values: dict[str, float | None] = {"001": 1.0, "002": 2.0, "003": 3.0, "004": 4.0, "005": 5.0, "006": None}
    svg = choropleth_svg(SQUARES, values, title="t", legend_title="l", names=names)
    root = ET.fromstring(svg)
    key = root.find(f".//{NS}g[@class='key']")
    assert key is not None
    texts = [t.text for t in key.iter(f"{NS}text")]
    rows = [texts[i : i + 3] for i in range(0, len(texts), 3)]
    assert rows == [
        ["1", "Akaa", "3,0"],
        ["2", "Vaasa", "2,0"],
        ["3", "Zeta", "5,0"],
        ["4", "Ähtäri", "1,0"],
        ["5", "Ähtävä", "ei tietoa"],
        ["6", "Öja", "4,0"],
    ]
    labels = root.find(f"{NS}g[@class='labels']")
    assert labels is not None
    circles = list(labels.iter(f"{NS}circle"))
    assert len(circles) == 6 and all(c.get("fill") == "#ffffff" for c in circles)  # legible on any class
    # Akaa (003) is the square at 22–23 °E: its number sits inside that square's column.
    numbers = {t.text: float(t.get("x", "0")) for t in labels.iter(f"{NS}text")}
    assert numbers["1"] > numbers["2"]  # Vaasa (002, 21 °E) lies west of Akaa
    assert sorted(["Öja", "Akaa", "Ähtäri", "Zeta"], key=fi_sort_key) == ["Akaa", "Zeta", "Ähtäri", "Öja"]


def test_interior_point_of_a_concave_shape_is_inside() -> None:
    # An L shape: the centre of its box (5, 5) lies outside it.
    ell = [[(0.0, 0.0), (10.0, 0.0), (10.0, 2.0), (2.0, 2.0), (2.0, 10.0), (0.0, 10.0)]]
    x, y = interior_point(ell)
    assert (0 < x < 10 and 0 < y < 2) or (0 < x < 2 and 0 < y < 10)
    assert 0.6 < min(x, y) < 1.4  # in the middle of an arm's width (2)
