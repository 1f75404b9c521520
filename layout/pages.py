"""Geometry-based page-break repair: parts of one table on consecutive pages put on shared columns.

A table cut by a page break is read as one grid per page, and each page's grid only has the column
lines drawn on that page: a part whose label cells all span the three label columns (or the review
table's top header row alone) has fewer columns than the other part. Before the parts are stitched,
every part of such a chain is re-indexed onto the union of the chain's column edges (from the cells'
boxes), so equal x positions get equal column numbers. Only tables with geometry are touched.
"""

from __future__ import annotations

from dataclasses import replace

from ingest.grid import Block, Document, Paragraph, Table
from layout.grids import is_furniture

EDGE_TOL = 3.0  # cell edges this close (points or pixels) are one column edge
EXTENT_TOL = 4.0  # parts whose left and right edges agree within this are one table's parts


def has_geometry(t: Table) -> bool:
    """True when the table and every cell have a bounding box."""
    return t.bbox is not None and bool(t.cells) and all(c.bbox is not None for c in t.cells)


def same_extent(a: Table, b: Table) -> bool:
    """True when two tables span the same horizontal extent."""
    assert a.bbox is not None and b.bbox is not None
    return abs(a.bbox[0] - b.bbox[0]) <= EXTENT_TOL and abs(a.bbox[2] - b.bbox[2]) <= EXTENT_TOL


def continues_on_next_page(a: Table, b: Table) -> bool:
    """True when b looks like the next page's part of a (consecutive pages, same extent)."""
    if a.page is None or b.page is None or b.page != a.page + 1:
        return False
    return has_geometry(a) and has_geometry(b) and same_extent(a, b)


def chains(blocks: list[Block]) -> list[list[int]]:
    """Indices of table parts that follow each other over page breaks (only furniture between)."""
    out: list[list[int]] = []
    last: int | None = None
    for i, b in enumerate(blocks):
        if isinstance(b, Paragraph):
            if not is_furniture(b):
                last = None
            continue
        if last is not None and continues_on_next_page(blocks[last], b):  # type: ignore[arg-type]
            if out and out[-1][-1] == last:
                out[-1].append(i)
            else:
                out.append([last, i])
        last = i
    return out


def column_edges(parts: list[Table]) -> list[float]:
    """The union of the parts' cell edges, clustered within EDGE_TOL."""
    xs = sorted(x for t in parts for c in t.cells if c.bbox is not None for x in (c.bbox[0], c.bbox[2]))
    groups: list[list[float]] = []
    for x in xs:
        if groups and x - groups[-1][-1] <= EDGE_TOL:
            groups[-1].append(x)
        else:
            groups.append([x])
    return [sum(g) / len(g) for g in groups]


def reindex(t: Table, edges: list[float]) -> Table:
    """The table with each cell's column and colspan taken from the nearest shared edges."""

    def nearest(x: float) -> int:
        return min(range(len(edges)), key=lambda k: abs(edges[k] - x))

    cells = []
    for c in t.cells:
        assert c.bbox is not None
        lo, hi = nearest(c.bbox[0]), nearest(c.bbox[2])
        cells.append(replace(c, col=lo, colspan=max(hi - lo, 1)))
    return replace(t, cells=cells)


def align_page_parts(doc: Document) -> Document:
    """Put the parts of tables cut by page breaks on one shared set of columns."""
    blocks = list(doc.blocks)
    for chain in chains(blocks):
        parts = [blocks[i] for i in chain]
        tables = [p for p in parts if isinstance(p, Table)]
        if len({t.n_cols for t in tables}) == 1:
            continue
        edges = column_edges(tables)
        for i, t in zip(chain, tables, strict=True):
            blocks[i] = reindex(t, edges)
    return replace(doc, blocks=blocks)
