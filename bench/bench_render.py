"""The decision-document renderer vs bare WeasyPrint on the same stage-1 HTML.

The stage-1 HTML, metadata and attachments are built once, exactly as the stage's document
(``tasks.needs.documents.needs_document``, a ``DocumentSpec``) gives them to the renderer, with a
dummy proposal version. Then, on that HTML:

* bare WeasyPrint (baseline): ``HTML(string=html, base_url=templates).write_pdf()`` — plain PDF,
  no tags, no PDF/A, no attachments, WeasyPrint's default URL fetcher;
* bare WeasyPrint with ``pdf_variant="pdf/a-3a", pdf_tags=True`` — what archiving and tagging cost;
* ``soteflow.documents.html_to_pdf`` — the full renderer: PDF/A-3a, tags, sRGB output intent, the
  two JSON attachments, the templates-only URL fetcher, deterministic identifier and dates.

Peak memory per variant is measured in a separate, untimed run under ``tracemalloc``: Python
allocations only (Pango/HarfBuzz memory in C libraries is not counted).

    .venv/bin/python bench/bench_render.py [--runs 5]
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import tracemalloc
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

_TMP = tempfile.TemporaryDirectory(prefix="soteflow-bench-render-", ignore_cleanup_errors=True)
# The stage's modules import Prefect; keep it away from the user's ~/.prefect.
os.environ.update(
    {
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_CLIENT_ENABLE_METRICS": "false",
        "PREFECT_HOME": str(Path(_TMP.name) / "prefect-home"),
        "PREFECT_LOCAL_STORAGE_PATH": str(Path(_TMP.name) / "prefect-results"),
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "SOTEFLOW_HOME": str(Path(_TMP.name) / "soteflow-home"),
    }
)

from _common import Timing, print_table, time_runs  # noqa: E402  (bench/ is the script's folder)

from schemas.results import VersionRef  # noqa: E402
from schemas.stages import Stage  # noqa: E402
from soteflow.documents import html_to_pdf, load_governance, render_html  # noqa: E402
from soteflow.documents.render import weasyprint  # noqa: E402  (imported there with its warning filtered)
from soteflow.settings import get_settings  # noqa: E402
from tasks.context import make_context  # noqa: E402
from tasks.definition import CaseHandling  # noqa: E402
from tasks.needs.documents import needs_document  # noqa: E402
from tasks.needs.proposal import build_needs_proposal  # noqa: E402
from tasks.needs.stage import DEFINITION  # noqa: E402
from tasks.round import prepare  # noqa: E402


def stage1_document(region: str, cycle: int) -> tuple[str, dict[str, Any]]:
    """The stage-1 HTML and the keyword arguments the renderer gives ``html_to_pdf``."""
    ctx = make_context(Stage.NEEDS, region=region, cycle=cycle)
    computed = prepare(DEFINITION, ctx)
    governance = load_governance(ctx.region, Stage.NEEDS, ctx.config_dir, region_name=ctx.region_name)
    handling = CaseHandling(governance=governance, earlier=(), appeal=governance.appeal_route(), cycle=cycle)
    payload = build_needs_proposal(computed.analysis, handling)
    dummy = VersionRef(
        version_id=uuid.UUID(int=1),
        key="needs-proposal",
        version=1,
        sha256="0" * 64,
        status="proposed",
        media_type="application/json",
    )
    spec = needs_document(payload, computed.analysis, computed.figures, dummy)
    html = render_html(spec.template, {"meta": spec.metadata, **spec.context})  # as render_document does
    return html, {"metadata": spec.metadata, "attachments": list(spec.attachments)}


class _Problems(logging.Handler):
    """Collects WeasyPrint's warnings (a missing stylesheet or font would make a bare run cheaper)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def peak_kib(fn: Callable[[], object]) -> int:
    """Peak Python heap of one call of ``fn`` under tracemalloc, in KiB."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] // 1024
    finally:
        tracemalloc.stop()


def main(argv: list[str] | None = None) -> int:
    """Measure and print the table; 0 on success."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per variant (default 5)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs per variant first (default 1)")
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc peak-memory runs")
    parser.add_argument("--region", default="HVA08")
    parser.add_argument("--cycle", type=int, default=2026)
    args = parser.parse_args(argv)

    html, options = stage1_document(args.region, args.cycle)
    templates = get_settings().templates_dir.resolve()
    # The same base URL the renderer uses (a folder URL: relative links resolve inside it).
    base_url = templates.as_uri() + "/"

    def bare() -> bytes:
        return weasyprint.HTML(string=html, base_url=base_url).write_pdf()

    def bare_pdfa() -> bytes:
        return weasyprint.HTML(string=html, base_url=base_url).write_pdf(pdf_variant="pdf/a-3a", pdf_tags=True)

    def renderer() -> bytes:
        return html_to_pdf(html, **options)

    variants = {
        "bare WeasyPrint": bare,
        "bare + pdf/a-3a, tags": bare_pdfa,
        "html_to_pdf (renderer)": renderer,
    }
    problems = _Problems()
    logging.getLogger("weasyprint").addHandler(problems)
    sizes = {label: len(fn()) for label, fn in variants.items()}  # also checks each variant works
    for _ in range(args.warmup - 1):
        for fn in variants.values():
            fn()
    # Round-robin over the variants, so machine drift affects all rows alike.
    times: dict[str, list[float]] = {label: [] for label in variants}
    for _ in range(args.runs):
        for label, fn in variants.items():
            times[label] += time_runs(label, fn, 1).seconds
    memory = {} if args.no_memory else {label: f"{peak_kib(fn) / 1024:.1f} MiB" for label, fn in variants.items()}
    logging.getLogger("weasyprint").removeHandler(problems)

    base, *rows = (Timing(label, times[label]) for label in variants)
    print(
        f"Stage-1 document ({args.region}, cycle {args.cycle}): {len(html) / 1024:.0f} KiB HTML, "
        f"{len(options['attachments'])} attachments, wall-clock seconds"
    )
    print_table("Renderer vs bare WeasyPrint", base, rows, extra=memory, extra_name="py peak" if memory else "")
    print("PDF size: " + ", ".join(f"{label} {size / 1024:.0f} KiB" for label, size in sizes.items()))
    if memory:
        print("py peak = peak Python heap under tracemalloc (one separate run; C-library memory not counted)")
    if problems.messages:
        print(f"WeasyPrint warnings ({len(problems.messages)}), first: {problems.messages[0]}")
    else:
        print("WeasyPrint warnings: none (every variant found its stylesheet and fonts)")
    print(f"Headline: renderer ×{rows[-1].median / base.median:.2f} of bare WeasyPrint (median)")
    _TMP.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
