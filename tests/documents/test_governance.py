"""Region governance configuration: default + region override, and errors that name file and field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from schemas.documents import AppealKind
from schemas.stages import Stage
from soteflow.documents.governance import load_governance
from soteflow.errors import InputError
from soteflow.settings import PROJECT_ROOT

SHIPPED = PROJECT_ROOT / "data" / "config" / "regions"


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    """A copy of the shipped default.toml in a temporary folder."""
    shutil.copy(SHIPPED / "default.toml", tmp_path / "default.toml")
    return tmp_path


def test_shipped_pirkanmaa_overrides_default() -> None:
    g = load_governance("HVA08", "needs", SHIPPED)
    assert g.region_name == "Pirkanmaan hyvinvointialue"
    assert g.body.name == "Aluehallitus" and g.body.appeal is AppealKind.OIKAISUVAATIMUS
    assert g.dnro(2025) == "PIRHA/2025/00.01.00/1"
    assert [p.name for p in g.preparers] == ["Esimerkki Palvelustrategi", "Esimerkki Suunnittelija"]
    assert g.meeting.time == "14.00"  # inherited from default.toml
    assert g.appeal.court == "Hämeenlinnan hallinto-oikeus"
    # Targets and the frame go to the regional council (aluevalitus); the production-mode choice
    # to the regional board (oikaisuvaatimus first), as the stage-4 issue says.
    assert load_governance("HVA08", Stage.TARGETS, SHIPPED).body.appeal is AppealKind.ALUEVALITUS
    assert load_governance("HVA08", Stage.COMPARISON, SHIPPED).body.name == "Aluehallitus"


def test_every_stage_is_configured_and_people_are_examples() -> None:
    for stage in Stage:
        g = load_governance("HVA08", stage, SHIPPED)
        assert all("Esimerkki" in p.name for p in [g.presenter, *g.preparers])


def test_region_without_file_uses_default_with_placeholders(config_dir: Path) -> None:
    g = load_governance("HVA01", "procurement", config_dir, region_name="Itä-Uudenmaan hyvinvointialue")
    assert g.region_name == "Itä-Uudenmaan hyvinvointialue"
    assert g.meeting.place.startswith("Itä-Uudenmaan hyvinvointialue")
    assert g.dnro(2026) == "HVA01/2026/02.08.00/5"
    assert g.body_key == "jarjestamisjaosto"


def test_override_merges_tables_key_by_key(config_dir: Path) -> None:
    (config_dir / "HVA99.toml").write_text(
        'region_name = "Testialue"\n[stages.needs]\nbody = "aluevaltuusto"\n', encoding="utf-8"
    )
    g = load_governance("HVA99", "needs", config_dir)
    assert g.body.name == "Aluevaltuusto"
    assert g.presenter.name == "Esimerkki Esittelijä"  # not overridden: from default.toml
    assert g.dnro(2025) == "HVA99/2025/00.01.00/1"


def test_toml_syntax_error_names_the_file(config_dir: Path) -> None:
    bad = config_dir / "HVA99.toml"
    bad.write_text("[stages.needs\nbody = 1\n", encoding="utf-8")
    with pytest.raises(InputError, match="TOML syntax error") as info:
        load_governance("HVA99", "needs", config_dir)
    assert info.value.file == str(bad)


def test_unknown_stage_in_region_file(config_dir: Path) -> None:
    bad = config_dir / "HVA99.toml"
    bad.write_text('[stages.budget]\nbody = "aluehallitus"\n', encoding="utf-8")
    with pytest.raises(InputError, match="unknown stage") as info:
        load_governance("HVA99", "needs", config_dir)
    assert info.value.file == str(bad)
    assert info.value.field == "stages.budget"


def test_missing_key_names_file_and_field(config_dir: Path) -> None:
    default = config_dir / "default.toml"
    text = default.read_text(encoding="utf-8")
    default.write_text(text.replace('[stages.chains]\nbody = "aluehallitus"\n', "[stages.chains]\n"), encoding="utf-8")
    with pytest.raises(InputError, match="missing") as info:
        load_governance("HVA99", "needs", config_dir)
    assert info.value.file == str(default)
    assert info.value.field == "stages.chains.body"


def test_unknown_key_and_unknown_person(config_dir: Path) -> None:
    bad = config_dir / "HVA99.toml"
    bad.write_text('[stages.needs]\nbodyy = "aluehallitus"\n', encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_governance("HVA99", "needs", config_dir)
    assert info.value.field == "stages.needs.bodyy" and info.value.file == str(bad)
    bad.write_text('[stages.needs]\npresenter = "nobody"\n', encoding="utf-8")
    with pytest.raises(InputError, match="unknown person 'nobody'") as info:
        load_governance("HVA99", "needs", config_dir)
    assert info.value.field == "stages.needs.presenter" and info.value.file == str(bad)


def test_unknown_stage_argument(config_dir: Path) -> None:
    with pytest.raises(InputError, match="unknown stage") as info:
        load_governance("HVA08", "budget", config_dir)
    assert info.value.field == "stage"


def test_council_items_are_prepared_by_the_board() -> None:
    """The council decides on the board's proposal (hyvinvointialuelaki 43 § 1 mom. 2 kohta): the
    shipped configuration names the board as its preparer; the board's own items have none."""
    council = load_governance("HVA08", Stage.TARGETS, SHIPPED)
    assert council.preparing_body is not None and council.preparing_body.name == "Aluehallitus"
    assert council.body.proposal_heading == "Aluehallituksen ehdotus"
    assert council.body.meeting_interval_days == 28
    assert load_governance("HVA08", Stage.NEEDS, SHIPPED).preparing_body is None


def test_preparing_body_must_be_configured_and_complete(config_dir: Path) -> None:
    (config_dir / "HVA99.toml").write_text('[bodies.aluevaltuusto]\nprepared_by = "hallitus"\n', encoding="utf-8")
    with pytest.raises(InputError) as excinfo:
        load_governance("HVA99", Stage.TARGETS, config_dir)
    assert excinfo.value.file == str(config_dir / "HVA99.toml")
    assert excinfo.value.field == "bodies.aluevaltuusto.prepared_by"
    assert "unknown preparing body 'hallitus'" in str(excinfo.value)
    (config_dir / "HVA99.toml").write_text(
        '[bodies.aluevaltuusto]\npreparer_proposal = "Aluehallitus esittää"\n', encoding="utf-8"
    )
    with pytest.raises(InputError) as excinfo:
        load_governance("HVA99", Stage.TARGETS, config_dir)
    assert excinfo.value.field == "bodies.aluevaltuusto"
    assert "'{proposal}'" in str(excinfo.value)
