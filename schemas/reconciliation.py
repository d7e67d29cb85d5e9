"""Cross-stage reconciliation (täsmäytys aiempiin vaiheisiin): a figure a stage takes from the
approved round of an earlier stage, set beside the same figure in the stage's own inputs.

A check above its tolerance stops the stage (bad input: the message names both sources); one within
it is printed in the document's sources appendix. The tolerances are dated rules
(``data/config/rules/reconciliation.toml``).

Pure pydantic: no Prefect, no database.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CheckKind(StrEnum):
    """How the two figures must agree."""

    EQUAL = "equal"  # within the tolerance, relative to the basis figure
    AT_MOST = "at_most"  # the input's figure may not exceed the basis figure (which covers more)
    SAME = "same"  # a category (e.g. the production mode): the same text


class Tolerance(_Model):
    """The tolerances valid from a date (one entry of the rules file)."""

    valid_from: dt.date = Field(description="Voimassa alkaen")
    volume_pct: float = Field(ge=0, description="Suoritemäärien sallittu ero, %")
    unit_cost_pct: float = Field(ge=0, description="Yksikkökustannusten sallittu ero, %")
    total_pct: float = Field(ge=0, description="Tilinpäätöksen summien sallittu ero, %")
    contract_volume_pct: float = Field(
        ge=0, description="Sopimusrekisterin ja vaiheen 4 ostosuoritteiden sallittu ero, %"
    )
    source: str = Field(description="Peruste, sellaisena kuin se tulostetaan")


class CrossCheck(_Model):
    """One figure taken from an earlier stage's approved round beside the stage's own input."""

    subject: str = Field(description="Mitä verrataan, suomeksi (esim. 'Säännöllinen kotihoito: suoritteet')")
    kind: CheckKind = Field(description="Vertailun laji")
    basis_source: str = Field(description="Aiemman vaiheen lähde (vaihe, artefakti ja versio)")
    input_source: str = Field(description="Oman syötteen lähde (tiedosto, välilehti, rivit)")
    unit: str = Field(default="", description="Yksikkö (€, €/käynti, käynti …)")
    basis_value: float | None = Field(default=None, description="Luku aiemmassa vaiheessa")
    input_value: float | None = Field(default=None, description="Luku omassa syötteessä")
    basis_text: str | None = Field(default=None, description="Luokka aiemmassa vaiheessa (SAME)")
    input_text: str | None = Field(default=None, description="Luokka omassa syötteessä (SAME)")
    tolerance_pct: float = Field(default=0.0, ge=0, description="Sallittu ero, % aiemman vaiheen luvusta")
    file: str = Field(description="Syötetiedosto, johon virhe osoitetaan")
    row: int | None = Field(default=None, description="Syötetiedoston rivi")
    field: str | None = Field(default=None, description="Syötetiedoston kenttä")
    sheet: str | None = Field(default=None, description="Välilehti")

    @property
    def difference(self) -> float | None:
        """Input − basis (None for a category)."""
        if self.basis_value is None or self.input_value is None:
            return None
        return self.input_value - self.basis_value

    @property
    def difference_pct(self) -> float | None:
        """The difference as % of the basis figure (None for a category or a zero basis)."""
        diff = self.difference
        if diff is None or not self.basis_value:
            return None
        return 100.0 * diff / abs(self.basis_value)

    @property
    def within(self) -> bool:
        """Whether the two agree as the kind requires."""
        if self.kind is CheckKind.SAME:
            return self.basis_text == self.input_text
        diff = self.difference
        assert diff is not None and self.basis_value is not None
        allowed = abs(self.basis_value) * self.tolerance_pct / 100.0
        if self.kind is CheckKind.AT_MOST:
            return diff <= allowed
        return abs(diff) <= allowed
