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
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from schemas.governance import PlanningYears
from schemas.stages import FIRST_CYCLE, LAST_CYCLE, Cycle, Stage
from soteflow.data.regions import load_region_key, resolve_region
from soteflow.documents.governance import load_region_config
from soteflow.errors import InputError
from soteflow.settings import get_settings

MAP_FILE = Path("geo") / "finland-hva-2021.topo.json"
CONFIG_DIR = Path("config") / "regions"

_CYCLE: TypeAdapter[int] = TypeAdapter(Cycle)
_PERIOD_RE = re.compile(r"^(?P<year>\d{4})-(?:(?P<month>0[1-9]|1[0-2])|Q(?P<quarter>[1-4]))$")


class RoundContext(BaseModel):
    """The region, cycle and folders of one stage round (resolved, checked, JSON-serialisable)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    stage: Stage = Field(description="The stage that runs.")
    region: str = Field(description="Welfare-region code, e.g. HVA08: the store's key.")
    region_name: str = Field(description="The area's Finnish name from the map, e.g. Pirkanmaan hyvinvointialue.")
    cycle: int = Field(description="Planning cycle (year): the store's key.")
    planning: PlanningYears = Field(
        description="The budget year and financial plan the cycle prepares (the region's [planning] configuration)."
    )
    data_dir: Path = Field(description="Public data: Statistics Finland exports, the map, the configuration.")
    inputs_dir: Path = Field(description="The region's own input files.")
    meeting_date: dt.date | None = Field(default=None, description="Meeting date given by the user, if any.")
    period: str | None = Field(
        default=None, description="The period of a periodic stage (2026-03 or 2026-Q1), inside the cycle; else None."
    )

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
        raise InputError(reason, field="cycle")
    try:
        return _CYCLE.validate_python(cycle)
    except ValidationError:
        raise InputError(reason, field="cycle") from None


def parse_date(value: str | dt.date | None, field: str) -> dt.date | None:
    """A date given as ``YYYY-MM-DD`` (or a date), or an :class:`InputError` naming ``field``."""
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{value!r} is not a date (YYYY-MM-DD)", field=field) from None


def check_period(period: Any, cycle: int) -> str:
    """``period`` as a month (``2026-03``) or quarter (``2026-Q1``) of the cycle's year, or an
    :class:`InputError` saying why not (periodic stages run per period inside a cycle)."""
    text = str(period).strip().upper() if period is not None else ""
    match = _PERIOD_RE.match(text)
    if isinstance(period, bool) or match is None:
        raise InputError(f"period {period!r} is not a month (YYYY-MM) or a quarter (YYYY-Qn)", field="period")
    if int(match["year"]) != cycle:
        raise InputError(f"period {text} is outside cycle {cycle} (a period of {cycle} is expected)", field="period")
    return text


def period_bounds(period: str) -> tuple[dt.date, dt.date]:
    """The first and last day of a period (``2026-03`` → 1.3.–31.3.2026; ``2026-Q2`` → 1.4.–30.6.2026)."""
    match = _PERIOD_RE.match(period)
    if match is None:
        raise ValueError(f"not a period: {period!r}")
    year = int(match["year"])
    first_month = int(match["month"]) if match["month"] else 3 * int(match["quarter"]) - 2
    last_month = first_month if match["month"] else first_month + 2
    end = dt.date(year + (last_month == 12), last_month % 12 + 1, 1) - dt.timedelta(days=1)
    return dt.date(year, first_month, 1), end


def previous_period(period: str) -> str | None:
    """The period before ``period`` in the same cycle (same kind), or None for the cycle's first."""
    start, _ = period_bounds(period)
    if "Q" in period:
        quarter = (start.month - 1) // 3 + 1
        return f"{start.year}-Q{quarter - 1}" if quarter > 1 else None
    return f"{start.year}-{start.month - 1:02d}" if start.month > 1 else None


def period_slug(period: str | None) -> str:
    """The period as it appears in artefact and case keys (lower case: ``2026-q1``); empty for None."""
    return period.lower() if period else ""


def make_context(
    stage: Stage,
    *,
    region: str,
    cycle: Any,
    data_dir: str | Path | None = None,
    inputs_dir: str | Path | None = None,
    meeting_date: str | dt.date | None = None,
    period: str | None = None,
) -> RoundContext:
    """Resolve the region and folders and check the cycle (and the period, if given); every
    problem is an :class:`InputError`."""
    checked_cycle = check_cycle(cycle)
    checked_period = check_period(period, checked_cycle) if period is not None else None
    data = Path(data_dir).resolve() if data_dir else get_settings().input_dir
    if not data.is_dir():
        raise InputError("the data folder does not exist", file=data)
    key_file = data / MAP_FILE
    if not key_file.is_file():  # a data folder without the map uses the shipped one
        key_file = get_settings().input_dir / MAP_FILE
    found = resolve_region(region, load_region_key(key_file))
    inputs = Path(inputs_dir).resolve() if inputs_dir else data / "examples" / found.code
    config_dir = data / CONFIG_DIR if (data / CONFIG_DIR).exists() else get_settings().input_dir / CONFIG_DIR
    config = load_region_config(found.code, config_dir, region_name=found.name_fi)
    return RoundContext(
        stage=stage,
        region=found.code,
        region_name=found.name_fi,
        cycle=checked_cycle,
        planning=config.planning.years(checked_cycle),
        data_dir=data,
        inputs_dir=inputs,
        meeting_date=parse_date(meeting_date, "meeting_date"),
        period=checked_period,
    )
