"""An agenda item as .docx: built from the item's content (not from the PDF or HTML), Word's own
heading styles, Finnish, the PDF's metadata and identity line, byte-reproducible, and exported by a
real stage round next to its PDF with the same text."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import docx
from docx.document import Document
from docx.enum.text import WD_TAB_ALIGNMENT
from docx.oxml.ns import qn
from pypdf import PdfReader

from schemas.documents import AgendaContent, AttachmentRef, Person, PreparingHandling, TextSection
from schemas.stages import Stage
from soteflow.documents import DocumentSpec, render_document
from soteflow.documents.docx import (
    DATA_NOTE,
    DOCX_MEDIA_TYPE,
    STAGE_CONTENT_NOTE,
    STORE_POINT_NOTE,
    agenda_item_of,
    document_docx,
)
from soteflow.documents.render import load_labels
from soteflow.stagekit import open_store
from soteflow.store.verify import verify
from tasks.round import DirectSteps, run_stage
from tasks.targets.stage import DEFINITION as TARGETS
from tests.documents.test_render import ATTACHMENTS, TEMPLATES, make_context, make_item, make_metadata
from tests.support import Seed

#: The labels both the template and the .docx print.
T = load_labels(TEMPLATES)
NOTES = {STAGE_CONTENT_NOTE, DATA_NOTE, STORE_POINT_NOTE}


def _spec(**changes: Any) -> DocumentSpec:
    return DocumentSpec(
        key="needs-decision",
        title="Päätösesitys",
        template="example.html",
        context=make_context(item=make_item(**changes)),
        metadata=make_metadata(),
        attachments=ATTACHMENTS,
    )


def _docx(spec: DocumentSpec) -> bytes:
    data = document_docx(spec, templates_dir=TEMPLATES)
    assert data is not None
    return data


def _open(data: bytes) -> Document:
    return docx.Document(io.BytesIO(data))


def _lines(document: Document) -> list[tuple[str, str]]:
    """(style, text) of each paragraph of the body, in order."""
    return [(p.style.name if p.style is not None else "", p.text) for p in document.paragraphs]


def _headings(document: Document, level: int) -> list[str]:
    return [text for style, text in _lines(document) if style == f"Heading {level}"]


def _after(lines: list[tuple[str, str]], heading: str) -> list[tuple[str, str]]:
    """The paragraphs under the level-2 ``heading``, up to the next level-2 heading."""
    start = lines.index(("Heading 2", heading)) + 1
    end = next((i for i in range(start, len(lines)) if lines[i][0] == "Heading 2"), len(lines))
    return lines[start:end]


def test_every_part_of_the_item_is_its_content_in_the_templates_order() -> None:
    spec = _spec()
    item = spec.context["item"]
    document = _open(_docx(spec))
    lines = _lines(document)
    # Masthead, then § and title as the one level-1 heading, then the case number.
    assert lines[0] == ("Normal", "Pirkanmaan hyvinvointialue")
    assert lines[1] == ("Normal", "Esityslista\nAluehallitus 10.3.2025")
    assert _headings(document, 1) == ["§ 45 Strateginen palvelutarpeiden arviointi 2025"]
    assert lines[3] == ("Normal", "Dnro PIRHA/2025/00.01.00/1")
    assert _headings(document, 2) == [
        "Aiempi käsittely",
        "Valmistelija",
        "Perustelut",
        "Esittelijä",
        "Ehdotus",
        "Päätös",
        "Muutoksenhaku",
        "Liitteet",
        "Asiakirjan tiedot",
    ]
    assert _after(lines, "Aiempi käsittely") == [
        (
            "List Bullet",
            "Aluehallitus 10.2.2025 § 21: Palautettiin uudelleen valmisteltavaksi: lisättävä ikääntymisen vaikutus.",
        )
    ]
    assert _after(lines, "Valmistelija") == [("List Bullet", "Esimerkki Suunnittelija, erityisasiantuntija")]
    # The grounds as the model has them (text, not markup: the .docx escapes nothing, Word shows text),
    # and the note that the example template's table and figure are in the PDF.
    assert _after(lines, "Perustelut") == [
        ("Heading 3", "Tausta"),
        ("Normal", "Arvio perustuu väestötietoihin <script>alert(1)</script>."),
        ("Normal", STAGE_CONTENT_NOTE),
    ]
    assert _after(lines, "Esittelijä") == [("Normal", "Esimerkki Esittelijä, hyvinvointialuejohtaja")]
    assert _after(lines, "Ehdotus") == [("Ehdotus", item.proposal)]
    assert _after(lines, "Päätös") == [("Normal", T["decision_pending"])]
    appeal = _after(lines, "Muutoksenhaku")
    assert [text for style, text in appeal if style == "Heading 3"] == [p.heading for p in item.appeal_instructions]
    assert [text for style, text in appeal if style == "Normal"] == [
        paragraph for part in item.appeal_instructions for paragraph in part.paragraphs
    ]
    assert _after(lines, "Liitteet") == [("Normal", "Liite 1: Arviointiaineisto")]
    assert _after(lines, "Asiakirjan tiedot") == [
        ("Normal", "Asiakirjan tunniste: hva08-2025-s1-needs"),
        ("Normal", "Versio: 1"),
        ("Normal", f"Aineiston SHA-256-tiiviste: {item.sha256}"),
        ("Normal", DATA_NOTE),
    ]


def test_a_council_item_shows_the_boards_handling_and_a_recorded_decision() -> None:
    prepared = PreparingHandling(
        body="Aluehallitus",
        meeting_date=date(2025, 2, 24),
        section=12,
        presenter=Person(name="Esimerkki Esittelijä", title="hyvinvointialuejohtaja"),
        proposal="Aluehallitus päättää esittää aluevaltuustolle, että aluevaltuusto hyväksyy arvion.",
        decision="Ehdotus hyväksyttiin.",
        proposal_heading="Aluehallituksen ehdotus",
    )
    spec = _spec(
        body="Aluevaltuusto",
        body_decides_verb="Aluevaltuusto päättää",
        section=None,
        prepared_by=prepared,
        proposal="Aluevaltuusto päättää hyväksyä arvion.\n\nAluevaltuusto merkitsee tiedoksi seurannan.",
        decision="Hyväksyttiin ehdotuksen mukaisesti.",
        grounds=[TextSection(heading="Tausta", paragraphs=["Yksi."]), TextSection(heading="Talous", paragraphs=[])],
        attachments=[
            AttachmentRef(number=1, title="Menetelmät"),
            AttachmentRef(number=2, title="Lähteet", public=False),
        ],
        earlier_handling=[],
    )
    lines = _lines(_open(_docx(spec)))
    assert ("Heading 1", "§ – Strateginen palvelutarpeiden arviointi 2025") in lines
    assert [text for style, text in lines if style == "Heading 2"][:4] == [
        "Valmistelija",
        "Perustelut",
        "Aluehallitus 24.2.2025 § 12",
        "Aluevaltuusto 10.3.2025 § –",
    ]
    assert ("Heading 2", "Esittelijä") not in lines  # the council's part has no presenter
    assert _after(lines, "Perustelut") == [
        ("Heading 3", "Tausta"),
        ("Normal", "Yksi."),
        ("Heading 3", "Talous"),
        ("Normal", STAGE_CONTENT_NOTE),
    ]
    assert _after(lines, "Aluehallitus 24.2.2025 § 12") == [
        ("Heading 3", "Esittelijä"),
        ("Normal", "Esimerkki Esittelijä, hyvinvointialuejohtaja"),
        ("Heading 3", "Ehdotus"),
        ("Ehdotus", prepared.proposal),
        ("Heading 3", "Päätös"),
        ("Normal", "Ehdotus hyväksyttiin."),
    ]
    assert _after(lines, "Aluevaltuusto 10.3.2025 § –") == [
        ("Heading 3", "Aluehallituksen ehdotus"),
        ("Ehdotus", "Aluevaltuusto päättää hyväksyä arvion."),
        ("Ehdotus", "Aluevaltuusto merkitsee tiedoksi seurannan."),
        ("Heading 3", "Päätös"),
        ("Normal", "Hyväksyttiin ehdotuksen mukaisesti."),
    ]
    assert _after(lines, "Liitteet") == [
        ("Normal", "Liite 1: Menetelmät"),
        ("Normal", "Liite 2: Lähteet – ei julkinen"),
    ]


def test_word_heading_styles_language_page_and_core_properties() -> None:
    document = _open(_docx(_spec()))
    styles = document.styles
    # Word's built-in headings (navigation pane, outline, accessibility checker), levels 1–3.
    for level in (1, 2, 3):
        style = styles[f"Heading {level}"]
        outline = style.element.find(f"{qn('w:pPr')}/{qn('w:outlineLvl')}")
        assert outline is not None and outline.get(qn("w:val")) == str(level - 1)
    assert {p.style.name for p in document.paragraphs if p.style is not None} <= {
        "Normal",
        "Heading 1",
        "Heading 2",
        "Heading 3",
        "List Bullet",
        "Ehdotus",
    }
    lang = styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:lang')}")
    assert lang is not None and lang.get(qn("w:val")) == "fi-FI"
    assert not [e for e in styles.element.iter(qn("w:lang")) if e.get(qn("w:val")) != "fi-FI"]
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)  # A4
    assert round(section.left_margin.mm) == 25
    # The header's meeting goes to the right edge of the text (165 mm), not to a Letter-size centre tab.
    stops = list(styles["Header"].paragraph_format.tab_stops)
    assert [(stop.alignment, round(stop.position.mm)) for stop in stops] == [(WD_TAB_ALIGNMENT.RIGHT, 165)]
    metadata = make_metadata()
    properties = document.core_properties
    assert properties.title == metadata.title
    assert properties.author == metadata.author
    assert properties.subject == metadata.subject
    assert properties.keywords == "palvelutarve, 2025"
    assert properties.language == "fi-FI"
    assert properties.created == properties.modified == metadata.created
    assert properties.comments == ""  # not python-docx's "generated by python-docx"


def test_the_footer_prints_the_pdfs_identity_line() -> None:
    spec = _spec()
    html = spec.render_html(templates_dir=TEMPLATES)
    printed = re.search(r'data-footer="([^"]*)"', html)
    assert printed is not None
    document = _open(_docx(spec))
    for footer in (document.sections[0].footer, document.sections[0].first_page_footer):
        assert footer.paragraphs[0].text == printed.group(1).replace("&amp;", "&")
        assert footer.paragraphs[1].text.startswith(f"{T['page']} ")
    header = document.sections[0].header.paragraphs[0].text
    assert header == "Pirkanmaan hyvinvointialue\tAluehallitus 10.3.2025 § 45"


def test_the_same_content_gives_the_same_bytes_dated_by_the_document() -> None:
    first, second = _docx(_spec()), _docx(_spec())
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as package:
        names = package.namelist()
        assert {info.date_time for info in package.infolist()} == {(2025, 3, 1, 8, 0, 0)}
        core = package.read("docProps/core.xml").decode()
        app = package.read("docProps/app.xml").decode()
    assert "2025-03-01T08:00:00Z" in core and "2013" not in core
    assert "docProps/thumbnail.jpeg" not in names  # python-docx's template picture
    assert "<Application>soteflow</Application>" in app
    changed = _docx(_spec(proposal="Aluehallitus päättää hylätä arvioinnin."))
    assert changed != first


def test_only_agenda_items_get_a_docx() -> None:
    spec = _spec()
    assert agenda_item_of(spec) is spec.context["item"]
    attachment = DocumentSpec(
        key="needs-attachment-1",
        title="Liite 1",
        template="example.html",
        context={**spec.context, "attachment": object()},
        metadata=spec.metadata,
    )
    report = DocumentSpec(
        key="monitoring-report", title="Raportti", template="example.html", context={}, metadata=spec.metadata
    )
    assert agenda_item_of(attachment) is None and document_docx(attachment, templates_dir=TEMPLATES) is None
    assert agenda_item_of(report) is None and document_docx(report, templates_dir=TEMPLATES) is None


def _squeezed(text: str) -> str:
    """``text`` without whitespace: a PDF's extracted text breaks lines where the layout did (also
    after a dash, "2026– 2029"), which is no difference in the text."""
    return "".join(text.split())


def _in_order(paragraphs: list[str], pdf_text: str) -> Iterator[str]:
    """The paragraphs not found in ``pdf_text`` after the one before them."""
    text = _squeezed(pdf_text)
    position = 0
    for paragraph in paragraphs:
        found = text.find(_squeezed(paragraph), position)
        if found < 0:
            yield paragraph
        else:
            position = found + len(_squeezed(paragraph))


def _item_text(document: Document) -> list[str]:
    """The .docx's paragraphs of the item (up to the document information, whose PDF layout is a
    two-column list), line by line, without the notes only the .docx has."""
    lines = [p.text for p in document.paragraphs]
    lines = lines[: lines.index(T["document_info"])]
    return [line for text in lines if text not in NOTES for line in text.split("\n")]


_MM = 72 / 25.4


def _pdf_text(pdf: bytes, *, margins: bool = False) -> str:
    """The PDF's text; without ``margins`` only the page body (print.css: 22 mm top, 24 mm bottom),
    so the running header and footer do not cut a paragraph that runs on to the next page, and
    without the list markers, which WeasyPrint draws apart from their items (in the .docx they are
    Word's list numbering, not text)."""
    parts: list[str] = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        if margins:
            parts.append(page.extract_text())
            continue
        height = float(page.mediabox.height)

        def body(text: str, cm: list[float], tm: list[float], *_: Any, height: float = height) -> None:
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]  # WeasyPrint's pages flip y with their cm
            if 24 * _MM < y < height - 22 * _MM and text.strip() != "•":
                parts.append(text)

        page.extract_text(visitor_text=body)
    return " ".join(parts)


