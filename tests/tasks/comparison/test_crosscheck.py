"""Stage 4 against stages 2 and 3, on the worked example: each check's figures worked out by hand,
and a hand-made mismatch of each kind stopping the stage with both sources named."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemas.accounts import AccountGroup, AccountTotal
from schemas.chains import CatalogueService, ProductionMode
from schemas.comparison import ComparisonAnalysis, ComparisonInputs
from schemas.reconciliation import CheckKind
from soteflow.errors import InputError
from soteflow.reconcile import enforce
from tasks.comparison.crosscheck import StatementTotals, catalogue_checks, statement_checks
from tasks.comparison.inputs import read_comparison_inputs
from tests.fixtures.comparison.worked_example import CHAINS_BASIS, worked_analysis, write_worked_example
from tests.support import TOLERANCE

SOURCE = "vaihe 3: palvelukatalogi (chains-catalogue v2)"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_worked_example(tmp_path_factory.mktemp("worked"))


@pytest.fixture(scope="module")
def analysis(folder: Path) -> ComparisonAnalysis:
    return worked_analysis(folder)


def _checks(folder: Path, analysis: ComparisonAnalysis, **home: object) -> list:  # type: ignore[type-arg]
    services = [s.model_copy(update=home) if s.service_id == "IKA-KOTIHOITO" else s for s in CHAINS_BASIS.services]
    return catalogue_checks(services, analysis.matrix.services, read_comparison_inputs(folder), TOLERANCE, SOURCE)


def test_the_worked_example_agrees_with_its_catalogue(folder: Path, analysis: ComparisonAnalysis) -> None:
    checks = _checks(folder, analysis)
    home = [c for c in checks if "IKA-KOTIHOITO" in c.subject]
    # volume: 10 000 own + 2 000 purchased; mode: own has the most; unit cost: (10 000 × 50,07 +
    # 2 000 × 45,20) / 12 000 = 49,258 → 49,26 (the catalogue's figure in CHAINS_BASIS).
    assert [(c.kind, c.input_value, c.input_text) for c in home] == [
        (CheckKind.EQUAL, 12_000, None),
        (CheckKind.SAME, None, "oma tuotanto"),
        (CheckKind.EQUAL, 49.26, None),
    ]
    assert all(c.within for c in checks)
    assert (
        home[1].subject
        == "Säännöllinen kotihoito (IKA-KOTIHOITO): pääasiallinen tuotantotapa (oma tuotanto 83 %, ostopalvelu 17 %)"
    )
    enforce(checks)


@pytest.mark.parametrize(
    ("change", "within", "reason"),
    [
        # 12 000 against 12 200: −1,6 % (±2 % holds).
        ({"annual_volume": 12_200}, True, None),
        # 12 000 against 12 500: −4,0 %.
        (
            {"annual_volume": 12_500},
            False,
            "gives 12\xa0000 käyntiä, vaihe 3: palvelukatalogi (chains-catalogue v2) gives 12\xa0500 käyntiä",
        ),
        # 49,26 against 48,00: +2,6 % holds; against 47,50: +3,7 % does not.
        ({"unit_cost": 48.0}, True, None),
        (
            {"unit_cost": 47.5},
            False,
            "gives 49,26 €/käynti, vaihe 3: palvelukatalogi (chains-catalogue v2) gives 47,50 €/käynti",
        ),
        # The catalogue says bought, the rows say mostly own (10 000 of 12 000).
        (
            {"mode": ProductionMode.PURCHASED},
            False,
            "says 'ostopalvelu', but vaihe 4: oma_tuotanto_kustannukset.csv, ostopalvelut.csv says 'oma tuotanto'",
        ),
    ],
)
def test_a_hand_made_mismatch_with_the_catalogue(
    folder: Path, analysis: ComparisonAnalysis, change: dict[str, object], within: bool, reason: str | None
) -> None:
    checks = _checks(folder, analysis, **change)
    if within:
        enforce(checks)
        return
    with pytest.raises(InputError) as caught:
        enforce(checks)
    error = caught.value
    assert (error.file, error.row) == ("oma_tuotanto_kustannukset.csv", 2)
    assert reason is not None and reason in error.reason


def test_half_own_half_bought_is_either_mode(folder: Path, analysis: ComparisonAnalysis) -> None:
    """A main mode within the volume tolerance of the largest: the catalogue may name either."""
    housing = next(s for s in analysis.matrix.services if s.service_id == "IKA-TEHPA")
    volumes = {o.mode: o.volume for o in housing.options}
    # 2 000 own, 3 000 bought, 1 000 by voucher: bought is the main mode, own is not within 2 %.
    assert volumes == {ProductionMode.OWN: 2_000, ProductionMode.PURCHASED: 3_000, ProductionMode.VOUCHER: 1_000}
    services = [
        s.model_copy(update={"mode": ProductionMode.OWN}) if s.service_id == "IKA-TEHPA" else s
        for s in CHAINS_BASIS.services
    ]
    checks = catalogue_checks(services, analysis.matrix.services, read_comparison_inputs(folder), TOLERANCE, SOURCE)
    mode = next(c for c in checks if "IKA-TEHPA" in c.subject and c.kind is CheckKind.SAME)
    assert (mode.basis_text, mode.input_text, mode.within) == ("oma tuotanto", "ostopalvelu", False)
    even = housing.model_copy(
        update={
            "options": [
                o.model_copy(update={"volume": 2_990.0}) if o.mode is ProductionMode.OWN else o for o in housing.options
            ]
        }
    )
    others = [s for s in analysis.matrix.services if s.service_id != "IKA-TEHPA"]
    checks = catalogue_checks(services, [*others, even], read_comparison_inputs(folder), TOLERANCE, SOURCE)
    mode = next(c for c in checks if "IKA-TEHPA" in c.subject and c.kind is CheckKind.SAME)
    # 2 990 own is within 2 % of 3 000 bought: own is a main mode too.
    assert (mode.input_text, mode.within) == ("oma tuotanto", True)


def test_the_income_statement_against_stage_2(folder: Path) -> None:
    inputs = read_comparison_inputs(folder)
    # The worked example's statement: cost groups 690 000 + 99 000 + 19 000 + 90 000 + 32 000 + 90 000
    # + 0 = 1 020 000 € without depreciation (20 000 €); fees 130 000 €.
    totals = StatementTotals(2025, 1_020_000, 150_000, 25_000, "vaihe 2: tilinpäätöksen toteuma (targets-forecast v1)")
    checks = statement_checks(totals, inputs, TOLERANCE)
    assert [(c.kind, c.input_value, c.basis_value, c.within) for c in checks] == [
        (CheckKind.EQUAL, 1_020_000, 1_020_000, True),
        (CheckKind.AT_MOST, 130_000, 150_000, True),
        (CheckKind.AT_MOST, 20_000, 25_000, True),
    ]
    # 1 020 000 against 1 022 000: −0,2 % > 0,1 %.
    with pytest.raises(InputError) as caught:
        enforce(statement_checks(StatementTotals(2025, 1_022_000, 150_000, 25_000, "vaihe 2"), inputs, TOLERANCE))
    assert (caught.value.file, caught.value.row, caught.value.field) == ("oma_tuotanto_tuloslaskelma.csv", 2, "euroa")
    assert "Toimintakulut 2025" in caught.value.reason and "gives 1\xa0022\xa0000 €" in caught.value.reason
    # Depreciation 20 000 more than stage 2's depreciation and financial items 15 000.
    with pytest.raises(InputError, match="Poistot ja arvonalentumiset 2025"):
        enforce(statement_checks(StatementTotals(2025, 1_020_000, 150_000, 15_000, "vaihe 2"), inputs, TOLERANCE))
    # Another year than stage 2's last actual year.
    with pytest.raises(InputError, match="the income statement is for 2025, but stage 2") as caught:
        statement_checks(StatementTotals(2024, 1_020_000, 150_000, 25_000, "vaihe 2"), inputs, TOLERANCE)
    assert caught.value.field == "vuosi"


def _groups(inputs: ComparisonInputs, **changed: float) -> list[AccountTotal]:
    """Stage 2's account groups equal to the worked example's income statement, but ``changed``."""
    return [
        AccountTotal(
            year=2025,
            group=AccountGroup(line.data.group.value),
            amount_eur=changed.get(line.data.group.value, line.data.amount),
            file="tilinpaatos.csv",
            rows="2–15",
            first_row=2,
        )
        for line in inputs.income_statement
    ]


def test_every_account_group_against_stage_2s_financial_statement(folder: Path) -> None:
    inputs = read_comparison_inputs(folder)
    totals = StatementTotals(2025, 1_020_000, 150_000, 25_000, "vaihe 2", groups=_groups(inputs))
    checks = statement_checks(totals, inputs, TOLERANCE)
    # One line per account group, each equal: wages 690 000 €, …, fees 130 000 €.
    assert [(c.subject, c.input_value, c.basis_value, c.within) for c in checks][:2] == [
        ("Palkat ja palkkiot 2025", 690_000, 690_000, True),
        ("Eläkekulut 2025", 99_000, 99_000, True),
    ]
    assert len(checks) == 9 and all(c.within for c in checks)
    assert checks[0].basis_source == "vaihe 2, tilinpaatos.csv rivit 2–15"
    # Rents of 90 000 € against stage 2's 91 000 €: −1,1 % > 0,1 %, at stage 4's row of the group.
    totals = StatementTotals(2025, 1_020_000, 150_000, 25_000, "vaihe 2", groups=_groups(inputs, rents=91_000))
    with pytest.raises(InputError) as caught:
        enforce(statement_checks(totals, inputs, TOLERANCE))
    assert (caught.value.file, caught.value.row, caught.value.field) == ("oma_tuotanto_tuloslaskelma.csv", 7, "euroa")
    assert "Vuokrat 2025" in caught.value.reason and "tilinpaatos.csv rivit 2–15" in caught.value.reason


def test_only_the_year_when_the_income_statement_is_stage_2s(folder: Path) -> None:
    """Stage 4 without its own income statement reconciles its cost rows to stage 2's account groups:
    the totals are the same figures; the cost rows' year must be stage 2's last actual year."""
    own = read_comparison_inputs(folder)
    inputs = own.model_copy(update={"income_statement_from": "vaihe 2: tilinpäätöksen toteuma (targets-forecast v1)"})
    [check] = statement_checks(
        StatementTotals(2025, 9_999_999, 1, 1, "vaihe 2", groups=_groups(own)), inputs, TOLERANCE
    )
    assert (check.kind, check.basis_text, check.input_text, check.within) == (CheckKind.SAME, "2025", "2025", True)
    [check] = statement_checks(StatementTotals(2026, 9_999_999, 1, 1, "vaihe 2"), inputs, TOLERANCE)
    with pytest.raises(InputError) as caught:
        enforce([check])
    assert (caught.value.file, caught.value.row, caught.value.field) == ("oma_tuotanto_kustannukset.csv", 2, "vuosi")


def test_a_catalogue_of_an_older_version_is_checked_on_its_mode_only(
    folder: Path, analysis: ComparisonAnalysis
) -> None:
    """A catalogue approved before volumes and unit costs were in the basis (None) has nothing to
    compare them with; its mode is still checked."""
    older = [
        CatalogueService(**{**s.model_dump(), "annual_volume": None, "unit_cost": None}) for s in CHAINS_BASIS.services
    ]
    checks = catalogue_checks(older, analysis.matrix.services, read_comparison_inputs(folder), TOLERANCE, SOURCE)
    assert [c.kind for c in checks] == [CheckKind.SAME, CheckKind.SAME]
