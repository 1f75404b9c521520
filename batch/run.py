"""`cli.py batch`: convert a folder on Dask, resumable, with every file recorded in index.sqlite.

The client (this process) walks the folder, hashes and sniffs each file, and skips what the index
already holds for the same bytes and toolkit version. Files with the same bytes are converted once.
Each conversion runs on a Dask worker, in a child process with a time and memory limit
(:mod:`batch.worker`), which writes the report's JSON atomically (temporary file + os.replace). The
client is the only writer of the index: it commits a file's index row only once that JSON is on its disk
(it writes the JSON itself for duplicates and when a worker could not), so a run killed at any moment,
SIGKILL included, is completed by the next run without losing or duplicating anything.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import stat
import sys
import time
from dataclasses import dataclass
from typing import Any

from batch import ROOT, BatchSettings, memory_limit_from_env, toolkit_version
from batch.discover import Input, list_inputs, part_json_rel
from batch.index import (
    INDEX_NAME,
    FileFacts,
    FileRow,
    connect,
    file_rows,
    forget,
    part_key,
    record_failed,
    record_ok,
    row_for_content,
    summarize,
)
from batch.progress import Progress
from batch.worker import PARTIAL_SUFFIX, failure, stamp, write_json_atomic
from corrections import sync_folder
from ingest.detect import sniff
from ingest.errors import ReportError
from ingest.options import Options
from normalize.serialize import loads, report_bytes

# Failure kinds a rerun tries again: an external converter (LibreOffice) or a lost worker may fail by chance.
RETRY_KINDS = ("conversion_failed",)
# Seconds to wait for an existing scheduler to answer.
SCHEDULER_TIMEOUT_S = 30.0
# Seconds between two looks at the cluster's size (workers may join a shared cluster at any time).
RECHECK_S = 5.0
# Dask settings of the embedded LocalCluster: its housekeeping (the statistical profiler sampling every
# worker thread every 10 ms, event-loop health ticks every 20 ms, the system monitor) costs more than 0.1
# core while idle, taken from the conversions on a small machine; none of it is used here.
LOCAL_DASK_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "500ms",
    "distributed.admin.system-monitor.interval": "2s",
}

# Evaluated on a worker: put the checkout on sys.path, then call batch.worker.<F>(*A). Submitting the
# builtin eval (importable everywhere) means neither the scheduler nor the workers need PYTHONPATH.
_REMOTE_EXPR = (
    "(__import__('sys').path.insert(0, R) if R not in __import__('sys').path else None, "
    "getattr(__import__('importlib').import_module('batch.worker'), F)(*A))[1]"
)


def remote_args(func: str, *args: Any) -> tuple[str, dict[str, Any]]:
    """Arguments for submitting eval that runs batch.worker.<func>(*args) on a worker."""
    return _REMOTE_EXPR, {"R": str(ROOT), "F": func, "A": args}


@dataclass
class Examined:
    """An input after the client looked at it: its facts, or the error that stops it before any worker."""

    input: Input
    facts: FileFacts
    error: ReportError | None = None


def display_name(path: str) -> str:
    """A file's base name as text that can be printed and stored (undecodable bytes escaped)."""
    return os.fsencode(os.path.basename(path)).decode("utf-8", errors="backslashreplace")


def examine(inp: Input, options: Options) -> Examined:
    """Stat, hash and sniff one input in the client; refuse non-files, oversize and unsupported content."""
    facts = FileFacts(path=inp.key, sha256=None, size=None, format=None)
    try:
        st = os.stat(inp.abs_path)
    except OSError as e:
        return Examined(inp, facts, ReportError("unreadable", e.strerror or str(e)))
    if not stat.S_ISREG(st.st_mode):
        return Examined(inp, facts, ReportError("unsupported", "not a regular file"))
    facts = dataclasses.replace(facts, size=st.st_size)
    if st.st_size > options.max_file_bytes:
        return Examined(
            inp, facts, ReportError("too_large", f"{st.st_size} bytes, more than the limit of {options.max_file_bytes}")
        )
    try:
        with open(inp.abs_path, "rb") as f:
            data = f.read()
    except OSError as e:
        return Examined(inp, facts, ReportError("unreadable", e.strerror or str(e)))
    facts = dataclasses.replace(facts, sha256=hashlib.sha256(data).hexdigest(), size=len(data))
    try:
        fmt = sniff(data)
    except ReportError as e:
        return Examined(inp, facts, e)
    return Examined(inp, dataclasses.replace(facts, format=fmt))


