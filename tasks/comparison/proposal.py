"""Stage 4's case: the agenda items *Tuotantotapojen vertailu ja valinta* and the organising plan's
production-mode part, decided together."""

from __future__ import annotations

import datetime as dt

from schemas.chains import ChainsBasis
from schemas.comparison import (
    CRITERIA,
    CRITERION_LABELS,
    ComparisonAnalysis,
    ComparisonProposal,
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
from tasks.agenda import agenda_fields, genitive, next_monday, proposed_meeting, returned_section, returned_summary
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


def _files_text(analysis: ComparisonAnalysis) -> str:
    return "; ".join(f"{f.file} ({f.role.lower()})" for f in analysis.files)


def build_comparison_proposal(
    analysis: ComparisonAnalysis, basis: ChainsBasis, handling: CaseHandling, previous: PreviousPlan | None = None
) -> ComparisonProposal:
    """The two agenda items: the comparison and choice of production modes, and the organising plan."""
    cycle = handling.cycle
    region = analysis.region_name
    body = handling.governance.body
    params = analysis.params
    matrix = analysis.matrix
    weights = matrix.weights
    weight_text = ", ".join(f"{CRITERION_LABELS[c].lower()} {fi_number(100 * weights[c], 0)} %" for c in CRITERIA)
    meeting = proposed_meeting(handling, default_meeting_date(basis, cycle))
    recommendation_lines = [
        f"{item.name}: {item.recommendation.label_fi} (nykyisin {item.current_mode.label_fi})."
        for item in matrix.services
    ]
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
                "luku on jäljitettävissä lähdetiedoston riviin (liitteenä oleva vertailutaulukko, sarake "
                "lähde).",
                f"Vertailtavat palvelut ovat vaiheessa 3 hyväksytyn palvelukatalogin palveluita "
                f"(palvelukatalogin versio {basis.catalogue_ref.version}).",
            ],
        ),
        TextSection(
            heading="Aineisto",
            paragraphs=[
                "Vertailu perustuu esimerkkiaineistoon (esimerkkiaineisto: luvut eivät ole hyvinvointialueen "
                f"virallisia lukuja): {_files_text(analysis)}. Oman tuotannon kustannukset ovat tilivuodelta "
                f"{analysis.own.year}.",
            ],
        ),
        TextSection(heading="Oman tuotannon täyskustannus", paragraphs=list(analysis.own.method)),
        TextSection(
            heading="Ostopalvelun ja palvelusetelin vertailukelpoinen kustannus",
            paragraphs=[*analysis.purchased.method, *analysis.purchased.vat_basis],
        ),
        TextSection(
            heading="Vertailuperuste",
            paragraphs=[
                f"Yksikkökustannuksia verrataan perusteella {params.fee_basis.label_fi}. Asiakasmaksut "
                "määräytyvät asiakasmaksulain (734/1992) mukaan samoin riippumatta siitä, tuottaako palvelun "
                "hyvinvointialue itse vai ostaako se palvelun; nettokustannukset esitetään taulukoissa "
                "rinnalla. Arvonlisävero: " + params.vat_treatment.label_fi + ".",
            ],
        ),
        TextSection(heading="Herkkyystarkastelu", paragraphs=list(matrix.sensitivity_method)),
        TextSection(
            heading="Päätösmatriisi ja suositussäännöt",
            paragraphs=[
                f"Kriteerien painot: {weight_text}. {matrix.cost_score_method}",
                *matrix.rules,
            ],
        ),
        TextSection(heading="Keskeiset havainnot", paragraphs=list(analysis.findings)),
        TextSection(heading="Suositukset palveluittain", paragraphs=recommendation_lines),
        TextSection(
            heading="Henkilöstövaikutukset",
            paragraphs=[
                f"Vertailtavien palvelujen omassa tuotannossa on {fi_number(analysis.personnel.total_own_fte, 1)} "
                f"henkilötyövuotta; suositukset koskevat {fi_number(analysis.personnel.total_affected_fte, 1)} "
                "henkilötyövuotta.",
                *analysis.personnel.legal_basis,
            ],
        ),
        TextSection(
            heading="Palvelujen järjestämissuunnitelma",
            paragraphs=[_plan_sentence(analysis.plan, previous)],
        ),
    ]
    grounds += returned_section(
        handling,
        "Tämä ehdotus on valmisteltu uudelleen kommenttien pohjalta; kommentteihin vastataan tässä esityksessä ja sen liitteissä.",
    )
    proposal = (
        f"{body.decides_verb}\n\n"
        f"1) hyväksyä oman tuotannon ja ostopalvelujen vertailun täyskustannusperiaatteella sekä palveluittain "
        f"suositellut tuotantotavat suunnittelukierroksen {cycle} pohjaksi,\n\n"
        f"2) hyväksyä {genitive(region)} palvelujen järjestämissuunnitelman tuotantotapoja koskevan osan "
        f"{cycle} liitteen mukaisesti ja\n\n"
        "3) merkitä tiedoksi henkilöstövaikutukset ja todeta, että tuotantotavan muutokset, joilla voi olla "
        "liikkeen luovutuksesta johtuvia henkilöstövaikutuksia, käsitellään yhteistoimintamenettelyssä ennen "
        "niitä koskevia päätöksiä."
    )
    attachments = [
        AttachmentRef(number=1, title="Päätösehdotus koneluettavana (JSON)", filename="comparison-proposal.json"),
        AttachmentRef(number=2, title="Vertailutaulukko lähdeviittauksin (CSV)", filename="comparison-export.csv"),
        AttachmentRef(
            number=3, title="Oman tuotannon täyskustannuslaskelma (JSON)", filename="comparison-own-costs.json"
        ),
        AttachmentRef(
            number=4,
            title="Ostopalvelujen vertailukelpoiset kustannukset (JSON)",
            filename="comparison-purchased-costs.json",
        ),
        AttachmentRef(number=5, title="Päätösmatriisit ja suositukset (JSON)", filename="comparison-matrix.json"),
        AttachmentRef(
            number=6, title=f"Palvelujen järjestämissuunnitelma {cycle}: tuotantotavat (erillinen asiakirja)"
        ),
    ]
    agenda = AgendaContent(
        **agenda_fields(handling),
        meeting_date=meeting,
        title=f"Tuotantotapojen vertailu ja valinta {cycle}",
        grounds=grounds,
        proposal=proposal,
        attachments=attachments,
    )
    plan_agenda = _plan_agenda(analysis, handling, meeting, previous)
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
        agenda=agenda,
        plan_agenda=plan_agenda,
        recommendations={i.service_id: i.recommendation for i in matrix.services},
        findings=list(analysis.findings),
        vat_treatment=params.vat_treatment,
        weights=dict(weights),
        stage3=[SourceRef.of(basis.proposal_ref), SourceRef.of(basis.catalogue_ref)],
        previous_plan=analysis.plan.previous,
        summary_markdown=summary,
    )


