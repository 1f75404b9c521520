"""Bound volumes: what cutting a volume into its reports costs on top of converting the reports, and how right it is.

Run by hand from the repository root::

    nice .venv/bin/python -m bench.bench_volume [--count 8] [--repeat 3] [--seed 3] [--scan pdf|tiff]

A volume of ``count`` generated reports (samples/make_volume.py) is converted whole (``convert_parts``)
and report by report from the files it was made of (``convert``), on one core, best of ``repeat`` (CPU
seconds of this process). The split step alone (``layout.volume.split_volume`` on the loaded Document) is
timed too. With ``--scan`` the same volume scanned clean at 300 dpi is converted once (OCR: slow) and
its reports, pages and fields are counted.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pipeline
from bench.bench_docx import best_pass, one_core
from ingest import load
from layout.volume import split_volume
from samples.make_volume import make_volume, scan_volume
from samples.scoring import table_fields, table_mismatches

ROOT = Path(__file__).resolve().parent.parent


def score(reports: list[dict[str, Any]], parts: list[dict[str, Any]]) -> str:
    """Reports found, pages right and fields right against the parts listing."""
    right = total = pages_right = 0
    for report, part in zip(reports, parts, strict=False):
        n = table_fields(part["expected"])
        right += n - len(table_mismatches(report, part["expected"]))
        total += n
        got = report["source"].get("part") or {}
        pages_right += (got.get("first_page"), got.get("last_page")) == (part["first_page"], part["last_page"])
    total += sum(table_fields(p["expected"]) for p in parts[len(reports) :])
    return (
        f"{len(reports)}/{len(parts)} reports, pages right {pages_right}/{len(parts)}, "
        f"fields right {right}/{total} ({100 * right / max(total, 1):.2f}%)"
    )


def split_seconds(volume: str, repeat: int) -> float:
    """CPU seconds of the split step alone on the loaded volume (best of ``repeat`` x 20 runs)."""
    doc = load(volume)
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        for _ in range(20):
            split_volume(doc)
        best = min(best, (time.process_time() - t0) / 20)
    return best


def main(argv: list[str] | None = None) -> int:
    """Make the volume, time, print."""
    ap = argparse.ArgumentParser(description="bound volume split cost")
    ap.add_argument("--count", type=int, default=8)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--scan", choices=("pdf", "tiff"))
    args = ap.parse_args(argv)
    one_core()
    with tempfile.TemporaryDirectory() as tmp:
        volume, listing = make_volume(tmp, "county", args.count, args.seed)
        parts = json.loads(listing.read_text(encoding="utf-8"))
        singles = [str(Path(tmp) / "county.parts" / p["report"]) for p in parts]
        pipeline.convert(singles[0])  # warm imports
        whole = best_pass([str(volume)], pipeline.convert_parts, args.repeat)
        apart = best_pass(singles, pipeline.convert, args.repeat)
        split = split_seconds(str(volume), args.repeat)
        print(
            f"volume of {args.count} generated reports, {parts[-1]['last_page']} pages; one core, best of {args.repeat}"
        )
        print(f"  the reports one by one (convert):      {apart:7.3f} s")
        print(f"  the volume whole (convert_parts):      {whole:7.3f} s  ({100 * (whole - apart) / apart:+.1f}%)")
        print(
            f"  the split step alone (split_volume):   {1000 * split:7.3f} ms ({100 * split / apart:.3f}% of converting the reports)"
        )
        print("  born-digital: " + score(pipeline.convert_parts(str(volume)), parts))
        if args.scan:
            scan = scan_volume(volume, listing, tmp, "county_scan", args.scan, args.seed)
            t0 = time.monotonic()  # (wall clock: the OCR engine may work in other processes)
            reports = pipeline.convert_parts(str(scan))
            wall = time.monotonic() - t0
            print(f"  scanned ({args.scan}, 300 dpi, clean), {wall:.1f} s wall: " + score(reports, parts))
            for n, (report, part) in enumerate(zip(reports, parts, strict=False), start=1):
                for wrong in table_mismatches(report, part["expected"]):
                    print(f"    report {n}: {wrong}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
