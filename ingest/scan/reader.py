"""Scanned reports: page images (PNG/JPEG/TIFF, image-only PDF pages) to grids by per-cell OCR.

Per page: turn it upright (90/180/270), deskew from its lines, find the ruled tables
(:mod:`ingest.scan.lattice`), OCR each non-empty cell line by line in one batch, and OCR the text
lines outside the tables as paragraphs. Number cells keep their doubt: confidence below 0.9 when
any digit is doubtful, with the other plausible readings in ``Cell.alternatives``.
"""

from __future__ import annotations

import io
import multiprocessing as mp
import os
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import cv2
import numpy as np

from ingest.errors import ReportError
from ingest.grid import A4_SHORT_POINTS, Block, Cell, Document, PageInfo, Paragraph, Table, as_homography
from ingest.limits import check_pages
from ingest.options import Options
from ingest.pdf.pdfium import open_document
from ingest.scan import lattice as sg
from ingest.scan import photo as scan_photo
from ingest.scan.ocr import CONFIDENT, JUNK_CONFIDENCE, OcrEngine, Reading, digit_shaped, get_engine, split_wide

# Ink within this many units around a table's box is the table's (its border), not running text.
TABLE_MARGIN_UNITS = 0.6
# Cell interiors are read this far (units) inside the ruling lines.
CELL_MARGIN_UNITS = 0.35
# Inside a cell crop, a blob touching the crop's edge at most this thin (units) and this long
# (share of the crop's height or width) is what is left of a ruling line.
REMNANT_THIN_UNITS = 0.3
REMNANT_LONG = 0.75
# Ink blobs smaller than this share of a unit squared are specks, not text.
SPECK_UNITS2 = 0.04
# Two line bands of a cell at most SPLIT_GAP_UNITS apart and together at most SPLIT_LINE_UNITS tall
# are one broken glyph's pieces (a 9-pt digit is about 1.05 units tall, two lines of 9-pt text about 2.9).
SPLIT_GAP_UNITS = 0.3
SPLIT_LINE_UNITS = 1.6
# Outside tables, a blob at least FRAME_UNITS long and on average at most FRAME_THIN_UNITS thick is a
# line (a page edge's outline, a stray ruling), not text.
FRAME_UNITS = 6.0
FRAME_THIN_UNITS = 0.25
# A cell whose ink spans less than this (units) both ways holds no glyph, only noise (a digit is about
# a unit tall, a dash about half a unit wide).
LONE_SPECK_UNITS = 0.4
# A short crop the recogniser reads as nothing takes the other engine's digits when they are at least
# EMPTY_TAKE sure, at most EMPTY_CONFIDENCE sure (a doubtful value, never a silent one).
EMPTY_TAKE = 0.8
EMPTY_CONFIDENCE = 0.6
# A line of running text (not a signature, a date or a heading) is at least this share of the page wide.
BODY_SHARE = 0.5
# Crops are padded by this many pixels of white before recognition.
PAD = 6
# A line band whose ink is at most this wide per unit of height is one stacked character.
STACKED_ASPECT = 1.6
# A one-line crop at most this many times as wide as tall is read inside its row's strip.
SHORT_ASPECT = 4.0
# Re-read number cells at this scale as a second opinion.
REREAD_SCALE = 0.7
# Number readings less sure than this get the re-read (surer ones are left alone: speed).
RECHECK_BELOW = 0.995
# A lone glyph leaning like a slash (its ink's x per y at most SLASH_SLOPE; "/" is about -0.3,
# "1" about +0.05, full-width "／" -1) without a bar on top (at most SLASH_TOP of its width inked in
# its top sixth; "7" has a bar) is "/", whatever the recogniser said: at 150 dpi it often reads
# "1". Other blobs may add up to LONE_GLYPH_REST of the glyph's ink.
SLASH_SLOPE = -0.2
SLASH_TOP = 0.8
SLASH_LOOKALIKES = frozenset("1/7lI|\\／")
SHAPE_CONFIDENCE = 0.95
LONE_GLYPH_REST = 0.15
# A lone stroke at least DASH_ASPECT times as wide as tall, read as nothing or as a dash look-alike
# ("一" from the Chinese recogniser), is a printed dash: a blank cell, as sure as the shape.
DASH_ASPECT = 2.5
DASH_LOOKALIKES = frozenset("-一—－─–━ー_")
# Orientation: direction-classifier share that flips a page; how many line crops it sees.
FLIP_SHARE = 0.5
ORIENT_PROBES = 12
# A page with no running text is judged by at least this many text lines in its cells, each at
# least PROBE_ASPECT times as wide as tall (digits alone read the same both ways up).
MIN_CELL_PROBES = 4
PROBE_ASPECT = 2.5
# Tesseract orientation answers less confident than this are ignored.
OSD_MIN_CONF = 1.0
# Body paragraphs (several lines, after the first page) are read in full only when this is set:
# reading them costs most of a text page's time, and metadata lives in titles, headings, signature.
FULL_BODY_TEXT = os.environ.get("GOVREPORT_SCAN_FULL_TEXT", "") == "1"
# How far down (in page widths) the first page counts as the top whose paragraphs are read whole.
TOP_HEIGHTS = 1.45
# Pages at least this many are read by a process pool (when the process may have children).
PARALLEL_MIN_PAGES = 3
# Image-only PDF pages render at their scan's own resolution, at most this (dpi).
NATIVE_DPI_MAX = 400.0
# A page whose short side is below LOW_RES_SIDE pixels (A4 under about 175 dpi) is enlarged by
# cubic interpolation until it is UPSAMPLE_SIDE pixels (A4 at about 300 dpi) before it is read:
# ruling detection and OCR both do better on the finer grid than at the scan's own.
LOW_RES_SIDE = 1450
UPSAMPLE_SIDE = 2480


PageResult = tuple[list[Block], PageInfo, list[str]]


@dataclass
class _Slot:
    """Where one recognised crop goes: cell (table, index) or paragraph, line number, kind."""

    table: int
    cell: int
    line: int
    kind: str  # "line", "stacked", "rotated"
    n: int = 1  # characters stacked into it


