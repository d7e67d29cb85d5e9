"""The general PxWeb reader: real exports and malformed fixtures."""

from __future__ import annotations

import hashlib
import math
from datetime import UTC, datetime
from pathlib import Path

import pytest

from soteflow.data.pxweb import read_pxweb
from soteflow.errors import InputError

STATFIN = Path("data/statfin")
FIXTURES = Path("tests/fixtures/pxweb")


def test_reads_age_export_with_provenance() -> None:
    path = STATFIN / "age_register_kunnat_11ra.json"
    table = read_pxweb(path)
    frame = table.frame.set_index("alue_23_20260101")
    # Hand-checked in the file: {"key":["KU837","2025"],"values":["263337","12.3","19.0","41.1"]}
    assert frame.at["KU837", "vaerak-vaesto"] == 263337.0
    assert frame.at["KU837", "vaesto_yli64_p"] == 19.0
    assert frame.at["SSS", "vaerak-vaesto"] == 5652881.0
    assert frame.at["HVA08", "vaerak-vaesto"] == 548910.0
    assert frame.at["KU837", "timeperiod_y"] == "2025"
    assert len(frame) == 568
    assert table.dimension_codes == ("alue_23_20260101",)
    assert table.time_codes == ("timeperiod_y",)
    assert table.content_codes == ("vaerak-vaesto", "vaesto_alle15_p", "vaesto_yli64_p", "vaesto_keski_ika")
    assert str(table.frame["vaesto_keski_ika"].dtype) == "float64"
    p = table.provenance
    assert p.file == "age_register_kunnat_11ra.json"
    assert p.source == "Tilastokeskus, väestörakenne"
    assert p.updated == datetime(2026, 5, 29, 5, 0, tzinfo=UTC)
    assert p.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_missing_markers_become_nan() -> None:
    table = read_pxweb(STATFIN / "income_register_kunnat_14ww.json")
    frame = table.frame.set_index("alue_23_20250101")
    # KU020 Akaa: pt2_lapsia is "..." in the file, pt1_henkiloita is "510".
    assert math.isnan(frame.at["KU020", "pt2_lapsia"])
    assert frame.at["KU020", "pt1_henkiloita"] == 510.0
    small = read_pxweb(FIXTURES / "valid_small.json").frame
    assert math.isnan(small.loc[1, "osuus"]) and math.isnan(small.loc[2, "osuus"])
    assert small.loc[0, "osuus"] == 12.5


def test_monthly_time_column_and_plain_area_code() -> None:
    table = read_pxweb(STATFIN / "unemployment_register_kunnat_12r5.json", require=["Alue", "TYOVOIMATK"])
    frame = table.frame.set_index("Alue")
    assert frame.at["SSS", "TYOVOIMATK"] == 2743596.0
    assert frame.at["SSS", "timeperiod_m"] == "2026M06"


def test_bom_is_accepted_and_hash_covers_bom() -> None:
    with_bom = read_pxweb(FIXTURES / "bom.json")
    plain = read_pxweb(FIXTURES / "valid_small.json")
    assert with_bom.frame.equals(plain.frame)
    assert with_bom.provenance.sha256 != plain.provenance.sha256


def _error(path: Path, **kwargs: object) -> InputError:
    with pytest.raises(InputError) as info:
        read_pxweb(path, **kwargs)  # type: ignore[arg-type]
    return info.value


def test_truncated_file() -> None:
    err = _error(FIXTURES / "truncated.json")
    assert Path(err.file).name == "truncated.json"
    assert "not valid JSON" in str(err) and "truncated" in str(err)


def test_not_json(tmp_path: Path) -> None:
    bad = tmp_path / "table.json"
    bad.write_text("Alue;Väestö\nKU837;263337\n", encoding="utf-8")
    assert str(_error(bad)).rsplit("/", 1)[-1].startswith("table.json: not valid JSON at line 1 column 1")


def test_missing_data_member() -> None:
    err = _error(FIXTURES / "missing_data.json")
    assert (Path(err.file).name, err.field) == ("missing_data.json", "data")


def test_wrong_key_length_names_row() -> None:
    err = _error(FIXTURES / "wrong_key_length.json")
    assert (err.row, err.field) == (2, "key")
    assert (
        str(err).rsplit("/", 1)[-1].startswith("wrong_key_length.json, row 2, field key: key has 1 items, expected 2")
    )


def test_wrong_values_length_names_row() -> None:
    err = _error(FIXTURES / "wrong_values_length.json")
    assert (err.row, err.field) == (3, "values")


def test_non_numeric_value_names_row_and_column() -> None:
    err = _error(FIXTURES / "non_numeric.json")
    # "12,5" (decimal comma) is not the PxWeb number format.
    assert str(err).rsplit("/", 1)[-1].startswith("non_numeric.json, row 2, field osuus: value '12,5'")


@pytest.mark.parametrize("bad", ["nan", "inf", " 12", "1_000", "abc"])
def test_other_non_numbers_refused(tmp_path: Path, bad: str) -> None:
    path = tmp_path / "t.json"
    path.write_text(
        '{"columns":[{"code":"A","text":"A","type":"d"},{"code":"v","text":"v","type":"c"}],'
        f'"data":[{{"key":["x"],"values":["{bad}"]}}]}}',
        encoding="utf-8",
    )
    err = _error(path)
    assert (err.row, err.field) == (1, "v")


def test_duplicate_key() -> None:
    err = _error(FIXTURES / "duplicate_key.json")
    assert (err.row, err.field) == (3, "key")
    assert "first at row 2" in err.reason


def test_required_column_missing() -> None:
    err = _error(FIXTURES / "valid_small.json", require=["vaesto", "TYOVOIMATK"])
    assert (Path(err.file).name, err.field) == ("valid_small.json", "TYOVOIMATK")
    assert "required column missing" in err.reason


def test_missing_file(tmp_path: Path) -> None:
    err = _error(tmp_path / "nothing.json")
    assert err.file is not None and err.file.endswith("nothing.json")
