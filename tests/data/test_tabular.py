"""The Finnish CSV / .xlsx row reader: parsing, row numbers and the error for every kind of bad input."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import Workbook
from pydantic import BaseModel, ConfigDict, Field

from schemas.tabular import FiDate, FiFloat, FiInt, Text, parse_fi_number
from soteflow.data.tabular import read_rows, read_table, sheet_names, unique
from soteflow.errors import InputError


class Cost(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    product: Text = Field(alias="Palvelutuote")
    volume: FiInt = Field(alias="Suoritteet", ge=0)
    cost: FiFloat = Field(alias="Kustannus €")
    note: Text | None = Field(default=None, alias="Huomautus")
    day: FiDate | None = Field(default=None, alias="Päivä")


def _csv(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "kustannukset.csv"
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 234,5", 1234.5),
        ("1\u00a0234\u00a0567", 1234567),
        ("−12,25", -12.25),  # a minus sign (U+2212) as spreadsheets print it
        ("12,5 %", 12.5),
        ("1.234,50", 1234.5),
        ("0,1", 0.1),
        ("", None),
        (7, 7),
    ],
)
def test_finnish_numbers(text: object, expected: object) -> None:
    assert parse_fi_number(text) == expected


def test_csv_in_cp1252_with_decimal_commas_keeps_file_row_numbers(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "Palvelutuote;Suoritteet;Kustannus €;Huomautus;Päivä;Muu sarake\r\n"
        "Kotihoito;1 200;48 000,50;käyntejä;3.9.2024;x\r\n"
        ";;;;;\r\n"  # an empty line is not a row, but still counts in the numbering
        "Tehostettu palveluasuminen;30;2 100 000;;;\r\n",
        encoding="cp1252",
    )
    rows = read_rows(path, Cost)
    assert [r.number for r in rows] == [2, 4]
    assert rows[0].value == Cost.model_validate(
        {"product": "Kotihoito", "volume": 1200, "cost": 48000.5, "note": "käyntejä", "day": dt.date(2024, 9, 3)},
        by_name=True,
    )
    assert rows[1].value.cost == 2_100_000.0 and rows[1].value.note is None
    assert read_table(path).encoding == "cp1252"


def test_utf8_with_bom_and_header_case_and_spacing(tmp_path: Path) -> None:
    path = _csv(tmp_path, "\ufeffpalvelutuote ; SUORITTEET;kustannus  €\nKotihoito;5;10,0\n")
    assert read_rows(path, Cost)[0].value.volume == 5


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "Palvelutuote;Suoritteet\nKotihoito;5\n",
            "row 1, field Kustannus €: required column 'Kustannus €' is missing",
        ),
        (
            "Palvelutuote;Suoritteet;Kustannus €\nKotihoito;viisi;1\n",
            "row 2, field Suoritteet: 'viisi' is not a number",
        ),
        (
            "Palvelutuote;Suoritteet;Kustannus €\nKotihoito;-5;1\n",
            "row 2, field Suoritteet: Input should be greater than",
        ),
        ("Palvelutuote;Suoritteet;Kustannus €\nKotihoito;5;\n", "row 2, field Kustannus €: the cell is empty"),
        (
            "Palvelutuote;Suoritteet;Kustannus €\nKotihoito;1,5;1\n",
            "row 2, field Suoritteet: Input should be a valid integer",
        ),
        (
            "Palvelutuote;Suoritteet;Kustannus €;Päivä\nA;1;1;31.2.2024\n",
            "row 2, field Päivä: '31.2.2024' is not a date",
        ),
        (
            "Palvelutuote;Suoritteet;Kustannus €\nA;1;1;ylimääräinen\n",
            "row 2: the row has 4 fields but the header has 3",
        ),
        ("Palvelutuote;Suoritteet;Suoritteet\nA;1;1\n", "row 1, field Suoritteet: column 'Suoritteet' appears twice"),
        ("Palvelutuote,Suoritteet,Kustannus €\nA,1,1\n", "row 1: expected columns separated by ';'"),
        ("", "the file is empty"),
        ("\n\n", "the file is empty"),
        ("Palvelutuote;Suoritteet;Kustannus €\n", "row 1: the file has a header but no data rows"),
    ],
)
def test_bad_csv_names_file_row_and_field(tmp_path: Path, text: str, message: str) -> None:
    path = _csv(tmp_path, text)
    with pytest.raises(InputError) as caught:
        read_rows(path, Cost)
    assert caught.value.message.startswith(str(path))
    assert message in caught.value.message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        read_rows(tmp_path / "puuttuu.csv", Cost)


def test_duplicate_ids_are_reported_at_the_second_row(tmp_path: Path) -> None:
    path = _csv(tmp_path, "Palvelutuote;Suoritteet;Kustannus €\nA;1;1\nB;1;1\nA;2;2\n")
    rows = read_rows(path, Cost)
    with pytest.raises(InputError) as caught:
        unique(rows, path, "product", "Palvelutuote")
    assert caught.value.message == f"{path}, row 4, field Palvelutuote: duplicate Palvelutuote 'A' (first on row 2)"


def _workbook(path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Kustannukset"
    sheet.append(["Raportti: esimerkki"])  # a title line above the header, as finance exports have
    sheet.append([])
    sheet.append(["Palvelutuote", "Suoritteet", "Kustannus €"])
    sheet.append(["Kotihoito", 1200, 48000.5])
    sheet.append(["Omaishoito", "12", "1 000,25"])
    book.create_sheet("Tukipalvelut")
    book.save(path)


def test_xlsx_rows_keep_sheet_row_numbers_and_cell_types(tmp_path: Path) -> None:
    path = tmp_path / "oma.xlsx"
    _workbook(path)
    assert sheet_names(path) == ["Kustannukset", "Tukipalvelut"]
    rows = read_rows(path, Cost, sheet="Kustannukset")  # the title line above the header is skipped
    assert [(r.number, r.value.product, r.value.volume, r.value.cost) for r in rows] == [
        (4, "Kotihoito", 1200, 48000.5),
        (5, "Omaishoito", 12, 1000.25),
    ]


def test_xlsx_errors_name_sheet_row_and_column(tmp_path: Path) -> None:
    path = tmp_path / "oma.xlsx"
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Kustannukset"
    sheet.append(["Palvelutuote", "Suoritteet", "Kustannus €"])
    sheet.append(["Kotihoito", 1200, 48000.5])
    sheet.append(["Omaishoito", "kaksitoista", 1000])
    book.save(path)
    with pytest.raises(InputError) as caught:
        read_rows(path, Cost, sheet="Kustannukset")
    assert caught.value.message == f"{path}, sheet Kustannukset, row 3, field Suoritteet: 'kaksitoista' is not a number"
    with pytest.raises(InputError) as missing:
        read_rows(path, Cost, sheet="Tukipalvelut")
    assert (
        missing.value.message
        == f"{path}, sheet Tukipalvelut: sheet 'Tukipalvelut' is missing; the workbook has Kustannukset"
    )


def test_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "rikki.xlsx"
    path.write_bytes(b"not a zip")
    with pytest.raises(InputError, match=r"not readable as an \.xlsx workbook"):
        read_rows(path, Cost, sheet="Kustannukset")
