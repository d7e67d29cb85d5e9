"""HTML → PDF/A-3a rendering of decision documents (Jinja2 + WeasyPrint 70).

Determinism: the same template, context, metadata and attachments give byte-identical PDF
bytes. WeasyPrint would otherwise stamp wall-clock times on attachments and compute the file
identifier from content only; here every date comes from :class:`DocumentMetadata`, and the
``/ID`` is derived from a SHA-256 over the HTML, the metadata and the attachments.

Isolation: the renderer only reads files inside the templates folder (CSS, fonts, images) and
``data:`` URLs; any other URL is refused before any network or file access happens.

Render once per content: :func:`render_key` names everything a PDF's bytes depend on (the HTML,
the metadata, the attachments and :func:`renderer_identity`), so a PDF stored under the same key
can be reused instead of rendered again.
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
import os
import threading
import tomllib
import uuid
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import lru_cache
from importlib import metadata as package_metadata
from importlib.resources import files
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit
from urllib.request import DataHandler, Request, url2pathname

import pydyf
from jinja2 import Environment, FileSystemLoader, StrictUndefined

with warnings.catch_warnings():
    # Without the system library libharfbuzz-subset, WeasyPrint 70 warns at import that it will
    # be required later and subsets fonts with fontTools instead. Both paths work and both are
    # made reproducible below (_source_date_epoch); install libharfbuzz-subset0 in production.
    warnings.filterwarnings("ignore", message="HarfBuzz-Subset will be required", category=DeprecationWarning)
    import weasyprint
    from weasyprint.css import ColorProfile
    from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from schemas.documents import DocumentMetadata, PdfAttachment
from soteflow.documents.formatting import fi_date, fi_datetime, fi_number, fi_percent
from soteflow.errors import SoteflowError
from soteflow.language import fi_quantity
from soteflow.numbers import fi_meur
from soteflow.reconcile import sources_note, table_rows

if TYPE_CHECKING:  # soteflow.store brings SQLModel and Alembic, which the rendering processes need not import
    from soteflow.store.integrity import StorePoint
from soteflow.settings import get_settings

#: The .docx of an agenda item (soteflow.documents.docx builds it; python-docx is imported only there).
DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#: PDF/A-3 level A: archival (ISO 19005-3) *and* tagged for accessibility; level 3 allows the
#: artefact's JSON to travel inside the PDF as an associated file.
PDF_VARIANT = "pdf/a-3a"
#: The artefact's data is the source the document presents: PDF/A-3 relationship "Data".
ATTACHMENT_RELATIONSHIP = "Data"
#: Language of the labels (templates/i18n/<lang>.toml).
DEFAULT_LANG = "fi"

_log = logging.getLogger(__name__)


class DocumentRenderError(SoteflowError):
    """A document could not be rendered (template, resource or PDF problem)."""


class ForbiddenResourceError(DocumentRenderError):
    """A template referred to a resource outside the templates folder (network or other files)."""


@dataclass(frozen=True, slots=True)
class RenderedDocument:
    """A rendered document: the HTML (kept beside the PDF) and the PDF/A-3a bytes."""

    html: str
    pdf: bytes


@dataclass(frozen=True)
class DocumentSpec:
    """A document to render: the stage says what, the engine renders and stores it.

    ``key`` is the document's key stem: the PDF is stored as ``<key>-pdf``, the HTML as
    ``<key>-html``. The template sees ``context`` plus ``meta`` (the metadata), ``store_point``
    and ``t`` (labels).

    ``point_of`` names the proposal version the document presents; when it is stored, the renderer
    (:func:`soteflow.documents.reuse.render_documents`) sets ``store_point`` — the store's root as of
    the audit event that wrote that version, printed in the footer — and embeds the point in the
    PDF as ``tallenteen-tila.json`` (:func:`with_store_point`).
    """

    key: str
    title: str
    template: str
    context: Mapping[str, Any]
    metadata: DocumentMetadata
    attachments: Sequence[PdfAttachment] = ()
    point_of: uuid.UUID | None = None
    store_point: StorePoint | None = None

    def render(self, *, templates_dir: Path | None = None) -> RenderedDocument:
        """Render to HTML and PDF/A-3a (byte-reproducible)."""
        return render_document(
            self.template,
            {"store_point": self.store_point, **self.context},
            metadata=self.metadata,
            attachments=self.attachments,
            templates_dir=templates_dir,
        )

    def render_html(self, *, templates_dir: Path | None = None) -> str:
        """Only the HTML, exactly as :meth:`render` gives it to the PDF renderer."""
        return render_html(self.template, self._context(), templates_dir=templates_dir)

    def _context(self) -> dict[str, Any]:
        return {"meta": self.metadata, "store_point": self.store_point, **self.context}

    def with_store_point(self, point: StorePoint) -> DocumentSpec:
        """This document printing ``point`` in its footer and embedding it (``tallenteen-tila.json``)."""
        from soteflow.store.integrity import POINT_FILENAME

        embedded = PdfAttachment(
            filename=POINT_FILENAME,
            content=point.to_bytes(),
            description="Tallenteen tila laadittaessa: juurihash ja tapahtumalokin kohta (soteflow verify --document)",
        )
        return replace(
            self,
            store_point=point,
            attachments=(*[a for a in self.attachments if a.filename != POINT_FILENAME], embedded),
        )


def _templates_dir(templates_dir: Path | None) -> Path:
    return (templates_dir or get_settings().templates_dir).resolve()


# -- URL fetcher ----------------------------------------------------------------------------------


class TemplatesOnlyFetcher(URLFetcher):  # type: ignore[misc]  # weasyprint is untyped
    """WeasyPrint URL fetcher that serves only files inside ``root`` and ``data:`` URLs.

    Everything else (http, https, ftp, ``file:`` outside the folder, symlinks leading out of it)
    raises :class:`ForbiddenResourceError` *before* anything is opened, so a template can never
    make the renderer touch the network or read arbitrary files.
    """

    def __init__(self, root: Path) -> None:
        # fail_on_errors: a refused or missing resource stops the render instead of silently
        # producing a document without its stylesheet, font or image.
        super().__init__(fail_on_errors=True, allowed_protocols=("file", "data"))
        self.root = root.resolve()

    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> URLFetcherResponse:
        """Return the resource at ``url`` or raise :class:`ForbiddenResourceError`."""
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            # Decoded in-process by urllib's DataHandler, without the opener (which could reach
            # network handlers): an inline resource needs no fetching at all.
            response = DataHandler().data_open(Request(url))
            return URLFetcherResponse(url, body=response.read(), headers=dict(response.headers.items()))
        if scheme != "file":
            raise ForbiddenResourceError(f"the renderer fetches nothing outside the templates folder: {url}")
        path = Path(url2pathname(unquote(urlsplit(url).path))).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            raise ForbiddenResourceError(f"not a file inside the templates folder {self.root}: {url}")
        media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), body=path.read_bytes(), headers={"Content-Type": media_type})


# -- Jinja2 ---------------------------------------------------------------------------------------


def load_labels(templates_dir: Path, lang: str = DEFAULT_LANG) -> dict[str, Any]:
    """The template labels of ``lang`` from ``templates/i18n/<lang>.toml``."""
    with (templates_dir / "i18n" / f"{lang}.toml").open("rb") as fh:
        return tomllib.load(fh)


@lru_cache(maxsize=8)
def _environment(templates_dir: Path) -> Environment:
    env = Environment(
        loader=FileSystemLoader(templates_dir),
        # Every template is HTML; escaping everything is the safe default (SVG is marked safe
        # in exactly one place, the figure macro, because our own code generates it).
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # auto_reload would stat every template on every render; templates are read-only here.
        auto_reload=False,
    )
    env.filters.update(
        fi_number=fi_number, fi_percent=fi_percent, fi_meur=fi_meur, fi_date=fi_date, fi_datetime=fi_datetime
    )
    # A stage's cross-stage reconciliation lines as its sources appendix prints them (macros.html).
    env.filters.update(cross_check_rows=table_rows, cross_check_sources=sources_note, fi_quantity=fi_quantity)
    env.globals["t"] = load_labels(templates_dir)
    return env


def get_environment(templates_dir: Path | None = None) -> Environment:
    """The Jinja2 environment over the templates folder: autoescape, StrictUndefined, Finnish filters.

    Filters: ``fi_number(decimals)``, ``fi_percent(decimals)``, ``fi_meur(decimals)`` (euros as
    "12,3 milj. €"), ``fi_date``, ``fi_datetime``.
    Globals: ``t`` — the labels of ``templates/i18n/fi.toml``.
    """
    return _environment(_templates_dir(templates_dir))


def render_html(template_name: str, context: Mapping[str, Any], *, templates_dir: Path | None = None) -> str:
    """Render ``template_name`` with ``context`` to an HTML string.

    Raises ``jinja2.UndefinedError`` when the template uses a variable the context lacks.
    """
    return get_environment(templates_dir).get_template(template_name).render(dict(context))


# -- PDF ------------------------------------------------------------------------------------------


def _w3c(moment: datetime) -> str:
    # W3C-DTF in UTC: written identically to the Info dictionary and to the XMP packet, which
    # PDF/A requires to agree.
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


#: Our own key for the sRGB output intent (see _srgb_profile).
OUTPUT_INTENT = "srgb-iec61966"


@lru_cache(maxsize=1)
def _srgb_icc() -> bytes:
    return (files("weasyprint.pdf") / "sRGB2014.icc").read_bytes()


def _srgb_profile() -> ColorProfile:
    """WeasyPrint's own sRGB profile, loaded from bytes.

    PDF/A needs an output intent. WeasyPrint's built-in ``output_intent="srgb"`` opens the ICC
    file and never closes it (a ResourceWarning, an error in our tests); passing the same
    profile under our own key avoids that. A fresh object per render: it keeps PDF state.
    """
    return ColorProfile(BytesIO(_srgb_icc()), "sRGB2014.icc", "relative-colorimetric", (["r"], ["g"], ["b"]))


_EPOCH_LOCK = threading.Lock()


@contextmanager
def _source_date_epoch(moment: datetime) -> Iterator[None]:
    """Set ``SOURCE_DATE_EPOCH`` while WeasyPrint writes the PDF.

    Without libharfbuzz-subset, WeasyPrint subsets fonts with fontTools, which stamps the
    wall clock into each font's ``head.modified`` unless this reproducible-builds variable
    is set. The lock keeps concurrent renders in one process from seeing each other's value.
    """
    with _EPOCH_LOCK:
        previous = os.environ.get("SOURCE_DATE_EPOCH")
        os.environ["SOURCE_DATE_EPOCH"] = str(int(moment.timestamp()))
        try:
            yield
        finally:
            if previous is None:
                del os.environ["SOURCE_DATE_EPOCH"]
            else:
                os.environ["SOURCE_DATE_EPOCH"] = previous


def pdf_identifier(html: str, metadata: DocumentMetadata, attachments: Sequence[PdfAttachment]) -> bytes:
    """The PDF file identifier: 32 hex digits of a SHA-256 over the HTML, metadata and attachments.

    A content-derived identifier keeps the output reproducible (no random or time-based ID),
    and different inputs still get different identifiers.
    """
    digest = hashlib.sha256()
    for part in (html.encode(), metadata.model_dump_json().encode()):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    for attachment in attachments:
        for part in (attachment.filename.encode(), attachment.media_type.encode(), attachment.content):
            digest.update(len(part).to_bytes(8, "big"))
            digest.update(part)
    return digest.hexdigest()[:32].encode()


def _set_media_types(attachments: Sequence[PdfAttachment]) -> Any:
    """A finisher that writes each attachment's declared MIME type (WeasyPrint guesses it by name)."""
    by_name = {a.filename: a.media_type for a in attachments}

    def finisher(document: Any, pdf: pydyf.PDF) -> None:
        for obj in pdf.objects:
            if isinstance(obj, dict) and obj.get("Type") == "/Filespec":
                name = obj["UF"].string if hasattr(obj["UF"], "string") else None
                if name in by_name:
                    stream = pdf.objects[int(obj["EF"]["F"].split()[0])]
                    stream.extra["Subtype"] = "/" + by_name[name].replace("/", "#2f")

    return finisher


