"""Rendering of decision documents: HTML golden file, PDF/A-3a structure, determinism, isolation."""

from __future__ import annotations

import io
import os
import re
import socket
import urllib.request
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import jinja2
import pytest
from pypdf import PdfReader

from schemas.documents import (
    AgendaItem,
    AppealKind,
    AttachmentRef,
    DocumentMetadata,
    EarlierHandling,
    PdfAttachment,
    Person,
    TextSection,
)
from soteflow.charts.bars import bar_chart_svg
from soteflow.documents import (
    DocumentRenderError,
    ForbiddenResourceError,
    TemplatesOnlyFetcher,
    appeal_instructions,
    html_to_pdf,
    render_document,
    render_html,
)
from soteflow.settings import PROJECT_ROOT

TEMPLATES = PROJECT_ROOT / "templates"
GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "example.html"
SHA = "5d41402abc4b2a76b9719d911017c592" + "7d793037a0760186574b0282f2f435e7"
DATA = b'{"cycle":2025,"region":"HVA08","stage":"needs"}'


def make_item(**changes: Any) -> AgendaItem:
    """A complete agenda item for the example template."""
    values: dict[str, Any] = dict(
        region_name="Pirkanmaan hyvinvointialue",
        body="Aluehallitus",
        body_decides_verb="Aluehallitus päättää",
        meeting_date=date(2025, 3, 10),
        section=45,
        title="Strateginen palvelutarpeiden arviointi 2025",
        dnro="PIRHA/2025/00.01.00/1",
        earlier_handling=[
            EarlierHandling(
                date=date(2025, 2, 10),
                body="Aluehallitus",
                section=21,
                summary="Palautettiin uudelleen valmisteltavaksi: lisättävä ikääntymisen vaikutus.",
            )
        ],
        preparers=[Person(name="Esimerkki Suunnittelija", title="erityisasiantuntija")],
        presenter=Person(name="Esimerkki Esittelijä", title="hyvinvointialuejohtaja"),
        grounds=[
            TextSection(heading="Tausta", paragraphs=["Arvio perustuu väestötietoihin <script>alert(1)</script>."])
        ],
        proposal="Aluehallitus päättää hyväksyä strategisen palvelutarpeiden arvioinnin 2025.",
        appeal_instructions=appeal_instructions(
            AppealKind.OIKAISUVAATIMUS,
            authority="Aluehallitus",
            address="kirjaamo (esimerkki)",
            court="hallinto-oikeus",
        ),
        attachments=[AttachmentRef(number=1, title="Arviointiaineisto", filename="s1-needs-v1.json")],
        document_id="hva08-2025-s1-needs",
        version=1,
        sha256=SHA,
    )
    values.update(changes)
    return AgendaItem(**values)


def make_metadata() -> DocumentMetadata:
    """Fixed metadata: the creation time comes from the artefact version, never the clock."""
    return DocumentMetadata(
        title="Strateginen palvelutarpeiden arviointi 2025",
        author="Pirkanmaan hyvinvointialue",
        subject="Aluehallituksen esityslistan asia",
        keywords=["palvelutarve", "2025"],
        created=datetime(2025, 3, 1, 8, 0, tzinfo=UTC),
    )


def make_context(**changes: Any) -> dict[str, Any]:
    """Context of templates/example.html."""
    context: dict[str, Any] = dict(
        item=make_item(),
        table_columns=[
            "Kunta",
            {"label": "Väestö", "format": "number"},
            {"label": "Tarveindeksi", "format": "number", "decimals": 1},
        ],
        table_rows=[["Tampere", 249009, 103.4], ["Nokia", 35000, None], ["Ylöjärvi", 33500, -1.25]],
        chart_svg=bar_chart_svg(["Tampere", "Nokia"], {"2025": [103.4, 98.1]}, title="Tarveindeksi", unit="indeksi"),
    )
    context.update(changes)
    return context


#: Read at import: the shared conftest strips SOTEFLOW_* variables before and during tests.
UPDATE_GOLDEN = os.environ.get("UPDATE_GOLDEN") == "1"

