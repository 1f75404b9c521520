"""Ruled tables found in a page image: deskew, binarise, ruling lines, grid cells with spans.

In the manner of camelot's lattice image processing: a few small OpenCV steps. Lengths are in pixels
and scale with the page (``unit`` = page width / 100), so 150, 200 and 300 dpi pages behave alike.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ingest.ruled import GridCell, RuledGrid, cluster_positions
from ingest.units import join_units

# Binarisation: adaptive-threshold block (as a fraction of the page width, made odd) and offset.
BLOCK_FRACTION = 1 / 110
# Red ink: red above the larger of green and blue by RED_MARGIN, red at least RED_MIN; a page is
# cleaned when at least RED_SHARE of it is red; the red channel is brightened by RED_LIFT there.
RED_MARGIN = 50
RED_MIN = 110
RED_SHARE = 0.0005
RED_LIFT = 1.2
# A seal's faint edge (JPEG bleeds its red into pinkish grey): within RED_NEAR pixels of clear red ink,
# pixels whose red outweighs green and blue by RED_FAINT are the seal's too. Over the seal's whole
# extent (the hull of its red, grown by RED_REACH_UNITS), only ink darker than RED_DARK of the paper is
# kept: the seal's greyed outline read as characters beside the date under it.
RED_NEAR = 9
RED_FAINT = 12
RED_REACH_UNITS = 1.0
RED_DARK = 0.6
# Dark page edges: within the outer EDGE_SHARE of the width (height), leading columns (rows) whose median
# is below EDGE_PAPER of the paper's level are the scanner lid, not the page. Punch holes: solid dark
# blobs (at least HOLE_FILL of their box) at least HOLE_SIDE of the width across, within HOLE_SHARE of
# the width from a side.
EDGE_SHARE = 0.06
EDGE_PAPER = 0.9
# A dark edge fades into the paper: its run goes on while the median is below EDGE_TAIL of the paper,
# then EDGE_PAD_UNITS more (the faint tail left a one-pixel line down the page that the adaptive threshold
# took for ink, and the running text beside a table read as one page-tall line).
EDGE_TAIL = 0.97
EDGE_PAD_UNITS = 0.1
HOLE_SHARE = 0.12
HOLE_SIDE = 0.018
HOLE_FILL = 0.65
THRESH_C = -2
# Grain is measured by its effect: specks (ink blobs under SPECK_UNITS2 units squared) per million
# pixels after the plain threshold, on horizontal stripes of the page (GRAIN_STRIPE rows every
# GRAIN_EVERY rows). At least GRAINY of them make a page grainy: it is smoothed 3x3 and its offset is
# the first of OFFSET_LADDER whose specks are within SPECK_SLACK of the fewest any offset leaves
# (JPEG-smoothed noise is invisible to a pixel-level estimate, but not to its specks).
SPECK_UNITS2 = 0.16
GRAINY = 300.0
OFFSET_LADDER = (-2.0, -4.0, -6.0, -8.0, -12.0, -16.0, -20.0)
SPECK_SLACK = 1.25
GRAIN_STRIPE = 256
GRAIN_EVERY = 768
# Line detection: opening-kernel length in `unit`s (1 unit = page width / 100).
H_KERNEL_UNITS = 2.2
V_KERNEL_UNITS = 1.0
# A piece one row tall is a ruling only within this many units of the x of a piece spanning rows.
ALIGN_UNITS = 0.3
# ... and then needs ink beside it along at most this share of its length (CLEAN_SIDE when alone).
ALIGNED_SIDE = 0.3
CLEAN_SIDE = 0.08
# ... and it must run into one of the rulings at its ends, whose ink is at most RUNG_THICK_UNITS thick (the
# digit 1 in a cell stops short of both).
RUNG_THICK_UNITS = 0.4
RUNG_REACH_UNITS = 0.12
# A piece spanning two rows or more may have text touching it along this share (glyph chains: more).
LONG_SIDE = 0.5
# A vertical ruling spans at least this many units (a table row is taller; glyph strokes between
# the long strokes of a character like 三 are shorter).
MIN_V_UNITS = 1.2
# Closing bridges breaks of up to this many units along a line (scanner dropouts).
BRIDGE_UNITS = 0.6
# A ruling broken every few pixels (toner skips, noise, JPEG) leaves pieces shorter than the opening
# kernel: ink runs at least PIECE_UNITS long along the line (2 pixels at least) are joined across gaps of
# up to GAP_UNITS, and a join at least JOIN_H_UNITS (JOIN_V_UNITS upright) long is a ruling where one band
# of it BAND_UNITS thick is covered by the pieces along at least PIECE_COVER of its length. The strokes
# of a line of text, joined so, lie at many heights and leave the gaps between characters open; two
# characters with a stroke at one height (the bar of 十 beside 条) are shorter than a join must be.
PIECE_UNITS = 0.12
GAP_UNITS = 0.8
JOIN_H_UNITS = 8.0
JOIN_V_UNITS = 5.0
BAND_UNITS = 0.15
PIECE_COVER = 0.8
# ... and where at most BOTH_SIDES of its length has ink both above and below the band (SIDE_GAP_UNITS to
# SIDE_UNITS away): glyph strokes cross a band through a line of text, a ruling has white cell padding
# on at least one side.
SIDE_GAP_UNITS = 0.12
SIDE_UNITS = 0.35
BOTH_SIDES = 0.2
# ... and of a join, only the stretches between perpendicular lines whose pieces cover SPAN_COVER of them.
SPAN_COVER = 0.67
# A horizontal ruling meets a vertical one it stops short of by up to REACH_UNITS (a break at the crossing).
REACH_UNITS = 0.8
# A column of ink beside a vertical piece along this share of its length is a parallel ruling (the
# partner of a double border, the next box of separately boxed cells), not a glyph's other stroke;
# counted so only for pieces at least this many units long (a glyph touching two tight rulings is shorter).
PARALLEL_SHARE = 0.95
PARALLEL_MIN_UNITS = 1.6
# A boundary between two grid positions is ruled when this share of it is covered by line pixels.
RULED_COVERAGE = 0.6
# A table needs at least this many rows and columns of grid positions and this size in units.
MIN_TABLE_ROWS = 1
MIN_TABLE_COLS = 2
MIN_TABLE_UNITS = 8
# A cell's side is moved onto its ruling when the ruling stands more than SNAP_UNITS off the grid's
# position there (looked for within SNAP_RANGE_UNITS).
SNAP_UNITS = 0.12
SNAP_RANGE_UNITS = 0.8
# A table's first and last boundaries are ruled along at least this share of its width.
OUTER_COVERAGE = 0.5
# A vertical piece is cut back to where it meets horizontal pieces at least this many units long.
RUNG_UNITS = 4.0
# Deskew search: coarse range and steps in degrees.
SKEW_RANGE = 4.0
SKEW_COARSE = 0.25
SKEW_FINE = 0.05


# A ruled table of a page image, in pixels.
GridTable = RuledGrid[int]


def to_gray(img: np.ndarray) -> np.ndarray:
    """A single-channel uint8 copy of a BGR(A) image, red ink (seals) taken out."""
    if img.ndim == 2:
        return img
    bgr = cv2.cvtColor(img, cv2.COLOR_BGRA2BGR) if img.shape[2] == 4 else img
    return without_red(bgr, cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY))


def without_red(bgr: np.ndarray, gray: np.ndarray) -> np.ndarray:
    """The grey page with red ink (a seal stamped over text) lightened to the paper: where red clearly
    outweighs green and blue, the red channel (bright under red ink, dark under black ink) stands in."""
    b, g, r = (bgr[..., i].astype(np.int16) for i in range(3))
    red = (r - np.maximum(g, b) > RED_MARGIN) & (r > RED_MIN)
    if red.mean() < RED_SHARE:
        return gray
    near = cv2.dilate(red.astype(np.uint8), np.ones((RED_NEAR, RED_NEAR), np.uint8)).astype(bool)
    red = cv2.dilate(red.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    red |= near & (r - np.maximum(g, b) > RED_FAINT)
    out = gray.copy()
    lifted = np.minimum(255, r.astype(np.float32) * RED_LIFT).astype(np.uint8)
    out[red] = np.maximum(gray[red], lifted[red])
    h, w = gray.shape[:2]
    paper = np.uint8(np.percentile(gray[:: max(1, h // 400), :: max(1, w // 400)], 90))
    extent = red_extent(red, unit_of(gray))
    out[extent & (out >= RED_DARK * paper)] = paper
    return out


def red_extent(red: np.ndarray, unit: float) -> np.ndarray:
    """Where red ink stamps the page: each patch of it (grown by RED_REACH_UNITS) filled to its convex hull."""
    k = max(3, int(RED_REACH_UNITS * unit) | 1)
    grown = cv2.dilate(red.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    contours, _ = cv2.findContours(grown, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    filled = np.zeros_like(grown)
    for c in contours:
        cv2.fillConvexPoly(filled, cv2.convexHull(c), 1)
    return filled.astype(bool)


def _leading(flags: np.ndarray) -> int:
    """How many leading entries are true."""
    return int(len(flags) if flags.all() else np.argmin(flags))


def _edge_run(medians: np.ndarray, level: float, tail: float, limit: int, pad: int) -> int:
    """How many leading entries of medians (from a page side inwards, at most limit) are the scanner's edge:
    darker than level, then its fading tail (darker than tail) and pad more; 0 when the side is paper."""
    run = _leading(medians[:limit] < level)
    if run == 0:
        return 0
    return min(limit, run + _leading(medians[run:limit] < tail) + pad)


def cleared_edges(gray: np.ndarray) -> tuple[np.ndarray, bool]:
    """The page with dark scanner edges and punch holes whitened to the paper; whether any were found."""
    h, w = gray.shape[:2]
    paper = float(np.percentile(gray[:: max(1, h // 400), :: max(1, w // 400)], 90))
    level, tail, pad = EDGE_PAPER * paper, EDGE_TAIL * paper, max(2, int(EDGE_PAD_UNITS * unit_of(gray)))
    cols, rows = np.median(gray[:: max(1, h // 600)], axis=0), np.median(gray[:, :: max(1, w // 600)], axis=1)
    lx, ly = int(EDGE_SHARE * w), int(EDGE_SHARE * h)
    left, right = _edge_run(cols, level, tail, lx, pad), _edge_run(cols[::-1], level, tail, lx, pad)
    top, bottom = _edge_run(rows, level, tail, ly, pad), _edge_run(rows[::-1], level, tail, ly, pad)
    out = gray.copy()
    white = np.uint8(min(255, paper))
    out[:, :left], out[:, w - right :], out[:top], out[h - bottom :] = white, white, white, white
    side = int(HOLE_SHARE * w)
    found = bool(left or right or top or bottom)
    for x0 in (0, w - side):
        strip = (out[:, x0 : x0 + side] < level / 2).astype(np.uint8)
        n, _, stats, _ = cv2.connectedComponentsWithStats(strip, connectivity=8)
        for i in range(1, n):
            x, y, bw, bh, area = (int(v) for v in stats[i])
            if min(bw, bh) >= HOLE_SIDE * w and max(bw, bh) <= 1.5 * min(bw, bh) and area >= HOLE_FILL * bw * bh:
                pad = max(2, bw // 10)
                out[max(0, y - pad) : y + bh + pad, max(0, x0 + x - pad) : x0 + x + bw + pad] = white
                found = True
    return out, found


def unit_of(gray: np.ndarray) -> float:
    """The page's length unit: one hundredth of its width in pixels."""
    return max(gray.shape[1], 1) / 100.0


