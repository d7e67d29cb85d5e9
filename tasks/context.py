"""Where a stage round runs: the region, the cycle and the folders it reads, checked once.

Every stage receives one :class:`RoundContext`. The region may be given as a code (``HVA08``), the
map's id (``PI``) or a name (``Pirkanmaa``); the store keys everything by the code. The public data
(Statistics Finland exports, the map, the region configuration) is read from the data folder
(``--data``, by default the shipped ``data/``); the region's own files (finance, catalogue,
feedback, costs) from the inputs folder (``--inputs``, by default ``<data>/examples/<REGION>``).
A configuration file or map missing from a given data folder is taken from the shipped one.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from schemas.stages import FIRST_CYCLE, LAST_CYCLE, Cycle, Stage
from soteflow.data.regions import load_region_key, resolve_region
from soteflow.errors import InputError
from soteflow.settings import get_settings

MAP_FILE = Path("geo") / "finland-hva-2021.topo.json"
CONFIG_DIR = Path("config") / "regions"

_CYCLE: TypeAdapter[int] = TypeAdapter(Cycle)


class RoundContext(BaseModel):
    """The region, cycle and folders of one stage round (resolved, checked, JSON-serialisable)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    stage: Stage = Field(description="The stage that runs.")
    region: str = Field(description="Welfare-region code, e.g. HVA08: the store's key.")
    region_name: str = Field(description="The area's Finnish name from the map, e.g. Pirkanmaan hyvinvointialue.")
    cycle: int = Field(description="Planning cycle (year).")
    data_dir: Path = Field(description="Public data: Statistics Finland exports, the map, the configuration.")
    inputs_dir: Path = Field(description="The region's own input files.")
    meeting_date: dt.date | None = Field(default=None, description="Meeting date given by the user, if any.")

    def data_file(self, relative: str | Path) -> Path:
        """A file under the data folder, or the shipped one when the given folder lacks it."""
        path = self.data_dir / relative
        return path if path.exists() else get_settings().input_dir / relative

    @property
    def config_dir(self) -> Path:
        """The folder of the region configuration files (governance)."""
        return self.data_file(CONFIG_DIR)


def check_cycle(cycle: Any) -> int:
    """``cycle`` as a planning year, or an :class:`InputError` saying why not."""
    reason = f"cycle {cycle!r} is not a planning cycle (a year {FIRST_CYCLE}–{LAST_CYCLE})"
    if isinstance(cycle, bool):
        raise InputError(reason)
    try:
        return _CYCLE.validate_python(cycle)
    except ValidationError:
        raise InputError(reason) from None


def parse_date(value: str | dt.date | None, field: str) -> dt.date | None:
    """A date given as ``YYYY-MM-DD`` (or a date), or an :class:`InputError` naming ``field``."""
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{value!r} is not a date (YYYY-MM-DD)", field=field) from None


def make_context(
    stage: Stage,
    *,
    region: str,
    cycle: Any,
    data_dir: str | Path | None = None,
    inputs_dir: str | Path | None = None,
    meeting_date: str | dt.date | None = None,
) -> RoundContext:
    """Resolve the region and folders and check the cycle; every problem is an :class:`InputError`."""
    checked_cycle = check_cycle(cycle)
    data = Path(data_dir).resolve() if data_dir else get_settings().input_dir
    if not data.is_dir():
        raise InputError("the data folder does not exist", file=data)
    key_file = data / MAP_FILE
    if not key_file.is_file():  # a data folder without the map uses the shipped one
        key_file = get_settings().input_dir / MAP_FILE
    found = resolve_region(region, load_region_key(key_file))
    inputs = Path(inputs_dir).resolve() if inputs_dir else data / "examples" / found.code
    return RoundContext(
        stage=stage,
        region=found.code,
        region_name=found.name_fi,
        cycle=checked_cycle,
        data_dir=data,
        inputs_dir=inputs,
        meeting_date=parse_date(meeting_date, "meeting_date"),
    )
