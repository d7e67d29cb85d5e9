"""Stage 7 (Arviointi ja itsearviointi): the cycle's evaluation and self-evaluation.

Target attainment for every stage-2 target, performance against the frame and stage 4's plan,
stage 6's producer KPIs over the cycle, client experience, the welfare and health indicators
recomputed from a newer export, the self-evaluation graded 1–5 by a stated rule (the preparers'
overrides shown as such), the risk register carried and updated from the cycle's evidence, and
what stage 1 of the next cycle starts from.

Pure pydantic: no Prefect, no database. Everything computed is rounded where it is computed, so
hashes are stable.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from schemas.carryover import Carryover, Status
from schemas.comparison import ComparisonRound
from schemas.documents import AgendaContent
from schemas.monitoring import LadderStep, ReportProposal
from schemas.needs import NeedsBasis
from schemas.procurement import ProcurementBasis
from schemas.results import SourceRef, VersionRef
from schemas.tabular import FiFloat, FiInt, Text
from schemas.targets import ClientGroup, GroupCell, TargetsBasis


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _RowModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_by_name=True, validate_by_alias=True)


# -- rules (data/config/rules/evaluation.toml) -----------------------------------------------------


class GradingRule(_Model):
    """How a goal's grade 1–5 follows from its attainment (% of the way from baseline to target)."""

    grade_5: float = Field(description="Arvosana 5, kun tavoitteesta on saavutettu vähintään (%)")
    grade_4: float = Field(description="Arvosana 4 vähintään (%)")
    grade_3: float = Field(description="Arvosana 3 vähintään (%)")
    grade_2: float = Field(description="Arvosana 2 vähintään (%); tätä pienempi tai heikentynyt: 1")
    keep_tolerance_pct: float = Field(ge=0, description="Säilyy-tavoitteen sallittu poikkeama tavoitearvosta (%)")

    @model_validator(mode="after")
    def _ordered(self) -> GradingRule:
        if not self.grade_5 >= self.grade_4 >= self.grade_3 >= self.grade_2 > 0:
            raise ValueError("the grade limits must fall from grade_5 to grade_2 and stay above 0")
        return self


class RiskBand(_Model):
    """A band of the risk index (probability × impact): its lower bound, name and what it asks for."""

    key: Literal["suuri", "keskisuuri", "pieni"] = Field(description="Luokka")
    min_index: int = Field(ge=1, le=25, description="Riski-indeksi vähintään")
    action: str = Field(description="Mitä luokka edellyttää")


class EvidenceKind(StrEnum):
    """What in the cycle's evidence raises a risk."""

    LADDER = "ladder"  # a producer high on stage 6's escalation ladder
    FRAME = "frame"  # actual costs above the frame, or a deficit the frame leaves uncovered
    TARGETS = "targets"  # targets of a client group worsened


class EvidenceRule(_Model):
    """A rule that raises the probability of the risks of a category when the evidence shows it."""

    kind: EvidenceKind = Field(description="Näytön laji")
    category: str = Field(description="Riskiluokka, jota näyttö koskee (riskirekisterin luokka)")
    threshold: float = Field(description="Raja: porras (ladder), ylitys % (frame) tai heikentyneitä (targets)")
    probability_at_least: int = Field(ge=1, le=5, description="Todennäköisyys vähintään, kun raja ylittyy")
    new_risk: str = Field(description="Riskin kuvaus, jos rekisterissä ei ole luokan riskiä")
    new_impact: int = Field(ge=1, le=5, description="Uuden riskin vaikutus")
    new_owner: str = Field(description="Uuden riskin vastuutaho")


class EvaluationRules(_Model):
    """Stage 7's rules: grading, the risk bands and the evidence rules, with their source."""

    grading: GradingRule = Field(description="Arvosanasääntö")
    bands: list[RiskBand] = Field(min_length=3, max_length=3, description="Riskiluokat")
    evidence: list[EvidenceRule] = Field(description="Näyttösäännöt")
    satisfaction_good: float = Field(ge=1, le=5, description="Asiakaskokemus hyvä, kun keskiarvo vähintään")
    satisfaction_weak: float = Field(ge=1, le=5, description="Asiakaskokemus heikko, kun keskiarvo alle")
    min_responses: int = Field(ge=1, description="Vastauksia vähintään, jotta tulos on luotettava")
    cost_tolerance_pct: float = Field(ge=0, description="Yksikkökustannuksen sallittu ylitys (%)")
    source_file: str = Field(description="Tiedosto")

    @model_validator(mode="after")
    def _bands(self) -> EvaluationRules:
        keys = [b.key for b in self.bands]
        if sorted(keys) != ["keskisuuri", "pieni", "suuri"]:
            raise ValueError("bands must be suuri, keskisuuri and pieni, once each")
        by = {b.key: b.min_index for b in self.bands}
        if not by["suuri"] > by["keskisuuri"] > by["pieni"] == 1:
            raise ValueError("band limits must fall: suuri > keskisuuri > pieni = 1")
        return self

    def band(self, index: int) -> RiskBand:
        """The band of a risk index."""
        return max((b for b in self.bands if index >= b.min_index), key=lambda b: b.min_index)


