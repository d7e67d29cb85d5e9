"""Stage 5a figures: the procurements' timelines and the share small producers can bid for."""

from __future__ import annotations

import datetime as dt

from schemas.procurement import MilestoneCode, ProcurementAnalysis, ProcurementFigures
from soteflow.charts.bars import bar_chart_svg
from soteflow.charts.timeline import Phase, TimelineRow, timeline_chart_svg
from soteflow.numbers import round_half_up

#: The timeline's phases: each runs from its milestone to the day before the next one.
PHASES = (
    (MilestoneCode.DIALOGUE, "Markkinavuoropuhelu"),
    (MilestoneCode.PREPARATION, "Hankinta-asiakirjojen valmistelu"),
    (MilestoneCode.NOTICE, "Tarjousaika"),
    (MilestoneCode.TENDER_DEADLINE, "Vertailu ja hankintapäätös"),
    (MilestoneCode.AWARD, "Odotusaika"),
    (MilestoneCode.STANDSTILL_END, "Sopimus ja siirtymä"),
)


def build_procurement_figures(analysis: ProcurementAnalysis) -> ProcurementFigures:
    """The timeline of every procurement (worked back from its start) and, per procurement, the
    share of its value small producers can bid for beside their share of today's contracts."""
    plan = analysis.plan
    if not plan.procurements:
        return ProcurementFigures(timeline_svg="", access_svg="")
    rows = []
    for p in plan.procurements:
        days = {m.code: m.date for m in p.timeline}
        order = [m.code for m in p.timeline]
        phases = []
        for code, name in PHASES:
            if code not in days:
                continue
            following = order[order.index(code) + 1]
            phases.append(Phase(name, days[code], days[following] - dt.timedelta(days=1)))
        rows.append(TimelineRow(f"{p.procurement_id} {p.service_name}", phases, marker=p.contract_start))
    timeline = timeline_chart_svg(
        rows,
        title=f"Hankintojen aikataulu {plan.cycle}: vaiheet uusien sopimusten alkuun",
        marker_label="Uudet sopimukset alkavat",
    )
    labels = [f"{p.procurement_id} {p.service_name}" for p in plan.procurements]
    access = bar_chart_svg(
        labels,
        {
            "Nykyiset sopimukset: pk-tuottajien ja järjestöjen osuus arvosta": [
                round_half_up(100 * p.current_small_share, 1) for p in plan.procurements
            ],
            "Uudet osat: pk-tuottajien ja järjestöjen tarjottavissa oleva osuus": [
                round_half_up(100 * p.access_share, 1) for p in plan.procurements
            ],
        },
        title="Pienten ja keskisuurten tuottajien ja järjestöjen mahdollisuudet hankinnoittain",
        unit="% hankinnan arvosta",
        horizontal=True,
        decimals=1,
    )
    return ProcurementFigures(timeline_svg=timeline, access_svg=access)
