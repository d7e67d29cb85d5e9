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
from schemas.feedback import OTHER_THEME_ID, FeedbackFigures, FeedbackSynthesis
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
ATTACHMENTS = {1: "Kommentit teemoittain ja lainaukset", 2: "Menetelmä ja teemoittelun perusteet"}
ATTACHMENT_TEMPLATE = "s3_feedback_attachment.html"


def feedback_title(cycle: int) -> str:
    """The document's and the agenda item's title."""
    return f"Yhteenveto sidosryhmien lausunnoista {cycle}"


def _comments(n: int) -> str:
    return f"{n} {'kommentti' if n == 1 else 'kommenttia'}"


def build_feedback_agenda(synthesis: FeedbackSynthesis, handling: CaseHandling, meeting_date: dt.date) -> AgendaContent:
    """The agenda item *Yhteenveto sidosryhmien lausunnoista*: grounds from the counts, the proposal.

    It is handled with stage 3's case: a returned proposal's comments are quoted under *Aiempi
    käsittely* and answered in the grounds.
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
        "palvelukokonaisuudet ja -ketjut). Tämä yhteenveto kokoaa kuulemisten palautteen samalla tavalla kuin "
        "alueen aiemmat lausuntoyhteenvedot: kommentit sidosryhmittäin ja teemoittain, edustavat lainaukset, "
        "sidosryhmät ja tilaisuudet sekä se, miten palaute otetaan huomioon.",
    ]
    material = [
        f"Aineistona on {_comments(s.comments)} {s.groups} sidosryhmältä {s.sessions} tilaisuudesta ajalta "
        f"{fi_date(s.first_date)}–{fi_date(s.last_date)}{source}.",
        "Kommentit, niiden määrät sidosryhmittäin ja teemoittain sekä edustavat lainaukset ovat liitteessä 1; "
        "menetelmä ja kunkin kommentin teemoittelun perusteet ovat liitteessä 2.",
    ]
    if s.example_data:
        material.insert(
            1,
            "Huom. Aineisto on esimerkkiaineistoa: kommentit on laadittu järjestelmän esittelyä varten, eivätkä "
            "ne ole alueen sidosryhmien todellisia lausuntoja.",
        )
    taken_into_account = [
        f"{t.name} ({_comments(t.comments)}, {len(t.groups)} {'sidosryhmä' if len(t.groups) == 1 else 'sidosryhmää'}): {t.huomioiminen}"
        for t in s.themes
        if t.comments and t.huomioiminen
    ]
    grounds = [
        TextSection(heading="Asian tausta", paragraphs=background),
        TextSection(heading="Aineisto ja menetelmä", paragraphs=material),
        TextSection(heading="Keskeiset havainnot", paragraphs=list(s.findings)),
        TextSection(heading="Palautteen huomioiminen", paragraphs=taken_into_account),
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
        "perusteluissa kohdassa Palautteen huomioiminen esitetyllä tavalla."
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