def _ink(binary: np.ndarray, unit: float) -> np.ndarray:
    """The binary page without specks (noise, dust) and without frames: a blob at least FRAME_UNITS
    long whose ink is a thin line (its area over its box's half perimeter at most FRAME_THIN_UNITS) is
    a page edge's outline or a stray ruling, not text; one spanning the page made every pixel row
    inked, and the whole page one text line."""
    ink = sg.without_specks(binary, max(2, SPECK_UNITS2 * unit * unit))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    bw, bh, area = stats[:, 2], stats[:, 3], stats[:, 4]
    frame = (np.maximum(bw, bh) >= FRAME_UNITS * unit) & (area <= FRAME_THIN_UNITS * unit * (bw + bh))
    frame[0] = False
    if frame.any():
        ink[frame[labels]] = 0
    return ink


def _without_remnants(binary: np.ndarray, unit: float) -> tuple[np.ndarray, np.ndarray]:
    """A cell's ink without specks and without the ruling-line remnants inside its crop (blobs
    touching the crop's edge that are long and thin), and the remnants: a line beside a 0 must not
    read as 1. One labelling does both."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    h, w = binary.shape
    thin = max(2, int(REMNANT_THIN_UNITS * unit))
    x, y, bw, bh, area = (stats[:, k] for k in range(5))
    tall = ((x == 0) | (x + bw == w)) & (bh >= REMNANT_LONG * h) & (bw <= thin) & (4 * bw <= bh)
    wide = ((y == 0) | (y + bh == h)) & (bw >= REMNANT_LONG * w) & (bh <= thin) & (4 * bh <= bw)
    remnant = tall | wide
    # A speck is small both ways: a thin stroke as long as a dash (a light 5's bar cut from its belly in
    # a bilevel page, 11 x 3 pixels at 300 dpi) is a glyph's piece whatever its area.
    long = np.maximum(bw, bh) >= LONE_SPECK_UNITS * unit
    keep = ~remnant & ((area >= max(2, SPECK_UNITS2 * unit * unit)) | long)
    remnant[0] = keep[0] = False
    ink = np.where(keep[labels], 255, 0).astype(np.uint8)
    if not remnant.any():
        return ink, np.zeros_like(ink)
    return ink, np.where(remnant[labels], 255, 0).astype(np.uint8)


def _pad(gray: np.ndarray) -> np.ndarray:
    """A crop with a white margin, as recognisers like it."""
    return cv2.copyMakeBorder(gray, PAD, PAD, PAD, PAD, cv2.BORDER_CONSTANT, value=255)


def cell_lines(
    gray: np.ndarray, binary: np.ndarray, box: tuple[int, int, int, int], unit: float
) -> list[tuple[np.ndarray, str, int]]:
    """The crops to read for one cell: one per text line, stacked characters joined, tall text turned."""
    m = max(1, int(CELL_MARGIN_UNITS * unit))
    x0, y0, x1, y1 = box[0] + m, box[1] + m, box[2] - m, box[3] - m
    if x1 - x0 < 3 or y1 - y0 < 3:
        return []
    ink, remnant = _without_remnants(binary[y0:y1, x0:x1], unit)
    if not ink.any():
        return []
    ys, xs = np.nonzero(ink)
    if max(ys.max() - ys.min(), xs.max() - xs.min()) + 1 < LONE_SPECK_UNITS * unit:
        return []  # all its ink one speck smaller than any glyph or dash: noise in a blank cell (read as 1)
    if remnant.any():
        gray = gray.copy()
        patch = gray[y0:y1, x0:x1]
        patch[cv2.dilate(remnant, np.ones((3, 3), np.uint8)) > 0] = 255
    line_unit = unit * 0.6
    bands = [
        b
        for b in glyph_lines(sg.text_lines(ink, line_unit, keep_short=True), unit)
        if b[3] - b[1] >= max(3, int(0.5 * line_unit))  # a piece joined to no line is left out, as before
    ]
    if not bands:
        ys, xs = np.where(ink > 0)
        bands = [(int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)]
    if (y1 - y0) >= 2.5 * (x1 - x0):
        bands = merge_char_bands(bands)
    crops = [(gray[y0 + b[1] : y0 + b[3], x0 + b[0] : x0 + b[2]], b) for b in bands]
    if len(bands) >= 3 and all((b[2] - b[0]) <= STACKED_ASPECT * (b[3] - b[1]) for b in bands):
        h = max(b[3] - b[1] for b in bands)
        parts = [_pad(cv2.resize(c, (max(1, int(c.shape[1] * h / max(c.shape[0], 1))), h))) for c, _ in crops]
        return [(np.hstack(parts), "stacked", len(parts))]
    if len(bands) == 1:
        b = bands[0]
        if (b[3] - b[1]) > 2.5 * (b[2] - b[0]) and (b[3] - b[1]) > 3 * unit:
            return [(_pad(crops[0][0]), "rotated", 1)]
    return [(_pad(c), "line", 1) for c, _ in crops]


def glyph_lines(bands: list[tuple[int, int, int, int]], unit: float) -> list[tuple[int, int, int, int]]:
    """Line bands of a cell with the pieces of one broken glyph joined: a digit whose stroke is broken
    across (a light 5's bar, a 2's bowl, JPEG at 150 dpi) leaves two bands a pixel or two apart, each
    read as a glyph of its own ("a" for the 5's belly, "26" for a 2). Neighbouring bands that overlap
    across, at most SPLIT_GAP_UNITS apart, and together no taller than SPLIT_LINE_UNITS (less than two
    lines of the smallest table text) are one line."""
    out: list[list[int]] = []
    for b in bands:
        if out:
            o = out[-1]
            if (
                b[1] - o[3] <= SPLIT_GAP_UNITS * unit
                and b[3] - o[1] <= SPLIT_LINE_UNITS * unit
                and min(o[2], b[2]) > max(o[0], b[0])
            ):
                o[0], o[2], o[3] = min(o[0], b[0]), max(o[2], b[2]), b[3]
                continue
        out.append(list(b))
    return [(o[0], o[1], o[2], o[3]) for o in out]


def merge_char_bands(bands: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """Bands of a stacked column grouped into whole characters (三 is three strokes, not three lines)."""
    size = max(b[2] - b[0] for b in bands)
    out: list[list[int]] = []
    for b in bands:
        tiny = (b[3] - b[1]) < 0.45 * size and (b[2] - b[0]) < 0.6 * size
        if out and (tiny or out[-1][3] - out[-1][1] < 0.7 * size) and b[3] - out[-1][1] <= 1.15 * size:
            o = out[-1]
            o[0], o[2], o[3] = min(o[0], b[0]), max(o[2], b[2]), b[3]
        else:
            out.append(list(b))
    return [(o[0], o[1], o[2], o[3]) for o in out]


def _read_rotated(engine: OcrEngine, crop: np.ndarray) -> Reading:
    """Tall text read turned both ways; the more confident reading wins."""
    a, b = engine.read_lines(
        [cv2.rotate(crop, cv2.ROTATE_90_CLOCKWISE), cv2.rotate(crop, cv2.ROTATE_90_COUNTERCLOCKWISE)], [False, False]
    )
    return a if a[1] >= b[1] else b


def _second_opinion(
    engine: OcrEngine, crops: list[np.ndarray], readings: list[Reading], strips: list[list[int]], cells: list[bool]
) -> list[Reading]:
    """Number readings of cells checked by a re-read at another scale (side by side with the other
    doubtful ones of their row): disagreement makes them doubtful and adds the other reading as an
    alternative."""
    doubt = {
        i
        for i, r in enumerate(readings)
        if cells[i] and digit_shaped(r[0]) and (r[1] < RECHECK_BELOW or ink_runs(crops[i]) != glyph_count(r[0]))
    }
    if not doubt:
        return readings

    def scaled(i: int) -> np.ndarray:
        return cv2.resize(crops[i], None, fx=REREAD_SCALE, fy=REREAD_SCALE, interpolation=cv2.INTER_AREA)

    again: dict[int, Reading] = {}
    redo = [mine for g in strips if (mine := [i for i in g if i in doubt])]
    for g, res in zip(redo, engine.read_strips([[scaled(i) for i in g] for g in redo]), strict=True):
        again.update(zip(g, res, strict=True))
    alone = sorted(doubt - set(again))
    again.update(zip(alone, engine.read_lines([scaled(i) for i in alone], [True] * len(alone)), strict=True))
    out = list(readings)
    for i in doubt:
        t2, c2, _ = again[i]
        text, conf, alts = out[i]
        if t2 != text:
            conf = min(conf, c2, 0.6)
            if t2 and all(a[0] != t2 for a in alts):
                alts = sorted([*alts, (t2, round(c2 * 0.9, 4))], key=lambda a: -a[1])
        out[i] = (text, conf, alts)
    return out


def glyph_count(text: str) -> int:
    """How many separate marks a printed number has (digits, signs and points)."""
    return len(text.strip().replace(" ", "").replace(",", ""))


def ink_runs(crop: np.ndarray) -> int:
    """How many separate runs of inked columns a one-line crop has (about one per printed digit)."""
    g = sg.to_gray(crop)
    _, ink = cv2.threshold(g, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    cols = (ink > 0).sum(axis=0) > 0
    if not cols.any():
        return 0
    return int(cols[0]) + int(np.count_nonzero(cols[1:] & ~cols[:-1]))


def lone_glyph(crop: np.ndarray) -> tuple[np.ndarray, np.ndarray, int] | None:
    """The connected-component labels and stats of a crop's ink, and the label of its one glyph;
    None when the crop holds no ink or more than one glyph (specks aside)."""
    smooth = cv2.GaussianBlur(sg.to_gray(crop), (3, 3), 0)
    _, ink = cv2.threshold(smooth, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    if n < 2:
        return None
    k = 1 + int(np.argmax(stats[1:, 4]))
    areas = stats[1:, 4]
    others = areas[areas >= LONE_GLYPH_REST / 3 * stats[k, 4]].sum() - stats[k, 4]  # specks aside
    if others > LONE_GLYPH_REST * stats[k, 4]:
        return None
    return labels, stats, k


def lone_glyph_shape(crop: np.ndarray) -> tuple[float, float] | None:
    """Slant (x per y) and top width (share inked in the top sixth) of a crop's one glyph;
    None when the crop holds more than one."""
    glyph = lone_glyph(crop)
    if glyph is None:
        return None
    labels, stats, k = glyph
    ys, xs = np.nonzero(labels == k)
    if len(ys) < 8 or ys.var() <= 0:
        return None
    slope = float(((xs - xs.mean()) * (ys - ys.mean())).mean() / ys.var())
    x, y, w, h = (int(v) for v in stats[k, :4])
    top = float((labels[y : y + max(1, h // 6), x : x + w] == k).any(axis=0).mean())
    return slope, top


def _slashes(crops: list[np.ndarray], readings: list[Reading]) -> list[Reading]:
    """Lone glyphs read as "1", "7", "/" ... settled by their shape: a slash leans and has no bar."""
    out = list(readings)
    for i, (text, conf, alts) in enumerate(readings):
        t = text.strip()
        if not (len(t) == 1 and t in SLASH_LOOKALIKES or any(a[0] == "/" for a in alts)):
            continue
        shape = lone_glyph_shape(crops[i])
        if shape is None:
            continue
        slash = shape[0] <= SLASH_SLOPE and shape[1] <= SLASH_TOP
        if slash and t not in ("/", "／"):
            # A confident recogniser against the shape: the slash stands, but in doubt.
            sure = SHAPE_CONFIDENCE if conf < CONFIDENT else 0.6
            out[i] = ("/", sure, [(t, round(min(conf, 0.5), 4))])
        elif not slash and t in ("/", "／"):
            out[i] = (text, min(conf, 0.5), alts)
    return out


def lone_dash(crop: np.ndarray) -> bool:
    """Whether a crop's ink is one flat stroke (a dash), specks aside."""
    glyph = lone_glyph(crop)
    if glyph is None:
        return False
    _, stats, k = glyph
    w, h = int(stats[k, 2]), int(stats[k, 3])
    return w >= DASH_ASPECT * max(h, 1)


def _dashes(crops: list[tuple[np.ndarray, str, int]], readings: list[Reading]) -> list[Reading]:
    """A one-line crop read as nothing or as dash look-alikes ("一", "－") whose ink is one flat
    stroke is a printed dash ("—", a blank), with the shape's confidence."""
    out = list(readings)
    for i, (text, conf, _) in enumerate(readings):
        t = text.replace(" ", "").strip()
        if crops[i][1] != "line" or t and not set(t) <= DASH_LOOKALIKES:
            continue
        if lone_dash(crops[i][0]):
            out[i] = ("—", max(conf, SHAPE_CONFIDENCE), [])
    return out


def _other_engine(name: str) -> OcrEngine | None:
    """The engine not chosen, for a third opinion on doubtful numbers (None when unavailable)."""
    other = "tesseract" if name == "rapidocr" else "rapidocr"
    try:
        return get_engine(other)
    except Exception:
        return None


def _third_opinion(
    name: str, crops: list[np.ndarray], readings: list[Reading], cells: list[bool], short: list[bool] | None = None
) -> list[Reading]:
    """Doubtful number readings of cells get the other engine's reading as an alternative; a short one-line
    crop read as nothing at all (a jagged bilevel 0 at 150 dpi) takes the other engine's digits when they
    are sure (EMPTY_TAKE), as a doubtful reading (at most EMPTY_CONFIDENCE)."""
    short = short if short is not None else [False] * len(crops)
    idx = [
        i
        for i, r in enumerate(readings)
        if cells[i] and (r[1] < CONFIDENT and digit_shaped(r[0]) or short[i] and not r[0].strip())
    ]
    if not idx:
        return readings
    other = _other_engine(name)
    if other is None:
        return readings
    again = other.read_digits([crops[i] for i in idx])
    out = list(readings)
    for i, (t2, c2) in zip(idx, again, strict=True):
        text, conf, alts = out[i]
        if not text.strip():
            if any(ch.isdigit() for ch in t2) and c2 >= EMPTY_TAKE:
                out[i] = (t2, round(min(c2, EMPTY_CONFIDENCE), 4), [])
            continue
        if t2 and t2 != text and all(a[0] != t2 for a in alts):
            alts = sorted([*alts, (t2, round(min(c2, CONFIDENT - 0.01), 4))], key=lambda a: -a[1])
        out[i] = (text, conf, alts)
    return out


def _doubtful_alone(
    engine: OcrEngine, crops: list[tuple[np.ndarray, str, int]], readings: list[Reading], idx: list[int]
) -> list[Reading]:
    """Strip readings under CONFIDENT re-read alone, the surer reading kept (a strip's white gaps
    can read as a stray glyph, "15個")."""
    weak = [i for i in idx if readings[i][1] < CONFIDENT]
    if not weak:
        return readings
    out = list(readings)
    for i, r in zip(weak, engine.read_lines([crops[i][0] for i in weak], [False] * len(weak)), strict=True):
        if r[1] > out[i][1]:
            out[i] = r
    return out


def _short(crop: tuple[np.ndarray, str, int]) -> bool:
    """A one-line crop of a few characters (a number, a short word): read within a strip."""
    img, kind, _ = crop
    return kind == "line" and img.shape[1] <= SHORT_ASPECT * img.shape[0]


def read_crops(
    engine: OcrEngine,
    crops: list[tuple[np.ndarray, str, int]],
    rows: list[int] | None = None,
    cells: list[bool] | None = None,
) -> list[Reading]:
    """Every crop of a page read in batches: short ones in strips per table row, tall ones turned;
    numbers in cells double-checked. ``cells`` marks the crops of table cells (all when not given):
    only their confidence and alternatives are kept, a paragraph's line (the page number "-2-") is
    its text alone, so it gets no second or third opinion."""
    from ingest.scan.ocr import STRIP_MAX

    readings: list[Reading] = [("", 0.0, [])] * len(crops)
    rows = rows if rows is not None else [-1] * len(crops)
    cells = cells if cells is not None else [True] * len(crops)
    groups: dict[int, list[int]] = {}
    for i, c in enumerate(crops):
        if rows[i] >= 0 and _short(c):
            groups.setdefault(rows[i], []).append(i)
    strips = [g[k : k + STRIP_MAX] for g in groups.values() for k in range(0, len(g), STRIP_MAX)]
    for idx, res in zip(strips, engine.read_strips([[crops[i][0] for i in g] for g in strips]), strict=True):
        for i, r in zip(idx, res, strict=True):
            readings[i] = r
    in_strip = {i for g in strips for i in g}
    readings = _doubtful_alone(engine, crops, readings, sorted(in_strip))
    plain = [i for i, c in enumerate(crops) if c[1] != "rotated" and i not in in_strip]
    for i, r in zip(plain, engine.read_lines([crops[i][0] for i in plain], [False] * len(plain)), strict=True):
        readings[i] = r
    for i, c in enumerate(crops):
        if c[1] == "rotated":
            upright_reading = engine.read_lines([c[0]], [False])[0]
            turned = _read_rotated(engine, c[0])
            readings[i] = upright_reading if upright_reading[1] >= turned[1] else turned
    imgs = [c[0] for c in crops]
    readings = _second_opinion(engine, imgs, readings, strips, cells)
    short = [_short(c) for c in crops]
    return _dashes(crops, _slashes(imgs, _third_opinion(engine.name, imgs, readings, cells, short)))


def _cell_text(parts: list[tuple[Reading, str, int]]) -> Reading:
    """A cell's text from its line readings: lines joined by newlines, the weakest confidence."""
    if not parts:
        return "", 1.0, []
    texts = []
    for (text, _, _), kind, n in parts:
        texts.append("\n".join(text) if kind == "stacked" and len(text) == n else text)
    conf = min(p[0][1] for p in parts)
    alts = parts[0][0][2] if len(parts) == 1 else []
    text = "\n".join(texts)
    return text, min(conf, JUNK_CONFIDENCE) if latin_junk(text) else conf, alts


def latin_junk(text: str) -> bool:
    """Whether a cell's reading is Latin letters run together with digits or each other ("OMERNTRROP4EV",
    "128189N12038"): what a recogniser makes of a smudged number; no value of these reports reads so."""
    t = "".join(text.split())
    letters = sum(ch.isascii() and ch.isalpha() for ch in t)
    if not letters or not all(ch.isascii() and (ch.isalnum() or ch in ".-,/") for ch in t):
        return False
    digits = sum(ch.isdigit() for ch in t)
    return (digits > 0 and letters + digits >= 3) or letters >= 3


Boxes = list[tuple[int, int, int, int]]


@dataclass
class PageInk:
    """One upright page's binarisation, its tables and the ink outside them (specks removed)."""

    binary: np.ndarray
    tables: list[sg.GridTable]
    text: np.ndarray
    # Each cell's crops (cell_lines) once cut, by the cell's box: the orientation check and the reading
    # of an upright page cut the same ones.
    lines: dict[tuple[int, int, int, int], list[tuple[np.ndarray, str, int]]] = field(default_factory=dict)

    def cell_lines(
        self, gray: np.ndarray, box: tuple[int, int, int, int], unit: float
    ) -> list[tuple[np.ndarray, str, int]]:
        """``cell_lines`` of one cell of this page (``gray`` the page this ink was taken from)."""
        if box not in self.lines:
            self.lines[box] = cell_lines(gray, self.binary, box, unit)
        return self.lines[box]


def page_ink(gray: np.ndarray, setting: sg.Threshold) -> PageInk:
    """The page binarised, its tables found, and the ink outside them."""
    binary = sg.binarize(gray, setting)
    tables = sg.find_tables(gray, setting, binary)
    text = binary.copy()
    # A table's box and a margin around it: a photo's bowed border strays a few pixels outside the
    # box, and that sliver, read as a tall text line, swallowed the heading under the table.
    e = max(3, int(TABLE_MARGIN_UNITS * sg.unit_of(gray)))
    for t in tables:
        x0, y0, x1, y1 = t.bbox
        text[max(0, y0 - e) : y1 + e + 1, max(0, x0 - e) : x1 + e + 1] = 0
    return PageInk(binary, tables, _ink(text, sg.unit_of(gray)))


def _line_blobs(gray: np.ndarray, setting: sg.Threshold) -> tuple[Boxes, Boxes, PageInk]:
    """Text lines outside tables smeared along rows and along columns, and the page's ink."""
    ink = page_ink(gray, setting)
    unit = sg.unit_of(gray)
    k = max(3, int(0.8 * unit))
    rows = _elongated(cv2.dilate(ink.text, cv2.getStructuringElement(cv2.MORPH_RECT, (k, 1))), unit, True)
    cols = _elongated(cv2.dilate(ink.text, cv2.getStructuringElement(cv2.MORPH_RECT, (1, k))), unit, False)
    return rows, cols, ink


def osd_rotation(gray: np.ndarray) -> int | None:
    """Tesseract's orientation answer (degrees clockwise that make the page upright), None if unsure."""
    try:
        import pytesseract

        small = cv2.resize(gray, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA) if max(gray.shape) > 3000 else gray
        osd = pytesseract.image_to_osd(small, config="--psm 0", output_type=pytesseract.Output.DICT)
    except Exception:
        return None
    if float(osd.get("orientation_conf", 0.0)) < OSD_MIN_CONF:
        return None
    return int(osd.get("rotate", 0)) % 360


def upright(
    gray: np.ndarray, engine_name: str, setting: sg.Threshold = sg.PLAIN
) -> tuple[np.ndarray, int, PageInk | None]:
    """The page turned so its text reads left to right, top to bottom; degrees turned clockwise;
    the ink of the page as returned (None when it was turned after its ink was taken)."""
    rows, cols, ink = _line_blobs(gray, setting)
    if len(rows) + len(cols) < 4:
        # Little running text (a page of tables): the text in a portrait page's cells says whether
        # it is upside down; otherwise ask tesseract's orientation detection.
        in_cells = _cell_probes(gray, ink) if gray.shape[0] > gray.shape[1] else []
        if len(in_cells) >= MIN_CELL_PROBES:
            flipped = _flipped_share(in_cells, engine_name) > FLIP_SHARE
            return (cv2.rotate(gray, cv2.ROTATE_180), 180, None) if flipped else (gray, 0, ink)
        turn = (osd_rotation(gray) if ink.tables or rows or cols else None) or 0
        return _turn(gray, turn), turn, None if turn else ink
    rotation = 0
    if len(cols) > max(3, 2 * len(rows)):
        gray = cv2.rotate(gray, cv2.ROTATE_90_CLOCKWISE)
        rotation = 90
        rows, _, ink = _line_blobs(gray, setting)
    if not rows:
        return gray, rotation, ink
    probes = sorted(rows, key=lambda b: -(b[2] - b[0]))[:ORIENT_PROBES]
    crops = [_pad(gray[b[1] : b[3], b[0] : b[2]]) for b in probes]
    if _flipped_share(crops, engine_name) > FLIP_SHARE:
        return cv2.rotate(gray, cv2.ROTATE_180), (rotation + 180) % 360, None
    return gray, rotation, ink


def _cell_probes(gray: np.ndarray, page: PageInk) -> list[np.ndarray]:
    """The widest text lines inside table cells (several characters each), padded, as the cells
    are read, for the direction classifier."""
    unit = sg.unit_of(gray)
    found: list[tuple[int, np.ndarray]] = []
    for t in page.tables:
        for c in t.cells:
            for crop, kind, _ in page.cell_lines(gray, c.bbox, unit):
                h, w = crop.shape[0] - 2 * PAD, crop.shape[1] - 2 * PAD
                if kind == "line" and w >= PROBE_ASPECT * h and h >= 0.5 * unit:
                    found.append((w, crop))
    found.sort(key=lambda f: -f[0])
    return [crop for _, crop in found[:ORIENT_PROBES]]


def _turn(gray: np.ndarray, degrees: int) -> np.ndarray:
    """The image turned clockwise by 0, 90, 180 or 270 degrees."""
    codes = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
    return cv2.rotate(gray, codes[degrees]) if degrees in codes else gray


def _elongated(mask: np.ndarray, unit: float, horizontal: bool) -> list[tuple[int, int, int, int]]:
    """Blobs of smeared text long in the given direction: text lines."""
    out = []
    for b in sg.ink_boxes(mask, int(unit * unit)):
        w, h = b[2] - b[0], b[3] - b[1]
        long, short = (w, h) if horizontal else (h, w)
        if long >= 4 * unit and long >= 4 * short and short >= 0.5 * unit:
            out.append(b)
    return out


def _flipped_share(crops: list[np.ndarray], engine_name: str) -> float:
    """Share of text-line crops that read better upside down."""
    try:
        from ingest.scan.ocr import RapidOcrEngine

        eng = get_engine("rapidocr")
        if isinstance(eng, RapidOcrEngine):
            return eng.orientation_votes(crops)
    except Exception:
        pass
    eng = get_engine(engine_name)
    a = eng.read_lines(crops, [False] * len(crops))
    b = eng.read_lines([cv2.rotate(c, cv2.ROTATE_180) for c in crops], [False] * len(crops))
    return sum(y[1] > x[1] for x, y in zip(a, b, strict=True)) / max(1, len(crops))


def group_paragraphs(
    lines: list[tuple[int, int, int, int]], tables: list[tuple[int, int, int, int]], width: int
) -> list[list[tuple[int, int, int, int]]]:
    """Printed lines grouped into paragraphs: a full line runs on into an unindented next line. Where a line
    is full is told by the body's lines (at least BODY_SHARE of the page's width); on a page without any
    (a signature and date alone on the last page) every line stands alone."""
    if not lines:
        return []
    wide = [b for b in lines if b[2] - b[0] >= BODY_SHARE * width]
    if not wide:
        return [[b] for b in sorted(lines, key=lambda x: x[1])]
    left = min(b[0] for b in wide)
    right = max(b[2] for b in wide)
    out: list[list[tuple[int, int, int, int]]] = []
    for b in sorted(lines, key=lambda x: x[1]):
        if out:
            prev = out[-1][-1]
            h = max(prev[3] - prev[1], b[3] - b[1])
            between = any(prev[3] <= t[1] and t[3] <= b[1] for t in tables)
            if prev[2] >= right - 1.5 * h and b[0] <= left + 0.5 * h and b[1] - prev[3] < 1.2 * h and not between:
                out[-1].append(b)
                continue
        out.append([b])
    return out


def upsampled(gray: np.ndarray, max_pixels: int) -> np.ndarray:
    """A low-resolution page enlarged (cubic) so its short side is UPSAMPLE_SIDE, within max_pixels;
    a grainy one is smoothed first (grain enlarged becomes blots that break thin rulings)."""
    h, w = gray.shape[:2]
    short = min(h, w)
    if short <= 0 or short >= LOW_RES_SIDE:
        return gray
    scale = min(UPSAMPLE_SIDE / short, (max_pixels / max(h * w, 1)) ** 0.5)
    if scale <= 1.05:
        return gray
    if sg.grain(gray) >= sg.GRAINY:
        gray = cv2.GaussianBlur(gray, (3, 3), 0)
    return cv2.resize(gray, (int(w * scale), int(h * scale)), interpolation=cv2.INTER_CUBIC)


def resize_matrix(before: tuple[int, ...], after: tuple[int, ...]) -> np.ndarray:
    """The 3x3 transform of pixel centres under cv2.resize from shape ``before`` to ``after``."""
    sx, sy = after[1] / before[1], after[0] / before[0]
    return np.array([[sx, 0.0, 0.5 * sx - 0.5], [0.0, sy, 0.5 * sy - 0.5], [0.0, 0.0, 1.0]])


def skew_matrix(shape: tuple[int, ...], angle: float) -> np.ndarray:
    """The 3x3 transform of ``scan_grid.rotate`` (turned by angle degrees about the centre)."""
    h, w = shape[:2]
    return np.vstack([cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0), [0.0, 0.0, 1.0]])


