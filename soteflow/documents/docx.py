"""An agenda item as .docx (Office Open XML), the form case-management systems accept.

Built from the same :class:`~schemas.documents.AgendaItem` the HTML template lays out, never by
converting the PDF or the HTML: the header (region, body, meeting date, §), the title, dnro,
earlier handling, preparers, the preparing body's handling of a council item, presenter, grounds,
proposal, decision, appeal instructions, the attachments by number and title, and the document's
identity as the PDF's footer prints it (document id, version, the data's SHA-256 and the store
point). Labels are the templates' own (``templates/i18n``), so the two read alike.

A stage's tables and figures (the ``stage_content`` block of ``templates/base.html``) are not
content of the item model; where a stage's template adds them, the .docx says they are in the
item's PDF (:data:`STAGE_CONTENT_NOTE`).

Real Word styles (Heading 1–3, List Bullet), the document's language (fi-FI) on the styles,
A4 pages with the PDF's margins, and core properties from the PDF's
:class:`~schemas.documents.DocumentMetadata`. Byte-reproducible: every date comes from the
metadata (the zip entries and core properties are dated by its ``created``), nothing from the clock.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import UTC
from pathlib import Path
from typing import Any

import docx
from docx.document import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Length, Mm, Pt, RGBColor
from docx.styles.style import ParagraphStyle
from docx.text.paragraph import Paragraph

from schemas.documents import AgendaItem, DocumentMetadata
from soteflow.data.exports import fix_zip_times
from soteflow.documents.formatting import fi_date
from soteflow.documents.render import DOCX_MEDIA_TYPE, DocumentSpec, get_environment
from soteflow.store.integrity import StorePoint

__all__ = [
    "DATA_NOTE",
    "DOCX_MEDIA_TYPE",
    "STAGE_CONTENT_NOTE",
    "STORE_POINT_NOTE",
    "agenda_docx",
    "agenda_item_of",
    "document_docx",
    "word_language",
]


#: Said where the PDF has the stage's tables and figures, which are not part of the item's model.
STAGE_CONTENT_NOTE = "Taulukot ja kuviot ovat asian PDF-asiakirjassa."
#: The .docx embeds no files: the data the hash covers, and the store point, travel in the item's
#: PDF (the PDF's own notes say "tähän PDF-tiedostoon", which would be untrue here).
DATA_NOTE = (
    "Asiakirjan esittämä aineisto on upotettu saman asian PDF-tiedostoon liitetiedostona; "
    "tiivisteellä voi tarkistaa, että aineisto on muuttumaton."
)
STORE_POINT_NOTE = (
    "Juuritiiviste kattaa tallenteen kaikki versiot, päätökset ja tapahtumalokin tähän tapahtumaan asti; "
    "se on upotettu myös asian PDF-tiedostoon (tallenteen-tila.json). Komento soteflow verify --document "
    "tarkistaa, ettei niitä ole muutettu asiakirjan laatimisen jälkeen."
)

#: The template block where a stage adds its tables and figures to the item (templates/base.html).
_STAGE_BLOCK = "stage_content"
#: Word's language tags (w:lang) for the document languages of DocumentMetadata.lang.
_WORD_LANGUAGES = {"fi": "fi-FI", "sv": "sv-FI", "en": "en-GB"}
#: Widely installed sans-serif: the PDF's DejaVu Sans is embedded there, but Word would substitute it.
_FONT = "Arial"
#: A4, and the margins of print.css (top, right, bottom, left; the wider left one for binding).
_PAGE = (Mm(210), Mm(297))
_MARGINS = (Mm(22), Mm(20), Mm(24), Mm(25))
_BLACK = RGBColor(0, 0, 0)
_GREY = RGBColor(0x33, 0x33, 0x33)
#: Sizes as in templates/print.css (body 10 pt, h1 14 pt, h2 11 pt, h3 10 pt, running texts 7–8 pt).
_SIZES = {"Normal": 10, "Heading 1": 14, "Heading 2": 11, "Heading 3": 10, "Header": 8, "Footer": 7}
_PROPOSAL_STYLE = "Ehdotus"
#: The template's styles the item uses (by id), and Word's defaults for each kind (paragraph,
#: character, table, numbering); of its other 260 styles none is used. Their basedOn, link and
#: next styles are kept too (:func:`_lean_styles`).
_STYLES = (
    *("Normal", "DefaultParagraphFont", "TableNormal", "NoList"),
    *("Heading1", "Heading2", "Heading3", "ListBullet", "Header", "Footer"),
)
#: Word 2010's copy of the styles with effects: optional, and the template's is 430 kB.
_STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"
_APP_XML = (
    b"<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    b"<Application>soteflow</Application></Properties>"
)


def word_language(lang: str) -> str:
    """Word's language tag for a BCP 47 document language: ``fi`` → ``fi-FI``."""
    return lang if "-" in lang else _WORD_LANGUAGES.get(lang, lang)


