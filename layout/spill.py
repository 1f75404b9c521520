"""Cell text a page break pushed out under its table.

A browser printing a table cut by a page break (Chromium) can draw the rest of a tall merged cell's text
below the last ruled line of the page's part of the table, as loose lines (``三、本`` in the cell,
``年度办`` and ``理结果`` under it). Such lines lie, one under the other, in the column of one of the
part's bottom cells, right under the table, in the bottom quarter of the page, and the table goes on
on the next page, where the cut cell goes on empty (under any header rows repeated there). They are put
back at the end of that cell's text; anything else between the two parts (a heading, a note wider than
the cell, a next table whose first row has text in that column) leaves the blocks as they were.
"""

from __future__ import annotations

from dataclasses import replace

from ingest.grid import Block, Document, Paragraph, Table
from layout.grids import Scales, _drop_repeated_header, in_points, is_furniture, unit_scales

EDGE = 2.0  # points: a cell ends at the table's bottom, a line lies inside a column, within this
GAP = 1.5  # a spilled line starts at most this many line heights below the table or the line above it
LOW = 0.75  # the spilled lines end below this share of the page height


def _goes_on_empty(table: Table, nxt: Table, x0: float, x1: float, scales: Scales | None = None) -> bool:
    """True when the next part's first row (after a repeated header) is empty between x0 and x1 (points)."""
    rest = _drop_repeated_header(table, nxt)
    if not rest.cells:
        return False
    first = min(c.row for c in rest.cells)
    under = [
        c
        for c in rest.cells
        if c.row == first
        and c.bbox
        and in_points(c, c.bbox[0], scales) < x1 - EDGE
        and in_points(c, c.bbox[2], scales) > x0 + EDGE
    ]
    return bool(under) and all(not c.text.strip() for c in under)


def _put_back(
    table: Table, lines: list[Paragraph], page_height: float | None, nxt: Table, scales: Scales | None = None
) -> Table | None:
    """The table with the lines appended to the bottom cell holding them, or None when they are not spill
    (``scales``: each page's units per point)."""
    if table.bbox is None or not lines:
        return None
    unit = (scales or {}).get(table.page if table.page is not None else -1, 1.0)
    edge = EDGE * unit
    bottom = table.bbox[3]
    foot = [c for c in table.cells if c.bbox is not None and abs(c.bbox[3] - bottom) <= edge]
    above = bottom
    added: dict[int, list[str]] = {}
    for p in lines:
        if p.page != table.page or p.bbox is None:
            return None
        x0, top, x1, low = p.bbox
        height = max(low - top, 1.0)
        if top < above - edge or top - above > GAP * height:
            return None
        k = next(
            (
                i
                for i, c in enumerate(table.cells)
                if c in foot and c.bbox and c.bbox[0] - edge <= x0 and x1 <= c.bbox[2] + edge
            ),
            None,
        )
        if k is None or not _goes_on_empty(table, nxt, *_xs(table.cells[k].bbox, unit), scales):
            return None
        added.setdefault(k, []).append(p.text)
        above = low
    if page_height is not None and above < LOW * page_height:
        return None
    cells = [
        replace(c, text="\n".join([c.text, *added[i]]) if c.text else "\n".join(added[i])) if i in added else c
        for i, c in enumerate(table.cells)
    ]
    return replace(table, cells=cells)


def _xs(bbox: tuple[float, float, float, float] | None, unit: float = 1.0) -> tuple[float, float]:
    """A box's left and right x, divided by unit (page units to points)."""
    return (bbox[0] / unit, bbox[2] / unit) if bbox else (0.0, 0.0)


def take_spilled_text(doc: Document) -> Document:
    """Lines of cell text printed under a table part whose table goes on on the next page, put back."""
    heights = {p.number: p.height for p in doc.pages}
    scales = unit_scales(doc)
    blocks = doc.blocks
    out: list[Block] = []
    i = 0
    while i < len(blocks):
        b = blocks[i]
        out.append(b)
        i += 1
        if not isinstance(b, Table) or b.page is None:
            continue
        j = i
        while j < len(blocks) and isinstance(blocks[j], Paragraph):
            j += 1
        nxt = blocks[j] if j < len(blocks) else None
        if not isinstance(nxt, Table) or nxt.page is None or nxt.page <= b.page:
            continue
        between = [p for p in blocks[i:j] if isinstance(p, Paragraph)]
        lines = [p for p in between if not is_furniture(p)]
        fixed = _put_back(b, lines, heights.get(b.page), nxt, scales)
        if fixed is not None:
            out[-1] = fixed
            out.extend(p for p in between if is_furniture(p))
            i = j
    return replace(doc, blocks=out)
