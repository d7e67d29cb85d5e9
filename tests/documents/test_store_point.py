"""The store point in a decision document's footer, and ``soteflow verify --document``.

A case's round is stored as the engine stores it (:func:`soteflow.stagekit.persist_case`, the
documents naming the proposal they present, as the generic round makes them), rendered with the
example template, which extends the base layout and its footer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import pytest
from pydantic import BaseModel
from pypdf import PdfReader

from schemas.results import VersionRef
from schemas.stages import Stage
from soteflow.cli import app
from soteflow.cli import run as run_cli
from soteflow.documents import DocumentSpec
from soteflow.documents.evidence import read_document
from soteflow.stagekit import JsonOutput, PersistedCase, Provenance, open_store, persist_case
from soteflow.store import verify
from soteflow.store.integrity import POINT_FILENAME, StorePoint
from soteflow.store.verify import store_point
from tests.documents.test_render import ATTACHMENTS, make_context, make_item, make_metadata
from tests.store.tampering import forge, hex_id, sql

REGION, CYCLE = "HVA08", 2026


class Table(BaseModel):
    rows: int


class Proposal(BaseModel):
    text: str


def _documents(proposal: VersionRef) -> list[DocumentSpec]:
    item = make_item(document_id=proposal.key, version=proposal.version, sha256=proposal.sha256)
    return [
        DocumentSpec(
            key="needs-decision",
            title="Päätösesitys",
            template="example.html",
            context=make_context(item=item),
            metadata=make_metadata(),
            attachments=ATTACHMENTS,
            # What tasks.round does for every case's documents.
            point_of=proposal.version_id,
        )
    ]


def _round(text: str = "ehdotus", rows: int = 1, documents: object = _documents) -> PersistedCase:
    table = JsonOutput(key="needs-index", kind="table", title="Indeksi", payload=Table(rows=rows))
    return persist_case(
        store=open_store(),
        region=REGION,
        cycle=CYCLE,
        stage=Stage.NEEDS,
        case="needs",
        outputs=[table],
        proposal=JsonOutput(
            key="needs-proposal", kind="proposal", title="Ehdotus", payload=Proposal(text=text), derived_from=[table]
        ),
        documents=documents,  # type: ignore[arg-type]
        provenance=Provenance(code_version="test"),
    )


def _file(case: PersistedCase, key: str) -> bytes:
    store = open_store()
    return store.read_file(store.get_version(case.versions[key].version_id))


def _pdf(case: PersistedCase, tmp_path: Path) -> Path:
    path = tmp_path / f"{case.proposal.key}-v{case.proposal.version}.pdf"
    path.write_bytes(_file(case, "needs-decision-pdf"))
    return path


def _point(case: PersistedCase) -> StorePoint:
    with open_store().session() as session:
        point = store_point(session, case.proposal.version_id)
    assert point is not None
    return point


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    try:
        run_cli(app, list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    else:  # pragma: no cover - typer always exits in standalone mode
        code = 0
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_the_footer_prints_the_root_as_of_the_event_that_wrote_the_proposal(tmp_path: Path) -> None:
    case = _round()
    store = open_store()
    [created] = [
        e for e in store.audit_events() if e.action == "version.created" and e.version_id == case.proposal.version_id
    ]
    point = _point(case)  # recomputed after the commit, from the store alone
    assert (point.event, point.audit_head) == (created.seq, created.hash)
    assert point.key == "needs-proposal" and point.sha256 == case.proposal.sha256
    # The basis: the proposal's own chain and the table it was computed from.
    assert [c.artefact for c in point.basis] == ["HVA08/2026/needs-index", "HVA08/2026/needs-proposal"]
    # The root equals what an anchor taken right after that event shows: the whole store then
    # (the round's table and proposal; the documents came later in the same transaction).
    assert point.root != verify(store).root

    html = _file(case, "needs-decision-html").decode()
    assert f"· tila {point.event}/{point.root[:16]}…" in html  # every page's running footer
    assert f'tapahtuma {point.event}, juuri<br><span class="hash">{point.root}</span>' in html
    assert "soteflow verify --document" in html

    pdf = _pdf(case, tmp_path)
    text = " ".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert f"tapahtuma {point.event}, juuri" in text and point.root[:16] in text.replace("\n", "")
    reader = PdfReader(pdf)
    assert POINT_FILENAME in reader.attachments
    evidence = read_document(pdf)
    assert evidence.point == point  # computed inside the writing transaction = recomputed after it
    assert evidence.data_embedded is False  # the example embeds other data than the proposal's JSON
    assert reader.attachments[POINT_FILENAME][0] == point.to_bytes()


def test_a_rerun_reuses_the_document_and_its_point(tmp_path: Path) -> None:
    first = _round()
    pdf = _file(first, "needs-decision-pdf")
    second = _round()  # unchanged: nothing new stored, the same bytes (the point is the proposal's)
    assert second.versions == first.versions
    # Rendered again from scratch (the stored PDF gone): byte for byte the same document.
    store = open_store()
    version = store.get_version(first.versions["needs-decision-pdf"].version_id)
    store.blobs.path_for(version.file_path or "").unlink()
    _round()
    assert store.blobs.path_for(version.file_path or "").read_bytes() == pdf


def test_verify_document_passes_on_a_clean_store_and_after_later_writes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = _round()
    pdf = _pdf(case, tmp_path)
    code, out = _cli(capsys, "verify", "--document", str(pdf))
    assert code == 0, out
    point = read_document(pdf).point
    assert f"document HVA08/2026/needs-proposal v1: event #{point.event}, root {point.root}" in out
    assert "document matches" in out
    # Legitimate writes after the document: a new round (a new proposal version), its documents.
    later = _round(text="uusi ehdotus", rows=2)
    assert later.proposal.version == 2
    code, out = _cli(capsys, "verify", "--document", str(pdf))
    assert code == 0, out
    assert _point(later).event > point.event
    code, out = _cli(capsys, "verify", "--document", str(_pdf(later, tmp_path)))
    assert code == 0, out


def _set_table_payload(payload: str) -> None:
    store = open_store()
    [v1] = [v for v in store.history(REGION, CYCLE, "needs-index") if v.version == 1]
    sql(store, "UPDATE artefact_version SET payload = :p WHERE id = :id", p=payload, id=hex_id(v1.id))


def test_a_consistent_rewrite_before_the_point_is_found_against_the_document(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = _round()
    pdf = _pdf(case, tmp_path)
    _round(text="uusi ehdotus", rows=2)  # a later round: the rewrite is not of the newest data
    _set_table_payload('{"rows":7}')
    forge(open_store())  # every hash recomputed, the audit log re-chained
    assert verify(open_store()).ok  # the store alone cannot tell
    code, out = _cli(capsys, "verify", "--document", str(pdf))
    assert code == 1, out
    assert "audit log #" in out and "is not the one the document (needs-proposal v1" in out
    assert "HVA08/2026/needs-index v1: version 1 or an earlier one is not what the document" in out
    assert "[document-root]" in out and "[document-chain]" in out
    # The proposal itself: its lineage now names the rewritten table, so its record changed too.
    assert "HVA08/2026/needs-proposal v1" in out


def test_an_edit_before_the_point_is_named_against_the_document(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = _round()
    pdf = _pdf(case, tmp_path)
    store = open_store()
    first = store.audit_events()[0]
    sql(store, "UPDATE audit_event SET actor = 'joku muu' WHERE id = :id", id=hex_id(first.id))
    code, out = _cli(capsys, "verify", "--document", str(pdf))
    assert code == 1, out
    assert "audit log #1: event artefact.created was changed" in out  # the store's own check finds it
    forge(store)  # the log re-chained over the edit: only the document can tell now
    assert verify(store).ok
    code, out = _cli(capsys, "verify", "--document", str(pdf))
    assert code == 1, out
    event = read_document(pdf).point.event
    assert f"audit log #{event}: the audit log up to event #{event} is not the one the document" in out
    assert "[document-audit]" in out and "[document-root]" in out


def test_a_rewritten_proposal_is_named_against_the_document(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = _round()
    pdf = _pdf(case, tmp_path)
    store = open_store()
    sql(
        store,
        "UPDATE artefact_version SET payload = :p WHERE id = :id",
        p='{"text":"toinen ehdotus"}',
        id=hex_id(case.proposal.version_id),
    )
    forge(store)
    code, out = _cli(capsys, "verify", "--document", str(pdf))
    assert code == 1, out
    assert re.search(r"HVA08/2026/needs-proposal v1: sha256 is [0-9a-f]{16}…, the document .* printed", out), out
    assert "(the content was rewritten) [document-version]" in out


def test_a_file_without_a_point_is_refused_with_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def plain(proposal: VersionRef) -> Sequence[DocumentSpec]:
        return [replace(spec, point_of=None) for spec in _documents(proposal)]

    case = _round(documents=plain)
    old = _pdf(case, tmp_path)
    code, out = _cli(capsys, "verify", "--document", str(old))
    assert code == 2 and "no store point embedded" in out and "--document" in out, out
    assert "tila" not in _file(case, "needs-decision-html").decode().split("data-footer=")[1].split('"')[1]
    text = tmp_path / "note.txt"
    text.write_text("ei PDF")
    code, out = _cli(capsys, "verify", "--document", str(text))
    assert code == 2 and "not a PDF file" in out, out
    code, out = _cli(capsys, "verify", "--document", str(tmp_path / "missing.pdf"))
    assert code == 2 and "does not exist" in out, out


def test_a_stage_decision_document_verifies_against_its_store(
    seed: Callable[[Stage], Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The demo round's stage-1 decision document, as the generic round stores and gives it out."""
    seed(Stage.NEEDS)
    store = open_store()
    version = store.latest(REGION, CYCLE, "needs-decision-pdf")
    assert version is not None
    pdf = tmp_path / "needs-decision.pdf"
    pdf.write_bytes(store.read_file(version))
    evidence = read_document(pdf)
    proposal = store.latest(REGION, CYCLE, "needs-proposal")
    assert proposal is not None and evidence.point.version_id == proposal.id
    assert evidence.data_embedded  # the case's JSON is the proposal version the point names
    code, out = _cli(capsys, "verify", "--document", str(pdf))
    assert code == 0 and "document matches" in out, out
