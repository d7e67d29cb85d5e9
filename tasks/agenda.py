"""What every case's agenda item (esityslistan asia) shares: governance fields, the appeal route,
earlier handling, the section answering a return, the meeting date, the region's name in the
genitive and the summary lines about a return.

The stage packages write their own grounds and proposal; everything here is the same for all of
them, so a change to the agenda-item convention is made once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from schemas.decisions import EarlierDecision, Outcome
from schemas.documents import (
    AgendaContent,
    AgendaItem,
    DocumentMetadata,
    EarlierHandling,
    PdfAttachment,
    PreparingHandling,
    TextSection,
)
from schemas.results import VersionRef
from soteflow.documents import DocumentSpec, appeal_instructions
from soteflow.documents.formatting import fi_date
from soteflow.errors import InputError
from tasks.definition import CaseHandling


def genitive(name: str) -> str:
    """The genitive of a region's name for the proposal sentence ("… hyvinvointialueen …")."""
    if name.endswith("alue"):
        return name + "en"  # hyvinvointialue → hyvinvointialueen
    if name.endswith("kaupunki"):
        return name[: -len("kaupunki")] + "kaupungin"  # Helsingin kaupunki → Helsingin kaupungin
    return name


def next_monday(day: dt.date) -> dt.date:
    """``day`` itself if it is a Monday, else the Monday after it (bodies meet on Mondays here)."""
    return day + dt.timedelta(days=(7 - day.weekday()) % 7)


def meeting_after(earlier: Sequence[EarlierDecision], base: dt.date, interval_days: int = 14) -> dt.date:
    """The proposed meeting: not before ``base``, and after the last handling (a returned item
    comes back at the earliest at the body's next meeting, ``interval_days`` later), on a Monday."""
    day = base
    if earlier:
        day = max(day, max(e.meeting_date for e in earlier) + dt.timedelta(days=interval_days))
    return next_monday(day)


def proposed_meeting(handling: CaseHandling, base: dt.date) -> dt.date:
    """The meeting date the case is proposed for: the user's, else :func:`meeting_after` ``base``
    at the deciding body's meeting interval (configuration)."""
    given = handling.meeting_date
    if isinstance(given, dt.date):
        return given
    return meeting_after(handling.earlier, base, handling.governance.body.meeting_interval_days)


def check_meeting_date(meeting: dt.date, frame_year: int, *, how: str) -> None:
    """What prepares a budget year is decided before that year begins, or not at all.

    The council adopts by the end of each year the budget for the next calendar year
    (hyvinvointialuelaki 611/2021 115 § 1 mom.: "Aluevaltuuston on kunkin vuoden loppuun mennessä
    hyväksyttävä hyvinvointialueelle seuraavaksi kalenterivuodeksi talousarvio"): a frame (stage 2)
    or the organising plan's modes (stage 4) for year *Y* decided on or after 1 January of *Y*
    prepare a budget that should already stand. ``how`` says where the date comes from, for the
    message. Raises :class:`InputError` (``meeting_date``).
    """
    if meeting >= dt.date(frame_year, 1, 1):
        raise InputError(
            f"{how} {meeting.isoformat()} is not before the budget year {frame_year}: the council adopts the "
            f"budget for {frame_year} by the end of {frame_year - 1} (hyvinvointialuelaki 611/2021 115 § 1 mom.), "
            f"so what prepares it must be decided by 31.12.{frame_year - 1}; give an earlier meeting date or run "
            "the cycle whose budget year is still ahead (a proposed date follows the earlier stages' decisions "
            "and moves later each time one of them is proposed again: the demo starts afresh with `make clean`)",
            field="meeting_date",
        )


