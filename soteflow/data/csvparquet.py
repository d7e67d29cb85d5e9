"""A large CSV table in the Finnish export dialect, converted to Parquet streaming.

The small tables a stage reads go through :mod:`soteflow.data.tabular` (every row a pydantic
model). A table of millions of rows cannot: it is read here in blocks by Arrow's streaming CSV
reader, each block's cells parsed with vectorised compute (the same rules as
:func:`schemas.tabular.parse_fi_number` and :func:`~schemas.tabular.parse_fi_date`), and written as
Parquet row groups, so memory stays bounded by a row group whatever the file's size.

The dialect is the project's: ``;`` between fields, decimal comma (spaces or no-break spaces
between thousands, ``−`` as minus), dates ``d.m.yyyy`` or ``yyyy-mm-dd``, UTF-8 (with or without
BOM) or cp1252, a header row whose names are matched ignoring case and surrounding spaces, title
lines with a single filled cell above it skipped, blank lines and rows whose cells are all blank
skipped. Every problem is one :class:`~soteflow.errors.InputError` naming the file, the line the
row starts on (the header is on line 1 unless titles precede it) and the column as written in the
header: a missing column, a ragged or truncated row, a cell that is not a number or a date, a
control character. Locating the line of a bad row reads the file again (only then).

The output depends only on the rows and the given labels: the same table in UTF-8 or cp1252, with
or without titles and blank lines, gives the same Parquet bytes. Nothing here knows a stage.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from soteflow.data.tabular import normalise
from soteflow.errors import InputError

__all__ = ["Converted", "CsvColumn", "CsvHead", "convert_csv", "csv_line", "read_head"]

#: How a column's cells are parsed and the Arrow type it gets.
ColumnKind = Literal["text", "date", "float", "int16", "int32"]

_BLOCK = 1 << 20
#: The CSV reader's block: rows are parsed this many bytes at a time.
_READ_BLOCK = 4 << 20
#: How far into the file the header may be (title lines above it).
_HEAD_LIMIT = 1 << 20
#: Rows per Parquet row group (and the most held in memory while writing).
ROW_GROUP = 1_000_000
CSV_DELIMITER = ";"
#: Python's whitespace (``str.isspace``) and the no-break spaces, as RE2 writes them: what
#: :func:`schemas.tabular.parse_fi_number` removes from a number.
_SPACES = (
    r"[\t\n\x{0b}\x{0c}\r\x{1c}-\x{1f} \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]"
)
_NUMBER = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
#: The common case, parsed without the general rules: an optional minus, digits, a decimal comma.
_PLAIN_NUMBER = r"^(-?\d+(,\d+)?)?$"
#: Control characters no cell of a text export holds (as :mod:`soteflow.data.tabular` refuses them).
_CONTROL = r"[\x{00}-\x{08}\x{0b}\x{0c}\x{0e}-\x{1f}\x{7f}]"
_INT_RANGE = {"int16": (-(2**15), 2**15 - 1), "int32": (-(2**31), 2**31 - 1)}
#: Cells of these forms hold no control character: the check is skipped for a block of them.
_PLAIN = {
    "date": r"^(\d{1,2}\.\d{1,2}\.\d{4})?$",
    "float": _PLAIN_NUMBER,
    "int16": _PLAIN_NUMBER,
    "int32": _PLAIN_NUMBER,
}


@dataclass(frozen=True)
class CsvColumn:
    """A column of the table: its name (the Parquet column, and the header matched ignoring case),
    other header names it may have, and how its cells are parsed."""

    name: str
    kind: ColumnKind
    aliases: tuple[str, ...] = ()

    def arrow_type(self) -> Any:
        """The column's Arrow type."""
        import pyarrow as pa

        return {
            "text": pa.string(),
            "date": pa.date32(),
            "float": pa.float64(),
            "int16": pa.int16(),
            "int32": pa.int32(),
        }[self.kind]


