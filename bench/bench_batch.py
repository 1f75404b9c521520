"""Throughput of `cli.py batch` with 1 and 2 workers, for born-digital PDFs and for scans, and memory per worker.

Run by hand from the repository root::

    .venv/bin/python -m bench.bench_batch [--pdfs 120] [--scans 8] [--workers 1 2] [--repeat 3]

PDFs come from samples/make_pdf.py (at most MAKE_PDF_BATCH per call: one LibreOffice run stops short on
a few hundred); scans are those PDFs' pages rendered at 200 dpi (grayscale, multi-page TIFF), read by the
OCR adapter. Each run is a fresh output folder on a fresh LocalCluster; with --repeat the worker counts
alternate (1, 2, 1, 2, ...) so that both see the same load from other jobs. Two rates per run: over the
whole run (starting the cluster and the conversion children included) and steady (from the first file
recorded to the last, from the index's done_at). The speed-up compares runs of the same round. The CPU
columns (client + workers with their conversion children, ms per file, from getrusage) do not depend on the
other jobs; from the 1-worker runs they give the speed-up 2 free cores would allow. Steal is the share of
the cores' time the hypervisor gave to other machines during the run (/proc/stat): the one slowdown no
process of this machine shows. Memory
is the peak resident size of each worker's process tree (Dask worker + its conversion child), sampled
every 0.2 s with psutil. Aim: 2 workers >= 1.8x the files/s of 1; < 1 GB per worker.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import psutil

from batch.run import run_batch

ROOT = Path(__file__).resolve().parent.parent

SCAN_DPI = 200
SAMPLE_EVERY_S = 0.2
# PDFs made per samples/make_pdf.py call (each with its own seed).
MAKE_PDF_BATCH = 100


@dataclass
class Result:
    """One timed batch run."""

    kind: str
    round: int
    workers: int
    files: int
    ok: int
    seconds: float
    steady_seconds: float
    mean_file_s: float
    peak_worker_mb: float
    load_before: float
    load_after: float
    client_cpu_s: float
    workers_cpu_s: float
    steal_share: float | None

    @property
    def rate(self) -> float:
        """Files per second over the whole run."""
        return self.files / self.seconds if self.seconds else 0.0

    @property
    def steady_rate(self) -> float:
        """Files per second from the first file recorded to the last."""
        return (self.files - 1) / self.steady_seconds if self.steady_seconds > 0 else 0.0


class MemorySampler(threading.Thread):
    """Peak RSS of each child process tree of this process (a Dask worker process + its conversion child)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peaks: dict[int, int] = {}
        self.halt = threading.Event()
        self.cpu_s = 0.0  # this thread's own CPU, not to be counted as the batch client's

    def run(self) -> None:
        me = psutil.Process()
        while not self.halt.is_set():
            for top in me.children():
                try:
                    tree = [top, *top.children(recursive=True)]
                    rss = sum(p.memory_info().rss for p in tree)
                except psutil.Error:
                    continue
                self.peaks[top.pid] = max(self.peaks.get(top.pid, 0), rss)
            self.cpu_s = time.thread_time()
            self.halt.wait(SAMPLE_EVERY_S)

    def stop(self) -> float:
        """Stop sampling; the largest per-worker peak in MB."""
        self.halt.set()
        self.join()
        return max(self.peaks.values(), default=0) / 2**20


