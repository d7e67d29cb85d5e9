"""The demo's summary: per stage its number, name, cases and decisions, artefact versions and documents."""

from __future__ import annotations

from typing import Any

from schemas.results import StageResult


def build_summary(*, region: str, cycle: int, results: list[StageResult]) -> dict[str, Any]:
    """The summary written to ``summary.json`` (JSON values only)."""
    return {
        "region": region,
        "cycle": cycle,
        "stages": [
            {
                "stage": r.stage.value,
                "number": r.number,
                "name_fi": r.name_fi,
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
            }
            for r in results
        ],
    }
