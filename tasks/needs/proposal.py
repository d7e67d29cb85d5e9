"""Stage 1's case: the agenda item *Palvelutarvearvio*, its grounds written from the numbers."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from schemas.documents import AgendaContent, AttachmentRef, TextSection
from schemas.evaluation import EvaluationCarryBasis
from schemas.needs import NeedsAssessment, NeedsProposal
from soteflow.documents.formatting import fi_date
from soteflow.numbers import fi_number
from tasks.agenda import (
    agenda_fields,
    genitive,
    next_monday,
    preparing_handling,
    proposed_meeting,
    returned_section,
    returned_summary,
)
from tasks.definition import CaseHandling

HELSINKI = ZoneInfo("Europe/Helsinki")
#: How long after the newest source update the body can meet at the earliest: preparation,
#: co-operation procedure and the agenda's publication take about four weeks.
PREPARATION_DAYS = 28
#: After the previous cycle's evaluation is approved, before the body can meet on the new assessment.
CARRY_PREPARATION_DAYS = 14
#: The item's attachments (liitteet), each its own document (tasks.needs.documents).
ATTACHMENTS = {1: "Menetelmä ja lähteet", 2: "Palvelutarve kunnittain: kartta, kuviot ja taulukot"}


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


def publishers(assessment: NeedsAssessment) -> str:
    """The sources' publishers in the genitive, in order of first use: "Tilastokeskuksen ja KEHA-keskuksen"."""
    names: list[str] = []
    for source in assessment.sources:
        name = (source.source or "Tilastokeskus").split(",")[0].strip()
        if name not in names:
            names.append(name)
    # Publishers' names end in -keskus (Tilastokeskus, KEHA-keskus): genitive -keskuksen.
    inflected = [n[:-2] + "uksen" if n.endswith("us") else n for n in names]
    return inflected[0] if len(inflected) == 1 else ", ".join(inflected[:-1]) + " ja " + inflected[-1]


def _small_and_period(assessment: NeedsAssessment) -> str:
    """The item's sentences on the uncertain small municipalities and the change period (ending in a space)."""
    index, change = assessment.need_index, assessment.change
    out = ""
    if index.population_limit is not None and any(r.uncertain for r in index.rows):
        out += f"Alle {fi_number(index.population_limit, 0)} asukkaan kuntien luvut ovat epävarmoja. "
    if change.base_year:
        out += f"Muutosanalyysi kattaa vuoden {change.base_year} lopusta vuoden {change.period} loppuun. "
    elif change.period:
        out += f"Lähdeaineistoissa on vain vuoden {change.period} tiedot, joten muutosanalyysi kattaa yhden vuoden. "
    return out


def carried_section(carried: EvaluationCarryBasis | None, cycle: int) -> list[TextSection]:
    """*Edellisen kierroksen arvioinnin lähtökohdat*: what the approved evaluation of the previous
    cycle carried over (targets not reached, high risks, priorities to revisit); empty without one."""
    if carried is None:
        return []
    c = carried.carryover
    paragraphs = [
        f"{carried.decided_by} hyväksyi kierroksen {c.cycle} arvioinnin ja itsearvioinnin "
        f"{fi_date(carried.decided_on)}. Tämä arvio lähtee liikkeelle sen lähtökohdista kierrokselle {cycle}."
    ]
    if c.targets:
        paragraphs.append("Saavuttamatta jääneet tavoitteet: " + "; ".join(t.text for t in c.targets) + ".")
    if c.risks:
        paragraphs.append(
            "Suuret riskit: " + "; ".join(f"{r.risk_id} {r.description} (indeksi {r.index})" for r in c.risks) + "."
        )
    paragraphs += c.priorities
    if len(paragraphs) == 1:
        paragraphs.append("Arviointi ei siirtänyt saavuttamatta jääneitä tavoitteita eikä suuria riskejä.")
    return [TextSection(heading="Edellisen kierroksen arvioinnin lähtökohdat", paragraphs=paragraphs)]


def build_needs_proposal(
    assessment: NeedsAssessment, handling: CaseHandling, carried: EvaluationCarryBasis | None = None
) -> NeedsProposal:
    """The agenda item *Palvelutarvearvio*: grounds from the numbers (and, from the second cycle on,
    what the previous cycle's evaluation carried over), the proposal, the appeal."""
    cycle = handling.cycle
    index = assessment.need_index
    region = assessment.region_name
    weights = index.weights
    top = [row.name for row in index.rows[:3]]
    newest = document_created(assessment)
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
                f"Arvio perustuu {publishers(assessment)} avoimiin tilastotietoihin, joista uusimmat on "
                f"päivitetty {fi_date(newest)}. Tarveindeksi kokoaa kunnan väestön ikärakenteen, "
                "pienituloisuuden, perusturvan varassa olevien osuuden, työttömyyden ja koulutustason yhdeksi "
                "luvuksi, jossa koko maa on 100. Se on kuvaileva indeksi: se kuvaa kuntien suhteellista "
                "palvelutarvetta, mutta ei yksinään määrää talousarviota eikä voimavarojen jakoa. Osatekijät on "
                "vakioitu koko maan kuntien hajonnalla, joten niiden painot ovat myös todelliset painot. "
                f"{_small_and_period(assessment)}Menetelmä, painot ja lähteet ovat liitteessä 1, ja "
                "kuntakohtaiset luvut, kartta ja kuviot ovat liitteessä 2.",
            ],
        ),
        *carried_section(carried, cycle),
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
    base = default_meeting_date(assessment)
    if carried is not None:  # the assessment starts from the previous cycle's approved evaluation
        base = max(base, next_monday(carried.decided_on + dt.timedelta(days=CARRY_PREPARATION_DAYS)))
    meeting = proposed_meeting(handling, base)
    agenda = AgendaContent(
        **agenda_fields(handling),
        meeting_date=meeting,
        title=f"Palvelutarvearvio {cycle}",
        grounds=grounds,
        proposal=proposal,
        prepared_by=preparing_handling(handling, meeting_date=meeting, proposal=proposal),
        attachments=[AttachmentRef(number=n, title=title) for n, title in ATTACHMENTS.items()],
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
            *(
                [
                    f"Edellisen kierroksen arvioinnista siirtyi {len(carried.carryover.targets)} tavoitetta ja "
                    f"{len(carried.carryover.risks)} suurta riskiä.",
                    "",
                ]
                if carried
                else []
            ),
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
        carried=carried.carryover if carried else None,
        summary_markdown=summary,
    )
