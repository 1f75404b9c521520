"""Draw one page's overlay: cell boxes coloured by state, field labels, ruling lines, seams, a legend."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from ingest.grid import BBox
from overlay.canvas import Canvas, Palette, new_canvas, text_width
from overlay.marks import LOW_CONFIDENCE, STATES, Mark, State
from overlay.render import PageImage
from overlay.scene import PageScene

RGB = tuple[int, int, int]

COLORS: dict[State, RGB] = {
    "fine": (22, 163, 74),  # green
    "low": (234, 140, 0),  # amber
    "failing": (220, 38, 38),  # red
    "corrected": (124, 58, 237),  # violet
    "label": (110, 110, 110),  # grey: a cell that is not a value (row/column labels, headers)
}
STATE_NAMES: dict[State, str] = {
    "fine": "value, fine",
    "low": f"low confidence (< {LOW_CONFIDENCE})",
    "failing": "covered by a failing check",
    "corrected": "corrected by a check",
    "label": "label / other cell",
}
LINE_COLOR: RGB = (37, 99, 235)  # blue: ruling lines the adapter detected
SEAM_COLOR: RGB = (219, 39, 119)  # magenta: where a table was stitched across pages
FILL_ALPHA = 70  # of 255: value cells are tinted with their state colour (label cells get an outline only)
OUTLINE = 2
INSET = 2  # cell outlines are drawn this many pixels inside the cell, so ruling lines stay visible
LABEL_SIZE = 11
MIN_LABEL_SIZE = 9
LEGEND_SIZE = 14
NULL_MARK = "∅"
TAG_INK: RGB = (40, 40, 40)  # row/column tags
TITLE_INK: RGB = (20, 20, 20)
LEGEND_INK: RGB = (30, 30, 30)
NOTE_INK: RGB = (60, 60, 60)
RULE_INK: RGB = (180, 180, 180)  # the line between page and legend


@dataclass
class PageStats:
    """What was drawn on one page (tests compare it with what the adapter found)."""

    page: int
    cells: int = 0
    by_state: dict[str, int] = field(default_factory=dict)
    lines: int = 0
    seams: int = 0
    labels: int = 0

    def as_dict(self) -> dict[str, Any]:
        """The stats as plain data."""
        return {
            "page": self.page,
            "cells": self.cells,
            "by_state": dict(self.by_state),
            "lines": self.lines,
            "seams": self.seams,
            "labels": self.labels,
        }


def blend(color: RGB, alpha: int = FILL_ALPHA, background: RGB = (255, 255, 255)) -> RGB:
    """The colour a tint of ``color`` at ``alpha`` gives over ``background``."""
    a = alpha / 255
    return (
        round(background[0] * (1 - a) + color[0] * a),
        round(background[1] * (1 - a) + color[1] * a),
        round(background[2] * (1 - a) + color[2] * a),
    )


def darker(color: RGB, f: float = 0.55) -> RGB:
    """A darker shade of a colour, for label text."""
    return (round(color[0] * f), round(color[1] * f), round(color[2] * f))


def to_px(b: BBox, page: PageImage) -> tuple[float, float, float, float]:
    """A box in page units as pixels of the page image."""
    return (b[0] * page.sx, b[1] * page.sy, b[2] * page.sx, b[3] * page.sy)


def short_field(name: str) -> str:
    """A field id without its table: ``applications.granted.total`` -> ``granted.total``."""
    parts = name.split(".")
    return ".".join(parts[1:]) if len(parts) > 2 else name


def value_text(v: Any) -> str:
    """A parsed value as shown on a label."""
    return NULL_MARK if v is None else str(v)


def fit(text: str, width: float, size: int) -> str:
    """``text`` cut (with …) so it is at most ``width`` pixels wide at ``size``."""
    if text_width(text, size) <= width:
        return text
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text + "…" if text else ""


@lru_cache(maxsize=4096)
def split_field(name: str) -> tuple[str, str]:
    """``applications.granted.total`` -> (``granted``, ``total``): the row and column parts of a field id."""
    parts = name.split(".")
    if len(parts) >= 3:
        return ".".join(parts[1:-1]), parts[-1]
    return "", parts[-1]


@dataclass
class Tags:
    """Field-id parts shared by every value cell of a grid row or column, drawn once beside the table."""

    rows: dict[tuple[int, int], str] = field(default_factory=dict)  # (table, grid row) -> row part
    cols: dict[tuple[int, int], str] = field(default_factory=dict)  # (table, grid column) -> column part


def shared_parts(marks: list[Mark]) -> Tags:
    """The row part shared by all (>= 2) value cells of a grid row, the column part likewise for columns."""
    rows: dict[tuple[int, int], set[str]] = {}
    cols: dict[tuple[int, int], set[str]] = {}
    n_rows: dict[tuple[int, int], int] = {}
    n_cols: dict[tuple[int, int], int] = {}
    for m in marks:
        if m.field is None:
            continue
        rp, cp = split_field(m.field)
        rk, ck = (m.key[0], m.key[1]), (m.key[0], m.key[2])
        rows.setdefault(rk, set()).add(rp)
        cols.setdefault(ck, set()).add(cp)
        n_rows[rk] = n_rows.get(rk, 0) + 1
        n_cols[ck] = n_cols.get(ck, 0) + 1
    tags = Tags()
    tags.rows = {k: next(iter(v)) for k, v in rows.items() if len(v) == 1 and n_rows[k] >= 2 and next(iter(v))}
    tags.cols = {k: next(iter(v)) for k, v in cols.items() if len(v) == 1 and n_cols[k] >= 2}
    return tags


def label_text(m: Mark, tags: Tags) -> str:
    """A value cell's label: the field-id parts its row/column tags do not already say, and ``=value``."""
    rp, cp = split_field(m.field or "")
    row_said = tags.rows.get((m.key[0], m.key[1])) == rp
    col_said = tags.cols.get((m.key[0], m.key[2])) == cp
    if row_said and col_said:
        name = ""
    elif row_said:
        name = cp
    else:
        name = short_field(m.field or "")
    return f"{name}={value_text(m.value)}"