@dataclass(frozen=True)
class CsvHead:
    """What the file's beginning says: the encoding, the titles above the header, the header and
    where each column is, and where the data starts (a byte offset)."""

    path: Path
    encoding: str  # "utf-8" or "cp1252"
    titles: tuple[str, ...]
    header: tuple[str, ...]
    header_line: int
    offset: int
    positions: Mapping[str, int]  # column name → its index in the header
    sha256: str | None = None  # of the whole file, when it was read whole
    size: int = 0

    def error(self, reason: str, *, row: int | None = None, field: str | None = None) -> InputError:
        """An :class:`InputError` located in this file."""
        return InputError(reason, file=self.path, row=row, field=field)


@dataclass(frozen=True)
class Converted:
    """A converted table: the Parquet file written and the rows in it."""

    path: Path
    rows: int
    head: CsvHead
    metadata: Mapping[str, str] = field(default_factory=dict)


def _scan(path: Path) -> tuple[str, str, int]:
    """The file's encoding (UTF-8 if it all decodes as UTF-8, else cp1252), sha256 and size: one
    streaming pass."""
    hasher = hashlib.sha256()
    decoder: Any = codecs.getincrementaldecoder("utf-8")()
    utf8, size = True, 0
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(_BLOCK), b""):
            hasher.update(block)
            size += len(block)
            if utf8:
                try:
                    decoder.decode(block)
                except UnicodeDecodeError:
                    utf8 = False
        if utf8:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                utf8 = False
    if not utf8:
        decoder = codecs.getincrementaldecoder("cp1252")()
        with path.open("rb") as fh:
            try:
                for block in iter(lambda: fh.read(_BLOCK), b""):
                    decoder.decode(block)
            except UnicodeDecodeError:
                raise InputError("the file is neither UTF-8 nor cp1252 text", file=path) from None
    return ("utf-8" if utf8 else "cp1252"), hasher.hexdigest(), size


def read_head(path: Path, columns: Sequence[CsvColumn], *, whole: bool = True) -> CsvHead:
    """Find the header and check that every column is there.

    ``whole`` reads the whole file once (streaming) for its encoding and sha256; otherwise the
    encoding is judged from the file's beginning (a quick check before a run).
    """
    if not path.is_file():
        raise InputError("the input file does not exist", file=path)
    if whole:
        encoding, sha256, size = _scan(path)
    else:
        sha256, size = None, path.stat().st_size
        with path.open("rb") as fh:
            start = fh.read(_HEAD_LIMIT)
        try:
            start.decode("utf-8")
            encoding = "utf-8"
        except UnicodeDecodeError as exc:
            encoding = "utf-8" if exc.start > len(start) - 4 else "cp1252"  # a character cut at the end
    with path.open("rb") as fh:
        data = fh.read(_HEAD_LIMIT)
    offset = 3 if data.startswith(codecs.BOM_UTF8) else 0
    titles: list[str] = []
    line_number = 0
    while True:
        end = data.find(b"\n", offset)
        if end < 0 and len(data) >= _HEAD_LIMIT:
            raise InputError(f"no header row in the first {_HEAD_LIMIT // 2**20} MiB", file=path)
        raw = data[offset:] if end < 0 else data[offset : end + 1]
        if not raw:
            if titles:
                raise InputError(
                    "no header row: every line has one value only (is a column missing, or are the columns "
                    "not separated by ';'?)",
                    file=path,
                )
            raise InputError("the file is empty: no header row and no data", file=path)
        line_number += 1
        offset += len(raw)
        text = raw.decode(encoding, errors="replace").rstrip("\r\n")
        cells = next(csv.reader([text], delimiter=CSV_DELIMITER), [])
        filled = [c for c in cells if c.strip()]
        if not filled:
            continue
        if len(filled) < 2:
            if CSV_DELIMITER not in text and ("," in text or "\t" in text) and not titles:
                raise InputError(
                    "expected columns separated by ';' (the Finnish CSV export); the header has none",
                    file=path,
                    row=line_number,
                )
            titles.append(text.strip())
            continue
        header = tuple(c.strip() for c in cells)
        break
    seen: dict[str, int] = {}
    for position, name in enumerate(header):
        key = normalise(name)
        if not key:
            raise InputError(f"column {position + 1} has no name", file=path, row=line_number)
        if key in seen:
            raise InputError(f"column {name!r} appears twice", file=path, row=line_number, field=name)
        seen[key] = position
    positions: dict[str, int] = {}
    for column in columns:
        names = [column.name, *column.aliases]
        found = [seen[normalise(n)] for n in names if normalise(n) in seen]
        if not found:
            raise InputError(
                f"required column {column.name!r} is missing (columns: {', '.join(header)})",
                file=path,
                row=line_number,
                field=column.name,
            )
        if len(found) > 1:
            raise InputError(
                f"column {column.name!r} appears twice (as {' and '.join(header[i] for i in found)})",
                file=path,
                row=line_number,
                field=column.name,
            )
        positions[column.name] = found[0]
    return CsvHead(
        path=path,
        encoding=encoding,
        titles=tuple(titles),
        header=header,
        header_line=line_number,
        offset=offset,
        positions=positions,
        sha256=sha256,
        size=size,
    )


