"""Stage 6's producer reports as a Prefect task mapped over them, on the flow's own task runner
(each run handing its PDF to the round's rendering processes) or on Dask (a local cluster): each
PDF is a task run of the flow run, and its bytes are those the round renders itself from the same
job (:func:`render_pdfs`, as before the fan-out); the stored producer reports are those bytes."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from schemas.stages import Stage
from soteflow.documents import parallel, reuse
from soteflow.documents.parallel import PdfJob, render_in_pool, render_pdfs
from soteflow.settings import get_settings
from soteflow.stagekit import open_store
from tests.support import copy_home
from tests.tasks.monitoring.test_monitoring import CYCLE, REGION, Seed, _run, write_period


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _producer_pdfs(result: Any) -> dict[str, str]:
    """The sha256 of each producer report's stored PDF, by key."""
    store = open_store()
    out: dict[str, str] = {}
    for case in result.cases:
        for ref in case.documents:
            if "-producer-" in ref.key and ref.key.endswith("-pdf"):
                out[ref.key] = _sha(store.read_file(store.get_version(ref.version_id)))
    return out


def _task_runs(flow_run_id: Any) -> list[str]:
    """The names of the flow run's completed task runs that rendered a PDF."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
    return sorted(r.name for r in runs if r.name.startswith("pdf: ") and r.state is not None and r.state.is_completed())


# A local Dask cluster (processes) on the Prefect test harness: about 20 s, so in the end-to-end
# group (make test-e2e, run by CI) beside the other tests that start real processes.
@pytest.mark.e2e
@pytest.mark.prefect
@pytest.mark.usefixtures("prefect_harness")
def test_the_producer_reports_render_on_dask_as_the_same_bytes(
    seed: Seed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.s6_steering import steering_flow
    from tasks.monitoring import fanout

    seeded = seed(Stage.PROCUREMENT)
    inputs = write_period(tmp_path / "inputs")
    rendered: list[tuple[list[PdfJob], list[bytes]]] = []
    real = fanout.render_mapped

    def recording(jobs: Sequence[PdfJob]) -> list[bytes]:
        pdfs = real(jobs)
        rendered.append((list(jobs), pdfs))
        return pdfs

    monkeypatch.setattr(fanout, "render_mapped", recording)
    # A deployment's parameter (the flow on the default runner; the fan-out opens a Dask cluster),
    # and the CLI's --task-runner dask (the flow itself on Dask), each on its own copy of the store.
    for name, flow in (
        ("parameter", steering_flow),
        ("flow", steering_flow.with_options(task_runner=fanout.dask_task_runner())),
    ):
        copy_home(seeded, tmp_path / name)
        monkeypatch.setenv("SOTEFLOW_HOME", str(tmp_path / name))
        get_settings.cache_clear()
        rendered.clear()
        state = flow(
            region=REGION, cycle=CYCLE, period="2026-03", inputs_dir=str(inputs), gate="scripted",
            task_runner="dask", return_state=True,
        )  # fmt: skip
        # The report case's three PDFs (the report and each producer's) were mapped task runs.
        assert _task_runs(state.state_details.flow_run_id) == [
            "pdf: Ohjausraportti: Hoivapolku Esimerkki Oy (S-KOTI-02), maaliskuu 2026 – Pirkanmaan hyvinvointialue",
            "pdf: Ohjausraportti: Palvelutalo Esimerkki ry (S-TEHPA-02), maaliskuu 2026 – Pirkanmaan hyvinvointialue",
            "pdf: Tuotannon ohjaus-, seuranta- ja valvontaraportti, maaliskuu 2026 – Pirkanmaan hyvinvointialue",
        ]
        [(jobs, on_dask)] = rendered
        # The default runner (the round's own rendering processes) gives the same bytes from the same jobs.
        by_default = render_pdfs(jobs)
        assert [_sha(p) for p in on_dask] == [_sha(p) for p in by_default]
        stored = _producer_pdfs(state.result())
        assert set(stored) == {"steering-2026-03-producer-s-koti-02-pdf", "steering-2026-03-producer-s-tehpa-02-pdf"}
        assert set(stored.values()) <= {_sha(p) for p in on_dask}


PDF_RUNS = [
    "pdf: Ohjausraportti: Hoivapolku Esimerkki Oy (S-KOTI-02), maaliskuu 2026 – Pirkanmaan hyvinvointialue",
    "pdf: Ohjausraportti: Palvelutalo Esimerkki ry (S-TEHPA-02), maaliskuu 2026 – Pirkanmaan hyvinvointialue",
    "pdf: Tuotannon ohjaus-, seuranta- ja valvontaraportti, maaliskuu 2026 – Pirkanmaan hyvinvointialue",
]


# A flow run on the Prefect test harness, with rendering processes: in the end-to-end group beside
# the other stage-flow tests on Prefect's test server.
@pytest.mark.e2e
@pytest.mark.prefect
@pytest.mark.usefixtures("prefect_harness")
def test_the_default_runner_shows_a_task_run_per_report_with_the_same_bytes(
    seed: Seed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.s6_steering import steering_flow
    from tasks.monitoring import fanout

    seed(Stage.PROCUREMENT)
    inputs = write_period(tmp_path / "inputs")
    rendered: list[tuple[list[PdfJob], list[bytes]]] = []
    real = fanout.render_pooled

    def recording(jobs: Sequence[PdfJob]) -> list[bytes]:
        pdfs = real(jobs)
        rendered.append((list(jobs), pdfs))
        return pdfs

    monkeypatch.setattr(fanout, "render_pooled", recording)
    state = steering_flow(
        region=REGION, cycle=CYCLE, period="2026-03", inputs_dir=str(inputs), gate="scripted", return_state=True
    )
    # The report case's three PDFs (the report and each producer's) were mapped task runs.
    assert _task_runs(state.state_details.flow_run_id) == PDF_RUNS
    [(jobs, pooled)] = rendered
    # The round's own rendering (as before the fan-out: this process and its workers) gives the same bytes.
    assert [_sha(p) for p in pooled] == [_sha(p) for p in render_pdfs(jobs)]
    stored = _producer_pdfs(state.result())
    assert set(stored) == {"steering-2026-03-producer-s-koti-02-pdf", "steering-2026-03-producer-s-tehpa-02-pdf"}
    assert set(stored.values()) <= {_sha(p) for p in pooled}


def test_a_pooled_report_renders_in_a_rendering_process_not_in_the_calling_one(
    seed: Seed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(Stage.PROCUREMENT)
    jobs: list[PdfJob] = []
    real = reuse.render_pdfs

    def keep(batch: Sequence[PdfJob], *, workers: int | None = None) -> list[bytes]:
        jobs.extend(batch)
        return real(batch, workers=workers)

    monkeypatch.setattr(reuse, "render_pdfs", keep)
    _run(write_period(tmp_path / "inputs"))  # a direct round: the report and two producers' reports
    assert len(jobs) == 3
    here = [job.run() for job in jobs]
    calls: list[str] = []

    def not_here(self: PdfJob) -> bytes:
        calls.append(threading.current_thread().name)
        raise AssertionError("rendered in the calling process")

    monkeypatch.setattr(PdfJob, "run", not_here)
    try:
        # Three task threads, two rendering processes: each PDF rendered in a process, byte for byte.
        with ThreadPoolExecutor(3) as pool:
            pooled = list(pool.map(lambda job: render_in_pool(job, workers=2), jobs))
    finally:
        parallel.shutdown()
    assert calls == [] and pooled == here and len(set(pooled)) == 3


def test_an_unknown_task_runner_is_refused() -> None:
    from soteflow.errors import InputError
    from tasks.monitoring.fanout import producer_reports_on

    with (
        pytest.raises(InputError, match="task_runner must be one of default, dask"),
        producer_reports_on("threads"),  # type: ignore[arg-type]
    ):
        pass


def test_the_steering_command_takes_a_task_runner() -> None:
    from typer.testing import CliRunner

    from tasks.cli import app

    runner = CliRunner()
    steering = runner.invoke(app, ["stage", "steering", "--help"], terminal_width=200)
    assert steering.exit_code == 0 and "--task-runner" in steering.output
    needs = runner.invoke(app, ["stage", "needs", "--help"], terminal_width=200)
    assert needs.exit_code == 0 and "--task-runner" not in needs.output
