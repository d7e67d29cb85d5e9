"""Stage 3's case: two agenda items decided together — *Palvelukokonaisuudet ja palveluketjut* and
*Yhteenveto sidosryhmien lausunnoista* — written from the numbers."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from schemas.chains import (
    CRITERIA,
    CRITERION_LABELS,
    ChainsAnalysis,
    ChainsProposal,
    PackagePriorities,
    ServiceCatalogue,
    ServiceChains,
)
from schemas.documents import AgendaContent, AttachmentRef, TextSection
from schemas.feedback import FeedbackSynthesis
from schemas.results import SourceRef, VersionRef
from schemas.targets import CLIENT_GROUP_LABELS, TargetsBasis
from soteflow.numbers import fi_meur, fi_number
from tasks.agenda import (
    agenda_fields,
    genitive,
    next_monday,
    preparing_handling,
    proposed_meeting,
    returned_section,
    returned_summary,
)
from tasks.chains.feedback_agenda import build_feedback_agenda
from tasks.definition import CaseHandling

HELSINKI = ZoneInfo("Europe/Helsinki")
#: Preparation after the last stakeholder comment before the body can meet: about four weeks.
PREPARATION_DAYS = 28
#: A body's decision is minuted and becomes known to the preparers about two weeks after the
#: meeting; stage 3 builds on the approved stage-2 decision, so it is proposed no earlier.
AFTER_STAGE2_DAYS = 14
#: The item's attachments (liitteet) rendered as its own documents (tasks.chains.documents); the
#: feedback summary, a separate item of the same meeting, is the last attachment.
ATTACHMENTS = {1: "Menetelmä, pisteytys ja lähteet", 2: "Palveluketjut ja palvelukuvaukset"}


def basis_date(basis: TargetsBasis, synthesis: FeedbackSynthesis, cycle: int) -> dt.date:
    """The newest date the proposal rests on: the stage-2 approval or the last stakeholder comment."""
    dates = [d for d in (basis.approved_on, synthesis.last_date) if d is not None]
    return max(dates) if dates else dt.date(cycle - 1, 1, 1)


def default_meeting_date(basis: TargetsBasis, synthesis: FeedbackSynthesis, cycle: int) -> dt.date:
    """The first Monday at least two weeks after the stage-2 approval and at least
    :data:`PREPARATION_DAYS` after the last stakeholder comment."""
    candidates = [synthesis.last_date + dt.timedelta(days=PREPARATION_DAYS)]
    if basis.approved_on is not None:
        candidates.append(basis.approved_on + dt.timedelta(days=AFTER_STAGE2_DAYS))
    return next_monday(max(candidates))


def document_created(basis: TargetsBasis, synthesis: FeedbackSynthesis, cycle: int) -> dt.datetime:
    """Both documents' creation time: noon (Helsinki) of :func:`basis_date`."""
    return dt.datetime.combine(basis_date(basis, synthesis, cycle), dt.time(12, 0), tzinfo=HELSINKI)


# ---------------------------------------------------------------------------------------------
# The proposal.


def _score(value: float) -> str:
    return fi_number(value, 4)


def _date(day: dt.date) -> str:
    return f"{day.day}.{day.month}.{day.year}"


def _short(ref: VersionRef | SourceRef) -> str:
    return f"{ref.key} v{ref.version}, SHA-256 {ref.sha256[:12]}…"


def _value(value: float) -> str:
    """A target value as printed: whole numbers without decimals (5 000), others with one (93,0 → 93,0)."""
    return fi_number(value, 0 if float(value).is_integer() and abs(value) >= 100 else 1)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _target_text(target_id: str, basis: TargetsBasis) -> str:
    t = basis.impact.by_id(target_id)
    # "tavoite … vuonna …" rather than the direction as a verb: an indicator's name may be plural
    # ("työttömät työnhakijat"), and a verb after it would not agree.
    return (
        f"{t.target_id} {_lower_first(t.indicator)}: tavoite {_value(t.target_value)} {t.unit} vuonna {t.target_year}"
    )


