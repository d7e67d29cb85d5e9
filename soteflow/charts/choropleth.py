"""Accessible, deterministic choropleth maps as SVG.

- Projection: equirectangular with the longitude scaled by cos(latitude of the view's centre),
  which keeps Finland's shapes right at the map's scale (no projection library needed).
- Classes: five quantile classes of the coloured areas' values (fewer when there are fewer
  distinct values), a sequential single-hue palette whose lightness falls monotonically so the
  classes stay distinguishable in grayscale print, and an "ei tietoa" class (white with hatching)
  for missing values.
- Accessibility: ``role="img"``, ``<title>`` and ``<desc>`` referenced by ``aria-labelledby``,
  each area with its own ``<title>`` (name and value), a legend in text.
- Determinism: areas in sorted code order, coordinates rounded to 0.1 px, fixed number
  formatting: the same input gives byte-identical output.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from xml.sax.saxutils import escape

from soteflow.numbers import fi_number

Ring = Sequence[tuple[float, float]]
MultiPolygon = Sequence[Sequence[Ring]]

#: ColorBrewer "Blues" (5 classes): lightness decreases monotonically, legible in grayscale.
PALETTE: tuple[str, ...] = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
MISSING_FILL = "url(#ei-tietoa)"
CONTEXT_FILL = "#e8e8e8"
MISSING_LABEL = "ei tietoa"


def quantile_breaks(values: Sequence[float], classes: int = 5) -> list[float]:
    """Class edges ``[min, q1, …, max]`` by linear-interpolated quantiles, duplicates removed."""
    data = sorted(values)
    if not data:
        return []
    edges: list[float] = []
    for i in range(classes + 1):
        pos = (len(data) - 1) * i / classes
        lo = math.floor(pos)
        hi = min(lo + 1, len(data) - 1)
        q = data[lo] + (data[hi] - data[lo]) * (pos - lo)
        if not edges or q > edges[-1]:
            edges.append(q)
    return edges


def classify(value: float, edges: Sequence[float]) -> int:
    """Class index (0-based) of ``value``: the first class whose upper edge is ≥ value."""
    if len(edges) < 2:
        return 0
    for i in range(1, len(edges)):
        if value <= edges[i]:
            return i - 1
    return len(edges) - 2


def _fmt(v: float) -> str:
    # 0.1 px precision; "+ 0.0" avoids "-0.0".
    return f"{round(v, 1) + 0.0:.1f}"


def _bbox(polys: Sequence[MultiPolygon]) -> tuple[float, float, float, float] | None:
    xs: list[float] = []
    ys: list[float] = []
    for mp in polys:
        for poly in mp:
            for ring in poly:
                for x, y in ring:
                    xs.append(x)
                    ys.append(y)
    if not xs:
        return None
    return min(xs), min(ys), max(xs), max(ys)


def choropleth_svg(
    polygons: Mapping[str, MultiPolygon],
    values: Mapping[str, float | None],
    *,
    title: str,
    legend_title: str,
    highlight_region: Collection[str] | None = None,
    names: Mapping[str, str] | None = None,
    decimals: int = 1,
    width: float = 520.0,
    max_height: float = 640.0,
    description: str | None = None,
) -> str:
    """Draw ``values`` by area code on ``polygons`` (lon/lat) as an accessible SVG choropleth.

    ``highlight_region``: codes of the areas to show (e.g. a welfare region's municipalities): the
    map is zoomed to them, they are classed and coloured, and neighbouring areas inside the view
    are drawn in plain grey for context. Without it every polygon is classed. An area to colour
    whose value is None or absent is drawn in the "ei tietoa" class. ``names`` give the areas'
    names for their tooltips and the description; ``decimals`` the legend's precision.
    """
    names = names or {}
    coloured = sorted(highlight_region if highlight_region is not None else polygons)
    coloured = [c for c in coloured if c in polygons]
    if not coloured:
        raise ValueError("no polygon to draw: none of the requested areas is in the map")
    box = _bbox([polygons[c] for c in coloured])
    assert box is not None
    lon0, lat0, lon1, lat1 = box
    # Equirectangular: x = lon × cos(φ0), y = −lat, φ0 = latitude of the view's centre.
    k = math.cos(math.radians((lat0 + lat1) / 2))
    span_x = max((lon1 - lon0) * k, 1e-9)
    span_y = max(lat1 - lat0, 1e-9)
    margin = 10.0
    scale = min((width - 2 * margin) / span_x, (max_height - 2 * margin) / span_y)
    map_w = span_x * scale + 2 * margin
    map_h = span_y * scale + 2 * margin
    legend_w = 190.0
    total_w = map_w + legend_w
    total_h = max(map_h, 200.0)

    def project(lon: float, lat: float) -> tuple[float, float]:
        return (margin + (lon - lon0) * k * scale, margin + (lat1 - lat) * scale)

    def path_d(mp: MultiPolygon) -> str:
        parts: list[str] = []
        for poly in mp:
            for ring in poly:
                pts: list[str] = []
                for lon, lat in ring:
                    x, y = project(lon, lat)
                    p = f"{_fmt(x)} {_fmt(y)}"
                    if not pts or p != pts[-1]:  # rounding makes neighbours coincide: drop them
                        pts.append(p)
                if len(pts) >= 3:
                    parts.append("M" + "L".join(pts) + "Z")
        return "".join(parts)

    known = {c: float(v) for c in coloured if (v := values.get(c)) is not None and math.isfinite(v)}
    edges = quantile_breaks(list(known.values()))
    n_classes = max(len(edges) - 1, 1) if edges else 0
    palette = _palette(n_classes)

    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_fmt(total_w)} {_fmt(total_h)}" '
        f'width="{_fmt(total_w)}" height="{_fmt(total_h)}" role="img" aria-labelledby="map-title map-desc" '
        f'font-family="sans-serif" font-size="11">',
        f'<title id="map-title">{escape(title)}</title>',
        f'<desc id="map-desc">{escape(description or _describe(known, coloured, names, decimals))}</desc>',
        '<defs><pattern id="ei-tietoa" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#777777" stroke-width="1.5"/></pattern>'
        f'<clipPath id="map-clip"><rect x="0" y="0" width="{_fmt(map_w)}" height="{_fmt(map_h)}"/></clipPath></defs>',
    ]
    # Context: other areas whose bounding box meets the view, plain grey, hidden from screen readers.
    context: list[str] = []
    if highlight_region is not None:
        wanted = set(coloured)
        pad_lon = margin / (k * scale)
        pad_lat = margin / scale
        for code in sorted(polygons):
            if code in wanted:
                continue
            b = _bbox([polygons[code]])
            if (
                b is None
                or b[2] < lon0 - pad_lon
                or b[0] > lon1 + pad_lon
                or b[3] < lat0 - pad_lat
                or b[1] > lat1 + pad_lat
            ):
                continue
            d = path_d(polygons[code])
            if d:
                context.append(f'<path d="{d}"/>')
    if context:
        out.append(
            f'<g clip-path="url(#map-clip)" aria-hidden="true" fill="{CONTEXT_FILL}" stroke="#ffffff" '
            f'stroke-width="0.5">' + "".join(context) + "</g>"
        )
    out.append('<g stroke="#333333" stroke-width="0.4" stroke-linejoin="round">')
    for code in coloured:
        d = path_d(polygons[code])
        if not d:
            continue
        label = names.get(code, code)
        if code in known:
            fill = palette[classify(known[code], edges)]
            text = f"{label}: {fi_number(known[code], decimals)}"
        else:
            fill = MISSING_FILL
            text = f"{label}: {MISSING_LABEL}"
        out.append(f'<path d="{d}" fill="{fill}"><title>{escape(text)}</title></path>')
    out.append("</g>")
    out.append(_legend(edges, palette, map_w + 10, legend_title, decimals, missing=len(known) < len(coloured)))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _palette(n: int) -> tuple[str, ...]:
    """``n`` colours spread over the 5-step palette (keeping the ends) so contrast stays high."""
    if n <= 0:
        return ()
    if n >= len(PALETTE):
        return PALETTE
    if n == 1:
        return (PALETTE[2],)
    step = (len(PALETTE) - 1) / (n - 1)
    return tuple(PALETTE[round(i * step)] for i in range(n))


def _legend(
    edges: Sequence[float],
    palette: Sequence[str],
    x0: float,
    legend_title: str,
    decimals: int,
    *,
    missing: bool,
) -> str:
    parts = [
        f'<g id="legend" transform="translate({_fmt(x0)} 20)">',
        f'<text x="0" y="0" font-weight="bold">{escape(legend_title)}</text>',
    ]
    y = 12.0
    rows: list[tuple[str, str]] = []
    if len(edges) == 1:
        rows.append((palette[0], fi_number(edges[0], decimals)))
    for i in range(len(edges) - 1):
        lo, hi = fi_number(edges[i], decimals), fi_number(edges[i + 1], decimals)
        rows.append((palette[i], f"{lo}–{hi}"))
    # Highest class on top: the reading order matches "more need" first.
    rows.reverse()
    if missing:
        rows.append((MISSING_FILL, MISSING_LABEL))
    for fill, label in rows:
        parts.append(
            f'<rect x="0" y="{_fmt(y)}" width="18" height="14" fill="{fill}" stroke="#333333" stroke-width="0.5"/>'
            f'<text x="24" y="{_fmt(y + 11)}">{escape(label)}</text>'
        )
        y += 20
    parts.append("</g>")
    return "".join(parts)


def _describe(known: Mapping[str, float], coloured: Sequence[str], names: Mapping[str, str], decimals: int) -> str:
    """A text alternative: how many areas, the highest and lowest, and how many lack data."""
    if not known:
        return f"Kartta {len(coloured)} alueesta; yhdeltäkään ei ole tietoa."
    hi = max(sorted(known), key=lambda c: known[c])
    lo = min(sorted(known), key=lambda c: known[c])
    text = (
        f"Kartta {len(coloured)} alueesta. Suurin arvo: {names.get(hi, hi)} {fi_number(known[hi], decimals)}; "
        f"pienin arvo: {names.get(lo, lo)} {fi_number(known[lo], decimals)}."
    )
    missing = len(coloured) - len(known)
    if missing:
        text += f" Tieto puuttuu {missing} alueelta."
    return text