ATTACHMENTS = [PdfAttachment(filename="s1-needs-v1.json", content=DATA, description="Arviointiaineisto")]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The example rendered once to a PDF file in a temporary folder."""
    document = render_document(
        "example.html",
        make_context(),
        metadata=make_metadata(),
        attachments=ATTACHMENTS,
        templates_dir=TEMPLATES,
    )
    out = tmp_path_factory.mktemp("doc") / "example.pdf"
    out.write_bytes(document.pdf)
    return out, document.html


def test_html_matches_golden_file() -> None:
    """The example's HTML equals tests/golden/example.html.

    Regenerate after an intended template change with
    ``SOTEFLOW_UPDATE_GOLDEN=1 PYTHONPATH=. .venv/bin/python -m pytest tests/documents -k golden``
    and review the diff. (tests/conftest.py must leave this variable in place: it clears
    SOTEFLOW_* otherwise; UPDATE_GOLDEN=1 is accepted as a fallback.)
    """
    html = render_html("example.html", {"meta": make_metadata(), **make_context()}, templates_dir=TEMPLATES)
    if UPDATE_GOLDEN or os.environ.get("SOTEFLOW_UPDATE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(html, encoding="utf-8")
    assert html == GOLDEN.read_text(encoding="utf-8")


def test_pdf_text_and_metadata(rendered: tuple[Path, str]) -> None:
    reader = PdfReader(rendered[0])
    assert len(reader.pages) >= 1
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Strateginen palvelutarpeiden arviointi 2025" in text
    assert "Ehdotus" in text
    assert re.search(r"§\s*45", text)
    assert SHA in text  # the full hash is printed in the document information
    assert SHA[:12] in text  # and the short one in the running footer
    assert "249\u00a0009" in text or "249 009" in text
    assert reader.metadata is not None
    assert reader.metadata.title == "Strateginen palvelutarpeiden arviointi 2025"
    assert reader.metadata.author == "Pirkanmaan hyvinvointialue"
    assert reader.metadata["/CreationDate"] == "D:20250301080000Z"


def test_pdf_embeds_the_data_as_associated_file(rendered: tuple[Path, str]) -> None:
    reader = PdfReader(rendered[0])
    assert reader.attachments == {"s1-needs-v1.json": [DATA]}
    catalog = reader.trailer["/Root"]
    filespec = catalog["/AF"][0].get_object()
    assert filespec["/AFRelationship"] == "/Data"
    assert filespec["/EF"]["/F"].get_object()["/Subtype"] == "/application/json"


def test_pdf_is_tagged_pdfa3a_in_finnish(rendered: tuple[Path, str]) -> None:
    catalog = PdfReader(rendered[0]).trailer["/Root"]
    assert "/StructTreeRoot" in catalog
    assert bool(catalog["/MarkInfo"]["/Marked"]) is True
    assert catalog["/Lang"] == "fi"
    xmp = catalog["/Metadata"].get_object().get_data().decode()
    assert re.search(r'pdfaid:part="3"', xmp)
    assert re.search(r'pdfaid:conformance="A"', xmp)
    assert catalog["/OutputIntents"][0]["/S"] == "/GTS_PDFA1"


def test_same_input_gives_identical_bytes(rendered: tuple[Path, str]) -> None:
    again = render_document(
        "example.html",
        make_context(),
        metadata=make_metadata(),
        attachments=ATTACHMENTS,
        templates_dir=TEMPLATES,
    )
    assert again.pdf == rendered[0].read_bytes()
    other = render_document(
        "example.html",
        make_context(item=make_item(version=2)),
        metadata=make_metadata(),
        attachments=ATTACHMENTS,
        templates_dir=TEMPLATES,
    )
    assert other.pdf != again.pdf
    assert PdfReader(io.BytesIO(other.pdf)).trailer["/ID"][0] != PdfReader(io.BytesIO(again.pdf)).trailer["/ID"][0]


def test_missing_variable_raises() -> None:
    context = make_context()
    del context["chart_svg"]
    with pytest.raises(jinja2.UndefinedError):
        render_html("example.html", {"meta": make_metadata(), **context}, templates_dir=TEMPLATES)


def test_autoescape(rendered: tuple[Path, str]) -> None:
    html = rendered[1]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>" not in html


def test_lang_must_match_metadata() -> None:
    html = '<html lang="sv"><body><p>Hej</p></body></html>'
    with pytest.raises(DocumentRenderError, match="lang"):
        html_to_pdf(html, metadata=make_metadata(), templates_dir=TEMPLATES)


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to open a socket or a URL fails the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network access attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(urllib.request.OpenerDirector, "open", refuse)


def test_http_image_is_refused_without_fetching(no_network: None) -> None:
    html = '<html lang="fi"><body><img src="http://example.org/x.png" alt="x"></body></html>'
    with pytest.raises(ForbiddenResourceError, match=r"example\.org"):
        html_to_pdf(html, metadata=make_metadata(), templates_dir=TEMPLATES)


def test_fetcher_refuses_http_and_files_outside(tmp_path: Path, no_network: None) -> None:
    fetcher = TemplatesOnlyFetcher(TEMPLATES)
    with pytest.raises(ForbiddenResourceError):
        fetcher.fetch("http://example.org/x.png")
    with pytest.raises(ForbiddenResourceError):
        fetcher.fetch("https://example.org/print.css")
    outside = tmp_path / "secret.css"
    outside.write_text("body { color: red }")
    with pytest.raises(ForbiddenResourceError):
        fetcher.fetch(outside.as_uri())
    with pytest.raises(ForbiddenResourceError):  # ".." must not climb out of the folder
        fetcher.fetch((TEMPLATES / "fonts" / ".." / ".." / "pyproject.toml").as_uri())
    served = fetcher.fetch((TEMPLATES / "print.css").as_uri())
    assert served.content_type == "text/css"
    assert b"@font-face" in served.read()
    assert fetcher.fetch("data:text/plain,ok").read() == b"ok"


def test_file_outside_templates_in_html_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "x.css"
    outside.write_text("body { color: red }")
    html = f'<html lang="fi"><head><link rel="stylesheet" href="{outside.as_uri()}"></head><body>x</body></html>'
    with pytest.raises(ForbiddenResourceError):
        html_to_pdf(html, metadata=make_metadata(), templates_dir=TEMPLATES)
