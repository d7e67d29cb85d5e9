"""What every case's agenda item (esityslistan asia) shares: governance fields, the appeal route,
earlier handling, the section answering a return, the meeting date, the region's name in the
genitive and the summary lines about a return.

The stage packages write their own grounds and proposal; everything here is the same for all of
them, so a change to the agenda-item convention is made once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from schemas.decisions import EarlierDecision
from schemas.documents import AgendaContent, AgendaItem, DocumentMetadata, EarlierHandling, PdfAttachment, TextSection
from schemas.results import VersionRef
from soteflow.documents import DocumentSpec, appeal_instructions
from soteflow.documents.formatting import fi_date
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


def meeting_after(earlier: Sequence[EarlierDecision], base: dt.date) -> dt.date:
    """The proposed meeting: not before ``base``, and after the last handling (a returned item
    comes back at the earliest two weeks later), on a Monday."""
    day = base
    if earlier:
        day = max(day, max(e.meeting_date for e in earlier) + dt.timedelta(days=14))
    return next_monday(day)


def proposed_meeting(handling: CaseHandling, base: dt.date) -> dt.date:
    """The meeting date the case is proposed for: the user's, else :func:`meeting_after` ``base``."""
    given = handling.meeting_date
    return given if isinstance(given, dt.date) else meeting_after(handling.earlier, base)


def _section_number(section: str) -> int | None:
    digits = section.strip().removesuffix("§").strip()
    return int(digits) if digits.isdigit() else None


def earlier_handling(earlier: Sequence[EarlierDecision]) -> list[EarlierHandling]:
    """Earlier decisions on this case's proposal as the agenda item's *aiempi käsittely*."""
    out = []
    for item in earlier:
        summary = f"{item.outcome.label_fi} (ehdotuksen versio {item.version})."
        if item.comments:
            summary += f" Toimielimen kommentit: ”{item.comments}”"
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


def returned_summary(handling: CaseHandling) -> list[str]:
    """Lines for the summary above the decision form: each return and the body's comments."""
    return [
        f"> Uudelleen valmisteltu: {e.body} palautti version {e.version} {fi_date(e.meeting_date)}: ”{e.comments}”"
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
            authority=body.name,
            address=governance.appeal.address,
            court=governance.appeal.court,
            market_court=governance.appeal.market_court,
        ),
    }


__all__ = [
    "agenda_document",
    "agenda_fields",
    "earlier_handling",
    "genitive",
    "meeting_after",
    "next_monday",
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
