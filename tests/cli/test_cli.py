"""The ``soteflow`` command: the demo end to end, one stage, decisions, and bad input (exit 2)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from schemas.stages import Stage
from soteflow.stagekit import open_store
from soteflow.store.verify import verify
from tasks.cli import main
from tests.support import DATA_DIR, REPO_ROOT, Seed

pytestmark = pytest.mark.usefixtures("prefect_harness")


def run(argv: list[str]) -> int:
    """Run the CLI in-process and return its exit status."""
    try:
        main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


# The whole seven-stage cycle through the CLI on Prefect (about 40 s, what `make demo` runs): in the
# end-to-end group (make test-e2e, run by CI), so that `make test` stays within its budget.
@pytest.mark.e2e
def test_demo_runs_the_cycle_and_writes_documents_artefacts_and_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The cycle as a user runs it: each stage starts from the approved round of the one before,
    here with the council returning stage 2 once; stage 3 rests on the approved second version."""
    out = tmp_path / "demo"
    decisions = tmp_path / "decisions.json"
    comment = "Lisää ikääntyneiden kotihoidon tavoite ja perustele kehyksen jako tarkemmin."
    decisions.write_text(json.dumps({"targets": [{"outcome": "returned", "comments": comment}]}), encoding="utf-8")
    assert run(["demo", "--region", "Pirkanmaa", "--out", str(out), "--decisions", str(decisions)]) == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["region"] == "HVA08"
    stages = summary["stages"]
    by_stage = {s["stage"]: s for s in stages}
    assert by_stage["targets"]["rounds"] == 2 and by_stage["targets"]["cases"][0]["decision"] == "approved"
    store = open_store()
    history = store.history("HVA08", 2026, "targets-proposal")
    assert [(v.version, v.status.value) for v in history] == [(1, "returned"), (2, "approved")]
    assert any(comment in e["summary"] for e in store.read_json(history[1])["agenda"]["earlier_handling"])
    chains = store.latest("HVA08", 2026, "chains-proposal")
    assert chains is not None
    lineage = {ref.version_id for ref in store.lineage(chains.id)}
    assert history[1].id in lineage and history[0].id not in lineage
    assert verify(store).ok
    assert [(s["number"], s["stage"], s["decision"]) for s in stages] == [
        (1, "needs", "approved"),
        (2, "targets", "approved"),
        (3, "chains", "approved"),
        (4, "comparison", "approved"),
        (5, "procurement", "approved"),
        # Stage 6 runs once per period with data (2026-03, 2026-04): the report noted, and in April
        # the planted repeated staffing deviation's contractual sanction approved as its own case.
        (6, "steering", "noted"),
        (6, "steering", "approved"),
        # Stage 7 evaluates the cycle once its periods are in.
        (7, "evaluation", "approved"),
    ]
    april = {c["case"]: c["decision"] for c in stages[-2]["cases"]}
    assert april == {"steering-report-2026-04": "noted", "steering-escalation-s-tehpa-02-2026-04": "approved"}
    # Stage 5 decides several cases: the plan, one award per procurement that had bids, the voucher
    # values (5b) and one producer-approval round per batch.
    cases = {c["case"]: c["decision"] for c in by_stage["procurement"]["cases"]}
    assert cases["procurement-plan"] == cases["vouchers"] == cases["approval-2027-01"] == "approved"
    assert {c for c in cases if c.startswith("award-")} and set(cases.values()) == {"approved"}
    documents = {Path(p).name for s in stages for p in s["documents"]}
    assert {
        "targets-decision-pdf-v2.pdf",
        "chains-decision-pdf-v1.pdf",
        "chains-feedback-pdf-v1.pdf",
        "comparison-decision-pdf-v1.pdf",
        "comparison-plan-pdf-v1.pdf",
        "comparison-export-xlsx-v1.xlsx",
        "procurement-plan-decision-pdf-v1.pdf",
        "procurement-award-h-2027-01-decision-pdf-v1.pdf",
        "procurement-ocds-releases-v1.json",
        "choice-vouchers-decision-pdf-v1.pdf",
        "choice-rulebook-pdf-v1.pdf",
        "choice-approval-2027-01-decision-pdf-v1.pdf",
        "evaluation-decision-pdf-v1.pdf",
        "evaluation-attachment-4-pdf-v1.pdf",
    } <= documents
    stage = stages[0]
    assert stage["name_fi"] == "Strateginen palvelutarpeiden arviointi"
    keys = {a["key"]: a for a in stage["artefacts"]}
    assert {"needs-profile", "needs-index", "needs-proposal", "needs-decision-pdf", "needs-decision-html"} <= set(keys)
    for key, entry in keys.items():
        stored = store.latest("HVA08", 2026, key)
        assert stored is not None and (stored.version, stored.sha256) == (entry["version"], entry["sha256"])
    documents = [Path(p) for p in stage["documents"]]
    assert all(p.is_file() for p in documents)
    assert {p.suffix for p in documents} == {".pdf", ".html", ".json", ".svg", ".docx"}
    printed = capsys.readouterr().out
    assert "Strateginen palvelutarpeiden arviointi: approved" in printed
    # Each stage's time, in summary.json and in the table the demo ends with.
    assert all(s["seconds"] > 0 for s in stages) and summary["seconds"] == pytest.approx(
        sum(s["seconds"] for s in stages), abs=0.05
    )
    seconds = by_stage["comparison"]["seconds"]
    assert re.search(rf"^4\. Tuotantotapojen vertailu ja valinta +{seconds:.2f}$", printed, re.MULTILINE)
    assert re.search(rf"^yhteensä +{summary['seconds']:.2f}$", printed, re.MULTILINE)


