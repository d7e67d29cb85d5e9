"""What a decision document says about the store: its embedded files and its store point.

Every decision document's PDF embeds the case's data and, since the store point was introduced,
``tallenteen-tila.json`` (:class:`~soteflow.store.integrity.StorePoint`): the store's root hash as
of the audit event that wrote the proposal the document presents. ``soteflow verify --document``
reads the point from here and checks the store against it (:func:`soteflow.store.verify.verify`).

The files are read from the PDF as this renderer writes them (WeasyPrint: each embedded file is
a stream object ``<</Type /EmbeddedFile … /Length n>>``, Flate-compressed); no PDF library is
needed at run time. A document saved again by another program may be rewritten in a way this does
not read: verify the PDF the store gave out (or its copy), not a re-saved one.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from soteflow.errors import SoteflowError
from soteflow.store.canonical import canonical_text
from soteflow.store.integrity import POINT_FORMAT, StorePoint

__all__ = ["DocumentEvidence", "NotADocumentError", "embedded_files", "read_document"]

#: An embedded file's stream dictionary, up to the ``stream`` keyword that starts its bytes.
_EMBEDDED = re.compile(rb"<<\s*/Type\s*/EmbeddedFile\b(?P<dict>.*?)>>\s*stream\r?\n", re.S)
_LENGTH = re.compile(rb"/Length\s+(\d+)(?!\s+\d+\s+R)")


class NotADocumentError(SoteflowError):
    """The file is not a soteflow decision document with a store point."""


@dataclass(frozen=True)
class DocumentEvidence:
    """A document's store point and the SHA-256 of every file embedded in it."""

    point: StorePoint
    embedded_sha256: frozenset[str]

    @property
    def data_embedded(self) -> bool:
        """Whether the document embeds the very version it prints (its data hashes to the point's sha256)."""
        return self.point.sha256 in self.embedded_sha256


def embedded_files(pdf: bytes) -> list[bytes]:
    """The content of every file embedded in ``pdf`` (as this renderer writes them), in file order."""
    out: list[bytes] = []
    for match in _EMBEDDED.finditer(pdf):
        header = match.group("dict")
        length = _LENGTH.search(header)
        start = match.end()
        if length is not None:
            data = pdf[start : start + int(length.group(1))]
        else:  # an indirect length: up to the end of the stream
            end = pdf.find(b"endstream", start)
            data = pdf[start : end if end >= 0 else len(pdf)].rstrip(b"\r\n")
        if b"/FlateDecode" in header:
            try:
                data = zlib.decompress(data)
            except zlib.error:
                continue
        out.append(data)
    return out


def read_document(path: Path) -> DocumentEvidence:
    """The store point and embedded files of the decision document at ``path``.

    Raises:
        NotADocumentError: not a PDF, or no valid store point embedded (a document rendered before
            store points existed, or one whose embedded point was edited).
    """
    pdf = path.read_bytes()
    if not pdf.startswith(b"%PDF-"):
        raise NotADocumentError("not a PDF file")
    files = embedded_files(pdf)
    points: list[StorePoint] = []
    for content in files:
        if POINT_FORMAT.encode() not in content:
            continue
        try:
            point = StorePoint.model_validate_json(content)
        except ValidationError as exc:
            raise NotADocumentError(f"the embedded store point is not valid ({exc.errors()[0]['msg']})") from None
        if canonical_text(content) != content:
            raise NotADocumentError("the embedded store point is not in the form it was written in (edited?)")
        points.append(point)
    if not points:
        raise NotADocumentError(
            "no store point embedded (not a soteflow decision document, or one rendered before store points)"
        )
    if len({p.root for p in points}) > 1:
        raise NotADocumentError("the document embeds several different store points")
    return DocumentEvidence(
        point=points[0], embedded_sha256=frozenset(hashlib.sha256(content).hexdigest() for content in files)
    )
