"""Stage 4 declared once (``tasks/comparison/stage.py``) and run by the generic round without Prefect:
its input files and their snapshots, the run parameters, the checks before anything is stored, the
outputs and their lineage, the case's proposal, and a whole round on an approved stage 3."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from schemas.accounts import AccountGroup
from schemas.comparison import (
    ComparisonBasis,
    ComparisonProposal,
    ComparisonRunParams,
    OrganisingPlan,
    OwnCostCalculation,
    PlanEntry,
    PreviousPlan,
    RecommendedMode,
    VatTreatment,
)
from schemas.documents import AppealKind
from schemas.results import VersionRef
from schemas.stages import Stage
from soteflow.errors import InputError
from soteflow.stagekit import Output, open_store
from tasks.chains.basis import load_chains_basis
from tasks.comparison.basis import load_previous_plan
from tasks.comparison.exports import export_csv, export_xlsx
from tasks.comparison.proposal import default_meeting_date, document_created
from tasks.comparison.stage import DEFINITION, FILES, comparison_outputs
from tasks.context import make_context
from tasks.definition import CaseDraft, Computed, RoundState
from tasks.round import DirectSteps, prepare, run_stage
from tasks.targets.inputs import read_targets_inputs
from tests.fixtures.comparison.worked_example import (
    CHAINS_BASIS,
    COSTS_CSV,
    case_handling,
    version_ref,
    write_worked_example,
)
from tests.support import DATA_DIR

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

EXAMPLES = DATA_DIR / "examples" / "HVA08"


def _prepare(
    folder: Path, *, previous: PreviousPlan | None = None, chains: Any = CHAINS_BASIS, params: Any = None
) -> Computed[Any, Any, Any, Any]:
    """The round up to its outputs on the files in ``folder``, against a hand-made approved stage 3
    (the store is not read)."""
    basis = ComparisonBasis(chains=chains, previous=previous)
    definition = dataclasses.replace(DEFINITION, load_basis=lambda store, ctx: basis)
    ctx = make_context(Stage.COMPARISON, region="HVA08", cycle=2026, inputs_dir=folder)
    return prepare(definition, ctx, params, DirectSteps())


def _parents(item: Output | CaseDraft) -> tuple[list[str], list[VersionRef]]:
    """What ``item`` is derived from: the round's outputs by key, and stored versions."""
    keys = [p.key for p in item.derived_from if not isinstance(p, VersionRef)]
    refs = [p for p in item.derived_from if isinstance(p, VersionRef)]
    return keys, refs


def _keys(outputs: Sequence[Output]) -> list[str]:
    return [o.key for o in outputs]


def test_the_definition() -> None:
    assert (DEFINITION.stage, DEFINITION.package_name, DEFINITION.reads) == (
        Stage.COMPARISON,
        "comparison",
        (Stage.TARGETS, Stage.CHAINS),
    )
    assert DEFINITION.flow == "flows/s4_comparison.py:comparison_flow"
    assert DEFINITION.files is FILES
    # The workbook, or the three CSV files read only when the workbook is absent; the other three always.
    assert [(f.role, f.name, f.optional, f.unless) for f in FILES] == [
        ("own-production", "oma_tuotanto.xlsx", True, None),
        ("own-costs", "oma_tuotanto_kustannukset.csv", True, "own-production"),
        ("allocation-keys", "oma_tuotanto_tukipalvelut.csv", True, "own-production"),
        ("income-statement", "oma_tuotanto_tuloslaskelma.csv", True, "own-production"),
        ("purchases", "ostopalvelut.csv", False, None),
        ("quality", "laatu_saatavuus.csv", False, None),
        ("personnel", "henkilosto.csv", False, None),
        # The dated tolerances of the reconciliation with stages 2 and 3 (shipped configuration).
        ("reconciliation", "config/rules/reconciliation.toml", False, None),
        # The dated scenario ranges of the sensitivity analysis.
        ("sensitivity", "config/rules/comparison_sensitivity.toml", False, None),
    ]
    assert all(f.folder == "inputs" for f in FILES[:-2]) and {f.folder for f in FILES[-2:]} == {"data"}


