"""Accessible, deterministic choropleth maps as SVG.

- Projection: equirectangular with the longitude scaled by cos(latitude of the view's centre),
  which keeps Finland's shapes right at the map's scale (no projection library needed).
- Classes: five quantile classes of the coloured areas' values as they are printed (rounded to
  the legend's decimals, so a municipality shown as 115,5 is in the class whose label contains
  115,5), fewer when there are fewer distinct values. The legend's bounds never overlap (class
  ``80,4–96,9`` follows ``67,7–80,3``) and give each class's number of areas. A sequential
  single-hue palette whose lightness falls monotonically keeps the classes distinguishable in
  greyscale print; an "ei tietoa" class (white with hatching) marks missing values.
- Labels: with ``names``, every coloured area carries a number in a white disc at an interior
  point, and a key beside the map gives each number's name and value (in Finnish alphabetical
  order), so a printed map names its municipalities.
- Accessibility: ``role="img"``, ``<title>`` and ``<desc>`` referenced by ``aria-labelledby``,
  each area with its own ``<title>`` (name and value), a legend and a key in text.
- Determinism: areas in sorted code order, coordinates rounded to 0.1 px, fixed number
  formatting: the same input gives byte-identical output.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from xml.sax.saxutils import escape

from soteflow.numbers import fi_number, round_half_up

Ring = Sequence[tuple[float, float]]
MultiPolygon = Sequence[Sequence[Ring]]

#: ColorBrewer "Blues" (5 classes): lightness decreases monotonically, legible in grayscale.
PALETTE: tuple[str, ...] = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
MISSING_FILL = "url(#ei-tietoa)"
CONTEXT_FILL = "#e8e8e8"
MISSING_LABEL = "ei tietoa"
#: Approximate advance width of a sans-serif character, in ems (legend layout).
CHAR_EM = 0.62
FONT = 11.0
KEY_FONT = 9.5
#: Finnish alphabetical order puts å, ä and ö after z (and ü with y).
_FI_ORDER = str.maketrans({"å": "{", "ä": "|", "ö": "}", "ü": "y", "w": "v"})


def fi_sort_key(name: str) -> tuple[str, str]:
    """Sort key of ``name`` in Finnish alphabetical order (Ä and Ö after Z)."""
    return name.casefold().translate(_FI_ORDER), name


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


def class_bounds(edges: Sequence[float], decimals: int) -> list[tuple[float, float]]:
    """Printed ``(low, high)`` of each class for edges on the grid of ``decimals``.

    Class 0 holds ``edges[0] … edges[1]``; class ``i`` > 0 holds values above ``edges[i]``, so its
    printed low bound is ``edges[i]`` plus one unit of the last printed decimal: the bounds of
    adjacent classes never overlap (``67,7–80,3``, ``80,4–96,9``).
    """
    unit = 10.0**-decimals
    bounds = []
    for i in range(len(edges) - 1):
        low = edges[i] if i == 0 else round_half_up(edges[i] + unit, decimals)
        bounds.append((low, edges[i + 1]))
    return bounds


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
    counted: str = "alueiden",
) -> str:
    """Draw ``values`` by area code on ``polygons`` (lon/lat) as an accessible SVG choropleth.

    ``highlight_region``: codes of the areas to show (e.g. a welfare region's municipalities): the
    map is zoomed to them, they are classed and coloured, and neighbouring areas inside the view
    are drawn in plain grey for context. Without it every polygon is classed. An area to colour
    whose value is None or absent is drawn in the "ei tietoa" class. ``names`` give the areas'
    names for their tooltips and the description, and number the areas on the map with a key
    beside it; ``decimals`` the precision of the printed values and the legend's bounds;
    ``counted`` the genitive plural the legend's note uses for the areas ("kuntien").
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

    def project(lon: float, lat: float) -> tuple[float, float]:
        return (margin + (lon - lon0) * k * scale, margin + (lat1 - lat) * scale)

    def projected(mp: MultiPolygon) -> list[list[list[tuple[float, float]]]]:
        """Rings in 0.1 px, neighbours that rounding makes coincide dropped, rings under 3 points left out."""
        polys = []
        for poly in mp:
            rings = []
            for ring in poly:
                pts: list[tuple[float, float]] = []
                for lon, lat in ring:
                    x, y = project(lon, lat)
                    p = (round(x, 1) + 0.0, round(y, 1) + 0.0)
                    if not pts or p != pts[-1]:
                        pts.append(p)
                if len(pts) >= 3:
                    rings.append(pts)
            if rings:
                polys.append(rings)
        return polys

    def path_d(mp: MultiPolygon) -> str:
        return "".join(
            "M" + "L".join(f"{_fmt(x)} {_fmt(y)}" for x, y in ring) + "Z" for poly in projected(mp) for ring in poly
        )

    # Classes of the values as printed: a value shown as 80,3 is in the class whose label holds 80,3.
    known = {
        c: round_half_up(float(v), decimals) for c in coloured if (v := values.get(c)) is not None and math.isfinite(v)
    }
    edges = sorted({round_half_up(e, decimals) for e in quantile_breaks(list(known.values()))})
    n_classes = max(len(edges) - 1, 1) if edges else 0
    palette = _palette(n_classes)
    class_of = {c: classify(v, edges) for c, v in known.items()}
    counts = [sum(1 for i in class_of.values() if i == n) for n in range(n_classes)]

    # Numbers on the map, in the key's Finnish alphabetical order.
    numbered = sorted(coloured, key=lambda c: fi_sort_key(names.get(c, c))) if names else []
    number_of = {c: n for n, c in enumerate(numbered, 1)}

    legend, legend_w, legend_h = _legend(
        edges,
        palette,
        counts,
        legend_title,
        decimals,
        missing=len(coloured) - len(known),
        counted=counted,
        key=[
            (number_of[c], names.get(c, c), fi_number(known[c], decimals) if c in known else MISSING_LABEL)
            for c in numbered
        ],
    )
    legend_x = map_w + 14
    total_w = legend_x + legend_w + 4
    total_h = max(map_h, legend_h + 24, 200.0)

    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_fmt(total_w)} {_fmt(total_h)}" '
        f'width="{_fmt(total_w)}" height="{_fmt(total_h)}" role="img" aria-labelledby="map-title map-desc" '
        f'font-family="sans-serif" font-size="{_fmt(FONT)}">',
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
            fill = palette[class_of[code]]
            text = f"{label}: {fi_number(known[code], decimals)}"
        else:
            fill = MISSING_FILL
            text = f"{label}: {MISSING_LABEL}"
        out.append(f'<path d="{d}" fill="{fill}"><title>{escape(text)}</title></path>')
    out.append("</g>")
    if numbered:
        # A white disc with a black number reads on every class's fill, in colour and in greyscale.
        out.append('<g class="labels" aria-hidden="true" text-anchor="middle" font-size="8.5">')
        for code in numbered:
            polys = projected(polygons[code])
            if not polys:
                continue
            x, y = interior_point(max(polys, key=lambda p: abs(_ring_area(p[0]))))
            n = number_of[code]
            radius = 6.0 if n < 10 else 7.0
            out.append(
                f'<circle cx="{_fmt(x)}" cy="{_fmt(y)}" r="{_fmt(radius)}" fill="#ffffff" stroke="#333333" '
                f'stroke-width="0.5"/><text x="{_fmt(x)}" y="{_fmt(y + 3.1)}">{n}</text>'
            )
        out.append("</g>")
    out.append(f'<g id="legend" transform="translate({_fmt(legend_x)} 20)">{legend}</g>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _ring_area(ring: Sequence[tuple[float, float]]) -> float:
    """Signed area of a ring (shoelace)."""
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, [*ring[1:], ring[0]], strict=True)) / 2


