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
from pydantic import ConfigDict, Field, model_validator

from schemas.decisions import DecisionRecord, Outcome, ScriptedDecisions
from schemas.results import Proposal
from schemas.stages import Stage
from soteflow.errors import InputError


class GateMode(str, Enum):
    """How a stage waits for the body's decision."""

    SUSPEND = "suspend"
    PAUSE = "pause"
    SCRIPTED = "scripted"
    NONE = "none"


#: The outcome as the form offers it (Finnish, as the minutes say it), and back.
OUTCOME_LABELS: dict[Outcome, str] = {o: o.form_label_fi for o in Outcome}
_OUTCOME_OF_LABEL = {label: outcome for outcome, label in OUTCOME_LABELS.items()}
OutcomeLabel = Literal[
    "hyväksytty", "palautettu uudelleen valmisteltavaksi", "hylätty", "merkitty tiedoksi"
]  # the labels of OUTCOME_LABELS (a test keeps them equal)

#: A meeting date as the form takes it: ``7.9.2026`` (also ``2026-09-07``).
_DATE_PATTERN = r"^\s*(\d{1,2}\.\d{1,2}\.\d{4}|\d{4}-\d{2}-\d{2})\s*$"

#: How long the summary above the form may be (characters): the Resume dialog shows it whole.
SUMMARY_LIMIT = 600


def fi_form_date(value: dt.date) -> str:
    """A date as the form shows it: ``7.9.2026``."""
    return f"{value.day}.{value.month}.{value.year}"


def parse_form_date(text: str) -> dt.date:
    """``7.9.2026`` or ``2026-09-07`` as a date (ValueError otherwise)."""
    text = text.strip()
    if "." in text:
        day, month, year = (int(part) for part in text.split("."))
        return dt.date(year, month, day)
    return dt.date.fromisoformat(text)


def _form_schema(schema: dict[str, Any]) -> None:
    # Every field is listed as required, also those with a default: the UI would otherwise add an
    # English "(Optional)" to their titles. Its text boxes send "" when left empty, which the
    # optional fields accept.
    schema["required"] = list(schema.get("properties", {}))
    _returned_needs_comments(schema)


def _returned_needs_comments(schema: dict[str, Any]) -> None:
    # The form itself refuses a return without comments: the server validates the submitted input
    # against this schema (JSON Schema if/then) before the run is resumed. The next proposal answers
    # the comments; without them it could only say "(ei kommentteja)".
    schema["if"] = {
        "properties": {"outcome": {"const": OUTCOME_LABELS[Outcome.RETURNED]}},
        "required": ["outcome"],
    }
    schema["then"] = {"properties": {"comments": {"minLength": 1, "pattern": r"\S"}}, "required": ["comments"]}


