"""Stage 7's evaluation, pure: attainment, performance, client experience, self-evaluation, risks.

Every rule is stated where it is applied (and printed in the document's method section):

* **attainment** = (actual − baseline) / (target − baseline) × 100: the share of the way from the
  baseline to the target the indicator has come (negative: it moved the wrong way);
* **status**: reached (≥ 100 %), worsened (< 0 %), not reached (the target year has passed, or no
  progress), progressing (some progress, the target year still ahead); no actual value: no data;
* **grade** 1–5 from the attainment by the limits of ``evaluation.toml``; a preparer's grade
  replaces it and is shown as such, with its author;
* **risk index** = probability × impact, its band from the limits; evidence of the cycle raises the
  probability of a category's risks to a stated minimum (never lowers it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from schemas.carryover import CarriedRisk, CarriedTarget, Carryover, Status
from schemas.comparison import ServiceBasis
from schemas.evaluation import (
    ActualRow,
    EvaluationAnalysis,
    EvaluationBasis,
    EvaluationInputs,
    EvaluationRules,
    EvidenceKind,
    EvidenceRule,
    FollowUp,
    GradeRow,
    GradingRule,
    GroupFrame,
    ProducerPerformance,
    RiskItem,
    RiskRow,
    ServiceExperience,
    ServicePerformance,
    TargetAttainment,
)
from schemas.targets import ClientGroup, Direction, ImpactTarget
from soteflow.numbers import fi_meur, fi_number, round_half_up
from tasks.evaluation.inputs import NEW_RISK_PREFIX


def _pct(value: float) -> float:
    return round_half_up(value, 1)


def attainment_pct(target: ImpactTarget, actual: float, rule: GradingRule) -> float | None:
    """The share (%) of the way from the baseline to the target the actual value has come.

    A target to keep (or one whose target equals its baseline) is 100 % while the actual value
    stays within ``keep_tolerance_pct`` of the target value and 0 % otherwise (−100 % when it
    moved away on the wrong side is not distinguishable: keeping has no side). No baseline: None.
    """
    if target.direction is Direction.MAINTAIN or (
        target.baseline is not None and target.baseline == target.target_value
    ):
        limit = abs(target.target_value) * rule.keep_tolerance_pct / 100
        return 100.0 if abs(actual - target.target_value) <= limit else 0.0
    if target.baseline is None:
        return None
    return _pct((actual - target.baseline) / (target.target_value - target.baseline) * 100)


def status_of(target: ImpactTarget, actual: ActualRow | None, attainment: float | None) -> Status:
    """The target's status by the rule in the module docstring."""
    if actual is None:
        return Status.NO_DATA
    if attainment is None:  # no baseline: only whether the target is met
        met = (
            actual.value >= target.target_value
            if target.direction is Direction.INCREASE
            else actual.value <= target.target_value
        )
        return Status.REACHED if met else Status.NOT_REACHED
    if attainment >= 100:
        return Status.REACHED
    if attainment < 0:
        return Status.WORSENED
    if actual.year >= target.target_year or attainment == 0:
        return Status.NOT_REACHED
    return Status.PROGRESSING


def grade_of(status: Status, attainment: float | None, rule: GradingRule) -> int | None:
    """The grade 1–5 by the rule; None without data."""
    if status is Status.NO_DATA:
        return None
    if status is Status.REACHED:
        return 5
    if status is Status.WORSENED or attainment is None:
        return 1
    for grade, limit in ((5, rule.grade_5), (4, rule.grade_4), (3, rule.grade_3), (2, rule.grade_2)):
        if attainment >= limit:
            return grade
    return 1


def assess_targets(
    targets: Sequence[ImpactTarget], actuals: Sequence[ActualRow], grades: Sequence[GradeRow], rule: GradingRule
) -> list[TargetAttainment]:
    """Every stage-2 target at the evaluation, in the order stage 2 approved them."""
    by_id = {a.target_id: a for a in actuals}
    overrides = {g.target_id: g for g in grades}
    out = []
    for t in targets:
        actual = by_id.get(t.target_id)
        attainment = attainment_pct(t, actual.value, rule) if actual is not None else None
        status = status_of(t, actual, attainment)
        computed = grade_of(status, attainment, rule)
        override = overrides.get(t.target_id)
        out.append(
            TargetAttainment(
                target_id=t.target_id,
                client_group=t.client_group,
                indicator=t.indicator,
                unit=t.unit,
                direction=t.direction.label_fi,
                baseline=t.baseline,
                baseline_year=t.baseline_year,
                target_value=t.target_value,
                target_year=t.target_year,
                actual=actual.value if actual else None,
                actual_year=actual.year if actual else None,
                actual_source=actual.source if actual else None,
                attainment_pct=attainment,
                status=status,
                finding=t.finding.text if t.finding else None,
                computed_grade=computed,
                grade=override.grade if override else computed,
                grade_override=override,
            )
        )
    return out


