"""Stage 5b (Valinnanvapauden hallinta): service-voucher values, the rule book and producer
approval, personal budgets, and the dated client-fee rules they follow.

Pure pydantic: no Prefect, no database. Input rows are read by their Finnish column headers (the
aliases); everything computed is rounded where it is computed (euros to the cent), so hashes are
stable. Legal basis: laki sosiaali- ja terveydenhuollon palvelusetelistä 569/2009 as amended by
601/2022 (the voucher's value 7 §, its raise 8 §, producer approval 4–5 §), and laki sosiaali- ja
terveydenhuollon asiakasmaksuista 734/1992 as amended by 1201/2020 (income limits 10 e §).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from schemas.comparison import ComparisonRound, ProducerType
from schemas.documents import AgendaContent
from schemas.results import SourceRef, VersionRef
from schemas.tabular import FiDate, FiFloat, FiInt, Text
from schemas.targets import ClientGroup, FrameAllocation


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _RowModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_by_name=True, validate_by_alias=True)


def _parse_with(parser: Any) -> Any:
    def parse(value: Any) -> Any:
        return parser(value) if isinstance(value, str) else value

    return BeforeValidator(parse)


def _yes_no(value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip().lower()
        if text in {"kyllä", "kylla", "k", "x"}:
            return True
        if text in {"ei", "e", ""}:
            return False
        raise ValueError(f"{value!r}: write kyllä or ei")
    return value


#: A ``kyllä`` / ``ei`` cell.
YesNo = Annotated[bool, BeforeValidator(_yes_no)]


# -- vocabularies ----------------------------------------------------------------------------------


class VoucherKind(StrEnum):
    """How a voucher's value is set: a fixed value, or by the client's income (569/2009, 3 § 3 k)."""

    FIXED = "fixed"
    INCOME = "income"

    @property
    def label_fi(self) -> str:
        """Finnish label as written in the file."""
        return {"fixed": "kiinteä", "income": "tulosidonnainen"}[self.value]

    @classmethod
    def parse(cls, text: str) -> VoucherKind:
        """``kiinteä`` / ``tulosidonnainen`` (or the code), ignoring case."""
        wanted = " ".join(text.split()).lower()
        for kind in cls:
            if wanted in {kind.value, kind.label_fi}:
                return kind
        raise ValueError(f"unknown voucher model {text!r}; use kiinteä or tulosidonnainen")


class CriterionTest(StrEnum):
    """How an application's cell is checked against a criterion."""

    YES = "kyllä"  # the cell must be kyllä
    AT_LEAST = "vähintään"  # a number at least the criterion's value
    AT_MOST = "enintään"  # a number at most the criterion's value


class CriterionBasis(StrEnum):
    """Which condition of palvelusetelilaki 569/2009, 5 § 1 mom. a criterion belongs to."""

    PREPAYMENT = "1"  # 1 kohta: ennakkoperintärekisteri
    REGISTRATION = "2"  # 2 kohta: the supervision act's requirements (741/2023)
    QUALITY = "3"  # 3 kohta: at least the level of the region's own activity
    INSURANCE = "4"  # 4 kohta: potilasvahinkolaki insurance or liability insurance
    REGION = "5"  # 5 kohta: the region's own requirements

    @property
    def label_fi(self) -> str:
        """The condition as cited in documents."""
        return f"palvelusetelilaki 5\u00a0§ 1\u00a0mom. {self.value}\u00a0kohta"


VoucherKindCell = Annotated[VoucherKind, _parse_with(VoucherKind.parse)]
ProducerCell = Annotated[ProducerType, _parse_with(ProducerType.parse)]
GroupCell = Annotated[ClientGroup, _parse_with(ClientGroup.parse)]


# -- input rows ------------------------------------------------------------------------------------


