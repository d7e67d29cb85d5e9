"""The seven stages of the service-organising process, in order: the one place the order lives."""

from __future__ import annotations

from enum import Enum


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
