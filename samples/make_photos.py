"""Make phone photos of printed reports with known values: PDF pages rendered and shot like a phone would.

Each photo comes from a PDF with an ``*.expected.json`` beside it (``samples/pdf/*.pdf`` or
``../shared/real/hongze_2024.pdf``). Per page, from a seeded generator: the page (RGB, a slightly warm
paper tint) lies on a darker table top; the camera looks at it a few degrees off square (keystone: each
corner moved inward by up to ``MAX_KEYSTONE`` of the page side) and turned a little; light falls off
across the page (a gradient of up to ``MAX_FALLOFF``) and a soft shadow band crosses it; optionally a
slight barrel curvature of the lens; sensor noise; a JPEG at phone-like quality. Written as an
image-only PDF (the JPEGs embedded as they are), or one JPEG per page (``--output jpeg``). The expected
JSON is the source's, with ``source`` and ``note`` changed.

CLI::

    python -m samples.make_photos --out DIR [--seed S] [--dpi 200] [--pages 2,3] [--output pdf|jpeg] [--quality Q] PDF...
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from samples.make_scans import render_pages

MAX_KEYSTONE = 0.04  # corners moved inward by up to this share of the page's width/height
MAX_TURN = 2.0  # degrees
MAX_FALLOFF = 0.3  # light falls from 1.0 to 1 - this across the page
MAX_SHADOW = 0.15  # depth of the soft shadow band
MAX_BARREL = 0.02  # radial distortion coefficient (0 = none)
MARGIN = 0.05  # background around the page, share of its size
JPEG_QUALITY = (70, 88)
NOISE = 2.0  # sensor noise left after the phone's denoising, grey levels


@dataclass(frozen=True)
class Shot:
    """How one page is photographed."""

    corners: tuple[float, ...]  # eight inward shifts (x, y per corner: tl, tr, br, bl), share of the side
    turn: float  # degrees
    falloff: float
    light_angle: float  # direction the light falls off towards, radians
    shadow: float
    shadow_at: float  # centre of the shadow band, share of the height
    shadow_slope: float
    barrel: float
    background: tuple[int, int, int]
    tint: tuple[float, float, float]
    jpeg: int

    def describe(self) -> str:
        """A short note for the expected JSON."""
        return (
            f"keystone up to {max(self.corners) * 100:.1f}%, turn {self.turn:+.1f}°, light falloff "
            f"{self.falloff:.2f}, shadow {self.shadow:.2f}, barrel {self.barrel:.3f}, jpeg q{self.jpeg}"
        )


def random_shot(rng: np.random.Generator, barrel: bool = True, quality: int | None = None) -> Shot:
    """A seeded phone shot."""
    grey = int(rng.integers(60, 140))
    return Shot(
        corners=tuple(float(v) for v in rng.uniform(0.0, MAX_KEYSTONE, 8)),
        turn=float(rng.uniform(-MAX_TURN, MAX_TURN)),
        falloff=float(rng.uniform(0.15, MAX_FALLOFF)),
        light_angle=float(rng.uniform(0, 2 * np.pi)),
        shadow=float(rng.uniform(0.05, MAX_SHADOW)),
        shadow_at=float(rng.uniform(0.2, 0.8)),
        shadow_slope=float(rng.uniform(-0.3, 0.3)),
        barrel=float(rng.uniform(0.0, MAX_BARREL)) if barrel else 0.0,
        background=(grey + int(rng.integers(0, 20)), grey, max(0, grey - int(rng.integers(0, 25)))),
        tint=(1.0, float(rng.uniform(0.96, 1.0)), float(rng.uniform(0.88, 0.97))),
        jpeg=int(rng.integers(*JPEG_QUALITY)) if quality is None else quality,
    )


def _barrel(img: np.ndarray, k: float, fill: tuple[int, int, int]) -> np.ndarray:
    """The image bent by a radial lens distortion of strength k (barrel: straight lines bow out)."""
    if k <= 0:
        return img
    h, w = img.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    cx, cy, r0 = w / 2, h / 2, max(w, h) / 2
    dx, dy = (xx - cx) / r0, (yy - cy) / r0
    f = 1 + k * (dx * dx + dy * dy)
    return cv2.remap(img, cx + dx * f * r0, cy + dy * f * r0, cv2.INTER_LINEAR, borderValue=fill)


def page_corners(s: Shot, w: int, h: int) -> tuple[np.ndarray, tuple[int, int]]:
    """Where a w x h page's corners (tl, tr, br, bl) land in the photo (before any barrel
    curvature), and the photo's size."""
    mx, my = int(w * MARGIN), int(h * MARGIN)
    W, H = w + 2 * mx, h + 2 * my
    c = s.corners
    dst = np.float32(
        [
            [mx + w * c[0], my + h * c[1]],
            [mx + w * (1 - c[2]), my + h * c[3]],
            [mx + w * (1 - c[4]), my + h * (1 - c[5])],
            [mx + w * c[6], my + h * (1 - c[7])],
        ]
    )
    rot = cv2.getRotationMatrix2D((W / 2, H / 2), s.turn, 1.0)
    return cv2.transform(dst[None], rot)[0].astype(np.float32), (W, H)