def turn_matrix(shape: tuple[int, ...], degrees: int) -> np.ndarray:
    """The 3x3 transform of turning an image of ``shape`` clockwise by 0, 90, 180 or 270 degrees."""
    h, w = shape[:2]
    turns = {
        90: [[0.0, -1.0, h - 1.0], [1.0, 0.0, 0.0]],
        180: [[-1.0, 0.0, w - 1.0], [0.0, -1.0, h - 1.0]],
        270: [[0.0, 1.0, 0.0], [-1.0, 0.0, w - 1.0]],
    }
    return np.vstack([turns.get(degrees % 360, [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]), [0.0, 0.0, 1.0]])


@dataclass
class WorkingPage:
    """A page image as it is read (squared, enlarged, evened, deskewed, upright), its ink, and how it
    stands on the source image: ``forward`` maps the source's pixels to the working image's."""

    gray: np.ndarray
    ink: PageInk
    rotation: int
    skew: float
    squared: bool
    evened: bool
    forward: np.ndarray


def working_page(img: np.ndarray, options: Options) -> WorkingPage:
    """One page image made ready to read, every geometric step recorded in ``forward``."""
    gray, warp = scan_photo.squared(sg.to_gray(img))
    forward = warp if warp is not None else np.eye(3)
    before = gray.shape
    gray = upsampled(gray, options.max_pixels)
    forward = resize_matrix(before, gray.shape) @ forward
    gray, evened = scan_photo.flatten(gray)
    gray, _ = sg.cleared_edges(gray)
    setting = sg.threshold_for(gray)
    gray, skew = sg.deskew(gray, setting)
    forward = (skew_matrix(gray.shape, skew) if skew else np.eye(3)) @ forward
    before = gray.shape
    gray, rotation, found = upright(gray, options.ocr_engine, setting)
    forward = turn_matrix(before, rotation) @ forward
    page = found if found is not None else page_ink(gray, setting)
    return WorkingPage(gray, page, rotation, skew, warp is not None, evened, forward)


