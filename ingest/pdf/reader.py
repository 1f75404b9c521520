"""Born-digital PDF adapter: table grids from ruling lines, text from the text layer.

Two readers give each page's chars and vector paths in the same shapes: PDFium
(:mod:`ingest.pdf.pdfium`, the default engine "pdfium", C and about 3x faster) and pdfplumber
(pdfminer, engine "pdfplumber", the reference, and the fallback for documents with a rotated page or
a page box off the origin). Per page: ruling segments (stroked lines, thin filled rectangles, stroked rectangle edges) are
snapped and joined into networks; each network becomes a grid whose merged cells are recovered from
the borders that are missing (:mod:`ingest.pdf.geometry`). Every char is placed in the cell holding
its centre; the rest become text lines, merged into paragraphs by indentation and line length
(:mod:`ingest.pdf.chars`). Pages without a text layer go to the scan adapter; cells whose text layer
is unusable ((cid:N) codes, private-use glyphs) are read by OCR when the options allow it.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ingest.errors import ReportError
from ingest.grid import Block, Cell, Document, PageInfo, PageRaster, Paragraph, Table
from ingest.limits import check_pages
from ingest.options import Options
from ingest.pdf import pdfium as pdfium_reader
from ingest.pdf.bands import band_table, rule_bands
from ingest.pdf.chars import Line, cell_text, is_unusable, text_lines
from ingest.pdf.geometry import Grid, GridsFor, PageSource, find_grids, page_segments
from ingest.textrules import is_page_number as is_page_number_text

EOF_TAIL = 4096  # the %%EOF marker must stand within this many bytes of the end
FOOTER_ZONE = 0.88  # lines below this share of the page height may be page numbers
HEADER_ZONE = 0.06  # lines above this share of the page height may be page numbers
DEDUPE_TOL = 1.0  # the same glyph drawn twice this close (fake bold) counts once
INDENT = 0.8  # a line starting this many font sizes right of the margin is indented
SHORT = 4.0  # a line ending this many font sizes left of the right margin ends its paragraph
LEADING = 1.2  # a vertical gap above this many font sizes separates paragraphs
CENTRED = 1.0  # a line whose middle is this many font sizes from the text block's middle is centred
SIZE_STEP = 1.0  # lines whose font sizes differ by more than this (points) are in different paragraphs


@dataclass
class PageRead:
    """What one page holds: its size, table grids with their cell text, and the loose text lines."""

    info: PageInfo
    tables: list[Table] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    has_text: bool = True
    has_images: bool = False
    unusable_cells: list[Cell] = field(default_factory=list)
    raster: PageRaster | None = None  # the page in grayscale, kept for overlays (Options.page_images)
    # Tables ruled with horizontal lines only, with their text as lines (see use_bands).
    bands: list[tuple[Table, list[Line]]] = field(default_factory=list)


def check_complete(data: bytes) -> None:
    """Raise corrupt for a file that is not a whole PDF (no header, or cut before its %%EOF)."""
    if not data:
        raise ReportError("empty", "the file is empty")
    if b"%PDF-" not in data[:1024]:
        raise ReportError("corrupt", "no PDF header")
    if b"%%EOF" not in data[-EOF_TAIL:]:
        raise ReportError("corrupt", "truncated PDF: no end-of-file marker")


def unwrap(e: BaseException) -> BaseException:
    """The pdfminer exception inside pdfplumber's wrapper."""
    inner = e.args[0] if e.args and isinstance(e.args[0], BaseException) else None
    return inner if inner is not None else e


def classify_open_error(e: BaseException) -> ReportError:
    """The ReportError for an exception raised while opening or parsing a PDF."""
    inner = unwrap(e)
    name = type(inner).__name__
    if "Password" in name or "Encrypt" in name:
        return ReportError("encrypted", "the PDF needs a password")
    return ReportError("corrupt", f"unreadable PDF ({name}: {inner})"[:300])


