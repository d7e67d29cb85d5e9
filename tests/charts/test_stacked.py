"""Stacked-bar and range charts: accessible, deterministic SVG with the data in words."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from soteflow.charts.stacked import range_chart_svg, stacked_bar_chart_svg

SVG = "{http://www.w3.org/2000/svg}"


def test_stacked_bars_describe_every_segment_and_total() -> None:
    series = {"Henkilöstö": [36.0, None], "Tukipalvelut": [4.87, None], "Sopimushinta": [None, 43.7]}
    svg = stacked_bar_chart_svg(["Oma tuotanto", "Ostopalvelu"], series, title="Kotihoito", unit="€/käynti")
    root = ET.fromstring(svg)
    assert root.get("role") == "img"
    desc = root.find(f"{SVG}desc")
    assert desc is not None and desc.text == (
        "Oma tuotanto: Henkilöstö 36,00, Tukipalvelut 4,87; yhteensä 40,87 €/käynti. "
        "Ostopalvelu: Sopimushinta 43,70; yhteensä 43,70 €/käynti."
    )
    # One rectangle per non-empty segment (3), plus one legend swatch per component (3).
    assert len(root.findall(f".//{SVG}rect")) == 6
    assert svg == stacked_bar_chart_svg(["Oma tuotanto", "Ostopalvelu"], series, title="Kotihoito", unit="€/käynti")


def test_stacked_bars_print_the_given_total() -> None:
    # Rounded parts 10,00 + 10,00 + 10,00 = 30,00, but the unrounded total is 29,99.
    svg = stacked_bar_chart_svg(["A"], {"x": [10.0], "y": [10.0], "z": [10.0]}, title="t", unit="€", totals=[29.99])
    assert "yhteensä 29,99 €" in svg and ">29,99<" in svg


def test_stacked_bars_refuse_bad_input() -> None:
    with pytest.raises(ValueError, match="negative"):
        stacked_bar_chart_svg(["A"], {"x": [-1.0]}, title="t", unit="€")
    with pytest.raises(ValueError, match="1 values for 2 categories"):
        stacked_bar_chart_svg(["A", "B"], {"x": [1.0]}, title="t", unit="€")


def test_range_chart_lists_each_interval() -> None:
    svg = range_chart_svg(
        ["Kotihoito"],
        {"Oma": [(97.0, 100.0, 103.1)], "Osto": [(90.3, 91.3, 92.3)], "Seteli": [None]},
        title="Vaihteluvälit",
        unit="indeksi",
        reference_line=100.0,
    )
    root = ET.fromstring(svg)
    desc = root.find(f"{SVG}desc")
    assert desc is not None and desc.text == (
        "Kotihoito: Oma 100,0 (vaihteluväli 97,0–103,1); Osto 91,3 (vaihteluväli 90,3–92,3); Seteli ei tietoa."
    )
    assert len(root.findall(f".//{SVG}g[@class='interval']")) == 2
    with pytest.raises(ValueError, match="not low ≤ value ≤ high"):
        range_chart_svg(["A"], {"x": [(2.0, 1.0, 3.0)]}, title="t", unit="u")


def test_stacked_bars_tell_up_to_ten_components_apart() -> None:
    # Stage 4's own and purchased cost items are nine components: the ninth repeated the first's
    # black fill. Ten styles are distinct, an eleventh component is refused.
    series: dict[str, list[float | int | None]] = {f"erä {i}": [1.0] for i in range(10)}
    root = ET.fromstring(stacked_bar_chart_svg(["A"], series, title="t", unit="€"))
    fills = [r.get("fill") for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert len(fills) == 10 and len(set(fills)) == 10
    with pytest.raises(ValueError, match="at most 10"):
        stacked_bar_chart_svg(["A"], {**series, "erä 10": [1.0]}, title="t", unit="€")