def html_to_pdf(
    html: str,
    *,
    metadata: DocumentMetadata,
    attachments: Sequence[PdfAttachment] = (),
    templates_dir: Path | None = None,
) -> bytes:
    """Render ``html`` to tagged PDF/A-3a bytes, embedding ``attachments`` as associated files.

    Relative URLs in ``html`` resolve against the templates folder, and only files inside it
    are read. The language comes from ``<html lang>`` and must equal ``metadata.lang``; title,
    author, subject, keywords and dates come from ``metadata``.
    """
    root = _templates_dir(templates_dir)
    names = [a.filename for a in attachments]
    if len(set(names)) != len(names):
        raise DocumentRenderError(f"attachment file names must be unique: {names}")
    fetcher = TemplatesOnlyFetcher(root)
    created = metadata.created
    modified = metadata.modified or created
    try:
        document = weasyprint.HTML(string=html, base_url=root.as_uri() + "/", url_fetcher=fetcher).render(
            # Layout options too: the variant changes what the layout keeps (tags for PDF/A-a).
            pdf_variant=PDF_VARIANT,
            pdf_tags=True,
            output_intent=OUTPUT_INTENT,
            color_profiles={OUTPUT_INTENT: _srgb_profile()},
        )
    except FatalURLFetchingError as exc:  # a BaseException in WeasyPrint: turn it into ours
        cause = exc.__cause__
        if isinstance(cause, DocumentRenderError):
            raise type(cause)(str(cause)) from exc
        raise DocumentRenderError(f"{exc}: {cause}") from exc
    if document.metadata.lang != metadata.lang:
        raise DocumentRenderError(
            f'<html lang="{document.metadata.lang}"> does not match the metadata language "{metadata.lang}"'
        )
    info = document.metadata
    info.title = metadata.title
    info.authors = [metadata.author]
    info.description = metadata.subject or None
    info.keywords = list(metadata.keywords)
    info.generator = "soteflow"
    info.created = _w3c(created)
    info.modified = _w3c(modified)
    pdf_attachments = [
        weasyprint.Attachment(
            string=a.content,
            name=a.filename,
            description=a.description,
            # WeasyPrint writes these with a literal "Z": give UTC, never the default now().
            created=created.astimezone(UTC),
            modified=modified.astimezone(UTC),
            relationship=ATTACHMENT_RELATIONSHIP,
            url_fetcher=fetcher,
        )
        for a in attachments
    ]
    try:
        with _source_date_epoch(created):
            pdf: bytes = document.write_pdf(
                pdf_variant=PDF_VARIANT,
                pdf_tags=True,
                output_intent=OUTPUT_INTENT,
                attachments=pdf_attachments,
                pdf_identifier=pdf_identifier(html, metadata, attachments),
                finisher=_set_media_types(attachments),
            )
    except FatalURLFetchingError as exc:
        raise DocumentRenderError(f"{exc}: {exc.__cause__}") from exc
    return pdf


