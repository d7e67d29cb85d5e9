"""A rendering process: reads PDF jobs from stdin, writes each PDF (or the error) to stdout.

Started by :mod:`soteflow.documents.parallel` as ``python -m soteflow.documents.worker``; it ends
when its stdin closes (the parent is done or gone). Each message is an 8-byte length and a
pickle: a :class:`~soteflow.documents.parallel.PdfJob` in, ``(True, pdf bytes)`` or
``(False, exception)`` out.
"""

from __future__ import annotations

import os
import pickle
import struct
import sys
from typing import IO, Any

_HEADER = struct.Struct(">Q")


def send(stream: IO[bytes], value: Any) -> None:
    """Write one message (length and pickle) and flush it."""
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def receive(stream: IO[bytes]) -> Any:
    """Read one message; EOFError when the other side has closed the stream."""
    return pickle.loads(_read(stream, _HEADER.unpack(_read(stream, _HEADER.size))[0]))


def _read(stream: IO[bytes], size: int) -> bytes:
    data = stream.read(size)
    if data is None or len(data) != size:
        raise EOFError("the stream ended")
    return data


def main() -> None:
    """Render jobs until stdin closes."""
    from soteflow.documents.render import DocumentRenderError

    jobs = sys.stdin.buffer
    # The results get their own copy of stdout; anything a library prints goes to stderr instead
    # of into a result.
    results = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    while True:
        try:
            job = receive(jobs)
        except EOFError:
            return
        try:
            answer: tuple[bool, Any] = (True, job.run())
        except Exception as exc:
            answer = (False, exc)
        try:
            send(results, answer)
        except (pickle.PicklingError, TypeError, AttributeError):  # an exception that does not pickle
            error = answer[1]
            send(results, (False, DocumentRenderError(f"{type(error).__name__}: {error}")))


if __name__ == "__main__":
    main()
