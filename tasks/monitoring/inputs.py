"""Stage 6 inputs: a period's monitoring data, read and checked against the approved contracts.

The period's folder (``seuranta/<period>/`` under the region's inputs) holds the service events
(millions of rows: checked in DuckDB, never loaded into Python) as Parquet (``tapahtumat.parquet``)
or as CSV in the Finnish dialect (``tapahtumat.csv``, converted streaming into the same Parquet
form first: :func:`convert_events`), and the small tables as CSV: the unit register, the staffing
reports of 24-hour units, the complaints and adverse events, the client feedback and the invoices.
The dated rules are ``data/config/rules/monitoring.toml``. Every problem is one
:class:`InputError` naming the file, the row (for Parquet also the row group; for a CSV file the
line the row is on) and the field: an unknown contract, unit or producer, a date outside the
period, a negative volume, a staffing report without the unit's clients, a Parquet file with the
wrong schema or a truncated one, a CSV cell that is not a number or a date, a ragged or truncated
CSV row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from schemas.monitoring import (
    EventsManifest,
    FeedbackRow,
    InvoiceRow,
    MonitoringInputs,
    MonitoringRules,
    NoticeRow,
    ParquetFile,
    StaffingRow,
    UnitRow,
)
from schemas.procurement import ContractTerms
from soteflow.data import csvparquet
from soteflow.data.csvparquet import CsvColumn, CsvHead, convert_csv, csv_line, read_head
from soteflow.data.parquet import SYNTHETIC_KEY, connect, read_footer
from soteflow.data.tabular import Row, read_table, validate_rows
from soteflow.data.tomlfile import model_error, read_toml
from soteflow.errors import InputError
from soteflow.settings import get_settings
from tasks.context import period_bounds

PERIOD_FOLDER = "seuranta/{period}"
EVENTS_FILE = f"{PERIOD_FOLDER}/tapahtumat.parquet"
#: The same events as CSV (the Finnish dialect); a period gives one of the two.
EVENTS_CSV_FILE = f"{PERIOD_FOLDER}/tapahtumat.csv"
UNITS_FILE = f"{PERIOD_FOLDER}/yksikot.csv"
STAFFING_FILE = f"{PERIOD_FOLDER}/henkilosto.csv"
NOTICES_FILE = f"{PERIOD_FOLDER}/ilmoitukset.csv"
FEEDBACK_FILE = f"{PERIOD_FOLDER}/asiakaspalaute.csv"
INVOICES_FILE = f"{PERIOD_FOLDER}/laskut.csv"
RULES_FILE = Path("config") / "rules" / "monitoring.toml"

#: The events' columns and the DuckDB types each may have (Parquet physical types as DuckDB names them).
_INTEGER = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"}
EVENT_COLUMNS: dict[str, set[str]] = {
    "sopimus_id": {"VARCHAR"},
    "tuottaja": {"VARCHAR"},
    "yksikko": {"VARCHAR"},
    "palvelu_id": {"VARCHAR"},
    "asiakas": {"VARCHAR"},
    "pvm": {"DATE"},
    "maara": {"DOUBLE", "FLOAT", *_INTEGER},
    "odotus_vrk": _INTEGER,
    "ika": _INTEGER,
}
#: The events' columns as a CSV file gives them (header names matched ignoring case), in the
#: Parquet form's order and with its types: what a CSV file is converted to, and what the
#: generator writes.
EVENT_CSV_COLUMNS: tuple[CsvColumn, ...] = (
    CsvColumn("sopimus_id", "text"),
    CsvColumn("tuottaja", "text"),
    CsvColumn("yksikko", "text", aliases=("yksikkö",)),
    CsvColumn("palvelu_id", "text"),
    CsvColumn("asiakas", "text"),
    CsvColumn("pvm", "date"),
    CsvColumn("maara", "float", aliases=("määrä",)),
    CsvColumn("odotus_vrk", "int32"),
    CsvColumn("ika", "int16", aliases=("ikä",)),
)
#: A title line above a CSV file's header that begins so labels the data synthetic (the
#: generator writes it; the Parquet form carries the label in its metadata instead).
SYNTHETIC_TITLE = "SYNTEETTINEN AINEISTO"
#: Converted CSV files kept for reuse (the CLI checks a run's inputs before it starts it).
_KEEP_CONVERTED = 8


def read_rules(path: Path) -> MonitoringRules:
    """The dated rules file: staffing minimums, care guarantees, the ladder's rules."""
    raw = read_toml(path)
    try:
        return MonitoringRules.model_validate({**raw, "source_file": str(path)})
    except ValidationError as exc:
        raise model_error(exc, path) from None


