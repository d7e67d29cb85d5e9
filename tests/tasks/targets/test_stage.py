"""Stage 2 declared once (tasks/targets/stage.py): the round on the approved stage 1, its outputs and lineage."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from dataclasses import fields
from pathlib import Path

import pytest

from schemas.results import VersionRef
from schemas.stages import Stage
from schemas.targets import AllocationMethod
from soteflow.documents import load_governance
from soteflow.errors import InputError
from soteflow.stagekit import FileOutput, JsonOutput, Output
from soteflow.upstream import StageNotApprovedError
from tasks.context import make_context
from tasks.definition import CaseHandling, RoundState
from tasks.round import check_files, prepare
from tasks.targets.inputs import INPUT_FILES
from tasks.targets.stage import DEFINITION, targets_outputs
from tests.support import DATA_DIR

EXAMPLES = DATA_DIR / "examples" / "HVA08"


def _refs(items: Sequence[Output | VersionRef]) -> list[VersionRef]:
    """The versions of earlier stages among ``items``."""
    return [i for i in items if isinstance(i, VersionRef)]


def _keys(items: Sequence[Output | VersionRef]) -> set[str]:
    """The keys of this round's outputs among ``items``."""
    return {i.key for i in items if isinstance(i, JsonOutput | FileOutput)}


def test_inputs_folder_and_region_resolution(tmp_path: Path) -> None:
    ctx = make_context(Stage.TARGETS, region="Pirkanmaa", cycle=2026)
    assert (ctx.region, ctx.inputs_dir) == ("HVA08", EXAMPLES)
    assert make_context(Stage.TARGETS, region="HVA08", cycle=2026, inputs_dir=tmp_path).inputs_dir == tmp_path


def test_round_needs_the_approved_stage1() -> None:
    with pytest.raises(StageNotApprovedError, match="stage 1 \\(needs\\)"):
        prepare(DEFINITION, make_context(Stage.TARGETS, region="HVA08", cycle=2026))


def test_round_outputs_lineage(seed: Callable[[Stage], Path]) -> None:
    seed(Stage.NEEDS)
    computed = prepare(DEFINITION, make_context(Stage.TARGETS, region="HVA08", cycle=2026))
    basis = computed.basis
    outputs = targets_outputs(computed)
    sources = list(computed.sources.values())
    assert [s.key for s in sources] == [
        "targets-source-tilinpaatos",
        "targets-source-rahoitus",
        "targets-source-oletukset",
        "targets-source-tavoitteet",
        "targets-source-coverage",
        "targets-source-allocation",
    ]
    assert sources[0].content == (EXAMPLES / "tilinpaatos.csv").read_bytes()
    assert sources[2].media_type == "application/toml"
    needs_proposal, profile = basis.refs["needs-proposal"], basis.refs["needs-profile"]
    assert {o.key for o in (outputs.impact, outputs.forecast, outputs.frame)} == {
        "targets-impact",
        "targets-forecast",
        "targets-frame",
    }
    assert _refs(outputs.impact.derived_from) == [profile, needs_proposal]
    assert _keys(outputs.impact.derived_from) == {"targets-source-tavoitteet"}
    assert needs_proposal in _refs(outputs.forecast.derived_from)
    assert "targets-forecast" in _keys(outputs.frame.derived_from)
    assert [f.key for f in outputs.charts] == [
        "targets-forecast-perusura-svg",
        "targets-forecast-myonteinen-svg",
        "targets-forecast-kielteinen-svg",
        "targets-result-svg",
        "targets-balance-svg",
        "targets-allocation-svg",
    ]
    assert outputs.charts[0].content == computed.figures.scenario_svgs[0].svg.encode("utf-8")

    state = RoundState(**{f.name: getattr(computed, f.name) for f in fields(computed)}, outputs=outputs)
    [case] = DEFINITION.cases(state)
    assert case.key == "targets"
    governance = load_governance(
        "HVA08", Stage.TARGETS, computed.ctx.config_dir, case="targets", region_name=computed.ctx.region_name
    )
    handling = CaseHandling(governance=governance, earlier=(), appeal=governance.appeal_route(), cycle=2026)
    draft = case.propose(state, handling)
    # The proposal rests on every table and chart and on the approved stage-1 proposal.
    assert _keys(draft.derived_from) == {o.key for o in outputs.all()}
    assert _refs(draft.derived_from) == [needs_proposal]


def test_parameters_override_the_allocation_method(seed: Callable[[Stage], Path]) -> None:
    seed(Stage.NEEDS)
    ctx = make_context(Stage.TARGETS, region="HVA08", cycle=2026)
    computed = prepare(DEFINITION, ctx, {"allocation_method": "need_share"})
    assert computed.analysis.frame.method is AllocationMethod.NEED_SHARE
    assert computed.analysis.frame.need_weight == 1.0
    with pytest.raises(InputError) as info:
        prepare(DEFINITION, ctx, {"need_weight": 1.5})
    assert info.value.field == "need_weight"


def test_round_checks_the_targets_against_the_approved_stage1(seed: Callable[[Stage], Path], tmp_path: Path) -> None:
    # Pirkanmaa's long-term unemployment is 5,4677 %: a target of 5,6 that "decreases" contradicts it.
    seed(Stage.NEEDS)
    for name in INPUT_FILES.values():
        shutil.copy(EXAMPLES / name, tmp_path / name)
    path = tmp_path / "tavoitteet.csv"
    text = path.read_text(encoding="utf-8")
    assert "long_term_unemployment_rate;;;4,8" in text
    path.write_text(text.replace("long_term_unemployment_rate;;;4,8", "long_term_unemployment_rate;;;5,6"), "utf-8")
    ctx = make_context(Stage.TARGETS, region="HVA08", cycle=2026, inputs_dir=tmp_path)
    # The files on their own are fine (the check before a whole cycle starts) ...
    DEFINITION.precheck(ctx, DEFINITION.parse_params(None), {})
    # ... but the round refuses them before anything is written, naming file, row and field.
    with pytest.raises(InputError) as info:
        prepare(DEFINITION, ctx)
    assert (Path(str(info.value.file)).name, info.value.row, info.value.field) == ("tavoitteet.csv", 4, "suunta")


def test_a_folder_with_the_former_ledger_is_told_it_was_replaced(tmp_path: Path) -> None:
    """Before anything is read: talous_toteuma.csv (totals by service area) became tilinpaatos.csv."""
    folder = tmp_path / "inputs"
    shutil.copytree(EXAMPLES, folder)
    (folder / "tilinpaatos.csv").rename(folder / "talous_toteuma.csv")
    with pytest.raises(InputError) as caught:
        check_files(DEFINITION, make_context(Stage.TARGETS, region="HVA08", cycle=2026, inputs_dir=folder))
    assert caught.value.file == str(folder / "talous_toteuma.csv")
    assert caught.value.reason.startswith("talous_toteuma.csv is replaced by tilinpaatos.csv")
    (folder / "talous_toteuma.csv").unlink()  # neither: the file is missing
    with pytest.raises(InputError, match="the input file does not exist"):
        check_files(DEFINITION, make_context(Stage.TARGETS, region="HVA08", cycle=2026, inputs_dir=folder))
