"""A person's decision carried through an output folder: the store, the report JSON, the index, the exports.

Every change of a folder happens under one lock file (``OUT/.corrections.lock``), so two editors (two
browser tabs, a tab and `cli.py correct`) never interleave their rewrites. The store is committed first
and each JSON is rewritten from the store's whole state, so a process killed between the two leaves a
JSON that the next sync (any later decision, `batch`, `review`) brings up to date.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import io
import os
import re
from collections.abc import Iterator
from typing import Any

from corrections.apply import Correction, apply_corrections, document_key, stale_warnings
from corrections.store import connect, load, record
from normalize.serialize import loads, report_bytes

LOCK_NAME = ".corrections.lock"
MAX_VALUE = 10**12
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: parsing a thousand reports makes millions of objects (none in a
    cycle), and its collections over the growing heap took more than half the time of reading them."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


@contextlib.contextmanager
def locked(out_dir: str) -> Iterator[None]:
    """Hold the folder's lock for a read-modify-write of its outputs."""
    with open(os.path.join(out_dir, LOCK_NAME), "a+b") as f:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)


def report_path(out_dir: str, rel: str) -> str:
    """The absolute path of a report JSON named relative to the folder; ValueError for one outside it."""
    root = os.path.realpath(out_dir)
    path = os.path.realpath(os.path.join(root, rel))
    if os.path.commonpath([root, path]) != root or not path.endswith(".json") or not os.path.isfile(path):
        raise ValueError(f"not a report of {out_dir}: {rel}")
    return path


def rel_name(out_dir: str, path: str) -> str:
    """A report's path relative to its output folder, with forward slashes."""
    return os.path.relpath(os.path.realpath(path), os.path.realpath(out_dir)).replace(os.sep, "/")


def read_report(path: str) -> dict[str, Any]:
    """A report JSON; ValueError when it is not a canonical report."""
    with open(path, "rb") as f:
        report = loads(f.read())
    if not isinstance(report, dict) or "cells" not in report or "tables" not in report:
        raise ValueError(f"not a canonical report: {path}")
    return report


def field_ids(report: dict[str, Any]) -> set[str]:
    """The field ids a person may correct in a report: its template's, and any its cells name."""
    from batch.export import template_fields
    from normalize.template import load_template

    tpl = load_template(report.get("template") or "2021")
    return {f for f, _label, _t in template_fields(tpl)} | {str(c.get("field")) for c in report.get("cells") or []}


def decimal_field(report: dict[str, Any], field: str) -> bool:
    """Whether the template prints a decimal in this field (fees, procurement amounts)."""
    from normalize.template import load_template

    parts = field.split(".")
    if parts[0] != "active_disclosure" or len(parts) != 3:
        return False
    tpl = load_template(report.get("template") or "2021")
    return any(r["id"] == parts[1] and r.get("decimal") for r in tpl["active_disclosure"]["rows"])


def parse_value(report: dict[str, Any], field: str, text: str) -> int | float | None:
    """A person's value for a field: a number as printed, or null (blank); ValueError with the reason."""
    if field not in field_ids(report):
        raise ValueError(f"unknown field {field!r} for template {report.get('template') or '2021'}")
    t = text.strip()
    if t.lower() in ("", "null", "none"):
        return None
    if not NUMBER.match(t):
        raise ValueError(f"{field}: {text!r} is not a number (or null)")
    value: int | float = float(t) if "." in t else int(t)
    if isinstance(value, float) and not decimal_field(report, field):
        raise ValueError(f"{field}: counts are whole numbers, not {text!r}")
    if value < 0 and not field.endswith(".change"):
        raise ValueError(f"{field}: a count cannot be negative ({text!r})")
    if abs(value) >= MAX_VALUE:
        raise ValueError(f"{field}: {text!r} is out of range")
    return value