def planned_unit_cost(service: ServiceBasis) -> float | None:
    """Stage 4's unit cost of a service: its own full unit cost and its purchase and voucher prices,
    weighted by the volumes of each mode."""
    parts = [
        (service.own_volume, service.own_unit_cost),
        (service.purchased_volume, service.purchased_unit_price),
        (service.voucher_volume, service.voucher_unit_price),
    ]
    volume = sum(v for v, price in parts if price is not None and v > 0)
    if volume <= 0:
        return None
    return round_half_up(sum(v * p for v, p in parts if p is not None and v > 0) / volume, 2)


def assess_services(basis: EvaluationBasis, inputs: EvaluationInputs) -> list[ServicePerformance]:
    """Each planned service's actual volume and unit cost against stage 4's plan."""
    actual = {s.service_id: s for s in inputs.services}
    tolerance = inputs.rules.cost_tolerance_pct
    out = []
    for service in basis.comparison.services:
        row = actual[service.service_id]
        planned_volume = service.own_volume + service.purchased_volume + service.voucher_volume
        planned_cost = planned_unit_cost(service)
        unit_cost = round_half_up(row.cost / row.volume, 2) if row.volume > 0 else None
        cost_diff = (
            _pct((unit_cost - planned_cost) / planned_cost * 100) if unit_cost is not None and planned_cost else None
        )
        out.append(
            ServicePerformance(
                service_id=service.service_id,
                name=service.name,
                unit=service.unit,
                planned_volume=planned_volume,
                actual_volume=row.volume,
                volume_diff_pct=_pct((row.volume - planned_volume) / planned_volume * 100) if planned_volume else None,
                planned_unit_cost=planned_cost,
                actual_unit_cost=unit_cost,
                unit_cost_diff_pct=cost_diff,
                actual_cost_eur=round_half_up(row.cost, 0),
                over_tolerance=cost_diff is not None and cost_diff > tolerance,
            )
        )
    return out


def assess_frame(basis: EvaluationBasis, inputs: EvaluationInputs) -> list[GroupFrame]:
    """Each client group's actual operating costs against its share of the stage-2 frame."""
    actual = {g.client_group: g.operating_costs for g in inputs.groups}
    out = []
    for group in basis.targets.frame.groups:
        spent = round_half_up(actual[group.client_group], 0)
        diff = spent - group.allocated_eur
        out.append(
            GroupFrame(
                client_group=group.client_group,
                frame_eur=group.allocated_eur,
                actual_eur=spent,
                diff_eur=diff,
                diff_pct=_pct(diff / group.allocated_eur * 100) if group.allocated_eur else 0.0,
            )
        )
    return out


def assess_producers(basis: EvaluationBasis) -> list[ProducerPerformance]:
    """Each monitored contract over the cycle's noted periods (stage 6's trend and final ladder)."""
    if not basis.reports:
        return []
    points = defaultdict(list)
    for point in basis.reports[-1].trend:
        points[point.contract_id].append(point)
    ladder = {s.contract_id: s for s in basis.final_ladder}
    contracts = {c.contract_id: c for c in basis.procurement.contracts.contracts}
    out = []
    for contract_id in sorted(points):
        series = sorted(points[contract_id], key=lambda p: p.period)
        step = ladder.get(contract_id)
        waits = [p.wait_within_pct for p in series if p.wait_within_pct is not None]
        contract = contracts.get(contract_id)
        out.append(
            ProducerPerformance(
                contract_id=contract_id,
                producer=step.producer if step else (contract.producer if contract else contract_id),
                service_name=step.service_name if step else (contract.service_name if contract else ""),
                periods=[p.period for p in series],
                deviations=sum(p.deviations for p in series),
                max_step=max(p.step for p in series),
                final_step=step.step if step else series[-1].step,
                final_step_name=step.step_name if step else "",
                over_billed_eur=round_half_up(sum(p.over_billed_eur for p in series), 2),
                wait_within_pct=_pct(sum(waits) / len(waits)) if waits else None,
            )
        )
    return out


