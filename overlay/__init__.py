"""Debug overlays: show a person what the toolkit saw on each page and where each number came from.

:func:`write_overlays` writes one PNG per page that holds a table (cells coloured by state, field labels,
ruling lines, seams, legend) and/or one self-contained HTML review page per document. It accepts
``report=None`` for a document whose normalisation failed: the grids found are still drawn.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from ingest.grid import Document
from overlay.draw import PageStats, draw_page
from overlay.marks import Marked, mark_cells
from overlay.png import encode_png
from overlay.render import DEFAULT_DPI, PageImage, Rendered, render
from overlay.scene import PageScene, build_scenes
from pipeline import output_stem

__all__ = ["write_overlays", "build_overlays", "Overlays", "OverlayPage"]


@dataclass
class OverlayPage:
    """One drawn page: its PNG (page and legend), what was drawn, and the page it was drawn on.

    The PNG shows the page's pixel rows from ``top`` on (the band holding its tables), then the legend:
    a point at page pixel (x, y) is at PNG pixel (x, y - top).
    """

    number: int
    png_bytes: bytes
    width: int
    height: int
    stats: PageStats
    scene: PageScene
    page: PageImage
    top: int = 0

    def png(self) -> bytes:
        """The drawn page as PNG bytes (shared by the PNG file and the HTML page)."""
        return self.png_bytes

    def image(self) -> Image.Image:
        """The drawn page as a PIL image (decoded from the PNG)."""
        return Image.open(io.BytesIO(self.png_bytes))


@dataclass
class Overlays:
    """Every drawn page of a document, the marks behind them, and warnings met on the way."""

    pages: list[OverlayPage]
    marked: Marked
    rendered: Rendered
    warnings: list[str] = field(default_factory=list)

    @property
    def cells_drawn(self) -> int:
        """Cell boxes drawn over all pages."""
        return sum(p.stats.cells for p in self.pages)


def stem(path: str) -> str:
    """`a.scan.pdf` -> `a.scan`: the name the overlay files share with the JSON."""
    return output_stem(path)


def page_title(path: str, doc: Document, number: int, rendered: Rendered, error: str | None) -> str:
    """The first legend line: file, page, how the page was obtained, and a failed conversion's reason."""
    how = {"page": "", "libreoffice": " (as LibreOffice lays it out)", "synthetic": " (synthetic page: table"}
    where = f"page {number}{how[rendered.source]}" + (f" {number} as read)" if rendered.source == "synthetic" else "")
    ocr = " · OCR" if any(p.number == number and p.ocr for p in doc.pages) else ""
    failed = f" · conversion failed: {error}" if error else ""
    return f"{os.path.basename(path)} · {doc.format} · {where}{ocr}{failed}"


def build_overlays(
    path: str, doc: Document, report: dict[str, Any] | None, dpi: int = DEFAULT_DPI, error: str | None = None
) -> Overlays:
    """Render the table pages, match the report to the grid, and draw every page (nothing written)."""
    rendered = render(path, doc, dpi)
    try:
        marked = mark_cells(doc, report, rendered.geometry)
        scenes = build_scenes(doc, marked.marks, rendered.geometry)
        pages: list[OverlayPage] = []
        for n in sorted(scenes):
            if n not in rendered.pages:
                continue
            canvas, stats = draw_page(rendered.pages[n], scenes[n], page_title(path, doc, n, rendered, error))
            png = encode_png(canvas)  # before the next page reuses the canvas
            pages.append(
                OverlayPage(n, png, canvas.width, canvas.height, stats, scenes[n], rendered.pages[n], canvas.top)
            )
    finally:
        rendered.close()
    missing = sorted(set(scenes) - set(rendered.pages))
    warnings = rendered.warnings + marked.warnings
    if missing:
        warnings.append(f"overlay: pages {missing} hold table cells but could not be rendered")
    return Overlays(pages, marked, rendered, warnings)


def write_overlays(
    path: str,
    doc: Document,
    report: dict[str, Any] | None,
    overlay_dir: str | None = None,
    html_dir: str | None = None,
    error: str | None = None,
    dpi: int = DEFAULT_DPI,
    name: str | None = None,
) -> list[str]:
    """Write `<stem>.page<N>.png` per table page into overlay_dir and `<stem>.html` into html_dir; the paths.

    ``name`` replaces the input's stem (a bound volume's reports are drawn as `<stem>.<n>`)."""
    if not overlay_dir and not html_dir:
        return []
    base = name or stem(path)
    ov = build_overlays(path, doc, report, dpi=dpi, error=error)
    written: list[str] = []
    if overlay_dir:
        os.makedirs(overlay_dir, exist_ok=True)
        for p in ov.pages:
            out = os.path.join(overlay_dir, f"{base}.page{p.number}.png")
            with open(out, "wb") as f:
                f.write(p.png())
            written.append(out)
    if html_dir:
        from overlay.html import write_html

        os.makedirs(html_dir, exist_ok=True)
        out = os.path.join(html_dir, f"{base}.html")
        write_html(out, path, doc, report, ov, error=error)
        written.append(out)
    return written
