"""Chars and vector paths of PDF pages read with PDFium (pypdfium2): the fast reader of the PDF adapter.

Gives the same shapes the pdfplumber reader gives, so the geometry and text code is shared:
chars as dicts (``text``, ``x0``, ``x1``, ``top``, ``bottom``, ``size``, ``upright``, ``matrix``,
``fontname``) with the font's loose box (ascent to descent, as pdfminer measures), and path pieces
classified the way pdfminer classifies them (a one-segment subpath is a line, a closed axis-aligned
four-corner subpath is a rectangle, anything else a curve), in PDF points with a top-left origin.
Paths inside form XObjects are included with their form's matrix. Chars PDFium could not map to
Unicode become U+FFFD, so the adapter treats them as an unusable text layer (OCR).
"""

from __future__ import annotations

import ctypes
import math
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ingest.errors import ReportError

Matrix = tuple[float, float, float, float, float, float]
Box = tuple[float, float, float, float]
Obj = dict[str, Any]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
FONT_NAME_BYTES = 256  # buffer for a font's name (longer names are cut, which only merges fonts)
UNMAPPED = "\ufffd"  # text of a char PDFium could not map to Unicode
UNSCALED = 3.0  # a loose char box this many ems across is PDFium's unscaled vertical-writing box
AXIS_SLANT = 0.01  # an upright char's text matrix has |c| at most this share of d
GLYPH_BOX = 0.85  # a loose box less than this many ems tall may be the glyph's own box (see glyph_box_bottom)
DESCENT = 0.12  # the descent (ems below the baseline) given to a char whose box is its glyph's
MAX_FORM_DEPTH = 8  # nested form XObjects deeper than this are not searched for paths
BAND_MARGIN = 36.0  # points rendered above and below a page's tables for overlays (their headings)


@dataclass
class PagePaths:
    """A page's path pieces in pdfplumber's shapes, and whether the page draws any image."""

    lines: list[Obj]
    rects: list[Obj]
    curves: list[Obj]
    has_images: bool


@contextmanager
def open_document(data: bytes) -> Iterator[Any]:
    """The PDFium document for the bytes (empty user password tried); bad files raise ReportError."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as R

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        if getattr(e, "err_code", None) == R.FPDF_ERR_PASSWORD:
            raise ReportError("encrypted", "the PDF needs a password") from None
        raise ReportError("corrupt", f"unreadable PDF ({e})"[:300]) from None
    try:
        yield pdf
    finally:
        pdf.close()


def media_box(page: Any) -> tuple[float, ...]:
    """The page's media box, inherited from the page tree when the page has none of its own.

    PDFium's box getters do not inherit (a page without /MediaBox would read as US Letter); its bounding
    box does, so it stands in for a missing one.
    """
    box = page.get_mediabox(fallback_ok=False) or page.get_bbox()
    return tuple(float(v) for v in box)


def plain_geometry(page: Any) -> bool:
    """True for a page this reader maps like pdfplumber: no /Rotate, boxes at the origin, crop = media."""
    media = media_box(page)
    own_crop = page.get_cropbox(fallback_ok=False)
    crop = tuple(float(v) for v in own_crop) if own_crop else media
    return page.get_rotation() == 0 and media[:2] == (0.0, 0.0) and crop == media


def page_size(page: Any) -> tuple[float, float]:
    """Width and height of the page's media box, in points."""
    x0, y0, x1, y1 = media_box(page)
    return x1 - x0, y1 - y0


def band_rows(top: float, bottom: float, page_height: float, scale: float) -> tuple[int, int]:
    """Pixel rows [first, end) at ``scale`` covering page units top..bottom with BAND_MARGIN around them."""
    rows = math.ceil(page_height * scale)
    first = min(rows, max(0, math.floor((top - BAND_MARGIN) * scale)))
    return first, max(first, min(rows, math.ceil((bottom + BAND_MARGIN) * scale)))