def preparing_handling(handling: CaseHandling, *, meeting_date: dt.date, proposal: str) -> PreparingHandling | None:
    """The preparing body's part of the item when the deciding body decides on another body's
    proposal (the aluevaltuusto on the aluehallitus'; the region's configuration says which):
    its meeting, on the Monday at least ``preparation_days`` before ``meeting_date``, its presenter
    and its proposal. None for a body that decides on its presenter's proposal."""
    preparer = handling.governance.preparing_body
    body = handling.governance.body
    if preparer is None or body.preparer_proposal is None or body.proposal_heading is None:
        return None
    day = meeting_date - dt.timedelta(days=body.preparation_days)
    day -= dt.timedelta(days=day.weekday())
    return PreparingHandling(
        body=preparer.name,
        meeting_date=day,
        presenter=handling.governance.presenter,
        proposal=body.preparer_proposal.format(proposal=proposal[:1].lower() + proposal[1:]),
        proposal_heading=body.proposal_heading,
    )


def _section_number(section: str) -> int | None:
    digits = section.strip().removesuffix("§").strip()
    return int(digits) if digits.isdigit() else None


def earlier_handling(earlier: Sequence[EarlierDecision]) -> list[EarlierHandling]:
    """The agenda item's *aiempi käsittely*: the meetings that handled this item before, i.e. each
    return for further preparation with the body's comments.

    Only real handlings are listed: an approved or noted item does not come back (a later proposal
    on changed data is a new item, not a second handling of this one), and proposal versions are
    the store's, not the body's, so no version number is printed."""
    out = []
    for item in earlier:
        if item.outcome is not Outcome.RETURNED:
            continue
        summary = "Palautettiin uudelleen valmisteltavaksi."
        if item.comments:
            summary += f" Kommentit: ”{item.comments}”"
        out.append(
            EarlierHandling(
                date=item.meeting_date, body=item.body, section=_section_number(item.section), summary=summary
            )
        )
    return out


def returned_section(handling: CaseHandling, answer: str) -> list[TextSection]:
    """The grounds section *Palautuksen johdosta tehty valmistelu*: one paragraph per return,
    quoting the body's comments and followed by ``answer`` (how the stage prepared it again).
    Empty when the proposal was never returned."""
    returned = handling.returned
    if not returned:
        return []
    paragraphs = [
        f"{e.body} palautti asian uudelleen valmisteltavaksi {fi_date(e.meeting_date)}. "
        f"Kommentit: ”{e.comments}” {answer}"
        for e in returned
    ]
    return [TextSection(heading="Palautuksen johdosta tehty valmistelu", paragraphs=paragraphs)]


#: The punctuation that makes inline Markdown (emphasis, code, links, images, HTML, tables): escaped
#: with a backslash each is shown as itself. The text is one line inside a sentence, so what only
#: matters at the start of a line (lists, headings) cannot start anything.
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_\[\]<>!~&|])")


def markdown_text(text: str) -> str:
    """``text`` (a body's comments, an input file's words) as literal Markdown on one line: no link,
    image, HTML or emphasis from it in the Prefect UI."""
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", " ".join(text.split()))


def returned_summary(handling: CaseHandling) -> list[str]:
    """Lines for the summary above the decision form: each return and the body's comments (escaped)."""
    return [
        f"> Uudelleen valmisteltu: {e.body} palautti version {e.version} {fi_date(e.meeting_date)}: "
        f"”{markdown_text(e.comments)}”"
        for e in handling.returned
    ]


def agenda_fields(handling: CaseHandling) -> dict[str, Any]:
    """The agenda item's fields that come from the region's configuration and the case's history:
    body, case number, preparers, presenter, earlier handling and the appeal instructions of the
    case's route."""
    governance = handling.governance
    body = governance.body
    return {
        "region_name": governance.region_name,
        "body": body.name,
        "body_decides_verb": body.decides_verb,
        "section": None,
        "dnro": governance.dnro(handling.cycle),
        "preparers": governance.preparers,
        "presenter": governance.presenter,
        "earlier_handling": earlier_handling(handling.earlier),
        "appeal_kind": handling.appeal,
        "appeal_instructions": appeal_instructions(
            handling.appeal,
            authority=body.rectification_authority or body.name,
            address=governance.appeal.address,
            court=governance.appeal.court,
            market_court=governance.appeal.market_court,
        ),
    }


__all__ = [
    "AttachmentInfo",
    "AttachmentPart",
    "agenda_document",
    "agenda_fields",
    "attachment_documents",
    "attachment_key",
    "earlier_handling",
    "genitive",
    "meeting_after",
    "next_monday",
    "preparing_handling",
    "proposed_meeting",
    "returned_section",
    "returned_summary",
]


