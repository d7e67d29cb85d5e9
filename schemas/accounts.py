"""The income statement's account groups (tiliryhmät), shared by the stages that read the accounts.

Stage 2 reads the region's financial statement (tilinpäätös) as each service area's operating costs
and income by account group; stage 4 reconciles its own-production cost rows to the same account
groups. The groups follow the welfare regions' income-statement scheme: operating costs by kind
(toimintakulut), depreciation (poistot ja arvonalentumiset, below the operating margin) and the
operating income split into client fees (maksutuotot) and the rest (myyntituotot, tuet ja
avustukset, muut toimintatuotot).
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class AccountGroup(StrEnum):
    """An account group of the income statement."""

    WAGES = "wages"
    PENSIONS = "pensions"
    OTHER_SOCIAL = "other_social"
    PURCHASED_SERVICES = "purchased_services"
    MATERIALS = "materials"
    RENTS = "rents"
    OTHER_COSTS = "other_costs"
    DEPRECIATION = "depreciation"
    FEES = "fees"
    OTHER_INCOME = "other_income"

    @property
    def label_fi(self) -> str:
        """The group as written in the income statement."""
        return ACCOUNT_GROUP_LABELS[self][0]

    @property
    def accounts(self) -> str:
        """The group's accounts in the welfare regions' chart of accounts (e.g. ``4000–4199``)."""
        return ACCOUNT_GROUP_LABELS[self][1]

    @property
    def is_income(self) -> bool:
        """Client fees and the other operating income are income; every other group is a cost."""
        return self in (AccountGroup.FEES, AccountGroup.OTHER_INCOME)

    @property
    def is_operating_cost(self) -> bool:
        """A group of the operating costs (toimintakulut): a cost that is not depreciation."""
        return not self.is_income and self is not AccountGroup.DEPRECIATION

    @property
    def column(self) -> str:
        """The group's column in a table by account group: its label in lower case."""
        return self.label_fi.lower()

    @classmethod
    def parse(cls, text: str) -> AccountGroup:
        """A group from its Finnish name or code, ignoring case (``ValueError`` if unknown)."""
        wanted = " ".join(str(text).split()).lower()
        for group in cls:
            if wanted in {group.value, group.label_fi.lower()}:
                return group
        raise ValueError(f"unknown account group {text!r}; the groups are: {'; '.join(g.label_fi for g in cls)}")


ACCOUNT_GROUP_LABELS: dict[AccountGroup, tuple[str, str]] = {
    AccountGroup.WAGES: ("Palkat ja palkkiot", "4000–4199"),
    AccountGroup.PENSIONS: ("Eläkekulut", "4200–4299"),
    AccountGroup.OTHER_SOCIAL: ("Muut henkilösivukulut", "4300–4399"),
    AccountGroup.PURCHASED_SERVICES: ("Palvelujen ostot", "4400–4599"),
    AccountGroup.MATERIALS: ("Aineet, tarvikkeet ja tavarat", "4600–4799"),
    AccountGroup.RENTS: ("Vuokrat", "4800–4899"),
    AccountGroup.OTHER_COSTS: ("Muut toimintakulut", "4900–4999"),
    AccountGroup.DEPRECIATION: ("Poistot ja arvonalentumiset", "6800–6899"),
    AccountGroup.FEES: ("Maksutuotot", "3200–3299"),
    AccountGroup.OTHER_INCOME: ("Muut toimintatuotot", "3000–3199, 3300–3999"),
}

#: The groups of the operating costs, in income-statement order.
OPERATING_COST_GROUPS: tuple[AccountGroup, ...] = tuple(g for g in AccountGroup if g.is_operating_cost)


class AccountTotal(BaseModel):
    """One account group's total in one year of the financial statement, with where it comes from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    year: int = Field(description="Tilivuosi")
    group: AccountGroup = Field(description="Tiliryhmä")
    amount_eur: float = Field(description="Tiliryhmän summa, €")
    file: str = Field(description="Tilinpäätöksen tiedosto")
    rows: str = Field(description="Tiedoston rivit, joilla tiliryhmän summa on")
    first_row: int = Field(description="Ensimmäinen rivi, jolla tiliryhmällä on summa")
