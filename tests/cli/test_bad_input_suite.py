"""The bad-input suite: every input file of every stage, broken in every generic way, through the CLI.

Each case copies the shipped files, breaks one, runs ``soteflow stage <stage>`` on a store where
the stages before it are approved, and asserts what a user must get: exit status 2, one line
``soteflow: error: …`` naming the file (and the row and field where there is one), no traceback,
and the store unchanged byte for byte (the SQLite file and every blob file). A case that is not
refused fails at once instead of starting a flow run.

The generic breaks: an empty file, a header without rows, a required column missing, text in a
number column, a number that overflows to infinity, a NUL character in a cell, a folder where the
file should be, and a file over its kind's size limit (a sparse file: nothing is written to disk).
A new stage adds its files to :data:`CSV_FILES` / :data:`TOML_FILES`.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from schemas.stages import Stage
from soteflow.settings import get_settings
from soteflow.stagekit import open_store
from tasks import cli
from tasks.cli import main
from tasks.definition import SIZE_LIMITS_MIB
from tests.support import DATA_DIR, Seed

EXAMPLES = DATA_DIR / "examples" / "HVA08"
OWN_PRODUCTION_XLSX = "oma_tuotanto.xlsx"


@dataclass(frozen=True)
class CsvFile:
    """An input CSV of a stage: a number column to break and a required column to drop."""

    name: str
    stage: Stage
    number: str | None  # a number (or date) column whose row-2 value must parse
    required: str
    without_xlsx: bool = False  # read only when oma_tuotanto.xlsx is absent
    header_only_ok: bool = False  # an optional file whose header alone means "none" (no overrides, no actions)


CSV_FILES = (
    CsvFile("tilinpaatos.csv", Stage.TARGETS, "palkat ja palkkiot", "maksutuotot"),
    CsvFile("talous_rahoitus.csv", Stage.TARGETS, "valtion_rahoitus", "laji"),
    CsvFile("tavoitteet.csv", Stage.TARGETS, "tavoitearvo", "mittari"),
    CsvFile("palvelukatalogi.csv", Stage.CHAINS, "vuosivolyymi", "palvelu_id"),
    CsvFile("lausunnot.csv", Stage.CHAINS, "päivämäärä", "kommentti"),
    CsvFile("vertailukustannukset.csv", Stage.CHAINS, "asiakkaat", "vertailun_lähde"),
    CsvFile("lausunnot_teemat.csv", Stage.CHAINS, None, "päättäjä"),
    CsvFile("lausunnot_vastineet.csv", Stage.CHAINS, None, "vastine"),
    CsvFile("oma_tuotanto_kustannukset.csv", Stage.COMPARISON, "suoritteet", "palvelu_id", without_xlsx=True),
    CsvFile("oma_tuotanto_tukipalvelut.csv", Stage.COMPARISON, "osuus %", "kohde", without_xlsx=True),
    CsvFile("ostopalvelut.csv", Stage.COMPARISON, "hinta €/suorite", "palvelu_id"),
    CsvFile("laatu_saatavuus.csv", Stage.COMPARISON, "laatu", "tuotantotapa"),
    CsvFile("henkilosto.csv", Stage.COMPARISON, "htv", "ammattiryhmä"),
    CsvFile("sopimukset.csv", Stage.PROCUREMENT, "vuosiarvo €", "päättyy"),
    CsvFile("hankintaluokat.csv", Stage.PROCUREMENT, None, "vastuu"),
    CsvFile("hankintakohteet.csv", Stage.PROCUREMENT, "sopimuskausi_v", "korvausmalli"),
    CsvFile("vertailuperusteet.csv", Stage.PROCUREMENT, "paino %", "peruste"),
    CsvFile("tarjoukset.csv", Stage.PROCUREMENT, "hinta €", "tarjoaja"),
    CsvFile("palvelusetelit.csv", Stage.PROCUREMENT, "jakaja", "malli"),
    CsvFile("palveluseteli_tulorajat.csv", Stage.PROCUREMENT, "prosentti %", "henkilömäärä"),
    CsvFile("tuottajahakemukset.csv", Stage.PROCUREMENT, "hinta €/suorite", "tuottaja"),
    CsvFile("henkilokohtainen_budjetti.csv", Stage.PROCUREMENT, "määrä/v", "palvelu_id"),
    CsvFile("arviointi_mittarit.csv", Stage.EVALUATION, "toteuma", "tavoite_id"),
    CsvFile("arviointi_asiakaskokemus.csv", Stage.EVALUATION, "keskiarvo", "asiakasryhmä"),
    CsvFile("arviointi_palvelut.csv", Stage.EVALUATION, "kustannukset €", "suoritteet"),
    CsvFile("arviointi_talous.csv", Stage.EVALUATION, "toimintakulut €", "asiakasryhmä"),
    CsvFile("arviointi_arvosanat.csv", Stage.EVALUATION, "arvosana", "laatija", header_only_ok=True),
    CsvFile("riskirekisteri.csv", Stage.EVALUATION, "todennäköisyys", "vaikutus"),
    CsvFile("arviointi_jatkotoimet.csv", Stage.EVALUATION, None, "aikataulu", header_only_ok=True),
)

TOML_FILES = (
    ("talous_oletukset.toml", Stage.TARGETS),
    ("sopimusehdot.toml", Stage.PROCUREMENT),
    ("saantokirja.toml", Stage.PROCUREMENT),
)


def _before(stage: Stage) -> Stage:
    return list(Stage)[stage.number - 2]


def _encoding(path: Path) -> str:
    try:
        path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def _rows(path: Path) -> tuple[list[list[str]], str]:
    encoding = _encoding(path)
    lines = path.read_text(encoding=encoding).splitlines()
    import csv

    return list(csv.reader(lines, delimiter=";")), encoding


def _write_rows(path: Path, rows: list[list[str]], encoding: str) -> None:
    import csv
    import io

    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding=encoding)


def _set_cell(column: str, value: str) -> Callable[[Path], None]:
    def apply(path: Path) -> None:
        rows, encoding = _rows(path)
        rows[1][rows[0].index(column)] = value
        _write_rows(path, rows, encoding)

    return apply


def _drop_column(column: str) -> Callable[[Path], None]:
    def apply(path: Path) -> None:
        rows, encoding = _rows(path)
        index = rows[0].index(column)
        _write_rows(path, [[c for i, c in enumerate(row) if i != index] for row in rows], encoding)

    return apply


def _header_only(path: Path) -> None:
    rows, encoding = _rows(path)
    _write_rows(path, rows[:1], encoding)


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _folder(path: Path) -> None:
    path.unlink()
    path.mkdir()


def _oversized(path: Path) -> None:
    limit = SIZE_LIMITS_MIB["text/csv" if path.suffix == ".csv" else "application/toml"] * 2**20
    with path.open("r+b") as f:
        f.truncate(limit + 1)  # sparse: no data written


def _nul_in_text(path: Path) -> None:
    rows, encoding = _rows(path)
    text_column = next(i for i, value in enumerate(rows[1]) if value and not value[0].isdigit())
    rows[1][text_column] = rows[1][text_column][:3] + "\x00" + rows[1][text_column][3:]
    _write_rows(path, rows, encoding)


def _csv_cases() -> list[object]:
    cases: list[object] = []
    for spec in CSV_FILES:
        breaks: list[tuple[str, Callable[[Path], None], tuple[str, ...]]] = [
            ("empty", _empty, ()),
            *([] if spec.header_only_ok else [("header-only", _header_only, ())]),
            ("missing-column", _drop_column(spec.required), (f"field {spec.required}",)),
            ("nul", _nul_in_text, ("row 2", "control character")),
            ("folder", _folder, ("a folder where a file is expected",)),
            ("oversized", _oversized, ("MiB",)),
        ]
        if spec.number is not None:
            breaks += [
                ("text-in-number", _set_cell(spec.number, "abc"), ("row 2", f"field {spec.number}")),
                ("infinite", _set_cell(spec.number, "1e999"), ("row 2", f"field {spec.number}")),
            ]
        for label, breaker, expected in breaks:
            cases.append(
                pytest.param(spec.stage, spec.name, spec.without_xlsx, breaker, expected, id=f"{spec.name}-{label}")
            )
    for name, stage in TOML_FILES:
        for label, breaker, expected in [
            ("syntax", lambda p: p.write_text(p.read_text(encoding="utf-8") + "\n= broken\n", encoding="utf-8"), ()),
            ("empty", _empty, ()),
            ("folder", _folder, ("a folder where a file is expected",)),
            ("oversized", _oversized, ("MiB",)),
        ]:
            cases.append(pytest.param(stage, name, False, breaker, expected, id=f"{name}-{label}"))
    # Not a broken file but the wrong year: cycle 2026 prepares the budget 2027 and the financial plan
    # 2027–2029 (611/2021 115 § 1 mom.; [planning] in default.toml), and the 2026 budget already stands.
    cases.append(
        pytest.param(
            Stage.TARGETS,
            "talous_oletukset.toml",
            False,
            _replace_text("kehysvuosi = 2027", "kehysvuosi = 2026"),
            ("field kehys.kehysvuosi", "the frame year 2026 is not the budget year 2027"),
            id="talous_oletukset.toml-frame-year-not-the-planning-year",
        )
    )
    return cases


def _replace_text(old: str, new: str) -> Callable[[Path], None]:
    def apply(path: Path) -> None:
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {path.name}"
        path.write_text(text.replace(old, new), encoding="utf-8")

    return apply


def _snapshot() -> tuple[str, tuple[tuple[str, str], ...]]:
    """The store byte for byte: a hash over every row of the SQLite database and every blob file's hash."""
    settings = get_settings()
    home = Path(settings.blob_dir).parent
    database = home / "soteflow.db"
    digest = ""
    if database.is_file():  # every row, the write-ahead log included (a file hash would miss it)
        connection = sqlite3.connect(database)
        try:
            digest = hashlib.sha256("\n".join(connection.iterdump()).encode()).hexdigest()
        finally:
            connection.close()
    blobs = Path(settings.blob_dir)
    files = (
        tuple(
            sorted(
                (str(p.relative_to(blobs)), hashlib.sha256(p.read_bytes()).hexdigest())
                for p in blobs.rglob("*")
                if p.is_file()
            )
        )
        if blobs.is_dir()
        else ()
    )
    return digest, files


