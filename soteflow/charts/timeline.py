"""A deterministic, accessible timeline (Gantt) chart: one row per item, its phases as bars on a
date axis, quarters ticked and years labelled.

Same conventions as :mod:`soteflow.charts.bars`: an inline ``<svg role="img">`` with a title and a
``<desc>`` listing every phase in words, phases told apart by pattern and grey tone (and named in
the legend), Finnish dates, byte-identical output for the same input.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from soteflow.charts.bars import FONT, SMALL, WIDTH, _chart_id, _defs, _f, _fill, _legend, _open_svg, _text_width

__all__ = ["Phase", "TimelineRow", "timeline_chart_svg"]


@dataclass(frozen=True)
class Phase:
    """A phase of a row: its name (the legend's) and its first and last day."""

    name: str
    start: dt.date
    end: dt.date


@dataclass(frozen=True)
class TimelineRow:
    """A row: its label and phases in order; ``marker`` is a day drawn as a tick (e.g. the start)."""

    label: str
    phases: Sequence[Phase]
    marker: dt.date | None = None


def _fi(day: dt.date) -> str:
    return f"{day.day}.{day.month}.{day.year}"


def timeline_chart_svg(rows: Sequence[TimelineRow], *, title: str, marker_label: str = "") -> str:
    """The rows on a shared date axis from the first phase's year to the last one's."""
    if not rows or not any(r.phases for r in rows):
        raise ValueError("a timeline needs at least one row with a phase")
    for row in rows:
        for phase in row.phases:
            if phase.end < phase.start:
                raise ValueError(f"{row.label}: phase {phase.name!r} ends before it starts")
    days = [d for r in rows for p in r.phases for d in (p.start, p.end)] + [r.marker for r in rows if r.marker]
    first = dt.date(min(days).year, 1, 1)
    last = dt.date(max(days).year + 1, 1, 1)
    names = list(dict.fromkeys(p.name for r in rows for p in r.phases))
    chart_id = _chart_id(
        "timeline",
        [[r.label, [[p.name, p.start.isoformat(), p.end.isoformat()] for p in r.phases], str(r.marker)] for r in rows]
        + [title],
    )
    label_width = min(0.45 * WIDTH, max(_text_width(r.label, SMALL) for r in rows) + 8)
    left, right = label_width, WIDTH - 8
    span = (last - first).days

    def x(day: dt.date) -> float:
        return left + (right - left) * (day - first).days / span

    row_height, bar = 26.0, 14.0
    top = 8.0
    axis_y = top + row_height * len(rows)
    legend, legend_bottom = _legend(chart_id, names, axis_y + 26)
    marker_y = max(legend_bottom, axis_y + 26)
    height = marker_y + (FONT + 8 if marker_label else 0) + 4
    desc = " ".join(
        f"{r.label}: "
        + "; ".join(f"{p.name} {_fi(p.start)}–{_fi(p.end)}" for p in r.phases)
        + (f"; {marker_label} {_fi(r.marker)}" if r.marker and marker_label else "")
        + "."
        for r in rows
    )
    parts = _open_svg(chart_id, height, title, desc)
    parts.append(_defs(chart_id, len(names)))
    # quarter grid and year labels
    year = first.year
    while dt.date(year, 1, 1) <= last:
        for month in (1, 4, 7, 10):
            day = dt.date(year, month, 1)
            if day > last:
                break
            strong = month == 1
            parts.append(
                f'<line x1="{_f(x(day))}" y1="{_f(top)}" x2="{_f(x(day))}" y2="{_f(axis_y + (6 if strong else 3))}" '
                f'stroke="{"#555" if strong else "#ccc"}" stroke-width="{0.8 if strong else 0.5}"/>'
            )
        if dt.date(year, 7, 1) < last:
            parts.append(
                f'<text x="{_f(x(dt.date(year, 7, 1)))}" y="{_f(axis_y + 18)}" text-anchor="middle">{year}</text>'
            )
        year += 1
    parts.append(f'<line x1="{_f(left)}" y1="{_f(axis_y)}" x2="{_f(right)}" y2="{_f(axis_y)}" stroke="#000"/>')
    for index, row in enumerate(rows):
        y = top + index * row_height
        parts.append(
            f'<text x="{_f(left - 6)}" y="{_f(y + row_height / 2 + SMALL / 3)}" text-anchor="end" '
            f'font-size="{_f(SMALL)}">{escape(row.label)}</text>'
        )
        for phase in row.phases:
            x1, x2 = x(phase.start), x(phase.end + dt.timedelta(days=1))
            parts.append(
                f'<rect x="{_f(x1)}" y="{_f(y + (row_height - bar) / 2)}" width="{_f(max(x2 - x1, 1.0))}" '
                f'height="{_f(bar)}" fill="{_fill(chart_id, names.index(phase.name))}" stroke="#000" '
                'stroke-width="0.6"/>'
            )
        if row.marker:
            mx = x(row.marker)
            parts.append(
                f'<path d="M{_f(mx)} {_f(y + 2)} L{_f(mx + 5)} {_f(y + row_height / 2)} L{_f(mx)} '
                f'{_f(y + row_height - 2)} Z" fill="#000"/>'
            )
    parts += legend
    if marker_label:
        parts.append(
            f'<path d="M4 {_f(marker_y)} L9 {_f(marker_y + SMALL / 2)} L4 {_f(marker_y + SMALL)} Z" fill="#000"/>'
            f'<text x="22" y="{_f(marker_y + SMALL - 1)}" font-size="{_f(SMALL)}">{escape(marker_label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
