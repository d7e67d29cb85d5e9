"""Decision documents: the Finnish agenda item (esityslistan asia / päätösehdotus) and PDF metadata.

Pure pydantic: no Prefect, no database. The stage-specific content (tables, figures) is not
modelled here; each stage template renders it from the stage's own output model.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Person(_Model):
    """A person named in a document: preparer (valmistelija) or presenter (esittelijä)."""

    name: str = Field(description="Full name as printed, e.g. 'Esimerkki Esittelijä'.")
    title: str = Field(description="Job title (virkanimike), e.g. 'hyvinvointialuejohtaja'.")


class TextSection(_Model):
    """A titled run of paragraphs (a part of the grounds or of the appeal instructions)."""

    heading: str = Field(description="Section heading, printed as a sub-heading.")
    paragraphs: list[str] = Field(default_factory=list, description="Paragraphs of plain text, in order.")


class EarlierHandling(_Model):
    """An earlier handling of the same case (aiempi käsittely), e.g. a decision returned for preparation."""

    date: dt.date = Field(description="Meeting date of the earlier handling.")
    body: str = Field(description="Body that handled the case, e.g. 'Aluehallitus'.")
    section: int | None = Field(default=None, description="Section (§) number in that meeting's minutes.")
    summary: str = Field(description="What was decided, including the body's comments when returned.")


class AttachmentRef(_Model):
    """An attachment (liite) listed at the end of the agenda item."""

    number: int = Field(ge=1, description="Attachment number as referred to in the text (Liite 1, …).")
    title: str = Field(description="Attachment title.")
    filename: str | None = Field(default=None, description="File name when the attachment is embedded in the PDF.")
    public: bool = Field(default=True, description="False when the attachment is not public (salassa pidettävä).")


class AppealKind(StrEnum):
    """Which appeal route applies to a decision; the texts are in ``templates/legal/appeal.toml``."""

    #: Decisions of the aluehallitus, a lautakunta, a jaosto or an office holder: a written request
    #: for rectification first, then an aluevalitus (hyvinvointialuelaki 611/2021, 16 luku).
    OIKAISUVAATIMUS = "oikaisuvaatimus"
    #: Decisions of the aluevaltuusto: aluevalitus to the administrative court directly.
    ALUEVALITUS = "aluevalitus"
    #: A decision that only prepares or executes a matter (e.g. a proposal to the council, a report
    #: taken note of) may not be appealed.
    VALMISTELU = "valmistelu"
    #: Procurement decisions: hankintaoikaisu and valitus markkinaoikeuteen (hankintalaki 1397/2016).
    HANKINTA = "hankinta"


class PreparingHandling(_Model):
    """The preparing body's handling of an item another body decides: the aluehallitus' part of an
    aluevaltuusto item (hyvinvointialuelaki 611/2021 43 § 1 mom. 2 kohta), printed above the
    council's own part, which decides on this body's proposal without a presenter."""

    body: str = Field(description="The preparing body, e.g. 'Aluehallitus'.")
    meeting_date: dt.date = Field(description="Date of the preparing body's meeting.")
    section: int | None = Field(default=None, description="Section (§) in the preparing body's minutes, once known.")
    presenter: Person = Field(description="Presenter (esittelijä) in the preparing body.")
    proposal: str = Field(description="The preparing body's proposal, e.g. 'Aluehallitus päättää esittää …'.")
    decision: str | None = Field(default=None, description="The preparing body's decision, once recorded.")
    proposal_heading: str = Field(
        description="Heading of the deciding body's proposal, e.g. 'Aluehallituksen ehdotus'."
    )


class AgendaContent(_Model):
    """One agenda item with its decision proposal, in the Finnish municipal agenda convention.

    Order on the page: body and meeting, § and title, dnro, earlier handling, preparers,
    grounds (perustelut), the stage's tables and figures, presenter and proposal (ehdotus),
    decision (päätös), appeal instructions (muutoksenhaku), attachments (liitteet).
    """

    region_name: str = Field(description="Welfare region printed in the header, e.g. 'Pirkanmaan hyvinvointialue'.")
    body: str = Field(description="Deciding body, e.g. 'Aluehallitus'.")
    body_decides_verb: str = Field(description="Opening of the proposal, e.g. 'Aluehallitus päättää'.")
    meeting_date: dt.date = Field(description="Date of the meeting where the item is handled.")
    section: int | None = Field(default=None, description="Section (§) number; known only once the agenda is set.")
    title: str = Field(description="Title of the item (asian otsikko).")
    dnro: str = Field(description="Case number (diaarinumero), e.g. 'PIRHA/2025/00.01.00/1'.")
    earlier_handling: list[EarlierHandling] = Field(
        default_factory=list, description="Earlier handlings of the case, oldest first."
    )
    preparers: list[Person] = Field(
        min_length=1, description="Preparers (valmistelijat), who also give more information."
    )
    presenter: Person = Field(description="Presenter (esittelijä) who makes the proposal.")
    grounds: list[TextSection] = Field(default_factory=list, description="Grounds (perustelut), section by section.")
    proposal: str = Field(description="Decision proposal (ehdotus), e.g. 'Aluehallitus päättää hyväksyä …'.")
    decision: str | None = Field(default=None, description="The body's decision (päätös); empty until decided.")
    appeal_kind: AppealKind = Field(default=AppealKind.OIKAISUVAATIMUS, description="Appeal route that applies.")
    appeal_instructions: list[TextSection] = Field(
        description="Appeal instructions (oikaisuvaatimusohje or valitusosoitus), printed under 'Muutoksenhaku'."
    )
    attachments: list[AttachmentRef] = Field(default_factory=list, description="Attachments (liitteet).")
    prepared_by: PreparingHandling | None = Field(
        default=None,
        description="The preparing body's handling, for an item of a body that decides on another's proposal.",
    )

    @model_serializer(mode="wrap")
    def _without_absent_preparation(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # An item without a preparing body serialises as before the field existed, so the stored
        # proposals of stages that never have one keep their content and hashes.
        data: dict[str, Any] = handler(self)
        if data.get("prepared_by") is None:
            data.pop("prepared_by", None)
        return data


class AgendaItem(AgendaContent):
    """An agenda item as printed: its content plus the stored version it presents.

    The content is what a stage proposes (and what the decision's hash covers); the document id,
    version and sha256 are known only once the proposal is stored, and go into the footer.
    """

    document_id: str = Field(description="Identifier of the document (artefact key or version UUID).")
    version: int = Field(ge=1, description="Version number of the artefact this document presents.")
    sha256: str = Field(
        pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the data artefact this document presents (hex)."
    )


class DocumentMetadata(_Model):
    """PDF document metadata (Info dictionary and XMP); dates are fixed so renders are reproducible."""

    title: str = Field(description="Document title (/Title, dc:title).")
    author: str = Field(description="Author, usually the region or the preparing unit (/Author, dc:creator).")
    subject: str = Field(default="", description="Subject or short description (/Subject, dc:description).")
    keywords: list[str] = Field(default_factory=list, description="Keywords (/Keywords).")
    lang: str = Field(default="fi", description="Document language as a BCP 47 tag; printed in <html lang>.")
    created: AwareDatetime = Field(
        description="Creation time: the artefact version's created_at, never the wall clock."
    )
    modified: AwareDatetime | None = Field(default=None, description="Modification time; defaults to `created`.")


class PdfAttachment(_Model):
    """A file embedded in the PDF as a PDF/A-3 associated file (relationship 'Data')."""

    filename: str = Field(min_length=1, description="File name shown in the PDF reader, e.g. 's1-needs-v3.json'.")
    content: bytes = Field(description="The file's bytes, e.g. the artefact's canonical JSON.")
    description: str = Field(default="", description="Description shown in the PDF reader.")
    media_type: str = Field(default="application/json", description="MIME type of the content.")
