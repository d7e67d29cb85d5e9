"""Stage 1 inputs (tasks/needs/inputs.py): the Statistics Finland exports and the map, read and checked."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from schemas.stages import Stage
from soteflow.errors import InputError
from tasks.context import RoundContext, make_context
from tasks.needs.inputs import SOURCE_FILES, check_area_codes, load_key, load_needs_sources, read_needs_inputs
from tasks.needs.stage import DEFINITION
from tasks.round import prepare
from tests.support import DATA_DIR


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A writable copy of the shipped data folder."""
    shutil.copytree(DATA_DIR, tmp_path / "data")
    return tmp_path / "data"


def _context(data_dir: Path, region: str = "PI") -> RoundContext:
    return make_context(Stage.NEEDS, region=region, cycle=2026, data_dir=data_dir)


def test_read_inputs_resolves_the_region_and_hashes_every_export() -> None:
    inputs = read_needs_inputs(_context(DATA_DIR, "Pirkanmaa"))
    assert inputs.region_code == "HVA08"
    assert [s.file for s in inputs.sources] == [name for name, _ in SOURCE_FILES.values()]
    for source in inputs.sources:
        # The hash is of the file's bytes, computed here with hashlib alone (independent of the reader).
        assert source.sha256 == hashlib.sha256((DATA_DIR / "statfin" / source.file).read_bytes()).hexdigest()
    assert inputs.sources[0].period == "2025"


def test_missing_source_file_named(data_dir: Path) -> None:
    (data_dir / "statfin" / "income_register_kunnat_14ww.json").unlink()
    ctx = _context(data_dir)
    with pytest.raises(InputError) as info:
        read_needs_inputs(ctx)
    assert info.value.file is not None and info.value.file.endswith("income_register_kunnat_14ww.json")
    # The round checks the declared files before it reads anything: the same file is named there.
    with pytest.raises(InputError) as info:
        prepare(DEFINITION, ctx)
    assert info.value.file is not None and info.value.file.endswith("income_register_kunnat_14ww.json")


def test_source_missing_required_column(data_dir: Path) -> None:
    path = data_dir / "statfin" / "unemployment_register_kunnat_12r5.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    i = next(i for i, c in enumerate(doc["columns"]) if c["code"] == "TYOVOIMATK")
    doc["columns"].pop(i)
    for row in doc["data"]:
        row["values"].pop(i - 2)  # two key columns precede the content columns
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_needs_sources(data_dir)
    assert (info.value.file, info.value.field) == (str(path), "TYOVOIMATK")


def test_unknown_municipality_code_named(data_dir: Path) -> None:
    # The third data row of the age export is Alajärvi (KU005): renamed to a code that is no
    # municipality of the 2026 key, its figures would silently fall out of every region.
    path = data_dir / "statfin" / "age_register_kunnat_11ra.json"
    doc = json.loads(path.read_text(encoding="utf-8-sig"))
    assert doc["data"][2]["key"][0] == "KU005"
    doc["data"][2]["key"][0] = "KU998"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(InputError, match="unknown municipality code 'KU998'") as info:
        check_area_codes(load_needs_sources(data_dir), load_key(data_dir))
    assert (info.value.file, info.value.row, info.value.field) == (
        "age_register_kunnat_11ra.json",
        3,
        "alue_23_20260101",
    )
    with pytest.raises(InputError, match="KU998"):
        read_needs_inputs(_context(data_dir))


def test_known_non_municipal_codes_pass() -> None:
    # KU199 and KUJOU (job seekers of no current municipality) are in the unemployment export on purpose.
    check_area_codes(load_needs_sources(DATA_DIR), load_key(DATA_DIR))


def test_missing_map_named(data_dir: Path) -> None:
    (data_dir / "geo" / "finland-hva-2021.topo.json").unlink()
    with pytest.raises(InputError) as info:
        load_key(data_dir)
    assert info.value.file is not None and info.value.file.endswith("finland-hva-2021.topo.json")