def largest_first(inputs: list[Input]) -> list[Input]:
    """The inputs biggest file first (equal sizes keep their order; an unreadable one counts as empty), so a
    run ends on small files: a big scan handed out last keeps one worker busy for seconds while the others
    idle (on 16 scans with 2 workers, 6 s of a 55 s run)."""

    def size(inp: Input) -> int:
        try:
            return os.stat(inp.abs_path).st_size
        except OSError:
            return 0

    return sorted(inputs, key=size, reverse=True)


def failure_stands(row: FileRow, timeout_s: float) -> bool:
    """False for a failure worth another try: an external converter or a worker that failed (maybe by
    chance), or a timeout under a shorter limit than this run's."""
    if row.error_kind in RETRY_KINDS:
        return False
    return not (row.error_kind == "timeout" and row.seconds is not None and timeout_s > row.seconds + 1.0)


def already_done(row: FileRow | None, ex: Examined, version: str, out_dir: str, timeout_s: float) -> bool:
    """True when the index holds this path with the same bytes and version (and its JSON when ok)."""
    if row is None or row.toolkit_version != version or row.sha256 != ex.facts.sha256:
        return False
    if row.status == "failed":
        if ex.facts.sha256 is None:  # refused before hashing (size, not a file): the same refusal again?
            return ex.error is not None and row.error_kind == ex.error.kind
        return failure_stands(row, timeout_s)
    return row.json_path == ex.input.json_rel and os.path.isfile(os.path.join(out_dir, ex.input.json_rel))


def volume_done(parts: list[FileRow], ex: Examined, version: str, out_dir: str) -> bool:
    """True when the index holds every report of this bound volume from the same bytes and version, each
    with its JSON."""
    return bool(parts) and all(
        r.status == "ok"
        and r.toolkit_version == version
        and r.sha256 == ex.facts.sha256
        and r.json_path == part_json_rel(ex.input.json_rel, n)
        and os.path.isfile(os.path.join(out_dir, r.json_path))
        for n, r in enumerate(parts, start=1)
    )


def volume_parts(rows: dict[str, FileRow]) -> dict[str, list[FileRow]]:
    """The index rows of bound volumes' reports (`KEY#<n>`), by the volume's key, in report order."""
    out: dict[str, list[tuple[int, FileRow]]] = {}
    for path, row in rows.items():
        key, sep, n = path.rpartition("#")
        if sep and n.isdigit():
            out.setdefault(key, []).append((int(n), row))
    return {k: [r for _, r in sorted(v, key=lambda t: t[0])] for k, v in out.items()}


def sweep_partials(out_dir: str) -> int:
    """Delete temporary JSON files a killed run left behind; return how many."""
    n = 0
    for dirpath, _dirs, files in os.walk(out_dir, followlinks=False):
        for name in files:
            if name.startswith(".") and name.endswith(PARTIAL_SUFFIX):
                os.remove(os.path.join(dirpath, name))
                n += 1
    return n


def json_for_file(data: bytes, summary: dict[str, Any], inp: Input) -> bytes:
    """The JSON for this input: as converted, with its own file name in source.file (duplicates)."""
    name = display_name(inp.abs_path)
    if summary.get("source_file") == name:
        return data
    report = loads(data)
    if isinstance(report.get("source"), dict):
        report["source"]["file"] = name
    return report_bytes(report)


