"""Make scanned reports with known values: PDF pages rendered and degraded like a scanner would.

Each scan comes from a PDF with an ``*.expected.json`` beside it (``samples/make_pdf.py`` output, or
``../shared/real/hongze_2024.pdf``). Degradations, drawn per scan from a seeded generator:
resolution (150/200/300 dpi), skew up to 2 degrees, blur, noise, JPEG artefacts, a page turned
upside down or by 90 degrees; written as an image-only PDF, a multi-page TIFF, or one tall PNG/JPEG
of all pages. The expected JSON is the source's, with ``source`` and ``note`` changed.

CLI::

    python -m samples.make_scans --out DIR --count N --seed S [--from-dir PDF_DIR]
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageFilter

DPIS = (150, 200, 300)
OUTPUTS = ("pdf", "tiff", "png", "jpeg")
TURNS = (0, 0, 0, 0, 0, 0, 90, 180, 270)  # most scans upright; long images are never turned sideways
MAX_SKEW = 2.0
MAX_BLUR = 1.0  # Gaussian radius in pixels at 200 dpi
MAX_NOISE = 12.0  # standard deviation of grey-level noise
JPEG_QUALITY = (35, 90)
SEALS = ("", "signature", "corner")
MAX_BROKEN = 0.12
SHADES = ((0xD9, 0xD9, 0xD9), (0xBF, 0xBF, 0xBF), (0xC8, 0xC8, 0xC8))
SEAL_RED = (215, 35, 40)
BILEVEL_CUT = 150  # grey level at and above which a bilevel page is white (light tints drop out)


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
    # Scans as archives hold them (``realistic_degradation``); the defaults leave a page as it was.
    face: str = ""  # samples.fonts.FACES key the source PDF is set in ("" = LibreOffice's default, Noto)
    shade: bool = False  # header rows grey-shaded (in the source) with salt noise in the grey
    bilevel: bool = False  # black and white only, as a fax or an office scanner's text mode
    seal: str = ""  # a red seal stamped "" nowhere, over the "signature" and date, or on a table "corner"
    holes: bool = False  # two punch holes at the left and dark page edges
    broken: float = 0.0  # share of the ruling lines' length dropped out

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
        if self.seal not in SEALS or not 0 <= self.broken <= MAX_BROKEN or (self.seal and self.bilevel):
            raise ValueError("seal or broken rulings out of range (no red seal on a bilevel page)")
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
        for flag, text in ((self.face, f"font {self.face}"), (self.shade, "shaded headers"), (self.bilevel, "bilevel")):
            if flag:
                parts.append(text)
        if self.seal:
            parts.append(f"seal on {self.seal}")
        if self.holes:
            parts.append("punch holes")
        if self.broken:
            parts.append(f"rulings broken {self.broken:.0%}")
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


def broken_rulings(page: Image.Image, share: float, rng: np.random.Generator) -> Image.Image:
    """The ruling lines with short stretches (a few pixels: toner skips, noise, a dead sensor element)
    dropped out: ``share`` of their length."""
    if not share:
        return page
    gray = np.asarray(page).copy()
    ink = (gray < 128).astype(np.uint8)
    long = max(page.width, page.height) // 25
    horiz = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (long, 1)))
    vert = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, long)))
    for mask, axis in ((horiz, 1), (vert, 0)):
        size = gray.shape[axis]
        gap = np.zeros(size, bool)
        while gap.mean() < share:
            start, width = int(rng.integers(0, size)), int(rng.integers(2, max(3, size // 250) + 1))
            gap[start : start + width] = True
        where = mask.astype(bool) & (gap[None, :] if axis == 1 else gap[:, None])
        gray[cv2.dilate(where.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool) & (mask > 0)] = 255
        gray[where] = 255
    return Image.fromarray(gray)


def salt_in_grey(page: Image.Image, dpi: int, rng: np.random.Generator) -> Image.Image:
    """Salt and pepper specks in the grey-shaded areas (a scanner's take on a tint)."""
    gray = np.asarray(page).copy()
    grey = cv2.erode(((gray >= 150) & (gray <= 240)).astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    speck = max(1, dpi // 150)
    noise = rng.random((gray.shape[0] // speck + 1, gray.shape[1] // speck + 1))
    noise = np.kron(noise, np.ones((speck, speck)))[: gray.shape[0], : gray.shape[1]]
    gray[grey & (noise < 0.04)] = 255
    gray[grey & (noise > 0.975)] = rng.integers(60, 120)
    return Image.fromarray(gray)


def holes_and_edges(page: Image.Image, dpi: int, rng: np.random.Generator) -> Image.Image:
    """Two punch holes near the left edge (dark: the scanner's lid shows through) and dark page edges."""
    from PIL import ImageDraw

    img = page.copy()
    draw = ImageDraw.Draw(img)
    r, x = int(0.12 * dpi), int(0.45 * dpi)
    for frac in (0.35, 0.65):
        y = int(img.height * frac)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=int(rng.integers(20, 70)))
    arr = np.asarray(img).astype(np.float32)
    for side in ("left", "right", "top"):
        band = int(rng.uniform(0.03, 0.12) * dpi)
        ramp = np.linspace(float(rng.integers(15, 60)), 255.0, band)[:, None] if side == "top" else None
        if side == "top":
            assert ramp is not None
            arr[:band, :] = np.minimum(arr[:band, :], ramp)
        else:
            line = np.linspace(float(rng.integers(15, 60)), 255.0, band)[None, :]
            if side == "left":
                arr[:, :band] = np.minimum(arr[:, :band], line)
            else:
                arr[:, -band:] = np.minimum(arr[:, -band:], line[:, ::-1])
    return Image.fromarray(arr.clip(0, 255).astype(np.uint8))


def seal_spot(page: Image.Image, where: str) -> tuple[int, int]:
    """Where a seal is stamped: over the last lines of ink on the right (signature and date), or on the
    top-right corner of the first long ruling (a table's corner)."""
    ink = np.asarray(page) < 128
    rows = np.flatnonzero(ink.any(axis=1))
    if where == "corner":
        long_rows = np.flatnonzero(ink.sum(axis=1) > 0.5 * page.width)
        if len(long_rows):
            y = int(long_rows[0])
            return int(np.flatnonzero(ink[y])[-1]), y
    y = int(rows[-1]) if len(rows) else page.height * 3 // 4
    return int(page.width * 0.7), y


def seal_page(pages: list[Image.Image], where: str) -> int:
    """The page a seal goes on: the last (signature) or the first with a ruling across half its width."""
    if not where:
        return -1
    if where == "corner":
        for i, p in enumerate(pages):
            if ((np.asarray(p) < 128).sum(axis=1) > 0.5 * p.width).any():
                return i
    return len(pages) - 1


def stamp_seal(page: Image.Image, where: str, dpi: int, rng: np.random.Generator) -> Image.Image:
    """A red official seal (ring, star, agency name round the ring in Noto Sans CJK, pinned) multiplied over the page."""
    from PIL import ImageDraw, ImageFont

    from samples.fonts import FACES

    r = int(0.8 * dpi)  # 42 mm seals are 0.83 inch across half
    layer = Image.new("L", (2 * r + 4, 2 * r + 4), 0)
    draw = ImageDraw.Draw(layer)
    c = r + 2
    draw.ellipse((2, 2, 2 * r + 2, 2 * r + 2), outline=255, width=max(3, dpi // 25))
    star = [
        (c + r * 0.3 * np.cos(np.pi / 2 + k * np.pi / 5) * (1 if k % 2 == 0 else 0.4),
         c - r * 0.3 * np.sin(np.pi / 2 + k * np.pi / 5) * (1 if k % 2 == 0 else 0.4))
        for k in range(10)
    ]  # fmt: skip
    draw.polygon(star, fill=255)
    face = FACES["noto_sans"]
    font = ImageFont.truetype(str(face.path), int(r * 0.28), index=face.index)
    text = "某某县人民政府办公室"
    for k, ch in enumerate(text):
        angle = np.pi * (1.15 - 1.3 * k / (len(text) - 1))
        glyph = Image.new("L", (int(r * 0.32), int(r * 0.32)), 0)
        ImageDraw.Draw(glyph).text((0, 0), ch, font=font, fill=255)
        glyph = glyph.rotate(np.degrees(angle) - 90, expand=True)
        gx, gy = c + 0.72 * r * np.cos(angle), c - 0.72 * r * np.sin(angle)
        layer.paste(glyph, (int(gx - glyph.width / 2), int(gy - glyph.height / 2)), glyph)
    alpha = np.asarray(layer, np.float32) / 255 * rng.uniform(0.55, 1.0, (layer.height, layer.width))
    alpha = cv2.GaussianBlur(alpha, (0, 0), max(0.6, dpi / 250))
    x, y = seal_spot(page, where)
    x += int(rng.integers(-r // 3, r // 3 + 1))
    rgb = np.asarray(page.convert("RGB")).astype(np.float32)
    x0, y0 = max(0, x - c), max(0, y - c)
    x1, y1 = min(rgb.shape[1], x - c + layer.width), min(rgb.shape[0], y - c + layer.height)
    a = alpha[y0 - (y - c) : y1 - (y - c), x0 - (x - c) : x1 - (x - c)][..., None]
    red = np.array(SEAL_RED, np.float32) / 255
    region = rgb[y0:y1, x0:x1]
    rgb[y0:y1, x0:x1] = region * (1 - a) + region * red * a
    return Image.fromarray(rgb.clip(0, 255).astype(np.uint8), "RGB")


def degrade(page: Image.Image, d: Degradation, rng: np.random.Generator, seal_here: str = "") -> Image.Image:
    """One page with the scanner's faults: broken rulings, salt in the tints, punch holes and edges,
    skew, blur, noise, a red seal (``seal_here``), JPEG loss, black-and-white, a turn."""
    img = broken_rulings(page, d.broken, rng)
    if d.shade:
        img = salt_in_grey(img, d.dpi, rng)
    if d.holes:
        img = holes_and_edges(img, d.dpi, rng)
    if d.skew:
        img = img.rotate(d.skew, resample=Image.Resampling.BILINEAR, expand=False, fillcolor=255)
    if d.blur:
        img = img.filter(ImageFilter.GaussianBlur(d.blur * d.dpi / 200))
    if d.noise:
        arr = np.asarray(img, dtype=np.float32) + rng.normal(0, d.noise, (img.height, img.width))
        img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    if seal_here:
        img = stamp_seal(img, seal_here, d.dpi, rng)
    if d.jpeg:
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=d.jpeg)
        img = Image.open(io.BytesIO(buf.getvalue())).convert(img.mode)
    if d.bilevel:  # an office scanner's or a fax's text mode: one threshold, no dithering
        img = img.convert("L").point(lambda v: 255 if v >= BILEVEL_CUT else 0).convert("1", dither=Image.Dither.NONE)
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
        extra = {"compression": "group4"} if all(p.mode == "1" for p in pages) else {}
        pages[0].save(out, "TIFF", save_all=True, append_images=pages[1:], dpi=(d.dpi, d.dpi), **extra)
    else:
        tall = _stack(pages, d.turn)
        out = path.with_suffix(".png" if d.output == "png" else ".jpg")
        if d.output == "png":
            tall.save(out, "PNG", optimize=True)
        else:
            tall.convert("L" if tall.mode == "1" else tall.mode).save(out, "JPEG", quality=d.jpeg or 92)
    return out


def _stack(pages: list[Image.Image], turn: int) -> Image.Image:
    """Pages joined top to bottom into one long image (a long screenshot); upside down when turned 180."""
    order = pages if turn == 0 else pages[::-1]
    mode = "RGB" if any(p.mode == "RGB" for p in order) else "1" if all(p.mode == "1" for p in order) else "L"
    tall = Image.new(mode, (max(p.width for p in order), sum(p.height for p in order)), "white")
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
    clean = render_pages(pdf_path, d.dpi)
    at = seal_page(clean, d.seal)
    pages = [degrade(p, d, rng, d.seal if i == at else "") for i, p in enumerate(clean)]
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


def shade_headers(docx_path: Path, fill: tuple[int, int, int]) -> None:
    """Grey shading on the first two rows of every table of the DOCX (header cells, as many reports print)."""
    import docx
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    document = docx.Document(str(docx_path))
    colour = "".join(f"{v:02X}" for v in fill)
    for table in document.tables:
        for tr in table._tbl.tr_lst[:2]:
            for tc in tr.tc_lst:
                tc.get_or_add_tcPr().append(
                    parse_xml(f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="{colour}"/>')
                )
    document.save(str(docx_path))


def realistic_sources(out: Path, face: str, count: int, seed: int, shade: bool) -> list[tuple[Path, Path]]:
    """``count`` make_pdf reports set in one pinned face (LibreOffice with a private fontconfig), table text
    at 9-10 pt, header rows grey when ``shade``; one soffice call."""
    from samples import fonts, make_pdf

    rng = random.Random(seed)
    work = out / "docx"
    work.mkdir(parents=True, exist_ok=True)
    made = []
    for i in range(count):
        template = "2019" if i % 3 == 2 else "2021"
        p = make_pdf.prepare_one(
            rng, work, out, f"{face}{'_shaded' if shade else ''}_s{seed}_{i:02d}", i, template, None
        )
        p.layout.table_size = rng.choice([9.0, 10.0])
        make_pdf.build_docx(p)
        if shade:
            shade_headers(p.docx_path, rng.choice(SHADES))
        made.append(p)
    pdfs, _ = make_pdf.convert_prepared(made, out, env=fonts.face_env(fonts.FACES[face]))
    return [(pdf, p.expected_path) for pdf, p in zip(pdfs, made, strict=True)]


# The faults of a realistic scan, one or two per scan, cycled so every kind meets every font and dpi
# (grey-shaded headers come with the source: every other source report has them).
FAULTS = ("noise", "jpeg", "bilevel", "seal", "skew", "holes", "broken")


def realistic_degradation(rng: random.Random, index: int, face: str, shaded: bool) -> Degradation:
    """A seeded archive scan: dpi cycles 150/200/300, one fault by index plus maybe a second at random."""
    dpi = DPIS[index % 3]
    faults = {FAULTS[(index // 3) % len(FAULTS)]}
    if rng.random() < 0.5:
        faults.add(rng.choice(FAULTS))
    bilevel = "bilevel" in faults
    output = "tiff" if bilevel and rng.random() < 0.6 else rng.choice(("pdf", "pdf", "png", "jpeg"))
    jpeg = rng.randint(45, 85) if ("jpeg" in faults or output == "jpeg") and not bilevel else 0
    return Degradation(
        dpi=dpi,
        skew=round(rng.uniform(-MAX_SKEW, MAX_SKEW), 2) if "skew" in faults else 0.0,
        blur=round(rng.uniform(0.3, 0.8), 2) if rng.random() < 0.3 else 0.0,
        noise=round(rng.uniform(4, MAX_NOISE), 1) if "noise" in faults else 0.0,
        jpeg=jpeg,
        output=output,
        face=face,
        shade=shaded,
        bilevel=bilevel,
        seal=rng.choice(("signature", "corner")) if "seal" in faults and not bilevel else "",
        holes="holes" in faults and output in ("pdf", "tiff"),  # a long image's pages have no lid around them
        broken=round(rng.uniform(0.03, MAX_BROKEN), 2) if "broken" in faults else 0.0,
    ).validated()


def generate_realistic(
    out_dir: str | Path, count: int, seed: int = 0, faces: tuple[str, ...] | None = None, per_face: int = 2
) -> list[tuple[Path, Path, Degradation]]:
    """``count`` archive-like scans with expected JSON in out_dir: every face of ``faces`` (all of
    samples.fonts.FACES by default), ``per_face`` source reports each (the second with shaded headers)."""
    import tempfile

    from samples.fonts import FACES

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    faces = faces or tuple(FACES)
    made = []
    with tempfile.TemporaryDirectory(prefix="make_scans_") as tmp:
        srcs: list[tuple[str, bool, Path, Path]] = []
        for k, face in enumerate(faces):
            for shade in (False, True)[: max(1, min(2, per_face))]:
                n = max(1, per_face // 2) if per_face > 1 else 1
                folder = Path(tmp) / f"{face}_{int(shade)}"
                srcs += [(face, shade, p, e) for p, e in realistic_sources(folder, face, n, seed * 100 + k, shade)]
        for i in range(count):
            face, shaded, pdf, exp = srcs[i % len(srcs)]
            d = realistic_degradation(rng, i, face, shaded)
            name = f"real_s{seed}_{i:03d}_{pdf.stem}"
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
    ap.add_argument(
        "--realistic", action="store_true", help="archive-like scans: every pinned font, shading, seals ..."
    )
    args = ap.parse_args(argv)
    if args.count < 1:
        ap.error("count must be positive")
    if args.realistic:
        made = generate_realistic(args.out, args.count, args.seed)
    else:
        made = generate_scans(args.out, args.count, args.seed, args.from_dir)
    for path, _, d in made:
        print(f"{path}\t{d.describe()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
