"""Run conversions in an isolated child process, under a per-file time limit and a memory cap.

The one isolation runner of the toolkit: `cli.py convert` (its default ``--isolate``) and the batch's Dask
workers (:mod:`batch.worker`) both convert through :class:`IsolatedRunner`.

A hostile file must not take the caller down: a conversion that hangs is killed (with every process it
started, e.g. a LibreOffice) at ``timeout_s`` (-> ``ReportError("timeout")``); one that runs out of memory
hits the child's ``RLIMIT_AS`` and fails with ``MemoryError`` or dies (-> ``ReportError("too_large")``); a
native crash ends only the child (-> ``ReportError("conversion_failed")``). The child is reused from file to
file, so the imports of the pipeline are paid once per child, not once per file; it is replaced after it
was killed or broke, after ``files_per_child`` files, or once its resident size passed half its memory cap
(so that a leak in a library cannot pile up).

The child (``python -P -m runner LIMIT_BYTES TARGET ENCODER``) writes a ready line once its imports are done
(the per-file clock starts after it), then reads one JSON request per line on stdin
(``{"path": ..., "options": {...}}``) and answers each on its private protocol descriptor (the original
stdout; fd 1 is pointed at stderr so that a library printing to stdout cannot break the protocol): one JSON
line, then as raw bytes the frames whose sizes the line's ``frames`` lists. TARGET (``module:function``) is
called as ``f(path, options)``; ENCODER turns its result into ``(fields, frames)``: by default the result
pickled in one frame, for the batch each report's JSON bytes (a report of 80 KB escaped into a JSON string
and parsed back cost more than the conversion's own JSON writing). The child dies with its parent (Linux).

    with IsolatedRunner(target="pipeline:convert_partial_parts") as runner:
        for path in paths:
            docs, results, error = runner.convert_document(path, options, timeout_s=options.timeout_s)
"""

from __future__ import annotations

import ctypes
import dataclasses
import importlib
import json
import os
import pickle
import resource
import selectors
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, BinaryIO, TextIO

from ingest.errors import ReportError
from ingest.options import Options
from normalize.serialize import line_bytes, loads

ROOT = Path(__file__).resolve().parent
# Address space of the child. The pipeline with OCR loaded maps about 1.2 GB of virtual memory
# (shared libraries, thread stacks, ONNX arenas), so the limit is on address space, set well above that.
DEFAULT_MAX_MEMORY_BYTES = 3 * 1024**3
# Below this the pipeline cannot even import its engines; a smaller limit is a usage error.
MIN_MEMORY_BYTES = 256 * 1024**2
# The function the child runs on each path: "module:function", called as f(path, options).
DEFAULT_TARGET = "pipeline:convert_document"
# The function that turns the target's result into (answer fields, raw frames): here, the result pickled.
DEFAULT_ENCODER = "runner:pickled"
# A fresh child after this many files ...
DEFAULT_FILES_PER_CHILD = 500
# ... or once its resident size grew past this share of its memory limit (checked after each file).
RENEW_RSS_SHARE = 0.5
# Seconds a fresh child may take to import the pipeline before it is declared broken.
STARTUP_TIMEOUT_S = 120.0
# Signals that mean the child ran out of memory (the OOM killer, an allocator abort), not a code crash.
MEMORY_SIGNALS = (signal.SIGKILL, signal.SIGABRT)
# Words in an exception or a dying child's stderr that mean memory ran out (C libraries: OpenCV, ONNX).
MEMORY_WORDS = (
    "MemoryError",
    "bad_alloc",
    "Cannot allocate memory",
    "out of memory",
    "Insufficient memory",
    "Failed to allocate",
)
# The line the child writes once its imports are done.
READY = b'{"ready":true}\n'
# The key of an answer line that lists the sizes of the raw frames following it.
FRAMES_KEY = "frames"
# The parent's sys.path, handed to the child (so a target importable here is importable there).
PATH_ENV = "GOVREPORT_RUNNER_PATH"
PR_SET_PDEATHSIG = 1
# Environment a Dask worker process sets for itself that a conversion child must not inherit. The nanny
# sets MALLOC_TRIM_THRESHOLD_=65536 (distributed.nanny.pre-spawn-environ) so that a long-lived worker hands
# freed memory back; any MALLOC_*_ variable also fixes glibc's mmap threshold, so every image array of a
# scan is mapped fresh and faulted in page by page: a scan cost 2x the CPU, half of it in the kernel, and
# two children faulting side by side slowed each other down. A child gives its memory back by being
# replaced (files_per_child, RENEW_RSS_SHARE), so it keeps glibc's defaults.
CHILD_ENV_DROPPED = ("MALLOC_TRIM_THRESHOLD_",)
# A one-core child runs its libraries single-threaded: BLAS/ONNX, OpenCV's own pool (it ignores OMP_*),
# the scan adapter's page pool (set only where the caller's environment does not say otherwise).
ONE_CORE_ENV = {"OMP_NUM_THREADS": "1", "OPENCV_FOR_THREADS_NUM": "1", "GOVREPORT_SCAN_WORKERS": "1"}
# One-core children are pinned one to a core, each core claimed by a lock file its runner's process holds
# for life: two children left to float share a core now and then (scans: 1.88x side by side unpinned, 2.0x
# pinned). With more children than cores the rest run unpinned.
CORE_LOCK_DIR = Path(tempfile.gettempdir()) / "govreport-cores"
_core_locks: list[IO[str]] = []