def test_round_outputs_and_lineage(tmp_path: Path) -> None:
    folder = write_worked_example(tmp_path / "inputs")
    computed = _prepare(folder)
    sources = computed.sources
    assert [s.key for s in sources.values()] == [
        "comparison-source-own-costs",
        "comparison-source-allocation-keys",
        "comparison-source-income-statement",
        "comparison-source-purchases",
        "comparison-source-quality",
        "comparison-source-personnel",
        "comparison-source-reconciliation",
        "comparison-source-sensitivity",
    ]
    assert sources["own-costs"].content == (folder / "oma_tuotanto_kustannukset.csv").read_bytes()
    assert {s.media_type for s in list(sources.values())[:-2]} == {"text/csv"}

    outputs = comparison_outputs(computed)
    assert _keys([outputs.own, outputs.purchased, outputs.matrix, outputs.personnel, outputs.plan]) == [
        "comparison-own-costs",
        "comparison-purchased-costs",
        "comparison-matrix",
        "comparison-personnel",
        "comparison-organising-plan",
    ]
    assert _parents(outputs.own) == (
        ["comparison-source-own-costs", "comparison-source-allocation-keys", "comparison-source-income-statement"],
        [],
    )
    assert _parents(outputs.purchased) == (["comparison-source-purchases"], [])
    assert _parents(outputs.matrix) == (
        ["comparison-own-costs", "comparison-purchased-costs", "comparison-source-quality"],
        [CHAINS_BASIS.catalogue_ref],
    )
    assert _parents(outputs.personnel) == (["comparison-matrix", "comparison-source-personnel"], [])
    assert _parents(outputs.plan) == (["comparison-matrix"], [])  # no previous plan

    files = {f.key: f for f in outputs.files}
    assert list(files) == [
        "comparison-components-ika-kotihoito-svg",
        "comparison-components-ika-tehpa-svg",
        "comparison-ranges-svg",
        "comparison-export-csv",
        "comparison-export-xlsx",
    ]
    assert _parents(files["comparison-components-ika-tehpa-svg"]) == (
        ["comparison-own-costs", "comparison-purchased-costs"],
        [],
    )
    assert _parents(files["comparison-ranges-svg"]) == (["comparison-matrix"], [])
    exported = ["comparison-own-costs", "comparison-purchased-costs", "comparison-matrix", "comparison-personnel"]
    assert _parents(files["comparison-export-csv"]) == _parents(files["comparison-export-xlsx"]) == (exported, [])
    media = {key: f.media_type for key, f in files.items()}
    assert media["comparison-ranges-svg"] == "image/svg+xml"
    assert media["comparison-export-csv"] == "text/csv"
    assert media["comparison-export-xlsx"] == XLSX
    assert files["comparison-export-csv"].content == export_csv(computed.analysis)
    # The workbook is dated from the data (the stage-3 approval day), so its bytes are fixed.
    assert files["comparison-export-xlsx"].content == export_xlsx(
        computed.analysis, document_created(CHAINS_BASIS, 2026)
    )
    assert _keys(outputs.all()) == [*exported, "comparison-organising-plan", *files]

    # The UI tables: the matrix's unit costs (own 50,07 and purchased 45,20 €/käynti) and the plan's choices.
    assert outputs.matrix.table is not None and outputs.matrix.table[0] == {
        "palvelu": "Säännöllinen kotihoito",
        "oma tuotanto €/käynti": 50.07,
        "ostopalvelu €/käynti": 45.20,
        "nykyinen": "sekamalli",
        "suositus": "oma tuotanto",
    }
    assert outputs.plan.table is not None
    assert [row["valittu"] for row in outputs.plan.table] == ["oma tuotanto", "palveluseteli"]
    assert outputs.plan.table[1]["edellinen"] == "" and outputs.plan.table[1]["muuttuu"] is False


def test_the_case_proposal_rests_on_every_output_and_the_stage_3_decision(tmp_path: Path) -> None:
    computed = _prepare(write_worked_example(tmp_path / "inputs"))
    declared = comparison_outputs(computed)
    state = RoundState(**{f.name: getattr(computed, f.name) for f in dataclasses.fields(computed)}, outputs=declared)
    [spec] = DEFINITION.cases(state)
    # Home care to own production takes the bought 2 000 visits in-house (staff effects): the case
    # only opens the co-operation procedure (laki 449/2007), a preparatory decision without appeal.
    assert spec.key == "comparison" and spec.appeal is AppealKind.VALMISTELU
    held = dataclasses.replace(state, params=ComparisonRunParams(cooperation_held=dt.date(2026, 10, 20)))
    [decided] = DEFINITION.cases(held)
    assert decided.appeal is None  # the negotiation held: the modes are decided, the body's route applies
    draft = spec.propose(state, case_handling())
    assert draft.title == "Päätösehdotus: tuotantotapojen vertailu ja valinta"
    assert draft.agenda.title == "Tuotantotapojen vertailu ja valinta 2027"
    assert isinstance(draft.payload, ComparisonProposal) and draft.agenda == draft.payload.agenda
    assert draft.summary_markdown.startswith("**Tuotantotapojen vertailu ja valinta 2027**")
    keys, refs = _parents(draft)
    assert keys == _keys(declared.all()) and refs == [CHAINS_BASIS.proposal_ref]
    documents = draft.documents(version_ref("comparison-proposal", 1, "f"))
    assert [d.key for d in documents] == [
        "comparison-decision",
        *[f"comparison-attachment-{n}" for n in range(1, 6)],
        "comparison-plan",
    ]


