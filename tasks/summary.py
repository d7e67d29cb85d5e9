"""The demo's summary: per stage its number, name, cases and decisions, artefact versions, documents
and how long it took."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from schemas.results import StageResult


def build_summary(
    *, region: str, cycle: int, results: list[StageResult], seconds: Sequence[float] = ()
) -> dict[str, Any]:
    """The summary written to ``summary.json`` (JSON values only).

    ``seconds`` are the stages' wall-clock times, in the order of ``results`` (the stage's flow
    run from its call to its result, Prefect's part included); with them the summary has each
    stage's ``seconds`` and their total.
    """
    timed = len(seconds) == len(results)
    summary: dict[str, Any] = {
        "region": region,
        "cycle": cycle,
        "stages": [
            {
                "stage": r.stage.value,
                "number": r.number,
                "name_fi": r.name_fi,
                **({"period": r.period} if r.period else {}),
                "rounds": r.rounds,
                "decision": r.outcome.value if r.outcome else None,
                "cases": [
                    {
                        "case": c.case,
                        "title": c.title,
                        "body": c.body,
                        "rounds": c.rounds,
                        "proposal": {"key": c.proposal.key, "version": c.proposal.version, "sha256": c.proposal.sha256},
                        "decision": c.decision.outcome.value if c.decision else None,
                    }
                    for c in r.cases
                ],
                "artefacts": [
                    {"key": a.key, "version": a.version, "sha256": a.sha256, "status": a.status} for a in r.artefacts
                ],
                "documents": r.documents,
                **({"seconds": round(seconds[i], 2)} if timed else {}),
            }
            for i, r in enumerate(results)
        ],
    }
    if timed:
        summary["seconds"] = round(sum(seconds), 2)
    return summary


def time_table(summary: dict[str, Any]) -> list[str]:
    """The per-stage time table of a summary, as lines of text (empty without times)."""
    stages = [s for s in summary.get("stages", []) if "seconds" in s]
    if not stages:
        return []
    names = [f"{s['number']}. {s['name_fi']}" + (f" {s['period']}" if s.get("period") else "") for s in stages]
    width = max(len(name) for name in names)
    lines = [f"{'vaihe':<{width}}  {'aika s':>7}", "-" * (width + 9)]
    lines += [f"{name:<{width}}  {s['seconds']:>7.2f}" for name, s in zip(names, stages, strict=True)]
    lines.append(f"{'yhteensä':<{width}}  {summary['seconds']:>7.2f}")
    return lines
