"""The conversion child: a process that converts one file per request line, under a memory limit.

Run as ``python -m batch.child LIMIT_BYTES`` by :mod:`batch.worker`. Once its imports are done it
writes a ready line; then it reads JSON requests
(``{"path": ..., "options": {...}}``) one per line on stdin and answers each on its private protocol
descriptor (the original stdout; fd 1 is pointed at stderr so that a library printing to stdout cannot
break the protocol): one JSON line, and for a converted file the report's JSON right after it as raw
bytes, as many as the line's ``json_bytes`` says (a report of 80 KB escaped into a JSON string and
parsed back cost more than the conversion's own JSON writing). It ends at EOF, and dies with its parent
(Linux).
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import signal
import sys
import time
from typing import Any, BinaryIO, TextIO

from batch.index import summarize
from normalize.serialize import line_bytes, report_bytes

PR_SET_PDEATHSIG = 1
# Words in an exception or a dying child's stderr that mean memory ran out.
MEMORY_WORDS = (
    "MemoryError",
    "bad_alloc",
    "Cannot allocate memory",
    "out of memory",
    "Insufficient memory",
    "Failed to allocate",
)
# The line the child writes once its imports are done; the per-file clock starts after it.
READY = b'{"ready":true}\n'
# The key of an answer line that announces the report's bytes following it.
PAYLOAD_KEY = "json_bytes"


def limit_memory(limit_bytes: int) -> None:
    """Cap this process's address space (RLIMIT_AS), so a runaway file raises MemoryError here."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    new_hard = limit_bytes if hard == resource.RLIM_INFINITY else min(hard, limit_bytes)
    resource.setrlimit(resource.RLIMIT_AS, (min(limit_bytes, new_hard), new_hard))


def die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when its parent dies (no-op elsewhere)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def private_protocol_stream() -> BinaryIO:
    """Duplicate stdout for the protocol and point fd 1 (and sys.stdout) at stderr."""
    proto = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return proto


def convert_request(request: dict[str, Any]) -> dict[str, Any]:
    """Convert one file; return {"ok": True, report...} or {"ok": False, kind, reason}."""
    from ingest.errors import ReportError
    from ingest.options import Options
    from pipeline import convert_partial_parts

    start = time.monotonic()
    try:
        options = Options(**request.get("options", {})).validated()
        docs, results = convert_partial_parts(request["path"], options)
        bad = [(n, r) for n, r in enumerate(results, start=1) if isinstance(r, ReportError)]
        if bad:  # (a report of a bound volume that does not normalise fails the file, naming it)
            n, err = bad[0]
            raise err if len(results) == 1 else ReportError(err.kind, f"report {n} of {len(results)}: {err.reason}")
        reports = [r for r in results if not isinstance(r, ReportError)]
    except ReportError as e:
        return {"ok": False, "kind": e.kind, "reason": e.reason, "seconds": time.monotonic() - start}
    except MemoryError:
        return {
            "ok": False,
            "kind": "too_large",
            "reason": "the conversion ran out of its memory limit",
            "seconds": time.monotonic() - start,
            "restart": True,
        }
    except RecursionError as e:
        return {
            "ok": False,
            "kind": "unreadable",
            "reason": f"internal error: {e}",
            "seconds": time.monotonic() - start,
        }
    except Exception as e:  # one bad file never takes the worker down
        msg = str(e).splitlines()[0] if str(e) else ""
        if any(w in str(e) for w in MEMORY_WORDS):  # a C library (OpenCV, ONNX) out of its allowance
            return {
                "ok": False,
                "kind": "too_large",
                "reason": f"the conversion ran out of its memory limit ({msg[:160]})",
                "seconds": time.monotonic() - start,
                "restart": True,
            }
        return {
            "ok": False,
            "kind": "unreadable",
            "reason": f"internal error: {type(e).__name__}: {msg}",
            "seconds": time.monotonic() - start,
        }
    if len(reports) > 1:  # a bound volume: one JSON per report
        parts = [{"json": report_bytes(r), "summary": summarize(r)} for r in reports]
        return {"ok": True, "parts": parts, "ocr_engine": docs[0].ocr_engine, "seconds": time.monotonic() - start}
    return {
        "ok": True,
        "json": report_bytes(reports[0]),
        "summary": summarize(reports[0]),
        "ocr_engine": docs[0].ocr_engine,
        "seconds": time.monotonic() - start,
    }


def answer_bytes(answer: dict[str, Any]) -> bytes:
    """The answer line, and the report's bytes after it when there is a report (each report's in turn for
    the parts of a bound volume, each part's size in its entry)."""
    if answer.get("parts"):
        blobs = [p.pop("json") for p in answer["parts"]]
        for p, blob in zip(answer["parts"], blobs, strict=True):
            p[PAYLOAD_KEY] = len(blob)
        return line_bytes(answer) + b"".join(blobs)
    payload = answer.pop("json", None)
    if payload is None:
        return line_bytes(answer)
    answer[PAYLOAD_KEY] = len(payload)
    return line_bytes(answer) + payload


def serve(requests: TextIO, answers: BinaryIO) -> None:
    """Answer each request line until EOF."""
    for line in requests:
        if not line.strip():
            continue
        try:
            out = answer_bytes(convert_request(json.loads(line)))
        except MemoryError:
            out = line_bytes(
                {
                    "ok": False,
                    "kind": "too_large",
                    "reason": "the conversion ran out of its memory limit",
                    "restart": True,
                }
            )
        answers.write(out)
        answers.flush()


def main(argv: list[str]) -> int:
    """Entry point: ``python -m batch.child LIMIT_BYTES``."""
    die_with_parent()
    limit_memory(int(argv[1]))
    answers = private_protocol_stream()
    sys.stdin.reconfigure(errors="surrogateescape")  # type: ignore[union-attr]
    import pipeline  # noqa: F401  (paid once, before the first file's clock starts)

    answers.write(READY)
    answers.flush()
    serve(sys.stdin, answers)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
