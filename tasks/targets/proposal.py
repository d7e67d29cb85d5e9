"""Stage 2's case: the agenda item *Tuloksellisuustavoitteet ja talouden kehys* for the regional council."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from schemas.documents import AgendaContent, AttachmentRef, TextSection
from schemas.needs import NeedsBasis
from schemas.results import SourceRef, VersionRef
from schemas.targets import CoveragePlan, FrameAllocation, TargetsAssessment, TargetsProposal
from soteflow.documents.formatting import fi_date
from soteflow.numbers import fi_meur
from tasks.agenda import (
    agenda_fields,
    check_meeting_date,
    genitive,
    next_monday,
    preparing_handling,
    proposed_meeting,
    returned_section,
    returned_summary,
)
from tasks.definition import CaseHandling
from tasks.targets.analysis import METHOD_NAMES

HELSINKI = ZoneInfo("Europe/Helsinki")
#: Preparation after the stage-1 approval before the council can meet: about four weeks.
PREPARATION_DAYS = 28
#: The item's attachments (liitteet), each its own document (tasks.targets.documents).
ATTACHMENTS = {
    1: "Menetelmä ja lähteet",
    2: "Vaikuttavuustavoitteet asiakasryhmittäin",
    3: "Talouden tilanne, kehysennuste ja kehyksen jako",
}


def default_meeting_date(basis: NeedsBasis) -> dt.date:
    """The proposed council meeting, derived from the data: the first Monday at least
    :data:`PREPARATION_DAYS` after stage 1 was approved."""
    return next_monday(basis.decision_date + dt.timedelta(days=PREPARATION_DAYS))


def check_first_meeting(given: dt.date | None, basis: NeedsBasis, frame_year: int) -> None:
    """The first proposal's meeting (the user's date, else the one derived from stage 1's approval)
    against the frame year, before anything is stored (:func:`check_meeting_date`)."""
    if given is not None:
        check_meeting_date(given, frame_year, how="the meeting date")
    else:
        check_meeting_date(
            default_meeting_date(basis),
            frame_year,
            how=f"the proposed meeting date (the first Monday {PREPARATION_DAYS} days after stage 1 was approved "
            f"on {basis.decision_date.isoformat()})",
        )


def document_created(basis: NeedsBasis) -> dt.datetime:
    """The document's creation time, from the data (the stage-1 approval it rests on), never the clock."""
    day = basis.decision_date
    return dt.datetime(day.year, day.month, day.day, tzinfo=HELSINKI)


def ref_text(ref: VersionRef) -> str:
    return f"{ref.key} v{ref.version}, SHA-256 {ref.sha256[:12]}…"


#: The risk of the evaluation procedure when a deficit is left uncovered (checked against the act's text).
EVALUATION_RISK = (
    "Jos alijäämää ei kateta määräajassa, valtiovarainministeriö voi käynnistää hyvinvointialueen "
    "arviointimenettelyn (hyvinvointialuelaki 611/2021, 122 § ja 123 § 1 mom. 1 kohta)."
)
#: The state funding is corrected afterwards to the regions' actual costs (617/2021 10 §, as enacted).
FUNDING_CORRECTION_RISK = (
    "Valtion rahoitusta tarkistetaan jälkikäteen hyvinvointialueiden toteutuneiden kustannusten mukaan "
    "kahden vuoden viiveellä (laki hyvinvointialueiden rahoituksesta 617/2021, 10 §); kehysennusteen "
    "rahoitusluvut eivät sisällä tätä tarkistusta. Jos alueiden kustannukset kasvavat laskennallisia "
    "hitaammin, rahoitus pienenee ja sopeutuksen vaikutus tulokseen jää ennustettua pienemmäksi (liite 1)."
)
#: The same risk in full, for the method attachment (tasks.targets.documents).
FUNDING_CORRECTION_DETAIL = (
    "Valtion rahoituksen tasoa tarkistetaan jälkikäteen: varainhoitovuoden rahoituksessa otetaan huomioon "
    "hyvinvointialueiden toteutuneet kustannukset varainhoitovuotta edeltävää vuotta edeltäneeltä vuodelta, "
    "ja laskennallisten ja toteutuneiden kustannusten erotus lisätään rahoitukseen tai vähennetään siitä "
    "(laki hyvinvointialueiden rahoituksesta 617/2021, 10 §). Kehysennusteen rahoitusluvut eivät sisällä "
    "tätä tarkistusta. Jos hyvinvointialueiden kustannukset kasvavat yhteensä laskennallisia hitaammin, "
    "esimerkiksi kun alueet sopeuttavat menojaan, rahoitus pienenee kahden vuoden viiveellä ja sopeutuksen "
    "vaikutus tulokseen jää ennustettua pienemmäksi."
)