@dataclass(frozen=True)
class Threshold:
    """How a page is binarised: smoothed first or not, and the adaptive threshold's offset."""

    smooth: bool = False
    offset: float = float(THRESH_C)


PLAIN = Threshold()


def _threshold(gray: np.ndarray, t: Threshold) -> np.ndarray:
    """Ink as 255 on 0 by a mean-adaptive threshold (block from the page width) with setting t."""
    block = max(3, int(gray.shape[1] * BLOCK_FRACTION) | 1)
    src: np.ndarray = cv2.GaussianBlur(gray, (3, 3), 0) if t.smooth else gray
    return cv2.adaptiveThreshold(
        cv2.bitwise_not(src), 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, block, t.offset
    )


def _stripes(gray: np.ndarray) -> np.ndarray:
    """Horizontal stripes of the page stacked: a sample for the grain, whatever the page's height."""
    h = gray.shape[0]
    if h <= 2 * GRAIN_STRIPE:
        return gray
    return np.vstack([gray[y : y + GRAIN_STRIPE] for y in range(0, h - GRAIN_STRIPE + 1, GRAIN_EVERY)])


def speck_density(sample: np.ndarray, t: Threshold, unit: float) -> float:
    """Specks per million pixels that threshold setting t leaves in the sample."""
    n, _, stats, _ = cv2.connectedComponentsWithStats(_threshold(sample, t), connectivity=8)
    small = int(np.count_nonzero(stats[1:n, 4] < max(4.0, SPECK_UNITS2 * unit * unit)))
    return small * 1e6 / max(sample.size, 1)