def agenda_document(
    *,
    key: str,
    template: str,
    agenda: AgendaContent,
    proposal: VersionRef,
    document_id: str,
    region_code: str,
    region_name: str,
    cycle: int,
    subject: str,
    keywords: Sequence[str],
    created: dt.datetime,
    attachments: Sequence[PdfAttachment],
    context: Mapping[str, Any],
    title: str | None = None,
) -> DocumentSpec:
    """An agenda item's document: the item as printed (its content plus the proposal version's
    number and hash for the footer), its PDF metadata (dates from the data, never the clock) and
    the stage's own template context."""
    item = AgendaItem(**agenda.model_dump(), document_id=document_id, version=proposal.version, sha256=proposal.sha256)
    heading = title or agenda.title
    metadata = DocumentMetadata(
        title=f"{heading} – {region_name}",
        author=region_name,
        subject=subject,
        keywords=[*keywords, region_code, str(cycle)],
        created=created,
    )
    return DocumentSpec(
        key=key,
        title=heading,
        template=template,
        context={"item": item, **context},
        metadata=metadata,
        attachments=attachments,
    )


# ---------------------------------------------------------------------------------------------
# Attachments (liitteet): the methods, long tables and sources of an item, each its own document.


@dataclass(frozen=True)
class AttachmentPart:
    """One attachment (liite) of an agenda item, rendered as its own PDF/A-3a document.

    ``part`` tells the stage's attachment template which content to lay out; ``data`` is the
    machine-readable data the attachment presents (embedded as associated files); the first file's
    SHA-256 is printed in the attachment's footer, so each document prints the hash of its own data.
    """

    number: int
    part: str
    context: Mapping[str, Any]
    data: Sequence[PdfAttachment]


@dataclass(frozen=True)
class AttachmentInfo:
    """What an attachment document prints about itself: number, title, identifier and its data's hashes."""

    number: int
    title: str
    part: str
    document_id: str
    version: int
    sha256: str
    files: tuple[tuple[str, str], ...]


def attachment_key(item_key: str, number: int) -> str:
    """The attachment document's key stem: ``needs-decision`` → ``needs-attachment-1``,
    ``chains-feedback`` → ``chains-feedback-attachment-1``."""
    return f"{item_key.removesuffix('-decision')}-attachment-{number}"


def attachment_documents(
    item_document: DocumentSpec, template: str, parts: Sequence[AttachmentPart]
) -> list[DocumentSpec]:
    """The item's attachments as documents of their own, rendered by the same renderer and decided
    with the case: each titled as the item lists it (``AgendaItem.attachments``), headed with the
    item's body, meeting, § and title, and carrying its own data and that data's hash."""
    item: AgendaItem = item_document.context["item"]
    titles = {ref.number: ref.title for ref in item.attachments}
    out = []
    for part in parts:
        if part.number not in titles:
            raise ValueError(f"attachment {part.number} is not listed in the item {item.title!r}")
        if not part.data:
            raise ValueError(f"attachment {part.number} of {item.title!r} embeds no data")
        files = tuple((a.description or a.filename, hashlib.sha256(a.content).hexdigest()) for a in part.data)
        key = attachment_key(item_document.key, part.number)
        info = AttachmentInfo(
            number=part.number,
            title=titles[part.number],
            part=part.part,
            document_id=f"{item.document_id.removesuffix('-proposal').removesuffix('-decision')}"
            f"-attachment-{part.number}",
            version=item.version,
            sha256=files[0][1],
            files=files,
        )
        heading = f"Liite {part.number}: {info.title}"
        metadata = item_document.metadata.model_copy(
            update={"title": f"{item.title}, liite {part.number}: {info.title} – {item.region_name}"}
        )
        out.append(
            DocumentSpec(
                key=key,
                title=heading,
                template=template,
                context={**item_document.context, **part.context, "attachment": info},
                metadata=metadata,
                attachments=part.data,
            )
        )
    return out