def test_the_workbook_is_one_source_and_the_csv_files_beside_it_are_not_read(tmp_path: Path) -> None:
    folder = write_worked_example(tmp_path / "inputs", xlsx=True)
    write_worked_example(folder)  # the CSV files beside the workbook
    computed = _prepare(folder)
    assert list(computed.sources) == [
        "own-production",
        "purchases",
        "quality",
        "personnel",
        "reconciliation",
        "sensitivity",
    ]
    source = computed.sources["own-production"]
    assert (source.key, source.media_type) == ("comparison-source-own-production", XLSX)
    assert computed.inputs.own_costs_form == "xlsx"
    assert _parents(comparison_outputs(computed).own) == (["comparison-source-own-production"], [])


def _previous() -> PreviousPlan:
    plan = OrganisingPlan(
        region_code="HVA08",
        cycle=2025,
        entries=[
            PlanEntry(
                service_id="IKA-KOTIHOITO",
                name="Säännöllinen kotihoito",
                chosen_mode=RecommendedMode.OWN,
                current_mode=RecommendedMode.OWN,
                own_share=0.8,
                rationale="",
                previous_mode=None,
                changed=False,
            )
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


def test_the_previous_cycles_plan_is_compared_and_in_the_lineage(tmp_path: Path) -> None:
    previous = _previous()
    computed = _prepare(write_worked_example(tmp_path / "inputs"), previous=previous)
    plan = computed.analysis.plan
    assert plan.previous is not None and (plan.previous.cycle, plan.previous.version) == (2025, 3)
    # IKA-TEHPA is new in the plan; IKA-KOTIHOITO stays own production.
    assert [(c.service_id, c.previous, c.chosen) for c in plan.changes] == [
        ("IKA-TEHPA", None, RecommendedMode.VOUCHER),
    ]
    assert _parents(comparison_outputs(computed).plan) == (["comparison-matrix"], [previous.ref])


def test_run_parameters_reach_the_analysis(tmp_path: Path) -> None:
    folder = write_worked_example(tmp_path / "inputs")
    computed = _prepare(folder, params={"vat_treatment": "with_unrefunded_vat", "criteria_weights": {"cost": 0.5}})
    assert computed.params == ComparisonRunParams(
        vat_treatment=VatTreatment.WITH_UNREFUNDED_VAT, criteria_weights={"cost": 0.5}
    )
    assert computed.analysis.params.vat_treatment is VatTreatment.WITH_UNREFUNDED_VAT
    assert computed.analysis.params.weight_cost == 0.5
    # Without the computed refund the purchased home care counts as paid: 46,00 × 2 000 + 3 000 = 95 000 → 47,50
    # (the monitoring 1 000 € is in neither mode).
    home = next(s for s in computed.analysis.purchased.services if s.service_id == "IKA-KOTIHOITO")
    assert home.unit_cost == 47.50


@pytest.mark.parametrize(
    ("params", "field", "reason"),
    [
        ({"vat_treatment": "gross"}, "vat_treatment", "Input should be 'exclusive' or 'with_unrefunded_vat'"),
        ({"criteria_weights": {"price": 1.0}}, "criteria_weights", "unknown criterion 'price'"),
        ({"criteria_weights": {"cost": -1.0}}, "criteria_weights", "must be a finite number ≥ 0"),
        ({"weights": {"cost": 1.0}}, "weights", "Extra inputs are not permitted"),
    ],
)
def test_bad_run_parameters_stop_the_round_before_anything_is_read(
    tmp_path: Path, params: dict[str, Any], field: str, reason: str
) -> None:
    # The cost file is bad too, but the parameters are checked before any file is read.
    costs = COSTS_CSV.replace(";300 000;", ";kolmesataatuhatta;")
    folder = write_worked_example(tmp_path / "inputs", replace={"Kustannukset": costs})
    with pytest.raises(InputError) as caught:
        _prepare(folder, params=params)
    assert caught.value.field == field
    assert reason in caught.value.reason


def test_a_missing_input_file_stops_the_round(tmp_path: Path) -> None:
    folder = write_worked_example(tmp_path / "inputs")
    (folder / "henkilosto.csv").unlink()
    with pytest.raises(InputError, match=r"the input file does not exist \(Lähdeaineisto: Henkilöstö \(CSV\)\)") as e:
        _prepare(folder)
    assert e.value.file is not None and str(e.value.file).endswith("henkilosto.csv")


def test_a_service_outside_the_approved_catalogue_stops_the_round(tmp_path: Path) -> None:
    folder = write_worked_example(tmp_path / "inputs")
    chains = CHAINS_BASIS.model_copy(update={"services": CHAINS_BASIS.services[:1]})  # IKA-KOTIHOITO only
    with pytest.raises(InputError, match="'IKA-TEHPA' is not in the approved stage-3 service catalogue") as caught:
        _prepare(folder, chains=chains)
    error = caught.value
    assert error.file is not None and str(error.file).endswith("oma_tuotanto_kustannukset.csv")
    assert (error.row, error.field) == (3, "palvelu_id")


def test_a_round_on_an_approved_stage_3(seed: Callable[[Stage], Path], tmp_path: Path) -> None:
    """The shipped Pirkanmaa files on the approved stages 2 and 3: every figure stage 4 takes from
    them agrees with its own inputs, and the reconciliation is in the analysis the document prints."""
    seed(Stage.CHAINS)
    basis = load_chains_basis(open_store(), region="HVA08", cycle=2026)
    assert {"IKA-KOTIHOITO", "IKA-TEHPA"} <= basis.service_ids()
    result = run_stage(
        DEFINITION,
        region="HVA08",
        cycle=2026,
        inputs_dir=str(EXAMPLES),
        gate="scripted",
        out_dir=str(tmp_path / "out"),
        steps=DirectSteps(),
    )
    assert result.accepted and result.stage is Stage.COMPARISON
    [case] = result.cases
    assert (case.case, case.rounds, case.title) == ("comparison", 1, "Tuotantotapojen vertailu ja valinta 2027")
    assert case.decision is not None and case.decision.meeting_date == default_meeting_date(basis, 2026)
    keys = {a.key for a in result.artefacts}
    assert {
        "comparison-own-costs",
        "comparison-matrix",
        "comparison-organising-plan",
        "comparison-export-xlsx",
        "comparison-proposal",
        "comparison-source-own-production",
    } <= keys
    assert {a.status for a in result.artefacts} == {"approved"}
    # The approved plan is what the next cycle compares with.
    previous = load_previous_plan(open_store(), region="HVA08", cycle=2027)
    assert previous is not None and previous.cycle == 2026
    assert [e.service_id for e in previous.plan.entries] == [
        "IKA-KOTIHOITO",
        "IKA-TEHPA",
        "LAP-SIJAISHUOLTO",
        "TYO-SUUNHOITO",
        "VAM-ASUMINEN",
    ]
    # Exported: the round's own outputs, its proposal and both documents (not the source snapshots).
    names = {Path(p).name for p in result.documents}
    assert {
        "comparison-decision-pdf-v1.pdf",
        "comparison-plan-pdf-v1.pdf",
        "comparison-export-csv-v1.csv",
        "comparison-export-xlsx-v1.xlsx",
        "comparison-proposal-v1.json",
        "comparison-organising-plan-v1.json",
    } <= names
    assert all(name.startswith("comparison-") and "-source-" not in name for name in names)
    assert all(Path(p).parent == tmp_path / "out" / "s4-comparison" for p in result.documents)
    # The reconciliation with the earlier stages is in the item's attachment 1 (method and sources).
    assert "comparison-attachment-1-pdf-v1.pdf" in names
    html = (tmp_path / "out" / "s4-comparison" / "comparison-attachment-1-html-v1.html").read_text(encoding="utf-8")
    assert "Täsmäytys aiempien vaiheiden hyväksyttyihin lukuihin" in html
    # Home care: 1 050 000 + 470 000 + 390 000 own visits and 260 000 + 160 000 bought = 2 330 000,
    # as the catalogue has it. The income statement is stage 2's financial statement, of the same year.
    assert "Säännöllinen kotihoito (IKA-KOTIHOITO): suoritteet vuodessa" in html
    assert "<td>2\xa0330\xa0000 käyntiä</td>" in html and "vaihe 3: palvelukatalogi (chains-catalogue v1" in html
    assert "Tilivuosi: oman tuotannon kustannukset ja tuloslaskelman tiliryhmät vaiheen 2 tilinpäätöksestä" in html
    assert "vaihe 2: tilinpäätöksen toteuma (targets-forecast v1" in html
    item = (tmp_path / "out" / "s4-comparison" / "comparison-decision-html-v1.html").read_text(encoding="utf-8")
    assert (
        "Oman tuotannon kustannukset täsmäävät vuoden 2025 tilinpäätöksen tuloslaskelmaan, johon myös talouden "
        "kehys perustuu, kaikissa 9 tiliryhmässä"
    ) in item
    version = open_store().latest("HVA08", 2026, "comparison-own-costs")
    assert version is not None
    wages = OwnCostCalculation.model_validate(open_store().read_json(version)).reconciliation[0]
    assert (wages.label, wages.income_statement, wages.sources[0]) == (
        "Palkat ja palkkiot",
        1_180_000_000,
        "tilinpaatos.csv / rivi 30",
    )


def _stopped(folder: Path, tmp_path: Path) -> InputError:
    """Run the round on ``folder``: it must stop with an input error, having stored and written nothing."""
    store = open_store()
    before = len(store.audit_events())
    with pytest.raises(InputError) as caught:
        run_stage(
            DEFINITION,
            region="HVA08",
            cycle=2026,
            inputs_dir=str(folder),
            gate="scripted",
            out_dir=str(tmp_path / "out"),
            steps=DirectSteps(),
        )
    assert len(store.audit_events()) == before
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.pdf"))
    return caught.value


def test_a_hand_made_mismatch_with_stage_3_stops_the_round_and_stores_nothing(
    seed: Callable[[Stage], Path], tmp_path: Path
) -> None:
    """Ten per cent more home-care visits bought than the approved catalogue counts: the round stops
    at the purchase file's first home-care row, names both sources, and writes nothing."""
    seed(Stage.CHAINS)
    folder = tmp_path / "inputs"
    shutil.copytree(EXAMPLES, folder)
    purchases = folder / "ostopalvelut.csv"
    text = purchases.read_text(encoding="utf-8")
    assert text.count(";43,20;260000;") == 1
    purchases.write_text(text.replace(";43,20;260000;", ";43,20;493000;"), encoding="utf-8")
    error = _stopped(folder, tmp_path)
    # 1 910 000 own + 493 000 + 160 000 bought = 2 563 000 against 2 330 000: +10,0 % > 2 %.
    assert (error.file, error.row, error.field) == ("oma_tuotanto.xlsx", 2, "suoritteet")
    assert "Säännöllinen kotihoito (IKA-KOTIHOITO): suoritteet vuodessa" in error.reason
    assert "gives 2\xa0563\xa0000 käyntiä" in error.reason
    assert (
        "vaihe 3: palvelukatalogi (chains-catalogue v1" in error.reason
        and "gives 2\xa0330\xa0000 käyntiä" in error.reason
    )


def test_its_own_income_statement_must_match_stage_2s_financial_statement(
    seed: Callable[[Stage], Path], tmp_path: Path
) -> None:
    """A region that gives stage 4 its own Tuloslaskelma sheet: every account group must equal the
    approved stage 2's financial statement. Rents 1 M€ more in the sheet and in the other activities'
    cost row (so stage 4's own files agree) stop the round at the sheet's rents row."""
    seed(Stage.CHAINS)
    folder = tmp_path / "inputs"
    shutil.copytree(EXAMPLES, folder)
    from openpyxl import load_workbook

    workbook = load_workbook(folder / "oma_tuotanto.xlsx")
    sheet = workbook.create_sheet("Tuloslaskelma")
    sheet.append(["vuosi", "tiliryhmä", "tilit", "euroa"])
    statement = read_targets_inputs(folder, region_code="HVA08").statement
    for total in (t for t in statement if t.year == 2025 and t.group is not AccountGroup.OTHER_INCOME):
        extra = 1_000_000 if total.group is AccountGroup.RENTS else 0
        sheet.append([2025, total.group.label_fi, total.group.accounts, total.amount_eur + extra])
    costs = workbook["Kustannukset"]
    rents = [cell.value for cell in costs[1]].index("vuokrat")
    [other] = [row for row in costs.iter_rows(min_row=2) if row[1].value == "99900"]
    other[rents].value += 1_000_000
    workbook.save(folder / "oma_tuotanto.xlsx")
    error = _stopped(folder, tmp_path)
    # Rents 113 000 000 € in the sheet's row 7 against 112 000 000 € of stage 2: +0,9 % > 0,1 %.
    assert (Path(str(error.file)).name, error.sheet, error.row, error.field) == (
        "oma_tuotanto.xlsx",
        "Tuloslaskelma",
        7,
        "euroa",
    )
    assert "Vuokrat 2025" in error.reason and "tilinpaatos.csv rivit 30–43" in error.reason
    assert "vaihe 2: tilinpäätöksen toteuma (targets-forecast v1" in error.reason
