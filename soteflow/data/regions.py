"""The municipality → welfare-region key and municipality polygons, from the TopoJSON map.

Source: ``data/geo/finland-hva-2021.topo.json`` (Yle geodata, 2021 municipality division; see
data/README.md). Layers ``munis`` (309 municipalities: ``id`` = 3-digit code, ``name_fi``,
``name_sv``, ``hva_id`` = two-letter welfare-region id, ``population`` at end of 2020) and ``hva``
(22 areas with Finnish, Swedish and short names).

Rules applied here (each from data/README.md):

- the two-letter ids map to Statistics Finland's ``HVA01``–``HVA21`` in the order of the official
  welfare-region code list (:data:`HVA_ORDER`);
- Helsinki (091) has an empty ``hva_id`` in the map: it organises its services itself (laki
  sosiaali- ja terveydenhuollon järjestämisestä 612/2021, 4 luku) and is ``HVA90``;
- the 16 Åland municipalities have an empty ``hva_id`` too; Åland is not a welfare region (its
  own autonomy), so they map to ``HVA91`` and ``HVA91`` is not offered as a region;
- the map is the 2021 division; :data:`MERGED_MUNICIPALITIES` says which of its municipalities
  have since merged into which (the StatFin files use the 2026 division, figures combined).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from soteflow.errors import InputError, UnknownRegionError

#: Two-letter ids of the map in the order of Statistics Finland's code list: index 0 = HVA01.
HVA_ORDER: tuple[str, ...] = (
    "IU",
    "KU",
    "LU",
    "VK",
    "VS",
    "SA",
    "KH",
    "PI",
    "PH",
    "KY",
    "EK",
    "ES",
    "PS",
    "PK",
    "KS",
    "EP",
    "PO",
    "KP",
    "PP",
    "KA",
    "LA",
)

HELSINKI_MUNICIPALITY = "091"
HELSINKI_REGION = "HVA90"
ALAND_REGION = "HVA91"

#: Åland's municipalities (Statistics Finland codes); in the map they carry an empty hva_id.
ALAND_MUNICIPALITIES = frozenset(
    {
        "035",
        "043",
        "060",
        "062",
        "065",
        "076",
        "170",
        "295",
        "318",
        "417",
        "438",
        "478",
        "736",
        "766",
        "771",
        "941",
    }
)

#: Municipalities of the 2021 map merged since into another (old code → new code), 2026 division.
#: Source: Statistics Finland's municipality division 2026; the StatFin exports combine the
#: figures of merged municipalities under the new code.
MERGED_MUNICIPALITIES: Mapping[str, str] = {"588": "507"}  # Pertunmaa → Mäntyharju

# The Helsinki + Åland feature of the map's hva layer has no names: these are Helsinki's.
_HELSINKI_NAMES = ("Helsingin kaupunki", "Helsingfors stad", "Helsinki", "Helsingfors")

# Lon/lat polygon types: a ring is a closed list of (lon, lat); a polygon an outer ring plus holes.
Ring = list[tuple[float, float]]
Polygon = list[Ring]
MultiPolygon = list[Polygon]


@dataclass(frozen=True, slots=True)
class Region:
    """A welfare region (hyvinvointialue) or Helsinki: Statistics Finland code and names."""

    code: str
    """Statistics Finland code, ``HVA01``–``HVA21`` or ``HVA90``."""
    id: str
    """The map's two-letter id (``PI``); ``""`` for Helsinki."""
    name_fi: str
    name_sv: str
    short_name_fi: str
    short_name_sv: str

    @property
    def statfin_code(self) -> str:
        """The area code used in the StatFin exports (the same as ``code``)."""
        return self.code


@dataclass(frozen=True, slots=True)
class Municipality:
    """A municipality of the map: 3-digit code, names, welfare region and 2020 population."""

    code: str
    name_fi: str
    name_sv: str
    region_code: str
    map_population: int

    @property
    def statfin_code(self) -> str:
        """The area code used in the StatFin exports (``KU`` + 3 digits)."""
        return f"KU{self.code}"