def label_lines(text: str, width: float) -> tuple[list[str], int]:
    """A label fitted into ``width`` pixels: one line if it fits, else broken at the ``=``/last dot, and its size."""
    for size in (LABEL_SIZE, MIN_LABEL_SIZE):
        if text_width(text, size) <= width:
            return [text], size
    size = MIN_LABEL_SIZE
    name, _, val = text.rpartition("=")
    head, _, tail = name.rpartition(".")
    val = "=" + val
    tail_w = width - text_width(val, size)
    if head:
        return [fit(head + ".", width, size), fit(tail, tail_w, size) + val], size
    return [fit(name, tail_w, size) + val], size


TINTED: tuple[State, ...] = ("fine", "low", "failing", "corrected")
LABEL_INK: dict[State, RGB] = {s: darker(c) for s, c in COLORS.items()}  # a value cell's label, by state
PALETTE = Palette(
    tints=[COLORS[s] for s in TINTED],
    alpha=FILL_ALPHA / 255,
    inks=[*COLORS.values(), *(darker(COLORS[s]) for s in TINTED), LINE_COLOR, SEAM_COLOR],
)


def put_text(canvas: Canvas, xy: tuple[float, float], text: str, size: int, color: RGB) -> None:
    """Draw ``text`` at ``xy`` (top left, as ImageDraw.text)."""
    canvas.text(xy, text, size, color)


def inner_boxes(marks: list[Mark], page: PageImage, top: int) -> list[list[int]]:
    """Each mark's box in whole canvas pixels (row 0 = page row ``top``), ``INSET`` inside the cell (rounded as round())."""
    if not marks:
        return []
    b = np.array([m.bbox for m in marks], np.float64) * (page.sx, page.sy, page.sx, page.sy)
    x0, y0 = b[:, 0] + INSET, b[:, 1] + INSET
    x1, y1 = np.maximum(x0, b[:, 2] - INSET) + 1, np.maximum(y0, b[:, 3] - INSET) + 1
    px = np.rint(np.stack([x0, y0, x1, y1], axis=1)).astype(np.int64)  # half to even, as round()
    px[:, 1::2] -= top
    return px.tolist()  # type: ignore[no-any-return]