# -- input rows --------------------------------------------------------------------------------------


class ActualRow(_RowModel):
    """``arviointi_mittarit.csv``: the actual value of a stage-2 target's indicator."""

    target_id: Text = Field(alias="tavoite_id", description="Tavoitteen tunniste (vaihe 2)")
    value: FiFloat = Field(alias="toteuma", description="Mittarin toteutunut arvo")
    year: FiInt = Field(alias="vuosi", ge=2000, le=2100, description="Vuosi, jolta toteuma on")
    source: Text = Field(alias="lähde", description="Lähde")


class SurveyRow(_RowModel):
    """``arviointi_asiakaskokemus.csv``: client-experience survey results by service and group."""

    service_id: Text = Field(alias="palvelu_id", description="Palvelu (vaiheen 3 palvelu_id)")
    client_group: GroupCell = Field(alias="asiakasryhmä", description="Asiakasryhmä")
    responses: FiInt = Field(ge=0, alias="vastauksia", description="Vastauksia")
    mean: FiFloat = Field(ge=1, le=5, alias="keskiarvo", description="Tyytyväisyys 1–5, keskiarvo")
    recommend_pct: FiFloat | None = Field(
        default=None, ge=0, le=100, alias="suosittelee_%", description="Suosittelisi palvelua, %"
    )
    benefit_pct: FiFloat | None = Field(
        default=None, ge=0, le=100, alias="hyötyi_%", description="Koki palvelun auttaneen (vaikuttavuus), %"
    )


class ServiceActualRow(_RowModel):
    """``arviointi_palvelut.csv``: actual volume and cost of a service in the frame year."""

    service_id: Text = Field(alias="palvelu_id", description="Palvelu (vaiheen 3 palvelu_id)")
    volume: FiFloat = Field(ge=0, alias="suoritteet", description="Toteutuneet suoritteet")
    cost: FiFloat = Field(ge=0, alias="kustannukset €", description="Toteutuneet kustannukset, €")


class GroupActualRow(_RowModel):
    """``arviointi_talous.csv``: actual operating costs of a client group in the frame year."""

    year: FiInt = Field(alias="vuosi", ge=2000, le=2100, description="Vuosi (stage 2:n kehysvuosi)")
    client_group: GroupCell = Field(alias="asiakasryhmä", description="Asiakasryhmä")
    operating_costs: FiFloat = Field(ge=0, alias="toimintakulut €", description="Toteutuneet toimintakulut, €")


class GradeRow(_RowModel):
    """``arviointi_arvosanat.csv``: a preparer's grade that overrides the computed one."""

    target_id: Text = Field(alias="tavoite_id", description="Tavoitteen tunniste")
    grade: FiInt = Field(ge=1, le=5, alias="arvosana", description="Arvosana 1–5")
    comment: Text = Field(min_length=1, alias="perustelu", description="Perustelu")
    author: Text = Field(min_length=1, alias="laatija", description="Arvion laatija")


class RiskRow(_RowModel):
    """``riskirekisteri.csv``: a risk of the register carried from the previous cycle."""

    risk_id: Text = Field(alias="riski_id", description="Riskin tunniste")
    description: Text = Field(min_length=1, alias="riski", description="Riskin kuvaus")
    category: Text = Field(min_length=1, alias="luokka", description="Riskiluokka")
    probability: FiInt = Field(ge=1, le=5, alias="todennäköisyys", description="Todennäköisyys 1–5")
    impact: FiInt = Field(ge=1, le=5, alias="vaikutus", description="Vaikutus 1–5")
    actions: Text = Field(alias="toimenpiteet", description="Toimenpiteet")
    owner: Text = Field(alias="vastuu", description="Vastuutaho")