def test_the_docx_text_is_the_pdfs_item_text_in_order() -> None:
    spec = _spec()
    document = _open(_docx(spec))
    pdf = render_document(
        spec.template, spec.context, metadata=spec.metadata, attachments=spec.attachments, templates_dir=TEMPLATES
    ).pdf
    text = _pdf_text(pdf)
    paragraphs = _item_text(document)
    assert len(paragraphs) > 15
    assert list(_in_order(paragraphs, text)) == []
    assert _squeezed(document.sections[0].footer.paragraphs[0].text) in _squeezed(_pdf_text(pdf, margins=True))


def test_a_stage_round_exports_each_items_docx_next_to_its_pdf(seed: Seed, tmp_path: Path) -> None:
    """Stage 2's item goes to the aluevaltuusto on the aluehallitus' proposal (a council item)."""
    seed(Stage.NEEDS)
    out = tmp_path / "out"
    result = run_stage(TARGETS, region="HVA08", cycle=2026, gate="scripted", out_dir=str(out), steps=DirectSteps())
    assert result.accepted
    folder = out / "s2-targets"
    names = {Path(p).name for p in result.documents}
    assert "targets-decision-docx-v1.docx" in names and "targets-decision-pdf-v1.pdf" in names
    # Only the agenda item: its attachments (liitteet) are PDFs of their own, with no .docx.
    pdfs = sorted(p.name for p in folder.glob("*.pdf"))
    assert [p.name for p in folder.glob("*.docx")] == ["targets-decision-docx-v1.docx"]
    assert any("attachment" in name for name in pdfs)
    # Stored as a document of the case, decided with it, and covered by the store's verification.
    store = open_store()
    stored = store.latest("HVA08", 2026, "targets-decision-docx")
    assert stored is not None and stored.media_type == DOCX_MEDIA_TYPE and stored.status.value == "approved"
    data = (folder / "targets-decision-docx-v1.docx").read_bytes()
    assert store.read_file(stored) == data
    assert verify(store).ok
    # Built from the proposal's agenda content.
    proposal = json.loads((folder / "targets-proposal-v1.json").read_text(encoding="utf-8"))
    agenda = AgendaContent.model_validate(proposal["agenda"])
    assert agenda.prepared_by is not None
    document = _open(data)
    lines = _lines(document)
    headings = [text for style, text in lines if style == "Heading 3"]
    grounds = [part.heading for part in agenda.grounds]
    assert headings[: len(grounds)] == grounds
    assert ("Heading 2", T["appeal"]) in lines
    assert _after(lines, T["attachments"]) == [
        ("Normal", f"Liite {a.number}: {a.title}" + ("" if a.public else f" – {T['not_public']}"))
        for a in agenda.attachments
    ]
    proposals = [text for style, text in lines if style == "Ehdotus"]
    assert proposals == [agenda.prepared_by.proposal, *agenda.proposal.split("\n\n")]
    # The same text and properties as the PDF exported beside it.
    pdf = (folder / "targets-decision-pdf-v1.pdf").read_bytes()
    text = _pdf_text(pdf)
    assert list(_in_order(_item_text(document), text)) == []
    footer = document.sections[0].footer.paragraphs[0].text
    assert " · tila " in footer and _squeezed(footer) in _squeezed(_pdf_text(pdf, margins=True))  # store point
    info = PdfReader(io.BytesIO(pdf)).metadata
    assert info is not None
    properties = document.core_properties
    assert (properties.title, properties.author, properties.subject) == (info.title, info.author, info.subject)
    assert properties.keywords == info["/Keywords"]
