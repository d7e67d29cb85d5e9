"""A killed command leaves no Prefect server behind, and the next command marks its run crashed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from soteflow.runtime import PID_TAG, pid_tag, reap_dead_runs
from tests.support import REPO_ROOT


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.mark.usefixtures("prefect_harness")
def test_a_run_whose_process_is_gone_is_marked_crashed_and_a_live_one_is_not() -> None:
    from prefect import flow
    from prefect.client.orchestration import get_client
    from prefect.states import Running

    @flow(name="runtime-probe")
    def probe() -> None:
        pass

    with get_client(sync_client=True) as client:
        dead = client.create_flow_run(probe, tags=[PID_TAG, pid_tag(pid=_dead_pid())], state=Running())
        alive = client.create_flow_run(probe, tags=[PID_TAG, pid_tag()], state=Running())
        other_host = client.create_flow_run(
            probe, tags=[PID_TAG, pid_tag(pid=_dead_pid(), host="elsewhere")], state=Running()
        )
        reaped = reap_dead_runs()
        dead_state, alive_state, other_state = (client.read_flow_run(r.id).state for r in (dead, alive, other_host))
    assert reaped == [dead.name]
    assert dead_state is not None and dead_state.is_crashed()
    assert "has ended without finishing it" in str(dead_state.message)
    assert alive_state is not None and alive_state.is_running()
    assert other_state is not None and other_state.is_running()  # not ours to judge


def _processes_with(marker: str) -> list[int]:
    """Live processes whose environment holds ``marker`` (e.g. the test's PREFECT_HOME)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker.encode() in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


# A real command with its own temporary server, killed: about 15 s of waiting for the server, so it
# runs with the deployed-path tests (make test-e2e, which CI runs after make test).
@pytest.mark.e2e
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the death signal is Linux's")
def test_a_killed_command_leaves_no_temporary_server(tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "SOTEFLOW_"))},
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
        "SOTEFLOW_HOME": str(tmp_path / "soteflow-home"),
        "PYTHONUNBUFFERED": "1",
    }
    command = subprocess.Popen(
        [sys.executable, "-m", "tasks.cli", "stage", "needs", "--region", "HVA08"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert command.stdout is not None
    deadline = time.monotonic() + 180
    for line in command.stdout:  # until the flow run has begun: the server is up
        if "Beginning flow run" in line or time.monotonic() > deadline:
            break
    server = _processes_with(str(tmp_path / "prefect-home"))
    assert server, "no temporary server was started"
    command.send_signal(signal.SIGKILL)
    command.wait()
    deadline = time.monotonic() + 10
    while _processes_with(str(tmp_path / "prefect-home")) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _processes_with(str(tmp_path / "prefect-home")) == [], "the temporary server outlived the command"