class Batch:
    """The client side of one run: decisions, submissions and the single writer of outputs."""

    def __init__(self, out_dir: str, settings: BatchSettings, options: Options, progress: Progress) -> None:
        self.out_dir = out_dir
        self.settings = settings
        self.options = options
        self.progress = progress
        self.version = toolkit_version()
        self.conn = connect(os.path.join(out_dir, INDEX_NAME))
        self.rows = file_rows(self.conn)
        self.volumes = volume_parts(self.rows)
        self.status: dict[str, str] = {}
        self.waiting: dict[str, list[Examined]] = {}  # sha256 -> inputs awaiting the one conversion

    def commit(self) -> None:
        """Commit the rows added since the last commit (every JSON they name is already on disk)."""
        self.conn.commit()

    def close(self) -> None:
        """Commit and close the index."""
        self.conn.commit()
        self.conn.close()

    def fail(self, ex: Examined, kind: str, reason: str, seconds: float | None = None) -> None:
        """Record a failed input (removing a JSON an earlier run wrote for other bytes)."""
        stale = os.path.join(self.out_dir, ex.input.json_rel)
        if os.path.isfile(stale):
            os.remove(stale)
        record_failed(self.conn, ex.facts, kind, reason, seconds, self.version)
        self.status[ex.input.key] = "failed"
        self.progress.failed += 1
        self.progress.message(ReportError(kind, reason).line(ex.input.key))

    def json_path(self, ex: Examined) -> str:
        """Where the input's JSON goes, as an absolute path (workers may run in another folder)."""
        return os.path.abspath(os.path.join(self.out_dir, ex.input.json_rel))

    def succeed(
        self, ex: Examined, data: bytes | None, summary: dict[str, Any], outcome: dict[str, Any], converted_as: str
    ) -> None:
        """Write the input's JSON (unless data is None: a worker wrote it), then add its index rows (committed
        by the caller, after the JSON is on disk)."""
        if data is not None:
            write_json_atomic(self.json_path(ex), json_for_file(data, summary, ex.input))
        record_ok(self.conn, ex.facts, summary, outcome, ex.input.json_rel, self.version, converted_as)
        self.status[ex.input.key] = "ok"
        self.progress.ok += 1

    def reuse(self, ex: Examined) -> bool:
        """Finish an input from an earlier conversion of the same bytes, if the index has one."""
        assert ex.facts.sha256 is not None
        row = row_for_content(self.conn, ex.facts.sha256, self.version)
        if row is None or row.path.rpartition("#")[2].isdigit():  # (a bound volume's report: converted again)
            return False
        if row.status == "failed":
            if not failure_stands(row, self.settings.timeout_s):
                return False
            self.fail(ex, row.error_kind or "unreadable", row.error or "", row.seconds)
            return True
        try:
            with open(os.path.join(self.out_dir, row.json_path or ""), "rb") as f:
                data = f.read()
            summary = summarize(loads(data))
        except (OSError, ValueError):
            return False
        self.succeed(ex, data, summary, {"seconds": 0.0}, row.path)
        return True

    def plan(self, ex: Examined) -> bool:
        """Handle an input in the client if possible; True when it still needs a worker."""
        key = ex.input.key
        row = self.rows.get(key)
        if already_done(row, ex, self.version, self.out_dir, self.settings.timeout_s):
            assert row is not None
            self.status[key] = row.status
            self.progress.skipped += 1
            return False
        if row is None and volume_done(self.volumes.get(key, []), ex, self.version, self.out_dir):
            self.status[key] = "ok"
            self.progress.skipped += 1
            return False
        if ex.error is not None:
            self.fail(ex, ex.error.kind, ex.error.reason)
            return False
        assert ex.facts.sha256 is not None
        if ex.facts.sha256 in self.waiting:
            self.waiting[ex.facts.sha256].append(ex)
            return False
        if self.reuse(ex):
            return False
        self.waiting[ex.facts.sha256] = [ex]
        return True

    def worker_wrote(self, ex: Examined, outcome: dict[str, Any]) -> bool:
        """True when ex's JSON is on this process's disk as the worker reported writing it."""
        try:
            return stamp(os.stat(self.json_path(ex))) == list(outcome.get("written") or [])
        except OSError:
            return False

    def finish(self, sha256: str, outcome: dict[str, Any]) -> None:
        """Record the outcome of one conversion for every input with those bytes (the caller commits). The
        first input's JSON was written by the worker (or travels in the outcome); the others' are written here."""
        group = self.waiting.pop(sha256)
        first = group[0]
        if outcome.get("ok") and outcome.get("parts"):
            self.finish_volume(group, outcome)
            return
        if outcome.get("ok") and "json" not in outcome and not self.worker_wrote(first, outcome):
            outcome = failure(
                "conversion_failed",
                f"the worker wrote {first.input.json_rel} where this process does not find it "
                "(is the output folder shared with the workers, at the same path?)",
                outcome.get("seconds") or 0.0,
            )
        for ex in group:
            if not outcome.get("ok"):
                self.fail(ex, outcome.get("kind", "unreadable"), outcome.get("reason", ""), outcome.get("seconds"))
                continue
            data = outcome.get("json")
            if data is None and ex is not first:
                try:
                    with open(self.json_path(first), "rb") as f:  # the worker's JSON, just checked
                        data = f.read()
                except OSError as e:
                    self.fail(ex, "conversion_failed", f"cannot read {first.input.json_rel}: {e.strerror or e}")
                    continue
            self.succeed(ex, data, outcome["summary"], outcome, first.input.key)
        self.progress.draw()

    def finish_volume(self, group: list[Examined], outcome: dict[str, Any]) -> None:
        """Record a bound volume's reports for every input with those bytes: NAME.<n>.json and an index row
        `KEY#<n>` per report (the first input's files were written by the worker, or travel in the outcome)."""
        first = group[0]
        blobs: list[bytes] = []
        for n, part in enumerate(outcome["parts"], start=1):
            path = os.path.join(self.out_dir, part_json_rel(first.input.json_rel, n))
            try:
                if part.get("json") is None:
                    with open(path, "rb") as f:  # the worker's JSON
                        blobs.append(f.read())
                    continue
            except OSError as e:
                for ex in group:
                    self.fail(ex, "conversion_failed", f"cannot read {path}: {e.strerror or e}", outcome.get("seconds"))
                self.progress.draw()
                return
            blobs.append(part["json"])
        for ex in group:
            stale = self.json_path(ex)
            if os.path.isfile(stale):  # the single report an earlier version made of this file
                os.remove(stale)
            for n, (part, data) in enumerate(zip(outcome["parts"], blobs, strict=True), start=1):
                rel = part_json_rel(ex.input.json_rel, n)
                if ex is not first or part.get("json") is not None:
                    write_json_atomic(
                        os.path.abspath(os.path.join(self.out_dir, rel)), json_for_file(data, part["summary"], ex.input)
                    )
                if n == 1:
                    forget(self.conn, ex.input.key)  # an earlier conversion of this path, single or not
                facts = dataclasses.replace(ex.facts, path=part_key(ex.input.key, n))
                record_ok(self.conn, facts, part["summary"], outcome, rel, self.version, first.input.key)
            self.status[ex.input.key] = "ok"
            self.progress.ok += 1
        self.progress.draw()

    def exit_status(self) -> int:
        """0 when every input of this folder is converted, 1 when any is failed."""
        return 1 if any(s == "failed" for s in self.status.values()) else 0


