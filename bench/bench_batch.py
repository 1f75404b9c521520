"""Throughput of `cli.py batch` with 1 and 2 workers, for born-digital PDFs and for scans, and memory per worker.

Run by hand from the repository root::

    .venv/bin/python bench/bench_batch.py [--pdfs 40] [--scans 4] [--workers 1 2]

PDFs come from samples/make_pdf.py; scans are those PDFs' pages rendered at 200 dpi (grayscale,
multi-page TIFF), read by the OCR adapter. Each run is a fresh output folder on a fresh LocalCluster;
the time includes starting the cluster and the conversion children. Memory is the peak resident size
of each worker's process tree (Dask worker + its conversion child), sampled every 0.2 s with psutil.
Aim: 2 workers >= 1.8x the files/s of 1; < 1 GB per worker.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from batch.run import run_batch  # noqa: E402

SCAN_DPI = 200
SAMPLE_EVERY_S = 0.2


@dataclass
class Result:
    """One timed batch run."""

    kind: str
    workers: int
    files: int
    ok: int
    seconds: float
    mean_file_s: float
    peak_worker_mb: float

    @property
    def rate(self) -> float:
        return self.files / self.seconds if self.seconds else 0.0


class MemorySampler(threading.Thread):
    """Peak RSS of each child process tree of this process (a Dask worker process + its conversion child)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peaks: dict[int, int] = {}
        self.halt = threading.Event()

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
            self.halt.wait(SAMPLE_EVERY_S)

    def stop(self) -> float:
        """Stop sampling; the largest per-worker peak in MB."""
        self.halt.set()
        self.join()
        return max(self.peaks.values(), default=0) / 2**20


def make_pdfs(dest: Path, count: int) -> list[Path]:
    """count born-digital report PDFs from the samples generator."""
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "samples" / "make_pdf.py"),
            "--out",
            str(dest),
            "--count",
            str(count),
            "--seed",
            "42",
        ],
        check=True,
        capture_output=True,
    )
    for p in dest.glob("*.expected.json"):
        p.unlink()  # keep only the reports in the input folder
    return sorted(dest.glob("*.pdf"))


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


def timed_run(kind: str, folder: Path, workers: int, work: Path) -> Result:
    """One batch run on a fresh output folder."""
    out = work / f"out_{kind}_{workers}"
    sampler = MemorySampler()
    sampler.start()
    print(f"{kind} x{workers}: starting, load average {os.getloadavg()[0]:.1f}", file=sys.stderr)
    t0 = time.monotonic()
    run_batch(str(folder), str(out), workers=workers, progress=False)
    seconds = time.monotonic() - t0
    peak = sampler.stop()
    conn = sqlite3.connect(out / "index.sqlite")
    n, ok, mean = conn.execute("SELECT count(*), sum(status = 'ok'), avg(seconds) FROM files").fetchone()
    conn.close()
    return Result(kind, workers, int(n), int(ok or 0), seconds, float(mean or 0.0), peak)


def table(results: list[Result]) -> str:
    """The results as a fixed-width table, speed-up relative to 1 worker of the same kind."""
    base = {r.kind: r.rate for r in results if r.workers == 1}
    lines = [
        f"{'kind':<6}{'workers':>8}{'files':>7}{'ok':>5}{'wall s':>9}{'files/s':>9}{'speed-up':>10}"
        f"{'s/file':>8}{'peak MB/worker':>16}"
    ]
    for r in results:
        speed = f"{r.rate / base[r.kind]:.2f}x" if base.get(r.kind) else "-"
        lines.append(
            f"{r.kind:<6}{r.workers:>8}{r.files:>7}{r.ok:>5}{r.seconds:>9.1f}{r.rate:>9.2f}{speed:>10}"
            f"{r.mean_file_s:>8.2f}{r.peak_worker_mb:>16.0f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    ap.add_argument("--pdfs", type=int, default=40, help="born-digital PDFs (0 to skip)")
    ap.add_argument("--scans", type=int, default=4, help="scanned reports (0 to skip)")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = ap.parse_args(argv)
    os.environ.setdefault("GOVREPORT_TOOLKIT_VERSION", "bench")
    with tempfile.TemporaryDirectory(prefix="bench_batch_") as tmp:
        work = Path(tmp)
        pdfs = make_pdfs(work / "pdf", max(args.pdfs, args.scans))
        kinds: list[tuple[str, Path]] = []
        if args.pdfs:
            keep = work / "pdf_in"
            keep.mkdir()
            for p in pdfs[: args.pdfs]:
                os.link(p, keep / p.name)
            kinds.append(("pdf", keep))
        if args.scans:
            make_scans(pdfs[: args.scans], work / "scan_in")
            kinds.append(("scan", work / "scan_in"))
        results = []
        for kind, folder in kinds:
            for w in args.workers:
                r = timed_run(kind, folder, w, work)
                print(f"{kind} x{w}: {r.files} files in {r.seconds:.1f} s", file=sys.stderr)
                results.append(r)
    print(f"cores: {os.cpu_count()}, load average at the end: {os.getloadavg()[0]:.1f} (other jobs skew the figures)")
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
