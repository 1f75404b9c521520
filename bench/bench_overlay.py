"""How much overlays add to a conversion: born-digital PDFs (target: at most half again), and others.

For each input: the median CPU time (``time.process_time``: every thread of the process) of a plain
``pipeline.convert_document``, of the conversion an overlay run makes (``Options(page_images=True)``:
the PDF adapter also renders its table pages, the extra counted against the overlay) and of
``write_overlays`` (PNG only, then PNG + HTML), measured alternately in one process after a warm-up
run, and the median of each round's ratio: (conversion with page images + overlay) / plain conversion. CPU time, not wall
time: the machine is shared. Run it on one core so no work hides on the other:

    taskset -c 0 .venv/bin/python -m bench.bench_overlay [FILE ...] [--repeat N] [--dpi N]

Without files: the real WPS PDF (shared/real/hongze_2024.pdf), the generated PDFs (samples/pdf/),
a PDF LibreOffice prints from the committed DOCX sample, that DOCX itself and the real web page.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ingest.options import DEFAULT_PAGE_IMAGE_DPI, Options
from overlay import write_overlays
from overlay.render import soffice_to_pdf
from pipeline import convert_document

ROOT = Path(__file__).resolve().parent.parent

SHARED = ROOT.parent / "shared"
BUDGET = 1.5  # conversion + overlay PNGs may take at most this many times the conversion (born-digital PDF)


def default_inputs(tmp: str) -> list[str]:
    """The real PDF, a generated PDF, its DOCX, the real web page (those present)."""
    docx = ROOT / "samples" / "docx" / "docx2021_row_total_error.docx"
    out = [str(SHARED / "real" / "hongze_2024.pdf")]
    out += sorted(str(p) for p in (ROOT / "samples" / "pdf").glob("*.pdf"))
    if docx.exists():
        out.append(soffice_to_pdf(str(docx), tmp))
        out.append(str(docx))
    out.append(str(SHARED / "real" / "pingtan_2024.html"))
    return [p for p in out if Path(p).exists()]


def timed(fn: object) -> float:
    """CPU seconds one call takes (all threads of this process)."""
    t = time.process_time()
    fn()  # type: ignore[operator]
    return time.process_time() - t


def bench_one(path: str, repeat: int, out: str, dpi: int = DEFAULT_PAGE_IMAGE_DPI) -> dict[str, float | str | int]:
    """Median plain conversion, page-image conversion, PNG-overlay and PNG+HTML CPU times for one file."""
    with_images = Options(page_images=True, page_image_dpi=dpi)
    convert_document(path)
    doc, report = convert_document(path, with_images)
    write_overlays(path, doc, report, overlay_dir=out, html_dir=out, dpi=dpi)  # warm-up: fonts, imports
    conv, conv_img, png, both = [], [], [], []
    for _ in range(repeat):
        conv.append(timed(lambda: convert_document(path)))
        conv_img.append(timed(lambda: convert_document(path, with_images)))
        png.append(timed(lambda: write_overlays(path, doc, report, overlay_dir=out, dpi=dpi)))
        both.append(timed(lambda: write_overlays(path, doc, report, overlay_dir=out, html_dir=out, dpi=dpi)))
    c, ci = statistics.median(conv), statistics.median(conv_img)
    p, b = statistics.median(png), statistics.median(both)
    return {
        "file": Path(path).name,
        "format": doc.format,
        "pages": len(doc.pages),
        "conv": c,
        "img": ci - c,
        "png": p,
        "both": b,
        "ratio": paired_ratio(conv, conv_img, png),
        "ratio_html": paired_ratio(conv, conv_img, both),
    }


def paired_ratio(conv: list[float], conv_img: list[float], overlay: list[float]) -> float:
    """Median over the rounds of (conversion with page images + overlay) / plain conversion, each round's own.

    Timed back to back, a round's three numbers share the machine's load of the moment (the machine is shared),
    so their ratio drifts less than a ratio of medians taken over different moments.
    """
    return statistics.median((ci + o) / c for c, ci, o in zip(conv, conv_img, overlay, strict=True))


def cli_seconds(path: str, out: str, overlay: bool) -> float:
    """CPU time (user + system) of one ``cli.py convert`` process tree (with ``--overlay`` when asked)."""
    cmd = [sys.executable, str(ROOT / "cli.py"), "convert", path, "-o", out]
    if overlay:
        cmd += ["--overlay", out]
    before = os.times()
    subprocess.run(cmd, check=True, capture_output=True)
    after = os.times()
    return (after.children_user - before.children_user) + (after.children_system - before.children_system)


def cli_row(path: str, repeat: int, out: str) -> str:
    """Median CPU time of the command line without and with --overlay (imports and all)."""
    plain, over = [], []
    for _ in range(repeat):
        plain.append(cli_seconds(path, out, False))
        over.append(cli_seconds(path, out, True))
    p, o = statistics.median(plain), statistics.median(over)
    return f"{Path(path).name[:41]:<42}{p:>11.3f}{o:>13.3f}{o / p:>7.2f}"


def main(argv: list[str] | None = None) -> int:
    """Print one row per input."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    ap.add_argument("files", nargs="*")
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--dpi", type=int, default=DEFAULT_PAGE_IMAGE_DPI, help="page image scale (Options.page_image_dpi)")
    ap.add_argument("--cli", action="store_true", help="also time whole cli.py processes (imports dominate)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench_overlay_") as tmp:
        files = args.files or default_inputs(tmp)
        print(
            f"CPU seconds per document (median); +images: what the adapter's page renders ({args.dpi} dpi) add to the conversion"
        )
        print(
            f"{'file':<34}{'fmt':>5}{'pages':>6}{'convert s':>11}{'+images s':>10}{'+png s':>8}{'ratio':>7}"
            f"{'+png+html s':>13}{'ratio':>7}  budget"
        )
        for f in files:
            r = bench_one(f, args.repeat, tmp, args.dpi)
            conv, img, png, both = float(r["conv"]), float(r["img"]), float(r["png"]), float(r["both"])
            ratio, ratio_html = float(r["ratio"]), float(r["ratio_html"])
            ok = "" if r["format"] != "pdf" else ("ok" if ratio <= BUDGET else "OVER")
            print(
                f"{str(r['file'])[:33]:<34}{r['format']:>5}{r['pages']:>6}{conv:>11.3f}{img:>10.3f}{png:>8.3f}"
                f"{ratio:>7.2f}{both:>13.3f}{ratio_html:>7.2f}  {ok}"
            )
        if args.cli:
            print(f"\n{'command line, one file (CPU s)':<42}{'convert s':>11}{'+overlay s':>13}{'ratio':>7}")
        for f in files:
            if f.endswith(".pdf") and args.cli:
                print(cli_row(f, max(1, args.repeat // 2), tmp))
    print(
        "ratio = median over rounds of (conversion with page images + overlay) / plain conversion; "
        f"the budget for born-digital PDFs is {BUDGET}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
