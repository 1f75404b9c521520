"""Camelot lattice as the alternative grid engine of the PDF adapter (``--pdf-engine camelot``).

Camelot 2 renders each page with pypdfium2 (its default "pdfium" backend, no Ghostscript needed),
finds the ruling lines with OpenCV (unioned with the vector lines), and returns each table as a
matrix of cells with a flag per drawn edge. Spans are recovered from the missing edges with the same
union-and-box step as the native engine; cell text (PDFium reader), paragraphs, errors and OCR routing
are those of :mod:`ingest.pdf.reader` (only the grids differ): :func:`ingest.pdf.read` asks
:func:`camelot_grids` for them.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

from ingest.errors import ReportError
from ingest.pdf.geometry import Grid, GridsFor, PageSource, Seg, drop_unused_lines, rectangles, seg_line
from ingest.ruled import GridCell
from ingest.units import join_units

CAMELOT_SETTINGS: dict[str, Any] = {"flavor": "lattice", "line_scale": 40, "backend": "pdfium"}


def camelot_tables(data: bytes) -> list[Any]:
    """Every lattice table camelot finds in the PDF (all pages)."""
    import camelot

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return list(camelot.read_pdf(data, pages="all", suppress_stdout=True, **CAMELOT_SETTINGS))
    except Exception as e:  # camelot wraps rendering and parsing failures in many types
        raise ReportError("conversion_failed", f"camelot failed: {type(e).__name__}: {e}"[:300]) from None


def unit_groups_from_flags(cells: Sequence[Sequence[Any]]) -> dict[tuple[int, int], int]:
    """Camelot's cell matrix joined wherever an edge is not drawn; returns unit -> group id."""
    return join_units(
        len(cells),
        len(cells[0]) if cells else 0,
        lambda i, j: not (cells[i][j].right or cells[i][j + 1].left),
        lambda i, j: not (cells[i][j].bottom or cells[i + 1][j].top),
    )


def edge_segments(cells: Sequence[Sequence[Any]], height: float) -> list[Seg]:
    """The drawn cell edges as ruling segments (top-left origin), for overlays."""
    out: list[Seg] = []
    for row in cells:
        for c in row:
            top, bottom = height - c.y2, height - c.y1
            if c.top:
                out.append(Seg(True, top, c.x1, c.x2))
            if c.bottom:
                out.append(Seg(True, bottom, c.x1, c.x2))
            if c.left:
                out.append(Seg(False, c.x1, top, bottom))
            if c.right:
                out.append(Seg(False, c.x2, top, bottom))
    return out


def grid_from_camelot(table: Any, height: float) -> Grid | None:
    """A :class:`Grid` (top-left origin) from one camelot table, spans recovered from missing edges."""
    cells = table.cells
    if not cells or not cells[0]:
        return None
    xs = [float(c[0]) for c in table.cols] + [float(table.cols[-1][1])]
    ys = [height - float(r[0]) for r in table.rows] + [height - float(table.rows[-1][1])]
    rects = rectangles(unit_groups_from_flags(cells))
    xs, ys, rects = drop_unused_lines(xs, ys, rects)
    if len(rects) < 2:
        return None
    rects.sort()
    grid_cells = [GridCell(r0, c0, r1 - r0, c1 - c0, (xs[c0], ys[r0], xs[c1], ys[r1])) for r0, c0, r1, c1 in rects]
    return Grid(xs, ys, grid_cells, [seg_line(s) for s in edge_segments(cells, height)])


def camelot_grids(data: bytes) -> GridsFor:
    """A grids_for(page) function serving camelot's grids (camelot runs once, on first use)."""
    by_page: dict[int, list[Any]] | None = None

    def grids_for(page: PageSource) -> list[Grid]:
        nonlocal by_page
        if by_page is None:
            by_page = {}
            for t in camelot_tables(data):
                by_page.setdefault(int(t.page), []).append(t)
        height = float(page.height)
        grids = [g for t in by_page.get(page.number, []) if (g := grid_from_camelot(t, height))]
        grids.sort(key=lambda g: (g.ys[0], g.xs[0]))
        return grids

    return grids_for
