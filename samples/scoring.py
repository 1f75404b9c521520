"""How a converted report is scored against its truth (NAME.expected.json): shared by the tests (through
tests/conftest.py), the bench scripts and samples/score.py, none of which imports another's module."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ingest.grid import DOUBT
from normalize.build import SECTIONS

ROOT = Path(__file__).resolve().parent.parent
# The shared real reports and seeds with their truth: GOVREPORT_SHARED, or ../shared beside the checkout.
SHARED = Path(os.environ.get("GOVREPORT_SHARED", ROOT.parent / "shared"))


def table_fields(expected: dict[str, Any]) -> int:
    """How many canonical table values table_mismatches compares for this expected report."""
    return sum(len(f) for t in SECTIONS for f in (expected["tables"].get(t) or {}).values())


def table_mismatches(report: dict[str, Any], expected: dict[str, Any]) -> list[str]:
    """Every canonical table value and metadata field where report differs from expected."""
    out: list[str] = []
    for tname in SECTIONS:
        exp_t = expected["tables"].get(tname) or {}
        got_t = (report.get("tables") or {}).get(tname) or {}
        for row, fields in exp_t.items():
            for fld, val in fields.items():
                got = (got_t.get(row) or {}).get(fld, "<missing>")
                if got != val or type(got) is not type(val) and not (isinstance(val, float) and isinstance(got, int)):
                    out.append(f"{tname}.{row}.{fld}: got {got!r}, expected {val!r}")
    for key in ("applications_group_totals", "applications_extra_columns"):
        if key in expected["tables"]:
            if (report.get("tables") or {}).get(key) != expected["tables"][key]:
                out.append(
                    f"{key}: got {(report.get('tables') or {}).get(key)!r}, expected {expected['tables'][key]!r}"
                )
    for k, v in (expected.get("report") or {}).items():
        if report["report"].get(k) != v:
            out.append(f"report.{k}: got {report['report'].get(k)!r}, expected {v!r}")
    if "template" in expected and report.get("template") != expected["template"]:
        out.append(f"template: got {report.get('template')!r}, expected {expected['template']!r}")
    return out


def failing_rules(report: dict[str, Any]) -> set[str]:
    """The rules of the report's failing checks."""
    return {c["rule"] for c in report["checks"] if not c["ok"]}


def silent_errors(report: dict[str, Any], expected: dict[str, Any], wrong: list[str]) -> list[str]:
    """The wrong values the report does not own up to. A wrong value is owned up to when its cell
    has low confidence (< DOUBT), when a failing check names it, or when it is null and a warning
    says it was not read (a report field, or a group's total whose rows are all reported unread)."""
    from normalize.template import load_template

    doubtful = {c["field"] for c in report.get("cells", []) if c.get("confidence", 1.0) < DOUBT}
    failing = failing_rules(report) - set(expected.get("failing_checks") or [])
    covered = {f for c in report.get("checks", []) if c["rule"] in failing for f in c["fields"]}
    warned = "\n".join(report.get("warnings", []))
    groups: dict[str | None, list[str]] = {}
    if report.get("template"):
        for r in load_template(report["template"])["applications"]["rows"]:
            groups.setdefault(r.get("group"), []).append(r["id"])

    def owned(w: str) -> bool:
        field, _, rest = w.partition(":")
        if field in doubtful or field in covered:
            return True
        if not rest.startswith(" got None"):
            return False
        if field.startswith("report."):
            return f"{field}:" in warned
        if field == "applications_group_totals":
            keys = expected["tables"].get(field) or {}
            return all(
                all(f"applications.{row}.{col}" in doubtful for row in groups.get(key, [None]) for col in cols)
                for key, cols in keys.items()
            )
        return False

    return [w for w in wrong if not owned(w)]