@lru_cache(maxsize=1)
def object_calls() -> tuple[Any, Any]:
    """PDFium's FPDFPage_GetObject and FPDFTextObj_GetTextRenderMode taking and giving plain addresses.

    pypdfium2's own bindings wrap every returned handle in a ctypes pointer object: a third of the cost of
    a call, which counts when every object of a page is visited.
    """
    import pypdfium2.raw as R

    def plain(fn: Any, restype: Any, *argtypes: Any) -> Any:
        """The same C function with plain ctypes argument and result types."""
        return ctypes.CFUNCTYPE(restype, *argtypes)(ctypes.cast(fn, ctypes.c_void_p).value or 0)

    get = plain(R.FPDFPage_GetObject, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int)
    mode = plain(R.FPDFTextObj_GetTextRenderMode, ctypes.c_int, ctypes.c_void_p)
    return get, mode


def fill_only_text(page: Any) -> int:
    """Set the page's fill-and-stroke text (a producer's fake bold, as WPS writes 宋体 headings) to fill only.

    For page images only (the page is not read again): stroking glyph outlines costs PDFium about a quarter
    of the render of such a page, and the text stays where and what it is, a little lighter. The count changed.
    """
    import pypdfium2.raw as R

    get, mode = object_calls()
    raw = page.raw
    handle = ctypes.cast(raw, ctypes.c_void_p).value
    changed = 0
    for k in range(R.FPDFPage_CountObjects(raw)):
        obj = get(handle, k)
        if mode(obj) == R.FPDF_TEXTRENDERMODE_FILL_STROKE:
            R.FPDFTextObj_SetTextRenderMode(R.FPDFPage_GetObject(raw, k), R.FPDF_TEXTRENDERMODE_FILL)
            changed += 1
    return changed


def render_rows(page: Any, scale: float, out: Any, first: int) -> None:
    """Render the page in grayscale at ``scale`` into ``out``: its pixel rows from ``first`` on, the full width.

    ``out`` is a uint8 numpy array (rows, page width in pixels) whose rows are contiguous (any row stride);
    PDFium skips what lies outside those rows, so a band costs what is drawn in it. Fake-bold text is drawn
    filled only (``fill_only_text``).
    """
    import pypdfium2.raw as R

    n, width = out.shape
    if n == 0:
        return
    fill_only_text(page)
    assert out.strides[1] == 1 and out.flags.writeable
    bitmap = R.FPDFBitmap_CreateEx(width, n, R.FPDFBitmap_Gray, out.ctypes.data, out.strides[0])
    if not bitmap:
        raise MemoryError("PDFium could not make a bitmap")
    try:
        R.FPDFBitmap_FillRect(bitmap, 0, 0, width, n, 0xFFFFFFFF)
        full = math.ceil(page.get_height() * scale)
        R.FPDF_RenderPageBitmap(bitmap, page.raw, 0, -first, width, full, 0, R.FPDF_ANNOT | R.FPDF_GRAYSCALE)
    finally:
        R.FPDFBitmap_Destroy(bitmap)


RASTER_POOL_BYTES = 64 << 20  # page renders kept for reuse (fresh memory costs a page fault per 4 KiB)
_raster_pool: list[Any] = []  # 1-D uint8 buffers; one is free when no array made from it is alive
_raster_lock = threading.Lock()


def pooled_rows(rows: int, width: int) -> Any:
    """A (rows, width) uint8 array, over a pooled buffer no live array uses when one is large enough.

    A buffer is in use while any array made from it lives (numpy views keep their base alive, so its
    reference count is up); arrays beyond the pool's size are plain new ones.
    """
    import numpy as np

    need = rows * width
    with _raster_lock:
        free = [b for b in _raster_pool if b.size >= need and sys.getrefcount(b) <= 3]  # list, b, argument
        if free:
            return min(free, key=lambda b: b.size)[:need].reshape(rows, width)
        buf = np.empty(need, np.uint8)
        if sum(b.size for b in _raster_pool) + need <= RASTER_POOL_BYTES:
            _raster_pool.append(buf)
        return buf.reshape(rows, width)


