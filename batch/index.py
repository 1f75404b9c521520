"""The embedded index OUT_DIR/index.sqlite: one row per input file, its values and its checks.

Only the client process writes it (a single writer, WAL mode, so readers such as ``export`` or a
watching test never block it). The files of one Dask task are recorded in one transaction, committed
after all their JSON files are on disk. ``values`` and ``checks`` are WITHOUT ROWID tables: a row is
stored once, in its primary key's B-tree, instead of in the table and again in a key index (indexes made
by earlier versions keep their rowid tables and work the same).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

INDEX_NAME = "index.sqlite"

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY,
    sha256 TEXT,
    size INTEGER,
    format TEXT,
    status TEXT NOT NULL CHECK (status IN ('ok', 'failed')),
    error_kind TEXT,
    error TEXT,
    seconds REAL,
    pages INTEGER,
    ocr_engine TEXT,
    toolkit_version TEXT NOT NULL,
    failing_checks TEXT,
    json_path TEXT,
    done_at TEXT NOT NULL,
    template TEXT,
    agency TEXT,
    year INTEGER,
    published TEXT,
    converted_as TEXT,
    series_key TEXT,
    agency_level TEXT
);
CREATE INDEX IF NOT EXISTS files_sha256 ON files (sha256, toolkit_version);
CREATE TABLE IF NOT EXISTS "values" (
    path TEXT NOT NULL,
    sha256 TEXT,
    field TEXT NOT NULL,
    value NUMERIC,
    raw TEXT,
    page INTEGER,
    confidence REAL,
    PRIMARY KEY (path, field)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS checks (
    path TEXT NOT NULL,
    rule TEXT NOT NULL,
    ok INTEGER NOT NULL,
    message TEXT,
    PRIMARY KEY (path, rule)
) WITHOUT ROWID;
"""


@dataclass(frozen=True)
class FileRow:
    """What the index knows about one input path."""

    path: str
    sha256: str | None
    status: str
    error_kind: str | None
    error: str | None
    toolkit_version: str
    json_path: str | None
    seconds: float | None


