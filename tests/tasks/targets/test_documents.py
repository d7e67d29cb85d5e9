"""Stage 2's decision document (tasks/targets/documents.py): its tables and the rendered PDF."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from pypdf import PdfReader

from schemas.needs import NeedsBasis
from schemas.results import VersionRef
from schemas.stages import Stage
from schemas.targets import ClientGroup, TargetsAssessment
from soteflow.documents import load_governance
from soteflow.stagekit import open_store
from tasks.definition import CaseHandling
from tasks.needs.basis import load_needs_basis
from tasks.targets.analysis import assess_targets
from tasks.targets.documents import document_context, method_sections, target_rows, targets_documents
from tasks.targets.figures import build_targets_figures
from tasks.targets.inputs import read_targets_inputs
from tasks.targets.proposal import build_targets_proposal
from tests.support import DATA_DIR

EXAMPLES = DATA_DIR / "examples" / "HVA08"


@pytest.fixture
def basis(seed: Callable[[Stage], Path]) -> NeedsBasis:
    """The approved stage-1 round of Pirkanmaa: the aluehallitus approved it on Monday 24.8.2026."""
    seed(Stage.NEEDS)
    return load_needs_basis(open_store(), region="HVA08", cycle=2026)


@pytest.fixture
def assessment(basis: NeedsBasis) -> TargetsAssessment:
    return assess_targets(read_targets_inputs(EXAMPLES, region_code="HVA08"), basis, 2026)


def test_document_tables(assessment: TargetsAssessment, basis: NeedsBasis) -> None:
    context = document_context(assessment)
    labels = [g["label"] for g in context["target_groups"]]
    assert labels == [g.label_fi for g in ClientGroup]
    working_age = context["target_groups"][1]["rows"][0]
    assert working_age[:5] == [
        "T-TYO-1",
        "Pitkäaikaistyöttömien osuus työvoimasta",
        "5,5 % (6/2026; palvelutarvearvio)",
        "4,8 % (2029)",
        "laskee",
    ]
    profile = basis.refs["needs-profile"]
    # The finding as text; its reference (artefact, pointer, hash) is in the method attachment.
    assert working_age[5].startswith("Pitkäaikaistyöttömien osuus työvoimasta 5,5")
    assert "needs-profile" not in working_age[5]
    method = " ".join(p for sec in method_sections(assessment, basis) for p in sec.paragraphs)
    assert (
        f"T-TYO-1: needs-profile v1, kohta region.long_term_unemployment_rate, SHA-256 {profile.sha256[:12]}…" in method
    )
    # A count keeps whole numbers: 5 547 disabled and long-term-ill unemployed job seekers (no-break space).
    disabled = target_rows([assessment.impact.by_id("T-VAM-1")])[0]
    assert disabled[2].startswith("5\u00a0547 ")
    total = context["allocation_rows"][-1]
    # The frame 2027: 3 589 520 000 € → 3 589,5 milj. €; against 3 437 000 000 € in 2025:
    # 3 589 520 000 / 3 437 000 000 − 1 = +4,4376 %.
    assert total[0] == "Yhteensä" and total[-2:] == [3589.5, 4.4376]
    # The own rows come after the groups: rescue services 76,0 M€ in 2025, 79,4 M€ in the frame.
    rescue = context["allocation_rows"][-3]
    assert rescue[0] == "Pelastustoimi" and (rescue[1], rescue[6]) == (76.0, 79.4)
    # Older people per inhabitant aged 65+: 806 100 000 / 124 012 = 6 500 €.
    older = context["benchmark_rows"][2]
    assert older[:3] == ["Ikääntyneet", "65 vuotta täyttäneet", 124_012] and older[5] == 6500
    assert "valtion rahoitus" in context["benchmark_text"]
    assert any("ei mittaa vammaisuutta" in p for p in method.split(". "))
    assert context["coverage_rows"][0][:5] == ["Perusura", -140.0, "2027", -79.5, "ei"]


def test_rendered_document(assessment: TargetsAssessment, basis: NeedsBasis) -> None:
    governance = load_governance(
        "HVA08", Stage.TARGETS, DATA_DIR / "config" / "regions", case="targets", region_name=basis.region_name
    )
    handling = CaseHandling(governance=governance, earlier=(), appeal=governance.appeal_route(), cycle=2026)
    proposal = build_targets_proposal(assessment, basis, handling)
    figures = build_targets_figures(assessment)
    ref = VersionRef(
        version_id=uuid.uuid4(),
        key="targets-proposal",
        version=3,
        sha256="b" * 64,
        status="proposed",
        media_type="application/json",
    )
    spec, *attachments = targets_documents(proposal, assessment, figures, basis, ref)
    assert spec.key == "targets-decision"
    assert [a.key for a in attachments] == ["targets-attachment-1", "targets-attachment-2", "targets-attachment-3"]
    rendered = spec.render()
    finance = PdfReader(io.BytesIO(attachments[2].render().pdf))
    assert "Kertyneen alijäämän kattaminen skenaarioittain" in " ".join(p.extract_text() for p in finance.pages)
    assert set(finance.attachments) == {"targets-finance.json"}
    assert "esimerkkiaineisto" in rendered.html
    assert 'content="2026-08-24T00:00:00+03:00"' in rendered.html
    reader = PdfReader(io.BytesIO(rendered.pdf))
    text = " ".join(page.extract_text() for page in reader.pages).replace("\n", " ")
    assert "Tuloksellisuustavoitteet ja talouden kehys 2027" in text
    assert "Aluevaltuusto päättää hyväksyä Pirkanmaan hyvinvointialueen tuloksellisuustavoitteet" in text
    # The item a board reads (tables and figures are attachments). A council item carries both the
    # board's and the council's handling: its document-information block still spills to a 4th page.
    assert len(reader.pages) <= 4
    assert "versio 3" in text
    assert "Valitusosoitus" in text
    assert set(reader.attachments) == {"targets-proposal.json"}
