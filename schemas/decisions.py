"""A governance body's decision on a proposal, and the scripted decisions of the demo and tests."""

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

    @property
    def label_fi(self) -> str:
        """The outcome as the minutes say it."""
        return {
            Outcome.APPROVED: "Hyväksyttiin",
            Outcome.RETURNED: "Palautettiin uudelleen valmisteltavaksi",
            Outcome.REJECTED: "Hylättiin",
        }[self]


class DecisionRecord(BaseModel):
    """A body's decision on a proposed version, as a governance secretary records it."""

    model_config = ConfigDict(extra="forbid")

    outcome: Outcome = Field(
        description="Päätös: approved (hyväksytty), returned (palautettu uudelleen valmisteltavaksi) "
        "or rejected (hylätty)."
    )
    body: str = Field(min_length=1, description="Toimielin, e.g. Aluehallitus.")
    meeting_date: dt.date = Field(description="Kokouspäivä (meeting date).")
    section: str = Field(min_length=1, description="Pykälä (§ number) in the minutes.")
    decision_number: str | None = Field(default=None, description="Päätösnumero, if the body uses one.")
    comments: str = Field(
        default="",
        description="Perustelut tai palautuksen kommentit: what the body asks to change when it returns the proposal.",
    )
    recorded_by: str = Field(min_length=1, description="Who recorded the decision (pöytäkirjanpitäjä).")

    @field_validator("comments")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()


class ScriptedDecision(BaseModel):
    """One stage's decision in a scripted-decisions file; ``then`` holds the decisions of re-runs."""

    model_config = ConfigDict(extra="forbid")

    outcome: Outcome = Field(default=Outcome.APPROVED, description="The body's decision.")
    body: str | None = Field(default=None, description="Body; default from the region configuration.")
    meeting_date: dt.date | None = Field(default=None, description="Meeting date; default: the proposal's.")
    section: str | None = Field(default=None, description="§ number; default: a running number.")
    comments: str = Field(default="", description="The body's comments.")
    recorded_by: str = Field(default="soteflow demo", description="Who recorded it.")


class ScriptedDecisions(BaseModel):
    """Per stage, the decisions the body takes on successive proposals (demo and tests).

    A stage not listed is approved. ``{"needs": [{"outcome": "returned", "comments": "…"},
    {"outcome": "approved"}]}`` returns the first proposal and approves the second.
    """

    model_config = ConfigDict(extra="forbid")

    stages: dict[Stage, list[ScriptedDecision]] = Field(
        default_factory=dict, description="Decisions per stage, in the order the proposals come."
    )

    def for_round(self, stage: Stage, round_no: int) -> ScriptedDecision:
        """The decision on the ``round_no``-th (1-based) proposal of ``stage``; default approve."""
        decisions = self.stages.get(stage, [])
        if round_no <= len(decisions):
            return decisions[round_no - 1]
        return ScriptedDecision()
