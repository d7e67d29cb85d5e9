"""Stage 3 end to end under the Prefect test harness: stages 1 and 2 approved first, then stage 3.

Covers: the approved stage-2 versions in the lineage, both documents from one proposal version,
a returned-then-approved round, no start without an approved stage 2, and bad input that stores
nothing.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from flows.s3_chains import chains_flow
from schemas.decisions import Outcome
from schemas.stages import Stage
from soteflow.errors import InputError
from soteflow.stagekit import open_store
from soteflow.store.verify import verify
from soteflow.upstream import StageNotApprovedError
from tasks.round import DirectSteps, run_stage
from tasks.targets.stage import DEFINITION as TARGETS
from tests.support import DATA_DIR, Seed

# The stage as a Prefect flow on the test server, end to end (the rounds themselves are tested
# directly in tests/tasks): in the end-to-end group that CI runs (make test-e2e).
pytestmark = [pytest.mark.usefixtures("prefect_harness"), pytest.mark.e2e]

EXAMPLES = DATA_DIR / "examples" / "HVA08"


def _keys_in_store() -> tuple[set[str], int]:
    """The artefact keys of the region and cycle, and the number of writes in the audit log."""
    store = open_store()
    return {a.key for a in store.list_artefacts(region="HVA08", cycle=2026)}, len(store.audit_events())


def test_without_an_approved_stage_2_nothing_is_written(seed: Seed) -> None:
    seed(Stage.NEEDS)
    run_stage(TARGETS, region="HVA08", cycle=2026, gate="none", steps=DirectSteps())  # proposed, not approved
    before = _keys_in_store()
    with pytest.raises(StageNotApprovedError, match=r"stage 2 \(targets\) has no approved proposal"):
        chains_flow(region="HVA08", cycle=2026, gate="scripted")
    assert _keys_in_store() == before
    assert not any(k.startswith("chains-") for k in before[0])


def test_approved_stage_3_records_its_stage_2_versions_and_renders_both_documents(tmp_path: Path, seed: Seed) -> None:
    seed(Stage.TARGETS)
    result = chains_flow(region="Pirkanmaa", cycle=2026, gate="scripted", out_dir=str(tmp_path / "out"))
    assert result.region == "HVA08" and result.number == 3
    assert result.case().decision is not None and result.case().decision.outcome is Outcome.APPROVED
    refs = {a.key: a for a in result.artefacts}
    store = open_store()
    impact = store.latest("HVA08", 2026, "targets-impact", status="approved")
    frame = store.latest("HVA08", 2026, "targets-frame", status="approved")
    stage2 = store.latest("HVA08", 2026, "targets-proposal", status="approved")
    assert impact is not None and frame is not None and stage2 is not None

    def inputs_of(key: str) -> dict[str, str]:
        version = store.get_version(refs[key].version_id)
        return {i["key"]: str(i["version_id"]) for i in version.inputs}

    # Lineage: every stage-3 version records what it was computed from, stage-2 versions included.
    assert inputs_of("chains-priorities") == {
        "chains-catalogue": str(refs["chains-catalogue"].version_id),
        "targets-impact": str(impact.id),
        "targets-frame": str(frame.id),
        "chains-source-benchmarks": str(refs["chains-source-benchmarks"].version_id),
    }
    assert inputs_of("chains-services")["targets-impact"] == str(impact.id)
    assert inputs_of("chains-catalogue") == {"chains-source-catalogue": str(refs["chains-source-catalogue"].version_id)}
    assert set(inputs_of("chains-feedback-synthesis")) == {
        "chains-source-feedback",
        "chains-source-themes",
        "chains-source-theme-review",
        "chains-source-theme-responses",
    }
    proposal_inputs = inputs_of("chains-proposal")
    assert proposal_inputs["targets-proposal"] == str(stage2.id)
    assert {k for k in proposal_inputs if k.startswith("chains-chain-")} == {
        "chains-chain-pk-ika-svg",
        "chains-chain-pk-lapsi-svg",
        "chains-chain-pk-tyo-svg",
        "chains-chain-pk-mtp-svg",
        "chains-chain-pk-vam-svg",
    }
    # Both documents were rendered from the approved proposal version and are approved with it.
    proposal = store.get_version(refs["chains-proposal"].version_id)
    assert proposal.status.value == "approved"
    for key in ("chains-decision-pdf", "chains-decision-html", "chains-feedback-pdf", "chains-feedback-html"):
        version = store.get_version(refs[key].version_id)
        assert version.status.value == "approved"
        assert [i["key"] for i in version.inputs] == ["chains-proposal"]
    decisions = store.decisions_for(proposal.id)
    assert [(d.outcome.value, d.sha256) for d in decisions] == [("approved", proposal.sha256)]
    assert verify(store).ok

    out = tmp_path / "out" / "s3-chains"
    for name, title in (
        ("chains-decision-pdf-v1.pdf", "Palvelukokonaisuudet ja palveluketjut 2027"),
        ("chains-feedback-pdf-v1.pdf", "Yhteenveto sidosryhmien lausunnoista 2026"),
    ):
        reader = PdfReader(io.BytesIO((out / name).read_bytes()))
        text = "".join(page.extract_text() for page in reader.pages).replace("\n", "")
        assert title in text
        assert proposal.sha256 in text  # the footer's document information prints the proposal's hash
    payload = store.read_json(proposal)
    assert payload["stage2"][1] == {"key": "targets-impact", "version": impact.version, "sha256": impact.sha256}
    assert (out / "chains-chain-pk-ika-svg-v1.svg").is_file()
    assert not (out / "chains-source-catalogue-v1.csv").exists()  # inputs stay in the store


def test_bad_catalogue_stops_the_run_and_stores_nothing(tmp_path: Path, seed: Seed) -> None:
    seed(Stage.TARGETS)
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    (inputs / "lausunnot.csv").write_bytes((EXAMPLES / "lausunnot.csv").read_bytes())
    lines = (EXAMPLES / "palvelukatalogi.csv").read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace(";T-IKA-1", ";T-IKA-9")  # row 4: IKA-KOTIHOITO serves a target stage 2 lacks
    (inputs / "palvelukatalogi.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = _keys_in_store()
    with pytest.raises(InputError) as caught:
        chains_flow(region="HVA08", cycle=2026, gate="scripted", inputs_dir=str(inputs))
    assert (caught.value.file, caught.value.row, caught.value.field) == (
        str(inputs / "palvelukatalogi.csv"),
        4,
        "tavoite_id",
    )
    assert _keys_in_store() == before
