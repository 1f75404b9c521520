"""Draw one page's overlay: cell boxes coloured by state, field labels, ruling lines, seams, a legend."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from PIL import Image, ImageDraw

from ingest.grid import BBox
from overlay.marks import LOW_CONFIDENCE, STATES, Mark, State
from overlay.render import PageImage, font
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
FILL_ALPHA = 70  # of 255: value cells are tinted with their state colour
LABEL_FILL_ALPHA = 0  # label cells get an outline only
OUTLINE = 2
INSET = 2  # cell outlines are drawn this many pixels inside the cell, so ruling lines stay visible
LABEL_SIZE = 11
MIN_LABEL_SIZE = 9
LEGEND_SIZE = 14
NULL_MARK = "∅"


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


@lru_cache(maxsize=4096)
def text_width(text: str, size: int) -> float:
    """Width in pixels of ``text`` at ``size`` (cached: labels repeat a lot)."""
    return float(font(size).getlength(text))


@lru_cache(maxsize=4096)
def text_mask(text: str, size: int) -> Image.Image:
    """The coverage mask of ``text`` at ``size`` (cached: the same labels are drawn hundreds of times)."""
    m = Image.new("L", (max(1, int(text_width(text, size)) + 2), int(size * 1.5) + 2), 0)
    ImageDraw.Draw(m).text((0, 0), text, fill=255, font=font(size))
    return m


def put_text(img: Image.Image, xy: tuple[float, float], text: str, size: int, color: RGB) -> None:
    """Draw ``text`` at ``xy`` (top left, as ImageDraw.text) by pasting its cached mask."""
    m = text_mask(text, size)
    x, y = int(round(xy[0])), int(round(xy[1]))
    img.paste(color, (x, y, x + m.width, y + m.height), m)


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


def draw_cells(ov: ImageDraw.ImageDraw, scene: PageScene, page: PageImage, stats: PageStats) -> None:
    """Tint each value cell with its state colour and outline every cell (inside its box)."""
    for m in scene.marks:
        if m.bbox is None:
            continue
        x0, y0, x1, y1 = to_px(m.bbox, page)
        color = COLORS[m.state]
        alpha = LABEL_FILL_ALPHA if m.state == "label" else FILL_ALPHA
        inner = (x0 + INSET, y0 + INSET, max(x0 + INSET, x1 - INSET), max(y0 + INSET, y1 - INSET))
        ov.rectangle(inner, fill=(*color, alpha), outline=(*color, 255), width=1 if m.state == "label" else OUTLINE)
        stats.cells += 1
        stats.by_state[m.state] = stats.by_state.get(m.state, 0) + 1


def draw_lines(ov: ImageDraw.ImageDraw, scene: PageScene, page: PageImage, stats: PageStats) -> None:
    """The ruling lines the adapter detected, thin and blue."""
    for ln in scene.lines:
        x0, y0, x1, y1 = to_px(ln, page)
        ov.rectangle((min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)), fill=(*LINE_COLOR, 230))
        stats.lines += 1


def dashed(draw: ImageDraw.ImageDraw, y: float, x0: float, x1: float, color: RGB, width: int = 4) -> None:
    """A horizontal dashed line."""
    x = x0
    while x < x1:
        draw.line((x, y, min(x + 14, x1), y), fill=color, width=width)
        x += 22


def draw_seams(
    img: Image.Image, draw: ImageDraw.ImageDraw, scene: PageScene, page: PageImage, stats: PageStats
) -> None:
    """Dashed magenta lines where a table was stitched across pages, labelled outside the table."""
    for s in scene.seams:
        y = s.y * page.sy
        x0, x1 = s.x0 * page.sx, s.x1 * page.sx
        dashed(draw, y, x0 - 12, x1 + 12, SEAM_COLOR)
        ty = y - LABEL_SIZE - 9 if s.above and y > LABEL_SIZE + 10 else y + 5
        pill(img, draw, (x0, ty), s.label, LABEL_SIZE, SEAM_COLOR)
        stats.seams += 1


def pill(
    img: Image.Image, draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, size: int, color: RGB
) -> None:
    """Text on a white box, so it reads over the page."""
    draw.rectangle((xy[0] - 2, xy[1], xy[0] + text_width(text, size) + 2, xy[1] + size + 3), fill=(255, 255, 255))
    put_text(img, xy, text, size, color)


def draw_tags(img: Image.Image, draw: ImageDraw.ImageDraw, scene: PageScene, page: PageImage, tags: Tags) -> None:
    """Row tags right of the table, column tags above each column's first value cell."""
    right: dict[int, float] = {}
    for m in scene.marks:
        if m.bbox is not None:
            right[m.key[0]] = max(right.get(m.key[0], 0.0), m.bbox[2] * page.sx)
    width = page.image.width
    done: set[tuple[str, int, int]] = set()
    for m in sorted((m for m in scene.marks if m.field and m.bbox), key=lambda m: (m.key[1], m.key[2])):
        x0, y0, x1, y1 = to_px(m.bbox, page)  # type: ignore[arg-type]
        rk, ck = (m.key[0], m.key[1]), (m.key[0], m.key[2])
        if rk in tags.rows and ("r", *rk) not in done:
            done.add(("r", *rk))
            x = right[m.key[0]] + 6
            pill(img, draw, (x, y0 + 3), fit(tags.rows[rk], width - x - 4, LABEL_SIZE), LABEL_SIZE, (40, 40, 40))
        if ck in tags.cols and ("c", *ck) not in done:
            done.add(("c", *ck))
            pill(
                img,
                draw,
                (x0 + INSET + 2, y0 - LABEL_SIZE - 6),
                fit(tags.cols[ck], x1 - x0 - 6, MIN_LABEL_SIZE),
                MIN_LABEL_SIZE,
                (40, 40, 40),
            )


