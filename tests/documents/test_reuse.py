"""Render once per content, and in parallel: what persist_case renders, reuses and stores.

A small self-contained template (its own stylesheet, the shipped font) keeps each render short.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import BaseModel

from schemas.documents import DocumentMetadata, PdfAttachment
from schemas.results import VersionRef
from schemas.stages import Stage
from soteflow.documents import DocumentRenderError, DocumentSpec, ForbiddenResourceError, parallel, reuse
from soteflow.documents.parallel import PdfJob, render_pdfs
from soteflow.settings import PROJECT_ROOT, get_settings
from soteflow.stagekit import JsonOutput, PersistedCase, Provenance, open_store, persist_case
from soteflow.store.models import RenderedPdf

TINY = """<!DOCTYPE html>
<html lang="{{ meta.lang }}">
<head><meta charset="utf-8"><title>{{ meta.title }}</title><link rel="stylesheet" href="tiny.css"></head>
<body><h1>{{ heading }}</h1><p>Ehdotus {{ version }}, SHA-256 {{ sha }}</p>{{ extra | safe }}</body>
</html>
"""
CSS = '@font-face { font-family: "Doc"; src: url("fonts/DejaVuSans.ttf"); }\nbody { font-family: "Doc"; }\n'


class Payload(BaseModel):
    text: str


def _templates(folder: Path, css: str = CSS) -> Path:
    """A templates folder: the shipped labels and font, a tiny template and its stylesheet."""
    root = folder / "templates"
    shutil.copytree(PROJECT_ROOT / "templates" / "i18n", root / "i18n")
    (root / "fonts").mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / "templates" / "fonts" / "DejaVuSans.ttf", root / "fonts")
    (root / "tiny.html").write_text(TINY, encoding="utf-8")
    (root / "tiny.css").write_text(css, encoding="utf-8")
    return root


def _use_templates(monkeypatch: pytest.MonkeyPatch, root: Path) -> None:
    monkeypatch.setenv("SOTEFLOW_TEMPLATES_DIR", str(root))
    monkeypatch.setenv("SOTEFLOW_RENDER_WORKERS", "1")  # in this process, so the renderer can be counted
    get_settings.cache_clear()


def _spec(key: str, proposal: VersionRef, heading: str = "Otsikko", extra: str = "") -> DocumentSpec:
    return DocumentSpec(
        key=key,
        title=heading,
        template="tiny.html",
        context={"heading": heading, "version": proposal.version, "sha": proposal.sha256, "extra": extra},
        metadata=DocumentMetadata(title=heading, author="Testialue", created=datetime(2026, 1, 5, 9, tzinfo=UTC)),
        attachments=[PdfAttachment(filename="data.json", content=b'{"a":1}')],
    )


def _persist(documents: Callable[[VersionRef], Sequence[DocumentSpec]], text: str = "sama") -> PersistedCase:
    return persist_case(
        store=open_store(),
        region="HVA08",
        cycle=2026,
        stage=Stage.NEEDS,
        case="needs",
        outputs=[],
        proposal=JsonOutput(key="needs-proposal", kind="proposal", title="Ehdotus", payload=Payload(text=text)),
        documents=documents,
        provenance=Provenance(code_version="test"),
    )


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The keys of the documents the renderer was asked for, in order."""
    calls: list[str] = []
    real = reuse.render_pdfs

    def counting(jobs: Sequence[PdfJob], *, workers: int | None = None) -> list[bytes]:
        calls.extend(job.metadata.title for job in jobs)
        return real(jobs, workers=workers)

    monkeypatch.setattr(reuse, "render_pdfs", counting)
    return calls


def _pdf(case: PersistedCase, key: str) -> bytes:
    store = open_store()
    return store.read_file(store.get_version(case.versions[key].version_id))


def test_an_identical_round_reuses_the_stored_pdf(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, renders: list[str]
) -> None:
    _use_templates(monkeypatch, _templates(tmp_path))
    first = _persist(lambda ref: [_spec("needs-decision", ref)])
    assert renders == ["Otsikko"]
    second = _persist(lambda ref: [_spec("needs-decision", ref)])
    assert renders == ["Otsikko"]  # not rendered again
    assert second.versions == first.versions  # the same versions: nothing new stored
    with open_store().session() as session:
        row = session.get(RenderedPdf, reuse_key(second))
    assert row is not None and row.version_id == first.versions["needs-decision-pdf"].version_id
    # A new proposal (another hash in the footer) is new content: rendered.
    third = _persist(lambda ref: [_spec("needs-decision", ref)], text="muuttunut")
    assert renders == ["Otsikko", "Otsikko"]
    assert third.versions["needs-decision-pdf"].version == 2


def reuse_key(case: PersistedCase) -> str:
    """The render key of the case's stored document, recomputed from its HTML."""
    from soteflow.documents.render import render_key, renderer_identity

    store = open_store()
    html = store.read_file(store.get_version(case.versions["needs-decision-html"].version_id)).decode()
    spec = _spec("needs-decision", case.proposal)
    return render_key(html, spec.metadata, spec.attachments, identity=renderer_identity())