@pytest.fixture
def no_flow_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """A case that is not refused must fail here, not start a Prefect flow run."""

    def refuse(_path: str) -> object:
        raise AssertionError("the bad input was not refused: the stage's flow would have run")

    monkeypatch.setattr(cli, "_flow", refuse)


def _refused(argv: list[str], capsys: pytest.CaptureFixture[str], *expected: str) -> str:
    before = _snapshot()
    capsys.readouterr()
    try:
        main(argv)
        status = 0
    except SystemExit as exc:
        status = int(exc.code or 0)
    err = capsys.readouterr().err
    assert status == 2, err
    assert err.startswith("soteflow: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    for part in expected:
        assert part in err, err
    assert _snapshot() == before, "the store changed"
    return err


@pytest.mark.usefixtures("no_flow_runs")
@pytest.mark.parametrize(("stage", "name", "without_xlsx", "breaker", "expected"), _csv_cases())
def test_a_broken_input_file_is_refused_naming_it(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    seed: Seed,
    stage: Stage,
    name: str,
    without_xlsx: bool,
    breaker: Callable[[Path], None],
    expected: tuple[str, ...],
) -> None:
    seed(_before(stage))
    inputs = tmp_path / "inputs"
    shutil.copytree(EXAMPLES, inputs, ignore=shutil.ignore_patterns("*.py", "README.md"))
    if without_xlsx:
        (inputs / OWN_PRODUCTION_XLSX).unlink()
    breaker(inputs / name)
    _refused(["stage", stage.value, "--region", "HVA08", "--inputs", str(inputs)], capsys, name, *expected)


def _statfin_copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR / "statfin", target / "statfin")
    shutil.copytree(DATA_DIR / "geo", target / "geo")
    return target


