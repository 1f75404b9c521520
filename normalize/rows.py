"""Rows of a table as (label cells, value cells): the form the template is matched against."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from ingest.grid import Cell, Table
from layout.grids import dense
from normalize.numbers import looks_numeric
from normalize.text import strip_numbering


@dataclass
class Row:
    """One printed row: its label cells (left) and its value cells (right of the last label)."""

    labels: list[Cell]
    values: list[Cell | None]
    table: int
    index: int
    cells: list[Cell | None] = field(default_factory=list)

    @property
    def leaf(self) -> str:
        """The innermost label (rightmost label cell), without item numbers."""
        return strip_numbering(self.labels[-1].text) if self.labels else ""

    @property
    def full(self) -> str:
        """Every label of the row joined, without item numbers."""
        return strip_numbering("".join(c.text for c in self.labels))

    def numbers(self) -> int:
        """How many value cells hold a number."""
        return sum(1 for c in self.values if c is not None and c.text.strip() and any(ch.isdigit() for ch in c.text))


def is_label(c: Cell | None) -> bool:
    """A cell with text that is not a number or a blank marker."""
    return c is not None and bool(c.text.strip()) and not looks_numeric(c.text)


_CJK = re.compile(r"[\u3400-\u9fff]")


def _label_end(line: list[Cell | None]) -> int:
    """Index of the row's last label cell before its first number (-1: none). Labels of this template
    are Chinese: text without a CJK character next to the numbers (`l?`) is a value that could not be
    read, and so is text after the first number."""
    first_number = next(
        (
            k
            for k, c in enumerate(line)
            if c is not None and c.text.strip() and not is_label(c) and any(ch.isdigit() for ch in c.text)
        ),
        len(line),
    )
    labels = [k for k in range(first_number) if is_label(line[k]) and _CJK.search(line[k].text)]  # type: ignore[union-attr]
    return labels[-1] if labels else -1


def _unique(cells: list[Cell | None]) -> list[Cell]:
    out: list[Cell] = []
    for c in cells:
        if c is not None and (not out or out[-1] is not c) and c not in out:
            out.append(c)
    return out


# An item number starting a label (`1.`, `2、`, `（三）`): where one merged cell's items begin.
_ITEM = re.compile(
    r"(?:[（(][一二三四五六七八九十]+[)）]|(?<![\d.．])[1-9][.．、](?!\d)|(?:^|(?<=\s))[一二三四五六七八九十][、.．])"
)


def label_items(text: str) -> list[str]:
    """A label cell's text cut at its item numbers (`1.本机关不掌握… 2.没有现成…` -> two items); one
    item when the text does not start with an item number."""
    t = text.strip()
    starts = [m.start() for m in _ITEM.finditer(t)]
    if not starts or starts[0] != 0:
        return [t]
    return [t[a:b].strip() for a, b in zip(starts, [*starts[1:], len(t)], strict=True)]


def _own_parts(matrix: list[list[Cell | None]]) -> dict[tuple[int, int], Cell]:
    """Label cells merged down over rows whose printed items are one per row (a ruling between two
    label cells lost: `1.本机关不掌握…` and `2.没有现成…` read as one cell over both rows): each row's
    own item, as a cell of its own, by (row, cell id)."""
    out: dict[tuple[int, int], Cell] = {}
    seen: set[int] = set()
    for line in matrix:
        for c in line:
            if c is None or c.rowspan < 2 or id(c) in seen or not is_label(c):
                continue
            seen.add(id(c))
            items = label_items(c.text)
            if len(items) != c.rowspan or not all(_CJK.search(t) for t in items):
                continue
            for j, t in enumerate(items):
                out[(c.row + j, id(c))] = replace(c, text=t, row=c.row + j, rowspan=1)
    return out


def table_rows(table: Table, t_index: int) -> list[Row]:
    """Split every row of a table into labels and values (spans expanded for exact grids)."""
    rows: list[Row] = []
    if table.exact:
        matrix = dense(table)
        parts = _own_parts(matrix)
        for r, line in enumerate(matrix):
            last = _label_end(line)
            labels = _unique([parts.get((r, id(c)), c) for c in line[: last + 1] if is_label(c)])
            values: list[Cell | None] = []
            for k in range(last + 1, len(line)):
                c = line[k]
                if c is None or c.row < r:  # nothing printed here, or a cell merged down from above
                    values.append(None)
                elif c.col == k:
                    values.append(c)
                # else: a value cell merged across columns counts once
            rows.append(Row(labels, values, t_index, r, list(line)))
    else:
        for r, ragged in enumerate(table.rows()):
            last = _label_end(list(ragged))
            tail: list[Cell | None] = list(ragged[last + 1 :])
            rows.append(Row([c for c in ragged[: last + 1] if is_label(c)], tail, t_index, r, list(ragged)))
    return rows


def fit(values: list[Cell | None], n: int) -> list[Cell | None]:
    """Trim a row's value cells towards n: trailing blanks first, then leading blanks."""
    v = list(values)
    while len(v) > n and (v[-1] is None or not v[-1].text.strip()):
        v.pop()
    while len(v) > n and (v[0] is None or not v[0].text.strip()):
        v.pop(0)
    return v


def _blank(c: Cell | None) -> bool:
    """Nothing printed in the cell."""
    return c is None or not c.text.strip()


def fit_is_guess(values: list[Cell | None], n: int) -> bool:
    """Whether trimming a row's value cells to n was a choice between alignments: more than one run
    of n adjacent cells leaves only blanks out (`[_, _, 0, 0, _]` to 3 cells), so which column a
    value lands in is a guess."""
    if len(values) <= n:
        return False
    starts = [
        s
        for s in range(len(values) - n + 1)
        if all(_blank(c) for c in values[:s]) and all(_blank(c) for c in values[s + n :])
    ]
    if len(starts) <= 1:
        return False
    windows = {tuple(not _blank(c) for c in values[s : s + n]) for s in starts}
    return len(windows) > 1
