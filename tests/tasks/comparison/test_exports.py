"""Stage-4 exports: every figure of the comparison as a CSV or .xlsx row with its source rows (the
``lähde`` column), the workbook's bytes fixed by the data."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest

from schemas.comparison import ComparisonAnalysis
from tasks.comparison.exports import EXPORT_COLUMNS, export_csv, export_rows, export_xlsx
from tasks.comparison.proposal import document_created
from tests.fixtures.comparison.worked_example import CHAINS_BASIS, worked_analysis, write_worked_example


@pytest.fixture
def analysis(tmp_path: Path) -> ComparisonAnalysis:
    return worked_analysis(write_worked_example(tmp_path / "inputs"))


def test_csv_export_has_every_figure_with_its_source(analysis: ComparisonAnalysis) -> None:
    data = export_csv(analysis)
    assert data.startswith("\ufeff".encode())  # BOM: Excel opens UTF-8 correctly
    assert b"\r\n" in data  # Excel's line ends
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert list(rows[0]) == ["palvelu_id", "palvelu", "tuotantotapa", "tieto", "arvo", "yksikkö", "lähde"]
    assert tuple(rows[0]) == EXPORT_COLUMNS
    assert all(row["lähde"] for row in rows)
    unit = next(
        r
        for r in rows
        if r["palvelu_id"] == "IKA-KOTIHOITO"
        and r["tuotantotapa"] == "oma tuotanto"
        and r["tieto"] == "yksikkökustannus (brutto)"
    )
    assert (unit["arvo"], unit["yksikkö"]) == ("50,07", "€/käynti")
    assert unit["lähde"] == ("oma_tuotanto_kustannukset.csv / rivit 2, 4–5; oma_tuotanto_tukipalvelut.csv / rivit 2, 5")
    # A machine-readable number: decimal comma, no thousands separator (Excel reads it as a number).
    volume = next(
        r
        for r in rows
        if r["palvelu_id"] == "IKA-KOTIHOITO" and r["tieto"] == "suoritteet" and r["tuotantotapa"] == "oma tuotanto"
    )
    assert (volume["arvo"], volume["lähde"]) == ("10000", "oma_tuotanto_kustannukset.csv / rivi 2")
    price = next(
        r
        for r in rows
        if r["tuotantotapa"] == "ostopalvelu" and r["tieto"].startswith("Sopimushinta") and r["yksikkö"] == "€/käynti"
    )
    assert (price["arvo"], price["lähde"]) == ("43,7", "ostopalvelut.csv / rivi 2")
    recommendation = next(r for r in rows if r["tieto"] == "suositeltu tuotantotapa" and r["palvelu_id"] == "IKA-TEHPA")
    assert recommendation["arvo"] == "palveluseteli"
    reconciliation = next(r for r in rows if r["tieto"] == "Eläkekulut: tuloslaskelma")
    assert (reconciliation["arvo"], reconciliation["lähde"]) == ("99000", "oma_tuotanto_tuloslaskelma.csv / rivi 3")
    # The sensitivity of each recommendation, with the dated rule as its source: home care's
    # purchased price −5 … +15 % puts the bought visit at 43,02–51,76 € against today's 45,31 €.
    price = [r for r in rows if r["palvelu_id"] == "IKA-KOTIHOITO" and "seuraavassa kilpailutuksessa" in r["tieto"]]
    assert [(r["tuotantotapa"], r["tieto"].split(": ", 2)[-1], r["arvo"]) for r in price[:4]] == [
        ("suositus", "tarkasteltu vaihteluväli", "−5 … +15\u00a0%"),
        ("ostopalvelu", "yksikkökustannus, alaraja", "43,02"),
        ("ostopalvelu", "yksikkökustannus, yläraja", "51,76"),
        ("suositus", "suositus pysyy", "ei"),
    ]
    assert price[0]["lähde"].startswith("Hyvinvointialueen oletus")
    assert len(rows) == len(export_rows(analysis))


def test_xlsx_export_is_deterministic_and_has_the_source_column(analysis: ComparisonAnalysis) -> None:
    created = document_created(CHAINS_BASIS, 2026)
    assert created == dt.datetime(2026, 10, 5, 12, 0, tzinfo=dt.UTC)
    first, second = export_xlsx(analysis, created), export_xlsx(analysis, created)
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2026, 10, 5, 12, 0, 0)}
        core = archive.read("docProps/core.xml").decode()
    assert "2026-10-05T12:00:00Z" in core
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(first))
    sheet = workbook["Vertailu"]
    header = [c.value for c in sheet[1]]
    assert header[-1] == "lähde"
    values = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(values) == len(export_rows(analysis))
    assert all(row[-1] for row in values)
    assert workbook.properties.created == dt.datetime(2026, 10, 5, 12, 0)
    # In the workbook a figure is a number, not text.
    unit = next(
        row
        for row in values
        if row[0] == "IKA-KOTIHOITO" and row[2] == "oma tuotanto" and row[3] == "yksikkökustannus (brutto)"
    )
    assert unit[4] == 50.07
