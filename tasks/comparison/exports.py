"""Stage 4 exports: the comparison as CSV and .xlsx, every figure with its source rows (lähde)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from typing import Any

from schemas.chains import ProductionMode
from schemas.comparison import (
    ComparisonAnalysis,
)
from tasks.comparison.analysis import compact_sources

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
        add(ext.service_id, ext.name, mode, "vertailukelpoinen kustannus (brutto)", ext.total_cost, "€/v", ext.sources)
        add(ext.service_id, ext.name, mode, "asiakasmaksut", ext.fees, "€/v", ext.sources)
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
    for line in analysis.own.reconciliation:
        add("", "", "täsmäytys", f"{line.label}: tuloslaskelma", line.income_statement, "€", line.sources[:1])
        add("", "", "täsmäytys", f"{line.label}: kustannusrivit", line.cost_rows, "€", line.sources[1:])
        add("", "", "täsmäytys", f"{line.label}: kohdistettu yhteensä", line.allocated_total, "€", line.sources)
    return rows


def _csv_number(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return (f"{value:.4f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)).replace(".", ",")


def export_csv(analysis: ComparisonAnalysis) -> bytes:
    """The comparison as CSV for publication: ``;``, decimal comma, UTF-8 with BOM (opens in Excel)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for row in export_rows(analysis):
        writer.writerow([_csv_number(row[c]) for c in EXPORT_COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def export_xlsx(analysis: ComparisonAnalysis, created: dt.datetime) -> bytes:
    """The comparison as an .xlsx workbook (sheet ``Vertailu``) with deterministic bytes.

    openpyxl stamps the save time into ``docProps/core.xml`` and every zip entry; both are replaced
    by ``created`` (from the data), so the same analysis always gives the same file and the store's
    idempotence holds.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Vertailu"
    sheet.append(list(EXPORT_COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in export_rows(analysis):
        sheet.append([row[c] for c in EXPORT_COLUMNS])
    for column, width in zip("ABCDEFG", (18, 34, 16, 48, 14, 16, 70), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    moment = created.astimezone(dt.UTC).replace(tzinfo=None)
    workbook.properties.creator = analysis.region_name
    workbook.properties.title = f"Tuotantotapojen vertailu {analysis.cycle}"
    workbook.properties.created = moment
    workbook.properties.modified = moment
    raw = io.BytesIO()
    workbook.save(raw)
    return _fix_zip_times(raw.getvalue(), moment)


def _fix_zip_times(data: bytes, moment: dt.datetime) -> bytes:
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = content.decode("utf-8")
                for tag in ("dcterms:created", "dcterms:modified"):
                    text = re.sub(rf"(<{tag}[^>]*>)[^<]*(</{tag}>)", rf"\g<1>{stamp}\g<2>", text)
                content = text.encode("utf-8")
            entry = zipfile.ZipInfo(info.filename, date_time=moment.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.create_system = 3
            entry.external_attr = 0o644 << 16
            target.writestr(entry, content)
    return out.getvalue()
