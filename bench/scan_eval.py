"""Accuracy of the scan path on generated scans: fields right, silent errors, CPU seconds, by quality.

Builds the scans itself (``samples/make_pdf.py`` reports degraded by ``samples/make_scans.py``, fixed
seed) into DIR unless DIR already holds them, converts each with ``pipeline.convert`` (two processes,
one page worker each) and prints per scan: fields, wrong, silent (``samples.scoring.silent_errors``: wrong
with confidence >= 0.9, no failing check covering it, not a null the warnings own up to), CPU seconds; then a table by quality level (clean 300 dpi, degraded 300 dpi,
200 dpi, 150 dpi). Run by hand:

    .venv/bin/python -m bench.scan_eval DIR [--count 30 --seed 11 --sources 6] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

os.environ["GOVREPORT_SCAN_WORKERS"] = "1"
os.environ.setdefault("OMP_THREAD_LIMIT", "1")
ROOT = Path(__file__).resolve().parent.parent

Result = tuple[str, int, list[str], list[str], float]


def convert_one(args: tuple[str, str]) -> Result:
    """One scan converted: its fields, the wrong ones, the silent ones, CPU seconds (children too)."""
    import pipeline
    from ingest.options import Options
    from samples.scoring import silent_errors, table_fields, table_mismatches

    path, exp_path = args
    expected = json.loads(Path(exp_path).read_text(encoding="utf-8"))
    c0 = os.times()
    try:
        report = pipeline.convert(path, Options())
    except Exception as e:  # a crash counts every field wrong, and silent
        return path, 0, [f"ERROR {e!r}"], [f"ERROR {e!r}"], 0.0
    c1 = os.times()
    cpu = (c1.user + c1.system + c1.children_user + c1.children_system) - (
        c0.user + c0.system + c0.children_user + c0.children_system
    )
    wrong = table_mismatches(report, expected)
    return path, table_fields(expected), wrong, silent_errors(report, expected, wrong), cpu


def quality(note: str) -> str:
    """The quality level of a scan from its expected JSON's note."""
    desc = note.split(";")[0]
    if "300 dpi" in desc:
        return "300 clean" if desc.count(",") == 1 else "300 degraded"
    return "200 dpi" if "200 dpi" in desc else "150 dpi"


def scans(folder: Path, count: int, seed: int, sources: int) -> list[tuple[str, str]]:
    """(scan, expected JSON) pairs in folder, generated first when there are none."""
    if not list(folder.glob("*.expected.json")):
        from samples.make_scans import generate_scans

        generate_scans(folder, count=count, seed=seed, sources=sources)
    return pairs(folder)


def pairs(folder: Path) -> list[tuple[str, str]]:
    """(scan, expected JSON) pairs in folder."""
    items = []
    for e in sorted(folder.glob("*.expected.json")):
        stem = e.name[: -len(".expected.json")]
        src = [p for p in folder.glob(stem + ".*") if not p.name.endswith(".json")]
        if src:
            items.append((str(src[0]), str(e)))
    return items


def _row(name: str, v: list[float]) -> str:
    """One line of the quality table."""
    n, w, s, c, k = v
    return f"{name:14}{k:6.0f}{n:8.0f}{w:7.0f}{s:7.0f}{1 - w / max(n, 1):9.2%}{c:8.0f}"


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    ap.add_argument("dir")
    ap.add_argument("--count", type=int, default=30)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--sources", type=int, default=6)
    ap.add_argument("--only", nargs="*", default=[])
    ap.add_argument("--show", type=int, default=6, help="wrong fields listed per scan")
    args = ap.parse_args(argv)
    folder = Path(args.dir)
    folder.mkdir(parents=True, exist_ok=True)
    items = [
        i
        for i in scans(folder, args.count, args.seed, args.sources)
        if not args.only or any(o in i[0] for o in args.only)
    ]
    with ProcessPoolExecutor(2) as pool:
        results = list(pool.map(convert_one, items))
    levels: dict[str, list[float]] = {}  # fields, wrong, silent, cpu, scans
    for (path, n, wrong, silent, cpu), (_, exp) in zip(results, items, strict=True):
        note = json.loads(Path(exp).read_text(encoding="utf-8"))["note"]
        lv = levels.setdefault(quality(note), [0, 0, 0, 0.0, 0])
        lv[0] += n
        lv[1] += len(wrong)
        lv[2] += len(silent)
        lv[3] += cpu
        lv[4] += 1
        print(f"{Path(path).name[:42]:44}{n:5}{len(wrong):5}{len(silent):4}{cpu:7.1f}s  {note.split(';')[0]}")
        for w in wrong[: args.show]:
            print("      " + ("S " if w in silent else "  ") + w)
    print(f"\n{'level':14}{'scans':>6}{'fields':>8}{'wrong':>7}{'silent':>7}{'right':>9}{'cpu s':>8}")
    tot = [0.0] * 5
    for name in ("300 clean", "300 degraded", "200 dpi", "150 dpi"):
        if name in levels:
            tot = [a + b for a, b in zip(tot, levels[name], strict=True)]
            print(_row(name, levels[name]))
    print(_row("all", tot))
    (folder / "last.json").write_text(json.dumps(results, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