def render_band(page: Any, scale: float, first: int, end: int) -> Any:
    """Pixel rows [first, end) of the page rendered in grayscale at ``scale``: a (rows, width) uint8 array.

    Its memory comes from a pool of earlier renders no longer in use (``pooled_rows``).
    """
    out = pooled_rows(end - first, math.ceil(page.get_width() * scale))
    render_rows(page, scale, out, first)
    return out


def char_text(raw_tp: Any, i: int) -> str:
    """The text of char i, U+FFFD where PDFium found no Unicode mapping."""
    import pypdfium2.raw as R

    if R.FPDFText_HasUnicodeMapError(raw_tp, i):
        return UNMAPPED
    code = R.FPDFText_GetUnicode(raw_tp, i)
    try:
        return chr(code)
    except (ValueError, OverflowError):
        return UNMAPPED


def em_box(loose: Box, c: float, d: float, size: float) -> Box:
    """pdfminer's char box from PDFium's loose one: one em tall from the descent line (PDF space, y up).

    PDFium's loose box runs from the font's descent to its ascent along the glyph's up direction
    (c, d); pdfminer's runs from the descent for one font size. The descent side is kept.
    """
    x0, y0, x1, y1 = loose
    if abs(c) <= abs(d):
        return (x0, y0, x1, y0 + size) if d > 0 else (x0, y1 - size, x1, y1)
    return (x1 - size, y0, x1, y1) if c < 0 else (x0, y0, x0 + size, y1)


def unscaled_vertical(loose: Box, size: float) -> bool:
    """True for PDFium's loose box of a vertical-writing CID char, which ignores the text matrix.

    Such a box is one unscaled em (the font size in text space) wide and tall; a real glyph box is
    about one scaled em. A box more than UNSCALED ems tall or wide is taken for that case.
    """
    x0, y0, x1, y1 = loose
    return max(x1 - x0, y1 - y0) > UNSCALED * max(size, 0.1)


def glyph_box_bottom(raw_tp: Any, i: int, loose: Box, size: float, origin: Any) -> float:
    """The bottom of an upright char's box: the loose box's, unless that box is the glyph's own.

    For some embedded fonts (Chromium's subsets) PDFium's loose box of a flat glyph such as 一 or 二
    is the glyph's outline box, which starts above the baseline; a box taken from there stands half
    an em above its line. Such a char gets the baseline less DESCENT ems.
    """
    import pypdfium2.raw as R

    if loose[3] - loose[1] >= GLYPH_BOX * size:
        return loose[1]
    ox, oy = origin
    if not R.FPDFText_GetCharOrigin(raw_tp, i, ox, oy) or loose[1] <= oy.value + 0.02 * size:
        return loose[1]
    return oy.value - DESCENT * size


def page_chars(page: Any, height: float) -> list[Obj]:
    """Every char PDFium reads on the page (generated spaces and line breaks left out)."""
    import pypdfium2.raw as R

    tp = page.get_textpage()
    try:
        raw = tp.raw
        rect = R.FS_RECTF()
        m = R.FS_MATRIX()
        name = ctypes.create_string_buffer(FONT_NAME_BYTES)
        flags = ctypes.c_int()
        ox, oy = ctypes.c_double(), ctypes.c_double()
        fonts: dict[bytes, str] = {}
        out: list[Obj] = []
        for i in range(R.FPDFText_CountChars(raw)):
            if R.FPDFText_IsGenerated(raw, i) == 1:
                continue
            text = char_text(raw, i)
            if not R.FPDFText_GetLooseCharBox(raw, i, rect):
                continue
            R.FPDFText_GetMatrix(raw, i, m)
            R.FPDFText_GetFontInfo(raw, i, name, FONT_NAME_BYTES, flags)
            key = name.value
            font = fonts.get(key)
            if font is None:
                font = fonts[key] = key.decode("utf-8", "replace")
            a, b, c, d = m.a, m.b, m.c, m.d
            size = R.FPDFText_GetFontSize(raw, i) * math.hypot(c, d)
            loose = (rect.left, rect.bottom, rect.right, rect.top)
            vertical = unscaled_vertical(loose, size)
            if vertical:  # PDFium's origin of a vertical char is the bottom left of pdfminer's em box
                R.FPDFText_GetCharOrigin(raw, i, ox, oy)
                x0, y0, x1, y1 = ox.value, oy.value, ox.value + size, oy.value + size
            else:
                if d > 0 and abs(c) <= AXIS_SLANT * d:
                    loose = (loose[0], glyph_box_bottom(raw, i, loose, size, (ox, oy)), loose[2], loose[3])
                x0, y0, x1, y1 = em_box(loose, c, d, size)
            top, bottom = height - y1, height - y0
            out.append(
                {
                    "text": text,
                    "x0": x0,
                    "x1": x1,
                    "top": top,
                    "bottom": bottom,
                    "size": x1 - x0 if vertical else bottom - top,
                    "upright": a * d > 0 and b * c <= 0,
                    "matrix": (a, b, c, d, m.e, m.f),
                    "fontname": font,
                }
            )
        return out
    finally:
        tp.close()


