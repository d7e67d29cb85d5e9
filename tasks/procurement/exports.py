"""Stage 5a exports: the procurement plan as CSV and .xlsx (procurements with their timelines,
lots, compensation models, bid comparisons), and an award comparison as CSV."""

from __future__ import annotations

import datetime as dt
from typing import Any

from schemas.procurement import AwardComparison, MilestoneCode, ProcurementAnalysis
from soteflow.data.exports import Sheet, csv_bytes, xlsx_bytes

PLAN_COLUMNS = (
    "hankinta_id",
    "palvelu_id",
    "palvelu",
    "kohde",
    "hankintaluokka",
    "vastuu",
    "vastuuyksikkö",
    "hankittava volyymi/v",
    "yksikkö",
    "hinta-arvio €",
    "arvo €/v",
    "sopimuskausi v",
    "optiot v",
    "ennakoitu arvo €",
    "kynnysarvoluokka",
    "kansallinen kynnysarvo €",
    "EU-kynnysarvo €",
    "kynnysarvo ennakoitu",
    "menettely",
    "osat",
    "pk-osuus nykyisin %",
    "pk-tarjottavissa %",
    *(code.label_fi for code in MilestoneCode),
)
LOT_COLUMNS = ("hankinta_id", "osa", "nimi", "osuus %", "volyymi/v", "arvo €/v", "mahtuu pk-tuottajalle")
COMPENSATION_COLUMNS = (
    "hankinta_id",
    "palvelu",
    "korvausmalli",
    "kaava",
    "volyymi/v",
    "perushinta €",
    "vuosikustannus €",
    "enimmäiskustannus €",
    "oma tuotanto €",
    "ero omaan €",
)
BID_COLUMNS = (
    "hankinta_id",
    "osa",
    "sija",
    "tarjoaja",
    "kokoluokka",
    "järjestö",
    "hinta €",
    "hintapisteet",
    "laatupisteet",
    "kokonaispisteet",
    "valittu",
    "tarjousrivi",
)


def plan_rows(analysis: ProcurementAnalysis) -> list[dict[str, Any]]:
    """One row per procurement of the plan, its milestones as date columns."""
    rows = []
    for p in analysis.plan.procurements:
        days = {m.code: m.date for m in p.timeline}
        rows.append(
            {
                "hankinta_id": p.procurement_id,
                "palvelu_id": p.service_id,
                "palvelu": p.service_name,
                "kohde": p.description,
                "hankintaluokka": p.category_id,
                "vastuu": p.responsibility.label_fi,
                "vastuuyksikkö": p.responsible_unit,
                "hankittava volyymi/v": p.annual_volume,
                "yksikkö": p.unit,
                "hinta-arvio €": p.unit_price,
                "arvo €/v": p.annual_value,
                "sopimuskausi v": p.contract_years,
                "optiot v": p.option_years,
                "ennakoitu arvo €": p.estimated_value,
                "kynnysarvoluokka": p.threshold_class.label_fi,
                "kansallinen kynnysarvo €": p.national_threshold,
                "EU-kynnysarvo €": p.eu_threshold,
                "kynnysarvo ennakoitu": "kyllä" if p.threshold_provisional else "ei",
                "menettely": p.procedure.label_fi,
                "osat": len(p.lots),
                "pk-osuus nykyisin %": round(100 * p.current_small_share, 2),
                "pk-tarjottavissa %": round(100 * p.access_share, 2),
                **{code.label_fi: days[code].isoformat() if code in days else None for code in MilestoneCode},
            }
        )
    return rows


def lot_rows(analysis: ProcurementAnalysis) -> list[dict[str, Any]]:
    """One row per lot."""
    return [
        {
            "hankinta_id": p.procurement_id,
            "osa": lot.lot_id,
            "nimi": lot.name,
            "osuus %": round(100 * lot.share, 4),
            "volyymi/v": lot.annual_volume,
            "arvo €/v": lot.annual_value,
            "mahtuu pk-tuottajalle": "kyllä" if lot.fits_small_producers else "ei",
        }
        for p in analysis.plan.procurements
        for lot in p.lots
    ]


def compensation_rows(analysis: ProcurementAnalysis) -> list[dict[str, Any]]:
    """One row per compensation model."""
    return [
        {
            "hankinta_id": c.procurement_id,
            "palvelu": c.service_name,
            "korvausmalli": c.kind.label_fi,
            "kaava": c.formula,
            "volyymi/v": c.annual_volume,
            "perushinta €": c.base_price,
            "vuosikustannus €": c.annual_cost,
            "enimmäiskustannus €": c.max_annual_cost,
            "oma tuotanto €": c.own_full_cost,
            "ero omaan €": c.difference,
        }
        for c in analysis.compensation
    ]


def bid_rows(award: AwardComparison) -> list[dict[str, Any]]:
    """One row per bid of an award comparison, lot by lot in rank order."""
    return [
        {
            "hankinta_id": award.procurement_id,
            "osa": lot.lot_id,
            "sija": bid.rank,
            "tarjoaja": bid.bidder,
            "kokoluokka": bid.size.label_fi,
            "järjestö": "kyllä" if bid.ngo else "ei",
            "hinta €": bid.price,
            "hintapisteet": bid.price_points,
            "laatupisteet": round(sum(bid.quality_points.values()), 2),
            "kokonaispisteet": bid.total,
            "valittu": "kyllä" if bid.rank == 1 else "ei",
            "tarjousrivi": bid.source_row,
        }
        for lot in award.lots
        for bid in lot.bids
    ]


def export_plan_csv(analysis: ProcurementAnalysis) -> bytes:
    """The procurement plan as CSV (one row per procurement)."""
    return csv_bytes(PLAN_COLUMNS, plan_rows(analysis))


def export_award_csv(award: AwardComparison) -> bytes:
    """An award comparison as CSV (one row per bid)."""
    return csv_bytes(BID_COLUMNS, bid_rows(award))


def export_plan_xlsx(analysis: ProcurementAnalysis, created: dt.datetime) -> bytes:
    """The plan as a workbook: procurements, lots, compensation models and the bid comparisons."""
    sheets = [
        Sheet("Hankinnat", PLAN_COLUMNS, plan_rows(analysis), widths=(12, 18, 30, 40, 16, 10, 22)),
        Sheet("Osat", LOT_COLUMNS, lot_rows(analysis), widths=(12, 6, 30, 10, 14, 14, 12)),
        Sheet("Korvausmallit", COMPENSATION_COLUMNS, compensation_rows(analysis), widths=(12, 30, 16, 90)),
        Sheet(
            "Tarjousvertailut",
            BID_COLUMNS,
            [row for award in analysis.awards for row in bid_rows(award)],
            widths=(12, 6, 6, 36, 12, 10, 10, 12, 12, 14, 8, 10),
        ),
    ]
    return xlsx_bytes(
        sheets, creator=analysis.region_name, title=f"Hankintasuunnitelma {analysis.cycle}", created=created
    )
