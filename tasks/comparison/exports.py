"""Stage 4 exports: the comparison as CSV and .xlsx, every figure with its source rows (lähde)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from schemas.chains import ProductionMode
from schemas.comparison import ComparisonAnalysis, SensitivityFactor, ServiceComparison
from soteflow.data.exports import Sheet, csv_bytes, is_formula_like, neutralise, xlsx_bytes
from tasks.comparison.analysis import compact_sources

__all__ = ["EXPORT_COLUMNS", "MODE_WORD", "export_csv", "export_rows", "export_xlsx", "is_formula_like", "neutralise"]

#: How a production mode is named in the exports' rows and the document's tables.
MODE_WORD = {
    ProductionMode.OWN: "oma tuotanto",
    ProductionMode.PURCHASED: "ostopalvelu",
    ProductionMode.VOUCHER: "palveluseteli",
}


EXPORT_COLUMNS = ("palvelu_id", "palvelu", "tuotantotapa", "tieto", "arvo", "yksikkö", "lähde")


def export_rows(analysis: ComparisonAnalysis) -> list[dict[str, Any]]:
    """Every figure of the comparison as a row with its source reference (the ``lähde`` column)."""
    rows: list[dict[str, Any]] = []

    def add(service: str, name: str, mode: str, what: str, value: Any, unit: str, sources: list[str]) -> None:
        rows.append(
            {
                "palvelu_id": service,
                "palvelu": name,
                "tuotantotapa": mode,
                "tieto": what,
                "arvo": value,
                "yksikkö": unit,
                "lähde": compact_sources(sources),
            }
        )

    for own in analysis.own.services:
        mode = MODE_WORD[ProductionMode.OWN]
        row_sources = own.cost_rows
        add(own.service_id, own.name, mode, "suoritteet", own.volume, own.unit, row_sources)
        for component in own.components:
            add(own.service_id, own.name, mode, component.label, component.amount, "€/v", component.sources)
            add(own.service_id, own.name, mode, component.label, component.per_unit, f"€/{own.unit}", component.sources)
        add(own.service_id, own.name, mode, "täyskustannus (brutto)", own.full_cost, "€/v", own.sources)
        add(own.service_id, own.name, mode, "asiakasmaksut", own.fees, "€/v", row_sources)
        add(own.service_id, own.name, mode, "yksikkökustannus (brutto)", own.unit_cost, f"€/{own.unit}", own.sources)
        add(own.service_id, own.name, mode, "yksikkökustannus (netto)", own.unit_cost_net, f"€/{own.unit}", own.sources)
        if own.unit_cost_avoidable is not None:
            add(
                own.service_id,
                own.name,
                mode,
                "vältettävissä oleva kustannus (brutto), jos palvelu ulkoistetaan",
                own.unit_cost_avoidable,
                f"€/{own.unit}",
                own.sources,
            )
        add(
            own.service_id, own.name, mode, "yksikkökustannus, alaraja", own.unit_cost_low, f"€/{own.unit}", own.sources
        )
        add(
            own.service_id,
            own.name,
            mode,
            "yksikkökustannus, yläraja",
            own.unit_cost_high,
            f"€/{own.unit}",
            own.sources,
        )
    for ext in analysis.purchased.services:
        mode = MODE_WORD[ext.mode]
        add(ext.service_id, ext.name, mode, "suoritteet", ext.volume, ext.unit, ext.sources)
        for component in ext.components:
            add(ext.service_id, ext.name, mode, component.label, component.amount, "€/v", component.sources)
            add(ext.service_id, ext.name, mode, component.label, component.per_unit, f"€/{ext.unit}", component.sources)
        if ext.monitoring is not None:
            m = ext.monitoring
            add(ext.service_id, ext.name, mode, m.label, m.amount, "€/v", m.sources)
            add(ext.service_id, ext.name, mode, m.label, m.per_unit, f"€/{ext.unit}", m.sources)
        add(ext.service_id, ext.name, mode, "vertailukelpoinen kustannus (brutto)", ext.total_cost, "€/v", ext.sources)
        fees = "asiakkaan omavastuuosuudet" if ext.mode is ProductionMode.VOUCHER else "asiakasmaksut"
        add(ext.service_id, ext.name, mode, fees, ext.fees, "€/v", ext.sources)
        for what, value in (
            ("yksikkökustannus (brutto)", ext.unit_cost),
            ("yksikkökustannus (netto)", ext.unit_cost_net),
            ("yksikkökustannus, alaraja", ext.unit_cost_low),
            ("yksikkökustannus, yläraja", ext.unit_cost_high),
        ):
            add(ext.service_id, ext.name, mode, what, value, f"€/{ext.unit}", ext.sources)
    for item in analysis.matrix.services:
        for option in item.options:
            mode = MODE_WORD[option.mode]
            for score in option.scores:
                add(item.service_id, item.name, mode, f"pisteet: {score.label}", score.score, "1–5", score.sources)
            add(
                item.service_id,
                item.name,
                mode,
                "painotettu kokonaispistemäärä",
                option.total,
                "1–5",
                [s for sc in option.scores for s in sc.sources],
            )
            if option.annual_effect is not None:
                add(
                    item.service_id,
                    item.name,
                    mode,
                    "vuosivaikutus, jos koko määrä tuotettaisiin näin",
                    option.annual_effect,
                    "€/v",
                    option.scores[0].sources,
                )
        for diff in item.differences:
            add(
                item.service_id,
                item.name,
                MODE_WORD[diff.mode],
                "ero omaan tuotantoon",
                diff.difference,
                f"€/{item.unit}",
                [s for o in item.options for sc in o.scores[:1] for s in sc.sources],
            )
        add(
            item.service_id,
            item.name,
            "suositus",
            "suositeltu tuotantotapa",
            item.recommendation.label_fi,
            "",
            [s for o in item.options for sc in o.scores for s in sc.sources],
        )
        if item.recommended_effect is not None:
            add(
                item.service_id,
                item.name,
                "suositus",
                "suosituksen vuosivaikutus",
                item.recommended_effect,
                "€/v",
                [s for o in item.options for s in o.scores[0].sources],
            )
        rule = analysis.matrix.sensitivity_rule
        for mode, what, figure, unit in sensitivity_rows(item):
            add(item.service_id, item.name, mode, f"herkkyys: {what}", figure, unit, [rule.source] if rule else [])
    for impact in analysis.personnel.services:
        for occupation in impact.occupations:
            add(
                impact.service_id,
                impact.name,
                MODE_WORD[ProductionMode.OWN],
                f"henkilöstö: {occupation.occupation} ({occupation.employment.label_fi})",
                occupation.fte,
                "htv",
                [occupation.source],
            )
        add(
            impact.service_id,
            impact.name,
            "suositus",
            "muutoksen kohteena",
            impact.affected_fte,
            "htv",
            [o.source for o in impact.occupations],
        )
        if impact.additional_fte_estimate is not None:
            add(
                impact.service_id,
                impact.name,
                "suositus",
                "arvioitu lisähenkilöstötarve",
                impact.additional_fte_estimate,
                "htv",
                [o.source for o in impact.occupations],
            )
    for line in analysis.own.reconciliation:
        add("", "", "täsmäytys", f"{line.label}: tuloslaskelma", line.income_statement, "€", line.sources[:1])
        add("", "", "täsmäytys", f"{line.label}: kustannusrivit", line.cost_rows, "€", line.sources[1:])
        add("", "", "täsmäytys", f"{line.label}: kohdistettu yhteensä", line.allocated_total, "€", line.sources)
    return rows


def sensitivity_rows(item: ServiceComparison) -> list[tuple[str, str, object, str]]:
    """A service's sensitivity as export rows (mode or "suositus", what, value, unit): each factor's
    considered range, the unit costs at its ends, whether the recommendation holds, where it would
    turn and the break-even point."""
    if item.sensitivity is None:
        return []
    rows: list[tuple[str, str, object, str]] = []
    for factor in item.sensitivity.factors:
        what = factor.label.lower()
        unit = "laatupistettä" if factor.factor is SensitivityFactor.QUALITY else "%"
        rows.append(("suositus", f"{what}: tarkasteltu vaihteluväli", factor.considered, ""))
        for effect in factor.effects:
            word, money = MODE_WORD[effect.mode], f"€/{item.unit}"
            rows.append((word, f"{what}: yksikkökustannus, alaraja", effect.low, money))
            rows.append((word, f"{what}: yksikkökustannus, yläraja", effect.high, money))
        rows.append(("suositus", f"{what}: suositus pysyy", "kyllä" if factor.holds else "ei", ""))
        if factor.switch is not None:
            of = f" ({MODE_WORD[factor.switch_mode]})" if factor.switch_mode is not None else ""
            rows.append(("suositus", f"{what}: suositus muuttuisi muutoksella{of}", factor.switch, unit))
        if factor.break_even is not None:
            rows.append(("suositus", f"{what}: tasapiste", factor.break_even, unit))
    return rows


def export_csv(analysis: ComparisonAnalysis) -> bytes:
    """The comparison as CSV for publication: ``;``, decimal comma, UTF-8 with BOM (opens in Excel)."""
    return csv_bytes(EXPORT_COLUMNS, export_rows(analysis))


def export_xlsx(analysis: ComparisonAnalysis, created: dt.datetime) -> bytes:
    """The comparison as an .xlsx workbook (sheet ``Vertailu``) with deterministic bytes."""
    sheet = Sheet("Vertailu", EXPORT_COLUMNS, export_rows(analysis), widths=(18, 34, 16, 48, 14, 16, 70))
    return xlsx_bytes(
        [sheet], creator=analysis.region_name, title=f"Tuotantotapojen vertailu {analysis.cycle}", created=created
    )