def draw_labels(
    img: Image.Image, draw: ImageDraw.ImageDraw, scene: PageScene, page: PageImage, stats: PageStats
) -> None:
    """Each value cell's field id (as far as its row/column tags do not say it) and parsed value; spans."""
    tags = shared_parts(scene.marks)
    draw_tags(img, draw, scene, page, tags)
    for m in scene.marks:
        if m.bbox is None:
            continue
        x0, y0, x1, y1 = to_px(m.bbox, page)
        if m.field is not None:
            lines, size = label_lines(label_text(m, tags), x1 - x0 - 2 * INSET - 4)
            color = darker(COLORS[m.state])
            y = y0 + INSET + 1
            for line in lines:
                pill(img, draw, (x0 + INSET + 3, y), line, size, color)
                y += size + 3
            stats.labels += 1
        if m.cell.rowspan > 1 or m.cell.colspan > 1:
            tag = f"{m.cell.rowspan}×{m.cell.colspan}"
            f = font(MIN_LABEL_SIZE)
            put_text(img, (x1 - INSET - 3 - f.getlength(tag), y0 + INSET + 1), tag, MIN_LABEL_SIZE, COLORS["label"])


def legend_rows(stats: PageStats) -> list[list[tuple[str, str, RGB]]]:
    """Legend entries (kind, text, colour) in rows: the five cell states, then lines and seams."""
    states = [("box", f"{STATE_NAMES[s]}: {stats.by_state.get(s, 0)}", COLORS[s]) for s in STATES]
    other = [
        ("line", f"ruling line detected: {stats.lines}", LINE_COLOR),
        ("seam", f"seam (table stitched across pages): {stats.seams}", SEAM_COLOR),
        (
            "text",
            "label: field id = parsed value (∅ blank); row/column parts shared by a whole row or column are written once, right of the row / above the column; a×b: rowspan×colspan",
            (60, 60, 60),
        ),
    ]
    return [states[:3], states[3:] + other[:2], other[2:]]


def legend_height() -> int:
    """Pixel height of the legend band."""
    return 12 + (LEGEND_SIZE + 12) * 4


def draw_legend(img: Image.Image, top: int, title: str, stats: PageStats) -> None:
    """The legend band below the page (from pixel row ``top``): title, state colours with counts, lines, seams."""
    f = font(LEGEND_SIZE)
    rows = legend_rows(stats)
    row_h = LEGEND_SIZE + 12
    band = Image.new("RGB", (img.width, legend_height()), (248, 248, 248))
    d = ImageDraw.Draw(band)
    d.line((0, 0, img.width, 0), fill=(180, 180, 180), width=2)
    d.text((10, 8), fit(title, img.width - 20, LEGEND_SIZE), fill=(20, 20, 20), font=f)
    for r, entries in enumerate(rows):
        x, y = 10.0, 8 + row_h * (r + 1)
        for kind, text, color in entries:
            if kind == "box":
                d.rectangle((x, y + 2, x + 26, y + LEGEND_SIZE + 2), fill=blend(color), outline=color, width=2)
                x += 32
            elif kind == "line":
                d.line((x, y + LEGEND_SIZE // 2 + 2, x + 26, y + LEGEND_SIZE // 2 + 2), fill=color, width=2)
                x += 32
            elif kind == "seam":
                dashed(d, y + LEGEND_SIZE // 2 + 2, x, x + 26, color, width=4)
                x += 32
            d.text((x, y), text, fill=(30, 30, 30) if kind != "text" else color, font=f)
            x += f.getlength(text) + 24
    img.paste(band, (0, top))


def draw_page(page: PageImage, scene: PageScene, title: str) -> tuple[Image.Image, PageStats]:
    """The page image with every cell, line, seam and label drawn on it, plus a legend band."""
    stats = PageStats(page.number)
    img = Image.new("RGB", (page.image.width, page.image.height + legend_height()), None)  # filled below
    img.paste(page.image, (0, 0))
    tint = ImageDraw.Draw(img, "RGBA")  # translucent fills blend straight onto the RGB page
    draw_cells(tint, scene, page, stats)
    draw_lines(tint, scene, page, stats)
    draw = ImageDraw.Draw(img)
    draw_labels(img, draw, scene, page, stats)
    draw_seams(img, draw, scene, page, stats)
    draw_legend(img, page.image.height, title, stats)
    return img, stats
