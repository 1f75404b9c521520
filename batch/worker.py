"""What runs on a Dask worker: convert one file in a limited child process, write its JSON, return the outcome.

A worker thread keeps one child (``python -m batch.child``) alive between files, so the imports of
the pipeline are paid once per child, not once per file. The child is killed (with its own
children, e.g. a LibreOffice it started) when a file overruns its time limit, and replaced after a
crash, a MemoryError, ``files_per_child`` files, or once its resident size passed half its memory limit
(so that a leak in a library cannot pile up, while the imports are not paid again every few files).

The worker writes each report's JSON where the batch asked (atomically) and returns only where it stands
(size, inode, mtime), so the batch process, the single writer of the index, neither receives nor writes
80 KB per file: on a 2-core machine that work competed with the conversions. The batch commits a file's
index row only after it found that JSON on its own disk.
"""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import IO, Any

import psutil

from batch.child import MEMORY_WORDS, PAYLOAD_KEY, READY
from batch.discover import part_json_rel
from normalize.serialize import loads

# Seconds a fresh child may take to import the pipeline before it is declared broken.
STARTUP_TIMEOUT_S = 120.0
# A child whose resident size grew past this share of its memory limit is replaced after its file.
RENEW_RSS_SHARE = 0.5
# Conversion children are pinned one to a core, each core claimed by a lock file its worker holds for
# life: two children left to float share a core now and then (scans: 1.88x side by side unpinned,
# 2.0x pinned). With more children than cores the rest run unpinned.
CORE_LOCK_DIR = Path(tempfile.gettempdir()) / "govreport-cores"
_core_locks: list[IO[str]] = []
# Temporary JSON files end with this (swept by the next run when a process died writing one).
PARTIAL_SUFFIX = ".partial"
# Environment a Dask worker process sets for itself that its conversion child must not inherit. The
# nanny sets MALLOC_TRIM_THRESHOLD_=65536 (distributed.nanny.pre-spawn-environ) so that a long-lived
# worker hands freed memory back; any MALLOC_*_ variable also fixes glibc's mmap threshold, so every
# image array of a scan is mapped fresh and faulted in page by page: a scan cost 2x the CPU, half of
# it in the kernel, and two children faulting side by side slowed each other down. A child gives its
# memory back by being replaced (files_per_child, RENEW_RSS_SHARE), so it keeps glibc's defaults.
CHILD_ENV_DROPPED = ("MALLOC_TRIM_THRESHOLD_",)


def claim_core() -> int | None:
    """A core of this process's set that no other conversion child on the machine is pinned to,
    held until this process ends; None when all are taken or the system cannot pin."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    import fcntl

    try:
        CORE_LOCK_DIR.mkdir(exist_ok=True)
        cores = sorted(os.sched_getaffinity(0))
    except OSError:
        return None
    for core in cores:
        try:
            handle = open(CORE_LOCK_DIR / f"{core}.lock", "a")  # noqa: SIM115 (held for the process's life)
        except OSError:
            return None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            continue
        _core_locks.append(handle)
        return core
    return None


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


def kill_tree(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL a child process and every process it started."""
    try:
        kids = psutil.Process(proc.pid).children(recursive=True)
    except psutil.Error:
        kids = []
    for p in [*kids]:
        try:
            p.kill()
        except psutil.Error:
            pass
    try:
        proc.kill()
    except OSError:
        pass
    proc.wait()


def death_reason(returncode: int | None, stderr_tail: str) -> dict[str, Any]:
    """Classify a child that died without answering: out of memory, or a crash of the converter."""
    if any(w in stderr_tail for w in MEMORY_WORDS):
        return failure("too_large", "the conversion ran out of its memory limit")
    how = f"signal {-returncode}" if returncode is not None and returncode < 0 else f"exit status {returncode}"
    last = stderr_tail.strip().splitlines()[-1][:200] if stderr_tail.strip() else "no message"
    return failure("conversion_failed", f"the converter process died ({how}: {last})")


class ChildStartError(Exception):
    """A conversion child that died or hung before it was ready."""


