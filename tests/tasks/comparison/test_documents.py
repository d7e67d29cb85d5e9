"""Stage-4 documents: *Tuotantotapojen vertailu ja valinta* and *Palvelujen järjestämissuunnitelma*,
both rendered from one stored proposal version (its hash in the footers), with their attachments."""

from __future__ import annotations

import io
from pathlib import Path

from pypdf import PdfReader

from tasks.comparison.documents import DECISION_DOCUMENT, PLAN_DOCUMENT, comparison_documents
from tasks.comparison.figures import build_comparison_figures
from tasks.comparison.proposal import build_comparison_proposal, document_created
from tests.fixtures.comparison.worked_example import (
    CHAINS_BASIS,
    case_handling,
    version_ref,
    worked_analysis,
    write_worked_example,
)


def _text(pdf: bytes) -> tuple[str, PdfReader]:
    reader = PdfReader(io.BytesIO(pdf))
    return "".join(page.extract_text() for page in reader.pages).replace("\n", " "), reader


def test_both_documents_are_rendered_from_the_proposal_version(tmp_path: Path) -> None:
    analysis = worked_analysis(write_worked_example(tmp_path / "inputs"))
    figures = build_comparison_figures(analysis)
    payload = build_comparison_proposal(analysis, CHAINS_BASIS, case_handling())
    proposal_ref = version_ref("comparison-proposal", 1, "f")
    created = document_created(CHAINS_BASIS, 2026)
    specs = comparison_documents(payload, analysis, figures, created, proposal_ref)
    assert [s.key for s in specs] == [DECISION_DOCUMENT, PLAN_DOCUMENT] == ["comparison-decision", "comparison-plan"]
    assert [s.title for s in specs] == [
        "Tuotantotapojen vertailu ja valinta 2026",
        "Palvelujen järjestämissuunnitelma 2026: tuotantotavat",
    ]
    assert [s.metadata.created for s in specs] == [created, created]
    assert specs[0].metadata.title == "Tuotantotapojen vertailu ja valinta 2026 – Pirkanmaan hyvinvointialue"
    assert {"HVA08", "2026"} <= set(specs[0].metadata.keywords)

    decision, plan = (spec.render() for spec in specs)
    text, reader = _text(decision.pdf)
    assert "Tuotantotapojen vertailu ja valinta 2026" in text
    assert "esimerkkiaineisto" in text
    assert "Täsmäytys tuloslaskelmaan" in text
    assert "f" * 12 in text  # the proposal version's hash in the footer
    assert set(reader.attachments) == {
        "comparison-proposal.json",
        "comparison-export.csv",
        "comparison-own-costs.json",
        "comparison-purchased-costs.json",
        "comparison-matrix.json",
    }
    plan_text, plan_reader = _text(plan.pdf)
    assert "Palvelujen järjestämissuunnitelma 2026: tuotantotavat" in plan_text
    assert "hva08-2026-comparison-proposal-plan" in plan_text
    assert set(plan_reader.attachments) == {"comparison-organising-plan.json"}
    assert "<h1>" in decision.html and 'lang="fi"' in plan.html
