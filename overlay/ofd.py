"""Page images of an OFD file for overlays: its rulings and text drawn at the overlay's scale.

No OFD renderer is packaged here, so the pages are drawn from what the OFD adapter reads
(:func:`ingest.ofd.page_sources`: ruling segments and chars in points): every ruling as a line, every
char in its box in Noto CJK (turned chars turned too). Cells then stand where the adapter
put them (``bbox`` in points), as on a PDF page.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw

from ingest.ofd import page_sources
from ingest.options import Options
from ingest.pdf.geometry import PageSource
from overlay.marks import Geometry
from overlay.render import PageImage, Rendered, font, held, table_pages

INK = 0  # gray of the drawn rulings and text


def draw_source(src: PageSource, scale: float) -> np.ndarray:
    """One page as a grayscale image at ``scale`` pixels per point: rulings and chars."""
    width, height = math.ceil(src.width * scale), math.ceil(src.height * scale)
    img = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(img)
    for s in src.segments:
        ends = [(s.a0, s.pos), (s.a1, s.pos)] if s.horizontal else [(s.pos, s.a0), (s.pos, s.a1)]
        draw.line([(x * scale, y * scale) for x, y in ends], fill=INK, width=max(1, round(scale * 0.5)))
    for ch in src.chars:
        text = str(ch["text"])
        if not text.strip():
            continue
        size = max(4, round(float(ch["size"]) * scale * 0.9))
        at = (round(float(ch["x0"]) * scale), round(float(ch["top"]) * scale))
        if ch.get("upright", True):
            draw.text(at, text, fill=INK, font=font(size))
        else:
            img.paste(INK, at, turned_glyph(text, size, float(ch["matrix"][1]) > 0))
    return np.asarray(img)


def turned_glyph(text: str, size: int, upward: bool) -> Image.Image:
    """A glyph's mask turned as the page turns it: a quarter turn left when it reads upward, else right."""
    mask = Image.new("L", (size + 2, size + 2), 0)
    ImageDraw.Draw(mask).text((1, 1), text, fill=255, font=font(size))
    return mask.rotate(90 if upward else -90)


def render_ofd(path: str, geo: Geometry, dpi: int) -> Rendered:
    """The OFD's pages that hold a table, drawn from the file at ``dpi``."""
    wanted = table_pages(geo)
    with open(path, "rb") as f:
        data = f.read()
    scale = dpi / 72.0
    pages: dict[int, PageImage] = {}
    for src in page_sources(data, Options()):
        if src.number in wanted:
            pages[src.number] = held(src.number, draw_source(src, scale), scale, scale)
    return Rendered(pages, geo)