def agenda_item_of(spec: DocumentSpec) -> AgendaItem | None:
    """The agenda item a document prints, or None when it is not an agenda item.

    An agenda item's template (``templates/base.html``) reads the item as ``item``; an attachment
    (liite) of the item carries the same ``item`` plus its own ``attachment``, and other documents
    (a producer's steering report) have no item.
    """
    item = spec.context.get("item")
    if isinstance(item, AgendaItem) and "attachment" not in spec.context:
        return item
    return None


def document_docx(spec: DocumentSpec, *, templates_dir: Path | None = None) -> bytes | None:
    """The .docx of an agenda item's document (with its store point, if set), or None when the
    document is not an agenda item (:func:`agenda_item_of`)."""
    item = agenda_item_of(spec)
    if item is None:
        return None
    environment = get_environment(templates_dir)
    template = environment.get_template(spec.template)
    labels = environment.globals["t"]
    assert isinstance(labels, Mapping)  # templates/i18n/<lang>.toml, loaded by get_environment
    return agenda_docx(
        item,
        metadata=spec.metadata,
        labels=labels,
        store_point=spec.store_point,
        stage_content=_STAGE_BLOCK in template.blocks,
    )


def agenda_docx(
    item: AgendaItem,
    *,
    metadata: DocumentMetadata,
    labels: Mapping[str, Any],
    store_point: StorePoint | None = None,
    stage_content: bool = False,
) -> bytes:
    """The agenda item as .docx bytes, in the order and with the labels of ``templates/base.html``.

    ``labels`` are the templates' (``get_environment().globals["t"]``); ``stage_content`` says the
    stage's template adds tables or figures, which the .docx points to in the PDF.
    """
    t = labels
    document = docx.Document()
    _set_up(document, metadata)
    section_label = f"{t['section_sign']} {item.section}" if item.section is not None else t["section_pending"]
    meeting = f"{item.body} {fi_date(item.meeting_date)} {section_label}"
    _header_and_footer(document, item, t, meeting=meeting, footer=_footer_line(item, t, store_point))

    region = document.add_paragraph()
    region.add_run(item.region_name).bold = True
    kind = document.add_paragraph()
    kind.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    kind.add_run(t["document_kind"]).bold = True
    kind.add_run().add_break()
    kind.add_run(f"{item.body} {fi_date(item.meeting_date)}")

    document.add_heading(f"{section_label} {item.title}", level=1)
    document.add_paragraph(f"{t['dnro']} {item.dnro}")

    if item.earlier_handling:
        document.add_heading(t["earlier_handling"], level=2)
        for entry in item.earlier_handling:
            bullet = document.add_paragraph(style="List Bullet")
            section = f" § {entry.section}" if entry.section is not None else ""
            bullet.add_run(f"{entry.body} {fi_date(entry.date)}{section}:").bold = True
            bullet.add_run(f" {entry.summary}")

    document.add_heading(t["preparers"] if len(item.preparers) > 1 else t["preparer"], level=2)
    for person in item.preparers:
        document.add_paragraph(f"{person.name}, {person.title}", style="List Bullet")

    document.add_heading(t["grounds"], level=2)
    for part in item.grounds:
        document.add_heading(part.heading, level=3)
        for paragraph in part.paragraphs:
            document.add_paragraph(paragraph)
    if stage_content:
        document.add_paragraph().add_run(STAGE_CONTENT_NOTE).italic = True

    prep = item.prepared_by
    if prep is not None:
        # A council item: the preparing body's handling with its presenter, then the deciding
        # body's part with the proposal under the preparing body's name and no presenter.
        prep_section = f"{t['section_sign']} {prep.section}" if prep.section is not None else t["section_pending"]
        document.add_heading(f"{prep.body} {fi_date(prep.meeting_date)} {prep_section}", level=2)
        document.add_heading(t["presenter"], level=3)
        document.add_paragraph(f"{prep.presenter.name}, {prep.presenter.title}")
        document.add_heading(t["proposal"], level=3)
        document.add_paragraph(prep.proposal, style=_PROPOSAL_STYLE)
        document.add_heading(t["decision"], level=3)
        _decision(document, prep.decision, t)
        document.add_heading(meeting, level=2)
        document.add_heading(prep.proposal_heading, level=3)
        _proposal(document, item.proposal)
        document.add_heading(t["decision"], level=3)
        _decision(document, item.decision, t)
    else:
        document.add_heading(t["presenter"], level=2)
        document.add_paragraph(f"{item.presenter.name}, {item.presenter.title}")
        document.add_heading(t["proposal"], level=2)
        _proposal(document, item.proposal)
        document.add_heading(t["decision"], level=2)
        _decision(document, item.decision, t)

    document.add_heading(t["appeal"], level=2)
    for part in item.appeal_instructions:
        document.add_heading(part.heading, level=3)
        for paragraph in part.paragraphs:
            document.add_paragraph(paragraph)

    document.add_heading(t["attachments"], level=2)
    for ref in item.attachments:
        # "upotettu PDF-tiedostoon" is left out: it is said of the PDF, and the .docx embeds nothing.
        text = f"{t['attachment']} {ref.number}: {ref.title}"
        document.add_paragraph(text if ref.public else f"{text} – {t['not_public']}")
    if not item.attachments:
        document.add_paragraph(t["no_attachments"])

    document.add_heading(t["document_info"], level=2)
    facts = [(t["document_id"], item.document_id), (t["version"], str(item.version)), (t["data_sha256"], item.sha256)]
    if store_point is not None:
        facts.append(
            (
                t["store_point"],
                f"{t['store_point_event']} {store_point.event}, {t['store_point_root']} {store_point.root}",
            )
        )
    for label, value in facts:
        fact = document.add_paragraph()
        fact.add_run(f"{label}:").bold = True
        fact.add_run(f" {value}")
    document.add_paragraph(DATA_NOTE)
    if store_point is not None:
        document.add_paragraph(STORE_POINT_NOTE)
    return _save(document, metadata)


