"""Render several PDFs at the same time, in processes: WeasyPrint holds the GIL while it lays out.

The calling process renders its share of a case's documents while worker processes render the
others, so a case with two documents takes about as long as its longest one. A worker is a fresh
interpreter running :mod:`soteflow.documents.worker`; jobs and PDFs travel pickled over its
stdin and stdout. Not :mod:`multiprocessing`: its spawn and forkserver methods run the caller's
main script again in every worker (a script without ``if __name__ == "__main__"`` would run its
stages there too), and its fork method copies a process that runs Prefect's threads.

The workers are started on first use (or early, in the background, by :func:`prestart`) and
kept for the life of the process; they end when it does. Rendering is byte-reproducible, so a
document rendered in a worker is byte-identical to the same document rendered here. A worker
that dies is replaced by rendering its documents in the calling process; an error in a document
is raised as it would be one after another.

A flow may render elsewhere instead (:func:`rendering_with`): stage 6 maps a Prefect task over its
producer reports, on the flow's task runner or on Dask. The jobs are the same, and so are the bytes.
A caller that fans out on its own threads (a Prefect task run per document on the flow's thread
pool) hands each job to these processes with :func:`render_in_pool`.
"""

from __future__ import annotations

import atexit
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

from schemas.documents import DocumentMetadata, PdfAttachment
from soteflow.documents.render import html_to_pdf
from soteflow.documents.worker import receive, send
from soteflow.settings import get_settings

__all__ = [
    "PdfJob",
    "PdfRenderer",
    "prestart",
    "render_in_pool",
    "render_pdfs",
    "render_workers",
    "rendering_with",
    "shutdown",
]

#: At most this many rendering processes by default: a case has few documents.
_DEFAULT_MAX_WORKERS = 4

#: The folder that holds the ``soteflow`` package, for the workers' import path.
_PACKAGE_ROOT = Path(__file__).resolve().parents[2]

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PdfJob:
    """One PDF to render: the HTML and what :func:`~soteflow.documents.render.html_to_pdf` takes."""

    html: str
    metadata: DocumentMetadata
    attachments: tuple[PdfAttachment, ...]
    templates_dir: Path

    def run(self) -> bytes:
        """Render this PDF in the calling process."""
        return html_to_pdf(
            self.html, metadata=self.metadata, attachments=self.attachments, templates_dir=self.templates_dir
        )


#: Renders a batch of jobs elsewhere: the PDFs in the jobs' order.
PdfRenderer = Callable[[Sequence[PdfJob]], list[bytes]]

_RENDERER: ContextVar[PdfRenderer | None] = ContextVar("soteflow_pdf_renderer", default=None)


@contextmanager
def rendering_with(renderer: PdfRenderer) -> Iterator[None]:
    """Within this context, :func:`render_pdfs` hands its jobs to ``renderer`` instead of the
    processes of this module (e.g. a Prefect task mapped over them on Dask)."""
    token = _RENDERER.set(renderer)
    try:
        yield
    finally:
        _RENDERER.reset(token)


def render_workers() -> int:
    """How many documents render at once: the ``render_workers`` setting, 0 meaning one per CPU."""
    configured = get_settings().render_workers
    if configured:
        return configured
    return max(1, min(os.cpu_count() or 1, _DEFAULT_MAX_WORKERS))


class _WorkerDied(Exception):
    """The worker process ended (killed, out of memory) before it answered."""


class _Worker:
    """One rendering process; renders one job at a time."""

    def __init__(self) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(_PACKAGE_ROOT), env.get("PYTHONPATH")) if p)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "soteflow.documents.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        self.lock = threading.Lock()

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def render(self, job: PdfJob) -> bytes:
        """The job's PDF, rendered in this worker; its error re-raised here."""
        with self.lock:
            return self.exchange(job)

    def exchange(self, job: PdfJob) -> bytes:
        """:meth:`render` for a caller that holds :attr:`lock`."""
        stdin, stdout = self.process.stdin, self.process.stdout
        assert stdin is not None and stdout is not None
        try:
            send(stdin, job)
            ok, value = receive(stdout)
        except (EOFError, OSError) as exc:
            raise _WorkerDied(str(exc)) from exc
        if ok:
            pdf: bytes = value
            return pdf
        raise value

    def close(self) -> None:
        """Let the worker end (it stops when its input closes); kill it if it does not."""
        try:
            if self.process.stdin is not None:
                self.process.stdin.close()
            self.process.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()
        finally:
            if self.process.stdout is not None:
                self.process.stdout.close()