def adjustment_text(plan: CoveragePlan) -> str:
    """The adjustment still to be specified and the budgets it falls in: "9,5 milj. € vuonna 2027",
    "4,7 milj. € vuodessa vuosina 2027–2028" (the years from the frame year to the deadline)."""
    spread = plan.adjustment_years or plan.years_to_deadline
    first = plan.deadline_year - spread + 1
    if spread == 1:
        return f"{fi_meur(plan.unspecified_per_year_eur)} vuonna {first}"
    return f"{fi_meur(plan.unspecified_per_year_eur)} vuodessa vuosina {first}–{plan.deadline_year}"


def _allocation_clause(frame: FrameAllocation) -> str:
    """The phase-in and the rows kept apart, as the proposal names them: " (siirtymä tarveperusteiseen
    jakoon vuosina 2027–2029; pelastustoimi ja yhteiset kustannukset omina riveinään)"."""
    parts = []
    if frame.phase_in is not None and frame.phase_in.years > 1:
        parts.append(f"siirtymä tarveperusteiseen jakoon vuosina {frame.phase_in.plan_span}")
    if frame.own_rows:
        names = [r.row.label_fi.lower() for r in frame.own_rows]
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " ja " + names[-1]
        parts.append(f"{listed} {'omina riveinään' if len(names) > 1 else 'omana rivinään'}")
    return f" ({'; '.join(parts)})" if parts else ""


def _plan_clause(frame: FrameAllocation) -> str:
    plan = frame.coverage
    if plan is None or plan.gap_eur == 0 or frame.frame_eur > plan.required_frame_eur:
        return ""
    clause = f"; kehys on mitoitettu kattamaan kertynyt alijäämä vuoden {plan.deadline_year} loppuun mennessä"
    if plan.measures:
        clause += f" liitteessä 3 nimetyin toimenpitein ({fi_meur(plan.measures_to_deadline_eur)})"
    if plan.unspecified_per_year_eur:
        clause += (
            " ja" if plan.measures else ""
        ) + f" sopeutuksella {adjustment_text(plan)}, joka kohdennetaan talousarviossa"
    return clause


def coverage_paragraphs(assessment: TargetsAssessment) -> list[str]:
    """*Alijäämän kattamisvelvollisuus ja kehys* in the item: the duty, the frame that meets it in one
    paragraph, and the risks. The derivation (each measure, the adjustment per year, the frame's
    arithmetic) is in the finance attachment (:func:`coverage_detail`), so the item stays short."""
    forecast, frame = assessment.forecast, assessment.frame
    rule, base = forecast.coverage_rule, forecast.base_year
    out = [
        f"Taseeseen {base} lopussa kertynyt alijäämä ({fi_meur(forecast.opening_accumulated_eur)}) on katettava "
        f"viimeistään vuoden {base + rule.period_years} loppuun mennessä (liite 1).",
    ]
    plan = frame.coverage
    if plan is None:
        return [*out, FUNDING_CORRECTION_RISK]
    if plan.gap_eur == 0:
        out.append(
            f"Kehysskenaario ({plan.scenario.lower()}) kattaa alijäämän määräajassa; kehys {frame.frame_year} on "
            f"{fi_meur(plan.required_frame_eur)} (laskelma liitteessä 3)."
        )
    else:
        derived = "Kehys on johdettu kattamisvelvollisuudesta. " if frame.frame_eur == plan.required_frame_eur else ""
        means = []
        if plan.measures:
            means.append(f"nimetyillä toimenpiteillä ({fi_meur(plan.measures_to_deadline_eur)})")
        if not plan.closed_by_measures:
            means.append(f"sopeutuksella {adjustment_text(plan)}, joka täsmennetään talousarviossa")
        out.append(
            f"{derived}Kehysskenaario ({plan.scenario.lower()}) jättää vuoden {plan.deadline_year} loppuun "
            f"{fi_meur(plan.gap_eur)} kattamatonta alijäämää, joka katetaan {' ja '.join(means)}. Kattamisvelvollisuuden "
            f"edellyttämä kehys {frame.frame_year} on {fi_meur(plan.required_frame_eur)}; toimenpiteet ja laskelma "
            "ovat liitteessä 3."
        )
    if frame.frame_eur > plan.required_frame_eur:
        out.append(
            f"Annettu kehys {fi_meur(frame.frame_eur)} ylittää kattamisvelvollisuuden edellyttämän kehyksen "
            f"{fi_meur(plan.required_frame_eur)}; ylitys on {fi_meur(frame.frame_eur - plan.required_frame_eur)}."
        )
    if plan.gap_eur > 0 or frame.frame_eur > plan.required_frame_eur:
        out.append(EVALUATION_RISK)
    out.append(FUNDING_CORRECTION_RISK)
    return out


