"""Stage 3 declared once: its files, the pre-check before a cycle, the read and analyse steps,
the round's outputs and their lineage, and the case it proposes.

The approved stage 2 is the hand-made one of tests/tasks/chains/factories.py (the round reads it
from the store; here the definition is given it), the files are the shipped example's.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from schemas.chains import ChainsInputs, ChainsProposal
from schemas.documents import AppealKind
from schemas.results import VersionRef
from schemas.stages import Stage
from schemas.targets import TargetsInputs
from soteflow.errors import InputError
from soteflow.stagekit import FileOutput, Output
from tasks.chains.stage import DEFINITION, ChainsOutputs, chains_outputs
from tasks.context import make_context
from tasks.definition import Computed, RoundState
from tasks.registry import definition
from tasks.round import prepare
from tests.support import DATA_DIR
from tests.tasks.chains.factories import (
    EXAMPLE_ROWS,
    HEADER,
    REGION_NAME,
    SHIPPED_TARGETS,
    handling,
    make_basis,
    shipped_context,
    version_ref,
    with_basis,
)

EXAMPLES = DATA_DIR / "examples" / "HVA08"


def _planned_targets() -> TargetsInputs:
    """What stage 2's pre-check reads from the shipped files: the targets stage 2 will propose."""
    targets = definition(Stage.TARGETS)
    ctx = make_context(Stage.TARGETS, region="HVA08", cycle=2026)
    planned: TargetsInputs = targets.precheck(ctx, targets.parse_params(None), {})
    return planned


def _inputs_folder(tmp_path: Path) -> Path:
    """An inputs folder with the shipped feedback and a one-row catalogue (PK-A step A-1, T-IKA-1)."""
    folder = tmp_path / "inputs"
    folder.mkdir()
    (folder / "lausunnot.csv").write_bytes((EXAMPLES / "lausunnot.csv").read_bytes())
    (folder / "palvelukatalogi.csv").write_text(HEADER + "\n" + EXAMPLE_ROWS[0] + "\n", encoding="utf-8")
    return folder


# -- the declaration -----------------------------------------------------------------------------


def test_declaration() -> None:
    assert (DEFINITION.stage, DEFINITION.flow, DEFINITION.package_name) == (
        Stage.CHAINS,
        "flows/s3_chains.py:chains_flow",
        "chains",
    )
    assert DEFINITION.reads == (Stage.TARGETS,)
    assert definition(Stage.CHAINS) is DEFINITION
    files = {f.role: (f.name, f.folder, f.optional) for f in DEFINITION.files}
    assert files == {
        "catalogue": ("palvelukatalogi.csv", "inputs", False),
        "feedback": ("lausunnot.csv", "inputs", False),
        "benchmarks": ("vertailukustannukset.csv", "inputs", True),
        "theme-review": ("lausunnot_teemat.csv", "inputs", True),
        "theme-responses": ("lausunnot_vastineet.csv", "inputs", True),
        "themes": ("config/feedback_themes.toml", "data", False),
        "reconciliation": ("config/rules/reconciliation.toml", "data", False),
    }


def test_inputs_folder_and_region(tmp_path: Path) -> None:
    ctx = make_context(Stage.CHAINS, region="Pirkanmaa", cycle=2026, inputs_dir="/in")
    assert (ctx.region, ctx.region_name) == ("HVA08", REGION_NAME)
    paths = {f.role: f.path(ctx) for f in DEFINITION.files}
    assert paths == {
        "catalogue": Path("/in/palvelukatalogi.csv"),
        "feedback": Path("/in/lausunnot.csv"),
        "benchmarks": Path("/in/vertailukustannukset.csv"),
        "theme-review": Path("/in/lausunnot_teemat.csv"),
        "theme-responses": Path("/in/lausunnot_vastineet.csv"),
        "themes": DATA_DIR / "config" / "feedback_themes.toml",
        "reconciliation": DATA_DIR / "config" / "rules" / "reconciliation.toml",
    }
    # By default the region's inputs are the shipped example; a data folder without the theme
    # taxonomy uses the shipped one.
    assert shipped_context().inputs_dir == EXAMPLES
    data = tmp_path / "data"
    data.mkdir()
    ctx = make_context(Stage.CHAINS, region="HVA08", cycle=2026, data_dir=data)
    assert ctx.inputs_dir == data / "examples" / "HVA08"
    assert next(f for f in DEFINITION.files if f.role == "themes").path(ctx) == (
        DATA_DIR / "config" / "feedback_themes.toml"
    )


def test_parameters_are_checked_before_anything_runs() -> None:
    with pytest.raises(InputError) as caught:
        DEFINITION.parse_params({"sensitivity_step": "paljon"})
    assert caught.value.field == "sensitivity_step"
    assert DEFINITION.parse_params({"weights": None}).weights is None  # not given: the defaults


# -- the pre-check (the CLI, before a whole cycle starts) -------------------------------------------


