"""Stage 6 on a store where stages 1–5 are approved: KPIs worked out by hand on a small event file,
the ladder (up, held, down; carried from one period's noted report to the next), the billing
deviation, the supervision ranking, the generator, and bad input that stops a run with one
message naming file, row and field before anything is stored."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from schemas.monitoring import Deviation, MonitoringRules, Severity
from schemas.stages import Stage
from soteflow.data.parquet import read_footer
from soteflow.errors import InputError
from soteflow.stagekit import open_store
from tasks.context import make_context, previous_period
from tasks.monitoring.analysis import analyse_monitoring, move_ladder
from tasks.monitoring.basis import load_monitoring_basis
from tasks.monitoring.generator import generate
from tasks.monitoring.inputs import read_rules
from tasks.monitoring.stage import DEFINITION
from tasks.procurement.basis import load_procurement_basis
from tasks.round import DirectSteps, run_stage
from tests.support import DATA_DIR

REGION, CYCLE = "HVA08", 2026
RULES = DATA_DIR / "config" / "rules" / "monitoring.toml"
Seed = Callable[[Stage], Path]


def _event(
    contract: str, producer: str, unit: str, service: str, client: str, day: int, **extra: Any
) -> dict[str, Any]:
    return {
        "sopimus_id": contract,
        "tuottaja": producer,
        "yksikko": unit,
        "palvelu_id": service,
        "asiakas": client,
        "pvm": dt.date(2026, 3, day),
        "maara": 1.0,
        "odotus_vrk": None,
        "ika": 80,
        **extra,
    }


KOTI = ("S-KOTI-02", "Hoivapolku Esimerkki Oy", "K1", "IKA-KOTIHOITO")
TEHPA = ("S-TEHPA-02", "Palvelutalo Esimerkki ry", "T1", "IKA-TEHPA")


def hand_events(month: int = 3) -> list[dict[str, Any]]:
    """Ten home-care events of five clients, each with a wait (1–8, 20 and 30 days), and four
    24-hour care events of two clients."""
    waits = [1, 2, 3, 4, 5, 6, 7, 8, 20, 30]
    rows = [_event(*KOTI, f"k{i % 5}", 1 + i, odotus_vrk=w) for i, w in enumerate(waits)]
    rows += [_event(*TEHPA, f"t{i % 2}", 10 + i) for i in range(4)]
    for row in rows:
        row["pvm"] = row["pvm"].replace(month=month)
    return rows


def write_period(
    root: Path,
    period: str = "2026-03",
    *,
    events: list[dict[str, Any]] | None = None,
    staff: str = "29",
    notices: str = "K1;5.3.2026;muistutus;ei\n",
    feedback: str = "K1;3;3,5\nT1;10;4,5\n",
    invoiced: str = "12",
) -> Path:
    """A period's folder under ``root``/seuranta with the hand-checked figures."""
    folder = root / "seuranta" / period
    folder.mkdir(parents=True, exist_ok=True)
    schema = pa.schema(
        [
            ("sopimus_id", pa.string()),
            ("tuottaja", pa.string()),
            ("yksikko", pa.string()),
            ("palvelu_id", pa.string()),
            ("asiakas", pa.string()),
            ("pvm", pa.date32()),
            ("maara", pa.float64()),
            ("odotus_vrk", pa.int32()),
            ("ika", pa.int16()),
        ]
    )
    rows = hand_events(int(period[5:])) if events is None else events
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), folder / "tapahtumat.parquet", row_group_size=8)
    month = period
    (folder / "yksikot.csv").write_text(
        "yksikkö;nimi;sopimus_id;viimeisin_valvontakäynti\nK1;Koti;S-KOTI-02;15.3.2025\nT1;Talo;S-TEHPA-02;\n",
        encoding="utf-8",
    )
    (folder / "henkilosto.csv").write_text(f"yksikkö;asiakkaita;välitön_htv\nT1;50;{staff}\n", encoding="utf-8")
    (folder / "ilmoitukset.csv").write_text(
        "yksikkö;pvm;laji;vakava\n" + notices.replace("3.2026", f"{int(period[5:])}.2026"), encoding="utf-8"
    )
    (folder / "asiakaspalaute.csv").write_text("yksikkö;vastauksia;keskiarvo\n" + feedback, encoding="utf-8")
    (folder / "laskut.csv").write_text(
        "lasku_id;sopimus_id;kuukausi;laskutettu_määrä;laskutettu €\n"
        f"L1;S-KOTI-02;{month};{invoiced};{float(invoiced) * 44.6:.2f}\n".replace(".", ","),
        encoding="utf-8",
    )
    return root


