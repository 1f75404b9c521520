"""The queue of doubtful cells of a whole output folder, ordered by what a person's look fixes most.

A cell is doubtful when it was read with low confidence or a failing check names it; a cell a person
decided on (``"source": "manual"``) counts as reviewed. Cells named by more failing checks come first,
then the least sure readings. Reports are read once and kept while their file is unchanged.
"""

from __future__ import annotations

import heapq
import os
from dataclasses import dataclass, field
from typing import Any

from corrections.folder import gc_paused, report_files
from normalize.correct import LOW_CONFIDENCE
from normalize.serialize import loads
from normalize.template import field_label

SHOWN = 100  # cells still to review sent to the page at once (the next come as these are decided)


def why_doubted(cell: dict[str, Any], failing: dict[str, list[str]]) -> list[str]:
    """Why a cell is doubted: its low confidence, and each failing check that names it."""
    conf = cell.get("confidence")
    why = [f"low confidence {conf:.2f} (< {LOW_CONFIDENCE})"] if conf is not None and conf < LOW_CONFIDENCE else []
    return why + [f"named by the failing check {rule}" for rule in failing.get(str(cell.get("field")), [])]


# A queue entry, compact until it is sent: its sort key (reviewed?, -failing checks naming it, confidence,
# report, field), then the cell, the failing rules naming it and the report's template.
Entry = tuple[bool, int, float, str, str, dict[str, Any], list[str], str | None]


def report_items(rel: str, report: dict[str, Any]) -> list[Entry]:
    """The queue entries of one report: its doubtful cells and the ones a person decided on."""
    failing: dict[str, list[str]] = {}
    for ch in report.get("checks") or []:
        if not ch.get("ok", True):
            for f in ch.get("fields") or []:
                failing.setdefault(f, []).append(ch["rule"])
    template = report.get("template")
    out: list[Entry] = []
    for c in report.get("cells") or []:
        f = str(c.get("field"))
        conf = c.get("confidence")
        manual = c.get("source") == "manual"
        if not manual and f not in failing and (conf is None or conf >= LOW_CONFIDENCE):
            continue
        rules = failing.get(f, [])
        out.append((manual, -len(rules), 0.0 if conf is None else conf, rel, f, c, rules, template))
    return out


def entry(e: Entry) -> dict[str, Any]:
    """A queue entry as the page shows it: the cell's reading, its printed label and why it is doubted."""
    manual, _n, _conf, rel, f, c, rules, template = e
    return {
        "report": rel,
        "field": f,
        "label": field_label(template, f),
        "raw": c.get("raw"),
        "value": c.get("value"),
        "confidence": c.get("confidence"),
        "alternatives": [a.get("text") for a in c.get("alternatives") or []][:4],
        "why": [] if manual else why_doubted(c, {f: rules}),
        "failing": len(rules),
        "page": c.get("page"),
        "bbox": c.get("bbox"),
        "review": c.get("review") if manual else None,
    }


@dataclass
class Archive:
    """The reports of an output folder, each read once while its file stays the same."""

    out_dir: str
    cache: dict[str, tuple[tuple[int, int], list[Entry]]] = field(default_factory=dict)

    def items_of(self, path: str) -> list[Entry]:
        """The queue entries of one report file (from the cache when the file is unchanged)."""
        st = os.stat(path)
        stamp = (st.st_mtime_ns, st.st_size)
        hit = self.cache.get(path)
        if hit is not None and hit[0] == stamp:
            return hit[1]
        try:
            with open(path, "rb") as f:
                report = loads(f.read())
        except (OSError, ValueError):
            report = None
        rel = os.path.relpath(path, self.out_dir).replace(os.sep, "/")
        items = report_items(rel, report) if isinstance(report, dict) else []
        self.cache[path] = (stamp, items)
        return items

    def queue(self, limit: int = SHOWN) -> dict[str, Any]:
        """The progress over every doubtful or reviewed cell of the folder, and the first `limit` cells still
        to review and the first `limit` reviewed, in review order."""
        items: list[Entry] = []
        paths = report_files(self.out_dir)
        with gc_paused():
            for p in paths:
                items += self.items_of(p)
        todo = heapq.nsmallest(limit, (i for i in items if not i[0]))
        done = heapq.nsmallest(limit, (i for i in items if i[0]))
        return {
            "reports": len(paths),
            "total": len(items),
            "reviewed": sum(1 for i in items if i[0]),
            "items": [entry(i) for i in todo + done],
        }
