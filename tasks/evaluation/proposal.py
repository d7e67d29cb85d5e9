"""Stage 7's case: the agenda item *Arviointi ja itsearviointi <cycle>* for the regional council."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from schemas.carryover import Status
from schemas.documents import AgendaContent, AttachmentRef, TextSection
from schemas.evaluation import EvaluationAnalysis, EvaluationBasis, EvaluationProposal
from schemas.results import SourceRef
from soteflow.documents.formatting import fi_date
from soteflow.numbers import fi_meur, fi_number
from tasks.agenda import (
    agenda_fields,
    genitive,
    markdown_text,
    next_monday,
    preparing_handling,
    proposed_meeting,
    returned_section,
    returned_summary,
)
from tasks.definition import CaseHandling

HELSINKI = ZoneInfo("Europe/Helsinki")
#: Preparation after the last decision the evaluation rests on, before the council can meet.
PREPARATION_DAYS = 28
ATTACHMENTS = {
    1: "Menetelmä ja lähteet",
    2: "Tavoitteiden toteutuminen ja itsearviointi",
    3: "Talous, palvelut, ostopalvelujen seuranta ja asiakaskokemus",
    4: "Riskirekisteri ja riskikartta",
}
#: The legal basis of the evaluation (checked against the acts' texts as enacted; docs/legal.md).
LEGAL_BASIS = (
    "Toimintakertomuksessa on esitettävä selvitys aluevaltuuston asettamien toiminnan ja talouden tavoitteiden "
    "toteutumisesta sekä tiedot riskienhallinnan järjestämisestä ja keskeisistä johtopäätöksistä "
    "(hyvinvointialuelaki 611/2021, 119 §). Aluevaltuusto päättää sisäisen valvonnan ja riskienhallinnan "
    "perusteista (611/2021, 22 § 2 mom. 7 kohta). Asukkaiden hyvinvoinnista ja terveydestä, niihin vaikuttavista "
    "tekijöistä ja toteutetuista toimenpiteistä on raportoitava aluevaltuustolle vuosittain (laki sosiaali- ja "
    "terveydenhuollon järjestämisestä 612/2021, 7 § 3 mom.)."
)


def default_meeting_date(basis: EvaluationBasis) -> dt.date:
    """The proposed council meeting: the first Monday at least :data:`PREPARATION_DAYS` after the
    last decision the evaluation rests on."""
    return next_monday(basis.last_decided_on + dt.timedelta(days=PREPARATION_DAYS))


def document_created(basis: EvaluationBasis) -> dt.datetime:
    """The document's creation time, from the data (the last decision it rests on), never the clock."""
    day = basis.last_decided_on
    return dt.datetime(day.year, day.month, day.day, tzinfo=HELSINKI)


def status_counts(analysis: EvaluationAnalysis) -> str:
    """``3 saavutettu, 4 edistyy, …`` over the statuses present, in a fixed order."""
    parts = []
    for status in Status:
        n = sum(1 for a in analysis.attainment if a.status is status)
        if n:
            parts.append(f"{n} {status.label_fi}")
    return ", ".join(parts)


def self_evaluation_summary(analysis: EvaluationAnalysis) -> list[str]:
    """The item's short self-evaluation: counts of what worked and what to improve (the lines
    themselves are in attachment 2) and the targets and risks still without a follow-up action."""
    good = [a.target_id for a in analysis.attainment if a.grade is not None and a.grade >= 4]
    weak = [a.target_id for a in analysis.attainment if a.grade is not None and a.grade <= 2]
    overridden = [a.target_id for a in analysis.attainment if a.grade_override is not None]
    text = (
        f"Arvosanan 4–5 sai {len(good)} tavoitetta ({', '.join(good) or '–'}) ja arvosanan 1–2 {len(weak)} "
        f"({', '.join(weak) or '–'})."
    )
    if overridden:
        text += f" Valmistelijat ovat arvioineet arvosanan itse tavoitteille {', '.join(overridden)}; laskettu arvosana näkyy liitteessä 2."
    out = [
        text,
        f"Itsearvioinnissa on {len(analysis.worked)} onnistumista ja {len(analysis.improve)} kehittämiskohdetta "
        f"sekä {len(analysis.actions)} jatkotoimenpidettä vastuineen ja aikatauluineen (liite 2).",
    ]
    if analysis.unanswered:
        out.append(f"Jatkotoimenpide puuttuu vielä kohteilta: {', '.join(analysis.unanswered)}.")
    return out