# ------------------------------------------------------------------------------------------ the child


def limit_memory(limit_bytes: int) -> None:
    """Cap this process's address space (RLIMIT_AS, never above an existing hard cap), so a runaway file
    raises MemoryError here, not in the host."""
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


def resolve(target: str) -> Any:
    """The function named "module:function"."""
    module, func = target.split(":")
    return getattr(importlib.import_module(module), func)


def pickled(result: Any) -> tuple[dict[str, Any], list[bytes]]:
    """The default encoder: the target's whole result, pickled in one frame."""
    return {}, [pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)]


def failed(kind: str, reason: str, restart: bool = False) -> dict[str, Any]:
    """The answer fields of a file that could not be converted (restart: the child's state is not to be trusted)."""
    out: dict[str, Any] = {"ok": False, "kind": kind, "reason": reason}
    if restart:
        out["restart"] = True
    return out


def classify(e: Exception, limit_bytes: int) -> dict[str, Any]:
    """The answer fields for an exception a conversion raised: its kind, never a traceback."""
    over = f"memory limit of {limit_bytes // 1024**2} MB exceeded"
    if isinstance(e, ReportError):
        return failed(e.kind, e.reason)
    if isinstance(e, MemoryError):
        return failed("too_large", over, restart=True)
    if isinstance(e, RecursionError):
        return failed("corrupt", "structure nested too deeply to read")
    first = str(e).splitlines()[0] if str(e) else ""
    if any(w in str(e) for w in MEMORY_WORDS):  # a C library (OpenCV, ONNX) out of its allowance
        return failed("too_large", f"{over} ({first[:160]})", restart=True)
    return failed("unreadable", f"internal error: {type(e).__name__}: {first}".rstrip(": "))


def request_options(data: dict[str, Any] | None) -> Options | None:
    """The Options a request carries (None: the target's defaults)."""
    return None if data is None else Options(**data).validated()


def answer(func: Any, encode: Any, request: dict[str, Any], limit_bytes: int) -> tuple[dict[str, Any], list[bytes]]:
    """Convert one requested file: the answer fields (ok, seconds, the encoder's) and the frames."""
    start = time.monotonic()
    try:
        fields, frames = encode(func(request["path"], request_options(request.get("options"))))
        out, frames = {"ok": True, **fields}, list(frames)
    except Exception as e:  # one bad file never takes the child down
        out, frames = classify(e, limit_bytes), []
    out["seconds"] = time.monotonic() - start
    return out, frames


def answer_bytes(fields: dict[str, Any], frames: list[bytes]) -> bytes:
    """The answer line, announcing each frame's size, and the frames after it."""
    return line_bytes({**fields, FRAMES_KEY: [len(f) for f in frames]}) + b"".join(frames)


def serve(requests: TextIO, answers: BinaryIO, func: Any, encode: Any, limit_bytes: int) -> None:
    """Answer each request line until EOF; stop after an answer that asks for a fresh child."""
    for line in requests:
        if not line.strip():
            continue
        try:
            fields, frames = answer(func, encode, json.loads(line), limit_bytes)
            out = answer_bytes(fields, frames)
        except MemoryError:
            fields = failed("too_large", f"memory limit of {limit_bytes // 1024**2} MB exceeded", restart=True)
            out = answer_bytes(fields, [])
        except Exception as e:  # a result the encoder could not write
            fields = failed("unreadable", f"internal error: result not transferable ({type(e).__name__})")
            out = answer_bytes(fields, [])
        answers.write(out)
        answers.flush()
        if fields.get("restart"):  # memory state after a MemoryError is not to be trusted
            return


