"""Stage 5a's cases: the procurement plan with its work split (*Hankintasuunnitelma ja
hankintojen työnjako*, the board's) and one award decision (*hankintapäätös*) per procurement
with bids, each decided on its own with the procurement appeal route."""

from __future__ import annotations

import datetime as dt

from schemas.comparison import ComparisonRound
from schemas.documents import AgendaContent, AttachmentRef, TextSection
from schemas.procurement import (
    AwardComparison,
    AwardProposal,
    ContractTerms,
    MilestoneCode,
    PlanProposal,
    Procedure,
    Procurement,
    ProcurementAnalysis,
    ProcurementPlan,
)
from schemas.results import SourceRef
from soteflow.documents.formatting import fi_date
from soteflow.numbers import fi_number, fi_percent
from tasks.agenda import agenda_fields, genitive, next_monday, proposed_meeting, returned_section, returned_summary
from tasks.definition import CaseHandling

#: Preparation after the stage-4 approval: the plan, the work split and the agenda take about four
#: weeks before the board can meet.
PREPARATION_DAYS = 28
#: The case key of the plan; an award decision's key is ``award-<procurement id in lower case>``.
PLAN_CASE = "procurement-plan"
AWARD_CASE_PREFIX = "award-"


def award_case(procurement_id: str) -> str:
    """The case key of a procurement's award decision."""
    return AWARD_CASE_PREFIX + procurement_id.lower()


def plan_span(plan: ProcurementPlan) -> str:
    """The procurement plan's years as printed: its horizon, from the budget year the cycle
    prepares (``2027–2029``)."""
    return f"{plan.horizon_start.year}–{plan.horizon_end.year}"


def plan_meeting_date(basis: ComparisonRound) -> dt.date:
    """The first Monday at least :data:`PREPARATION_DAYS` after the stage-4 approval (from the store)."""
    return next_monday(basis.approved_on + dt.timedelta(days=PREPARATION_DAYS))


def award_meeting_date(procurement: Procurement, basis: ComparisonRound) -> dt.date:
    """The award decision's meeting: the plan's award day (a Monday), never before the plan is decided."""
    planned = next((m.date for m in procurement.timeline if m.code is MilestoneCode.AWARD), None)
    earliest = plan_meeting_date(basis) + dt.timedelta(days=14)
    return next_monday(max(planned or earliest, earliest))


def document_created(basis: ComparisonRound) -> dt.datetime:
    """The documents' and workbooks' creation time, from the data: the stage-4 approval day."""
    day = basis.approved_on
    return dt.datetime(day.year, day.month, day.day, 12, 0, tzinfo=dt.UTC)


def _euro(value: float) -> str:
    return f"{fi_number(value, 0)} €"


def _million(value: float) -> str:
    return f"{fi_number(value / 1_000_000, 1)} milj. €"


def _data_sentence(analysis: ProcurementAnalysis) -> str:
    files = ", ".join(sorted({f.rsplit("/", 1)[-1] for f in analysis.files.values()}))
    label = (
        "Luvut perustuvat esimerkkiaineistoon (esimerkkiaineisto: luvut eivät ole hyvinvointialueen virallisia lukuja)"
        if analysis.example_data
        else "Luvut perustuvat hyvinvointialueen tiedostoihin"
    )
    return f"{label}: {files}."


# -- the plan --------------------------------------------------------------------------------------


def _procurement_paragraph(p: Procurement) -> str:
    lots = (
        f"Hankinta jaetaan {len(p.lots)} osaan ({', '.join(f'{lot.lot_id} {lot.name}' for lot in p.lots)}); "
        f"pienten ja keskisuurten tuottajien ja järjestöjen tarjottavissa on {fi_percent(100 * p.access_share, 0)} "
        f"hankinnan arvosta, kun niiden osuus nykyisistä sopimuksista on {fi_percent(100 * p.current_small_share, 0)}."
        if len(p.lots) > 1
        else f"Hankintaa ei jaeta osiin: {p.no_lots_reason}"
    )
    provisional = (
        " Kynnysarvo on ennakoitu, koska EU-kynnysarvoja ei ole vielä vahvistettu ilmoituksen ajankohdalle; se "
        "tarkistetaan ennen hankintailmoitusta."
        if p.threshold_provisional
        else ""
    )
    notice = next((m.date for m in p.timeline if m.code is MilestoneCode.NOTICE), None)
    return (
        f"{p.procurement_id} {p.description} ({p.service_name}). {p.reason} Hankittava volyymi "
        f"{fi_number(p.annual_volume, 0)} suoritetta vuodessa (suoriteyksikkö {p.unit}), hinta-arvio "
        f"{fi_number(p.unit_price, 2)} €/{p.unit}, arvo {_euro(p.annual_value)} vuodessa. Sopimuskausi "
        f"{p.contract_years} vuotta ja optiot {p.option_years} vuotta. "
        f"{p.procedure_basis}{provisional} Vastuu: {p.responsible_unit} ({p.responsibility.label_fi}). "
        + (f"Hankintailmoitus {fi_date(notice)}, " if notice else "")
        + f"uudet sopimukset alkavat {fi_date(p.contract_start)}. {lots}"
        + (f" {p.schedule_note}" if p.schedule_note else "")
    )