class ActionRow(_RowModel):
    """``arviointi_jatkotoimet.csv``: a follow-up action (toimenpide, vastuu, aikataulu)."""

    action: Text = Field(min_length=1, alias="toimenpide", description="Toimenpide")
    owner: Text = Field(min_length=1, alias="vastuu", description="Vastuutaho")
    schedule: Text = Field(min_length=1, alias="aikataulu", description="Aikataulu")
    subject: Text | None = Field(default=None, alias="kohde", description="Tavoite tai riski, jota toimi koskee")


class EvaluationInputs(_Model):
    """Stage 7's checked inputs (rows keep their file row numbers for later errors)."""

    actuals: list[ActualRow] = Field(description="Mittareiden toteumat")
    surveys: list[SurveyRow] = Field(description="Asiakaskokemus")
    services: list[ServiceActualRow] = Field(description="Palvelujen toteuma")
    groups: list[GroupActualRow] = Field(description="Toimintakulut asiakasryhmittäin")
    grades: list[GradeRow] = Field(description="Valmistelijoiden arvosanat")
    risks: list[RiskRow] = Field(description="Edellisen kierroksen riskirekisteri")
    actions: list[ActionRow] = Field(description="Jatkotoimet")
    rules: EvaluationRules = Field(description="Säännöt")
    files: dict[str, str] = Field(description="Tiedostot rooleittain")
    welfare: list[IndicatorChange] = Field(description="Hyvinvointi- ja terveysindikaattorit uudemmasta aineistosta")
    welfare_period: str | None = Field(description="Uudemman aineiston ajankohta")
    example_data: bool = Field(description="Esimerkkiaineisto (kansion README merkitsee sen)")


# -- the basis -----------------------------------------------------------------------------------------


class EvaluationBasis(_Model):
    """What stage 7 starts from: the approved rounds of stages 1, 2, 4 and 5 and stage 6's noted
    period reports of the cycle (each read through that stage's basis module)."""

    needs: NeedsBasis = Field(description="Vaihe 1: hyväksytty palvelutarvearvio")
    targets: TargetsBasis = Field(description="Vaihe 2: hyväksytyt tavoitteet ja kehys")
    comparison: ComparisonRound = Field(description="Vaihe 4: hyväksytty järjestämissuunnitelma")
    procurement: ProcurementBasis = Field(description="Vaihe 5: sopimukset")
    reports: list[ReportProposal] = Field(description="Vaihe 6: tiedoksi merkityt jaksoraportit")
    report_refs: list[VersionRef] = Field(description="Raporttien versiot")
    final_ladder: list[LadderStep] = Field(description="Seuraamusportaat viimeisen raportin ja päätösten jälkeen")

    @property
    def last_decided_on(self) -> dt.date:
        """The latest decision the evaluation rests on (the document's creation day)."""
        days = [self.needs.decision_date, self.comparison.approved_on, self.procurement.approved_on]
        days += [r.agenda.meeting_date for r in self.reports]
        if self.targets.approved_on is not None:
            days.append(self.targets.approved_on)
        return max(days)


# -- results ----------------------------------------------------------------------------------------------


class TargetAttainment(_Model):
    """A stage-2 target at the evaluation: actual vs baseline and target, attainment, status, grade."""

    target_id: str = Field(description="Tavoite")
    client_group: ClientGroup = Field(description="Asiakasryhmä")
    indicator: str = Field(description="Mittari")
    unit: str = Field(description="Yksikkö")
    direction: str = Field(description="Suunta (kasvaa, laskee, säilyy)")
    baseline: float | None = Field(description="Lähtötaso")
    baseline_year: str | None = Field(description="Lähtötason vuosi")
    target_value: float = Field(description="Tavoitearvo")
    target_year: int = Field(description="Tavoitevuosi")
    actual: float | None = Field(description="Toteuma")
    actual_year: int | None = Field(description="Toteuman vuosi")
    actual_source: str | None = Field(description="Toteuman lähde")
    attainment_pct: float | None = Field(description="Saavutettu osuus matkasta lähtötasosta tavoitteeseen, %")
    status: Status = Field(description="Tila")
    finding: str | None = Field(description="Vaiheen 1 havainto, johon tavoite vastaa")
    computed_grade: int | None = Field(description="Säännön mukainen arvosana 1–5")
    grade: int | None = Field(description="Arvosana 1–5")
    grade_override: GradeRow | None = Field(description="Valmistelijan arvio, joka korvaa lasketun")


