"""The whole cycle: the built stages in order, each starting from the previous stage's approval.

Stages not yet built are not run and not faked; the summary lists the stages that ran and how long
each took.
"""

from __future__ import annotations

import importlib
import inspect
import json
import time
from pathlib import Path
from typing import Any, Literal

from prefect import Flow, flow

from schemas.results import StageResult
from soteflow.documents.parallel import prestart
from tasks.context import make_context
from tasks.registry import STAGES, Definition
from tasks.round import in_process_flow_settings
from tasks.summary import build_summary


@flow(name="cycle", flow_run_name="cycle-start-{region}-{cycle}")
def start_cycle_flow(region: str = "HVA08", cycle: int = 2026) -> str:
    """Start the cycle of a region: stage 1's deployment run for this region and cycle.

    Deployed as ``cycle/cycle``. Stage 1 runs as its own flow run (it suspends for its body's
    decision; a subflow could not), and each later stage's deployment starts on the previous
    stage's approval event (``soteflow.stage.approved``, a trigger in prefect.yaml). Returns the
    started run's id.

    Args:
        region: Welfare region: a code (HVA08), the map's id (PI) or a name (Pirkanmaa).
        cycle: Planning cycle, the year (2023–2100).
    """
    from prefect.deployments import run_deployment

    first = STAGES[0].stage.value
    # as_subflow=False: the stage's run must not be a subflow of this one, or it could not suspend.
    run: Any = run_deployment(
        f"{STAGES[0].stage.slug}/{first}", parameters={"region": region, "cycle": cycle}, timeout=0, as_subflow=False
    )
    return str(run.id)


def stage_flow(definition: Definition) -> Flow[..., StageResult]:
    """The flow of a registered stage, from its entrypoint (``flows/s1_needs.py:needs_flow``)."""
    path, _, name = definition.flow.partition(":")
    module = importlib.import_module("flows." + Path(path).stem)
    found: Flow[..., StageResult] = getattr(module, name)
    return found


@flow(name="cycle", flow_run_name="cycle-{region}-{cycle}")
def cycle_flow(
    region: str = "HVA08",
    cycle: int = 2026,
    out_dir: str = "out/demo",
    decisions_file: str | None = None,
    data_dir: str | None = None,
    inputs_dir: str | None = None,
    gate: Literal["scripted", "none"] = "scripted",
) -> dict[str, Any]:
    """Run the built stages in order; a stage runs only if every case of the one before it stands.

    Each stage reads the previous stage's approved versions from the store. Stage 1 reads the
    public data under ``data_dir``; the later stages read the region's files from ``inputs_dir``
    (default ``<data_dir>/examples/<region>``). Writes one folder per stage under ``out_dir`` and
    ``out_dir/summary.json``. Deployed stages wait for their bodies one flow run each (a subflow
    cannot be suspended), so the cycle runs with scripted decisions or none. Each stage's
    wall-clock time goes into the summary. The stages run as subflows in this flow's process,
    covered by its heartbeats (:func:`tasks.round.in_process_flow_settings`).

    Args:
        region: Welfare region: a code (HVA08), the map's id (PI) or a name (Pirkanmaa).
        cycle: Planning cycle, the year (2023–2100).
        out_dir: Folder for every stage's exported versions and summary.json.
        decisions_file: Scripted decisions (JSON); default: the body approves every case.
        data_dir: Folder of the public data and configuration; default: the shipped data.
        inputs_dir: Folder of the region's own files; default: <data>/examples/<REGION>.
        gate: scripted (decisions from the file) or none (stage 1 proposes and the cycle stops).
    """
    common: dict[str, Any] = {
        "region": region,
        "cycle": cycle,
        "data_dir": data_dir,
        "inputs_dir": inputs_dir,
        "out_dir": out_dir,
        "gate": gate,
        "decisions_file": decisions_file,
    }
    # Later stages render several documents at once: start the rendering processes meanwhile.
    prestart()
    results: list[StageResult] = []
    seconds: list[float] = []
    with in_process_flow_settings():
        for definition in STAGES:
            run = stage_flow(definition)
            accepted = set(inspect.signature(run.fn).parameters)
            # A periodic stage runs once per period with data, in order (each from the one before).
            periods: list[str | None] = [None]
            if definition.periodic and definition.periods is not None:
                ctx = make_context(
                    definition.stage, region=region, cycle=cycle, data_dir=data_dir, inputs_dir=inputs_dir
                )
                periods = [*definition.periods(ctx)]
            for period in periods:
                start = time.perf_counter()
                arguments = {**common, **({"period": period} if period else {})}
                result = run(**{k: v for k, v in arguments.items() if k in accepted})
                seconds.append(time.perf_counter() - start)
                results.append(result)
                if not result.accepted:
                    break
            if not results or not results[-1].accepted:
                break  # the approval of stage N is what starts stage N+1
    summary = build_summary(
        region=results[0].region if results else region, cycle=cycle, results=results, seconds=seconds
    )
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / "summary.json.tmp"
    tmp.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(out / "summary.json")
    return summary