def grain(gray: np.ndarray) -> float:
    """The page's grain: specks per million pixels after the plain threshold."""
    return speck_density(_stripes(gray), PLAIN, unit_of(gray))


def threshold_for(gray: np.ndarray) -> Threshold:
    """The binarisation a page needs: plain when it is clean, else smoothed with the offset that
    leaves (about) the fewest specks."""
    sample = _stripes(gray)
    unit = unit_of(gray)
    if speck_density(sample, PLAIN, unit) < GRAINY:
        return PLAIN
    ladder = [Threshold(True, c) for c in OFFSET_LADDER]
    counts = [speck_density(sample, t, unit) for t in ladder]
    least = min(counts)
    return next(t for t, n in zip(ladder, counts, strict=True) if n <= SPECK_SLACK * least + 1)


def binarize(gray: np.ndarray, setting: Threshold | None = None) -> np.ndarray:
    """Ink as 255 on 0: adaptive threshold, robust to shaded cells and uneven scans; a grainy page
    is smoothed and thresholded higher so its grain does not turn into ink."""
    return _threshold(gray, setting if setting is not None else threshold_for(gray))


def _profile_score(small: np.ndarray, angle: float) -> float:
    """Sharpness of the row-ink profile once the image is turned by ``angle`` degrees."""
    h, w = small.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    rot = cv2.warpAffine(small, m, (w, h), flags=cv2.INTER_NEAREST, borderValue=0)
    prof = cv2.reduce(rot, 1, cv2.REDUCE_SUM, dtype=cv2.CV_32S).ravel().astype(np.float64)  # exact, 20x numpy's sum
    return float(np.square(np.diff(prof)).sum())


def estimate_skew(binary: np.ndarray) -> float:
    """The angle (degrees, counter-clockwise positive as cv2) that makes lines of ink horizontal."""
    scale = min(1.0, 800 / max(binary.shape[1], 1))
    small = cv2.resize(binary, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    if small.sum() == 0:
        return 0.0
    coarse = np.arange(-SKEW_RANGE, SKEW_RANGE + 1e-9, SKEW_COARSE)
    best = max(coarse, key=lambda a: _profile_score(small, float(a)))
    fine = np.arange(best - SKEW_COARSE, best + SKEW_COARSE + 1e-9, SKEW_FINE)
    best = max(fine, key=lambda a: _profile_score(small, float(a)))
    return round(float(best), 2)


def rotate(img: np.ndarray, angle: float) -> np.ndarray:
    """The image turned by ``angle`` degrees about its centre, white filling the corners."""
    if abs(angle) < 1e-6:
        return img
    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    border = 255 if img.ndim == 2 else (255, 255, 255)
    return cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=border)


