"""Reports per second on the spreadsheet path, one core, per kind (XLSX, XLSX with formulas from
LibreOffice, XLS, WPS .et, ODS): the adapter alone and the full pipeline, with the share of fields right.

Run by hand from the repository root (LibreOffice makes the XLS/ET/ODS files, which takes a while)::

    nice .venv/bin/python -m bench.bench_sheets [--count 25] [--repeat 3] [--seed 1]

Workbooks come from samples/make_sheets.py (mixed 2021/2019 templates, every fifth with an error) in a
temporary directory; each stage reads every file ``repeat`` times and the best pass is reported in CPU
seconds of this process.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from pathlib import Path

import pipeline
from bench.bench_docx import best_pass, one_core
from ingest import load
from samples.make_sheets import generate
from samples.scoring import table_fields, table_mismatches

ROOT = Path(__file__).resolve().parent.parent


def fields_right(made: list[tuple[Path, Path]]) -> tuple[int, int]:
    """(fields right, fields in all) over the generated workbooks."""
    right = total = 0
    for path, exp_path in made:
        expected = json.loads(exp_path.read_text(encoding="utf-8"))
        n = table_fields(expected)
        total += n
        right += n - len(table_mismatches(pipeline.convert(str(path)), expected))
    return right, total


def main(argv: list[str] | None = None) -> int:
    """Generate, time per kind, print the table."""
    ap = argparse.ArgumentParser(description="spreadsheet path throughput")
    ap.add_argument("--count", type=int, default=25, help="workbooks in all (the kinds in turn)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        made = generate(Path(tmp), args.count, args.seed, "mixed", args.count // 5)
        one_core()
        pipeline.convert(str(made[0][0]))  # warm imports
        by_kind: dict[str, list[tuple[Path, Path]]] = {}
        for path, exp in made:
            kind = re.match(r"sheet_([a-z_]+?)(?:2019|2021)", path.name)
            by_kind.setdefault(kind.group(1) if kind else "?", []).append((path, exp))
        print(f"{len(made)} generated workbooks, one core (CPU seconds of this process), best of {args.repeat}")
        print(f"{'kind':<12}{'files':>6}{'KB':>7}{'adapter/s':>11}{'pipeline/s':>12}{'fields right':>16}")
        for kind, items in sorted(by_kind.items()):
            paths = [str(p) for p, _ in items]
            size_kb = sum(os.path.getsize(p) for p in paths) / len(paths) / 1024
            adapter = len(paths) / best_pass(paths, load, args.repeat)
            full = len(paths) / best_pass(paths, pipeline.convert, args.repeat)
            right, total = fields_right(items)
            print(f"{kind:<12}{len(paths):>6}{size_kb:>7.0f}{adapter:>11.1f}{full:>12.1f}{f'{right}/{total}':>16}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