def _run(inputs: Path, period: str = "2026-03") -> Any:
    return run_stage(
        DEFINITION,
        region=REGION,
        cycle=CYCLE,
        period=period,
        inputs_dir=str(inputs),
        gate="scripted",
        steps=DirectSteps(),
    )


def _analysis(seed: Seed, inputs: Path, period: str = "2026-03") -> Any:
    seed(Stage.PROCUREMENT)
    ctx = make_context(Stage.STEERING, region=REGION, cycle=CYCLE, inputs_dir=inputs, period=period)
    basis = load_monitoring_basis(open_store(), region=REGION, cycle=CYCLE, period=period)
    inputs_ = DEFINITION.read_inputs(ctx, DEFINITION.parse_params(None), basis)
    return analyse_monitoring(
        inputs_, basis, region_code=REGION, region_name=ctx.region_name, cycle=CYCLE, visit_capacity=1
    )


def test_each_kpi_is_the_figure_worked_out_by_hand(seed: Seed, tmp_path: Path) -> None:
    analysis = _analysis(seed, write_period(tmp_path))
    kpi = {(k.unit_id, k.kpi): k for k in analysis.kpis}
    # Waits 1,2,3,4,5,6,7,8,20,30: the 90th percentile (nearest rank: the 9th of 10) is 20 days > 14.
    assert kpi[("K1", "care_guarantee")].value == 20 and kpi[("K1", "care_guarantee")].ok is False
    month = next(u for u in analysis.unit_months if u.unit_id == "K1")
    assert (month.events, month.volume, month.clients, month.starts, month.within_contract) == (10, 10.0, 5, 10, 8)
    # Staffing 29 / 50 = 0,58: under the contract's 0,65 and the law's 0,6 (980/2012, 20 §, from 1.1.2025).
    assert kpi[("T1", "staffing")].value == 0.58 and kpi[("T1", "staffing")].ok is False
    statutory = kpi[("T1", "staffing_statutory")]
    assert (statutory.threshold, statutory.ok) == (0.6, False)
    # One complaint among five clients: 200 per 1 000 clients (limit 5).
    assert kpi[("K1", "complaints")].value == 200.0
    assert kpi[("K1", "client_satisfaction")].value == 3.5 and kpi[("T1", "client_satisfaction")].ok is True
    # Invoiced 12 × 44,60 € = 535,20 €; delivered 10 × 44,60 € = 446,00 €: over-billed 89,20 € (16,67 %).
    line = next(b for b in analysis.billing if b.contract_id == "S-KOTI-02")
    assert (line.invoiced_eur, line.due_eur, line.over_billed_eur, line.over_billed_pct) == (535.2, 446.0, 89.2, 16.67)
    billing = next(d for d in analysis.deviations if d.kpi == "billing")
    assert billing.amount_eur == 89.2 and billing.severity is Severity.SIGNIFICANT
    serious = {d.kpi for d in analysis.deviations if d.severity is Severity.SERIOUS}
    assert serious == {"staffing_statutory"}


def test_the_supervision_plan_ranks_by_severity_clients_and_months(seed: Seed, tmp_path: Path) -> None:
    analysis = _analysis(seed, write_period(tmp_path))
    first, second = analysis.visits
    # K1: care_guarantee 2 + complaints 2 + satisfaction 2 = 6 × 5 clients × 12 months (15.3.2025 → 31.3.2026) = 360.
    # T1: staffing 2 + statutory 3 = 5 × 2 clients × 26 months (never visited; contract from 1.1.2024) = 260.
    assert (first.unit_id, first.severity, first.clients, first.months_since_visit, first.risk) == ("K1", 6, 5, 12, 360)
    assert (second.unit_id, second.risk) == ("T1", 260)
    assert first.visit and not second.visit  # capacity 1


def _dev(kpi: str, severity: Severity = Severity.MINOR) -> Deviation:
    return Deviation(
        contract_id="S-KOTI-02",
        producer="Hoivapolku Esimerkki Oy",
        unit_id="K1",
        month="2026-03",
        kpi=kpi,
        description=kpi,
        severity=severity,
        statutory=severity is Severity.SERIOUS,
        clients=5,
    )


