"""The risk heat map (riskikartta): probability 1–5 × impact 1–5, each cell shaded by its band.

Like every chart here: an inline ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` that
lists the risks in words, deterministic (same input → same bytes), readable in greyscale (bands
differ by grey tone *and* by pattern, and each cell prints its index and its risks' ids).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from xml.sax.saxutils import escape, quoteattr

from soteflow.charts.bars import FONT, FONT_FAMILY, SMALL, WIDTH, _chart_id, _f

#: Band → (fill, pattern): dark for the high band, hatched mid-grey for the medium band, white
#: for the low one, so the bands survive black-and-white printing.
BAND_STYLES: Mapping[str, tuple[str, str]] = {
    "suuri": ("#5a5a5a", "solid"),
    "keskisuuri": ("#c8c8c8", "hatch"),
    "pieni": ("#ffffff", "solid"),
}


def risk_heatmap_svg(
    risks: Sequence[tuple[str, int, int]],
    band_of: Mapping[int, str],
    *,
    title: str,
    band_labels: Mapping[str, str],
) -> str:
    """A 5 × 5 heat map of ``risks`` given as (id, probability, impact).

    ``band_of`` maps every index 1–25 to its band key (``suuri``, ``keskisuuri``, ``pieni``);
    ``band_labels`` gives each band's legend text (e.g. ``"suuri (15–25)"``).
    """
    for risk_id, probability, impact in risks:
        if not (1 <= probability <= 5 and 1 <= impact <= 5):
            raise ValueError(f"risk {risk_id}: probability and impact must be 1–5")
    chart_id = _chart_id(
        "heatmap", [list(map(list, risks)), {str(k): v for k, v in band_of.items()}, title, dict(band_labels)]
    )
    cell, left, top = 72.0, 96.0, 12.0
    grid = 5 * cell
    height = top + grid + 52 + 30
    cells: dict[tuple[int, int], list[str]] = {}
    for risk_id, probability, impact in risks:
        cells.setdefault((probability, impact), []).append(risk_id)
    desc = "; ".join(f"{r}: todennäköisyys {p}, vaikutus {i}, indeksi {p * i} ({band_of[p * i]})" for r, p, i in risks)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_f(WIDTH)} {_f(height)}" '
        f'width="{_f(WIDTH)}" height="{_f(height)}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'font-family={quoteattr(FONT_FAMILY)} font-size="{_f(FONT)}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc or "Ei riskejä.")}</desc>',
        "<defs>",
        f'<pattern id="{chart_id}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)">',
        '<rect width="6" height="6" fill="#e4e4e4"/><line x1="0" y1="0" x2="0" y2="6" stroke="#8a8a8a" stroke-width="2"/>',
        "</pattern>",
        "</defs>",
    ]

    def fill(band: str) -> str:
        colour, pattern = BAND_STYLES[band]
        return f"url(#{chart_id}-hatch)" if pattern == "hatch" else colour

    for probability in range(1, 6):
        for impact in range(1, 6):
            x = left + (impact - 1) * cell
            y = top + (5 - probability) * cell
            index = probability * impact
            band = band_of[index]
            dark = BAND_STYLES[band][0] == "#5a5a5a"
            ink = "#ffffff" if dark else "#000000"
            parts.append(
                f'<rect x="{_f(x)}" y="{_f(y)}" width="{_f(cell)}" height="{_f(cell)}" fill="{fill(band)}" '
                'stroke="#000" stroke-width="0.8"/>'
            )
            parts.append(
                f'<text x="{_f(x + 5)}" y="{_f(y + SMALL + 3)}" font-size="{_f(SMALL)}" fill="{ink}">{index}</text>'
            )
            for line, risk_id in enumerate(cells.get((probability, impact), [])[:3]):
                # A long id is set smaller so it stays inside its cell (bold DejaVu ≈ 0,7 em a character).
                size = min(FONT, (cell - 8) / (max(len(risk_id), 1) * 0.7))
                parts.append(
                    f'<text x="{_f(x + cell / 2)}" y="{_f(y + 28 + line * (FONT + 3))}" text-anchor="middle" '
                    f'font-weight="bold" font-size="{_f(size)}" fill="{ink}">{escape(risk_id)}</text>'
                )
            extra = len(cells.get((probability, impact), [])) - 3
            if extra > 0:
                parts.append(
                    f'<text x="{_f(x + cell / 2)}" y="{_f(y + cell - 4)}" text-anchor="middle" '
                    f'font-size="{_f(SMALL)}" fill="{ink}">+{extra}</text>'
                )
    for n in range(1, 6):
        parts.append(
            f'<text x="{_f(left - 8)}" y="{_f(top + (5 - n) * cell + cell / 2 + 4)}" text-anchor="end">{n}</text>'
        )
        parts.append(
            f'<text x="{_f(left + (n - 1) * cell + cell / 2)}" y="{_f(top + grid + 16)}" text-anchor="middle">{n}</text>'
        )
    parts.append(
        f'<text x="{_f(left + grid / 2)}" y="{_f(top + grid + 34)}" text-anchor="middle">Vaikutus (1–5)</text>'
    )
    parts.append(
        f'<text x="14" y="{_f(top + grid / 2)}" text-anchor="middle" '
        f'transform="rotate(-90 14 {_f(top + grid / 2)})">Todennäköisyys (1–5)</text>'
    )
    x, y = left, top + grid + 50
    for band in ("suuri", "keskisuuri", "pieni"):
        label = band_labels.get(band, band)
        parts.append(
            f'<rect x="{_f(x)}" y="{_f(y)}" width="16" height="{_f(SMALL)}" fill="{fill(band)}" '
            'stroke="#000" stroke-width="0.8"/>'
        )
        parts.append(f'<text x="{_f(x + 22)}" y="{_f(y + SMALL - 1)}" font-size="{_f(SMALL)}">{escape(label)}</text>')
        x += 22 + len(label) * SMALL * 0.62 + 20
    parts.append("</svg>")
    return "\n".join(parts)
