"""Stage 1 as later stages read it: the approved round of the needs assessment (:class:`NeedsBasis`).

This module is stage 1's only door for other stages: they never import its analysis or read its
artefacts by key themselves.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from schemas.needs import AreaProfile, ChangeAnalysis, NeedIndex, NeedProfileTable, NeedsBasis
from schemas.stages import Stage
from soteflow.store import Store
from soteflow.upstream import approved_case, input_ref, load_payload
from tasks.needs.analysis import build_profiles
from tasks.needs.inputs import MAP_FILE, SOURCE_FILES, load_key, load_needs_sources

#: The public data files stage 1 computes from, by role, relative to the data folder: what a later
#: stage that recomputes stage 1's indicators from a newer export reads.
PUBLIC_DATA_FILES: Mapping[str, str] = {
    **{f"statfin-{name}": f"statfin/{file_name}" for name, (file_name, _columns) in SOURCE_FILES.items()},
    "map": str(MAP_FILE),
}

#: The approved stage-1 tables later stages read (besides the approved proposal itself).
BASIS_KEYS = ("needs-profile", "needs-index", "needs-change")

#: The stage-1 Statistics Finland export each need-profile field comes from (:data:`SOURCE_FILES`
#: names): the statistical period of a stage-1 baseline is that export's period.
FIELD_SOURCES: Mapping[str, str] = {
    **dict.fromkeys(("population", "share_under_15", "share_65_plus", "mean_age", "dependency_ratio"), "age"),
    **dict.fromkeys(
        (
            "births",
            "deaths",
            "natural_increase",
            "net_internal_migration",
            "net_immigration",
            "net_migration",
            "births_per_1000",
            "deaths_per_1000",
            "natural_increase_per_1000",
            "net_migration_per_1000",
        ),
        "population",
    ),
    **dict.fromkeys(
        (
            "household_population",
            "low_income_persons",
            "low_income_rate",
            "basic_security_persons",
            "basic_security_dependence",
        ),
        "income",
    ),
    **dict.fromkeys(
        (
            "labour_force",
            "unemployed",
            "unemployment_rate",
            "long_term_unemployed",
            "long_term_unemployment_rate",
            "unemployed_disabled_or_ill",
        ),
        "unemployment",
    ),
    **dict.fromkeys(("population_15_plus", "share_no_post_basic_education", "share_tertiary"), "education"),
}


def pxweb_period(content: bytes) -> str | None:
    """The latest period of a PxWeb JSON export (the period stage 1 used), or ``None``."""
    try:
        data = json.loads(content)
        keyed = [c for c in data["columns"] if c.get("type") in {"d", "t"}]
        positions = [i for i, c in enumerate(keyed) if c.get("type") == "t"]
        if not positions:
            return None
        return str(max(row["key"][positions[0]] for row in data["data"]))
    except (ValueError, KeyError, TypeError, IndexError):
        return None


def field_periods(source_periods: Mapping[str, str]) -> dict[str, str]:
    """Profile field → statistical period, from the periods of the stage-1 exports by source name."""
    return {name: source_periods[source] for name, source in FIELD_SOURCES.items() if source in source_periods}


def load_needs_basis(store: Store, *, region: str, cycle: int) -> NeedsBasis:
    """The approved stage-1 round: need profiles, index and change analysis with their version refs.

    Raises :class:`~soteflow.upstream.StageNotApprovedError` (an InputError) when stage 1 has no
    approved proposal for the region and cycle. The statistical periods of the profile fields come
    from the approved round's source snapshots (the Statistics Finland exports stage 1 read).
    """
    approved = approved_case(store, region=region, cycle=cycle, stage=Stage.NEEDS)
    assert approved is not None  # required
    profiles = load_payload(store, approved, "needs-profile", NeedProfileTable)
    index = load_payload(store, approved, "needs-index", NeedIndex)
    change = load_payload(store, approved, "needs-change", ChangeAnalysis)
    refs = {key: input_ref(approved, key) for key in BASIS_KEYS}
    refs[approved.proposal.key] = approved.proposal
    source_periods: dict[str, str] = {}
    for name in SOURCE_FILES:
        snapshot = approved.inputs.get(f"needs-source-{name}")
        if snapshot is not None:
            period = pxweb_period(store.read_file(store.get_version(snapshot.version_id)))
            if period:
                source_periods[name] = period
    source_periods.setdefault("age", change.period)
    source_periods.setdefault("population", change.period)
    return NeedsBasis(
        region_code=profiles.region_code,
        region_name=profiles.region_name,
        profiles=profiles,
        need_index=index,
        change=change,
        refs=refs,
        periods=field_periods(source_periods),
        decision_date=approved.decision.meeting_date,
        decision_body=approved.decision.body,
    )


def recompute_region_profile(data_dir: Path, region: str) -> tuple[AreaProfile, dict[str, str]]:
    """The region's need profile computed the way stage 1 computes it from the Statistics Finland
    exports in ``data_dir`` (a newer export than the one the approved round read), with each
    field's statistical period. A missing or malformed export is an InputError naming it."""
    sources = load_needs_sources(data_dir)
    key = load_key(data_dir)
    profiles = build_profiles(sources, key, key.region(region))
    return profiles.region, field_periods({name: sources[name].period for name in SOURCE_FILES})