class VoucherRow(_RowModel):
    """A row of ``palvelusetelit.csv``: a voucher service and its value model."""

    service_id: Text = Field(alias="palvelu_id", description="Palvelu (vaiheen 4 palveluseteliä käyttävä palvelu)")
    kind: VoucherKindCell = Field(alias="malli", description="kiinteä tai tulosidonnainen")
    fixed_value: FiFloat | None = Field(default=None, gt=0, alias="arvo €", description="Kiinteä arvo, €/suorite")
    highest: FiFloat | None = Field(default=None, gt=0, alias="enimmäisarvo €", description="Enimmäisarvo, €/suorite")
    floor: FiFloat | None = Field(default=None, gt=0, alias="vähimmäisarvo €", description="Vähimmäisarvo, €/suorite")
    divisor: FiFloat | None = Field(
        default=None, gt=0, alias="jakaja", description="Jakaja: suoritteita kuukaudessa (esim. 30 hoitopäivää)"
    )
    price_cap: FiFloat = Field(gt=0, alias="hintakatto €", description="Tuottajan enimmäishinta, €/suorite")
    free: YesNo = Field(default=False, alias="maksuton", description="Asiakasmaksulain mukaan maksuton palvelu")
    valid_from: FiDate = Field(alias="voimassa alkaen", description="Arvot voimassa alkaen")


class IncomeLimitRow(_RowModel):
    """A row of ``palveluseteli_tulorajat.csv``: the income-related model's parameters of one
    household size; an empty income limit takes the dated statutory one (asiakasmaksulaki 10 e §)."""

    service_id: Text = Field(alias="palvelu_id", description="Palvelu")
    household: FiInt = Field(alias="henkilömäärä", ge=1, le=12, description="Perheen koko, henkilöä")
    income_limit: FiFloat | None = Field(
        default=None, ge=0, alias="tuloraja €/kk", description="Tuloraja, €/kk (tyhjä: päivätty lakisääteinen)"
    )
    percentage: FiFloat = Field(
        alias="prosentti %", gt=0, le=100, description="Prosentti tulorajan ylittävistä tuloista"
    )


class ApplicationRow(_RowModel):
    """A row of ``tuottajahakemukset.csv``: a producer's application to be approved for a voucher
    service. The criteria's own columns (the rule book's ``column``) are read separately."""

    application_id: Text = Field(alias="hakemus_id", description="Hakemuksen tunnus")
    batch: Text = Field(alias="käsittelyerä", description="Käsittelyerä (päätöskierros), esim. 2027-01")
    received: FiDate = Field(alias="saapunut", description="Hakemus saapunut")
    producer: Text = Field(alias="tuottaja", description="Palveluntuottaja")
    business_id: Text = Field(alias="y-tunnus", pattern=r"^\d{7}-\d$", description="Y-tunnus")
    producer_type: ProducerCell = Field(alias="tuottajatyyppi", description="suuri yritys, pk-yritys, järjestö")
    service_id: Text = Field(alias="palvelu_id", description="Palvelu, johon hyväksymistä haetaan")
    price: FiFloat = Field(alias="hinta €/suorite", gt=0, description="Tuottajan hinta, €/suorite")


class ClientPlanRow(_RowModel):
    """A row of ``henkilokohtainen_budjetti.csv``: one needed service of a pseudonymous client plan."""

    client: Text = Field(alias="asiakas", description="Asiakkaan pseudonyymi tunnus")
    group: GroupCell = Field(alias="asiakasryhmä", description="Asiakasryhmä")
    service_id: Text = Field(alias="palvelu_id", description="Tarvittava palvelu")
    volume: FiFloat = Field(alias="määrä/v", ge=0, description="Tarvittava määrä vuodessa, suoritetta")
    goal: Text = Field(alias="tavoite", description="Asiakkaan tavoite, jota palvelu tukee")


class Criterion(_Model):
    """A criterion of the rule book checked against an application's cell."""

    criterion_id: str = Field(description="Tunnus")
    basis: CriterionBasis = Field(description="Palvelusetelilain 5 §:n 1 momentin kohta")
    text: str = Field(description="Ehto sääntökirjassa")
    column: str = Field(description="Hakemustiedoston sarake, jonka tieto tarkistetaan")
    test: CriterionTest = Field(description="Tarkistus")
    value: float | None = Field(default=None, description="Raja-arvo (vähintään / enintään)")
    services: list[str] = Field(default_factory=list, description="Palvelut (tyhjä: kaikki)")


class RuleBookFile(_Model):
    """``saantokirja.toml``: the region's rule book, its own criteria and the worked table's steps."""

    title: str = Field(description="Sääntökirjan nimi")
    valid_from: dt.date = Field(description="Voimassa alkaen")
    payment_channel: str = Field(description="Maksukanava (palvelusetelit ja henkilökohtaiset budjetit)")
    general_terms: list[str] = Field(description="Yleiset ehdot kappaleittain")
    criteria: list[Criterion] = Field(default_factory=list, description="Alueen omat ja palvelukohtaiset ehdot")
    example_incomes: list[float] = Field(min_length=1, description="Esimerkkitaulukon bruttotulot, €/kk")
    example_households: list[int] = Field(min_length=1, description="Esimerkkitaulukon perhekoot")
    reference_income: float = Field(gt=0, description="Viitetulo (esim. eläkeläisen mediaanitulo), €/kk")
    source_file: str = Field(description="Tiedosto")


