"""The whole cycle: the stages that exist, in order, each starting from the previous approval.

Stages not yet built are not run and not faked; the summary lists the stages that ran.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from prefect import flow

from flows.s1_needs import needs_flow
from flows.s2_targets import targets_flow
from flows.s3_chains import chains_flow
from flows.s4_comparison import comparison_flow
from schemas.decisions import Outcome
from schemas.results import StageResult
from soteflow.gates import GateMode
from soteflow.stagekit import build_summary


@flow(name="cycle", flow_run_name="cycle-{region}-{cycle}")
def cycle_flow(
    region: str = "HVA08",
    cycle: int = 2026,
    out_dir: str = "out/demo",
    decisions_file: str | None = None,
    data_dir: str | None = None,
    inputs_dir: str | None = None,
    gate: str = GateMode.SCRIPTED.value,
) -> dict[str, Any]:
    """Run the cycle's stages in order; a stage runs only if the one before it was approved.

    Each stage reads the previous stage's approved versions from the store. Stage 1 reads the
    public data under ``data_dir``; the later stages read the region's files from ``inputs_dir``
    (default ``<data_dir>/examples/<region>``). Writes one folder per stage under ``out_dir`` and
    ``out_dir/summary.json``.
    """
    results: list[StageResult] = []
    common = {
        "region": region,
        "cycle": cycle,
        "data_dir": data_dir,
        "out_dir": out_dir,
        "gate": gate,
        "decisions_file": decisions_file,
    }
    stage_flows: list[tuple[Callable[..., StageResult], dict[str, Any]]] = [
        (needs_flow, common),
        (targets_flow, {**common, "inputs_dir": inputs_dir}),
        (chains_flow, {**common, "inputs_dir": inputs_dir}),
        (comparison_flow, {**common, "inputs_dir": inputs_dir}),
    ]
    for stage_flow, parameters in stage_flows:
        result = stage_flow(**parameters)
        results.append(result)
        if result.decision is None or result.decision.outcome is not Outcome.APPROVED:
            break  # approval of stage N is what starts stage N+1
    summary = build_summary(region=region, cycle=cycle, results=results)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / "summary.json.tmp"
    tmp.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(out / "summary.json")
    return summary
