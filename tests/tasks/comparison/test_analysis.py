"""The stage-4 costing model on a small worked example, every expected figure checked by hand.

The example's files are in tests/fixtures/comparison/worked_example.py. In short (year 2025):

    row  palvelu_id     volume  wages    pens.   oth.soc  purch.  mater.  rents   depr.   fees    capital
    2    IKA-KOTIHOITO  10 000  300 000  50 000  10 000   20 000  10 000  30 000   5 000  40 000  100 000
    3    IKA-TEHPA       2 000  200 000  35 000   5 000   40 000  20 000  60 000  15 000  90 000  300 000
    4    TUKI-ICT            –   40 000   6 000   2 000   30 000   2 000       0       0       0   40 000
    5    HALLINTO            –   50 000   8 000   2 000        0       0       0       0       0        0
    6    MUU                 –  100 000       0       0        0       0       0       0       0        0

    keys (Tukipalvelut): TUKI-ICT  KOTIHOITO 60 % (50–70), TEHPA 30 % (25–35), MUU 10 %
                         HALLINTO  KOTIHOITO 40 % (30–50), TEHPA 20 % (15–25), JÄRJESTÄJÄ 40 %
    imputed interest 3 % (range 2–4 %)

Pools:   TUKI-ICT  costs 40 000 + 6 000 + 2 000 + 30 000 + 2 000 = 80 000; + 3 % × 40 000 = 81 200
         HALLINTO  costs 50 000 + 8 000 + 2 000 = 60 000 (no capital)
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from schemas.chains import ProductionMode
from schemas.comparison import (
    ComparisonAnalysis,
    ComparisonParams,
    CostGroup,
    OrganisingPlan,
    PlanEntry,
    PreviousPlan,
    RecommendedMode,
    VatTreatment,
)
from schemas.results import VersionRef
from soteflow.errors import InputError
from tasks.comparison.analysis import (
    analyse_comparison,
    catalogue_service_ids,
    compact_sources,
    compute_own_costs,
    compute_purchased_costs,
    effective_price,
    organising_plan,
)
from tasks.comparison.inputs import read_comparison_inputs
from tests.fixtures.comparison.worked_example import (
    COSTS_CSV,
    INCOME_CSV,
    KEYS_CSV,
    PURCHASES_CSV,
    write_worked_example,
)
from tests.support import DATA_DIR


def _analysis(folder: Path, params: ComparisonParams | None = None, **kwargs: object) -> ComparisonAnalysis:
    inputs = read_comparison_inputs(folder)
    return analyse_comparison(
        inputs,
        params or ComparisonParams(),
        region_code="HVA08",
        region_name="Pirkanmaan hyvinvointialue",
        cycle=2026,
        inputs_dir=str(folder),
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.fixture
def example(tmp_path: Path) -> ComparisonAnalysis:
    return _analysis(write_worked_example(tmp_path / "inputs"))


def test_full_cost_per_unit_of_own_production(example: ComparisonAnalysis) -> None:
    home, housing = example.own.services  # sorted by id: IKA-KOTIHOITO, IKA-TEHPA
    # IKA-KOTIHOITO (row 2), € per year:
    #   personnel       300 000 + 50 000 + 10 000                       = 360 000
    #   materials       20 000 + 10 000 + 0                             =  30 000
    #   premises        30 000                                          =  30 000
    #   capital         5 000 + 3 % × 100 000                           =   8 000
    #   support         60 % × 81 200 (TUKI-ICT)                        =  48 720
    #   administration  40 % × 60 000 (HALLINTO, producer share)        =  24 000
    #   full cost                                                       = 500 720  → / 10 000 = 50,072 → 50,07 €
    #   net             500 720 − 40 000 fees                           = 460 720  → 46,07 €/käynti
    assert {c.code: c.amount for c in home.components} == {
        "personnel": 360_000.0,
        "materials": 30_000.0,
        "premises": 30_000.0,
        "capital": 8_000.0,
        "support": 48_720.0,
        "administration": 24_000.0,
    }
    assert (home.full_cost, home.unit_cost, home.net_cost, home.unit_cost_net) == (500_720.0, 50.07, 460_720.0, 46.07)
    # Low: 425 000 direct + 2 % × 100 000 + 50 % × (80 000 + 2 % × 40 000) + 30 % × 60 000
    #    = 425 000 + 2 000 + 40 400 + 18 000 = 485 400 → 48,54
    # High: 425 000 + 4 % × 100 000 + 70 % × (80 000 + 4 % × 40 000) + 50 % × 60 000
    #    = 425 000 + 4 000 + 57 120 + 30 000 = 516 120 → 51,612 → 51,61
    assert (home.unit_cost_low, home.unit_cost_high) == (48.54, 51.61)
    # IKA-TEHPA (row 3): 240 000 + 60 000 + 60 000 + (15 000 + 9 000) + 30 % × 81 200 + 20 % × 60 000
    #   = 240 000 + 60 000 + 60 000 + 24 000 + 24 360 + 12 000 = 420 360 → / 2 000 = 210,18 €/hoitovuorokausi
    #   net 420 360 − 90 000 = 330 360 → 165,18
    #   low  375 000 + 6 000 + 25 % × 80 800 + 15 % × 60 000 = 410 200 → 205,10
    #   high 375 000 + 12 000 + 35 % × 81 600 + 25 % × 60 000 = 430 560 → 215,28
    assert (housing.full_cost, housing.unit_cost, housing.unit_cost_net) == (420_360.0, 210.18, 165.18)
    assert (housing.unit_cost_low, housing.unit_cost_high) == (205.10, 215.28)
    assert housing.unit == "hoitovuorokausi" and housing.volume == 2_000.0


def test_unit_costs_are_rounded_half_up_to_the_cent(tmp_path: Path) -> None:
    # With 7 040 visits instead of 10 000 the home-care full cost stays 500 720 € (no cost depends on the
    # volume) and the unit cost is 500 720 / 7 040 = 71,125 € exactly: half up → 71,13 €. (Python's
    # round() gave 71,12, rounding an exact binary half to even.)
    costs = COSTS_CSV.replace(";10 000;käynti;", ";7 040;käynti;")
    home = _analysis(write_worked_example(tmp_path, replace={"Kustannukset": costs})).own.services[0]
    assert (home.service_id, home.full_cost, home.unit_cost) == ("IKA-KOTIHOITO", 500_720.0, 71.13)


def test_every_component_names_its_source_rows(example: ComparisonAnalysis) -> None:
    home = example.own.services[0]
    sources = {c.code: c.sources for c in home.components}
    assert sources["personnel"] == ["oma_tuotanto_kustannukset.csv / rivi 2"]
    # The support share comes from the pool's cost row and the key row of this service.
    assert sources["support"] == ["oma_tuotanto_kustannukset.csv / rivi 4", "oma_tuotanto_tukipalvelut.csv / rivi 2"]
    assert sources["administration"] == [
        "oma_tuotanto_kustannukset.csv / rivi 5",
        "oma_tuotanto_tukipalvelut.csv / rivi 5",
    ]
    assert home.cost_rows == ["oma_tuotanto_kustannukset.csv / rivi 2"]


def test_allocation_is_complete_and_reconciles_to_the_income_statement(example: ComparisonAnalysis) -> None:
    own = example.own
    assert own.reconciled
    wages = next(line for line in own.reconciliation if line.group is CostGroup.WAGES)
    # Palkat ja palkkiot 690 000:
    #   services  300 000 + 200 000 + 90 % × 40 000 (ICT to the two services) + 60 % × 50 000 = 566 000
    #   organiser 40 % × 50 000                                                                =  20 000
    #   other     100 000 (MUU row) + 10 % × 40 000 (ICT to MUU)                               = 104 000
    assert (wages.income_statement, wages.cost_rows, wages.difference) == (690_000.0, 690_000.0, 0.0)
    assert (wages.services, wages.organiser, wages.other, wages.allocated_total) == (
        566_000.0,
        20_000.0,
        104_000.0,
        690_000.0,
    )
    assert wages.sources[0] == "oma_tuotanto_tuloslaskelma.csv / rivi 2"
    # The organiser's share of administration (40 % × 60 000) is outside both modes' costs;
    # other activities: 100 000 + 10 % × 81 200 = 108 120.
    assert (own.organiser_share, own.other_activities) == (24_000.0, 108_120.0)
    hallinto = next(p for p in own.pools if p.pool_id == "HALLINTO")
    assert [(r.recipient, r.amount) for r in hallinto.recipients] == [
        ("IKA-KOTIHOITO", 24_000.0),
        ("IKA-TEHPA", 12_000.0),
        ("JÄRJESTÄJÄ", 24_000.0),
    ]


def test_reconciliation_failure_names_the_income_statement_row_and_the_cost_rows(tmp_path: Path) -> None:
    # The income statement says 99 500 € of pension costs; the cost rows 2–5 sum to
    # 50 000 + 35 000 + 6 000 + 8 000 = 99 000: a difference of −500 €, above the 1 € tolerance.
    folder = write_worked_example(tmp_path, replace={"Tuloslaskelma": INCOME_CSV.replace(";99 000", ";99 500")})
    with pytest.raises(InputError) as caught:
        _analysis(folder)
    error = caught.value
    assert (error.row, error.field) == (3, "euroa")
    assert error.file is not None and error.file.endswith("oma_tuotanto_tuloslaskelma.csv")
    assert "'Eläkekulut' does not reconcile" in error.reason
    assert "−500,00 €" in error.reason
    assert "column 'eläkekulut': oma_tuotanto_kustannukset.csv rows 2–5" in error.reason


def test_reconciliation_failure_in_the_workbook_names_the_sheet(tmp_path: Path) -> None:
    folder = write_worked_example(
        tmp_path,
        xlsx=True,
        replace={"Tuloslaskelma": INCOME_CSV.replace(";90 000\n2025;Aineet", ";90 002\n2025;Aineet")},
    )
    with pytest.raises(InputError) as caught:
        _analysis(folder)
    # Palvelujen ostot: 20 000 + 40 000 + 30 000 = 90 000 in rows 2–4 vs 90 002 on row 5.
    assert (caught.value.sheet, caught.value.row, caught.value.field) == ("Tuloslaskelma", 5, "euroa")
    assert "oma_tuotanto.xlsx / Kustannukset rows 2–4" in caught.value.reason
    # Within the tolerance the same difference is accepted (tolerance is a parameter).
    assert _analysis(folder, ComparisonParams(reconciliation_tolerance=5.0)).own.reconciled


def test_purchased_unit_cost_adds_the_organisers_costs_and_treats_vat_as_the_parameter_says(
    example: ComparisonAnalysis, tmp_path: Path
) -> None:
    home = next(s for s in example.purchased.services if s.service_id == "IKA-KOTIHOITO")
    # 46,00 € exempt, less the computed refund 5 % = 43,70; × 2 000 = 87 400
    # + procurement 2 000 + contract management 1 000 = 90 400 → 45,20 €/käynti
    # (monitoring 1 000 is in neither mode: the organiser supervises its own production too)
    # low/high: organiser costs 3 000 ± 25 % → (87 400 + 2 250) / 2 000 = 44,825 → 44,83;
    #           (87 400 + 3 750) / 2 000 = 45,575 → 45,58
    assert (home.total_cost, home.unit_cost, home.unit_cost_low, home.unit_cost_high) == (90_400.0, 45.20, 44.83, 45.58)
    assert home.unit_cost_net == 41.20  # (90 400 − 8 000 fees) / 2 000
    assert home.contracts[0].source == "ostopalvelut.csv / rivi 2"
    assert (home.contracts[0].organiser_costs, home.contracts[0].monitoring) == (3_000.0, 1_000.0)
    # The monitoring shown apart: 1 000 € a year, 1 000 / 2 000 = 0,50 €/käynti.
    assert home.monitoring is not None and (home.monitoring.amount, home.monitoring.per_unit) == (1_000.0, 0.50)
    assert [c.code for c in home.components] == ["price", "procurement", "contract_management", "client_share"]
    # Σ monitoring over the file: 1 000 + 3 000 + 500 = 4 500.
    assert example.purchased.monitoring_total == 4_500.0
    # Voucher: 190 € × 0,95 = 180,50 × 1 000 = 180 500 + procurement 1 000 + contract management 500 + the
    #   client's own share 20 000 = 202 000 → 202,00 €/hoitovuorokausi gross; net for the region
    #   (180 500 + 1 500) / 1 000 = 182,00
    voucher = next(s for s in example.purchased.services if s.mode is ProductionMode.VOUCHER)
    assert (voucher.unit_cost, voucher.unit_cost_net) == (202.00, 182.00)
    # Without the computed refund the price counts as paid: 46,00 × 2 000 + 3 000 = 95 000 → 47,50.
    unrefunded = ComparisonParams(vat_treatment=VatTreatment.WITH_UNREFUNDED_VAT)
    inputs = read_comparison_inputs(write_worked_example(tmp_path / "again"))
    assert compute_purchased_costs(inputs, unrefunded).services[0].unit_cost == 47.50


def test_taxable_purchase_vat() -> None:
    from schemas.comparison import VatHandling

    exclusive, unrefunded = ComparisonParams(), ComparisonParams(vat_treatment=VatTreatment.WITH_UNREFUNDED_VAT)
    # A taxable purchase's VAT is refunded (AVL 130 §): compared at its VAT-exclusive price; without the
    # refund 100 × 1,255 = 125,50.
    assert effective_price(100.0, VatHandling.TAXABLE, 25.5, exclusive) == 100.0
    assert effective_price(100.0, VatHandling.TAXABLE, 25.5, unrefunded) == pytest.approx(125.5)
    assert effective_price(100.0, VatHandling.EXEMPT, 0.0, exclusive) == pytest.approx(95.0)


def test_decision_matrix_and_recommendations(example: ComparisonAnalysis) -> None:
    home, housing = example.matrix.services
    own, bought = home.options
    # Cost score = 5 × cheapest / own: 5 × 45,20 / 50,07 = 4,51368…; weights 0,35 / 0,20 / 0,15 / 0,10 / 0,15 / 0,05
    # own   0,35 × 4,51368 + 0,20 × 4 + 0,15 × 4 + 0,10 × 1 + 0,15 × 5 + 0,05 × 3 = 1,57979 + 2,40 = 3,97979 → 3,9798
    # bought 0,35 × 5 + 0,20 × 3 + 0,15 × 4 + 0,10 × 4 + 0,15 × 3 + 0,05 × 3 = 1,75 + 2,20 = 3,95
    assert own.scores[0].score == pytest.approx(4.5137, abs=1e-4)
    assert (own.total, bought.total) == (3.9798, 3.95)
    # Own 48,54–51,61 and purchased 44,83–45,58 do not overlap: the difference is outside the uncertainty.
    [difference] = home.differences
    assert (difference.difference, difference.within_uncertainty) == (-4.87, False)
    assert "epävarmuusvälin ulkopuolella" in difference.statement
    # Current mode: own 10 000 of 12 000 visits (83 %) → mixed; rule 4 (best total) → own.
    assert (home.current_mode, home.recommendation, home.rule) == (RecommendedMode.MIXED, RecommendedMode.OWN, "4")
    # IKA-TEHPA: purchased (570 000 + 6 000 + 3 000) / 3 000 = 193,00 is the cheapest.
    #   own 5 × 193 / 210,18 = 4,59130; voucher 5 × 193 / 202,00 = 4,77723
    #   own     0,35 × 4,59130 + 0,80 + 0,45 + 0,10 + 0,75 + 0,15 = 1,60696 + 2,25 = 3,85696 → 3,8570
    #   bought  0,35 × 5       + 0,60 + 0,60 + 0,20 + 0,45 + 0,15 = 1,75 + 2,00 = 3,75
    #   voucher 0,35 × 4,77723 + 0,80 + 0,60 + 0,50 + 0,45 + 0,20 = 1,67203 + 2,55 = 4,22203 → 4,2220
    assert [o.total for o in housing.options] == [3.8570, 3.75, 4.2220]
    # Rule 3: the voucher suits the service (in use now), small producers score 5 ≥ 4, best total.
    assert (housing.recommendation, housing.rule, housing.voucher_suitable) == (RecommendedMode.VOUCHER, "3", True)
    assert housing.rationale[-1].startswith("Suositus: palveluseteli")


def test_mixed_when_the_difference_is_within_the_uncertainty_and_capacity_needs_both(tmp_path: Path) -> None:
    # Purchased home care at 52,00 €: 52 × 0,95 = 49,40 + 1,50 organiser = 50,90 (range 50,53–51,28), which
    # overlaps own 48,54–51,61; both modes produce ≥ 15 % of the visits (83 % / 17 %) → rule 2, mixed.
    folder = write_worked_example(tmp_path, replace={"ostopalvelut": PURCHASES_CSV.replace(";46,00;", ";52,00;")})
    home = _analysis(folder).matrix.services[0]
    assert home.differences[0].within_uncertainty
    assert "ero on epävarmuusvälin sisällä" in home.differences[0].statement
    assert (home.recommendation, home.rule) == (RecommendedMode.MIXED, "2")


def test_net_basis_compares_after_client_fees(tmp_path: Path) -> None:
    analysis = _analysis(write_worked_example(tmp_path), ComparisonParams(fee_basis="net"))  # type: ignore[arg-type]
    own, bought = analysis.matrix.services[0].options
    # Own 46,07 net (range 48,54 − 4,00 … 51,61 − 4,00); purchased 41,20 net (44,83 − 4,00 … 45,58 − 4,00).
    assert (own.unit_cost, own.unit_cost_low, own.unit_cost_high) == (46.07, 44.54, 47.61)
    assert (bought.unit_cost, bought.unit_cost_low, bought.unit_cost_high) == (41.20, 40.83, 41.58)


def test_yearly_effect_of_each_option_against_todays_mix(example: ComparisonAnalysis) -> None:
    home, housing = example.matrix.services
    # Home care, 12 000 visits: today 50,07 × 10 000 + 45,20 × 2 000 = 500 700 + 90 400 = 591 100 € (49,258 → 49,26)
    #   own for all:       50,07 × 12 000 − 591 100 = 600 840 − 591 100 =  9 740 € a year more
    #   purchased for all: 45,20 × 12 000 − 591 100 = 542 400 − 591 100 = −48 700 € (a saving)
    assert (home.volume, home.current_unit_cost) == (12_000.0, 49.26)
    assert [(o.mode, o.annual_effect) for o in home.options] == [
        (ProductionMode.OWN, 9_740.0),
        (ProductionMode.PURCHASED, -48_700.0),
    ]
    assert home.recommended_effect == 9_740.0  # the recommendation is own production
    # Housing, 6 000 days: today 210,18 × 2 000 + 193,00 × 3 000 + 202,00 × 1 000
    #   = 420 360 + 579 000 + 202 000 = 1 201 360 € (200,2267 → 200,23)
    #   own 210,18 × 6 000 = 1 261 080 → +59 720; purchased 193 × 6 000 = 1 158 000 → −43 360;
    #   voucher 202 × 6 000 = 1 212 000 → +10 640 (the recommendation)
    assert housing.current_unit_cost == 200.23
    assert [o.annual_effect for o in housing.options] == [59_720.0, -43_360.0, 10_640.0]
    assert housing.recommended_effect == 10_640.0
    # The recommendations together: 9 740 + 10 640 = 20 380 € a year.
    assert example.matrix.effect_total == 20_380.0
    assert (
        "Suosituksen vuosivaikutus nykyiseen tuotantotapojen yhdistelmään verrattuna on 9\xa0740 € (lisäkustannus)."
        in (home.rationale)
    )
    assert any(
        f.startswith("Suositusten yhteenlaskettu vuosivaikutus") and "20\xa0380 €" in f for f in example.findings
    )


def test_avoidable_cost_beside_full_cost(example: ComparisonAnalysis, tmp_path: Path) -> None:
    home, housing = example.own.services
    # What stays when a unit is outsourced (default): premises, capital, support, administration.
    #   home care 500 720 − (30 000 + 8 000 + 48 720 + 24 000) = 500 720 − 110 720 = 390 000 → 39,00 €/käynti
    #   housing   420 360 − (60 000 + 24 000 + 24 360 + 12 000) = 420 360 − 120 360 = 300 000 → 150,00
    assert (home.avoidable_cost, home.unit_cost_avoidable) == (390_000.0, 39.00)
    assert (housing.avoidable_cost, housing.unit_cost_avoidable) == (300_000.0, 150.00)
    matrix_home, matrix_housing = example.matrix.services
    assert (matrix_home.own_avoidable_unit_cost, matrix_housing.own_avoidable_unit_cost) == (39.00, 150.00)
    # The order changes: on full cost own 50,07 > purchased 45,20, on avoidable cost 39,00 < 45,20.
    sentence = next(r for r in matrix_home.rationale if r.startswith("Vältettävissä olevin"))
    assert "edullisempi kuin ostopalvelu: ulkoistaminen poistaisi vain 39,00 €/käynti" in sentence
    # Housing: 150,00 is below both purchased 193,00 and the voucher 202,00 (both under own's 210,18).
    assert any("edullisempi kuin ostopalvelu ja palveluseteli" in r for r in matrix_housing.rationale)
    # With nothing staying, avoidable = full cost: no sentence.
    plain = _analysis(
        write_worked_example(tmp_path / "inputs"),
        ComparisonParams(stays_when_outsourced=()),
    )
    assert plain.own.services[0].unit_cost_avoidable == 50.07
    assert not any(r.startswith("Vältettävissä olevin") for r in plain.matrix.services[0].rationale)
    with pytest.raises(ValueError, match="unknown own-cost component"):
        ComparisonParams(stays_when_outsourced=("rents",))


def test_a_rule_that_overrides_the_best_scoring_option_says_so(tmp_path: Path) -> None:
    # Purchased home care at 52,00 €: 52 × 0,95 = 49,40 × 2 000 = 98 800 + 3 000 = 101 800 → 50,90 €/käynti.
    # Own 50,07 is now the cheapest: own 0,35 × 5 + 2,40 = 4,15; purchased 0,35 × 5 × 50,07 / 50,90 + 2,20
    # = 1,72146 + 2,20 = 3,9215. The matrix's best is own (4,15); rule 2 makes it mixed.
    folder = write_worked_example(tmp_path, replace={"ostopalvelut": PURCHASES_CSV.replace(";46,00;", ";52,00;")})
    home = _analysis(folder).matrix.services[0]
    assert (home.best_mode, home.recommendation, home.rule) == (ProductionMode.OWN, RecommendedMode.MIXED, "2")
    assert [o.total for o in home.options] == [4.15, 3.9215]
    assert (
        "Päätösmatriisin paras vaihtoehto on oma tuotanto (kokonaispistemäärä 4,15), mutta suositussääntö 2 "
        "ohittaa sen, koska kustannusero on epävarmuusvälin sisällä ja nykyinen kapasiteetti edellyttää molempia "
        "tuotantotapoja."
    ) in home.rationale
    # Mixed today and mixed recommended: the mix does not change, the effect is 0.
    assert home.recommended_effect == 0.0
    assert home.rationale[-1].startswith("Suositus: sekamalli")


def test_no_override_sentence_when_the_best_option_is_recommended(example: ComparisonAnalysis) -> None:
    assert all(not r.startswith("Päätösmatriisin paras") for s in example.matrix.services for r in s.rationale)
    assert [s.best_mode for s in example.matrix.services] == [ProductionMode.OWN, ProductionMode.VOUCHER]


def test_personnel_impact(example: ComparisonAnalysis) -> None:
    home, housing = example.personnel.services
    # Home care: mixed → own: the purchased 2 000 visits need 8 htv / 10 000 visits × 2 000 = 1,6 htv more,
    # in today's proportions: lähihoitaja 6 / 8 × 1,6 = 1,2, sairaanhoitaja 2 / 8 × 1,6 = 0,4.
    assert (home.change, home.affected_fte, home.additional_fte_estimate) == ("external_to_own", 0.0, 1.6)
    assert home.additional_by_occupation == {"lähihoitaja": 1.2, "sairaanhoitaja": 0.4}
    assert "lähihoitaja 1,2 htv, sairaanhoitaja 0,4 htv" in home.implications[0]
    assert example.personnel.total_additional_fte == 1.6
    assert any("edellyttää arviolta 1,6 henkilötyövuotta lisää" in f for f in example.findings)
    # Housing: mixed → voucher: all 5 own htv are affected; a transfer of undertaking is to be assessed.
    assert (housing.change, housing.affected_fte, housing.transfer_of_undertaking) == ("own_to_external", 5.0, True)
    assert example.personnel.by_occupation == {"lähihoitaja": 4.0, "sairaanhoitaja": 1.0}
    text = " ".join(housing.implications)
    assert "työsopimuslaki 1 luku 10 §" in text and "1,0 htv on virkasuhteessa" in text
    assert "yhteistoiminnasta kunnassa ja hyvinvointialueella 449/2007" in text


def _previous(entries: list[tuple[str, RecommendedMode]]) -> PreviousPlan:
    plan = OrganisingPlan(
        region_code="HVA08",
        cycle=2025,
        entries=[
            PlanEntry(
                service_id=s,
                name=s,
                chosen_mode=m,
                current_mode=m,
                own_share=0.5,
                rationale="",
                previous_mode=None,
                changed=False,
            )
            for s, m in entries
        ],
        previous=None,
        changes=[],
    )
    ref = VersionRef(
        version_id=uuid.UUID(int=7),
        key="comparison-organising-plan",
        version=3,
        sha256="b" * 64,
        status="approved",
        media_type="application/json",
    )
    return PreviousPlan(plan=plan, ref=ref, cycle=2025)


def test_organising_plan_records_the_previous_approved_plan_and_the_changes(example: ComparisonAnalysis) -> None:
    assert example.plan.previous is None and example.plan.changes == []
    previous = _previous(
        [
            ("IKA-KOTIHOITO", RecommendedMode.OWN),
            ("IKA-TEHPA", RecommendedMode.MIXED),
            ("VAM-ASUMINEN", RecommendedMode.PURCHASED),
        ]
    )
    plan = organising_plan(example.matrix, "HVA08", 2026, previous)
    assert plan.previous is not None and (plan.previous.cycle, plan.previous.version) == (2025, 3)
    assert [(e.service_id, e.previous_mode, e.chosen_mode, e.changed) for e in plan.entries] == [
        ("IKA-KOTIHOITO", RecommendedMode.OWN, RecommendedMode.OWN, False),
        ("IKA-TEHPA", RecommendedMode.MIXED, RecommendedMode.VOUCHER, True),
    ]
    assert [(c.service_id, c.previous, c.chosen) for c in plan.changes] == [
        ("IKA-TEHPA", RecommendedMode.MIXED, RecommendedMode.VOUCHER),
        ("VAM-ASUMINEN", RecommendedMode.PURCHASED, None),
    ]
    assert plan.changes[0].note == "Tuotantotapa muuttuu: sekamalli → palveluseteli."


def test_a_key_within_the_tolerance_is_scaled_to_exactly_100_percent(tmp_path: Path) -> None:
    # 59,995 + 30 + 10 = 99,995 %: within 0,01 pp, scaled to exactly 100 % so the allocation stays complete;
    # the service's share is 59,995 × 100 / 99,995 = 59,998 %.
    keys = KEYS_CSV.replace("IKA-KOTIHOITO;60;", "IKA-KOTIHOITO;59,995;")
    own = _analysis(write_worked_example(tmp_path, replace={"Tukipalvelut": keys})).own
    ict = next(p for p in own.pools if p.pool_id == "TUKI-ICT")
    assert ict.key_sum == 99.995
    assert ict.recipients[0].share == pytest.approx(59.998, abs=1e-3)
    assert sum(r.share for r in ict.recipients) == pytest.approx(100.0, abs=1e-3)
    assert own.reconciled


def test_parameters() -> None:
    params = ComparisonParams(
        weight_cost=1,
        weight_quality=1,
        weight_availability=0,
        weight_small_producers=0,
        weight_continuity=0,
        weight_innovation=0,
    )
    assert params.normalised_weights() == {
        "cost": 0.5,
        "quality": 0.5,
        "availability": 0.0,
        "small_producers": 0.0,
        "continuity": 0.0,
        "innovation": 0.0,
    }
    with pytest.raises(ValueError, match="within its low–high range"):
        ComparisonParams(interest_rate=5.0)
    with pytest.raises(ValueError, match="at least one criterion weight"):
        ComparisonParams(
            **{
                f"weight_{c}": 0
                for c in ("cost", "quality", "availability", "small_producers", "continuity", "innovation")
            }
        )


def test_compact_sources() -> None:
    labels = ["a.xlsx / K / rivi 2", "a.xlsx / K / rivi 3", "a.xlsx / K / rivi 5", "b.csv / rivi 4", "b.csv / rivi 4"]
    assert compact_sources(labels) == "a.xlsx / K / rivit 2–3, 5; b.csv / rivi 4"


def test_own_costs_without_names_use_the_product_column(tmp_path: Path) -> None:
    inputs = read_comparison_inputs(write_worked_example(tmp_path))
    own = compute_own_costs(inputs, ComparisonParams())
    assert [s.name for s in own.services] == ["Kotihoito", "Tehostettu palveluasuminen"]


def test_the_example_services_are_steps_of_the_stage_3_example_catalogue() -> None:
    from tasks.chains.catalogue import read_catalogue

    catalogue = read_catalogue(DATA_DIR / "examples" / "HVA08" / "palvelukatalogi.csv")
    ids = catalogue_service_ids(catalogue.model_dump(mode="json"))
    assert {"IKA-KOTIHOITO", "IKA-TEHPA", "TYO-SUUNHOITO", "LAP-SIJAISHUOLTO", "VAM-ASUMINEN"} <= ids
    assert catalogue_service_ids(catalogue) == ids
