"""Stage 1 end to end under the Prefect test harness: store, lineage, decisions, documents."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from pypdf import PdfReader

from flows.s1_needs import needs_flow
from schemas.decisions import Outcome
from soteflow.stagekit import open_store
from soteflow.store.verify import verify

# The stage as a Prefect flow on the test server, end to end (the rounds themselves are tested
# directly in tests/tasks): in the end-to-end group that CI runs (make test-e2e).
pytestmark = [pytest.mark.usefixtures("prefect_harness"), pytest.mark.e2e]


def _versions(result) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {a.key: a for a in result.artefacts}


def test_approved_stage_stores_versions_with_lineage_and_bound_decisions(tmp_path: Path) -> None:
    result = needs_flow(region="Pirkanmaa", cycle=2026, gate="scripted", out_dir=str(tmp_path / "out"))
    assert result.case().decision is not None and result.case().decision.outcome is Outcome.APPROVED
    refs = _versions(result)
    store = open_store()
    proposal = store.get_version(refs["needs-proposal"].version_id)  # type: ignore[attr-defined]
    assert proposal.status.value == "approved"
    assert {i["key"] for i in proposal.inputs} == {
        "needs-profile",
        "needs-index",
        "needs-change",
        "needs-reconciliation",
        "needs-map-svg",
    }
    profile = store.get_version(refs["needs-profile"].version_id)  # type: ignore[attr-defined]
    assert {i["key"] for i in profile.inputs} >= {"needs-source-age", "needs-source-income", "needs-source-map"}
    # The decision is bound to the hash of the version it decides.
    decisions = store.decisions_for(proposal.id)
    assert [(d.outcome.value, d.sha256) for d in decisions] == [("approved", proposal.sha256)]
    assert verify(store).ok
    # The exported document is the stored one and prints the proposal's version and hash.
    pdf_path = tmp_path / "out" / "s1-needs" / "needs-decision-pdf-v1.pdf"
    assert pdf_path.is_file()
    reader = PdfReader(io.BytesIO(pdf_path.read_bytes()))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "Palvelutarvearvio 2026" in text
    assert proposal.sha256 in text.replace("\n", "")
    assert "Aluehallitus päättää hyväksyä Pirkanmaan hyvinvointialueen strategisen" in text.replace("\n", " ")
    attached = reader.attachments["needs-proposal.json"][0]
    assert json.loads(attached)["agenda"]["title"] == "Palvelutarvearvio 2026"
    assert not (tmp_path / "out" / "s1-needs" / "needs-source-age-v1.json").exists()  # inputs stay in the store
