"""The page-aware grid model every adapter produces and every later stage consumes.

An adapter turns a file into a :class:`Document`: an ordered list of blocks (paragraphs and
tables) as they stand in the document. A :class:`Table` is a list of :class:`Cell` objects
placed on a row/column grid; a merged cell is one Cell with rowspan/colspan > 1 (the grid
positions it covers hold no other cell). Geometry is optional: ``bbox`` is in the page's own
units with a top-left origin (PDF points, or pixels of a page image), ``None`` where the format
has none (DOCX, HTML, text dumps).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

BBox = tuple[float, float, float, float]
# A reading whose confidence is below this is doubtful: flagged, corrected by the checks, shown for review.
DOUBT = 0.9


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
    """Size of a page in its own units, and whether its text came from OCR."""

    number: int
    width: float
    height: float
    ocr: bool = False
    # Rotation (degrees clockwise) and deskew angle the adapter applied before reading it.
    rotation: int = 0
    skew: float = 0.0


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
