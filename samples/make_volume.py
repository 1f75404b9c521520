"""Make bound volumes (汇编): several generated reports one after another in one PDF, and the same volume scanned.

The reports are made by :mod:`samples.make_pdf_producers` (fpdf: no external converter, byte-for-byte
reproducible from the seed), concatenated page by page with pypdfium2; the scanned volume is every page
rendered and written as an image-only PDF or a multi-page TIFF by :mod:`samples.make_scans` (clean by
default). Beside each volume, ``NAME.parts.json`` lists each report's expected JSON with its first and
last page in the volume.

CLI::

    python -m samples.make_volume --out DIR [--count 8] [--seed 0] [--scan pdf|tiff]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path
from typing import Any

from samples import make_pdf_producers as producers
from samples import make_scans


def concatenate(pdfs: list[Path], out: Path) -> list[tuple[int, int]]:
    """The PDFs' pages one after another in out; each one's first and last page there."""
    import pypdfium2 as pdfium

    volume = pdfium.PdfDocument.new()
    ranges = []
    try:
        for path in pdfs:
            src = pdfium.PdfDocument(str(path))
            try:
                first = len(volume) + 1
                volume.import_pages(src)
                ranges.append((first, len(volume)))
            finally:
                src.close()
        volume.save(str(out))
    finally:
        volume.close()
    return ranges


def make_volume(out_dir: str | Path, name: str, count: int = 8, seed: int = 0) -> tuple[Path, Path]:
    """NAME.pdf holding ``count`` generated reports, and NAME.parts.json (each report's truth and pages)."""
    out = Path(out_dir)
    parts_dir = out / f"{name}.parts"
    parts_dir.mkdir(parents=True, exist_ok=True)
    made = producers.generate(parts_dir, count, seed, ["fpdf"], errors=max(1, count // 4))
    volume = out / f"{name}.pdf"
    ranges = concatenate([pdf for pdf, _ in made], volume)
    parts: list[dict[str, Any]] = []
    for (pdf, exp), (first, last) in zip(made, ranges, strict=True):
        expected = json.loads(exp.read_text(encoding="utf-8"))
        parts.append({"report": pdf.name, "first_page": first, "last_page": last, "expected": expected})
    listing = out / f"{name}.parts.json"
    listing.write_text(json.dumps(parts, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return volume, listing


def scan_volume(
    volume: Path, listing: Path, out_dir: str | Path, name: str, output: str = "pdf", seed: int = 0
) -> Path:
    """The volume scanned clean at 300 dpi (an image-only PDF or a multi-page TIFF), with its parts listing."""
    d = make_scans.Degradation(300, output=output).validated()
    rng = make_scans.np.random.default_rng(seed)
    pages = [make_scans.degrade(p, d, rng) for p in make_scans.render_pages(volume, d.dpi)]
    scan = make_scans.write_scan(pages, d, Path(out_dir) / name)
    scan.with_name(f"{name}.parts.json").write_text(listing.read_text(encoding="utf-8"), encoding="utf-8")
    return scan


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    ap.add_argument("--out", required=True)
    ap.add_argument("--count", type=int, default=8)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--scan", choices=("pdf", "tiff"), help="also write the volume scanned (clean, 300 dpi)")
    args = ap.parse_args(argv)
    if args.count < 1:
        ap.error("count must be positive")
    random.seed(args.seed)
    name = f"volume_s{args.seed}_{args.count}"
    volume, listing = make_volume(args.out, name, args.count, args.seed)
    print(volume)
    if args.scan:
        print(scan_volume(volume, listing, args.out, f"{name}_scan", args.scan, args.seed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