class FeeRule(_Model):
    """A period of the dated client-fee rules (``data/config/rules/choice.toml``)."""

    valid_from: dt.date
    valid_to: dt.date
    provisional: bool = False
    source: str
    income_limits: dict[int, float] = Field(description="Tulorajat perhekoon mukaan, €/kk (asiakasmaksulaki 10 e §)")
    extra_person: float = Field(ge=0, description="Korotus kustakin kuudetta seuraavasta henkilöstä, €/kk")

    def limit(self, household: int) -> float:
        """The income limit of a household size (past the table: + ``extra_person`` each)."""
        if household in self.income_limits:
            return self.income_limits[household]
        top = max(self.income_limits)
        return self.income_limits[top] + (household - top) * self.extra_person


class FeeRules(_Model):
    """The dated client-fee rules."""

    periods: list[FeeRule]
    source_file: str


class ChoiceInputs(_Model):
    """Stage 5b's files, read and checked."""

    vouchers: list[VoucherRow] = Field(description="Palvelusetelit")
    voucher_rows: list[int] = Field(description="Rivinumerot")
    limits: list[IncomeLimitRow] = Field(description="Tulosidonnaisen mallin parametrit")
    rulebook: RuleBookFile = Field(description="Sääntökirja")
    applications: list[ApplicationRow] = Field(description="Tuottajahakemukset")
    application_rows: list[int] = Field(description="Hakemusten rivinumerot")
    application_cells: list[dict[str, str]] = Field(description="Hakemusten ehtosarakkeet (sarake → solu)")
    plans: list[ClientPlanRow] = Field(description="Asiakassuunnitelmat (henkilökohtainen budjetti)")
    plan_rows: list[int] = Field(description="Asiakassuunnitelmien rivinumerot")
    rules: FeeRules = Field(description="Päivätyt asiakasmaksusäännöt")
    files: dict[str, str] = Field(description="Tiedostot rooleittain")


# -- the basis -------------------------------------------------------------------------------------


class ChoiceBasis(ComparisonRound):
    """Stage 5's basis: the approved stage-4 round, and stage 2's frame the personal budgets are
    compared with (None where stage 2 is not approved, e.g. a hand-written basis in a test)."""

    frame: FrameAllocation | None = Field(default=None, description="Vaiheen 2 hyväksytty kehys")
    frame_ref: VersionRef | None = Field(default=None, description="Vaiheen 2 kehyksen versio")


# -- the analysis ----------------------------------------------------------------------------------


class HouseholdParameters(_Model):
    """The income-related model's parameters of one household size."""

    household: int = Field(description="Perheen koko")
    income_limit: float = Field(description="Tuloraja, €/kk")
    percentage: float = Field(description="Prosentti")
    statutory: bool = Field(description="Tuloraja päivätyistä säännöistä (asiakasmaksulaki 10 e §)")


class VoucherValue(_Model):
    """The voucher's value for one household at one income, and the client's share at a price."""

    household: int = Field(description="Perheen koko")
    income: float = Field(description="Bruttotulot, €/kk")
    value: float = Field(description="Setelin arvo kaavasta, €/suorite")
    price: float = Field(description="Tuottajan hinta, €/suorite")
    share: float = Field(description="Asiakkaan omavastuu, €/suorite")
    monthly_share: float | None = Field(description="Omavastuu kuukaudessa (jakajan suoritteet), €")
    left: float | None = Field(description="Tuloa omavastuun jälkeen, €/kk")
    raised_value: float | None = Field(description="Korotettu arvo (palvelusetelilaki 8 §), €/suorite")
    raised_share: float | None = Field(description="Omavastuu korotetulla arvolla, €/suorite")