def deskew(gray: np.ndarray, setting: Threshold | None = None) -> tuple[np.ndarray, float]:
    """The page turned so its ruling lines and text lines are level, and the angle applied."""
    angle = estimate_skew(binarize(gray, setting))
    if abs(angle) < SKEW_FINE:
        return gray, 0.0
    return rotate(gray, angle), angle


def _opened(binary: np.ndarray, length: int) -> np.ndarray:
    """The runs of ink at least length pixels long along the rows."""
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (max(2, length), 1))
    return cv2.morphologyEx(binary, cv2.MORPH_OPEN, kernel)


def _closed(mask: np.ndarray, length: int) -> np.ndarray:
    """The mask with breaks of up to length pixels along the rows filled."""
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (max(3, length), 1))
    return cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel)


def best_band(pieces: np.ndarray, thick: int) -> tuple[int, float]:
    """The first row of the band thick rows tall whose ink covers most columns, and that share."""
    h = pieces.shape[0]
    if h == 0 or pieces.shape[1] == 0:
        return 0, 0.0
    thick = min(thick, h)
    # each row: whether a column has ink in the thick rows from it down (one uint8 image, not int32 sums)
    inked = cv2.dilate((pieces > 0).view(np.uint8), np.ones((thick, 1), np.uint8), anchor=(0, 0))
    cover = np.count_nonzero(inked[: h - thick + 1], axis=1) / pieces.shape[1]
    top = int(np.argmax(cover))
    return top, float(cover[top])


def _crossed(binary: np.ndarray, top: int, thick: int, gap: int, reach: int) -> np.ndarray:
    """For each column, whether it has ink both above and below the band of rows top..top+thick
    (between gap and reach rows away)."""
    h, w = binary.shape
    above = binary[max(0, top - reach) : max(0, top - gap + 1)]
    below = binary[min(h, top + thick + gap - 1) : min(h, top + thick + reach)]
    if above.size == 0 or below.size == 0:
        return np.zeros(w, dtype=np.bool_)
    return np.asarray(above.any(axis=0) & below.any(axis=0))


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """The (start, end) of each run of True in a 1-D array."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], flags.astype(np.int8), [0]))))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def _kept_spans(ink: np.ndarray, crossing: np.ndarray) -> np.ndarray:
    """Along a join's band, the columns kept: each stretch between perpendicular lines whose pieces
    cover SPAN_COVER of it (a glyph stroke reached through a merged cell covers less), with the
    crossings beside a kept stretch."""
    keep = np.zeros(len(ink), dtype=np.bool_)
    for a, b in _runs(~crossing):
        keep[a:b] = ink[a:b].mean() >= SPAN_COVER
    for a, b in _runs(crossing):
        keep[a:b] = (a > 0 and keep[a - 1]) or (b < len(keep) and keep[b])
    return keep


def joined_rulings(binary: np.ndarray, length: int, unit: float, across: np.ndarray) -> np.ndarray:
    """Horizontal rulings broken into pieces shorter than the opening kernel: the pieces joined across
    short gaps, kept (their best-covered band only) where the join runs length pixels, the pieces cover
    its band and its sides are not both inked; within it, only the stretches between the perpendicular
    lines (across) that the pieces cover."""
    pieces = _opened(binary, int(PIECE_UNITS * unit))
    joins = _opened(_closed(pieces, int(GAP_UNITS * unit)), length)
    out = np.zeros_like(binary)
    thick = max(2, int(round(BAND_UNITS * unit)))
    gap, reach = max(2, int(round(SIDE_GAP_UNITS * unit))), max(3, int(round(SIDE_UNITS * unit)))
    for (x0, y0, x1, y1), _ in blobs(joins):
        top, share = best_band(pieces[y0:y1, x0:x1], thick)
        crossed = _crossed(binary[:, x0:x1], y0 + top, thick, gap, reach)
        if share >= PIECE_COVER and crossed.mean() <= BOTH_SIDES:
            a, b = y0 + max(0, top - 1), y0 + top + thick + 1
            ink = np.asarray((pieces[a:b, x0:x1] > 0).any(axis=0))
            keep = _kept_spans(ink, np.asarray(across[a:b, x0:x1].any(axis=0)))
            out[a:b, x0:x1] |= joins[a:b, x0:x1] * keep[None, :].astype(np.uint8)
    return out


def line_masks(binary: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Horizontal and vertical ruling-line masks by morphological opening (pieces of broken rulings
    joined), breaks bridged by closing."""
    u = unit_of(binary)
    bridge = max(3, int(BRIDGE_UNITS * u))
    upright = cv2.transpose(binary)  # contiguous transposes, 6x numpy's copies
    hplain = _opened(binary, max(3, int(H_KERNEL_UNITS * u)))
    vplain = _opened(upright, max(3, int(V_KERNEL_UNITS * u)))
    horiz = _closed(hplain | joined_rulings(binary, int(JOIN_H_UNITS * u), u, cv2.transpose(vplain)), bridge)
    vert = _closed(vplain | joined_rulings(upright, int(JOIN_V_UNITS * u), u, cv2.transpose(hplain)), bridge)
    return horiz, cv2.transpose(vert)


