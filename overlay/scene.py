"""What goes on each page's overlay: its cells' marks, its tables' ruling lines, and stitching seams."""

from __future__ import annotations

from dataclasses import dataclass, field

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


def inside(line: BBox, box: BBox, slack: float = LINE_SLACK) -> bool:
    """Whether a line's middle lies within a box grown by ``slack``."""
    mx, my = (line[0] + line[2]) / 2, (line[1] + line[3]) / 2
    return box[0] - slack <= mx <= box[2] + slack and box[1] - slack <= my <= box[3] + slack


def on_edge(line: BBox, box: BBox, slack: float = LINE_SLACK) -> bool:
    """Whether a ruling line runs along one of a cell's edges."""
    x0, y0, x1, y1 = line
    if abs(y1 - y0) <= abs(x1 - x0):  # horizontal
        near = min(abs(y0 - box[1]), abs(y0 - box[3])) <= slack
        return near and min(x1, box[2]) - max(x0, box[0]) > 0
    near = min(abs(x0 - box[0]), abs(x0 - box[2])) <= slack
    return near and min(y1, box[3]) - max(y0, box[1]) > 0


def lines_by_page(t: Table, extent: dict[int, BBox], boxes: dict[int, list[BBox]]) -> dict[int, list[BBox]]:
    """Give each of a table's ruling lines to the page whose cell edges it runs along (lines carry no page)."""
    out: dict[int, list[BBox]] = {}
    pages = sorted(extent)
    if len(pages) == 1:  # a table on one page: every line is its (no need to score cell edges)
        return {pages[0]: list(t.lines)} if t.lines else {}
    for ln in t.lines:
        scores = {p: sum(on_edge(ln, b) for b in boxes.get(p, [])) for p in pages if inside(ln, extent[p])}
        if not scores and len(pages) == 1:
            scores = {pages[0]: 0}
        if scores:
            page = max(scores, key=lambda p: (scores[p], -p))
            out.setdefault(page, []).append(ln)
    return out


def cell_boxes(ti: int, geometry: Geometry) -> dict[int, list[BBox]]:
    """A table's cell boxes on each page."""
    out: dict[int, list[BBox]] = {}
    for (t, _, _), (page, bbox) in geometry.items():
        if t == ti:
            out.setdefault(page, []).append(bbox)
    return out


def seams_of(ti: int, t: Table, geometry: Geometry) -> dict[int, list[Seam]]:
    """Seam marks: the top of the first stitched row on its page, the bottom of the part before it."""
    out: dict[int, list[Seam]] = {}
    for page, row in t.seams:
        if row <= 0:
            continue
        here = [b for (tt, r, _), (p, b) in geometry.items() if tt == ti and p == page and r >= row]
        if here:
            top = union(here)
            out.setdefault(page, []).append(
                Seam(top[1], top[0], top[2], f"seam: row {row} continues from the page before", True)
            )
        before = [(p, b) for (tt, r, _), (p, b) in geometry.items() if tt == ti and r < row and p < page]
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
        sc = scenes.setdefault(m.page, PageScene(m.page))
        sc.marks.append(m)
        if m.key[0] not in sc.tables:
            sc.tables.append(m.key[0])
    for ti, t in enumerate(doc.tables):
        boxes = cell_boxes(ti, geometry)
        for page, lns in lines_by_page(t, table_extent(boxes), boxes).items():
            if page in scenes:
                scenes[page].lines.extend(lns)
        for page, seams in seams_of(ti, t, geometry).items():
            if page in scenes:
                scenes[page].seams.extend(seams)
    return scenes
