"""A reader for Statistics Finland PxWeb API v1 exports in the ``json`` response format.

The format (https://pxdata.stat.fi/api1.html) is one object with

- ``columns``: ``{"code", "text", "type"}`` where type ``d`` = dimension, ``t`` = time,
  ``c`` = content (a measured value);
- ``data``: rows ``{"key": [...], "values": [...]}``: one key item per ``d``/``t`` column in column
  order, one value per ``c`` column in column order; values are strings, ``"..."`` and ``"."``
  mean "not available" (confidential or not applicable);
- ``metadata``: ``[{"label", "source", "updated"}]`` where ``updated`` is written with dots in the
  time part (``2026-05-29T05.00.00Z``).

:func:`read_pxweb` reads any export of this format; it never relies on a particular table. Every
defect of the file raises :class:`~soteflow.errors.InputError` naming the file and, where it
applies, the 1-based row of ``data`` and the column code.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from soteflow.errors import InputError

ColumnType = Literal["d", "t", "c"]

#: Statistics Finland's markers of a value that is not available: "..." (confidential or not
#: collected) and "." (logically impossible). Both become NaN.
MISSING_MARKERS = frozenset({"...", "."})

# A plain decimal number as PxWeb writes it: no thousands separators, "." as the decimal point.
# float() alone would also accept "nan", "inf", "1_000" and surrounding spaces, which are defects.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


@dataclass(frozen=True, slots=True)
class PxColumn:
    """One column of a PxWeb export: its code, its Finnish text and its type (d, t or c)."""

    code: str
    text: str
    type: ColumnType


@dataclass(frozen=True, slots=True)
class PxProvenance:
    """Where a table came from: file name, table label, source, update time and file hash."""

    file: str
    label: str | None
    source: str | None
    updated: datetime | None
    sha256: str


@dataclass(frozen=True, slots=True)
class PxTable:
    """A parsed PxWeb export.

    ``frame`` has one row per data row and one column per column code: dimension and time
    columns as strings, content columns as float64 with NaN for missing values.
    """

    frame: pd.DataFrame
    columns: tuple[PxColumn, ...]
    provenance: PxProvenance

    @property
    def dimension_codes(self) -> tuple[str, ...]:
        """Codes of the dimension (``d``) columns, in file order."""
        return tuple(c.code for c in self.columns if c.type == "d")

    @property
    def time_codes(self) -> tuple[str, ...]:
        """Codes of the time (``t``) columns, in file order."""
        return tuple(c.code for c in self.columns if c.type == "t")

    @property
    def content_codes(self) -> tuple[str, ...]:
        """Codes of the content (``c``) columns, in file order."""
        return tuple(c.code for c in self.columns if c.type == "c")

    def column(self, code: str) -> PxColumn:
        """The column with this code; :class:`InputError` naming the file if there is none."""
        for col in self.columns:
            if col.code == code:
                return col
        raise InputError("column not in the table", file=self.provenance.file, field=code)

    def require(self, codes: Iterable[str]) -> None:
        """Raise :class:`InputError` naming the first of ``codes`` that is not a column."""
        present = {c.code for c in self.columns}
        for code in codes:
            if code not in present:
                raise InputError(
                    f"required column missing (columns present: {', '.join(sorted(present))})",
                    file=self.provenance.file,
                    field=code,
                )


def parse_updated(text: str, *, file: str) -> datetime:
    """Parse PxWeb's ``updated`` stamp (``2026-05-29T05.00.00Z``, or ISO 8601) as aware UTC."""
    # PxWeb v1 writes the time part with dots instead of colons; normalise before parsing.
    m = re.fullmatch(r"(\d{4}-\d{2}-\d{2})T(\d{2})[.:](\d{2})[.:](\d{2})(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?", text)
    if not m:
        raise InputError(f"unreadable update time {text!r}", file=file, field="metadata.updated")
    date, hh, mm, ss, tz = m.groups()
    tz = "+00:00" if tz in (None, "Z") else tz
    try:
        value = datetime.fromisoformat(f"{date}T{hh}:{mm}:{ss}{tz}")
    except ValueError as exc:
        raise InputError(f"unreadable update time {text!r}", file=file, field="metadata.updated") from exc
    return value.astimezone(UTC)


