"""The deployed path for the end-to-end tests: a Prefect server, a process work pool, the deployments
of ``prefect.yaml`` and a worker, each a process of its own, stopped (process group) at the end.

The server runs on PostgreSQL (``postgresql+asyncpg``) when ``SOTEFLOW_TEST_PG_URL`` names a
server, and so does the store (``postgresql+psycopg``), each in a fresh database; otherwise both
are SQLite files. Every log goes to a file under the test's folder, printed when a wait fails.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import make_url

from tests.pg import fresh_database, server_url
from tests.support import REPO_ROOT

T = TypeVar("T")

BIN = Path(sys.executable).parent

#: Generous: Prefect's server can take a minute to start on a busy 2-core machine.
SERVER_START_S = 240.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_for(what: str, check: Callable[[], T | None], timeout: float, logs: list[Path] = (), step: float = 1.0) -> T:  # type: ignore[assignment]
    """Poll ``check`` until it returns something truthy; on timeout fail with ``what`` and the logs' tails."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            tails = "\n".join(f"--- {p.name}\n{_tail(p)}" for p in logs)
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}\n{tails}")
        time.sleep(step)


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


@dataclass
class Deployed:
    """A running deployed path: its environment (for clients and commands), URLs and logs."""

    root: Path
    env: dict[str, str]
    api_url: str
    ui_url: str
    store_url: str
    backend: str
    logs: list[Path] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    def run(
        self, *args: str, timeout: float = 300, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run a command (``prefect …``, ``soteflow …``) in the repository with this environment."""
        return subprocess.run(
            [str(BIN / args[0]), *args[1:]],
            cwd=REPO_ROOT,
            env=env or self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def api(self, method: str, path: str, body: Any = None) -> Any:
        """One JSON request to the server's API."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{self.api_url}{path}", data=data, method=method, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            text = response.read().decode()
        return json.loads(text) if text else None

    def flow_runs(self, deployment: str | None = None) -> list[dict[str, Any]]:
        """Every flow run (of a deployment ``flow/deployment``, if given), newest first."""
        body: dict[str, Any] = {"sort": "EXPECTED_START_TIME_DESC", "limit": 200}
        runs: list[dict[str, Any]] = self.api("POST", "/flow_runs/filter", body)
        if deployment is not None:
            found = self.api("GET", f"/deployments/name/{deployment}")
            runs = [r for r in runs if r.get("deployment_id") == found["id"]]
        return runs

    def flow_run(self, run_id: str) -> dict[str, Any]:
        """A flow run as the API returns it."""
        run: dict[str, Any] = self.api("GET", f"/flow_runs/{run_id}")
        return run

    def state_of(self, run_id: str) -> str:
        """The state name of a flow run (``Suspended``, ``Completed`` …)."""
        return str((self.flow_run(run_id).get("state") or {}).get("name"))


def _spawn(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    handle = log.open("wb")
    # A session (process group) of its own: stopping it stops the worker's flow-run processes too.
    return subprocess.Popen(
        argv, cwd=REPO_ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
    )


def _stop(process: subprocess.Popen[bytes], grace: float = 20) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=grace)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=grace)


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


@contextmanager
def deployed_path(root: Path, extra_env: dict[str, str] | None = None) -> Iterator[Deployed]:
    """Start server, pool, deployments and worker under ``root``; stop everything on exit."""
    with ExitStack() as stack:
        pg = server_url()
        if pg:
            prefect_db = stack.enter_context(fresh_database(pg, "prefect"))
            store_url = stack.enter_context(fresh_database(pg, "store"))
            prefect_db_url = make_url(prefect_db).set(drivername="postgresql+asyncpg").render_as_string(False)
            backend = "postgresql"
        else:
            prefect_db_url = f"sqlite+aiosqlite:///{root / 'prefect.db'}"
            store_url = f"sqlite:///{root / 'store.db'}"
            backend = "sqlite"
        port = free_port()
        api_url = f"http://127.0.0.1:{port}/api"
        env = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith(("PREFECT_", "SOTEFLOW_")) or name == "SOTEFLOW_TEST_PG_URL"
        }
        env.update(
            {
                "PREFECT_HOME": str(root / "prefect-home"),
                "PREFECT_API_URL": api_url,
                "PREFECT_UI_URL": f"http://127.0.0.1:{port}",
                "PREFECT_SERVER_API_HOST": "127.0.0.1",
                "PREFECT_SERVER_API_PORT": str(port),
                "PREFECT_API_DATABASE_CONNECTION_URL": prefect_db_url,
                "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                "PREFECT_CLIENT_ENABLE_METRICS": "false",
                "PREFECT_LOGGING_LEVEL": "INFO",
                "PREFECT_RESULTS_PERSIST_BY_DEFAULT": "true",
                "PREFECT_LOCAL_STORAGE_PATH": str(root / "prefect-results"),
                # Events reach the triggers at once; the worker looks for runs every 2 s.
                "PREFECT_WORKER_QUERY_SECONDS": "2",
                "SOTEFLOW_HOME": str(root / "soteflow-home"),
                "SOTEFLOW_DATABASE_URL": store_url,
                "SOTEFLOW_RENDER_WORKERS": "1",
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(extra_env or {})
        deployed = Deployed(
            root=root,
            env=env,
            api_url=api_url,
            ui_url=f"http://127.0.0.1:{port}",
            store_url=store_url,
            backend=backend,
        )
        server_log = root / "server.log"
        deployed.logs.append(server_log)
        start = time.monotonic()
        server = _spawn(
            [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)], env, server_log
        )
        stack.callback(_stop, server)
        wait_for(
            "the Prefect server", lambda: _healthy(api_url) or server.poll() is not None, SERVER_START_S, [server_log]
        )
        assert server.poll() is None, _tail(server_log)
        deployed.seconds["server start"] = time.monotonic() - start

        start = time.monotonic()
        pool = deployed.run("prefect", "work-pool", "create", "soteflow", "--type", "process")
        assert pool.returncode == 0, pool.stdout + pool.stderr
        deploy = deployed.run("prefect", "--no-prompt", "deploy", "--all", timeout=600)
        assert deploy.returncode == 0, deploy.stdout + deploy.stderr
        (root / "deploy.log").write_text(deploy.stdout + deploy.stderr, encoding="utf-8")
        deployed.seconds["pool and deploy"] = time.monotonic() - start

        worker_log = root / "worker.log"
        deployed.logs.append(worker_log)
        worker = _spawn(
            [str(BIN / "prefect"), "worker", "start", "--pool", "soteflow", "--type", "process"], env, worker_log
        )
        stack.callback(_stop, worker)
        yield deployed
