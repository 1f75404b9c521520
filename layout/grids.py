"""Grid operations: expand spans to a dense matrix, drop empty rows, stitch tables across page breaks."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

from ingest.grid import Block, Cell, Document, Paragraph, Table
from ingest.textrules import is_none_mark, is_numeric_text, is_page_number

# Two column edges of table parts within this many points are one edge.
ALIGN_POINTS = 4.0

# Page number -> page units per point (PageInfo.unit_scale); a page not in it is in points.
Scales = Mapping[int, float]


def unit_scales(doc: Document) -> dict[int, float]:
    """Each page's units per point, as its adapter recorded them."""
    return {p.number: p.unit_scale for p in doc.pages if p.unit_scale > 0}


def in_points(c: Cell, x: float, scales: Scales | None) -> float:
    """A coordinate of cell c (in its page's units) in points."""
    return x / (scales or {}).get(c.page if c.page is not None else -1, 1.0)


def consistent(table: Table) -> bool:
    """No grid position is covered by two cells, and every span is at least 1."""
    seen: set[tuple[int, int]] = set()
    for c in table.cells:
        if c.rowspan < 1 or c.colspan < 1 or c.row < 0 or c.col < 0:
            return False
        for r in range(c.row, c.row + c.rowspan):
            for k in range(c.col, c.col + c.colspan):
                if (r, k) in seen:
                    return False
                seen.add((r, k))
    return True


def dense(table: Table) -> list[list[Cell | None]]:
    """The table as a full matrix: every grid position holds the cell that covers it (or None)."""
    grid: list[list[Cell | None]] = [[None] * table.n_cols for _ in range(table.n_rows)]
    for c in table.cells:
        for r in range(c.row, c.row + c.rowspan):
            for k in range(c.col, c.col + c.colspan):
                if grid[r][k] is None:
                    grid[r][k] = c
    return grid


def has_value(cells: list[Cell]) -> bool:
    """True when some cell of the row holds a number or a blank marker (`-`, `/`): a row of values."""
    return any(is_numeric_text(c.text) for c in cells)


def has_number(cells: list[Cell]) -> bool:
    """True when some cell of the row holds a number."""
    return any(any(ch.isdigit() for ch in c.text) and is_numeric_text(c.text) for c in cells)


def drop_empty_rows(table: Table) -> Table:
    """Remove rows no cell of which holds text (renumbering the rest)."""
    rows = table.rows()
    keep = [i for i, r in enumerate(rows) if any(c.text.strip() for c in r)]
    # A row that only starts spanning cells (all empty) but is covered by others is kept if spans need it.
    if len(keep) == len(rows):
        return table
    spanned = {r for c in table.cells if c.rowspan > 1 for r in range(c.row, c.row + c.rowspan)}
    keep_set = set(keep) | (spanned & set(range(len(rows))))
    new_index = {old: new for new, old in enumerate(sorted(keep_set))}
    cells = []
    for c in table.cells:
        if c.row not in new_index:
            continue
        last = max(r for r in range(c.row, c.row + c.rowspan) if r in new_index or r == c.row)
        span = sum(1 for r in range(c.row, last + 1) if r in new_index)
        cells.append(replace(c, row=new_index[c.row], rowspan=max(1, span)))
    seams = [(p, new_index.get(r, r)) for p, r in table.seams]
    return replace(table, cells=cells, seams=seams)


def is_furniture(p: Paragraph) -> bool:
    """A page number or running header line between two parts of a table."""
    return is_page_number(p.text.strip())


def _label_of(cells: list[Cell]) -> bool:
    return any(c.text.strip() and not is_numeric_text(c.text) for c in cells)


def _compatible(a: Table, b: Table, scales: Scales | None = None) -> bool:
    """Two tables are parts of one if they have the same width, or b's columns fall on a's column edges."""
    if a.n_cols == b.n_cols:
        return True
    if not (a.exact and b.exact):
        return abs(a.n_cols - b.n_cols) <= 2
    return align_columns(a, b, scales=scales) is not None