def _pxweb_duplicate_column(path: Path) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["columns"].append(dict(doc["columns"][-1]))
    for row in doc["data"]:
        row["values"].append(row["values"][-1])
    path.write_text(json.dumps(doc), encoding="utf-8")


@pytest.mark.usefixtures("no_flow_runs")
@pytest.mark.parametrize(
    ("breaker", "expected"),
    [
        pytest.param(lambda p: p.write_text("{not json", encoding="utf-8"), (), id="not-json"),
        pytest.param(_empty, (), id="empty"),
        pytest.param(lambda p: p.write_text('{"columns": []}', encoding="utf-8"), (), id="no-data"),
        pytest.param(_pxweb_duplicate_column, ("twice",), id="column-twice"),
        pytest.param(_folder, ("a folder where a file is expected",), id="folder"),
        pytest.param(
            lambda p: p.open("r+b").truncate(SIZE_LIMITS_MIB["application/json"] * 2**20 + 1), ("MiB",), id="oversized"
        ),
    ],
)
def test_a_broken_pxweb_export_is_refused_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], breaker: Callable[[Path], None], expected: tuple[str, ...]
) -> None:
    data = _statfin_copy(tmp_path)
    name = "income_register_kunnat_14ww.json"
    breaker(data / "statfin" / name)
    _refused(["stage", "needs", "--region", "HVA08", "--data", str(data)], capsys, name, *expected)