@dataclass(frozen=True)
class RegionKey:
    """Municipality → welfare-region key and the list of regions (Åland excluded)."""

    municipalities: Mapping[str, Municipality]
    """All 309 municipalities of the map by 3-digit code (including merged-away ones)."""
    regions: Mapping[str, Region]
    """The 22 areas by code: HVA01–HVA21 and HVA90 (Helsinki), in code order."""
    merges: Mapping[str, str] = field(default_factory=lambda: dict(MERGED_MUNICIPALITIES))
    """Merged municipalities: old code → new code."""
    source_file: str = ""

    def region(self, code: str) -> Region:
        """The region with this code (``HVA08``); :class:`UnknownRegionError` otherwise."""
        try:
            return self.regions[code]
        except KeyError:
            raise UnknownRegionError(f"unknown region {code!r}; {self.choices_text()}") from None

    def current_code(self, code: str) -> str:
        """The 2026-division code of a map municipality (follows :attr:`merges`)."""
        seen = {code}
        while code in self.merges:
            code = self.merges[code]
            if code in seen:  # a cycle in the merge table is a programming error, not input
                raise ValueError(f"merge cycle at {code}")
            seen.add(code)
        return code

    def map_municipalities(self, region_code: str) -> list[Municipality]:
        """The region's municipalities as in the 2021 map (merged-away ones included), by code."""
        return sorted((m for m in self.municipalities.values() if m.region_code == region_code), key=lambda m: m.code)

    def current_municipalities(self, region_code: str) -> list[Municipality]:
        """The region's municipalities in the current division (merged-away ones dropped), by code."""
        return [m for m in self.map_municipalities(region_code) if m.code not in self.merges]

    def region_of(self, municipality_code: str) -> str:
        """The region code of a municipality (3-digit or ``KU``-prefixed code)."""
        code = municipality_code.removeprefix("KU")
        try:
            return self.municipalities[self.current_code(code)].region_code
        except KeyError:
            raise InputError(f"municipality {municipality_code!r} is not in the key") from None

    def choices_text(self) -> str:
        """Human-readable list of valid region choices for error messages."""
        return "valid regions: " + ", ".join(f"{r.code} ({r.short_name_fi})" for r in self.regions.values())


