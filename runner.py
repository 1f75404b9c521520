"""Run conversions in an isolated child process, with a wall-clock timeout and a memory limit.

A hostile file must not take the caller down: a conversion that hangs is killed at ``timeout_s``
(-> ``ReportError("timeout")``), one that runs out of memory hits the child's ``RLIMIT_AS`` and fails
with ``MemoryError`` or dies (-> ``ReportError("too_large")``), and a native crash ends only the child
(-> ``ReportError("conversion_failed")``). The child is reused from file to file, so its start-up (the
imports of the pipeline) is paid once per run, not once per file; it is restarted only after it was
killed or broke.

    with IsolatedRunner(max_memory_bytes=DEFAULT_MAX_MEMORY_BYTES) as runner:
        for path in paths:
            doc, report, error = runner.convert_document(path, options, timeout_s=options.timeout_s)
"""

from __future__ import annotations

import importlib
import multiprocessing as mp
import signal
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from ingest.errors import ReportError
from ingest.grid import Document
from ingest.options import DEFAULT_TIMEOUT_S, Options

# Address space of the child. The pipeline with OCR loaded maps about 1.2 GB of virtual memory
# (shared libraries, thread stacks, ONNX arenas), so the limit is on address space, set well above that.
DEFAULT_MAX_MEMORY_BYTES = 3 * 1024**3
# Below this the pipeline cannot even import its engines; a smaller limit is a usage error.
MIN_MEMORY_BYTES = 256 * 1024**2
# The function the child runs on each path: "module:function", called as f(path, options) -> (doc, report).
DEFAULT_TARGET = "pipeline:convert_document"
# Signals that mean the child ran out of memory (the OOM killer, an allocator abort), not a code crash.
_MEMORY_SIGNALS = (signal.SIGKILL, signal.SIGABRT)
# Seconds to wait for a child that was asked to stop before killing it.
_STOP_GRACE_S = 2.0

Outcome = tuple[Document | None, dict[str, Any] | None, ReportError | None]


@dataclass(frozen=True)
class _Job:
    """One conversion sent to the child."""

    path: str
    options: Options | None


def _limit_memory(max_memory_bytes: int) -> None:
    """Cap this process's address space (soft and hard), so a runaway allocation fails here, not the host."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (max_memory_bytes, max_memory_bytes))


def _resolve(target: str) -> Any:
    """The function named "module:function"."""
    module, func = target.split(":")
    return getattr(importlib.import_module(module), func)


def _run_one(func: Any, job: _Job, max_memory_bytes: int) -> tuple[Any, ...]:
    """Run one job and describe its outcome as a picklable tuple."""
    try:
        doc, report = func(job.path, job.options)
        return ("ok", doc, report)
    except ReportError as e:
        return ("error", e.kind, e.reason)
    except MemoryError:
        return ("error", "too_large", f"memory limit of {max_memory_bytes // 1024**2} MB exceeded", "restart")
    except RecursionError:
        return ("error", "corrupt", "structure nested too deeply to read")
    except Exception as e:  # a bug met on a bad file: reported for that file, never a traceback
        first = str(e).splitlines()[0] if str(e) else ""
        return ("error", "unreadable", f"internal error: {type(e).__name__}: {first}".rstrip(": "))


def _child_main(conn: Connection, max_memory_bytes: int, target: str) -> None:
    """The child's loop: receive a job, convert, send the outcome; stop on None or a closed pipe."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _limit_memory(max_memory_bytes)
    func = _resolve(target)
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        outcome = _run_one(func, job, max_memory_bytes)
        try:
            conn.send(outcome)
        except MemoryError:
            conn.send(("error", "too_large", f"memory limit of {max_memory_bytes // 1024**2} MB exceeded", "restart"))
            return
        except Exception as e:  # an outcome that cannot be pickled
            conn.send(("error", "unreadable", f"internal error: result not transferable ({type(e).__name__})"))
        if outcome[-1] == "restart":  # memory state after a MemoryError is not to be trusted
            return


def _death_error(exitcode: int | None, max_memory_bytes: int) -> ReportError:
    """The error for a child that died without answering, from its exit code."""
    if exitcode is not None and exitcode < 0 and -exitcode in _MEMORY_SIGNALS:
        return ReportError(
            "too_large",
            f"memory limit of {max_memory_bytes // 1024**2} MB exceeded (conversion process killed by "
            f"{signal.Signals(-exitcode).name})",
        )
    if exitcode is not None and exitcode < 0:
        return ReportError("conversion_failed", f"the conversion process crashed ({signal.Signals(-exitcode).name})")
    return ReportError("conversion_failed", f"the conversion process exited unexpectedly (status {exitcode})")


