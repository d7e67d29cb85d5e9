"""Stage 7 figures: the risk heat map and the targets' attainment."""

from __future__ import annotations

from typing import Any

from schemas.evaluation import EvaluationAnalysis, EvaluationFigures
from soteflow.charts.bars import bar_chart_svg
from soteflow.charts.heatmap import risk_heatmap_svg
from tasks.context import RoundContext

#: Attainment is drawn between these limits: a target far beyond its goal or far worse than its
#: baseline would flatten every other bar (the table prints the exact figure).
CLIP = (-100.0, 150.0)


def band_labels(analysis: EvaluationAnalysis) -> dict[str, str]:
    """Each band's legend text with its index range, e.g. ``suuri (15–25)``."""
    bands = sorted(analysis.bands, key=lambda b: b.min_index)
    out: dict[str, str] = {}
    for i, band in enumerate(bands):
        upper = bands[i + 1].min_index - 1 if i + 1 < len(bands) else 25
        out[band.key] = f"{band.key} ({band.min_index}–{upper})"
    return out


def evaluation_figures(ctx: RoundContext, inputs: Any, analysis: EvaluationAnalysis) -> EvaluationFigures:
    """The heat map of the updated register and the attainment of each target with data."""
    by_index = {}
    for index in range(1, 26):
        by_index[index] = max((b for b in analysis.bands if index >= b.min_index), key=lambda b: b.min_index).key
    heatmap = risk_heatmap_svg(
        [(r.risk_id, r.probability, r.impact) for r in analysis.risks],
        by_index,
        title=f"Riskikartta {analysis.cycle}: todennäköisyys × vaikutus",
        band_labels=band_labels(analysis),
    )
    measured = [a for a in analysis.attainment if a.attainment_pct is not None]
    attainment = bar_chart_svg(
        [a.target_id for a in measured],
        {"Toteutuma": [min(max(a.attainment_pct or 0.0, CLIP[0]), CLIP[1]) for a in measured]},
        title="Tavoitteiden toteutuma: osuus matkasta lähtötasosta tavoitteeseen",
        unit="% (100 = tavoite saavutettu)",
        horizontal=True,
        reference_line=100.0,
        reference_label="tavoite",
        decimals=0,
    )
    return EvaluationFigures(heatmap_svg=heatmap, attainment_svg=attainment)