def test_decide_records_a_return_and_the_next_run_answers_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["stage", "needs", "--region", "Pirkanmaa", "--cycle", "2027"]) == 0
    decide = [
        "decide",
        "--stage",
        "needs",
        "--region",
        "HVA08",
        "--cycle",
        "2027",
        "--outcome",
        "returned",
        "--body",
        "Aluehallitus",
        "--meeting-date",
        "2026-09-07",
        "--section",
        "131",
        "--recorded-by",
        "Sihteeri",
    ]
    assert run(decide) == 2  # a return needs comments
    assert "needs --comments" in capsys.readouterr().err
    assert run([*decide, "--comments", "Lisää maahanmuuton vaikutus."]) == 0
    assert run(["stage", "needs", "--region", "HVA08", "--cycle", "2027"]) == 0
    capsys.readouterr()
    assert run(["artefacts", "history", "needs-proposal", "--region", "HVA08", "--cycle", "2027"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split("\t")[:2] for line in lines] == [["v1", "returned"], ["v2", "proposed"]]
    assert run(["verify"]) == 0


def _copy_data(tmp_path: Path) -> Path:
    target = tmp_path / "inputs"
    shutil.copytree(DATA_DIR / "statfin", target / "statfin")
    shutil.copytree(DATA_DIR / "geo", target / "geo")
    return target


def _edit(path: Path, change) -> None:  # type: ignore[no-untyped-def]
    doc = json.loads(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(json.dumps(doc), encoding="utf-8")


def _drop_column(doc: dict) -> None:  # type: ignore[type-arg]
    index = [c["code"] for c in doc["columns"] if c["type"] == "c"].index("vaesto_yli64_p")
    doc["columns"] = [c for c in doc["columns"] if c["code"] != "vaesto_yli64_p"]
    for row in doc["data"]:
        del row["values"][index]


def _unknown_area(doc: dict) -> None:  # type: ignore[type-arg]
    doc["data"][3]["key"][0] = "KU998"


@pytest.mark.parametrize(
    ("file", "damage", "expected"),
    [
        ("age_register_kunnat_11ra.json", "truncate", ["age_register_kunnat_11ra.json", "truncated"]),
        ("age_register_kunnat_11ra.json", _drop_column, ["age_register_kunnat_11ra.json", "vaesto_yli64_p"]),
        ("income_register_kunnat_14ww.json", _unknown_area, ["income_register_kunnat_14ww.json", "row 4", "KU998"]),
    ],
)
def test_bad_input_exits_2_names_the_problem_and_stores_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], file: str, damage: object, expected: list[str]
) -> None:
    data = _copy_data(tmp_path)
    path = data / "statfin" / file
    if damage == "truncate":
        path.write_bytes(path.read_bytes()[:5000])
    else:
        _edit(path, damage)
    assert run(["stage", "needs", "--region", "HVA08", "--data", str(data)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("soteflow: error: ")
    assert "Traceback" not in err
    for part in expected:
        assert part in err
    assert open_store().list_artefacts() == []


def test_unknown_region_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["stage", "needs", "--region", "Atlantis"]) == 2
    err = capsys.readouterr().err
    assert "Atlantis" in err and "Pirkanmaa" in err  # the valid choices are listed


def test_regions_lists_the_22_areas(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["regions"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 22
    assert "HVA08\tPirkanmaa\tPirkanmaan hyvinvointialue" in lines
    assert any(line.startswith("HVA90\t") for line in lines)


def test_verify_exits_1_and_names_a_tampered_version(capsys: pytest.CaptureFixture[str]) -> None:
    import sqlalchemy as sa

    assert run(["stage", "needs", "--region", "HVA08", "--cycle", "2028"]) == 0
    store = open_store()
    with store.engine.begin() as conn:
        conn.execute(
            sa.text(
                """UPDATE artefact_version SET payload = replace(payload, '"HVA08"', '"HVA09"') """
                """WHERE payload LIKE '%"HVA08"%'"""
            )
        )
    capsys.readouterr()
    assert run(["verify"]) == 1
    captured = capsys.readouterr()
    assert "HVA08/2028/needs-" in captured.err
    assert "PROBLEMS" in captured.out


# Stages 2 and 3: the region's own files (finance, targets, catalogue, feedback) --------------

DROP = object()


def _copy_inputs(tmp_path: Path) -> Path:
    target = tmp_path / "region-inputs"
    shutil.copytree(DATA_DIR / "examples" / "HVA08", target)
    return target


def _edit_csv(path: Path, row: int, column: str, value: object) -> None:
    """Set the cell at file row ``row`` (header = 1) of ``column``; ``DROP`` removes the column."""
    lines = [line.split(";") for line in path.read_text(encoding="utf-8").splitlines()]
    index = lines[0].index(column)
    if value is DROP:
        for cells in lines:
            del cells[index]
    else:
        lines[row - 1][index] = str(value)
    path.write_text("\n".join(";".join(cells) for cells in lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize(
    ("file", "row", "column", "value", "expected"),
    [
        ("tavoitteet.csv", 1, "tavoitearvo", DROP, ["tavoitteet.csv, row 1, field tavoitearvo", "missing"]),
        (
            "tilinpaatos.csv",
            2,
            "palvelujen ostot",
            "paljon",
            ["tilinpaatos.csv, row 2, field palvelujen ostot", "'paljon' is not a number"],
        ),
        ("talous_rahoitus.csv", 0, "", "", ["talous_rahoitus.csv", "empty"]),
        (
            "tavoitteet.csv",
            4,
            "asiakasryhmä",
            "Eläkeläiset",
            ["tavoitteet.csv, row 4, field asiakasryhmä", "unknown client group 'Eläkeläiset'"],
        ),
        (
            "palvelukatalogi.csv",
            3,
            "palvelu_id",
            "IKA-NEUVONTA",
            ["palvelukatalogi.csv, row 3, field palvelu_id", "duplicate"],
        ),
        ("palvelukatalogi.csv", 2, "asiakasryhmä", "Opiskelijat", ["palvelukatalogi.csv, row 2, field asiakasryhmä"]),
        ("palvelukatalogi.csv", 2, "vuosivolyymi", "noin 40 000", ["palvelukatalogi.csv, row 2, field vuosivolyymi"]),
        ("lausunnot.csv", 1, "sidosryhmä", DROP, ["lausunnot.csv, row 1, field sidosryhmä", "missing"]),
    ],
)
def test_bad_stage_2_and_3_files_stop_the_demo_before_anything_is_stored(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    file: str,
    row: int,
    column: str,
    value: object,
    expected: list[str],
) -> None:
    inputs = _copy_inputs(tmp_path)
    if column:
        _edit_csv(inputs / file, row, column, value)
    else:
        (inputs / file).write_bytes(b"")
    assert run(["demo", "--out", str(tmp_path / "out"), "--inputs", str(inputs)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("soteflow: error: ") and "Traceback" not in err
    for part in expected:
        assert part in err
    assert open_store().list_artefacts() == []
    assert not (tmp_path / "out").exists()


def test_a_stage_does_not_start_without_the_approved_stage_before_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["stage", "targets", "--region", "HVA08"]) == 2
    assert "stage 1 (needs) has no approved proposal for HVA08, cycle 2026" in capsys.readouterr().err
    assert open_store().list_artefacts() == []
    assert run(["stage", "needs", "--region", "HVA08", "--gate", "scripted"]) == 0
    assert run(["stage", "chains", "--region", "HVA08"]) == 2
    assert "stage 2 (targets) has no approved proposal" in capsys.readouterr().err
    assert {a.stage for a in open_store().list_artefacts()} == {"needs"}


def test_stage_targets_checks_its_files_before_it_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], seed: Seed
) -> None:
    seed(Stage.NEEDS)
    inputs = _copy_inputs(tmp_path)
    _edit_csv(inputs / "tavoitteet.csv", 3, "tavoitevuosi", "pian")
    assert run(["stage", "targets", "--region", "HVA08", "--inputs", str(inputs)]) == 2
    assert "tavoitteet.csv, row 3, field tavoitevuosi" in capsys.readouterr().err
    assert {a.stage for a in open_store().list_artefacts()} == {"needs"}
    assert run(["stage", "chains", "--region", "HVA08", "--weight", "need"]) == 2
    assert "expected NAME=NUMBER" in capsys.readouterr().err


# Stage 4: own-production costs as .xlsx or cp1252 CSV, purchases, quality, personnel --------


def _edit_xlsx(path: Path, sheet: str, row: int, column: str, value: object) -> None:
    from openpyxl import load_workbook

    book = load_workbook(path)
    if column == "DELETE SHEET":
        del book[sheet]
    else:
        ws = book[sheet]
        header = [c.value for c in ws[1]]
        cell = ws.cell(row=row, column=header.index(column) + 1)
        cell.value = value(cell.value) if callable(value) else value
    book.save(path)


def _edit_cp1252(path: Path, row: int, column: str, value: str) -> None:
    lines = [line.split(";") for line in path.read_text(encoding="cp1252").splitlines()]
    lines[row - 1][lines[0].index(column)] = value
    path.write_text("\n".join(";".join(cells) for cells in lines) + "\n", encoding="cp1252")


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        (
            lambda d: _edit_xlsx(d / "oma_tuotanto.xlsx", "Kustannukset", 3, "suoritteet", "paljon"),
            ["oma_tuotanto.xlsx, sheet Kustannukset, row 3, field suoritteet", "'paljon' is not a number"],
        ),
        (
            lambda d: _edit_xlsx(d / "oma_tuotanto.xlsx", "Tukipalvelut", 0, "DELETE SHEET", None),
            ["oma_tuotanto.xlsx, sheet Tukipalvelut", "missing"],
        ),
        (
            lambda d: _edit_xlsx(d / "oma_tuotanto.xlsx", "Tukipalvelut", 2, "osuus %", lambda v: v + 0.5),
            ["oma_tuotanto.xlsx, sheet Tukipalvelut", "field osuus %", "100"],
        ),
        (
            lambda d: _edit_csv(d / "ostopalvelut.csv", 2, "suoritteet", "-5"),
            ["ostopalvelut.csv, row 2, field suoritteet"],
        ),
        # Without the workbook the three cp1252 CSV files are read; their errors name the row too.
        (
            lambda d: (
                (d / "oma_tuotanto.xlsx").unlink(),
                _edit_cp1252(d / "oma_tuotanto_kustannukset.csv", 4, "poistot", "12,3,4"),
            ),
            ["oma_tuotanto_kustannukset.csv, row 4, field poistot", "'12,3,4' is not a number"],
        ),
    ],
)
def test_bad_stage_4_files_stop_the_demo_before_anything_is_stored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], damage: object, expected: list[str]
) -> None:
    inputs = _copy_inputs(tmp_path)
    damage(inputs)  # type: ignore[operator]
    assert run(["demo", "--out", str(tmp_path / "out"), "--inputs", str(inputs)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("soteflow: error: ") and "Traceback" not in err
    for part in expected:
        assert part in err
    assert open_store().list_artefacts() == []


def test_decide_from_the_cli_covers_every_document_of_the_case(capsys: pytest.CaptureFixture[str], seed: Seed) -> None:
    seed(Stage.TARGETS)
    assert run(["stage", "chains", "--region", "HVA08"]) == 0  # proposes and stops
    assert "soteflow decide --stage chains" in capsys.readouterr().out
    decide = [
        "decide",
        "--stage",
        "chains",
        "--region",
        "HVA08",
        "--outcome",
        "approved",
        "--body",
        "Aluehallitus",
        "--meeting-date",
        "2026-10-12",
        "--section",
        "201",
        "--recorded-by",
        "Pöytäkirjanpitäjä",
    ]
    assert run(decide) == 0
    store = open_store()
    for key in ("chains-proposal", "chains-decision-pdf", "chains-feedback-pdf", "chains-feedback-html"):
        latest = store.latest("HVA08", 2026, key)
        assert latest is not None and latest.status.value == "approved", key
        [decision] = store.decisions_for(latest.id)
        assert decision.sha256 == latest.sha256


@pytest.mark.parametrize("cycle", ["abc", "99999", "0", "-1", "2022"])
def test_a_bad_cycle_is_refused_before_anything_runs(cycle: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["stage", "needs", "--region", "HVA08", f"--cycle={cycle}"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert ("valid integer" in err) if cycle == "abc" else (f"cycle {cycle} is not a planning cycle" in err)
    assert open_store().list_artefacts() == []


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["stage", "needs", "--weight", "share_65_plus=-1"], "field --weight"),
        (["stage", "needs", "--weight", "obesity=0.2"], "unknown need-index weight 'obesity'"),
        (["stage", "needs", "--weight", "share_65_plus=inf"], "finite"),
        (["stage", "needs", "--gate", "suspend"], "--gate suspend needs a deployment"),
        (["stage", "needs", "--meeting-date", "31.12.2026"], "is not a date (YYYY-MM-DD)"),
    ],
)
def test_bad_parameters_exit_2_with_one_line(
    argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("soteflow: error: ") and expected in err and "Traceback" not in err
    assert open_store().list_artefacts() == []


def test_deployments_prints_what_the_committed_prefect_yaml_holds(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["deployments"]) == 0
    assert capsys.readouterr().out == (REPO_ROOT / "prefect.yaml").read_text(encoding="utf-8")


def test_a_stage_option_not_given_keeps_the_flows_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """``soteflow stage steering`` without ``--visits`` runs the flow with its default capacity (3),
    not with an empty value the flow's parameter types refuse; a given one reaches the flow."""
    import tasks.cli as cli
    import tasks.round as round_module

    received: list[dict[str, object]] = []

    def flow(region: str, cycle: int, period: str | None = None, visits: int = 3) -> None:
        received.append({"period": period, "visits": visits})

    class Flow:
        fn = staticmethod(flow)

        def __call__(self, **kwargs: object) -> None:
            flow(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(round_module, "prepare", lambda *a, **k: None)
    monkeypatch.setattr(cli, "_flow", lambda entrypoint: Flow())
    monkeypatch.setattr(cli, "_print_result", lambda result: None)
    base = ["stage", "steering", "--region", "HVA08", "--period", "2026-03"]
    assert run(base) == 0
    assert run([*base, "--visits", "5"]) == 0
    assert received == [{"period": "2026-03", "visits": 3}, {"period": "2026-03", "visits": 5}]
