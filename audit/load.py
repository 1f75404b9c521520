"""The one place reports enter the audit: canonical JSON files under the folders given.

Corrections by a person (the store of the output folder a report belongs to) are applied here, in
`reports`, so every rule, the dataset and the dashboard see the corrected values.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import orjson

# The folder `batch` writes its audit into, inside the output folder: a name no mirrored input folder is
# likely to have (an input folder `audit/` keeps its reports apart from the findings).
BATCH_AUDIT_DIR = "_audit"
# Folders never read back as reports: the batch's audit (findings, dashboard, dataset), version control.
SKIP_DIRS = {BATCH_AUDIT_DIR, ".git"}


@dataclass
class Loaded:
    """One canonical report: its name in findings (path under the folder given), file path and content."""

    name: str
    path: str
    data: dict[str, Any]


def is_report(obj: Any) -> bool:
    """A canonical report (schema 1, with report and tables), not findings or another JSON."""
    return (
        isinstance(obj, dict)
        and str(obj.get("schema_version")) == "1"
        and isinstance(obj.get("report"), dict)
        and isinstance(obj.get("tables"), dict)
    )


def json_files(root: str) -> list[str]:
    """Every *.json under root (or root itself when it is a file), sorted."""
    if os.path.isfile(root):
        return [root]
    out: list[str] = []
    for d, dirs, files in os.walk(root):
        dirs[:] = sorted(x for x in dirs if x not in SKIP_DIRS and not x.startswith("."))
        out.extend(os.path.join(d, f) for f in files if f.endswith(".json") and not f.startswith("."))
    return sorted(out)


def display_name(path: str, root: str, prefix: str) -> str:
    """The report's name in findings: its path under the folder given, with '/' separators."""
    rel = os.path.basename(path) if os.path.isfile(root) else os.path.relpath(path, root)
    return (prefix + rel).replace(os.sep, "/")


@lru_cache(maxsize=256)
def folder_corrections(json_dir: str) -> tuple[str, frozenset[str], frozenset[str]]:
    """The output folder a report of json_dir belongs to, and the document keys and report names its
    corrections store holds (both empty without a store)."""
    from corrections.folder import output_folder
    from corrections.store import load, store_path

    out_dir = output_folder(os.path.join(json_dir, "x.json"))
    if not os.path.isfile(store_path(out_dir)):
        return out_dir, frozenset(), frozenset()
    stored = load(out_dir)
    return out_dir, frozenset(c.sha256 for c in stored), frozenset(c.name for c in stored if c.name)


def corrected(report: dict[str, Any], path: str) -> dict[str, Any]:
    """The report with the corrections its output folder stores for it applied (checks recomputed)."""
    from corrections.apply import document_key
    from corrections.folder import apply_stored

    out_dir, keys, names = folder_corrections(os.path.dirname(os.path.abspath(path)))
    rel = os.path.relpath(os.path.abspath(path), out_dir).replace(os.sep, "/")
    if document_key(report) not in keys and rel not in names:
        return report
    return apply_stored(report, out_dir, rel)


def reports(dirs: list[str], warn: bool = True) -> list[Loaded]:
    """Every canonical report under the folders given; a file that is not one is skipped (a line on
    stderr for one that is not JSON at all)."""
    folder_corrections.cache_clear()  # the stores may have changed since the last call
    out: list[Loaded] = []
    many = len(dirs) > 1
    for root in dirs:
        if not os.path.exists(root):
            raise ValueError(f"no such folder: {root}")
        prefix = os.path.basename(os.path.normpath(root)) + "/" if many and os.path.isdir(root) else ""
        for path in json_files(root):
            try:
                with open(path, "rb") as f:
                    obj = orjson.loads(f.read())
            except (OSError, orjson.JSONDecodeError) as e:
                if warn:
                    print(f"error: {path}: corrupt: not JSON ({str(e).splitlines()[0][:80]}); skipped", file=sys.stderr)
                continue
            if is_report(obj):
                out.append(Loaded(display_name(path, root, prefix), path, corrected(obj, path)))
    return out
