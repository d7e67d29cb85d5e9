"""Stage 3 co-development: the agenda item and document *Yhteenveto sidosryhmien lausunnoista*.

The agenda item is built from the synthesis' numbers (:mod:`tasks.chains.feedback`), the figures
are SVG bar charts, and the document is rendered from the stored stage-3 proposal version (its
number and hash in the footer) with the synthesis embedded as a PDF/A-3 attachment. Stage 3's
case stores the agenda in its proposal and renders :func:`feedback_documents` beside its decision.
"""

from __future__ import annotations

import datetime as dt

from schemas.documents import (
    AgendaContent,
    AttachmentRef,
    PdfAttachment,
    TextSection,
)
from schemas.feedback import OTHER_THEME_ID, FeedbackFigures, FeedbackSynthesis, ThemeSummary
from schemas.results import VersionRef
from schemas.stages import Stage
from soteflow.charts.bars import bar_chart_svg
from soteflow.documents import DocumentSpec
from soteflow.documents.formatting import fi_date
from soteflow.store.canonical import canonical_json
from tasks.agenda import (
    AttachmentPart,
    agenda_document,
    agenda_fields,
    attachment_documents,
    preparing_handling,
    returned_section,
)
from tasks.definition import CaseHandling

TEMPLATE = "s3_feedback.html"
#: Document key stem: the round stores ``chains-feedback-pdf`` and ``chains-feedback-html``.
DOCUMENT_KEY = "chains-feedback"
#: File name of the synthesis inside the PDF (the round's artefact key ``chains-feedback-synthesis``).
SYNTHESIS_FILENAME = "chains-feedback-synthesis.json"
#: bar_chart_svg tells series apart by six fill styles; a chart with more series would repeat one.
MAX_SERIES_PER_CHART = 6
#: The item's attachments (liitteet), each its own document (:func:`feedback_documents`).
ATTACHMENTS = {1: "Kommentit teemoittain, ehdotukset ja lainaukset", 2: "Menetelmä ja teemoittelun perusteet"}
ATTACHMENT_TEMPLATE = "s3_feedback_attachment.html"


def feedback_title(cycle: int) -> str:
    """The document's and the agenda item's title."""
    return f"Yhteenveto sidosryhmien lausunnoista {cycle}"


def _comments(n: int) -> str:
    return f"{n} {'kommentti' if n == 1 else 'kommenttia'}"


