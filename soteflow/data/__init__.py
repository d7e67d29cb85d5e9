"""Data readers: Statistics Finland PxWeb exports and the municipality → welfare-region key."""

from soteflow.data.pxweb import PxColumn, PxProvenance, PxTable, read_pxweb
from soteflow.data.regions import (
    Municipality,
    Region,
    RegionKey,
    load_region_key,
    municipality_polygons,
    resolve_region,
)

__all__ = [
    "Municipality",
    "PxColumn",
    "PxProvenance",
    "PxTable",
    "Region",
    "RegionKey",
    "load_region_key",
    "municipality_polygons",
    "read_pxweb",
    "resolve_region",
]
