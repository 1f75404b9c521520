"""How fast the review app's queue opens over an archive of many reports (aim: 1,000 reports in under 2 s).

The archive is made from one real report (a committed scan converted once, 60-odd doubtful cells): each
copy gets its own sha256, output name and a few values changed so checks fail and the queue is ordered
over real work. Timed through the app (Flask's test client, token checked): the first opening (every
JSON read) and a second (files unchanged, read from the cache), then the opening after one decision.

    nice .venv/bin/python -m bench.bench_review [--reports 1000] [--keep DIR] [--exports]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import os
import random
import shutil
import sys
import tempfile
import time

from normalize.serialize import report_bytes
from pipeline import convert

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SCAN = os.path.join(ROOT, "samples", "scan", "scan_s5_003_pdf2021_s5_003.jpg")


def make_archive(out: str, n: int, seed: int = 7) -> None:
    """n report JSONs under out, copies of one real conversion with their own bytes and a few changed values."""
    from normalize.checks import set_field

    base = convert(SCAN)
    rng = random.Random(seed)
    os.makedirs(out, exist_ok=True)
    numeric = [c for c in base["cells"] if isinstance(c["value"], int)]
    for i in range(n):
        r = {**base, "source": {**base["source"], "sha256": hashlib.sha256(f"{i}".encode()).hexdigest()}}
        r["cells"] = [dict(c) for c in base["cells"]]
        r["tables"] = {
            k: {rk: dict(rv) if isinstance(rv, dict) else rv for rk, rv in v.items()} for k, v in base["tables"].items()
        }
        for c in rng.sample(numeric, 2):
            cell = next(x for x in r["cells"] if x["field"] == c["field"])
            cell["value"] = c["value"] + rng.randint(1, 9)
            set_field(r["tables"], c["field"], cell["value"])
        from corrections.apply import recompute_checks

        r["checks"] = recompute_checks(r)
        sub = os.path.join(out, f"agency{i // 100:02d}")
        os.makedirs(sub, exist_ok=True)
        with open(os.path.join(sub, f"report_{i:04d}.json"), "wb") as f:
            f.write(report_bytes(r))


def make_index(out: str) -> None:
    """A batch index over the archive's reports (as `batch` would have written it), and its CSV export."""
    from batch.export import export
    from batch.index import INDEX_NAME, FileFacts, connect, record_ok, summarize
    from corrections.folder import read_report, rel_name, report_files

    conn = connect(os.path.join(out, INDEX_NAME))
    with conn:
        for path in report_files(out):
            rel = rel_name(out, path)
            r = read_report(path)
            facts = FileFacts(rel.replace(".json", ".jpg"), r["source"]["sha256"], 1, "image")
            record_ok(conn, facts, summarize(r), {"seconds": 1.0}, rel, "bench", rel)
    conn.close()
    with contextlib.redirect_stdout(io.StringIO()):
        export(out, "csv")


def timed(client: object, url: str) -> tuple[float, dict]:
    """Seconds for one GET of the queue, and its JSON."""
    t = time.perf_counter()
    resp = client.get(url)  # type: ignore[attr-defined]
    dt = time.perf_counter() - t
    assert resp.status_code == 200, resp.status_code
    return dt, resp.get_json()


def main() -> int:
    """Make (or reuse) the archive, time the queue, say whether the aim is met."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, default=1000)
    ap.add_argument("--exports", action="store_true", help="also time a decision with an index and CSV exports")
    ap.add_argument("--keep", help="make (or reuse) the archive here instead of a temporary folder")
    args = ap.parse_args()
    from review.app import create_app

    out = args.keep or tempfile.mkdtemp(prefix="bench_review_")
    try:
        if not os.path.isdir(out) or not any(os.scandir(out)):
            t = time.perf_counter()
            make_archive(out, args.reports)
            print(f"archive of {args.reports} reports made in {time.perf_counter() - t:.1f} s")
        app = create_app(out, "t0ken")
        client = app.test_client()
        assert client.get("/api/queue").status_code == 403
        first, q = timed(client, "/api/queue?token=t0ken")
        second, _ = timed(client, "/api/queue?token=t0ken")
        item = q["items"][0]
        from corrections import decide

        t = time.perf_counter()
        decide(out, item["report"], item["field"], "correct", "1")
        one = time.perf_counter() - t
        after, q2 = timed(client, "/api/queue?token=t0ken")
        print(f"reports {q['reports']}, doubtful cells {q['total']}, named by a failing check first: {item['why'][0]}")
        print(
            f"queue opened: first {first:.2f} s (every JSON read), again {second:.2f} s, after one decision {after:.2f} s"
        )
        print(f"one decision (store, JSON, checks): {one:.3f} s; reviewed {q2['reviewed']} of {q2['total']}")
        if args.exports:
            t = time.perf_counter()
            make_index(out)
            print(f"index and CSV export of {q['reports']} reports made in {time.perf_counter() - t:.1f} s")
            t = time.perf_counter()
            decide(out, item["report"], item["field"], "correct", "2")
            print(f"one decision with the index and CSV exports rewritten: {time.perf_counter() - t:.2f} s")
        print(f"aim: under 2 s for 1,000 reports: {'met' if first < 2 else 'NOT met'}")
        return 0 if first < 2 else 1
    finally:
        if not args.keep:
            shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