class ChildConverter:
    """One long-lived conversion child process and the pipe protocol to it."""

    def __init__(self, root: str, memory_limit_bytes: int, files_per_child: int) -> None:
        self.root = root
        self.memory_limit_bytes = memory_limit_bytes
        self.files_per_child = files_per_child
        self.proc: subprocess.Popen[bytes] | None = None
        self.stderr_file: IO[bytes] | None = None
        self.served = 0
        self.peak_rss = 0
        self.core: int | None = claim_core()

    def start(self) -> subprocess.Popen[bytes]:
        """Start a fresh child, with the project on its path and its stderr in a temporary file."""
        self.stop()
        self.stderr_file = tempfile.TemporaryFile()
        env = {k: v for k, v in os.environ.items() if k not in CHILD_ENV_DROPPED}
        env["PYTHONPATH"] = self.root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        env.setdefault("OMP_NUM_THREADS", "1")  # one core per worker: no oversubscription by BLAS/ONNX
        env.setdefault("OPENCV_FOR_THREADS_NUM", "1")  # nor by OpenCV's own thread pool (it ignores OMP_*)
        env.setdefault("GOVREPORT_SCAN_WORKERS", "1")  # nor by the scan adapter's own page pool
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "batch.child", str(self.memory_limit_bytes)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr_file,
            cwd=self.root,
            env=env,
        )
        if self.core is not None:
            try:
                os.sched_setaffinity(self.proc.pid, {self.core})
            except OSError:
                self.core = None
        self.served = 0
        line = self.read_answer(self.proc, time.monotonic() + STARTUP_TIMEOUT_S)
        if line != READY:
            tail = self.stderr_tail().strip().splitlines()
            self.stop()
            raise ChildStartError(f"the converter process did not start ({tail[-1][:200] if tail else 'no message'})")
        return self.proc

    def stop(self) -> None:
        """End the current child, if any."""
        if self.proc is not None:
            self.note_rss()
            kill_tree(self.proc)
            for stream in (self.proc.stdin, self.proc.stdout):
                if stream is not None:
                    stream.close()
        if self.stderr_file is not None:
            self.stderr_file.close()
        self.proc, self.stderr_file = None, None

    def note_rss(self) -> int:
        """The child's resident size now (0 if unknown); the largest one is remembered in peak_rss."""
        if self.proc is None:
            return 0
        try:
            rss = int(psutil.Process(self.proc.pid).memory_info().rss)
        except psutil.Error:
            return 0
        self.peak_rss = max(self.peak_rss, rss)
        return rss

    def worn_out(self, rss: int) -> bool:
        """True when the child should be replaced: files_per_child files served, or grown too big."""
        return self.served >= self.files_per_child or rss > RENEW_RSS_SHARE * self.memory_limit_bytes

    def stderr_tail(self) -> str:
        """The last few KB the child wrote on stderr."""
        if self.stderr_file is None:
            return ""
        self.stderr_file.seek(0, os.SEEK_END)
        size = self.stderr_file.tell()
        self.stderr_file.seek(max(0, size - 4096))
        return self.stderr_file.read().decode("utf-8", errors="replace")

    def convert(self, path: str, options: dict[str, Any], timeout_s: float) -> dict[str, Any]:
        """Send one request and wait at most timeout_s for the answer."""
        try:
            proc = self.proc if self.proc is not None and self.proc.poll() is None else self.start()
        except ChildStartError as e:
            return failure("conversion_failed", str(e))
        assert proc.stdin is not None and proc.stdout is not None
        start = time.monotonic()
        request = json.dumps({"path": path, "options": options}, ensure_ascii=False) + "\n"
        try:
            # file names that are not UTF-8 travel as their raw bytes (the child reads surrogateescape)
            proc.stdin.write(request.encode("utf-8", errors="surrogateescape"))
            proc.stdin.flush()
        except (BrokenPipeError, OSError):
            return self.died(start)
        line = self.read_answer(proc, start + timeout_s)
        if line is None:
            if proc.poll() is None:  # still running: over its time
                self.stop()
                return failure("timeout", f"no result after {timeout_s:g} s", time.monotonic() - start)
            return self.died(start)
        answer: dict[str, Any] = loads(line)
        size = answer.pop(PAYLOAD_KEY, None)
        if size is not None:
            answer["json"] = proc.stdout.read(size)  # written right after the line, in one flush
            if len(answer["json"]) != size:
                return self.died(start)
        for part in answer.get("parts") or []:  # a bound volume: each report's bytes in turn
            part["json"] = proc.stdout.read(part.pop(PAYLOAD_KEY))
        rss = self.note_rss()
        self.served += 1
        if answer.pop("restart", False) or self.worn_out(rss):
            self.stop()
        return answer

    def read_answer(self, proc: subprocess.Popen[bytes], deadline: float) -> bytes | None:
        """One answer line, or None when the deadline passes or the child dies first."""
        assert proc.stdout is not None
        with selectors.DefaultSelector() as sel:
            sel.register(proc.stdout, selectors.EVENT_READ)
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                if sel.select(timeout=min(left, 1.0)):
                    line = proc.stdout.readline()
                    return line if line else None
                self.note_rss()
                if proc.poll() is not None:
                    return None

    def died(self, start: float) -> dict[str, Any]:
        """The outcome for a child that died mid-file; the next file gets a fresh child."""
        assert self.proc is not None
        self.proc.wait()
        out = death_reason(self.proc.returncode, self.stderr_tail())
        out["seconds"] = time.monotonic() - start
        self.stop()
        return out


_local = threading.local()
_all: list[ChildConverter] = []
_all_lock = threading.Lock()


def converter(root: str, memory_limit_bytes: int, files_per_child: int) -> ChildConverter:
    """This worker thread's converter (created on first use)."""
    conv: ChildConverter | None = getattr(_local, "converter", None)
    if conv is None or conv.memory_limit_bytes != memory_limit_bytes or conv.root != root:
        if conv is not None:
            conv.stop()
        conv = ChildConverter(root, memory_limit_bytes, files_per_child)
        _local.converter = conv
        with _all_lock:
            _all.append(conv)
    conv.files_per_child = files_per_child
    return conv


def convert_task(
    path: str, options: dict[str, Any], timeout_s: float, memory_limit_bytes: int, files_per_child: int, root: str
) -> dict[str, Any]:
    """The Dask task: convert one file; never raises for a bad file. Adds the worker's pid and peak RSS."""
    if not Path(path).is_file():
        return failure("unreadable", "the file is not readable from this worker")
    conv = converter(root, memory_limit_bytes, files_per_child)
    try:
        out = conv.convert(path, options, timeout_s)
    except (OSError, ValueError) as e:  # a broken pipe or a garbled answer: start over next time
        conv.stop()
        out = failure("conversion_failed", f"the converter process failed ({type(e).__name__}: {e})")
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