@pytest.mark.usefixtures("no_flow_runs")
@pytest.mark.parametrize(
    ("breaker", "expected"),
    [
        pytest.param(lambda p: p.write_bytes(b"PK\x03\x04 not really a workbook"), (), id="not-a-workbook"),
        pytest.param(_empty, (), id="empty"),
        pytest.param(_folder, ("a folder where a file is expected",), id="folder"),
    ],
)
def test_a_broken_workbook_is_refused_naming_it(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    seed: Seed,
    breaker: Callable[[Path], None],
    expected: tuple[str, ...],
) -> None:
    seed(Stage.CHAINS)
    inputs = tmp_path / "inputs"
    shutil.copytree(EXAMPLES, inputs, ignore=shutil.ignore_patterns("*.py", "README.md"))
    breaker(inputs / OWN_PRODUCTION_XLSX)
    _refused(
        ["stage", "comparison", "--region", "HVA08", "--inputs", str(inputs)], capsys, OWN_PRODUCTION_XLSX, *expected
    )


@pytest.mark.usefixtures("no_flow_runs")
@pytest.mark.parametrize("meeting", ["2027-01-01", "2027-01-04"])
def test_a_frame_meeting_in_the_frame_year_is_refused(
    capsys: pytest.CaptureFixture[str], seed: Seed, meeting: str
) -> None:
    # The frame 2027 prepares the budget 2027, which the council adopts by the end of 2026
    # (611/2021 115 § 1 mom.): a meeting on or after 1.1.2027 is refused before anything runs.
    seed(Stage.NEEDS)
    err = _refused(["stage", "targets", "--region", "HVA08", "--meeting-date", meeting], capsys, "--meeting-date")
    assert f"the meeting date {meeting} is not before the budget year 2027" in err
    assert "115 § 1 mom." in err


@pytest.mark.usefixtures("no_flow_runs")
@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        pytest.param(["stage", "needs", "--region", "Atlantis"], ("Atlantis",), id="unknown-region"),
        pytest.param(["stage", "needs", "--cycle", "99999"], ("--cycle",), id="cycle-too-large"),
        pytest.param(["stage", "needs", "--cycle", "-1"], ("--cycle",), id="cycle-negative"),
        pytest.param(["stage", "needs", "--weight", "need=inf"], ("--weight",), id="weight-infinite"),
        pytest.param(["stage", "needs", "--weight", "nosuch=1"], ("--weight",), id="weight-unknown"),
        pytest.param(["stage", "needs", "--meeting-date", "31.2.2026"], ("--meeting-date",), id="meeting-date"),
        pytest.param(["stage", "needs", "--data", "/nonexistent/folder"], ("/nonexistent/folder",), id="data-missing"),
        pytest.param(["stage", "targets", "--region", "HVA08"], ("needs",), id="no-approved-basis"),
        pytest.param(["stage", "procurement", "--horizon-years", "0"], ("--horizon-years",), id="horizon-zero"),
    ],
)
def test_a_bad_argument_is_refused_naming_it(
    capsys: pytest.CaptureFixture[str], argv: list[str], expected: tuple[str, ...]
) -> None:
    open_store().list_artefacts(region="HVA08", cycle=2026)  # an empty store, created: it must stay as it is
    _refused(argv, capsys, *expected)


# -- stage 6: the period's events as CSV (tapahtumat.csv, converted streaming to Parquet) -------------

EVENTS_CSV = Path("seuranta") / "2026-03" / "tapahtumat.csv"


def _events_lines(path: Path) -> list[str]:
    return path.read_bytes().decode("utf-8").split("\n")


def _events_cell(column: str, value: str) -> Callable[[Path], None]:
    """The first event's (line 3: a title, then the header) ``column`` set to ``value``."""

    def apply(path: Path) -> None:
        lines = _events_lines(path)
        cells = lines[2].split(";")
        cells[lines[1].split(";").index(column)] = value
        lines[2] = ";".join(cells)
        path.write_bytes("\n".join(lines).encode("utf-8"))

    return apply


def _events_drop_column(column: str) -> Callable[[Path], None]:
    def apply(path: Path) -> None:
        lines = _events_lines(path)
        index = lines[1].split(";").index(column)
        kept = [lines[0]] + [";".join(c for i, c in enumerate(line.split(";")) if i != index) for line in lines[1:]]
        path.write_bytes("\n".join(kept).encode("utf-8"))

    return apply


def _events_ragged(path: Path) -> None:
    lines = _events_lines(path)
    lines[4] = lines[4].rsplit(";", 1)[0]  # the third event (line 5) lost its last field
    path.write_bytes("\n".join(lines).encode("utf-8"))


