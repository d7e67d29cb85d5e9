"""Stage 4's case: the agenda items *Tuotantotapojen vertailu ja valinta* and the organising plan's
production-mode part, decided together."""

from __future__ import annotations

import datetime as dt

from schemas.chains import ChainsBasis
from schemas.comparison import (
    ComparisonAnalysis,
    ComparisonProposal,
    CooperationStep,
    OrganisingPlan,
    PreviousPlan,
)
from schemas.documents import (
    AgendaContent,
    AttachmentRef,
    TextSection,
)
from schemas.results import SourceRef
from soteflow.documents.formatting import fi_date
from soteflow.numbers import fi_number
from tasks.agenda import (
    agenda_fields,
    check_meeting_date,
    genitive,
    next_monday,
    proposed_meeting,
    returned_section,
    returned_summary,
)
from tasks.comparison.grounds import (
    ATTACHMENTS,
    key_findings,
    method_summary,
    personnel_summary,
    recommendation_line,
)
from tasks.definition import CaseHandling

#: Preparation after the stage-3 approval: costing, co-operation procedure and the agenda take
#: about four weeks before the body can meet.
PREPARATION_DAYS = 28


# -- dates --------------------------------------------------------------------------------------


def default_meeting_date(basis: ChainsBasis, cycle: int) -> dt.date:
    """The first Monday at least :data:`PREPARATION_DAYS` after the stage-3 approval (from the store,
    never the clock); the first Monday from 1 March of the cycle's year when the approval date is
    unknown."""
    if basis.approved_on is None:
        return next_monday(dt.date(cycle, 3, 1))
    return next_monday(basis.approved_on + dt.timedelta(days=PREPARATION_DAYS))


def document_created(basis: ChainsBasis, cycle: int) -> dt.datetime:
    """The documents' and the workbook's creation time, from the data: the stage-3 approval day."""
    day = basis.approved_on or dt.date(cycle, 1, 1)
    return dt.datetime(day.year, day.month, day.day, 12, 0, tzinfo=dt.UTC)


# -- the proposal ---------------------------------------------------------------------------------


def _euro(value: float, decimals: int = 2) -> str:
    return f"{fi_number(value, decimals)} €"


def cooperation_step(analysis: ComparisonAnalysis, held: dt.date | None) -> CooperationStep:
    """Where the case stands with the co-operation procedure (laki 449/2007): not needed when no
    recommendation changes a mode with staff effects; held when the run says so; otherwise the
    decision opens it and only prepares (its appeal route is the ban on appealing preparation)."""
    if all(s.change == "none" for s in analysis.personnel.services):
        return CooperationStep.NOT_NEEDED
    return CooperationStep.HELD if held is not None else CooperationStep.OPENS