class _Pool:
    """The process's rendering workers, started on demand and kept."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._free = threading.Condition()
        self._workers: list[_Worker] = []

    def take(self, count: int) -> list[_Worker]:
        """``count`` running workers, starting new ones where needed."""
        with self._lock:
            self._workers = [w for w in self._workers if w.alive]
            while len(self._workers) < count:
                self._workers.append(_Worker())
            return self._workers[:count]

    @contextmanager
    def borrow(self, limit: int) -> Iterator[_Worker]:
        """A running worker no other thread is using, its lock held: an idle one among the first
        ``limit``, a new one while fewer run, else the first to come free."""
        while True:
            with self._lock:
                self._workers = [w for w in self._workers if w.alive]
                worker = next((w for w in self._workers[:limit] if w.lock.acquire(blocking=False)), None)
                if worker is None and len(self._workers) < limit:
                    worker = _Worker()
                    worker.lock.acquire()
                    self._workers.append(worker)
            if worker is not None:
                break
            with self._free:
                self._free.wait(timeout=0.05)  # a worker render_pdfs uses comes free without a notice
        try:
            yield worker
        finally:
            worker.lock.release()
            with self._free:
                self._free.notify()

    def discard(self, worker: _Worker) -> None:
        with self._lock:
            if worker in self._workers:
                self._workers.remove(worker)
        worker.close()

    def shutdown(self) -> None:
        with self._lock:
            workers, self._workers = self._workers, []
        for worker in workers:
            worker.close()


_POOL = _Pool()
atexit.register(_POOL.shutdown)


def prestart(workers: int | None = None) -> None:
    """Start the rendering processes now, so the first parallel render does not wait for them.

    Returns at once (each process imports the renderer on its own); a no-op when documents
    render one after another (``render_workers`` 1). One process per rendering slot: a batch of
    :func:`render_pdfs` uses all but one (the calling process renders its own share), a fan-out
    through :func:`render_in_pool` uses all, and a process started late costs that fan-out its
    start (seconds: it imports WeasyPrint).
    """
    count = workers or render_workers()
    if count >= 2:
        _POOL.take(count)


def render_pdfs(jobs: Sequence[PdfJob], *, workers: int | None = None) -> list[bytes]:
    """The PDF of each job, in order; up to ``workers`` (default :func:`render_workers`) at a time.

    The calling process renders its share (the first job, and every ``workers``-th after it)
    while the workers render the others. With one job or one worker everything renders here,
    one after another. Inside :func:`rendering_with`, its renderer renders them all.
    """
    custom = _RENDERER.get()
    if custom is not None and jobs:
        return custom(jobs)
    size = min(workers or render_workers(), len(jobs))
    if size <= 1:
        return [job.run() for job in jobs]
    helpers = _POOL.take(size - 1)
    results: dict[int, bytes] = {}
    errors: dict[int, BaseException] = {}
    died: list[int] = []

    def work(helper: _Worker, indices: list[int]) -> None:
        for index in indices:
            try:
                results[index] = helper.render(jobs[index])
            except _WorkerDied:
                _log.warning("a rendering process died; rendering its documents in the calling process")
                _POOL.discard(helper)
                died.extend(i for i in indices if i not in results and i not in errors)
                return
            except Exception as exc:  # the document's own error, raised below in the job's order
                errors[index] = exc

    threads = [
        threading.Thread(target=work, args=(helper, list(range(n + 1, len(jobs), size))), daemon=True)
        for n, helper in enumerate(helpers)
    ]
    for thread in threads:
        thread.start()
    try:
        for index in range(0, len(jobs), size):
            results[index] = jobs[index].run()
    finally:
        # Even when this process's own document failed: the workers' answers must be read, or
        # the next job sent to them would get this one's answer.
        for thread in threads:
            thread.join()
    if errors:
        raise errors[min(errors)]
    for index in sorted(died):
        results[index] = jobs[index].run()
    return [results[index] for index in range(len(jobs))]


def render_in_pool(job: PdfJob, *, workers: int | None = None) -> bytes:
    """The PDF of ``job``, rendered by one of this module's rendering processes, for callers that
    fan out on their own threads (stage 6's task run per producer report on the flow's threads).

    At most ``workers`` (default :func:`render_workers`) render at once, each in its own process:
    the calling thread waits on the process's pipe without holding the GIL, and a busy caller
    waits for a process to come free. A process that dies is replaced by rendering the job here.
    """
    with _POOL.borrow(max(1, workers or render_workers())) as worker:
        try:
            return worker.exchange(job)
        except _WorkerDied:
            pass
    _log.warning("a rendering process died; rendering its document in the calling process")
    _POOL.discard(worker)
    return job.run()


def shutdown() -> None:
    """Stop the rendering processes (they also stop when this process exits)."""
    _POOL.shutdown()