def _events_truncated(path: Path) -> None:
    content = path.read_bytes()
    path.write_bytes(content[: content.rstrip(b"\n").rfind(b";", 0, len(content) - 20)])  # cut inside the last row


@pytest.mark.usefixtures("no_flow_runs")
@pytest.mark.parametrize(
    ("breaker", "expected"),
    [
        pytest.param(
            _events_cell("maara", "abc"), ("row 3", "field maara", "'abc' is not a number"), id="text-in-number"
        ),
        pytest.param(_events_cell("maara", "-1,5"), ("row 3", "field maara", "negative"), id="negative-volume"),
        pytest.param(_events_cell("pvm", "1.4.2026"), ("row 3", "field pvm", "outside the period"), id="date-outside"),
        pytest.param(_events_cell("pvm", "31.3.20x6"), ("row 3", "field pvm", "is not a date"), id="not-a-date"),
        pytest.param(
            _events_cell("tuottaja", "Tuntematon Oy"),
            ("row 3", "field tuottaja", "'Tuntematon Oy'"),
            id="unknown-producer",
        ),
        pytest.param(_events_cell("asiakas", "as-\x00"), ("row 3", "field asiakas", "control character"), id="nul"),
        pytest.param(
            _events_drop_column("ika"), ("row 2", "field ika", "required column 'ika' is missing"), id="missing-column"
        ),
        pytest.param(_events_ragged, ("row 5", "has 8 fields but the header has 9"), id="ragged-row"),
        pytest.param(_events_truncated, ("fields but the header has 9",), id="truncated"),
        pytest.param(lambda p: p.write_bytes(b""), ("empty",), id="empty"),
    ],
)
def test_a_broken_events_csv_is_refused_naming_it(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    seed: Seed,
    breaker: Callable[[Path], None],
    expected: tuple[str, ...],
) -> None:
    import pyarrow.parquet as pq

    from tasks.monitoring.generator import EventsCsvWriter

    seed(Stage.PROCUREMENT)
    inputs = tmp_path / "inputs"
    shutil.copytree(EXAMPLES, inputs, ignore=shutil.ignore_patterns("*.py", "README.md"))
    parquet = inputs / EVENTS_CSV.with_suffix(".parquet")
    with EventsCsvWriter(inputs / EVENTS_CSV, "Palvelutapahtumat maaliskuu 2026") as writer:
        writer.write_table(pq.read_table(parquet))
    parquet.unlink()
    breaker(inputs / EVENTS_CSV)
    argv = ["stage", "steering", "--region", "HVA08", "--period", "2026-03", "--inputs", str(inputs)]
    _refused(argv, capsys, "tapahtumat.csv", *expected)


@pytest.mark.usefixtures("no_flow_runs")
@pytest.mark.parametrize(
    ("name", "column", "value", "expected"),
    [
        pytest.param("lausunnot_teemat.csv", "kommentti_id", "L999", ("row 2", "field kommentti_id"), id="review-id"),
        pytest.param("lausunnot_teemat.csv", "teema", "hinnat", ("row 2", "field teema"), id="review-theme"),
        pytest.param("lausunnot_vastineet.csv", "teema", "hinnat", ("row 2", "field teema"), id="response-theme"),
        pytest.param("vertailukustannukset.csv", "palvelukokonaisuus_id", "PK-X", ("row 2",), id="benchmark-package"),
    ],
)
def test_a_wrong_stage_3_review_or_benchmark_is_refused_naming_it(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    seed: Seed,
    name: str,
    column: str,
    value: str,
    expected: tuple[str, ...],
) -> None:
    seed(Stage.TARGETS)
    inputs = tmp_path / "inputs"
    shutil.copytree(EXAMPLES, inputs, ignore=shutil.ignore_patterns("*.py", "README.md"))
    _set_cell(column, value)(inputs / name)
    _refused(["stage", "chains", "--region", "HVA08", "--inputs", str(inputs)], capsys, name, *expected)


@pytest.mark.usefixtures("no_flow_runs")
def test_a_comment_dated_after_the_meeting_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], seed: Seed
) -> None:
    seed(Stage.TARGETS)
    inputs = tmp_path / "inputs"
    shutil.copytree(EXAMPLES, inputs, ignore=shutil.ignore_patterns("*.py", "README.md"))
    argv = ["stage", "chains", "--region", "HVA08", "--inputs", str(inputs), "--meeting-date", "2025-01-15"]
    _refused(argv, capsys, "lausunnot.csv", "field päivämäärä", "after the meeting")
