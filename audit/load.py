"""The one place reports enter the audit: canonical JSON files under the folders given.

Corrections by a person (a store beside the output folder) are to be applied here, in `reports`, so
every rule, the dataset and the dashboard see the corrected values.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Any

import orjson

# Folders the audit writes into an output folder; never read back as reports.
SKIP_DIRS = {"audit", "dataset", ".git"}


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


def reports(dirs: list[str], warn: bool = True) -> list[Loaded]:
    """Every canonical report under the folders given; a file that is not one is skipped (a line on
    stderr for one that is not JSON at all)."""
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
                out.append(Loaded(display_name(path, root, prefix), path, obj))
    return out