def working_info(number: int, wp: WorkingPage, px_per_point: float | None) -> PageInfo:
    """The PageInfo of a working page: its size, turn, and transform back to the source page (PDF
    points when ``px_per_point`` gives the source image's resolution, else its pixels)."""
    h, w = wp.gray.shape[:2]
    back = np.linalg.inv(wp.forward)
    if px_per_point:
        back = np.diag([1.0 / px_per_point, 1.0 / px_per_point, 1.0]) @ back
    back = back / back[2, 2]
    if px_per_point and not wp.squared:
        # pixels per point: the source's resolution times the enlargement (turns keep lengths)
        scale = px_per_point * float(abs(np.linalg.det(wp.forward[:2, :2]))) ** 0.5
    else:  # a photo's page or an image file: no resolution to trust, the page taken as A4
        scale = min(w, h) / A4_SHORT_POINTS
    to_source = as_homography(back.ravel().tolist())
    return PageInfo(number, float(w), float(h), True, wp.rotation, wp.skew, to_source, scale)


def read_page(img: np.ndarray, number: int, options: Options, px_per_point: float | None = None) -> PageResult:
    """One page image to blocks (tables and paragraphs, top to bottom) and its PageInfo; ``px_per_point``
    is the image's resolution when it is a rendered PDF page."""
    engine = get_engine(options.ocr_engine)
    wp = working_page(img, options)
    gray, page, squared, evened = wp.gray, wp.ink, wp.squared, wp.evened
    unit = sg.unit_of(gray)
    tables = page.tables
    crops: list[tuple[np.ndarray, str, int]] = []
    slots: list[_Slot] = []
    rows: list[int] = []
    for ti, t in enumerate(tables):
        for ci, c in enumerate(t.cells):
            cell_crops = page.cell_lines(gray, c.bbox, unit)
            for li, crop in enumerate(cell_crops):
                crops.append(crop)
                slots.append(_Slot(ti, ci, li, crop[1], crop[2]))
                rows.append(ti * 10000 + c.row if len(cell_crops) == 1 else -1)
    paras = group_paragraphs(sg.text_lines(page.text, unit), [t.bbox for t in tables], gray.shape[1])
    partial = 0
    for pi, lines in enumerate(paras):
        # The first page's top (title, agency) is read whole; in one tall image of all pages, only its top.
        top = number == 1 and lines[0][1] < TOP_HEIGHTS * gray.shape[1]
        whole = FULL_BODY_TEXT or top or len(lines) == 1
        partial += not whole
        for li, b in enumerate(lines if whole else lines[:1]):
            line_img = _pad(gray[b[1] : b[3], b[0] : b[2]])
            crops.append((line_img if whole else split_wide(line_img)[0], "line", 1))
            slots.append(_Slot(-1, pi, li, "line" if whole else "prefix"))
            rows.append(-1)
    readings = read_crops(engine, crops, rows, [s.table >= 0 for s in slots])
    per_cell: dict[tuple[int, int], list[tuple[Reading, str, int]]] = {}
    para_text: dict[int, list[str]] = {}
    for s, r in zip(slots, readings, strict=True):
        if s.table < 0:
            para_text.setdefault(s.cell, []).append(r[0].strip() + ("…" if s.kind == "prefix" else ""))
        else:
            per_cell.setdefault((s.table, s.cell), []).append((r, s.kind, s.n))
    blocks: list[tuple[int, Block]] = []
    for ti, t in enumerate(tables):
        cells = []
        for ci, gc in enumerate(t.cells):
            text, conf, alts = _cell_text(per_cell.get((ti, ci), []))
            bbox = tuple(float(v) for v in gc.bbox)
            cells.append(Cell(text, gc.row, gc.col, gc.rowspan, gc.colspan, number, bbox, conf, alts))  # type: ignore[arg-type]
        tb = tuple(float(v) for v in t.bbox)
        rulings = [tuple(float(v) for v in ln) for ln in t.lines]
        blocks.append((t.bbox[1], Table(cells, number, tb, lines=rulings)))  # type: ignore[arg-type]
    for pi, lines in enumerate(paras):
        text = "".join(para_text.get(pi, [])).strip()
        if text and text != "…":
            pbox = (
                float(min(b[0] for b in lines)),
                float(lines[0][1]),
                float(max(b[2] for b in lines)),
                float(lines[-1][3]),
            )
            blocks.append((lines[0][1], Paragraph(text, number, pbox)))
    blocks.sort(key=lambda x: x[0])
    notes = (
        [f"page {number}: {partial} body paragraphs read in part (their first characters, then …)"] if partial else []
    )
    if squared or evened:
        done = ["the page cut from its darker surround and squared"] * squared + ["its uneven light evened"] * evened
        notes.append(f"page {number}: " + " and ".join(done))
    return [b for _, b in blocks], working_info(number, wp, px_per_point), notes