def column_edges(table: Table, scales: Scales | None = None) -> list[float] | None:
    """The x of each column's left edge and of the table's right edge (points), from the cells' boxes."""
    n = table.n_cols
    lefts: list[list[float]] = [[] for _ in range(n + 1)]
    for c in table.cells:
        if c.bbox is None:
            return None
        lefts[c.col].append(in_points(c, c.bbox[0], scales))
        lefts[c.col + c.colspan].append(in_points(c, c.bbox[2], scales))
    if any(not xs for xs in lefts):
        return None
    return [sorted(xs)[len(xs) // 2] for xs in lefts]


def _reindex(t: Table, edges: list[float], tolerance: float, scales: Scales | None = None) -> Table | None:
    """t's cells placed on the given column edges (points), or None when a cell edge falls on none of them."""

    def nearest(x: float) -> int | None:
        k = min(range(len(edges)), key=lambda i: abs(edges[i] - x))
        return k if abs(edges[k] - x) <= tolerance else None

    cells = []
    for c in t.cells:
        if c.bbox is None:
            return None
        lo, hi = nearest(in_points(c, c.bbox[0], scales)), nearest(in_points(c, c.bbox[2], scales))
        if lo is None or hi is None or hi <= lo:
            return None
        cells.append(replace(c, col=lo, colspan=hi - lo))
    return replace(t, cells=cells)


def align_columns(
    a: Table, b: Table, tolerance: float = ALIGN_POINTS, scales: Scales | None = None
) -> tuple[Table, Table] | None:
    """a and b re-indexed onto the union of their column edges, when they share their outer edges
    (``tolerance`` in points; ``scales`` turns each page's units into points)."""
    ea, eb = column_edges(a, scales), column_edges(b, scales)
    if ea is None or eb is None or not a.cells or not b.cells:
        return None
    if abs(ea[0] - eb[0]) > tolerance or abs(ea[-1] - eb[-1]) > tolerance:
        return None
    union: list[float] = []
    for x in sorted(ea + eb):
        if not union or x - union[-1] > tolerance:
            union.append(x)
    ra, rb = _reindex(a, union, tolerance, scales), _reindex(b, union, tolerance, scales)
    if ra is None or rb is None or not consistent(ra) or not consistent(rb):
        return None
    return ra, rb


def append_table(a: Table, b: Table) -> Table:
    """Table b's rows appended under a's, the seam recorded."""
    off = a.n_rows
    cells = a.cells + [replace(c, row=c.row + off) for c in b.cells]
    seams = a.seams + [(b.page if b.page is not None else -1, off)] + [(p, r + off) for p, r in b.seams]
    return replace(a, cells=cells, seams=seams, lines=a.lines + b.lines, exact=a.exact and b.exact)


def stitch(blocks: list[Block], scales: Scales | None = None) -> list[Block]:
    """Join consecutive table parts (only page furniture between them) into one table (``scales``:
    each page's units per point, see :func:`unit_scales`)."""
    out: list[Block] = []
    pending: list[Paragraph] = []
    for b in blocks:
        if isinstance(b, Paragraph):
            if out and isinstance(out[-1], Table) and is_furniture(b):
                pending.append(b)
                continue
            out.extend(pending)
            pending = []
            out.append(b)
            continue
        prev = out[-1] if out else None
        if isinstance(prev, Table) and _compatible(prev, b, scales) and _continues(prev, b):
            if prev.n_cols != b.n_cols and prev.exact and b.exact:
                prev, b = align_columns(prev, b, scales=scales) or (prev, b)
            out[-1] = append_table(prev, _drop_repeated_header(prev, b))
            pending = []  # page furniture between the parts is dropped
        else:
            out.extend(pending)
            pending = []
            out.append(b)
    out.extend(pending)
    return out


def _continues(a: Table, b: Table) -> bool:
    """b continues a: it sits on a later page (or the dump has no pages) and is not a new titled table."""
    if a.page is not None and b.page is not None and b.page <= a.page and a.exact:
        return False
    return True


def _norm_row(cells: list[Cell]) -> tuple[str, ...]:
    return tuple(re.sub(r"\s+", "", c.text) for c in cells)


# How many rows (a title row, a caption printed as a row) may stand above the header a part repeats.
HEADER_OFFSET = 3


def _drop_repeated_header(a: Table, b: Table) -> Table:
    """Drop b's leading rows that repeat a's first rows (a header printed again on the next page),
    the title rows above a's header not repeated."""
    ra, rb = a.rows(), b.rows()
    first = _norm_row(rb[0]) if rb else None
    j = next((j for j in range(min(HEADER_OFFSET + 1, len(ra))) if _norm_row(ra[j]) == first), 0)
    k = 0
    while (
        k < len(rb)
        and j + k < len(ra)
        and _label_of(rb[k])
        and not has_number(rb[k])
        and _norm_row(rb[k]) == _norm_row(ra[j + k])
    ):
        k += 1
    if k == 0:
        return b
    cells = [replace(c, row=c.row - k) for c in b.cells if c.row >= k]
    return replace(b, cells=cells)


def join_cut_rows(table: Table) -> Table:
    """At each seam, join a row cut by the page break (`3. 要求提供公开出版` / `物`) into one row."""
    if not table.seams:
        return table
    rows = table.rows()
    merges: list[tuple[int, int]] = []
    for _, r in table.seams:
        if r <= 0 or r >= len(rows):
            continue
        above, below = rows[r - 1], rows[r]
        if not above or not below:
            continue
        if _is_title_row(below, table.n_cols):
            continue
        if has_value(above) and not has_value(below) and _label_of(below) and not _starts_item(below):
            # the fragment's labels stand in the label columns of the row above
            if max(_label_cols(below)) <= _first_value_col(above):
                merges.append((r - 1, r))
        elif has_value(below) and not has_value(above) and _label_of(above) and not _starts_item(below):
            # the cut row's first part follows a row of values and holds labels only left of the values
            if r >= 2 and has_value(rows[r - 2]) and max(_label_cols(above)) < _first_value_col(below):
                merges.append((r - 1, r))
        elif has_value(above) and has_value(below) and _label_of(below) and not _starts_item(below):
            # the values themselves were split between the two parts: each column holds a value on one side only
            cols_above = {c.col for c in above if has_value([c])}
            cols_below = {c.col for c in below if has_value([c])}
            if not cols_above & cols_below and max(_label_cols(below)) < min(cols_above | cols_below):
                merges.append((r - 1, r))
    for upper, lower in reversed(merges):
        table = _merge_rows(table, upper, lower)
    return table


def _label_cols(cells: list[Cell]) -> list[int]:
    return [c.col for c in cells if c.text.strip() and not is_numeric_text(c.text)] or [0]


def _first_value_col(cells: list[Cell]) -> int:
    return min((c.col for c in cells if has_value([c])), default=0)


def _is_title_row(cells: list[Cell], width: int) -> bool:
    """A row whose only text is one cell across the whole table: a title of the next part, not a fragment."""
    texts = [c for c in cells if c.text.strip()]
    return len(texts) == 1 and texts[0].colspan >= width > 1


_ITEM = re.compile(r"^\s*(?:[（(]?\s*[一二三四五六七八九十\d]+\s*[)）、.．]|第[一二三四五六七八九十百\d]+条)")


def _starts_item(cells: list[Cell]) -> bool:
    """A label of the row starts a numbered item (`（五）`, `3.`, `四、`): a new row, not a continuation
    (the rest of a cut group label, `）不予处理`, may stand before it)."""
    return any(c.text.strip() and not is_numeric_text(c.text) and _ITEM.match(c.text) for c in cells)


def _merge_plan(table: Table, upper: int, lower: int) -> list[tuple[Cell, Cell | None]] | None:
    """For each text cell of row `lower`: the cell of row `upper` it joins (None: it moves up into an
    empty position). None when some text has nowhere to go without overwriting a number."""
    grid = dense(table)
    above = grid[upper]
    plan: list[tuple[Cell, Cell | None]] = []
    for c in table.cells:
        if c.row != lower or not c.text.strip():
            continue
        target = above[c.col] if c.col < len(above) else None
        if target is not None and has_number([target]) and not has_number([c]):
            labels = [
                a for a in reversed(above[: c.col + 1]) if a is not None and a.text.strip() and not has_number([a])
            ]
            if not labels:
                return None
            target = labels[0]
        if target is None and any(above[k] is not None for k in range(c.col, min(c.col + c.colspan, len(above)))):
            return None
        if target is not None and has_number([c]) and has_number([target]):
            return None
        plan.append((c, target))
    return plan


def _merge_rows(table: Table, upper: int, lower: int) -> Table:
    """Merge row `lower` into row `upper`: texts appended column by column, the lower row removed."""
    plan = _merge_plan(table, upper, lower)
    if plan is None:
        return table
    moved: list[Cell] = []
    texts: dict[int, str] = {}  # id of a cell of row `upper` -> its joined text
    for c, target in plan:
        if target is None:
            moved.append(replace(c, row=upper, rowspan=1))
            continue
        before = texts.get(id(target), target.text)
        texts[id(target)] = before + c.text if before.strip() and not has_number([c]) else (before or c.text)
    out: list[Cell] = []
    for c in table.cells:
        if c.row == lower:
            continue
        if id(c) in texts:
            c = replace(c, text=texts[id(c)])
        if c.row > lower:
            c = replace(c, row=c.row - 1)
        elif c.row < lower < c.row + c.rowspan:
            c = replace(c, rowspan=c.rowspan - 1)
        out.append(c)
    seams = [(p, r if r <= upper else r - 1) for p, r in table.seams]
    return replace(table, cells=out + moved, seams=seams)


def _label_end(row: list[Cell]) -> int:
    """Index just past the row's last label cell (0 when it has none)."""
    return max((i + 1 for i, c in enumerate(row) if c.text.strip() and not is_numeric_text(c.text)), default=0)


def _label_text(rows: list[list[Cell]]) -> str:
    """The label cells of rows, joined in reading order."""
    return "".join(c.text for r in rows for c in r[: _label_end(r)] if c.text.strip())


def _wrapped_item(rows: list[list[Cell]]) -> bool:
    """Lines that read as the start of one numbered item's label wrapped over them: the first starts an
    item (`3.补正后申`), and not an article reference (`第二十条第（六）项`, a table's caption)."""
    first = next((c.text for c in rows[0] if c.text.strip()), "")
    return _starts_item(rows[0]) and not first.lstrip().startswith("第")


def _has_values(cells: list[Cell]) -> bool:
    """True when some cell of the row holds a number, or a dash or slash printed for none."""
    return has_number(cells) or any(is_none_mark(c.text) for c in cells)


def _own_values_follow(rows: list[list[Cell]], i: int) -> bool:
    """True when the numbers of row i's label come after it: the next row (past lone characters of a label
    printed one character per line) holds numbers and starts no item of its own."""
    for row in rows[i + 1 :]:
        texts = [c.text.strip() for c in row if c.text.strip()]
        if len(texts) == 1 and len(texts[0]) == 1 and not _has_values(row):
            continue
        return _has_values(row) and not _starts_item(row)
    return False


def join_value_rows(table: Table) -> Table:
    """In a ragged dump, a label wrapped over several lines becomes one row with its numbers, wherever
    its numbers were printed: on a line of their own below it (`（二）部分公开（…` / `计其他情形）` /
    `9 0 0 0 0 0 9`) or beside its middle line (`3.补正后申` / `请内容仍不  1 / 1` / `明确`, a label
    centred on its cell). A line continues a numbered item's label when it does not start an item itself
    and holds nothing but that text."""
    if table.exact:
        return table
    rows = table.rows()
    out: list[list[Cell]] = []
    pending: list[list[Cell]] = []  # label-only rows waiting for their numbers
    tail_ok = False  # the last row of out is a numbered item whose label may go on below its numbers
    orphan = False  # the last row of out is a row of numbers that no label above claimed
    for i, row in enumerate(rows):
        labelled, numbered = _label_of(row), _has_values(row)
        if labelled and not numbered:
            texts = [c for c in row if c.text.strip()]
            if tail_ok and not pending and len(texts) == 1 and not _starts_item(row):
                head = out[-1][0]
                out[-1][0] = replace(head, text=head.text + texts[0].text)
                continue
            if orphan and not pending and _starts_item(row) and not _own_values_follow(rows, i):
                # numbers printed a line above their label (text extraction sorts a row's words by
                # their tops, and a label centred lower than its numbers comes second)
                out[-1] = [Cell(_label_text([row]), 0, 0, page=row[0].page), *out[-1]]
                orphan, tail_ok = False, True
                continue
            orphan = tail_ok = False
            if pending and _starts_item(row):
                out.extend(pending)
                pending = []
            pending.append(row)
            continue
        if pending and numbered and (not labelled or _wrapped_item(pending) and not _starts_item(row)):
            end = _label_end(row)
            out.append([Cell(_label_text([*pending, row]), 0, 0, page=pending[0][0].page), *row[end:]])
            tail_ok = _wrapped_item(pending)
            pending = []
            continue
        orphan = not pending and numbered and not labelled
        out.extend(pending)
        pending = []
        out.append(row)
        tail_ok = labelled and numbered and _starts_item(row)
    out.extend(pending)
    if len(out) == len(rows):
        return table
    cells = [replace(c, row=r, col=k) for r, row in enumerate(out) for k, c in enumerate(row)]
    return replace(table, cells=cells, seams=[])
