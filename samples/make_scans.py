"""Make scanned reports with known values: PDF pages rendered and degraded like a scanner would.

Each scan comes from a PDF with an ``*.expected.json`` beside it (``samples/make_pdf.py`` output, or
``../shared/real/hongze_2024.pdf``). Degradations, drawn per scan from a seeded generator:
resolution (150/200/300 dpi), skew up to 2 degrees, blur, noise, JPEG artefacts, a page turned
upside down or by 90 degrees; written as an image-only PDF, a multi-page TIFF, or one tall PNG/JPEG
of all pages. The expected JSON is the source's, with ``source`` and ``note`` changed.

CLI::

    python samples/make_scans.py --out DIR --count N --seed S [--from-dir PDF_DIR]
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

DPIS = (150, 200, 300)
OUTPUTS = ("pdf", "tiff", "png", "jpeg")
TURNS = (0, 0, 0, 0, 0, 0, 90, 180, 270)  # most scans upright; long images are never turned sideways
MAX_SKEW = 2.0
MAX_BLUR = 1.0  # Gaussian radius in pixels at 200 dpi
MAX_NOISE = 12.0  # standard deviation of grey-level noise
JPEG_QUALITY = (35, 90)


@dataclass(frozen=True)
class Degradation:
    """How one scan is made from its PDF."""

    dpi: int = 200
    skew: float = 0.0
    blur: float = 0.0
    noise: float = 0.0
    jpeg: int = 0  # JPEG quality of the page images, 0 = lossless
    turn: int = 0  # degrees clockwise the pages are turned
    output: str = "pdf"

    def validated(self) -> Degradation:
        """Return self, or raise ValueError naming the first setting out of range."""
        if self.dpi not in DPIS:
            raise ValueError(f"dpi must be one of {DPIS}, not {self.dpi}")
        if abs(self.skew) > MAX_SKEW:
            raise ValueError(f"skew must be within ±{MAX_SKEW}, not {self.skew}")
        if not 0 <= self.blur <= MAX_BLUR or not 0 <= self.noise <= MAX_NOISE:
            raise ValueError("blur or noise out of range")
        if self.jpeg and not JPEG_QUALITY[0] <= self.jpeg <= 100:
            raise ValueError(f"jpeg quality must be 0 or {JPEG_QUALITY[0]}..100, not {self.jpeg}")
        if self.turn not in (0, 90, 180, 270) or self.output not in OUTPUTS:
            raise ValueError("turn or output out of range")
        return self

    def describe(self) -> str:
        """A short note for the expected JSON."""
        parts = [f"{self.dpi} dpi", self.output]
        if self.skew:
            parts.append(f"skew {self.skew:+.2f}°")
        if self.blur:
            parts.append(f"blur {self.blur:.2f}")
        if self.noise:
            parts.append(f"noise {self.noise:.1f}")
        if self.jpeg:
            parts.append(f"jpeg q{self.jpeg}")
        if self.turn:
            parts.append(f"turned {self.turn}°")
        return "scan: " + ", ".join(parts)

    @property
    def clean(self) -> bool:
        """A clean 300-dpi scan: no skew, blur, noise, JPEG loss or turn."""
        return self.dpi == 300 and not (self.skew or self.blur or self.noise or self.jpeg or self.turn)


def random_degradation(rng: random.Random, index: int) -> Degradation:
    """A seeded degradation; every fourth scan is a clean 300-dpi one."""
    output = OUTPUTS[index % len(OUTPUTS)]
    if index % 4 == 0:
        return Degradation(300, output=output)
    dpi = rng.choice(DPIS)
    return Degradation(
        dpi=dpi,
        skew=round(rng.uniform(-MAX_SKEW, MAX_SKEW), 2) if rng.random() < 0.6 else 0.0,
        blur=round(rng.uniform(0.3, MAX_BLUR), 2) if rng.random() < 0.4 else 0.0,
        noise=round(rng.uniform(3, MAX_NOISE), 1) if rng.random() < 0.4 else 0.0,
        jpeg=rng.randint(*JPEG_QUALITY) if output in ("jpeg", "pdf") and rng.random() < 0.6 else 0,
        turn=rng.choice(TURNS) if output in ("pdf", "tiff") else rng.choice((0, 0, 0, 180)),
        output=output,
    ).validated()


def render_pages(pdf_path: str | Path, dpi: int) -> list[Image.Image]:
    """Every page of a PDF as a greyscale image."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        return [pdf[i].render(scale=dpi / 72, grayscale=True).to_pil().convert("L") for i in range(len(pdf))]
    finally:
        pdf.close()


