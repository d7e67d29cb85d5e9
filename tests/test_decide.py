"""``soteflow decide`` never writes a decision around a run that waits for it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from schemas.stages import Stage
from soteflow.decide import decide_case, standing_proposals
from soteflow.errors import InputError
from soteflow.stagekit import awaiting_runs, note_awaited, open_store
from soteflow.store import verify
from tests.store.factories import decision, propose_round


@pytest.fixture
def no_server() -> Iterator[None]:
    """No PREFECT_API_URL (the session's test harness, when started, sets one)."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        yield


@pytest.mark.usefixtures("no_server")
def test_a_run_logged_as_waiting_is_not_written_around_without_a_server() -> None:
    store = open_store()
    case = propose_round(store)
    run_id = "0b8d5c1e-8f3b-4f3a-9a59-3d0c2f1e7a11"
    assert note_awaited(store, case.proposal, flow_run_id=run_id, gate="suspend", pause_key="k-v1")
    assert not note_awaited(store, case.proposal, flow_run_id=run_id, gate="suspend", pause_key="k-v1")  # once
    assert [d["flow_run_id"] for d in awaiting_runs(store, case.proposal)] == [run_id]
    with pytest.raises(InputError) as refused:
        decide_case(region="HVA08", cycle=2026, stage=Stage.NEEDS, case="needs", decision=decision("approved"))
    assert refused.value.message.startswith(
        f"flow run {run_id} waits for this decision (gate suspend): set PREFECT_API_URL"
    )
    assert "--without-run" in refused.value.message
    assert not store.decisions_for(case.proposal.version_id)
    # The run was cancelled: the secretary records it in the store, on purpose.
    message = decide_case(
        region="HVA08", cycle=2026, stage=Stage.NEEDS, case="needs", decision=decision("approved"), without_run=True
    )
    assert message.startswith("recorded: Aluehallitus 2026-09-07 101 § — Hyväksyttiin (needs-proposal v1")
    assert [p.key for p in standing_proposals(store, region="HVA08", cycle=2026, stage=Stage.NEEDS) or []] == [
        "needs-proposal"
    ]
    assert verify(store).ok  # the audit event of the wait is part of the chain


@pytest.mark.usefixtures("no_server")
def test_a_case_nobody_waits_for_is_recorded_in_the_store() -> None:
    store = open_store()
    case = propose_round(store)
    message = decide_case(region="HVA08", cycle=2026, stage=Stage.NEEDS, case="needs", decision=decision("rejected"))
    assert message.startswith("recorded: ") and "Hylättiin" in message
    assert standing_proposals(store, region="HVA08", cycle=2026, stage=Stage.NEEDS) is None
    assert [str(d.outcome.value) for d in store.decisions_for(case.proposal.version_id)] == ["rejected"]