def _quote(text: str, limit: int = 160) -> str:
    """A proposal as quoted in the item: verbatim, cut at a word boundary if long."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 2].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:–-") + " …"


def theme_narrative(theme: ThemeSummary, shown: int) -> list[str]:
    """A theme's narrative in two paragraphs: the comments and the proposals (verbatim, the first
    ``shown``); then the disagreements and the region's response as the preparer wrote them, or
    that they are not recorded or missing."""
    groups = len(theme.groups)
    first = f"{_comments(theme.comments)} {groups} sidosryhmältä."
    if theme.proposals:
        quoted = "; ".join(f"”{_quote(pr.text)}” ({pr.group})" for pr in theme.proposals[:shown])
        first += f" Ehdotuksia esitettiin {theme.proposal_comments} kommentissa" + (
            f", esimerkiksi {quoted}." if quoted else "."
        )
    else:
        first += " Kommenteissa ei esitetty ehdotuksia."
    second = f"Erimielisyydet: {theme.disagreements}" if theme.disagreements else "Erimielisyyksiä ei ole kirjattu."
    if theme.response:
        second += f" Alueen vastine: {theme.response}"
    else:
        second += " Alueen vastine puuttuu: valmistelija ei ole kirjoittanut vastinetta tähän teemaan."
    return [first, second]


def build_feedback_agenda(synthesis: FeedbackSynthesis, handling: CaseHandling, meeting_date: dt.date) -> AgendaContent:
    """The agenda item *Yhteenveto sidosryhmien lausunnoista*: the material, the preparer's review, and
    per theme the proposals, the disagreements and the region's response.

    Comment counts are the material, not findings: the findings are the proposals and the
    responses. It is handled with stage 3's case: a returned proposal's comments are quoted under
    *Aiempi käsittely* and answered in the grounds.
    """
    cycle = handling.cycle
    region = handling.governance.region_name
    s = synthesis
    source = " (esimerkkiaineisto, ei alueen todellisia lausuntoja)" if s.example_data else ""
    background = [
        "Hyvinvointialueen asukkailla ja palvelujen käyttäjillä on oikeus osallistua ja vaikuttaa "
        "hyvinvointialueen toimintaan (hyvinvointialuelaki 611/2021, 29 §). Osallistumista edistetään muun "
        "muassa kuulemistilaisuuksilla ja asukasraadeilla, suunnittelemalla ja kehittämällä palveluja yhdessä "
        "palvelujen käyttäjien kanssa sekä kuulemalla nuorisovaltuustoa, vanhusneuvostoa ja vammaisneuvostoa.",
        f"{region} kuuli sidosryhmiä palvelujen järjestämisprosessin kolmannessa vaiheessa (priorisointi, "
        "palvelukokonaisuudet ja -ketjut). Tämä yhteenveto kokoaa kuulemisten ehdotukset ja erimielisyydet "
        "teemoittain sekä alueen vastineen kuhunkin teemaan.",
    ]
    material = [
        f"Aineistona on {_comments(s.comments)} {s.groups} sidosryhmältä {s.sessions} tilaisuudesta ajalta "
        f"{fi_date(s.first_date)}–{fi_date(s.last_date)}{source}.",
    ]
    if s.excluded:
        ids = ", ".join(f"{e.comment_id} ({fi_date(e.date)})" for e in s.excluded)
        material.append(
            f"Kierroksen kuulemisjakso alkoi {fi_date(s.window_start)}. Sitä vanhemmat kommentit kuuluvat aiemman "
            f"kierroksen kuulemiseen, ja ne jätettiin pois: {ids}."
        )
    reviewed = s.confirmed + s.corrected
    if reviewed:
        material.append(
            "Kommentit liitettiin teemoihin avainsanasäännöillä, ja valmistelija tarkisti teemat: "
            f"{_comments(reviewed)} tarkistettiin, joista {s.corrected} korjattiin ja {s.confirmed} "
            f"vahvistettiin; {_comments(s.comments - reviewed)} on automaattisen luokittelun varassa."
        )
    else:
        material.append("Kommentit liitettiin teemoihin avainsanasäännöillä; valmistelija ei ole tarkistanut teemoja.")
    material.append(
        "Kommentit teemoittain, kaikki ehdotukset ja edustavat lainaukset ovat liitteessä 1; menetelmä, "
        "kunkin kommentin teemat perusteineen ja valmistelijan korjaukset ovat liitteessä 2."
    )
    grounds = [
        TextSection(heading="Asian tausta", paragraphs=background),
        TextSection(heading="Aineisto ja menetelmä", paragraphs=material),
    ]
    shown = s.taxonomy.options.proposals_in_item
    grounds += [
        TextSection(heading=f"Teema: {t.name}", paragraphs=theme_narrative(t, shown)) for t in s.themes if t.comments
    ]
    grounds += returned_section(
        handling,
        "Yhteenveto on valmisteltu uudelleen kommenttien pohjalta.",
    )
    body = handling.governance.body
    proposal = (
        f"{body.decides_verb} merkitä tiedoksi yhteenvedon sidosryhmien lausunnoista ({_comments(s.comments)} "
        f"{s.groups} sidosryhmältä {s.sessions} tilaisuudesta) ja hyväksyä, miten palaute otetaan huomioon "
        f"suunnittelukierroksen {cycle} palvelukokonaisuuksien, palveluketjujen ja tuotantotapojen valmistelussa "
        "perusteluissa teemoittain esitettyjen vastineiden mukaisesti."
    )
    return AgendaContent(
        **agenda_fields(handling),
        meeting_date=meeting_date,
        title=feedback_title(cycle),
        grounds=grounds,
        proposal=proposal,
        prepared_by=preparing_handling(handling, meeting_date=meeting_date, proposal=proposal),
        attachments=[AttachmentRef(number=n, title=title) for n, title in ATTACHMENTS.items()],
    )


def feedback_figures(synthesis: FeedbackSynthesis) -> FeedbackFigures:
    """The figures: comments by theme, and comments by stakeholder group and theme (grouped bars).

    The grouped chart has the stakeholder groups as categories and one series per theme; it is
    split into charts of at most six themes, as the bar charts tell six series apart.
    """
    counts = synthesis.counts
    names = {t.theme_id: t.name for t in synthesis.themes}
    theme_ids = counts.theme_ids
    totals = bar_chart_svg(
        [names[t] for t in theme_ids],
        {"Kommentteja": [counts.theme_totals[t] for t in theme_ids]},
        title="Kommentit teemoittain",
        unit="kommenttia",
        horizontal=True,
        decimals=0,
    )
    groups = [row.group for row in counts.rows]
    chunks = [theme_ids[i : i + MAX_SERIES_PER_CHART] for i in range(0, len(theme_ids), MAX_SERIES_PER_CHART)]
    by_group = [
        bar_chart_svg(
            groups,
            {names[t]: [row.by_theme[t] for row in counts.rows] for t in chunk},
            title="Kommentit sidosryhmittäin ja teemoittain" + (f" ({n + 1}/{len(chunks)})" if len(chunks) > 1 else ""),
            unit="kommenttia",
            decimals=0,
        )
        for n, chunk in enumerate(chunks)
    ]
    return FeedbackFigures(theme_totals_svg=totals, by_group_svgs=by_group)


def feedback_documents(
    agenda: AgendaContent,
    synthesis: FeedbackSynthesis,
    figures: FeedbackFigures,
    proposal_ref: VersionRef,
    *,
    proposal_data: PdfAttachment,
    region_code: str,
    region_name: str,
    cycle: int,
    created: dt.datetime,
) -> list[DocumentSpec]:
    """The item and its two attachments, rendered from the stored stage-3 proposal version.

    The item embeds the stage-3 proposal it is part of (``proposal_data``, whose hash its footer
    prints); liite 1 embeds the synthesis (``chains-feedback-synthesis.json``), liite 2 each
    comment's themes and their grounds. ``created`` is from the data, never the wall clock.
    """
    title = feedback_title(cycle)
    item = agenda_document(
        key=DOCUMENT_KEY,
        template=TEMPLATE,
        agenda=agenda,
        proposal=proposal_ref,
        document_id=f"{region_code.lower()}-{cycle}-{DOCUMENT_KEY}",
        region_code=region_code,
        region_name=region_name,
        cycle=cycle,
        subject=f"{agenda.body}: yhteenveto sidosryhmien lausunnoista, {Stage.CHAINS.title_fi.lower()}",
        keywords=["sidosryhmät", "lausunnot", "yhteiskehittäminen", "hyvinvointialue"],
        created=created,
        attachments=[proposal_data],
        context={},
        title=title,
    )
    context = {
        "synthesis": synthesis,
        "figures": figures,
        "theme_names": {t.theme_id: t.name for t in synthesis.themes},
        "other_theme_id": OTHER_THEME_ID,
    }
    parts = [
        AttachmentPart(
            number=1,
            part="comments",
            context=context,
            data=[
                PdfAttachment(
                    filename=SYNTHESIS_FILENAME,
                    content=canonical_json(synthesis),
                    description="Yhteenveto sidosryhmien lausunnoista (JSON)",
                )
            ],
        ),
        AttachmentPart(
            number=2,
            part="method",
            context=context,
            data=[
                PdfAttachment(
                    filename="chains-feedback-assignments.json",
                    content=canonical_json({"method": synthesis.method, "assignments": synthesis.assignments}),
                    description="Kommenttien teemat ja niiden perusteet (JSON)",
                )
            ],
        ),
    ]
    return [item, *attachment_documents(item, ATTACHMENT_TEMPLATE, parts)]
