"""A doubtful cell cut out of its original page, enlarged, for the review app.

The original is found beside the output (``--source DIR``: a batch's input folder, or the folder a
`convert` read from) and must have the report's sha256. Images are cut in their own pixels; PDF pages are
rendered (points for a text layer, the OCR resolution for a scan) and cut there.
"""

from __future__ import annotations

import hashlib
import io
import os
import threading
from functools import cache, lru_cache
from typing import Any

CROPPING = threading.Lock()  # one crop at a time: the page images are shared, and decoding one twice is waste
MAX_SIDE = 480  # pixels of the enlarged crop's longer side
PAD = 0.35  # of the cell's height, shown around it


@cache
def file_sha256(path: str, mtime_ns: int) -> str:
    """A file's sha256 (kept per modification time)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def index_key(out_dir: str, rel: str) -> str | None:
    """The input path (relative to the batch's input folder) the index gives for a report JSON."""
    import sqlite3

    from batch.index import INDEX_NAME

    db = os.path.join(out_dir, INDEX_NAME)
    if not os.path.isfile(db):
        return None
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        row = conn.execute("SELECT path FROM files WHERE json_path = ? LIMIT 1", (rel,)).fetchone()
    finally:
        conn.close()
    return str(row[0]) if row else None


def find_source(out_dir: str, rel: str, report: dict[str, Any], source_dir: str | None) -> str | None:
    """The original file of a report, when it is under source_dir with the report's bytes."""
    if not source_dir:
        return None
    src = report.get("source") or {}
    names = [index_key(out_dir, rel), str(src.get("file") or "")]
    for name in (n for n in names if n):
        path = os.path.realpath(os.path.join(source_dir, name))
        if os.path.isfile(path) and file_sha256(path, os.stat(path).st_mtime_ns) == src.get("sha256"):
            return path
    return None


@lru_cache(maxsize=4)
def page_image(
    path: str, mtime_ns: int, fmt: str, page: int, geo: tuple[float, ...] | None, xform: tuple[float, ...] | None = None
) -> Any:
    """The page as a PIL image as the reader saw it (the last few kept: crops come page by page): warped
    through the stored transform ``xform`` (unit scale, then 9 homography terms) when there is one, else
    turned as the stored geometry says."""
    from PIL import Image, ImageOps

    from overlay.render import READ_DPI, orient_stored, warp_stored

    img: Image.Image
    if fmt == "image":
        stored = Image.open(path)
        stored.seek(max(0, page - 1))
        img = (ImageOps.exif_transpose(stored) if page == 1 else stored).convert("L")
    elif fmt == "pdf":
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(path)
        try:
            img = pdf[page - 1].render(scale=READ_DPI / 72).to_pil().convert("L")
        finally:
            pdf.close()
    else:
        return None
    if geo is not None and xform is not None:
        return warp_stored(img, page, geo, xform, fmt == "pdf")
    if geo is not None:
        img = orient_stored(img, page, geo)
    return img


def crop_png(path: str, report: dict[str, Any], cell: dict[str, Any]) -> bytes | None:
    """The cell with a margin, enlarged, as PNG bytes; None when it has no place on a page."""
    bbox, page = cell.get("bbox"), cell.get("page")
    if not bbox or not page:
        return None
    src = report.get("source") or {}
    stored = page_entry(src, "page_geometry", int(page))
    geo = tuple(stored) if isinstance(stored, list) else None
    with CROPPING:
        try:
            xform = stored_transform(src, int(page))
            img = page_image(path, os.stat(path).st_mtime_ns, str(src.get("format")), int(page), geo, xform)
        except (OSError, ValueError, IndexError, EOFError):
            return None
        return None if img is None else cut(img, bbox, geo)


def page_entry(src: dict[str, Any], key: str, page: int) -> Any:
    """The entry of a per-page list of ``source`` (``page_geometry``, ``page_transform``) for a page number: the
    lists hold the report's own pages, which for a bound volume's part begin at ``source.part.first_page``."""
    first = int((src.get("part") or {}).get("first_page") or 1)
    items = src.get(key) or []
    i = page - first
    return items[i] if 0 <= i < len(items) else None


def stored_transform(src: dict[str, Any], page: int) -> tuple[float, ...] | None:
    """A page's stored unit scale and transform to its source (``source.page_transform``), flat; None when absent."""
    t = page_entry(src, "page_transform", page)
    if not isinstance(t, dict) or len(t.get("to_source") or []) != 9 or not t.get("unit_scale"):
        return None
    return (float(t["unit_scale"]), *(float(v) for v in t["to_source"]))


def cut(img: Any, bbox: list[float], geo: tuple[float, ...] | None) -> bytes | None:
    """A cell's box (in the report's units) cut out of its page image with a margin, enlarged, as PNG."""
    from PIL import Image

    w, h = (geo[0], geo[1]) if geo else (img.width, img.height)
    sx, sy = img.width / w, img.height / h
    x0, y0, x1, y1 = (float(bbox[0]) * sx, float(bbox[1]) * sy, float(bbox[2]) * sx, float(bbox[3]) * sy)
    pad = (y1 - y0) * PAD
    box = (max(0, int(x0 - pad)), max(0, int(y0 - pad)), min(img.width, int(x1 + pad)), min(img.height, int(y1 + pad)))
    if box[2] <= box[0] or box[3] <= box[1]:
        return None
    part = img.crop(box)
    k = MAX_SIDE / max(part.width, part.height)
    part = part.resize((max(1, round(part.width * k)), max(1, round(part.height * k))), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    part.save(buf, format="PNG")
    return buf.getvalue()
