"""Stage 6's cases: the period's steering and supervision report (*Tuotannon ohjaus-, seuranta- ja
valvontaraportti*), which the body takes note of, and one escalation decision per contract whose
step costs the producer money or clients (a contractual sanction, a suspension of new referrals, a
termination), each decided on its own."""

from __future__ import annotations

import datetime as dt

from schemas.documents import AgendaContent, AttachmentRef, TextSection
from schemas.monitoring import EscalationProposal, LadderStep, MonitoringAnalysis, MonitoringBasis, ReportProposal
from schemas.results import SourceRef
from soteflow.documents.formatting import fi_date
from soteflow.numbers import fi_number
from tasks.agenda import agenda_fields, proposed_meeting, returned_section, returned_summary
from tasks.context import period_bounds
from tasks.definition import CaseHandling
from tasks.monitoring.analysis import kpi_fi, report_meeting

MONTHS_FI = (
    "tammikuu", "helmikuu", "maaliskuu", "huhtikuu", "toukokuu", "kesäkuu",
    "heinäkuu", "elokuu", "syyskuu", "lokakuu", "marraskuu", "joulukuu",
)  # fmt: skip
MOVEMENT_FI = {"up": "nousee", "held": "pysyy", "down": "laskee", "none": "ei seuraamusta"}


def period_label(period: str) -> str:
    """``2026-03`` → ``maaliskuu 2026``; ``2026-Q1`` → ``1. neljännes 2026``."""
    start, _ = period_bounds(period)
    if "Q" in period:
        return f"{(start.month - 1) // 3 + 1}. neljännes {start.year}"
    return f"{MONTHS_FI[start.month - 1]} {start.year}"


def document_created(period: str) -> dt.datetime:
    """The documents' creation time, from the data: noon of the period's default report meeting."""
    day = report_meeting(period)
    return dt.datetime(day.year, day.month, day.day, 12, 0, tzinfo=dt.UTC)


def _euro(value: float) -> str:
    return f"{fi_number(value, 2)} €"


def _data_sentence(analysis: MonitoringAnalysis) -> str:
    files = ", ".join(sorted(analysis.files.values()))
    label = (
        "Aineisto on synteettistä esimerkkiaineistoa (SYNTEETTINEN: luvut eivät ole todellisia, ja poikkeamat "
        "on istutettu aineistoon tarkoituksella)"
        if analysis.synthetic
        else "Aineisto on tuottajien raportoimaa seurantatietoa"
    )
    return f"{label}: {fi_number(analysis.events, 0)} palvelutapahtumaa; tiedostot {files}."


def step_sentence(step: LadderStep) -> str:
    """A contract's place on the ladder as one sentence."""
    if step.step == 0 and step.movement == "none":
        return f"{step.producer} ({step.contract_id}, {step.service_name}): ei poikkeamia, ei seuraamusta."
    deadline = f" Määräaika {fi_date(step.deadline)}." if step.deadline else ""
    amount = f", {_euro(step.amount_eur)}" if step.amount_eur else ""
    kpis = f" Poikkeavat mittarit: {', '.join(kpi_fi(k) for k in step.kpis)}." if step.kpis else ""
    return (
        f"{step.producer} ({step.contract_id}, {step.service_name}): porras {step.previous_step} → {step.step} "
        f"({MOVEMENT_FI[step.movement]}), {step.step_name.lower()}{amount}. {step.reason}{kpis}{deadline}"
    )


