"""Tables written for people: CSV in the Finnish dialect and .xlsx workbooks, both byte-for-byte
reproducible and safe to open in a spreadsheet program.

* CSV: ``;``, decimal comma, UTF-8 with a BOM (opens in Excel as written).
* .xlsx: one sheet per table; openpyxl stamps the save time into ``docProps/core.xml`` and every
  zip entry, and both are replaced by ``created`` (a time from the data), so the same table gives
  the same bytes and the store's idempotence holds.
* Text from input files never becomes a formula (OWASP "CSV injection"): in CSV it gets a leading
  apostrophe; in .xlsx the cell is forced to text with Excel's quote prefix. Numbers are data.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["FORMULA_STARTS", "Sheet", "csv_bytes", "csv_number", "is_formula_like", "neutralise", "xlsx_bytes"]

#: A cell whose text starts with one of these is run as a formula by spreadsheet programs.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# Text that is a number as written (e.g. "-5" or "+3,5") is data, not a formula.
_NUMBER_TEXT = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")


def is_formula_like(value: Any) -> bool:
    """Whether ``value`` is text a spreadsheet would read as a formula (numbers are not)."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _NUMBER_TEXT.match(value)


def neutralise(value: Any) -> Any:
    """``value`` safe for a CSV cell: formula-like text gets a leading apostrophe (OWASP's rule),
    so it is shown as text; everything else is returned unchanged."""
    return "'" + value if is_formula_like(value) else value


def csv_number(value: Any) -> str:
    """A cell as CSV text: numbers with a decimal comma (at most four decimals), None empty."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return (f"{value:.4f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)).replace(".", ",")


def csv_bytes(columns: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> bytes:
    """``rows`` (by column name) as CSV: header, ``;``, decimal comma, UTF-8 with BOM, CRLF."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_number(neutralise(row.get(c))) for c in columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


@dataclass(frozen=True)
class Sheet:
    """One sheet of a workbook: its title, columns (with widths) and rows by column name."""

    title: str
    columns: Sequence[str]
    rows: Sequence[Mapping[str, Any]]
    widths: Sequence[float] = ()


def xlsx_bytes(sheets: Sequence[Sheet], *, creator: str, title: str, created: dt.datetime) -> bytes:
    """The sheets as an .xlsx workbook with deterministic bytes (header bold, first row frozen)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    default = workbook.active
    assert default is not None
    workbook.remove(default)
    for spec in sheets:
        sheet = workbook.create_sheet(spec.title)
        sheet.append(list(spec.columns))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in spec.rows:
            sheet.append([row.get(c) for c in spec.columns])
            for cell in sheet[sheet.max_row]:
                if is_formula_like(cell.value):
                    # openpyxl stores text starting with "=" as a formula: keep it text, shown as
                    # written (Excel's quote prefix), never evaluated.
                    cell.data_type = "s"
                    cell.quotePrefix = True
        for index, width in enumerate(spec.widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = "A2"
    moment = created.astimezone(dt.UTC).replace(tzinfo=None)
    workbook.properties.creator = creator
    workbook.properties.title = title
    workbook.properties.created = moment
    workbook.properties.modified = moment
    raw = io.BytesIO()
    workbook.save(raw)
    return fix_zip_times(raw.getvalue(), moment)


def fix_zip_times(data: bytes, moment: dt.datetime) -> bytes:
    """A workbook (a zip) rewritten with every entry and its document properties dated ``moment``:
    the same sheets give the same bytes."""
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
