"""Page images to draw on, one per page that holds a table, with the scale from page units to pixels.

- PDF: the page rendered in grayscale by pypdfium2 (~150 dpi); a page the scan adapter read is warped into
  the frame it read (PageInfo.to_source: squared, deskewed, turned), so its boxes are drawn as measured.
- Scans: the page image as the scan adapter saw it (warped through PageInfo.to_source), scaled down.
- DOCX: converted to PDF by LibreOffice headless; grid cells are placed on the PDF's table cells by
  matching their text in order, with a warning when only part of them could be placed.
- OFD: the pages drawn from their rulings and text (:mod:`overlay.ofd`).
- HTML, text (and a DOCX that LibreOffice could not convert): the grids drawn as a synthetic page.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont, ImageOps

from ingest.grid import BBox, Document, PageInfo, Table, as_homography, compose, is_identity, scaling
from ingest.options import DEFAULT_DPI as ADAPTER_DPI
from ingest.options import DEFAULT_PAGE_IMAGE_DPI
from ingest.pdf import pdfium as pdfium_reader
from overlay.marks import CellKey, Geometry, cell_geometry, norm_text

DEFAULT_DPI = DEFAULT_PAGE_IMAGE_DPI  # the scale the PDF adapter renders page images at (Options.page_image_dpi)
MAX_SCAN_SIDE = 1800  # scans are scaled down to at most this many pixels on their longer side
SOFFICE_TIMEOUT_S = 120.0
READ_DPI = ADAPTER_DPI  # the resolution the adapters render a PDF page at before reading it
FONT_PATHS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
)
# Synthetic pages (formats without geometry): text size, padding and widest column, in pixels.
SYN_FONT = 15
SYN_PAD = 6
SYN_MAX_COL = 320
SYN_MIN_COL = 36
SYN_MARGIN = 24


@dataclass
class PdfPage:
    """A PDF page left open to be rendered straight onto a drawing canvas (no image of its own).

    Only pixel rows ``band`` [first, end) are rendered (the band holding the page's tables); the rest is white.
    """

    page: Any  # pypdfium2.PdfPage; its document stays open until Rendered.close()
    scale: float
    width: int
    height: int
    band: tuple[int, int] | None = None  # None: the whole page

    @property
    def rows(self) -> tuple[int, int]:
        """Pixel rows [first, end) of the page that hold content (the table band, else the whole page)."""
        return self.band or (0, self.height)

    def render_band_into(self, rows: np.ndarray) -> None:
        """Render just the band in grayscale into ``rows[:end - first, 1:width + 1]`` (row 0 = the band's first)."""
        first, end = self.rows
        assert rows.shape[1] == self.width + 1 and rows.shape[0] >= end - first
        pdfium_reader.render_rows(self.page, self.scale, rows[: end - first, 1:], first)

    def render_into(self, rows: np.ndarray) -> None:
        """Render the page in grayscale into ``rows[:height, 1:width + 1]`` (a C-contiguous uint8 array)."""
        assert rows.flags.c_contiguous and rows.shape[1] == self.width + 1 and rows.shape[0] >= self.height
        first, end = self.band or (0, self.height)
        rows[:first, 1:] = 255
        rows[end : self.height, 1:] = 255
        pdfium_reader.render_rows(self.page, self.scale, rows[first:end, 1:], first)

    def render(self) -> np.ndarray:
        """The page in grayscale as a new array."""
        rows = np.empty((self.height, self.width + 1), np.uint8)
        self.render_into(rows)
        return rows[:, 1:]


@dataclass
class PageImage:
    """A page as grayscale pixels: ``sx``/``sy`` turn page units into pixels.

    The pixels are either held (scans, synthetic and turned pages, the PDF adapter's renders) or rendered
    from ``pdf`` when drawn. Held pixels may be a band of the page's rows from ``top`` on: the rest is white.
    """

    number: int
    width: int
    height: int
    sx: float
    sy: float
    synthetic: bool = False
    pixels: np.ndarray | None = None
    pdf: PdfPage | None = None
    top: int = 0

    @property
    def rows(self) -> tuple[int, int]:
        """Pixel rows [first, end) that hold the page's content: the band of held pixels or of a PDF render.

        Overlays are drawn on these rows only (plus their legend); the rest of the page is white.
        """
        if self.pixels is not None:
            return self.top, self.top + int(self.pixels.shape[0])
        if self.pdf is not None:
            return self.pdf.rows
        return 0, self.height

    @property
    def gray(self) -> np.ndarray:
        """The whole page's gray pixels (rows, columns); a PDF page is rendered on first use."""
        if self.pixels is None:
            assert self.pdf is not None
            self.pixels, self.top = self.pdf.render(), 0
        if self.top == 0 and self.pixels.shape[0] == self.height:
            return self.pixels
        rows = np.empty((self.height, self.width + 1), np.uint8)
        self.paint(rows)
        return rows[:, 1:]

    @property
    def image(self) -> Image.Image:
        """The page as a PIL grayscale image (a copy)."""
        return Image.fromarray(np.ascontiguousarray(self.gray), "L")

    def paint(self, rows: np.ndarray) -> None:
        """Write the page's gray into ``rows[:height, 1:]``, rendering a PDF page straight into it."""
        if self.pixels is None and self.pdf is not None:
            self.pdf.render_into(rows)
            return
        band = self.pixels if self.pixels is not None else np.empty((0, self.width), np.uint8)
        end = self.top + band.shape[0]
        rows[: self.top, 1:] = 255
        rows[self.top : end, 1:] = band
        rows[end : self.height, 1:] = 255


def held(number: int, gray: np.ndarray, sx: float, sy: float, synthetic: bool = False) -> PageImage:
    """A PageImage over pixels in memory."""
    return PageImage(number, int(gray.shape[1]), int(gray.shape[0]), sx, sy, synthetic, pixels=gray)


@dataclass
class Rendered:
    """Page images, where each grid cell stands on them, and what went wrong on the way."""

    pages: dict[int, PageImage]
    geometry: Geometry
    warnings: list[str] = field(default_factory=list)
    source: str = "page"  # page | libreoffice | synthetic
    document: Any = None  # an open pypdfium2 document the pages render from

    def close(self) -> None:
        """Close the PDF the pages render from (their pixels are not needed any more)."""
        if self.document is not None:
            self.document.close()
            self.document = None


@lru_cache(maxsize=16)
def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Noto CJK at a pixel size (PIL's own font when Noto is missing)."""
    for p in FONT_PATHS:
        if os.path.exists(p):
            return ImageFont.truetype(p, size)
    return ImageFont.load_default(size=size)


def page_info(doc: Document, number: int) -> PageInfo | None:
    """The adapter's facts about one page, if it recorded them."""
    return next((p for p in doc.pages if p.number == number), None)


def turned(info: PageInfo | None) -> bool:
    """Whether the adapter turned or deskewed the page before reading it."""
    return info is not None and bool(info.rotation % 360 or abs(info.skew) > 0.01)


def orient(img: Image.Image, info: PageInfo | None) -> Image.Image:
    """Turn and deskew a page image the way the adapter did before reading it."""
    if info is None or not turned(info):
        return img
    if info.rotation % 360:
        img = img.rotate(-info.rotation, expand=True, fillcolor="white")
    if abs(info.skew) > 0.01:
        img = img.rotate(info.skew, expand=False, resample=Image.Resampling.BICUBIC, fillcolor="white")
    return img


def warped(info: PageInfo | None) -> bool:
    """Whether the adapter measured the page on an image other than the source (squared, turned, enlarged)."""
    return info is not None and not is_identity(info.to_source) and info.width > 0 and info.height > 0


def working_image(src: Image.Image, px_per_unit: float, info: PageInfo, f: float) -> np.ndarray:
    """The source page image (``px_per_unit`` pixels per source unit) warped into the adapter's working
    frame, ``f`` pixels per page unit: a box at (x, y) in page units is at (x f, y f) on it."""
    m = compose(scaling(px_per_unit), compose(info.to_source, scaling(1.0 / f)))
    size = (max(1, round(info.width * f)), max(1, round(info.height * f)))
    coeffs = tuple(v / m[8] for v in m[:8])
    out = src.convert("L").transform(
        size, Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BILINEAR, fillcolor=255
    )
    return np.asarray(out)


def orient_stored(img: Image.Image, page: int, geo: tuple[float, ...]) -> Image.Image:
    """A page image turned as a report's stored page geometry (width, height, rotation, skew) says."""
    return orient(img, PageInfo(page, geo[0], geo[1], rotation=int(geo[2]), skew=geo[3]))


def warp_stored(
    img: Image.Image, page: int, geo: tuple[float, ...], xform: tuple[float, ...], pdf: bool
) -> Image.Image:
    """A page image (a PDF page rendered at READ_DPI, or an image file's frame) warped into the reader's
    working frame by a report's stored page transform (unit scale, then the 9 terms of ``to_source``);
    the image as it is when the transform is the identity."""
    to_source = as_homography(xform[1:])
    if is_identity(to_source) or xform[0] <= 0:
        return img
    info = PageInfo(page, geo[0], geo[1], to_source=to_source, unit_scale=xform[0])
    k = READ_DPI / 72 if pdf else 1.0
    return Image.fromarray(working_image(img, k, info, k / xform[0] if pdf else 1.0), "L")


def scaled(number: int, gray: np.ndarray, info: PageInfo | None, fallback: tuple[float, float]) -> PageImage:
    """A PageImage whose scale maps the page's own units (PageInfo size, else ``fallback``) onto ``gray``."""
    w, h = (info.width, info.height) if info and info.width > 0 and info.height > 0 else fallback
    return held(number, gray, gray.shape[1] / w, gray.shape[0] / h)


def oriented_gray(gray: np.ndarray, info: PageInfo | None) -> np.ndarray:
    """A grayscale page turned and deskewed as the adapter did (untouched when it was not)."""
    if not turned(info):
        return gray
    return np.asarray(orient(Image.fromarray(gray, "L"), info))


def table_pages(geometry: Geometry) -> set[int]:
    """Every page some grid cell stands on."""
    return {page for page, _ in geometry.values()}


Extents = dict[int, tuple[float, float]]  # page -> (top, bottom) of its tables, in page units


def table_extents(geometry: Geometry) -> Extents:
    """For each page, the top of its highest grid cell and the bottom of its lowest."""
    out: Extents = {}
    for page, b in geometry.values():
        top, bottom = out.get(page, (b[1], b[3]))
        out[page] = (min(top, b[1]), max(bottom, b[3]))
    return out


def open_pdf_pages(pdf: Any, pages: set[int], doc: Document | None, dpi: int, extents: Extents) -> dict[int, PageImage]:
    """The wanted pages of an open PDF at ``dpi``: upright ones render when drawn, turned ones now.

    An upright page with an extent renders only the band of rows holding its tables (as the adapter's renders).
    """
    out: dict[int, PageImage] = {}
    scale = dpi / 72
    for n in sorted(pages):
        if not 1 <= n <= len(pdf):
            continue
        page = pdf[n - 1]
        pw, ph = page.get_size()
        src = PdfPage(page, scale, math.ceil(pw * scale), math.ceil(ph * scale))
        info = page_info(doc, n) if doc is not None else None
        if info is not None and warped(info):
            f = scale / info.unit_scale if info.unit_scale > 0 else scale
            out[n] = held(n, working_image(Image.fromarray(src.render(), "L"), scale, info, f), f, f)
        elif turned(info):
            out[n] = scaled(n, oriented_gray(src.render(), info), info, (pw, ph))
        else:
            if n in extents:
                src.band = pdfium_reader.band_rows(*extents[n], ph, scale)
            w, h = (info.width, info.height) if info and info.width > 0 and info.height > 0 else (pw, ph)
            out[n] = PageImage(n, src.width, src.height, src.width / w, src.height / h, pdf=src)
    return out


def render_pdf_pages(pdf_path: str, pages: set[int], doc: Document | None, dpi: int, extents: Extents) -> Rendered:
    """The wanted pages of a PDF file, which stays open (``Rendered.close``) until they are drawn."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(pdf_path)
    try:
        return Rendered(open_pdf_pages(pdf, pages, doc, dpi, extents), {}, document=pdf)
    except Exception:
        pdf.close()
        raise


def held_pdf_pages(pdf_path: str, pages: set[int], dpi: int) -> dict[int, PageImage]:
    """The wanted whole pages of a PDF rendered now (the file may go away before they are drawn)."""
    out = render_pdf_pages(pdf_path, pages, None, dpi, {})
    try:
        for p in out.pages.values():
            p.gray  # noqa: B018 - renders and holds the pixels
            p.pdf = None
    finally:
        out.close()
    return out.pages


def render_scan_pages(path: str, pages: set[int], doc: Document) -> dict[int, PageImage]:
    """The scan's page images, oriented as the adapter saw them and scaled to at most MAX_SCAN_SIDE."""
    out: dict[int, PageImage] = {}
    with Image.open(path) as im:
        n_frames = getattr(im, "n_frames", 1)
        for n in sorted(pages):
            if not 1 <= n <= n_frames:
                continue
            im.seek(n - 1)
            frame = ImageOps.exif_transpose(im) if n == 1 else im  # as the scan adapter reads it
            info = page_info(doc, n)
            if info is not None and warped(info):
                f = min(1.0, MAX_SCAN_SIDE / max(info.width, info.height))
                out[n] = held(n, working_image(frame, 1.0, info, f), f, f)
                continue
            img = orient(frame.convert("L"), info)
            natural = (float(img.width), float(img.height))
            f = min(1.0, MAX_SCAN_SIDE / max(img.size))
            if f < 1.0:
                img = img.resize((round(img.width * f), round(img.height * f)), Image.Resampling.LANCZOS)
            out[n] = scaled(n, np.asarray(img), info, natural)
    return out


def soffice_to_pdf(path: str, outdir: str, timeout: float = SOFFICE_TIMEOUT_S) -> str:
    """Convert a document to PDF with LibreOffice headless (private profile); the PDF's path."""
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        raise RuntimeError("LibreOffice (soffice) is not installed")
    profile = os.path.join(outdir, "profile")
    src = os.path.join(outdir, "in" + os.path.splitext(path)[1])
    shutil.copyfile(path, src)
    cmd = [
        exe,
        f"-env:UserInstallation=file://{profile}",
        "--headless",
        "--norestore",
        "--convert-to",
        "pdf",
        "--outdir",
        outdir,
        src,
    ]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"LibreOffice took longer than {timeout:.0f} s") from None
    pdf = os.path.splitext(src)[0] + ".pdf"
    if proc.returncode != 0 or not os.path.exists(pdf):
        raise RuntimeError(f"LibreOffice failed: {proc.stderr.decode(errors='replace').strip()[:200]}")
    return pdf


PdfCell = tuple[int, BBox, str]  # (page, bbox in points, text)


def pdf_table_cells(pdf_path: str) -> list[PdfCell]:
    """Every table cell pdfplumber finds in a PDF, in reading order (page, table, row, column)."""
    import pdfplumber

    out: list[PdfCell] = []
    with pdfplumber.open(pdf_path) as pdf:
        for page in pdf.pages:
            for t in sorted(page.find_tables(), key=lambda t: (t.bbox[1], t.bbox[0])):
                for row, texts in zip(t.rows, t.extract(), strict=False):
                    for bbox, text in zip(row.cells, texts, strict=False):
                        if bbox is not None:
                            out.append((page.page_number, (bbox[0], bbox[1], bbox[2], bbox[3]), text or ""))
    return out


def grid_cells(doc: Document) -> list[tuple[CellKey, str]]:
    """Every grid cell of the document with its text, in reading order."""
    out: list[tuple[CellKey, str]] = []
    for ti, t in enumerate(doc.tables):
        for c in sorted(t.cells, key=lambda c: (c.row, c.col)):
            out.append(((ti, c.row, c.col), c.text))
    return out


def align_cells(grid: list[tuple[CellKey, str]], pdf_cells: list[PdfCell]) -> Geometry:
    """Place grid cells on PDF cells: equal text in order, then equal-length gaps pairwise."""
    a = [norm_text(t) for _, t in grid]
    b = [norm_text(t) for _, _, t in pdf_cells]
    geo: Geometry = {}
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
            for k in range(i2 - i1):
                page, bbox, _ = pdf_cells[j1 + k]
                geo[grid[i1 + k][0]] = (page, bbox)
    return geo


def render_docx(path: str, doc: Document, dpi: int) -> Rendered:
    """Render a DOCX through LibreOffice and place its grid cells on the PDF's table cells."""
    with tempfile.TemporaryDirectory(prefix="overlay-lo-") as tmp:
        pdf = soffice_to_pdf(path, tmp)
        grid = grid_cells(doc)
        geo = align_cells(grid, pdf_table_cells(pdf))
        pages = held_pdf_pages(pdf, table_pages(geo), dpi)
    warnings = []
    if len(geo) < len(grid):
        warnings.append(
            f"overlay: only {len(geo)} of {len(grid)} grid cells could be placed on the LibreOffice rendering; "
            "the others are not drawn"
        )
    return Rendered(pages, geo, warnings, source="libreoffice")


def wrap(text: str, width: int, f: ImageFont.FreeTypeFont | ImageFont.ImageFont) -> list[str]:
    """Break text into lines no wider than ``width`` pixels (anywhere: CJK has no spaces)."""
    lines: list[str] = []
    for para in (text or "").split("\n"):
        cur = ""
        for ch in para:
            if cur and f.getlength(cur + ch) > width:
                lines.append(cur)
                cur = ch
            else:
                cur += ch
        lines.append(cur)
    return lines


def synthetic_layout(t: Table) -> tuple[list[int], list[int]]:
    """Column widths and row heights (pixels) that fit each cell's text on a synthetic page."""
    f = font(SYN_FONT)
    widths = [SYN_MIN_COL] * t.n_cols
    for c in t.cells:
        if c.colspan == 1:
            need = max((f.getlength(s) for s in (c.text or "").split("\n")), default=0) + 2 * SYN_PAD
            widths[c.col] = max(widths[c.col], min(SYN_MAX_COL, int(need) + 1))
    line_h = SYN_FONT + 4
    heights = [line_h + 2 * SYN_PAD] * t.n_rows
    for c in t.cells:
        if c.rowspan == 1:
            w = sum(widths[c.col : c.col + c.colspan]) - 2 * SYN_PAD
            n = len(wrap(c.text, max(w, SYN_FONT), f))
            heights[c.row] = max(heights[c.row], n * line_h + 2 * SYN_PAD)
    return widths, heights


def synthetic_page(number: int, ti: int, t: Table) -> tuple[PageImage, Geometry]:
    """One table drawn as a page: each cell's text in its box, as the adapter read it."""
    widths, heights = synthetic_layout(t)
    xs = [SYN_MARGIN + sum(widths[:i]) for i in range(len(widths) + 1)]
    ys = [SYN_MARGIN + sum(heights[:i]) for i in range(len(heights) + 1)]
    img = Image.new("L", (xs[-1] + SYN_MARGIN, ys[-1] + SYN_MARGIN), 255)
    draw = ImageDraw.Draw(img)
    f = font(SYN_FONT)
    geo: Geometry = {}
    for c in t.cells:
        box = (float(xs[c.col]), float(ys[c.row]), float(xs[c.col + c.colspan]), float(ys[c.row + c.rowspan]))
        geo[(ti, c.row, c.col)] = (number, box)
        lines = wrap(c.text, int(box[2] - box[0]) - 2 * SYN_PAD, f)
        y = box[1] + SYN_PAD
        for line in lines:
            draw.text((box[0] + SYN_PAD, y), line, fill=40, font=f)
            y += SYN_FONT + 4
    return held(number, np.asarray(img), 1.0, 1.0, synthetic=True), geo


def render_synthetic(doc: Document) -> Rendered:
    """Every table of a document without geometry as its own synthetic page (page n = table n)."""
    pages: dict[int, PageImage] = {}
    geo: Geometry = {}
    for ti, t in enumerate(doc.tables):
        if t.cells:
            page, g = synthetic_page(ti + 1, ti, t)
            pages[ti + 1] = page
            geo.update(g)
    return Rendered(pages, geo, source="synthetic")


def adapter_pages(doc: Document, pages: set[int], dpi: int) -> dict[int, PageImage]:
    """The wanted pages the adapter already rendered at ``dpi`` (``Options.page_images``), upright ones only."""
    out: dict[int, PageImage] = {}
    scale = dpi / 72
    for n in sorted(pages & set(doc.page_images)):
        raster, info = doc.page_images[n], page_info(doc, n)
        if info is None or turned(info) or warped(info) or abs(raster.scale - scale) > 1e-9:
            continue
        if info.width <= 0 or info.height <= 0:
            continue
        w, h = math.ceil(info.width * scale), math.ceil(info.height * scale)
        if raster.pixels.shape[1] != w or raster.top + raster.pixels.shape[0] > h:
            continue
        out[n] = PageImage(n, w, h, w / info.width, h / info.height, pixels=raster.pixels, top=raster.top)
    return out


def render_pdf(path: str, doc: Document, geo: Geometry, dpi: int) -> Rendered:
    """A PDF's table pages: those the adapter rendered as they are, the others from the file."""
    wanted = table_pages(geo)
    ready = adapter_pages(doc, wanted, dpi)
    rest = wanted - set(ready)
    out = render_pdf_pages(path, rest, doc, dpi, table_extents(geo)) if rest else Rendered({}, {})
    out.pages.update(ready)
    out.geometry = geo
    return out


def render(path: str, doc: Document, dpi: int = DEFAULT_DPI) -> Rendered:
    """Page images for every page of ``doc`` that holds a table, and where each grid cell stands."""
    geo = cell_geometry(doc)
    if doc.format == "pdf" and geo:
        return render_pdf(path, doc, geo, dpi)
    if doc.format == "image" and geo:
        return Rendered(render_scan_pages(path, table_pages(geo), doc), geo)
    if doc.format == "ofd" and geo:
        from overlay.ofd import render_ofd

        return render_ofd(path, geo, dpi)
    if doc.format == "docx" and doc.tables:
        try:
            return render_docx(path, doc, dpi)
        except Exception as e:  # LibreOffice missing, failing or slow: fall back to a synthetic page
            out = render_synthetic(doc)
            out.warnings.append(f"overlay: LibreOffice rendering failed ({e}); grids drawn on synthetic pages")
            return out
    return render_synthetic(doc)
