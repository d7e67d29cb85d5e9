"""Deterministic, accessible SVG diagram of a service chain (palveluketju) for the decision documents.

Boxes run left to right joined by arrows, one box per step, and wrap to further rows when a chain
has more steps than fit on one row (a connector runs from the end of a row to the start of the
next). Each box shows the step's number and name, a text tag for its production mode and detail
lines such as the annual volume. The mode is told three ways — a text tag, the border pattern and
a pale fill colour — so the diagram survives black-and-white printing and colour blindness.

Conventions of :mod:`soteflow.charts.bars`: an inline ``<svg role="img">`` with ``<title>`` and a
``<desc>`` that lists the steps in words, sizes in viewBox units, the documents' font, ids derived
from a hash of the input (same input → byte-identical SVG), no external references, no markers
(arrowheads are drawn as polygons so every renderer draws them the same).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from soteflow.charts.bars import CHAR_EM, FONT, FONT_FAMILY, SMALL, WIDTH, _chart_id, _f, _text_width

#: Bold text runs wider than the average character width of :data:`~soteflow.charts.bars.CHAR_EM`.
BOLD_EM = 0.66
#: Tags are short upper-case words, wider still.
TAG_EM = 0.75

#: Style per kind of box: (fill, border dash pattern). Fills are pale so black text keeps a high
#: contrast; the dash pattern carries the same distinction without colour.
BOX_STYLES: Mapping[str, tuple[str, str]] = {
    "own": ("#d9e8f5", ""),
    "purchased": ("#fbe3c6", "6 3"),
    "voucher": ("#dcefd5", "2 2"),
}
NEUTRAL_STYLE = ("#eeeeee", "")

MARGIN = 4.0
ARROW_GAP = 22.0  # horizontal space between boxes, holding the arrow
ROW_GAP = 34.0  # vertical space between rows, holding the connector
LINE = 12.5  # line height inside a box
PAD = 5.0
TAG_HEIGHT = 13.0
NAME_FONT = 10.0


@dataclass(frozen=True)
class ChainBox:
    """One step of a chain as drawn.

    ``style`` picks the fill and border (``own``, ``purchased``, ``voucher``; anything else is
    neutral). ``tag`` is the text tag that names the mode in the box; ``details`` are the lines
    under the name; ``spoken`` is the step in words for the description (default: name, tag and
    details).
    """

    label: str
    tag: str
    style: str
    details: tuple[str, ...] = ()
    spoken: str = ""


def wrap_text(text: str, size: float, width: float, *, em: float = CHAR_EM) -> list[str]:
    """Break ``text`` into lines no wider than ``width`` at ``size`` (words longer than a line are cut).

    ``em`` is the assumed average character width in ems (:data:`BOLD_EM` for bold text).
    """
    limit = max(int(width / (size * em)), 4)
    lines: list[str] = []
    current = ""
    for word in text.split():
        while len(word) > limit:  # a word longer than a whole line: cut it with a hyphen
            if current:
                lines.append(current)
                current = ""
            lines.append(word[: limit - 1] + "-")
            word = word[limit - 1 :]
        candidate = f"{current} {word}" if current else word
        if len(candidate) <= limit:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines or [""]


def _style(key: str) -> tuple[str, str]:
    return BOX_STYLES.get(key, NEUTRAL_STYLE)


def _arrow_right(x1: float, x2: float, y: float) -> str:
    return (
        f'<line x1="{_f(x1)}" y1="{_f(y)}" x2="{_f(x2 - 7)}" y2="{_f(y)}" stroke="#000" stroke-width="1.4"/>'
        f'<polygon points="{_f(x2)},{_f(y)} {_f(x2 - 8)},{_f(y - 4.5)} {_f(x2 - 8)},{_f(y + 4.5)}" fill="#000"/>'
    )


def _connector(x1: float, y1: float, x2: float, y2: float) -> str:
    """From the bottom of a row's last box down, back left, and down onto the next row's first box."""
    mid = y1 + (y2 - y1) / 2
    points = f"{_f(x1)},{_f(y1)} {_f(x1)},{_f(mid)} {_f(x2)},{_f(mid)} {_f(x2)},{_f(y2 - 7)}"
    return (
        f'<polyline points="{points}" fill="none" stroke="#000" stroke-width="1.4"/>'
        f'<polygon points="{_f(x2)},{_f(y2)} {_f(x2 - 4.5)},{_f(y2 - 8)} {_f(x2 + 4.5)},{_f(y2 - 8)}" fill="#000"/>'
    )


def chain_diagram_svg(
    boxes: Sequence[ChainBox],
    *,
    title: str,
    legend: Mapping[str, str] | None = None,
    per_row: int = 4,
) -> str:
    """A service chain as an inline SVG string: boxes left to right with arrows, wrapped into rows.

    ``legend`` maps a style key to its explanation (e.g. ``{"own": "OMA = oma tuotanto"}``); it is
    drawn under the diagram in the given order. ``per_row`` is the number of boxes per row.
    """
    if not boxes:
        raise ValueError("a chain diagram needs at least one step")
    if per_row < 1:
        raise ValueError("per_row must be at least 1")
    legend = dict(legend or {})
    chart_id = _chart_id(
        "chain",
        [[b.label, b.tag, b.style, list(b.details), b.spoken] for b in boxes]
        + [title, sorted(legend.items()), per_row],
    )
    columns = min(per_row, len(boxes))
    rows = math.ceil(len(boxes) / per_row)
    box_w = (WIDTH - 2 * MARGIN - (per_row - 1) * ARROW_GAP) / per_row
    text_w = box_w - 2 * PAD
    names = [wrap_text(f"{i}. {b.label}", NAME_FONT, text_w, em=BOLD_EM) for i, b in enumerate(boxes, 1)]
    details = [[line for d in b.details for line in wrap_text(d, SMALL, text_w)] for b in boxes]
    box_h = PAD + TAG_HEIGHT + 4 + max(len(n) for n in names) * LINE + max(len(d) for d in details) * LINE + PAD
    # Centre a single short row; longer chains start at the left margin.
    used = columns * box_w + (columns - 1) * ARROW_GAP
    left = MARGIN + (WIDTH - 2 * MARGIN - used) / 2 if rows == 1 else MARGIN
    top = 4.0

    def origin(index: int) -> tuple[float, float]:
        row, col = divmod(index, per_row)
        return left + col * (box_w + ARROW_GAP), top + row * (box_h + ROW_GAP)

    diagram_bottom = top + rows * box_h + (rows - 1) * ROW_GAP
    legend_parts: list[str] = []
    legend_height = 0.0
    if legend:
        x, y = MARGIN, diagram_bottom + 14
        legend_parts.append('<g class="legend">')
        for key, text in legend.items():
            item_w = 28 + _text_width(text, SMALL) + 16
            if x > MARGIN and x + item_w > WIDTH:
                x, y = MARGIN, y + SMALL + 10
            fill, dash = _style(key)
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            legend_parts.append(
                f'<rect x="{_f(x)}" y="{_f(y)}" width="22" height="{_f(SMALL + 2)}" fill="{fill}" '
                f'stroke="#000" stroke-width="1.2"{dash_attr}/>'
                f'<text x="{_f(x + 28)}" y="{_f(y + SMALL)}" font-size="{_f(SMALL)}">{escape(text)}</text>'
            )
            x += item_w
        legend_parts.append("</g>")
        legend_height = y + SMALL + 6 - diagram_bottom
    height = diagram_bottom + legend_height + 4

    spoken = [b.spoken or ", ".join([b.label, b.tag, *b.details]) for b in boxes]
    desc = (
        f"{title}: {len(boxes)} vaihetta järjestyksessä vasemmalta oikealle. "
        + "; ".join(f"{i}. {s}" for i, s in enumerate(spoken, 1))
        + "."
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_f(WIDTH)} {_f(height)}" '
        f'width="{_f(WIDTH)}" height="{_f(height)}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'font-family={quoteattr(FONT_FAMILY)} font-size="{_f(FONT)}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]
    for index, box in enumerate(boxes):
        x, y = origin(index)
        fill, dash = _style(box.style)
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(f'<g class="step" id="{chart_id}-s{index + 1}"><title>{escape(spoken[index])}</title>')
        parts.append(
            f'<rect x="{_f(x)}" y="{_f(y)}" width="{_f(box_w)}" height="{_f(box_h)}" rx="4" fill="{fill}" '
            f'stroke="#000" stroke-width="1.4"{dash_attr}/>'
        )
        tag_w = len(box.tag) * SMALL * TAG_EM + 12
        parts.append(
            f'<rect x="{_f(x + PAD)}" y="{_f(y + PAD)}" width="{_f(tag_w)}" height="{_f(TAG_HEIGHT)}" rx="2" '
            f'fill="#ffffff" stroke="#000" stroke-width="0.8"/>'
            f'<text class="tag" x="{_f(x + PAD + 5)}" y="{_f(y + PAD + TAG_HEIGHT - 3)}" font-size="{_f(SMALL)}" '
            f'font-weight="bold">{escape(box.tag)}</text>'
        )
        ty = y + PAD + TAG_HEIGHT + 4 + LINE - 3
        for line in names[index]:
            parts.append(
                f'<text x="{_f(x + PAD)}" y="{_f(ty)}" font-size="{_f(NAME_FONT)}" '
                f'font-weight="bold">{escape(line)}</text>'
            )
            ty += LINE
        for line in details[index]:
            parts.append(f'<text x="{_f(x + PAD)}" y="{_f(ty)}" font-size="{_f(SMALL)}">{escape(line)}</text>')
            ty += LINE
        parts.append("</g>")
        if index + 1 < len(boxes):
            nx, ny = origin(index + 1)
            if ny == y:
                parts.append(_arrow_right(x + box_w, nx, y + box_h / 2))
            else:
                parts.append(_connector(x + box_w / 2, y + box_h, nx + box_w / 2, ny))
    parts.extend(legend_parts)
    parts.append("</svg>")
    return "".join(parts)
