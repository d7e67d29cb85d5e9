"""The example inputs generated for a region without its own files (tasks/examples).

Hand-checked: the scaling of a volume from the region's real stage-1 figures; the same region gives
the same bytes; the files agree with each other where the stages reconcile them; the labels.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tasks.cli import main
from tasks.examples import MARKER, generate_examples
from tests.support import DATA_DIR


def _rows(path: Path, encoding: str = "utf-8") -> list[dict[str, str]]:
    with path.open(encoding=encoding, newline="") as fh:
        return list(csv.DictReader(fh, delimiter=";"))


def _number(text: str) -> float:
    return float(text.replace(" ", "").replace(",", "."))


@pytest.fixture(scope="module")
def kainuu(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gen") / "examples" / "HVA20"
    generate_examples("HVA20", out, cycle=2026, data_dir=DATA_DIR)
    return out


@pytest.fixture(scope="module")
def helsinki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gen") / "examples" / "HVA90"
    generate_examples("HVA90", out, cycle=2026, data_dir=DATA_DIR)
    return out


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_same_region_gives_the_same_bytes(kainuu: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    generate_examples("HVA20", again, cycle=2026, data_dir=DATA_DIR)
    first, second = _files(kainuu), _files(again)
    assert first.keys() == second.keys()
    assert "oma_tuotanto.xlsx" in first and "seuranta/2026-03/tapahtumat.parquet" in first
    assert [name for name in first if first[name] != second[name]] == []


def test_another_region_gets_its_own_figures_and_names(kainuu: Path, helsinki: Path) -> None:
    assert (kainuu / "sopimukset.csv").read_bytes() != (helsinki / "sopimukset.csv").read_bytes()
    producers = {r["tuottaja"] for r in _rows(kainuu / "sopimukset.csv")}
    assert all("Esimerkki" in p and "Kajaani" in p for p in producers)
    areas = {r["alue"] for r in _rows(kainuu / "sopimukset.csv")}
    assert areas <= {"Kajaani", "Sotkamo", "Kuhmo", "Suomussalmi"}  # the four largest municipalities
    # nothing of the shipped Pirkanmaa example's places
    for path in kainuu.rglob("*.csv"):
        text = path.read_bytes().decode("cp1252" if path.name.startswith("oma_tuotanto") else "utf-8")
        assert "Tampere" not in text and "Pirkanma" not in text, path.name


def test_a_volume_scales_with_the_client_group_and_the_need_index(helsinki: Path, kainuu: Path) -> None:
    # Helsinki (HVA90) from the Statistics Finland exports: population 694 392, aged under 15
    # 13,9 % → 96 520 children; need index 100,1150. Reference: 76 822 children, index 99,3451
    # (Pirkanmaa's; the index standardises its components, stage 1).
    # Child-health clinic visits (LAP-NEUVOLA), reference 165 000:
    # 165 000 × 96 520 / 76 822 × 100,1150 / 99,3451 = 208 914,4 → 208 914.
    catalogue = {r["palvelu_id"]: r for r in _rows(helsinki / "palvelukatalogi.csv")}
    assert _number(catalogue["LAP-NEUVOLA"]["vuosivolyymi"]) == 208_914
    # A whole-population service: the ratio of two regions is population × need index.
    # Kainuu (HVA20): 69 193 inhabitants, index 100,6538. VAM-OHJAUS (reference 5 600 clients):
    # Helsinki 5 600 × 694 392/548 910 × 100,1150/99,3451 = 7 139,1 → 7 139; Kainuu 5 600 × 69 193/548 910
    # × 100,6538/99,3451 = 715,2 → 715; ratio 9,98.
    kainuu_catalogue = {r["palvelu_id"]: r for r in _rows(kainuu / "palvelukatalogi.csv")}
    assert _number(catalogue["VAM-OHJAUS"]["vuosivolyymi"]) == 7_139
    assert _number(kainuu_catalogue["VAM-OHJAUS"]["vuosivolyymi"]) == 715


def test_the_contracts_register_holds_stage_4s_purchased_volumes(kainuu: Path) -> None:
    purchased: dict[str, float] = {}
    for row in _rows(kainuu / "ostopalvelut.csv"):
        if row["hankintamuoto"] == "ostopalvelu":
            purchased[row["palvelu_id"]] = purchased.get(row["palvelu_id"], 0) + _number(row["suoritteet"])
    registered: dict[str, float] = {}
    for row in _rows(kainuu / "sopimukset.csv"):
        registered[row["palvelu_id"]] = registered.get(row["palvelu_id"], 0) + _number(row["suoritteet_v"])
        # the annual value is the volume at the producer's stage-4 price
        price = next(
            _number(p["hinta €/suorite"])
            for p in _rows(kainuu / "ostopalvelut.csv")
            if p["tuottaja"] == row["tuottaja"]
        )
        assert _number(row["vuosiarvo €"]) == pytest.approx(_number(row["suoritteet_v"]) * price, abs=0.01)
    assert registered == purchased


def test_the_catalogue_volume_is_own_production_plus_purchases(kainuu: Path) -> None:
    own = sum(
        _number(r["suoritteet"])
        for r in _rows(kainuu / "oma_tuotanto_kustannukset.csv", "cp1252")
        if r["palvelu_id"] == "IKA-TEHPA"
    )
    bought = sum(_number(r["suoritteet"]) for r in _rows(kainuu / "ostopalvelut.csv") if r["palvelu_id"] == "IKA-TEHPA")
    catalogue = {r["palvelu_id"]: r for r in _rows(kainuu / "palvelukatalogi.csv")}
    assert _number(catalogue["IKA-TEHPA"]["vuosivolyymi"]) == own + bought


def test_the_folder_is_labelled_as_example_data(kainuu: Path) -> None:
    readme = (kainuu / "README.md").read_text(encoding="utf-8")
    assert "ESIMERKKIAINEISTO" in readme and "Kainuun hyvinvointialue" in readme
    assert "69 193" in readme.replace("\u00a0", " ")  # the region's population, as read by stage 1
    assert (kainuu / MARKER).is_file()
    assert "Esimerkkiaineisto" in (kainuu / "talous_oletukset.toml").read_text(encoding="utf-8")


def test_cli_writes_the_files_and_refuses_a_folder_of_other_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "kainuu"
    with pytest.raises(SystemExit) as done:
        main(["generate", "examples", "--region", "Kainuu", "--out", str(out)])
    assert done.value.code in (0, None)
    assert (out / "tavoitteet.csv").is_file() and "ESIMERKKIAINEISTO HVA20" in capsys.readouterr().out
    other = tmp_path / "own-files"
    other.mkdir()
    (other / "tilinpaatos.csv").write_text("vuosi\n", encoding="utf-8")
    with pytest.raises(SystemExit) as refused:
        main(["generate", "examples", "--region", "HVA20", "--out", str(other)])
    assert refused.value.code == 2
    assert (other / "tilinpaatos.csv").read_text(encoding="utf-8") == "vuosi\n"


def test_demo_uses_a_regions_own_folder_when_it_has_one() -> None:
    from tasks.cli import _generated_inputs

    assert _generated_inputs("HVA08", 2026, None) is None  # Pirkanmaa: data/examples/HVA08, unchanged