class VoucherService(_Model):
    """A voucher service: its value model, the worked table and the stage-4 comparison."""

    service_id: str = Field(description="Palvelu")
    name: str = Field(description="Palvelun nimi")
    unit: str = Field(description="Suoriteyksikkö")
    kind: VoucherKind = Field(description="Malli")
    fixed_value: float | None = Field(description="Kiinteä arvo, €/suorite")
    highest: float | None = Field(description="Enimmäisarvo, €/suorite")
    floor: float | None = Field(description="Vähimmäisarvo, €/suorite")
    divisor: float | None = Field(description="Jakaja")
    price_cap: float = Field(description="Hintakatto, €/suorite")
    free: bool = Field(description="Maksuton palvelu")
    valid_from: dt.date = Field(description="Voimassa alkaen")
    households: list[HouseholdParameters] = Field(description="Perhekoon mukaiset parametrit")
    fee_rule_source: str | None = Field(description="Lakisääteisten tulorajojen lähde")
    fee_rule_provisional: bool = Field(description="Tulorajat ennakoitu (indeksitarkistusta ei ole vahvistettu)")
    table: list[VoucherValue] = Field(description="Esimerkkitaulukko hintakatolla")
    reference: list[VoucherValue] = Field(description="Viitetulon kotitalous hyväksyttyjen tuottajien hinnoilla")
    own_unit_cost: float | None = Field(description="Oman tuotannon täyskustannus (vaihe 4), €/suorite")
    purchased_unit_price: float | None = Field(description="Ostopalvelun keskihinta (vaihe 4), €/suorite")
    stage4_voucher_value: float | None = Field(description="Palvelusetelin keskiarvo (vaihe 4), €/suorite")
    voucher_volume: float = Field(description="Palvelusetelin suoritteet vuodessa (vaihe 4)")
    annual_cost: float | None = Field(description="Setelien kustannus vuodessa vaiheen 4 keskiarvolla, €")
    source_row: int = Field(description="Rivi palvelusetelit.csv:ssä")


class FailedCriterion(_Model):
    """A criterion an application does not meet, with what the application says."""

    criterion_id: str = Field(description="Ehto")
    basis: CriterionBasis = Field(description="Lainkohta")
    text: str = Field(description="Ehto sääntökirjassa")
    found: str = Field(description="Hakemuksessa")


class ApplicationDecision(_Model):
    """An application checked against the rule book: approved, or rejected naming the failed criteria."""

    application_id: str = Field(description="Hakemus")
    batch: str = Field(description="Käsittelyerä")
    received: dt.date = Field(description="Saapunut")
    producer: str = Field(description="Tuottaja")
    business_id: str = Field(description="Y-tunnus")
    producer_type: ProducerType = Field(description="Tuottajatyyppi")
    service_id: str = Field(description="Palvelu")
    service_name: str = Field(description="Palvelun nimi")
    unit: str = Field(description="Suoriteyksikkö")
    price: float = Field(description="Hinta, €/suorite")
    approved: bool = Field(description="Hyväksytään")
    failed: list[FailedCriterion] = Field(description="Täyttymättömät ehdot")
    source_row: int = Field(description="Rivi tuottajahakemukset.csv:ssä")


class ApprovalBatch(_Model):
    """One decision round of producer approvals (one case)."""

    region_code: str = Field(description="Hyvinvointialueen koodi")
    cycle: int = Field(description="Suunnittelukierros")
    batch: str = Field(description="Käsittelyerä")
    decisions: list[ApplicationDecision] = Field(description="Päätökset hakemuksittain")

    @property
    def approved(self) -> list[ApplicationDecision]:
        """The approved applications."""
        return [d for d in self.decisions if d.approved]


class RuleBook(_Model):
    """The rule book (sääntökirja) as decided: general terms, the statutory and the region's criteria."""

    title: str = Field(description="Nimi")
    valid_from: dt.date = Field(description="Voimassa alkaen")
    payment_channel: str = Field(description="Maksukanava")
    general_terms: list[str] = Field(description="Yleiset ehdot")
    criteria: list[Criterion] = Field(description="Hyväksymisen ehdot")
    price_caps: dict[str, float] = Field(description="Hintakatot palveluittain, €/suorite")


class BudgetLine(_Model):
    """One needed service of a client plan, priced at the region's comparable unit cost."""

    service_id: str = Field(description="Palvelu")
    service_name: str = Field(description="Palvelun nimi")
    unit: str = Field(description="Suoriteyksikkö")
    volume: float = Field(description="Määrä vuodessa")
    unit_cost: float = Field(description="Vertailukelpoinen yksikkökustannus (vaihe 4), €")
    cost_basis: Literal["own", "purchased", "voucher"] = Field(description="Yksikkökustannuksen lähde")
    amount: float = Field(description="Budjetti, €/v")
    goal: str = Field(description="Tavoite")
    source_row: int = Field(description="Rivi")


