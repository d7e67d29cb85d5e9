"""Deterministic, accessible SVG bar and line charts for the decision documents.

Every chart is an inline ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` that lists the
data in words (what a screen reader reads), axis labels, tick labels and values in Finnish
number format, and series told apart by pattern and marker shape as well as by grey tone, so
the chart survives black-and-white printing and colour blindness. All sizes are in viewBox
units: the chart scales to the page width. Same input → byte-identical SVG (no randomness,
fixed float formatting, ids derived from a hash of the input).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Mapping, Sequence
from xml.sax.saxutils import escape, quoteattr

from soteflow.numbers import MISSING, fi_number

#: Matches the @font-face family of templates/print.css; the fallbacks are for standalone viewing.
FONT_FAMILY = "DejaVu Sans Doc, DejaVu Sans, sans-serif"
WIDTH = 640.0
FONT = 11.0
SMALL = 10.0
#: Approximate advance width of a DejaVu Sans character, in ems, for layout estimates.
CHAR_EM = 0.62

# Fill per series: (base fill, pattern kind). Dark/light alternation plus patterns keeps series
# distinguishable in greyscale and without colour vision: three tones (black, mid grey, white)
# and four patterns, no two solid tones so close that a greyscale print merges them.
_STYLES: tuple[tuple[str, str], ...] = (
    ("#1a1a1a", "solid"),
    ("#ffffff", "hatch"),
    ("#9a9a9a", "solid"),
    ("#ffffff", "dots"),
    ("#d0d0d0", "cross"),
    ("#ffffff", "hlines"),
)
_MARKERS = ("circle", "square", "triangle", "diamond", "circle", "square")
_DASHES = ("", "6 3", "2 3", "8 3 2 3", "", "6 3")

Values = Sequence[float | int | None]


def _f(value: float) -> str:
    """Fixed, locale-independent coordinate formatting (determinism: no repr() of floats)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in {"-0", ""} else text


def _chart_id(kind: str, payload: object) -> str:
    digest = hashlib.sha256(json.dumps([kind, payload], ensure_ascii=False, sort_keys=True).encode()).hexdigest()
    return f"c{digest[:10]}"


def _text_width(text: str, size: float) -> float:
    return len(text) * size * CHAR_EM


def nice_step(raw: float, decimals: int | None = None) -> float:
    """The smallest round step (1, 2, 2.5 or 5 × 10^n) ≥ ``raw``; with ``decimals``, a multiple of
    10^−decimals, so an axis of counts (``decimals=0``) steps by whole numbers: 1, 2, 5, 10, 20, 25…
    """
    magnitude = 10.0 ** math.floor(math.log10(raw))
    candidates = [m * magnitude for m in (1, 2, 2.5, 5, 10)]
    if decimals is not None:
        unit = 10.0**-decimals
        candidates = [max(c, unit) for c in candidates]
        candidates = [c for c in candidates if math.isclose(c / unit, round(c / unit), abs_tol=1e-9)]
    return next(c for c in candidates if c >= raw) if any(c >= raw for c in candidates) else candidates[-1]


def nice_ticks(low: float, high: float, target: int = 5, *, decimals: int | None = None) -> list[float]:
    """Round tick values covering ``[low, high]`` (steps 1, 2, 2.5 or 5 × 10^n), always including 0.

    ``decimals``: the values' printed decimals; the ticks never have more (whole counts get whole
    ticks: 0, 1, 2, 3 rather than 0,0, 0,5, 1,0).
    """
    low, high = min(low, 0.0), max(high, 0.0)
    if math.isclose(low, high):
        high = low + 1.0
    raw = (high - low) / target
    step = nice_step(raw, decimals)
    start = math.floor(low / step + 1e-9) * step
    ticks = []
    value = start
    while value < high + step * 0.999:
        ticks.append(round(value, 10))
        value += step
    return ticks


