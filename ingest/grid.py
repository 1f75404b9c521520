"""The page-aware grid model every adapter produces and every later stage consumes.

An adapter turns a file into a :class:`Document`: an ordered list of blocks (paragraphs and
tables) as they stand in the document. A :class:`Table` is a list of :class:`Cell` objects
placed on a row/column grid; a merged cell is one Cell with rowspan/colspan > 1 (the grid
positions it covers hold no other cell). Geometry is optional: ``bbox`` is in the page's own
units with a top-left origin (PDF points, or pixels of a page image), ``None`` where the format
has none (DOCX, HTML, text dumps). Each :class:`PageInfo` says how those units stand on the source page
(``to_source``, a homography) and how many of them make a point (``unit_scale``): see docs/geometry.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

BBox = tuple[float, float, float, float]
# A reading whose confidence is below this is doubtful: flagged, corrected by the checks, shown for review.
DOUBT = 0.9
# A 3x3 projective transform, row-major: (x, y) -> ((h0 x + h1 y + h2) / w, (h3 x + h4 y + h5) / w),
# w = h6 x + h7 y + h8.
Homography = tuple[float, float, float, float, float, float, float, float, float]
IDENTITY: Homography = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0)
# Page units per point when the adapter knows no better: a page image taken as A4 (short side 210 mm).
A4_SHORT_POINTS = 595.28


@dataclass
class Cell:
    """One cell of a table grid, as the source printed it."""

    text: str
    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1
    page: int | None = None
    bbox: BBox | None = None
    confidence: float = 1.0  # below DOUBT the reading is doubtful
    # Alternative readings (OCR second candidates, another engine), best first.
    alternatives: list[tuple[str, float]] = field(default_factory=list)


@dataclass
class Table:
    """A grid of cells; ``page`` is the page its first row stands on (1-based)."""

    cells: list[Cell]
    page: int | None = None
    bbox: BBox | None = None
    # True when the grid comes from real geometry or markup (every grid position accounted for);
    # False for text dumps, whose rows may be ragged.
    exact: bool = True
    # Pages this table was stitched from, and the row index where each stitched part begins.
    seams: list[tuple[int, int]] = field(default_factory=list)
    # Ruling lines seen by the adapter, in page units: (x0, y0, x1, y1), for overlays.
    lines: list[BBox] = field(default_factory=list)

    @property
    def n_rows(self) -> int:
        return max((c.row + c.rowspan for c in self.cells), default=0)

    @property
    def n_cols(self) -> int:
        return max((c.col + c.colspan for c in self.cells), default=0)

    def rows(self) -> list[list[Cell]]:
        """Cells grouped by their top row, each row sorted by column."""
        out: list[list[Cell]] = [[] for _ in range(self.n_rows)]
        for c in self.cells:
            out[c.row].append(c)
        for r in out:
            r.sort(key=lambda c: c.col)
        return out


@dataclass
class Paragraph:
    """A run of text between tables (a heading, a body paragraph, a signature line)."""

    text: str
    page: int | None = None
    bbox: BBox | None = None
    # How sure the reading is: 1.0 for a text layer; an OCR adapter may set its lines' weakest confidence.
    confidence: float = 1.0


Block = Paragraph | Table

Format = Literal["pdf", "docx", "image", "html", "text", "spreadsheet", "ofd"]


@dataclass
class PageInfo:
    """Size of a page in its own units, whether its text came from OCR, and where those units stand on the source."""

    number: int
    width: float
    height: float
    ocr: bool = False
    # Rotation (degrees clockwise) and deskew angle the adapter applied before reading it.
    rotation: int = 0
    skew: float = 0.0
    # From the page's own units (the adapter's working image, where bboxes are measured) to the source
    # page in its units: PDF points of a PDF page, pixels of an image file's frame. Identity when the
    # adapter measured on the source itself (born-digital pages).
    to_source: Homography = IDENTITY
    # Page units per point: 1 for PDF points, dpi / 72 for pixels of a page image.
    unit_scale: float = 1.0


def compose(a: Homography, b: Homography) -> Homography:
    """The transform applying b, then a (the matrix product a b)."""
    return (
        a[0] * b[0] + a[1] * b[3] + a[2] * b[6],
        a[0] * b[1] + a[1] * b[4] + a[2] * b[7],
        a[0] * b[2] + a[1] * b[5] + a[2] * b[8],
        a[3] * b[0] + a[4] * b[3] + a[5] * b[6],
        a[3] * b[1] + a[4] * b[4] + a[5] * b[7],
        a[3] * b[2] + a[4] * b[5] + a[5] * b[8],
        a[6] * b[0] + a[7] * b[3] + a[8] * b[6],
        a[6] * b[1] + a[7] * b[4] + a[8] * b[7],
        a[6] * b[2] + a[7] * b[5] + a[8] * b[8],
    )


def invert(h: Homography) -> Homography:
    """The inverse transform (by the adjugate; a homography is never singular)."""
    a, b, c, d, e, f, g, k, m = h
    co = (e * m - f * k, c * k - b * m, b * f - c * e, f * g - d * m, a * m - c * g, c * d - a * f)
    co2 = (d * k - e * g, b * g - a * k, a * e - b * d)
    det = a * co[0] + b * co[3] + c * co2[0]
    return (
        co[0] / det,
        co[1] / det,
        co[2] / det,
        co[3] / det,
        co[4] / det,
        co[5] / det,
        co2[0] / det,
        co2[1] / det,
        co2[2] / det,
    )


def scaling(sx: float, sy: float | None = None) -> Homography:
    """The transform multiplying x by sx and y by sy (sx when None)."""
    return (sx, 0.0, 0.0, 0.0, sx if sy is None else sy, 0.0, 0.0, 0.0, 1.0)


def as_homography(values: Sequence[float]) -> Homography:
    """Nine numbers (row-major) as a Homography; ValueError for any other count."""
    a, b, c, d, e, f, g, h, k = (float(v) for v in values)
    return (a, b, c, d, e, f, g, h, k)


def translation(dx: float, dy: float) -> Homography:
    """The transform moving every point by (dx, dy)."""
    return (1.0, 0.0, dx, 0.0, 1.0, dy, 0.0, 0.0, 1.0)


def map_point(h: Homography, x: float, y: float) -> tuple[float, float]:
    """Where the point (x, y) goes under h."""
    w = h[6] * x + h[7] * y + h[8]
    return (h[0] * x + h[1] * y + h[2]) / w, (h[3] * x + h[4] * y + h[5]) / w


def is_identity(h: Homography, eps: float = 1e-9) -> bool:
    """Whether h leaves every point where it is."""
    return all(abs(u - v) <= eps for u, v in zip(h, IDENTITY, strict=True))


def in_units(points: float, info: PageInfo | None) -> float:
    """A length given in points, in the page's own units (points when the page is unknown)."""
    return points * (info.unit_scale if info is not None and info.unit_scale > 0 else 1.0)


