"""The governance gate: scripted decisions, the decision form, and a pause resumed from a thread."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
import uuid
from pathlib import Path

import pytest

from schemas.decisions import Outcome
from schemas.results import Proposal, VersionRef
from schemas.stages import Stage
from soteflow.errors import InputError
from soteflow.gates import DecisionInput, GateMode, await_decision, decision_form, load_scripted, pause_key


def _proposal(version: int = 1) -> Proposal:
    return Proposal(
        stage=Stage.NEEDS,
        region="HVA08",
        cycle=2026,
        proposal=VersionRef(
            version_id=uuid.uuid4(), key="needs-proposal", version=version, sha256="a" * 64,
            status="proposed", media_type="application/json",
        ),
        body="Aluehallitus",
        meeting_date="2026-08-24",
        title="Palvelutarvearvio 2026",
        summary_markdown="**Palvelutarvearvio 2026** — ehdotus",
    )  # fmt: skip


def test_scripted_decisions_take_rounds_in_order_and_default_to_approval(tmp_path: Path) -> None:
    path = tmp_path / "decisions.json"
    path.write_text(json.dumps({"needs": [{"outcome": "returned", "comments": "Lisää kuntavertailu."}]}))
    scripted = load_scripted(path)
    first = await_decision(_proposal(), mode=GateMode.SCRIPTED, round_no=1, scripted=scripted)
    second = await_decision(_proposal(2), mode=GateMode.SCRIPTED, round_no=2, scripted=scripted)
    assert first is not None and second is not None
    assert (first.outcome, first.comments, first.body) == (Outcome.RETURNED, "Lisää kuntavertailu.", "Aluehallitus")
    assert first.meeting_date == dt.date(2026, 8, 24)
    assert second.outcome is Outcome.APPROVED
    assert first.section != second.section  # each handling gets its own §


def test_gate_none_returns_no_decision() -> None:
    assert await_decision(_proposal(), mode=GateMode.NONE, round_no=1) is None


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "not valid JSON"),
        ('{"needs": [{"outcome": "maybe"}]}', "field needs.0.outcome"),
        ('{"nosuchstage": []}', "field nosuchstage"),
    ],
)
def test_bad_decisions_file_names_file_and_field(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "d.json"
    path.write_text(content)
    with pytest.raises(InputError) as err:
        load_scripted(path)
    assert str(path) in err.value.message
    assert expected in err.value.message


def test_missing_decisions_file_is_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        load_scripted(tmp_path / "missing.json")


def test_decision_form_keeps_labels_and_fills_defaults_from_the_proposal() -> None:
    form = decision_form(_proposal())
    schema = form.model_json_schema()
    assert schema["properties"]["body"]["title"] == "Toimielin"
    assert schema["properties"]["body"]["default"] == "Aluehallitus"
    assert schema["properties"]["meeting_date"]["default"] == "2026-08-24"
    assert "approved" in schema["properties"]["outcome"]["description"]
    assert form._description == "**Palvelutarvearvio 2026** — ehdotus"  # shown above the form
    assert issubclass(form, DecisionInput)
    assert pause_key(_proposal(3)) == "decision-needs-needs-proposal-v3"


@pytest.mark.usefixtures("prefect_harness")
def test_pause_is_resumed_with_a_decision_from_another_thread() -> None:
    from prefect import flow
    from prefect.client.orchestration import get_client
    from prefect.context import get_run_context
    from prefect.flow_runs import resume_flow_run

    run_ids: list[uuid.UUID] = []

    @flow(name="gate-pause-test")
    def waits_for_body() -> dict[str, str]:
        run_ids.append(get_run_context().flow_run.id)  # type: ignore[union-attr]
        decision = await_decision(_proposal(), mode=GateMode.PAUSE, round_no=1, pause_timeout=60, poll_interval=1)
        assert decision is not None
        return {"outcome": decision.outcome.value, "comments": decision.comments, "section": decision.section}

    def secretary() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if run_ids:
                with get_client(sync_client=True) as client:
                    state = client.read_flow_run(run_ids[0]).state
                if state is not None and state.is_paused():
                    resume_flow_run(
                        run_ids[0],
                        run_input={
                            "outcome": "returned", "body": "Aluehallitus", "meeting_date": "2026-09-07",
                            "section": "112", "comments": "Tarkenna kuntakohtaiset luvut.", "recorded_by": "Sihteeri",
                        },
                    )  # fmt: skip
                    return
            time.sleep(0.3)

    thread = threading.Thread(target=secretary, daemon=True)
    thread.start()
    result = waits_for_body()
    thread.join(timeout=5)
    assert result == {"outcome": "returned", "comments": "Tarkenna kuntakohtaiset luvut.", "section": "112"}