def coverage_detail(assessment: TargetsAssessment) -> list[str]:
    """How the frame meets the coverage duty in full, for the finance attachment: the gap, each
    measure, the adjustment still to be specified, and the frame's arithmetic."""
    forecast, frame = assessment.forecast, assessment.frame
    base = forecast.base_year
    # The dated rule is in the method attachment, each scenario's check in the coverage table
    # beside this text; the item states the duty, the frame and the risks.
    out: list[str] = []
    plan = frame.coverage
    if plan is None:
        return out
    if plan.gap_eur == 0:
        out.append(
            f"Kehysskenaario ({plan.scenario.lower()}) kattaa alijäämän määräajassa; kehys {frame.frame_year} on "
            f"skenaarion toimintakulut {fi_meur(plan.scenario_costs_eur)}"
            + (" vähennettynä nimettyjen toimenpiteiden vaikutuksella." if plan.measures else ".")
        )
    else:
        years = f"vuosina {base + 1}–{plan.deadline_year}"
        derived = "Kehys on johdettu kattamisvelvollisuudesta. " if frame.frame_eur == plan.required_frame_eur else ""
        text = (
            f"{derived}Kehysskenaario ({plan.scenario.lower()}) jättää vuoden "
            f"{plan.deadline_year} loppuun {fi_meur(plan.gap_eur)} kattamatonta alijäämää."
        )
        if plan.measures:
            named = "; ".join(f"{m.name} {fi_meur(m.to_deadline_eur)}" for m in plan.measures)
            text += (
                f" Sen kattamiseksi esitetään skenaarion säästöjen lisäksi seuraavat toimenpiteet {years}: {named}; "
                f"yhteensä {fi_meur(plan.measures_to_deadline_eur)}."
            )
        if plan.closed_by_measures:
            text += " Toimenpiteet kattavat vajeen."
        else:
            rest = plan.unspecified_per_year_eur * (plan.adjustment_years or plan.years_to_deadline)
            text += (
                f" Vajeesta jää {'toimenpiteiden jälkeen ' if plan.measures else ''}katettavaksi {fi_meur(rest)}, "
                f"eli {adjustment_text(plan)}; tämä sopeutus on täsmennettävä toimenpiteiksi talousarviossa, "
                "koska kuluvan vuoden talousarvio on jo hyväksytty."
            )
        measures_now = sum(m.frame_year_eur for m in plan.measures)
        text += (
            f" Kattamisvelvollisuuden edellyttämä kehys {frame.frame_year} on kehysskenaarion toimintakulut "
            f"{fi_meur(plan.scenario_costs_eur)}, "
            f"vähennettynä toimenpiteiden vaikutuksella {fi_meur(measures_now)} ja täsmentämättömällä "
            f"sopeutuksella {fi_meur(plan.unspecified_per_year_eur)}, eli {fi_meur(plan.required_frame_eur)}."
        )
        out.append(text)
    return out