class DecisionInput(RunInput):
    """Toimielimen päätös ehdotuksesta."""

    model_config = ConfigDict(json_schema_extra=_form_schema)

    outcome: OutcomeLabel = Field(
        title="Päätös",
        description="Mitä toimielin päätti ehdotuksesta.",
    )
    body: str = Field(
        min_length=1, max_length=200, title="Toimielin", description="Päättänyt toimielin, esimerkiksi aluehallitus."
    )
    meeting_date: str = Field(
        pattern=_DATE_PATTERN,
        title="Kokouspäivä",
        description="Kokouksen päivämäärä muodossa pp.kk.vvvv, esimerkiksi 7.9.2026.",
    )
    section: str = Field(
        min_length=1, max_length=20, title="Pykälä (§)", description="Pöytäkirjan pykälän numero, esimerkiksi 112."
    )
    # A plain text box in the UI form (an optional type would show as a type toggle); "" = none.
    decision_number: str = Field(
        default="",
        max_length=50,
        title="Päätösnumero",
        description="Vapaaehtoinen: jätä tyhjäksi, jos toimielin ei numeroi päätöksiään.",
    )
    comments: str = Field(
        default="",
        title="Kommentit",
        description="Toimielimen kommentit tai perustelut. Pakollinen, kun ehdotus palautetaan uudelleen "
        "valmisteltavaksi: uusi ehdotus vastaa niihin.",
    )
    recorded_by: str = Field(min_length=1, max_length=200, title="Kirjaaja", description="Päätöksen kirjaajan nimi.")

    @model_validator(mode="after")
    def _check(self) -> DecisionInput:
        try:
            parse_form_date(self.meeting_date)
        except ValueError:
            raise ValueError(f"kokouspäivä {self.meeting_date!r} ei ole päivämäärä (pp.kk.vvvv)") from None
        if self.outcome == OUTCOME_LABELS[Outcome.RETURNED] and not self.comments.strip():
            raise ValueError("palautettaessa tarvitaan kommentit: uusi ehdotus vastaa niihin")
        return self

    def to_record(self) -> DecisionRecord:
        """The decision as a plain schema model, ready to be stored."""
        data = self.model_dump(include=set(DecisionRecord.model_fields))
        data["outcome"] = _OUTCOME_OF_LABEL[self.outcome]
        data["meeting_date"] = parse_form_date(self.meeting_date)
        data["decision_number"] = data["decision_number"] or None
        return DecisionRecord.model_validate(data)

    @classmethod
    def payload(cls, decision: DecisionRecord) -> dict[str, Any]:
        """``decision`` as the run input this form accepts (what ``soteflow decide`` sends).

        The form's optional text fields are strings (``""`` for none): the server validates the
        input against the form's schema, and would refuse a ``null``.
        """
        data = decision.model_dump(mode="json")
        data["outcome"] = OUTCOME_LABELS[decision.outcome]
        data["meeting_date"] = fi_form_date(decision.meeting_date)
        data["decision_number"] = data["decision_number"] or ""
        return data


def short_summary(markdown: str, limit: int = SUMMARY_LIMIT) -> str:
    """The summary cut at a line so that it stays within ``limit`` characters (``…`` when cut)."""
    kept: list[str] = []
    size = 0
    lines = markdown.strip().splitlines()
    for line in lines:
        if size + len(line) > limit and kept:
            while kept and not kept[-1].strip():
                kept.pop()
            kept.append("…")
            break
        kept.append(line)
        size += len(line) + 1
    return "\n".join(kept)


def form_description(proposal: Proposal) -> str:
    """What the form shows with its first field: the short summary and the link to the PDF.

    Inside the form, not above it: Prefect's Resume dialog gives the text above the form the height
    the form leaves, none in a 1000-pixel window, while the form itself scrolls.
    """
    # List items a blank line apart: the UI's field descriptions would join "- a\n- b" into one item.
    summary = short_summary(proposal.summary_markdown).replace("\n- ", "\n\n- ")
    parts = ["Mitä toimielin päätti ehdotuksesta?", summary]
    if proposal.document_url:
        parts.append(f"[Päätösesitys kokonaisuudessaan (PDF)]({proposal.document_url})")
    parts.append(
        f"Ehdotus `{proposal.proposal.key}` v{proposal.proposal.version}, sha256 `{proposal.proposal.sha256[:16]}…`"
    )
    return "\n\n".join(parts)


def decision_form(proposal: Proposal) -> type[DecisionInput]:
    """A DecisionInput subclass for one proposal: its body and date filled in, only the case's
    outcomes offered, and its short summary with the link to the document shown with the first field.

    Prefect's ``with_initial_data`` would drop the field titles and descriptions that label the
    form, so the defaults are set on copies of the original fields.
    """
    defaults: dict[str, Any] = {
        "body": proposal.body,
        "meeting_date": fi_form_date(dt.date.fromisoformat(proposal.meeting_date)),
    }
    fields: dict[str, Any] = {}
    for name, value in defaults.items():
        original = DecisionInput.model_fields[name]
        fields[name] = (
            original.annotation,
            Field(default=value, title=original.title, description=original.description),
        )
        fields[name][1].metadata.extend(original.metadata)  # lengths and the date's pattern
    allowed = tuple(OUTCOME_LABELS[o] for o in proposal.outcomes)
    outcome = DecisionInput.model_fields["outcome"]
    fields["outcome"] = (
        Literal[allowed],  # built from the case's outcomes
        Field(title=outcome.title, description=form_description(proposal)),
    )
    model: type[DecisionInput] = pydantic.create_model("DecisionInput", __base__=DecisionInput, **fields)
    return model


