"""Stage-4 documents: *Tuotantotapojen vertailu ja valinta* and *Palvelujen järjestämissuunnitelma*,
both rendered from one stored proposal version (its hash in the footers), with their attachments."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from pathlib import Path

from pypdf import PdfReader

from schemas.comparison import ComparisonParams
from schemas.decisions import EarlierDecision, Outcome
from soteflow.documents import DocumentSpec
from tasks.comparison.analysis import analyse_comparison
from tasks.comparison.documents import DECISION_DOCUMENT, PLAN_DOCUMENT, comparison_documents
from tasks.comparison.figures import build_comparison_figures
from tasks.comparison.inputs import read_comparison_inputs
from tasks.comparison.proposal import build_comparison_proposal, document_created
from tasks.targets.inputs import read_targets_inputs
from tests.fixtures.comparison.worked_example import (
    CHAINS_BASIS,
    case_handling,
    version_ref,
    worked_analysis,
    write_worked_example,
)
from tests.support import DATA_DIR


def _text(pdf: bytes) -> tuple[str, PdfReader]:
    reader = PdfReader(io.BytesIO(pdf))
    return "".join(page.extract_text() for page in reader.pages).replace("\n", " "), reader


def _specs(tmp_path: Path) -> list[DocumentSpec]:
    analysis = worked_analysis(write_worked_example(tmp_path / "inputs"))
    figures = build_comparison_figures(analysis)
    payload = build_comparison_proposal(analysis, CHAINS_BASIS, case_handling())
    return comparison_documents(
        payload, analysis, figures, document_created(CHAINS_BASIS, 2026), version_ref("comparison-proposal", 1, "f")
    )


def test_both_documents_are_rendered_from_the_proposal_version(tmp_path: Path) -> None:
    specs = _specs(tmp_path)
    created = document_created(CHAINS_BASIS, 2026)
    item, *_attachments, plan_spec = specs
    assert [item.key, plan_spec.key] == [DECISION_DOCUMENT, PLAN_DOCUMENT] == ["comparison-decision", "comparison-plan"]
    assert [item.title, plan_spec.title] == [
        "Tuotantotapojen vertailu ja valinta 2027",
        "Palvelujen järjestämissuunnitelma 2027: tuotantotavat",
    ]
    assert {s.metadata.created for s in specs} == {created}
    assert item.metadata.title == "Tuotantotapojen vertailu ja valinta 2027 – Pirkanmaan hyvinvointialue"
    assert {"HVA08", "2026"} <= set(item.metadata.keywords)

    decision, plan = item.render(), plan_spec.render()
    text, reader = _text(decision.pdf)
    assert "Tuotantotapojen vertailu ja valinta 2027" in text
    assert "esimerkkiaineisto" in text
    assert "Vuosivaikutus, milj. €" in text  # the summary table's column
    assert "f" * 12 in text  # the proposal version's hash in the footer
    # The item embeds its proposal; each attachment embeds the data of its own tables.
    assert set(reader.attachments) == {"comparison-proposal.json"}
    plan_text, plan_reader = _text(plan.pdf)
    assert "Palvelujen järjestämissuunnitelma 2027: tuotantotavat" in plan_text
    assert "hva08-2026-comparison-proposal-plan" in plan_text
    assert set(plan_reader.attachments) == {"comparison-organising-plan.json"}
    assert "<h1>" in decision.html and 'lang="fi"' in plan.html


def test_the_item_text_fits_three_pages_and_names_no_files(tmp_path: Path) -> None:
    item = _specs(tmp_path)[0]
    rendered = item.render()
    reader = PdfReader(io.BytesIO(rendered.pdf))
    pages = [page.extract_text().replace("\n", " ") for page in reader.pages]
    # The item text (asia, perustelut, päätösehdotus) ends with the proposal's last words.
    last = next(i for i, page in enumerate(pages) if "päätetään yhteistoimintamenettelyn jälkeen." in page)
    assert last + 1 <= 3
    grounds = " ".join(p for section in item.context["item"].grounds for p in section.paragraphs)
    for technical in (".csv", ".xlsx", ".json", "comparison-", "SHA-256", "IKA-KOTIHOITO"):
        assert technical not in grounds
    # The attachments are listed in the item by number and title.
    listed = " ".join(pages)
    assert "Liite 1: Menetelmä, lähteet ja täsmäytys aiempiin vaiheisiin" in listed
    assert "Liite 6: Palvelujen järjestämissuunnitelma 2027: tuotantotavat (erillinen asiakirja)" in listed


def test_the_attachments_embed_their_data_and_print_its_hash(tmp_path: Path) -> None:
    _item, *attachments, _plan = _specs(tmp_path)
    assert [a.key for a in attachments] == [f"comparison-attachment-{n}" for n in range(1, 6)]
    expected = {
        1: ({"comparison-method.json"}, "Lähdetiedostot"),
        2: ({"comparison-matrix.json", "comparison-export.csv"}, "päätösmatriisi (pisteet 1–5)"),
        3: ({"comparison-own-costs.json"}, "Täsmäytys tuloslaskelmaan"),
        4: ({"comparison-purchased-costs.json"}, "Sopimukset tuottajittain"),
        5: ({"comparison-personnel.json"}, "Henkilöstövaikutukset palveluittain"),
    }
    for number, spec in enumerate(attachments, start=1):
        files, heading = expected[number]
        rendered = spec.render()
        text, reader = _text(rendered.pdf)
        assert set(reader.attachments) == files
        assert f"Liite {number}" in text and heading in text
        # The hash printed is the SHA-256 of the attachment's own first data file, not the item's.
        first = spec.attachments[0]
        digest = hashlib.sha256(first.content).hexdigest()
        assert reader.attachments[first.filename][0] == first.content
        assert digest[:12] in text and digest in rendered.html
        assert "f" * 12 not in text.replace("f" * 64, "")
    services = _text(attachments[1].render().pdf)[0]
    # Home care on the worked example: avoidable 39,00 beside full 50,07; monitoring 0,50 €/käynti apart;
    # the whole volume by purchase −48 700 € = −0,05 milj. € (tests/tasks/comparison/test_analysis.py).
    assert "Vältettävissä oleva kustannus, jos palvelu ulkoistetaan" in services
    assert "39,00" in services and "0,50" in services and "−0,05" in services
    assert "Vältettävissä olevin kustannuksin oma tuotanto on kuitenkin edullisempi kuin ostopalvelu" in services


def test_the_pirkanmaa_item_text_fits_three_pages_also_after_a_return() -> None:
    """The shipped example (five services, three of them overridden by rule 2): the item text ends on
    page 3 at the latest, also with a return's earlier handling and answer added."""
    examples = DATA_DIR / "examples" / "HVA08"
    statement = read_targets_inputs(examples, region_code="HVA08").statement  # stage 2's financial statement
    analysis = analyse_comparison(
        read_comparison_inputs(examples, statement),
        ComparisonParams(),
        region_code="HVA08",
        region_name=CHAINS_BASIS.region_name,
        cycle=2026,
    )
    returned = EarlierDecision(
        version=1,
        sha256="e" * 64,
        body="Aluehallitus",
        meeting_date=dt.date(2026, 11, 16),
        section="301",
        outcome=Outcome.RETURNED,
        comments="Tarkenna vammaisten asumispalvelujen henkilöstövaikutukset.",
    )
    for earlier in ((), (returned,)):
        payload = build_comparison_proposal(analysis, CHAINS_BASIS, case_handling(earlier))
        item = comparison_documents(
            payload,
            analysis,
            build_comparison_figures(analysis),
            document_created(CHAINS_BASIS, 2026),
            version_ref("comparison-proposal", 2, "f"),
        )[0]
        pages = [page.extract_text().replace("\n", " ") for page in PdfReader(io.BytesIO(item.render().pdf)).pages]
        assert next(i for i, page in enumerate(pages) if "päätetään yhteistoimintamenettelyn jälkeen." in page) + 1 <= 3