def open_client(workers: int | None, scheduler: str | None) -> tuple[Any, Any]:
    """A Dask client on an existing scheduler, or on a new LocalCluster of single-threaded worker processes."""
    import dask
    from dask.distributed import Client, LocalCluster

    if scheduler:
        try:
            return Client(scheduler, timeout=SCHEDULER_TIMEOUT_S), None
        except (OSError, TimeoutError) as e:
            raise ValueError(f"cannot reach the Dask scheduler at {scheduler}: {e}") from None
    n = workers or os.cpu_count() or 1
    if n < 1:
        raise ValueError(f"workers must be positive, not {n}")
    with dask.config.set(LOCAL_DASK_CONFIG):
        cluster = LocalCluster(
            n_workers=n,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
            memory_limit=0,  # no Dask memory monitor: conversions run in children with their own limit
        )
        # Results come straight from the worker that holds them, not relayed by the scheduler (which
        # runs in this process too, so the relay would handle every report twice here).
        return Client(cluster, direct_to_workers=True), cluster


class Feed:
    """The inputs in order, examined and planned lazily (hashing overlaps the conversions already submitted),
    handed out as chunks of those that still need a worker."""

    def __init__(self, batch: Batch, inputs: list[Input], options: Options, max_bytes: int) -> None:
        self.batch = batch
        self.inputs = inputs
        self.options = options
        self.max_bytes = max_bytes
        self.next_index = 0
        self.held: Examined | None = None

    def left(self) -> int:
        """Inputs not handed out yet (some of them may turn out done already)."""
        return len(self.inputs) - self.next_index + (self.held is not None)

    def next_needed(self) -> Examined | None:
        """The next input that needs a worker; the ones handled in the client are recorded on the way."""
        if self.held is not None:
            ex, self.held = self.held, None
            return ex
        while self.next_index < len(self.inputs):
            ex = examine(self.inputs[self.next_index], self.options)
            self.next_index += 1
            needed = self.batch.plan(ex)
            self.batch.commit()
            self.batch.progress.draw()
            if needed:
                return ex
        return None

    def take(self, count: int) -> list[Examined]:
        """Up to count inputs for one task, within max_bytes (a bigger file goes alone); [] at the end."""
        chunk: list[Examined] = []
        size = 0
        while len(chunk) < count:
            ex = self.next_needed()
            if ex is None:
                break
            n = ex.facts.size or 0
            if chunk and size + n > self.max_bytes:
                self.held = ex
                break
            chunk.append(ex)
            size += n
        return chunk


