"""Read the spreadsheets and CSV files users keep, and validate every row with a pydantic model.

CSV files are the Finnish export dialect: ``;`` between fields, decimal comma, UTF-8 (with or
without BOM) or cp1252 (Excel's "CSV (semicolon separated)" on Finnish Windows). Workbooks are
.xlsx, read with openpyxl (cached values of formulas). Columns are matched by the model fields'
aliases, the Finnish column headers, ignoring case and surrounding spaces; other columns are kept
in the raw row but not validated. Lines above the header with a single filled cell (report titles
that finance exports put there) are skipped; the header is the first line with two or more names.

Every problem becomes an :class:`~soteflow.errors.InputError` that names the file, the sheet
(workbooks), the row as numbered in the file (the header is row 1 in a CSV file) and the column.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from soteflow.errors import InputError

M = TypeVar("M", bound=BaseModel)

CSV_DELIMITER = ";"
#: Encodings tried in order: UTF-8 first (a cp1252 file is almost never valid UTF-8), then cp1252.
CSV_ENCODINGS = ("utf-8-sig", "cp1252")


@dataclass(frozen=True)
class RawRow:
    """One data row: its number in the file and its cells by (normalised) column name."""

    number: int
    values: dict[str, Any]


@dataclass(frozen=True)
class RawTable:
    """A table as read: file, sheet, header as written, the data rows, and the text encoding."""

    file: Path
    sheet: str | None
    header: list[str]
    rows: list[RawRow]
    encoding: str | None = None

    def error(self, reason: str, *, row: int | None = None, field: str | None = None) -> InputError:
        """An :class:`InputError` located in this table."""
        return InputError(reason, file=self.file, sheet=self.sheet, row=row, field=field)


@dataclass(frozen=True)
class Row(Generic[M]):
    """A validated row and where it came from (for errors found later and for source references)."""

    number: int
    value: M


def normalise(name: str) -> str:
    """A column name as matched: lower case, inner whitespace collapsed."""
    return " ".join(str(name).split()).lower()


def _decode(path: Path, data: bytes) -> tuple[str, str]:
    for encoding in CSV_ENCODINGS:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise InputError("the file is neither UTF-8 nor cp1252 text", file=path)  # pragma: no cover


#: Control characters no cell of a text export holds (tab, line feed and carriage return may, in quotes).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _build(path: Path, sheet: str | None, cells: Iterator[tuple[int, list[Any]]], encoding: str | None) -> RawTable:
    header: list[str] | None = None
    header_row = 0
    rows: list[RawRow] = []
    single = 0  # lines with one value only, before a header: titles, or a table of one column
    for number, values in cells:
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue  # blank lines are not rows
        if header is None:
            if sum(1 for v in values if v is not None and str(v).strip()) < 2:
                single += 1
                continue  # a title line above the header ("Raportti: …"), as finance exports have
            header = [str(v).strip() if v is not None else "" for v in values]
            header_row = number
            seen: dict[str, int] = {}
            for position, name in enumerate(header):
                key = normalise(name)
                if not key:
                    if any(v is not None and str(v).strip() for v in values[position:]):
                        raise InputError(f"column {position + 1} has no name", file=path, sheet=sheet, row=number)
                    continue
                if key in seen:
                    raise InputError(f"column {name!r} appears twice", file=path, sheet=sheet, row=number, field=name)
                seen[key] = position
            continue
        names = [normalise(h) for h in header]
        for position, value in enumerate(values):
            if isinstance(value, str) and (found := _CONTROL.search(value)):
                field = header[position] if position < len(header) else None
                raise InputError(
                    f"the cell holds a control character (U+{ord(found.group()):04X}); is the file damaged?",
                    file=path,
                    sheet=sheet,
                    row=number,
                    field=field,
                )
        if len(values) > len(header) and any(v not in (None, "") for v in values[len(header) :]):
            raise InputError(
                f"the row has {len(values)} fields but the header has {len(header)}", file=path, sheet=sheet, row=number
            )
        rows.append(RawRow(number, {n: values[i] if i < len(values) else None for i, n in enumerate(names) if n}))
    if header is None and single:
        raise InputError(
            "no header row: every line has one value only (is a column missing, or are the columns not "
            "separated by ';'?)",
            file=path,
            sheet=sheet,
        )
    if header is None:
        raise InputError("the file is empty: no header row and no data", file=path, sheet=sheet)
    if not rows:
        raise InputError("the file has a header but no data rows", file=path, sheet=sheet, row=header_row)
    return RawTable(path, sheet, header, rows, encoding)


def read_csv(path: str | Path) -> RawTable:
    """Read a ``;``-separated CSV file (UTF-8 or cp1252) into raw rows; cells stay text."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError("file not found", file=path) from None
    text, encoding = _decode(path, data)
    first = next((line for line in text.splitlines() if line.strip()), "")
    if first and CSV_DELIMITER not in first and ("," in first or "\t" in first):
        raise InputError(
            "expected columns separated by ';' (the Finnish CSV export); the header has none", file=path, row=1
        )
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=CSV_DELIMITER)

    def cells() -> Iterator[tuple[int, list[Any]]]:
        start = 1
        try:
            for values in reader:
                yield start, [v if v.strip() else None for v in values]
                start = reader.line_num + 1
        except csv.Error as exc:
            raise InputError(f"not readable as CSV: {exc}", file=path, row=reader.line_num) from None

    return _build(path, None, cells(), encoding)


