"""The governance gate: scripted decisions, the decision form, and a pause resumed from a thread."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
import uuid
from pathlib import Path

import pytest

from schemas.decisions import DECISION_OUTCOMES, NOTING_OUTCOMES, DecisionRecord, Outcome
from schemas.results import Proposal, VersionRef
from schemas.stages import Stage
from soteflow.errors import InputError
from soteflow.gates import DecisionInput, GateMode, await_decision, decision_form, load_scripted, pause_key


def _proposal(version: int = 1, outcomes: tuple[Outcome, ...] = DECISION_OUTCOMES) -> Proposal:
    return Proposal(
        stage=Stage.NEEDS,
        case="needs",
        outcomes=list(outcomes),
        region="HVA08",
        cycle=2026,
        proposal=VersionRef(
            version_id=uuid.uuid4(),
            key="needs-proposal",
            version=version,
            sha256="a" * 64,
            status="proposed",
            media_type="application/json",
        ),
        body="Aluehallitus",
        meeting_date="2026-08-24",
        title="Palvelutarvearvio 2026",
        summary_markdown="**Palvelutarvearvio 2026** — ehdotus",
    )


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


def test_a_report_is_noted_by_default_and_cannot_be_approved(tmp_path: Path) -> None:
    report = _proposal(outcomes=NOTING_OUTCOMES)
    noted = await_decision(report, mode=GateMode.SCRIPTED, round_no=1, scripted=load_scripted(None))
    assert noted is not None and noted.outcome is Outcome.NOTED
    path = tmp_path / "decisions.json"
    path.write_text(json.dumps({"needs": {"needs": [{"outcome": "approved"}]}}))  # by case
    with pytest.raises(
        InputError, match="approved is not a decision on this case; the body may decide: noted, returned"
    ):
        await_decision(report, mode=GateMode.SCRIPTED, round_no=1, scripted=load_scripted(path))


def test_scripted_decisions_by_case_leave_other_cases_to_their_default(tmp_path: Path) -> None:
    path = tmp_path / "decisions.json"
    path.write_text(json.dumps({"needs": {"other-case": [{"outcome": "rejected"}]}}))
    decision = await_decision(_proposal(), mode=GateMode.SCRIPTED, round_no=1, scripted=load_scripted(path))
    assert decision is not None and decision.outcome is Outcome.APPROVED


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


def test_decision_form_is_finnish_keeps_labels_and_fills_defaults_from_the_proposal() -> None:
    form = decision_form(_proposal())
    schema = form.model_json_schema()
    properties = schema["properties"]
    assert properties["body"]["title"] == "Toimielin"
    assert properties["body"]["default"] == "Aluehallitus"
    assert properties["meeting_date"]["default"] == "24.8.2026"  # the Finnish date, not 2026-08-24
    # The case's outcomes only, as the minutes say them.
    assert properties["outcome"]["enum"] == ["hyväksytty", "palautettu uudelleen valmisteltavaksi", "hylätty"]
    assert decision_form(_proposal(outcomes=NOTING_OUTCOMES)).model_json_schema()["properties"]["outcome"]["enum"] == [
        "merkitty tiedoksi",
        "palautettu uudelleen valmisteltavaksi",
    ]
    # Titles and descriptions in Finnish: no English word of the old form is left.
    assert schema["required"] == list(properties)  # no "(Optional)" added by the UI
    for name, field in properties.items():
        text = f"{field['title']} {field['description']}"
        assert not any(word in text for word in ("approved", "returned", "The body", "Optional", "Date of")), name
    # The optional text fields are strings: a decision without a number is sent as "", not null.
    record = DecisionRecord(
        outcome=Outcome.APPROVED,
        body="Aluehallitus",
        meeting_date=dt.date(2026, 8, 24),
        section="12",
        recorded_by="Sihteeri",
    )
    payload = DecisionInput.payload(record)
    assert payload["decision_number"] == "" and payload["outcome"] == "hyväksytty"
    assert payload["meeting_date"] == "24.8.2026"
    assert properties["decision_number"]["type"] == "string"
    assert form.model_validate(payload).to_record() == record
    assert issubclass(form, DecisionInput)
    assert pause_key(_proposal(3)) == "decision-hva08-2026-needs-needs-proposal-v3"


def test_the_labels_of_the_form_are_the_outcomes_labels() -> None:
    from typing import get_args

    from soteflow.gates import OUTCOME_LABELS, OutcomeLabel

    assert set(get_args(OutcomeLabel)) == set(OUTCOME_LABELS.values())


def test_the_form_refuses_a_return_without_comments_in_its_schema_and_its_validator() -> None:
    from prefect.utilities.schema_tools.validation import validate

    form = decision_form(_proposal())
    schema = form.model_json_schema()
    returned = {
        "outcome": "palautettu uudelleen valmisteltavaksi",
        "body": "Aluehallitus",
        "meeting_date": "7.9.2026",
        "section": "12",
        "decision_number": "",
        "comments": "",
        "recorded_by": "Sihteeri",
    }
    # What the Prefect server checks before it resumes the run (the same validator).
    errors = validate(returned, schema, raise_on_error=False)
    assert errors, "a return without comments passed the schema"
    assert not validate({**returned, "comments": "Täydennä luvut."}, schema, raise_on_error=False)
    assert validate({**returned, "comments": "   "}, schema, raise_on_error=False)
    with pytest.raises(ValueError, match="palautettaessa tarvitaan kommentit"):
        form.model_validate(returned)
    with pytest.raises(ValueError, match=r"pp\.kk\.vvvv"):
        form.model_validate({**returned, "comments": "x", "meeting_date": "31.2.2026"})
    assert form.model_validate(
        {**returned, "comments": "x", "meeting_date": "2026-09-07"}
    ).to_record().meeting_date == (dt.date(2026, 9, 7))


def test_the_dialog_shows_a_short_summary_and_the_link_to_the_document() -> None:
    long = "**Palvelutarvearvio 2026** — Pirkanmaa\n\n" + "\n".join(f"- havainto {i} " + "x" * 80 for i in range(20))
    proposal = _proposal().model_copy(
        update={"summary_markdown": long, "document_url": "https://asiakirjat.example/ab/abcd.pdf"}
    )
    # With the first field, inside the form (the dialog leaves no height to text above the form).
    description = decision_form(proposal).model_json_schema()["properties"]["outcome"]["description"]
    assert description.startswith("Mitä toimielin päätti ehdotuksesta?\n\n**Palvelutarvearvio 2026** — Pirkanmaa")
    assert len(description) < 950 and "- havainto 19" not in description and "…" in description
    assert "[Päätösesitys kokonaisuudessaan (PDF)](https://asiakirjat.example/ab/abcd.pdf)" in description
    assert "`needs-proposal` v1" in description


def test_gate_suspend_without_a_deployment_and_pause_without_a_server_say_so() -> None:
    from soteflow.gates import check_gate_possible

    with pytest.raises(InputError, match=r"^gate suspend needs a deployment's flow run"):
        check_gate_possible(GateMode.SUSPEND)
    from prefect.settings import PREFECT_API_URL, temporary_settings

    # Without a server (the session's test harness, when started, sets one).
    with (
        temporary_settings(restore_defaults={PREFECT_API_URL}),
        pytest.raises(InputError, match=r"^gate pause needs a Prefect server: set PREFECT_API_URL"),
    ):
        check_gate_possible(GateMode.PAUSE)
    check_gate_possible(GateMode.SCRIPTED)


@pytest.mark.prefect
@pytest.mark.usefixtures("prefect_harness")
def test_decide_finds_the_paused_run_by_region_name_and_resumes_it_without_a_decision_number() -> None:
    """Regression: ``soteflow decide`` without ``--decision-number`` on a waiting run was refused by
    the server (null for a string field), and a run started with a region *name* was not found."""
    from prefect import flow
    from prefect.client.orchestration import get_client
    from prefect.context import get_run_context

    from soteflow.decide import decide_case

    run_ids: list[uuid.UUID] = []

    @flow(name=Stage.NEEDS.slug)  # found by the stage's flow name, as a real stage run is
    def waits_for_body(region: str = "Pirkanmaa", cycle: int = 2026) -> dict[str, str | None]:
        run_ids.append(get_run_context().flow_run.id)  # type: ignore[union-attr]
        decision = await_decision(_proposal(), mode=GateMode.PAUSE, round_no=1, pause_timeout=60, poll_interval=1)
        assert decision is not None
        return {"outcome": decision.outcome.value, "comments": decision.comments, "number": decision.decision_number}

    messages: list[str] = []

    def secretary() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if run_ids:
                with get_client(sync_client=True) as client:
                    state = client.read_flow_run(run_ids[0]).state
                if state is not None and state.is_paused():
                    record = DecisionRecord(
                        outcome=Outcome.RETURNED,
                        body="Aluehallitus",
                        meeting_date=dt.date(2026, 9, 7),
                        section="112",
                        comments="Tarkenna kuntakohtaiset luvut.",
                        recorded_by="Sihteeri",
                    )
                    messages.append(
                        decide_case(
                            region="HVA08",
                            cycle=2026,
                            stage=Stage.NEEDS,
                            case="needs",
                            decision=record,
                            region_matches=lambda text: text in {"HVA08", "Pirkanmaa"},
                        )
                    )
                    return
            time.sleep(0.3)

    thread = threading.Thread(target=secretary, daemon=True)
    thread.start()
    result = waits_for_body()
    thread.join(timeout=5)
    assert messages and messages[0].startswith(f"resumed flow run {run_ids[0]}")
    assert result == {"outcome": "returned", "comments": "Tarkenna kuntakohtaiset luvut.", "number": None}
    assert "(Palautettiin uudelleen valmisteltavaksi)" in messages[0]
