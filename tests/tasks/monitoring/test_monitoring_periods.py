"""Stage 6 over periods: the period report's trend over the cycle's earlier noted periods (worked
out by hand), its steps as the escalation decisions left them, and a quarter running through the
analysis with the dated rules chosen by the quarter's first day."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

from schemas.stages import Stage
from soteflow.stagekit import open_store
from tasks.context import make_context
from tasks.monitoring.analysis import analyse_monitoring
from tasks.monitoring.basis import load_monitoring_basis
from tasks.monitoring.documents import trend_table
from tasks.monitoring.inputs import read_rules
from tasks.monitoring.stage import DEFINITION
from tasks.round import DirectSteps, run_stage
from tests.tasks.monitoring.test_monitoring import CYCLE, REGION, RULES, Seed, hand_events, write_period


def _run(inputs: Path, period: str, decisions: Path | None = None) -> Any:
    return run_stage(
        DEFINITION,
        region=REGION,
        cycle=CYCLE,
        period=period,
        inputs_dir=str(inputs),
        gate="scripted",
        decisions_file=str(decisions) if decisions else None,
        steps=DirectSteps(),
    )


def _rows(html: str, caption: str) -> list[list[str]]:
    """The rows (header cell and data cells, tags stripped) of the table with ``caption``."""
    table = html[html.index(caption) :].split("</table>")[0]
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", table, flags=re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)
        rows.append([re.sub(r"\s+", " ", c).strip() for c in cells])
    return rows


def test_the_report_shows_the_trend_over_the_noted_periods(seed: Seed, tmp_path: Path) -> None:
    """March (the hand figures of the KPI test) and April (home care fixed, 24-hour care not), the
    April escalation (a contractual sanction) rejected by the body."""
    seed(Stage.PROCUREMENT)
    inputs = write_period(tmp_path)
    _run(inputs, "2026-03")
    fixed = [e | {"odotus_vrk": 2} if e["yksikko"] == "K1" else e for e in hand_events(4)]
    write_period(inputs, "2026-04", events=fixed, notices="", feedback="K1;3;4,5\nT1;10;4,5\n", invoiced="10")
    decisions = tmp_path / "decisions.json"
    decisions.write_text(
        json.dumps({"steering": {"steering-escalation-s-tehpa-02-2026-04": [{"outcome": "rejected"}]}}),
        encoding="utf-8",
    )
    _run(inputs, "2026-04", decisions)
    store = open_store()
    html = store.read_file(store.latest(REGION, CYCLE, "steering-2026-04-report-html")).decode()  # type: ignore[arg-type]
    rows = {r[0]: r[1:] for r in _rows(html, "kierroksen jaksoilla")}
    assert rows["Sopimus ja tuottaja"] == ["maaliskuu 2026", "huhtikuu 2026"]
    # Home care, March: step 0 → 1; four deviations (waits: the 90th percentile 20 days > 14;
    # complaints 200 per 1 000 clients > 5; satisfaction 3,5; over-billing 89,20 €); 8 of 10 starts
    # within the contract's limit = 80,0 %. April: no deviation, 1 → 0; all 10 starts in 2 days = 100,0 %.
    assert rows["S-KOTI-02 Hoivapolku Esimerkki Oy"] == ["1 · 4 · 80,0", "0 · 0 · 100,0"]
    # 24-hour care: staffing 29 / 50 = 0,58 under the contract's 0,65 and the law's 0,6 (two
    # deviations, serious: 0 → 2), again in April (→ 3, a sanction); no waits recorded (–).
    assert rows["S-TEHPA-02 Palvelutalo Esimerkki ry"] == ["2 · 2 · –", "3 · 2 · –"]
    # May starts from April's noted report: the sanction the body rejected was not taken, in the
    # ladder and in the trend alike; March stays as it was.
    basis = load_monitoring_basis(store, region=REGION, cycle=CYCLE, period="2026-05")
    periods, may = trend_table(basis.previous_ladder, basis.trend)
    assert periods == ["maaliskuu 2026", "huhtikuu 2026"]
    assert {r[0]: r[1:] for r in may}["S-TEHPA-02 Palvelutalo Esimerkki ry"] == ["2 · 2 · –", "2 · 2 · –"]


def _quarter(root: Path, quarter: str, months: tuple[int, int, int]) -> Path:
    """A quarter's folder: the hand events in each of its three months; staffing, complaints,
    feedback and one invoice (of the quarter's last month) as in the KPI test."""
    write_period(root, f"2026-{months[2]:02d}", events=[e for m in months for e in hand_events(m)])
    shutil.move(root / "seuranta" / f"2026-{months[2]:02d}", root / "seuranta" / quarter)
    return root


def _analyse(inputs: Path, period: str, rules_file: Path = RULES) -> Any:
    ctx = make_context(Stage.STEERING, region=REGION, cycle=CYCLE, inputs_dir=inputs, period=period)
    basis = load_monitoring_basis(open_store(), region=REGION, cycle=CYCLE, period=period)
    read = DEFINITION.read_inputs(ctx, DEFINITION.parse_params(None), basis)
    read = read.model_copy(update={"rules": read_rules(rules_file)})
    return analyse_monitoring(
        read, basis, region_code=REGION, region_name=ctx.region_name, cycle=CYCLE, visit_capacity=1
    )


def test_a_quarter_runs_through_the_analysis_with_the_rules_of_its_dates(seed: Seed, tmp_path: Path) -> None:
    seed(Stage.PROCUREMENT)
    # The shipped rules, with a (hypothetical) lower staffing minimum of 0,55 from 1.4.2026.
    text = RULES.read_text(encoding="utf-8").replace(
        "valid_from = 2025-01-01\nminimum = 0.6", "valid_from = 2025-01-01\nvalid_to = 2026-03-31\nminimum = 0.6"
    )
    rules = tmp_path / "monitoring.toml"
    rules.write_text(
        text + '\n[[staffing]]\nvalid_from = 2026-04-01\nminimum = 0.55\nservices = ["IKA-TEHPA"]\nsource = "testi"\n',
        encoding="utf-8",
    )
    q1 = _analyse(_quarter(tmp_path / "q1", "2026-Q1", (1, 2, 3)), "2026-Q1", rules)
    assert (q1.period, q1.period_start.isoformat(), q1.period_end.isoformat()) == (
        "2026-Q1",
        "2026-01-01",
        "2026-03-31",
    )
    # The events are aggregated per unit and month: ten home-care events of five clients a month.
    home = {u.month: (u.events, u.clients, u.within_contract) for u in q1.unit_months if u.unit_id == "K1"}
    assert home == {"2026-01": (10, 5, 8), "2026-02": (10, 5, 8), "2026-03": (10, 5, 8)}
    assert q1.events == 3 * 14
    # The staffing minimum valid on 1.1.2026 (0,6 from 1.1.2025): 29 / 50 = 0,58 breaks it.
    statutory = [k for k in q1.kpis if k.kpi == "staffing_statutory"]
    assert [(k.threshold, k.value, k.ok) for k in statutory] == [(0.6, 0.58, False)]
    assert "staffing_statutory" in {d.kpi for d in q1.deviations}
    # Over-billing of the quarter: the one invoice (March, 12 × 44,60 €) against March's 10 deliveries.
    assert sum(b.over_billed_eur for b in q1.billing if b.contract_id == "S-KOTI-02") == 89.2
    # Trend: one point per contract for the quarter; 24 of 30 starts within the contract's limit = 80,0 %.
    point = next(t for t in q1.trend if t.contract_id == "S-KOTI-02")
    assert (point.period, point.wait_within_pct) == ("2026-Q1", 80.0)
    # The second quarter: the rule valid on 1.4.2026 (0,55) is met by the same 0,58.
    q2 = _analyse(_quarter(tmp_path / "q2", "2026-Q2", (4, 5, 6)), "2026-Q2", rules)
    statutory = [k for k in q2.kpis if k.kpi == "staffing_statutory"]
    assert [(k.threshold, k.value, k.ok) for k in statutory] == [(0.55, 0.58, True)]
    assert "staffing_statutory" not in {d.kpi for d in q2.deviations}