def _inside(x: float, y: float, rings: Sequence[Sequence[tuple[float, float]]]) -> bool:
    """Even-odd rule over all rings (holes included)."""
    inside = False
    for ring in rings:
        for (x0, y0), (x1, y1) in zip(ring, [*ring[1:], ring[0]], strict=True):
            if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
                inside = not inside
    return inside


def _edge_distance(x: float, y: float, rings: Sequence[Sequence[tuple[float, float]]]) -> float:
    best = math.inf
    for ring in rings:
        for (x0, y0), (x1, y1) in zip(ring, [*ring[1:], ring[0]], strict=True):
            dx, dy = x1 - x0, y1 - y0
            length = dx * dx + dy * dy
            t = 0.0 if length == 0 else max(0.0, min(1.0, ((x - x0) * dx + (y - y0) * dy) / length))
            best = min(best, math.hypot(x - x0 - t * dx, y - y0 - t * dy))
    return best


def interior_point(rings: Sequence[Sequence[tuple[float, float]]], steps: int = 12) -> tuple[float, float]:
    """A point well inside a polygon (outer ring first, then holes), for its label.

    The point of a grid over the polygon's box, refined once around the best, that lies inside
    and farthest from every edge (an approximate pole of inaccessibility: unlike the centroid, it
    never falls outside a concave shape). Deterministic: ties keep the first point in grid order.
    """
    xs = [x for x, _ in rings[0]]
    ys = [y for _, y in rings[0]]
    x0, y0, x1, y1 = min(xs), min(ys), max(xs), max(ys)
    best, best_d = ((x0 + x1) / 2, (y0 + y1) / 2), -1.0
    for _ in range(2):
        dx, dy = (x1 - x0) / steps, (y1 - y0) / steps
        for i in range(steps + 1):
            for j in range(steps + 1):
                x, y = x0 + (i + 0.5) * dx, y0 + (j + 0.5) * dy
                if not _inside(x, y, rings):
                    continue
                d = _edge_distance(x, y, rings)
                if d > best_d:
                    best, best_d = (x, y), d
        # Refine: a finer grid over two cells around the best point so far.
        x0, x1 = best[0] - dx, best[0] + dx
        y0, y1 = best[1] - dy, best[1] + dy
    return best


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