def degrade(page: Image.Image, d: Degradation, rng: np.random.Generator) -> Image.Image:
    """One page with the scanner's faults: skew, blur, noise, JPEG loss, a turn."""
    img = page
    if d.skew:
        img = img.rotate(d.skew, resample=Image.Resampling.BILINEAR, expand=False, fillcolor=255)
    if d.blur:
        img = img.filter(ImageFilter.GaussianBlur(d.blur * d.dpi / 200))
    if d.noise:
        arr = np.asarray(img, dtype=np.float32) + rng.normal(0, d.noise, (img.height, img.width))
        img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    if d.jpeg:
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=d.jpeg)
        img = Image.open(io.BytesIO(buf.getvalue())).convert("L")
    if d.turn:
        img = img.rotate(-d.turn, expand=True)  # PIL turns counter-clockwise
    return img


def write_scan(pages: list[Image.Image], d: Degradation, path: Path) -> Path:
    """The pages as an image-only PDF, a multi-page TIFF, or one tall PNG/JPEG."""
    if d.output == "pdf":
        out = path.with_suffix(".pdf")
        pages[0].save(out, "PDF", save_all=True, append_images=pages[1:], resolution=d.dpi)
    elif d.output == "tiff":
        out = path.with_suffix(".tif")
        pages[0].save(out, "TIFF", save_all=True, append_images=pages[1:], dpi=(d.dpi, d.dpi))
    else:
        tall = _stack(pages, d.turn)
        out = path.with_suffix(".png" if d.output == "png" else ".jpg")
        if d.output == "png":
            tall.save(out, "PNG", optimize=True)
        else:
            tall.save(out, "JPEG", quality=d.jpeg or 92)
    return out


def _stack(pages: list[Image.Image], turn: int) -> Image.Image:
    """Pages joined top to bottom into one long image (a long screenshot); upside down when turned 180."""
    order = pages if turn == 0 else pages[::-1]
    tall = Image.new("L", (max(p.width for p in order), sum(p.height for p in order)), 255)
    y = 0
    for p in order:
        tall.paste(p, (0, y))
        y += p.height
    return tall


def make_scan(
    pdf_path: Path, expected_path: Path, d: Degradation, out_dir: Path, name: str, seed: int
) -> tuple[Path, Path]:
    """One scan and its expected JSON in out_dir."""
    rng = np.random.default_rng(seed)
    pages = [degrade(p, d, rng) for p in render_pages(pdf_path, d.dpi)]
    out = write_scan(pages, d, out_dir / name)
    exp = json.loads(expected_path.read_text(encoding="utf-8"))
    exp["source"] = out.name
    exp["note"] = f"{d.describe()}; from {pdf_path.name}: {exp.get('note', '')}"
    exp_path = out_dir / f"{name}.expected.json"
    exp_path.write_text(json.dumps(exp, ensure_ascii=False, indent=1), encoding="utf-8")
    return out, exp_path


def source_pdfs(from_dir: Path | None, count: int, seed: int, tmp: Path) -> list[tuple[Path, Path]]:
    """Source PDFs with expected JSON: those in from_dir, or freshly made by make_pdf."""
    if from_dir is not None:
        pdfs = sorted(from_dir.glob("*.pdf"))
        return [(p, p.with_suffix(".expected.json")) for p in pdfs if p.with_suffix(".expected.json").exists()]
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from samples import make_pdf

    return [(Path(p), Path(e)) for p, e in make_pdf.generate_pdfs(tmp, count, seed, errors=max(1, count // 5))]


def generate_scans(
    out_dir: str | Path, count: int, seed: int = 0, from_dir: str | Path | None = None, sources: int | None = None
) -> list[tuple[Path, Path, Degradation]]:
    """``count`` scans with expected JSON in out_dir, cycling over the source PDFs."""
    import tempfile

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    made = []
    with tempfile.TemporaryDirectory(prefix="make_scans_") as tmp:
        srcs = source_pdfs(Path(from_dir) if from_dir else None, sources or max(1, count // 3), seed, Path(tmp))
        if not srcs:
            raise ValueError("no source PDF with an expected JSON")
        for i in range(count):
            pdf, exp = srcs[i % len(srcs)]
            d = random_degradation(rng, i)
            name = f"scan_s{seed}_{i:03d}_{pdf.stem}"
            path, exp_path = make_scan(pdf, exp, d, out, name, seed * 1000 + i)
            made.append((path, exp_path, d))
    return made


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    ap.add_argument("--out", required=True)
    ap.add_argument("--count", type=int, default=8)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--from-dir", help="use the PDFs (with *.expected.json) in this folder instead of making new ones")
    args = ap.parse_args(argv)
    if args.count < 1:
        ap.error("count must be positive")
    for path, _, d in generate_scans(args.out, args.count, args.seed, args.from_dir):
        print(f"{path}\t{d.describe()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
