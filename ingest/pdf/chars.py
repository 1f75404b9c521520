"""Text lines from positioned PDF characters: horizontal lines, stacked and rotated vertical text.

Characters are pdfplumber char dicts (``text``, ``x0``, ``x1``, ``top``, ``bottom``, ``size``,
``upright``, ``matrix``). Upright characters are grouped into lines by vertical overlap and read left
to right; a cell printed one character per line (a stacked label) therefore becomes one line per
character, joined later by ``layout``. Rotated characters (``upright`` False) are grouped into
columns and read along their own direction: bottom to top for text turned 90 degrees
counter-clockwise (Word's btLr), top to bottom for text turned clockwise (tbRl).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Char = Mapping[str, Any]

SPACE_GAP = 0.3  # a horizontal gap wider than this share of the font size is a space
LINE_OVERLAP = 0.5  # a char joins a line when it overlaps the line by this share of its height
COLUMN_OVERLAP = 0.5  # a rotated char joins a column when it overlaps the column by this share
_CID = re.compile(r"\(cid:\d+\)")


@dataclass
class Line:
    """One line of text with its box (top-left origin) and font size."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    size: float
    vertical: bool = False
    font: str = ""


def is_unusable(text: str) -> bool:
    """True for text from a broken text layer: (cid:N) codes, private-use glyphs, replacement marks."""
    if _CID.search(text):
        return True
    return any(0xE000 <= ord(ch) <= 0xF8FF or ch == "\ufffd" for ch in text)


def reads_upward(ch: Char) -> bool:
    """True for a rotated char whose baseline runs up the page (btLr)."""
    m = ch.get("matrix") or (1, 0, 0, 1, 0, 0)
    return float(m[1]) > 0


def join_run(chars: Sequence[Char], along_x: bool) -> str:
    """Characters of one line joined in order, with a space where the gap is wide."""
    parts: list[str] = []
    prev_end: float | None = None
    for ch in chars:
        start, end = (ch["x0"], ch["x1"]) if along_x else (ch["top"], ch["bottom"])
        size = float(ch.get("size") or 10.0)
        if prev_end is not None and start - prev_end > SPACE_GAP * size and parts and parts[-1] != " ":
            if ch["text"] != " ":
                parts.append(" ")
        parts.append(ch["text"])
        prev_end = end
    return "".join(parts).strip()


def main_font(chars: Sequence[Char]) -> str:
    """The font most of the chars are set in (subset prefix dropped)."""
    counts = Counter(str(c.get("fontname") or "").split("+")[-1] for c in chars)
    return counts.most_common(1)[0][0] if counts else ""


def char_rows(chars: Sequence[Char]) -> list[list[Char]]:
    """Chars grouped into lines by vertical overlap, top to bottom (each line's chars in no set order)."""
    rows: list[list[Char]] = []
    bounds: list[list[float]] = []
    for ch in sorted(chars, key=lambda c: (c["top"], c["x0"])):
        h = max(ch["bottom"] - ch["top"], 0.1)
        for k in range(len(rows) - 1, max(len(rows) - 4, -1), -1):
            top, bottom = bounds[k]
            if min(bottom, ch["bottom"]) - max(top, ch["top"]) >= LINE_OVERLAP * min(h, bottom - top):
                rows[k].append(ch)
                bounds[k] = [min(top, ch["top"]), max(bottom, ch["bottom"])]
                break
        else:
            rows.append([ch])
            bounds.append([ch["top"], ch["bottom"]])
    return rows


def horizontal_lines(chars: Sequence[Char]) -> list[Line]:
    """Upright chars grouped into lines (by vertical overlap), each read left to right."""
    out = []
    for row in char_rows(chars):
        row.sort(key=lambda c: c["x0"])
        text = join_run(row, along_x=True)
        if text:
            out.append(line_of(row, text, font=main_font(row)))
    out.sort(key=lambda ln: (ln.top, ln.x0))
    return out


def line_of(chars: Sequence[Char], text: str, **kind: Any) -> Line:
    """A line of text with the box and the largest font size of the chars it was read from."""
    return Line(
        text,
        min(c["x0"] for c in chars),
        min(c["top"] for c in chars),
        max(c["x1"] for c in chars),
        max(c["bottom"] for c in chars),
        max(float(c.get("size") or 0) for c in chars),
        **kind,
    )


def rotated_lines(chars: Sequence[Char]) -> list[Line]:
    """Rotated chars grouped into columns, each read along its baseline (up for btLr, down for tbRl)."""
    out: list[Line] = []
    for upward in (True, False):
        group = [c for c in chars if reads_upward(c) == upward]
        cols: list[list[Char]] = []
        bounds: list[list[float]] = []
        for ch in sorted(group, key=lambda c: c["x0"]):
            w = max(ch["x1"] - ch["x0"], 0.1)
            if cols and min(bounds[-1][1], ch["x1"]) - max(bounds[-1][0], ch["x0"]) >= COLUMN_OVERLAP * w:
                cols[-1].append(ch)
                bounds[-1] = [min(bounds[-1][0], ch["x0"]), max(bounds[-1][1], ch["x1"])]
            else:
                cols.append([ch])
                bounds.append([ch["x0"], ch["x1"]])
        # btLr lines follow each other left to right; tbRl lines right to left.
        if not upward:
            cols.reverse()
        for col in cols:
            col.sort(key=lambda c: c["top"], reverse=upward)
            if upward:
                # Reading bottom to top: the gap test runs on the flipped axis.
                flipped = [{**c, "top": -c["bottom"], "bottom": -c["top"]} for c in col]
                text = join_run(flipped, along_x=False)
            else:
                text = join_run(col, along_x=False)
            if text:
                out.append(line_of(col, text, vertical=True))
    return out


def text_lines(chars: Sequence[Char]) -> list[Line]:
    """All lines of a set of chars: horizontal ones top to bottom, then rotated columns."""
    upright = [c for c in chars if c.get("upright", True)]
    rotated = [c for c in chars if not c.get("upright", True)]
    return horizontal_lines(upright) + rotated_lines(rotated)


def cell_text(chars: Sequence[Char]) -> str:
    """The text of a table cell: its lines joined with newlines."""
    return "\n".join(ln.text for ln in text_lines(chars))