def sheet_names(path: str | Path) -> list[str]:
    """The worksheet names of an .xlsx workbook, in order."""
    return list(_workbook(Path(path)).sheetnames)


def _workbook(path: Path) -> Any:
    from openpyxl import load_workbook

    try:
        return load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise InputError("file not found", file=path) from None
    except Exception as exc:  # openpyxl raises zipfile, KeyError and its own errors for broken files
        raise InputError(f"not readable as an .xlsx workbook ({type(exc).__name__}: {exc})", file=path) from None


def read_xlsx(path: str | Path, sheet: str) -> RawTable:
    """Read one worksheet of an .xlsx workbook into raw rows; cells keep their types."""
    path = Path(path)
    workbook = _workbook(path)
    try:
        if sheet not in workbook.sheetnames:
            raise InputError(
                f"sheet {sheet!r} is missing; the workbook has {', '.join(workbook.sheetnames) or 'no sheets'}",
                file=path,
                sheet=sheet,
            )
        worksheet = workbook[sheet]
        cells = ((number, list(values)) for number, values in enumerate(worksheet.iter_rows(values_only=True), 1))
        return _build(path, sheet, cells, None)
    finally:
        workbook.close()


def read_table(path: str | Path, *, sheet: str | None = None) -> RawTable:
    """Read a CSV file or, for ``.xlsx``, the worksheet ``sheet``."""
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        if sheet is None:
            raise InputError("a worksheet name is needed to read a workbook", file=path)
        return read_xlsx(path, sheet)
    if path.suffix.lower() in {".xls", ".ods"}:
        raise InputError(f"{path.suffix} files are not read; save the sheet as .xlsx or CSV", file=path)
    return read_csv(path)


def _columns(model: type[BaseModel]) -> dict[str, tuple[str, bool]]:
    """Field name → (column header, required) for a row model."""
    out = {}
    for name, info in model.model_fields.items():
        out[name] = (info.alias or name, info.is_required())
    return out


def validate_rows(table: RawTable, model: type[M], *, optional_columns: Iterable[str] = ()) -> list[Row[M]]:
    """Validate every row of ``table`` as ``model``; the first bad cell raises an :class:`InputError`.

    A required column that the header lacks is reported once, at the header row, naming the column.
    Columns listed in ``optional_columns`` (headers) may be absent even if the field is required in
    the model; they then get the field's default.
    """
    columns = _columns(model)
    present = {normalise(h) for h in table.header}
    optional = {normalise(c) for c in optional_columns}
    header_row = table.rows[0].number - 1 if table.rows else None
    for _name, (header, required) in columns.items():
        if normalise(header) not in present and required and normalise(header) not in optional:
            raise table.error(
                f"required column {header!r} is missing (columns: {', '.join(h for h in table.header if h)})",
                row=header_row if table.sheet is None else None,
                field=header,
            )
    by_column = {normalise(header): name for name, (header, _required) in columns.items()}
    out: list[Row[M]] = []
    for raw in table.rows:
        data = {by_column[k]: v for k, v in raw.values.items() if k in by_column and v is not None}
        try:
            value = model.model_validate(data, by_name=True, by_alias=False)
        except ValidationError as exc:
            raise _row_error(table, raw, exc, columns) from None
        out.append(Row(raw.number, value))
    return out


def _row_error(table: RawTable, raw: RawRow, exc: ValidationError, columns: dict[str, tuple[str, bool]]) -> InputError:
    first = exc.errors()[0]
    loc = first.get("loc", ())
    name = str(loc[0]) if loc else None
    header = columns[name][0] if name in columns else name
    message = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
    value = raw.values.get(normalise(header)) if header else None
    if first.get("type") == "missing":
        message = "the cell is empty but a value is required"
    elif value is not None and repr(value) not in message:
        message = f"{message} (value {value!r})"
    return table.error(message, row=raw.number, field=header)


def read_rows(
    path: str | Path, model: type[M], *, sheet: str | None = None, optional_columns: Sequence[str] = ()
) -> list[Row[M]]:
    """Read and validate a CSV file or worksheet in one call."""
    return validate_rows(read_table(path, sheet=sheet), model, optional_columns=optional_columns)


def unique(
    rows: Sequence[Row[Any]], table_file: str | Path, attribute: str, column: str, *, sheet: str | None = None
) -> None:
    """Raise an :class:`InputError` at the second row that repeats ``attribute`` (an id column)."""
    seen: dict[Any, int] = {}
    for row in rows:
        key = getattr(row.value, attribute)
        if key in seen:
            raise InputError(
                f"duplicate {column} {key!r} (first on row {seen[key]})",
                file=table_file,
                sheet=sheet,
                row=row.number,
                field=column,
            )
        seen[key] = row.number


def row_ranges(numbers: Iterable[int]) -> str:
    """Row numbers as compact ranges: ``2–5, 7, 9–10``."""
    values = sorted(set(numbers))
    parts: list[str] = []
    start = prev = None
    for value in values:
        if start is None:
            start = prev = value
        elif prev is not None and value == prev + 1:
            prev = value
        else:
            parts.append(f"{start}–{prev}" if start != prev else f"{start}")
            start = prev = value
    if start is not None:
        parts.append(f"{start}–{prev}" if start != prev else f"{start}")
    return ", ".join(parts)