def overlapping(boxes: list[list[int]]) -> bool:
    """Whether any two boxes (x0, y0, x1, y1; ends exclusive) share a pixel."""
    if len(boxes) < 2:
        return False
    b = np.asarray(boxes)
    x0, y0, x1, y1 = b[:, 0], b[:, 1], b[:, 2], b[:, 3]
    meet = (x0[:, None] < x1) & (x0 < x1[:, None]) & (y0[:, None] < y1) & (y0 < y1[:, None])
    np.fill_diagonal(meet, False)
    return bool(meet.any())


def draw_apart(
    canvas: Canvas, states: list[State], boxes: list[list[int]], offsets: dict[State, int], inks: dict[State, int]
) -> None:
    """Tint (value cells) and outline each of cells that share no pixel, on untinted page pixels."""
    idx, width, height = canvas.idx, canvas.width, canvas.height
    for state, (x0, y0, x1, y1) in zip(states, boxes, strict=True):
        w = 1 if state == "label" else OUTLINE
        ink = inks[state]
        if not (0 <= x0 and x0 + w <= x1 <= width and 0 <= y0 and y0 + w <= y1 <= height):  # cut by the canvas
            b = canvas.clip_px(x0, y0, x1, y1)
            if state != "label" and b is not None:
                canvas.tint_px(b, offsets[state], fresh=True)
            canvas.outline_px((x0, y0, x1, y1), ink, w)
            continue
        if state != "label":
            region = idx[y0:y1, x0:x1]
            region |= offsets[state]  # page pixels only: no earlier tint to clear
        idx[y0 : y0 + w, x0:x1] = ink
        idx[y1 - w : y1, x0:x1] = ink
        idx[y0:y1, x0 : x0 + w] = ink
        idx[y0:y1, x1 - w : x1] = ink


def draw_cells(canvas: Canvas, scene: PageScene, page: PageImage, stats: PageStats) -> None:
    """Tint each value cell with its state colour, then outline every cell (inside its box).

    Drawn first on a new canvas: when no two cells overlap, each tint lands on page pixels (one pass) and
    cells are drawn one after the other.
    """
    placed = [m for m in scene.marks if m.bbox is not None]
    states = [m.state for m in placed]
    boxes = inner_boxes(placed, page, canvas.top)
    offsets = {s: PALETTE.tint_offset(COLORS[s]) for s in TINTED}
    inks = {s: PALETTE.solid(c) for s, c in COLORS.items()}
    if not overlapping(boxes):  # each cell tinted and outlined in turn, in one pass
        draw_apart(canvas, states, boxes, offsets, inks)
    else:  # every tint first, then every outline over them; a later tint replaces an earlier one
        tinted = [(state, box) for state, box in zip(states, boxes, strict=True) if state != "label"]
        for tint, (x0, y0, x1, y1) in tinted:
            b = canvas.clip_px(x0, y0, x1, y1)
            if b is not None:
                canvas.tint_px(b, offsets[tint])
        for state, box in zip(states, boxes, strict=True):
            canvas.outline_px(box, inks[state], 1 if state == "label" else OUTLINE)  # type: ignore[arg-type]
    stats.cells += len(states)
    for state in states:
        stats.by_state[state] = stats.by_state.get(state, 0) + 1


def draw_lines(canvas: Canvas, scene: PageScene, page: PageImage, stats: PageStats) -> None:
    """The ruling lines the adapter detected, thin and blue."""
    if not scene.lines:
        return
    b = np.asarray(scene.lines, np.float64) * (page.sx, page.sy, page.sx, page.sy)
    lo, hi = np.minimum(b[:, :2], b[:, 2:]), np.maximum(b[:, :2], b[:, 2:]) + 1
    px = np.rint(np.concatenate([lo, hi], axis=1)).astype(np.int64)  # half to even, as round()
    px[:, 1::2] -= canvas.top
    ink = PALETTE.solid(LINE_COLOR)
    for x0, y0, x1, y1 in px.tolist():
        box = canvas.clip_px(x0, y0, x1, y1)
        if box is not None:
            canvas.idx[box[1] : box[3], box[0] : box[2]] = ink
    stats.lines += len(scene.lines)


