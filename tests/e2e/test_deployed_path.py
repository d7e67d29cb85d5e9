"""The deployed path end to end: a Prefect server (on PostgreSQL when ``SOTEFLOW_TEST_PG_URL`` is
set), a process worker, ``prefect deploy --all``, and a body's decision in a real browser.

* ``cycle/cycle`` starts stage 1 for HVA08; the run suspends; the shipped automation POSTs the
  notification to a webhook on 127.0.0.1; headless Chromium (Debian's, driven by playwright) opens
  the run's page in a 1400×1000 window, clicks Resume, sees the summary and the Finnish form, is
  refused a return without comments, approves; the run completes, the decision is in the store,
  the keyed artifacts follow, and the approval event starts stage 2's deployment run.
* A stage-1 run started with the region's *name* (Kainuu) is found and resumed by
  ``soteflow decide --region Kainuu`` (no decision number), and refused without a server.

Marked ``e2e``: ``.ci/run`` runs them; locally ``pytest -m "not e2e"`` leaves them out. The form's
screenshot and the timings go to ``SOTEFLOW_TEST_ARTEFACTS`` (default ``var/test-artefacts``).
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.deployed import Deployed, deployed_path, wait_for
from tests.support import REPO_ROOT

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: A run's worker process, its imports and stage 1's documents: minutes on a busy 2-core machine.
RUN_S = 420.0


def artefacts_dir() -> Path:
    """Where the e2e tests leave what a person looks at afterwards (screenshot, timings)."""
    folder = Path(os.environ.get("SOTEFLOW_TEST_ARTEFACTS") or REPO_ROOT / "var" / "test-artefacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class WebhookReceiver:
    """An HTTP server on 127.0.0.1 that keeps every JSON body POSTed to it."""

    def __init__(self) -> None:
        """Start listening on a free port, in a thread."""
        received: list[dict[str, Any]] = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                received.append(json.loads(self.rfile.read(length) or b"{}"))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.received = received
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        """Stop the server and its thread."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Deployed, WebhookReceiver, dict[str, str]]]:
    """The deployed path with the notification set up, and stage 1 started for HVA08 (by the
    cycle's deployment) and for Kainuu (by name); the started runs' regions by test."""
    if not CHROMIUM.exists():
        pytest.skip("the e2e tests need Debian's chromium (apt-get install chromium; .ci/run installs it)")
    pytest.importorskip("playwright.sync_api", reason="the e2e tests need playwright (requirements.lock)")
    began = time.monotonic()
    receiver = WebhookReceiver()
    root = tmp_path_factory.mktemp("deployed")
    try:
        with deployed_path(root, {"SOTEFLOW_NOTIFY_WEBHOOK_URL": receiver.url}) as path:
            notify = path.run("soteflow", "notifications")
            assert notify.returncode == 0, notify.stdout + notify.stderr
            for deployment, region, cycle in (("cycle/cycle", "HVA08", "2026"), ("s1-needs/needs", "Kainuu", "2027")):
                started = path.run(
                    "prefect",
                    "deployment",
                    "run",
                    deployment,
                    "--param",
                    f"region={region}",
                    "--param",
                    f"cycle={cycle}",
                )
                assert started.returncode == 0, started.stdout + started.stderr
            path.seconds["set up"] = time.monotonic() - began
            yield path, receiver, {}
            path.seconds["module"] = time.monotonic() - began
            (artefacts_dir() / "e2e-timings.json").write_text(
                json.dumps({"backend": path.backend, **path.seconds}, indent=2) + "\n", encoding="utf-8"
            )
    finally:
        receiver.stop()
        for log in root.glob("*.log"):  # the server's and the worker's logs, to read after a failure
            shutil.copy(log, artefacts_dir() / f"e2e-{log.name}")


