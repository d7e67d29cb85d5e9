"""Stage 4 figures: unit-cost components per service and the low–high ranges."""

from __future__ import annotations

from schemas.chains import ProductionMode
from schemas.comparison import (
    OWN_COMPONENTS,
    ComparisonAnalysis,
    ComparisonFigure,
    ComparisonFigures,
)
from soteflow.charts.stacked import range_chart_svg, stacked_bar_chart_svg
from soteflow.numbers import round_half_up
from tasks.comparison.exports import MODE_WORD

#: The label of a mode's combined scenario range in the ranges chart.
SCENARIO_WORD = "skenaariot"

# -- figures ----------------------------------------------------------------------------------------


def figure_key(service_id: str) -> str:
    """The artefact key of a service's cost-component chart (lower case, ``[a-z0-9-]``)."""
    return f"comparison-components-{service_id.lower()}-svg"


def build_comparison_figures(analysis: ComparisonAnalysis) -> ComparisonFigures:
    """Per service the cost components per unit and mode (stacked), and all unit-cost ranges."""
    own_by = {s.service_id: s for s in analysis.own.services}
    bought = analysis.purchased.services
    figures = []
    organiser_label = "Järjestäjän hankinta- ja sopimushallintakulut"
    price_label = "Sopimushinta tai setelin arvo"
    client_label = "Asiakkaan omavastuuosuus (palveluseteli)"
    for item in analysis.matrix.services:
        modes = [o.mode for o in item.options]
        series: dict[str, list[float | int | None]] = {label: [] for label in OWN_COMPONENTS.values()}
        series[price_label] = []
        series[organiser_label] = []
        series[client_label] = []
        totals: list[float] = []
        for mode in modes:
            own = own_by.get(item.service_id) if mode is ProductionMode.OWN else None
            ext = next((s for s in bought if s.service_id == item.service_id and s.mode is mode), None)
            for code, label in OWN_COMPONENTS.items():
                series[label].append(next(c.per_unit for c in own.components if c.code == code) if own else None)
            per_unit = {c.code: c.per_unit for c in ext.components} if ext else {}
            series[price_label].append(per_unit.get("price"))
            series[organiser_label].append(
                round_half_up(sum(per_unit[k] for k in ("procurement", "contract_management")), 2) if ext else None
            )
            series[client_label].append(per_unit.get("client_share"))
            totals.append(own.unit_cost if own else ext.unit_cost if ext else 0.0)
        title = f"{item.name}: yksikkökustannuksen erät tuotantotavoittain, €/{item.unit}"
        figures.append(
            ComparisonFigure(
                key=figure_key(item.service_id),
                service_id=item.service_id,
                title=title,
                svg=stacked_bar_chart_svg(
                    [MODE_WORD[m].capitalize() for m in modes],
                    series,
                    title=title,
                    unit=f"€/{item.unit}",
                    totals=totals,
                ),
            )
        )
    names = [i.name for i in analysis.matrix.services]
    # Each mode's measured range (what recommendation rule 2 reads) and, on its own labelled row below
    # it, the combined scenario range (price at the next tender, volume): the rows' names tell them
    # apart in greyscale. Stored versions from before the scenarios have no second row.
    scenarios = any(o.scenario_range is not None for i in analysis.matrix.services for o in i.options)
    ranges: dict[str, list[tuple[float, float, float] | None]] = {}
    for word in MODE_WORD.values():
        ranges[word.capitalize()] = []
        if scenarios:
            ranges[f"{word.capitalize()}: {SCENARIO_WORD}"] = []
    for item in analysis.matrix.services:
        own_option = next((o for o in item.options if o.mode is ProductionMode.OWN), None)
        base = own_option.unit_cost if own_option else item.options[0].unit_cost

        def index(value: float, base: float = base) -> float:
            return round_half_up(100 * value / base, 1)

        for mode, word in MODE_WORD.items():
            option = next((o for o in item.options if o.mode is mode), None)
            ranges[word.capitalize()].append(
                (index(option.unit_cost_low), index(option.unit_cost), index(option.unit_cost_high)) if option else None
            )
            if scenarios:
                wide = option.scenario_range if option else None
                ranges[f"{word.capitalize()}: {SCENARIO_WORD}"].append(
                    (
                        index(min(wide.low, option.unit_cost_low, option.unit_cost)),
                        index(option.unit_cost),
                        index(max(wide.high, option.unit_cost_high, option.unit_cost)),
                    )
                    if option and wide
                    else None
                )
    title = "Yksikkökustannusten vaihteluvälit suhteessa oman tuotannon yksikkökustannukseen (oma = 100)"
    return ComparisonFigures(
        components=figures,
        ranges=ComparisonFigure(
            key="comparison-ranges-svg",
            service_id=None,
            title=title,
            svg=range_chart_svg(
                names,
                ranges,
                title=title,
                unit="indeksi, oma tuotanto = 100",
                reference_line=100.0,
                reference_label="oma = 100",
            ),
        ),
    )