def test_a_changed_stylesheet_renders_again_and_a_copied_one_does_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, renders: list[str]
) -> None:
    """The HTML only names the stylesheet and fonts: their content is in the key, the folder's
    location is not, nor are other templates (their effect is in the HTML)."""
    _use_templates(monkeypatch, _templates(tmp_path / "a"))
    first = _persist(lambda ref: [_spec("needs-decision", ref)])
    elsewhere = _templates(tmp_path / "b")  # the same files elsewhere, and another stage's template
    (elsewhere / "other.html").write_text("<p>{{ x }}</p>\n", encoding="utf-8")
    _use_templates(monkeypatch, elsewhere)
    _persist(lambda ref: [_spec("needs-decision", ref)])
    assert len(renders) == 1
    _use_templates(monkeypatch, _templates(tmp_path / "c", css=CSS + "h1 { color: #444; }\n"))
    changed = _persist(lambda ref: [_spec("needs-decision", ref)])
    assert len(renders) == 2
    assert _pdf(changed, "needs-decision-pdf") != _pdf(first, "needs-decision-pdf")
    assert changed.versions["needs-decision-html"] == first.versions["needs-decision-html"]  # same HTML


def test_a_missing_stored_file_is_rendered_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, renders: list[str]
) -> None:
    _use_templates(monkeypatch, _templates(tmp_path))
    first = _persist(lambda ref: [_spec("needs-decision", ref)])
    store = open_store()
    version = store.get_version(first.versions["needs-decision-pdf"].version_id)
    assert version.file_path is not None
    pdf = store.blobs.path_for(version.file_path)
    original = pdf.read_bytes()
    pdf.unlink()
    _persist(lambda ref: [_spec("needs-decision", ref)])
    assert len(renders) == 2
    assert pdf.read_bytes() == original  # rendered again, byte for byte


def test_parallel_rendering_gives_the_bytes_of_serial_rendering(tmp_path: Path) -> None:
    root = _templates(tmp_path)
    proposal = VersionRef(
        version_id="00000000-0000-0000-0000-000000000001",
        key="needs-proposal",
        version=1,
        sha256="0" * 64,
        status="proposed",
        media_type="application/json",
    )
    jobs = [
        PdfJob(
            html=spec.render_html(templates_dir=root),
            metadata=spec.metadata,
            attachments=tuple(spec.attachments),
            templates_dir=root,
        )
        for spec in (_spec(f"doc-{n}", proposal, heading=f"Asiakirja {n}") for n in range(3))
    ]
    try:
        serial = render_pdfs(jobs, workers=1)
        assert render_pdfs(jobs, workers=3) == serial
        assert render_pdfs(jobs, workers=2) == serial  # this process renders the first and the third
    finally:
        parallel.shutdown()
    assert len(set(serial)) == 3


@dataclass(frozen=True)
class _DiesInAWorker(PdfJob):
    """A job that kills the rendering process it runs in (but renders in the calling process)."""

    parent: int = 0

    def run(self) -> bytes:
        if os.getpid() != self.parent:
            os._exit(1)
        return super().run()


def test_a_rendering_process_that_dies_is_replaced_by_rendering_here(tmp_path: Path) -> None:
    root = _templates(tmp_path)
    proposal = VersionRef(
        version_id="00000000-0000-0000-0000-000000000002",
        key="needs-proposal",
        version=1,
        sha256="1" * 64,
        status="proposed",
        media_type="application/json",
    )
    spec = _spec("doc", proposal)
    job = PdfJob(spec.render_html(templates_dir=root), spec.metadata, tuple(spec.attachments), root)
    dying = _DiesInAWorker(job.html, job.metadata, job.attachments, root, parent=os.getpid())
    try:
        assert render_pdfs([job, dying], workers=2) == [job.run()] * 2
        assert render_pdfs([job, job], workers=2) == [job.run()] * 2  # a new worker took its place
    finally:
        parallel.shutdown()


def test_a_document_failing_in_a_rendering_process_leaves_nothing_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _use_templates(monkeypatch, _templates(tmp_path))
    monkeypatch.setenv("SOTEFLOW_RENDER_WORKERS", "2")
    get_settings.cache_clear()

    def documents(ref: VersionRef) -> list[DocumentSpec]:
        return [
            _spec("needs-decision", ref),
            _spec("needs-annex", ref, heading="Liite", extra='<img src="https://example.com/x.png">'),
        ]

    try:
        with pytest.raises(DocumentRenderError) as caught:
            _persist(documents)
    finally:
        parallel.shutdown()
    assert isinstance(caught.value, ForbiddenResourceError)
    store = open_store()
    assert store.list_artefacts() == []
    assert [p for p in store.blobs.root.rglob("*") if p.is_file()] == []  # no file left behind either