def compose(inner: Matrix, outer: Matrix) -> Matrix:
    """The matrix applying ``inner`` first, then ``outer`` (PDF row-vector convention)."""
    a, b, c, d, e, f = inner
    A, B, C, D, E, F = outer
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def object_matrix(obj: Any) -> Matrix:
    """A page object's own matrix."""
    import pypdfium2.raw as R

    m = R.FS_MATRIX()
    if not R.FPDFPageObj_GetMatrix(obj, m):
        return IDENTITY
    return (m.a, m.b, m.c, m.d, m.e, m.f)


def colour(obj: Any, stroke: bool) -> tuple[float, float, float] | None:
    """The object's stroke or fill colour as RGB in [0, 1] (None when PDFium reports none)."""
    import pypdfium2.raw as R

    r, g, b, a = (ctypes.c_uint() for _ in range(4))
    get = R.FPDFPageObj_GetStrokeColor if stroke else R.FPDFPageObj_GetFillColor
    if not get(obj, r, g, b, a):
        return None
    return (r.value / 255.0, g.value / 255.0, b.value / 255.0)


Point = tuple[float, float]


def subpaths(obj: Any, matrix: Matrix) -> list[tuple[str, list[Point]]]:
    """The path's subpaths as (pdfminer shape, end points in PDF space); 'h' closes a subpath."""
    import pypdfium2.raw as R

    a, b, c, d, e, f = matrix
    x, y = ctypes.c_float(), ctypes.c_float()
    out: list[tuple[str, list[Point]]] = []
    shape: list[str] = []
    pts: list[Point] = []
    bezier = 0
    for k in range(R.FPDFPath_CountSegments(obj)):
        seg = R.FPDFPath_GetPathSegment(obj, k)
        kind = R.FPDFPathSegment_GetType(seg)
        R.FPDFPathSegment_GetPoint(seg, x, y)
        pt = (x.value * a + y.value * c + e, x.value * b + y.value * d + f)
        if kind == R.FPDF_SEGMENT_MOVETO:
            if shape:
                out.append(("".join(shape), pts))
            shape, pts, bezier = ["m"], [pt], 0
        elif kind == R.FPDF_SEGMENT_BEZIERTO:
            bezier += 1
            if bezier % 3 == 0:  # a curve op has two control points and an end point
                shape.append("c")
                pts.append(pt)
        else:
            shape.append("l")
            pts.append(pt)
        if shape and R.FPDFPathSegment_GetClose(seg):
            shape.append("h")
            pts.append(pts[0])
    if shape:
        out.append(("".join(shape), pts))
    return out


