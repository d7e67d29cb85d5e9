"""Stage 1 inputs: the six Statistics Finland exports and the municipality map, read and checked.

The exports are read from ``<data>/statfin`` by their fixed names, each restricted to its latest
period (and the total of any other dimension), indexed by area code; the earlier periods an export
holds stay readable for the change analysis. The method settings come from the stage's rules file
(``<data>/config/rules/needs.toml``, the shipped one when the data folder has none). Every problem —
a missing file, a missing column, an unknown municipality code, a bad setting — is an
:class:`InputError` naming the file, row and field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from pydantic import ValidationError

from schemas.needs import NeedsInputs, NeedsRules, SourceProvenance
from soteflow.data.pxweb import PxTable, read_pxweb
from soteflow.data.regions import RegionKey, load_region_key, resolve_region
from soteflow.data.tomlfile import read_toml
from soteflow.errors import InputError
from soteflow.settings import get_settings
from tasks.context import RoundContext
from tasks.definition import InputFile

#: The fixed file names of the embedded exports (data/README.md) and the columns each must have.
SOURCE_FILES: Mapping[str, tuple[str, tuple[str, ...]]] = {
    "age": (
        "age_register_kunnat_11ra.json",
        ("vaerak-vaesto", "vaesto_alle15_p", "vaesto_yli64_p", "vaesto_keski_ika"),
    ),
    "population": (
        "population_register_kunnat_121w.json",
        (
            "ssaaty-vm01",
            "ssaaty-vm11",
            "ssaaty-luonvalisays",
            "ssaaty-vm43_netto",
            "ssaaty-vm4142",
            "ssaaty-koknetmuutto",
            "ssaaty-vaesto",
        ),
    ),
    "sex": ("sex_register_kunnat_11re.json", ("vaerak-vaesto",)),
    "income": (
        "income_register_kunnat_14ww.json",
        ("tjt-henkiloita", "rpt_henkilo", "rpt_aste", "pt1_henkiloita"),
    ),
    "unemployment": (
        "unemployment_register_kunnat_12r5.json",
        ("TYOTTOMATLOPUSSA", "TYOVOIMATK", "PITKAAIKAISTYOTTOMAT", "TYOTTOMATSAIR"),
    ),
    "education": ("education_register_kunnat_12bs.json", ("vaesto_15_", "kaste0", "kaste5T8")),
}
MAP_FILE = Path("geo") / "finland-hva-2021.topo.json"
RULES_FILE = Path("config") / "rules" / "needs.toml"
COUNTRY = "SSS"


#: Stage 1's input files: the exports (stored as ``needs-source-<name>``) and the map.
FILES: tuple[InputFile, ...] = (
    *(
        InputFile(
            role=name,
            name=f"statfin/{file_name}",
            folder="data",
            title=f"Lähdeaineisto: {file_name}",
            media_type="application/json",
            schema_name="pxweb-json",
        )
        for name, (file_name, _columns) in SOURCE_FILES.items()
    ),
    InputFile(
        role="map",
        name=str(MAP_FILE),
        folder="data",
        title="Kuntakartta ja hyvinvointialueavain (TopoJSON)",
        media_type="application/json",
        schema_name="topojson",
    ),
    InputFile(
        role="rules",
        name=str(RULES_FILE),
        folder="data",
        fallback=True,
        title="Palvelutarvearvion säännöt: tarveindeksin asteikko, epävarmuusraja ja muutosjakso (TOML)",
        media_type="application/toml",
        schema_name="toml",
    ),
)


@dataclass(frozen=True)
class Source:
    """One export restricted to its latest period (and total of other dimensions), by area code."""

    table: PxTable
    area_column: str
    period: str
    by_area: pd.DataFrame
    #: Every period the export holds (other dimensions at their total), indexed by (period, area).
    history: pd.DataFrame | None = None

    @property
    def file(self) -> str:
        """The file name."""
        return self.table.provenance.file

    def get(self, area: str, column: str) -> float | None:
        """A value, or None when the area is absent or the value is suppressed."""
        if area not in self.by_area.index:
            return None
        v = self.by_area.at[area, column]
        return None if pd.isna(v) else float(v)

    def has(self, area: str) -> bool:
        """Whether the area has a row."""
        return area in self.by_area.index

    @property
    def periods(self) -> tuple[str, ...]:
        """The periods the export holds, oldest first (the latest is :attr:`period`)."""
        if self.history is None:
            return (self.period,) if self.period else ()
        return tuple(sorted({str(p) for p in self.history.index.get_level_values(0)}))

    def get_at(self, period: str, area: str, column: str) -> float | None:
        """A value of an earlier (or the latest) period, or None when absent or suppressed."""
        if period == self.period:
            return self.get(area, column)
        if self.history is None or (period, area) not in self.history.index:
            return None
        v = self.history.at[(period, area), column]
        return None if pd.isna(v) else float(v)


@dataclass(frozen=True)
class NeedsSources:
    """The six exports of stage 1 (internal: holds DataFrames, never leaves the task)."""

    sources: Mapping[str, Source]

    def __getitem__(self, name: str) -> Source:
        return self.sources[name]

    def provenance(self) -> list[SourceProvenance]:
        """Provenance of each file, in the fixed order of :data:`SOURCE_FILES`."""
        out = []
        for name in SOURCE_FILES:
            s = self.sources[name]
            p = s.table.provenance
            out.append(
                SourceProvenance(
                    file=p.file,
                    table_label=p.label,
                    source=p.source,
                    updated=p.updated,
                    sha256=p.sha256,
                    period=s.period,
                    area_division=s.area_column,
                )
            )
        return out


def _restrict(table: PxTable) -> Source:
    """Latest period; for other dimensions than the area the total (``SSS``); index by area."""
    file = table.provenance.file
    dims = table.dimension_codes
    if not dims:
        raise InputError("no dimension (type d) column for the area", file=file, field="columns")
    # The area is the first dimension in all Statistics Finland regional tables (alue_…, Alue).
    area_col = dims[0]
    frame = table.frame
    for dcode in dims[1:]:
        # A further dimension (e.g. sex): keep its total, coded SSS in Statistics Finland tables.
        if not (frame[dcode] == COUNTRY).any():
            raise InputError("no total (SSS) category in an extra dimension", file=file, field=dcode)
        frame = frame[frame[dcode] == COUNTRY]
    period = ""
    history = None
    for tcode in table.time_codes:
        # Periods sort as text (2025 < 2026, 2026M05 < 2026M06): take the latest.
        history = frame.assign(**{tcode: frame[tcode].astype(str)}).set_index([tcode, area_col])
        period = str(frame[tcode].max())
        frame = frame[frame[tcode] == period]
    by_area = frame.set_index(area_col)
    return Source(table=table, area_column=area_col, period=period, by_area=by_area, history=history)


def load_needs_sources(data_dir: Path) -> NeedsSources:
    """Read the six stage-1 exports from ``data_dir/statfin`` by their fixed names.

    A missing file, or one without a needed column, is an :class:`InputError` naming it.
    """
    sources: dict[str, Source] = {}
    for name, (file_name, required) in SOURCE_FILES.items():
        path = Path(data_dir) / "statfin" / file_name
        if not path.is_file():
            raise InputError("required Statistics Finland export not found", file=path)
        sources[name] = _restrict(read_pxweb(path, require=required))
    return NeedsSources(sources=sources)


def rules_path(data_dir: Path) -> Path:
    """The stage's rules file: the data folder's own, else the shipped one."""
    path = Path(data_dir) / RULES_FILE
    return path if path.exists() else get_settings().input_dir / RULES_FILE


#: The rules file's values: :class:`NeedsRules` field → (table, key) in the file.
RULES_FIELDS: Mapping[str, tuple[str, str]] = {
    "points_per_sd": ("need_index", "points_per_sd"),
    "population_limit": ("uncertainty", "population_limit"),
    "confidence": ("uncertainty", "confidence"),
    "change_years": ("change", "years"),
}


def read_needs_rules(path: Path) -> NeedsRules:
    """The stage-1 rules file (``[need_index]``, ``[uncertainty]``, ``[change]``), checked.

    A missing file, a missing value or one of the wrong type or range is an :class:`InputError`
    naming the file and the field (``uncertainty.population_limit``).
    """
    if not path.is_file():
        raise InputError("stage-1 rules file not found", file=path)
    raw = read_toml(path)
    flat: dict[str, object] = {"source_file": path.name}
    for name, (table, key) in RULES_FIELDS.items():
        section = raw.get(table)
        if not isinstance(section, dict) or key not in section:
            raise InputError("missing value", file=path, field=f"{table}.{key}")
        flat[name] = section[key]
    try:
        return NeedsRules.model_validate(flat, strict=True)
    except ValidationError as exc:
        error = exc.errors()[0]
        table, key = RULES_FIELDS.get(str(error["loc"][0]), ("", str(error["loc"][0])))
        raise InputError(str(error["msg"]), file=path, field=f"{table}.{key}") from None


def load_key(data_dir: Path) -> RegionKey:
    """The municipality → region key from ``data_dir/geo``."""
    path = Path(data_dir) / MAP_FILE
    if not path.is_file():
        raise InputError("municipality map not found", file=path)
    return load_region_key(path)


#: ``KU`` codes in the exports that are not municipalities of the key and are expected there: the
#: employment-service statistics (tyonv/12r5) publish job seekers whose municipality is not one of
#: the current municipalities under these codes. They are listed in the reconciliation report.
NON_MUNICIPAL_CODES: Mapping[str, frozenset[str]] = {"unemployment": frozenset({"KU199", "KUJOU"})}


def check_area_codes(sources: NeedsSources, key: RegionKey) -> None:
    """Refuse a ``KU`` code that is neither a municipality of the key nor a known non-municipal code.

    An unknown municipality code means the file is of another area division or was edited by hand;
    its figures would silently fall out of every region, so it is an error naming file, row and field.
    """
    known = {m.statfin_code for m in key.municipalities.values()}
    for name, src in sources.sources.items():
        allowed = known | NON_MUNICIPAL_CODES.get(name, frozenset())
        column = src.table.frame[src.area_column].astype(str)
        for position, code in enumerate(column):
            if code.startswith("KU") and code not in allowed:
                raise InputError(
                    f"unknown municipality code {code!r} (not in the 2026 municipality key)",
                    file=src.file,
                    row=position + 1,
                    field=src.area_column,
                )


#: Columns that count people or give a share of them: never negative. (Migration and natural
#: increase are net figures and may be.)
NON_NEGATIVE: Mapping[str, tuple[str, ...]] = {
    "age": ("vaerak-vaesto", "vaesto_alle15_p", "vaesto_yli64_p"),
    "population": ("ssaaty-vaesto",),
    "sex": ("vaerak-vaesto",),
    "education": ("vaesto_15_",),
}


def check_counts(sources: NeedsSources) -> None:
    """Refuse a negative population or population share: it is a defect of the file, not a figure."""
    for name, columns in NON_NEGATIVE.items():
        src = sources[name]
        frame = src.table.frame
        for column in columns:
            values = frame[column]
            for position, value in enumerate(values):
                if not pd.isna(value) and value < 0:
                    area = frame[src.area_column].iloc[position]
                    raise InputError(
                        f"negative value {value:g} for {area} (a count of people cannot be negative)",
                        file=src.file,
                        row=position + 1,
                        field=column,
                    )


def read_needs_inputs(ctx: RoundContext) -> NeedsInputs:
    """Read and check every stage-1 file (columns, area codes, the region in the key).

    Returns the files' provenance (with their SHA-256): what the analysis is keyed by.
    """
    key = load_key(ctx.data_dir)
    region = resolve_region(ctx.region, key)
    sources = load_needs_sources(ctx.data_dir)
    check_area_codes(sources, key)
    check_counts(sources)
    read_needs_rules(rules_path(ctx.data_dir))
    return NeedsInputs(region_code=region.code, sources=sources.provenance())