def _records(head: CsvHead, *, skip_blank: bool = True) -> Iterator[tuple[int, list[str]]]:
    """The data records after the header with the line each starts on. Empty lines are skipped
    (as the CSV reader skips them), and with ``skip_blank`` rows whose cells are all blank."""
    with head.path.open("rb") as raw:
        raw.seek(head.offset)
        text = io.TextIOWrapper(raw, encoding=head.encoding, newline="")
        reader = csv.reader(text, delimiter=CSV_DELIMITER)
        start = head.header_line + 1
        try:
            for record in reader:
                if record and (not skip_blank or any(cell.strip() for cell in record)):
                    yield start, record
                start = head.header_line + reader.line_num + 1
        except csv.Error as exc:
            raise head.error(f"not readable as CSV: {exc}", row=start) from None


def csv_line(head: CsvHead, index: int) -> int:
    """The line on which the data row ``index`` (0-based, blank rows not counted) starts."""
    for number, (line, _record) in enumerate(_records(head)):
        if number == index:
            return line
    raise head.error(f"the file has no data row {index + 1}")  # pragma: no cover - a caller's mistake


def _ragged(head: CsvHead, reason: str) -> InputError:
    """The error for the first row whose number of fields is not the header's."""
    width = len(head.header)
    for line, record in _records(head, skip_blank=False):
        if len(record) != width:
            return head.error(
                f"the row has {len(record)} fields but the header has {width} (a truncated or damaged row?)",
                row=line,
            )
    return head.error(f"not readable as CSV: {reason}")


def _first(mask: Any) -> int | None:
    """The first index where ``mask`` (an Arrow boolean array, nulls false) is true."""
    import pyarrow.compute as pc

    index = pc.index(pc.fill_null(mask, False), True).as_py()
    return None if index is None or index < 0 else int(index)