def classify(shape: str, pts: list[Point], base: Obj, height: float) -> tuple[str, Obj] | None:
    """One subpath as pdfminer would type it: ("line"|"rect"|"curve", pdfplumber-like dict)."""
    if not shape.startswith("m"):
        return None
    pts = list(pts)
    if len(shape) > 3 and shape.endswith("lh") and pts[-2] == pts[0]:
        shape = shape[:-2] + "h"
        pts.pop()
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    box = {"x0": min(xs), "x1": max(xs), "top": height - max(ys), "bottom": height - min(ys)}
    if shape in ("mlh", "ml"):
        (x0, y0), (x1, y1) = pts[0], pts[1]
        box = {"x0": min(x0, x1), "x1": max(x0, x1), "top": height - max(y0, y1), "bottom": height - min(y0, y1)}
        return "line", {**base, **box}
    if shape in ("mlllh", "mllll") and len(pts) == 5:
        (x0, y0), (x1, y1), (x2, y2), (x3, y3), _ = pts
        square = (x0 == x1 and y1 == y2 and x2 == x3 and y3 == y0) or (y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0)
        if pts[0] == pts[4] and square:
            return "rect", {**base, **box}
    return "curve", {**base, **box, "pts": [(px, height - py) for px, py in pts]}


def clip_box(obj: Any, height: float) -> Box | None:
    """The bounding box (x0, top, x1, bottom, top-left origin) of a page-level object's clip path.

    Chromium draws a table cell cut by a page break whole and clips it to the page's content area;
    what lies outside the clip is not on the page. None when the object has no clip path.
    """
    import pypdfium2.raw as R

    clip = R.FPDFPageObj_GetClipPath(obj)
    if not clip:
        return None
    xs: list[float] = []
    ys: list[float] = []
    x, y = ctypes.c_float(), ctypes.c_float()
    for i in range(R.FPDFClipPath_CountPaths(clip)):
        for j in range(R.FPDFClipPath_CountPathSegments(clip, i)):
            seg = R.FPDFClipPath_GetPathSegment(clip, i, j)
            if seg and R.FPDFPathSegment_GetPoint(seg, x, y):
                xs.append(x.value)
                ys.append(y.value)
    if not xs:
        return None
    return (min(xs), height - max(ys), max(xs), height - min(ys))


def path_base(obj: Any) -> Obj:
    """Paint attributes of a path object: fill, stroke and their colours."""
    import pypdfium2.raw as R

    mode, stroke = ctypes.c_int(), ctypes.c_int()
    if not R.FPDFPath_GetDrawMode(obj, mode, stroke):
        return {"fill": False, "stroke": False}
    return {
        "fill": mode.value != 0,
        "stroke": bool(stroke.value),
        "stroking_color": colour(obj, stroke=True),
        "non_stroking_color": colour(obj, stroke=False),
    }


def walk(objs: Iterator[Any], matrix: Matrix, height: float, out: PagePaths, depth: int) -> None:
    """Path pieces and images of page objects (form XObjects entered with their matrix)."""
    import pypdfium2.raw as R

    for obj in objs:
        kind = R.FPDFPageObj_GetType(obj)
        if kind == R.FPDF_PAGEOBJ_IMAGE:
            out.has_images = True
        elif kind == R.FPDF_PAGEOBJ_PATH:
            base = path_base(obj)
            if not (base["fill"] or base["stroke"]):
                continue
            if depth == 0:  # (inside a form XObject the clip's space is not the page's)
                clip = clip_box(obj, height)
                if clip is not None:
                    base["clip"] = clip
            for shape, pts in subpaths(obj, compose(object_matrix(obj), matrix)):
                typed = classify(shape, pts, base, height)
                if typed is not None:
                    {"line": out.lines, "rect": out.rects, "curve": out.curves}[typed[0]].append(typed[1])
        elif kind == R.FPDF_PAGEOBJ_FORM and depth < MAX_FORM_DEPTH:
            inner = (R.FPDFFormObj_GetObject(obj, k) for k in range(R.FPDFFormObj_CountObjects(obj)))
            walk(inner, compose(object_matrix(obj), matrix), height, out, depth + 1)


def page_paths(page: Any, height: float) -> PagePaths:
    """Every filled or stroked path piece on the page, and whether it draws an image."""
    import pypdfium2.raw as R

    raw = page.raw
    out = PagePaths([], [], [], False)
    walk((R.FPDFPage_GetObject(raw, k) for k in range(R.FPDFPage_CountObjects(raw))), IDENTITY, height, out, 0)
    return out