class PersonalBudget(_Model):
    """A client's personal budget: needed services × volume × the comparable unit cost."""

    client: str = Field(description="Asiakas (pseudonyymi)")
    group: ClientGroup = Field(description="Asiakasryhmä")
    lines: list[BudgetLine] = Field(description="Palvelut")
    total: float = Field(description="Budjetti yhteensä, €/v")


class GroupBudget(_Model):
    """Personal budgets of a client group against the group's frame of stage 2."""

    group: ClientGroup = Field(description="Asiakasryhmä")
    clients: int = Field(description="Asiakkaita")
    total: float = Field(description="Budjetit yhteensä, €/v")
    frame_eur: float | None = Field(description="Ryhmän kehys (vaihe 2), €")
    share_of_frame: float | None = Field(description="Osuus kehyksestä, 0–1")


class ChoiceAnalysis(_Model):
    """Everything stage 5b computes."""

    region_code: str = Field(description="Hyvinvointialueen koodi")
    region_name: str = Field(description="Hyvinvointialueen nimi")
    cycle: int = Field(description="Suunnittelukierros")
    vouchers: list[VoucherService] = Field(description="Palvelusetelit")
    rulebook: RuleBook = Field(description="Sääntökirja")
    batches: list[ApprovalBatch] = Field(description="Hyväksymiskierrokset")
    budgets: list[PersonalBudget] = Field(description="Henkilökohtaiset budjetit")
    groups: list[GroupBudget] = Field(description="Budjetit asiakasryhmittäin")
    frame_year: int | None = Field(description="Kehysvuosi")
    files: dict[str, str] = Field(description="Lähdetiedostot")
    example_data: bool = Field(description="Esimerkkiaineisto")


class VoucherValues(_Model):
    """The artefact ``choice-vouchers``: the voucher services with their worked tables."""

    region_code: str
    cycle: int
    vouchers: list[VoucherService]


class PersonalBudgets(_Model):
    """The artefact ``choice-budgets``: the personal budgets and their group totals."""

    region_code: str
    cycle: int
    payment_channel: str
    budgets: list[PersonalBudget]
    groups: list[GroupBudget]


# -- the cases ---------------------------------------------------------------------------------------


class VouchersProposal(_Model):
    """The proposal of the case *Palvelusetelien arvot, sääntökirja ja henkilökohtainen budjetti*."""

    region_code: str = Field(description="Hyvinvointialueen koodi")
    region_name: str = Field(description="Hyvinvointialueen nimi")
    cycle: int = Field(description="Suunnittelukierros")
    agenda: AgendaContent = Field(description="Esityslistan asia")
    rulebook_agenda: AgendaContent = Field(description="Sääntökirja liitteenä")
    services: list[str] = Field(description="Palvelusetelipalvelut")
    batches: list[str] = Field(description="Tuottajahakemusten käsittelyerät (kukin oma asiansa)")
    stage4: list[SourceRef] = Field(description="Vaiheen 4 hyväksytyt versiot")
    summary_markdown: str = Field(description="Tiivistelmä päätöslomakkeen yläpuolelle")


class ApprovalProposal(_Model):
    """The proposal of a producer-approval round (an office holder's decision)."""

    region_code: str = Field(description="Hyvinvointialueen koodi")
    region_name: str = Field(description="Hyvinvointialueen nimi")
    cycle: int = Field(description="Suunnittelukierros")
    batch: str = Field(description="Käsittelyerä")
    agenda: AgendaContent = Field(description="Päätösasia")
    approved: list[str] = Field(description="Hyväksytyt hakemukset")
    rejected: list[str] = Field(description="Hylätyt hakemukset")
    summary_markdown: str = Field(description="Tiivistelmä päätöslomakkeen yläpuolelle")


class ApprovedProducer(_Model):
    """A voucher producer whose approval stands (what stage 6 reads)."""

    producer: str = Field(description="Tuottaja")
    business_id: str = Field(description="Y-tunnus")
    producer_type: ProducerType = Field(description="Tuottajatyyppi")
    service_id: str = Field(description="Palvelu")
    price: float = Field(description="Hinta, €/suorite")
    batch: str = Field(description="Käsittelyerä")
    application_id: str = Field(description="Hakemus")