def build_comparison_proposal(
    analysis: ComparisonAnalysis,
    basis: ChainsBasis,
    handling: CaseHandling,
    previous: PreviousPlan | None = None,
    cooperation_held: dt.date | None = None,
) -> ComparisonProposal:
    """The two agenda items: the comparison and choice of production modes, and the organising plan."""
    cycle, planning = handling.cycle, handling.planning
    year = planning.budget_year  # the plan year: the budget year the cycle prepares
    title = comparison_title(year)
    region = analysis.region_name
    body = handling.governance.body
    params = analysis.params
    matrix = analysis.matrix
    weights = matrix.weights
    meeting = proposed_meeting(handling, default_meeting_date(basis, cycle))
    # The modes of the plan year prepare its budget: decided before the year begins.
    check_meeting_date(
        meeting,
        year,
        how="the meeting date" if isinstance(handling.meeting_date, dt.date) else "the proposed meeting date",
    )
    recommendation_lines = [recommendation_line(item) for item in matrix.services]
    grounds = [
        TextSection(
            heading="Asian tausta",
            paragraphs=[
                f"{region} vastaa sosiaali- ja terveyspalvelujen järjestämisestä (laki sosiaali- ja "
                "terveydenhuollon järjestämisestä 612/2021). Se voi tuottaa palvelut itse tai hankkia ne "
                "ostopalveluina tai palvelusetelillä (laki sosiaali- ja terveydenhuollon palvelusetelistä "
                "569/2009). Palvelujen järjestämisprosessin neljännessä vaiheessa verrataan oman tuotannon ja "
                "ostopalvelujen kustannuksia täyskustannusperiaatteella sekä laatua, saatavuutta, pienten "
                "tuottajien mahdollisuuksia, jatkuvuutta ja innovatiivisuutta, ja valitaan tuotantotapa "
                "palveluittain.",
                "Sidosryhmät ovat pitäneet oman tuotannon ja ostopalvelujen vertailua vaikeana ja toivoneet "
                "läpinäkyvyyttä ja yhteisiä kustannuslaskennan periaatteita. Tämän vuoksi jokainen esitetty "
                "luku on jäljitettävissä lähdetiedoston riviin (liitteet 1–5).",
                f"Vertailtavat palvelut ovat vaiheessa 3 hyväksytyn palvelukatalogin palveluita "
                f"(palvelukatalogin versio {basis.catalogue_ref.version}).",
            ],
        ),
        TextSection(heading="Aineisto ja menetelmä", paragraphs=method_summary(analysis)),
        TextSection(heading="Keskeiset havainnot", paragraphs=key_findings(analysis)),
        TextSection(heading="Suositukset palveluittain", paragraphs=recommendation_lines),
        TextSection(heading="Henkilöstövaikutukset", paragraphs=personnel_summary(analysis)),
        TextSection(
            heading="Palvelujen järjestämissuunnitelma",
            paragraphs=[_plan_sentence(analysis.plan, handling)],
        ),
    ]
    grounds += returned_section(
        handling,
        "Tämä ehdotus on valmisteltu uudelleen kommenttien pohjalta; kommentteihin vastataan tässä esityksessä ja sen liitteissä.",
    )
    step = cooperation_step(analysis, cooperation_held)
    if step is CooperationStep.OPENS:
        # Laki 449/2007 5 § 1 mom.: the principles of reorganising services with essential staff
        # effects (4 § 1 mom. 2 kohta) are negotiated before the employer decides. The decision only
        # prepares: it starts the negotiation, and the modes are decided after it.
        proposal = (
            f"{body.decides_verb}\n\n"
            f"1) merkitä tiedoksi oman tuotannon ja ostopalvelujen vertailun täyskustannusperiaatteella sekä "
            f"palveluittain suositellut tuotantotavat ja niiden henkilöstövaikutukset vuoden {year} talousarvion "
            f"ja taloussuunnitelman {planning.plan_span} valmistelun pohjaksi,\n\n"
            "2) käynnistää yhteistoimintamenettelyn niistä tuotantotavan muutoksista, joilla voi olla olennaisia "
            "henkilöstövaikutuksia (laki työnantajan ja henkilöstön välisestä yhteistoiminnasta kunnassa ja "
            "hyvinvointialueella 449/2007, 4 § 1 mom. 2 kohta ja 5 § 1 mom.), ja\n\n"
            f"3) todeta, että {genitive(region)} palvelujen järjestämissuunnitelman {year} tuotantotapoja "
            "koskevasta osasta (liite 6, luonnos) päätetään yhteistoimintamenettelyn jälkeen."
        )
    else:
        held = (
            f"todeta, että tuotantotavan muutoksista on käyty yhteistoimintamenettely {fi_date(cooperation_held)} "
            "(laki 449/2007, 5 §)"
            if step is CooperationStep.HELD and cooperation_held is not None
            else "todeta, ettei suositelluilla tuotantotavoilla ole olennaisia henkilöstövaikutuksia, joista "
            "olisi käytävä yhteistoimintamenettely (laki 449/2007, 4 § 1 mom. 2 kohta)"
        )
        proposal = (
            f"{body.decides_verb}\n\n"
            f"1) hyväksyä oman tuotannon ja ostopalvelujen vertailun täyskustannusperiaatteella sekä palveluittain "
            f"suositellut tuotantotavat vuoden {year} talousarvion ja taloussuunnitelman {planning.plan_span} "
            "pohjaksi,\n\n"
            f"2) hyväksyä {genitive(region)} palvelujen järjestämissuunnitelman {year} tuotantotapoja koskevan osan "
            "liitteen 6 mukaisesti ja\n\n"
            f"3) merkitä tiedoksi henkilöstövaikutukset ja {held}."
        )
    attachments = [
        *[AttachmentRef(number=n, title=t) for n, t in ATTACHMENTS.items()],
        AttachmentRef(number=6, title=f"{plan_title(year)} (erillinen asiakirja)"),
    ]
    agenda = AgendaContent(
        **agenda_fields(handling),
        meeting_date=meeting,
        title=title,
        grounds=grounds,
        proposal=proposal,
        attachments=attachments,
    )
    plan_agenda = _plan_agenda(analysis, handling, meeting, previous, draft=step is CooperationStep.OPENS)
    summary = "\n".join(
        [
            f"**{agenda.title}** — {region}, {body.name} {fi_date(meeting)}",
            "",
            *returned_summary(handling),
            "",
            "| palvelu | nykyinen | suositus |",
            "|---|---|---|",
            *[f"| {i.name} | {i.current_mode.label_fi} | {i.recommendation.label_fi} |" for i in matrix.services],
            "",
            *[f"- {f}" for f in analysis.findings],
            "",
            "Ehdotus: " + proposal.replace("\n\n", " "),
        ]
    )
    return ComparisonProposal(
        region_code=analysis.region_code,
        region_name=region,
        cycle=cycle,
        plan_year=year,
        agenda=agenda,
        plan_agenda=plan_agenda,
        cooperation=step,
        recommendations={i.service_id: i.recommendation for i in matrix.services},
        findings=list(analysis.findings),
        vat_treatment=params.vat_treatment,
        weights=dict(weights),
        stage3=[SourceRef.of(basis.proposal_ref), SourceRef.of(basis.catalogue_ref)],
        previous_plan=analysis.plan.previous,
        summary_markdown=summary,
    )


