"""What runs on a Dask worker: convert one file in the isolated runner (:mod:`runner`), write its JSON, return
the outcome.

A worker thread keeps one runner, whose child process stays alive between files (see :mod:`runner` for its
limits and when it is replaced). Its child runs single-threaded libraries and is pinned to a core of its own
(``one_core``), and answers with each report's JSON as raw bytes (:func:`report_frames`).

The worker writes each report's JSON where the batch asked (atomically) and returns only where it stands
(size, inode, mtime), so the batch process, the single writer of the index, neither receives nor writes
80 KB per file: on a 2-core machine that work competed with the conversions. The batch commits a file's
index row only after it found that JSON on its own disk.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from batch.discover import part_json_rel
from batch.index import summarize
from ingest.errors import ReportError
from normalize.serialize import report_bytes
from runner import Answer, IsolatedRunner

# The conversion the child runs, and how it answers: each report's JSON bytes as a frame, its summary in the line.
TARGET = "pipeline:convert_partial_parts"
ENCODER = "batch.worker:report_frames"
# Temporary JSON files end with this (swept by the next run when a process died writing one).
PARTIAL_SUFFIX = ".partial"


def report_frames(result: tuple[list[Any], list[dict[str, Any] | ReportError]]) -> tuple[dict[str, Any], list[bytes]]:
    """The child's answer for convert_partial_parts' (docs, results): each report's summary (with its ocr
    engine) and its JSON as a frame; a report of a bound volume that does not normalise fails the file, naming it."""
    docs, results = result
    bad = [(n, r) for n, r in enumerate(results, start=1) if isinstance(r, ReportError)]
    if bad:
        n, err = bad[0]
        raise err if len(results) == 1 else ReportError(err.kind, f"report {n} of {len(results)}: {err.reason}")
    reports = [r for r in results if not isinstance(r, ReportError)]
    fields: dict[str, Any] = {"ocr_engine": docs[0].ocr_engine}
    if len(reports) > 1:  # a bound volume: one JSON per report
        fields["parts"] = [{"summary": summarize(r)} for r in reports]
    else:
        fields["summary"] = summarize(reports[0])
    return fields, [report_bytes(r) for r in reports]


def write_json_atomic(path: str, data: bytes) -> os.stat_result:
    """Write a JSON file through a temporary file and os.replace (never a half-written JSON); its stat."""
    folder = os.path.dirname(path) or "."
    os.makedirs(folder, exist_ok=True)
    tmp = os.path.join(folder, f".{os.path.basename(path)}.{os.getpid()}{PARTIAL_SUFFIX}")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
        st = os.fstat(f.fileno())
    os.replace(tmp, path)
    return st


def stamp(st: os.stat_result) -> list[int]:
    """What identifies one written file: size, inode, modification time (ns)."""
    return [st.st_size, st.st_ino, st.st_mtime_ns]


def failure(kind: str, reason: str, seconds: float = 0.0) -> dict[str, Any]:
    """An outcome for a file that could not be converted."""
    return {"ok": False, "kind": kind, "reason": reason, "seconds": seconds}


_local = threading.local()
_all: list[IsolatedRunner] = []
_all_lock = threading.Lock()


def converter(root: str, memory_limit_bytes: int, files_per_child: int) -> IsolatedRunner:
    """This worker thread's runner (created on first use)."""
    conv: IsolatedRunner | None = getattr(_local, "converter", None)
    if conv is None or conv.max_memory_bytes != memory_limit_bytes or conv.root != root:
        if conv is not None:
            conv.stop()
        conv = IsolatedRunner(memory_limit_bytes, TARGET, ENCODER, files_per_child, one_core=True, root=root)
        _local.converter = conv
        with _all_lock:
            _all.append(conv)
    conv.files_per_child = files_per_child
    return conv


def outcome(fields: dict[str, Any], frames: list[bytes], seconds: float) -> dict[str, Any]:
    """The batch's outcome of a converted file: its fields with the report's JSON bytes (each part's in turn)."""
    out = {**fields, "seconds": seconds}
    if out.get("parts"):
        out["parts"] = [{**p, "json": f} for p, f in zip(out["parts"], frames, strict=True)]
    else:
        out["json"] = frames[0]
    return out


def convert_task(
    path: str, options: dict[str, Any], timeout_s: float, memory_limit_bytes: int, files_per_child: int, root: str
) -> dict[str, Any]:
    """The Dask task: convert one file; never raises for a bad file. Adds the worker's pid and peak RSS."""
    if not Path(path).is_file():
        return failure("unreadable", "the file is not readable from this worker")
    conv = converter(root, memory_limit_bytes, files_per_child)
    try:
        answer = conv.run(path, options, timeout_s)
    except (OSError, ValueError) as e:  # a broken pipe or a garbled answer: start over next time
        conv.stop()
        answer = Answer(
            error=ReportError("conversion_failed", f"the converter process failed ({type(e).__name__}: {e})")
        )
    if answer.error is not None:
        out = failure(answer.error.kind, answer.error.reason, answer.seconds)
    else:
        out = outcome(answer.fields, answer.frames, answer.seconds)
    out["worker_pid"] = os.getpid()
    out["child_peak_rss"] = conv.peak_rss
    return out


def convert_and_write(
    path: str,
    json_path: str | None,
    options: dict[str, Any],
    timeout_s: float,
    memory_limit_bytes: int,
    files_per_child: int,
    root: str,
) -> dict[str, Any]:
    """convert_task, then the report written to json_path (when given): the outcome then holds the
    written file's stamp instead of the report's bytes (which stay in it when the write failed)."""
    out = convert_task(path, options, timeout_s, memory_limit_bytes, files_per_child, root)
    for n, part in enumerate(out.get("parts") or [], start=1):  # a bound volume: NAME.<n>.json each
        if json_path is not None and isinstance(part.get("json"), bytes):
            try:
                part["written"] = stamp(write_json_atomic(part_json_rel(json_path, n), part["json"]))
                del part["json"]
            except OSError:
                pass  # the batch process writes it
    if json_path is not None and out.get("ok") and isinstance(out.get("json"), bytes):
        try:
            out["written"] = stamp(write_json_atomic(json_path, out["json"]))
            del out["json"]
        except OSError:
            pass  # the batch process writes it
    return out


def convert_chunk(
    jobs: list[tuple[str, str | None]],
    options: dict[str, Any],
    timeout_s: float,
    memory_limit_bytes: int,
    files_per_child: int,
    root: str,
) -> list[dict[str, Any]]:
    """The Dask task for several files, each (input path, JSON path or None): each converted on its own
    (its own limits and outcome) and written, in order."""
    return [convert_and_write(p, j, options, timeout_s, memory_limit_bytes, files_per_child, root) for p, j in jobs]


def sees_file(path: str, content: str) -> bool:
    """True when this worker reads the given content at path (the batch's probe of a shared output folder)."""
    try:
        with open(path, encoding="utf-8") as f:
            return f.read() == content
    except OSError:
        return False


def shutdown_children() -> int:
    """Stop every idle child of this worker process (run on each worker at the end of a batch)."""
    with _all_lock:
        convs = list(_all)
    for conv in convs:
        conv.stop()
    return len(convs)