def _rows(path: Path, model: type[Any], *, may_be_empty: bool = False) -> list[Row[Any]]:
    if not path.is_file():
        raise InputError("the input file does not exist", file=path)
    if may_be_empty and len([line for line in path.read_bytes().splitlines() if line.strip()]) <= 1:
        return []  # a period without complaints: the header alone
    return validate_rows(read_table(path), model)


def _in_force(contract: ContractTerms, start: dt.date, end: dt.date) -> bool:
    return contract.start <= end and contract.end >= start


def period_months(period: str) -> list[str]:
    """The months of a period as ``YYYY-MM``."""
    start, end = period_bounds(period)
    return [f"{start.year}-{m:02d}" for m in range(start.month, end.month + 1)]


def check_events(
    path: Path,
    *,
    contracts: Sequence[ContractTerms],
    units: dict[str, str],
    start: dt.date,
    end: dt.date,
    origin: CsvHead | None = None,
) -> ParquetFile:
    """Check the events file in DuckDB (schema, then every row in one scan) and describe it.

    ``units`` maps each unit to its contract. The first bad row raises an :class:`InputError`
    naming the row (1-based, as a reader counts them), its row group and the field; for a file
    converted from the CSV file ``origin``, that file, the line the row is on and the column as
    its header names it.
    """
    footer = read_footer(path)
    for column, kinds in EVENT_COLUMNS.items():
        found = footer.columns.get(column)
        if found is None:
            raise InputError(
                f"required column {column!r} is missing (columns: {', '.join(footer.columns)})", file=path, field=column
            )
        if found not in kinds:
            raise InputError(
                f"column {column!r} has type {found}; expected {' or '.join(sorted(kinds))}", file=path, field=column
            )
    con = connect()
    try:
        con.execute(
            "CREATE TEMP TABLE k (sopimus_id VARCHAR, tuottaja VARCHAR, palvelu_id VARCHAR, alkaa DATE, paattyy DATE)"
        )
        con.executemany(
            "INSERT INTO k VALUES (?, ?, ?, ?, ?)",
            [(c.contract_id, c.producer, c.service_id, c.start, c.end) for c in contracts],
        )
        con.execute("CREATE TEMP TABLE y (yksikko VARCHAR, sopimus_id VARCHAR)")
        con.executemany("INSERT INTO y VALUES (?, ?)", list(units.items()))
        literal = str(path).replace("'", "''")
        # One scan: each row's first failing check, the earliest row first.
        query = f"""
            SELECT e.file_row_number, CASE
                WHEN e.sopimus_id IS NULL OR k.sopimus_id IS NULL THEN 'sopimus_id'
                WHEN e.tuottaja IS NULL OR e.tuottaja <> k.tuottaja THEN 'tuottaja'
                WHEN e.yksikko IS NULL OR y.yksikko IS NULL OR y.sopimus_id <> e.sopimus_id THEN 'yksikko'
                WHEN e.palvelu_id IS NULL OR e.palvelu_id <> k.palvelu_id THEN 'palvelu_id'
                WHEN e.asiakas IS NULL THEN 'asiakas'
                WHEN e.pvm IS NULL OR e.pvm < DATE '{start}' OR e.pvm > DATE '{end}' THEN 'pvm'
                WHEN e.pvm < k.alkaa OR e.pvm > k.paattyy THEN 'pvm-sopimus'
                WHEN e.maara IS NULL OR e.maara < 0 OR isnan(e.maara::DOUBLE) THEN 'maara'
                WHEN e.odotus_vrk < 0 THEN 'odotus_vrk'
                WHEN e.ika < 0 OR e.ika > 130 THEN 'ika'
            END AS field,
            e.sopimus_id, e.tuottaja, e.yksikko, e.palvelu_id, e.pvm::VARCHAR, e.maara, e.odotus_vrk, e.ika,
            k.tuottaja AS k_tuottaja, k.palvelu_id AS k_palvelu, y.sopimus_id AS y_sopimus
            FROM read_parquet('{literal}', file_row_number = true) e
            LEFT JOIN k ON k.sopimus_id = e.sopimus_id
            LEFT JOIN y ON y.yksikko = e.yksikko
            WHERE field IS NOT NULL
            ORDER BY e.file_row_number
            LIMIT 1
        """
        bad = con.execute(query).fetchone()
        group_rows = con.execute(
            f"SELECT row_group_num_rows FROM parquet_metadata('{literal}') "
            "GROUP BY row_group_id, row_group_num_rows ORDER BY row_group_id"
        ).fetchall()
    finally:
        con.close()
    if bad is not None:
        raise _event_error(path, bad, [int(r[0]) for r in group_rows], start, end, origin)
    return ParquetFile(
        role="events",
        name=path.name if origin is None else f"{origin.path.stem}.parquet",
        sha256=footer.sha256,
        bytes=footer.size,
        rows=footer.rows,
        row_groups=footer.row_groups,
        columns=footer.columns,
        synthetic=footer.synthetic,
    )


