"""Rows whose label OCR lost: each row label of sections 二 and 三 blanked in turn, the report compared
with the truth. Counts per case: fields wrong, silent ones (``samples.scoring.silent_errors``), and whether the
row was placed by its position or left out with a warning. Run by hand (one document read once):

    .venv/bin/python -m bench.bench_lost_labels samples/scan/hongze_2024_200dpi.pdf
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import pipeline
from ingest.grid import Document, Table
from normalize import build
from normalize.rows import is_label
from normalize.tables import section_rows
from normalize.template import get_template
from samples.scoring import silent_errors, table_mismatches

ROOT = Path(__file__).resolve().parent.parent


def blanked(doc: Document, table: int, row: int) -> Document:
    """The document with the innermost label cell of one printed row read as nothing."""
    blocks = []
    k = -1
    for b in doc.blocks:
        if isinstance(b, Table):
            k += 1
            if k == table:
                labels = [c for c in b.cells if c.row == row and is_label(c)]
                target = max(labels, key=lambda c: c.col) if labels else None
                b = replace(b, cells=[replace(c, text="") if c is target else c for c in b.cells])
        blocks.append(b)
    return replace(doc, blocks=blocks)


def main(path: str) -> int:
    doc = pipeline.read_document(path)
    exp_path = Path(path).with_name(Path(path).name.rsplit(".", 1)[0] + ".expected.json")
    expected = json.loads(exp_path.read_text(encoding="utf-8"))
    report = build(doc)
    tpl = get_template(report["template"] or "2021")
    rows = section_rows(doc.blocks, tpl)
    base = len(table_mismatches(report, expected))
    print(f"{'section':20}{'row label':34}{'wrong':>6}{'silent':>7}  outcome")
    totals = {"placed": 0, "left out": 0, "cases": 0, "silent": 0}
    for sec in ("active_disclosure", "applications"):
        for r in rows[sec]:
            if not r.labels or not r.numbers():
                continue
            case = build(blanked(doc, r.table, r.index))
            wrong = table_mismatches(case, expected)
            silent = silent_errors(case, expected, wrong)
            notes = [w for w in case["warnings"] if "position" in w or "could not be placed" in w or "left out" in w]
            outcome = "placed" if any("position" in w for w in notes) else "left out" if notes else "-"
            totals["cases"] += 1
            totals["silent"] += len(silent)
            totals[outcome] = totals.get(outcome, 0) + 1
            print(f"{sec:20}{r.leaf[:16]:34}{len(wrong) - base:6}{len(silent):7}  {outcome}")
    print(
        f"{totals['cases']} rows blanked: {totals['placed']} placed by position, {totals['left out']} left out "
        f"with a warning, {totals['silent']} silent errors"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
