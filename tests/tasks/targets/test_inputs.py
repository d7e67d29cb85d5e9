"""Stage 2 inputs (tasks/targets/inputs.py): the finance and target files read and checked, each problem
named by file, row and field; rounding and the Finnish forms of euros and periods."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from schemas.accounts import AccountGroup
from schemas.governance import PlanningYears
from schemas.targets import AllocationMethod, ClientGroup, Direction, FrameRow
from soteflow.errors import InputError
from tasks.targets.inputs import (
    ALLOCATION_RULES_FILE,
    INPUT_FILES,
    check_direction,
    eur,
    meur,
    period_fi,
    read_allocation_rules,
    read_targets_inputs,
    round_to,
    with_overrides,
)
from tests.support import DATA_DIR

EXAMPLES = DATA_DIR / "examples" / "HVA08"


@pytest.fixture
def inputs_dir(tmp_path: Path) -> Path:
    """A writable copy of the shipped example inputs."""
    folder = tmp_path / "inputs"
    folder.mkdir()
    for name in INPUT_FILES.values():
        shutil.copy(EXAMPLES / name, folder / name)
    return folder


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# -- rounding and Finnish forms ----------------------------------------------------------------------


def test_rounding_is_half_up_to_whole_euros() -> None:
    assert (eur(2.5), eur(3.5), eur(-2.5), eur(1_129_303.75)) == (3, 4, -3, 1_129_304)
    # On the decimal value, not the binary float: 2.675 is 2,68 (Python's round() gives 2.67).
    assert (round_to(2.675, 2), round_to(-0.00004, 4)) == (2.68, 0.0)


def test_euros_as_millions_and_periods_in_finnish() -> None:
    # A typographic minus (U+2212) and a no-break space (U+00A0) between thousands.
    assert meur(-140_000_000) == "\u2212140,0"
    assert meur(3_539_480_000) == "3\u00a0539,5"
    assert meur(39_730_120) == "39,7"
    assert meur(49_950_000) == "50,0"  # 49,95 half up
    assert (period_fi("2026M06"), period_fi("2024"), period_fi(None)) == ("6/2026", "2024", "")


def test_direction_must_agree_with_baseline_and_target() -> None:
    check_direction(Direction.DECREASE, 5.4677, 4.8, "tavoitteet.csv", 4)
    check_direction(Direction.INCREASE, 91.9, 93.0, "tavoitteet.csv", 6)
    with pytest.raises(InputError) as info:
        check_direction(Direction.INCREASE, 1234.5, 1234.5, "tavoitteet.csv", 7)
    assert (info.value.row, info.value.field) == (7, "suunta")
    assert "baseline 1\u00a0234,50 → target 1\u00a0234,50" in info.value.reason


def test_example_inputs_read() -> None:
    inputs = read_targets_inputs(EXAMPLES, region_code="HVA08")
    assert inputs.files == {role: str(EXAMPLES / name) for role, name in INPUT_FILES.items()}
    assert inputs.actual_years == [2023, 2024, 2025]
    assert inputs.forecast_years == [2026, 2027, 2028, 2029]
    assert [s.key for s in inputs.assumptions.scenarios] == ["perusura", "myonteinen", "kielteinen"]
    assert len(inputs.targets) == 11


def test_flow_parameters_override_the_allocation_method() -> None:
    inputs = with_overrides(read_targets_inputs(EXAMPLES, region_code="HVA08"), "need_share", None)
    assert inputs.assumptions.method is AllocationMethod.NEED_SHARE
    inputs = with_overrides(inputs, None, 0.25)
    assert inputs.assumptions.need_weight == 0.25
    with pytest.raises(InputError, match="unknown allocation method"):
        with_overrides(inputs, "tasan", None)
    with pytest.raises(InputError, match="between 0 and 1"):
        with_overrides(inputs, None, 1.5)


# -- malformed files: file, row and field ----------------------------------------------------------------


def _error(inputs_dir: Path) -> InputError:
    with pytest.raises(InputError) as info:
        read_targets_inputs(inputs_dir, region_code="HVA08")
    return info.value


def _where(error: InputError) -> tuple[str, int | None, str | None]:
    return Path(str(error.file)).name, error.row, error.field


def test_missing_column(inputs_dir: Path) -> None:
    path = inputs_dir / "tilinpaatos.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(";".join(line.split(";")[:-1]) for line in lines) + "\n", encoding="utf-8")
    error = _error(inputs_dir)
    assert _where(error) == ("tilinpaatos.csv", 1, "muut toimintatuotot")
    assert "required column 'muut toimintatuotot' is missing" in error.reason


def test_wrong_type(inputs_dir: Path) -> None:
    _edit(inputs_dir / "tilinpaatos.csv", ";48 900 000;", ";noin 49 milj.;")
    error = _error(inputs_dir)
    assert _where(error) == ("tilinpaatos.csv", 2, "palkat ja palkkiot")
    assert "is not a number" in error.reason


def test_the_former_ledger_file_is_named(inputs_dir: Path) -> None:
    (inputs_dir / "tilinpaatos.csv").rename(inputs_dir / "talous_toteuma.csv")
    error = _error(inputs_dir)
    assert _where(error) == ("talous_toteuma.csv", None, None)
    assert "replaced by tilinpaatos.csv" in error.reason


def test_the_statement_gives_costs_income_and_account_groups(inputs_dir: Path) -> None:
    inputs = read_targets_inputs(inputs_dir, region_code="HVA08")
    base = [c for c in inputs.costs if c.year == 2025]
    # The service areas' totals are those stage 2 has always forecast from (3 437,0 M€ and 299,7 M€).
    assert sum(c.operating_costs for c in base) == 3_437_000_000
    assert sum(c.operating_income for c in base) == 299_700_000
    disability = next(c for c in base if c.service_area == "Vammaispalvelut")
    # 39,7 + 6,8 + 1,2 + 230,4 + 3,5 + 4,6 + 6,9 M€ of costs; 4,0 + 10,8 M€ of income (row 39).
    assert (disability.row, disability.operating_costs, disability.operating_income) == (39, 293_100_000, 14_800_000)
    groups = {t.group: t for t in inputs.statement if t.year == 2025}
    assert groups[AccountGroup.WAGES].amount_eur == 1_180_000_000
    assert groups[AccountGroup.DEPRECIATION].amount_eur == 45_000_000
    assert groups[AccountGroup.FEES].amount_eur == 118_600_000
    assert (groups[AccountGroup.WAGES].file, groups[AccountGroup.WAGES].rows) == ("tilinpaatos.csv", "30–43")


def test_depreciation_beyond_the_funding_files_other_items(inputs_dir: Path) -> None:
    # 2025's depreciation 45,0 M€ against depreciation and financial items of 44,0 M€.
    _edit(
        inputs_dir / "talous_rahoitus.csv",
        "2025;toteuma;3 162 100 000;;49 500 000",
        "2025;toteuma;3 162 100 000;;44 000 000",
    )
    error = _error(inputs_dir)
    assert _where(error) == ("talous_rahoitus.csv", 4, "poistot_ja_rahoituserät")
    assert "45\xa0000\xa0000 € of tilinpaatos.csv in 2025 (rows 30–43)" in error.reason


def test_empty_file(inputs_dir: Path) -> None:
    (inputs_dir / "tavoitteet.csv").write_text("", encoding="utf-8")
    error = _error(inputs_dir)
    assert _where(error) == ("tavoitteet.csv", None, None)
    assert "empty" in error.reason


def test_unknown_client_group_in_the_ledger(inputs_dir: Path) -> None:
    _edit(inputs_dir / "tilinpaatos.csv", "Vammaispalvelut;Vammaiset henkilöt", "Vammaispalvelut;Vammaiset")
    error = _error(inputs_dir)
    assert _where(error) == ("tilinpaatos.csv", 11, "asiakasryhmä")
    assert "unknown client group 'Vammaiset'" in error.reason


def test_unknown_client_group_in_the_targets(inputs_dir: Path) -> None:
    _edit(inputs_dir / "tavoitteet.csv", "T-VAM-2;Vammaiset henkilöt", "T-VAM-2;Erityisryhmät")
    assert _where(_error(inputs_dir)) == ("tavoitteet.csv", 10, "asiakasryhmä")


def test_duplicate_target_id(inputs_dir: Path) -> None:
    _edit(inputs_dir / "tavoitteet.csv", "T-IKA-2;", "T-IKA-1;")
    error = _error(inputs_dir)
    assert _where(error) == ("tavoitteet.csv", 7, "tavoite_id")
    assert "first on row 6" in error.reason


def test_baseline_from_both_stage1_and_the_file(inputs_dir: Path) -> None:
    _edit(inputs_dir / "tavoitteet.csv", "long_term_unemployment_rate;;;4,8", "long_term_unemployment_rate;5,0;;4,8")
    assert _where(_error(inputs_dir)) == ("tavoitteet.csv", 4, "lähtötaso")


def test_unknown_stage1_field(inputs_dir: Path) -> None:
    _edit(inputs_dir / "tavoitteet.csv", "long_term_unemployment_rate;;;", "pitkaaikaistyottomyys;;;")
    error = _error(inputs_dir)
    assert _where(error) == ("tavoitteet.csv", 4, "lähtötaso_stage1")
    assert "not a stage-1 need-profile field" in error.reason


def test_file_baseline_must_agree_with_the_direction(inputs_dir: Path) -> None:
    _edit(inputs_dir / "tavoitteet.csv", "91,9;2024;93,0;2029;kasvaa", "91,9;2024;93,0;2029;laskee")
    assert _where(_error(inputs_dir)) == ("tavoitteet.csv", 6, "suunta")


def test_every_client_group_needs_a_target(inputs_dir: Path) -> None:
    path = inputs_dir / "tavoitteet.csv"
    kept = [line for line in path.read_text(encoding="utf-8").splitlines() if ";Mielenterveys-" not in line]
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    error = _error(inputs_dir)
    assert _where(error) == ("tavoitteet.csv", None, "asiakasryhmä")
    assert "Mielenterveys- ja päihdeasiakkaat" in error.reason


def test_client_group_without_costs_in_the_base_year(inputs_dir: Path) -> None:
    path = inputs_dir / "tilinpaatos.csv"
    kept = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("2025;Vammais")]
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    error = _error(inputs_dir)
    assert _where(error) == ("tilinpaatos.csv", None, "asiakasryhmä")
    assert "base year 2025" in error.reason


def test_too_short_forecast(inputs_dir: Path) -> None:
    _edit(inputs_dir / "talous_rahoitus.csv", "2029;ennuste;3 645 000 000;340 000 000;58 000 000\n", "")
    error = _error(inputs_dir)
    assert _where(error) == ("talous_rahoitus.csv", None, "laji")
    assert "at least 4 forecast years" in error.reason


def test_gap_in_forecast_years(inputs_dir: Path) -> None:
    _edit(inputs_dir / "talous_rahoitus.csv", "2028;ennuste", "2030;ennuste")
    # Rows are taken in year order: 2026 (row 5), 2027 (row 6), 2029 (row 8) where 2028 was expected.
    assert _where(_error(inputs_dir)) == ("talous_rahoitus.csv", 8, "vuosi")


def test_actual_income_that_does_not_match_the_ledger(inputs_dir: Path) -> None:
    # The ledger's operating income in 2024 is 290 700 000 €.
    _edit(inputs_dir / "talous_rahoitus.csv", "2024;toteuma;3 044 800 000;;", "2024;toteuma;3 044 800 000;290 000 000;")
    error = _error(inputs_dir)
    assert _where(error) == ("talous_rahoitus.csv", 3, "muut_tuotot")
    assert "290\u00a0700\u00a0000" in error.reason


def test_unknown_funding_kind(inputs_dir: Path) -> None:
    _edit(inputs_dir / "talous_rahoitus.csv", "2027;ennuste", "2027;arvio")
    assert _where(_error(inputs_dir)) == ("talous_rahoitus.csv", 6, "laji")


def test_scenario_without_a_value_for_a_forecast_year(inputs_dir: Path) -> None:
    _edit(inputs_dir / "talous_oletukset.toml", "2028 = 4.3, 2029 = 4.0", "2028 = 4.3")
    error = _error(inputs_dir)
    assert _where(error) == ("talous_oletukset.toml", None, "skenaariot.kielteinen.kustannusten_kasvu_pros.2029")


def test_unknown_allocation_method_in_the_assumptions(inputs_dir: Path) -> None:
    _edit(inputs_dir / "talous_oletukset.toml", 'jakotapa = "blend"', 'jakotapa = "tasajako"')
    assert _where(_error(inputs_dir)) == ("talous_oletukset.toml", None, "kehys.jakotapa")


def test_deadline_after_the_forecast(inputs_dir: Path, tmp_path: Path) -> None:
    rules = tmp_path / "deficit_coverage.toml"
    rules.write_text(
        '[[general]]\nbalance_years = [2023, 2100]\nyears_after_balance = 5\nbasis = "x"\n', encoding="utf-8"
    )
    with pytest.raises(InputError) as info:
        read_targets_inputs(inputs_dir, rules=rules, region_code="HVA08")
    assert _where(info.value) == ("talous_rahoitus.csv", None, "vuosi")
    assert "2030" in info.value.reason and "general[0]" in info.value.reason


def test_coverage_rule_is_dated_and_the_region_entry_wins(tmp_path: Path) -> None:
    from tasks.targets.inputs import read_coverage_rule

    rules = tmp_path / "deficit_coverage.toml"
    rules.write_text(
        '[[general]]\nbalance_years = [2023, 2100]\nyears_after_balance = 3\nbasis = "115 §"\n'
        '[[regions.HVA08]]\nbalance_years = [2023, 2024]\ndeadline_year = 2026\nbasis = "siirtymä"\n',
        encoding="utf-8",
    )
    # 115 § 2 mom.: the balance of 2025, confirmed in 2026, is covered within two years from 1.1.2027.
    assert read_coverage_rule(rules, "HVA08", 2025).period_years == 3
    assert read_coverage_rule(rules, None, 2024).period_years == 3
    region = read_coverage_rule(rules, "HVA08", 2024)
    assert (region.period_years, region.legal_basis) == (2, "siirtymä")
    with pytest.raises(InputError) as info:
        read_coverage_rule(rules, "HVA08", 2101)
    assert (Path(info.value.file or "").name, info.value.field) == ("deficit_coverage.toml", "general")


def test_coverage_period_in_the_assumptions_is_refused(inputs_dir: Path) -> None:
    path = inputs_dir / "talous_oletukset.toml"
    path.write_text(
        path.read_text(encoding="utf-8") + "\n[alijaaman_kattaminen]\nkattamiskausi_vuotta = 2\n", encoding="utf-8"
    )
    error = _error(inputs_dir)
    assert _where(error) == ("talous_oletukset.toml", None, "alijaaman_kattaminen")


def test_measure_outside_the_forecast(inputs_dir: Path) -> None:
    _edit(inputs_dir / "talous_oletukset.toml", "{ 2026 = 15_000_000, 2027 = 30_000_000 }", "{ 2031 = 1 }")
    assert _where(_error(inputs_dir)) == ("talous_oletukset.toml", None, "toimenpiteet.palveluverkko.vaikutus_eur.2031")


#: Cycle 2026 prepares the budget 2027 and the financial plan 2027–2029 ([planning] in default.toml).
PLANNING_2026 = PlanningYears(cycle=2026, budget_year=2027, plan_last_year=2029)


def test_the_frame_year_is_the_budget_year_of_the_cycle(inputs_dir: Path) -> None:
    inputs = read_targets_inputs(inputs_dir, region_code="HVA08", planning=PLANNING_2026)
    assert inputs.assumptions.frame_year == 2027
    # A frame for the cycle's own year (the budget 2026 was adopted in December 2025) is a wrong file.
    _edit(inputs_dir / "talous_oletukset.toml", "kehysvuosi = 2027", "kehysvuosi = 2026")
    with pytest.raises(InputError) as info:
        read_targets_inputs(inputs_dir, region_code="HVA08", planning=PLANNING_2026)
    assert _where(info.value) == ("talous_oletukset.toml", None, "kehys.kehysvuosi")
    assert info.value.reason.startswith("the frame year 2026 is not the budget year 2027 that cycle 2026 prepares")


def test_the_forecast_covers_the_financial_plan(inputs_dir: Path) -> None:
    # The plan 2027–2030 (a four-year plan) needs a forecast year 2030; the file's last is 2029.
    longer = PlanningYears(cycle=2026, budget_year=2027, plan_last_year=2030)
    with pytest.raises(InputError) as info:
        read_targets_inputs(inputs_dir, region_code="HVA08", planning=longer)
    assert _where(info.value) == ("talous_rahoitus.csv", None, "vuosi")
    assert "the financial plan 2027–2030 needs forecast years up to 2030" in info.value.reason


def test_balance_sheet_of_another_year(inputs_dir: Path) -> None:
    _edit(inputs_dir / "talous_oletukset.toml", "vuosi = 2025", "vuosi = 2024")
    assert _where(_error(inputs_dir)) == ("talous_oletukset.toml", None, "tase.vuosi")


def test_toml_syntax_error(inputs_dir: Path) -> None:
    _edit(inputs_dir / "talous_oletukset.toml", "kehysvuosi = 2027", "kehysvuosi = ")
    error = _error(inputs_dir)
    assert _where(error) == ("talous_oletukset.toml", None, None)
    assert "TOML syntax error" in error.reason


def test_missing_file(inputs_dir: Path) -> None:
    (inputs_dir / "talous_rahoitus.csv").unlink()
    assert _where(_error(inputs_dir)) == ("talous_rahoitus.csv", None, None)


# -- frame-allocation rules ---------------------------------------------------------------------------

ALLOCATION_RULES = DATA_DIR / ALLOCATION_RULES_FILE


def test_allocation_rules_shipped_and_phased_over_the_plan_years() -> None:
    rules = read_allocation_rules(ALLOCATION_RULES, [2027, 2028, 2029])
    # phase_in.years = 0 in the file: the financial plan's three years.
    assert (rules.phase_years, rules.plan_span, rules.max_change_pct, rules.no_nominal_cut) == (
        3,
        "2027–2029",
        2.0,
        True,
    )
    assert rules.groups[ClientGroup.OLDER_PEOPLE].population == "age_65_plus"
    assert [f.field for f in rules.groups[ClientGroup.MENTAL_SUBSTANCE].factors] == ["basic_security_dependence"]


def test_allocation_rules_refuse_an_unknown_population(tmp_path: Path) -> None:
    path = tmp_path / "frame_allocation.toml"
    text = ALLOCATION_RULES.read_text(encoding="utf-8").replace('population = "age_65_plus"', 'population = "75+"')
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match="population must be one of") as info:
        read_allocation_rules(path, [2027, 2028, 2029])
    assert info.value.field == "groups.older_people.population"


def test_ledger_rows_of_rescue_services_and_common_costs_are_kept_apart() -> None:
    inputs = read_targets_inputs(EXAMPLES, region_code="HVA08")
    rows = [c for c in inputs.costs if c.year == 2025 and c.client_group is None]
    # Pelastustoimi 76 000 000 € and the common costs 141 000 000 € of 2025 (example data).
    assert [(c.frame_row, c.operating_costs) for c in rows] == [
        (FrameRow.RESCUE_SERVICES, 76_000_000),
        (FrameRow.COMMON_COSTS, 141_000_000),
    ]
