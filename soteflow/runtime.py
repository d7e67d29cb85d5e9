"""What a ``soteflow`` command does around the flow runs it runs in its own process.

* **The temporary server dies with the command.** Without a server (no ``PREFECT_API_URL``)
  Prefect starts a temporary API server as a child process and stops it at exit; a command killed
  with SIGKILL never reaches its exit handlers, and the server lived on as an orphan (~200 MB,
  parent 1). On Linux the server is started with ``PR_SET_PDEATHSIG``: the kernel kills it when
  the command's main thread ends, however it ends.
* **A run whose process died is marked crashed.** Each flow run a command starts carries the tags
  ``soteflow-pid`` and ``soteflow-pid:<host>:<pid>``; before its own run, a command marks every
  run still RUNNING or PENDING whose process on this host no longer exists as CRASHED, with a
  message saying so, instead of leaving it running forever in the UI and the database.

Deployments run by a worker are not concerned: the worker watches its own flow-run processes.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

__all__ = ["PID_TAG", "command_flow_runs", "guard_temporary_server", "pid_tag", "reap_dead_runs"]

PID_TAG = "soteflow-pid"
_PR_SET_PDEATHSIG = 1
_guarded = False


def pid_tag(pid: int | None = None, host: str | None = None) -> str:
    """The tag naming the process that runs a flow run: ``soteflow-pid:<host>:<pid>``."""
    return f"{PID_TAG}:{host or socket.gethostname()}:{pid or os.getpid()}"


def _die_with_parent() -> None:  # runs in the child between fork and exec
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def guard_temporary_server() -> None:
    """Start Prefect's temporary server so that the kernel kills it when this process ends.

    Only from the main thread (the death signal follows the thread that started the child) and
    only on Linux; elsewhere Prefect's own start is used unchanged.
    """
    global _guarded
    if _guarded or not sys.platform.startswith("linux"):
        return
    from prefect.server.api import server

    original = server.SubprocessASGIServer._run_uvicorn_command
    popen = subprocess.Popen

    def start(self: Any) -> Any:
        if threading.current_thread() is not threading.main_thread():
            return original(self)

        def dying_with_parent(*args: Any, **kwargs: Any) -> Any:
            kwargs.setdefault("preexec_fn", _die_with_parent)
            return popen(*args, **kwargs)

        with mock.patch.object(subprocess, "Popen", dying_with_parent):  # the module Prefect calls it from
            return original(self)

    server.SubprocessASGIServer._run_uvicorn_command = start  # type: ignore[method-assign]
    _guarded = True


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def reap_dead_runs() -> list[str]:
    """Mark RUNNING or PENDING flow runs of this host whose process is gone as CRASHED; their names."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterState, FlowRunFilterStateType
    from prefect.client.schemas.objects import StateType
    from prefect.states import Crashed

    host = socket.gethostname()
    reaped: list[str] = []
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.RUNNING, StateType.PENDING]))
            )
        )
        for run in runs:
            for tag in run.tags:
                prefix, _, rest = tag.partition(":")
                tag_host, _, pid = rest.rpartition(":")
                if prefix != PID_TAG or tag_host != host or not pid.isdigit() or _alive(int(pid)):
                    continue
                client.set_flow_run_state(
                    run.id,
                    Crashed(message=f"the process that ran it (pid {pid} on {host}) has ended without finishing it"),
                    force=True,
                )
                reaped.append(run.name)
    return reaped


@contextmanager
def command_flow_runs() -> Iterator[None]:
    """Around the flow runs of one command: the server guard, the dead runs marked, the pid tags."""
    from prefect import tags

    guard_temporary_server()
    reap_dead_runs()
    with tags(PID_TAG, pid_tag()):
        yield
