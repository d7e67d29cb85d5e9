"""Governance gates: a stage proposes its decision document and waits for the body's decision.

Modes (DESIGN.md, "Governance gates"):

* ``suspend`` — from a deployment: :func:`prefect.flow_runs.suspend_flow_run` ends the process;
  on resume the flow restarts, its tasks come back from persisted results and the store's
  idempotent saves return the same versions, and this gate returns the submitted decision.
* ``pause`` — an interactive local run against a server: :func:`prefect.flow_runs.pause_flow_run`
  blocks until the form is submitted (Prefect UI or ``soteflow decide``).
* ``scripted`` — demo and tests: the decision comes from a :class:`ScriptedDecisions` file.
* ``none`` — propose and stop; the decision is recorded later with ``soteflow decide``.
"""

from __future__ import annotations

import datetime as dt
import json
from enum import Enum
from pathlib import Path
from typing import Any, Literal

import pydantic
from prefect.flow_runs import pause_flow_run, suspend_flow_run
from prefect.input import RunInput
from pydantic import Field

from schemas.decisions import DecisionRecord, Outcome, ScriptedDecisions
from schemas.results import Proposal
from soteflow.errors import InputError


class GateMode(str, Enum):
    """How a stage waits for the body's decision."""

    SUSPEND = "suspend"
    PAUSE = "pause"
    SCRIPTED = "scripted"
    NONE = "none"


class DecisionInput(RunInput):
    """The decision form the Prefect UI shows on a paused or suspended stage run."""

    outcome: Outcome = Field(
        title="Päätös",
        description="approved = hyväksytty, returned = palautettu uudelleen valmisteltavaksi, rejected = hylätty, "
        "noted = merkitty tiedoksi",
    )
    body: str = Field(title="Toimielin", description="The body that decided, e.g. Aluehallitus.")
    meeting_date: dt.date = Field(title="Kokouspäivä", description="Date of the meeting.")
    section: str = Field(title="Pykälä (§)", description="Section number in the minutes.")
    # A plain text box in the UI form (an optional type would show as a type toggle); "" = none.
    decision_number: str = Field(default="", title="Päätösnumero", description="Optional.")
    comments: str = Field(
        default="",
        title="Kommentit",
        description="The body's comments; required when the proposal is returned.",
    )
    recorded_by: str = Field(title="Kirjaaja", description="Who records the decision.")

    def to_record(self) -> DecisionRecord:
        """The decision as a plain schema model, ready to be stored."""
        data = self.model_dump(include=set(DecisionRecord.model_fields))
        data["outcome"] = Outcome(data["outcome"])
        data["decision_number"] = data["decision_number"] or None
        return DecisionRecord.model_validate(data)

    @classmethod
    def payload(cls, decision: DecisionRecord) -> dict[str, Any]:
        """``decision`` as the run input this form accepts (what ``soteflow decide`` sends).

        The form's optional text fields are strings (``""`` for none): the server validates the
        input against the form's schema, and would refuse a ``null``.
        """
        data = decision.model_dump(mode="json")
        data["decision_number"] = data["decision_number"] or ""
        return data


def decision_form(proposal: Proposal) -> type[DecisionInput]:
    """A DecisionInput subclass for one proposal: its body and date filled in, only the case's
    outcomes offered, and its summary shown above the form.

    Prefect's ``with_initial_data`` would drop the field titles and descriptions that label the
    form, so the defaults are set on copies of the original fields.
    """
    defaults: dict[str, Any] = {
        "body": proposal.body,
        "meeting_date": dt.date.fromisoformat(proposal.meeting_date),
    }
    fields: dict[str, Any] = {}
    for name, value in defaults.items():
        original = DecisionInput.model_fields[name]
        fields[name] = (
            original.annotation,
            Field(default=value, title=original.title, description=original.description),
        )
    allowed = tuple(o.value for o in proposal.outcomes)
    outcome = DecisionInput.model_fields["outcome"]
    fields["outcome"] = (
        Literal[allowed],  # built from the case's outcomes
        Field(title=outcome.title, description=", ".join(f"{o.value} = {o.form_label_fi}" for o in proposal.outcomes)),
    )
    model: type[DecisionInput] = pydantic.create_model("DecisionInput", __base__=DecisionInput, **fields)
    model._description = proposal.summary_markdown  # shown above the form
    return model