def photograph(page: Image.Image, s: Shot, rng: np.random.Generator) -> Image.Image:
    """One page as a phone photo: on a background, in perspective, unevenly lit, JPEG-compressed."""
    gray = np.asarray(page.convert("L"), dtype=np.float32)
    h, w = gray.shape
    paper = np.dstack([gray * t for t in s.tint])
    dst, (W, H) = page_corners(s, w, h)
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    m = cv2.getPerspectiveTransform(src, dst)
    bg = tuple(float(v) for v in s.background)
    img = cv2.warpPerspective(paper, m, (W, H), flags=cv2.INTER_LINEAR, borderValue=bg)
    img = _barrel(img, s.barrel, bg)  # type: ignore[arg-type]
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    along = ((xx / W - 0.5) * np.cos(s.light_angle) + (yy / H - 0.5) * np.sin(s.light_angle)) + 0.5
    light = 1.0 - s.falloff * np.clip(along, 0, 1)
    band = (yy / H - s.shadow_at - s.shadow_slope * (xx / W - 0.5)) / 0.08
    light = light - s.shadow * np.exp(-band * band)
    img = img * light[..., None] + rng.normal(0, NOISE, (H, W, 1))  # a phone's noise is mostly in luma
    rgb = np.clip(img, 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(rgb, "RGB").save(buf, "JPEG", quality=s.jpeg)
    return Image.open(io.BytesIO(buf.getvalue()))


def make_photo(
    pdf_path: Path,
    expected_path: Path,
    out_dir: Path,
    name: str,
    seed: int,
    dpi: int = 200,
    pages: list[int] | None = None,
    output: str = "pdf",
    barrel: bool = True,
    quality: int | None = None,
) -> tuple[list[Path], Path]:
    """Photos of a PDF's pages (1-based numbers; all when None) and their expected JSON in out_dir."""
    rng = np.random.default_rng(seed)
    rendered = render_pages(pdf_path, dpi)
    wanted = pages or list(range(1, len(rendered) + 1))
    shots = [random_shot(rng, barrel, quality) for _ in wanted]
    photos = [photograph(rendered[p - 1], s, rng) for p, s in zip(wanted, shots, strict=True)]
    out_dir.mkdir(parents=True, exist_ok=True)
    if output == "pdf":
        files = [out_dir / f"{name}.pdf"]
        _jpeg_pdf(photos, files[0], dpi, min(s.jpeg for s in shots))
    else:
        files = []
        for p, img in zip(wanted, photos, strict=True):
            f = out_dir / f"{name}_p{p}.jpg"
            f.write_bytes(_jpeg_bytes(img))
            files.append(f)
    exp = json.loads(expected_path.read_text(encoding="utf-8"))
    exp["source"] = files[0].name
    if pages and not {1, len(rendered)} <= set(pages):
        exp.pop("report", None)  # title, agency, year and date are on the first and last pages
    exp["note"] = (
        f"phone photo of pages {wanted} at {dpi} dpi: {shots[0].describe()} (first page); from {pdf_path.name}"
    )
    exp_path = out_dir / f"{name}.expected.json"
    exp_path.write_text(json.dumps(exp, ensure_ascii=False, indent=1), encoding="utf-8")
    return files, exp_path


def _jpeg_bytes(img: Image.Image) -> bytes:
    """The JPEG file a photo was decoded from (kept as it is: no second compression)."""
    fp = getattr(img, "fp", None)
    if fp is not None and hasattr(fp, "getvalue"):
        return bytes(fp.getvalue())
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85)
    return buf.getvalue()


def _jpeg_pdf(photos: list[Image.Image], path: Path, dpi: int, quality: int) -> None:
    """An image-only PDF of the photos, each page a JPEG (at the shots' lowest quality)."""
    photos[0].save(path, "PDF", save_all=True, append_images=photos[1:], resolution=dpi, quality=quality)


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    ap.add_argument("pdfs", nargs="+", help="PDFs with an *.expected.json beside them")
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--dpi", type=int, default=200)
    ap.add_argument("--pages", help="comma-separated 1-based page numbers (default: all)")
    ap.add_argument("--output", choices=("pdf", "jpeg"), default="pdf")
    ap.add_argument("--no-barrel", action="store_true")
    ap.add_argument("--quality", type=int, help=f"JPEG quality of every page (default: drawn from {JPEG_QUALITY})")
    args = ap.parse_args(argv)
    pages = [int(p) for p in args.pages.split(",")] if args.pages else None
    for i, pdf in enumerate(args.pdfs):
        p = Path(pdf)
        exp = p.with_suffix(".expected.json")
        if not exp.exists():
            print(f"skipped {p}: no {exp.name}", file=sys.stderr)
            continue
        files, _ = make_photo(
            p,
            exp,
            Path(args.out),
            f"photo_s{args.seed}_{p.stem}",
            args.seed * 1000 + i,
            args.dpi,
            pages,
            args.output,
            not args.no_barrel,
            args.quality,
        )
        print("\t".join(str(f) for f in files))
    return 0


if __name__ == "__main__":
    sys.exit(main())