def _tick_decimals(ticks: Sequence[float]) -> int:
    for decimals in range(0, 4):
        if all(math.isclose(t, round(t, decimals), abs_tol=1e-9) for t in ticks):
            return decimals
    return 3


def _value_decimals(values: list[float]) -> int:
    return 0 if all(float(v).is_integer() for v in values) else 1


def _fill(chart_id: str, index: int) -> str:
    """Fill of series ``index``: a plain grey for solid styles (crisper than a pattern), else its pattern."""
    base, kind = _STYLES[index % len(_STYLES)]
    return base if kind == "solid" else f"url(#{chart_id}-p{index})"


def _defs(chart_id: str, count: int) -> str:
    parts = ["<defs>"]
    for index in range(count):
        base, kind = _STYLES[index % len(_STYLES)]
        if kind == "solid":
            continue
        pid = f"{chart_id}-p{index}"
        if kind == "hatch":
            body = '<path d="M0 6 L6 0" stroke="#1a1a1a" stroke-width="1.4"/>'
        elif kind == "dots":
            body = '<circle cx="3" cy="3" r="1.5" fill="#1a1a1a"/>'
        elif kind == "cross":
            body = '<path d="M0 0 L6 6 M0 6 L6 0" stroke="#1a1a1a" stroke-width="0.8"/>'
        elif kind == "hlines":
            body = '<path d="M0 1.5 L6 1.5 M0 4.5 L6 4.5" stroke="#1a1a1a" stroke-width="1.1"/>'
        else:
            body = ""
        parts.append(
            f'<pattern id="{pid}" width="6" height="6" patternUnits="userSpaceOnUse">'
            f'<rect width="6" height="6" fill="{base}"/>{body}</pattern>'
        )
    parts.append("</defs>")
    return "".join(parts)


def _describe(title: str, unit: str, labels: Sequence[str], series: Mapping[str, Values], decimals: int) -> str:
    """The data in words for ``<desc>``: one sentence per series."""
    sentences = []
    for name, values in series.items():
        items = ", ".join(f"{label}: {fi_number(v, decimals)}" for label, v in zip(labels, values, strict=True))
        sentences.append(f"{name} ({unit}): {items}.")
    return " ".join(sentences)


def _open_svg(chart_id: str, height: float, title: str, desc: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_f(WIDTH)} {_f(height)}" '
        f'width="{_f(WIDTH)}" height="{_f(height)}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'font-family={quoteattr(FONT_FAMILY)} font-size="{_f(FONT)}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]


def _legend(chart_id: str, names: Sequence[str], y: float, *, lines: bool = False) -> tuple[list[str], float]:
    """Legend items in rows from the left; returns the elements and the height used."""
    if len(names) < 2:
        return [], 0.0
    parts: list[str] = ['<g class="legend">']
    x, row_height = 0.0, FONT + 8
    for index, name in enumerate(names):
        item_width = 22 + _text_width(name, SMALL) + 16
        if x > 0 and x + item_width > WIDTH:
            x, y = 0.0, y + row_height
        if lines:
            parts.append(_line_swatch(index, x, y + SMALL / 2))
        else:
            parts.append(
                f'<rect x="{_f(x)}" y="{_f(y)}" width="16" height="{_f(SMALL)}" '
                f'fill="{_fill(chart_id, index)}" stroke="#000" stroke-width="0.8"/>'
            )
        parts.append(f'<text x="{_f(x + 22)}" y="{_f(y + SMALL - 1)}" font-size="{_f(SMALL)}">{escape(name)}</text>')
        x += item_width
    parts.append("</g>")
    return parts, (y + row_height)