#: The Python packages whose code writes the PDF: parsing, layout, fonts, images, PDF objects.
_RENDERER_PACKAGES = ("weasyprint", "pydyf", "fonttools", "tinycss2", "cssselect2", "tinyhtml5", "pyphen", "pillow")


def _package_version(name: str) -> str:
    try:
        return package_metadata.version(name)
    except package_metadata.PackageNotFoundError:
        return "absent"


#: Files of the templates folder that only make HTML (Jinja templates, labels, legal texts): the
#: HTML is in the render key already, so they are not part of the renderer's identity.
_HTML_ONLY_SUFFIXES = frozenset({".html", ".toml"})


def _resources_fingerprint(root: Path) -> str:
    """SHA-256 over the files a render may fetch from the templates folder (stylesheets, fonts,
    images), by relative name and content."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix not in _HTML_ONLY_SUFFIXES and "__pycache__" not in path.parts:
            name = path.relative_to(root).as_posix().encode()
            digest.update(len(name).to_bytes(4, "big") + name)
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


@lru_cache(maxsize=8)
def _renderer_identity(root: Path) -> str:
    parts = [f"{name}={_package_version(name)}" for name in _RENDERER_PACKAGES]
    # Pango shapes and breaks the text: a different system library can move a line.
    parts.append(f"pango={weasyprint.text.ffi.pango.pango_version()}")
    parts.append(f"variant={PDF_VARIANT};intent={OUTPUT_INTENT};relationship={ATTACHMENT_RELATIONSHIP}")
    # This module's own code: how the document is written (dates, identifier, media types).
    parts.append("renderer=" + hashlib.sha256(Path(__file__).read_bytes()).hexdigest())
    # The HTML names the stylesheet, fonts and images but does not contain them.
    parts.append("resources=" + _resources_fingerprint(root))
    return ";".join(parts)


def renderer_identity(templates_dir: Path | None = None) -> str:
    """What decides a PDF's bytes besides its HTML, metadata and attachments.

    The versions of WeasyPrint and the packages it writes with, Pango's version, the PDF variant
    and output intent, this module's code, and a fingerprint of what a render may fetch from the
    templates folder (stylesheets, fonts, images; not the Jinja templates and labels, whose effect
    is in the HTML). Computed once per process and folder, like every code fingerprint: files do
    not change under a running process.
    """
    return _renderer_identity(_templates_dir(templates_dir))


def render_key(
    html: str,
    metadata: DocumentMetadata,
    attachments: Sequence[PdfAttachment],
    *,
    identity: str,
) -> str:
    """SHA-256 over everything a PDF's bytes depend on: equal keys give byte-identical PDFs.

    ``identity`` is :func:`renderer_identity`. Renders are reproducible (dates and identifier come
    from the inputs), so a PDF stored under a key can stand for a new render with the same key.
    """
    digest = hashlib.sha256()
    parts = [identity.encode(), html.encode(), metadata.model_dump_json().encode()]
    for attachment in attachments:
        parts += [
            attachment.filename.encode(),
            attachment.media_type.encode(),
            attachment.description.encode(),
            attachment.content,
        ]
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def has_identifier(pdf: bytes, html: str, metadata: DocumentMetadata, attachments: Sequence[PdfAttachment]) -> bool:
    """Whether ``pdf`` carries the file identifier :func:`pdf_identifier` gives these inputs.

    A cheap check that a stored PDF was rendered from exactly this HTML, metadata and attachments.
    """
    return b"/ID [(" + pdf_identifier(html, metadata, attachments) + b")" in pdf


def render_document(
    template_name: str,
    context: Mapping[str, Any],
    *,
    metadata: DocumentMetadata,
    attachments: Sequence[PdfAttachment] = (),
    templates_dir: Path | None = None,
) -> RenderedDocument:
    """Render a stage template to HTML and PDF/A-3a.

    The template sees ``context`` plus ``meta`` (the :class:`DocumentMetadata`) and ``t`` (labels).
    """
    html = render_html(template_name, {"meta": metadata, **context}, templates_dir=templates_dir)
    pdf = html_to_pdf(html, metadata=metadata, attachments=attachments, templates_dir=templates_dir)
    return RenderedDocument(html=html, pdf=pdf)