def priority_paragraphs(priorities: PackagePriorities) -> list[str]:
    """The ranking and the sensitivity findings as sentences."""
    names = {r.package_id: r.name for r in priorities.rows}
    ranking = "; ".join(f"{r.rank}. {r.name} ({_score(r.score)})" for r in priorities.rows)
    out = [f"Painotetut pisteet ja järjestys: {ranking}."]
    s = priorities.sensitivity
    cases = len(s.scenarios)
    if s.top_stable:
        out.append(
            f"Herkkyystarkastelussa ({cases} tapausta) kärki {names[s.top_package]} pysyy samana kaikissa tapauksissa."
        )
    else:
        changed = "; ".join(f"{sc.label}: {names[sc.top_package]}" for sc in s.scenarios if sc.top_changed)
        out.append(
            f"Herkkyystarkastelussa ({cases} tapausta) kärki {names[s.top_package]} vaihtuu seuraavissa "
            f"tapauksissa: {changed}."
        )
    moving = [r for r in s.rank_ranges if r.best_rank != r.worst_rank]
    if moving:
        out.append(
            "Sijat vaihtelevat painojen mukaan: "
            + "; ".join(f"{names[r.package_id]} {r.best_rank}.–{r.worst_rank}." for r in moving)
        )
    else:
        out.append("Yhdenkään kokonaisuuden sija ei muutu herkkyystarkastelussa.")
    return out


def cost_paragraph(priorities: PackagePriorities) -> str:
    """How the cost criterion was computed and where the benchmark comes from (or that it was not)."""
    if not priorities.cost_criterion_used:
        return (
            "Kustannuskriteeriä ei käytetty, koska palvelukokonaisuuksien asiakasmääriä ja vertailukustannuksia "
            "asiakasta kohden ei annettu; muiden kriteerien painot on suhteutettu uudelleen."
        )
    sources = "; ".join(priorities.benchmark_sources)
    return (
        "Kustannuskriteeri vertaa kunkin palvelukokonaisuuden vuosikustannusta asiakasta kohden "
        f"vertailukustannukseen asiakasta kohden (vertailun lähde: {sources}). Kokonaisuus saa täydet pisteet, "
        "kun se ei maksa asiakasta kohden vertailua enempää."
    )


def chain_paragraph(chain_id: str, services: ServiceChains, basis: TargetsBasis) -> str:
    """One chain in a sentence: steps, cost, production-mode mix, targets."""
    chain = services.chain(chain_id)
    steps = " → ".join(s.name for s in chain.steps)
    mix = ", ".join(f"{m.mode.label_fi} {fi_number(100 * m.share, 1)} %" for m in chain.mode_mix)
    targets = "; ".join(_target_text(t.target_id, basis) for t in chain.targets)
    return (
        f"{chain.name} ({CLIENT_GROUP_LABELS[chain.client_group].lower()}): {len(chain.steps)} vaihetta "
        f"({steps}). Vuosikustannus {fi_meur(chain.annual_cost)}; tuotantotavat kustannuksista: {mix}. "
        f"Ketjun tavoitteet: {targets}."
    )


