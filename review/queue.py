"""The queue of doubtful cells of a whole output folder, ordered by what a person's look fixes most.

A cell is doubtful when it was read with low confidence or a failing check names it; a cell a person
decided on (``"source": "manual"``) counts as reviewed. Cells named by more failing checks come first,
then the least sure readings. Reports are read once and kept while their file is unchanged.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from corrections.folder import rel_name, report_files
from normalize.correct import LOW_CONFIDENCE
from normalize.serialize import loads
from normalize.template import field_label


def why_doubted(cell: dict[str, Any], failing: dict[str, list[str]]) -> list[str]:
    """Why a cell is doubted: its low confidence, and each failing check that names it."""
    conf = cell.get("confidence")
    why = [f"low confidence {conf:.2f} (< {LOW_CONFIDENCE})"] if conf is not None and conf < LOW_CONFIDENCE else []
    return why + [f"named by the failing check {rule}" for rule in failing.get(str(cell.get("field")), [])]


def report_items(rel: str, report: dict[str, Any]) -> list[dict[str, Any]]:
    """The queue entries of one report: its doubtful cells and the ones a person decided on."""
    failing: dict[str, list[str]] = {}
    for ch in report.get("checks") or []:
        if not ch.get("ok", True):
            for f in ch.get("fields") or []:
                failing.setdefault(f, []).append(ch["rule"])
    out: list[dict[str, Any]] = []
    for c in report.get("cells") or []:
        manual = c.get("source") == "manual"
        why = why_doubted(c, failing) if not manual else []
        if not manual and not why:
            continue
        f = str(c.get("field"))
        out.append(
            {
                "report": rel,
                "field": f,
                "label": field_label(report.get("template"), f),
                "raw": c.get("raw"),
                "value": c.get("value"),
                "confidence": c.get("confidence"),
                "alternatives": [a.get("text") for a in c.get("alternatives") or []][:4],
                "why": why,
                "failing": len(failing.get(f, [])),
                "page": c.get("page"),
                "bbox": c.get("bbox"),
                "review": c.get("review") if manual else None,
            }
        )
    return out


def order_key(item: dict[str, Any]) -> tuple[Any, ...]:
    """Unreviewed first; then named by the most failing checks; then the least sure; then where it is."""
    conf = item["confidence"] if item["confidence"] is not None else 0.0
    return (item["review"] is not None, -item["failing"], conf, item["report"], item["field"])


@dataclass
class Archive:
    """The reports of an output folder, each read once while its file stays the same."""

    out_dir: str
    cache: dict[str, tuple[tuple[int, int], list[dict[str, Any]]]] = field(default_factory=dict)

    def items_of(self, path: str) -> list[dict[str, Any]]:
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
        items = report_items(rel_name(self.out_dir, path), report) if isinstance(report, dict) else []
        self.cache[path] = (stamp, items)
        return items

    def queue(self) -> dict[str, Any]:
        """Every doubtful or reviewed cell of the folder, in review order, with the progress."""
        items: list[dict[str, Any]] = []
        paths = report_files(self.out_dir)
        for p in paths:
            items += self.items_of(p)
        items.sort(key=order_key)
        reviewed = sum(1 for i in items if i["review"] is not None)
        return {"reports": len(paths), "total": len(items), "reviewed": reviewed, "items": items}