def test_shipped_catalogue_refers_to_the_shipped_stage_2_targets() -> None:
    planned = _planned_targets()
    checked = DEFINITION.precheck(shipped_context(), DEFINITION.parse_params(None), {Stage.TARGETS: planned})
    assert isinstance(checked, ChainsInputs)
    assert len(checked.catalogue.packages) == 5 and checked.synthesis.comments == 82
    # The hand-made stage 2 of the tests has the same target ids as the shipped tavoitteet.csv.
    assert sorted(t.target_id for t in planned.targets) == sorted(t.target_id for t in SHIPPED_TARGETS.targets)


def test_precheck_catches_what_the_run_rejects(tmp_path: Path) -> None:
    folder = _inputs_folder(tmp_path)
    ctx = shipped_context(inputs_dir=folder)
    params = DEFINITION.parse_params(None)
    DEFINITION.precheck(ctx, params, {})
    # A tavoite_id stage 2 will not propose (only T-IKA-2 planned): named at the catalogue's row 2.
    planned = _planned_targets()
    only = planned.model_copy(update={"targets": [t for t in planned.targets if t.target_id == "T-IKA-2"]})
    with pytest.raises(InputError) as caught:
        DEFINITION.precheck(ctx, params, {Stage.TARGETS: only})
    assert (caught.value.file, caught.value.row, caught.value.field) == (
        str(folder / "palvelukatalogi.csv"),
        2,
        "tavoite_id",
    )
    assert "'T-IKA-1' is not one of the stage-2 targets (T-IKA-2)" in caught.value.reason
    # An unknown criterion in the weights.
    with pytest.raises(InputError) as caught:
        DEFINITION.precheck(ctx, DEFINITION.parse_params({"weights": {"nopeus": 1}}), {})
    assert caught.value.field == "weights"
    # A feedback file without its columns.
    (folder / "lausunnot.csv").write_text("kommentti_id;päivämäärä\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        DEFINITION.precheck(ctx, params, {})
    assert caught.value.file == str(folder / "lausunnot.csv")
    # No catalogue at all.
    (folder / "palvelukatalogi.csv").unlink()
    with pytest.raises(InputError, match="file not found") as caught:
        DEFINITION.precheck(ctx, params, {})
    assert caught.value.file == str(folder / "palvelukatalogi.csv")


# -- the round's steps ---------------------------------------------------------------------------


def test_read_step_checks_the_weights_before_reading(tmp_path: Path) -> None:
    ctx = shipped_context(inputs_dir=tmp_path / "nothing-here")
    with pytest.raises(InputError) as caught:
        DEFINITION.read_inputs(ctx, DEFINITION.parse_params({"weights": {"hinta": 1}}), make_basis())
    assert caught.value.field == "weights"
    with pytest.raises(InputError, match="file not found"):
        DEFINITION.read_inputs(ctx, DEFINITION.parse_params(None), make_basis())


def test_analyse_step_checks_the_catalogue_against_the_approved_stage_2() -> None:
    ctx = shipped_context()
    params = DEFINITION.parse_params(None)
    inputs = DEFINITION.read_inputs(ctx, params, make_basis())
    basis = make_basis()
    without = basis.impact.model_copy(update={"targets": [t for t in basis.impact.targets if t.target_id != "T-IKA-3"]})
    with pytest.raises(InputError) as caught:
        DEFINITION.analyse(ctx, params, basis.model_copy(update={"impact": without}), inputs)
    assert (caught.value.file, caught.value.field) == (str(EXAMPLES / "palvelukatalogi.csv"), "tavoite_id")
    assert "'T-IKA-3' is not one of the approved stage-2 targets" in caught.value.reason


def test_prepare_fails_on_a_bad_file_before_anything_is_written(tmp_path: Path) -> None:
    folder = _inputs_folder(tmp_path)
    (folder / "palvelukatalogi.csv").write_text(HEADER + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="header but no data rows"):
        prepare(with_basis(make_basis()), shipped_context(inputs_dir=folder))
    (folder / "palvelukatalogi.csv").unlink()
    with pytest.raises(InputError, match="the input file does not exist") as caught:
        prepare(with_basis(make_basis()), shipped_context(inputs_dir=folder))
    assert caught.value.file == str(folder / "palvelukatalogi.csv")


# -- outputs, lineage and the case ----------------------------------------------------------------


@pytest.fixture
def computed() -> Computed[Any, Any, Any, Any]:
    return prepare(with_basis(make_basis()), shipped_context())


def _lineage(output: Output) -> tuple[list[str], list[str]]:
    """The keys an output derives from: this round's outputs, and stored versions of earlier rounds."""
    return _keys(output.derived_from)


def _keys(parents: Sequence[Output | VersionRef]) -> tuple[list[str], list[str]]:
    own = [p.key for p in parents if not isinstance(p, VersionRef)]
    stored = [p.key for p in parents if isinstance(p, VersionRef)]
    return own, stored


def test_round_outputs_and_their_lineage(computed: Computed[Any, Any, Any, Any]) -> None:
    assert list(computed.sources) == [
        "catalogue",
        "feedback",
        "benchmarks",
        "theme-review",
        "theme-responses",
        "themes",
        "reconciliation",
    ]
    assert [s.key for s in computed.sources.values()] == [
        "chains-source-catalogue",
        "chains-source-feedback",
        "chains-source-benchmarks",
        "chains-source-theme-review",
        "chains-source-theme-responses",
        "chains-source-themes",
        "chains-source-reconciliation",
    ]
    assert computed.source("catalogue").content == (EXAMPLES / "palvelukatalogi.csv").read_bytes()
    outputs = chains_outputs(computed)
    assert isinstance(outputs, ChainsOutputs)
    data = [outputs.catalogue, outputs.priorities, outputs.services, outputs.synthesis]
    lineage = {d.key: _lineage(d) for d in data}
    assert lineage == {
        "chains-catalogue": (["chains-source-catalogue"], []),
        "chains-priorities": (["chains-catalogue", "chains-source-benchmarks"], ["targets-impact", "targets-frame"]),
        "chains-services": (["chains-catalogue"], ["targets-impact"]),
        "chains-feedback-synthesis": (
            [
                "chains-source-feedback",
                "chains-source-themes",
                "chains-source-theme-review",
                "chains-source-theme-responses",
            ],
            [],
        ),
    }
    figure_keys = [f.key for f in outputs.diagrams]
    assert figure_keys == [
        "chains-chain-pk-ika-svg",
        "chains-chain-pk-lapsi-svg",
        "chains-chain-pk-tyo-svg",
        "chains-chain-pk-mtp-svg",
        "chains-chain-pk-vam-svg",
    ]
    assert all(isinstance(f, FileOutput) for f in outputs.diagrams)
    assert all(_lineage(f) == (["chains-services"], []) and f.media_type == "image/svg+xml" for f in outputs.diagrams)
    assert [o.key for o in outputs.all()] == [*lineage, *figure_keys]
    assert outputs.priorities.table is not None and outputs.services.table is not None
    # PK-IKA's components as in tests/tasks/chains/test_proposal.py: 0,35 + 0,30 + 0,1905 + 0,1125.
    assert outputs.priorities.table[0] == {
        "sija": 1,
        "palvelukokonaisuus": "Ikääntyneiden palvelut",
        "pisteet": 0.953,
        "tavoitteisiin kohdistuminen": 0.35,
        "palvelutarve": 0.3,
        "kustannus asiakasta kohden": 0.1905,
        "toteutettavuus": 0.1125,
    }
    assert len(outputs.services.table) == 18  # 5 + 4 + 3 + 3 + 3 steps


def test_the_case_rests_on_every_output_and_the_approved_stage_2(computed: Computed[Any, Any, Any, Any]) -> None:
    declared = DEFINITION.outputs(computed)
    state = RoundState(**{f.name: getattr(computed, f.name) for f in fields(computed)}, outputs=declared)
    [case] = DEFINITION.cases(state)
    # Preparatory (hyvinvointialuelaki 141 §): no rectification request or appeal, for both documents.
    assert case.key == "chains" and case.appeal is AppealKind.VALMISTELU
    draft = case.propose(state, handling())
    assert draft.title == "Päätösehdotus: palvelukokonaisuudet ja palveluketjut"
    assert isinstance(draft.payload, ChainsProposal)
    assert draft.agenda == draft.payload.agenda
    assert draft.summary_markdown == draft.payload.summary_markdown
    assert _keys(draft.derived_from) == (
        [o.key for o in declared.all()],
        ["targets-proposal"],
    )
    documents = draft.documents(version_ref("chains-proposal", 4))
    assert [d.key for d in documents] == [
        "chains-decision",
        "chains-attachment-1",
        "chains-attachment-2",
        "chains-feedback",
        "chains-feedback-attachment-1",
        "chains-feedback-attachment-2",
    ]
    assert all(d.context["item"].version == 4 for d in documents)


def test_a_catalogue_dearer_than_the_frame_stops_the_round(tmp_path: Path) -> None:
    """A hand-made mismatch: the mental-health housing at 1 280 € a day instead of 128 € makes the
    group's catalogue cost more than its frame; the round stops at the group's first row."""
    folder = tmp_path / "inputs"
    shutil.copytree(EXAMPLES, folder)
    path = folder / "palvelukatalogi.csv"
    text = path.read_text(encoding="utf-8")
    assert text.count(";420 000;hoitovuorokausi;128;") == 1
    path.write_text(text.replace(";420 000;hoitovuorokausi;128;", ";420 000;hoitovuorokausi;1280;"), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        prepare(with_basis(make_basis()), shipped_context(inputs_dir=folder))
    error = caught.value
    assert (Path(str(error.file)).name, error.row, error.field) == ("palvelukatalogi.csv", 14, "vuosivolyymi")
    # 420 000 × 1 280 € = 537,6 M€ of housing alone against the group's frame of 260,0 M€ (2026 in
    # the hand-made basis).
    assert "Mielenterveys- ja päihdeasiakkaat: palveluluettelon vuosikustannus enintään ryhmän kehys 2026" in (
        error.reason
    )
    assert "vaihe 2: kehys 2026 (targets-frame v1) gives 260\xa0000\xa0000 €" in error.reason
    assert "a part of the earlier stage's and may exceed it by at most 0,1 %" in error.reason
