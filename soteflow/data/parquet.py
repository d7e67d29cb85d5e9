"""Large tables as Parquet files: read a file's footer (rows, row groups, schema, labels) without
reading its data, hash it streaming, and open DuckDB connections with bounded memory.

The data plane of DESIGN.md: a table of millions of rows is never loaded into Python; a stage
checks and aggregates it in DuckDB (embedded, out of core) and passes on a manifest and small
results. Nothing here knows a stage.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from soteflow.errors import InputError
from soteflow.store.blobs import file_sha256

__all__ = ["SYNTHETIC_KEY", "ParquetFooter", "connect", "read_footer"]

#: The key-value metadata entry a generator writes into every synthetic file (value ``"true"``).
SYNTHETIC_KEY = "soteflow:synthetic"
#: DuckDB's memory limit for a stage's queries (it spills to disk above it).
DEFAULT_MEMORY_LIMIT = "1GB"


@dataclass(frozen=True)
class ParquetFooter:
    """What a Parquet file's footer says: rows, row groups, columns (DuckDB type names), labels."""

    path: Path
    sha256: str
    size: int
    rows: int
    row_groups: int
    columns: dict[str, str]
    metadata: dict[str, str]

    @property
    def synthetic(self) -> bool:
        """Whether a generator labelled the file synthetic."""
        return self.metadata.get(SYNTHETIC_KEY) == "true"


def connect(*, memory_limit: str | None = None, threads: int | None = None) -> Any:
    """An in-memory DuckDB connection with a memory limit (spilling to a temporary folder above
    it) and a bounded number of threads (``SOTEFLOW_DUCKDB_THREADS``, default: the CPUs)."""
    import duckdb

    con = duckdb.connect(database=":memory:")
    limit = memory_limit or os.environ.get("SOTEFLOW_DUCKDB_MEMORY", DEFAULT_MEMORY_LIMIT)
    con.execute(f"SET memory_limit = '{limit}'")
    count = threads or int(os.environ.get("SOTEFLOW_DUCKDB_THREADS", "0") or 0) or (os.cpu_count() or 1)
    con.execute(f"SET threads = {int(count)}")
    con.execute("SET preserve_insertion_order = false")
    return con


def read_footer(path: Path, *, hash_file: bool = True) -> ParquetFooter:
    """The footer of the Parquet file at ``path`` (and its sha256, streamed); a file that is not
    Parquet, or is truncated, is an :class:`InputError` naming it."""
    import duckdb

    if not path.is_file():
        raise InputError("the file does not exist", file=path)
    con = connect(threads=1)
    try:
        literal = str(path).replace("'", "''")
        meta = con.execute(f"SELECT num_rows, num_row_groups FROM parquet_file_metadata('{literal}')").fetchone()
        schema = con.execute(f"DESCRIBE SELECT * FROM read_parquet('{literal}')").fetchall()
        kv = con.execute(f"SELECT decode(key), decode(value) FROM parquet_kv_metadata('{literal}')").fetchall()
    except duckdb.Error as exc:
        reason = str(exc).splitlines()[0]
        raise InputError(f"not a readable Parquet file (truncated or another format?): {reason}", file=path) from None
    finally:
        con.close()
    assert meta is not None
    return ParquetFooter(
        path=path,
        sha256=file_sha256(path) if hash_file else "",
        size=path.stat().st_size,
        rows=int(meta[0]),
        row_groups=int(meta[1]),
        columns={str(name): str(kind) for name, kind, *_ in schema},
        # The file's own labels; Arrow's serialised schema is not one.
        metadata={str(k): str(v) for k, v in kv if str(k).startswith("soteflow:")},
    )