def bar_chart_svg(
    categories: Sequence[str],
    series: Mapping[str, Values],
    *,
    title: str,
    unit: str,
    horizontal: bool = False,
    reference_line: float | None = None,
    reference_label: str | None = None,
    decimals: int | None = None,
) -> str:
    """A grouped bar chart as an inline SVG string.

    ``series`` maps a series name to one value per category (``None`` = missing, printed ``..``).
    ``unit`` labels the value axis. ``horizontal`` puts categories on the vertical axis (better for
    long names such as municipalities). ``reference_line`` draws a dashed line at that value
    (e.g. the national average 100), labelled with ``reference_label`` or the value itself.
    ``decimals`` for the printed values; by default 0 for whole numbers, otherwise 1.
    """
    if not series:
        raise ValueError("a chart needs at least one series")
    for name, values in series.items():
        if len(values) != len(categories):
            raise ValueError(f"series {name!r} has {len(values)} values for {len(categories)} categories")
    present = [float(v) for values in series.values() for v in values if v is not None]
    value_decimals = decimals if decimals is not None else _value_decimals(present)
    extremes = [*present, *([reference_line] if reference_line is not None else [])] or [0.0]
    ticks = nice_ticks(min(extremes), max(extremes), decimals=value_decimals)
    tick_decimals = _tick_decimals(ticks)
    low, high = ticks[0], ticks[-1]
    names = list(series)
    chart_id = _chart_id(
        "bar",
        [
            list(categories),
            {k: list(v) for k, v in series.items()},
            title,
            unit,
            horizontal,
            reference_line,
            reference_label,
            decimals,
        ],
    )
    desc = _describe(title, unit, categories, series, value_decimals)
    n_series = len(names)
    ref_text = reference_label or (fi_number(reference_line, tick_decimals) if reference_line is not None else "")

    if horizontal:
        label_width = max(_text_width(c, FONT) for c in categories) + 10 if categories else 10
        # The reference line's label sits above the plot, clear of the bars and their values.
        left, right, top = label_width, 48.0, 8.0 if reference_line is None else 20.0
        bar = 13.0
        group = bar * n_series + 8
        plot_height = group * len(categories)
        plot_width = WIDTH - left - right

        def pos(v: float) -> float:
            return left + (v - low) / (high - low) * plot_width

        axis_y = top + plot_height
        legend_y = axis_y + 40
        legend, legend_end = _legend(chart_id, names, legend_y)
        height = (legend_end if legend else axis_y + 36) + 4
        parts = _open_svg(chart_id, height, title, desc)
        parts.append(_defs(chart_id, n_series))
        parts.append('<g class="grid" stroke="#bdbdbd" stroke-width="0.6">')
        for tick in ticks:
            parts.append(f'<line x1="{_f(pos(tick))}" y1="{_f(top)}" x2="{_f(pos(tick))}" y2="{_f(axis_y)}"/>')
        parts.append("</g>")
        parts.append(f'<g class="ticks" text-anchor="middle" font-size="{_f(SMALL)}">')
        for tick in ticks:
            parts.append(
                f'<text x="{_f(pos(tick))}" y="{_f(axis_y + 14)}">{escape(fi_number(tick, tick_decimals))}</text>'
            )
        parts.append("</g>")
        parts.append(
            f'<text class="axis-label" x="{_f(left + plot_width / 2)}" y="{_f(axis_y + 30)}" '
            f'text-anchor="middle">{escape(unit)}</text>'
        )
        zero = pos(0.0)
        if reference_line is not None:
            # Beneath the bars and the values: a value label is never crossed by the dashes.
            rx = pos(reference_line)
            parts.append(
                f'<line class="reference" x1="{_f(rx)}" y1="{_f(top - 4)}" x2="{_f(rx)}" y2="{_f(axis_y)}" '
                f'stroke="#000" stroke-width="1.2" stroke-dasharray="5 3"/>'
            )
            parts.append(
                f'<text x="{_f(rx)}" y="{_f(top - 7)}" font-size="{_f(SMALL)}" '
                f'text-anchor="middle">{escape(ref_text)}</text>'
            )
        for ci, category in enumerate(categories):
            gy = top + ci * group + 4
            parts.append(
                f'<text x="{_f(left - 8)}" y="{_f(gy + group / 2)}" text-anchor="end" '
                f'dominant-baseline="middle">{escape(category)}</text>'
            )
            for si, name in enumerate(names):
                value = series[name][ci]
                y = gy + si * bar
                if value is None:
                    parts.append(
                        f'<text x="{_f(zero + 4)}" y="{_f(y + bar - 3)}" font-size="{_f(SMALL)}">{MISSING}</text>'
                    )
                    continue
                x0, x1 = sorted((zero, pos(float(value))))
                parts.append(
                    f'<rect x="{_f(x0)}" y="{_f(y)}" width="{_f(max(x1 - x0, 0.5))}" height="{_f(bar - 2)}" '
                    f'fill="{_fill(chart_id, si)}" stroke="#000" stroke-width="0.8"><title>{escape(name)}, '
                    f"{escape(category)}: {escape(fi_number(value, value_decimals))}</title></rect>"
                )
                label_x = x1 + 4 if value >= 0 else x0 - 4
                anchor = "start" if value >= 0 else "end"
                text = fi_number(value, value_decimals)
                text_w = _text_width(text, SMALL)
                # A white ground under the value keeps it legible over grid and reference lines.
                parts.append(
                    f'<rect class="value-ground" x="{_f(label_x - 1 if value >= 0 else label_x - text_w - 1)}" '
                    f'y="{_f(y)}" width="{_f(text_w + 2)}" height="{_f(bar - 2)}" fill="#fff"/>'
                    f'<text x="{_f(label_x)}" y="{_f(y + bar - 4)}" font-size="{_f(SMALL)}" '
                    f'text-anchor="{anchor}">{escape(text)}</text>'
                )
        parts.append(
            f'<line x1="{_f(zero)}" y1="{_f(top)}" x2="{_f(zero)}" y2="{_f(axis_y)}" stroke="#000" stroke-width="1.2"/>'
        )
        parts.append(
            f'<line x1="{_f(left)}" y1="{_f(axis_y)}" x2="{_f(left + plot_width)}" '
            f'y2="{_f(axis_y)}" stroke="#000" stroke-width="1"/>'
        )
        parts.extend(legend)
    else:
        n = max(len(categories), 1)
        left, right, top = 56.0, 10.0, 18.0
        plot_width = WIDTH - left - right
        group = plot_width / n
        bar = min(40.0, (group - 10) / n_series)
        longest = max((_text_width(c, SMALL) for c in categories), default=0.0)
        rotate = longest > group - 4
        label_space = (longest * 0.72 + 14) if rotate else 18.0
        plot_height = 220.0
        widest_value = max((_text_width(fi_number(v, value_decimals), SMALL * 0.9) for v in present), default=0.0)
        rotate_values = widest_value > bar - 1
        if rotate_values:  # room above the highest bar for an upright-turned label
            top += widest_value

        def pos(v: float) -> float:
            return top + plot_height - (v - low) / (high - low) * plot_height

        axis_y = top + plot_height
        legend, legend_end = _legend(chart_id, names, axis_y + label_space + 8)
        height = (legend_end if legend else axis_y + label_space) + 4
        parts = _open_svg(chart_id, height, title, desc)
        parts.append(_defs(chart_id, n_series))
        parts.append('<g class="grid" stroke="#bdbdbd" stroke-width="0.6">')
        for tick in ticks:
            parts.append(f'<line x1="{_f(left)}" y1="{_f(pos(tick))}" x2="{_f(WIDTH - right)}" y2="{_f(pos(tick))}"/>')
        parts.append("</g>")
        parts.append(f'<g class="ticks" text-anchor="end" font-size="{_f(SMALL)}">')
        for tick in ticks:
            parts.append(
                f'<text x="{_f(left - 6)}" y="{_f(pos(tick) + 3.5)}">{escape(fi_number(tick, tick_decimals))}</text>'
            )
        parts.append("</g>")
        parts.append(
            f'<text class="axis-label" x="12" y="{_f(top + plot_height / 2)}" text-anchor="middle" '
            f'transform="rotate(-90 12 {_f(top + plot_height / 2)})">{escape(unit)}</text>'
        )
        zero = pos(0.0)
        for ci, category in enumerate(categories):
            gx = left + ci * group + (group - bar * n_series) / 2
            cx = left + ci * group + group / 2
            if rotate:
                parts.append(
                    f'<text x="{_f(cx)}" y="{_f(axis_y + 12)}" font-size="{_f(SMALL)}" text-anchor="end" '
                    f'transform="rotate(-45 {_f(cx)} {_f(axis_y + 12)})">{escape(category)}</text>'
                )
            else:
                parts.append(
                    f'<text x="{_f(cx)}" y="{_f(axis_y + 14)}" font-size="{_f(SMALL)}" '
                    f'text-anchor="middle">{escape(category)}</text>'
                )
            for si, name in enumerate(names):
                value = series[name][ci]
                x = gx + si * bar
                if value is None:
                    parts.append(
                        f'<text x="{_f(x + bar / 2)}" y="{_f(zero - 4)}" font-size="{_f(SMALL)}" '
                        f'text-anchor="middle">{MISSING}</text>'
                    )
                    continue
                y0, y1 = sorted((zero, pos(float(value))))
                parts.append(
                    f'<rect x="{_f(x + 1)}" y="{_f(y0)}" '
                    f'width="{_f(bar - 2)}" height="{_f(max(y1 - y0, 0.5))}" '
                    f'fill="{_fill(chart_id, si)}" stroke="#000" stroke-width="0.8"><title>{escape(name)}, '
                    f"{escape(category)}: {escape(fi_number(value, value_decimals))}</title></rect>"
                )
                text = fi_number(value, value_decimals)
                size = SMALL * (0.9 if n_series > 2 else 1)
                if rotate_values:
                    # Upright labels of narrow bars would run into their neighbours: read them bottom-up.
                    ly, anchor = (y0 - 3, "start") if value >= 0 else (y1 + 3, "end")
                    lx = x + bar / 2 + size * 0.35
                    parts.append(
                        f'<text x="{_f(lx)}" y="{_f(ly)}" font-size="{_f(size)}" text-anchor="{anchor}" '
                        f'transform="rotate(-90 {_f(lx)} {_f(ly)})">{escape(text)}</text>'
                    )
                else:
                    label_y = y0 - 3 if value >= 0 else y1 + SMALL
                    parts.append(
                        f'<text x="{_f(x + bar / 2)}" y="{_f(label_y)}" '
                        f'font-size="{_f(size)}" text-anchor="middle">{escape(text)}</text>'
                    )
        parts.append(
            f'<line x1="{_f(left)}" y1="{_f(zero)}" x2="{_f(WIDTH - right)}" '
            f'y2="{_f(zero)}" stroke="#000" stroke-width="1.2"/>'
        )
        parts.append(
            f'<line x1="{_f(left)}" y1="{_f(top)}" x2="{_f(left)}" y2="{_f(axis_y)}" stroke="#000" stroke-width="1"/>'
        )
        if reference_line is not None:
            ry = pos(reference_line)
            parts.append(
                f'<line class="reference" x1="{_f(left)}" '
                f'y1="{_f(ry)}" x2="{_f(WIDTH - right)}" y2="{_f(ry)}" '
                f'stroke="#000" stroke-width="1.2" stroke-dasharray="5 3"/>'
            )
            parts.append(
                f'<text x="{_f(WIDTH - right)}" y="{_f(ry - 3)}" font-size="{_f(SMALL)}" '
                f'text-anchor="end">{escape(ref_text)}</text>'
            )
        parts.extend(legend)
    parts.append("</svg>")
    return "".join(parts)


