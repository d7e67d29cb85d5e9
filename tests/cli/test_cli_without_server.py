"""The command as a user runs it, without a Prefect server: a gate that needs one says so in one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support import REPO_ROOT


def test_gate_pause_without_a_server_exits_2_instead_of_hanging(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env.update({"SOTEFLOW_HOME": str(tmp_path / "home"), "PREFECT_HOME": str(tmp_path / "prefect")})
    done = subprocess.run(
        [sys.executable, "-m", "tasks.cli", "stage", "needs", "--gate", "pause"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.strip().endswith("--gate pause needs a Prefect server: set PREFECT_API_URL (see the README)")
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "home" / "soteflow.db").exists()