def test_the_ladder_goes_up_holds_and_comes_down(seed: Seed) -> None:
    seed(Stage.PROCUREMENT)
    contract = next(
        c
        for c in load_procurement_basis(open_store(), region=REGION, cycle=CYCLE).contracts.contracts
        if c.contract_id == "S-KOTI-02"
    )
    rules: MonitoringRules = read_rules(RULES)
    meeting = dt.date(2026, 5, 18)

    def move(step: int, previous: list[str], deviations: list[Deviation]) -> tuple[int, str, bool]:
        moved = move_ladder(
            contract, deviations, previous_step=step, previous_kpis=previous, rules=rules, meeting=meeting
        )
        return moved.step, moved.movement, moved.own_case

    assert move(0, [], [_dev("care_guarantee")]) == (1, "up", False)  # first deviation: a reminder
    assert move(1, ["care_guarantee"], [_dev("client_satisfaction")]) == (1, "held", False)  # a new one holds
    assert move(1, ["care_guarantee"], [_dev("care_guarantee")]) == (2, "up", False)  # repeated: up
    assert move(2, ["care_guarantee"], [_dev("care_guarantee")]) == (3, "up", True)  # the sanction: its own case
    assert move(0, [], [_dev("staffing_statutory", Severity.SERIOUS)]) == (2, "up", False)  # serious: at least 2
    assert move(2, ["care_guarantee"], []) == (1, "down", False)  # fixed: one step down
    assert move(0, [], []) == (0, "none", False)
    step = move_ladder(contract, [_dev("c")] * 2, previous_step=2, previous_kpis=["c"], rules=rules, meeting=meeting)
    assert (step.step_name, step.amount_eur, step.deadline) == ("Sopimussakko", 5000.0, dt.date(2026, 6, 17))


def test_a_period_starts_from_the_previous_noted_report(seed: Seed, tmp_path: Path) -> None:
    """March: the statutory staffing minimum broken (0 → 2). April: broken again (2 → 3, a
    contractual sanction decided as its own case); home care fixed its waits (1 → 0)."""
    seed(Stage.PROCUREMENT)
    inputs = write_period(tmp_path)
    march = _run(inputs)
    assert [c.case for c in march.cases] == ["steering-report-2026-03"]
    assert march.cases[0].decision is not None and march.cases[0].decision.outcome.value == "noted"
    fixed = [e | {"odotus_vrk": 2} if e["yksikko"] == "K1" else e for e in hand_events(4)]
    write_period(inputs, "2026-04", events=fixed, notices="", feedback="K1;3;4,5\nT1;10;4,5\n", invoiced="10")
    april = _run(inputs, "2026-04")
    assert [c.case for c in april.cases] == ["steering-report-2026-04", "steering-escalation-s-tehpa-02-2026-04"]
    store = open_store()
    report = store.read_json(store.latest(REGION, CYCLE, "steering-report-2026-04-proposal"))
    steps = {s["contract_id"]: (s["previous_step"], s["step"], s["movement"]) for s in report["ladder"]}
    assert steps["S-TEHPA-02"] == (2, 3, "up") and steps["S-KOTI-02"] == (1, 0, "down")
    assert report["previous_report"]["key"] == "steering-report-2026-03-proposal"
    # Each period's artefacts are versioned on their own, the events' snapshot with its manifest.
    keys = {a.key for a in store.list_artefacts(region=REGION, cycle=CYCLE, stage=Stage.STEERING)}
    assert {
        "steering-2026-03-source-events",
        "steering-2026-04-source-events",
        "steering-2026-04-events-manifest",
    } <= keys
    manifest = store.read_json(store.latest(REGION, CYCLE, "steering-2026-04-events-manifest"))
    events = inputs / "seuranta" / "2026-04" / "tapahtumat.parquet"
    assert manifest["files"][0]["rows"] == 14 and manifest["files"][0]["sha256"] == read_footer(events).sha256
    documents = {d.key for c in april.cases for d in c.documents}
    assert "steering-2026-04-producer-s-tehpa-02-pdf" in documents
    assert "steering-2026-04-escalation-s-tehpa-02-decision-pdf" in documents


def test_a_period_waits_for_the_previous_report_to_be_noted(seed: Seed, tmp_path: Path) -> None:
    seed(Stage.PROCUREMENT)
    inputs = write_period(tmp_path)
    run_stage(
        DEFINITION, region=REGION, cycle=CYCLE, period="2026-03", inputs_dir=str(inputs), gate="none",
        steps=DirectSteps(),
    )  # fmt: skip
    write_period(inputs, "2026-04", events=hand_events(4))
    with pytest.raises(InputError, match="2026-03 has not been noted yet"):
        _run(inputs, "2026-04")


# -- bad input -------------------------------------------------------------------------------------


