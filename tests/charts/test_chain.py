"""The service-chain diagram: accessible, deterministic, left to right, wrapping, mode never by colour alone."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from soteflow.charts.chain import ARROW_GAP, MARGIN, ChainBox, chain_diagram_svg, wrap_text

NS = {"svg": "http://www.w3.org/2000/svg"}


def _boxes(n: int) -> list[ChainBox]:
    styles = ["own", "purchased", "voucher"]
    tags = {"own": "OMA", "purchased": "OSTO", "voucher": "SETELI"}
    return [
        ChainBox(label=f"Vaihe {i}", tag=tags[styles[i % 3]], style=styles[i % 3], details=(f"{i} 000 käynti/vuosi",))
        for i in range(1, n + 1)
    ]


def _step_rects(svg: str) -> list[ET.Element]:
    root = ET.fromstring(svg)
    return [g.find("svg:rect", NS) for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("class") == "step"]  # type: ignore[misc]


def test_accessible_svg_lists_the_steps_in_order() -> None:
    svg = chain_diagram_svg(
        [
            ChainBox("Palveluneuvonta", "OMA", "own", ("38 000 yhteydenotto/vuosi",), "Palveluneuvonta (oma tuotanto)"),
            ChainBox("Kotihoito & <tuki>", "OSTO", "purchased", ("2 300 000 käynti/vuosi",)),
        ],
        title="Palveluketju: Ikääntyneiden palvelut",
        legend={"own": "OMA = oma tuotanto", "purchased": "OSTO = ostopalvelu"},
    )
    root = ET.fromstring(svg)  # well-formed: the "&" and "<" of the label are escaped
    assert root.get("role") == "img"
    title = root.find("svg:title", NS)
    desc = root.find("svg:desc", NS)
    assert title is not None and title.text == "Palveluketju: Ikääntyneiden palvelut"
    assert desc is not None
    assert desc.text == (
        "Palveluketju: Ikääntyneiden palvelut: 2 vaihetta järjestyksessä vasemmalta oikealle. "
        "1. Palveluneuvonta (oma tuotanto); 2. Kotihoito & <tuki>, OSTO, 2 300 000 käynti/vuosi."
    )
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    # Each box names its mode in words (the tag), not by colour alone; the legend explains the tags.
    assert texts.count("OMA") == 1 and texts.count("OSTO") == 1
    assert "1. Palveluneuvonta" in texts and "OMA = oma tuotanto" in texts
    # The detail line is wider than a box of a four-per-row layout: it wraps at the space.
    assert "38 000" in texts and "yhteydenotto/vuosi" in texts
    # No external references, no script.
    assert "href" not in svg and "<script" not in svg and "url(" not in svg


def test_modes_differ_by_border_pattern_as_well_as_fill() -> None:
    svg = chain_diagram_svg(_boxes(3), title="t")
    rects = _step_rects(svg)
    # own: solid border; purchased: dashed "6 3"; voucher: dotted "2 2" (styles cycle from i=1: purchased first).
    assert [r.get("stroke-dasharray") for r in rects] == ["6 3", "2 2", None]
    assert len({r.get("fill") for r in rects}) == 3


def test_same_input_gives_identical_svg_and_ids_follow_the_input() -> None:
    a = chain_diagram_svg(_boxes(3), title="Ketju")
    b = chain_diagram_svg(_boxes(3), title="Ketju")
    c = chain_diagram_svg(_boxes(3), title="Toinen ketju")
    assert a == b
    ids = re.findall(r'id="(c[0-9a-f]{10})-title"', a)
    assert len(ids) == 1 and ids[0] not in c


def test_long_chains_wrap_to_a_second_row_with_a_connector() -> None:
    svg = chain_diagram_svg(_boxes(6), title="t", per_row=4)
    rects = _step_rects(svg)
    xs = [float(r.get("x", "0")) for r in rects]
    ys = [float(r.get("y", "0")) for r in rects]
    width = float(rects[0].get("width", "0"))
    # Four boxes on the first row, two on the second, each row from the left margin.
    assert len(set(ys[:4])) == 1 and len(set(ys[4:])) == 1 and ys[4] > ys[0]
    assert xs[:4] == pytest.approx([MARGIN + i * (width + ARROW_GAP) for i in range(4)])
    assert xs[4:] == pytest.approx(xs[:2])
    # 3 arrows within row 1, 1 within row 2 (each a line + a polygon head), 1 elbow connector.
    assert svg.count("<polyline") == 1
    assert svg.count("<polygon") == 3 + 1 + 1


def test_a_single_row_is_centred() -> None:
    svg = chain_diagram_svg(_boxes(2), title="t", per_row=4)
    rects = _step_rects(svg)
    width = float(rects[0].get("width", "0"))
    used = 2 * width + ARROW_GAP
    assert float(rects[0].get("x", "0")) == pytest.approx(MARGIN + (640 - 2 * MARGIN - used) / 2)


def test_wrap_text_breaks_at_words_and_cuts_overlong_words() -> None:
    # A 62-unit line at size 10 and 0,62 em per character holds 62 / 6,2 = 10 characters.
    assert wrap_text("Omaishoidon tuki on hyvä", 10, 62) == ["Omaishoid-", "on tuki on", "hyvä"]
    assert wrap_text("Säännöllinen kotihoito", 10, 62) == ["Säännölli-", "nen", "kotihoito"]
    assert wrap_text("Ei", 10, 62) == ["Ei"]
    # Bold text is assumed wider: 62 / (10 × 0,775) = 8 characters.
    assert wrap_text("Kotihoito tänään", 10, 62, em=0.775) == ["Kotihoi-", "to", "tänään"]


def test_empty_chain_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one step"):
        chain_diagram_svg([], title="t")
