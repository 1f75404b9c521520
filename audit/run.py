"""`cli.py audit`: load the reports, apply the rules, write the findings, the dataset and the dashboard."""

from __future__ import annotations

import os
from typing import Any

import orjson

from audit.load import reports
from audit.rules import Entry, audit_entries, entry

SCHEMA_VERSION = "1"


def audit_dirs(dirs: list[str]) -> tuple[list[Entry], dict[str, Any]]:
    """The reports under the folders and the findings document over them."""
    entries = [entry(r.name, r.data) for r in reports(dirs)]
    findings = audit_entries(entries)
    doc = {
        "schema_version": SCHEMA_VERSION,
        "reports": len(entries),
        "agencies": len({e.identity.key for e in entries if e.identity.key}),
        "findings": findings,
    }
    return entries, doc


def write_json(path: str, doc: dict[str, Any]) -> None:
    """The findings document as UTF-8 JSON (written whole, then renamed into place)."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".part"
    with open(tmp, "wb") as f:
        f.write(orjson.dumps(doc, option=orjson.OPT_INDENT_2))
    os.replace(tmp, path)


def run_audit(dirs: list[str], out_json: str, html: str | None = None, dataset: str | None = None) -> dict[str, Any]:
    """Audit the folders: FINDINGS.json, the Parquet dataset (when asked) and the dashboard (when asked)."""
    entries, doc = audit_dirs(dirs)
    write_json(out_json, doc)
    if dataset:
        from audit.dataset import write_dataset

        write_dataset(entries, doc["findings"], dataset)
    if html:
        from audit.dashboard import write_dashboard

        write_dashboard(entries, doc, html, dirs)
    return doc


def summary_line(doc: dict[str, Any]) -> str:
    """One line: reports, agencies and findings by severity."""
    sev: dict[str, int] = {}
    for f in doc["findings"]:
        sev[f["severity"]] = sev.get(f["severity"], 0) + 1
    parts = ", ".join(f"{n} {s}" for s, n in sorted(sev.items())) or "none"
    return f"audit: {doc['reports']} reports, {doc['agencies']} agencies, {len(doc['findings'])} findings ({parts})"