def build_plan_proposal(analysis: ProcurementAnalysis, basis: ComparisonRound, handling: CaseHandling) -> PlanProposal:
    """The agenda item *Hankintasuunnitelma ja hankintojen työnjako*."""
    cycle = handling.cycle
    region = analysis.region_name
    body = handling.governance.body
    plan = analysis.plan
    meeting = proposed_meeting(handling, plan_meeting_date(basis))
    awarded = {a.procurement_id for a in analysis.awards}
    grounds = [
        TextSection(
            heading="Asian tausta",
            paragraphs=[
                f"{region} vastaa sosiaali- ja terveyspalvelujen järjestämisestä ja hankkii osan palveluista muilta "
                "tuottajilta. Palvelujen järjestämisprosessin viidennessä vaiheessa (resurssien hankinta) "
                "suunnitellaan hankinnat, tuottajien ehdot ja korvausmallit, tehdään hankintapäätökset ja laaditaan "
                "sopimukset.",
                "Hankintasuunnitelma perustuu palvelujen järjestämissuunnitelmaan, jonka "
                f"{basis.approved_by.lower()} hyväksyi {fi_date(basis.approved_on)} (versio {basis.plan_ref.version}): "
                "hankinnoiksi tulevat "
                "palvelut, jotka suunnitelma järjestää ostopalveluna tai osin ostopalveluna. Volyymit ja hinnat ovat "
                "samat kuin vaiheen 4 vertailussa (ostopalvelujen kustannukset, versio "
                f"{basis.purchased_ref.version}), ja sopimusrekisterin volyymit on täsmäytetty niihin.",
                "Sidosryhmät ovat toivoneet pienten tuottajien ja järjestöjen aseman vahvistamista ja "
                "vertailukelpoisia kustannuksia. Hankinnat jaetaan siksi osiin, jotka mahtuvat pienten ja "
                "keskisuurten tuottajien kapasiteettiin, ja kunkin hankinnan kohdalla esitetään, mikä osuus sen "
                "arvosta on niiden tarjottavissa verrattuna nykyisiin sopimuksiin.",
                _data_sentence(analysis),
            ],
        ),
        TextSection(heading="Menetelmä", paragraphs=list(plan.method)),
        TextSection(
            heading="Hankinnat suunnittelujaksolla",
            paragraphs=[_procurement_paragraph(p) for p in plan.procurements]
            or ["Suunnittelujaksolla ei pääty sopimuksia eikä suunnitelma edellytä uusia hankintoja."],
        ),
        TextSection(
            heading="Palvelut, joita ei kilpailuteta",
            paragraphs=[f"{n.service_name} ({n.service_id}): {n.reason}" for n in plan.not_procured]
            or ["Kaikki suunnittelujaksolla päättyvät sopimukset kilpailutetaan."],
        ),
        TextSection(
            heading="Hankintojen työnjako",
            paragraphs=[
                "Hyvinvointialueen hallinto vastaa strategisesti merkittävistä hankinnoista (suuri vaikutus tai "
                "riski, innovatiiviset hankinnat, kumppanuusmallit, uudet avaukset, koko alueen ICT); oma tuotanto "
                "vastaa tuotantoa lähellä olevista hankinnoista (kliiniset tukipalvelut, tarvikkeet, oman toimialan "
                "ICT, muilta alueilta ostettavat palvelut).",
                *[
                    f"{w.name}: {w.responsibility.label_fi}, {w.unit}. {w.basis}."
                    + (f" Palvelut: {', '.join(w.services)}." if w.services else "")
                    for w in plan.work_split
                ],
            ],
        ),
        TextSection(
            heading="Korvausmallit",
            paragraphs=[
                f"{c.service_name} ({c.procurement_id}): {c.kind.label_fi}. Vuosikustannus {_euro(c.annual_cost)} "
                f"= {c.formula}."
                + (
                    f" Sama volyymi omana tuotantona maksaisi täyskustannuksin {_euro(c.own_full_cost)} "
                    f"(vaihe 4); ero {_euro(c.difference)}."
                    if c.own_full_cost is not None and c.difference is not None
                    else ""
                )
                for c in analysis.compensation
            ],
        ),
        TextSection(
            heading="Sopimusehdot ja seuranta",
            paragraphs=[
                "Jokaiseen uuteen ja jatkuvaan sopimukseen kirjataan mittarit raja-arvoineen, raportointivelvollisuus "
                "ja seuraamusten porrastus. Tuotannon ohjaus ja valvonta (vaihe 6) seuraa sopimuksia näiden ehtojen "
                f"mukaan; sopimuksia on {len(analysis.contracts.contracts)}.",
                f"Raportointi: {analysis.contracts.contracts[0].reporting}" if analysis.contracts.contracts else "",
            ],
        ),
        TextSection(
            heading="Avoin hankintatieto",
            paragraphs=[
                f"Hankinnat julkaistaan avoimen hankintatiedon standardin mukaisina julkaisuina (Open Contracting Data "
                f"Standard 1.1.5, osat Lots-laajennuksella): julkaisupaketissa on {len(analysis.ocds.get('releases', []))} "
                f"julkaisua ja tietuepaketissa {len(analysis.ocds_records.get('records', []))} tietuetta. "
                + " ".join(analysis.ocds_validation)
            ],
        ),
    ]
    grounds += returned_section(
        handling, "Suunnitelma on valmisteltu uudelleen kommenttien pohjalta; muutokset näkyvät tässä esityksessä."
    )
    awards_sentence = "Hankintapäätökset tehdään kustakin hankinnasta erikseen " + (
        f"(tarjousvertailut: {', '.join(sorted(awarded))})." if awarded else "niiden aikataulun mukaan."
    )
    proposal = (
        f"{body.decides_verb}\n\n"
        f"1) hyväksyä {genitive(region)} hankintasuunnitelman {plan_span(plan)} liitteen mukaisesti: hankinnat "
        f"{', '.join(p.procurement_id for p in plan.procurements) or '–'}, niiden menettelyt, osiin jako ja "
        f"aikataulut; ennakoitu arvo yhteensä {_euro(plan.total_estimated_value)},\n\n"
        "2) hyväksyä hankintojen työnjaon hankintaluokittain,\n\n"
        "3) hyväksyä korvausmallit ja sopimusehdot hankintojen valmistelun pohjaksi ja\n\n"
        f"4) todeta, että {awards_sentence[0].lower() + awards_sentence[1:]}"
    )
    attachments = [
        AttachmentRef(number=1, title="Hankintasuunnitelma taulukkona (CSV)", filename="procurement-plan.csv"),
        AttachmentRef(number=2, title="Hankintasuunnitelma koneluettavana (JSON)", filename="procurement-plan.json"),
        AttachmentRef(number=3, title="Korvausmallit (JSON)", filename="procurement-compensation.json"),
        AttachmentRef(number=4, title="Sopimukset ja niiden ehdot (JSON)", filename="procurement-contracts.json"),
        AttachmentRef(
            number=5, title="Avoin hankintatieto: OCDS 1.1.5 -julkaisupaketti (JSON)", filename="procurement-ocds.json"
        ),
    ]
    agenda = AgendaContent(
        **agenda_fields(handling),
        meeting_date=meeting,
        title=f"Hankintasuunnitelma ja hankintojen työnjako {plan_span(plan)}",
        grounds=[g for g in grounds if any(g.paragraphs)],
        proposal=proposal,
        attachments=attachments,
    )
    summary = "\n".join(
        [
            f"**{agenda.title}** — {region}, {body.name} {fi_date(meeting)}",
            "",
            *returned_summary(handling),
            "",
            "| hankinta | palvelu | ennakoitu arvo | menettely | osat | pk-tarjottavissa |",
            "|---|---|---|---|---|---|",
            *[
                f"| {p.procurement_id} | {p.service_name} | {_million(p.estimated_value)} | {p.procedure.label_fi} | "
                f"{len(p.lots)} | {fi_percent(100 * p.access_share, 0)} |"
                for p in plan.procurements
            ],
            "",
            "Ehdotus: " + proposal.replace("\n\n", " "),
        ]
    )
    return PlanProposal(
        region_code=analysis.region_code,
        region_name=region,
        cycle=cycle,
        agenda=agenda,
        procurements=[p.procurement_id for p in plan.procurements],
        total_estimated_value=plan.total_estimated_value,
        stage4=[SourceRef.of(basis.proposal_ref), SourceRef.of(basis.plan_ref)],
        summary_markdown=summary,
    )


