"""Stage-4 input files: both forms of the own-production costs, Finnish number formats, cp1252, and
every kind of bad input giving an error that names the file, sheet, row and column."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from schemas.accounts import AccountGroup, AccountTotal
from schemas.chains import ServiceCatalogue
from schemas.comparison import ComparisonInputs, ComparisonParams
from schemas.stages import Stage
from schemas.targets import TargetsInputs
from soteflow.errors import InputError
from tasks.chains.catalogue import read_catalogue
from tasks.comparison.analysis import analyse_comparison
from tasks.comparison.inputs import (
    check_catalogue,
    comparison_params,
    own_costs_form,
    read_comparison_inputs,
)
from tasks.comparison.stage import DEFINITION
from tasks.context import make_context
from tasks.targets.inputs import read_targets_inputs
from tests.fixtures.comparison.worked_example import (
    CHAINS_BASIS,
    COSTS_CSV,
    INCOME_CSV,
    KEYS_CSV,
    PERSONNEL_CSV,
    PURCHASES_CSV,
    QUALITY_CSV,
    write_worked_example,
)
from tests.support import DATA_DIR

EXAMPLES = DATA_DIR / "examples" / "HVA08"


def _catalogue(service_ids: set[str] | None = None) -> ServiceCatalogue:
    """The shipped stage-3 example catalogue, or only its steps ``service_ids`` (packages left empty dropped)."""
    catalogue = read_catalogue(EXAMPLES / "palvelukatalogi.csv")
    if service_ids is None:
        return catalogue
    packages = [
        package.model_copy(update={"steps": [s for s in package.steps if s.service_id in service_ids]})
        for package in catalogue.packages
    ]
    return catalogue.model_copy(update={"packages": [p for p in packages if p.steps]})


def _precheck(
    folder: Path,
    *,
    catalogue: ServiceCatalogue | None = None,
    targets: TargetsInputs | None = None,
    **params: Any,
) -> object:
    """The stage's check of its files before a run (what ``validate_comparison_inputs`` was): every row,
    the keys, the reconciliation and a trial computation; with the catalogue stage 3 will propose
    (``earlier[Stage.CHAINS].catalogue``, as stage 3's precheck returns it), every service against it;
    with stage 2's files (``earlier[Stage.TARGETS]``), the financial statement."""
    ctx = make_context(Stage.COMPARISON, region="HVA08", cycle=2026, inputs_dir=folder)
    earlier: dict[Stage, Any] = {} if catalogue is None else {Stage.CHAINS: SimpleNamespace(catalogue=catalogue)}
    if targets is not None:
        earlier[Stage.TARGETS] = targets
    return DEFINITION.precheck(ctx, DEFINITION.parse_params(params), earlier)


def _stage2() -> TargetsInputs:
    """Stage 2's example files as its precheck reads them (the financial statement among them)."""
    return read_targets_inputs(EXAMPLES, region_code="HVA08")


def _error(folder: Path) -> InputError:
    with pytest.raises(InputError) as caught:
        _precheck(folder)
    return caught.value


def _numbers(folder: Path) -> object:
    """The computed figures without their source labels (which name the file form); stage 2's
    financial statement is the income statement of a folder without its own."""
    return _numbers_of(read_comparison_inputs(folder, _stage2().statement))


def _numbers_of(inputs: ComparisonInputs) -> object:
    analysis = analyse_comparison(inputs, ComparisonParams(), region_code="HVA08", region_name="", cycle=2026)
    return [(s.service_id, s.full_cost, s.unit_cost, s.unit_cost_low, s.unit_cost_high) for s in analysis.own.services]


def test_workbook_and_csv_forms_give_the_same_figures(tmp_path: Path) -> None:
    csv_folder = write_worked_example(tmp_path / "csv")
    xlsx_folder = write_worked_example(tmp_path / "xlsx", xlsx=True)
    assert own_costs_form(csv_folder) == "csv" and own_costs_form(xlsx_folder) == "xlsx"
    assert _numbers(csv_folder) == _numbers(xlsx_folder)
    inputs = read_comparison_inputs(xlsx_folder)
    assert inputs.own_costs[0].source == "oma_tuotanto.xlsx / Kustannukset / rivi 2"
    assert inputs.files[0].sheets == ["Kustannukset", "Tukipalvelut", "Tuloslaskelma"]


def test_the_workbook_is_used_when_both_forms_are_there(tmp_path: Path) -> None:
    folder = write_worked_example(tmp_path, xlsx=True)
    write_worked_example(folder)  # the CSV files beside the workbook
    assert read_comparison_inputs(folder).own_costs_form == "xlsx"


def test_cp1252_csv_with_decimal_commas_is_read(tmp_path: Path) -> None:
    costs = COSTS_CSV.replace(";300 000;", ";300 000,50;")  # a decimal comma in a euro amount
    folder = write_worked_example(
        tmp_path,
        encoding="cp1252",
        replace={"Kustannukset": costs, "Tuloslaskelma": INCOME_CSV.replace(";690 000", ";690 000,50")},
    )
    assert "ä".encode("cp1252") in (folder / "oma_tuotanto_kustannukset.csv").read_bytes()
    inputs = read_comparison_inputs(folder)
    assert [line.data.cost_centre_name for line in inputs.own_costs[:2]] == [
        "Kotihoito, Härmälä",
        "Palvelukoti Kööpenhamina",
    ]
    assert inputs.own_costs[0].data.wages == 300_000.5
    assert inputs.allocation_keys[0].data.kind.label_fi == "tukipalvelu"
    assert inputs.purchases[0].data.price == 46.0  # "46,00"
    assert inputs.quality[0].data.quality_value == 4.3  # "4,3"
    assert {f.file: f.encoding for f in inputs.files}["oma_tuotanto_kustannukset.csv"] == "cp1252"
    assert {f.file: f.encoding for f in inputs.files}["ostopalvelut.csv"] == "cp1252"


def test_text_in_a_number_column_csv(tmp_path: Path) -> None:
    costs = COSTS_CSV.replace(";300 000;", ";kolmesataatuhatta;")
    error = _error(write_worked_example(tmp_path, replace={"Kustannukset": costs}))
    assert error.file is not None and error.file.endswith("oma_tuotanto_kustannukset.csv")
    assert (error.sheet, error.row, error.field) == (None, 2, "palkat ja palkkiot")
    assert "'kolmesataatuhatta' is not a number" in error.reason


def test_text_in_a_number_column_xlsx(tmp_path: Path) -> None:
    costs = COSTS_CSV.replace(";2 000;hoitovuorokausi;", ";noin kaksituhatta;hoitovuorokausi;")
    error = _error(write_worked_example(tmp_path, xlsx=True, replace={"Kustannukset": costs}))
    assert error.file is not None and error.file.endswith("oma_tuotanto.xlsx")
    assert (error.sheet, error.row, error.field) == ("Kustannukset", 3, "suoritteet")
    assert "not a number" in error.reason
    assert str(error) == f"{error.file}, sheet Kustannukset, row 3, field suoritteet: {error.reason}"


def test_missing_sheet(tmp_path: Path) -> None:
    folder = write_worked_example(tmp_path, xlsx=True)
    from openpyxl import load_workbook

    workbook = load_workbook(folder / "oma_tuotanto.xlsx")
    del workbook["Tukipalvelut"]
    workbook.save(folder / "oma_tuotanto.xlsx")
    error = _error(folder)
    assert error.sheet == "Tukipalvelut"
    assert "sheet 'Tukipalvelut' is missing; the workbook has Kustannukset, Tuloslaskelma" in error.reason


@pytest.mark.parametrize("xlsx", [False, True])
def test_without_its_own_income_statement_stage_4_needs_stage_2s(tmp_path: Path, xlsx: bool) -> None:
    folder = _without_income_statement(write_worked_example(tmp_path, xlsx=xlsx))
    error = _error(folder)
    assert (Path(str(error.file)).name, error.row, error.field) == (
        "oma_tuotanto.xlsx" if xlsx else "oma_tuotanto_kustannukset.csv",
        2,
        "vuosi",
    )
    assert "stage 4 takes it from the approved stage 2's financial statement (tilinpaatos.csv)" in error.reason


def test_the_income_statement_from_stage_2s_financial_statement(tmp_path: Path) -> None:
    folder = _without_income_statement(write_worked_example(tmp_path))
    own = read_comparison_inputs(write_worked_example(tmp_path / "own"))
    statement = [
        AccountTotal(
            year=2025,
            group=AccountGroup(line.data.group.value),
            amount_eur=line.data.amount,
            file="tilinpaatos.csv",
            rows="2–15",
            first_row=2,
        )
        for line in own.income_statement
    ]
    statement.append(statement[0].model_copy(update={"group": AccountGroup.OTHER_INCOME, "amount_eur": 5.0}))
    inputs = read_comparison_inputs(folder, statement, "vaihe 2: tilinpäätöksen toteuma (targets-forecast v1)")
    assert inputs.income_statement_from == "vaihe 2: tilinpäätöksen toteuma (targets-forecast v1)"
    assert [(line.data.group, line.data.amount) for line in inputs.income_statement] == [
        (line.data.group, line.data.amount) for line in own.income_statement
    ]
    assert inputs.income_statement[0].source == "tilinpaatos.csv / rivi 2"
    assert _numbers_of(inputs) == _numbers_of(own)  # the same costs, whichever form the statement has
    # A statement of another year is refused at the cost rows' year.
    other_year = [t.model_copy(update={"year": 2024}) for t in statement]
    with pytest.raises(InputError) as caught:
        read_comparison_inputs(folder, other_year, "vaihe 2")
    assert (caught.value.row, caught.value.field) == (2, "vuosi")
    assert "the cost rows are for 2025, but the last year of stage 2's financial statement (vaihe 2) is 2024" in (
        caught.value.reason
    )


def _without_income_statement(folder: Path) -> Path:
    if (folder / "oma_tuotanto.xlsx").is_file():
        from openpyxl import load_workbook

        workbook = load_workbook(folder / "oma_tuotanto.xlsx")
        del workbook["Tuloslaskelma"]
        workbook.save(folder / "oma_tuotanto.xlsx")
    else:
        (folder / "oma_tuotanto_tuloslaskelma.csv").unlink()
    return folder


@pytest.mark.parametrize("xlsx", [False, True])
def test_allocation_key_not_summing_to_100_percent(tmp_path: Path, xlsx: bool) -> None:
    # TUKI-ICT: 60 + 30 + 9,5 = 99,5 % (rows 2–4), outside the 0,01 pp tolerance.
    keys = KEYS_CSV.replace("käyttäjät;MUU;10;0;25", "käyttäjät;MUU;9,5;0;25")
    error = _error(write_worked_example(tmp_path, xlsx=xlsx, replace={"Tukipalvelut": keys}))
    assert error.file is not None
    assert error.file.endswith("oma_tuotanto.xlsx" if xlsx else "oma_tuotanto_tukipalvelut.csv")
    assert (error.sheet, error.row, error.field) == ("Tukipalvelut" if xlsx else None, 2, "osuus %")
    assert "pool TUKI-ICT (ICT-palvelut) sums to 99,5000 %, not 100 %" in error.reason
    assert "rows 2–4" in error.reason


@pytest.mark.parametrize("xlsx", [False, True])
def test_negative_volume(tmp_path: Path, xlsx: bool) -> None:
    costs = COSTS_CSV.replace(";10 000;käynti;", ";-10 000;käynti;")
    error = _error(write_worked_example(tmp_path, xlsx=xlsx, replace={"Kustannukset": costs}))
    assert (error.row, error.field) == (2, "suoritteet")
    assert error.sheet == ("Kustannukset" if xlsx else None)
    assert "greater than or equal to 0" in error.reason


@pytest.mark.parametrize(
    ("table", "old", "new", "file", "row", "field", "reason"),
    [
        (
            "Tukipalvelut",
            "IKA-TEHPA;30;25;35",
            "IKA-TEHPA;30;32;35",
            "oma_tuotanto_tukipalvelut.csv",
            3,
            "alaraja %",
            "the low share 32.0 % is above the share 30.0 %",
        ),
        (
            "Tukipalvelut",
            "käyttäjät;MUU;",
            "käyttäjät;VAM-ASUMINEN;",
            "oma_tuotanto_tukipalvelut.csv",
            4,
            "kohde",
            "unknown recipient 'VAM-ASUMINEN'",
        ),
        (
            "Tukipalvelut",
            "HALLINTO;Palvelualueen hallinto;hallinto;henkilötyövuodet;IKA-TEHPA",
            "HALLINTO;Palvelualueen hallinto;tukipalvelu;henkilötyövuodet;IKA-TEHPA",
            "oma_tuotanto_tukipalvelut.csv",
            6,
            "laji",
            "the pool columns must agree",
        ),
        ("Kustannukset", "2025;200;", "2024;200;", "oma_tuotanto_kustannukset.csv", 3, "vuosi", "one accounting year"),
        (
            "Kustannukset",
            "HALLINTO;;;;50 000;8 000;2 000;0;0;0;0;0;0;0",
            "HALLINTO;;;;50 000;8 000;2 000;0;0;0;0;0;5;0",
            "oma_tuotanto_kustannukset.csv",
            5,
            "asiakasmaksut",
            "client fees belong to a service product",
        ),
        (
            "Tuloslaskelma",
            "2025;Maksutuotot;3200–3299;130 000\n",
            "",
            "oma_tuotanto_tuloslaskelma.csv",
            None,
            "tiliryhmä",
            "account groups missing from the income statement: Maksutuotot",
        ),
        (
            "Tuloslaskelma",
            "2025;Vuokrat;",
            "2025;Vuokrat ja leasing;",
            "oma_tuotanto_tuloslaskelma.csv",
            7,
            "tiliryhmä",
            "unknown account group 'Vuokrat ja leasing'",
        ),
        (
            "ostopalvelut",
            ";2 000;käynti;",
            ";2 000;tunti;",
            "ostopalvelut.csv",
            2,
            "suoriteyksikkö",
            "the unit costs would not be comparable",
        ),
        (
            "ostopalvelut",
            "pk-yritys;IKA-KOTIHOITO;ostopalvelu",
            "pienyritys;IKA-KOTIHOITO;ostopalvelu",
            "ostopalvelut.csv",
            2,
            "tuottajatyyppi",
            "unknown producer type 'pienyritys'",
        ),
        (
            "ostopalvelut",
            ";veroton;;8 000",
            ";verollinen;;8 000",
            "ostopalvelut.csv",
            2,
            None,
            "a taxable purchase (verollinen) needs its VAT rate",
        ),
        (
            "laatu",
            "IKA-TEHPA;palveluseteli;",
            "IKA-TEHPA;oma;",
            "laatu_saatavuus.csv",
            6,
            "tuotantotapa",
            "duplicate service and mode",
        ),
        (
            "laatu",
            "IKA-KOTIHOITO;ostopalvelu;asiakastyytyväisyys 1–5;4,0;aloitus vrk;3;3;4;4;3;3;\n",
            "",
            "laatu_saatavuus.csv",
            None,
            "palvelu_id",
            "scores missing for: IKA-KOTIHOITO / ostopalvelu",
        ),
        (
            "laatu",
            ";4;4;1;5;3;\nIKA-KOTIHOITO;ostopalvelu",
            ";6;4;1;5;3;\nIKA-KOTIHOITO;ostopalvelu",
            "laatu_saatavuus.csv",
            2,
            "laatu",
            "less than or equal to 5",
        ),
        (
            "henkilosto",
            "IKA-TEHPA;lähihoitaja",
            "VAM-ASUMINEN;lähihoitaja",
            "henkilosto.csv",
            4,
            "palvelu_id",
            "service VAM-ASUMINEN has no own production",
        ),
    ],
)
def test_bad_input_names_file_row_and_field(
    tmp_path: Path, table: str, old: str, new: str, file: str, row: int | None, field: str | None, reason: str
) -> None:
    texts = {
        "Kustannukset": COSTS_CSV,
        "Tukipalvelut": KEYS_CSV,
        "Tuloslaskelma": INCOME_CSV,
        "ostopalvelut": PURCHASES_CSV,
        "laatu": QUALITY_CSV,
        "henkilosto": PERSONNEL_CSV,
    }
    assert old in texts[table]
    error = _error(write_worked_example(tmp_path, replace={table: texts[table].replace(old, new, 1)}))
    assert error.file is not None and Path(error.file).name == file
    assert (error.row, error.field) == (row, field)
    assert reason in error.reason


def test_neither_form_of_the_own_costs(tmp_path: Path) -> None:
    folder = write_worked_example(tmp_path)
    (folder / "oma_tuotanto_tukipalvelut.csv").unlink()
    error = _error(folder)
    assert "missing: oma_tuotanto_tukipalvelut.csv" in error.reason


def test_a_missing_file(tmp_path: Path) -> None:
    folder = write_worked_example(tmp_path)
    (folder / "henkilosto.csv").unlink()
    error = _error(folder)
    assert error.file is not None and error.file.endswith("henkilosto.csv") and error.reason == "file not found"


def test_catalogue_check_names_the_row_of_an_unknown_service(tmp_path: Path) -> None:
    folder = write_worked_example(tmp_path)
    inputs = read_comparison_inputs(folder)
    check_catalogue(inputs, {"IKA-KOTIHOITO", "IKA-TEHPA"}, inputs_dir=folder)
    with pytest.raises(InputError) as caught:
        check_catalogue(inputs, {"IKA-KOTIHOITO"}, inputs_dir=folder)
    error = caught.value
    assert error.file is not None and error.file.endswith("oma_tuotanto_kustannukset.csv")
    assert (error.row, error.field) == (3, "palvelu_id")
    assert "'IKA-TEHPA' is not in the approved stage-3 service catalogue" in error.reason
    # The stage's check before a run makes the same check against the catalogue stage 3 will propose.
    with pytest.raises(InputError, match="'IKA-TEHPA' is not in the approved stage-3") as caught:
        _precheck(folder, catalogue=_catalogue({"IKA-KOTIHOITO"}))
    assert (caught.value.row, caught.value.field) == (3, "palvelu_id")
    _precheck(folder, catalogue=_worked_catalogue())


def _worked_catalogue() -> ServiceCatalogue:
    """The shipped catalogue's two steps with the worked example's volumes, modes and unit costs
    (as :data:`CHAINS_BASIS` has them, worked out by hand there)."""
    figures = {s.service_id: s for s in CHAINS_BASIS.services}
    catalogue = _catalogue(set(figures))
    packages = [
        package.model_copy(
            update={
                "steps": [
                    step.model_copy(
                        update={
                            "mode": figures[step.service_id].mode,
                            "annual_volume": figures[step.service_id].annual_volume,
                            "unit_cost": figures[step.service_id].unit_cost,
                        }
                    )
                    for step in package.steps
                ]
            }
        )
        for package in catalogue.packages
    ]
    return catalogue.model_copy(update={"packages": packages})


def test_precheck_reconciles_with_the_catalogue_stage_3_will_propose(tmp_path: Path) -> None:
    """The shipped catalogue describes Pirkanmaa's services, not the worked example's: a cycle stops
    before it starts, at the first service whose volume disagrees, and names both sources."""
    folder = write_worked_example(tmp_path)
    with pytest.raises(InputError) as caught:
        _precheck(folder, catalogue=_catalogue({"IKA-KOTIHOITO", "IKA-TEHPA"}))
    error = caught.value
    assert (error.file, error.row, error.field) == ("oma_tuotanto_kustannukset.csv", 2, "suoritteet")
    assert "Säännöllinen kotihoito (IKA-KOTIHOITO): suoritteet vuodessa" in error.reason
    assert "gives 12\xa0000 käyntiä" in error.reason
    assert "palvelukatalogi (palvelukatalogi.csv) gives 2\xa0330\xa0000 käyntiä" in error.reason


def test_parameters_from_the_flow_arguments() -> None:
    params = comparison_params({"cost": 0.5, "quality": 0.5}, "with_unrefunded_vat")
    assert params.weight_cost == 0.5 and params.vat_treatment.value == "with_unrefunded_vat"
    with pytest.raises(InputError, match="unknown criterion 'price'"):
        comparison_params({"price": 1.0})
    with pytest.raises(InputError, match="unknown VAT treatment 'gross'"):
        comparison_params(None, "gross")
    with pytest.raises(InputError, match="greater than or equal to 0"):
        comparison_params({"cost": -1.0})


def test_the_shipped_example_files_validate_in_both_forms(tmp_path: Path) -> None:
    inputs = _precheck(EXAMPLES, catalogue=_catalogue(), targets=_stage2())
    statement = _stage2().statement
    # The precheck returns what it read: the workbook, and stage 2's financial statement as the income statement.
    assert inputs == read_comparison_inputs(EXAMPLES, statement, "vaihe 2: tilinpäätöksen toteuma (tilinpaatos.csv)")
    assert read_comparison_inputs(EXAMPLES, statement).own_costs_form == "xlsx"
    # The CSV files beside the workbook hold the same tables, exported from Excel as cp1252.
    csv_only = tmp_path / "csv"
    csv_only.mkdir()
    for name in (
        "oma_tuotanto_kustannukset.csv",
        "oma_tuotanto_tukipalvelut.csv",
        "ostopalvelut.csv",
        "laatu_saatavuus.csv",
        "henkilosto.csv",
    ):
        (csv_only / name).write_bytes((EXAMPLES / name).read_bytes())
    assert _numbers(csv_only) == _numbers(EXAMPLES)
    assert {f.file: f.encoding for f in read_comparison_inputs(csv_only, statement).files}[
        "oma_tuotanto_kustannukset.csv"
    ] == ("cp1252")
