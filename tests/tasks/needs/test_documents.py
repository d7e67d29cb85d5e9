"""Stage 1's decision document (tasks/needs/documents.py): rendered from the proposal version, its data attached."""

from __future__ import annotations

import io
import json
import uuid

from pypdf import PdfReader

from schemas.needs import NeedsProposal
from schemas.results import VersionRef
from schemas.stages import Stage
from soteflow.documents import load_governance
from tasks.context import make_context
from tasks.definition import CaseHandling
from tasks.needs.analysis import assess_needs
from tasks.needs.documents import needs_document
from tasks.needs.figures import build_needs_figures
from tasks.needs.proposal import build_needs_proposal
from tests.support import DATA_DIR


def test_rendered_document() -> None:
    ctx = make_context(Stage.NEEDS, region="HVA08", cycle=2026)
    assessment = assess_needs(DATA_DIR, "HVA08")
    governance = load_governance("HVA08", Stage.NEEDS, ctx.config_dir, case="needs", region_name=ctx.region_name)
    handling = CaseHandling(governance=governance, earlier=(), appeal=governance.appeal_route(), cycle=2026)
    proposal = build_needs_proposal(assessment, handling)
    ref = VersionRef(
        version_id=uuid.uuid4(),
        key="needs-proposal",
        version=3,
        sha256="b" * 64,
        status="proposed",
        media_type="application/json",
    )
    spec = needs_document(proposal, assessment, build_needs_figures(ctx, None, assessment), ref)
    assert (spec.key, spec.title) == ("needs-decision", "Palvelutarvearvio 2026")
    rendered = spec.render()
    # Created at the newest source update (never the clock), so a render is reproducible.
    assert 'content="2026-07-21T05:00:00+00:00"' in rendered.html
    reader = PdfReader(io.BytesIO(rendered.pdf))
    text = " ".join(page.extract_text() for page in reader.pages).replace("\n", " ")
    assert "Palvelutarvearvio 2026" in text
    assert "Aluehallitus päättää hyväksyä Pirkanmaan hyvinvointialueen strategisen palvelutarvearvion" in text
    assert "hva08-2026-needs-proposal · versio 3 · SHA-256 bbbbbbbbbbbb" in text
    assert "Oikaisuvaatimusohje" in text
    assert set(reader.attachments) == {"needs-proposal.json"}
    assert len(reader.pages) <= 3  # the item; the method and the tables are its attachments
    [attached] = reader.attachments["needs-proposal.json"]
    assert NeedsProposal.model_validate(json.loads(attached)) == proposal
