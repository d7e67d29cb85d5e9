"""The engine's store commands as a user runs them: verify, anchor, artefacts export (no Prefect)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import select

from soteflow.cli import main
from soteflow.stagekit import open_store, record_decision
from soteflow.store import Artefact, ArtefactVersion, AuditEvent, Decision, Store
from tests.store.factories import decision, propose_round
from tests.store.tampering import forge, hex_id, sql


def run(argv: list[str]) -> int:
    """Run the engine's CLI in-process and return its exit status."""
    try:
        main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


@pytest.fixture
def approved() -> Store:
    """The settings' store with one approved case."""
    store = open_store()
    case = propose_round(store)
    record_decision(store=store, persisted=case, decision=decision("approved"))
    return store


def _rows(store: Store) -> tuple[int, ...]:
    with store.session() as session:
        counts = tuple(len(session.exec(select(m)).all()) for m in (Artefact, ArtefactVersion, Decision, AuditEvent))
    return (*counts, len(list(store.blobs.iter_relative_paths())))


def _anchor(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    capsys.readouterr()
    assert run(["anchor", "--signed-off-by", "Pöytäkirjanpitäjä"]) == 0
    path = tmp_path / "anchor.json"
    path.write_text(capsys.readouterr().out, encoding="utf-8")
    return path


def test_verify_prints_the_root_hash_that_the_anchor_holds(
    approved: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    anchor = _anchor(tmp_path, capsys)
    taken = json.loads(anchor.read_text(encoding="utf-8"))
    assert taken["format"] == "soteflow-anchor/1" and taken["signed_off_by"] == "Pöytäkirjanpitäjä"
    assert {c["artefact"] for c in taken["chains"]} == {
        "HVA08/2026/needs-index",
        "HVA08/2026/needs-proposal",
        "HVA08/2026/needs-decision-pdf",
    }
    assert len(anchor.read_bytes()) < 2000  # small enough to print in the minutes
    assert run(["verify", "--anchor", str(anchor)]) == 0
    out = capsys.readouterr().out
    assert "anchor matches" in out
    assert f"root {taken['root']} (3 chains, audit log #{taken['audit_events']})" in out


def test_a_consistent_rewrite_after_the_anchor_exits_1_and_is_named(
    approved: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    anchor = _anchor(tmp_path, capsys)
    proposal = approved.latest("HVA08", 2026, "needs-proposal")
    assert proposal is not None
    sql(approved, "UPDATE artefact_version SET payload = '{\"proposal\":9}' WHERE id = :id", id=hex_id(proposal.id))
    forge(approved)
    assert run(["verify"]) == 0  # every hash recomputed: only the anchor can tell
    capsys.readouterr()
    assert run(["verify", "--anchor", str(anchor)]) == 1
    captured = capsys.readouterr()
    assert "FAIL HVA08/2026/needs-proposal v1: version 1 or an earlier one is not what the anchor saw" in captured.err
    assert "[anchor-audit]" in captured.err and "PROBLEMS" in captured.out


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "is a folder, not an anchor file"),
        ("not json", "not a soteflow anchor"),
        ("edit-root", "the anchor's root hash does not match its contents (edited?)"),
    ],
)
def test_a_bad_anchor_file_exits_2_naming_it(
    approved: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, expected: str
) -> None:
    anchor = _anchor(tmp_path, capsys)
    if content is None:
        anchor = tmp_path
    elif content == "edit-root":
        taken = json.loads(anchor.read_text(encoding="utf-8"))
        taken["chains"] = taken["chains"][1:]  # "forget" a chain, keep the root
        anchor.write_text(json.dumps(taken), encoding="utf-8")
    else:
        anchor.write_text(content, encoding="utf-8")
    assert run(["verify", "--anchor", str(anchor)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"soteflow: error: {anchor}, field --anchor: {expected}")
    assert "Traceback" not in err


def test_no_anchor_of_a_store_that_does_not_verify(approved: Store, capsys: pytest.CaptureFixture[str]) -> None:
    sql(approved, "UPDATE decision SET outcome = 'rejected'")
    assert run(["anchor"]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "soteflow: store integrity: the artefact store does not verify" in captured.err


def test_export_to_an_existing_file_exits_2_and_changes_nothing(
    approved: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "report.pdf"
    target.write_bytes(b"mine")
    before = _rows(approved)
    assert run(["artefacts", "export", "needs-proposal", "--dest", str(target), "--region", "HVA08"]) == 2
    err = capsys.readouterr().err
    assert (
        err.strip()
        == f"soteflow: error: {target}, field --dest: is not a folder: --dest names the folder to write into"
    )
    assert target.read_bytes() == b"mine" and _rows(approved) == before


def test_export_does_not_follow_a_link_it_finds_in_the_destination(
    approved: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dest, elsewhere = tmp_path / "out", tmp_path / "elsewhere.txt"
    dest.mkdir()
    elsewhere.write_text("not yours", encoding="utf-8")
    (dest / "needs-proposal-v1.json").symlink_to(elsewhere)
    assert run(["artefacts", "export", "needs-proposal", "--dest", str(dest), "--region", "HVA08"]) == 2
    assert "is a symbolic link; refusing to write through it" in capsys.readouterr().err
    assert elsewhere.read_text(encoding="utf-8") == "not yours"
