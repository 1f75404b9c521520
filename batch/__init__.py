"""Batch conversion at archive scale: resumable, parallel on Dask, with an embedded SQLite index.

``batch.run.run_batch`` walks a folder, converts every supported file in a Dask worker (each
conversion in a child process with a time and memory limit), mirrors the input tree as JSON in the
output folder and records every file in ``OUT_DIR/index.sqlite``. ``batch.export.export`` turns that
index into wide/long tables (CSV, XLSX, Parquet).
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ingest.options import require_positive
from runner import DEFAULT_FILES_PER_CHILD

ROOT = Path(__file__).resolve().parent.parent

# Each conversion runs in a child process (runner.py) with this address-space limit (RLIMIT_AS), replaced
# after runner.DEFAULT_FILES_PER_CHILD files (or sooner, once it grew past half that limit).
DEFAULT_MEMORY_LIMIT_BYTES = 2048 * 1024 * 1024
# Tasks kept in flight per worker thread (bounds client memory on 100k-file folders).
DEFAULT_TASKS_PER_THREAD = 4
# Small files travel several to a Dask task (each still converted on its own, with its own limits and
# outcome), so that Dask's per-task cost (about 6 ms of the batch process's CPU, on a core the conversions
# need) is shared: at most this many files per task ...
DEFAULT_MAX_FILES_PER_TASK = 64
# ... about this many seconds of conversion per task (from the seconds the files converted so far took) ...
DEFAULT_TASK_SECONDS = 2.0
# ... and at most this many bytes of input per task (a bigger file goes alone).
DEFAULT_MAX_TASK_BYTES = 8 * 1024 * 1024
# Environment variable that sets the child memory limit in MiB (default DEFAULT_MEMORY_LIMIT_BYTES).
MEMORY_ENV = "GOVREPORT_BATCH_MEMORY_MB"
# Environment variable that overrides the computed toolkit version (tests, pinned deployments).
VERSION_ENV = "GOVREPORT_TOOLKIT_VERSION"


@dataclass(frozen=True)
class BatchSettings:
    """Limits of a batch run beyond the per-file reading Options; validated against the defaults above."""

    timeout_s: float
    memory_limit_bytes: int = DEFAULT_MEMORY_LIMIT_BYTES
    files_per_child: int = DEFAULT_FILES_PER_CHILD
    tasks_per_thread: int = DEFAULT_TASKS_PER_THREAD
    max_files_per_task: int = DEFAULT_MAX_FILES_PER_TASK
    task_seconds: float = DEFAULT_TASK_SECONDS
    max_task_bytes: int = DEFAULT_MAX_TASK_BYTES

    def validated(self) -> BatchSettings:
        """Return self, or raise ValueError naming the first setting out of range."""
        require_positive(self, every=True)
        if self.memory_limit_bytes < 256 * 1024 * 1024:
            raise ValueError(f"memory_limit_bytes must be at least 256 MiB, not {self.memory_limit_bytes}")
        return self


def memory_limit_from_env() -> int:
    """The child memory limit in bytes: GOVREPORT_BATCH_MEMORY_MB if set (validated later), else the default."""
    text = os.environ.get(MEMORY_ENV, "").strip()
    if not text:
        return DEFAULT_MEMORY_LIMIT_BYTES
    try:
        return int(float(text) * 1024 * 1024)
    except ValueError:
        raise ValueError(f"{MEMORY_ENV} must be a number of MiB, not {text!r}") from None


def _project_version() -> str:
    """The version in pyproject.toml, or "0" when it cannot be read."""
    try:
        text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    except OSError:
        return "0"
    m = re.search(r'^version\s*=\s*"([^"]+)"', text, re.MULTILINE)
    return m.group(1) if m else "0"


def _git_commit() -> str | None:
    """The checked-out commit of the repository, when git and a .git folder are there."""
    if not (ROOT / ".git").exists():
        return None
    try:
        out = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short=12", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    commit = out.stdout.strip()
    return commit if out.returncode == 0 and commit else None


@lru_cache(maxsize=1)
def toolkit_version() -> str:
    """`<pyproject version>+g<commit>` (or the GOVREPORT_TOOLKIT_VERSION override): keys the rerun cache."""
    override = os.environ.get(VERSION_ENV)
    if override:
        return override
    commit = _git_commit()
    return _project_version() + (f"+g{commit}" if commit else "")
