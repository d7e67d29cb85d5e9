"""Municipality → welfare-region key, region resolution and map polygons."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from soteflow.data.regions import load_region_key, municipality_polygons, resolve_region
from soteflow.errors import InputError, UnknownRegionError

MAP = Path("data/geo/finland-hva-2021.topo.json")


def test_key_maps_all_municipalities() -> None:
    key = load_region_key(MAP)
    assert len(key.municipalities) == 309
    assert key.municipalities["837"].region_code == "HVA08"  # Tampere, Pirkanmaa (PI = 8th)
    assert key.municipalities["091"].region_code == "HVA90"  # Helsinki
    assert key.municipalities["478"].region_code == "HVA91"  # Maarianhamina, Åland
    assert key.municipalities["049"].region_code == "HVA03"  # Espoo, Länsi-Uusimaa (LU)
    assert key.municipalities["698"].region_code == "HVA21"  # Rovaniemi, Lappi (LA)
    assert sum(1 for m in key.municipalities.values() if m.region_code == "HVA91") == 16


def test_region_list_excludes_aland() -> None:
    key = load_region_key(MAP)
    assert list(key.regions) == [f"HVA{i:02d}" for i in range(1, 22)] + ["HVA90"]
    pi = key.regions["HVA08"]
    assert (pi.id, pi.name_fi, pi.name_sv, pi.short_name_fi) == (
        "PI",
        "Pirkanmaan hyvinvointialue",
        "Birkalands välfärdsområde",
        "Pirkanmaa",
    )


def test_merged_municipality_follows_merge_table() -> None:
    key = load_region_key(MAP)
    assert key.current_code("588") == "507"  # Pertunmaa → Mäntyharju
    es_map = [m.code for m in key.map_municipalities("HVA12")]
    es_now = [m.code for m in key.current_municipalities("HVA12")]
    assert "588" in es_map and "588" not in es_now and "507" in es_now
    assert len(es_now) == len(es_map) - 1 == 11
    assert key.region_of("KU588") == "HVA12"


@pytest.mark.parametrize(
    "text",
    [
        "HVA08",
        "hva08",
        "PI",
        "pi",
        "Pirkanmaa",
        "PIRKANMAA",
        "pirkanmaan hyvinvointialue",
        " Pirkanmaan  Hyvinvointialue ",
        "Birkaland",
        "Birkalands välfärdsområde",
        "8",
        "08",
    ],
)
def test_resolve_region_forms(text: str) -> None:
    assert resolve_region(text, load_region_key(MAP)).code == "HVA08"


def test_resolve_other_regions() -> None:
    key = load_region_key(MAP)
    assert resolve_region("Helsinki", key).code == "HVA90"
    assert resolve_region("Vantaan ja Keravan hyvinvointialue", key).code == "HVA04"
    assert resolve_region("Österbotten", key).code == "HVA17"
    assert resolve_region("LA", key).code == "HVA21"


@pytest.mark.parametrize("text", ["Uusimaa", "HVA22", "Ahvenanmaa", "HVA91", ""])
def test_unknown_region_lists_choices(text: str) -> None:
    with pytest.raises(UnknownRegionError) as info:
        resolve_region(text, load_region_key(MAP))
    assert "HVA08 (Pirkanmaa)" in str(info.value) and "HVA90 (Helsinki)" in str(info.value)
    assert "HVA91" not in str(info.value).split("valid regions:")[1]
    assert info.value.field == "region"


def test_polygons_are_decoded_to_lon_lat() -> None:
    polys = municipality_polygons(MAP)
    assert len(polys) == 308  # 588 merged into 507
    assert len(polys["507"]) == 2  # Mäntyharju's own polygon + Pertunmaa's
    lons = [x for poly in polys["837"] for ring in poly for x, _ in ring]
    lats = [y for poly in polys["837"] for ring in poly for _, y in ring]
    # Tampere lies at about 23.3–24.1 °E, 61.4–61.8 °N.
    assert 23.0 < min(lons) < max(lons) < 24.3
    assert 61.3 < min(lats) < max(lats) < 61.9
    ring = polys["837"][0][0]
    assert ring[0] == pytest.approx(ring[-1])  # rings are closed
    assert len(municipality_polygons(MAP, merge=False)) == 309


def test_bad_map_file(tmp_path: Path) -> None:
    bad = tmp_path / "map.json"
    bad.write_text(json.dumps({"type": "FeatureCollection"}), encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_region_key(bad)
    assert info.value.file == "map.json" and info.value.field == "type"