# ----------------------------------------------------------------------------- images


def _open_image(data: bytes, options: Options) -> object:
    """The image opened lazily after its declared size is checked against the limits."""
    from PIL import Image, UnidentifiedImageError

    if not data:
        raise ReportError("empty", "the image file is empty")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            im = Image.open(io.BytesIO(data))
        except Image.DecompressionBombError as e:
            raise ReportError("too_large", f"image too large: {e}") from None
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as e:
            raise ReportError("corrupt", f"not a readable image ({type(e).__name__})") from None
    w, h = im.size
    if w <= 0 or h <= 0:
        raise ReportError("corrupt", "the image declares no pixels")
    if w * h > options.max_pixels:
        raise ReportError("too_large", f"{w}x{h} = {w * h} pixels, more than the limit of {options.max_pixels}")
    n = int(getattr(im, "n_frames", 1))
    if n > options.max_pages:
        raise ReportError("too_large", f"{n} pages, more than the limit of {options.max_pages}")
    return im


def _frame_gray(frame: object) -> np.ndarray:
    """One image frame in grey; a colour frame through ``scan_grid.to_gray`` (red seals taken out)."""
    from PIL import Image

    assert isinstance(frame, Image.Image)
    if frame.mode in ("L", "1", "I;16", "I", "F"):
        return np.asarray(frame.convert("L"))
    rgb = np.asarray(frame.convert("RGB"))
    return sg.to_gray(np.ascontiguousarray(rgb[..., ::-1]))