def _event_error(
    path: Path, bad: Sequence[Any], group_rows: list[int], start: dt.date, end: dt.date, origin: CsvHead | None
) -> InputError:
    number, field = int(bad[0]), str(bad[1])
    contract, producer, unit, service, day, volume, wait, age, k_producer, k_service, y_contract = bad[2:]
    group, first = 0, 0
    for index, size in enumerate(group_rows):
        if number < first + size:
            group = index
            break
        first += size
    reasons = {
        "sopimus_id": f"unknown contract {contract!r} (not among the approved contracts in force)",
        "tuottaja": f"producer {producer!r} is not the contract's producer ({k_producer})",
        "yksikko": (
            f"unit {unit!r} is not in the unit register"
            if y_contract is None
            else f"unit {unit!r} belongs to contract {y_contract}, not {contract}"
        ),
        "palvelu_id": f"service {service!r} is not the contract's service ({k_service})",
        "asiakas": "the client pseudonym is missing",
        "pvm": f"date {day} is outside the period {start.isoformat()}–{end.isoformat()}",
        "pvm-sopimus": f"date {day} is outside contract {contract}'s term",
        "maara": f"volume {volume!r} is negative or missing",
        "odotus_vrk": f"waiting time {wait!r} is negative",
        "ika": f"age {age!r} is out of range",
    }
    column = "pvm" if field == "pvm-sopimus" else field
    if origin is not None:
        # The converted file keeps the CSV file's rows in order: row ``number`` is its data row.
        return origin.error(reasons[field], row=csv_line(origin, number), field=origin.header[origin.positions[column]])
    return InputError(f"{reasons[field]} (row group {group})", file=path, row=number + 1, field=column)


def _converter_key() -> str:
    """What a converted file depends on besides the CSV file's bytes: the converting code, the
    columns and the Parquet writer's version (a cached file of another is converted again)."""
    import pyarrow

    code = Path(csvparquet.__file__).read_bytes()
    return hashlib.sha256(code + repr(EVENT_CSV_COLUMNS).encode() + pyarrow.__version__.encode()).hexdigest()[:16]


def converted_folder() -> Path:
    """Where converted CSV events files are kept: ``<home>/cache/monitoring`` (not the store)."""
    return get_settings().home / "cache" / "monitoring"


def event_labels(titles: Sequence[str]) -> dict[str, str]:
    """The Parquet labels of a CSV events file: synthetic when a title above its header says so."""
    if any(title.upper().startswith(SYNTHETIC_TITLE) for title in titles):
        return {SYNTHETIC_KEY: "true"}
    return {}


def convert_events(path: Path) -> tuple[Path, CsvHead]:
    """The CSV events file at ``path`` as Parquet (the generator's schema, zstd, row groups of a
    million rows), converted streaming, and the CSV file's head.

    The converted file is named by the CSV file's sha256 and the converter's identity, so the
    same file is converted once (the CLI checks a run's inputs before it starts it) and the same
    rows give the same bytes. A bad cell or row raises an :class:`InputError` naming the CSV file,
    the line and the column; nothing is left behind.
    """
    head = read_head(path, EVENT_CSV_COLUMNS)
    folder = converted_folder()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{head.sha256}-{_converter_key()}.parquet"
    if target.is_file():
        try:
            read_footer(target, hash_file=False)
            os.utime(target)  # recently used: kept
            return target, head
        except InputError:
            target.unlink(missing_ok=True)  # a damaged copy: converted again
    tmp = folder / f".tmp-{uuid.uuid4().hex}.parquet"
    try:
        convert_csv(head, EVENT_CSV_COLUMNS, tmp, metadata=event_labels(head.titles))
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    _forget_old(folder, keep=target)
    return target, head


def _forget_old(folder: Path, *, keep: Path) -> None:
    """Remove all but the most recently used conversions (never one still being written)."""

    def used(path: Path) -> float:
        try:
            return path.stat().st_mtime
        except FileNotFoundError:  # removed meanwhile by another run
            return 0.0

    converted = [p for p in folder.glob("*.parquet") if p != keep and not p.name.startswith(".tmp-")]
    for old in sorted(converted, key=used, reverse=True)[_KEEP_CONVERTED - 1 :]:
        old.unlink(missing_ok=True)


def events_parquet(inputs: MonitoringInputs) -> Path:
    """The checked events as Parquet: the given file, or the CSV file's conversion (converted
    again if it was removed meanwhile; the same sha256 as checked, or an :class:`InputError`)."""
    path = Path(inputs.events_path)
    given = Path(inputs.files["events"])
    if path.is_file() or given.suffix.lower() != ".csv":
        return path
    converted, _head = convert_events(given)
    expected = inputs.manifest.files[0].sha256
    if read_footer(converted).sha256 != expected:
        raise InputError("the events file changed after it was checked; run the stage again", file=given)
    return converted


