"""Bad input found by issue 15's probe: one line naming the file (row, field) or option, exit 2,
no traceback, and the store exactly as it was (rows and blob files).

Every case is refused before a run starts, so none needs a Prefect server.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlmodel import select

from schemas.stages import Stage
from soteflow.stagekit import open_store
from soteflow.store import Artefact, ArtefactVersion, AuditEvent, Decision
from tasks.cli import main
from tests.store.factories import propose_round
from tests.support import DATA_DIR, Seed


def run(argv: list[str]) -> int:
    """Run the CLI in-process and return its exit status."""
    try:
        main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def _store_state() -> tuple[int, ...]:
    """Row counts of every table and the number of blob files: 'the store unchanged'."""
    store = open_store()
    with store.session() as session:
        rows = tuple(len(session.exec(select(m)).all()) for m in (Artefact, ArtefactVersion, Decision, AuditEvent))
    return (*rows, len(list(store.blobs.iter_relative_paths())))


def _refused(argv: list[str], capsys: pytest.CaptureFixture[str], *expected: str) -> None:
    before = _store_state()
    capsys.readouterr()
    assert run(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("soteflow: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    for part in expected:
        assert part in err, err
    assert _store_state() == before


def _statfin_copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR / "statfin", target / "statfin")
    shutil.copytree(DATA_DIR / "geo", target / "geo")
    return target


def _set_pxweb_value(path: Path, row: int, column: str, value: str) -> str:
    """Set a value of a PxWeb export (row 1 = first data row); returns the row's area code."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    values = [c["code"] for c in doc["columns"] if c["type"] == "c"]
    doc["data"][row - 1]["values"][values.index(column)] = value
    path.write_text(json.dumps(doc), encoding="utf-8")
    return str(doc["data"][row - 1]["key"])


@pytest.mark.parametrize(
    ("file", "column", "value", "expected"),
    [
        ("age_register_kunnat_11ra.json", "vaesto_yli64_p", "1e999", "value '1e999' is neither a number"),
        ("population_register_kunnat_121w.json", "ssaaty-vaesto", "-5", "negative value -5"),
    ],
)
def test_a_pxweb_value_that_is_infinite_or_a_negative_population_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], file: str, column: str, value: str, expected: str
) -> None:
    data = _statfin_copy(tmp_path)
    _set_pxweb_value(data / "statfin" / file, 4, column, value)
    _refused(
        ["stage", "needs", "--region", "HVA08", "--data", str(data)], capsys, f"{file}, row 4, field {column}", expected
    )


def test_an_infinite_number_in_a_region_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], seed: Seed
) -> None:
    seed(Stage.NEEDS)
    inputs = tmp_path / "inputs"
    shutil.copytree(DATA_DIR / "examples" / "HVA08", inputs)
    path = inputs / "tilinpaatos.csv"
    lines = [line.split(";") for line in path.read_text(encoding="utf-8").splitlines()]
    lines[1][lines[0].index("vuokrat")] = "1e999"
    path.write_text("\n".join(";".join(cells) for cells in lines) + "\n", encoding="utf-8")
    _refused(
        ["stage", "targets", "--region", "HVA08", "--inputs", str(inputs)],
        capsys,
        "tilinpaatos.csv, row 2, field vuokrat",
        "'1e999' is not a finite number",
    )


def test_decisions_pointing_at_a_folder_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _refused(
        ["stage", "needs", "--gate", "scripted", "--decisions", str(tmp_path)],
        capsys,
        f"{tmp_path}, field --decisions: is a folder, not a decisions file",
    )


DECIDE = ["decide", "--stage", "needs", "--case", "needs", "--region", "HVA08", "--cycle", "2026"]


@pytest.mark.parametrize(
    ("option", "value", "expected"),
    [
        ("--body", "   ", "invalid decision: --body: String should have at least 1 character"),
        ("--recorded-by", "\t", "invalid decision: --recorded-by: String should have at least 1 character"),
        ("--section", "1" * 300, "invalid decision: --section: String should have at most 20 characters"),
        ("--decision-number", "x" * 51, "invalid decision: --decision-number: String should have at most 50"),
        ("--meeting-date", "7.9.2026", "invalid decision: --meeting-date '7.9.2026' is not a date (YYYY-MM-DD)"),
        ("--outcome", "hyväksytty", "invalid decision: --outcome must be one of approved, returned"),
    ],
)
def test_a_blank_or_over_long_decision_field_is_refused(
    capsys: pytest.CaptureFixture[str], option: str, value: str, expected: str
) -> None:
    propose_round(open_store())  # a case awaiting its decision: it must stay so
    fields = {
        "--outcome": "approved",
        "--body": "Aluehallitus",
        "--meeting-date": "2026-09-07",
        "--section": "101",
        "--recorded-by": "Sihteeri",
        option: value,
    }
    _refused([*DECIDE, *(part for item in fields.items() for part in item)], capsys, expected)
