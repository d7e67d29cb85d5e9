"""Stale bases are visible: a round approved on a proposal that has been superseded since.

Stages 1–3 are approved in order, each on the approved proposal of the one before; then stage 1
is approved again (v2). Stage 2's approved round was computed from stage-1 v1 and stage 3's from
that stage-2 round: both are reported, in ``verify`` as warnings (exit 3 under ``--strict``) and
in ``artefacts list``. Running stage 2 again on the new basis clears it, and stage 3 is still
reported (its basis, stage-2 v1, is now superseded itself).
"""

from __future__ import annotations

import pytest

from soteflow.cli import main
from soteflow.stagekit import open_store, record_decision
from soteflow.store import ArtefactVersion, Store, verify
from soteflow.store.verify import stale_rounds
from tests.store.factories import decision, propose_round


def _approve(store: Store, stage: str, content: int, basis: list[ArtefactVersion]) -> ArtefactVersion:
    case = propose_round(store, stage=stage, content=content, basis=basis)
    record_decision(store=store, persisted=case, decision=decision("approved"))
    return store.get_version(case.proposal.version_id)


@pytest.fixture
def restated(settings_store: str) -> Store:
    """Stages needs → targets → chains approved in order, then needs approved again."""
    store = open_store()
    needs = _approve(store, "needs", 1, [])
    targets = _approve(store, "targets", 1, [needs])
    _approve(store, "chains", 1, [targets])
    assert not stale_rounds(store)
    _approve(store, "needs", 2, [])
    return store


def test_rounds_on_a_superseded_basis_are_named(restated: Store) -> None:
    stale = {item.proposal: item.basis for item in stale_rounds(restated)}
    assert stale == {
        "targets-proposal v1": "rests on needs-proposal v1, superseded by v2",
        "chains-proposal v1": "rests on targets-proposal v1, which rests on needs-proposal v1, superseded by v2",
    }
    report = verify(restated)
    assert report.ok and not report.clean
    assert {(w.key, w.version, w.code) for w in report.warnings} == {
        ("targets-proposal", 1, "stale-basis"),
        ("chains-proposal", 1, "stale-basis"),
    }


def test_verify_strict_fails_and_artefacts_list_marks_the_round(
    restated: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["verify"])
    assert exited.value.code in (0, None)  # a warning, not an integrity problem
    assert "WARN HVA08/2026/targets-proposal v1: approved round rests on needs-proposal v1" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:
        main(["verify", "--strict"])
    assert exited.value.code == 3
    capsys.readouterr()
    with pytest.raises(SystemExit):
        main(["artefacts", "list", "--region", "HVA08"])
    lines = {line.split("\t")[3].strip(): line for line in capsys.readouterr().out.splitlines()}
    for key in ("targets-proposal", "targets-index", "targets-decision-pdf", "chains-proposal"):
        assert "[stale basis: rests on " in lines[key], lines[key]
    for key in ("needs-proposal", "needs-index"):
        assert "stale basis" not in lines[key]


def test_a_stage_run_again_on_the_new_basis_is_no_longer_stale(restated: Store) -> None:
    needs = restated.latest("HVA08", 2026, "needs-proposal")
    assert needs is not None
    _approve(restated, "targets", 2, [needs])
    assert [(item.proposal, item.basis) for item in stale_rounds(restated)] == [
        ("chains-proposal v1", "rests on targets-proposal v1, superseded by v2")
    ]


def test_a_stage_refuses_to_build_on_a_stale_basis_unless_told_to(
    restated: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from schemas.stages import Stage
    from soteflow.settings import get_settings
    from soteflow.upstream import StaleBasisError, approved_case

    with pytest.raises(StaleBasisError) as refused:
        approved_case(restated, region="HVA08", cycle=2026, stage=Stage.TARGETS)
    assert "targets-proposal v1 of stage 2 (targets) rests on needs-proposal v1, superseded by v2" in str(refused.value)
    assert "soteflow stage targets --region HVA08 --cycle 2026" in str(refused.value)
    assert approved_case(restated, region="HVA08", cycle=2026, stage=Stage.NEEDS) is not None  # its own basis is fine
    monkeypatch.setenv("SOTEFLOW_ALLOW_STALE_BASIS", "1")
    get_settings.cache_clear()
    allowed = approved_case(restated, region="HVA08", cycle=2026, stage=Stage.TARGETS)
    assert allowed is not None and allowed.proposal.version == 1


@pytest.mark.usefixtures("prefect_harness")
def test_the_prefect_artifacts_of_a_stale_round_are_marked(restated: Store) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactCollectionFilter, ArtifactCollectionFilterKey

    from soteflow.stagekit import mirror_to_prefect, prefect_key, ref

    needs = restated.latest("HVA08", 2026, "needs-proposal")
    assert needs is not None
    # Mirroring the new approval of stage 1 also mirrors the rounds it left on a superseded basis.
    created = mirror_to_prefect(
        store=restated, region="HVA08", cycle=2026, versions={"needs-proposal": ref(needs, "needs-proposal")}, tables={}
    )
    with get_client(sync_client=True) as client:
        latest = {
            a.key: a.description
            for a in client.read_latest_artifacts(
                artifact_filter=ArtifactCollectionFilter(
                    key=ArtifactCollectionFilterKey(
                        any_=[prefect_key("HVA08", 2026, k) for k in ("needs-proposal", "targets-proposal")]
                    )
                )
            )
        }
    assert "stale basis" not in str(latest[prefect_key("HVA08", 2026, "needs-proposal")])
    assert "**stale basis**: rests on needs-proposal v1, superseded by v2" in str(
        latest[prefect_key("HVA08", 2026, "targets-proposal")]
    )
    assert created >= 3  # stage 1's proposal and at least the stale proposals of stages 2 and 3
