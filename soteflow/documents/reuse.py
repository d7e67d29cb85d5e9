"""Render once per content: a document whose PDF is already in the store is not rendered again.

Each document's HTML is rendered (Jinja, cheap) and keyed by :func:`render_key` over the HTML, the
metadata, the attachments and the renderer's identity. A key the store has seen names the stored
PDF version it gave (``rendered_pdf``); renders are byte-reproducible, so that file is the PDF a
new render would give, and it is reused. Only the other documents are rendered, in parallel
(:mod:`soteflow.documents.parallel`).

A reused file is read hash-checked and must carry the file identifier of this very HTML, metadata
and attachments; anything else (a missing or changed file) is rendered again.

A document that names the proposal it presents (``DocumentSpec.point_of``) gets that proposal's
store point first (:func:`soteflow.store.verify.store_point`): the root as of the audit event that
wrote the proposal, a function of the proposal version alone, so a document rendered again for the
same proposal is byte-identical and reuse is unaffected. A reused document keeps the point it was
rendered with — the same point, still a valid point of the append-only chain.

An agenda item also gets its .docx (:mod:`soteflow.documents.docx`), built here from the same item
and store point as its PDF; it is cheap (no layout), so it is built in this process, and stored
with the PDF in the same transaction.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.exc import IntegrityError

from soteflow.documents.parallel import PdfJob, render_pdfs
from soteflow.documents.render import DocumentSpec, has_identifier, render_key, renderer_identity
from soteflow.errors import SoteflowError
from soteflow.settings import get_settings
from soteflow.store import ArtefactVersion, StoreTransaction
from soteflow.store.integrity import StorePoint
from soteflow.store.models import RenderedPdf
from soteflow.store.verify import store_point

__all__ = ["StoredDocument", "remember_pdf", "render_documents"]

PDF_MEDIA_TYPE = "application/pdf"

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoredDocument:
    """A document ready to store: its HTML, its PDF, the key the PDF is remembered by, and its
    .docx when it is an agenda item."""

    spec: DocumentSpec
    html: str
    pdf: bytes
    render_key: str
    reused: bool
    docx: bytes | None = None


def _stored_pdf(tx: StoreTransaction, key: str, html: str, spec: DocumentSpec) -> bytes | None:
    """The stored PDF rendered from exactly these inputs, or None (then it is rendered)."""
    row = tx.session.get(RenderedPdf, key)
    if row is None:
        return None
    version = tx.session.get(ArtefactVersion, row.version_id)
    if version is None or version.file_path is None or version.media_type != PDF_MEDIA_TYPE:
        return None
    try:
        pdf = tx.store.read_file(version)
    except SoteflowError as exc:  # a missing or changed file: render again rather than fail
        _log.warning("stored PDF of %s is not usable (%s); rendering it again", spec.key, exc)
        return None
    if not has_identifier(pdf, html, spec.metadata, spec.attachments):
        _log.warning("stored PDF version %s does not match its render key; rendering %s again", version.id, spec.key)
        return None
    return pdf


def render_documents(
    tx: StoreTransaction,
    specs: Sequence[DocumentSpec],
    *,
    templates_dir: Path | None = None,
    workers: int | None = None,
) -> list[StoredDocument]:
    """Every document of ``specs`` with its HTML and PDF, in order; stored PDFs are reused.

    The PDFs not yet stored render at the same time, up to ``workers`` (default: the
    ``render_workers`` setting). Runs inside the transaction that stores them, so a failure
    leaves nothing behind.
    """
    from soteflow.documents.docx import document_docx  # python-docx only where a .docx is built

    root = (templates_dir or get_settings().templates_dir).resolve()
    identity = renderer_identity(root)
    prepared: list[tuple[DocumentSpec, str, str, bytes | None]] = []
    docx: list[bytes | None] = []
    points: dict[uuid.UUID, StorePoint | None] = {}
    for spec in specs:
        if spec.point_of is not None:
            if spec.point_of not in points:
                points[spec.point_of] = store_point(tx.session, spec.point_of)
            point = points[spec.point_of]
            if point is not None:
                spec = spec.with_store_point(point)
        html = spec.render_html(templates_dir=root)
        key = render_key(html, spec.metadata, spec.attachments, identity=identity)
        prepared.append((spec, html, key, _stored_pdf(tx, key, html, spec)))
        docx.append(document_docx(spec, templates_dir=root))
    jobs = [
        PdfJob(html=html, metadata=spec.metadata, attachments=tuple(spec.attachments), templates_dir=root)
        for spec, html, _key, pdf in prepared
        if pdf is None
    ]
    rendered = iter(render_pdfs(jobs, workers=workers))
    out = [
        StoredDocument(
            spec=spec,
            html=html,
            pdf=pdf if pdf is not None else next(rendered),
            render_key=key,
            reused=pdf is not None,
            docx=item_docx,
        )
        for (spec, html, key, pdf), item_docx in zip(prepared, docx, strict=True)
    ]
    if out:
        _log.info(
            "documents %s: %d rendered, %d stored already", [d.spec.key for d in out], len(jobs), len(out) - len(jobs)
        )
    return out


def remember_pdf(tx: StoreTransaction, key: str, version: ArtefactVersion) -> None:
    """Record that ``version`` is the PDF of ``key`` (in the transaction that stored it)."""
    if tx.session.get(RenderedPdf, key) is not None:
        return
    try:
        with tx.session.begin_nested():
            tx.session.add(RenderedPdf(render_key=key, version_id=version.id))
    except IntegrityError:
        # A concurrent transaction remembered the same content first (PostgreSQL): either row will do.
        pass