def assess_experience(basis: EvaluationBasis, inputs: EvaluationInputs) -> list[ServiceExperience]:
    """Client experience and effectiveness per service and client group, rated by the rules."""
    rules = inputs.rules
    names = {s.service_id: s.name for s in basis.comparison.services}
    names.update({c.service_id: c.service_name for c in basis.procurement.contracts.contracts})
    out = []
    for row in inputs.surveys:
        rating = (
            "hyvä"
            if row.mean >= rules.satisfaction_good
            else "heikko"
            if row.mean < rules.satisfaction_weak
            else "tyydyttävä"
        )
        out.append(
            ServiceExperience(
                service_id=row.service_id,
                name=names[row.service_id],
                client_group=row.client_group,
                responses=row.responses,
                mean=round_half_up(row.mean, 2),
                recommend_pct=row.recommend_pct,
                benefit_pct=row.benefit_pct,
                rating=rating,
                reliable=row.responses >= rules.min_responses,
            )
        )
    return out


@dataclass(frozen=True)
class Evidence:
    """What the cycle showed about a risk category, by one rule."""

    probability_at_least: int
    text: str
    rule: EvidenceRule


def gather_evidence(
    rules: EvaluationRules,
    producers: Sequence[ProducerPerformance],
    groups: Sequence[GroupFrame],
    attainment: Sequence[TargetAttainment],
    basis: EvaluationBasis,
) -> dict[str, list[Evidence]]:
    """Risk category (lower case) → the evidence of the cycle that raises its risks."""
    found: dict[str, list[Evidence]] = defaultdict(list)
    frame = basis.targets.frame
    planned = sum(g.frame_eur for g in groups)
    spent = sum(g.actual_eur for g in groups)
    for rule in rules.evidence:
        texts: list[str] = []
        if rule.kind is EvidenceKind.LADDER:
            texts = [
                f"{p.producer} ({p.contract_id}) on vaiheen 6 seuraamusportaalla {p.final_step} "
                f"({p.final_step_name.lower()})"
                for p in producers
                if p.final_step >= rule.threshold
            ]
        elif rule.kind is EvidenceKind.FRAME:
            over = (spent - planned) / planned * 100 if planned else 0.0
            if over >= rule.threshold:
                texts.append(
                    f"toimintakulut {fi_meur(spent)} ylittävät kehyksen {fi_meur(planned)} {fi_number(over, 1)} %:lla"
                )
            if frame.coverage is not None and frame.coverage.gap_eur > 0 and not frame.coverage.closed_by_measures:
                texts.append(
                    f"kehysskenaario jättää vuoden {frame.coverage.deadline_year} loppuun "
                    f"{fi_meur(frame.coverage.gap_eur)} kattamatonta alijäämää, jota nimetyt toimenpiteet eivät kata"
                )
        elif rule.kind is EvidenceKind.TARGETS:
            worsened = [a.target_id for a in attainment if a.status is Status.WORSENED]
            if len(worsened) >= rule.threshold:
                texts.append(f"heikentyneet tavoitteet: {', '.join(worsened)}")
        found[rule.category.lower()] += [Evidence(rule.probability_at_least, text, rule) for text in texts]
    return {category: items for category, items in found.items() if items}


def _risk(rules: EvaluationRules, row: RiskRow | None, *, probability: int, impact: int, **fields: Any) -> RiskItem:
    index = probability * impact
    band = rules.band(index)
    return RiskItem(
        previous_probability=row.probability if row else None,
        previous_impact=row.impact if row else None,
        previous_index=row.probability * row.impact if row else None,
        probability=probability,
        impact=impact,
        index=index,
        band=band.key,
        band_action=band.action,
        **fields,
    )


#: A new risk's actions until the preparers name them (it is listed as lacking a follow-up action).
NEW_RISK_ACTIONS = "Toimenpiteet on vielä määriteltävä."