class ServicePerformance(_Model):
    """A service's actual volume and unit cost against stage 4's plan."""

    service_id: str = Field(description="Palvelu")
    name: str = Field(description="Palvelun nimi")
    unit: str = Field(description="Suoriteyksikkö")
    planned_volume: float = Field(description="Suunniteltu volyymi (vaihe 4)")
    actual_volume: float = Field(description="Toteutunut volyymi")
    volume_diff_pct: float | None = Field(description="Volyymin ero, %")
    planned_unit_cost: float | None = Field(description="Suunniteltu yksikkökustannus (vaihe 4), €")
    actual_unit_cost: float | None = Field(description="Toteutunut yksikkökustannus, €")
    unit_cost_diff_pct: float | None = Field(description="Yksikkökustannuksen ero, %")
    actual_cost_eur: float = Field(description="Toteutuneet kustannukset, €")
    over_tolerance: bool = Field(description="Yksikkökustannus ylittää sallitun")


class GroupFrame(_Model):
    """A client group's actual operating costs against its share of the stage-2 frame."""

    client_group: ClientGroup = Field(description="Asiakasryhmä")
    frame_eur: float = Field(description="Kehys, €")
    actual_eur: float = Field(description="Toteuma, €")
    diff_eur: float = Field(description="Ero, € (+ = ylitys)")
    diff_pct: float = Field(description="Ero, %")


class ProducerPerformance(_Model):
    """A contract's monitoring over the cycle's periods (stage 6)."""

    contract_id: str = Field(description="Sopimus")
    producer: str = Field(description="Tuottaja")
    service_name: str = Field(description="Palvelu")
    periods: list[str] = Field(description="Jaksot")
    deviations: int = Field(description="Poikkeamia yhteensä")
    max_step: int = Field(description="Korkein porras")
    final_step: int = Field(description="Porras viimeisen jakson jälkeen")
    final_step_name: str = Field(description="Portaan seuraamus")
    over_billed_eur: float = Field(description="Ylilaskutus yhteensä, €")
    wait_within_pct: float | None = Field(description="Hoitotakuun aikana alkaneet, % (jaksojen keskiarvo)")


class ServiceExperience(_Model):
    """Client experience and effectiveness of a service for a client group."""

    service_id: str = Field(description="Palvelu")
    name: str = Field(description="Palvelun nimi")
    client_group: ClientGroup = Field(description="Asiakasryhmä")
    responses: int = Field(description="Vastauksia")
    mean: float = Field(description="Tyytyväisyys 1–5")
    recommend_pct: float | None = Field(description="Suosittelisi, %")
    benefit_pct: float | None = Field(description="Koki palvelun auttaneen, %")
    rating: Literal["hyvä", "tyydyttävä", "heikko"] = Field(description="Arvio säännön mukaan")
    reliable: bool = Field(description="Vastauksia riittävästi")


class IndicatorChange(_Model):
    """A stage-1 indicator of the region recomputed from the export given to stage 7."""

    field: str = Field(description="Indikaattori (tarveprofiilin kenttä)")
    label: str = Field(description="Indikaattori suomeksi")
    stage1_value: float | None = Field(description="Arvo palvelutarvearviossa")
    stage1_period: str | None = Field(description="Ajankohta palvelutarvearviossa")
    value: float | None = Field(description="Arvo uudemmasta aineistosta")
    period: str | None = Field(description="Uudemman aineiston ajankohta")
    change: float | None = Field(description="Muutos")


class FollowUp(_Model):
    """A follow-up action: toimenpide, vastuu, aikataulu, and what it answers."""

    action: str = Field(description="Toimenpide")
    owner: str = Field(description="Vastuu")
    schedule: str = Field(description="Aikataulu")
    subject: str | None = Field(description="Tavoite tai riski")


class RiskItem(_Model):
    """A risk of the updated register: probability × impact = index, its band, the evidence."""

    risk_id: str = Field(description="Tunniste")
    description: str = Field(description="Riski")
    category: str = Field(description="Luokka")
    previous_probability: int | None = Field(description="Todennäköisyys edellisellä kierroksella")
    previous_impact: int | None = Field(description="Vaikutus edellisellä kierroksella")
    previous_index: int | None = Field(description="Riski-indeksi edellisellä kierroksella")
    probability: int = Field(ge=1, le=5, description="Todennäköisyys 1–5")
    impact: int = Field(ge=1, le=5, description="Vaikutus 1–5")
    index: int = Field(ge=1, le=25, description="Riski-indeksi = todennäköisyys × vaikutus")
    band: str = Field(description="Luokka: suuri, keskisuuri tai pieni")
    band_action: str = Field(description="Mitä luokka edellyttää")
    evidence: list[str] = Field(description="Kierroksen näyttö, joka muutti riskiä")
    actions: str = Field(description="Toimenpiteet")
    owner: str = Field(description="Vastuu")
    new: bool = Field(description="Uusi riski tällä kierroksella")