@dataclass
class PageRaster:
    """A page the adapter rendered in grayscale for overlays: pixels per page unit, and the rows it drew.

    ``pixels`` (numpy uint8, (rows, page width)) are the page's pixel rows from ``top`` on: the band
    holding its tables; the rest of the page is left white.
    """

    pixels: Any
    scale: float
    top: int = 0


@dataclass
class Document:
    """What an adapter read from one file: blocks in document order, plus facts about the file."""

    path: str
    format: Format
    blocks: list[Block] = field(default_factory=list)
    pages: list[PageInfo] = field(default_factory=list)
    ocr: bool = False
    ocr_engine: str | None = None
    # SHA-256 of the file's bytes, set by ingest.load from the bytes it read.
    sha256: str | None = None
    warnings: list[str] = field(default_factory=list)
    # Facts outside the report body (e.g. a web page's 发布日期), keyed by name.
    meta: dict[str, str] = field(default_factory=dict)
    # Grayscale renders of the pages that hold a table (page number -> raster), kept only when
    # Options.page_images asks for them, so overlays need not reopen the file.
    page_images: dict[int, PageRaster] = field(default_factory=dict)
    # Facts added to the report's ``source`` (e.g. the attachment a web page's tables were read from).
    source: dict[str, Any] = field(default_factory=dict)

    @property
    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]

    @property
    def paragraphs(self) -> list[Paragraph]:
        return [b for b in self.blocks if isinstance(b, Paragraph)]
