"""A governance body's decision on a case's proposal, and the scripted decisions of the demo and tests."""

from __future__ import annotations

import datetime as dt
from enum import Enum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from schemas.stages import Stage


class Outcome(str, Enum):
    """What the body decided on the proposal."""

    APPROVED = "approved"
    RETURNED = "returned"  # palautettiin uudelleen valmisteltavaksi
    REJECTED = "rejected"
    NOTED = "noted"  # merkittiin tiedoksi: a report the body takes note of

    @property
    def label_fi(self) -> str:
        """The outcome as the minutes say it."""
        return _LABELS_FI[self]

    @property
    def form_label_fi(self) -> str:
        """The outcome as a choice in the decision form (past participle, lower case)."""
        return _FORM_LABELS_FI[self]

    @property
    def final(self) -> bool:
        """Whether the outcome ends the case with the proposal standing (approved or noted)."""
        return self in (Outcome.APPROVED, Outcome.NOTED)


_LABELS_FI = {
    Outcome.APPROVED: "Hyväksyttiin",
    Outcome.RETURNED: "Palautettiin uudelleen valmisteltavaksi",
    Outcome.REJECTED: "Hylättiin",
    Outcome.NOTED: "Merkittiin tiedoksi",
}
_FORM_LABELS_FI = {
    Outcome.APPROVED: "hyväksytty",
    Outcome.RETURNED: "palautettu uudelleen valmisteltavaksi",
    Outcome.REJECTED: "hylätty",
    Outcome.NOTED: "merkitty tiedoksi",
}

#: What a body may decide on an ordinary proposal, and on a report it only takes note of.
DECISION_OUTCOMES = (Outcome.APPROVED, Outcome.RETURNED, Outcome.REJECTED)
NOTING_OUTCOMES = (Outcome.NOTED, Outcome.RETURNED)


def _stripped(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class DecisionRecord(BaseModel):
    """A body's decision on a proposed version, as a governance secretary records it.

    Lengths follow the store's columns, so a value is refused here and never mid-transaction.
    """

    model_config = ConfigDict(extra="forbid")

    outcome: Outcome = Field(
        description="Päätös: approved (hyväksytty), returned (palautettu uudelleen valmisteltavaksi), "
        "rejected (hylätty) or noted (merkitty tiedoksi)."
    )
    body: str = Field(min_length=1, max_length=200, description="Toimielin, e.g. Aluehallitus.")
    meeting_date: dt.date = Field(description="Kokouspäivä (meeting date).")
    section: str = Field(min_length=1, max_length=20, description="Pykälä (§ number) in the minutes.")
    decision_number: str | None = Field(default=None, max_length=50, description="Päätösnumero, if the body uses one.")
    comments: str = Field(
        default="",
        description="Perustelut tai palautuksen kommentit: what the body asks to change when it returns the proposal.",
    )
    recorded_by: str = Field(min_length=1, max_length=200, description="Who recorded the decision (pöytäkirjanpitäjä).")

    @field_validator("body", "section", "recorded_by", "comments", "decision_number", mode="before")
    @classmethod
    def _strip(cls, value: str | None) -> str | None:
        return _stripped(value) or (None if value is None else "")

    @field_validator("decision_number")
    @classmethod
    def _empty_is_none(cls, value: str | None) -> str | None:
        return value or None


class ScriptedDecision(BaseModel):
    """One case's decision in a scripted-decisions file; later entries decide the re-prepared proposals."""

    model_config = ConfigDict(extra="forbid")

    outcome: Outcome | None = Field(
        default=None, description="The body's decision; default: the case's standing outcome (approved or noted)."
    )
    body: str | None = Field(default=None, description="Body; default from the region configuration.")
    meeting_date: dt.date | None = Field(default=None, description="Meeting date; default: the proposal's.")
    section: str | None = Field(default=None, description="§ number; default: a running number.")
    comments: str = Field(default="", description="The body's comments.")
    recorded_by: str = Field(default="soteflow demo", description="Who recorded it.")


class ScriptedDecisions(BaseModel):
    """Per stage (and per case), the decisions the body takes on successive proposals (demo and tests).

    A stage or case not listed gets its standing outcome (approved, or noted for a report).
    ``{"needs": [{"outcome": "returned", "comments": "…"}, {"outcome": "approved"}]}`` returns the
    first stage-1 proposal and approves the second; a list applies to every case of the stage.
    ``{"procurement": {"procurement-plan": [...], "award-kotihoito": [...]}}`` names the cases.
    """

    model_config = ConfigDict(extra="forbid")

    stages: dict[Stage, list[ScriptedDecision] | dict[str, list[ScriptedDecision]]] = Field(
        default_factory=dict, description="Decisions per stage (or per case), in the order the proposals come."
    )

    def for_round(self, stage: Stage, case: str, round_no: int) -> ScriptedDecision:
        """The decision on the ``round_no``-th (1-based) proposal of ``case``; default: the standing outcome."""
        entry = self.stages.get(stage, [])
        decisions = entry.get(case, []) if isinstance(entry, dict) else entry
        if round_no <= len(decisions):
            return decisions[round_no - 1]
        return ScriptedDecision()


class EarlierDecision(BaseModel):
    """A decision already taken on an earlier version of a case's proposal (its *aiempi käsittely*)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = Field(description="The decided proposal version.")
    sha256: str = Field(description="That version's sha256.")
    body: str = Field(description="The body that decided.")
    meeting_date: dt.date = Field(description="Meeting date.")
    section: str = Field(description="§ in the minutes.")
    outcome: Outcome = Field(description="What was decided.")
    comments: str = Field(default="", description="The body's comments.")
