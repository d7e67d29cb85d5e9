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


def test_count_axes_step_by_whole_numbers() -> None:
    # Comments per theme, 0–12: the axis read 0,0 2,5 … 12,5; whole counts get whole ticks.
    assert nice_ticks(0, 12) == [0, 2.5, 5, 7.5, 10, 12.5]
    assert nice_ticks(0, 12, decimals=0) == [0, 5, 10, 15]
    assert nice_ticks(0, 3, decimals=0) == [0, 1, 2, 3]
    assert nice_ticks(0, 0.4, decimals=1) == [0, 0.1, 0.2, 0.3, 0.4]
    assert nice_ticks(0, 103.4, decimals=0) == [0, 25, 50, 75, 100, 125]  # 25 is a whole number


def test_counts_print_without_decimals() -> None:
    svg = bar_chart_svg(
        ["Järjestöt", "Kunnat"],
        {"Laatu": [2, 0], "Asema": [12, 1]},
        title="Kommentit",
        unit="kommenttia",
        decimals=0,
    )
    texts = _texts(svg)
    assert "12" in texts and "12,0" not in texts
    ticks = [t.text for t in ET.fromstring(svg).find(".//svg:g[@class='ticks']", NS).iter(f"{{{NS['svg']}}}text")]  # type: ignore[union-attr]
    assert ticks == ["0", "5", "10", "15"]
    assert not any("," in t for t in texts)


def test_greyscale_tones_of_solid_series_stay_apart() -> None:
    # Series 1 (#1a1a1a) and 6 (#5a5a5a) merged in a greyscale print; every solid tone is now at
    # least a quarter of the grey scale from the others, the rest are patterns on white.
    from soteflow.charts.bars import _STYLES

    tones = sorted(int(base[1:3], 16) for base, kind in _STYLES if kind == "solid")
    assert tones == [0x1A, 0x9A]  # black and mid grey: 0x80 apart
    assert len({kind for _, kind in _STYLES if kind != "solid"}) == len([k for _, k in _STYLES if k != "solid"])


def test_horizontal_reference_line_lies_under_the_values() -> None:
    svg = bar_chart_svg(
        ["Juupajoki", "Orivesi"],
        {"Tarveindeksi": [97.4, 97.2]},
        title="t",
        unit="indeksi",
        horizontal=True,
        reference_line=100.0,
        reference_label="koko maa = 100",
        decimals=1,
    )
    root = ET.fromstring(svg)
    order = [e for e in root.iter() if e.tag.endswith(("line", "rect"))]
    reference = next(i for i, e in enumerate(order) if e.get("class") == "reference")
    first_bar = next(i for i, e in enumerate(order) if e.tag.endswith("rect") and e.find("svg:title", NS) is not None)
    assert reference < first_bar  # drawn first: bars and their values lie on top of the dashes
    grounds = root.findall(".//svg:rect[@class='value-ground']", NS)
    assert len(grounds) == 2 and all(g.get("fill") == "#fff" for g in grounds)
    label = next(t for t in root.iter(f"{{{NS['svg']}}}text") if t.text == "koko maa = 100")
    top_of_bars = min(
        float(r.get("y", "0")) for r in root.iter(f"{{{NS['svg']}}}rect") if r.find("svg:title", NS) is not None
    )
    assert float(label.get("y", "0")) < top_of_bars  # above the plot, not among the bars


def test_line_labels_do_not_collide() -> None:
    # Two scenarios from the same base (0,0) and close in 2026 (147,5 and 134,7), as in stage 2.
    svg = line_chart_svg(
        ["2025", "2026"],
        {"Kulut": [0.0, 147.5], "Rahoitus": [0.0, 134.7]},
        title="t",
        unit="milj. €",
        decimals=1,
    )
    values = ET.fromstring(svg).find(".//svg:g[@class='values']", NS)
    assert values is not None
    labels = {t.text: float(t.get("y", "0")) for t in values.iter(f"{{{NS['svg']}}}text")}
    assert sorted(labels) == ["0,0", "134,7", "147,5"]  # the shared base printed once
    # The higher value above its marker, the lower one below it: at least a line of text apart.
    assert labels["134,7"] - labels["147,5"] >= 10


def test_narrow_bars_turn_their_values() -> None:
    svg = bar_chart_svg(
        [f"Ryhmä {i}" for i in range(10)],
        {f"Teema {s}": [10 + s for _ in range(10)] for s in range(6)},
        title="t",
        unit="kommenttia",
        decimals=0,
    )
    turned = [
        t
        for t in ET.fromstring(svg).iter(f"{{{NS['svg']}}}text")
        if "rotate(-90" in t.get("transform", "") and t.get("class") != "axis-label"
    ]
    assert len(turned) == 60 and {t.text for t in turned} == {"10", "11", "12", "13", "14", "15"}