def _suspended_stage1(path: Deployed, region: str, cycle: int) -> dict[str, Any]:
    def find() -> dict[str, Any] | None:
        for run in path.flow_runs("s1-needs/needs"):
            if run["parameters"].get("region") == region and int(run["parameters"].get("cycle")) == cycle:
                state = (run.get("state") or {}).get("name")
                assert state not in {"Failed", "Crashed"}, f"stage 1 {region}: {state}"
                if state == "Suspended":
                    return run
        return None

    return wait_for(f"stage 1 of {region} {cycle} to suspend", find, RUN_S, path.logs, step=2)


def _completed(path: Deployed, run_id: str) -> None:
    def done() -> bool:
        state = path.state_of(run_id)
        assert state not in {"Failed", "Crashed", "Cancelled"}, f"run {run_id}: {state}"
        return state == "Completed"

    wait_for(f"run {run_id} to complete", done, RUN_S, path.logs, step=2)


def _store(path: Deployed) -> Any:
    from soteflow.store import Store

    return Store(path.store_url, Path(path.env["SOTEFLOW_HOME"]) / "blobs")


def _decisions(path: Deployed, region: str, cycle: int) -> list[Any]:
    store = _store(path)
    try:
        latest = store.latest(region, cycle, "needs-proposal")
        return [] if latest is None else list(store.decisions_for(latest.id))
    finally:
        store.close()


def test_the_body_decides_in_the_browser_and_the_approval_starts_stage_2(
    deployed: tuple[Deployed, WebhookReceiver, dict[str, str]],
) -> None:
    from playwright.sync_api import sync_playwright

    path, receiver, _ = deployed
    began = time.monotonic()
    run = _suspended_stage1(path, "HVA08", 2026)
    path.seconds["stage 1 suspended (HVA08)"] = time.monotonic() - began

    # The notification: stage, region, cycle, body, meeting date and the run's link.
    message = wait_for(
        "the webhook notification",
        lambda: next((m for m in receiver.received if "HVA08" in m.get("subject", "")), None),
        120,
        path.logs,
    )
    text = message["subject"] + "\n" + message["body"]
    for expected in (
        "Päätös odottaa",
        "Strateginen palvelutarpeiden arviointi",
        "Alue: HVA08",
        "Kierros: 2026",
        "Toimielin: Aluehallitus",
        "Kokouspäivä: 2026-",
        f"/runs/flow-run/{run['id']}",
    ):
        assert expected in text, text

    shot = artefacts_dir() / "decision-form-1400x1000.png"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{path.ui_url}/runs/flow-run/{run['id']}", wait_until="networkidle", timeout=120_000)
            page.get_by_role("button", name="Resume").first.click()
            dialog = page.locator(".p-modal__card")
            dialog.wait_for(timeout=60_000)
            dialog.get_by_text("Päätösesitys kokonaisuudessaan (PDF)").wait_for(timeout=60_000)
            # The summary is there to be read, in the window's height: title, findings and the PDF link.
            for visible in ("Palvelutarvearvio 2026", "Päätösesitys kokonaisuudessaan (PDF)"):
                box = dialog.get_by_text(visible).first.bounding_box()
                assert box is not None and box["height"] > 0 and 0 <= box["y"] < 1000, (visible, box)
            labels = dialog.locator(".schema-form-property__label").all_inner_texts()
            assert labels == [
                "Päätös",
                "Toimielin",
                "Kokouspäivä",
                "Pykälä (§)",
                "Päätösnumero",
                "Kommentit",
                "Kirjaaja",
            ]
            page.screenshot(path=str(shot))

            def field(label: str) -> Any:
                return (
                    dialog.locator(
                        ".schema-form-property", has=page.locator(".schema-form-property__label", has_text=label)
                    )
                    .first.locator("textarea, input")
                    .first
                )

            offered: list[str] = []

            def choose(outcome: str) -> None:
                control = dialog.locator(".p-select-button__control").first
                control.click()
                control.press("ArrowDown")  # opens the options (a click alone does not, in a dialog)
                page.get_by_role("option", name=outcome, exact=True).wait_for()
                offered[:] = page.get_by_role("option").all_inner_texts()
                page.get_by_role("option", name=outcome, exact=True).click()

            choose("palautettu uudelleen valmisteltavaksi")
            assert offered == ["hyväksytty", "palautettu uudelleen valmisteltavaksi", "hylätty"], offered
            field("Pykälä (§)").fill("112")
            field("Kirjaaja").fill("Sihteeri (e2e)")
            dialog.get_by_role("button", name="Submit").click()
            # Refused by the form: the dialog stays, the message names the comments, the run waits.
            page.get_by_text("Validation failed for field 'comments'").first.wait_for(timeout=60_000)
            assert dialog.is_visible() and path.state_of(run["id"]) == "Suspended"
            assert not _decisions(path, "HVA08", 2026)

            choose("hyväksytty")
            dialog.get_by_role("button", name="Submit").click()
            dialog.wait_for(state="hidden", timeout=60_000)
        finally:
            browser.close()
    _completed(path, run["id"])
    path.seconds["browser decision → completed"] = time.monotonic() - began - path.seconds["stage 1 suspended (HVA08)"]

    [decision] = _decisions(path, "HVA08", 2026)
    assert (str(decision.outcome.value), decision.section, decision.recorded_by) == (
        "approved",
        "112",
        "Sihteeri (e2e)",
    )

    # The keyed artifact follows the status, once per change (a resumed run mirrors nothing again),
    # and links the document.
    artifacts = path.api(
        "POST",
        "/artifacts/filter",
        {"artifacts": {"key": {"any_": ["hva08-2026-needs-proposal"]}}, "sort": "CREATED_DESC"},
    )[::-1]
    assert [a["description"].split(" · ")[1] for a in artifacts] == ["proposed", "approved"], artifacts
    assert "Päätösesitys (PDF)" in artifacts[-1]["data"]

    # The approval event starts stage 2's deployment for the same region and cycle.
    def stage2() -> dict[str, Any] | None:
        runs = path.flow_runs("s2-targets/targets")
        return next(
            (
                r
                for r in runs
                if r["parameters"].get("region") == "HVA08" and str(r["parameters"].get("cycle")) == "2026"
            ),
            None,
        )

    started = wait_for("stage 2 started by the approval event", stage2, 180, path.logs, step=2)
    path.seconds["approval → stage 2 run"] = (
        time.monotonic()
        - began
        - sum(path.seconds[k] for k in ("stage 1 suspended (HVA08)", "browser decision → completed"))
    )
    # Stage 2 itself is tested elsewhere: cancel its run (the worker stops its process).
    path.api(
        "POST",
        f"/flow_runs/{started['id']}/set_state",
        {"state": {"type": "CANCELLING", "name": "Cancelling"}, "force": True},
    )
    assert shot.stat().st_size > 10_000


