"""The seven stages of the service-organising process, in order: the one place the order lives."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

from pydantic import Field

#: The first planning cycle: the welfare regions took over on 1.1.2023 (laki 616/2021).
FIRST_CYCLE = 2023
#: A guard against typos such as 20226 or 0; no plan reaches this far.
LAST_CYCLE = 2100

#: A planning cycle (the year whose budget and plan a cycle prepares).
Cycle = Annotated[
    int,
    Field(ge=FIRST_CYCLE, le=LAST_CYCLE, description=f"Planning cycle (year, {FIRST_CYCLE}–{LAST_CYCLE})."),
]


class Stage(str, Enum):
    """A stage of the palvelujen järjestämisprosessi (2018 Pirkanmaa working-group report)."""

    NEEDS = "needs"
    TARGETS = "targets"
    CHAINS = "chains"
    COMPARISON = "comparison"
    PROCUREMENT = "procurement"
    STEERING = "steering"
    EVALUATION = "evaluation"

    @property
    def number(self) -> int:
        """1-based position in the cycle."""
        return list(Stage).index(self) + 1

    @property
    def title_fi(self) -> str:
        """The stage's Finnish name."""
        return _TITLES_FI[self]

    @property
    def slug(self) -> str:
        """Folder and key prefix, e.g. ``s1-needs``."""
        return f"s{self.number}-{self.value}"


_TITLES_FI = {
    Stage.NEEDS: "Strateginen palvelutarpeiden arviointi",
    Stage.TARGETS: "Tuloksellisuustavoitteiden asettaminen",
    Stage.CHAINS: "Priorisointi, palvelukokonaisuudet ja -ketjut",
    Stage.COMPARISON: "Tuotantotapojen vertailu ja valinta",
    Stage.PROCUREMENT: "Resurssien hankinta ja valinnanvapauden hallinta",
    Stage.STEERING: "Tuotannon ohjaus, seuranta ja valvonta",
    Stage.EVALUATION: "Arviointi ja itsearviointi",
}