def _marker(index: int, x: float, y: float) -> str:
    kind = _MARKERS[index % len(_MARKERS)]
    fill = "#000" if index % 2 == 0 else "#fff"
    style = f'fill="{fill}" stroke="#000" stroke-width="1.2"'
    if kind == "circle":
        return f'<circle cx="{_f(x)}" cy="{_f(y)}" r="3.5" {style}/>'
    if kind == "square":
        return f'<rect x="{_f(x - 3.2)}" y="{_f(y - 3.2)}" width="6.4" height="6.4" {style}/>'
    if kind == "triangle":
        return f'<path d="M{_f(x)} {_f(y - 4.2)} L{_f(x + 4)} {_f(y + 3)} L{_f(x - 4)} {_f(y + 3)} Z" {style}/>'
    return (
        f'<path d="M{_f(x)} {_f(y - 4.5)} L{_f(x + 4.5)} {_f(y)} '
        f'L{_f(x)} {_f(y + 4.5)} L{_f(x - 4.5)} {_f(y)} Z" '
        f"{style}/>"
    )


def _line_swatch(index: int, x: float, y: float) -> str:
    dash = _DASHES[index % len(_DASHES)]
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    return (
        f'<line x1="{_f(x)}" y1="{_f(y)}" x2="{_f(x + 16)}" '
        f'y2="{_f(y)}" stroke="#000" stroke-width="1.6"{dash_attr}/>' + _marker(index, x + 8, y)
    )