def _norm(text: str) -> str:
    """Case- and space-insensitive form for matching names (ä/ö kept: they distinguish names)."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().replace("-", " - ").split()).replace(" - ", "-")


def _aliases(region: Region) -> set[str]:
    names = {region.code, region.name_fi, region.name_sv, region.short_name_fi, region.short_name_sv}
    if region.id:
        names.add(region.id)
    # "Pirkanmaan hyvinvointialue" → also "Pirkanmaan"; "Birkalands välfärdsområde" → "Birkalands".
    for full, suffix in ((region.name_fi, " hyvinvointialue"), (region.name_sv, " välfärdsområde")):
        if full.endswith(suffix):
            names.add(full.removesuffix(suffix))
    # "HVA08" → also "08" and "8".
    digits = region.code.removeprefix("HVA")
    names.update({digits, str(int(digits))})
    return {_norm(n) for n in names if n}


def resolve_region(text: str, key: RegionKey) -> Region:
    """Find a region by code (``HVA08``, ``hva08``), map id (``PI``), or a Finnish or Swedish name.

    Accepted names: full (``Pirkanmaan hyvinvointialue``, ``Birkalands välfärdsområde``), short
    (``Pirkanmaa``, ``Birkaland``) or genitive (``Pirkanmaan``), in any case. Raises
    :class:`UnknownRegionError` listing the valid choices when nothing matches; Åland is refused
    because it is not a welfare region.
    """
    wanted = _norm(text)
    if not wanted:
        raise UnknownRegionError(f"empty region; {key.choices_text()}", field="region")
    for region in key.regions.values():
        if wanted in _aliases(region):
            return region
    extra = ""
    if wanted in {_norm(a) for a in ("HVA91", "Ahvenanmaa", "Åland", "91")}:
        extra = " (Åland is not a welfare region: it organises its services under its own autonomy)"
    raise UnknownRegionError(f"unknown region {text!r}{extra}; {key.choices_text()}", field="region")


# --- TopoJSON -------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _load_topology(path: str, mtime_ns: int, size: int) -> dict[str, Any]:
    # Cached on (path, mtime, size) so a changed file is read again; the map is read-only data.
    name = Path(path).name
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read map: {exc.strerror}", file=path) from exc
    try:
        doc = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"not a valid TopoJSON file: {exc}", file=name) from exc
    if not isinstance(doc, dict) or doc.get("type") != "Topology":
        raise InputError("not a TopoJSON Topology", file=name, field="type")
    for member in ("arcs", "objects"):
        if member not in doc:
            raise InputError(f"'{member}' missing", file=name, field=member)
    for layer in ("munis", "hva"):
        if layer not in doc["objects"]:
            raise InputError(f"layer '{layer}' missing", file=name, field=f"objects.{layer}")
    doc["_decoded_arcs"] = _decode_arcs(doc, name)
    return doc


def _topology(path: str | Path) -> dict[str, Any]:
    p = Path(path)
    try:
        st = p.stat()
    except OSError as exc:
        raise InputError("map file not found", file=p) from exc
    return _load_topology(str(p.resolve()), st.st_mtime_ns, st.st_size)


def _decode_arcs(doc: Mapping[str, Any], name: str) -> list[Ring]:
    """Delta-decode quantized arcs: positions are cumulative, then scaled and translated.

    TopoJSON spec §2.1.3: with a ``transform``, each arc's first position is absolute and the
    following ones are deltas from the previous; ``x = qx * scale[0] + translate[0]``.
    """
    transform = doc.get("transform")
    arcs_out: list[Ring] = []
    if transform is not None:
        try:
            sx, sy = (float(v) for v in transform["scale"])
            tx, ty = (float(v) for v in transform["translate"])
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError("bad transform", file=name, field="transform") from exc
        for i, arc in enumerate(doc["arcs"]):
            x = y = 0
            ring: Ring = []
            try:
                for dx, dy, *_ in arc:
                    x += int(dx)
                    y += int(dy)
                    ring.append((x * sx + tx, y * sy + ty))
            except (TypeError, ValueError) as exc:
                raise InputError(f"arc {i} is malformed", file=name, field="arcs") from exc
            arcs_out.append(ring)
    else:
        for i, arc in enumerate(doc["arcs"]):
            try:
                arcs_out.append([(float(p[0]), float(p[1])) for p in arc])
            except (TypeError, ValueError, IndexError) as exc:
                raise InputError(f"arc {i} is malformed", file=name, field="arcs") from exc
    return arcs_out


def _ring(arc_ids: Iterable[int], arcs: list[Ring]) -> Ring:
    """Stitch a ring from arc indices; a negative index ~i means arc i reversed (TopoJSON §2.2)."""
    out: Ring = []
    for a in arc_ids:
        pts = arcs[a] if a >= 0 else arcs[~a][::-1]
        # consecutive arcs share their end/start point: drop the duplicate
        out.extend(pts if not out else pts[1:])
    return out


def _geometry_polygons(geom: Mapping[str, Any], arcs: list[Ring]) -> MultiPolygon:
    kind = geom.get("type")
    if kind == "Polygon":
        return [[_ring(r, arcs) for r in geom["arcs"]]]
    if kind == "MultiPolygon":
        return [[_ring(r, arcs) for r in poly] for poly in geom["arcs"]]
    return []


def load_region_key(path: str | Path) -> RegionKey:
    """Build the :class:`RegionKey` from the TopoJSON map (rules in the module docstring)."""
    doc = _topology(path)
    name = Path(path).name
    munis: dict[str, Municipality] = {}
    for i, geom in enumerate(doc["objects"]["munis"].get("geometries", []), start=1):
        props = geom.get("properties") or {}
        code = str(props.get("id", ""))
        if len(code) != 3 or not code.isdigit():
            raise InputError(f"municipality id {code!r} is not a 3-digit code", file=name, row=i, field="id")
        hva_id = props.get("hva_id") or ""
        if hva_id:
            if hva_id not in HVA_ORDER:
                raise InputError(f"unknown hva_id {hva_id!r}", file=name, row=i, field="hva_id")
            region_code = f"HVA{HVA_ORDER.index(hva_id) + 1:02d}"
        elif code == HELSINKI_MUNICIPALITY:
            region_code = HELSINKI_REGION
        elif code in ALAND_MUNICIPALITIES:
            region_code = ALAND_REGION
        else:
            raise InputError("empty hva_id outside Helsinki and Åland", file=name, row=i, field="hva_id")
        munis[code] = Municipality(
            code=code,
            name_fi=str(props.get("name_fi") or code),
            name_sv=str(props.get("name_sv") or props.get("name_fi") or code),
            region_code=region_code,
            map_population=int(props.get("population") or 0),
        )
    regions: dict[str, Region] = {}
    for geom in doc["objects"]["hva"].get("geometries", []):
        props = geom.get("properties") or {}
        hva_id = props.get("hva_id") or ""
        if hva_id not in HVA_ORDER:
            continue  # the unnamed Helsinki + Åland feature; Helsinki is added below
        code = f"HVA{HVA_ORDER.index(hva_id) + 1:02d}"
        regions[code] = Region(
            code=code,
            id=hva_id,
            name_fi=str(props.get("name_fi") or ""),
            name_sv=str(props.get("name_sv") or ""),
            short_name_fi=str(props.get("short_name_fi") or ""),
            short_name_sv=str(props.get("short_name_sv") or ""),
        )
    missing = [h for h in HVA_ORDER if f"HVA{HVA_ORDER.index(h) + 1:02d}" not in regions]
    if missing:
        raise InputError(f"hva layer lacks regions {', '.join(missing)}", file=name, field="objects.hva")
    fi, sv, short_fi, short_sv = _HELSINKI_NAMES
    regions[HELSINKI_REGION] = Region(HELSINKI_REGION, "", fi, sv, short_fi, short_sv)
    ordered = {c: regions[c] for c in sorted(regions)}
    return RegionKey(municipalities=munis, regions=ordered, source_file=name)


def municipality_polygons(path: str | Path, *, merge: bool = True) -> dict[str, MultiPolygon]:
    """Lon/lat polygons of the map's municipalities by 3-digit code.

    With ``merge`` (the default), a merged-away municipality's polygons are added to its new
    municipality (588 Pertunmaa's to 507 Mäntyharju), so the map matches the 2026 data.
    """
    doc = _topology(path)
    arcs: list[Ring] = doc["_decoded_arcs"]
    out: dict[str, MultiPolygon] = {}
    for geom in doc["objects"]["munis"].get("geometries", []):
        code = str((geom.get("properties") or {}).get("id", ""))
        target = code
        if merge:
            while target in MERGED_MUNICIPALITIES:
                target = MERGED_MUNICIPALITIES[target]
        out.setdefault(target, []).extend(_geometry_polygons(geom, arcs))
    return out