def build_targets_proposal(assessment: TargetsAssessment, basis: NeedsBasis, handling: CaseHandling) -> TargetsProposal:
    """The agenda item *Tuloksellisuustavoitteet ja talouden kehys*: grounds, proposal, appeal."""
    cycle, planning = handling.cycle, handling.planning
    region = assessment.region_name
    forecast, frame, impact = assessment.forecast, assessment.frame, assessment.impact
    # The frame year is the budget year the cycle prepares (checked when the inputs are read).
    budget = f"talousarvion {frame.frame_year} ja taloussuunnitelman {planning.plan_span}"
    needs_proposal = basis.refs["needs-proposal"]
    base = forecast.base_year
    last_year = forecast.scenarios[0].years[-1].year
    names = [s.name.lower() for s in forecast.scenarios]
    scenario_names = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " ja " + names[-1]
    grounds = [
        TextSection(
            heading="Asian tausta",
            paragraphs=[
                f"{region} vastaa alueensa sosiaali- ja terveydenhuollon järjestämisestä (laki sosiaali- ja "
                "terveydenhuollon järjestämisestä 612/2021). Palvelujen järjestämisprosessin toinen vaihe on "
                "tuloksellisuustavoitteiden asettaminen: asiakasryhmien vaikuttavuustavoitteet sekä talouden "
                "reunaehdot, joiden rajoissa palvelut priorisoidaan ja tuotantotavat valitaan.",
                f"Tavoitteet perustuvat palvelutarvearvioon, jonka {basis.decision_body.lower()} hyväksyi "
                f"{fi_date(basis.decision_date)}. Aluevaltuusto päättää hyvinvointialueen toiminnan ja talouden "
                "keskeisistä tavoitteista sekä talousarviosta ja -suunnitelmasta (hyvinvointialuelaki 611/2021, "
                "22 § ja 115 §).",
                f"Tavoitteet ja kehys ovat {budget} valmistelun pohja. Aluevaltuusto hyväksyy talousarvion "
                f"vuodelle {frame.frame_year} vuoden {frame.frame_year - 1} loppuun mennessä ja sen yhteydessä "
                "taloussuunnitelman vähintään kolmeksi vuodeksi; talousarviovuosi on taloussuunnitelman "
                "ensimmäinen vuosi (hyvinvointialuelaki 611/2021, 115 § 1 mom.).",
            ],
        ),
        TextSection(
            heading="Aineisto ja menetelmä",
            paragraphs=[
                f"Talouden luvut ovat toteuma vuosilta {forecast.actual[0].year}–{base} ja ennuste vuosille "
                f"{base + 1}–{last_year} kolmena skenaariona ({scenario_names}). {forecast.data_label} "
                "Menetelmä ja lähteet ovat liitteessä 1, vaikuttavuustavoitteet liitteessä 2 ja talouden luvut "
                "taulukoina ja kuvioina liitteessä 3.",
            ],
        ),
        TextSection(heading="Keskeiset havainnot", paragraphs=list(assessment.findings)),
        TextSection(heading="Alijäämän kattamisvelvollisuus ja kehys", paragraphs=coverage_paragraphs(assessment)),
    ]
    grounds += returned_section(
        handling,
        "Tavoitteet, talouden kehys ja kehysennuste on valmisteltu uudelleen kommenttien pohjalta ajantasaisilla tiedoilla; kommentteihin vastataan tässä esityksessä ja sen liitteissä.",
    )
    body = handling.governance.body
    proposal = (
        f"{body.decides_verb} hyväksyä {genitive(region)} tuloksellisuustavoitteet ja talouden kehyksen "
        f"{budget} valmistelun pohjaksi: asiakasryhmien {len(impact.targets)} vaikuttavuustavoitetta sekä "
        f"toimintakulujen kehyksen {frame.frame_year} ({fi_meur(frame.frame_eur)}) jaettuna asiakasryhmille "
        f"{METHOD_NAMES[frame.method]}{_allocation_clause(frame)}{_plan_clause(frame)}, ja merkitä tiedoksi "
        "talouden tilanteen, "
        f"kehysennusteen vuosille {base + 1}–{last_year} skenaarioineen sekä perusteluissa esitetyt riskit: "
        "arviointimenettely, jos alijäämää ei kateta määräajassa, ja valtion rahoituksen jälkikäteinen tarkistus."
    )
    meeting = proposed_meeting(handling, default_meeting_date(basis))
    # After returns the meeting moves on: the frame must still be decided before its year begins.
    check_meeting_date(
        meeting,
        frame.frame_year,
        how="the meeting date" if isinstance(handling.meeting_date, dt.date) else "the proposed meeting date",
    )
    agenda = AgendaContent(
        **agenda_fields(handling),
        meeting_date=meeting,
        title=f"Tuloksellisuustavoitteet ja talouden kehys {frame.frame_year}",
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
            f"Kehys {frame.frame_year}: {fi_meur(frame.frame_eur)}, jako {METHOD_NAMES[frame.method]}. "
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