def comparison_title(year: int) -> str:
    """The comparison item's title: *Tuotantotapojen vertailu ja valinta <plan year>*."""
    return f"Tuotantotapojen vertailu ja valinta {year}"


def plan_title(year: int) -> str:
    """The organising plan's title: *Palvelujen järjestämissuunnitelma <plan year>: tuotantotavat*."""
    return f"Palvelujen järjestämissuunnitelma {year}: tuotantotavat"


def _previous_year(plan: OrganisingPlan, handling: CaseHandling) -> int | None:
    """The plan year of the previous approved plan (its cycle's budget year)."""
    if plan.previous is None:
        return None
    return handling.governance.planning.years(plan.previous.cycle).budget_year


def _plan_sentence(plan: OrganisingPlan, handling: CaseHandling) -> str:
    year = handling.planning.budget_year
    opening = f"Palvelujen järjestämissuunnitelman {year} tuotantotapoja koskeva osa on erillinen asiakirja."
    if plan.previous is None:
        return (
            f"{opening} Edellisen suunnittelukierroksen hyväksyttyä suunnitelmaa ei ole tallennettu, joten tämä on "
            "suunnitelman ensimmäinen versio."
        )
    changed = ", ".join(f"{c.name} ({c.note.lower().rstrip('.')})" for c in plan.changes) or "ei muutoksia"
    return (
        f"{opening} Sitä on verrattu hyväksyttyyn järjestämissuunnitelmaan {_previous_year(plan, handling)} "
        f"(suunnittelukierros {plan.previous.cycle}, versio {plan.previous.version}); muutokset: {changed}."
    )


def _plan_agenda(
    analysis: ComparisonAnalysis,
    handling: CaseHandling,
    meeting: dt.date,
    previous: PreviousPlan | None,
    *,
    draft: bool = False,
) -> AgendaContent:
    """The organising plan's item; a draft (luonnos) while the co-operation procedure it opens is
    still to be held."""
    planning = handling.planning
    year = planning.budget_year
    plan = analysis.plan
    body = handling.governance.body
    if plan.previous is None:
        history = [
            "Tämä on suunnitelman tuotantotapoja koskevan osan ensimmäinen versio: edellisen "
            "suunnittelukierroksen hyväksyttyä suunnitelmaa ei ole."
        ]
    else:
        history = [
            f"Suunnitelmaa on verrattu hyväksyttyyn järjestämissuunnitelmaan {_previous_year(plan, handling)} "
            f"(suunnittelukierros {plan.previous.cycle}, versio {plan.previous.version}, SHA-256 "
            f"{plan.previous.sha256[:12]}…).",
            *([c.name + ": " + c.note for c in plan.changes] or ["Tuotantotavat eivät muutu."]),
        ]
    return AgendaContent(
        **agenda_fields(handling),
        meeting_date=meeting,
        title=plan_title(year),
        grounds=[
            TextSection(
                heading="Suunnitelman tarkoitus",
                paragraphs=[
                    "Palvelujen järjestämissuunnitelma kokoaa, miten kukin palvelu tuotetaan: omana tuotantona, "
                    "ostopalveluna, palvelusetelillä vai näiden yhdistelmänä (sekamalli). Tämä osa perustuu "
                    f"asiaan ”{comparison_title(year)}” ja päivitetään joka suunnittelukierroksella; kunkin "
                    "kierroksen hyväksytty versio tallennetaan ja seuraava kierros vertaa siihen.",
                    f"Suunnitelma koskee vuotta {year}: se on vuoden {year} talousarvion ja taloussuunnitelman "
                    f"{planning.plan_span} pohja.",
                    "Luvut perustuvat esimerkkiaineistoon.",
                ],
            ),
            TextSection(heading="Muutokset edelliseen suunnitelmaan", paragraphs=history),
        ],
        proposal=(
            f"{body.decides_verb} merkitä tiedoksi {genitive(analysis.region_name)} palvelujen "
            f"järjestämissuunnitelman {year} tuotantotapoja koskevan osan luonnoksen; osasta päätetään "
            f"yhteistoimintamenettelyn jälkeen (käsitellään asian ”{comparison_title(year)}” yhteydessä)."
            if draft
            else f"{body.decides_verb} hyväksyä {genitive(analysis.region_name)} palvelujen järjestämissuunnitelman "
            f"{year} tuotantotapoja koskevan osan (käsitellään asian ”{comparison_title(year)}” yhteydessä)."
        ),
        attachments=[
            AttachmentRef(
                number=1,
                title="Järjestämissuunnitelman tuotantotavat (JSON)",
                filename="comparison-organising-plan.json",
            ),
        ],
    )
