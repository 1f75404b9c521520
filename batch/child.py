"""The conversion child: a process that converts one file per request line, under a memory limit.

Run as ``python -m batch.child LIMIT_BYTES`` by :mod:`batch.worker`. Once its imports are done it
writes a ready line; then it reads JSON requests
(``{"path": ..., "options": {...}}``) one per line on stdin and answers each with one JSON line on
its private protocol descriptor (the original stdout; fd 1 is pointed at stderr so that a library
printing to stdout cannot break the protocol). It ends at EOF, and dies with its parent (Linux).
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import signal
import sys
import time
from typing import Any, TextIO

from batch.index import summarize

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
READY = '{"ready": true}'


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


def private_protocol_stream() -> TextIO:
    """Duplicate stdout for the protocol and point fd 1 (and sys.stdout) at stderr."""
    proto = os.fdopen(os.dup(1), "w", encoding="utf-8", errors="surrogateescape", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return proto


def report_text(report: dict[str, Any]) -> str:
    """The report as written to OUT_DIR (the form `cli.py convert` writes)."""
    return json.dumps(report, ensure_ascii=False, indent=1)


def convert_request(request: dict[str, Any]) -> dict[str, Any]:
    """Convert one file; return {"ok": True, report...} or {"ok": False, kind, reason}."""
    from ingest.errors import ReportError
    from ingest.options import Options
    from pipeline import convert_document

    start = time.monotonic()
    try:
        options = Options(**request.get("options", {})).validated()
        doc, report = convert_document(request["path"], options)
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
    return {
        "ok": True,
        "json": report_text(report),
        "summary": summarize(report),
        "ocr_engine": doc.ocr_engine,
        "seconds": time.monotonic() - start,
    }


def serve(requests: TextIO, answers: TextIO) -> None:
    """Answer each request line until EOF."""
    for line in requests:
        if not line.strip():
            continue
        try:
            answer = convert_request(json.loads(line))
            text = json.dumps(answer, ensure_ascii=False)
        except MemoryError:
            text = json.dumps(
                {
                    "ok": False,
                    "kind": "too_large",
                    "reason": "the conversion ran out of its memory limit",
                    "restart": True,
                }
            )
        answers.write(text + "\n")
        answers.flush()


def main(argv: list[str]) -> int:
    """Entry point: ``python -m batch.child LIMIT_BYTES``."""
    die_with_parent()
    limit_memory(int(argv[1]))
    answers = private_protocol_stream()
    sys.stdin.reconfigure(errors="surrogateescape")  # type: ignore[union-attr]
    import pipeline  # noqa: F401  (paid once, before the first file's clock starts)

    answers.write(READY + "\n")
    answers.flush()
    serve(sys.stdin, answers)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
