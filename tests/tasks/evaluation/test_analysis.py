"""Stage 7's rules, checked against figures worked out by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemas.carryover import Status
from schemas.evaluation import ActualRow, GradeRow, RiskRow
from schemas.targets import ClientGroup, Direction, ImpactTarget
from tasks.evaluation.analysis import (
    Evidence,
    assess_targets,
    attainment_pct,
    carry_over,
    grade_of,
    planned_unit_cost,
    update_risks,
)
from tasks.evaluation.inputs import read_rules
from tests.support import DATA_DIR

RULES = read_rules(DATA_DIR / "config" / "rules" / "evaluation.toml")


def _target(
    target_id: str, baseline: float | None, target: float, direction: Direction, year: int = 2029
) -> ImpactTarget:
    return ImpactTarget(
        target_id=target_id,
        client_group=ClientGroup.OLDER_PEOPLE,
        indicator=f"Mittari {target_id}",
        unit="%",
        baseline=baseline,
        baseline_year="2024",
        baseline_source="input",
        target_value=target,
        target_year=year,
        direction=direction,
        finding=None,
    )


def _actual(target_id: str, value: float, year: int = 2026) -> ActualRow:
    return ActualRow(tavoite_id=target_id, toteuma=value, vuosi=year, lähde="testi")


def test_attainment_status_and_grade_by_hand() -> None:
    targets = [
        # 1,3 → 1,1 (down); 1,2 is half way: (1,2 − 1,3) / (1,1 − 1,3) = 50 % → grade 3, progressing.
        _target("A", 1.3, 1.1, Direction.DECREASE),
        # 88 → 95; 95,4 passes the target: ≥ 100 % → reached, grade 5.
        _target("B", 88, 95, Direction.INCREASE),
        # 5,4677 → 4,8; 5,6 moved the wrong way: (5,6 − 5,4677) / (4,8 − 5,4677) = −19,8 % → worsened, 1.
        _target("C", 5.4677, 4.8, Direction.DECREASE),
        # 84 → 95 by 2027; 93: 9 / 11 = 81,8 % → grade 4, progressing.
        _target("D", 84, 95, Direction.INCREASE, year=2027),
        # 78 → 95 by 2026 (the year has come): 80 is 2 / 17 = 11,8 % → not reached, grade 2.
        _target("E", 78, 95, Direction.INCREASE, year=2026),
        # no actual value → no data, no grade; a preparer's grade 3 replaces it.
        _target("F", 16.4, 15.0, Direction.DECREASE),
        # keep 50 within 2 %: 50,9 is 1,8 % off → reached.
        _target("G", 50, 50, Direction.MAINTAIN),
    ]
    actuals = [_actual("A", 1.2), _actual("B", 95.4), _actual("C", 5.6), _actual("D", 93), _actual("E", 80)]
    actuals.append(_actual("G", 50.9))
    override = GradeRow(tavoite_id="F", arvosana=3, perustelu="Tilasto viivästyy.", laatija="Esimerkki Suunnittelija")
    got = {a.target_id: a for a in assess_targets(targets, actuals, [override], RULES.grading)}
    assert [(k, got[k].attainment_pct, got[k].status, got[k].grade) for k in "ABCDEFG"] == [
        ("A", 50.0, Status.PROGRESSING, 3),
        ("B", 105.7, Status.REACHED, 5),
        ("C", -19.8, Status.WORSENED, 1),
        ("D", 81.8, Status.PROGRESSING, 4),
        ("E", 11.8, Status.NOT_REACHED, 2),
        ("F", None, Status.NO_DATA, 3),
        ("G", 100.0, Status.REACHED, 5),
    ]
    assert got["F"].computed_grade is None and got["F"].grade_override == override


def test_grade_limits_follow_the_rules_file() -> None:
    rule = RULES.grading
    assert [grade_of(Status.PROGRESSING, pct, rule) for pct in (99.9, 75, 74.9, 50, 49.9, 1, 0.5)] == [
        4,
        4,
        3,
        3,
        2,
        2,
        1,
    ]
    assert grade_of(Status.WORSENED, 80, rule) == 1
    assert grade_of(Status.NO_DATA, None, rule) is None


def test_keep_outside_the_tolerance_is_not_reached() -> None:
    assert attainment_pct(_target("K", 50, 50, Direction.MAINTAIN), 51.1, RULES.grading) == 0.0


def _risk(risk_id: str, category: str, probability: int, impact: int) -> RiskRow:
    return RiskRow(
        riski_id=risk_id,
        riski=f"Riski {risk_id}",
        luokka=category,
        todennäköisyys=probability,
        vaikutus=impact,
        toimenpiteet="Seuranta",
        vastuu="Johtaja",
    )


def test_risk_index_band_and_evidence() -> None:
    ladder = next(r for r in RULES.evidence if r.kind.value == "ladder")
    targets_rule = next(r for r in RULES.evidence if r.kind.value == "targets")
    evidence = {
        "saatavuus": [Evidence(4, "Tuottaja (S-1) on portaalla 3", ladder)],
        "vaikuttavuus": [Evidence(3, "heikentyneet tavoitteet: C", targets_rule)],
    }
    register = [_risk("R-1", "talous", 4, 5), _risk("R-2", "saatavuus", 2, 4), _risk("R-3", "tietojärjestelmät", 1, 3)]
    got = {r.risk_id: r for r in update_risks(register, RULES, evidence)}
    # 4 × 5 = 20 ≥ 15: suuri. Supply 2 × 4 = 8 raised by the evidence to 4 × 4 = 16: suuri.
    assert (got["R-1"].index, got["R-1"].band) == (20, "suuri")
    assert (got["R-2"].previous_index, got["R-2"].probability, got["R-2"].index, got["R-2"].band) == (8, 4, 16, "suuri")
    assert got["R-2"].evidence == ["Tuottaja (S-1) on portaalla 3"]
    assert (got["R-3"].index, got["R-3"].band) == (3, "pieni")
    # No effectiveness risk in the register: a new one, 3 × 4 = 12: keskisuuri.
    new = got["R-UUSI-1"]
    assert (new.new, new.probability, new.impact, new.index, new.band) == (True, 3, 4, 12, "keskisuuri")
    assert [r.risk_id for r in update_risks(register, RULES, evidence)] == [
        "R-1",
        "R-2",
        "R-UUSI-1",
        "R-3",
    ]


def test_evidence_never_lowers_a_risk() -> None:
    ladder = next(r for r in RULES.evidence if r.kind.value == "ladder")
    got = update_risks([_risk("R-2", "saatavuus", 5, 4)], RULES, {"saatavuus": [Evidence(4, "x", ladder)]})
    assert got[0].probability == 5


def test_bands_as_parameters(tmp_path: Path) -> None:
    from schemas.evaluation import EvaluationParams

    rules = read_rules(
        DATA_DIR / "config" / "rules" / "evaluation.toml", EvaluationParams(high_from=20, medium_from=10)
    )
    assert [(rules.band(i).key) for i in (19, 20, 10, 9)] == ["keskisuuri", "suuri", "keskisuuri", "pieni"]
    with pytest.raises(ValueError, match="medium_from must be below high_from"):
        EvaluationParams(high_from=10, medium_from=12)


def test_carry_over_takes_the_weak_targets_and_the_high_risks() -> None:
    targets = [_target("A", 1.3, 1.1, Direction.DECREASE), _target("C", 5.4677, 4.8, Direction.DECREASE)]
    attainment = assess_targets(targets, [_actual("A", 1.2), _actual("C", 5.6)], [], RULES.grading)
    risks = update_risks([_risk("R-1", "talous", 4, 5), _risk("R-3", "muu", 2, 2)], RULES, {})
    carried = carry_over("HVA08", 2026, attainment, risks)
    assert [t.target_id for t in carried.targets] == ["C"]
    assert carried.targets[0].text == "C Mittari C: heikentynyt (arvosana 1)"
    assert [r.risk_id for r in carried.risks] == ["R-1"]
    assert carried.priorities == [
        "Ikääntyneet: 1 tavoite jäi saavuttamatta; asiakasryhmän painotus ja priorisointi arvioidaan uudelleen."
    ]


def test_planned_unit_cost_weights_the_modes_by_volume() -> None:
    from schemas.comparison import RecommendedMode, ServiceBasis

    service = ServiceBasis(
        service_id="S",
        name="Palvelu",
        unit="käynti",
        chosen_mode=RecommendedMode.MIXED,
        current_mode=RecommendedMode.MIXED,
        own_volume=300,
        purchased_volume=100,
        voucher_volume=0,
        own_unit_cost=40.0,
        purchased_unit_price=48.0,
        voucher_unit_price=None,
    )
    # (300 × 40 + 100 × 48) / 400 = 16 800 / 400 = 42,00
    assert planned_unit_cost(service) == 42.0


def test_a_newer_export_gives_the_change_and_the_same_period_gives_none() -> None:
    from tasks.evaluation.inputs import welfare_changes
    from tasks.needs.basis import recompute_region_profile

    profile, periods = recompute_region_profile(DATA_DIR, "HVA08")
    assert periods["population"] == "2025" and periods["unemployment_rate"] == "2026M06"
    # The same exports as stage 1's: no newer value, no change.
    same, newest = welfare_changes(profile, periods, profile, periods)
    assert newest is None and all(w.change is None and w.period is None for w in same)
    # A newer population export (2026) with 1 234 more inhabitants; the other exports unchanged.
    newer = profile.model_copy(update={"population": profile.population + 1234})
    changes, newest = welfare_changes(profile, periods, newer, {**periods, "population": "2026"})
    by_field = {w.field: w for w in changes}
    assert newest == "2026"
    assert (by_field["population"].change, by_field["population"].period) == (1234.0, "2026")
    assert by_field["unemployment_rate"].change is None