def outer_borders(mask: np.ndarray) -> list[tuple[np.ndarray, int]]:
    """The outer border of every 8-connected blob of a binary mask, with about how many pixels the
    blob has. Traced borders are many times faster than labelling every pixel of a sparse page (a
    blob inside another's hole has a border of its own)."""
    contours, hierarchy = cv2.findContours(mask, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is None:
        return []
    # filled area of the border polygon plus the half of the border pixels it leaves out
    return [
        (c, int(cv2.contourArea(c) + cv2.arcLength(c, True) / 2 + 1))
        for c, (_, _, _, parent) in zip(contours, hierarchy[0], strict=True)
        if parent < 0  # not the border of a hole
    ]


def blobs(mask: np.ndarray) -> list[tuple[tuple[int, int, int, int], int]]:
    """Connected blobs of a binary mask: box (x0, y0, x1, y1) and about how many pixels."""
    out = []
    for c, area in outer_borders(mask):
        x, y, w, h = cv2.boundingRect(c)
        out.append(((x, y, x + w, y + h), area))
    return out


def without_specks(binary: np.ndarray, min_area: float) -> np.ndarray:
    """The binary image without its blobs of fewer than min_area pixels (each speck's own pixels)."""
    out = binary.copy()
    specks = [c for c, area in outer_borders(binary) if area < min_area]
    cv2.drawContours(out, specks, -1, 0, thickness=cv2.FILLED)
    return out


def _segments(mask: np.ndarray, horizontal: bool) -> list[tuple[int, int, int, int]]:
    """Connected line pieces of a mask as (x0, y0, x1, y1) boxes."""
    return sorted((box for box, _ in blobs(mask)), key=lambda b: (b[1], b[0]))


def _near(mask: np.ndarray, x: int, y: int, r: int) -> bool:
    """Whether the mask has ink within r pixels of (x, y)."""
    h, w = mask.shape
    x0, x1, y0, y1 = max(0, x - r), min(w, x + r + 1), max(0, y - r), min(h, y + r + 1)
    return bool(mask[y0:y1, x0:x1].any())


def _crossings(profile: np.ndarray, offset: int) -> list[int]:
    """Start positions of the runs of True in a 1-D profile (where a perpendicular line crosses)."""
    idx = np.flatnonzero(profile)
    if len(idx) == 0:
        return []
    starts = idx[np.r_[True, np.diff(idx) > 1]]
    return [offset + int(v) for v in starts]


def _trimmed(
    seg: tuple[int, int, int, int], other: np.ndarray, horizontal: bool, r: int, reach: int
) -> tuple[int, int, int, int] | None:
    """A line piece cut back to its first and last meeting with a perpendicular line (None if fewer than
    two): within r pixels, or reach pixels left or right (a horizontal ruling broken just before it
    meets a vertical one)."""
    x0, y0, x1, y1 = seg
    h, w = other.shape
    if horizontal:
        band = other[max(0, y0 - r) : min(h, y1 + r), max(0, x0 - reach) : min(w, x1 + reach)]
        hits = _crossings(np.asarray(band.any(axis=0)), max(0, x0 - reach))
        if len(hits) < 2 or hits[-1] - hits[0] < 2 * r:
            return None
        return (min(max(hits[0], x0 - r), x1), y0, max(min(hits[-1] + 1, x1 + r), x0), y1)
    band = other[max(0, y0 - r) : min(h, y1 + r), max(0, x0 - reach) : min(w, x1 + reach)]
    hits = _crossings(np.asarray(band.any(axis=1)), max(0, y0 - r))
    if len(hits) < 2 or hits[-1] - hits[0] < 2 * r:
        return None
    return (x0, hits[0], x1, hits[-1] + 1)


def ruling_segments(
    horiz: np.ndarray, vert: np.ndarray, binary: np.ndarray, unit: float
) -> tuple[list[tuple[int, int, int, int]], list[tuple[int, int, int, int]]]:
    """Line pieces cut to where they meet perpendicular lines, kept when they meet at least two;
    verticals are checked first (glyph strokes touching the rulings dropped), then horizontals against them."""
    r = max(3, int(0.4 * unit))
    reach = max(r, int(REACH_UNITS * unit))
    # Verticals end at rulings, not at glyph strokes: a heading's stroke bridged to a table's border
    # (a photo squeezes the gap) carried the border on into the heading, whose ink beside it then
    # dropped the border.
    rungs = np.zeros_like(horiz)
    for x0, y0, x1, y1 in _segments(horiz, True):
        if x1 - x0 >= RUNG_UNITS * unit:
            rungs[y0:y1, x0:x1] = horiz[y0:y1, x0:x1]
    vs = [t for s in _segments(vert, False) if (t := _trimmed(s, rungs, False, r, reach)) is not None]
    vs = [s for s in vs if s[3] - s[1] >= MIN_V_UNITS * unit]
    # a vertical crosses rulings, not the strokes of a text line (十's bar beside 二 and 条, chained)
    vs = aligned_verticals(vs, [s for s in _segments(horiz, True) if s[2] - s[0] >= RUNG_UNITS * unit], binary, unit)
    vmask = np.zeros_like(vert)
    for x0, y0, x1, y1 in vs:
        vmask[y0:y1, x0:x1] = vert[y0:y1, x0:x1]
    hs = [t for s in _segments(horiz, True) if (t := _trimmed(s, vmask, True, r, reach)) is not None]
    return hs, vs


def _cluster(values: list[float], tol: float) -> list[int]:
    """Positions closer than tol merged into their mean, sorted."""
    return [int(round(sum(g) / len(g))) for g in cluster_positions(values, tol)]


def table_regions(
    hs: list[tuple[int, int, int, int]], vs: list[tuple[int, int, int, int]], unit: float
) -> list[tuple[int, int, int, int]]:
    """Boxes of groups of touching ruling lines: one per table."""
    boxes = [list(b) for b in hs + vs]
    pad = max(2, int(0.4 * unit))
    merged = True
    while merged:
        merged = False
        out: list[list[int]] = []
        for b in boxes:
            for o in out:
                if b[0] <= o[2] + pad and o[0] <= b[2] + pad and b[1] <= o[3] + pad and o[1] <= b[3] + pad:
                    o[0], o[1], o[2], o[3] = min(o[0], b[0]), min(o[1], b[1]), max(o[2], b[2]), max(o[3], b[3])
                    merged = True
                    break
            else:
                out.append(list(b))
        boxes = out
    big = MIN_TABLE_UNITS * unit
    return [(b[0], b[1], b[2], b[3]) for b in boxes if b[2] - b[0] >= big and b[3] - b[1] >= unit * 2]


def _coverage(mask: np.ndarray, horizontal: bool, at: int, a: int, b: int, r: int) -> float:
    """Share of the span a..b along line position `at` (± r) that the mask covers."""
    if b <= a:
        return 0.0
    if horizontal:
        band = mask[max(0, at - r) : at + r + 1, a:b]
        return float(band.any(axis=0).mean()) if band.size else 0.0
    band = mask[a:b, max(0, at - r) : at + r + 1]
    return float(band.any(axis=1).mean()) if band.size else 0.0


def grid_cells(xs: list[int], ys: list[int], horiz: np.ndarray, vert: np.ndarray, unit: float) -> list[GridCell[int]]:
    """Printed cells of a grid: positions joined where no ruling separates them (merged cells)."""
    nr, nc = len(ys) - 1, len(xs) - 1
    r = max(2, int(0.3 * unit))
    m = max(1, int(0.3 * unit))
    joined = join_units(
        nr,
        nc,
        lambda i, j: _coverage(vert, False, xs[j + 1], ys[i] + m, ys[i + 1] - m, r) < RULED_COVERAGE,
        lambda i, j: _coverage(horiz, True, ys[i + 1], xs[j] + m, xs[j + 1] - m, r) < RULED_COVERAGE,
    )
    groups: dict[int, list[tuple[int, int]]] = {}
    for pos, group in joined.items():
        groups.setdefault(group, []).append(pos)
    cells = []
    taken: set[tuple[int, int]] = set()
    for members in sorted(groups.values(), key=lambda g: min(g)):
        r0, r1 = min(p[0] for p in members), max(p[0] for p in members)
        c0, c1 = min(p[1] for p in members), max(p[1] for p in members)
        if any((a, b) in taken for a in range(r0, r1 + 1) for b in range(c0, c1 + 1)):
            continue  # a non-rectangular merge: its bounding rectangle is already counted
        taken.update((a, b) for a in range(r0, r1 + 1) for b in range(c0, c1 + 1))
        cells.append(GridCell(r0, c0, r1 - r0 + 1, c1 - c0 + 1, (xs[c0], ys[r0], xs[c1 + 1], ys[r1 + 1])))
    cells.sort(key=lambda c: (c.row, c.col))
    return cells


def _fill_holes(cells: list[GridCell[int]], nr: int, nc: int, xs: list[int], ys: list[int]) -> list[GridCell[int]]:
    """Grid positions no cell covers (left by a non-rectangular merge) as their own cells."""
    covered = {(c.row + a, c.col + b) for c in cells for a in range(c.rowspan) for b in range(c.colspan)}
    extra = [
        GridCell(i, j, 1, 1, (xs[j], ys[i], xs[j + 1], ys[i + 1]))
        for i in range(nr)
        for j in range(nc)
        if (i, j) not in covered
    ]
    return sorted(cells + extra, key=lambda c: (c.row, c.col))


def _rungs(seg: tuple[int, int, int, int], hs: list[tuple[int, int, int, int]], r: int) -> int:
    """How many horizontal lines a vertical piece crosses or meets (ends included)."""
    x = (seg[0] + seg[2]) / 2
    ys = [(h[1] + h[3]) / 2 for h in hs if h[0] - r <= x <= h[2] + r and seg[1] - r <= (h[1] + h[3]) / 2 <= seg[3] + r]
    return len(_cluster(ys, r))


def _side_rows(binary: np.ndarray, seg: tuple[int, int, int, int], unit: float) -> tuple[np.ndarray, np.ndarray]:
    """Along a vertical piece (ends left out), whether each row has ink just left of it and just right
    of it (a second ruling running beside a long piece is not counted as ink)."""
    x0, y0, x1, y1 = seg
    e = max(2, int(0.2 * unit))
    a, b = max(1, int(0.1 * unit)), max(3, int(0.4 * unit))
    n = max(0, y1 - y0 - 2 * e)
    left = binary[y0 + e : y1 - e, max(0, x0 - b) : max(0, x0 - a)]
    right = binary[y0 + e : y1 - e, x1 + a : x1 + b]
    if y1 - y0 >= PARALLEL_MIN_UNITS * unit:  # a second ruling beside it (double or boxed borders) is not ink
        left, right = (w[:, (w > 0).mean(axis=0) < PARALLEL_SHARE] if w.size else w for w in (left, right))
    sides = [np.asarray(w.any(axis=1)) if w.size else np.zeros(n, dtype=np.bool_) for w in (left, right)]
    return sides[0], sides[1]


def side_ink(binary: np.ndarray, seg: tuple[int, int, int, int], unit: float) -> tuple[float, float]:
    """Shares of a vertical piece's length with ink just beside it, and with ink on both sides at once
    (a glyph's stroke has its other strokes attached, the bar of 十 crosses it; a ruling has white cell
    padding on both sides)."""
    if seg[3] - seg[1] <= 2 * max(2, int(0.2 * unit)):
        return 1.0, 1.0
    left, right = _side_rows(binary, seg, unit)
    return float((left | right).mean()), float((left & right).mean())


def _leaves_rung(profile: np.ndarray, rung: int) -> bool:
    """Whether ink along a piece, from the rung it starts at (at most rung rows of ink), breaks off
    before the piece's own ink begins."""
    white = np.flatnonzero(~profile)
    return len(white) > 0 and 0 < white[0] <= rung


def floating(binary: np.ndarray, seg: tuple[int, int, int, int], unit: float) -> bool:
    """Whether a vertical piece stops short of the rulings at both its ends (a glyph's stroke has the
    cell's padding above and below it; a ruling runs into the rulings it meets). The profile reaches
    RUNG_REACH_UNITS past the piece's ends: a piece cut back to its crossings may stop a pixel short of
    the ruling it meets, and the digit 1 under it then seemed to run into it."""
    x0, y0, x1, y1 = seg
    e = max(1, int(round(RUNG_REACH_UNITS * unit)))
    profile = np.asarray(binary[max(0, y0 - e) : y1 + e, x0:x1].any(axis=1))
    rung = max(2, int(RUNG_THICK_UNITS * unit))
    return _leaves_rung(profile, rung) and _leaves_rung(profile[::-1], rung)


def aligned_verticals(
    vs: list[tuple[int, int, int, int]], hs: list[tuple[int, int, int, int]], binary: np.ndarray, unit: float
) -> list[tuple[int, int, int, int]]:
    """Vertical pieces with clean sides, or mostly clean ones that span two rows or more or stand at
    the x of such a piece: the others are glyph strokes touching both rulings (chained across tight rows)."""
    r = max(2, int(0.4 * unit))
    rungs = [_rungs(s, hs, r) for s in vs]
    inked = [side_ink(binary, s, unit) for s in vs]
    sides = [d for d, _ in inked]
    long = [s for s, n, d in zip(vs, rungs, sides, strict=True) if n >= 3 and d <= LONG_SIDE]
    near = max(2, int(ALIGN_UNITS * unit))
    out = []
    for s, n, (side, _) in zip(vs, rungs, inked, strict=True):
        aligned = any(
            abs((s[0] + s[2] - g[0] - g[2]) / 2) <= near and g[1] - r <= s[3] and s[1] <= g[3] + r for g in long
        )
        clean = side <= CLEAN_SIDE and not floating(binary, s, unit)
        if clean or (aligned and side <= ALIGNED_SIDE) or (n >= 3 and side <= LONG_SIDE):
            out.append(s)
    return out


def _mask_of(shape: tuple[int, ...], segs: list[tuple[int, int, int, int]], src: np.ndarray) -> np.ndarray:
    """The line pixels of the given pieces only (strokes that were dropped do not split cells)."""
    out = np.zeros(shape, dtype=np.uint8)
    for x0, y0, x1, y1 in segs:
        out[y0:y1, x0:x1] = src[y0:y1, x0:x1]
    return out


def _line_at(mask: np.ndarray, horizontal: bool, at: int, a: int, b: int, r: int) -> int | None:
    """Where the ruling near position `at` (within r) runs along a..b: the centre of its pixels
    there, None when it leaves none."""
    if horizontal:
        lo = max(0, at - r)
        prof = mask[lo : at + r + 1, a:b].sum(axis=1, dtype=np.int64)
    else:
        lo = max(0, at - r)
        prof = mask[a:b, lo : at + r + 1].sum(axis=0, dtype=np.int64)
    total = int(prof.sum())
    if total == 0:
        return None
    return lo + int(round(float((np.arange(len(prof)) * prof).sum()) / total))


def snapped(c: GridCell[int], hmask: np.ndarray, vmask: np.ndarray, unit: float) -> GridCell[int]:
    """A cell's box moved onto the rulings beside it where they stand off the grid's straight
    positions by more than SNAP_UNITS (a bowed or unevenly squared page: a ruling left inside the
    crop reads as 1); a cell on a straight grid keeps its box."""
    x0, y0, x1, y1 = c.bbox
    r = max(2, int(SNAP_RANGE_UNITS * unit))
    m = max(1, int(0.3 * unit))
    got = [
        _line_at(vmask, False, x0, y0 + m, y1 - m, r),
        _line_at(hmask, True, y0, x0 + m, x1 - m, r),
        _line_at(vmask, False, x1, y0 + m, y1 - m, r),
        _line_at(hmask, True, y1, x0 + m, x1 - m, r),
    ]
    box = [v if g is None or abs(g - v) <= SNAP_UNITS * unit else g for v, g in zip(c.bbox, got, strict=True)]
    if box[2] - box[0] < 2 * m or box[3] - box[1] < 2 * m:
        return c
    return GridCell(c.row, c.col, c.rowspan, c.colspan, (box[0], box[1], box[2], box[3]))


def _outer_ruled(ys: list[int], hs: list[tuple[int, int, int, int]], x0: int, x1: int, tol: int) -> list[int]:
    """The grid's rows without a first or last boundary ruled along less than OUTER_COVERAGE of the
    table's width: a table's outer border runs across it, strokes of a heading that touches the
    table (bridged to its border in a photo) do not."""

    def covered(y: int) -> float:
        run = np.zeros(max(1, x1 - x0), dtype=bool)
        for s in hs:
            if abs((s[1] + s[3]) / 2 - y) <= tol:
                run[max(0, s[0] - x0) : max(0, s[2] - x0)] = True
        return float(run.mean())

    ys = list(ys)
    while len(ys) > 2 and covered(ys[-1]) < OUTER_COVERAGE:
        ys.pop()
    while len(ys) > 2 and covered(ys[0]) < OUTER_COVERAGE:
        ys.pop(0)
    return ys


def find_tables(
    gray: np.ndarray, setting: Threshold | None = None, binary: np.ndarray | None = None
) -> list[GridTable]:
    """Every ruled table on a (deskewed) page, top to bottom (binary: the page already binarised)."""
    unit = unit_of(gray)
    binary = binarize(gray, setting) if binary is None else binary
    horiz, vert = line_masks(binary)
    hs, vs = ruling_segments(horiz, vert, binary, unit)
    tol = max(2, int(0.6 * unit))
    tables = []
    for box in table_regions(hs, vs, unit):
        x0, y0, x1, y1 = box
        inside_h = [s for s in hs if s[1] >= y0 - tol and s[3] <= y1 + tol and s[0] >= x0 - tol and s[2] <= x1 + tol]
        inside_v = [s for s in vs if s[0] >= x0 - tol and s[2] <= x1 + tol and s[1] >= y0 - tol and s[3] <= y1 + tol]
        ys = _outer_ruled(_cluster([(s[1] + s[3]) / 2 for s in inside_h], tol), inside_h, x0, x1, tol)
        if len(ys) < 2:
            continue
        inside_h = [s for s in inside_h if ys[0] - tol <= (s[1] + s[3]) / 2 <= ys[-1] + tol]
        inside_v = [s for s in inside_v if s[3] > ys[0] + tol and s[1] < ys[-1] - tol]
        xs = _cluster([(s[0] + s[2]) / 2 for s in inside_v], tol)
        if len(ys) - 1 < MIN_TABLE_ROWS or len(xs) - 1 < MIN_TABLE_COLS:
            continue
        hmask, vmask = _mask_of(horiz.shape, inside_h, horiz), _mask_of(vert.shape, inside_v, vert)
        cells = _fill_holes(grid_cells(xs, ys, hmask, vmask, unit), len(ys) - 1, len(xs) - 1, xs, ys)
        cells = [snapped(c, hmask, vmask, unit) for c in cells]
        lines = [(s[0], (s[1] + s[3]) // 2, s[2], (s[1] + s[3]) // 2) for s in inside_h]
        lines += [((s[0] + s[2]) // 2, s[1], (s[0] + s[2]) // 2, s[3]) for s in inside_v]
        tables.append(GridTable(xs, ys, cells, lines))
    tables.sort(key=lambda t: (t.bbox[1], t.bbox[0]))
    return tables


def ink_boxes(binary: np.ndarray, min_area: int) -> list[tuple[int, int, int, int]]:
    """Boxes of connected ink blobs at least min_area pixels big."""
    return [box for box, area in blobs(binary) if area >= min_area]


def text_lines(binary: np.ndarray, unit: float, keep_short: bool = False) -> list[tuple[int, int, int, int]]:
    """Lines of text in a region with no table: bands of the row-ink profile, trimmed to their ink;
    bands shorter than half a unit are left out unless keep_short (a broken glyph's piece, joined to
    its line by the caller)."""
    prof = (binary > 0).sum(axis=1)
    rows = prof > max(1, int(0.05 * unit))
    out = []
    y = 0
    h = len(rows)
    min_h = max(3, int(0.5 * unit))
    while y < h:
        if not rows[y]:
            y += 1
            continue
        y0 = y
        while y < h and rows[y]:
            y += 1
        if y - y0 < min_h and not keep_short:
            continue
        band = binary[y0:y]
        cols = np.where(band.any(axis=0))[0]
        if len(cols) == 0:
            continue
        out.append((int(cols[0]), y0, int(cols[-1]) + 1, y))
    return out