def _line_value_labels(
    series: Mapping[str, Values],
    decimals: int,
    label_all: bool,
    px: Callable[[int], float],
    py: Callable[[float], float],
    count: int,
) -> list[str]:
    """The printed values of a line chart, placed so that they do not run into each other.

    At each point the series' values are ordered from the top: the highest is printed above its
    marker, the lowest below it, any between beside it (to the right, or to the left at the last
    point); values that coincide (series starting from the same base) are printed once.
    """
    last = {
        name: max((i for i, v in enumerate(values) if v is not None), default=None) for name, values in series.items()
    }
    parts = ['<g class="values" font-size="' + _f(SMALL) + '">']
    for i in range(count):
        points: dict[str, float] = {}
        for name, values in series.items():
            value = values[i]
            if value is None or not (label_all or i == last[name]):
                continue
            text = fi_number(value, decimals)
            y = py(float(value))
            points[text] = min(points.get(text, y), y)  # one label per distinct printed value
        ordered = sorted(points.items(), key=lambda item: (item[1], item[0]))
        x = px(i)
        room = SMALL + 8  # the height a label needs between two markers
        for rank, (text, y) in enumerate(ordered):
            above, below = (x, y - 7, "middle"), (x, y + SMALL + 5, "middle")
            if rank == 0:
                lx, ly, anchor = above
            elif rank == len(ordered) - 1:
                lx, ly, anchor = below
            elif y - ordered[rank - 1][1] >= room:
                lx, ly, anchor = above
            elif ordered[rank + 1][1] - y >= room:
                lx, ly, anchor = below
            elif i == count - 1:
                lx, ly, anchor = x - 7, y + 3.5, "end"
            else:
                lx, ly, anchor = x + 7, y + 3.5, "start"
            width = _text_width(text, SMALL)
            left = {"middle": lx - width / 2, "start": lx, "end": lx - width}[anchor]
            # A white ground: a line passing under the value does not strike it through.
            parts.append(
                f'<rect x="{_f(left - 1)}" y="{_f(ly - SMALL + 1)}" width="{_f(width + 2)}" height="{_f(SMALL + 1)}" '
                f'fill="#fff"/><text x="{_f(lx)}" y="{_f(ly)}" text-anchor="{anchor}">{escape(text)}</text>'
            )
    parts.append("</g>")
    return parts


