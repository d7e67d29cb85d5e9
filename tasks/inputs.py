"""Where a stage's input files are: the shipped data folder and the region's own inputs folder.

Stage 1 reads the public data under the data folder (``SOTEFLOW_INPUT_DIR``, by default the
repository's ``data/``). Stages 2–4 read the region's own files (finance, catalogue, feedback,
costs) from an inputs folder: the one given, else ``<data folder>/examples/<REGION>``, where the
shipped example files are.
"""

from __future__ import annotations

from pathlib import Path

from soteflow.settings import get_settings


def data_dir_or_default(data_dir: str | Path | None) -> Path:
    """The data folder: ``data_dir`` if given, else the shipped data (``SOTEFLOW_INPUT_DIR``)."""
    return Path(data_dir) if data_dir else get_settings().input_dir


def inputs_dir_or_default(inputs_dir: str | Path | None, data_dir: str | Path | None, region_code: str) -> Path:
    """The region's inputs folder: ``inputs_dir`` if given, else ``<data folder>/examples/<REGION>``."""
    return Path(inputs_dir) if inputs_dir else data_dir_or_default(data_dir) / "examples" / region_code
