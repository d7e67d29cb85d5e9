"""Stage 1 declared once (tasks/needs/stage.py): the round's outputs and lineage, and a whole round run."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import fields
from pathlib import Path

from schemas.decisions import Outcome
from schemas.needs import NeedsProposal
from schemas.stages import Stage
from soteflow.documents import load_governance
from soteflow.stagekit import open_store
from tasks.context import make_context
from tasks.definition import CaseHandling, RoundState
from tasks.needs.stage import DEFINITION, needs_outputs
from tasks.round import DirectSteps, prepare, run_stage
from tests.support import DATA_DIR


def test_round_outputs_lineage() -> None:
    ctx = make_context(Stage.NEEDS, region="HVA08", cycle=2026)
    computed = prepare(DEFINITION, ctx)
    outputs = needs_outputs(computed)
    sources = list(computed.sources.values())
    assert [s.key for s in sources] == [
        "needs-source-age",
        "needs-source-population",
        "needs-source-sex",
        "needs-source-income",
        "needs-source-unemployment",
        "needs-source-education",
        "needs-source-map",
        "needs-source-rules",
    ]
    rules = computed.source("rules")
    assert rules.content == (DATA_DIR / "config" / "rules" / "needs.toml").read_bytes()
    data_sources = sources[:-1]
    assert sources[0].content == (DATA_DIR / "statfin" / "age_register_kunnat_11ra.json").read_bytes()
    assert computed.source("map").content == (DATA_DIR / "geo" / "finland-hva-2021.topo.json").read_bytes()
    # Data sources → profile → index (with the rules) → map; the reconciliation rests on the data alone.
    assert list(outputs.profile.derived_from) == data_sources
    assert list(outputs.index.derived_from) == [outputs.profile, rules]
    assert list(outputs.change.derived_from) == [outputs.profile, rules]
    assert list(outputs.reconciliation.derived_from) == data_sources
    assert list(outputs.map_svg.derived_from) == [outputs.index]
    assert outputs.index.table is not None and outputs.index.table[0]["kunta"] == "Urjala"
    assert outputs.index.table[0]["epävarma"] is True  # 4 440 inhabitants, under the rules' 5 000
    assert computed.figures.map_svg.startswith("<svg")
    assert outputs.map_svg.content == computed.figures.map_svg.encode("utf-8")

    state = RoundState(**{f.name: getattr(computed, f.name) for f in fields(computed)}, outputs=outputs)
    [case] = DEFINITION.cases(state)
    assert case.key == "needs"
    governance = load_governance("HVA08", Stage.NEEDS, ctx.config_dir, case="needs", region_name=ctx.region_name)
    handling = CaseHandling(governance=governance, earlier=(), appeal=governance.appeal_route(), cycle=2026)
    draft = case.propose(state, handling)
    # The proposal rests on every table and the map: approving it approves them.
    assert {o.key for o in draft.derived_from} == {o.key for o in outputs.all()}
    assert draft.agenda.title == "Palvelutarvearvio 2026"


def test_returned_round_is_prepared_again_with_the_comments(tmp_path: Path) -> None:
    decisions = tmp_path / "decisions.json"
    decisions.write_text(
        json.dumps(
            {
                "needs": [
                    {"outcome": "returned", "comments": "Lisää ikääntyneiden palvelutarve."},
                    {"outcome": "approved"},
                ]
            }
        ),
        encoding="utf-8",
    )
    result = run_stage(
        DEFINITION, region="HVA08", cycle=2026, gate="scripted", decisions_file=str(decisions), steps=DirectSteps()
    )
    [case] = result.cases
    assert result.accepted and case.rounds == 2
    assert case.decision is not None and case.decision.outcome is Outcome.APPROVED
    # First proposal for Monday 24.8.2026, returned there (§ 11); the second comes two weeks later,
    # Monday 7.9.2026, and is approved there (§ 12).
    assert (case.decision.meeting_date, case.decision.section) == (dt.date(2026, 9, 7), "12")
    assert case.proposal.version == 2
    store = open_store()
    second = NeedsProposal.model_validate(store.read_json(store.get_version(case.proposal.version_id)))
    [handled] = second.agenda.earlier_handling
    assert (handled.date, handled.section) == (dt.date(2026, 8, 24), 11)
    assert "Lisää ikääntyneiden palvelutarve." in handled.summary
    assert second.agenda.meeting_date == dt.date(2026, 9, 7)


def test_the_needs_assessment_is_a_preparatory_decision() -> None:
    """Stage 1 only prepares later decisions: no rectification request or appeal (611/2021 141 §)."""
    from schemas.documents import AppealKind
    from tasks.needs.stage import DEFINITION as NEEDS

    [case] = NEEDS.cases(None)  # type: ignore[arg-type]
    assert case.appeal is AppealKind.VALMISTELU