def _events_file(files: Mapping[str, Path]) -> tuple[Path, CsvHead | None]:
    """The period's events as Parquet, and the CSV file's head when they were given as CSV."""
    parquet, csv_file = files.get("events"), files.get("events-csv")
    given = [p for p in (parquet, csv_file) if p is not None and p.is_file()]
    if len(given) == 2:
        raise InputError(f"the events are given twice, as {given[0].name} and {given[1].name}: keep one", file=given[1])
    if csv_file is not None and csv_file in given:
        return convert_events(csv_file)
    if parquet is None or (csv_file is not None and not parquet.is_file()):
        missing = parquet or csv_file
        raise InputError("the service events are missing: give tapahtumat.parquet or tapahtumat.csv", file=missing)
    return parquet, None


def read_monitoring_inputs(
    files: dict[str, Path],
    *,
    period: str,
    region: str,
    cycle: int,
    contracts: Sequence[ContractTerms],
) -> MonitoringInputs:
    """Read and check a period's files against the approved contracts (``files`` by role; the
    events as ``events`` (Parquet) or ``events-csv``)."""
    start, end = period_bounds(period)
    rules = read_rules(files["rules"])
    active = {c.contract_id: c for c in contracts if _in_force(c, start, end)}
    months = set(period_months(period))

    unit_rows = _rows(files["units"], UnitRow)
    units: dict[str, str] = {}
    for row in unit_rows:
        if row.value.contract_id not in active:
            raise InputError(
                f"unknown contract {row.value.contract_id!r} (the approved contracts in force: "
                f"{', '.join(sorted(active))})",
                file=files["units"],
                row=row.number,
                field="sopimus_id",
            )
        if row.value.unit_id in units:
            raise InputError(
                f"unit {row.value.unit_id!r} is listed twice", file=files["units"], row=row.number, field="yksikkö"
            )
        units[row.value.unit_id] = row.value.contract_id

    def known_unit(path: Path, rows: Sequence[Row[Any]]) -> None:
        for row in rows:
            if row.value.unit_id not in units:
                raise InputError(
                    f"unknown unit {row.value.unit_id!r} (not in {Path(files['units']).name})",
                    file=path,
                    row=row.number,
                    field="yksikkö",
                )

    staffing = _rows(files["staffing"], StaffingRow)
    known_unit(files["staffing"], staffing)
    seen: set[str] = set()
    for row in staffing:
        if row.value.unit_id in seen:
            raise InputError(
                f"unit {row.value.unit_id!r} reported twice", file=files["staffing"], row=row.number, field="yksikkö"
            )
        seen.add(row.value.unit_id)
    notices = _rows(files["notices"], NoticeRow, may_be_empty=True)
    known_unit(files["notices"], notices)
    for row in notices:
        if not start <= row.value.date <= end:
            raise InputError(
                f"date {row.value.date.isoformat()} is outside the period {period}",
                file=files["notices"],
                row=row.number,
                field="pvm",
            )
    feedback = _rows(files["feedback"], FeedbackRow)
    known_unit(files["feedback"], feedback)
    invoices = _rows(files["invoices"], InvoiceRow)
    for row in invoices:
        if row.value.contract_id not in active:
            raise InputError(
                f"unknown contract {row.value.contract_id!r}",
                file=files["invoices"],
                row=row.number,
                field="sopimus_id",
            )
        if row.value.month not in months:
            raise InputError(
                f"month {row.value.month!r} is not a month of the period {period}",
                file=files["invoices"],
                row=row.number,
                field="kuukausi",
            )

    events_path, origin = _events_file(files)
    try:
        events = check_events(
            events_path, contracts=list(active.values()), units=units, start=start, end=end, origin=origin
        )
    except InputError:
        if origin is not None:
            events_path.unlink(missing_ok=True)  # the conversion of a refused file is not kept
        raise
    manifest = EventsManifest(
        region_code=region, cycle=cycle, period=period, period_start=start, period_end=end, files=[events]
    )
    read = {role: path for role, path in files.items() if role != "events-csv"}
    read["events"] = events_path if origin is None else origin.path
    return MonitoringInputs(
        period=period,
        events_path=str(events_path),
        manifest=manifest,
        units=[r.value for r in unit_rows],
        staffing=[r.value for r in staffing],
        notices=[r.value for r in notices],
        feedback=[r.value for r in feedback],
        invoices=[r.value for r in invoices],
        rules=rules,
        files={role: str(path) for role, path in sorted(read.items())},
        synthetic=events.synthetic,
    )
