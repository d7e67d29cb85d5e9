"""Stage 2 figures: the forecast per scenario, the result, the accumulated balance and the frame's allocation."""

from __future__ import annotations

from schemas.targets import ScenarioChart, TargetsAssessment, TargetsFigures
from soteflow.charts.bars import bar_chart_svg, line_chart_svg
from soteflow.numbers import round_half_up
from tasks.context import RoundContext


def millions(value: float) -> float:
    """Euros as millions, rounded to 0.1 M€ for charts."""
    return round_half_up(value / 1_000_000, 1)


def build_targets_figures(assessment: TargetsAssessment) -> TargetsFigures:
    """The forecast charts (costs and funding, result, accumulated balance per scenario) and the allocation."""
    forecast, frame = assessment.forecast, assessment.frame
    base = forecast.actual[-1]
    years = [str(base.year), *[str(y.year) for y in forecast.scenarios[0].years]]
    base_costs = base.operating_costs_eur + base.other_items_eur
    base_funding = base.state_funding_eur + base.operating_income_eur
    # Change from the base year: a zero-based axis of absolute levels (3–4 bn €) would hide the
    # gap of some tens of millions that the council has to see.
    scenario_svgs = [
        ScenarioChart(
            key=s.key,
            name=s.name,
            svg=line_chart_svg(
                years,
                {
                    "Kulut": [
                        0.0,
                        *[millions(y.operating_costs_eur + y.other_items_eur - base_costs) for y in s.years],
                    ],
                    "Rahoitus": [0.0, *[millions(y.funding_eur - base_funding) for y in s.years]],
                },
                title=f"{s.name}: kulujen ja rahoituksen muutos vuodesta {base.year}",
                unit=f"milj. €, muutos vuodesta {base.year}",
                decimals=1,
            ),
        )
        for s in forecast.scenarios
    ]
    result_svg = bar_chart_svg(
        years[1:],
        {s.name: [millions(y.result_eur) for y in s.years] for s in forecast.scenarios},
        title="Tilikauden tulos skenaarioittain (rahoitus − kulut)",
        unit="milj. €",
        decimals=1,
    )
    balance_svg = line_chart_svg(
        years,
        {
            s.name: [millions(forecast.opening_accumulated_eur), *[millions(y.accumulated_eur) for y in s.years]]
            for s in forecast.scenarios
        },
        title="Taseen kertynyt yli-/alijäämä skenaarioittain",
        unit="milj. €",
        decimals=1,
    )
    labels = [g.client_group.label_fi for g in frame.groups] + [r.row.label_fi for r in frame.own_rows]
    allocation_svg = bar_chart_svg(
        labels,
        {
            f"Kulut {forecast.base_year}": [millions(g.current_spend_eur) for g in frame.groups]
            + [millions(r.current_spend_eur) for r in frame.own_rows],
            f"Kehys {frame.frame_year}": [millions(g.allocated_eur) for g in frame.groups]
            + [millions(r.allocated_eur) for r in frame.own_rows],
        },
        title=f"Toimintakulujen kehys {frame.frame_year} ja kulut {forecast.base_year}",
        unit="milj. €",
        horizontal=True,
        decimals=1,
    )
    return TargetsFigures(
        scenario_svgs=scenario_svgs, result_svg=result_svg, balance_svg=balance_svg, allocation_svg=allocation_svg
    )


def targets_figures(ctx: RoundContext, inputs: object, analysis: TargetsAssessment) -> TargetsFigures:
    """The round's figures (the figures step of the stage)."""
    return build_targets_figures(analysis)