def read_pxweb(path: str | Path, *, require: Sequence[str] = ()) -> PxTable:
    """Read a PxWeb API v1 ``json`` export into a :class:`PxTable`.

    ``require`` lists column codes the caller needs; a missing one is an :class:`InputError`.
    A UTF-8 byte-order mark is accepted. Raises :class:`InputError` (file, row = 1-based index in
    ``data``, field = column code) for: unreadable or non-JSON or truncated files, a missing
    ``columns`` or ``data``, a key whose length differs from the number of d/t columns, values
    whose length differs from the number of c columns, a value that is neither a number nor a
    missing marker (``"..."``, ``"."``), and two rows with the same key.
    """
    path = Path(path)
    name = path.name  # provenance keeps the bare name, so hashes do not depend on where data lives
    where = str(path)  # errors name the full path the user gave
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise InputError("file not found", file=path) from exc
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", file=path) from exc
    sha256 = hashlib.sha256(raw).hexdigest()
    try:
        # utf-8-sig strips a BOM that Excel-era tools and some proxies add.
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start})", file=where) from exc
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        hint = " (file truncated?)" if exc.pos >= len(text.rstrip()) else ""
        raise InputError(
            f"not valid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}{hint}", file=where
        ) from exc
    if not isinstance(doc, dict):
        raise InputError("not a PxWeb json export: the top level is not an object", file=where)
    for member in ("columns", "data"):
        if member not in doc:
            raise InputError(f"not a PxWeb json export: '{member}' missing", file=where, field=member)
        if not isinstance(doc[member], list):
            raise InputError(f"'{member}' is not a list", file=where, field=member)

    columns = _parse_columns(doc["columns"], name)
    codes = [c.code for c in columns]
    if not any(c.type == "c" for c in columns):
        raise InputError("no content (type c) column", file=where, field="columns")
    key_cols = [c.code for c in columns if c.type in ("d", "t")]
    val_cols = [c.code for c in columns if c.type == "c"]
    present = set(codes)
    for code in require:
        if code not in present:
            raise InputError(f"required column missing (columns present: {', '.join(codes)})", file=where, field=code)

    keys: list[list[str]] = [[] for _ in key_cols]
    values: list[list[float]] = [[] for _ in val_cols]
    seen: dict[tuple[str, ...], int] = {}
    for i, row in enumerate(doc["data"], start=1):
        if not isinstance(row, dict):
            raise InputError("data row is not an object", file=where, row=i)
        key = row.get("key")
        vals = row.get("values")
        if not isinstance(key, list):
            raise InputError("'key' missing or not a list", file=where, row=i, field="key")
        if not isinstance(vals, list):
            raise InputError("'values' missing or not a list", file=where, row=i, field="values")
        if len(key) != len(key_cols):
            raise InputError(
                f"key has {len(key)} items, expected {len(key_cols)} ({', '.join(key_cols)})",
                file=where,
                row=i,
                field="key",
            )
        if len(vals) != len(val_cols):
            raise InputError(
                f"values has {len(vals)} items, expected {len(val_cols)} ({', '.join(val_cols)})",
                file=where,
                row=i,
                field="values",
            )
        tkey: list[str] = []
        for code, item in zip(key_cols, key, strict=True):
            if not isinstance(item, str):
                raise InputError(f"key item {item!r} is not a string", file=where, row=i, field=code)
            tkey.append(item)
        first = seen.setdefault(tuple(tkey), i)
        if first != i:
            raise InputError(f"duplicate key {tkey} (first at row {first})", file=where, row=i, field="key")
        for j, item in enumerate(tkey):
            keys[j].append(item)
        for j, (code, item) in enumerate(zip(val_cols, vals, strict=True)):
            values[j].append(_parse_value(item, file=where, row=i, field=code))

    data: dict[str, Any] = {}
    for code, col in zip(key_cols, keys, strict=True):
        data[code] = pd.Series(col, dtype="object")
    for code, vcol in zip(val_cols, values, strict=True):
        data[code] = pd.Series(vcol, dtype="float64")
    frame = pd.DataFrame(data, columns=[c for c in codes])

    meta = doc.get("metadata")
    label = source = None
    updated = None
    if isinstance(meta, list) and meta and isinstance(meta[0], dict):
        label = _opt_str(meta[0].get("label"))
        source = _opt_str(meta[0].get("source"))
        stamp = meta[0].get("updated")
        if stamp is not None:
            if not isinstance(stamp, str):
                raise InputError("update time is not a string", file=where, field="metadata.updated")
            updated = parse_updated(stamp, file=where)
    provenance = PxProvenance(file=name, label=label, source=source, updated=updated, sha256=sha256)
    return PxTable(frame=frame, columns=tuple(columns), provenance=provenance)


def _parse_columns(items: list[Any], name: str) -> list[PxColumn]:
    columns: list[PxColumn] = []
    seen: set[str] = set()
    for i, col in enumerate(items, start=1):
        where = f"columns[{i}]"
        if not isinstance(col, dict):
            raise InputError(f"{where} is not an object", file=name, field="columns")
        code, text, ctype = col.get("code"), col.get("text", ""), col.get("type")
        if not isinstance(code, str) or not code:
            raise InputError(f"{where} has no code", file=name, field="columns")
        if ctype not in ("d", "t", "c"):
            raise InputError(f"{where} has type {ctype!r}, expected d, t or c", file=name, field=code)
        if code in seen:
            raise InputError(f"{where}: the column code appears twice", file=name, field=code)
        seen.add(code)
        columns.append(PxColumn(code=code, text=str(text), type=ctype))
    return columns


def _parse_value(item: Any, *, file: str, row: int, field: str) -> float:
    if item is None:
        return math.nan
    if isinstance(item, str):
        s = item.strip()
        if s in MISSING_MARKERS:
            return math.nan
        if _NUMBER.fullmatch(item) and math.isfinite(number := float(item)):  # "1e999" overflows to inf
            return number
    elif isinstance(item, int | float) and not isinstance(item, bool) and math.isfinite(item):
        return float(item)
    raise InputError(
        f"value {item!r} is neither a number nor a missing-value marker ('...' or '.')",
        file=file,
        row=row,
        field=field,
    )


def _opt_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None
