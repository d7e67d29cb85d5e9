"""Synthetic monitoring data for a period: ``soteflow generate monitoring``.

SYNTHETIC DATA, NOT REAL: every file is labelled (Parquet key-value metadata
``soteflow:synthetic = true``, or in CSV a title line ``SYNTEETTINEN AINEISTO …`` above the
header; a ``LUEMINUT.txt`` beside the files). The events are written streaming, as Parquet (one
row group of at most a million rows at a time) or, on request, as CSV in the Finnish dialect (the
same rows), so ten million events need little memory. Deviations are planted on purpose, so the
monitoring, the ladder and the demo have something to find; which contract carries which
deviation in which month is printed in ``LUEMINUT.txt``:

* staffing under the statutory minimum in a 24-hour unit (months 1–4 of the year: serious, repeated);
* waiting times past the contract's limit (every month);
* over-billing, 4 % more volume invoiced than delivered (odd months);
* complaints over the contract's limit (even months);
* client satisfaction under the limit in one unit (every month).

The same contracts, period, size and seed give the same files byte for byte.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from schemas.procurement import ContractTerms
from soteflow.data.parquet import SYNTHETIC_KEY
from soteflow.numbers import fi_number
from tasks.context import period_bounds
from tasks.monitoring.inputs import EVENT_CSV_COLUMNS, SYNTHETIC_TITLE

#: The forms the events can be written in.
EventsFormat = Literal["parquet", "csv"]
EVENTS_FORMATS: tuple[EventsFormat, ...] = ("parquet", "csv")

#: Rows per row group (and per batch held in memory while writing).
ROW_GROUP = 1_000_000
_UNIT_NAMES = (
    "Koivikko", "Kuusela", "Männistö", "Pihlaja", "Vaahtera", "Tammela", "Lehmus", "Saarni", "Kataja",
    "Haapala", "Leppälä", "Honkala", "Tuomela", "Raita", "Visa",
)  # fmt: skip
_STAFFING_SERVICES = ("IKA-TEHPA", "VAM-ASUMINEN")


@dataclass(frozen=True)
class Plan:
    """Which contract carries which planted deviation."""

    staffing: str | None
    waiting: str | None
    billing: str | None
    complaints: str | None
    satisfaction: str | None


@dataclass(frozen=True)
class _Unit:
    unit_id: str
    name: str
    contract: ContractTerms
    clients: int  # the client pool
    share: float  # the unit's share of its contract's volume


def _units(contracts: Sequence[ContractTerms], months: int) -> list[_Unit]:
    out = []
    name_index = 0
    for contract in contracts:
        count = 2 + sum(map(ord, contract.contract_id)) % 3
        weights = [count - i for i in range(count)]  # unequal units: the first is the largest
        monthly = contract.annual_volume / 12 * months
        per_client = 30 * months if contract.unit.startswith("hoito") else 20 * months
        for i, weight in enumerate(weights):
            share = weight / sum(weights)
            out.append(
                _Unit(
                    unit_id=f"{contract.contract_id}-Y{i + 1}",
                    name=f"{_UNIT_NAMES[name_index % len(_UNIT_NAMES)]} ({contract.producer.split()[0]})",
                    contract=contract,
                    clients=max(5, round(monthly * share / per_client)),
                    share=share,
                )
            )
            name_index += 1
    return out


def plan_deviations(contracts: Sequence[ContractTerms]) -> Plan:
    """The contracts that carry the planted deviations (fixed by the contracts' ids)."""
    ids = sorted(c.contract_id for c in contracts)
    by_id = {c.contract_id: c for c in contracts}
    staffing = [i for i in ids if by_id[i].service_id == "IKA-TEHPA"]
    target = staffing[-1] if staffing else None
    rest = [i for i in ids if i != target]

    def pick(index: int) -> str | None:
        return rest[index] if len(rest) > abs(index) else None

    return Plan(staffing=target, waiting=pick(1), billing=pick(-2), complaints=pick(3), satisfaction=pick(1))


def _age(service: str, rng: np.random.Generator, n: int) -> np.ndarray[Any, Any]:
    if service.startswith("IKA"):
        return rng.integers(70, 99, n)
    if service.startswith("LAP"):
        return rng.integers(0, 18, n)
    return rng.integers(18, 66, n)


def generate(
    contracts: Sequence[ContractTerms],
    *,
    region: str,
    period: str,
    events: int,
    seed: int,
    out: Path,
    events_format: EventsFormat = "parquet",
) -> dict[str, Path]:
    """Write a period's synthetic monitoring files under ``out`` and return them by role.

    The events go to ``tapahtumat.parquet``, or with ``events_format="csv"`` the same rows to
    ``tapahtumat.csv`` (the other form, left by an earlier run, is removed: a period gives one).
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    if events_format not in EVENTS_FORMATS:
        raise ValueError(f"events_format must be one of {', '.join(EVENTS_FORMATS)}")

    start, end = period_bounds(period)
    active = sorted((c for c in contracts if c.start <= end and c.end >= start), key=lambda c: c.contract_id)
    if not active:
        raise ValueError(f"no contract is in force in {period}")
    months = end.month - start.month + 1
    units = _units(active, months)
    plan = plan_deviations(active)
    month_no = start.month
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)

    # Events per unit in proportion to the unit's volume (largest remainder: exactly ``events``).
    volumes = np.array([u.contract.annual_volume / 12 * months * u.share for u in units])
    exact = events * volumes / volumes.sum()
    counts = np.floor(exact).astype(np.int64)
    for index in np.argsort(-(exact - counts), kind="stable")[: events - int(counts.sum())]:
        counts[index] += 1

    over_billing = 1.04
    schema = pa.schema(
        [(column.name, column.arrow_type()) for column in EVENT_CSV_COLUMNS],
        metadata={
            SYNTHETIC_KEY: "true",
            "soteflow:generator": "soteflow generate monitoring",
            "soteflow:region": region,
            "soteflow:period": period,
            "soteflow:seed": str(seed),
            "soteflow:events": str(events),
        },
    )
    delivered: dict[str, float] = {}
    seen_clients: dict[str, int] = {}
    events_path = out / f"tapahtumat.{events_format}"
    (out / f"tapahtumat.{'csv' if events_format == 'parquet' else 'parquet'}").unlink(missing_ok=True)
    epoch = dt.date(1970, 1, 1)
    offset = 0
    command = f"soteflow generate monitoring --region {region} --period {period} --events {events} --seed {seed}"
    if events_format == "csv":
        command += " --format csv"
    with (
        pq.ParquetWriter(events_path, schema, compression="zstd")
        if events_format == "parquet"
        else EventsCsvWriter(events_path, f"{SYNTHETIC_TITLE} – EI TODELLISIA TIETOJA ({command})")
    ) as writer:
        for unit, count in zip(units, counts.tolist(), strict=True):
            contract = unit.contract
            first = max(start, contract.start)
            last = min(end, contract.end)
            days = (last - first).days + 1
            per_event = contract.annual_volume / 12 * months * unit.share / count if count else 0.0
            seen = np.zeros(unit.clients, dtype=bool)
            mean_wait = 20.0 if contract.contract_id == plan.waiting else 3.0
            # New clients (events with a wait): more of them where waits are planted, so they show.
            start_share = 0.3 if contract.contract_id == plan.waiting else 0.05
            done = 0
            while done < count:
                n = min(ROW_GROUP, count - done)
                clients = rng.integers(0, unit.clients, n)
                seen[clients] = True
                day = (first - epoch).days + rng.integers(0, days, n)
                starts = rng.random(n) < start_share
                wait = np.where(starts, rng.geometric(1 / mean_wait, n) - 1, -1)
                client_text = pc.binary_join_element_wise(
                    "as-", pc.utf8_lpad(pc.cast(pa.array(clients + offset), pa.string()), 7, "0"), ""
                )
                table = pa.table(
                    {
                        "sopimus_id": pa.array([contract.contract_id]).take(np.zeros(n, dtype=np.int32)),
                        "tuottaja": pa.array([contract.producer]).take(np.zeros(n, dtype=np.int32)),
                        "yksikko": pa.array([unit.unit_id]).take(np.zeros(n, dtype=np.int32)),
                        "palvelu_id": pa.array([contract.service_id]).take(np.zeros(n, dtype=np.int32)),
                        "asiakas": client_text,
                        "pvm": pa.array(day.astype(np.int32), type=pa.date32()),
                        "maara": pa.array(np.full(n, round(per_event, 3))),
                        "odotus_vrk": pa.array(wait.astype(np.int32), mask=~starts),
                        "ika": pa.array(_age(contract.service_id, rng, n).astype(np.int16)),
                    },
                    schema=schema,
                )
                writer.write_table(table, row_group_size=ROW_GROUP)
                done += n
            offset += unit.clients
            key = contract.contract_id
            delivered[key] = delivered.get(key, 0.0) + round(per_event, 3) * count
            seen_clients[unit.unit_id] = int(seen.sum())

    files = {"events": events_path}
    files["units"] = _csv(
        out / "yksikot.csv",
        ["yksikkö", "nimi", "sopimus_id", "viimeisin_valvontakäynti"],
        [[u.unit_id, u.name, u.contract.contract_id, _last_visit(u, i, start)] for i, u in enumerate(units)],
    )
    staffing_rows = []
    for i, unit in enumerate(units):
        if unit.contract.service_id not in _STAFFING_SERVICES:
            continue
        level = 0.68 if unit.contract.service_id == "IKA-TEHPA" else 0.55
        if unit.contract.contract_id == plan.staffing and unit.unit_id.endswith("-Y1") and month_no <= 4:
            level = 0.52  # planted: under the statutory minimum
        level += (i % 3) * 0.01
        staffing_rows.append([unit.unit_id, unit.clients, fi_number(unit.clients * level, 1)])
    files["staffing"] = _csv(out / "henkilosto.csv", ["yksikkö", "asiakkaita", "välitön_htv"], staffing_rows)
    notices = []
    for unit in units:
        clients = seen_clients[unit.unit_id]
        planted = unit.contract.contract_id == plan.complaints and month_no % 2 == 0 and unit.unit_id.endswith("-Y1")
        count = max(1, math.ceil(0.012 * clients)) if planted else int(0.002 * clients)
        for k in range(count):
            day = start + dt.timedelta(days=(7 * k + 3) % ((end - start).days + 1))
            kind = ("muistutus", "kantelu", "haittatapahtuma")[k % 3]
            notices.append([unit.unit_id, f"{day.day}.{day.month}.{day.year}", kind, "ei"])
    files["notices"] = _csv(out / "ilmoitukset.csv", ["yksikkö", "pvm", "laji", "vakava"], notices)
    feedback = []
    for i, unit in enumerate(units):
        mean = 3.6 if unit.contract.contract_id == plan.satisfaction and unit.unit_id.endswith("-Y1") else 4.2
        feedback.append([unit.unit_id, max(1, unit.clients // 10), fi_number(mean + (i % 4) * 0.05, 2)])
    files["feedback"] = _csv(out / "asiakaspalaute.csv", ["yksikkö", "vastauksia", "keskiarvo"], feedback)
    invoices = []
    for n, contract in enumerate(active, start=1):
        volume = delivered.get(contract.contract_id, 0.0) / months
        if contract.contract_id == plan.billing and month_no % 2 == 1:
            volume *= over_billing
        for m in range(start.month, end.month + 1):
            billed = math.floor(volume * 10) / 10
            amount = math.floor(billed * contract.unit_price * 100) / 100
            invoices.append(
                [f"L-{period}-{n:03d}-{m:02d}", contract.contract_id, f"{start.year}-{m:02d}",
                 fi_number(billed, 1), fi_number(amount, 2)]
            )  # fmt: skip
    files["invoices"] = _csv(
        out / "laskut.csv", ["lasku_id", "sopimus_id", "kuukausi", "laskutettu_määrä", "laskutettu €"], invoices
    )
    _readme(out / "LUEMINUT.txt", plan=plan, month=month_no, events_file=events_path.name, command=command)
    return files


def _last_visit(unit: _Unit, index: int, start: dt.date) -> str:
    if index % 3 == 2:
        return ""  # never visited
    months_ago = 3 + (index * 5) % 20
    year, month = start.year, start.month - months_ago
    while month < 1:
        year, month = year - 1, month + 12
    return f"15.{month}.{year}"


class EventsCsvWriter:
    """Writes the events as CSV in the Finnish dialect, a block at a time: a title line that labels
    them synthetic, the header, then ``;``-separated rows with dates as d.m.yyyy and the volume
    with a decimal comma (the shortest text that reads back as the same number)."""

    def __init__(self, path: Path, title: str) -> None:
        self.path = path
        self.title = title
        self.handle: Any = None

    def __enter__(self) -> EventsCsvWriter:
        self.handle = self.path.open("wb")
        header = ";".join(column.name for column in EVENT_CSV_COLUMNS)
        self.handle.write(f"{self.title}\n{header}\n".encode())
        return self

    def __exit__(self, *exc: object) -> None:
        self.handle.close()

    def write_table(self, table: Any, row_group_size: int | None = None) -> None:
        """Append the rows of ``table`` (the events' Arrow schema)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        day = table.column("pvm")
        columns = {name: table.column(name) for name in table.column_names}
        columns["pvm"] = pc.binary_join_element_wise(
            *(pc.cast(f(day), pa.string()) for f in (pc.day, pc.month, pc.year)), "."
        )
        columns["maara"] = pc.replace_substring(pc.cast(table.column("maara"), pa.string()), ".", ",")
        for name in ("odotus_vrk", "ika"):
            columns[name] = pc.cast(table.column(name), pa.string())
        rows = pa.table(columns)
        try:  # plain cells, as a spreadsheet writes them
            text = _csv_text(rows, "none")
        except pa.ArrowInvalid:  # a name with ';' or '"' in it: quoted, as CSV needs
            text = _csv_text(rows, "needed")
        self.handle.write(text)


def _csv_text(rows: Any, quoting: str) -> bytes:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    sink = pa.BufferOutputStream()
    options = pacsv.WriteOptions(include_header=False, delimiter=";", quoting_style=quoting)
    pacsv.write_csv(rows, sink, write_options=options)
    return bytes(sink.getvalue())


def _csv(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    # The Finnish export dialect: ';' between fields, decimal comma, UTF-8.
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=";", lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _readme(path: Path, *, plan: Plan, month: int, events_file: str, command: str) -> None:
    lines = [
        "SYNTEETTINEN AINEISTO – EI TODELLISIA TIETOJA (synthetic data, not real)",
        "",
        f"Tuotettu: {command}",
        f"Tiedostot: {events_file}, yksikot.csv, henkilosto.csv, ilmoitukset.csv, asiakaspalaute.csv, laskut.csv",
        "",
        "Tarkoituksella istutetut poikkeamat:",
        f"- henkilöstömitoitus alle lakisääteisen vähimmäistason: {plan.staffing} (yksikkö Y1, kuukaudet 1–4)"
        + (" – tällä jaksolla" if month <= 4 else ""),
        f"- odotusajat yli sopimuksen enimmäisajan: {plan.waiting} (joka kuukausi)",
        f"- ylilaskutus 4 %: {plan.billing} (parittomat kuukaudet)" + (" – tällä jaksolla" if month % 2 else ""),
        f"- muistutuksia ja kanteluita yli raja-arvon: {plan.complaints} (parilliset kuukaudet)"
        + (" – tällä jaksolla" if month % 2 == 0 else ""),
        f"- asiakastyytyväisyys alle raja-arvon: {plan.satisfaction} (yksikkö Y1, joka kuukausi)",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