def image_pages(data: bytes, options: Options) -> list[np.ndarray]:
    """Every frame of an image file as a grayscale array (multi-page TIFF = pages)."""
    from PIL import Image, ImageOps

    im = _open_image(data, options)
    assert isinstance(im, Image.Image)
    pages = []
    n = int(getattr(im, "n_frames", 1))
    for i in range(n):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                im.seek(i)
                if im.size[0] * im.size[1] > options.max_pixels:
                    raise ReportError(
                        "too_large", f"page {i + 1} is {im.size[0]}x{im.size[1]} pixels, more than the limit"
                    )
                im.load()
                frame = ImageOps.exif_transpose(im) if i == 0 else im
                pages.append(_frame_gray(frame))
            except ReportError:
                raise
            except Image.DecompressionBombError as e:
                raise ReportError("too_large", f"image too large: {e}") from None
            except (OSError, ValueError, SyntaxError, EOFError) as e:
                raise ReportError("corrupt", f"the image is damaged or truncated ({e})") from None
    return pages


def _may_fork() -> bool:
    """Whether this process may start a pool (not itself a pool worker, more than one core)."""
    return (
        (os.cpu_count() or 1) > 1
        and mp.current_process().daemon is False
        and os.environ.get("GOVREPORT_SCAN_WORKERS", "") != "1"
    )


