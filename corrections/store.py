"""The corrections store OUT_DIR/corrections.sqlite: a person's decisions, keyed by document sha256 and field id.

SQLite in WAL mode; every decision is one transaction (the current decision per field and an append-only
log of every decision ever made, so two people editing at once lose nothing, and a process killed
mid-edit leaves either the whole decision or none of it).
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable
from datetime import UTC, datetime

from corrections.apply import ACTIONS, Correction

STORE_NAME = "corrections.sqlite"
EXPORT_VERSION = "1"

SCHEMA = """
CREATE TABLE IF NOT EXISTS corrections (
    sha256 TEXT NOT NULL,
    field TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('correct', 'confirm', 'unreadable')),
    value TEXT,
    name TEXT,
    at TEXT NOT NULL,
    PRIMARY KEY (sha256, field)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS corrections_name ON corrections (name);
CREATE TABLE IF NOT EXISTS log (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL,
    field TEXT NOT NULL,
    action TEXT NOT NULL,
    value TEXT,
    name TEXT,
    at TEXT NOT NULL
);
"""


def store_path(out_dir: str) -> str:
    """Where an output folder keeps its corrections."""
    return os.path.join(out_dir, STORE_NAME)


def now() -> str:
    """The current UTC time, ISO 8601 to the millisecond."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def connect(out_dir: str) -> sqlite3.Connection:
    """Open (creating) the store of an output folder, WAL mode, autocommit off only inside `with`."""
    conn = sqlite3.connect(store_path(out_dir), timeout=30, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.executescript(SCHEMA)
    return conn


def _row(r: tuple[str, str, str, str | None, str | None, str]) -> Correction:
    """A stored row as a Correction."""
    return Correction(
        sha256=r[0], field=r[1], action=r[2], value=json.loads(r[3]) if r[3] else None, name=r[4], at=r[5]
    )


COLUMNS = "sha256, field, action, value, name, at"


def load(out_dir: str, sha256: str | None = None, name: str | None = None) -> list[Correction]:
    """The stored corrections of a folder (of one document, or also those made under one output name);
    none when the folder has no store."""
    if not os.path.isfile(store_path(out_dir)):
        return []
    conn = sqlite3.connect(f"file:{store_path(out_dir)}?mode=ro", uri=True, timeout=30)
    try:
        if sha256 is None:
            rows = conn.execute(f"SELECT {COLUMNS} FROM corrections ORDER BY sha256, field").fetchall()
        else:
            rows = conn.execute(
                f"SELECT {COLUMNS} FROM corrections WHERE sha256 = ? OR name = ? ORDER BY field", (sha256, name or "")
            ).fetchall()
    finally:
        conn.close()
    return [_row(r) for r in rows]


def record(conn: sqlite3.Connection, items: Iterable[Correction]) -> int:
    """Store decisions (the latest per document and field wins; every one is logged) in one transaction."""
    rows = [
        (c.sha256, c.field, c.action, None if c.value is None else json.dumps(c.value), c.name, c.at or now())
        for c in items
    ]
    for r in rows:
        if r[2] not in ACTIONS:
            raise ValueError(f"unknown action {r[2]!r}")
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.executemany(f"INSERT OR REPLACE INTO corrections ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)", rows)
        conn.executemany(f"INSERT INTO log ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)", rows)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return len(rows)


def export_json(out_dir: str) -> dict[str, object]:
    """Every stored correction of a folder as a JSON object to hand to someone else."""
    items = [
        {"sha256": c.sha256, "field": c.field, "action": c.action, "value": c.value, "name": c.name, "at": c.at}
        for c in load(out_dir)
    ]
    return {"corrections_version": EXPORT_VERSION, "corrections": items}


def parse_export(data: object) -> list[Correction]:
    """The corrections of an exported JSON object; ValueError when it is not one."""
    if not isinstance(data, dict) or data.get("corrections_version") != EXPORT_VERSION:
        raise ValueError("not a corrections export (corrections_version 1)")
    out: list[Correction] = []
    for item in data.get("corrections") or []:
        if not isinstance(item, dict) or item.get("action") not in ACTIONS:
            raise ValueError(f"bad correction: {item!r}")
        sha, field, value = item.get("sha256"), item.get("field"), item.get("value")
        if not isinstance(sha, str) or len(sha) != 64 or not isinstance(field, str):
            raise ValueError(f"bad correction: {item!r}")
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise ValueError(f"bad value in correction: {item!r}")
        out.append(Correction(sha, field, item["action"], value, item.get("name"), item.get("at")))
    return out
