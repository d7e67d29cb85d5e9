"""What every stage's agenda item (esityslistan asia) shares: governance fields, earlier handling,
the section answering a return, the meeting date and the region's name in the genitive.

The stage modules write their own grounds and proposal; everything here is the same for all of
them, so a change to the agenda-item convention is made once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from schemas.decisions import Outcome
from schemas.documents import EarlierHandling, TextSection, standard_appeal_instructions
from schemas.governance import StageGovernance


def genitive(name: str) -> str:
    """The genitive of a region's name for the proposal sentence ("… hyvinvointialueen …")."""
    if name.endswith("alue"):
        return name + "en"  # hyvinvointialue → hyvinvointialueen
    if name.endswith("kaupunki"):
        return name[: -len("kaupunki")] + "kaupungin"  # Helsingin kaupunki → Helsingin kaupungin
    return name


def meeting_after(earlier: list[dict[str, Any]], base: dt.date) -> dt.date:
    """The proposed meeting: not before ``base``, and after the last handling (a returned item
    comes back at the earliest two weeks later), on a Monday."""
    day = base
    if earlier:
        last = max(dt.date.fromisoformat(e["meeting_date"]) for e in earlier)
        day = max(day, last + dt.timedelta(days=14))
    return day + dt.timedelta(days=(7 - day.weekday()) % 7)


def _section_number(section: str) -> int | None:
    digits = section.strip().removesuffix("§").strip()
    return int(digits) if digits.isdigit() else None


def earlier_handling(earlier: list[dict[str, Any]]) -> list[EarlierHandling]:
    """Earlier decisions on this proposal as the agenda item's *aiempi käsittely*."""
    out = []
    for item in earlier:
        outcome = Outcome(item["outcome"])
        summary = f"{outcome.label_fi} (ehdotuksen versio {item['version']})."
        if item.get("comments"):
            summary += f" Toimielimen kommentit: ”{item['comments']}”"
        out.append(
            EarlierHandling(
                date=dt.date.fromisoformat(item["meeting_date"]),
                body=item["body"],
                section=_section_number(item["section"]),
                summary=summary,
            )
        )
    return out


def returned_section(earlier: list[dict[str, Any]], answer: str) -> list[TextSection]:
    """The grounds section *Palautuksen johdosta tehty valmistelu*: one paragraph per return,
    quoting the body's comments and followed by ``answer`` (how the stage prepared it again).
    Empty when the proposal was never returned."""
    returned = [e for e in earlier if e["outcome"] == Outcome.RETURNED.value]
    if not returned:
        return []
    paragraphs = []
    for e in returned:
        day = dt.date.fromisoformat(e["meeting_date"])
        paragraphs.append(
            f"{e['body']} palautti asian uudelleen valmisteltavaksi {day.day}.{day.month}.{day.year}. "
            f"Kommentit: ”{e['comments']}” {answer}"
        )
    return [TextSection(heading="Palautuksen johdosta tehty valmistelu", paragraphs=paragraphs)]


def governance_fields(governance: StageGovernance, cycle: int) -> dict[str, Any]:
    """The agenda item's fields that come from the region's governance configuration: body,
    case number, preparers, presenter and the appeal instructions that apply to the body."""
    body = governance.body
    return {
        "body": body.name,
        "body_decides_verb": body.decides_verb,
        "section": None,
        "dnro": governance.dnro(cycle),
        "preparers": governance.preparers,
        "presenter": governance.presenter,
        "appeal_kind": body.appeal,
        "appeal_instructions": standard_appeal_instructions(
            body.appeal, authority=body.name, address=governance.appeal.address, court=governance.appeal.court
        ),
    }
