"""Benchmark of the scan path on one core: per-cell OCR with each engine against whole-page OCR.

On the same table pages (hongze_2024 pages 2-4 rendered at --dpi, plus any scans given with
--pages-from), it prints seconds of CPU per page and the share of number cells read right, for:

- cells/rapidocr   this pipeline, RapidOCR recognition on cell crops (strips per row)
- cells/tesseract  this pipeline, tesseract on stacked cell crops
- page/rapidocr    RapidOCR detection + recognition over the whole page, words placed into the grid
- page/tesseract   tesseract over the whole page (psm 3), words placed into the grid

Truth is the text layer of the same PDF cells (pdfplumber words inside each grid cell). Run by hand:

    OMP_THREAD_LIMIT=1 taskset -c 0 .venv/bin/python -m bench.bench_scan [--dpi 200]

For cells/rapidocr it also prints the recognition model's share (CPU, batched calls, input pixels).
Last figures (2026-12-05 19:05 UTC, shared 2-core machine, load about 6, CPU seconds on core 0, the
recogniser's lean copy): cells/rapidocr 0.90 s/page 186/186, of which the recognition model 0.66 s;
page/rapidocr 3.98 s 166/186; page/tesseract 1.97 s 107/186; whole document: ours 4.76 s, tesseract
chi_sim 5.86 s, RapidOCR 15.12 s (docs/scans.md).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_THREAD_LIMIT", "1")
os.environ.setdefault("GOVREPORT_SCAN_WORKERS", "1")
ROOT = Path(__file__).resolve().parent.parent

import numpy as np  # noqa: E402

from ingest.options import Options  # noqa: E402
from ingest.scan import lattice as scan_grid  # noqa: E402
from ingest.scan import reader as scan  # noqa: E402
from ingest.scan.ocr import get_engine  # noqa: E402

HONGZE = ROOT.parent / "shared" / "real" / "hongze_2024.pdf"
TABLE_PAGES = (2, 3, 4)


def render(pdf: Path, page: int, dpi: int) -> np.ndarray:
    """One PDF page as a greyscale array."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        return np.asarray(doc[page - 1].render(scale=dpi / 72, grayscale=True).to_pil().convert("L"))
    finally:
        doc.close()


def truth(pdf: Path, page: int, dpi: int, gray: np.ndarray) -> dict[tuple[int, int, int], str]:
    """Number cells' text from the PDF text layer: (table, row, col) -> digits."""
    import pdfplumber

    k = dpi / 72
    out: dict[tuple[int, int, int], str] = {}
    with pdfplumber.open(str(pdf)) as doc:
        words = doc.pages[page - 1].extract_words()
    for ti, t in enumerate(scan_grid.find_tables(gray)):
        for c in t.cells:
            x0, y0, x1, y1 = (v / k for v in c.bbox)
            inside = [
                w["text"]
                for w in words
                if x0 <= (w["x0"] + w["x1"]) / 2 <= x1 and y0 <= (w["top"] + w["bottom"]) / 2 <= y1
            ]
            text = "".join(inside)
            if text.isdigit():
                out[(ti, c.row, c.col)] = text
    return out


def by_cells(gray: np.ndarray, engine: str, number: int) -> dict[tuple[int, int, int], str]:
    """This pipeline's cell texts (the page read as the page it is: not a first page, whose top
    paragraphs are read whole for the title and agency)."""
    blocks, _, _ = scan.read_page(gray, number, Options(ocr_engine=engine))
    out = {}
    tables = [b for b in blocks if hasattr(b, "cells")]
    for ti, t in enumerate(tables):
        for c in t.cells:  # type: ignore[attr-defined]
            out[(ti, c.row, c.col)] = c.text
    return out


def tesseract_words(gray: np.ndarray) -> list[tuple[tuple[int, int, int, int], str, float]]:
    """Whole-page tesseract (psm 3) as words: its lines run across a table's cells, its words do not."""
    import pytesseract

    d = pytesseract.image_to_data(gray, lang="chi_sim+eng", config="--psm 3", output_type=pytesseract.Output.DICT)
    return [
        ((d["left"][i], d["top"][i], d["left"][i] + d["width"][i], d["top"][i] + d["height"][i]), str(w).strip(), 0.0)
        for i, w in enumerate(d["text"])
        if str(w).strip()
    ]


def by_page(gray: np.ndarray, engine: str) -> dict[tuple[int, int, int], str]:
    """Whole-page OCR, each detected text (RapidOCR lines, tesseract words) placed in the grid cell
    holding its centre."""
    lines = tesseract_words(gray) if engine == "tesseract" else get_engine(engine).read_page(gray)
    straight, _ = scan_grid.deskew(gray)
    out: dict[tuple[int, int, int], str] = {}
    for ti, t in enumerate(scan_grid.find_tables(straight)):
        for c in t.cells:
            x0, y0, x1, y1 = c.bbox
            inside = [
                txt
                for (bx0, by0, bx1, by1), txt, _ in lines
                if x0 <= (bx0 + bx1) / 2 <= x1 and y0 <= (by0 + by1) / 2 <= y1
            ]
            out[(ti, c.row, c.col)] = "".join(inside)
    return out