def pause_key(proposal: Proposal) -> str:
    """A pause key per proposal version, so a re-run proposal waits for a new decision."""
    return f"decision-{proposal.stage.value}-{proposal.proposal.key}-v{proposal.proposal.version}"


def load_scripted(path: str | Path | None) -> ScriptedDecisions:
    """Read a scripted-decisions JSON file (``{"needs": [{"outcome": "approved"}]}``); none: approve all."""
    if path is None:
        return ScriptedDecisions()
    file = Path(path)
    if file.is_dir():
        raise InputError("is a folder, not a decisions file", file=file, field="--decisions")
    try:
        raw = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("the decisions file does not exist", file=file) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"not valid JSON: {exc}", file=file) from None
    try:
        return ScriptedDecisions.model_validate({"stages": raw})
    except pydantic.ValidationError as exc:
        first = exc.errors()[0]
        # A union's errors name its members ("list[ScriptedDecision]"): not part of the file's path.
        loc = ".".join(str(p) for p in first["loc"][1:] if "[" not in str(p))
        raise InputError(first["msg"], file=file, field=loc or None) from None


def scripted_decision(proposal: Proposal, decisions: ScriptedDecisions, round_no: int) -> DecisionRecord:
    """The scripted decision on the ``round_no``-th proposal of a case, completed from the proposal.

    Without a scripted outcome the case gets its standing one (approved, or noted for a report).
    """
    script = decisions.for_round(proposal.stage, proposal.case, round_no)
    outcome = script.outcome or proposal.outcomes[0]
    if outcome not in proposal.outcomes:
        allowed = ", ".join(o.value for o in proposal.outcomes)
        raise InputError(
            f"{outcome.value} is not a decision on this case; the body may decide: {allowed}",
            field=f"{proposal.stage.value}.{proposal.case}",
        )
    return DecisionRecord(
        outcome=outcome,
        body=script.body or proposal.body,
        meeting_date=script.meeting_date or dt.date.fromisoformat(proposal.meeting_date),
        section=script.section or f"{proposal.stage.number * 10 + round_no}",
        comments=script.comments,
        recorded_by=script.recorded_by,
    )


def await_decision(
    proposal: Proposal,
    *,
    mode: GateMode,
    round_no: int,
    scripted: ScriptedDecisions | None = None,
    pause_timeout: int = 7 * 24 * 3600,
    poll_interval: int | None = None,
) -> DecisionRecord | None:
    """Wait for the body's decision on ``proposal`` the way ``mode`` says; ``None`` in mode none.

    Must be called from the flow itself (not from a task): pausing and suspending act on the
    flow run.
    """
    if mode is GateMode.NONE:
        return None
    if mode is GateMode.SCRIPTED:
        return scripted_decision(proposal, scripted or ScriptedDecisions(), round_no)
    form = decision_form(proposal)
    if mode is GateMode.PAUSE:
        from soteflow.settings import get_settings

        answer = pause_flow_run(
            wait_for_input=form,
            timeout=pause_timeout,
            poll_interval=poll_interval or get_settings().pause_poll_seconds,
            key=pause_key(proposal),
        )
    else:
        # No timeout: a body meets on its own calendar, and a suspended run holds no process.
        answer = suspend_flow_run(wait_for_input=form, key=pause_key(proposal))
    if answer is None:  # pragma: no cover - Prefect returns the input or raises
        raise RuntimeError("the flow run was resumed without a decision")
    record = answer.to_record()
    if record.outcome is Outcome.RETURNED and not record.comments:
        # A return without comments cannot be answered by a new proposal; the form says so.
        record = record.model_copy(update={"comments": "(ei kommentteja)"})
    return record
