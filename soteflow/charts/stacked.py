"""Deterministic, accessible SVG charts for cost comparisons: stacked bars and low–high ranges.

Same conventions as :mod:`soteflow.charts.bars`: an inline ``<svg role="img">`` with ``<title>``
and a ``<desc>`` that lists every value in words, Finnish number format, series told apart by
pattern as well as grey tone (never by colour alone), sizes in viewBox units, ids derived from a
hash of the input, so the same input gives byte-identical SVG.

* :func:`stacked_bar_chart_svg` — one horizontal bar per category, split into components (e.g.
  the cost components of own and purchased production per unit), the total printed at the end;
* :func:`range_chart_svg` — per category one low–high interval per series with a marker at the
  central value (e.g. unit-cost ranges of the sensitivity analysis), overlaps visible at a glance.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from xml.sax.saxutils import escape

from soteflow.charts.bars import (
    FONT,
    SMALL,
    WIDTH,
    _chart_id,
    _f,
    _open_svg,
    _text_width,
    _tick_decimals,
    nice_ticks,
)
from soteflow.numbers import fi_number

Values = Sequence[float | int | None]
Interval = tuple[float, float, float]

# Fill per component: (base fill, pattern). Ten styles that stay apart in greyscale: four grey
# tones, then white grounds with a pattern each (lines in three directions, dots, a grid, a
# cross-hatch). A chart with more components than styles is refused rather than repeating one.
_STYLES: tuple[tuple[str, str], ...] = (
    ("#1a1a1a", "solid"),
    ("#5a5a5a", "solid"),
    ("#9a9a9a", "solid"),
    ("#d0d0d0", "solid"),
    ("#ffffff", "hatch"),
    ("#ffffff", "dots"),
    ("#ffffff", "cross"),
    ("#ffffff", "back"),
    ("#ffffff", "hlines"),
    ("#ffffff", "vlines"),
)
#: The most components a stacked chart tells apart.
MAX_COMPONENTS = len(_STYLES)
_MARKERS = ("circle", "square", "diamond", "triangle")


def _fill(chart_id: str, index: int) -> str:
    base, kind = _STYLES[index % len(_STYLES)]
    return base if kind == "solid" else f"url(#{chart_id}-p{index})"


def _defs(chart_id: str, count: int) -> str:
    parts = ["<defs>"]
    for index in range(count):
        base, kind = _STYLES[index % len(_STYLES)]
        if kind == "solid":
            continue
        body = {
            "hatch": '<path d="M0 6 L6 0" stroke="#1a1a1a" stroke-width="1.2"/>',
            "dots": '<circle cx="3" cy="3" r="1.5" fill="#1a1a1a"/>',
            "cross": '<path d="M0 0 L6 6 M0 6 L6 0" stroke="#1a1a1a" stroke-width="0.8"/>',
            "back": '<path d="M0 0 L6 6" stroke="#1a1a1a" stroke-width="1.2"/>',
            "hlines": '<path d="M0 1.5 L6 1.5 M0 4.5 L6 4.5" stroke="#1a1a1a" stroke-width="1.1"/>',
            "vlines": '<path d="M1.5 0 L1.5 6 M4.5 0 L4.5 6" stroke="#1a1a1a" stroke-width="1.1"/>',
        }[kind]
        parts.append(
            f'<pattern id="{chart_id}-p{index}" width="6" height="6" patternUnits="userSpaceOnUse">'
            f'<rect width="6" height="6" fill="{base}"/>{body}</pattern>'
        )
    parts.append("</defs>")
    return "".join(parts)


def _legend(chart_id: str, names: Sequence[str], fills: Mapping[str, int], y: float) -> tuple[list[str], float]:
    """Legend items, one per line (the Finnish component names are long)."""
    parts = ['<g class="legend">']
    row = SMALL + 6
    for index, name in enumerate(names):
        top = y + index * row
        parts.append(
            f'<rect x="0" y="{_f(top)}" width="16" height="{_f(SMALL)}" fill="{_fill(chart_id, fills[name])}" '
            'stroke="#000" stroke-width="0.8"/>'
        )
        parts.append(f'<text x="22" y="{_f(top + SMALL - 1)}" font-size="{_f(SMALL)}">{escape(name)}</text>')
    parts.append("</g>")
    return parts, y + len(names) * row


def stacked_bar_chart_svg(
    categories: Sequence[str],
    series: Mapping[str, Values],
    *,
    title: str,
    unit: str,
    decimals: int = 2,
    totals: Sequence[float] | None = None,
) -> str:
    """Horizontal stacked bars: one bar per category, one segment per series (component).

    ``series`` maps a component name to one value per category; ``None`` or 0 leaves the
    component out of that bar. Values must be ≥ 0. The bar's total is printed at its end (the
    sum of its segments, or ``totals`` when given: e.g. an unrounded total whose rounded parts
    would sum a cent off), and the legend lists only components that occur.
    """
    if not series:
        raise ValueError("a chart needs at least one series")
    if len(series) > MAX_COMPONENTS:
        raise ValueError(f"{len(series)} components: a stacked chart tells at most {MAX_COMPONENTS} apart")
    for name, values in series.items():
        if len(values) != len(categories):
            raise ValueError(f"series {name!r} has {len(values)} values for {len(categories)} categories")
        if any(v is not None and v < 0 for v in values):
            raise ValueError(f"series {name!r} has a negative value: stacked bars need values ≥ 0")
    if totals is not None and len(totals) != len(categories):
        raise ValueError(f"{len(totals)} totals for {len(categories)} categories")
    names = [n for n, values in series.items() if any(v for v in values)]
    sums = [sum(float(series[n][i] or 0) for n in series) for i in range(len(categories))]
    totals = list(totals) if totals is not None else sums
    ticks = nice_ticks(0.0, max([*sums, *totals], default=0.0), decimals=decimals)
    tick_decimals = _tick_decimals(ticks)
    high = ticks[-1]
    chart_id = _chart_id(
        "stacked", [list(categories), {k: list(v) for k, v in series.items()}, title, unit, decimals, totals]
    )
    desc = " ".join(
        f"{category}: "
        + ", ".join(f"{n} {fi_number(series[n][i], decimals)}" for n in names if series[n][i])
        + f"; yhteensä {fi_number(totals[i], decimals)} {unit}."
        for i, category in enumerate(categories)
    )
    label_width = max((_text_width(c, FONT) for c in categories), default=0.0) + 10
    left, right, top, bar = label_width, 64.0, 8.0, 22.0
    plot_width = WIDTH - left - right
    plot_height = (bar + 10) * len(categories)
    axis_y = top + plot_height

    def pos(v: float) -> float:
        return left + v / high * plot_width

    index_of = {n: i for i, n in enumerate(series)}
    legend, legend_end = _legend(chart_id, names, index_of, axis_y + 40)
    height = legend_end + 4
    parts = _open_svg(chart_id, height, title, desc)
    parts.append(_defs(chart_id, len(series)))
    parts.append('<g class="grid" stroke="#bdbdbd" stroke-width="0.6">')
    for tick in ticks:
        parts.append(f'<line x1="{_f(pos(tick))}" y1="{_f(top)}" x2="{_f(pos(tick))}" y2="{_f(axis_y)}"/>')
    parts.append("</g>")
    parts.append(f'<g class="ticks" text-anchor="middle" font-size="{_f(SMALL)}">')
    for tick in ticks:
        parts.append(f'<text x="{_f(pos(tick))}" y="{_f(axis_y + 14)}">{escape(fi_number(tick, tick_decimals))}</text>')
    parts.append("</g>")
    parts.append(
        f'<text class="axis-label" x="{_f(left + plot_width / 2)}" y="{_f(axis_y + 30)}" '
        f'text-anchor="middle">{escape(unit)}</text>'
    )
    for ci, category in enumerate(categories):
        y = top + ci * (bar + 10) + 5
        parts.append(
            f'<text x="{_f(left - 8)}" y="{_f(y + bar / 2)}" text-anchor="end" '
            f'dominant-baseline="middle">{escape(category)}</text>'
        )
        x = 0.0
        for name, values in series.items():
            value = values[ci]
            if not value:
                continue
            x0, x1 = pos(x), pos(x + float(value))
            parts.append(
                f'<rect x="{_f(x0)}" y="{_f(y)}" width="{_f(max(x1 - x0, 0.5))}" height="{_f(bar)}" '
                f'fill="{_fill(chart_id, index_of[name])}" stroke="#000" stroke-width="0.8"><title>'
                f"{escape(category)}, {escape(name)}: {escape(fi_number(value, decimals))}</title></rect>"
            )
            x += float(value)
        parts.append(
            f'<text x="{_f(pos(sums[ci]) + 4)}" y="{_f(y + bar / 2)}" dominant-baseline="middle" '
            f'font-size="{_f(SMALL)}">{escape(fi_number(totals[ci], decimals))}</text>'
        )
    parts.append(
        f'<line x1="{_f(left)}" y1="{_f(top)}" x2="{_f(left)}" y2="{_f(axis_y)}" stroke="#000" stroke-width="1.2"/>'
    )
    parts.append(
        f'<line x1="{_f(left)}" y1="{_f(axis_y)}" x2="{_f(left + plot_width)}" y2="{_f(axis_y)}" '
        'stroke="#000" stroke-width="1"/>'
    )
    parts.extend(legend)
    parts.append("</svg>")
    return "".join(parts)


def _marker(index: int, x: float, y: float) -> str:
    kind = _MARKERS[index % len(_MARKERS)]
    fill = "#000" if index % 2 == 0 else "#fff"
    style = f'fill="{fill}" stroke="#000" stroke-width="1.2"'
    if kind == "circle":
        return f'<circle cx="{_f(x)}" cy="{_f(y)}" r="3.6" {style}/>'
    if kind == "square":
        return f'<rect x="{_f(x - 3.3)}" y="{_f(y - 3.3)}" width="6.6" height="6.6" {style}/>'
    if kind == "triangle":
        return f'<path d="M{_f(x)} {_f(y - 4.4)} L{_f(x + 4.2)} {_f(y + 3.2)} L{_f(x - 4.2)} {_f(y + 3.2)} Z" {style}/>'
    return f'<path d="M{_f(x)} {_f(y - 4.6)} L{_f(x + 4.6)} {_f(y)} L{_f(x)} {_f(y + 4.6)} L{_f(x - 4.6)} {_f(y)} Z" {style}/>'


def _span_ticks(low: float, high: float, target: int = 5) -> list[float]:
    """Round ticks covering ``[low, high]`` with a margin, not forced to include 0 (ranges of
    index values around 100 would otherwise be squeezed into a corner)."""
    margin = (high - low) * 0.1 or abs(high) * 0.1 or 1.0
    low, high = low - margin, high + margin
    raw = (high - low) / target
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step + 1e-9) * step
    ticks = []
    value = start
    while value < high + step * 0.999:
        ticks.append(round(value, 10))
        value += step
    return ticks


def range_chart_svg(
    categories: Sequence[str],
    series: Mapping[str, Sequence[Interval | None]],
    *,
    title: str,
    unit: str,
    reference_line: float | None = None,
    reference_label: str | None = None,
    decimals: int = 1,
) -> str:
    """Low–high intervals with a central marker, one row per series within each category.

    ``series`` maps a series name to one ``(low, value, high)`` per category (``None`` = no data:
    the row says ``..``). Each row is labelled with its series name, so series never rely on
    the marker shape alone.
    """
    if not series:
        raise ValueError("a chart needs at least one series")
    for name, values in series.items():
        if len(values) != len(categories):
            raise ValueError(f"series {name!r} has {len(values)} values for {len(categories)} categories")
        for item in values:
            if item is not None and not item[0] <= item[1] <= item[2]:
                raise ValueError(f"series {name!r}: {item} is not low ≤ value ≤ high")
    points = [v for values in series.values() for item in values if item is not None for v in item]
    extremes = [*points, *([reference_line] if reference_line is not None else [])] or [0.0]
    ticks = _span_ticks(min(extremes), max(extremes))
    tick_decimals = _tick_decimals(ticks)
    lo, hi = ticks[0], ticks[-1]
    names = list(series)
    chart_id = _chart_id(
        "range",
        [
            list(categories),
            {k: [list(v) if v else None for v in vs] for k, vs in series.items()},
            title,
            unit,
            reference_line,
            reference_label,
            decimals,
        ],
    )
    desc = " ".join(
        f"{category}: "
        + "; ".join(
            f"{name} {fi_number(series[name][i][1], decimals)} (vaihteluväli {fi_number(series[name][i][0], decimals)}"  # type: ignore[index]
            f"–{fi_number(series[name][i][2], decimals)})"  # type: ignore[index]
            if series[name][i] is not None
            else f"{name} ei tietoa"
            for name in names
        )
        + "."
        for i, category in enumerate(categories)
    )
    name_width = max((_text_width(n, SMALL) for n in names), default=0.0)
    left, right, top, row, head = name_width + 24, 20.0, 8.0, 15.0, FONT + 8
    group = head + row * len(names) + 6
    plot_width = WIDTH - left - right
    plot_height = group * len(categories)
    axis_y = top + plot_height

    def pos(v: float) -> float:
        return left + (v - lo) / (hi - lo) * plot_width

    parts = _open_svg(chart_id, axis_y + 40, title, desc)
    parts.append('<g class="grid" stroke="#bdbdbd" stroke-width="0.6">')
    for tick in ticks:
        parts.append(f'<line x1="{_f(pos(tick))}" y1="{_f(top)}" x2="{_f(pos(tick))}" y2="{_f(axis_y)}"/>')
    parts.append("</g>")
    parts.append(f'<g class="ticks" text-anchor="middle" font-size="{_f(SMALL)}">')
    for tick in ticks:
        parts.append(f'<text x="{_f(pos(tick))}" y="{_f(axis_y + 14)}">{escape(fi_number(tick, tick_decimals))}</text>')
    parts.append("</g>")
    parts.append(
        f'<text class="axis-label" x="{_f(left + plot_width / 2)}" y="{_f(axis_y + 30)}" '
        f'text-anchor="middle">{escape(unit)}</text>'
    )
    for ci, category in enumerate(categories):
        gy = top + ci * group
        if ci:
            parts.append(
                f'<line x1="0" y1="{_f(gy)}" x2="{_f(WIDTH)}" y2="{_f(gy)}" stroke="#bdbdbd" stroke-width="0.6"/>'
            )
        parts.append(f'<text x="0" y="{_f(gy + FONT + 2)}" font-weight="bold">{escape(category)}</text>')
        gy += head
        for si, name in enumerate(names):
            y = gy + si * row + row / 2
            parts.append(
                f'<text x="{_f(left - 8)}" y="{_f(y)}" text-anchor="end" dominant-baseline="middle" '
                f'font-size="{_f(SMALL)}">{escape(name)}</text>'
            )
            item = series[name][ci]
            if item is None:
                parts.append(
                    f'<text x="{_f(left + 4)}" y="{_f(y)}" dominant-baseline="middle" font-size="{_f(SMALL)}">..</text>'
                )
                continue
            low, value, high = item
            parts.append(
                f'<g class="interval"><title>{escape(category)}, {escape(name)}: {escape(fi_number(value, decimals))} '
                f"({escape(fi_number(low, decimals))}–{escape(fi_number(high, decimals))})</title>"
                f'<line x1="{_f(pos(low))}" y1="{_f(y)}" x2="{_f(pos(high))}" y2="{_f(y)}" stroke="#000" '
                'stroke-width="2"/>'
                f'<line x1="{_f(pos(low))}" y1="{_f(y - 4)}" x2="{_f(pos(low))}" y2="{_f(y + 4)}" stroke="#000" '
                'stroke-width="1.2"/>'
                f'<line x1="{_f(pos(high))}" y1="{_f(y - 4)}" x2="{_f(pos(high))}" y2="{_f(y + 4)}" stroke="#000" '
                'stroke-width="1.2"/>'
                f"{_marker(si, pos(value), y)}</g>"
            )
    if reference_line is not None:
        rx = pos(reference_line)
        parts.append(
            f'<line class="reference" x1="{_f(rx)}" y1="{_f(top)}" x2="{_f(rx)}" y2="{_f(axis_y)}" stroke="#000" '
            'stroke-width="1" stroke-dasharray="5 3"/>'
        )
        text = reference_label or fi_number(reference_line, tick_decimals)
        parts.append(f'<text x="{_f(rx + 3)}" y="{_f(axis_y - 3)}" font-size="{_f(SMALL)}">{escape(text)}</text>')
    parts.append(
        f'<line x1="{_f(left)}" y1="{_f(axis_y)}" x2="{_f(left + plot_width)}" y2="{_f(axis_y)}" '
        'stroke="#000" stroke-width="1"/>'
    )
    parts.append("</svg>")
    return "".join(parts)