def make_pdfs(dest: Path, count: int) -> list[Path]:
    """count born-digital report PDFs from the samples generator, MAKE_PDF_BATCH per call (each call its own
    seed; a call that fails, e.g. LibreOffice dropping a table's rows twice, is skipped for the next seed)."""
    seed, made = 42, 0
    while made < count:
        if seed > 42 + 3 * (count // MAKE_PDF_BATCH + 1):
            raise SystemExit("samples/make_pdf.py failed too often")
        n = min(MAKE_PDF_BATCH, count - made)
        run = subprocess.run(
            [sys.executable, "-m", "samples.make_pdf", "--out", str(dest), "--count", str(n)] + ["--seed", str(seed)],
            capture_output=True,
            text=True,
            check=False,
            cwd=ROOT,
        )
        if run.returncode == 0:
            made += n
        else:
            last = run.stderr.strip().splitlines()[-1:] or ["no message"]
            print(f"samples/make_pdf.py --seed {seed} failed, trying the next seed: {last[0][:200]}", file=sys.stderr)
            for p in dest.glob(f"*_s{seed}_*"):
                p.unlink()  # the reports of a failed call are not all there
        seed += 1
    for p in dest.glob("*.expected.json"):
        p.unlink()  # keep only the reports in the input folder
    return sorted(dest.glob("*.pdf"))[:count]


def make_scans(pdfs: list[Path], dest: Path) -> list[Path]:
    """Each PDF rendered as a grayscale multi-page TIFF, as a scanner would give it."""
    import pypdfium2 as pdfium

    dest.mkdir(parents=True, exist_ok=True)
    out = []
    for pdf_path in pdfs:
        pdf = pdfium.PdfDocument(str(pdf_path))
        pages = [pdf[i].render(scale=SCAN_DPI / 72).to_pil().convert("L") for i in range(len(pdf))]
        path = dest / (pdf_path.stem + ".tiff")
        pages[0].save(path, save_all=True, append_images=pages[1:], compression="tiff_deflate", dpi=(SCAN_DPI,) * 2)
        out.append(path)
        pdf.close()
    return out


def make_inputs(base: Path, n_pdfs: int, n_scans: int) -> list[tuple[str, Path]]:
    """(kind, folder) of the inputs, made under base (PDFs and scans already there for these counts are reused)."""
    pdf_dir, pdf_in, scan_in = base / "pdf", base / f"pdf_in_{n_pdfs}", base / f"scan_in_{n_scans}"
    need = max(n_pdfs, n_scans)
    have = sorted(pdf_dir.glob("*.pdf"))
    pdfs = have if len(have) >= need else make_pdfs(pdf_dir, need)
    kinds: list[tuple[str, Path]] = []
    if n_pdfs:
        if not pdf_in.is_dir():
            pdf_in.mkdir(parents=True)
            for p in pdfs[:n_pdfs]:
                os.link(p, pdf_in / p.name)
        kinds.append(("pdf", pdf_in))
    if n_scans:
        if not scan_in.is_dir():
            make_scans(pdfs[:n_scans], scan_in.with_suffix(".tmp"))
            scan_in.with_suffix(".tmp").rename(scan_in)
        kinds.append(("scan", scan_in))
    return kinds


def steady_seconds(conn: sqlite3.Connection) -> float:
    """Seconds from the first file recorded to the last (done_at is to the millisecond)."""
    first, last = conn.execute("SELECT min(done_at), max(done_at) FROM files").fetchone()
    if not first or not last:
        return 0.0
    return (datetime.fromisoformat(last) - datetime.fromisoformat(first)).total_seconds()


def cpu_jiffies() -> tuple[int, int] | None:
    """(steal, total) jiffies of all cores from /proc/stat (Linux), None elsewhere."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    return (fields[7] if len(fields) > 7 else 0), sum(fields[:8])


def steal_between(before: tuple[int, int] | None, after: tuple[int, int] | None) -> float | None:
    """The share of the cores' time the hypervisor gave to other machines between two readings."""
    if before is None or after is None or after[1] <= before[1]:
        return None
    return (after[0] - before[0]) / (after[1] - before[1])


def timed_run(kind: str, folder: Path, workers: int, work: Path, round_no: int) -> Result:
    """One batch run on a fresh output folder."""
    out = work / f"out_{kind}_{workers}_{round_no}"
    sampler = MemorySampler()
    sampler.start()
    load_before = os.getloadavg()[0]
    print(f"{kind} x{workers} (round {round_no}): starting, load average {load_before:.1f}", file=sys.stderr)
    self0, kids0 = cpu_seconds(resource.RUSAGE_SELF), cpu_seconds(resource.RUSAGE_CHILDREN)
    jiffies0 = cpu_jiffies()
    t0 = time.monotonic()
    run_batch(str(folder), str(out), workers=workers, progress=False)
    seconds = time.monotonic() - t0
    steal = steal_between(jiffies0, cpu_jiffies())
    peak = sampler.stop()
    # The worker processes are reaped when the cluster closes, and each has reaped its conversion children.
    client_cpu = cpu_seconds(resource.RUSAGE_SELF) - self0 - sampler.cpu_s
    workers_cpu = cpu_seconds(resource.RUSAGE_CHILDREN) - kids0
    conn = sqlite3.connect(out / "index.sqlite")
    n, ok, mean = conn.execute("SELECT count(*), sum(status = 'ok'), avg(seconds) FROM files").fetchone()
    steady = steady_seconds(conn)
    conn.close()
    shutil.rmtree(out)
    return Result(
        kind,
        round_no,
        workers,
        int(n),
        int(ok or 0),
        seconds,
        steady,
        float(mean or 0.0),
        peak,
        load_before,
        os.getloadavg()[0],
        client_cpu,
        workers_cpu,
        steal,
    )


def cpu_seconds(who: int) -> float:
    """User + system CPU seconds of this process (RUSAGE_SELF) or of its reaped descendants (RUSAGE_CHILDREN)."""
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def speed_ups(results: list[Result]) -> dict[int, tuple[float, float]]:
    """(whole-run, steady) speed-up of each run over the 1-worker run of the same kind and round."""
    base = {(r.kind, r.round): r for r in results if r.workers == 1}
    out = {}
    for i, r in enumerate(results):
        b = base.get((r.kind, r.round))
        if b is not None and b.rate and b.steady_rate:
            out[i] = (r.rate / b.rate, r.steady_rate / b.steady_rate)
    return out


def table(results: list[Result]) -> str:
    """The results as a fixed-width table, speed-up relative to 1 worker of the same kind and round."""
    ups = speed_ups(results)
    lines = [
        f"{'kind':<6}{'round':>6}{'workers':>8}{'files':>7}{'ok':>5}{'wall s':>8}{'files/s':>9}{'steady':>8}"
        f"{'speed-up':>10}{'steady':>8}{'s/file':>8}{'MB/worker':>11}{'load':>11}{'cpu ms/file':>18}{'steal':>7}"
    ]
    for i, r in enumerate(results):
        whole, steady = (f"{ups[i][0]:.2f}x", f"{ups[i][1]:.2f}x") if i in ups else ("-", "-")
        load = f"{r.load_before:.1f}-{r.load_after:.1f}"
        lines.append(
            f"{r.kind:<6}{r.round:>6}{r.workers:>8}{r.files:>7}{r.ok:>5}{r.seconds:>8.1f}{r.rate:>9.2f}"
            f"{r.steady_rate:>8.2f}{whole:>10}{steady:>8}{r.mean_file_s:>8.2f}{r.peak_worker_mb:>11.0f}{load:>11}"
            f"{cpu_text(r):>18}{steal_text(r):>7}"
        )
    return "\n".join(lines)


def cpu_text(r: Result) -> str:
    """CPU per file of the batch process (client) and of the workers with their conversion children."""
    return f"{1000 * r.client_cpu_s / r.files:.1f} + {1000 * r.workers_cpu_s / r.files:.1f}" if r.files else "-"


def steal_text(r: Result) -> str:
    """The hypervisor's steal during the run, as a percentage of the cores' time."""
    return f"{100 * r.steal_share:.1f}%" if r.steal_share is not None else "-"


def cpu_bound_speed_up(r: Result) -> float:
    """What the CPU accounting of a 1-worker run allows 2 workers on 2 free cores: 1 worker converts one file
    per W seconds (the client runs beside it), 2 workers share the 2 cores with the client: 2 / (C + W)."""
    c, w = r.client_cpu_s, r.workers_cpu_s
    return 2 * w / (c + w) if c + w > 0 else 0.0


def summary(results: list[Result]) -> list[str]:
    """Per kind: the median speed-ups of 2 workers over 1, the CPU-bound speed-up and the largest memory per
    worker."""
    ups = speed_ups(results)
    lines = []
    for kind in dict.fromkeys(r.kind for r in results):
        pairs = [ups[i] for i, r in enumerate(results) if r.kind == kind and r.workers == 2 and i in ups]
        peak = max(r.peak_worker_mb for r in results if r.kind == kind)
        bound = [cpu_bound_speed_up(r) for r in results if r.kind == kind and r.workers == 1]
        if pairs:
            lines.append(
                f"{kind}: 2 workers / 1 worker, median of {len(pairs)}: "
                f"{statistics.median(p[0] for p in pairs):.2f}x whole run, "
                f"{statistics.median(p[1] for p in pairs):.2f}x steady; "
                f"CPU-bound on 2 free cores: {statistics.median(bound):.2f}x; peak {peak:.0f} MB per worker"
            )
    return lines


CEILING_SCRIPT = """
import os, sys, time
os.environ.setdefault("OMP_THREAD_LIMIT", "1")
os.environ["GOVREPORT_SCAN_WORKERS"] = "1"
sys.path.insert(0, sys.argv[1])
import pipeline
from ingest.options import Options
paths = sys.argv[2:]
pipeline.convert(paths[0], Options())  # models loaded, caches warm
t = time.perf_counter()
for p in paths:
    pipeline.convert(p, Options())
print(time.perf_counter() - t)
"""


def machine_ceiling(folder: Path, limit: int) -> float:
    """The speed-up two plain conversion loops get on this machine, without any batch: N files
    converted by one loop, against the same files split between two loops side by side, each
    process pinned to a core of its own."""
    paths = sorted(str(p) for p in folder.iterdir() if p.is_file())[:limit]
    pin = ["taskset", "-c"] if shutil.which("taskset") else []

    def run(shares: list[tuple[str, list[str]]]) -> float:
        cmds = [[sys.executable, "-c", CEILING_SCRIPT, str(ROOT), *files] for _, files in shares]
        procs = [
            subprocess.Popen([*pin, core, *cmd] if pin else cmd, stdout=subprocess.PIPE)
            for (core, _), cmd in zip(shares, cmds, strict=True)
        ]
        return max(float(p.communicate()[0]) for p in procs)

    alone = run([("0", paths)])
    pair = run([("0", paths[0::2]), ("1", paths[1::2])])
    return alone / pair


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    ap.add_argument("--pdfs", type=int, default=120, help="born-digital PDFs (0 to skip)")
    ap.add_argument("--scans", type=int, default=8, help="scanned reports (0 to skip)")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--repeat", type=int, default=1, help="rounds of runs, worker counts alternating")
    ap.add_argument("--inputs", help="folder to keep the generated inputs in and reuse them from (default: temporary)")
    ap.add_argument(
        "--ceiling",
        type=int,
        default=0,
        metavar="N",
        help="also time N files in plain loops: one, then two sharing them",
    )
    args = ap.parse_args(argv)
    if min([args.pdfs, args.scans, args.repeat - 1, *[w - 1 for w in args.workers]]) < 0:
        ap.error("counts must not be negative, workers and --repeat at least 1")
    os.environ.setdefault("GOVREPORT_TOOLKIT_VERSION", "bench")
    with tempfile.TemporaryDirectory(prefix="bench_batch_") as tmp:
        work = Path(tmp)
        kinds = make_inputs(Path(args.inputs) if args.inputs else work, args.pdfs, args.scans)
        results = []
        for kind, folder in kinds:
            for round_no in range(1, args.repeat + 1):
                for w in args.workers:
                    r = timed_run(kind, folder, w, work, round_no)
                    print(f"{kind} x{w}: {r.files} files in {r.seconds:.1f} s", file=sys.stderr)
                    results.append(r)
        ceilings = {kind: machine_ceiling(folder, args.ceiling) for kind, folder in kinds} if args.ceiling else {}
    print(f"cores: {os.cpu_count()}; load = load average before-after each run (other jobs skew the figures)")
    print(table(results))
    print("\n".join(summary(results)))
    for kind, c in ceilings.items():
        print(f"{kind}: this machine's own ceiling, the files shared by two plain conversion loops: {c:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