def update_risks(
    register: Sequence[RiskRow], rules: EvaluationRules, evidence: Mapping[str, Sequence[Evidence]]
) -> list[RiskItem]:
    """The carried register with the evidence applied (a risk's probability is raised to the
    evidence's minimum, never lowered); a category with evidence but no risk gets a new one.
    Sorted by index (highest first), then id."""
    out = []
    for row in register:
        found = evidence.get(row.category.lower(), [])
        out.append(
            _risk(
                rules,
                row,
                probability=max([row.probability, *(e.probability_at_least for e in found)]),
                impact=row.impact,
                risk_id=row.risk_id,
                description=row.description,
                category=row.category,
                evidence=[e.text for e in found],
                actions=row.actions,
                owner=row.owner,
                new=False,
            )
        )
    known = {r.category.lower() for r in register}
    for number, category in enumerate(sorted(set(evidence) - known), start=1):
        found = list(evidence[category])
        first = found[0].rule
        out.append(
            _risk(
                rules,
                None,
                probability=max(e.probability_at_least for e in found),
                impact=max(e.rule.new_impact for e in found),
                risk_id=f"{NEW_RISK_PREFIX}{number}",
                description=first.new_risk,
                category=first.category,
                evidence=[e.text for e in found],
                actions=NEW_RISK_ACTIONS,
                owner=first.new_owner,
                new=True,
            )
        )
    return sorted(out, key=lambda r: (-r.index, r.risk_id))


def _worked_and_improve(
    attainment: Sequence[TargetAttainment],
    services: Sequence[ServicePerformance],
    experience: Sequence[ServiceExperience],
    producers: Sequence[ProducerPerformance],
    groups: Sequence[GroupFrame],
) -> tuple[list[str], list[str]]:
    """*Missä onnistuttiin* and *mitä pitäisi parantaa*, each line from a figure of the evaluation."""
    worked, improve = [], []
    for a in attainment:
        text = f"{a.target_id} {a.indicator}"
        if a.grade is not None and a.grade >= 4:
            worked.append(f"{text}: {a.status.label_fi}, arvosana {a.grade}.")
        elif a.grade is not None and a.grade <= 2:
            improve.append(f"{text}: {a.status.label_fi}, arvosana {a.grade}.")
    for e in experience:
        if e.rating == "hyvä" and e.reliable:
            worked.append(f"{e.name} ({e.client_group.label_fi}): asiakastyytyväisyys {fi_number(e.mean, 2)}/5.")
        elif e.rating == "heikko":
            improve.append(f"{e.name} ({e.client_group.label_fi}): asiakastyytyväisyys {fi_number(e.mean, 2)}/5.")
    for s in services:
        if s.over_tolerance and s.unit_cost_diff_pct is not None:
            improve.append(
                f"{s.name}: yksikkökustannus {fi_number(s.actual_unit_cost, 2)} € ylittää suunnitellun "
                f"({fi_number(s.planned_unit_cost, 2)} €) {fi_number(s.unit_cost_diff_pct, 1)} %."
            )
    for p in producers:
        if p.final_step >= 2:
            improve.append(f"{p.producer} ({p.contract_id}): {p.final_step_name.lower()}, {p.deviations} poikkeamaa.")
        elif p.deviations == 0:
            worked.append(f"{p.producer} ({p.contract_id}): ei poikkeamia seurantajaksoilla.")
    for g in groups:
        if g.diff_eur > 0:
            improve.append(f"{g.client_group.label_fi}: toimintakulut ylittivät kehyksen {fi_meur(g.diff_eur)}.")
    return worked, improve


def carry_over(
    region_code: str, cycle: int, attainment: Sequence[TargetAttainment], risks: Sequence[RiskItem]
) -> Carryover:
    """What the next cycle's stage 1 starts from: targets not reached or worsened, the high band's
    risks, and the client groups whose priorities and weights are to be revisited."""
    weak = [a for a in attainment if a.status in (Status.NOT_REACHED, Status.WORSENED)]
    targets = [
        CarriedTarget(
            target_id=a.target_id,
            client_group=a.client_group.label_fi,
            indicator=a.indicator,
            status=a.status,
            grade=a.grade,
            text=f"{a.target_id} {a.indicator}: {a.status.label_fi}"
            + (f" (arvosana {a.grade})" if a.grade is not None else ""),
        )
        for a in weak
    ]
    high = [r for r in risks if r.band == "suuri"]
    groups = sorted({a.client_group for a in weak}, key=list(ClientGroup).index)

    def missed(group: ClientGroup) -> str:
        n = sum(1 for a in weak if a.client_group is group)
        return "1 tavoite jäi" if n == 1 else f"{n} tavoitetta jäi"

    priorities = [
        f"{g.label_fi}: {missed(g)} saavuttamatta; asiakasryhmän painotus ja priorisointi arvioidaan uudelleen."
        for g in groups
    ]
    return Carryover(
        region_code=region_code,
        cycle=cycle,
        targets=targets,
        risks=[CarriedRisk(risk_id=r.risk_id, description=r.description, index=r.index, owner=r.owner) for r in high],
        priorities=priorities,
    )