def _workers(n_pages: int) -> int:
    """How many processes read pages: one per core, no more than the pages."""
    env = os.environ.get("GOVREPORT_SCAN_WORKERS", "")
    cores = int(env) if env.isdigit() and int(env) > 0 else (os.cpu_count() or 1)
    return max(1, min(cores, n_pages))


def _check_time(start: float, options: Options) -> None:
    """Raise timeout once the file has taken longer than allowed."""
    if time.monotonic() - start > options.timeout_s:
        raise ReportError("timeout", f"reading the scan took longer than {options.timeout_s:g} s")


def _assemble(path: str, fmt: str, results: list[PageResult], options: Options) -> Document:
    """One Document from the pages' blocks, in page order."""
    doc = Document(path=path, format=fmt, ocr=True, ocr_engine=options.ocr_engine)  # type: ignore[arg-type]
    for blocks, info, notes in results:
        doc.warnings.extend(notes)
        doc.blocks.extend(blocks)
        doc.pages.append(info)
        if info.rotation:
            doc.warnings.append(f"page {info.number} was turned {info.rotation} degrees")
    if not doc.tables:
        doc.warnings.append("no ruled table found in the scanned pages")
    return doc


def _read_image_page(args: tuple[np.ndarray, int, Options]) -> PageResult:
    """Pool task: one decoded page image."""
    return read_page(*args)


