"""Test set-up: a clean environment per test, one Prefect test harness per session, seeded stores.

Prefect reads its settings when imported, so its home, result storage and telemetry switch are
set here, before any test module imports it. Shared helpers live in ``tests/support.py``: nothing
is imported from this module.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from schemas.stages import Stage
from tests.support import StoreSeeds, copy_home

#: Switches for the test run itself, not settings of the code under test.
_KEEP = {"SOTEFLOW_UPDATE_GOLDEN", "SOTEFLOW_UI_TESTS", "SOTEFLOW_TEST_PG_URL", "SOTEFLOW_TEST_ARTEFACTS"}

_SESSION_DIR = Path(tempfile.mkdtemp(prefix="soteflow-tests-"))
for _name in list(os.environ):
    if _name.startswith(("SOTEFLOW_", "PREFECT_")) and _name not in _KEEP:
        del os.environ[_name]
os.environ.update(
    {
        "PREFECT_HOME": str(_SESSION_DIR / "prefect-home"),
        "PREFECT_LOCAL_STORAGE_PATH": str(_SESSION_DIR / "prefect-results"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_CLIENT_ENABLE_METRICS": "false",
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "PREFECT_LOGGING_TO_API_ENABLED": "false",
        # A busy 2-core machine can need more than Prefect's default 20 s to start the server.
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    }
)


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


@pytest.fixture(scope="session")
def store_seeds(tmp_path_factory: pytest.TempPathFactory) -> StoreSeeds:
    """The run's seeded stores (computed on first use), shared by the xdist workers of one run:
    their temporary folders are ``popen-gwN`` beside each other (pytest keeps the last three runs)."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    return StoreSeeds(shared / "soteflow-seeds")


@pytest.fixture
def seed(store_seeds: StoreSeeds, tmp_path: Path) -> Callable[[Stage], Path]:
    """``seed(Stage.TARGETS)``: this test's store holds stages 1–2 of HVA08 2026, approved."""

    def apply(stage: Stage) -> Path:
        home = tmp_path / "soteflow-home"
        copy_home(store_seeds.home_after(stage), home)
        return home

    return apply


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test that runs on the Prefect test harness carries the ``prefect`` marker, so the
    fast part of the suite is ``pytest -m "not prefect"``."""
    for item in items:
        if "prefect_harness" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.prefect)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(_SESSION_DIR, ignore_errors=True)