class InFlight:
    """How many tasks to keep submitted: a few per worker thread, re-read as workers join or leave."""

    def __init__(self, client: Any, per_thread: int) -> None:
        self.client = client
        self.per_thread = per_thread
        self.checked = -1e9
        self.threads = 1

    def size(self) -> int:
        """The current limit (the cluster is asked at most every RECHECK_S seconds)."""
        now = time.monotonic()
        if now - self.checked >= RECHECK_S:
            self.checked = now
            self.threads = max(1, sum(self.client.nthreads().values()))
        return max(2, self.per_thread * self.threads)


# Weight of the newest file in the running mean of seconds per file.
MEAN_WEIGHT = 0.1


class ChunkSize:
    """Files per task: about settings.task_seconds of conversion, one until a file's time is known, and
    fewer near the end so that every worker thread still gets a share of the last files."""

    def __init__(self, settings: BatchSettings) -> None:
        self.settings = settings
        self.mean_s: float | None = None

    def observe(self, seconds: float | None) -> None:
        """Fold one file's conversion time into the running mean."""
        if seconds is None or seconds < 0:
            return
        self.mean_s = seconds if self.mean_s is None else self.mean_s + MEAN_WEIGHT * (seconds - self.mean_s)

    def files(self, left: int, threads: int) -> int:
        """How many files the next task carries."""
        if self.mean_s is None:
            return 1
        by_time = int(self.settings.task_seconds / max(self.mean_s, 1e-3))
        by_tail = left // (2 * threads)
        return max(1, min(by_time, by_tail, self.settings.max_files_per_task))


def chunk_outcomes(fut: Any, count: int) -> list[dict[str, Any]]:
    """The per-file outcomes of a finished task; every file failed when the task itself failed."""
    try:
        outcomes = fut.result()
    except Exception as e:  # a worker lost twice, a scheduler error: these files fail, the batch goes on
        failed = {"ok": False, "kind": "conversion_failed", "reason": f"worker failure: {type(e).__name__}: {e}"}
        return [dict(failed) for _ in range(count)]
    if not isinstance(outcomes, list) or len(outcomes) != count:
        bad = {"ok": False, "kind": "conversion_failed", "reason": "worker failure: a garbled answer"}
        return [dict(bad) for _ in range(count)]
    return outcomes


