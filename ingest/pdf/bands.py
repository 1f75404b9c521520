"""Tables ruled with horizontal lines only (三线表: a rule above, one under the header, one below).

No vertical rule means no grid: the table is the band between the outer rules, each text line in it a
row of cells cut where the gap between two chars is wide, read like a space-aligned text dump (ragged
rows, ``Table.exact = False``: a row with fewer values than the table has value columns gets its
blanks where its values' positions say, or keeps its values at a doubtful confidence).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from ingest.grid import Table
from ingest.pdf.chars import char_rows, join_run
from ingest.pdf.geometry import Grid, Seg, merge_segments
from ingest.text import Token, aligned_table

MIN_WIDTH = 0.4  # a band's rules run across at least this share of the page width
SAME_EXTENT = 3.0  # points: rules of one band start and end this close
CELL_GAP = 1.0  # a gap between two chars of a line wider than this many font sizes ends a cell
MIN_RULES = 3  # a band has a rule above, one under its header and one below (a page's header and footer
# rules, two of one extent, are no band)
MIN_VALUE_ROWS = 3  # a band holds at least this many lines with two or more numbers

Char = Mapping[str, Any]
Band = tuple[float, float, float, float]  # x0, top, x1, bottom


def rule_bands(segments: Sequence[Seg], grids: Sequence[Grid], width: float) -> list[Band]:
    """Bands between long horizontal rules of one extent that no vertical rule crosses and no grid holds."""
    segs = merge_segments(segments)
    vertical = [s for s in segs if not s.horizontal]
    rules = [
        s
        for s in segs
        if s.horizontal
        and s.a1 - s.a0 >= MIN_WIDTH * width
        and not any(
            g.xs[0] - 2 <= s.a0 and s.a1 <= g.xs[-1] + 2 and g.ys[0] - 2 <= s.pos <= g.ys[-1] + 2 for g in grids
        )
    ]
    groups: list[list[Seg]] = []
    for s in sorted(rules, key=lambda s: s.pos):
        g = next((g for g in groups if abs(g[0].a0 - s.a0) <= SAME_EXTENT and abs(g[0].a1 - s.a1) <= SAME_EXTENT), None)
        if g is None:
            groups.append([s])
        else:
            g.append(s)
    bands = []
    for g in groups:
        if len(g) < MIN_RULES:
            continue
        x0, x1 = min(s.a0 for s in g), max(s.a1 for s in g)
        top, bottom = g[0].pos, g[-1].pos
        crossed = any(x0 < v.pos < x1 and v.a0 < bottom and v.a1 > top for v in vertical)
        if not crossed and bottom - top > 0:
            bands.append((x0, top, x1, bottom))
    return bands


def _tokens(chars: Sequence[Char], x0: float, em: float) -> list[Token]:
    """A line's cells: runs of chars cut at wide gaps, each with its middle in ems from the band's left."""
    out: list[Token] = []
    run: list[Char] = []
    for ch in sorted(chars, key=lambda c: c["x0"]):
        size = float(ch.get("size") or em)
        if run and ch["x0"] - run[-1]["x1"] > CELL_GAP * size:
            out.append(_token(run, x0, em))
            run = []
        run.append(ch)
    if run:
        out.append(_token(run, x0, em))
    return [t for t in out if t[0]]


def _token(run: Sequence[Char], x0: float, em: float) -> Token:
    text = join_run(run, along_x=True).replace(" ", "")
    return text, ((run[0]["x0"] + run[-1]["x1"]) / 2 - x0) / em


def band_table(chars: Sequence[Char], band: Band, page: int) -> Table | None:
    """The ragged table of the text lines inside a band, or None when it holds too few lines."""
    upright = [c for c in chars if c.get("upright", True)]
    if not upright:
        return None
    sizes = sorted(float(c.get("size") or 10.0) for c in upright)
    em = sizes[len(sizes) // 2] / 2  # half a CJK em: about one character column of a text dump
    rows = [t for t in (_tokens(line, band[0], em) for line in char_rows(upright)) if t]
    if sum(sum(any(ch.isdigit() for ch in text) for text, _ in row) >= 2 for row in rows) < MIN_VALUE_ROWS:
        return None
    table = aligned_table(rows)
    return replace(table, cells=[replace(c, page=page) for c in table.cells], page=page, bbox=band)
