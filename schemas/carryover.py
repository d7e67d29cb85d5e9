"""What an approved evaluation (stage 7) carries into the next cycle's stage 1: the targets not
reached, the high risks and the priorities to revisit. Apart from :mod:`schemas.evaluation` so that
stage 1's schemas can hold it without importing every stage's schemas."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Status(StrEnum):
    """A target's status at the evaluation."""

    REACHED = "reached"
    PROGRESSING = "progressing"
    NOT_REACHED = "not_reached"
    WORSENED = "worsened"
    NO_DATA = "no_data"

    @property
    def label_fi(self) -> str:
        """The status as printed."""
        return {
            "reached": "saavutettu",
            "progressing": "edistyy",
            "not_reached": "ei saavutettu",
            "worsened": "heikentynyt",
            "no_data": "ei tietoa",
        }[self.value]


class CarriedTarget(_Model):
    """A target the next cycle starts from (not reached or worsened)."""

    target_id: str = Field(description="Tavoite")
    client_group: str = Field(description="Asiakasryhmä (nimi)")
    indicator: str = Field(description="Mittari")
    status: Status = Field(description="Tila")
    grade: int | None = Field(description="Arvosana")
    text: str = Field(description="Kuvaus suomeksi")


class CarriedRisk(_Model):
    """A risk of the high band the next cycle starts from."""

    risk_id: str = Field(description="Tunniste")
    description: str = Field(description="Riski")
    index: int = Field(description="Riski-indeksi")
    owner: str = Field(description="Vastuu")


class Carryover(_Model):
    """What stage 1 of the next cycle starts from: targets not reached, high risks, priorities to revisit."""

    region_code: str = Field(description="Hyvinvointialue")
    cycle: int = Field(description="Arvioitu kierros")
    targets: list[CarriedTarget] = Field(description="Saavuttamatta jääneet tavoitteet")
    risks: list[CarriedRisk] = Field(description="Suuret riskit")
    priorities: list[str] = Field(description="Uudelleen arvioitavat painotukset ja priorisoinnit")