def draw_seams(canvas: Canvas, scene: PageScene, page: PageImage, stats: PageStats) -> None:
    """Dashed magenta lines where a table was stitched across pages, labelled outside the table."""
    for s in scene.seams:
        y = s.y * page.sy
        x0, x1 = s.x0 * page.sx, s.x1 * page.sx
        canvas.dashed(y, x0 - 12, x1 + 12, SEAM_COLOR)
        ty = y - LABEL_SIZE - 9 if s.above and y > LABEL_SIZE + 10 else y + 5
        pill(canvas, (x0, ty), s.label, LABEL_SIZE, SEAM_COLOR)
        stats.seams += 1


def pill(canvas: Canvas, xy: tuple[float, float], text: str, size: int, color: RGB) -> None:
    """Text on a white box, so it reads over the page (drawn as one cached block)."""
    canvas.pill(xy, text, size, color)


Anchors = tuple[dict[int, float], dict[tuple[int, int], Mark], dict[tuple[int, int], Mark]]


def tag_anchors(scene: PageScene, tags: Tags) -> Anchors:
    """Each table's right edge (page units), the first value cell of each tagged row (leftmost) and column (topmost)."""
    right: dict[int, float] = {}
    rows: dict[tuple[int, int], Mark] = {}
    cols: dict[tuple[int, int], Mark] = {}
    for m in scene.marks:
        if m.bbox is None:
            continue
        t, r, c = m.key
        if m.bbox[2] > right.get(t, 0.0):
            right[t] = m.bbox[2]
        if not m.field:
            continue
        if (t, r) in tags.rows and ((o := rows.get((t, r))) is None or c < o.key[2]):
            rows[(t, r)] = m
        if (t, c) in tags.cols and ((o := cols.get((t, c))) is None or r < o.key[1]):
            cols[(t, c)] = m
    return right, rows, cols


def draw_tags(canvas: Canvas, scene: PageScene, page: PageImage, tags: Tags) -> None:
    """Row tags right of the table, column tags above each column's first value cell."""
    right, rows, cols = tag_anchors(scene, tags)
    sx, sy, width = page.sx, page.sy, page.width
    for rk, m in rows.items():
        x = right[rk[0]] * sx + 6
        pill(canvas, (x, m.bbox[1] * sy + 3), fit(tags.rows[rk], width - x - 4, LABEL_SIZE), LABEL_SIZE, TAG_INK)  # type: ignore[index]
    for ck, m in cols.items():
        x0, y0, x1, _ = to_px(m.bbox, page)  # type: ignore[arg-type]
        tag = fit(tags.cols[ck], x1 - x0 - 6, MIN_LABEL_SIZE)
        pill(canvas, (x0 + INSET + 2, y0 - LABEL_SIZE - 6), tag, MIN_LABEL_SIZE, TAG_INK)


@lru_cache(maxsize=8192)
def label_layout(text: str, width: float) -> tuple[tuple[str, ...], int]:
    """``label_lines`` remembered: cells of one column share their width, and values repeat."""
    lines, size = label_lines(text, width)
    return tuple(lines), size


def draw_labels(canvas: Canvas, scene: PageScene, page: PageImage, stats: PageStats) -> None:
    """Each value cell's field id (as far as its row/column tags do not say it) and parsed value; spans."""
    tags = shared_parts(scene.marks)
    draw_tags(canvas, scene, page, tags)
    sx, sy = page.sx, page.sy
    for m in scene.marks:
        if m.bbox is None:
            continue
        x0, y0, x1 = m.bbox[0] * sx, m.bbox[1] * sy, m.bbox[2] * sx
        if m.field is not None:
            lines, size = label_layout(label_text(m, tags), x1 - x0 - 2 * INSET - 4)
            color = LABEL_INK[m.state]
            y = y0 + INSET + 1
            for line in lines:
                canvas.pill((x0 + INSET + 3, y), line, size, color)
                y += size + 3
            stats.labels += 1
        if m.cell.rowspan > 1 or m.cell.colspan > 1:
            tag = f"{m.cell.rowspan}×{m.cell.colspan}"
            x = x1 - INSET - 3 - text_width(tag, MIN_LABEL_SIZE)
            put_text(canvas, (x, y0 + INSET + 1), tag, MIN_LABEL_SIZE, COLORS["label"])