def line_chart_svg(
    x_labels: Sequence[str],
    series: Mapping[str, Values],
    *,
    title: str,
    unit: str,
    decimals: int | None = None,
) -> str:
    """A line chart (e.g. a time series) as an inline SVG string.

    Series differ by dash pattern and marker shape, not only tone. Values are printed at every
    point when there are few points, otherwise at the last point of each series; ``None`` breaks
    the line.
    """
    if not series:
        raise ValueError("a chart needs at least one series")
    for name, values in series.items():
        if len(values) != len(x_labels):
            raise ValueError(f"series {name!r} has {len(values)} values for {len(x_labels)} labels")
    present = [float(v) for values in series.values() for v in values if v is not None] or [0.0]
    value_decimals = decimals if decimals is not None else _value_decimals(present)
    ticks = nice_ticks(min(present), max(present), decimals=value_decimals)
    tick_decimals = _tick_decimals(ticks)
    low, high = ticks[0], ticks[-1]
    names = list(series)
    chart_id = _chart_id("line", [list(x_labels), {k: list(v) for k, v in series.items()}, title, unit, decimals])
    left, right, top, plot_height = 56.0, 40.0, 18.0, 220.0
    plot_width = WIDTH - left - right
    step = plot_width / max(len(x_labels) - 1, 1)
    label_all = len(x_labels) * len(names) <= 24

    def px(i: int) -> float:
        return left + i * step if len(x_labels) > 1 else left + plot_width / 2

    def py(v: float) -> float:
        return top + plot_height - (v - low) / (high - low) * plot_height

    axis_y = top + plot_height
    legend, legend_end = _legend(chart_id, names, axis_y + 26, lines=True)
    height = (legend_end if legend else axis_y + 22) + 4
    parts = _open_svg(chart_id, height, title, _describe(title, unit, x_labels, series, value_decimals))
    parts.append('<g class="grid" stroke="#bdbdbd" stroke-width="0.6">')
    for tick in ticks:
        parts.append(f'<line x1="{_f(left)}" y1="{_f(py(tick))}" x2="{_f(WIDTH - right)}" y2="{_f(py(tick))}"/>')
    parts.append("</g>")
    parts.append(f'<g class="ticks" text-anchor="end" font-size="{_f(SMALL)}">')
    for tick in ticks:
        parts.append(
            f'<text x="{_f(left - 6)}" y="{_f(py(tick) + 3.5)}">{escape(fi_number(tick, tick_decimals))}</text>'
        )
    parts.append("</g>")
    parts.append(
        f'<text class="axis-label" x="12" y="{_f(top + plot_height / 2)}" text-anchor="middle" '
        f'transform="rotate(-90 12 {_f(top + plot_height / 2)})">{escape(unit)}</text>'
    )
    parts.append(f'<g class="x-labels" text-anchor="middle" font-size="{_f(SMALL)}">')
    for i, label in enumerate(x_labels):
        parts.append(f'<text x="{_f(px(i))}" y="{_f(axis_y + 14)}">{escape(label)}</text>')
    parts.append("</g>")
    parts.append(
        f'<line x1="{_f(left)}" y1="{_f(py(0.0))}" x2="{_f(WIDTH - right)}" '
        f'y2="{_f(py(0.0))}" stroke="#000" stroke-width="1.2"/>'
    )
    parts.append(
        f'<line x1="{_f(left)}" y1="{_f(top)}" x2="{_f(left)}" y2="{_f(axis_y)}" stroke="#000" stroke-width="1"/>'
    )
    for si, name in enumerate(names):
        values = series[name]
        dash = _DASHES[si % len(_DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        runs: list[list[tuple[float, float]]] = [[]]
        for i, value in enumerate(values):
            if value is None:
                runs.append([])
            else:
                runs[-1].append((px(i), py(float(value))))
        parts.append(f'<g class="series"><title>{escape(name)}</title>')
        for run in runs:
            if len(run) > 1:
                points = " ".join(f"{_f(x)},{_f(y)}" for x, y in run)
                parts.append(f'<polyline points="{points}" fill="none" stroke="#000" stroke-width="1.6"{dash_attr}/>')
        for i, value in enumerate(values):
            if value is not None:
                parts.append(_marker(si, px(i), py(float(value))))
        parts.append("</g>")
    parts.extend(_line_value_labels(series, value_decimals, label_all, px, py, len(x_labels)))
    parts.extend(legend)
    parts.append("</svg>")
    return "".join(parts)
