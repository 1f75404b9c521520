"""Reports per second on the OFD path, one core: the adapter alone, and the full pipeline, with their accuracy.

Run by hand from the repository root::

    nice .venv/bin/python -m bench.bench_ofd [--count 40] [--repeat 3] [--seed 1]

Generated OFD reports (samples/make_ofd.py: mixed 2021/2019 templates, random layouts and OFD styles) are
written to a temporary directory; each stage reads every file ``repeat`` times and the best pass is
reported (CPU seconds of this process, pinned to one core). The fields right are counted against each
report's expected JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import pipeline
from bench.bench_docx import best_pass, one_core
from ingest import load
from samples.make_ofd import generate
from samples.scoring import table_fields, table_mismatches

ROOT = Path(__file__).resolve().parent.parent


def accuracy(made: list[tuple[Path, Path]]) -> tuple[int, int]:
    """Fields right and fields compared over the generated reports."""
    right = total = 0
    for ofd, exp in made:
        expected = json.loads(exp.read_text(encoding="utf-8"))
        n = table_fields(expected)
        right += n - len(table_mismatches(pipeline.convert(str(ofd)), expected))
        total += n
    return right, total


def main(argv: list[str] | None = None) -> int:
    """Generate, time, print the table."""
    ap = argparse.ArgumentParser(description="OFD path throughput")
    ap.add_argument("--count", type=int, default=40)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    one_core()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.process_time()
        made = generate(tmp, args.count, seed=args.seed, template="mixed", errors=args.count // 4)
        gen_s = time.process_time() - t0
        paths = [str(o) for o, _ in made]
        size_kb = sum(os.path.getsize(p) for p in paths) / len(paths) / 1024
        pipeline.convert(paths[0])  # warm imports
        rows = [
            ("generate (make_ofd)", gen_s),
            ("adapter (ingest.load)", best_pass(paths, load, args.repeat)),
            ("full pipeline (convert)", best_pass(paths, pipeline.convert, args.repeat)),
        ]
        right, total = accuracy(made)
    print(
        f"{len(paths)} generated OFD, mean {size_kb:.0f} KB, one core (CPU seconds of this process), best of {args.repeat}"
    )
    print(f"{'stage':<26}{'reports/s':>10}{'ms/report':>11}")
    for name, secs in rows:
        print(f"{name:<26}{len(paths) / secs:>10.1f}{1000 * secs / len(paths):>11.1f}")
    print(f"fields right: {right}/{total} ({100 * right / max(total, 1):.2f}%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