def main(argv: list[str]) -> int:
    """Entry point of the child: ``python -P -m runner LIMIT_BYTES TARGET ENCODER``."""
    die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    sys.path.extend(p for p in os.environ.pop(PATH_ENV, "").split(os.pathsep) if p and p not in sys.path)
    limit = int(argv[1])
    limit_memory(limit)
    answers = private_protocol_stream()
    sys.stdin.reconfigure(errors="surrogateescape")  # type: ignore[union-attr]  # file names not UTF-8
    func, encode = resolve(argv[2]), resolve(argv[3])  # imports paid once, before the first file's clock
    answers.write(READY)
    answers.flush()
    serve(sys.stdin, answers, func, encode, limit)
    return 0


# ----------------------------------------------------------------------------------------- the parent


def claim_core() -> int | None:
    """A core of this process's set that no other conversion child on the machine is pinned to, held until
    this process ends; None when all are taken or the system cannot pin."""
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


def kill_tree(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL a child process and every process it started."""
    import psutil

    try:
        kids = psutil.Process(proc.pid).children(recursive=True)
    except psutil.Error:
        kids = []
    for p in kids:
        try:
            p.kill()
        except psutil.Error:
            pass
    try:
        proc.kill()
    except OSError:
        pass
    proc.wait()


def death_error(returncode: int | None, stderr_tail: str, limit_bytes: int) -> ReportError:
    """The error for a child that died without answering: out of memory, or a crash of the converter."""
    over = f"memory limit of {limit_bytes // 1024**2} MB exceeded"
    sig = signal.Signals(-returncode).name if returncode is not None and returncode < 0 else None
    if any(w in stderr_tail for w in MEMORY_WORDS):
        return ReportError("too_large", f"{over} (the conversion process ran out of memory)")
    if sig is not None and -(returncode or 0) in MEMORY_SIGNALS:
        return ReportError("too_large", f"{over} (conversion process killed by {sig})")
    how = sig or f"exit status {returncode}"
    last = stderr_tail.strip().splitlines()[-1][:200] if stderr_tail.strip() else "no message"
    return ReportError("conversion_failed", f"the conversion process crashed ({how}: {last})")


@dataclass
class Answer:
    """What the child said about one file: its fields and frames, or the error that stopped it."""

    fields: dict[str, Any] = field(default_factory=dict)
    frames: list[bytes] = field(default_factory=list)
    error: ReportError | None = None
    seconds: float = 0.0


class ChildStartError(Exception):
    """A conversion child that died or hung before it was ready."""


def options_dict(options: Options | dict[str, Any] | None) -> dict[str, Any] | None:
    """Options as the JSON a request carries."""
    return dataclasses.asdict(options) if isinstance(options, Options) else options


class IsolatedRunner:
    """One reusable child process that converts files one at a time under a timeout and a memory cap."""

    def __init__(
        self,
        max_memory_bytes: int = DEFAULT_MAX_MEMORY_BYTES,
        target: str = DEFAULT_TARGET,
        encoder: str = DEFAULT_ENCODER,
        files_per_child: int = DEFAULT_FILES_PER_CHILD,
        one_core: bool = False,
        root: str | Path = ROOT,
    ) -> None:
        if max_memory_bytes < MIN_MEMORY_BYTES:
            raise ValueError(f"max_memory_bytes must be at least {MIN_MEMORY_BYTES}, not {max_memory_bytes}")
        if files_per_child < 1:
            raise ValueError(f"files_per_child must be at least 1, not {files_per_child}")
        self.max_memory_bytes = max_memory_bytes
        self.target, self.encoder = target, encoder
        self.files_per_child = files_per_child
        self.one_core = one_core
        self.root = str(root)
        self.proc: subprocess.Popen[bytes] | None = None
        self.stderr_file: IO[bytes] | None = None
        self.served = 0
        self.peak_rss = 0
        self.restarts = 0
        self.core: int | None = claim_core() if one_core else None

    def child_env(self) -> dict[str, str]:
        """The child's environment: ours without a Dask worker's malloc tuning, the project on its path."""
        env = {k: v for k, v in os.environ.items() if k not in CHILD_ENV_DROPPED}
        env["PYTHONPATH"] = self.root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        env[PATH_ENV] = os.pathsep.join(p for p in sys.path if p)
        if self.one_core:
            env = {**ONE_CORE_ENV, **env}
        return env

    def start(self) -> subprocess.Popen[bytes]:
        """Start a fresh child, its stderr in a temporary file; wait for its ready line."""
        self.stop()
        self.stderr_file = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [sys.executable, "-P", "-m", "runner", str(self.max_memory_bytes), self.target, self.encoder],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr_file,
            env=self.child_env(),
        )
        if self.core is not None:
            try:
                os.sched_setaffinity(self.proc.pid, {self.core})
            except OSError:
                self.core = None
        self.served = 0
        line = self.read_line(self.proc, time.monotonic() + STARTUP_TIMEOUT_S)
        if line != READY:
            tail = self.stderr_tail().strip().splitlines()
            self.stop()
            raise ChildStartError(f"the conversion process did not start ({tail[-1][:200] if tail else 'no message'})")
        return self.proc

    def stop(self) -> None:
        """End the current child, if any, with every process it started."""
        if self.proc is not None:
            self.note_rss()
            kill_tree(self.proc)
            for stream in (self.proc.stdin, self.proc.stdout):
                if stream is not None:
                    stream.close()
        if self.stderr_file is not None:
            self.stderr_file.close()
        self.proc, self.stderr_file = None, None

    def replace(self) -> None:
        """End the child so that the next file gets a fresh one."""
        self.stop()
        self.restarts += 1

    def note_rss(self) -> int:
        """The child's resident size now (0 if unknown); the largest one is remembered in peak_rss."""
        import psutil

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
        return self.served >= self.files_per_child or rss > RENEW_RSS_SHARE * self.max_memory_bytes

    def stderr_tail(self) -> str:
        """The last few KB the child wrote on stderr."""
        if self.stderr_file is None:
            return ""
        self.stderr_file.seek(0, os.SEEK_END)
        size = self.stderr_file.tell()
        self.stderr_file.seek(max(0, size - 4096))
        return self.stderr_file.read().decode("utf-8", errors="replace")

    def run(self, path: str, options: Options | dict[str, Any] | None, timeout_s: float) -> Answer:
        """Convert one file in the child, waiting at most timeout_s; never raises for the file."""
        if timeout_s <= 0:
            raise ValueError(f"timeout_s must be positive, not {timeout_s!r}")
        try:
            proc = self.proc if self.proc is not None and self.proc.poll() is None else self.start()
        except ChildStartError as e:
            self.restarts += 1
            return Answer(error=ReportError("conversion_failed", str(e)))
        assert proc.stdin is not None and proc.stdout is not None
        start = time.monotonic()
        request = json.dumps({"path": path, "options": options_dict(options)}, ensure_ascii=False) + "\n"
        try:
            # file names that are not UTF-8 travel as their raw bytes (the child reads surrogateescape)
            proc.stdin.write(request.encode("utf-8", errors="surrogateescape"))
            proc.stdin.flush()
        except OSError:
            return self.died(start)
        line = self.read_line(proc, start + timeout_s)
        if line is None:  # still running: over its time
            self.replace()
            err = ReportError("timeout", f"no result after {timeout_s:g} s (conversion killed)")
            return Answer(error=err, seconds=time.monotonic() - start)
        if not line:
            return self.died(start)
        fields: dict[str, Any] = loads(line)
        sizes = fields.pop(FRAMES_KEY, [])
        frames = [proc.stdout.read(n) for n in sizes]  # written right after the line, in one flush
        if [len(f) for f in frames] != sizes:  # the child died while writing them
            return self.died(start)
        self.served += 1
        if fields.pop("restart", False) or self.worn_out(self.note_rss()):
            self.replace()
        seconds = float(fields.get("seconds") or time.monotonic() - start)
        if not fields.get("ok"):
            return Answer(fields, [], ReportError(fields["kind"], fields["reason"]), seconds)
        return Answer(fields, frames, None, seconds)

    def read_line(self, proc: subprocess.Popen[bytes], deadline: float) -> bytes | None:
        """One answer line; b"" when the child died first, None when the deadline passed."""
        assert proc.stdout is not None
        with selectors.DefaultSelector() as sel:
            sel.register(proc.stdout, selectors.EVENT_READ)
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                if sel.select(timeout=min(left, 1.0)):
                    return proc.stdout.readline()
                self.note_rss()
                if proc.poll() is not None:
                    return b""

    def died(self, start: float) -> Answer:
        """The outcome for a child that died mid-file; the next file gets a fresh child."""
        assert self.proc is not None
        self.proc.wait()
        err = death_error(self.proc.returncode, self.stderr_tail(), self.max_memory_bytes)
        self.replace()
        return Answer(error=err, seconds=time.monotonic() - start)

    def convert_document(
        self, path: str, options: Options | None = None, timeout_s: float | None = None
    ) -> tuple[Any, Any, ReportError | None]:
        """The target's (first, second) result for one file, or (None, None, error); never raises for the file
        (for the default pickling encoder)."""
        timeout = float(timeout_s if timeout_s is not None else (options or Options()).timeout_s)
        out = self.run(path, options, timeout)
        if out.error is not None:
            return None, None, out.error
        first, second = pickle.loads(out.frames[0])
        return first, second, None

    def close(self) -> None:
        """End the child (it has nothing to finish between files)."""
        self.stop()

    def __enter__(self) -> IsolatedRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