def _grounds(analysis: EvaluationAnalysis, basis: EvaluationBasis) -> list[TextSection]:
    reports = basis.reports
    monitoring = (
        f"Ostopalvelujen seuranta perustuu vaiheen 6 raportteihin {len(reports)} seurantajaksolta "
        f"({', '.join(r.period for r in reports)})."
        if reports
        else "Kierroksella ei ole tiedoksi merkittyjä vaiheen 6 seurantaraportteja."
    )
    over = [g for g in analysis.groups if g.diff_eur > 0]
    diff = analysis.actual_eur - analysis.frame_eur
    finance = (
        f"Toimintakulut vuonna {analysis.frame_year} olivat {fi_meur(analysis.actual_eur)}, kun kehys oli "
        f"{fi_meur(analysis.frame_eur)} ({'ylitys' if diff > 0 else 'alitus'} {fi_meur(abs(diff))}). "
        + (
            "Kehys ylittyi asiakasryhmissä " + ", ".join(g.client_group.label_fi.lower() for g in over) + "."
            if over
            else "Kehys piti kaikissa asiakasryhmissä."
        )
    )
    high = [r for r in analysis.risks if r.band == "suuri"]
    welfare = (
        f"Hyvinvoinnin ja terveyden indikaattorit on laskettu uudelleen uudemmasta aineistosta ({analysis.welfare_period})."
        if analysis.welfare_period
        else "Uudempaa Tilastokeskuksen aineistoa kuin palvelutarvearviossa ei ollut käytettävissä; "
        "indikaattorit esitetään palvelutarvearvion mukaisina."
    )
    return [
        TextSection(
            heading="Asian tausta",
            paragraphs=[
                f"Palvelujen järjestämisprosessin seitsemäs vaihe on toiminnan, tulosten ja vaikuttavuuden arviointi "
                f"sekä itsearviointi. Se kokoaa kierroksen {analysis.cycle} tulokset ja on seuraavan kierroksen "
                "palvelutarvearvion lähtökohta.",
                LEGAL_BASIS,
                "Arviointi perustuu kierroksen hyväksyttyihin päätöksiin: "
                + "; ".join(
                    [
                        f"palvelutarvearvio ({basis.needs.decision_body}, {fi_date(basis.needs.decision_date)})",
                        f"tuloksellisuustavoitteet ja kehys ({basis.targets.approved_by}, {fi_date(basis.targets.approved_on)})",
                        f"tuotantotapojen vertailu ({basis.comparison.approved_by}, {fi_date(basis.comparison.approved_on)})",
                        f"hankintasuunnitelma ja sopimukset ({fi_date(basis.procurement.approved_on)})",
                    ]
                )
                + f". {monitoring}",
            ],
        ),
        TextSection(
            heading="Keskeiset havainnot",
            paragraphs=[
                f"Vaiheessa 2 asetetuista {len(analysis.attainment)} vaikuttavuustavoitteesta: {status_counts(analysis)} "
                "(liite 2).",
                finance,
                welfare,
                f"Päivitetyssä riskirekisterissä on {len(analysis.risks)} riskiä, joista suuria {len(high)}"
                + (
                    ": " + "; ".join(f"{r.risk_id} {r.description.lower()} (indeksi {r.index})" for r in high)
                    if high
                    else ""
                )
                + " (liite 4).",
            ],
        ),
        TextSection(heading="Itsearviointi", paragraphs=self_evaluation_summary(analysis)),
        TextSection(
            heading="Seuraavan kierroksen lähtökohdat",
            paragraphs=[
                "Seuraavan kierroksen palvelutarvearvio lähtee liikkeelle tavoitteista, jotka jäivät saavuttamatta, "
                "suurista riskeistä ja uudelleen arvioitavista painotuksista: "
                + "; ".join(
                    [
                        *(t.text for t in analysis.carryover.targets),
                        *(f"{r.risk_id} {r.description.lower()}" for r in analysis.carryover.risks),
                    ]
                )
                + "."
                if analysis.carryover.targets or analysis.carryover.risks
                else "Kaikki tavoitteet saavutettiin tai edistyvät, eikä suuria riskejä ole.",
                *analysis.carryover.priorities,
            ],
        ),
    ]