def _width(text: str, size: float) -> float:
    return len(text) * size * CHAR_EM


def _wrap(text: str, limit: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= limit:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def _legend(
    edges: Sequence[float],
    palette: Sequence[str],
    counts: Sequence[int],
    legend_title: str,
    decimals: int,
    *,
    missing: int,
    counted: str,
    key: Sequence[tuple[int, str, str]],
) -> tuple[str, float, float]:
    """The legend (classes with their counts) and the key of the map's numbers.

    Returns the elements, their width and their height; the width is measured from the texts, so
    the legend is never cut off at the picture's edge.
    """
    parts: list[str] = []
    widths: list[float] = []
    y = 0.0
    for line in _wrap(legend_title, 30):
        parts.append(f'<text x="0" y="{_fmt(y)}" font-weight="bold">{escape(line)}</text>')
        widths.append(_width(line, FONT) * 1.08)  # bold runs wider
        y += FONT + 3
    y -= FONT - 1
    rows: list[tuple[str, str]] = []
    if len(edges) == 1:
        rows.append((palette[0], f"{fi_number(edges[0], decimals)} ({counts[0]})"))
    for i, (lo, hi) in enumerate(class_bounds(edges, decimals)):
        bounds = fi_number(lo, decimals) if lo == hi else f"{fi_number(lo, decimals)}–{fi_number(hi, decimals)}"
        rows.append((palette[i], f"{bounds} ({counts[i]})"))
    # Highest class on top: the reading order matches "more need" first.
    rows.reverse()
    if missing:
        rows.append((MISSING_FILL, f"{MISSING_LABEL} ({missing})"))
    for fill, label in rows:
        parts.append(
            f'<rect x="0" y="{_fmt(y)}" width="18" height="14" fill="{fill}" stroke="#333333" stroke-width="0.5"/>'
            f'<text x="24" y="{_fmt(y + 11)}">{escape(label)}</text>'
        )
        widths.append(24 + _width(label, FONT))
        y += 20
    note = f"Suluissa {counted} määrä."
    parts.append(f'<text x="0" y="{_fmt(y + 6)}" font-size="{_fmt(KEY_FONT)}">{escape(note)}</text>')
    widths.append(_width(note, KEY_FONT))
    y += 12
    if key:
        y += 16
        parts.append(f'<text x="0" y="{_fmt(y)}" font-weight="bold">Numerot kartalla</text>')
        widths.append(_width("Numerot kartalla", FONT) * 1.08)
        y += 4
        name_w = max(_width(name, KEY_FONT) for _, name, _ in key)
        value_w = max(_width(value, KEY_FONT) for _, _, value in key)
        value_x = 20 + name_w + 6 + value_w
        parts.append(f'<g class="key" font-size="{_fmt(KEY_FONT)}">')
        for number, name, value in key:
            y += 12
            parts.append(
                f'<text x="14" y="{_fmt(y)}" text-anchor="end">{number}</text>'
                f'<text x="20" y="{_fmt(y)}">{escape(name)}</text>'
                f'<text x="{_fmt(value_x)}" y="{_fmt(y)}" text-anchor="end">{escape(value)}</text>'
            )
        parts.append("</g>")
        widths.append(value_x)
    return "".join(parts), max(widths), y


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
