"""Stage 2's case: the agenda item *Tuloksellisuustavoitteet ja talouden kehys* for the regional council."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from schemas.documents import AgendaContent, AttachmentRef, TextSection
from schemas.needs import NeedsBasis
from schemas.results import SourceRef, VersionRef
from schemas.targets import TargetsAssessment, TargetsProposal
from soteflow.documents.formatting import fi_date
from tasks.agenda import agenda_fields, genitive, next_monday, proposed_meeting, returned_section, returned_summary
from tasks.definition import CaseHandling
from tasks.targets.analysis import METHOD_NAMES
from tasks.targets.inputs import meur

HELSINKI = ZoneInfo("Europe/Helsinki")
#: Preparation after the stage-1 approval before the council can meet: about four weeks.
PREPARATION_DAYS = 28


def default_meeting_date(basis: NeedsBasis) -> dt.date:
    """The proposed council meeting, derived from the data: the first Monday at least
    :data:`PREPARATION_DAYS` after stage 1 was approved."""
    return next_monday(basis.decision_date + dt.timedelta(days=PREPARATION_DAYS))


def document_created(basis: NeedsBasis) -> dt.datetime:
    """The document's creation time, from the data (the stage-1 approval it rests on), never the clock."""
    day = basis.decision_date
    return dt.datetime(day.year, day.month, day.day, tzinfo=HELSINKI)


def _ref_text(ref: VersionRef) -> str:
    return f"{ref.key} v{ref.version}, SHA-256 {ref.sha256[:12]}…"


def build_targets_proposal(assessment: TargetsAssessment, basis: NeedsBasis, handling: CaseHandling) -> TargetsProposal:
    """The agenda item *Tuloksellisuustavoitteet ja talouden kehys*: grounds, proposal, appeal."""
    cycle = handling.cycle
    region = assessment.region_name
    forecast, frame, impact = assessment.forecast, assessment.frame, assessment.impact
    needs_proposal = basis.refs["needs-proposal"]
    base = forecast.base_year
    last_year = forecast.scenarios[0].years[-1].year
    scenario_names = ", ".join(s.name.lower() for s in forecast.scenarios)
    grounds = [
        TextSection(
            heading="Asian tausta",
            paragraphs=[
                f"{region} vastaa alueensa sosiaali- ja terveydenhuollon järjestämisestä (laki sosiaali- ja "
                "terveydenhuollon järjestämisestä 612/2021). Palvelujen järjestämisprosessin toinen vaihe on "
                "tuloksellisuustavoitteiden asettaminen: asiakasryhmien vaikuttavuustavoitteet sekä talouden "
                "reunaehdot, joiden rajoissa palvelut priorisoidaan ja tuotantotavat valitaan.",
                f"Tavoitteet perustuvat palvelutarvearvioon, jonka {basis.decision_body.lower()} hyväksyi "
                f"{fi_date(basis.decision_date)}; päätösehdotuksen versio {_ref_text(needs_proposal)}. "
                "Aluevaltuusto päättää hyvinvointialueen toiminnan ja talouden keskeisistä tavoitteista sekä "
                "talousarviosta ja -suunnitelmasta (hyvinvointialuelaki 611/2021, 22 § ja 115 §).",
            ],
        ),
        TextSection(
            heading="Aineisto ja menetelmä",
            paragraphs=[
                "Lähtötasot ja tarvehavainnot ovat hyväksytyn palvelutarvearvion lukuja: "
                + "; ".join(_ref_text(basis.refs[k]) for k in ("needs-profile", "needs-index", "needs-change"))
                + ". Lähtötaso, jota palvelutarvearviossa ei ole, on merkitty tavoitetiedostosta otetuksi.",
                f"Talouden luvut: {forecast.data_label} Toteuma {forecast.actual[0].year}–{base}, ennuste "
                f"{base + 1}–{last_year} skenaarioittain ({scenario_names}). {forecast.method_text}",
                frame.method_text,
            ],
        ),
        TextSection(heading="Keskeiset havainnot", paragraphs=list(assessment.findings)),
        TextSection(
            heading="Alijäämän kattamisvelvollisuus",
            paragraphs=[
                forecast.coverage_rule.legal_basis,
                f"Kattamiskausi on {forecast.coverage_rule.period_years} vuotta: taseeseen {base} lopussa kertynyt "
                f"alijäämä on katettava viimeistään vuoden {base + forecast.coverage_rule.period_years} loppuun "
                "mennessä. Määräaika on parametri, jonka alue asettaa itseään koskevien säännösten mukaan.",
                *[s.coverage.statement for s in forecast.scenarios],
            ],
        ),
    ]
    grounds += returned_section(
        handling,
        "Tavoitteet, talouden kehys ja kehysennuste on valmisteltu uudelleen kommenttien pohjalta ajantasaisilla tiedoilla; kommentteihin vastataan tässä esityksessä ja sen liitteissä.",
    )
    body = handling.governance.body
    proposal = (
        f"{body.decides_verb} hyväksyä {genitive(region)} tuloksellisuustavoitteet ja talouden kehyksen "
        f"suunnittelukierrokselle {cycle}: asiakasryhmien {len(impact.targets)} vaikuttavuustavoitetta sekä "
        f"toimintakulujen kehyksen {frame.frame_year} ({meur(frame.frame_eur)} M€) jaettuna asiakasryhmille "
        f"{METHOD_NAMES[frame.method]}, ja merkitä tiedoksi talouden tilanteen, kehysennusteen vuosille "
        f"{base + 1}–{last_year} skenaarioineen sekä alijäämän kattamisvelvollisuuden toteutumisen."
    )
    meeting = proposed_meeting(handling, default_meeting_date(basis))
    agenda = AgendaContent(
        **agenda_fields(handling),
        meeting_date=meeting,
        title=f"Tuloksellisuustavoitteet ja talouden kehys {cycle}",
        grounds=grounds,
        proposal=proposal,
        attachments=[
            AttachmentRef(number=1, title="Päätösehdotus koneluettavana (JSON)", filename="targets-proposal.json"),
            AttachmentRef(
                number=2,
                title="Vaikuttavuustavoitteet, kehysennuste ja kehyksen jako (JSON)",
                filename="targets-assessment.json",
            ),
        ],
    )
    summary = "\n".join(
        [
            f"**{agenda.title}** — {region}, {body.name} {fi_date(meeting)}",
            "",
            *returned_summary(handling),
            "",
            f"Kehys {frame.frame_year}: {meur(frame.frame_eur)} M€, jako {METHOD_NAMES[frame.method]}. "
            f"Vaikuttavuustavoitteita {len(impact.targets)}. Talousluvut: esimerkkiaineisto.",
            "",
            *[f"- {s.coverage.statement}" for s in forecast.scenarios],
            "",
            f"Ehdotus: {proposal}",
        ]
    )
    return TargetsProposal(
        region_code=assessment.region_code,
        region_name=region,
        cycle=cycle,
        agenda=agenda,
        findings=list(assessment.findings),
        frame_year=frame.frame_year,
        frame_eur=frame.frame_eur,
        method=frame.method,
        need_weight=frame.need_weight,
        deficit_covered={s.key: s.coverage.covered for s in forecast.scenarios},
        needs_basis=SourceRef.of(needs_proposal),
        summary_markdown=summary,
    )
