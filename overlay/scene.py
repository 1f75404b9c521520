"""What goes on each page's overlay: its cells' marks, its tables' ruling lines, and stitching seams."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ingest.grid import BBox, Document, Table
from overlay.marks import Geometry, Mark

# A ruling line belongs to a page when it lies within this many page units of the table's cells there.
LINE_SLACK = 6.0


@dataclass
class Seam:
    """Where a stitched table breaks: a horizontal line at ``y`` from ``x0`` to ``x1`` (page units)."""

    y: float
    x0: float
    x1: float
    label: str
    above: bool  # label above the line (the top of a continued part) or below it (the bottom of a part)


@dataclass
class PageScene:
    """Everything drawn on one page, in page units."""

    number: int
    marks: list[Mark] = field(default_factory=list)
    lines: list[BBox] = field(default_factory=list)
    seams: list[Seam] = field(default_factory=list)
    tables: list[int] = field(default_factory=list)  # indexes into doc.tables


def union(boxes: list[BBox]) -> BBox:
    """The smallest box holding every box."""
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def table_extent(boxes: dict[int, list[BBox]]) -> dict[int, BBox]:
    """For each page a table stands on, the union of its cell boxes there."""
    return {p: union(bs) for p, bs in boxes.items()}


def edge_hits(lines: np.ndarray, boxes: np.ndarray, slack: float = LINE_SLACK) -> np.ndarray:
    """For each ruling line (rows of x0, y0, x1, y1), how many boxes have an edge it runs along."""
    return along_edges(lines, boxes, slack).sum(axis=1)


def along_edges(lines: np.ndarray, boxes: np.ndarray, slack: float = LINE_SLACK) -> np.ndarray:
    """Whether each ruling line (rows) runs along an edge of each box (columns).

    A horizontal line runs along a box's top or bottom when it lies within ``slack`` of it and overlaps
    the box's columns; a vertical line likewise along its left or right side.
    """
    out = np.zeros((len(lines), len(boxes)), dtype=bool)
    b0, b1, b2, b3 = (boxes[:, k] for k in range(4))
    horizontal = np.abs(lines[:, 3] - lines[:, 1]) <= np.abs(lines[:, 2] - lines[:, 0])
    h, v = lines[horizontal], lines[~horizontal]  # each scored against the edges it can run along
    x0, y, x1 = h[:, 0:1], h[:, 1:2], h[:, 2:3]
    out[horizontal] = (np.minimum(np.abs(y - b1), np.abs(y - b3)) <= slack) & (np.minimum(x1, b2) > np.maximum(x0, b0))
    x, y0, y1 = v[:, 0:1], v[:, 1:2], v[:, 3:4]
    out[~horizontal] = (np.minimum(np.abs(x - b0), np.abs(x - b2)) <= slack) & (np.minimum(y1, b3) > np.maximum(y0, b1))
    return out


def within(lines: np.ndarray, box: BBox, slack: float = LINE_SLACK) -> np.ndarray:
    """For each ruling line, whether its middle lies within ``box`` grown by ``slack``."""
    mx, my = (lines[:, 0] + lines[:, 2]) / 2, (lines[:, 1] + lines[:, 3]) / 2
    return (box[0] - slack <= mx) & (mx <= box[2] + slack) & (box[1] - slack <= my) & (my <= box[3] + slack)


def lines_by_page(t: Table, extent: dict[int, BBox], boxes: dict[int, list[BBox]]) -> dict[int, list[BBox]]:
    """Give each of a table's ruling lines to the page whose cell edges it runs along most (lines carry no page).

    Only pages whose cells' extent holds the line's middle compete; a tie goes to the earlier page.
    """
    pages = sorted(extent)
    if len(pages) == 1:  # a table on one page: every line is its (no need to score cell edges)
        return {pages[0]: list(t.lines)} if t.lines else {}
    if not t.lines or not pages:
        return {}
    lines = np.asarray(t.lines, dtype=np.float64)
    every = np.asarray([b for p in pages for b in boxes[p]], dtype=np.float64)
    of_page = np.repeat(np.arange(len(pages)), [len(boxes[p]) for p in pages])
    one_hot = (of_page[:, None] == np.arange(len(pages))).astype(np.float32)
    hits = (along_edges(lines, every).astype(np.float32) @ one_hot).round().astype(np.int64)  # lines x pages
    inside = np.stack([within(lines, extent[p]) for p in pages], axis=1)
    score = np.where(inside, hits, -1)
    first_best = score.argmax(axis=1)  # the earlier page on a tie
    out: dict[int, list[BBox]] = {}
    for ln, k, ok in zip(t.lines, first_best.tolist(), (score.max(axis=1) >= 0).tolist(), strict=True):
        if ok:
            out.setdefault(pages[k], []).append(ln)
    return out


def cell_boxes(geometry: Geometry) -> dict[int, dict[int, list[BBox]]]:
    """Each table's cell boxes on each page (table index -> page -> boxes)."""
    out: dict[int, dict[int, list[BBox]]] = {}
    for (t, _, _), (page, bbox) in geometry.items():
        out.setdefault(t, {}).setdefault(page, []).append(bbox)
    return out


PlacedCell = tuple[int, int, BBox]  # (grid row, page, bbox) of one placed cell of a table


def table_cells(geometry: Geometry) -> dict[int, list[PlacedCell]]:
    """Each table's placed cells (table index -> (row, page, bbox) in geometry order)."""
    out: dict[int, list[PlacedCell]] = {}
    for (t, r, _), (page, bbox) in geometry.items():
        out.setdefault(t, []).append((r, page, bbox))
    return out


def seams_of(t: Table, cells: list[PlacedCell]) -> dict[int, list[Seam]]:
    """Seam marks: the top of the first stitched row on its page, the bottom of the part before it."""
    out: dict[int, list[Seam]] = {}
    for page, row in t.seams:
        if row <= 0:
            continue
        here = [b for r, p, b in cells if p == page and r >= row]
        if here:
            top = union(here)
            out.setdefault(page, []).append(
                Seam(top[1], top[0], top[2], f"seam: row {row} continues from the page before", True)
            )
        before = [(p, b) for r, p, b in cells if r < row and p < page]
        if before:
            last = max(p for p, _ in before)
            box = union([b for p, b in before if p == last])
            out.setdefault(last, []).append(
                Seam(box[3], box[0], box[2], f"seam: table continues on page {page}", False)
            )
    return out


def build_scenes(doc: Document, marks: list[Mark], geometry: Geometry) -> dict[int, PageScene]:
    """One scene per page that holds a placed cell."""
    scenes: dict[int, PageScene] = {}
    for m in marks:
        placed = geometry.get(m.key)
        if placed is None:
            continue
        m.page, m.bbox = placed
        sc = scenes.get(m.page)
        if sc is None:
            sc = scenes[m.page] = PageScene(m.page)
        sc.marks.append(m)
        if not sc.tables or sc.tables[-1] != m.key[0]:  # marks come table by table
            if m.key[0] not in sc.tables:
                sc.tables.append(m.key[0])
    by_table = cell_boxes(geometry)
    cells_of = table_cells(geometry) if any(t.seams for t in doc.tables) else {}
    for ti, t in enumerate(doc.tables):
        boxes = by_table.get(ti, {})
        for page, lns in lines_by_page(t, table_extent(boxes), boxes).items():
            if page in scenes:
                scenes[page].lines.extend(lns)
        for page, seams in seams_of(t, cells_of.get(ti, [])).items():
            if page in scenes:
                scenes[page].seams.extend(seams)
    return scenes