def pause_key(proposal: Proposal) -> str:
    """A pause key per region, cycle and proposal version, so a re-run proposal waits for a new
    decision and ``soteflow decide`` finds the run however its region was given (code or name)."""
    return pause_key_prefix(proposal.region, proposal.cycle, proposal.stage, proposal.proposal.key) + str(
        proposal.proposal.version
    )


def pause_key_prefix(region: str, cycle: int, stage: Stage, proposal_key: str) -> str:
    """The pause keys of every version of a case's proposal start with this."""
    return f"decision-{region.lower()}-{cycle}-{stage.value}-{proposal_key}-v"


def check_gate_possible(mode: GateMode) -> None:
    """Refuse, in one line (an :class:`InputError`), a gate that cannot wait here.

    ``suspend`` needs a flow run of a deployment that is not a subflow (Prefect re-runs the
    deployment on resume, and cannot suspend a subflow); ``pause`` needs a Prefect server others
    can reach (``PREFECT_API_URL``), not the temporary one a bare process starts.
    """
    if mode not in (GateMode.PAUSE, GateMode.SUSPEND):
        return
    from prefect.context import FlowRunContext
    from prefect.settings import PREFECT_API_URL

    context = FlowRunContext.get()
    run = context.flow_run if context is not None else None
    if mode is GateMode.SUSPEND:
        if run is None or run.deployment_id is None:
            raise InputError(
                "gate suspend needs a deployment's flow run (prefect deployment run 'needs/needs' …); "
                "use --gate pause with a server, none or scripted"
            )
        if run.parent_task_run_id is not None:
            raise InputError("gate suspend cannot wait in a subflow: run each stage as its own deployment")
    elif not PREFECT_API_URL.value():
        raise InputError("gate pause needs a Prefect server: set PREFECT_API_URL (see the README)")


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


def _submitted(form: type[DecisionInput], key: str) -> DecisionInput | None:
    """The decision already submitted for this suspension of the current run, if any.

    A resumed run goes through its gate again; Prefect recognises the suspension by its key and
    returns the input, but should the server accept the suspension a second time, the run would
    wait again for a decision already given. The submitted input is looked for first.
    """
    from prefect.context import FlowRunContext
    from prefect.input.actions import read_flow_run_input
    from prefect.logging import get_run_logger

    context = FlowRunContext.get()
    if context is None or context.flow_run is None:
        return None
    value = read_flow_run_input(f"suspended-{key}-response", flow_run_id=context.flow_run.id)
    logger = get_run_logger()
    if not value:
        logger.info("waiting for the body's decision (%s)", key)
        return None
    logger.info("the body's decision was submitted (%s)", key)
    return form.model_validate(value)


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
    check_gate_possible(mode)
    form = decision_form(proposal)
    answer: DecisionInput | None
    if mode is GateMode.PAUSE:
        from soteflow.settings import get_settings

        answer = pause_flow_run(
            wait_for_input=form,
            timeout=pause_timeout,
            poll_interval=poll_interval or get_settings().pause_poll_seconds,
            key=pause_key(proposal),
        )
    else:
        answer = _submitted(form, pause_key(proposal))
        if answer is None:
            # No timeout: a body meets on its own calendar, and a suspended run holds no process.
            answer = suspend_flow_run(wait_for_input=form, key=pause_key(proposal))
    if answer is None:  # pragma: no cover - Prefect returns the input or raises
        raise RuntimeError("the flow run was resumed without a decision")
    # The form refuses a return without comments (its schema and its validator).
    return answer.to_record()