def connect(db_path: str, readonly: bool = False) -> sqlite3.Connection:
    """Open the index (creating it unless read-only) in WAL mode."""
    if readonly:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
    else:
        conn = sqlite3.connect(db_path, timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.executescript(SCHEMA)
        add_missing_columns(conn)
    return conn


# Columns added after the first release of the index, added to an older index when it is opened.
ADDED_COLUMNS = {"series_key": "TEXT", "agency_level": "TEXT"}


def add_missing_columns(conn: sqlite3.Connection) -> None:
    """Add to an index made by an earlier version the `files` columns it lacks (series key, level)."""
    have = {r[1] for r in conn.execute("PRAGMA table_info(files)")}
    for name, kind in ADDED_COLUMNS.items():
        if name not in have:
            conn.execute(f"ALTER TABLE files ADD COLUMN {name} {kind}")


def file_rows(conn: sqlite3.Connection) -> dict[str, FileRow]:
    """Every recorded file, by path."""
    cur = conn.execute("SELECT path, sha256, status, error_kind, error, toolkit_version, json_path, seconds FROM files")
    return {r[0]: FileRow(*r) for r in cur}


def row_for_content(conn: sqlite3.Connection, sha256: str, version: str) -> FileRow | None:
    """A file already converted from the same bytes by the same toolkit version (ok rows first)."""
    cur = conn.execute(
        "SELECT path, sha256, status, error_kind, error, toolkit_version, json_path, seconds FROM files "
        "WHERE sha256 = ? AND toolkit_version = ? ORDER BY status = 'ok' DESC, path LIMIT 1",
        (sha256, version),
    )
    r = cur.fetchone()
    return FileRow(*r) if r else None


def flatten(prefix: str, obj: Any) -> Iterator[tuple[str, Any]]:
    """(dotted id, scalar) for every leaf of nested dicts: tables -> applications.granted.total."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from flatten(f"{prefix}.{k}" if prefix else str(k), v)
    elif not isinstance(obj, list):
        yield prefix, obj


def value_rows(report: dict[str, Any]) -> list[tuple[str, Any, str | None, int | None, float | None]]:
    """(field, value, raw, page, confidence) for every table value, with the cell's reading where known."""
    cells: dict[str, dict[str, Any]] = {
        str(c["field"]): c for c in report.get("cells") or [] if isinstance(c, dict) and c.get("field")
    }
    out: list[tuple[str, Any, str | None, int | None, float | None]] = []
    seen: set[str] = set()
    for field, value in flatten("", report.get("tables") or {}):
        c = cells.get(field, {})
        out.append((field, value, c.get("raw"), c.get("page"), c.get("confidence")))
        seen.add(field)
    for name, cell in cells.items():
        if name not in seen:
            out.append((name, cell.get("value"), cell.get("raw"), cell.get("page"), cell.get("confidence")))
    return out


def failing_rules(report: dict[str, Any]) -> list[str]:
    """Rules of the report's failing checks."""
    return [c["rule"] for c in report.get("checks") or [] if not c.get("ok")]


def now() -> str:
    """The current UTC time, ISO 8601 to the millisecond."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class FileFacts:
    """Facts about an input file known before conversion."""

    path: str
    sha256: str | None
    size: int | None
    format: str | None


def summarize(report: dict[str, Any]) -> dict[str, Any]:
    """What the index keeps of a report (computed on the worker, so the client only inserts rows)."""
    meta = report.get("report") or {}
    source = report.get("source") or {}
    return {
        "source_file": source.get("file"),
        "format": source.get("format"),
        "pages": source.get("pages"),
        "template": report.get("template"),
        "agency": meta.get("agency"),
        "year": meta.get("year"),
        "published": meta.get("published"),
        "series_key": meta.get("series_key"),
        "agency_level": meta.get("agency_level"),
        "failing": failing_rules(report),
        "values": value_rows(report),
        "checks": [(c["rule"], int(bool(c.get("ok"))), c.get("message")) for c in report.get("checks") or []],
    }


def record_ok(
    conn: sqlite3.Connection,
    facts: FileFacts,
    summary: dict[str, Any],
    outcome: dict[str, Any],
    json_path: str,
    version: str,
    converted_as: str,
) -> None:
    """Record a converted file, its values and its checks (replacing any earlier row), in the open
    transaction: the caller commits."""
    _forget(conn, facts.path)
    conn.execute(
        "INSERT INTO files (path, sha256, size, format, status, error_kind, error, seconds, pages, ocr_engine, "
        "toolkit_version, failing_checks, json_path, done_at, template, agency, year, published, converted_as, "
        "series_key, agency_level) VALUES (?, ?, ?, ?, 'ok', NULL, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            facts.path,
            facts.sha256,
            facts.size,
            summary.get("format") or facts.format,
            outcome.get("seconds"),
            summary.get("pages"),
            outcome.get("ocr_engine"),
            version,
            json.dumps(summary.get("failing", [])),
            json_path,
            now(),
            summary.get("template"),
            summary.get("agency"),
            summary.get("year"),
            summary.get("published"),
            converted_as,
            summary.get("series_key"),
            summary.get("agency_level"),
        ),
    )
    conn.executemany(
        'INSERT OR REPLACE INTO "values" (path, sha256, field, value, raw, page, confidence) '
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(facts.path, facts.sha256, f, v, r, p, c) for f, v, r, p, c in summary.get("values", [])],
    )
    conn.executemany(
        "INSERT OR REPLACE INTO checks (path, rule, ok, message) VALUES (?, ?, ?, ?)",
        [(facts.path, rule, ok, msg) for rule, ok, msg in summary.get("checks", [])],
    )


def record_failed(
    conn: sqlite3.Connection, facts: FileFacts, kind: str, reason: str, seconds: float | None, version: str
) -> None:
    """Record a file that could not be converted (replacing any earlier row), in the open transaction: the
    caller commits."""
    _forget(conn, facts.path)
    conn.execute(
        "INSERT INTO files (path, sha256, size, format, status, error_kind, error, seconds, toolkit_version, "
        "done_at) VALUES (?, ?, ?, ?, 'failed', ?, ?, ?, ?, ?)",
        (facts.path, facts.sha256, facts.size, facts.format, kind, reason, seconds, version, now()),
    )


# A path, or one report of it when it is a bound volume (`PATH#<n>`: see part_key).
_PATH_OR_PART = "(path = ?1 OR (substr(path, 1, length(?1) + 1) = ?1 || '#' AND substr(path, length(?1) + 2) GLOB '[0-9]*' AND NOT substr(path, length(?1) + 2) GLOB '*[^0-9]*'))"


def part_key(path: str, index: int) -> str:
    """The index key of report ``index`` of a bound volume at ``path``: `PATH#<index>`."""
    return f"{path}#{index}"


def forget(conn: sqlite3.Connection, path: str) -> None:
    """Delete everything recorded about a path and its reports (inside the caller's transaction)."""
    _forget(conn, path)


def _forget(conn: sqlite3.Connection, path: str) -> None:
    """Delete everything recorded about a path, its reports' rows included when it was a bound volume
    (inside the caller's transaction)."""
    conn.execute(f"DELETE FROM files WHERE {_PATH_OR_PART}", (path,))
    conn.execute(f'DELETE FROM "values" WHERE {_PATH_OR_PART}', (path,))
    conn.execute(f"DELETE FROM checks WHERE {_PATH_OR_PART}", (path,))


def set_meta(conn: sqlite3.Connection, **items: str) -> None:
    """Store facts about the run (input folder, toolkit version)."""
    with conn:
        conn.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", list(items.items()))
