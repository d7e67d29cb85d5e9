"""Stage 1 figures: the need-index map, the index by municipality and the age structure, as SVG."""

from __future__ import annotations

from schemas.needs import NeedIndexRow, NeedsAssessment, NeedsFigures
from soteflow.charts.bars import bar_chart_svg
from soteflow.charts.choropleth import choropleth_svg
from soteflow.data.regions import municipality_polygons
from soteflow.errors import InputError
from tasks.context import RoundContext
from tasks.needs.inputs import MAP_FILE


def marked_name(row: NeedIndexRow) -> str:
    """The municipality's name, with ``*`` when its population is below the rules' limit (uncertain)."""
    return f"{row.name}*" if row.uncertain else row.name


def needs_map_svg(assessment: NeedsAssessment, ctx: RoundContext) -> str:
    """Choropleth SVG of the need index of the region's municipalities (zoomed to the region); the
    uncertain small municipalities carry ``*`` in the map's key (explained in the figure's caption)."""
    path = ctx.data_dir / MAP_FILE
    if not path.is_file():
        raise InputError("municipality map not found", file=path)
    polygons = municipality_polygons(path)
    values: dict[str, float | None] = {r.area_code.removeprefix("KU"): r.index for r in assessment.need_index.rows}
    names = {r.area_code.removeprefix("KU"): marked_name(r) for r in assessment.need_index.rows}
    return choropleth_svg(
        polygons,
        values,
        title=f"Tarveindeksi kunnittain – {assessment.region_name}",
        legend_title="Tarveindeksi (koko maa = 100)",
        highlight_region=sorted(values),
        names=names,
        counted="kuntien",
    )


def build_needs_figures(ctx: RoundContext, inputs: object, analysis: NeedsAssessment) -> NeedsFigures:
    """The document's figures: the need-index map, the index by municipality, the age structure."""
    rows = analysis.need_index.rows
    index_chart = bar_chart_svg(
        [marked_name(r) for r in rows],
        {"Tarveindeksi": [r.index for r in rows]},
        title=f"Tarveindeksi kunnittain, {analysis.region_name}",
        unit="indeksi",
        horizontal=True,
        reference_line=100.0,
        reference_label="koko maa = 100",
        decimals=1,
    )
    profiles = analysis.profiles
    areas = [*profiles.municipalities, profiles.region, profiles.country]
    age_chart = bar_chart_svg(
        [a.name for a in areas],
        {
            "Alle 15-vuotiaat": [a.share_under_15 for a in areas],
            "65 vuotta täyttäneet": [a.share_65_plus for a in areas],
        },
        title="Alle 15-vuotiaiden ja 65 vuotta täyttäneiden osuus väestöstä",
        unit="%",
        horizontal=True,
        decimals=1,
    )
    return NeedsFigures(map_svg=needs_map_svg(analysis, ctx), index_chart_svg=index_chart, age_chart_svg=age_chart)