class IsolatedRunner:
    """One reusable child process that converts files one at a time under a timeout and a memory cap."""

    def __init__(
        self,
        max_memory_bytes: int = DEFAULT_MAX_MEMORY_BYTES,
        target: str = DEFAULT_TARGET,
        context: str = "forkserver",
    ) -> None:
        if max_memory_bytes < MIN_MEMORY_BYTES:
            raise ValueError(f"max_memory_bytes must be at least {MIN_MEMORY_BYTES}, not {max_memory_bytes}")
        if context not in ("forkserver", "spawn"):
            raise ValueError(f"context must be 'forkserver' or 'spawn', not {context!r}")
        self.max_memory_bytes = max_memory_bytes
        self.target = target
        self._ctx = mp.get_context("spawn") if context == "spawn" else mp.get_context("forkserver")
        self._proc: BaseProcess | None = None
        self._conn: Connection | None = None
        self.restarts = 0

    def _start(self) -> tuple[BaseProcess, Connection]:
        """Start the child if none is alive; return it and our end of its pipe."""
        if self._proc is not None and self._conn is not None and self._proc.is_alive():
            return self._proc, self._conn
        if self._proc is not None:
            self._discard()
            self.restarts += 1
        parent_end, child_end = self._ctx.Pipe(duplex=True)
        proc = self._ctx.Process(
            target=_child_main, args=(child_end, self.max_memory_bytes, self.target), name="govreport-convert"
        )
        proc.daemon = True
        proc.start()
        child_end.close()
        self._proc, self._conn = proc, parent_end
        return proc, parent_end

    def _discard(self) -> None:
        """Kill and forget the child (after a timeout, a death or a broken pipe)."""
        if self._proc is not None and self._proc.is_alive():
            self._proc.kill()
        if self._proc is not None:
            self._proc.join(_STOP_GRACE_S)
        if self._conn is not None:
            self._conn.close()
        self._proc, self._conn = None, None

    def convert_document(self, path: str, options: Options | None = None, timeout_s: float | None = None) -> Outcome:
        """Convert one file in the child: (doc, report, None) or (None, None, error); never raises for the file."""
        timeout = float(timeout_s if timeout_s is not None else (options or Options()).timeout_s)
        if timeout <= 0:
            raise ValueError(f"timeout_s must be positive, not {timeout!r}")
        proc, conn = self._start()
        try:
            conn.send(_Job(path, options))
        except (BrokenPipeError, OSError):
            return None, None, self._after_death(proc)
        if not conn.poll(timeout):
            self._discard()
            self.restarts += 1
            return None, None, ReportError("timeout", f"no result after {timeout:g} s (conversion killed)")
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return None, None, self._after_death(proc)
        if msg[0] == "ok":
            return msg[1], msg[2], None
        if msg[-1] == "restart":
            proc.join(_STOP_GRACE_S)
            self._discard()
            self.restarts += 1
        return None, None, ReportError(msg[1], msg[2])

    def _after_death(self, proc: BaseProcess) -> ReportError:
        """Reap a child that died mid-job and describe why."""
        proc.join(_STOP_GRACE_S)
        err = _death_error(proc.exitcode, self.max_memory_bytes)
        self._discard()
        self.restarts += 1
        return err

    def close(self) -> None:
        """Ask the child to stop, then make sure it has."""
        if self._conn is not None and self._proc is not None and self._proc.is_alive():
            try:
                self._conn.send(None)
            except OSError:
                pass
            self._proc.join(_STOP_GRACE_S)
        self._discard()

    def __enter__(self) -> IsolatedRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_shared: IsolatedRunner | None = None


def shared_runner(max_memory_bytes: int = DEFAULT_MAX_MEMORY_BYTES) -> IsolatedRunner:
    """The process-wide runner for this memory limit, reused across calls (replaced if the limit changes)."""
    global _shared
    if _shared is None or _shared.max_memory_bytes != max_memory_bytes:
        if _shared is not None:
            _shared.close()
        _shared = IsolatedRunner(max_memory_bytes)
    return _shared


def convert_isolated(
    path: str,
    options: Options | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    max_memory_bytes: int = DEFAULT_MAX_MEMORY_BYTES,
) -> tuple[dict[str, Any] | None, ReportError | None]:
    """The canonical report of one file converted in the shared child process, or the error that stopped it."""
    _doc, report, error = shared_runner(max_memory_bytes).convert_document(path, options, timeout_s)
    return report, error