def build_chains_proposal(
    *,
    catalogue: ServiceCatalogue,
    analysis: ChainsAnalysis,
    synthesis: FeedbackSynthesis,
    basis: TargetsBasis,
    handling: CaseHandling,
) -> ChainsProposal:
    """The two agenda items decided together, built from the numbers."""
    cycle = handling.cycle
    planning = handling.planning  # cycle N prepares the budget year N + 1 (the region's configuration)
    region = handling.governance.region_name
    priorities, services = analysis.priorities, analysis.services
    steps = sum(len(p.steps) for p in catalogue.packages)
    weight_text = ", ".join(
        f"{CRITERION_LABELS[k].lower()} {fi_number(100 * priorities.weights[k], 0)} %" for k in CRITERIA
    )
    stage2_when = (
        f"{_lower_first(basis.approved_by or 'toimielin')} hyväksyi {_date(basis.approved_on)}"
        if basis.approved_on
        else "on hyväksytty"
    )
    grounds = [
        TextSection(
            heading="Asian tausta",
            paragraphs=[
                f"{region} vastaa alueensa sosiaali- ja terveydenhuollon järjestämisestä (laki sosiaali- ja "
                "terveydenhuollon järjestämisestä 612/2021). Palvelujen järjestämisprosessin kolmannessa vaiheessa "
                "palvelukokonaisuudet priorisoidaan tuloksellisuustavoitteiden perusteella, palveluketjuille ja "
                "niiden vaiheille asetetaan tavoitteet ja mittarit ja palvelut kuvataan rakenteisesti. "
                "Sidosryhmien näkemykset on koottu yhteiskehittämisen tilaisuuksista.",
                f"Vaihe perustuu tuloksellisuustavoitteisiin ja talouden kehykseen, jotka {stage2_when}.",
            ],
        ),
        TextSection(
            heading="Aineisto ja menetelmä",
            paragraphs=[
                f"Palveluluettelossa on {len(catalogue.packages)} palvelukokonaisuutta ja {steps} palvelua "
                f"palveluketjujen vaiheina{' (esimerkkiaineisto)' if catalogue.example_data else ''}. "
                "Kokonaisuudet on pisteytetty painotetuilla kriteereillä "
                f"({weight_text}), ja järjestyksen pysyvyys on tarkistettu herkkyystarkastelulla.",
                cost_paragraph(priorities),
                "Menetelmä, pisteytyksen taulukot ja lähteet ovat liitteessä 1, palveluketjut kustannuksineen, "
                "mittareineen ja palvelukuvauksineen liitteessä 2.",
            ],
        ),
        TextSection(heading="Mitä priorisointi ratkaisee", paragraphs=[priorities.decides]),
        TextSection(heading="Priorisoinnin tulos", paragraphs=priority_paragraphs(priorities)),
        TextSection(
            heading="Palveluketjut ja niiden tavoitteet",
            paragraphs=[chain_paragraph(pid, services, basis) for pid in priorities.order],
        ),
        TextSection(
            heading="Sidosryhmien palaute",
            paragraphs=[
                f"Sidosryhmiltä koottiin {synthesis.comments} kommenttia {synthesis.groups} sidosryhmältä "
                f"{synthesis.sessions} tilaisuudessa {_date(synthesis.first_date)}–{_date(synthesis.last_date)}"
                f"{' (esimerkkiaineisto)' if synthesis.example_data else ''}. Palautteen yhteenveto ja se, miten "
                "palaute otetaan huomioon, esitetään erillisessä asiakirjassa "
                f"”Yhteenveto sidosryhmien lausunnoista {cycle}”, joka käsitellään samassa kokouksessa (liite 3)."
            ],
        ),
    ]
    grounds += returned_section(
        handling,
        "Tämä ehdotus on valmisteltu uudelleen kommenttien pohjalta; kommentteihin vastataan tässä esityksessä ja sen liitteissä.",
    )
    body = handling.governance.body
    proposal = (
        f"{body.decides_verb} hyväksyä {genitive(region)} palvelukokonaisuuksien priorisoinnin sekä "
        f"palveluketjut tavoitteineen ja mittareineen vuoden {planning.budget_year} talousarvion ja "
        f"palvelujen järjestämissuunnitelman valmistelun pohjaksi ja merkitä tiedoksi palvelukuvaukset."
    )
    meeting = proposed_meeting(handling, default_meeting_date(basis, synthesis, cycle))
    agenda = AgendaContent(
        **agenda_fields(handling),
        meeting_date=meeting,
        title=f"Palvelukokonaisuudet ja palveluketjut {planning.budget_year}",
        grounds=grounds,
        proposal=proposal,
        prepared_by=preparing_handling(handling, meeting_date=meeting, proposal=proposal),
        attachments=[
            *(AttachmentRef(number=n, title=title) for n, title in ATTACHMENTS.items()),
            AttachmentRef(number=len(ATTACHMENTS) + 1, title=f"Yhteenveto sidosryhmien lausunnoista {cycle}"),
        ],
    )
    feedback_agenda = build_feedback_agenda(synthesis, handling, meeting)
    names = {r.package_id: r.name for r in priorities.rows}
    summary = "\n".join(
        [
            f"**{agenda.title}** — {region}, {body.name} {_date(meeting)}",
            "",
            *returned_summary(handling),
            "",
            "Priorisointi (pisteet 0–1):",
            "",
            *[f"{r.rank}. {r.name} — {_score(r.score)}" for r in priorities.rows],
            "",
            (
                f"Kärki {names[priorities.sensitivity.top_package]} pysyy herkkyystarkastelussa."
                if priorities.sensitivity.top_stable
                else f"Kärki {names[priorities.sensitivity.top_package]} vaihtuu osassa herkkyystarkastelun tapauksista."
            ),
            "",
            f"Sidosryhmäpalaute: {synthesis.comments} kommenttia, {synthesis.groups} sidosryhmää, "
            f"{synthesis.sessions} tilaisuutta (erillinen yhteenveto).",
            "",
            f"Ehdotus: {proposal}",
        ]
    )
    return ChainsProposal(
        region_code=basis.impact.region_code,
        region_name=region,
        cycle=cycle,
        agenda=agenda,
        feedback_agenda=feedback_agenda,
        priority_order=priorities.order,
        top_package=priorities.sensitivity.top_package,
        weights=dict(priorities.weights),
        top_stable=priorities.sensitivity.top_stable,
        stage2=[SourceRef.of(r) for r in (basis.proposal_ref, basis.impact_ref, basis.frame_ref)],
        summary_markdown=summary,
    )