@contextmanager
def open_pdf(data: bytes) -> Iterator[Any]:
    """The pdfplumber document for the bytes (empty user password tried); bad files raise ReportError."""
    import pdfplumber

    try:
        pdf = pdfplumber.open(io.BytesIO(data), password="")
    except Exception as e:  # pdfminer raises many types for damaged files
        raise classify_open_error(e) from None
    try:
        yield pdf
    finally:
        pdf.close()


def dedupe(chars: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Chars with overprinted duplicates (fake bold: same glyph drawn twice, offset) removed."""
    out: list[Mapping[str, Any]] = []
    recent: dict[str, list[Mapping[str, Any]]] = {}
    for ch in sorted(chars, key=lambda c: (round(c["top"]), c["x0"])):
        same = recent.setdefault(ch["text"], [])
        if any(abs(o["x0"] - ch["x0"]) <= DEDUPE_TOL and abs(o["top"] - ch["top"]) <= DEDUPE_TOL for o in same[-4:]):
            continue
        same.append(ch)
        out.append(ch)
    return out


def visible(ch: Mapping[str, Any], width: float, height: float) -> bool:
    """True for a char inside the page that is not blank space."""
    x = (ch["x0"] + ch["x1"]) / 2
    y = (ch["top"] + ch["bottom"]) / 2
    return 0 <= x <= width and 0 <= y <= height and bool(ch["text"].strip())


def grid_table(grid: Grid, cell_chars: Sequence[list[Mapping[str, Any]]], page: int) -> Table:
    """A Table from a geometric grid and the chars that fell in each of its cells."""
    cells = [
        Cell(
            text=cell_text(chars),
            row=g.row,
            col=g.col,
            rowspan=g.rowspan,
            colspan=g.colspan,
            page=page,
            bbox=g.bbox,
            confidence=1.0,
        )
        for g, chars in zip(grid.cells, cell_chars, strict=True)
    ]
    return Table(cells=cells, page=page, bbox=grid.bbox, exact=True, lines=list(grid.lines))


def is_page_number(line: Line, height: float) -> bool:
    """True for a page-number line ("- 3 -", "第 3 页") in the top or bottom margin."""
    in_margin = line.top >= FOOTER_ZONE * height or line.bottom <= HEADER_ZONE * height
    return in_margin and is_page_number_text(line.text)


def read_page(src: PageSource, grids_for: GridsFor) -> PageRead:
    """Grids, cell text and loose text lines of one page."""
    width, height, number = src.width, src.height, src.number
    info = PageInfo(number=number, width=width, height=height)
    chars = dedupe([c for c in src.chars if visible(c, width, height)])
    grids = grids_for(src)
    per_cell: list[list[list[Mapping[str, Any]]]] = [[[] for _ in g.cells] for g in grids]
    loose: list[Mapping[str, Any]] = []
    for ch in chars:
        x, y = (ch["x0"] + ch["x1"]) / 2, (ch["top"] + ch["bottom"]) / 2
        for gi, g in enumerate(grids):
            k = g.locate(x, y)
            if k is not None:
                per_cell[gi][k].append(ch)
                break
        else:
            loose.append(ch)
    tables = [grid_table(g, per_cell[gi], number) for gi, g in enumerate(grids)]
    bands: list[tuple[Table, list[Line]]] = []
    for band in rule_bands(src.segments, grids, width):
        inside = [
            c
            for c in loose
            if band[0] <= (c["x0"] + c["x1"]) / 2 <= band[2] and band[1] <= (c["top"] + c["bottom"]) / 2 <= band[3]
        ]
        table = band_table(inside, band, number)
        if table is not None:
            bands.append((table, text_lines(inside)))
            taken = {id(c) for c in inside}
            loose = [c for c in loose if id(c) not in taken]
    lines = [ln for ln in text_lines(loose) if not is_page_number(ln, height)]
    unusable = [c for t in tables for c in t.cells if is_unusable(c.text)]
    return PageRead(info, tables, lines, bool(chars), src.has_images, unusable, bands=bands)


def use_bands(pages: Sequence[PageRead]) -> None:
    """Tables ruled with horizontal lines only are read as tables in a document without ruled grids; in a
    document whose tables are ruled, their text stays text (a 三线表 of other figures beside them)."""
    ruled = any(p.tables for p in pages)
    for p in pages:
        for table, lines in p.bands:
            if ruled:
                p.lines.extend(lines)
            else:
                p.tables.append(table)
        p.lines.sort(key=lambda ln: (ln.top, ln.x0))
        p.tables.sort(key=lambda t: t.bbox[1] if t.bbox else 0.0)
        p.bands = []


def ruling_grids(src: PageSource) -> list[Grid]:
    """The table grids of a page from its ruling lines (the native engine)."""
    return find_grids(src.segments)


def margins(lines: Sequence[Line]) -> tuple[float, float]:
    """The body text's left margin (most common line start) and right margin (typical line end)."""
    horizontal = [ln for ln in lines if not ln.vertical]
    if not horizontal:
        return 0.0, 0.0
    left = Counter(round(ln.x0) for ln in horizontal).most_common(1)[0][0]
    ends = sorted(ln.x1 for ln in horizontal)
    right = ends[int(0.9 * (len(ends) - 1))]
    return float(left), right


def continues(prev: Line, cur: Line, same_page: bool, left: float, right: float) -> bool:
    """True when cur carries on the paragraph that prev belongs to."""
    if prev.vertical or cur.vertical:
        return False
    size = max(prev.size, cur.size, 1.0)
    if abs(prev.size - cur.size) > SIZE_STEP:
        return False
    if prev.x1 < right - SHORT * size:  # the previous line stopped short: its paragraph ended
        return False
    if same_page and cur.top - prev.bottom > LEADING * size:
        return False
    if cur.x0 <= left + INDENT * size:  # not indented: the paragraph goes on
        return True
    # A centred title wrapped onto a second, shorter centred line in the same font.
    centre = (left + right) / 2
    return cur.font == prev.font and abs((cur.x0 + cur.x1) / 2 - centre) <= CENTRED * size


def join_lines(a: str, b: str) -> str:
    """Two lines of one paragraph joined: a space only between two Latin words."""
    if a and b and a[-1].isascii() and a[-1].isalpha() and b[0].isascii() and b[0].isalpha():
        return a + " " + b
    return a + b


def assemble(pages: Sequence[PageRead]) -> list[Block]:
    """Tables and paragraphs of all pages in reading order (page, then top to bottom)."""
    left, right = margins([ln for p in pages for ln in p.lines])
    blocks: list[Block] = []
    prev: Line | None = None
    prev_page = 0
    current: Paragraph | None = None
    for p in pages:
        items: list[tuple[float, int, Table | Line]] = [(t.bbox[1] if t.bbox else 0.0, 0, t) for t in p.tables]
        items += [(ln.top, 1, ln) for ln in p.lines]
        items.sort(key=lambda it: (it[0], it[1]))
        for _, _, item in items:
            if isinstance(item, Table):
                blocks.append(item)
                prev, current = None, None
                continue
            if (
                prev is not None
                and current is not None
                and continues(prev, item, prev_page == p.info.number, left, right)
            ):
                current.text = join_lines(current.text, item.text)
                if current.page == p.info.number and current.bbox is not None:
                    b = current.bbox
                    current.bbox = (min(b[0], item.x0), b[1], max(b[2], item.x1), item.bottom)
            else:
                current = Paragraph(item.text, p.info.number, (item.x0, item.top, item.x1, item.bottom))
                blocks.append(current)
            prev, prev_page = item, p.info.number
    return blocks


def read_scanned(path: str, data: bytes, options: Options, pages: list[int] | None) -> Document:
    """Image-only pages read by the scan adapter (raises unsupported when it is missing)."""
    try:
        from ingest.scan.reader import read_pdf
    except ImportError:
        raise ReportError("unsupported", "image-only PDF: the scan path is not available") from None
    return read_pdf(path, data, options, pages=pages)


def cell_reader() -> Callable[..., list[Any]] | None:
    """The scan adapter's OCR of cell boxes, or None while it is not available."""
    try:
        from ingest.scan.reader import ocr_cells
    except ImportError:
        return None
    return ocr_cells


def render_page(data: bytes, number: int, dpi: int) -> Any:
    """Page ``number`` (1-based) rendered at dpi as an RGB numpy array."""
    import numpy as np

    with pdfium_reader.open_document(data) as pdf:
        image = pdf[number - 1].render(scale=dpi / 72.0).to_pil().convert("RGB")
        return np.asarray(image)


def ocr_unusable_cells(data: bytes, pages: Sequence[PageRead], options: Options, doc: Document) -> None:
    """Cells whose text layer is unusable: read by OCR when allowed, else kept at confidence 0."""
    bad = [p for p in pages if p.unusable_cells]
    if not bad:
        return
    ocr_cells = cell_reader() if options.ocr != "never" else None
    for p in bad:
        if ocr_cells is None:
            for c in p.unusable_cells:
                c.confidence = 0.0
            why = "OCR is off" if options.ocr == "never" else "no OCR engine is available"
            doc.warnings.append(
                f"page {p.info.number}: {len(p.unusable_cells)} cell(s) have an unusable text layer and {why}"
            )
            continue
        scale = options.dpi / 72.0
        image = render_page(data, p.info.number, options.dpi)
        boxes = [tuple(v * scale for v in c.bbox) if c.bbox else (0.0, 0.0, 0.0, 0.0) for c in p.unusable_cells]
        results = ocr_cells(image, boxes, options)
        for c, (text, conf, alts) in zip(p.unusable_cells, results, strict=True):
            c.text, c.confidence, c.alternatives = text, float(conf), list(alts)
        p.info.ocr = True
        doc.ocr = True
        doc.ocr_engine = options.ocr_engine


def merge_scanned(doc: Document, scanned: Document) -> None:
    """Blocks and page facts of OCR-read pages spliced into the born-digital document by page."""
    ocr_pages = {p.number for p in scanned.pages}
    doc.pages = sorted([p for p in doc.pages if p.number not in ocr_pages] + scanned.pages, key=lambda p: p.number)
    doc.blocks = sorted(doc.blocks + scanned.blocks, key=lambda b: b.page or 0)
    doc.warnings += scanned.warnings
    doc.ocr = doc.ocr or scanned.ocr
    doc.ocr_engine = doc.ocr_engine or scanned.ocr_engine


def plumber_source(page: Any, number: int) -> PageSource:
    """A pdfplumber page as a PageSource (pdfminer parses the page once, on first access)."""
    width, height = float(page.width), float(page.height)
    segments = page_segments(page.lines, page.rects, page.curves)
    return PageSource(number, width, height, list(page.chars), segments, bool(page.images))


def plumber_pages(data: bytes, options: Options, grids_for: GridsFor) -> list[PageRead]:
    """Every page read through pdfplumber (pdfminer): the reference reader, pure Python."""
    with open_pdf(data) as pdf:
        try:
            n = len(pdf.pages)
        except Exception as e:
            raise classify_open_error(e) from None
        check_pages(n, options.max_pages)
        out = []
        for i, page in enumerate(pdf.pages, start=1):
            try:
                out.append(read_page(plumber_source(page, i), grids_for))
            except ReportError:
                raise
            except Exception as e:  # pdfminer errors on a damaged content stream
                if type(unwrap(e)).__module__.startswith(("pdfminer", "pdfplumber")):
                    raise classify_open_error(e) from None
                raise
            page.close()
        return out


class NotPlain(Exception):
    """A page whose geometry the PDFium reader does not map (rotated, or boxes off the origin)."""


def pdfium_source(page: Any, number: int) -> PageSource:
    """A PDFium page as a PageSource (chars, path pieces and images read in C)."""
    if not pdfium_reader.plain_geometry(page):
        raise NotPlain(number)
    width, height = pdfium_reader.page_size(page)
    paths = pdfium_reader.page_paths(page, height)
    segments = page_segments(paths.lines, paths.rects, paths.curves)
    chars: list[Mapping[str, Any]] = list(pdfium_reader.page_chars(page, height))
    return PageSource(number, width, height, chars, segments, paths.has_images)


def wants_raster(read: PageRead, options: Options) -> bool:
    """Whether to keep this page's grayscale render: asked for, it holds a table and its text was read."""
    return options.page_images and bool(read.tables) and read.has_text


def page_raster(page: Any, read: PageRead, options: Options) -> PageRaster | None:
    """The band of the open page holding its tables, in grayscale at ``options.page_image_dpi``.

    None above the pixel limit or when no cell has a box.
    """
    scale = options.page_image_dpi / 72.0
    width, height = pdfium_reader.page_size(page)
    boxes = [c.bbox for t in read.tables for c in t.cells if c.bbox is not None]
    if not boxes or width * scale * height * scale > options.max_pixels:
        return None
    first, end = pdfium_reader.band_rows(min(b[1] for b in boxes), max(b[3] for b in boxes), height, scale)
    return PageRaster(pdfium_reader.render_band(page, scale, first, end), scale, first)


def pdfium_pages(data: bytes, options: Options, grids_for: GridsFor) -> list[PageRead]:
    """Every page read through PDFium; a document with a rotated or offset page goes to pdfplumber.

    With ``options.page_images`` the band of each page holding its tables is also rendered while it is open.
    """
    import pypdfium2 as pdfium

    with pdfium_reader.open_document(data) as pdf:
        n = len(pdf)
        check_pages(n, options.max_pages)
        out = []
        for i in range(n):
            try:
                page = pdf[i]
            except pdfium.PdfiumError as e:
                raise ReportError("corrupt", f"unreadable PDF page {i + 1} ({e})"[:300]) from None
            try:
                read = read_page(pdfium_source(page, i + 1), grids_for)
                if wants_raster(read, options):
                    read.raster = page_raster(page, read, options)
                out.append(read)
            except NotPlain:
                return plumber_pages(data, options, grids_for)
            finally:
                page.close()
        return out


READERS: dict[str, Callable[[bytes, Options, GridsFor], list[PageRead]]] = {
    "pdfium": pdfium_pages,
    "pdfplumber": plumber_pages,
}


def read_with(path: str, data: bytes, options: Options, grids_for: GridsFor, reader: str = "pdfium") -> Document:
    """The Document of a born-digital PDF, pages read by ``reader``, grids found by ``grids_for``."""
    options = options.validated()
    check_complete(data)
    pages = READERS[reader](data, options, grids_for)
    use_bands(pages)
    textless = [p.info.number for p in pages if not p.has_text and p.has_images]
    if textless and not any(p.has_text for p in pages):
        if options.ocr == "never":
            raise ReportError("unreadable", "image-only PDF and OCR is off (--ocr never)")
        return read_scanned(path, data, options, None)
    doc = Document(path=path, format="pdf", blocks=assemble([p for p in pages if p.has_text]))
    doc.pages = [p.info for p in pages]
    doc.page_images = {p.info.number: p.raster for p in pages if p.raster is not None and p.has_text}
    ocr_unusable_cells(data, pages, options, doc)
    if textless and options.ocr != "never":
        merge_scanned(doc, read_scanned(path, data, options, textless))
    elif textless:
        doc.warnings.append(f"pages {textless} have no text layer and OCR is off")
    return doc


def read(path: str, data: bytes, options: Options) -> Document:
    """Read a born-digital PDF into a Document (engine chosen by ``options.pdf_engine``)."""
    if options.pdf_engine == "camelot":
        from ingest.pdf.camelot_grids import camelot_grids

        return read_with(path, data, options, camelot_grids(data))
    reader = "pdfplumber" if options.pdf_engine == "pdfplumber" else "pdfium"
    return read_with(path, data, options, ruling_grids, reader)
