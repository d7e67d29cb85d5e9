"""A decision is recorded once or refused: the check and the write are one transaction.

The races are forced, not hoped for: a stale read followed by a competing commit, a hook that
lets a second secretary run between the first one's check and write, and three threads released
together on one case.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from schemas.decisions import DecisionRecord
from schemas.stages import Stage
from soteflow import decide as decide_module
from soteflow import stagekit
from soteflow.decide import record_in_store
from soteflow.errors import InputError
from soteflow.stagekit import DecisionConflictError, PersistedCase, open_store, record_decision
from soteflow.store import Store, verify
from tests.store.factories import decision, propose_round


@pytest.fixture
def shared_store(settings_store: str) -> Iterator[Store]:
    """The store of the current settings (the one ``soteflow decide`` opens), on either backend."""
    yield open_store()


def _state(store: Store, case: PersistedCase) -> dict[str, tuple[str, list[str]]]:
    """Per key of the case: its status and the outcomes of the decisions on it."""
    out = {}
    for key, vref in case.versions.items():
        version = store.get_version(vref.version_id)
        out[key] = (version.status.value, [str(d.outcome.value) for d in store.decisions_for(version.id)])
    return out


def test_a_decision_read_before_a_competing_commit_is_refused(shared_store: Store) -> None:
    case = propose_round(shared_store)  # secretary A reads the case: everything proposed
    record_decision(store=shared_store, persisted=case, decision=decision("approved"))  # B commits first
    with pytest.raises(DecisionConflictError) as caught:
        record_decision(store=shared_store, persisted=case, decision=decision("returned"))
    assert "needs-proposal v1 was already decided: Hyväksyttiin (Aluehallitus 2026-09-07 101 §" in caught.value.message
    assert "this decision (Palautettiin uudelleen valmisteltavaksi) was not recorded" in caught.value.message
    # The whole case carries B's decision only; nothing of A's got in.
    assert _state(shared_store, case) == {
        "needs-index": ("approved", ["approved"]),
        "needs-proposal": ("approved", ["approved"]),
        "needs-decision-pdf": ("approved", ["approved"]),
    }
    assert verify(shared_store).ok


def test_the_same_decision_again_changes_nothing(shared_store: Store) -> None:
    # A retried step of a run records the very decision it already recorded: not an error.
    case = propose_round(shared_store)
    first = record_decision(store=shared_store, persisted=case, decision=decision("approved"))
    again = record_decision(store=shared_store, persisted=case, decision=decision("approved"))
    assert again.versions == first.versions
    assert _state(shared_store, case)["needs-proposal"] == ("approved", ["approved"])


def test_a_second_secretary_between_check_and_write_is_refused(
    shared_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A checks the case and, before A writes, B reads the case and starts its own decision: B
    waits for A's transaction and is then refused; A's decision stands on every version."""
    case = propose_round(shared_store)
    original_check = stagekit._check_awaiting
    original_record = decide_module.record_decision
    b_reached_its_transaction = threading.Event()
    outcome_of_b: list[BaseException | str] = []

    def b_decides() -> None:
        try:
            outcome_of_b.append(
                record_in_store(
                    region="HVA08", cycle=2026, stage=Stage.NEEDS, case="needs", decision=decision("rejected")
                )
            )
        except BaseException as exc:
            outcome_of_b.append(exc)
        finally:
            b_reached_its_transaction.set()  # also if B failed early: A must not wait in vain

    def record_after_reading(**kwargs: Any) -> PersistedCase:
        # B has read the case (it still looked proposed: A has not committed) and now writes.
        b_reached_its_transaction.set()
        return original_record(**kwargs)

    b = threading.Thread(target=b_decides)
    checks: list[str] = []

    def check_then_let_b_in(session: Any, persisted: PersistedCase, record: DecisionRecord, **kwargs: Any) -> Any:
        result = original_check(session, persisted, record, **kwargs)
        checks.append(record.outcome.value)
        if len(checks) == 1:  # A, after its check and before its write
            b.start()
            assert b_reached_its_transaction.wait(timeout=60)
        return result

    monkeypatch.setattr(stagekit, "_check_awaiting", check_then_let_b_in)
    monkeypatch.setattr(decide_module, "record_decision", record_after_reading)
    message = record_in_store(
        region="HVA08", cycle=2026, stage=Stage.NEEDS, case="needs", decision=decision("approved")
    )
    b.join(timeout=120)
    assert not b.is_alive()
    assert message.startswith("recorded: Aluehallitus 2026-09-07 101 § — Hyväksyttiin (needs-proposal v1")
    [refusal] = outcome_of_b
    assert isinstance(refusal, DecisionConflictError), refusal
    assert "was already decided: Hyväksyttiin" in refusal.message and "(Hylättiin) was not recorded" in refusal.message
    assert checks == ["approved"]  # B's check ran only after A's commit, and refused
    assert {status for status, _ in _state(shared_store, case).values()} == {"approved"}
    assert verify(shared_store).ok


@pytest.mark.parametrize("cycle", [2026, 2027, 2028])
def test_three_secretaries_at_once_one_decision_is_recorded(shared_store: Store, cycle: int) -> None:
    case = propose_round(shared_store, cycle=cycle)
    outcomes = ["approved", "rejected", "returned"]
    barrier = threading.Barrier(len(outcomes))

    def secretary(outcome: str) -> str:
        barrier.wait(timeout=30)
        try:
            return record_in_store(
                region="HVA08", cycle=cycle, stage=Stage.NEEDS, case="needs", decision=decision(outcome)
            )
        except InputError as exc:
            return f"refused: {exc.message}"

    with ThreadPoolExecutor(max_workers=len(outcomes)) as pool:
        results = list(pool.map(secretary, outcomes))
    recorded = [r for r in results if r.startswith("recorded:")]
    assert len(recorded) == 1, results
    assert all("not awaiting a decision" in r or "was not recorded" in r for r in results if r not in recorded)
    winner = outcomes[results.index(recorded[0])]
    state = _state(shared_store, case)
    # The proposal and its document carry the winner's decision, together; the data only if it stands.
    for key in ("needs-proposal", "needs-decision-pdf"):
        assert state[key] == (winner, [winner])
    assert state["needs-index"] == (("approved", ["approved"]) if winner == "approved" else ("proposed", []))
    assert verify(shared_store).ok


def test_decide_from_the_cli_refuses_a_decision_that_lost_the_race(
    shared_store: Store, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tasks.cli import main

    case = propose_round(shared_store)
    original = decide_module.record_decision

    def another_secretary_first(**kwargs: Any) -> PersistedCase:
        # Between this command's reading of the case and its transaction, another one commits.
        original(store=shared_store, persisted=case, decision=decision("approved", recorded_by="Toinen sihteeri"))
        return original(**kwargs)

    monkeypatch.setattr(decide_module, "record_decision", another_secretary_first)
    argv = [
        "decide",
        "--stage",
        "needs",
        "--case",
        "needs",
        "--region",
        "HVA08",
        "--cycle",
        "2026",
        "--outcome",
        "rejected",
        "--body",
        "Aluehallitus",
        "--meeting-date",
        "2026-09-07",
        "--section",
        "102",
        "--recorded-by",
        "Sihteeri",
    ]
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    captured = capsys.readouterr()
    assert "recorded:" not in captured.out
    assert captured.err.startswith("soteflow: error: needs-proposal v1 was already decided: Hyväksyttiin")
    assert "recorded by Toinen sihteeri" in captured.err and "(Hylättiin) was not recorded" in captured.err
    assert "Traceback" not in captured.err
    assert _state(shared_store, case)["needs-proposal"] == ("approved", ["approved"])