def read_image(path: str, data: bytes, options: Options) -> Document:
    """A PNG, JPEG or (multi-page) TIFF scan to a Document of grids."""
    start = time.monotonic()
    pages = image_pages(data, options)
    tasks = [(p, i + 1, options) for i, p in enumerate(pages)]
    results = _run(tasks, _read_image_page, start, options)
    return _assemble(path, "image", results, options)


def _run(tasks: list, fn, start: float, options: Options) -> list[PageResult]:  # type: ignore[type-arg, no-untyped-def]
    """Pages read in order, by a process pool when there are several and we may fork."""
    if len(tasks) >= PARALLEL_MIN_PAGES and _may_fork() and _workers(len(tasks)) > 1:
        ctx = mp.get_context("fork")
        with ProcessPoolExecutor(max_workers=_workers(len(tasks)), mp_context=ctx) as pool:
            futures = [pool.submit(fn, t) for t in tasks]
            remaining = max(1.0, options.timeout_s - (time.monotonic() - start))
            try:
                return [f.result(timeout=remaining) for f in futures]
            except TimeoutError:
                for f in futures:
                    f.cancel()
                raise ReportError("timeout", f"reading the scan took longer than {options.timeout_s:g} s") from None
    out = []
    for t in tasks:
        _check_time(start, options)
        out.append(fn(t))
    return out


# ----------------------------------------------------------------------------- PDF pages


def image_dpi(page) -> float | None:  # type: ignore[no-untyped-def]
    """The resolution of the page's largest embedded image (pixels per inch of page), None if none."""
    import pypdfium2.raw as pdfium_c

    best: tuple[float, float] | None = None
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2):
        try:
            pw, _ = obj.get_px_size()
            x0, _, x1, _ = obj.get_bounds()
        except Exception:
            continue
        if x1 - x0 > 1 and pw > 0 and (best is None or x1 - x0 > best[0]):
            best = (x1 - x0, pw * 72.0 / (x1 - x0))
    return best[1] if best else None


def page_dpi(page, dpi: int, max_pixels: int) -> float:  # type: ignore[no-untyped-def]
    """Render resolution of an image-only page: its scan's own (at least dpi, at most NATIVE_DPI_MAX),
    lowered to fit max_pixels; dpi when the page holds no image."""
    native = image_dpi(page)
    if native is None:
        return float(dpi)
    w, h = page.get_size()
    fit = 72.0 * (max_pixels / max(w * h, 1.0)) ** 0.5
    return max(float(dpi), min(native, NATIVE_DPI_MAX, fit)) if fit >= dpi else float(dpi)


def render_pdf_page(
    data: bytes, index: int, dpi: int, max_pixels: int, native: bool = False
) -> tuple[np.ndarray, float]:
    """One PDF page rendered in grayscale at dpi, or at its scan's own resolution when native
    (refused when it would exceed max_pixels), and its pixels per point."""
    with open_document(data) as pdf:
        page = pdf[index]
        w, h = page.get_size()
        scale = (page_dpi(page, dpi, max_pixels) if native else dpi) / 72.0
        if w * h * scale * scale > max_pixels:
            raise ReportError("too_large", f"page {index + 1} at {dpi} dpi exceeds {max_pixels} pixels")
        img = page.render(scale=scale).to_numpy()  # colour: a red seal is taken out by to_gray
        return sg.to_gray(np.ascontiguousarray(img)), scale


def _read_pdf_page(args: tuple[bytes, int, Options]) -> PageResult:
    """Pool task: render one PDF page and read it."""
    data, index, options = args
    img, px_per_point = render_pdf_page(data, index, options.dpi, options.max_pixels, True)
    return read_page(img, index + 1, options, px_per_point)


def read_pdf(path: str, data: bytes, options: Options, pages: list[int] | None = None) -> Document:
    """Image-only PDF pages (1-based numbers; all when None) rendered at options.dpi and read."""
    start = time.monotonic()
    with open_document(data) as pdf:
        n = len(pdf)
    check_pages(n, options.max_pages)
    wanted = pages if pages is not None else list(range(1, n + 1))
    tasks = [(data, p - 1, options) for p in wanted if 1 <= p <= n]
    results = _run(tasks, _read_pdf_page, start, options)
    return _assemble(path, "pdf", results, options)


def ocr_cells(
    page_image: np.ndarray, bboxes: list[tuple[float, float, float, float]], options: Options
) -> list[Reading]:
    """OCR of given cell boxes (pixels of page_image) for PDF cells with an unusable text layer."""
    engine = get_engine(options.ocr_engine)
    gray = sg.to_gray(page_image)
    unit = sg.unit_of(gray)
    binary = sg.binarize(gray)
    crops: list[tuple[np.ndarray, str, int]] = []
    owner: list[int] = []
    for i, b in enumerate(bboxes):
        box = (int(b[0]), int(b[1]), int(np.ceil(b[2])), int(np.ceil(b[3])))
        for crop in cell_lines(gray, binary, box, unit):
            crops.append(crop)
            owner.append(i)
    readings = read_crops(engine, crops) if crops else []
    parts: dict[int, list[tuple[Reading, str, int]]] = {}
    for i, crop, r in zip(owner, crops, readings, strict=True):
        parts.setdefault(i, []).append((r, crop[1], crop[2]))
    return [_cell_text(parts.get(i, [])) for i in range(len(bboxes))]