def _days_from_civil(year: Any, month: Any, day: Any) -> Any:
    """Days since 1970-01-01 of proleptic Gregorian dates (numpy arrays; H. Hinnant's algorithm)."""
    y = year - (month <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (month + (month > 2) * -3 + (month <= 2) * 9) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _parse_date(text: Any) -> tuple[Any, Any]:
    """The dates of stripped cells and a mask of cells that are not dates (empty cells are null)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    fi = pc.extract_regex(text, r"^(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})$")
    fi_ok = pc.is_valid(fi)
    # The ISO form only where the Finnish one does not match (a second pattern costs a pass).
    iso = pc.extract_regex(text, r"^(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})$") if not pc.all(fi_ok).as_py() else fi
    parts = {}
    for name in ("y", "m", "d"):
        chosen = pc.fill_null(pc.if_else(fi_ok, pc.struct_field(fi, name), pc.struct_field(iso, name)), "")
        parts[name] = pc.cast(pc.if_else(pc.equal(chosen, ""), "0", chosen), pa.int64())
    year = parts["y"].to_numpy(zero_copy_only=False)
    month = parts["m"].to_numpy(zero_copy_only=False)
    day = parts["d"].to_numpy(zero_copy_only=False)
    matched = (fi_ok.to_numpy(zero_copy_only=False)) | pc.is_valid(iso).to_numpy(zero_copy_only=False)
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    lengths = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])[np.clip(month, 0, 12)]
    lengths = lengths + ((month == 2) & leap)
    valid = matched & (month >= 1) & (month <= 12) & (day >= 1) & (day <= lengths) & (year >= 1)
    empty = pc.equal(text, "").to_numpy(zero_copy_only=False)
    days = _days_from_civil(year, month, day)
    dates = pa.array(days.astype(np.int32), type=pa.date32(), mask=~valid)
    return dates, pa.array(~valid & ~empty)


def _parse_number(text: Any) -> tuple[Any, Any, Any]:
    """The numbers of cells (float64, empty cells null), a mask of cells that are not numbers and
    one of numbers that are not finite."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if pc.all(pc.match_substring_regex(text, _PLAIN_NUMBER)).as_py():  # digits and a decimal comma only
        values = pc.cast(pc.if_else(pc.equal(text, ""), None, pc.replace_substring(text, ",", ".")), pa.float64())
        infinite = pc.fill_null(pc.invert(pc.is_finite(values)), False)
        return values, pa.array(np.zeros(len(text), dtype=bool)), infinite
    cleaned = pc.replace_substring_regex(text, _SPACES, "")
    cleaned = pc.replace_substring_regex(cleaned, "%$", "")
    cleaned = pc.replace_substring(cleaned, "\u2212", "-")
    comma = pc.match_substring(cleaned, ",")
    cleaned = pc.if_else(comma, pc.replace_substring(pc.replace_substring(cleaned, ".", ""), ",", "."), cleaned)
    empty = pc.equal(cleaned, "")
    ok = pc.match_substring_regex(cleaned, _NUMBER)
    values = pc.cast(pc.if_else(ok, cleaned, pa.scalar(None, pa.string())), pa.float64())
    infinite = pc.fill_null(pc.invert(pc.is_finite(values)), False)
    return values, pc.and_(pc.invert(ok), pc.invert(empty)), infinite


def _convert_batch(head: CsvHead, columns: Sequence[CsvColumn], batch: Any, first_row: int) -> tuple[Any, Any]:
    """One block's rows as typed columns (blank rows dropped), or the error of its first bad cell.

    Returns the Arrow table and ``None``, or ``None`` and ``(row index, column, reason)``.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    raw = [batch.column(i) for i in range(batch.num_columns)]
    stripped: dict[int, Any] = {}

    def trimmed(position: int) -> Any:
        if position not in stripped:
            stripped[position] = pc.utf8_trim_whitespace(raw[position])
        return stripped[position]

    # A row whose cells are all blank is no row (a spreadsheet's empty line ";;;"); only a row whose
    # first cell is blank can be one.
    if pc.any(pc.equal(trimmed(0), "")).as_py():
        blank = pc.equal(trimmed(0), "")
        for position in range(1, len(raw)):
            blank = pc.and_(blank, pc.equal(trimmed(position), ""))
        if pc.any(blank).as_py():
            keep = pc.invert(blank)
            raw = [pc.filter(column, keep) for column in raw]
            stripped = {position: pc.filter(column, keep) for position, column in stripped.items()}
    problems: list[tuple[int, int, str]] = []  # (index, column order, reason)
    arrays = []
    null_text = pa.scalar(None, pa.string())
    for order, column in enumerate(columns):
        position = head.positions[column.name]
        text = trimmed(position)
        plain = column.kind != "text" and pc.all(pc.match_substring_regex(text, _PLAIN[column.kind])).as_py()
        control = None if plain else _first(pc.match_substring_regex(raw[position], _CONTROL))
        if control is not None:
            cell = raw[position][control].as_py()
            character = next(ch for ch in cell if ord(ch) < 32 or ord(ch) == 127)
            problems.append(
                (control, order, f"the cell holds a control character (U+{ord(character):04X}); is the file damaged?")
            )
        if column.kind == "text":
            arrays.append(pc.if_else(pc.equal(text, ""), null_text, text))
            continue
        if column.kind == "date":
            dates, bad = _parse_date(text)
            index = _first(bad)
            if index is not None:
                value = raw[position][index].as_py()
                problems.append((index, order, f"{value!r} is not a date (d.m.yyyy or yyyy-mm-dd)"))
            arrays.append(dates)
            continue
        values, bad, infinite = _parse_number(text)
        for mask, reason in ((bad, "is not a number"), (infinite, "is not a finite number")):
            index = _first(mask)
            if index is not None:
                problems.append((index, order, f"{raw[position][index].as_py()!r} {reason}"))
        if column.kind in _INT_RANGE:
            low, high = _INT_RANGE[column.kind]
            finite = pc.if_else(pc.fill_null(infinite, False), pa.scalar(None, pa.float64()), values)
            fraction = _first(pc.not_equal(pc.floor(finite), finite))
            if fraction is not None:
                problems.append((fraction, order, f"{raw[position][fraction].as_py()!r} is not a whole number"))
            outside = _first(pc.or_(pc.less(finite, low), pc.greater(finite, high)))
            if outside is not None:
                problems.append((outside, order, f"{raw[position][outside].as_py()!r} is out of range"))
            if not problems:
                values = pc.cast(values, column.arrow_type())
        arrays.append(values)
    if problems:
        index, order, reason = min(problems)
        return None, (first_row + index, columns[order], reason)
    names = [c.name for c in columns]
    return pa.Table.from_arrays(arrays, names=names), None


def convert_csv(
    head: CsvHead,
    columns: Sequence[CsvColumn],
    out: Path,
    *,
    metadata: Mapping[str, str] | None = None,
    row_group: int = ROW_GROUP,
) -> Converted:
    """Convert the CSV file of ``head`` to the Parquet file ``out`` (zstd, row groups of
    ``row_group`` rows, ``metadata`` as the schema's key-value labels), streaming.

    The first bad row raises an :class:`InputError` naming the CSV file, its line and the column
    as the header writes it; ``out`` is then not left behind.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    schema = pa.schema([(c.name, c.arrow_type()) for c in columns], metadata=dict(metadata or {}))
    names = [f"c{i}" for i in range(len(head.header))]
    invalid: list[str] = []

    def on_invalid(row: Any) -> str:
        invalid.append(f"expected {row.expected_columns} columns, got {row.actual_columns}")
        return "error"

    read = pacsv.ReadOptions(
        column_names=names, encoding="utf8" if head.encoding == "utf-8" else head.encoding, block_size=_READ_BLOCK
    )
    parse = pacsv.ParseOptions(
        delimiter=CSV_DELIMITER, newlines_in_values=True, ignore_empty_lines=True, invalid_row_handler=on_invalid
    )
    convert = pacsv.ConvertOptions(
        column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False, quoted_strings_can_be_null=False
    )
    rows = 0
    pending: list[Any] = []
    pending_rows = 0
    try:
        with pa.OSFile(str(head.path)) as source, pq.ParquetWriter(out, schema, compression="zstd") as writer:
            source.seek(head.offset)
            try:
                reader = pacsv.open_csv(source, read_options=read, parse_options=parse, convert_options=convert)
                for batch in reader:
                    table, problem = _convert_batch(head, columns, batch, rows)
                    if problem is not None:
                        index, column, reason = problem
                        raise head.error(
                            reason, row=csv_line(head, index), field=head.header[head.positions[column.name]]
                        )
                    rows += table.num_rows
                    pending.append(table)
                    pending_rows += table.num_rows
                    while pending_rows >= row_group:
                        whole = pa.concat_tables(pending)
                        writer.write_table(whole.slice(0, row_group), row_group_size=row_group)
                        rest = whole.slice(row_group)
                        pending, pending_rows = ([rest] if rest.num_rows else []), rest.num_rows
            except pa.ArrowInvalid as exc:
                raise _ragged(head, invalid[0] if invalid else str(exc).splitlines()[0]) from None
            if pending_rows:
                writer.write_table(pa.concat_tables(pending), row_group_size=row_group)
        if rows == 0:
            raise head.error("the file has a header but no data rows", row=head.header_line)
    except BaseException:
        out.unlink(missing_ok=True)
        raise
    return Converted(path=out, rows=rows, head=head, metadata=dict(metadata or {}))
