"""The agenda item and document "Yhteenveto sidosryhmien lausunnoista": agenda item, figures, rendered PDF."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import uuid

import pytest
from pypdf import PdfReader

from schemas.decisions import EarlierDecision, Outcome
from schemas.documents import PdfAttachment
from schemas.feedback import FeedbackComment, FeedbackSynthesis, ThemeTaxonomy
from schemas.results import VersionRef
from soteflow.documents import DocumentSpec, RenderedDocument
from soteflow.store.canonical import canonical_json
from tasks.chains.feedback import synthesise_feedback
from tasks.chains.feedback_agenda import build_feedback_agenda, feedback_documents, feedback_figures, feedback_title
from tests.tasks.chains.factories import REGION_NAME, handling

SHA = "3f" * 32

TAXONOMY = ThemeTaxonomy.model_validate(
    {
        "options": {"max_themes": 2, "quotes_per_theme": 1, "other_huomioiminen": "Välitetään palvelulinjoille."},
        "themes": [
            {
                "id": "kustannukset",
                "name": "Kustannusten vertailtavuus",
                "lemmas": ["läpinäkyvyys"],
                "parts": ["kustannus", "vertailu"],
                "huomioiminen": "Vaiheen 4 vertailu tehdään täysin kustannuksin.",
            },
            {
                "id": "pientuottajat",
                "name": "Pienet tuottajat ja järjestöt",
                "parts": ["yrittäjä", "järjestö"],
                "huomioiminen": "Hankinnat jaetaan osiin vaiheessa 5.",
            },
        ],
        "groups": [{"name": "Järjestöt"}, {"name": "Yrittäjät"}, {"name": "Asiakkaat"}],
    }
)


def _comment(row: int, cid: str, day: dt.date, session: str, group: str, text: str) -> FeedbackComment:
    return FeedbackComment(row=row, comment_id=cid, date=day, session=session, group=group, text=text)


COMMENTS = [
    # C1: vertailu 1 + läpinäkyvyyttä 1 + kustannusten 1 = costs 3 (no weights in this taxonomy).
    _comment(
        2,
        "C1",
        dt.date(2025, 3, 12),
        "Järjestöfoorumi 12.3.2025",
        "Järjestöt",
        "Oman tuotannon ja ostopalvelujen vertailu vaatii läpinäkyvyyttä ja yhteiset periaatteet kustannusten "
        "laskemiseen.",
    ),
    # C2: Pienyrittäjien → part yrittäjä: small producers 1; kustannuksia: costs 1 → both (tie, taxonomy order).
    _comment(
        3,
        "C2",
        dt.date(2025, 4, 9),
        "Yrittäjätilaisuus 9.4.2025",
        "Yrittäjät",
        "Pienyrittäjien palveluseteleillä ei kateta kustannuksia.",
    ),
    # C3: järjestöjen: small producers 1.
    _comment(
        4,
        "C3",
        dt.date(2025, 3, 12),
        "Järjestöfoorumi 12.3.2025",
        "Järjestöt",
        "Järjestöjen vertaistuki täydentää palveluja.",
    ),
    # C4: nothing matches → muu.
    _comment(5, "C4", dt.date(2024, 10, 22), "Asukasraati 22.10.2024", "Asiakkaat", "Kiitos tilaisuudesta."),
]


@pytest.fixture(scope="module")
def synthesis() -> FeedbackSynthesis:
    return synthesise_feedback(COMMENTS, TAXONOMY, source_file="data/examples/HVA08/lausunnot.csv", cycle=2026)


def test_counts_of_the_document_example(synthesis: FeedbackSynthesis) -> None:
    # Costs: C1, C2 = 2; small producers: C2, C3 = 2; muu: C4 = 1; C2 counts twice (4 comments, 5 counts).
    assert synthesis.counts.theme_totals == {"kustannukset": 2, "pientuottajat": 2, "muu": 1}
    assert [(r.group, r.by_theme, r.comments) for r in synthesis.counts.rows] == [
        ("Järjestöt", {"kustannukset": 1, "pientuottajat": 1, "muu": 0}, 2),
        ("Yrittäjät", {"kustannukset": 1, "pientuottajat": 1, "muu": 0}, 1),
        ("Asiakkaat", {"kustannukset": 0, "pientuottajat": 0, "muu": 1}, 1),
    ]
    assert synthesis.example_data is True  # the file lies under data/examples


def test_agenda_item(synthesis: FeedbackSynthesis) -> None:
    agenda = build_feedback_agenda(synthesis, handling(), dt.date(2026, 3, 16))
    assert agenda.title == "Yhteenveto sidosryhmien lausunnoista 2026"
    assert (agenda.body, agenda.meeting_date) == ("Aluehallitus", dt.date(2026, 3, 16))
    assert agenda.dnro == "PIRHA/2026/00.01.00/3"
    assert agenda.earlier_handling == []
    assert agenda.proposal.startswith(
        "Aluehallitus päättää merkitä tiedoksi yhteenvedon sidosryhmien lausunnoista (4 kommenttia 3 sidosryhmältä "
        "3 tilaisuudesta) ja hyväksyä, miten palaute otetaan huomioon suunnittelukierroksen 2026"
    )
    sections = {g.heading: g.paragraphs for g in agenda.grounds}
    # One section per theme with comments: the narrative, never the keyword counts as findings.
    assert list(sections) == [
        "Asian tausta",
        "Aineisto ja menetelmä",
        "Teema: Kustannusten vertailtavuus",
        "Teema: Pienet tuottajat ja järjestöt",
        "Teema: Muu palaute",
    ]
    assert sections["Aineisto ja menetelmä"][0] == (
        "Aineistona on 4 kommenttia 3 sidosryhmältä 3 tilaisuudesta ajalta 22.10.2024–9.4.2025 "
        "(esimerkkiaineisto, ei alueen todellisia lausuntoja)."
    )
    assert "valmistelija ei ole tarkistanut teemoja" in sections["Aineisto ja menetelmä"][1]
    # No file names in the item text: the source file is named in the method attachment.
    assert "lausunnot.csv" not in agenda.model_dump_json()
    # No responses given: the narrative says the response is missing instead of writing one.
    for heading in ("Teema: Kustannusten vertailtavuus", "Teema: Pienet tuottajat ja järjestöt"):
        assert sections[heading][0].startswith("2 kommenttia 2 sidosryhmältä.")
        assert sections[heading][1] == (
            "Erimielisyyksiä ei ole kirjattu. Alueen vastine puuttuu: valmistelija ei ole kirjoittanut "
            "vastinetta tähän teemaan."
        )
    assert [(a.number, a.filename) for a in agenda.attachments] == [(1, None), (2, None)]
    assert agenda.appeal_instructions[0].heading == "Oikaisuvaatimusohje"


def test_returned_agenda_quotes_the_comments(synthesis: FeedbackSynthesis) -> None:
    earlier = (
        EarlierDecision(
            version=1,
            sha256="a" * 64,
            body="Aluehallitus",
            meeting_date=dt.date(2026, 3, 16),
            section="58",
            outcome=Outcome.RETURNED,
            comments="Erittele kuntien palaute.",
        ),
    )
    agenda = build_feedback_agenda(synthesis, handling(earlier), dt.date(2026, 3, 30))
    [handled] = agenda.earlier_handling
    assert (handled.date, handled.section) == (dt.date(2026, 3, 16), 58)
    assert "Erittele kuntien palaute." in handled.summary
    [returned] = [g for g in agenda.grounds if g.heading == "Palautuksen johdosta tehty valmistelu"]
    assert returned.paragraphs[0].startswith("Aluehallitus palautti asian uudelleen valmisteltavaksi 16.3.2026.")


def test_figures(synthesis: FeedbackSynthesis) -> None:
    figures = feedback_figures(synthesis)
    assert "<title" in figures.theme_totals_svg and "Kommentit teemoittain" in figures.theme_totals_svg
    # The chart's description lists the data: 2, 2 and 1 comments.
    assert (
        "Kommentteja (kommenttia): Kustannusten vertailtavuus: 2, Pienet tuottajat ja järjestöt: 2, Muu palaute: 1."
        in figures.theme_totals_svg
    )
    [by_group] = figures.by_group_svgs  # 3 themes: one chart
    assert "Kustannusten vertailtavuus (kommenttia): Järjestöt: 1, Yrittäjät: 1, Asiakkaat: 0." in by_group


def test_grouped_chart_is_split_beyond_six_themes() -> None:
    themes = [{"id": f"t{i}", "name": f"Teema {i}", "lemmas": [f"sana{i}"]} for i in range(1, 7)]
    taxonomy = ThemeTaxonomy.model_validate({"themes": themes, "groups": [{"name": "Kunnat"}]})
    result = synthesise_feedback(
        [_comment(2, "A", dt.date(2025, 1, 1), "S", "Kunnat", "Kiitos.")], taxonomy, source_file="x.csv", cycle=2026
    )
    # 6 themes + muu = 7 series: two charts of 6 and 1 (the bar charts tell six fill styles apart).
    figures = feedback_figures(result)
    assert len(figures.by_group_svgs) == 2
    assert "(1/2)" in figures.by_group_svgs[0] and "(2/2)" in figures.by_group_svgs[1]


@pytest.fixture(scope="module")
def specs(synthesis: FeedbackSynthesis) -> list[DocumentSpec]:
    agenda = build_feedback_agenda(synthesis, handling(), dt.date(2026, 3, 16))
    ref = VersionRef(
        version_id=uuid.UUID(int=7),
        key="chains-proposal",
        version=2,
        sha256=SHA,
        status="proposed",
        media_type="application/json",
    )
    item, *attachments = feedback_documents(
        agenda,
        synthesis,
        feedback_figures(synthesis),
        ref,
        proposal_data=PdfAttachment(filename="chains-proposal.json", content=b"{}", description="Päätösehdotus"),
        region_code="HVA08",
        region_name=REGION_NAME,
        cycle=2026,
        created=dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC),
    )
    return [item, *attachments]


@pytest.fixture(scope="module")
def spec(specs: list[DocumentSpec]) -> DocumentSpec:
    return specs[0]


@pytest.fixture(scope="module")
def rendered_all(specs: list[DocumentSpec]) -> list[RenderedDocument]:
    return [s.render() for s in specs]


@pytest.fixture(scope="module")
def rendered(
    rendered_all: list[RenderedDocument], synthesis: FeedbackSynthesis
) -> tuple[RenderedDocument, FeedbackSynthesis]:
    return rendered_all[0], synthesis


def test_document_spec(spec: DocumentSpec) -> None:
    # Stored as chains-feedback-pdf and chains-feedback-html beside the decision.
    assert (spec.key, spec.title, spec.template) == (
        "chains-feedback",
        "Yhteenveto sidosryhmien lausunnoista 2026",
        "s3_feedback.html",
    )
    assert feedback_title(2027) == "Yhteenveto sidosryhmien lausunnoista 2027"
    assert spec.metadata.created == dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)  # as given, never the clock
    # The item carries the stage-3 proposal; its attachments the synthesis and the themes' grounds.
    assert [a.filename for a in spec.attachments] == ["chains-proposal.json"]


def test_attachments_are_documents_of_their_own(specs: list[DocumentSpec]) -> None:
    item, first, second = specs
    assert [(s.key, s.template) for s in (first, second)] == [
        ("chains-feedback-attachment-1", "s3_feedback_attachment.html"),
        ("chains-feedback-attachment-2", "s3_feedback_attachment.html"),
    ]
    assert [a.filename for a in first.attachments] == ["chains-feedback-synthesis.json"]
    assert [a.title for a in item.context["item"].attachments] == [
        "Kommentit teemoittain, ehdotukset ja lainaukset",
        "Menetelmä ja teemoittelun perusteet",
    ]


def test_rendered_document(rendered_all: list[RenderedDocument]) -> None:
    readers = [PdfReader(io.BytesIO(doc.pdf)) for doc in rendered_all]
    reader = readers[0]
    text = "\n".join(page.extract_text() for r in readers for page in r.pages)
    flat = re.sub(r"\s+", " ", text)
    assert "Yhteenveto sidosryhmien lausunnoista 2026" in flat
    assert "hva08-2026-chains-feedback" in flat  # document id in the footer and document information
    assert SHA in text.replace("\n", "")  # the proposal version's hash
    assert "Esimerkkiaineisto" in flat
    # The counts table: the group rows and the totals row (2, 2, 1; 4 comments).
    assert re.search(r"Järjestöt 1 1 0 2", flat)
    assert re.search(r"Yhteensä 2 2 1 4", flat)
    # A quote, verbatim, with its source (C1 has the highest cost score, 3).
    assert "”Oman tuotannon ja ostopalvelujen vertailu vaatii läpinäkyvyyttä" in flat
    assert "Järjestöt, Järjestöfoorumi 12.3.2025, kommentti C1" in flat
    assert "Aluehallitus päättää merkitä tiedoksi yhteenvedon sidosryhmien lausunnoista" in flat
    assert reader.metadata is not None
    assert reader.metadata.title == "Yhteenveto sidosryhmien lausunnoista 2026 – Pirkanmaan hyvinvointialue"


def test_rendered_document_embeds_the_synthesis(
    rendered_all: list[RenderedDocument], synthesis: FeedbackSynthesis
) -> None:
    doc = rendered_all[1]
    reader = PdfReader(io.BytesIO(doc.pdf))
    assert list(reader.attachments) == ["chains-feedback-synthesis.json"]
    # The attachment prints its own data's hash, not the proposal's.
    assert hashlib.sha256(canonical_json(synthesis)).hexdigest()[:12] in reader.pages[0].extract_text()
    doc = rendered_all[2]
    [attached] = reader.attachments["chains-feedback-synthesis.json"]
    assert attached == canonical_json(synthesis)
    payload = json.loads(attached)
    assert payload["counts"]["theme_totals"] == {"kustannukset": 2, "pientuottajat": 2, "muu": 1}
    assert FeedbackSynthesis.model_validate(payload) == synthesis
    # The HTML kept beside the PDF has the explanation table with every comment.
    for cid in ("C1", "C2", "C3", "C4"):
        assert f'<th scope="row">{cid}</th>' in doc.html
    assert "Pienyrittäjien → pienyrittäjä → osa yrittäjä: pientuottajat" in doc.html
