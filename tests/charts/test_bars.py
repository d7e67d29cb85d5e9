"""SVG charts: deterministic, accessible, Finnish number format."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from soteflow.charts.bars import bar_chart_svg, line_chart_svg, nice_ticks

NS = {"svg": "http://www.w3.org/2000/svg"}
CATEGORIES = ["Tampere", "Nokia", "Ylöjärvi <&>"]
SERIES = {"2023": [1234.5, 96.25, None], "2025": [1300.0, -12.5, 88.0]}


def _texts(svg: str) -> list[str]:
    return [t.text or "" for t in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text")]


@pytest.mark.parametrize("horizontal", [False, True])
def test_bar_chart_is_deterministic_and_accessible(horizontal: bool) -> None:
    first = bar_chart_svg(
        CATEGORIES,
        SERIES,
        title="Kustannukset",
        unit="euroa/asukas",
        horizontal=horizontal,
        reference_line=100,
    )
    second = bar_chart_svg(
        CATEGORIES,
        dict(SERIES),
        title="Kustannukset",
        unit="euroa/asukas",
        horizontal=horizontal,
        reference_line=100,
    )
    assert first == second
    root = ET.fromstring(first)  # well-formed XML although a category contains <&>
    assert root.get("role") == "img"
    assert root.find("svg:title", NS).text == "Kustannukset"
    desc = root.find("svg:desc", NS).text
    assert "Tampere: 1\u00a0234,5" in desc and "Ylöjärvi <&>: .." in desc
    assert (
        root.get("aria-labelledby") == f"{root.find('svg:title', NS).get('id')} {root.find('svg:desc', NS).get('id')}"
    )
    texts = _texts(first)
    assert "euroa/asukas" in texts  # value-axis label
    assert "1\u00a0234,5" in texts and "\u221212,5" in texts  # values on bars, Finnish format
    assert ".." in texts  # a missing value is shown, not drawn as zero
    assert any(t.endswith("00") and "\u00a0" in t for t in texts)  # ticks such as "1 400"
    assert root.find(".//svg:line[@class='reference']", NS) is not None
    assert "viewBox" in root.attrib and "DejaVu Sans" in root.get("font-family", "")


def test_series_differ_by_pattern_not_only_tone() -> None:
    svg = bar_chart_svg(["a", "b"], {"x": [1, 2], "y": [2, 3]}, title="t", unit="u")
    root = ET.fromstring(svg)
    assert root.find(".//svg:pattern", NS) is not None
    fills = {
        r.get("fill") for r in root.iter("{http://www.w3.org/2000/svg}rect") if r.find("svg:title", NS) is not None
    }
    assert len(fills) == 2 and any(f.startswith("url(#") for f in fills)


def test_different_data_gives_different_ids() -> None:
    a = ET.fromstring(bar_chart_svg(["a"], {"x": [1]}, title="t", unit="u"))
    b = ET.fromstring(bar_chart_svg(["a"], {"x": [2]}, title="t", unit="u"))
    assert a.find("svg:title", NS).get("id") != b.find("svg:title", NS).get("id")


def test_line_chart() -> None:
    svg = line_chart_svg(
        ["2021", "2022", "2023"],
        {"Tampere": [1.5, None, 2.25], "Nokia": [0.5, 0.75, 1.0]},
        title="Työttömyys",
        unit="%",
        decimals=2,
    )
    assert svg == line_chart_svg(
        ["2021", "2022", "2023"],
        {"Tampere": [1.5, None, 2.25], "Nokia": [0.5, 0.75, 1.0]},
        title="Työttömyys",
        unit="%",
        decimals=2,
    )
    root = ET.fromstring(svg)
    assert root.get("role") == "img" and root.find("svg:desc", NS) is not None
    assert "2,25" in _texts(svg) and "%" in _texts(svg)
    # None breaks the line: Tampere is drawn as single points, not a polyline through the gap.
    assert len(root.findall(".//svg:polyline", NS)) == 1


def test_mismatched_lengths_raise() -> None:
    with pytest.raises(ValueError, match="values"):
        bar_chart_svg(["a", "b"], {"x": [1]}, title="t", unit="u")


def test_nice_ticks() -> None:
    assert nice_ticks(0, 103.4) == [0, 25, 50, 75, 100, 125]
    assert nice_ticks(-12.5, 1300)[0] < 0 < nice_ticks(-12.5, 1300)[-1]