class RiskRegister(_Model):
    """The updated risk register with the bands it was classified by."""

    region_code: str = Field(description="Hyvinvointialue")
    cycle: int = Field(description="Suunnittelukierros")
    risks: list[RiskItem] = Field(description="Riskit indeksin mukaan")
    bands: list[RiskBand] = Field(description="Riskiluokat")


class EvaluationAnalysis(_Model):
    """Stage 7's evaluation of a cycle."""

    region_code: str = Field(description="Hyvinvointialue")
    region_name: str = Field(description="Hyvinvointialueen nimi")
    cycle: int = Field(description="Suunnittelukierros")
    frame_year: int = Field(description="Kehysvuosi, jota talouden toteuma koskee")
    attainment: list[TargetAttainment] = Field(description="Tavoitteiden toteutuminen")
    services: list[ServicePerformance] = Field(description="Palvelujen volyymi ja yksikkökustannus")
    groups: list[GroupFrame] = Field(description="Toimintakulut ja kehys asiakasryhmittäin")
    frame_eur: float = Field(description="Kehys yhteensä, €")
    actual_eur: float = Field(description="Toimintakulut yhteensä, €")
    producers: list[ProducerPerformance] = Field(description="Ostopalvelujen seuranta")
    experience: list[ServiceExperience] = Field(description="Asiakaskokemus ja vaikuttavuus")
    welfare: list[IndicatorChange] = Field(description="Hyvinvointi ja terveys")
    welfare_period: str | None = Field(description="Uudemman aineiston ajankohta (tyhjä = ei uudempaa)")
    worked: list[str] = Field(description="Missä onnistuttiin")
    improve: list[str] = Field(description="Mitä pitäisi parantaa")
    actions: list[FollowUp] = Field(description="Jatkotoimet")
    unanswered: list[str] = Field(description="Heikot tavoitteet ja suuret riskit ilman jatkotoimea")
    risks: list[RiskItem] = Field(description="Päivitetty riskirekisteri")
    bands: list[RiskBand] = Field(description="Riskiluokat")
    carryover: Carryover = Field(description="Seuraavan kierroksen lähtökohdat")
    method: list[str] = Field(description="Menetelmä")
    example_data: bool = Field(description="Esimerkkiaineisto")


class EvaluationParams(BaseModel):
    """Stage 7's parameters: the risk bands (default: the rules file's, the seed's three bands)."""

    model_config = ConfigDict(extra="forbid")

    high_from: int | None = Field(
        default=None, ge=2, le=25, description="Suuri riski, kun indeksi vähintään (oletus: sääntötiedosto)"
    )
    medium_from: int | None = Field(
        default=None, ge=2, le=24, description="Keskisuuri riski, kun indeksi vähintään (oletus: sääntötiedosto)"
    )

    @model_validator(mode="after")
    def _order(self) -> EvaluationParams:
        if self.high_from is not None and self.medium_from is not None and self.medium_from >= self.high_from:
            raise ValueError("medium_from must be below high_from")
        return self


class EvaluationFigures(_Model):
    """Stage 7's charts (SVG): the risk heat map and the attainment chart."""

    heatmap_svg: str = Field(description="Riskikartta")
    attainment_svg: str = Field(description="Tavoitteiden toteutuminen")


class EvaluationProposal(_Model):
    """The agenda item *Arviointi ja itsearviointi <cycle>* for the council."""

    region_code: str = Field(description="Hyvinvointialue")
    region_name: str = Field(description="Hyvinvointialueen nimi")
    cycle: int = Field(description="Suunnittelukierros")
    agenda: AgendaContent = Field(description="Esityslistan asia")
    grades: dict[str, int | None] = Field(description="Arvosanat tavoitteittain")
    high_risks: list[str] = Field(description="Suuret riskit")
    carryover: Carryover = Field(description="Seuraavan kierroksen lähtökohdat")
    basis: list[SourceRef] = Field(description="Perusteet (vaiheet 1, 2, 4, 5 ja 6)")
    summary_markdown: str = Field(description="Tiivistelmä")


class EvaluationCarryBasis(_Model):
    """The approved evaluation of the previous cycle, as stage 1 of the next cycle reads it."""

    carryover: Carryover = Field(description="Lähtökohdat")
    ref: VersionRef = Field(description="Hyväksytty versio")
    decided_by: str = Field(description="Toimielin")
    decided_on: dt.date = Field(description="Päätöspäivä")


EvaluationInputs.model_rebuild()