def test_decide_from_the_cli_resumes_a_run_started_by_the_region_name(
    deployed: tuple[Deployed, WebhookReceiver, dict[str, str]],
) -> None:
    path, _, _ = deployed
    began = time.monotonic()
    run = _suspended_stage1(path, "Kainuu", 2027)
    code = run["parameters"]["region"]
    assert code == "Kainuu"  # the run was started by name; the store keeps the code
    decide = [
        "soteflow", "decide", "--stage", "needs", "--region", "Kainuu", "--cycle", "2027", "--outcome", "approved",
        "--body", "Aluehallitus", "--meeting-date", "2027-09-07", "--section", "7", "--recorded-by", "Sihteeri",
    ]  # fmt: skip
    # Without a server to resume it through, the decision is refused, not written around the run.
    offline = {k: v for k, v in path.env.items() if k != "PREFECT_API_URL"}
    refused = path.run(*decide, env=offline)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert f"flow run {run['id']} waits for this decision (gate suspend)" in refused.stderr
    assert "Traceback" not in refused.stderr and not _decisions(path, "HVA20", 2027)

    resumed = path.run(*decide)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert resumed.stdout.startswith(f"resumed flow run {run['id']}"), resumed.stdout
    _completed(path, run["id"])
    [decision] = _decisions(path, "HVA20", 2027)
    assert (str(decision.outcome.value), decision.section, decision.decision_number) == ("approved", "7", None)
    path.seconds["CLI decision (Kainuu)"] = time.monotonic() - began
