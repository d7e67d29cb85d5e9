"""Stage 2 end to end under the Prefect test harness: stage-1 basis, lineage, returns, bad input."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from flows.s2_targets import targets_flow
from schemas.decisions import Outcome
from schemas.stages import Stage
from soteflow.errors import InputError
from soteflow.stagekit import open_store
from soteflow.store.verify import verify
from soteflow.upstream import StageNotApprovedError
from tasks.needs.stage import DEFINITION as NEEDS
from tasks.round import DirectSteps, run_stage
from tests.support import DATA_DIR, Seed

# The stage as a Prefect flow on the test server, end to end (the rounds themselves are tested
# directly in tests/tasks): in the end-to-end group that CI runs (make test-e2e).
pytestmark = [pytest.mark.usefixtures("prefect_harness"), pytest.mark.e2e]


def _stage2_artefacts() -> list[str]:
    return [a.key for a in open_store().list_artefacts(region="HVA08", cycle=2026, stage="targets")]


def test_without_an_approved_stage1_nothing_is_written() -> None:
    with pytest.raises(StageNotApprovedError, match="stage 1 \\(needs\\) has no approved proposal"):
        targets_flow(region="HVA08", cycle=2026, gate="scripted")
    assert _stage2_artefacts() == []
    # A stage 1 that was only proposed (not decided) is not a basis either.
    run_stage(NEEDS, region="HVA08", cycle=2026, gate="none", steps=DirectSteps())
    with pytest.raises(StageNotApprovedError):
        targets_flow(region="HVA08", cycle=2026, gate="scripted")
    assert _stage2_artefacts() == []


def test_approved_stage2_rests_on_the_approved_stage1_versions(tmp_path: Path, seed: Seed) -> None:
    seed(Stage.NEEDS)
    needs_versions = {k: open_store().latest("HVA08", 2026, k) for k in ("needs-profile", "needs-proposal")}
    result = targets_flow(region="Pirkanmaa", cycle=2026, gate="scripted", out_dir=str(tmp_path / "out"))
    assert result.region == "HVA08"  # the store keys by the code
    assert {"targets-impact", "targets-forecast", "targets-frame", "targets-proposal"} <= set(_stage2_artefacts())
    assert result.case().decision is not None and result.case().decision.outcome is Outcome.APPROVED
    assert result.case().decision.body == "Aluevaltuusto"
    refs = {a.key: a for a in result.artefacts}
    store = open_store()
    impact = store.get_version(refs["targets-impact"].version_id)
    impact_inputs = {i["key"]: i["version_id"] for i in impact.inputs}
    # Lineage: the targets rest on the approved stage-1 profile and proposal versions and the targets file.
    assert impact_inputs["needs-profile"] == str(needs_versions["needs-profile"].id)
    assert impact_inputs["needs-proposal"] == str(needs_versions["needs-proposal"].id)
    assert "targets-source-tavoitteet" in impact_inputs
    for key in ("targets-forecast", "targets-frame", "targets-proposal"):
        version = store.get_version(refs[key].version_id)
        assert str(needs_versions["needs-proposal"].id) in {i["version_id"] for i in version.inputs}, key
    payload = store.read_json(impact)
    baseline = next(t for t in payload["targets"] if t["target_id"] == "T-TYO-1")
    assert (baseline["baseline"], baseline["baseline_source"]) == (5.4677, "stage1")
    assert baseline["finding"]["artefact"]["sha256"] == needs_versions["needs-profile"].sha256
    frame = store.read_json(store.get_version(refs["targets-frame"].version_id))
    # The frame 2027 (budget year of cycle 2026): 3 643 980 240 − (30 + 15) M€ − 9 460 240 = 3 589 520 000 €
    # (tests/tasks/targets/test_analysis.py works it out from the inputs).
    assert frame["frame_year"] == 2027
    assert frame["frame_eur"] == 3_589_520_000
    # The client groups and the own rows (rescue services, common costs) sum to the frame.
    own = sum(r["allocated_eur"] for r in frame["own_rows"])
    assert sum(g["allocated_eur"] for g in frame["groups"]) + own == 3_589_520_000
    proposal = store.get_version(refs["targets-proposal"].version_id)
    assert proposal.status.value == "approved"
    assert [d.sha256 for d in store.decisions_for(proposal.id)] == [proposal.sha256]
    assert verify(store).ok
    pdf_path = tmp_path / "out" / "s2-targets" / "targets-decision-pdf-v1.pdf"
    reader = PdfReader(io.BytesIO(pdf_path.read_bytes()))
    text = " ".join(page.extract_text() for page in reader.pages).replace("\n", " ")
    assert "Tuloksellisuustavoitteet ja talouden kehys 2027" in text
    assert "Aluevaltuusto päättää hyväksyä Pirkanmaan hyvinvointialueen tuloksellisuustavoitteet" in text
    assert proposal.sha256 in text.replace(" ", "")
    assert json.loads(reader.attachments["targets-proposal.json"][0])["frame_year"] == 2027


def test_returned_proposal_is_prepared_again_with_the_comments(tmp_path: Path, seed: Seed) -> None:
    seed(Stage.NEEDS)
    decisions = tmp_path / "decisions.json"
    comments = "Esitä kielteisen skenaarion sopeutustoimet palvelualueittain."
    decisions.write_text(json.dumps({"targets": [{"outcome": "returned", "comments": comments}]}), encoding="utf-8")
    result = targets_flow(region="HVA08", cycle=2026, gate="scripted", decisions_file=str(decisions))
    assert result.rounds == 2
    assert result.case().decision is not None and result.case().decision.outcome is Outcome.APPROVED
    store = open_store()
    history = store.history("HVA08", 2026, "targets-proposal")
    assert [(v.version, v.status.value) for v in history] == [(1, "returned"), (2, "approved")]
    second = store.read_json(history[1])
    assert second["agenda"]["earlier_handling"][0]["body"] == "Aluevaltuusto"
    assert comments in second["agenda"]["earlier_handling"][0]["summary"]
    assert second["agenda"]["grounds"][-1]["heading"] == "Palautuksen johdosta tehty valmistelu"
    documents = store.history("HVA08", 2026, "targets-decision-html")
    assert [v.status.value for v in documents] == ["returned", "approved"]
    assert comments in store.read_file(documents[1]).decode("utf-8")
    # The unchanged tables are not written again: both proposals rest on version 1.
    assert [(v.version, v.status.value) for v in store.history("HVA08", 2026, "targets-frame")] == [(1, "approved")]
    assert verify(store).ok


def test_rerun_with_identical_inputs_writes_nothing_new(seed: Seed) -> None:
    seed(Stage.NEEDS)
    first = targets_flow(region="HVA08", cycle=2026, gate="none")
    second = targets_flow(region="HVA08", cycle=2026, gate="none")
    assert first.case().decision is None and second.case().decision is None
    # Same content, same versions: the document's creation time and figures come from the data.
    assert [(a.key, a.version, a.sha256) for a in first.artefacts] == [
        (a.key, a.version, a.sha256) for a in second.artefacts
    ]
    store = open_store()
    assert all(len(store.history("HVA08", 2026, a.key)) == 1 for a in second.artefacts)


def test_malformed_input_stops_the_stage_and_stores_nothing(tmp_path: Path, seed: Seed) -> None:
    seed(Stage.NEEDS)
    inputs = tmp_path / "inputs"
    shutil.copytree(DATA_DIR / "examples" / "HVA08", inputs)
    path = inputs / "tavoitteet.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("T-IKA-3;Ikääntyneet", "T-IKA-3;Vanhukset"), "utf-8")
    with pytest.raises(InputError) as info:
        targets_flow(region="HVA08", cycle=2026, gate="scripted", inputs_dir=str(inputs))
    assert (Path(str(info.value.file)).name, info.value.row, info.value.field) == ("tavoitteet.csv", 8, "asiakasryhmä")
    assert _stage2_artefacts() == []