def _refused(seed: Seed, inputs: Path, period: str = "2026-03") -> InputError:
    seed(Stage.PROCUREMENT)
    before = len(open_store().list_artefacts(region=REGION, cycle=CYCLE))
    with pytest.raises(InputError) as caught:
        _run(inputs, period)
    assert len(open_store().list_artefacts(region=REGION, cycle=CYCLE)) == before  # nothing stored
    return caught.value


@pytest.mark.parametrize(
    ("change", "row", "field", "reason"),
    [
        ({"sopimus_id": "S-EI-OLE"}, 12, "sopimus_id", "unknown contract 'S-EI-OLE'"),
        ({"tuottaja": "Väärä Oy"}, 12, "tuottaja", "is not the contract's producer"),
        ({"pvm": dt.date(2026, 4, 1)}, 12, "pvm", "outside the period"),
        ({"maara": -1.0}, 12, "maara", "negative"),
        ({"yksikko": "K9"}, 12, "yksikko", "not in the unit register"),
    ],
)
def test_a_bad_event_names_file_row_row_group_and_field(
    seed: Seed, tmp_path: Path, change: dict[str, Any], row: int, field: str, reason: str
) -> None:
    events = hand_events()
    events[11] = events[11] | change
    error = _refused(seed, write_period(tmp_path, events=events))
    assert error.file is not None and error.file.endswith("tapahtumat.parquet")
    assert (error.row, error.field) == (row, field) and reason in error.reason
    assert "row group 1" in error.reason  # row groups of 8 rows: row 12 is in the second


def test_a_parquet_file_with_the_wrong_schema_or_truncated(seed: Seed, tmp_path: Path) -> None:
    inputs = write_period(tmp_path)
    path = inputs / "seuranta" / "2026-03" / "tapahtumat.parquet"
    table = pq.read_table(path)
    pq.write_table(table.set_column(6, "maara", pa.array([str(v) for v in table["maara"].to_pylist()])), path)
    error = _refused(seed, inputs)
    assert (error.field, "VARCHAR" in error.reason) == ("maara", True)
    content = path.read_bytes()
    path.write_bytes(content[: len(content) // 2])
    error = _refused(seed, inputs)
    assert "not a readable Parquet file" in error.reason and error.file == str(path)


def test_a_staffing_report_without_the_units_clients(seed: Seed, tmp_path: Path) -> None:
    inputs = write_period(tmp_path)
    (inputs / "seuranta" / "2026-03" / "henkilosto.csv").write_text(
        "yksikkö;asiakkaita;välitön_htv\nT1;;29\n", encoding="utf-8"
    )
    error = _refused(seed, inputs)
    assert (Path(error.file or "").name, error.row, error.field) == ("henkilosto.csv", 2, "asiakkaita")


def test_a_period_outside_the_cycle_or_missing() -> None:
    with pytest.raises(InputError, match="outside cycle 2026"):
        make_context(Stage.STEERING, region=REGION, cycle=CYCLE, period="2025-12")
    with pytest.raises(InputError, match="not a month"):
        make_context(Stage.STEERING, region=REGION, cycle=CYCLE, period="2026-13")
    with pytest.raises(InputError, match="runs per period"):
        run_stage(DEFINITION, region=REGION, cycle=CYCLE, steps=DirectSteps())
    assert previous_period("2026-01") is None and previous_period("2026-Q3") == "2026-Q2"


def test_the_generator_writes_labelled_reproducible_data_that_reads(seed: Seed, tmp_path: Path) -> None:
    seed(Stage.PROCUREMENT)
    contracts = load_procurement_basis(open_store(), region=REGION, cycle=CYCLE).contracts.contracts
    first = generate(contracts, region=REGION, period="2026-03", events=3000, seed=3, out=tmp_path / "a")
    again = generate(contracts, region=REGION, period="2026-03", events=3000, seed=3, out=tmp_path / "b")
    footer = read_footer(first["events"])
    assert footer.rows == 3000 and footer.synthetic
    assert footer.sha256 == read_footer(again["events"]).sha256
    assert "SYNTEETTINEN" in (tmp_path / "a" / "LUEMINUT.txt").read_text(encoding="utf-8")
    inputs = tmp_path / "inputs"
    shutil.copytree(tmp_path / "a", inputs / "seuranta" / "2026-03")
    analysis = _analysis(seed, inputs)
    assert analysis.synthetic and analysis.events == 3000
    # The planted deviations are found: staffing under the statutory minimum, waits, over-billing.
    found = {(d.contract_id, d.kpi) for d in analysis.deviations}
    assert {("S-TEHPA-02", "staffing_statutory"), ("S-KOTI-02", "care_guarantee"), ("S-VAM-01", "billing")} <= found