def legend_rows(stats: PageStats) -> list[list[tuple[str, str, RGB]]]:
    """Legend entries (kind, text, colour) in rows: the five cell states, then lines and seams."""
    states = [("box", f"{STATE_NAMES[s]}: {stats.by_state.get(s, 0)}", COLORS[s]) for s in STATES]
    other = [
        ("line", f"ruling line detected: {stats.lines}", LINE_COLOR),
        ("seam", f"seam (table stitched across pages): {stats.seams}", SEAM_COLOR),
        (
            "text",
            "label: field id = parsed value (∅ blank); row/column parts shared by a whole row or column are written once, right of the row / above the column; a×b: rowspan×colspan",
            NOTE_INK,
        ),
    ]
    return [states[:3], states[3:] + other[:2], other[2:]]


def legend_height() -> int:
    """Pixel height of the legend band."""
    return 12 + (LEGEND_SIZE + 12) * 4


def legend_key(canvas: Canvas, kind: str, x: float, y: float, color: RGB) -> float:
    """The swatch before a legend entry (a tinted box, a line or a dashed seam); the x after it."""
    mid = y + LEGEND_SIZE // 2 + 2
    if kind == "box":
        if color in PALETTE.tints:  # label cells are outlined only, on the page and here
            canvas.tint((x, y + 2, x + 27, y + LEGEND_SIZE + 3), color)
        canvas.outline((x, y + 2, x + 27, y + LEGEND_SIZE + 3), color, 2)
    elif kind == "line":
        canvas.fill((x, mid - 1, x + 27, mid + 1), color)
    elif kind == "seam":
        canvas.dashed(mid, x, x + 26, color)
    return x + 32 if kind != "text" else x


def draw_legend(canvas: Canvas, top: int, title: str, stats: PageStats) -> None:
    """The legend band below the page (from page pixel row ``top``): title, state colours with counts, lines, seams.

    The band is white, so its texts are copied as whole line boxes (entries never overlap).
    """
    row_h = LEGEND_SIZE + 12
    canvas.fill((0, top, canvas.width, top + 2), RULE_INK)
    canvas.text_on_white((10, top + 8), fit(title, canvas.width - 20, LEGEND_SIZE), LEGEND_SIZE, TITLE_INK)
    for r, entries in enumerate(legend_rows(stats)):
        x, y = 10.0, top + 8 + row_h * (r + 1)
        for kind, text, color in entries:
            x = legend_key(canvas, kind, x, y, color)
            text = fit(text, canvas.width - x - 4, LEGEND_SIZE)
            canvas.text_on_white((x, y), text, LEGEND_SIZE, LEGEND_INK if kind != "text" else color)
            x += text_width(text, LEGEND_SIZE) + 24


def draw_page(page: PageImage, scene: PageScene, title: str, reuse: bool = True) -> tuple[Canvas, PageStats]:
    """The page with every cell, line, seam and label drawn on it, plus a legend band (palette indexes).

    With ``reuse`` the canvas is this thread's scratch buffer, valid until the next draw: encode it first.
    """
    stats = PageStats(page.number)
    canvas = new_canvas(page, legend_height(), PALETTE, reuse)
    draw_cells(canvas, scene, page, stats)
    draw_lines(canvas, scene, page, stats)
    draw_labels(canvas, scene, page, stats)
    draw_seams(canvas, scene, page, stats)
    draw_legend(canvas, page.rows[1], title, stats)
    return canvas, stats
