"""Documents per second on the DOCX path, one core: the adapter alone, and the full pipeline.

Run by hand from the repository root::

    .venv/bin/python -m bench.bench_docx [--count 40] [--repeat 3] [--seed 1]

Generated reports (samples/generate.py, mixed 2021/2019 templates and layouts) are written to a
temporary directory; each stage reads every file ``repeat`` times and the best pass is reported.
Target: >= 20 documents per second for the full pipeline on one core.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pipeline
from ingest import load
from samples.generate import generate

ROOT = Path(__file__).resolve().parent.parent

TARGET_DOCS_PER_S = 20.0


def one_core() -> None:
    """Pin the process to one CPU where the platform allows it."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def best_pass(paths: list[str], fn: Callable[[str], object], repeat: int) -> float:
    """Seconds of the fastest pass of fn over all paths."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        for p in paths:
            fn(p)
        best = min(best, time.process_time() - t0)
    return best


def main(argv: list[str] | None = None) -> int:
    """Generate, time, print the table."""
    ap = argparse.ArgumentParser(description="DOCX path throughput")
    ap.add_argument("--count", type=int, default=40)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    one_core()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.process_time()
        made = generate(tmp, args.count, seed=args.seed, template="mixed", errors=args.count // 4)
        gen_s = time.process_time() - t0
        paths = [str(d) for d, _ in made]
        size_kb = sum(os.path.getsize(p) for p in paths) / len(paths) / 1024
        pipeline.convert(paths[0])  # warm imports
        rows = [
            ("generate (make_docx)", gen_s),
            ("adapter (ingest.load)", best_pass(paths, load, args.repeat)),
            ("full pipeline (convert)", best_pass(paths, pipeline.convert, args.repeat)),
        ]
    print(
        f"{len(paths)} generated DOCX, mean {size_kb:.0f} KB, one core (CPU seconds of this process), best of {args.repeat}"
    )
    print(f"{'stage':<26}{'docs/s':>10}{'ms/doc':>10}{'target':>10}")
    for name, secs in rows:
        rate = len(paths) / secs
        target = f">={TARGET_DOCS_PER_S:g}" if name.startswith(("adapter", "full")) else ""
        flag = "" if not target or rate >= TARGET_DOCS_PER_S else "  BELOW"
        print(f"{name:<26}{rate:>10.1f}{1000 * secs / len(paths):>10.1f}{target:>10}{flag}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