def _footer_line(item: AgendaItem, t: Mapping[str, Any], point: StorePoint | None) -> str:
    """The running footer of templates/base.html (``data-footer``), character for character."""
    line = f"{t['document_id']} {item.document_id} · {t['footer_version']} {item.version} · SHA-256 {item.sha256[:12]}…"
    if point is not None:
        line += f" · {t['footer_store_point']} {point.event}/{point.short_root}…"
    return line


def _proposal(document: Document, text: str) -> None:
    for paragraph in text.split("\n\n"):
        document.add_paragraph(paragraph, style=_PROPOSAL_STYLE)


def _decision(document: Document, text: str | None, t: Mapping[str, Any]) -> None:
    if text:
        for paragraph in text.split("\n\n"):
            document.add_paragraph(paragraph)
    else:
        document.add_paragraph().add_run(t["decision_pending"]).italic = True


# -- page, styles, language and properties ------------------------------------------------------


def _set_up(document: Document, metadata: DocumentMetadata) -> None:
    """A4 with the PDF's margins, the styles, the language and the core properties."""
    section = document.sections[0]
    section.page_width, section.page_height = _PAGE
    section.top_margin, section.right_margin, section.bottom_margin, section.left_margin = _MARGINS
    section.header_distance = section.footer_distance = Mm(10)

    _lean_styles(document)
    language = word_language(metadata.lang)
    styles = document.styles
    defaults = styles.element.find(qn("w:docDefaults"))
    assert defaults is not None  # python-docx's template has them
    default_run = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
    assert default_run is not None
    _plain_fonts(default_run)
    lang = default_run.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        default_run.append(lang)
    lang.set(qn("w:val"), language)
    # Word's spelling and hyphenation follow w:lang; the theme's language is what new text gets.
    settings_lang = document.settings.element.find(qn("w:themeFontLang"))
    if settings_lang is not None:
        settings_lang.set(qn("w:val"), language)

    for name, size in _SIZES.items():
        style = styles[name]
        style.font.size = Pt(size)
        rpr = style.element.get_or_add_rPr()
        _plain_fonts(rpr)
        style.font.color.rgb = _GREY if name in {"Header", "Footer"} else _BLACK
    styles["Normal"].paragraph_format.space_after = Mm(2.2)
    styles["Normal"].paragraph_format.line_spacing = 1.15
    for name in ("Header", "Footer"):
        _right_tab(styles[name], Length(_PAGE[0] - _MARGINS[1] - _MARGINS[3]))
    for level, before in ((1, 0), (2, 6), (3, 4)):
        heading = styles[f"Heading {level}"].paragraph_format
        heading.space_before, heading.space_after = Mm(before), Mm(1.5 if level == 2 else 1)
    proposal = styles.add_style(_PROPOSAL_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    proposal.base_style = styles["Normal"]
    proposal.paragraph_format.left_indent = Mm(4)
    _left_rule(proposal.element.get_or_add_pPr())

    properties = document.core_properties
    properties.title = metadata.title
    properties.author = metadata.author
    properties.last_modified_by = metadata.author
    properties.subject = metadata.subject
    properties.keywords = ", ".join(metadata.keywords)  # as the PDF's /Keywords
    properties.language = language
    properties.comments = ""
    properties.revision = 1
    # Both dated by the creation time, as fix_zip_times dates them (no stage sets metadata.modified).
    properties.created = properties.modified = metadata.created.astimezone(UTC)


def _lean_styles(document: Document) -> None:
    """Only the styles the item uses: the template's 270 make the file large and every style
    lookup by name slow."""
    root = document.styles.element
    by_id = {style.get(qn("w:styleId")): style for style in root.findall(qn("w:style"))}
    keep: set[str] = set()
    wanted = list(_STYLES)
    while wanted:
        style_id = wanted.pop()
        if style_id in keep or style_id not in by_id:
            continue
        keep.add(style_id)
        for tag in ("w:basedOn", "w:link", "w:next"):
            related = by_id[style_id].find(qn(tag))
            if related is not None:
                wanted.append(related.get(qn("w:val")))
    for style_id, style in by_id.items():
        if style_id not in keep:
            root.remove(style)
    rels = document.part.rels
    for rel_id, rel in list(rels.items()):
        if rel.reltype == _STYLES_WITH_EFFECTS:
            rels.pop(rel_id)


def _plain_fonts(rpr: Any) -> None:
    """Name the font outright: a theme font (the template's Calibri/Cambria) would win over it."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attribute), None)
    for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attribute), _FONT)


def _left_rule(ppr: Any) -> None:
    """The proposal's black rule on the left (print.css ``.proposal``: 2.5 pt, 4 mm from the text)."""
    borders = OxmlElement("w:pBdr")
    left = OxmlElement("w:left")
    for attribute, value in (("w:val", "single"), ("w:sz", "20"), ("w:space", "11"), ("w:color", "000000")):
        left.set(qn(attribute), value)
    borders.append(left)
    # w:pBdr comes after w:numPr/w:pStyle/w:keepNext… and before w:shd/w:tabs/w:spacing/w:ind (CT_PPr).
    following = {qn(f"w:{tag}") for tag in ("shd", "tabs", "suppressAutoHyphens", "spacing", "ind", "jc")}
    for index, child in enumerate(ppr):
        if child.tag in following:
            ppr.insert(index, borders)
            return
    ppr.append(borders)


def _header_and_footer(
    document: Document, item: AgendaItem, t: Mapping[str, Any], *, meeting: str, footer: str
) -> None:
    """As print.css: region and meeting on top of every page but the first (which has the
    masthead), the document's identity and "sivu n / m" at the bottom of every page."""
    section = document.sections[0]
    section.different_first_page_header_footer = True
    top = section.header.paragraphs[0]
    top.style = document.styles["Header"]
    top.add_run(item.region_name)
    top.add_run("\t" + meeting)
    for part in (section.footer, section.first_page_footer):
        line = part.paragraphs[0]
        line.style = document.styles["Footer"]
        line.add_run(footer)
        page = part.add_paragraph(style=document.styles["Footer"])
        page.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        page.add_run(f"{t['page']} ")
        _field(page, "PAGE")
        page.add_run(" / ")
        _field(page, "NUMPAGES")


def _right_tab(style: ParagraphStyle, position: Length) -> None:
    """One right tab at the text's right edge: the template's header and footer styles have a
    centre and a right tab for US Letter, and a short text would jump to the centre one."""
    stops = style.paragraph_format.tab_stops
    stops.clear_all()
    stops.add_tab_stop(position, WD_TAB_ALIGNMENT.RIGHT)


def _field(paragraph: Paragraph, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES) whose value Word computes when it lays out the page."""
    for kind, text in (
        ("begin", None),
        ("instr", f" {instruction} "),
        ("separate", None),
        ("text", "1"),
        ("end", None),
    ):
        run = paragraph.add_run()
        if kind == "instr":
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        elif kind == "text":
            element = OxmlElement("w:t")
            element.text = text
        else:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        run._r.append(element)


def _save(document: Document, metadata: DocumentMetadata) -> bytes:
    """The package's bytes with nothing of the template or the clock left in them."""
    package = document.part.package
    for rel_id, rel in list(package.rels.items()):
        if rel.reltype == RELATIONSHIP_TYPE.THUMBNAIL:
            package.rels.pop(rel_id)  # python-docx's template picture, not this document
        elif rel.reltype == RELATIONSHIP_TYPE.EXTENDED_PROPERTIES:
            # The template names "Microsoft Macintosh Word" as the application that wrote it.
            rel.target_part._blob = _APP_XML
    raw = io.BytesIO()
    document.save(raw)
    return fix_zip_times(raw.getvalue(), metadata.created.astimezone(UTC))