class RecMeter:
    """CPU seconds and input pixels of RapidOCR's recognition model, counted around its session."""

    def __init__(self) -> None:
        self.cpu = 0.0
        self.pixels = 0
        self.calls = 0

    def watch(self) -> None:
        """Count every later call of the loaded engine's recognition session."""
        rec = get_engine("rapidocr").rec  # type: ignore[attr-defined]
        session = rec.session

        def counted(batch: np.ndarray) -> object:
            t0 = time.thread_time()
            out = session(batch)
            self.cpu += time.thread_time() - t0
            self.pixels += int(np.prod(batch.shape[:1] + batch.shape[2:]))
            self.calls += 1
            return out

        rec.session = counted


def _cpu() -> float:
    """CPU seconds of this process and its finished children (tesseract runs as a child)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    ap.add_argument("--dpi", type=int, default=200)
    ap.add_argument("--methods", nargs="*", default=None, help="only these (cells/rapidocr ...)")
    args = ap.parse_args()
    pages = [(p, render(HONGZE, p, args.dpi)) for p in TABLE_PAGES]
    truths = {p: truth(HONGZE, p, args.dpi, scan_grid.deskew(g)[0]) for p, g in pages}
    methods = {
        "cells/rapidocr": lambda g, p: by_cells(g, "rapidocr", p),
        "cells/tesseract": lambda g, p: by_cells(g, "tesseract", p),
        "page/rapidocr": lambda g, p: by_page(g, "rapidocr"),
        "page/tesseract": lambda g, p: by_page(g, "tesseract"),
    }
    for name in ("rapidocr", "tesseract"):
        get_engine(name)  # load models outside the timing
    meter = RecMeter()
    meter.watch()
    from ingest.scan.recmodel import lean_model

    lean = lean_model()
    print(f"recognition model: {'the lean copy ' + lean.name if lean else 'the original (no lean copy)'}")
    print(
        f"{len(pages)} table pages of hongze_2024 at {args.dpi} dpi, CPU seconds per page (this process and its tesseract children)"
    )
    print(f"{'method':<18}{'s/page':>9}{'numbers right':>16}")
    for name, fn in methods.items():
        if args.methods and name not in args.methods:
            continue
        cpu = 0.0
        right = total = 0
        rec0 = (meter.cpu, meter.pixels, meter.calls)
        for p, g in pages:
            t0 = _cpu()
            got = fn(g, p)
            cpu += _cpu() - t0
            for key, want in truths[p].items():
                total += 1
                right += got.get(key, "").strip() == want
        print(f"{name:<18}{cpu / len(pages):>9.2f}{right:>9}/{total} ({right / max(total, 1):.1%})")
        if name == "cells/rapidocr":
            rec_cpu, px, calls = (a - b for a, b in zip((meter.cpu, meter.pixels, meter.calls), rec0, strict=True))
            print(
                f"{'':18}of which the recognition model {rec_cpu / len(pages):.2f} s/page "
                f"({calls / len(pages):.0f} calls, {px / len(pages) / 1e3:.0f}k input pixels,"
                f" {1e6 * rec_cpu / max(px, 1):.1f} us a pixel)"
            )
    per_document(args.dpi)
    return 0


def per_document(dpi: int) -> None:
    """CPU seconds for the whole report (every page, as an image-only PDF): this pipeline's convert
    beside whole-page tesseract chi_sim and whole-page RapidOCR over the same pages."""
    import tempfile

    import pytesseract
    from PIL import Image

    import pipeline

    n = len(__import__("pypdfium2").PdfDocument(str(HONGZE)))
    grays = [render(HONGZE, p, dpi) for p in range(1, n + 1)]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "hongze.scan.pdf"
        imgs = [Image.fromarray(g) for g in grays]
        imgs[0].save(path, "PDF", save_all=True, append_images=imgs[1:], resolution=dpi)
        t0 = _cpu()
        pipeline.convert(str(path), Options())
        ours = _cpu() - t0
    t0 = _cpu()
    for g in grays:
        pytesseract.image_to_string(g, lang="chi_sim", config="--psm 3")
    tess = _cpu() - t0
    engine = get_engine("rapidocr")
    t0 = _cpu()
    for g in grays:
        engine.read_page(g)
    rapid = _cpu() - t0
    print(f"\nwhole document ({n} pages at {dpi} dpi), CPU seconds per document (per page)")
    for name, cpu in (("ours (convert)", ours), ("page/tesseract chi_sim", tess), ("page/rapidocr", rapid)):
        print(f"{name:<24}{cpu:>8.2f}{cpu / n:>8.2f}")


if __name__ == "__main__":
    sys.exit(main())