def _plan_sentence(plan: OrganisingPlan, previous: PreviousPlan | None) -> str:
    if plan.previous is None:
        return (
            f"Palvelujen järjestämissuunnitelman tuotantotapoja koskeva osa {plan.cycle} on erillinen asiakirja. "
            "Edellisen suunnittelukierroksen hyväksyttyä suunnitelmaa ei ole tallennettu, joten tämä on "
            "suunnitelman ensimmäinen versio."
        )
    changed = ", ".join(f"{c.name} ({c.note.lower().rstrip('.')})" for c in plan.changes) or "ei muutoksia"
    return (
        f"Palvelujen järjestämissuunnitelman tuotantotapoja koskeva osa {plan.cycle} on erillinen asiakirja. "
        f"Sitä on verrattu suunnittelukierroksen {plan.previous.cycle} hyväksyttyyn suunnitelmaan (versio "
        f"{plan.previous.version}); muutokset: {changed}."
    )


def _plan_agenda(
    analysis: ComparisonAnalysis, handling: CaseHandling, meeting: dt.date, previous: PreviousPlan | None
) -> AgendaContent:
    cycle = handling.cycle
    plan = analysis.plan
    body = handling.governance.body
    if plan.previous is None:
        history = [
            "Tämä on suunnitelman tuotantotapoja koskevan osan ensimmäinen versio: edellisen "
            "suunnittelukierroksen hyväksyttyä suunnitelmaa ei ole."
        ]
    else:
        history = [
            f"Suunnitelmaa on verrattu suunnittelukierroksen {plan.previous.cycle} hyväksyttyyn suunnitelmaan "
            f"(versio {plan.previous.version}, SHA-256 {plan.previous.sha256[:12]}…).",
            *([c.name + ": " + c.note for c in plan.changes] or ["Tuotantotavat eivät muutu."]),
        ]
    return AgendaContent(
        **agenda_fields(handling),
        meeting_date=meeting,
        title=f"Palvelujen järjestämissuunnitelma {cycle}: tuotantotavat",
        grounds=[
            TextSection(
                heading="Suunnitelman tarkoitus",
                paragraphs=[
                    "Palvelujen järjestämissuunnitelma kokoaa, miten kukin palvelu tuotetaan: omana tuotantona, "
                    "ostopalveluna, palvelusetelillä vai näiden yhdistelmänä (sekamalli). Tämä osa perustuu "
                    f"asiaan ”Tuotantotapojen vertailu ja valinta {cycle}” ja päivitetään joka "
                    "suunnittelukierroksella; kunkin kierroksen hyväksytty versio tallennetaan ja seuraava "
                    "kierros vertaa siihen.",
                    "Luvut perustuvat esimerkkiaineistoon.",
                ],
            ),
            TextSection(heading="Muutokset edelliseen suunnitelmaan", paragraphs=history),
        ],
        proposal=(
            f"{body.decides_verb} hyväksyä {genitive(analysis.region_name)} palvelujen järjestämissuunnitelman "
            f"tuotantotapoja koskevan osan suunnittelukierrokselle {cycle} (käsitellään asian "
            f"”Tuotantotapojen vertailu ja valinta {cycle}” yhteydessä)."
        ),
        attachments=[
            AttachmentRef(
                number=1,
                title="Järjestämissuunnitelman tuotantotavat (JSON)",
                filename="comparison-organising-plan.json",
            ),
        ],
    )