def workers_share(client: Any, out_dir: str) -> bool:
    """True when every worker of the cluster reads this process's output folder at the same path (always so
    on the embedded cluster): the workers then write the JSON files themselves. Checked with a probe file."""
    import secrets

    probe = os.path.abspath(os.path.join(out_dir, f".probe.{os.getpid()}{PARTIAL_SUFFIX}"))
    token = secrets.token_hex(16)
    try:
        with open(probe, "w", encoding="utf-8") as f:
            f.write(token)
        expr, env = remote_args("sees_file", probe, token)
        seen = client.run(eval, expr, env)
    except Exception:  # an unwritable folder, a worker that does not answer: the JSON travels back
        return False
    finally:
        try:
            os.remove(probe)
        except OSError:
            pass
    return bool(seen) and all(seen.values())


def drive(batch: Batch, client: Any, inputs: list[Input], options: Options, settings: BatchSettings) -> None:
    """Submit conversions (several small files per task) with a bounded number of tasks in flight and
    record each file as its task completes. Workers that share the output folder write the JSON files
    (a worker joining later that does not share it fails its files with a clear error, tried again by
    the next run); otherwise each report travels back and this process writes it."""
    from dask.distributed import as_completed

    shared = workers_share(client, batch.out_dir)
    window = InFlight(client, settings.tasks_per_thread)
    sizer = ChunkSize(settings)
    opts = dataclasses.asdict(options)
    feed = Feed(batch, inputs, options, settings.max_task_bytes)
    done = as_completed()
    shas_of: dict[Any, list[str]] = {}

    def fill() -> None:
        while done.count() < window.size():
            chunk = feed.take(sizer.files(feed.left(), window.threads))
            if not chunk:
                return
            expr, env = remote_args(
                "convert_chunk",
                [(ex.input.abs_path, batch.json_path(ex) if shared else None) for ex in chunk],
                opts,
                settings.timeout_s,
                settings.memory_limit_bytes,
                settings.files_per_child,
                str(ROOT),
            )
            fut = client.submit(eval, expr, env, pure=False, retries=1)
            shas_of[fut] = [ex.facts.sha256 or "" for ex in chunk]
            done.add(fut)

    fill()
    for fut in done:
        shas = shas_of.pop(fut)
        for sha, outcome in zip(shas, chunk_outcomes(fut, len(shas)), strict=True):
            sizer.observe(outcome.get("seconds"))
            batch.finish(sha, outcome)
        batch.commit()  # one transaction per task, after every JSON of it was written
        fut.release()
        fill()


def run_batch(
    input_dir: str,
    out_dir: str,
    workers: int | None = None,
    scheduler: str | None = None,
    timeout: float | None = None,
    options: Options | None = None,
    progress: bool = True,
) -> int:
    """Convert every file under input_dir into out_dir (mirrored tree of JSON + index.sqlite); 0 if all converted."""
    options = (options or Options()).validated()
    settings = BatchSettings(
        timeout_s=timeout if timeout is not None else options.timeout_s, memory_limit_bytes=memory_limit_from_env()
    ).validated()
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be positive, not {workers}")
    if not os.path.isdir(input_dir):
        raise ValueError(f"not a folder: {input_dir}")
    try:
        os.makedirs(out_dir, exist_ok=True)
    except OSError as e:
        raise ValueError(f"cannot create the output folder {out_dir}: {e.strerror or e}") from None
    sweep_partials(out_dir)
    inputs = largest_first(list_inputs(input_dir, out_dir))
    bar = Progress(len(inputs), enabled=progress)
    batch = Batch(out_dir, settings, options, bar)
    client, cluster = None, None
    try:
        client, cluster = open_client(workers, scheduler)
        drive(batch, client, inputs, options, settings)
        stop_children(client)
    finally:
        bar.finish()
        batch.close()
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
    for note in sync_folder(out_dir):  # a person's corrections stored in the folder, applied to its reports
        print(f"warning: {note}", file=sys.stderr)
    return batch.exit_status()


def stop_children(client: Any) -> None:
    """Stop the idle conversion children on every worker (workers of a shared cluster stay up)."""
    expr, env = remote_args("shutdown_children")
    try:
        client.run(eval, expr, env)
    except Exception as e:  # a worker gone at the end does not change the outcome
        print(f"warning: could not stop conversion children: {e}", file=sys.stderr)
