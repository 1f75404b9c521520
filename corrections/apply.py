"""Apply a person's corrections to a canonical report: a pure function of the report and the corrections.

A corrected cell keeps the document's reading under ``replaced`` (raw text, value, confidence) and carries
``"source": "manual"``; applying again, or applying a different set, starts from those document readings,
so the result depends only on the report as read from the document and the corrections given.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from normalize.checks import run_checks, set_field
from normalize.template import DEFAULT_TEMPLATE, get_template

ACTIONS = ("correct", "confirm", "unreadable")
UNREADABLE_NOTE = "marked unreadable by a person; left null"
STALE = "corrections: "  # the start of a warning about a correction made on other bytes


@dataclass(frozen=True)
class Correction:
    """One decision of a person about one field of one document."""

    sha256: str
    field: str
    action: str  # correct | confirm | unreadable
    value: int | float | None
    name: str | None = None  # the report's JSON path (relative to its output folder) when it was made
    at: str | None = None


def document_cell(cell: dict[str, Any]) -> dict[str, Any]:
    """A cell as the document gave it (a manual cell's replaced reading put back)."""
    if cell.get("source") != "manual":
        return {**cell, "source": "document"}
    old = cell.get("replaced") or {}
    out = {k: v for k, v in cell.items() if k not in ("replaced", "review")}
    out.update(raw=old.get("raw"), value=old.get("value"), confidence=old.get("confidence", 0.0), source="document")
    return out


def manual_cell(cell: dict[str, Any], c: Correction) -> dict[str, Any]:
    """A document cell with a person's decision applied."""
    value = cell.get("value") if c.action == "confirm" else c.value
    return {
        **cell,
        "value": None if c.action == "unreadable" else value,
        "confidence": 0.0 if c.action == "unreadable" else 1.0,
        "source": "manual",
        "review": c.action,
        "replaced": {"raw": cell.get("raw"), "value": cell.get("value"), "confidence": cell.get("confidence", 0.0)},
    }


def found_rows(report: dict[str, Any]) -> set[str]:
    """The rows and tables the normaliser found, told by the checks it ran (what run_checks needs back)."""
    found: set[str] = set()
    for ch in report.get("checks") or []:
        parts = str(ch.get("rule", "")).split(".")
        if parts[:2] == ["applications", "row_total"] and len(parts) > 2:
            found.add(parts[2])
        elif parts[0] == "review_litigation":
            found.add("review_litigation")
    return found  # the balance and sum checks run whenever a row was found, and each found row has its row_total


def recompute_checks(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The template's checks over the report's tables as they now stand."""
    if not report.get("checks"):
        return list(report.get("checks") or [])
    tpl = get_template(report.get("template") or DEFAULT_TEMPLATE)
    return run_checks(report["tables"], tpl, found_rows(report))


def document_key(report: dict[str, Any]) -> str | None:
    """What a correction is keyed by: the document's sha256, with `#<n>` for the n-th report of a bound volume
    (its reports share the file's bytes)."""
    source = report.get("source") or {}
    sha, part = source.get("sha256"), source.get("part")
    return f"{sha}#{part['index']}" if sha and isinstance(part, dict) else sha


def apply_corrections(report: dict[str, Any], corrections: Iterable[Correction]) -> dict[str, Any]:
    """A copy of the report with the corrections of its own sha256 applied (others ignored), checks recomputed."""
    out = copy.deepcopy(report)
    sha = document_key(out)
    mine = {c.field: c for c in corrections if c.sha256 == sha}
    cells: list[dict[str, Any]] = []
    seen: set[str] = set()
    for cell in out.get("cells") or []:
        base = document_cell(cell)
        field = str(base.get("field"))
        seen.add(field)
        cells.append(manual_cell(base, mine[field]) if field in mine else base)
    for field in sorted(set(mine) - seen):  # a field the document gave no cell for
        blank = {"field": field, "raw": None, "value": None, "page": None, "bbox": None, "confidence": 0.0}
        cells.append(manual_cell(blank, mine[field]))
    for cell in cells:
        set_field(out["tables"], str(cell["field"]), cell["value"])
    out["cells"] = cells
    warnings = [w for w in out.get("warnings") or [] if not w.endswith(UNREADABLE_NOTE) and not w.startswith(STALE)]
    warnings += [f"{f}: {UNREADABLE_NOTE}" for f, c in mine.items() if c.action == "unreadable"]
    out["warnings"] = warnings
    out["checks"] = recompute_checks(out)
    return out


def stale_warnings(report: dict[str, Any], name: str, stored: Iterable[Correction]) -> list[str]:
    """One warning per correction stored under this output name for other bytes (the document changed)."""
    sha = document_key(report)
    return [
        f"{STALE}{c.field} was corrected on other bytes of {name} (sha256 {c.sha256[:12]}…); not applied"
        for c in stored
        if c.name == name and c.sha256 != sha
    ]