def build_report_proposal(
    analysis: MonitoringAnalysis, basis: MonitoringBasis, handling: CaseHandling
) -> ReportProposal:
    """The agenda item *Tuotannon ohjaus-, seuranta- ja valvontaraportti* of a period (noted)."""
    period = analysis.period
    label = period_label(period)
    body = handling.governance.body
    meeting = proposed_meeting(handling, report_meeting(period))
    over = round(sum(b.over_billed_eur for b in analysis.billing), 2)
    escalations = [s for s in analysis.ladder if s.own_case]
    actions = [s for s in analysis.ladder if s.step and not s.own_case]
    visits = [v for v in analysis.visits if v.visit]
    previous = (
        f"Edellisen jakson ({period_label(basis.previous_period)}) raportti on merkitty tiedoksi (versio "
        f"{basis.previous_ref.version}); seuraamusportaat jatkuvat siitä."
        if basis.previous_period and basis.previous_ref
        else "Tämä on kierroksen ensimmäinen seurantajakso: kaikki sopimukset aloittavat portaalta 0."
    )
    grounds = [
        TextSection(
            heading="Asian tausta",
            paragraphs=[
                f"{analysis.region_name} vastaa siitä, että sen järjestämät palvelut toteutuvat sopimusten ja lain "
                "mukaisesti myös silloin, kun ne hankitaan muilta tuottajilta. Sosiaali- ja terveydenhuollon "
                "valvonnasta annetun lain (741/2023) mukaan järjestäjän omavalvontaohjelma kattaa myös ostopalvelut "
                "ja alihankinnat. Palvelujen järjestämisprosessin kuudennessa vaiheessa seurataan tuottajia "
                "sopimusten mittarein, reagoidaan poikkeamiin porrastetusti ja kohdistetaan valvontakäynnit riskin "
                "mukaan.",
                f"Seurantajakso on {label} ({fi_date(analysis.period_start)}–{fi_date(analysis.period_end)}). "
                f"Seurattavia sopimuksia on {len(analysis.ladder)}; ne ovat vaiheessa 5 hyväksyttyjä sopimuksia "
                f"(sopimusrekisterin versio {basis.contracts_ref.version}), jotka ovat voimassa jaksolla. {previous}",
                _data_sentence(analysis),
            ],
        ),
        TextSection(heading="Menetelmä ja sovelletut säännöt", paragraphs=[*analysis.method, *analysis.rules_applied]),
        TextSection(
            heading="Poikkeamat ja seuraamusportaat",
            paragraphs=[
                f"Jaksolla todettiin {len(analysis.deviations)} poikkeamaa, joista vakavia "
                f"{sum(1 for d in analysis.deviations if d.severity.value == 'serious')}.",
                *[step_sentence(s) for s in analysis.ladder],
            ],
        ),
        TextSection(
            heading="Laskujen täsmäytys",
            paragraphs=[
                f"Laskuja verrattiin toteutuneisiin suoritteisiin sopimuksen yksikköhinnalla. Ylilaskutusta todettiin "
                f"yhteensä {_euro(over)}."
                + " ".join(
                    f" {b.producer} ({b.contract_id}) {b.month}: laskutettu {_euro(b.invoiced_eur)}, toteutuneiden "
                    f"suoritteiden hinta {_euro(b.due_eur)}, ylilaskutus {_euro(b.over_billed_eur)} "
                    f"({fi_number(b.over_billed_pct, 2)} %); ylilaskutettu määrä peritään takaisin seuraavasta laskusta."
                    for b in analysis.billing
                    if b.over_billed_eur > 0
                )
            ],
        ),
        TextSection(
            heading="Riskiperusteinen valvontasuunnitelma",
            paragraphs=[
                f"Jakson käyntikapasiteetti on {analysis.visit_capacity} valvontakäyntiä. Käynnit kohdistetaan: "
                + (
                    "; ".join(
                        f"{v.unit_name} ({v.unit_id}, {v.producer}), riski {fi_number(v.risk, 0)}" for v in visits
                    )
                    if visits
                    else "ei käyntejä (yksiköissä ei poikkeamia)"
                )
                + ". Muita yksiköitä seurataan tuottajien raportoinnin perusteella."
            ],
        ),
        TextSection(
            heading="Tuottajakohtaiset ohjausraportit",
            paragraphs=[
                "Kullekin tuottajalle lähetetään ohjausraportti: sen mittarit jaksolla, kehitys aiemmista jaksoista, "
                "poikkeamat, seuraamusporras ja se, mitä tuottajan on tehtävä ja mihin mennessä. Raportit ovat "
                "tämän asian liitteinä."
            ],
        ),
    ]
    grounds += returned_section(
        handling, "Raportti on valmisteltu uudelleen kommenttien pohjalta; muutokset näkyvät tässä esityksessä."
    )
    items = [f"1) merkitä tiedoksi tuotannon ohjaus-, seuranta- ja valvontaraportin ({label}) liitteineen"]
    if actions:
        items.append(
            "merkitä tiedoksi, että tuottajille annetaan huomautukset ja korjausvaatimukset raportin mukaisesti ("
            + ", ".join(f"{s.contract_id}: {s.step_name.lower()}" for s in actions)
            + ")"
        )
    items.append(f"merkitä tiedoksi jakson valvontasuunnitelman ({len(visits)} valvontakäyntiä)")
    if escalations:
        items.append(
            "todeta, että seuraamuksista, jotka maksavat tuottajalle rahaa tai asiakkaita, päätetään erikseen ("
            + ", ".join(f"{s.contract_id}: {s.step_name.lower()}" for s in escalations)
            + ")"
        )
    numbered = [items[0]] + [f"{i}) {text}" for i, text in enumerate(items[1:], start=2)]
    proposal = (
        f"{body.decides_verb}\n\n"
        + ",\n\n".join(numbered[:-1])
        + (" ja\n\n" if len(numbered) > 1 else "")
        + numbered[-1]
        + "."
    )
    attachments = [
        AttachmentRef(number=1, title="Mittarit sopimuksittain, yksiköittäin ja kuukausittain (CSV)",
                      filename=f"steering-{period.lower()}-kpis.csv"),
        AttachmentRef(number=2, title="Poikkeamat, seuraamusportaat, laskujen täsmäytys ja valvontasuunnitelma (JSON)",
                      filename=f"steering-{period.lower()}-report.json"),
        *(
            AttachmentRef(number=3 + i, title=f"Ohjausraportti: {s.producer} ({s.contract_id})", filename=None)
            for i, s in enumerate(s for s in analysis.ladder if s.contract_id in {k.contract_id for k in analysis.kpis})
        ),
    ]  # fmt: skip
    agenda = AgendaContent(
        **agenda_fields(handling),
        meeting_date=meeting,
        title=f"Tuotannon ohjaus-, seuranta- ja valvontaraportti, {label}",
        grounds=grounds,
        proposal=proposal,
        attachments=attachments,
    )
    last_visits = dict(basis.previous_visits)
    for v in visits:
        last_visits[v.unit_id] = analysis.period_end
    summary = "\n".join(
        [
            f"**{agenda.title}** — {analysis.region_name}, {body.name} {fi_date(meeting)}",
            "",
            *returned_summary(handling),
            "",
            "| sopimus | tuottaja | porras | liike | poikkeavat mittarit |",
            "|---|---|---|---|---|",
            *[
                f"| {s.contract_id} | {s.producer} | {s.previous_step} → {s.step} {s.step_name} | "
                f"{MOVEMENT_FI[s.movement]} | {', '.join(kpi_fi(k) for k in s.kpis) or '–'} |"
                for s in analysis.ladder
            ],
            "",
            f"Ylilaskutus {_euro(over)}; valvontakäynnit: {', '.join(v.unit_id for v in visits) or '–'}.",
        ]
    )
    return ReportProposal(
        region_code=analysis.region_code,
        region_name=analysis.region_name,
        cycle=analysis.cycle,
        period=period,
        agenda=agenda,
        ladder=analysis.ladder,
        visits=analysis.visits,
        trend=analysis.trend,
        over_billed_eur=over,
        last_visits=dict(sorted(last_visits.items())),
        contracts=SourceRef.of(basis.contracts_ref),
        previous_report=SourceRef.of(basis.previous_ref) if basis.previous_ref else None,
        summary_markdown=summary,
    )