# -- an award decision -----------------------------------------------------------------------------


def _amount(value: float) -> str:
    """A threshold as written in the contract terms: no trailing zeros (0,65; 5; 4)."""
    return fi_number(value, 0) if float(value).is_integer() else fi_number(value, 2).rstrip("0")


def _kpi_sentence(contracts: list[ContractTerms]) -> str:
    if not contracts:
        return ""
    first = contracts[0]
    kpis = "; ".join(
        f"{k.name} {'vähintään' if k.direction == 'at_least' else 'enintään'} {_amount(k.threshold)} {k.unit}"
        for k in first.kpis
    )
    ladder = "; ".join(
        f"{s.step}) {s.name}" + (f" {_euro(s.amount_eur)}" if s.amount_eur else "") for s in first.sanctions
    )
    return f"Sopimusten mittarit: {kpis}. Seuraamukset porrastetaan: {ladder}. {first.reporting}"


def build_award_proposal(
    analysis: ProcurementAnalysis,
    award: AwardComparison,
    basis: ComparisonRound,
    handling: CaseHandling,
) -> AwardProposal:
    """The agenda item *Hankintapäätös* of one procurement: the comparison, the winners per lot,
    the standstill period and the contracts' terms."""
    procurement = next(p for p in analysis.plan.procurements if p.procurement_id == award.procurement_id)
    body = handling.governance.body
    region = analysis.region_name
    meeting = proposed_meeting(handling, award_meeting_date(procurement, basis))
    standstill = 0 if procurement.procedure in {Procedure.DIRECT, Procedure.BELOW_NATIONAL} else 14
    standstill_end = meeting + dt.timedelta(days=standstill)
    contracts = [c for c in analysis.contracts.contracts if c.procurement_id == procurement.procurement_id]
    bids = sum(len(lot.bids) for lot in award.lots)
    bidders = len({b.bidder for lot in award.lots for b in lot.bids})
    notice = next((m.date for m in procurement.timeline if m.code is MilestoneCode.NOTICE), None)
    results = [
        f"Osa {lot.lot_id} {lot.lot_name}: {len(lot.bids)} tarjousta. Valitaan {lot.winner} "
        f"(kokonaispisteet {fi_number(lot.bids[0].total, 2)}, hinta {fi_number(lot.winner_price, 2)} €/"
        f"{procurement.unit}); "
        + (
            f"seuraavana {lot.bids[1].bidder} ({fi_number(lot.bids[1].total, 2)} pistettä)."
            if len(lot.bids) > 1
            else "muita tarjouksia ei saatu."
        )
        for lot in award.lots
    ]
    if award.lots_without_bids:
        results.append(
            f"Osiin {', '.join(award.lots_without_bids)} ei saatu tarjouksia; niiden hankinta valmistellaan uudelleen."
        )
    small_won = [lot for lot in award.lots if lot.bids[0].size.small_or_medium or lot.bids[0].ngo]
    grounds = [
        TextSection(
            heading="Hankinnan kohde ja menettely",
            paragraphs=[
                f"Hankinnan kohde on {procurement.description.lower()} ({procurement.service_name}), "
                f"{fi_number(procurement.annual_volume, 0)} suoritetta vuodessa (suoriteyksikkö {procurement.unit}). "
                f"Hankinta on hyväksytyn hankintasuunnitelman {plan_span(analysis.plan)} mukainen. "
                f"{procurement.procedure_basis}",
                (f"Hankintailmoitus julkaistiin {fi_date(notice)}. " if notice else "")
                + f"Sopimuskausi on {procurement.contract_years} vuotta ({fi_date(procurement.contract_start)}–"
                f"{fi_date(procurement.contract_end)}) ja optiot {procurement.option_years} vuotta. Hankinta on jaettu "
                f"{len(procurement.lots)} osaan, joihin kuhunkin voi tarjota erikseen.",
                _data_sentence(analysis),
            ],
        ),
        TextSection(
            heading="Tarjoukset ja vertailu",
            paragraphs=[
                f"Vertailtavana on {bids} tarjousta {bidders} tarjoajalta. Vertailuun on otettu tarjoukset, jotka "
                "on tarjouspyynnön mukaisessa tarkastuksessa todettu soveltuviksi ja tarjouspyynnön mukaisiksi; "
                "tarjoustiedostossa ovat vain nämä tarjoukset.",
                *award.method,
            ],
        ),
        TextSection(heading="Vertailun tulos osittain", paragraphs=results),
        TextSection(
            heading="Pienten tuottajien ja järjestöjen asema",
            paragraphs=[
                f"Osista {len(small_won)}/{len(award.lots)} valitaan pieni tai keskisuuri tuottaja tai järjestö. "
                f"Nykyisissä sopimuksissa niiden osuus palvelun arvosta on "
                f"{fi_percent(100 * procurement.current_small_share, 0)}."
            ],
        ),
        TextSection(
            heading="Odotusaika ja sopimukset",
            paragraphs=[
                (
                    f"Hankintasopimukset voidaan tehdä aikaisintaan {fi_date(standstill_end)}, kun odotusaika "
                    "(14 päivää) on päättynyt (hankintalaki 129\u00a0§). Päätös annetaan tiedoksi tarjoajille "
                    "sähköisesti päätöspäivänä; sähköisesti lähetetyn päätöksen katsotaan tulleen tiedoksi "
                    "lähettämispäivänä (127\u00a0§)."
                    if standstill
                    else "Odotusaikaa ei sovelleta (hankintalaki 129\u00a0§)."
                ),
                "Hankintasopimus syntyy vasta erillisen kirjallisen sopimuksen tekemisellä (128\u00a0§). "
                + _kpi_sentence(contracts),
            ],
        ),
    ]
    grounds += returned_section(
        handling, "Vertailu on tarkistettu kommenttien pohjalta; tulos on esitetty tässä esityksessä."
    )
    winners = "\n\n".join(
        f"– osa {lot.lot_id} {lot.lot_name}: {lot.winner}, {fi_number(lot.winner_price, 2)} €/{procurement.unit}"
        for lot in award.lots
    )
    proposal = (
        f"{body.decides_verb}\n\n"
        f"1) hyväksyä hankinnan {procurement.procurement_id} tarjousten vertailun liitteen mukaisesti,\n\n"
        "2) valita hinta-laatusuhteeltaan parhaat tarjoukset osittain seuraavasti:\n\n"
        f"{winners}\n\n"
        + (
            f"3) todeta, että hankintasopimukset voidaan tehdä aikaisintaan {fi_date(standstill_end)} odotusajan "
            "päätyttyä, ellei asiassa ole haettu muutosta."
            if standstill
            else "3) todeta, että hankintasopimukset voidaan tehdä päätöksen jälkeen."
        )
    )
    attachments = [
        AttachmentRef(number=1, title="Tarjousvertailu (CSV)", filename=f"{award.procurement_id.lower()}-award.csv"),
        AttachmentRef(
            number=2,
            title="Hankintapäätösehdotus koneluettavana (JSON)",
            filename=f"{award.procurement_id.lower()}-award.json",
        ),
    ]
    agenda = AgendaContent(
        **agenda_fields(handling),
        meeting_date=meeting,
        title=f"Hankintapäätös: {procurement.description} ({procurement.procurement_id})",
        grounds=grounds,
        proposal=proposal,
        attachments=attachments,
    )
    summary = "\n".join(
        [
            f"**{agenda.title}** — {region}, {body.name} {fi_date(meeting)}",
            "",
            *returned_summary(handling),
            "",
            "| osa | valittu | pisteet | hinta |",
            "|---|---|---|---|",
            *[
                f"| {lot.lot_id} {lot.lot_name} | {lot.winner} | {fi_number(lot.bids[0].total, 2)} | "
                f"{fi_number(lot.winner_price, 2)} € |"
                for lot in award.lots
            ],
            "",
            f"Odotusaika päättyy {fi_date(standstill_end)}. Muutoksenhaku: hankintaoikaisu ja valitus markkinaoikeuteen.",
        ]
    )
    return AwardProposal(
        region_code=analysis.region_code,
        region_name=region,
        cycle=analysis.cycle,
        procurement_id=procurement.procurement_id,
        agenda=agenda,
        winners={lot.lot_id: lot.winner for lot in award.lots},
        standstill_end=standstill_end,
        summary_markdown=summary,
    )