def apply_stored(report: dict[str, Any], out_dir: str, name: str | None = None) -> dict[str, Any]:
    """The report with the corrections stored in out_dir applied (checks recomputed); corrections made on
    other bytes under the same output name are not applied and are listed in its warnings."""
    sha = document_key(report)
    stored = load(out_dir, sha, name)
    if not stored:
        return report
    out = apply_corrections(report, stored)
    if name is not None:
        out["warnings"] = out["warnings"] + stale_warnings(out, name, stored)
    return out


def write_report(path: str, report: dict[str, Any]) -> None:
    """Rewrite a report JSON atomically."""
    from batch.worker import write_json_atomic

    write_json_atomic(path, report_bytes(report))


def update_index(out_dir: str, rel: str, report: dict[str, Any]) -> bool:
    """The batch index rows of a report rewritten (values, checks, failing checks); False without an index."""
    import json

    from batch.index import INDEX_NAME, summarize
    from batch.index import connect as index_connect

    db = os.path.join(out_dir, INDEX_NAME)
    if not os.path.isfile(db):
        return False
    s = summarize(report)
    conn = index_connect(db)
    try:
        with conn:
            paths = [r[0] for r in conn.execute("SELECT path FROM files WHERE json_path = ?", (rel,))]
            for p in paths:
                sha = conn.execute("SELECT sha256 FROM files WHERE path = ?", (p,)).fetchone()[0]
                conn.execute('DELETE FROM "values" WHERE path = ?', (p,))
                conn.execute("DELETE FROM checks WHERE path = ?", (p,))
                conn.executemany(
                    'INSERT INTO "values" (path, sha256, field, value, raw, page, confidence) VALUES (?, ?, ?, ?, ?, ?, ?)',
                    [(p, sha, f, v, r, pg, c) for f, v, r, pg, c in s["values"]],
                )
                conn.executemany(
                    "INSERT INTO checks (path, rule, ok, message) VALUES (?, ?, ?, ?)",
                    [(p, rule, ok, msg) for rule, ok, msg in s["checks"]],
                )
                conn.execute("UPDATE files SET failing_checks = ? WHERE path = ?", (json.dumps(s["failing"]), p))
    finally:
        conn.close()
    return True


def export_formats(out_dir: str) -> list[str]:
    """The formats a folder's exports were written in (`cli.py export`)."""
    from batch.export import EXPORT_DIR, FORMATS

    d = os.path.join(out_dir, EXPORT_DIR)
    return [f for f in FORMATS if os.path.isfile(os.path.join(d, f"reports.{f}"))]


def refresh_exports(out_dir: str) -> list[str]:
    """Rewrite the exports present in a folder from its index; the formats rewritten."""
    from batch.export import export

    done = export_formats(out_dir)
    for fmt in done:
        with contextlib.redirect_stdout(io.StringIO()):
            export(out_dir, fmt)
    return done


def sync_report(out_dir: str, path: str) -> dict[str, Any]:
    """Re-apply the store to one report JSON (and its index rows) when that changes it; the report."""
    report = read_report(path)
    rel = rel_name(out_dir, path)
    fixed = apply_stored(report, out_dir, rel)
    if fixed is not report and fixed != report:
        write_report(path, fixed)
        update_index(out_dir, rel, fixed)
    return fixed


def decide(
    out_dir: str, rel: str, field: str, action: str, text: str | None = None, exports: bool = True
) -> dict[str, Any]:
    """Record one decision on one report of a folder and carry it through: store, JSON, index, and the
    exports unless the caller refreshes them itself (`refresh_exports_locked`). ValueError for a report
    outside the folder, an unknown field or a bad value. The report as rewritten."""
    path = report_path(out_dir, rel)
    rel = rel_name(out_dir, path)
    with locked(out_dir):
        report = read_report(path)
        sha = document_key(report)
        if not sha:
            raise ValueError(f"{rel}: the report has no sha256 to key a correction by")
        value = parse_value(report, field, text or "") if action == "correct" else None
        if action != "correct" and field not in field_ids(report):
            raise ValueError(f"unknown field {field!r}")
        conn = connect(out_dir)
        try:
            record(conn, [Correction(sha, field, action, value, rel)])
        finally:
            conn.close()
        fixed = sync_report(out_dir, path)
        for other in same_bytes(out_dir, sha, rel):  # a batch's other inputs with these bytes
            sync_report(out_dir, other)
        if exports:
            refresh_exports(out_dir)
    return fixed


