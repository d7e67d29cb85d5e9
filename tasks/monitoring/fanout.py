"""Stage 6's producer reports fan out as a Prefect task mapped over them, one task run per report.

A period's report case carries one steering report per producer (contract). The round renders
each report's HTML from the producer's slice of the analysis (:mod:`tasks.monitoring.documents`;
cheap, and it names the key by which a PDF already in the store is reused,
:mod:`soteflow.documents.reuse`). The PDFs still to render, the expensive part (WeasyPrint holds
the GIL), are the Prefect task ``steering-report-pdf`` mapped over them, one task run per
document, under the flow run (an escalation decision's PDF is one too):

* task runner ``default``: the task runs on the flow's own task runner (Prefect's thread pool)
  and hands its document to the round's rendering processes
  (:func:`soteflow.documents.parallel.render_in_pool`): the Prefect UI shows a task run per
  report, and the PDFs still render in parallel processes, not in threads holding the GIL;
* task runner ``dask``: ``render_report_pdf.map(...)`` on the flow's task runner when it is a
  :class:`~prefect_dask.DaskTaskRunner` (``soteflow stage steering --task-runner dask`` sets it
  with ``flow.with_options``), otherwise on one opened for the fan-out (a deployment run with the
  parameter ``task_runner=dask``). Either is a local Dask cluster of ``render_workers``
  single-threaded processes, or the scheduler at ``SOTEFLOW_DASK_ADDRESS`` (its workers need this
  repository's code and templates, and the Prefect API).

The job a task renders is the one the round would render itself (outside a flow run, e.g. a
direct round, the round renders it in :func:`~soteflow.documents.parallel.render_pdfs`), and
rendering is byte-reproducible: the PDFs are the same bytes whichever runner rendered them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import Literal

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from prefect_dask.task_runners import DaskTaskRunner

from soteflow.documents.parallel import PdfJob, prestart, render_in_pool, render_workers, rendering_with
from soteflow.settings import get_settings

__all__ = [
    "TASK_RUNNERS",
    "TaskRunnerKind",
    "dask_task_runner",
    "producer_reports_on",
    "render_mapped",
    "render_pooled",
]

#: The task runners the steering flow's producer reports can run on.
TaskRunnerKind = Literal["default", "dask"]
TASK_RUNNERS: tuple[TaskRunnerKind, ...] = ("default", "dask")


@task(name="steering-report-pdf", task_run_name="pdf: {label}", cache_policy=NO_CACHE, persist_result=False)
def render_report_pdf(job: PdfJob, label: str) -> bytes:
    """Render one steering report's PDF/A-3a from its HTML, metadata and attachments.

    Args:
        job: The document's HTML, metadata, attachments and templates folder.
        label: The document's title, for the task run's name.
    """
    return job.run()


@task(name="steering-report-pdf", task_run_name="pdf: {label}", cache_policy=NO_CACHE, persist_result=False)
def hand_report_pdf(job: PdfJob, label: str) -> bytes:
    """Render one steering report's PDF/A-3a in one of the round's rendering processes (this task
    run's thread waits for it without holding the GIL).

    Args:
        job: The document's HTML, metadata, attachments and templates folder.
        label: The document's title, for the task run's name.
    """
    return render_in_pool(job)


def dask_task_runner() -> DaskTaskRunner:
    """A Dask task runner: the scheduler at the ``dask_address`` setting, or a local cluster of
    ``render_workers`` processes with one thread each (a PDF renders holding the GIL)."""
    address = get_settings().dask_address
    if address:
        return DaskTaskRunner(address=address)
    return DaskTaskRunner(
        cluster_kwargs={
            "n_workers": render_workers(),
            "threads_per_worker": 1,
            "processes": True,
            "dashboard_address": None,
        }
    )


@contextmanager
def _api_for_workers() -> Iterator[None]:
    """Dask's worker processes report their task runs to the API this process uses.

    Without ``PREFECT_API_URL``, Prefect runs a temporary server in a child process of this one;
    its URL is set for the submitted tasks' context, or each worker would start a server of its own.
    """
    from prefect.server.api.server import SubprocessASGIServer
    from prefect.settings import PREFECT_API_URL, temporary_settings

    server = SubprocessASGIServer()  # this process's temporary server (Prefect keeps one)
    if PREFECT_API_URL.value() or not server.running:
        yield
        return
    with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
        yield


def _label(job: PdfJob) -> str:
    return job.metadata.title


def render_mapped(jobs: Sequence[PdfJob], runner: DaskTaskRunner | None = None) -> list[bytes]:
    """The PDFs of ``jobs``, in order, each rendered by a run of ``steering-report-pdf`` mapped over them.

    In a flow run whose task runner is a :class:`DaskTaskRunner`, on that runner; otherwise on
    ``runner`` (default :func:`dask_task_runner`), started for these jobs and stopped after them.
    """
    flow_run = FlowRunContext.get()
    if flow_run is None:
        raise RuntimeError("the producer reports fan out inside a steering flow run")
    with ExitStack() as stack:
        if not isinstance(flow_run.task_runner, DaskTaskRunner):
            started = stack.enter_context(runner or dask_task_runner())
            # task.map submits to the flow run's task runner: this copy of the context names the Dask one.
            stack.enter_context(flow_run.model_copy(update={"task_runner": started}))
        stack.enter_context(_api_for_workers())
        futures = render_report_pdf.map(job=list(jobs), label=[_label(job) for job in jobs])
        return [future.result() for future in futures]


def render_pooled(jobs: Sequence[PdfJob]) -> list[bytes]:
    """The PDFs of ``jobs``, in order, each rendered by a run of ``steering-report-pdf`` mapped over
    them on the flow run's task runner, which hands it to the round's rendering processes."""
    flow_run = FlowRunContext.get()
    if flow_run is None:
        raise RuntimeError("the producer reports fan out inside a steering flow run")
    futures = hand_report_pdf.map(job=list(jobs), label=[_label(job) for job in jobs])
    return [future.result() for future in futures]


@contextmanager
def producer_reports_on(task_runner: TaskRunnerKind) -> Iterator[None]:
    """Within a steering flow run: where the producer reports' PDFs render (see the module)."""
    if task_runner not in TASK_RUNNERS:
        from soteflow.errors import InputError

        raise InputError(f"task_runner must be one of {', '.join(TASK_RUNNERS)}", field="task_runner")
    if task_runner == "default":
        # Every rendering process the fan-out uses starts now (if the cycle has not started them),
        # in the background, while the round reads and analyses: the calling process renders none
        # of the mapped PDFs itself.
        prestart()
        with rendering_with(render_pooled):
            yield
        return
    with rendering_with(render_mapped):
        yield
