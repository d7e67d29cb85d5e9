"""Stage 5a's computation checked by hand on the shipped example: each procurement's volume, value,
estimated value, threshold and procedure; the threshold rule chosen by the notice day; the lot
splits; the award ranking; the compensation models' annual costs; the contracts; and the
reconciliation with stage 4 that stops a run when the register and stage 4 disagree."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from schemas.procurement import (
    LotBasis,
    MilestoneCode,
    PlanningRow,
    Procedure,
    ProcurementAnalysis,
    ThresholdClass,
    ThresholdRule,
)
from soteflow.errors import InputError
from tasks.procurement.analysis import _procedure, analyse_procurement, build_lots
from tasks.procurement.inputs import read_procurement_inputs
from tasks.procurement.ocds import validate_package
from tests.fixtures.procurement.example import (
    COMPARISON_ROUND,
    EXAMPLES,
    OCDS,
    RULES,
    SERVICES,
    TOLERANCE,
    copy_inputs,
    edit,
)


def _analyse(folder: Path = EXAMPLES, rules: Path = RULES, horizon_years: int = 3) -> ProcurementAnalysis:
    inputs = read_procurement_inputs(folder, rules, SERVICES)
    return analyse_procurement(
        inputs,
        COMPARISON_ROUND,
        cycle=2026,
        first_year=2027,  # cycle 2026 prepares the budget year 2027
        horizon_years=horizon_years,
        ocds=OCDS,
        tolerance=TOLERANCE,
    )


@pytest.fixture(scope="module")
def analysis() -> ProcurementAnalysis:
    return _analyse()


def _procurement(analysis: ProcurementAnalysis, pid: str):  # type: ignore[no-untyped-def]
    return next(p for p in analysis.plan.procurements if p.procurement_id == pid)


def test_three_procurements_by_hand(analysis: ProcurementAnalysis) -> None:
    # Disability housing: the plan moves it to purchased production (own 22 800 + purchased 350 000);
    # both contracts end 31.12.2027. 372 800 × 227,62 € = 84 856 736 €/v; 4 + 2 years → ×6.
    vam = _procurement(analysis, "H-2027-01")
    assert (vam.planned_volume, vam.continuing_volume, vam.annual_volume) == (372800.0, 0.0, 372800.0)
    assert (vam.annual_value, vam.estimated_value) == (84856736.0, 509140416.0)
    assert (vam.threshold_class, vam.eu_threshold, vam.procedure) == (
        ThresholdClass.SOCIAL_HEALTH,
        750000.0,
        Procedure.LIGHT_EU,
    )
    assert not vam.threshold_provisional and "1.1.2026–31.12.2027" in vam.threshold_rule
    # Foster care: mixed, purchases stay at 174 000; 174 000 × 347,84 € = 60 524 160 €/v; 3 + 1 → ×4.
    lap = _procurement(analysis, "H-2027-02")
    assert (lap.annual_volume, lap.annual_value, lap.estimated_value) == (174000.0, 60524160.0, 242096640.0)
    # Its notice falls in January 2028: the 2028–2029 rule, whose EU values are provisional.
    assert lap.threshold_provisional and "1.1.2028–31.12.2029" in lap.threshold_rule
    # 24-hour elderly care: S-TEHPA-01 (391 000 days, options to 2031) continues past the horizon,
    # S-TEHPA-02 ends 31.12.2028: 547 500 − 391 000 = 156 500 days × 197,71 € = 30 941 615 €/v.
    tehpa = _procurement(analysis, "H-2028-01")
    assert (tehpa.ending_contracts, tehpa.continuing_contracts) == (["S-TEHPA-02"], ["S-TEHPA-01"])
    assert (tehpa.annual_volume, tehpa.annual_value, tehpa.estimated_value) == (156500.0, 30941615.0, 185649690.0)
    assert analysis.plan.total_estimated_value == 509140416.0 + 242096640.0 + 185649690.0
    assert [p.responsible_unit for p in analysis.plan.procurements] == ["Hankintapalvelut"] * 3


def test_timeline_is_worked_back_from_the_start(analysis: ProcurementAnalysis) -> None:
    days = {m.code: m.date for m in _procurement(analysis, "H-2027-01").timeline}
    # Start 1.1.2028 − 90 days transition = 3.10.2027; − 14 days standstill = 19.9.2027 (a Sunday) →
    # the Monday before, 13.9.2027; − 30 days evaluation = 14.8.2027 (a Saturday) → Friday 13.8.2027;
    # − 35 days tender period = 9.7.2027; − 45 days preparation = 25.5.2027; − 60 days dialogue.
    assert days == {
        MilestoneCode.DIALOGUE: dt.date(2027, 3, 26),
        MilestoneCode.PREPARATION: dt.date(2027, 5, 25),
        MilestoneCode.NOTICE: dt.date(2027, 7, 9),
        MilestoneCode.TENDER_DEADLINE: dt.date(2027, 8, 13),
        MilestoneCode.AWARD: dt.date(2027, 9, 13),
        MilestoneCode.STANDSTILL_END: dt.date(2027, 9, 27),
        MilestoneCode.START: dt.date(2028, 1, 1),
    }
    assert days[MilestoneCode.AWARD].weekday() == 0


def test_the_threshold_follows_the_notice_day_not_the_contract_start(tmp_path: Path) -> None:
    folder = copy_inputs(tmp_path / "inputs")
    # Foster care starting 1.3.2028: its notice falls in autumn 2027, under the 2026–2027 rule.
    edit(folder / "hankintakohteet.csv", "LAP-SIJAISHUOLTO;H-2027-02;1.7.2028", "LAP-SIJAISHUOLTO;H-2027-02;1.3.2028")
    lap = _procurement(_analyse(folder), "H-2027-02")
    notice = next(m.date for m in lap.timeline if m.code is MilestoneCode.NOTICE)
    assert notice.year == 2027
    assert not lap.threshold_provisional and "1.1.2026–31.12.2027" in lap.threshold_rule


def test_a_notice_day_without_a_rule_is_an_error_naming_the_rules_file(tmp_path: Path) -> None:
    rules = tmp_path / "procurement.toml"
    text = RULES.read_text(encoding="utf-8")
    start = text.index("[[thresholds]]\nvalid_from = 2028-01-01")
    end = text.index("# Durations of a procurement's steps")
    rules.write_text(text[:start] + text[end:], encoding="utf-8")
    with pytest.raises(InputError) as raised:
        _analyse(rules=rules)
    error = raised.value
    assert (Path(str(error.file)).name, error.field) == ("procurement.toml", "thresholds")
    assert "H-2027-02" in str(error) and "no threshold rule for 2028-01-07" in str(error)


RULE = ThresholdRule(
    valid_from=dt.date(2026, 1, 1),
    valid_to=dt.date(2027, 12, 31),
    source="testi",
    national={c: v for c, v in zip(ThresholdClass, (60000, 400000, 300000, 150000), strict=True)},
    eu={c: v for c, v in zip(ThresholdClass, (216000, 750000, 750000, 5404000), strict=True)},
)


@pytest.mark.parametrize(
    ("klass", "value", "expected"),
    [
        (ThresholdClass.SOCIAL_HEALTH, 399999, Procedure.BELOW_NATIONAL),
        (ThresholdClass.SOCIAL_HEALTH, 400000, Procedure.LIGHT_NATIONAL),
        (ThresholdClass.SOCIAL_HEALTH, 749999, Procedure.LIGHT_NATIONAL),
        (ThresholdClass.SOCIAL_HEALTH, 750000, Procedure.LIGHT_EU),
        (ThresholdClass.OTHER_SPECIFIC, 300000, Procedure.LIGHT_NATIONAL),
        (ThresholdClass.GOODS_SERVICES, 59999, Procedure.BELOW_NATIONAL),
        (ThresholdClass.GOODS_SERVICES, 100000, Procedure.NATIONAL),
        (ThresholdClass.GOODS_SERVICES, 216000, Procedure.EU_OPEN),
        (ThresholdClass.WORKS, 5404000, Procedure.EU_OPEN),
    ],
)
def test_procedure_by_threshold(klass: ThresholdClass, value: float, expected: Procedure) -> None:
    assert _procedure(klass, value, RULE, None)[0] is expected


def test_a_direct_award_states_its_legal_ground() -> None:
    procedure, text = _procedure(ThresholdClass.SOCIAL_HEALTH, 900000, RULE, "hankintalaki 110 §")
    assert procedure is Procedure.DIRECT
    assert "Laillinen peruste: hankintalaki 110 §" in text and "odotusaikaa ei sovelleta" in text


def test_lots_by_area_split_an_area_too_large_for_a_small_producer(analysis: ProcurementAnalysis) -> None:
    vam = _procurement(analysis, "H-2027-01")
    # Capacity: the largest SME or NGO contract of the service, S-VAM-02 24 021 500 €/v. Tampere's
    # half (42 428 368 €) is larger, so it becomes two lots of 21 214 184 €.
    assert vam.small_producer_capacity == 24021500.0
    assert [(lot.lot_id, lot.name, lot.annual_value) for lot in vam.lots] == [
        ("O1", "Tampere 1/2", 21214184.0),
        ("O2", "Tampere 2/2", 21214184.0),
        ("O3", "Etelä-Pirkanmaa", 16971347.0),
        ("O4", "Pohjois-Pirkanmaa", 12728510.0),
        ("O5", "Kaakkois-Pirkanmaa", 12728511.0),  # takes the rounding rest: the lots sum to the whole
    ]
    assert sum(lot.annual_value for lot in vam.lots) == vam.annual_value
    assert sum(lot.annual_volume for lot in vam.lots) == vam.annual_volume
    assert (vam.access_share, vam.current_small_share) == (1.0, 0.3015)  # 24 021 500 / 79 668 500


def test_lots_by_volume(analysis: ProcurementAnalysis) -> None:
    lap = _procurement(analysis, "H-2027-02")
    # 60 524 160 € / capacity 17 808 000 € (S-LAP-02, a micro firm) = 3,4 → 4 lots of 15 131 040 €.
    assert [(lot.name, lot.annual_value, lot.annual_volume) for lot in lap.lots] == [
        (f"Volyymiosa {i}/4", 15131040.0, 43500.0) for i in range(1, 5)
    ]


def test_an_undivided_procurement_too_large_for_small_producers_gives_no_access() -> None:
    row = PlanningRow(
        palvelu_id="X",
        hankinta_id="H-1",
        sopimus_alkaa="1.1.2028",
        sopimuskausi_v="2",
        jako="ei",
        jakamatta_peruste="yhtenäinen potilastietojärjestelmä",
        korvausmalli="yksikköhinta",
        kuvaus="ICT",
    )
    lots = build_lots(row, 1000.0, 900000.0, 500000.0, file="hankintakohteet.csv", number=2)
    assert [(lot.name, lot.annual_value, lot.fits_small_producers) for lot in lots] == [
        ("Koko hankinta", 900000.0, False)
    ]
    assert row.lot_basis is LotBasis.NONE


def test_award_ranking_by_hand(analysis: ProcurementAnalysis) -> None:
    award = next(a for a in analysis.awards if a.procurement_id == "H-2027-01")
    lot = award.lots[0]
    # Lowest price 219,90 €. Price points 60 × 219,90 / price; quality 25 × points / 10 and 15 × points / 10.
    assert [(b.rank, b.bidder, b.price_points, b.total) for b in lot.bids] == [
        (1, "Tukiasunnot Esimerkki ry", 57.49, 93.49),  # 60 × 219,90/229,50 + 22,5 + 13,5
        (2, "Asumispalvelut Esimerkki Oyj", 58.9, 85.4),  # 60 × 219,90/224 + 17,5 + 9
        (3, "Kotipesä Esimerkki Oy", 60.0, 82.5),  # 60 + 15 + 7,5
    ]
    assert (lot.winner, lot.annual_value) == ("Tukiasunnot Esimerkki ry", 21389400.0)  # 229,50 × 93 200
    assert [a.procurement_id for a in analysis.awards] == ["H-2027-01", "H-2027-02"]  # H-2028-01 has no bids


def test_compensation_models_by_hand(analysis: ProcurementAnalysis) -> None:
    by_id = {c.procurement_id: c for c in analysis.compensation}
    incentive = by_id["H-2027-01"]
    # Base 95 % of 227,62 = 216,24 €; pool 5 % × 227,62 × 372 800 = 4 242 837 €; 90 % expected:
    # 216,24 × 372 800 + 4 242 837 × 0,9 = 80 614 272 + 3 818 553 = 84 432 825 €.
    assert (incentive.base_price, incentive.annual_cost, incentive.max_annual_cost) == (216.24, 84432825.0, 84857109.0)
    assert (incentive.own_full_cost, incentive.difference) == (96558928.0, -12126103.0)  # 259,01 × 372 800
    capitation = by_id["H-2028-01"]
    # 197,71 × 156 500 / 430 / 12 = 5 996,44 € a client-month; × 430 × 12 = 30 941 630 €.
    assert (capitation.base_price, capitation.annual_cost) == (5996.44, 30941630.0)
    unit = by_id["H-2027-02"]
    assert (unit.annual_cost, unit.own_full_cost) == (60524160.0, 57112020.0)


def test_services_not_procured_say_why(analysis: ProcurementAnalysis) -> None:
    reasons = {n.service_id: n for n in analysis.plan.not_procured}
    assert reasons["IKA-KOTIHOITO"].contracts == ["S-KOTI-01", "S-KOTI-02"]
    assert "oma tuotanto" in reasons["IKA-KOTIHOITO"].reason and "31.3.2027" in reasons["IKA-KOTIHOITO"].reason
    assert "Palvelusetelillä" in reasons["TYO-SUUNHOITO"].reason


def test_contracts_carry_their_terms(analysis: ProcurementAnalysis) -> None:
    contracts = analysis.contracts.contracts
    continued = [c for c in contracts if c.origin == "continued"]
    awarded = [c for c in contracts if c.origin == "awarded"]
    assert len(continued) == 8 and len(awarded) == 9  # 5 + 4 lots awarded
    tehpa = next(c for c in continued if c.contract_id == "S-TEHPA-01")
    assert {k.kpi for k in tehpa.kpis} == {"staffing", "complaints", "client_satisfaction", "billing", "care_guarantee"}
    assert [s.amount_eur for s in tehpa.sanctions] == [0, 0, 5000, 0, 0]
    first = next(c for c in awarded if c.contract_id == "H-2027-01-O1")
    assert (first.producer, first.start, first.end, first.unit_price) == (
        "Tukiasunnot Esimerkki ry",
        dt.date(2028, 1, 1),
        dt.date(2031, 12, 31),
        229.5,
    )


def test_the_ocds_packages_validate_offline(analysis: ProcurementAnalysis) -> None:
    assert validate_package(analysis.ocds) == []
    assert validate_package(analysis.ocds_records) == []
    tags = [(r["ocid"], r["tag"][0]) for r in analysis.ocds["releases"]]
    assert tags[:4] == [("ocds-sote00-H-2027-01", t) for t in ("planning", "tender", "award", "contract")]
    assert ("ocds-sote00-H-2028-01", "planning") in tags and ("ocds-sote00-H-2028-01", "award") not in tags


def test_register_and_stage_4_must_agree(tmp_path: Path) -> None:
    folder = copy_inputs(tmp_path / "inputs")
    edit(folder / "sopimukset.csv", ";24 021 500;107 000", ";24 021 500;97 000")
    with pytest.raises(InputError) as raised:
        _analyse(folder)
    error = raised.value
    assert (Path(str(error.file)).name, error.row, error.field) == ("sopimukset.csv", 2, "suoritteet_v")
    # 243 000 + 97 000 = 340 000 in the register against stage 4's 350 000: −2,9 %, over ±0,5 %.
    assert "Vammaisten asumispalvelut (VAM-ASUMINEN)" in str(error)
    assert "vaihe 5: sopimukset.csv gives 340\xa0000 hoitovuorokautta" in str(error)
    assert "vaihe 4: ostopalvelujen kustannukset" in str(error) and "gives 350\xa0000 hoitovuorokautta" in str(error)


def test_the_plan_prints_the_reconciliation_with_stage_4(analysis: ProcurementAnalysis) -> None:
    """Within the tolerance the register's volumes are the plan's sources appendix."""
    vam = next(c for c in analysis.cross_checks if "VAM-ASUMINEN" in c.subject)
    # The register's contracts in force on 1.1.2026: 243 000 + 107 000 = 350 000 = stage 4's purchases.
    assert (vam.input_value, vam.basis_value, vam.tolerance_pct, vam.within) == (350_000, 350_000, 0.5, True)
    assert {c.within for c in analysis.cross_checks} == {True}
    assert analysis.cross_check_rule is not None and "±0,5 %" in analysis.cross_check_rule


def test_a_needed_procurement_without_its_row_is_an_error(tmp_path: Path) -> None:
    folder = copy_inputs(tmp_path / "inputs")
    path = folder / "hankintakohteet.csv"
    path.write_text(
        "\n".join(line for line in path.read_text(encoding="utf-8").splitlines() if "IKA-TEHPA" not in line) + "\n"
    )
    with pytest.raises(InputError) as raised:
        _analyse(folder)
    assert (raised.value.field, "IKA-TEHPA must be procured" in str(raised.value)) == ("palvelu_id", True)


def test_a_row_for_a_service_the_plan_produces_itself_is_an_error(tmp_path: Path) -> None:
    folder = copy_inputs(tmp_path / "inputs")
    with (folder / "hankintakohteet.csv").open("a", encoding="utf-8") as fh:
        fh.write("IKA-KOTIHOITO;H-2027-03;1.4.2027;3;1;ei;;yksi tuottaja;;yksikköhinta;;;;Kotihoito\n")
    with pytest.raises(InputError) as raised:
        _analyse(folder)
    assert (raised.value.row, raised.value.field) == (5, "palvelu_id")
    assert "oma tuotanto" in str(raised.value)


def test_a_gap_between_the_old_and_new_contracts_is_an_error(tmp_path: Path) -> None:
    folder = copy_inputs(tmp_path / "inputs")
    edit(folder / "hankintakohteet.csv", "LAP-SIJAISHUOLTO;H-2027-02;1.7.2028", "LAP-SIJAISHUOLTO;H-2027-02;1.9.2028")
    with pytest.raises(InputError) as raised:
        _analyse(folder)
    assert (raised.value.row, raised.value.field) == (3, "sopimus_alkaa")
    assert "gap" in str(raised.value)
