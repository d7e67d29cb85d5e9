"""Text from input files and from a body's comments reaches the documents as text: escaped in the
HTML, never evaluated as a template, and the renderer fetches nothing it names.

A real HTTP server listens on 127.0.0.1 for the whole test; a stakeholder comment and a body's
return comments point images, a stylesheet and a frame at it. Stage 3 runs (the feedback summary
quotes every comment; the second proposal quotes the return comments), and the server must have
received no request at all.
"""

from __future__ import annotations

import csv
import io
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from pypdf import PdfReader

from schemas.stages import Stage
from soteflow.stagekit import open_store
from tasks.registry import definition
from tasks.round import DirectSteps, run_stage
from tests.support import DATA_DIR, Seed


class _Recorder(BaseHTTPRequestHandler):
    requests: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def listener() -> Iterator[tuple[str, list[str]]]:
    """A server on 127.0.0.1 that records every request: (base URL, requests)."""
    _Recorder.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", _Recorder.requests
    finally:
        server.shutdown()
        server.server_close()


def _payload(base: str, tag: str) -> str:
    return (
        f'<img src="{base}/{tag}.png"> <link rel="stylesheet" href="{base}/{tag}.css">'
        f'<iframe src="{base}/{tag}.html"></iframe><script>alert("{tag}")</script> {{{{ 7*7 }}}} {{% if true %}}x{{% endif %}}'
    )


def test_comments_reach_the_documents_as_text_and_nothing_is_fetched(
    tmp_path: Path, seed: Seed, listener: tuple[str, list[str]]
) -> None:
    base, requests = listener
    seed(Stage.TARGETS)
    inputs = tmp_path / "inputs"
    source = DATA_DIR / "examples" / "HVA08"
    inputs.mkdir()
    for name in ("palvelukatalogi.csv", "lausunnot.csv"):
        (inputs / name).write_bytes((source / name).read_bytes())
    rows = list(csv.reader(io.StringIO((inputs / "lausunnot.csv").read_text(encoding="utf-8")), delimiter=";"))
    for column in (rows[0].index("kommentti"), rows[0].index("tilaisuus")):
        rows[4][column] += " " + _payload(base, "comment")
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\n").writerows(rows)
    (inputs / "lausunnot.csv").write_text(out.getvalue(), encoding="utf-8")
    decisions = tmp_path / "decisions.json"
    returned = {"outcome": "returned", "comments": "Tarkenna. " + _payload(base, "decision")}
    decisions.write_text(json.dumps({"chains": [returned, {"outcome": "approved"}]}), encoding="utf-8")

    result = run_stage(
        definition(Stage.CHAINS),
        region="HVA08",
        cycle=2026,
        inputs_dir=str(inputs),
        gate="scripted",
        decisions_file=str(decisions),
        steps=DirectSteps(),
    )

    assert result.accepted and result.rounds == 2
    store = open_store()
    texts = {}
    for key in ("chains-decision-html", "chains-feedback-attachment-1-html"):
        version = store.latest("HVA08", 2026, key)
        assert version is not None
        texts[key] = store.read_file(version).decode("utf-8")
    feedback, decision = texts["chains-feedback-attachment-1-html"], texts["chains-decision-html"]
    assert f"&lt;img src=&#34;{base}/comment.png&#34;&gt;" in feedback  # the session's name, in its table
    assert "Tarkenna. &lt;img" in decision  # the return comments, quoted in the second proposal
    for html in texts.values():
        assert "<script>alert(" not in html and "<iframe" not in html and f'src="{base}' not in html
        assert f'href="{base}' not in html
    assert "{{ 7*7 }}" in feedback and "{% if true %}x{% endif %}" in feedback  # not evaluated
    assert "{{ 7*7 }}" in decision
    pdf = store.latest("HVA08", 2026, "chains-feedback-pdf")
    assert pdf is not None
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(store.read_file(pdf))).pages)
    assert "alert(" in text.replace("\n", "")  # shown as text in the PDF too
    assert requests == [], f"the renderer fetched {requests}"


def test_comments_shown_above_the_decision_form_are_literal_markdown() -> None:
    from tasks.agenda import markdown_text

    shown = markdown_text(
        'Katso ![kuva](http://127.0.0.1:9/x.png) ja [linkki](http://esimerkki.fi) <img src="x">\n*tärkeä*'
    )
    assert shown == (
        "Katso \\!\\[kuva\\](http://127.0.0.1:9/x.png) ja \\[linkki\\](http://esimerkki.fi) "
        '\\<img src="x"\\> \\*tärkeä\\*'
    )
    assert "](" not in shown.replace("\\](", "")  # no link or image syntax is left
    assert markdown_text("Lisää herkkyystarkastelu koron osalta.") == "Lisää herkkyystarkastelu koron osalta."
