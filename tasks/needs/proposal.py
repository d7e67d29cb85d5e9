"""Stage 1's case: the agenda item *Palvelutarvearvio*, its grounds written from the numbers."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from schemas.documents import AgendaContent, AttachmentRef, TextSection
from schemas.needs import NeedsAssessment, NeedsProposal
from soteflow.documents.formatting import fi_date
from soteflow.numbers import fi_number
from tasks.agenda import agenda_fields, genitive, next_monday, proposed_meeting, returned_section, returned_summary
from tasks.definition import CaseHandling
from tasks.needs.analysis import COMPONENT_LABELS, INDEX_METHOD

HELSINKI = ZoneInfo("Europe/Helsinki")
#: How long after the newest source update the body can meet at the earliest: preparation,
#: co-operation procedure and the agenda's publication take about four weeks.
PREPARATION_DAYS = 28


def default_meeting_date(assessment: NeedsAssessment) -> dt.date:
    """A proposed meeting date derived from the data, so the same inputs give the same document.

    The first Monday at least :data:`PREPARATION_DAYS` after the newest source update; the
    secretary records the actual meeting date with the decision.
    """
    updated = [s.updated for s in assessment.sources if s.updated is not None]
    base = max(updated).astimezone(HELSINKI).date() if updated else dt.date(2026, 1, 1)
    return next_monday(base + dt.timedelta(days=PREPARATION_DAYS))


def document_created(assessment: NeedsAssessment) -> dt.datetime:
    """The document's creation time, from the data (never the wall clock: renders are reproducible)."""
    updated = [s.updated for s in assessment.sources if s.updated is not None]
    return max(updated) if updated else dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def build_needs_proposal(assessment: NeedsAssessment, handling: CaseHandling) -> NeedsProposal:
    """The agenda item *Palvelutarvearvio*: grounds from the numbers, the proposal, the appeal."""
    cycle = handling.cycle
    index = assessment.need_index
    region = assessment.region_name
    weights = index.weights
    top = [row.name for row in index.rows[:3]]
    sources = "; ".join(
        f"{s.table_label or s.file} ({s.source or 'Tilastokeskus'}, päivitetty "
        f"{fi_date(s.updated) if s.updated else 'ei tiedossa'})"
        for s in assessment.sources
    )
    weight_text = ", ".join(
        f"{COMPONENT_LABELS[k].lower()} {fi_number(100 * w, 0)} %" for k, w in weights.items() if w > 0
    )
    grounds = [
        TextSection(
            heading="Asian tausta",
            paragraphs=[
                f"{region} vastaa alueensa sosiaali- ja terveydenhuollon järjestämisestä (laki sosiaali- ja "
                "terveydenhuollon järjestämisestä 612/2021). Palvelujen järjestäminen etenee seitsemänvaiheisena "
                "prosessina, jonka ensimmäinen vaihe on strateginen palvelutarpeiden arviointi: väestön "
                "palvelutarpeet kunnittain ja asiakasryhmittäin sekä toimintaympäristön muutos.",
                f"Palvelutarvearvio on suunnittelukierroksen {cycle} lähtötieto tuloksellisuustavoitteille, "
                "palvelukokonaisuuksien priorisoinnille ja tuotantotapojen valinnalle.",
            ],
        ),
        TextSection(
            heading="Aineisto ja menetelmä",
            paragraphs=[
                f"Arvio perustuu Tilastokeskuksen avoimiin tietoihin (lisenssi CC BY 4.0): {sources}.",
                f"Alueen luvut on laskettu sen kuntien luvuista ja täsmäytetty Tilastokeskuksen "
                f"hyvinvointialuetason lukuihin. {INDEX_METHOD} Painot: {weight_text}.",
            ],
        ),
        TextSection(heading="Keskeiset havainnot", paragraphs=list(assessment.findings)),
        *returned_section(
            handling,
            "Tämä ehdotus on valmisteltu uudelleen kommenttien pohjalta ajantasaisilla tiedoilla; kommentteihin "
            "vastataan tässä esityksessä ja sen liitteissä.",
        ),
    ]
    body = handling.governance.body
    proposal = (
        f"{body.decides_verb} hyväksyä {genitive(region)} strategisen palvelutarvearvion suunnittelukierroksen "
        f"{cycle} pohjaksi ja merkitä tiedoksi toimintaympäristön muutosanalyysin sekä lukujen "
        "täsmäytyksen Tilastokeskuksen lukuihin."
    )
    meeting = proposed_meeting(handling, default_meeting_date(assessment))
    agenda = AgendaContent(
        **agenda_fields(handling),
        meeting_date=meeting,
        title=f"Palvelutarvearvio {cycle}",
        grounds=grounds,
        proposal=proposal,
        attachments=[
            AttachmentRef(number=1, title="Päätösehdotus koneluettavana (JSON)", filename="needs-proposal.json"),
            AttachmentRef(number=2, title="Palvelutarvearvion aineisto (JSON)", filename="needs-assessment.json"),
        ],
    )
    summary = "\n".join(
        [
            f"**{agenda.title}** — {region}, {body.name} {fi_date(meeting)}",
            "",
            *returned_summary(handling),
            "",
            f"Alueen tarveindeksi {fi_number(index.region.index, 1)} (koko maa = 100). Suurin tarve: {', '.join(top)}.",
            "",
            *[f"- {f}" for f in assessment.findings[:5]],
            "",
            f"Ehdotus: {proposal}",
        ]
    )
    return NeedsProposal(
        region_code=assessment.region_code,
        region_name=region,
        cycle=cycle,
        agenda=agenda,
        findings=list(assessment.findings),
        index_weights=dict(weights),
        region_index=index.region.index,
        highest_need=top,
        summary_markdown=summary,
    )