def refresh_exports_locked(out_dir: str) -> list[str]:
    """Rewrite the folder's exports from its index under the folder's lock; the formats rewritten."""
    with locked(out_dir):
        return refresh_exports(out_dir)


def exports_behind(out_dir: str) -> bool:
    """Whether the folder's exports are older than its last stored decision (a process died before it
    rewrote them)."""
    from batch.export import EXPORT_DIR
    from corrections.store import store_path

    stores = [p for p in (store_path(out_dir), store_path(out_dir) + "-wal") if os.path.isfile(p)]
    made = [os.path.join(out_dir, EXPORT_DIR, f"reports.{f}") for f in export_formats(out_dir)]
    if not stores or not made:
        return False
    return max(os.path.getmtime(p) for p in stores) > min(os.path.getmtime(p) for p in made)


def same_bytes(out_dir: str, sha256: str, rel: str) -> list[str]:
    """The other report JSONs of a batch folder converted from the same bytes (by its index)."""
    import sqlite3

    from batch.index import INDEX_NAME

    db = os.path.join(out_dir, INDEX_NAME)
    if not os.path.isfile(db):
        return []
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        rows = conn.execute(
            "SELECT DISTINCT json_path FROM files WHERE sha256 = ? AND status = 'ok' AND json_path != ?", (sha256, rel)
        ).fetchall()
    finally:
        conn.close()
    paths = [os.path.join(out_dir, r[0]) for r in rows if r[0]]
    return [p for p in paths if os.path.isfile(p)]


def output_folder(report_json: str) -> str:
    """The output folder a report JSON belongs to: the nearest folder above it holding a batch index or a
    corrections store, else its own folder."""
    from batch.index import INDEX_NAME
    from corrections.store import STORE_NAME

    here = os.path.dirname(os.path.abspath(report_json))
    d = here
    while True:
        if os.path.isfile(os.path.join(d, INDEX_NAME)) or os.path.isfile(os.path.join(d, STORE_NAME)):
            return d
        parent = os.path.dirname(d)
        if parent == d:
            return here
        d = parent


def sync_folder(out_dir: str) -> list[str]:
    """Apply the store to every report of a folder that needs it (after a batch or convert run); the
    warnings about corrections made on other bytes."""
    stored = load(out_dir)
    if not stored:
        return []
    shas = {c.sha256 for c in stored}
    names = {c.name for c in stored if c.name}
    notes: list[str] = []
    changed = False
    with locked(out_dir), gc_paused():
        for path in report_files(out_dir):
            rel = rel_name(out_dir, path)
            try:
                report = read_report(path)
            except (OSError, ValueError):
                continue
            if document_key(report) not in shas and rel not in names:
                continue
            fixed = apply_stored(report, out_dir, rel)
            notes += [w for w in fixed.get("warnings") or [] if w.startswith("corrections: ")]
            if fixed != report:
                write_report(path, fixed)
                update_index(out_dir, rel, fixed)
                changed = True
        if changed:
            refresh_exports(out_dir)
    return notes


def report_files(out_dir: str) -> list[str]:
    """Every report JSON under an output folder (exports and hidden files left out)."""
    out: list[str] = []
    for dirpath, dirs, files in os.walk(out_dir):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "export")
        out += [os.path.join(dirpath, f) for f in sorted(files) if f.endswith(".json") and not f.startswith(".")]
    return out