def build_escalation_proposal(
    analysis: MonitoringAnalysis, step: LadderStep, handling: CaseHandling
) -> EscalationProposal:
    """The agenda item of one escalation: a contractual sanction, a suspension of new referrals or
    a termination, with the deviations it rests on."""
    label = period_label(analysis.period)
    body = handling.governance.body
    meeting = proposed_meeting(handling, report_meeting(analysis.period))
    deviations = [d for d in analysis.deviations if d.contract_id == step.contract_id]
    history = [t for t in analysis.trend if t.contract_id == step.contract_id]
    what = step.step_name.lower()
    grounds = [
        TextSection(
            heading="Asian tausta",
            paragraphs=[
                f"{step.producer} tuottaa sopimuksen {step.contract_id} mukaisesti palvelua {step.service_name}. "
                "Sopimukseen kirjattu seuraamusten porrastus etenee huomautuksesta korjausvaatimukseen, "
                "sopimussakkoon, uusien asiakasohjausten keskeyttämiseen ja sopimuksen purkuun.",
                f"Seurantajaksolla {label} todettiin seuraavat poikkeamat: "
                + "; ".join(f"{d.description} ({d.severity.label_fi})" for d in deviations)
                + ".",
                "Porras jaksoittain: "
                + ", ".join(f"{period_label(t.period)} porras {t.step} ({t.deviations} poikkeamaa)" for t in history)
                + ".",
                step.reason,
                _data_sentence(analysis),
            ],
        ),
        TextSection(
            heading="Seuraamus",
            paragraphs=[
                f"Sopimuksen porras {step.step}: {step.step_name}"
                + (f", {_euro(step.amount_eur)}" if step.amount_eur else "")
                + ". Seuraamus maksaa tuottajalle rahaa tai asiakkaita, joten siitä päätetään erikseen. "
                f"Tuottajaa on kuultava ennen päätöstä; korjauksen määräaika on {fi_date(step.deadline)}."
                if step.deadline
                else ""
            ],
        ),
    ]
    grounds += returned_section(handling, "Asia on valmisteltu uudelleen kommenttien pohjalta.")
    amount = f" {_euro(step.amount_eur)}" if step.amount_eur else ""
    proposal = (
        f"{body.decides_verb}\n\n"
        f"1) määrätä sopimuksen {step.contract_id} mukaisen seuraamuksen ({what}{amount}) tuottajalle {step.producer} "
        f"seurantajakson {label} poikkeamien perusteella ja\n\n"
        f"2) velvoittaa tuottajan korjaamaan poikkeamat {fi_date(step.deadline) if step.deadline else ''} mennessä."
    )
    agenda = AgendaContent(
        **agenda_fields(handling),
        meeting_date=meeting,
        title=f"{step.step_name}: {step.producer} ({step.contract_id}), {label}",
        grounds=[g for g in grounds if any(g.paragraphs)],
        proposal=proposal,
        attachments=[
            AttachmentRef(number=1, title="Sopimuksen poikkeamat ja porras (JSON)",
                          filename=f"{step.contract_id.lower()}-escalation.json")
        ],
    )  # fmt: skip
    summary = "\n".join(
        [
            f"**{agenda.title}** — {analysis.region_name}, {body.name} {fi_date(meeting)}",
            "",
            *returned_summary(handling),
            "",
            f"Porras {step.previous_step} → {step.step}: {step.step_name}{amount}. {step.reason}",
        ]
    )
    return EscalationProposal(
        region_code=analysis.region_code,
        region_name=analysis.region_name,
        cycle=analysis.cycle,
        period=analysis.period,
        agenda=agenda,
        step=step,
        summary_markdown=summary,
    )
