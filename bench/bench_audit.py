"""The audit over 10,000 reports (aim: under 60 s on one core) and the dashboard's load in Chromium
(aim: under 3 s; the browser is let use every core), on an archive `samples/make_archive.py` makes (2,000 agencies x 5 years).

Measured: the wall and CPU time of `run_audit` (loading every JSON, the rules, the findings JSON), the
Parquet dataset and the dashboard page written after it; whether the findings are exactly the planted
faults (precision and recall); the dashboard's load in headless Chromium: a fresh browser's first
navigation until the page's script has drawn every chart (`data-ready`), and the same page opened again
in that browser. Run it on one core:

    taskset -c 0 nice .venv/bin/python -m bench.bench_audit [--agencies 2000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from audit.cdp import Browser
from audit.dashboard import write_dashboard
from audit.dataset import write_dataset
from audit.run import audit_dirs, write_json
from samples.make_archive import make_archive

ROOT = Path(__file__).resolve().parent.parent

AIM_AUDIT_S = 60.0
AIM_LOAD_S = 3.0


def timed(fn, *args):  # type: ignore[no-untyped-def]
    """fn(*args) with its wall and CPU seconds."""
    w, c = time.perf_counter(), time.process_time()
    out = fn(*args)
    return out, time.perf_counter() - w, time.process_time() - c


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--agencies", type=int, default=2000)
    ap.add_argument("--keep", metavar="DIR", help="make the archive and outputs here and keep them")
    args = ap.parse_args(argv)
    base = args.keep or tempfile.mkdtemp(prefix="bench-audit-")
    arch, out = os.path.join(base, "archive"), os.path.join(base, "out")
    try:
        t = time.perf_counter()
        manifest = make_archive(arch, n_agencies=args.agencies, seed=1)
        print(f"archive: {manifest['reports']} reports made in {time.perf_counter() - t:.1f} s")
        (entries, doc), wall, cpu = timed(audit_dirs, [arch])
        write_json(os.path.join(out, "findings.json"), doc)
        print(f"audit: {doc['reports']} reports, {doc['agencies']} agencies, {len(doc['findings'])} findings")
        print(f"audit time: {wall:.1f} s wall, {cpu:.1f} s CPU (aim < {AIM_AUDIT_S:.0f} s)")
        planted = {(p["rule"], tuple(sorted(p["reports"]))) for p in manifest["planted"]}
        got = {(f["rule"].split(".")[0], tuple(sorted(f["reports"]))) for f in doc["findings"]}
        recall = len(planted & got) / len(planted)
        precision = len(planted & got) / len(got) if got else 1.0
        print(f"planted faults {len(planted)}: recall {recall:.1%}, precision {precision:.1%}")
        _, wall, cpu = timed(write_dataset, entries, doc["findings"], os.path.join(out, "dataset"))
        print(f"dataset (Parquet): {wall:.1f} s wall, {cpu:.1f} s CPU")
        page = os.path.join(out, "dashboard.html")
        _, wall, cpu = timed(write_dashboard, entries, doc, page, [arch])
        print(f"dashboard: {os.path.getsize(page) / 1e6:.1f} MB written in {wall:.1f} s")
        url = Path(page).resolve().as_uri()
        try:  # the browser may use every core, as it does for a reader (the audit above ran on one)
            os.sched_setaffinity(0, range(os.cpu_count() or 1))
        except OSError:
            pass
        with Browser() as b:
            cold = b.open(url)
            in_page = int(b.eval("document.body.dataset.readyMs"))
            warm = b.open(url)
            charts = b.eval("document.body.dataset.charts")
            errors = b.errors()
        print(f"dashboard load in Chromium: {cold:.2f} s in a fresh browser ({in_page} ms from navigation start to")
        print(
            f"  charts drawn, by the page's clock), {warm:.2f} s opened again; {charts} charts (aim < {AIM_LOAD_S:.0f} s)"
        )
        if errors:
            print(f"page errors: {errors}")
        return 0 if recall == 1.0 and precision == 1.0 and not errors else 1
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