def build_evaluation_proposal(
    analysis: EvaluationAnalysis, basis: EvaluationBasis, handling: CaseHandling
) -> EvaluationProposal:
    """The agenda item *Arviointi ja itsearviointi <cycle>*: grounds, proposal, appeal."""
    cycle = handling.cycle
    region = analysis.region_name
    body = handling.governance.body
    grounds = _grounds(analysis, basis)
    grounds += returned_section(
        handling,
        "Arviointi on valmisteltu uudelleen kommenttien pohjalta; kommentteihin vastataan tässä esityksessä ja sen "
        "liitteissä.",
    )
    proposal = (
        f"{body.decides_verb} hyväksyä {genitive(region)} palvelujen järjestämisen arvioinnin ja itsearvioinnin "
        f"suunnittelukierrokselta {cycle}: tavoitteiden toteutumisen ja arvosanat, päivitetyn riskirekisterin "
        f"({len(analysis.risks)} riskiä) ja jatkotoimenpiteet vastuineen ja aikatauluineen, sekä todeta "
        "perusteluissa esitetyt lähtökohdat seuraavan kierroksen palvelutarvearviolle."
    )
    meeting = proposed_meeting(handling, default_meeting_date(basis))
    agenda = AgendaContent(
        **agenda_fields(handling),
        meeting_date=meeting,
        title=f"Arviointi ja itsearviointi {cycle}",
        grounds=grounds,
        proposal=proposal,
        prepared_by=preparing_handling(handling, meeting_date=meeting, proposal=proposal),
        attachments=[AttachmentRef(number=n, title=title) for n, title in ATTACHMENTS.items()],
    )
    high = [r for r in analysis.risks if r.band == "suuri"]
    summary = "\n".join(
        [
            f"**{agenda.title}** — {region}, {body.name} {fi_date(meeting)}",
            "",
            *returned_summary(handling),
            "",
            f"Tavoitteet: {status_counts(analysis)}. Toimintakulut {fi_meur(analysis.actual_eur)}, kehys "
            f"{fi_meur(analysis.frame_eur)}." + (" Esimerkkiaineisto." if analysis.example_data else ""),
            "",
            *[
                f"- {markdown_text(a.target_id)}: {a.status.label_fi}, arvosana "
                f"{a.grade if a.grade is not None else 'ei arvioitavissa'}"
                + (" (valmistelijan arvio)" if a.grade_override else "")
                for a in analysis.attainment
            ],
            "",
            f"Suuret riskit: {', '.join(f'{markdown_text(r.risk_id)} ({r.index})' for r in high) or 'ei'}.",
            "",
            f"Ehdotus: {proposal}",
        ]
    )
    return EvaluationProposal(
        region_code=analysis.region_code,
        region_name=region,
        cycle=cycle,
        agenda=agenda,
        grades={a.target_id: a.grade for a in analysis.attainment},
        high_risks=[r.risk_id for r in high],
        carryover=analysis.carryover,
        basis=[
            SourceRef.of(basis.needs.refs["needs-proposal"]),
            SourceRef.of(basis.targets.proposal_ref),
            SourceRef.of(basis.comparison.proposal_ref),
            SourceRef.of(basis.procurement.contracts_ref),
            *(SourceRef.of(r) for r in basis.report_refs),
        ],
        summary_markdown=summary,
    )


def grade_text(grade: int | None) -> str:
    """A grade as printed: ``4 (hyvä)``; ``–`` without one."""
    if grade is None:
        return "ei arvioitavissa"
    return f"{grade} ({GRADE_NAMES[grade]})"


#: The seed's grade scale: 1 = heikko … 5 = erinomainen.
GRADE_NAMES = {1: "heikko", 2: "välttävä", 3: "tyydyttävä", 4: "hyvä", 5: "erinomainen"}

__all__ = ["build_evaluation_proposal", "document_created", "fi_number", "grade_text"]
