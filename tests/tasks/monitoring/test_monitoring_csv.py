"""Stage 6's events given as CSV (the Finnish dialect): converted streaming into the Parquet form
the stage reads, with the same KPIs as the same rows in Parquet, stored as the same Parquet
snapshot and manifest, and bad cells or rows refused naming the CSV file, its line and the column
before anything is stored."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from schemas.stages import Stage
from soteflow.data.parquet import read_footer
from soteflow.errors import InputError
from soteflow.stagekit import open_store
from soteflow.store.verify import verify
from tasks.context import make_context
from tasks.monitoring.generator import generate
from tasks.monitoring.inputs import convert_events, converted_folder
from tasks.monitoring.stage import DEFINITION
from tasks.procurement.basis import load_procurement_basis
from tests.tasks.monitoring.test_monitoring import (
    CYCLE,
    REGION,
    Seed,
    _analysis,
    _refused,
    _run,
    hand_events,
    write_period,
)

HEADER = ["sopimus_id", "tuottaja", "yksikkö", "palvelu_id", "asiakas", "pvm", "MAARA", "odotus_vrk", "ika"]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return f"{value.day}.{value.month}.{value.year}"
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    return str(value)


def write_events_csv(
    path: Path, rows: list[dict[str, Any]], *, encoding: str = "utf-8", preamble: str = "", blank_after: int = -1
) -> Path:
    """The events as a user's export writes them: ``;``, decimal comma, d.m.yyyy, the header's
    names in any case; ``preamble`` lines above the header; a blank line after row ``blank_after``."""
    lines = [";".join(HEADER)]
    keys = ["sopimus_id", "tuottaja", "yksikko", "palvelu_id", "asiakas", "pvm", "maara", "odotus_vrk", "ika"]
    for index, row in enumerate(rows):
        lines.append(";".join(_cell(row[k]) for k in keys))
        if index == blank_after:
            lines.append("")
    path.write_bytes((preamble + "\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def csv_period(root: Path, rows: list[dict[str, Any]] | None = None, **options: Any) -> Path:
    """The hand-checked period with its events as CSV instead of Parquet."""
    write_period(root)
    folder = root / "seuranta" / "2026-03"
    (folder / "tapahtumat.parquet").unlink()
    write_events_csv(folder / "tapahtumat.csv", hand_events() if rows is None else rows, **options)
    return root


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_hand_worked_kpis_come_out_of_a_cp1252_csv_file(seed: Seed, tmp_path: Path) -> None:
    inputs = csv_period(
        tmp_path, encoding="cp1252", preamble="Palvelutapahtumat – maaliskuu 2026 (päivitetty)\r\n\r\n", blank_after=3
    )
    analysis = _analysis(seed, inputs)
    kpi = {(k.unit_id, k.kpi): k for k in analysis.kpis}
    # Waits 1,2,3,4,5,6,7,8,20,30: the 90th percentile (nearest rank: the 9th of 10) is 20 days > 14.
    assert kpi[("K1", "care_guarantee")].value == 20 and kpi[("K1", "care_guarantee")].ok is False
    month = next(u for u in analysis.unit_months if u.unit_id == "K1")
    assert (month.events, month.volume, month.clients, month.starts, month.within_contract) == (10, 10.0, 5, 10, 8)
    # Delivered 10 × 44,60 € = 446,00 € against 12 invoiced: 89,20 € over-billed.
    assert next(b for b in analysis.billing if b.contract_id == "S-KOTI-02").over_billed_eur == 89.2
    assert analysis.events == 14 and not analysis.synthetic
    assert analysis.files["events"] == "tapahtumat.csv"


def test_the_same_rows_as_csv_in_either_encoding_give_the_same_parquet_bytes(tmp_path: Path) -> None:
    rows = hand_events()
    rows[0] = rows[0] | {"asiakas": "k0-ÄÖ€", "maara": 1234.5}
    plain = write_events_csv(tmp_path / "a.csv", rows, encoding="utf-8-sig")
    latin = write_events_csv(tmp_path / "b.csv", rows, encoding="cp1252", preamble="Raportti\n\n", blank_after=5)
    first, head = convert_events(plain)
    second, latin_head = convert_events(latin)
    assert (head.encoding, latin_head.encoding) == ("utf-8", "cp1252")
    assert first != second  # two files, named by their own bytes
    assert _sha(first) == _sha(second)
    table = pq.read_table(first)
    assert table.num_rows == 14 and table.column("asiakas")[0].as_py() == "k0-ÄÖ€"
    assert table.column("maara").to_pylist()[:2] == [1234.5, 1.0]
    assert table.column("pvm").to_pylist()[0] == dt.date(2026, 3, 1)
    assert table.column("odotus_vrk").to_pylist()[10:] == [None] * 4
    # The schema is the generator's: the same DuckDB types the Parquet form is checked against.
    assert read_footer(first).columns == {
        "sopimus_id": "VARCHAR",
        "tuottaja": "VARCHAR",
        "yksikko": "VARCHAR",
        "palvelu_id": "VARCHAR",
        "asiakas": "VARCHAR",
        "pvm": "DATE",
        "maara": "DOUBLE",
        "odotus_vrk": "INTEGER",
        "ika": "SMALLINT",
    }
    # Converted once: the same file again is the kept conversion.
    again, _ = convert_events(plain)
    assert again == first and sorted(p.name for p in converted_folder().iterdir()) == sorted([first.name, second.name])


def test_generated_csv_and_parquet_give_the_same_rows_and_kpis(seed: Seed, tmp_path: Path) -> None:
    seed(Stage.PROCUREMENT)
    contracts = load_procurement_basis(open_store(), region=REGION, cycle=CYCLE).contracts.contracts
    folders = {}
    for form in ("parquet", "csv"):
        folder = tmp_path / form / "seuranta" / "2026-03"
        files = generate(
            contracts, region=REGION, period="2026-03", events=3000, seed=3, out=folder, events_format=form
        )  # type: ignore[arg-type]
        assert files["events"].name == f"tapahtumat.{form}"
        folders[form] = tmp_path / form
    text = (folders["csv"] / "seuranta" / "2026-03" / "tapahtumat.csv").read_text(encoding="utf-8").splitlines()
    assert text[0].startswith("SYNTEETTINEN AINEISTO – EI TODELLISIA TIETOJA (soteflow generate monitoring")
    assert text[1] == "sopimus_id;tuottaja;yksikko;palvelu_id;asiakas;pvm;maara;odotus_vrk;ika"
    assert len(text) == 3002
    converted, _ = convert_events(folders["csv"] / "seuranta" / "2026-03" / "tapahtumat.csv")
    generated = pq.read_table(folders["parquet"] / "seuranta" / "2026-03" / "tapahtumat.parquet")
    assert pq.read_table(converted).equals(generated)  # the same rows and types, row for row
    assert read_footer(converted).synthetic  # the title line carries the label
    by_form = {form: _analysis(seed, folder) for form, folder in folders.items()}
    parquet, csv = by_form["parquet"], by_form["csv"]
    assert csv.kpis == parquet.kpis and csv.unit_months == parquet.unit_months
    assert csv.deviations == parquet.deviations and csv.billing == parquet.billing and csv.ladder == parquet.ladder
    assert csv.events == parquet.events == 3000 and csv.synthetic and parquet.synthetic


def test_a_csv_period_stores_the_parquet_form_under_the_events_key(seed: Seed, tmp_path: Path) -> None:
    seed(Stage.PROCUREMENT)
    inputs = csv_period(tmp_path)
    result = _run(inputs)
    assert result.cases[0].decision is not None and result.cases[0].decision.outcome.value == "noted"
    store = open_store()
    snapshot = store.latest(REGION, CYCLE, "steering-2026-03-source-events")
    raw = store.latest(REGION, CYCLE, "steering-2026-03-source-events-csv")
    assert snapshot is not None and raw is not None
    assert (snapshot.media_type, raw.media_type) == ("application/vnd.apache.parquet", "text/csv")
    assert raw.sha256 == _sha(inputs / "seuranta" / "2026-03" / "tapahtumat.csv")
    manifest = store.read_json(store.latest(REGION, CYCLE, "steering-2026-03-events-manifest"))
    [entry] = manifest["files"]
    assert (entry["name"], entry["rows"], entry["sha256"]) == ("tapahtumat.parquet", 14, snapshot.sha256)
    # Lineage: the CSV file → its Parquet form → the manifest.
    assert [i["key"] for i in snapshot.inputs] == ["steering-2026-03-source-events-csv"]
    assert verify(store).ok

    # An unchanged re-run stores nothing new, even with the kept conversion gone.
    def versions() -> dict[str, Any]:
        return {
            a.key: getattr(store.latest(REGION, CYCLE, a.key), "version", None)
            for a in store.list_artefacts(region=REGION, cycle=CYCLE)
        }

    before = versions()
    shutil.rmtree(converted_folder())
    _run(inputs)
    assert versions() == before


@pytest.mark.parametrize(
    ("line", "field", "reason"),
    [
        # A title and a blank line above the header (line 3), a blank line after the 4th event:
        # the 11th event is on line 15.
        ("S-KOTI-02;Hoivapolku Esimerkki Oy;K1;IKA-KOTIHOITO;k1;12.3.2026;1,x;;80", "MAARA", "'1,x' is not a number"),
        ("S-TEHPA-02;Palvelutalo Esimerkki ry;T1;IKA-TEHPA;t1;12.3.2026;-1;;80", "MAARA", "-1.0 is negative"),
        ("S-TEHPA-02;Palvelutalo Esimerkki ry;T1;IKA-TEHPA;t1;1.4.2026;1;;80", "pvm", "outside the period"),
        ("S-TEHPA-02;Väärä Oy;T1;IKA-TEHPA;t1;12.3.2026;1;;80", "tuottaja", "is not the contract's producer"),
        ("S-TEHPA-02;Palvelutalo Esimerkki ry;T1;IKA-TEHPA;t1;31.2.2026;1;;80", "pvm", "is not a date"),
        ("S-TEHPA-02;Palvelutalo Esimerkki ry;T1;IKA-TEHPA;t1;12.3.2026;1;2,5;80", "odotus_vrk", "whole"),
        ("S-TEHPA-02;Palvelutalo Esimerkki ry;T1;IKA-TEHPA;t1;12.3.2026", None, "has 6 fields but the header"),
    ],
)
def test_a_bad_csv_row_names_the_file_line_and_column(
    seed: Seed, tmp_path: Path, line: str, field: str | None, reason: str
) -> None:
    inputs = csv_period(tmp_path, preamble="Palvelutapahtumat\r\n\r\n", blank_after=3)
    path = inputs / "seuranta" / "2026-03" / "tapahtumat.csv"
    lines = path.read_bytes().decode("utf-8").split("\r\n")
    assert lines[14].startswith("S-TEHPA-02;Palvelutalo Esimerkki ry;T1;IKA-TEHPA;t0;10.3.2026")  # the 11th event
    lines[14] = line
    path.write_bytes("\r\n".join(lines).encode("utf-8"))
    error = _refused(seed, inputs)
    assert (error.file, error.row, error.field) == (str(path), 15, field), error
    assert reason in error.reason and "row group" not in error.reason
    assert list(converted_folder().glob("*")) == []  # no conversion of a refused file is kept


def test_a_csv_file_without_a_column_or_truncated(seed: Seed, tmp_path: Path) -> None:
    inputs = csv_period(tmp_path)
    path = inputs / "seuranta" / "2026-03" / "tapahtumat.csv"
    content = path.read_bytes()
    path.write_bytes(content.replace(b";ika\r\n", b"\r\n", 1))
    error = _refused(seed, inputs)
    assert (error.row, error.field) == (1, "ika") and "required column 'ika' is missing" in error.reason
    path.write_bytes(content[: len(content) - 5])  # the last row cut short: "…;1;;80" → "…;1;"
    error = _refused(seed, inputs)
    assert error.row == 15 and "has 8 fields but the header has 9" in error.reason


def test_the_events_given_twice_or_not_at_all(seed: Seed, tmp_path: Path) -> None:
    inputs = csv_period(tmp_path)
    folder = inputs / "seuranta" / "2026-03"
    shutil.copy(write_period(tmp_path / "other") / "seuranta" / "2026-03" / "tapahtumat.parquet", folder)
    error = _refused(seed, inputs)
    assert "given twice, as tapahtumat.parquet and tapahtumat.csv" in error.reason
    # The check before a whole cycle (the demo) says so too, and passes on the CSV file alone.
    ctx = make_context(Stage.STEERING, region=REGION, cycle=CYCLE, inputs_dir=inputs)
    params = DEFINITION.parse_params(None)
    with pytest.raises(InputError, match="given twice"):
        DEFINITION.precheck(ctx, params, {})
    (folder / "tapahtumat.parquet").unlink()
    assert DEFINITION.precheck(ctx, params, {}) == []
    (folder / "tapahtumat.csv").unlink()
    with pytest.raises(InputError, match=r"give tapahtumat\.parquet or tapahtumat\.csv"):
        DEFINITION.precheck(ctx, params, {})
    with pytest.raises(InputError, match=r"give tapahtumat\.parquet or tapahtumat\.csv"):
        _run(inputs)
