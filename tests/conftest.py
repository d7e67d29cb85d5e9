"""Test set-up: a clean environment per test, one Prefect test harness per session.

Prefect reads its settings when imported, so its home, result storage and telemetry switch are
set here, before any test module imports it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

_SESSION_DIR = Path(tempfile.mkdtemp(prefix="soteflow-tests-"))
for _name in list(os.environ):
    if _name.startswith(("SOTEFLOW_", "PREFECT_")) and _name not in {"SOTEFLOW_UPDATE_GOLDEN", "SOTEFLOW_UI_TESTS"}:
        del os.environ[_name]
os.environ.update(
    {
        "PREFECT_HOME": str(_SESSION_DIR / "prefect-home"),
        "PREFECT_LOCAL_STORAGE_PATH": str(_SESSION_DIR / "prefect-results"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_CLIENT_ENABLE_METRICS": "false",
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "PREFECT_LOGGING_TO_API_ENABLED": "false",
    }
)

#: Switches for the test run itself, not settings of the code under test.
_KEEP = {"SOTEFLOW_UPDATE_GOLDEN", "SOTEFLOW_UI_TESTS"}

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = REPO_ROOT / "data"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Every test gets its own store and no SOTEFLOW_* variable from the machine."""
    from soteflow.settings import get_settings

    for name in list(os.environ):
        if name.startswith("SOTEFLOW_") and name not in _KEEP:
            monkeypatch.delenv(name)
    monkeypatch.setenv("SOTEFLOW_HOME", str(tmp_path / "soteflow-home"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One temporary Prefect server and database for the whole session (about 20 s to start)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(_SESSION_DIR, ignore_errors=True)
