"""Stage-4 exports are published (and embedded in the PDF/A): text from input files never becomes a
spreadsheet formula (OWASP CSV injection: cells starting with =, +, -, @, tab or carriage return)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from schemas.comparison import ComparisonAnalysis
from tasks.comparison.exports import export_csv, export_xlsx, neutralise
from tasks.comparison.proposal import document_created
from tests.fixtures.comparison.worked_example import CHAINS_BASIS, worked_analysis, write_worked_example

NAMES = ['=HYPERLINK("http://example.invalid/","klik")', "+SUM(1;2)", "@cmd", "-2+3", "\tTab", "\rCR"]


@pytest.fixture
def hostile(tmp_path: Path) -> ComparisonAnalysis:
    """The worked example with hostile service names in the own-production table."""
    analysis = worked_analysis(write_worked_example(tmp_path / "inputs"))
    services = [
        service.model_copy(update={"name": NAMES[i % len(NAMES)]}) for i, service in enumerate(analysis.own.services)
    ]
    assert len(services) >= 2
    own = analysis.own.model_copy(update={"services": services})
    return analysis.model_copy(update={"own": own})


def test_neutralise_leaves_numbers_and_plain_text() -> None:
    assert neutralise("=1+1") == "'=1+1"
    assert neutralise("-5") == "-5" and neutralise("+3,5") == "+3,5"  # numbers as written
    assert neutralise(-5.5) == -5.5 and neutralise("Kotihoito") == "Kotihoito"


def test_csv_cells_are_text_not_formulas(hostile: ComparisonAnalysis) -> None:
    rows = list(csv.reader(io.StringIO(export_csv(hostile).decode("utf-8-sig"), newline=""), delimiter=";"))
    names = {row[1] for row in rows[1:]}
    used = {name for name in NAMES if f"'{name}" in names}
    assert len(used) >= 2
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), row
            assert not cell.startswith("-") or cell[1:].replace(",", "").isdigit(), row  # negative numbers stay


def test_xlsx_has_no_formula_cell_and_shows_the_text_as_written(hostile: ComparisonAnalysis) -> None:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(export_xlsx(hostile, document_created(CHAINS_BASIS, 2026))))["Vertailu"]
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    written = {c.value for c in cells if c.column == 2}
    assert NAMES[0] in written  # the name as it was given, as text
    assert all(c.quotePrefix for c in cells if c.value == NAMES[0])