METHOD = [
    "Tavoitteen toteutuma = (toteuma − lähtötaso) / (tavoite − lähtötaso) × 100: kuinka suuren osan matkasta "
    "lähtötasosta tavoitteeseen mittari on edennyt. Tila: saavutettu (vähintään 100 %), heikentynyt (alle 0 %), "
    "ei saavutettu (tavoitevuosi on ohi tai edistystä ei ole) tai edistyy (edistystä on ja tavoitevuosi on edessä).",
    "Säilyy-tavoite on saavutettu, kun toteuma on sallitun poikkeaman rajoissa tavoitearvosta.",
    "Riski-indeksi = todennäköisyys × vaikutus (kumpikin 1–5). Kierroksen näyttö (vaiheen 6 seuraamusportaat, "
    "kehyksen ylitys ja kattamaton alijäämä, heikentyneet tavoitteet) nostaa riskiluokan riskien todennäköisyyden "
    "vähintään säännön rajaan; näyttö ei laske riskiä, vaan riskin pienentäminen on valmistelijoiden arvio.",
    "Suunniteltu yksikkökustannus on vaiheen 4 oman tuotannon täyskustannus sekä osto- ja palvelusetelihinnat "
    "tuotantotapojen volyymeilla painotettuna.",
]


def analyse_evaluation(
    inputs: EvaluationInputs, basis: EvaluationBasis, *, region_code: str, region_name: str, cycle: int
) -> EvaluationAnalysis:
    """The cycle's evaluation from the checked inputs and the bases."""
    rules = inputs.rules
    attainment = assess_targets(basis.targets.impact.targets, inputs.actuals, inputs.grades, rules.grading)
    services = assess_services(basis, inputs)
    groups = assess_frame(basis, inputs)
    producers = assess_producers(basis)
    experience = assess_experience(basis, inputs)
    risks = update_risks(inputs.risks, rules, gather_evidence(rules, producers, groups, attainment, basis))
    worked, improve = _worked_and_improve(attainment, services, experience, producers, groups)
    actions = [FollowUp(action=a.action, owner=a.owner, schedule=a.schedule, subject=a.subject) for a in inputs.actions]
    answered = {a.subject for a in actions if a.subject}
    unanswered = [
        f"{a.target_id} (arvosana {a.grade})"
        for a in attainment
        if a.grade is not None and a.grade <= 2 and a.target_id not in answered
    ] + [f"{r.risk_id} (indeksi {r.index})" for r in risks if r.band == "suuri" and r.risk_id not in answered]
    g = rules.grading
    method = [
        *METHOD,
        f"Arvosana: 5, kun toteuma on vähintään {fi_number(g.grade_5)} %; 4 vähintään {fi_number(g.grade_4)} %; "
        f"3 vähintään {fi_number(g.grade_3)} %; 2 vähintään {fi_number(g.grade_2)} %; muuten, tai jos mittari "
        "heikentyi, 1. Valmistelijan arvosana korvaa lasketun, ja molemmat näytetään laatijan kanssa.",
        "Riskiluokat: "
        + "; ".join(
            f"{b.key} indeksistä {b.min_index} alkaen ({b.action})"
            for b in sorted(rules.bands, key=lambda b: -b.min_index)
        )
        + f" (säännöt: {rules.source_file.rsplit('/', 1)[-1]}).",
    ]
    return EvaluationAnalysis(
        region_code=region_code,
        region_name=region_name,
        cycle=cycle,
        frame_year=basis.targets.frame.frame_year,
        attainment=attainment,
        services=services,
        groups=groups,
        frame_eur=round_half_up(sum(x.frame_eur for x in groups), 0),
        actual_eur=round_half_up(sum(x.actual_eur for x in groups), 0),
        producers=producers,
        experience=experience,
        welfare=inputs.welfare,
        welfare_period=inputs.welfare_period,
        worked=worked,
        improve=improve,
        actions=actions,
        unanswered=unanswered,
        risks=risks,
        bands=sorted(rules.bands, key=lambda b: -b.min_index),
        carryover=carry_over(region_code, cycle, attainment, risks),
        method=method,
        example_data=inputs.example_data,
    )
