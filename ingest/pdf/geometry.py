"""Table grids from the ruling lines of a PDF page: segments, snapping, joining, cells with spans.

Pure geometry on plain tuples, in PDF points with a top-left origin (pdfplumber's ``top``/``bottom``).
Ruling lines come as stroked lines, as thin filled rectangles (WPS draws cell borders that way), as
the edges of stroked rectangles, and as straight pieces of stroked paths. Filled rectangles that are
not thin (shaded header cells, white paragraph backgrounds) are not lines, with two exceptions that
browsers print: dotted or dashed borders drawn as rows of tiny filled squares (joined into lines), and
white cells painted over a dark table background (the background showing between them is the rule:
their edges are lines). Cells boxed separately (``<table border=1>``: two parallel borders a few
points apart, broken at every crossing) give one grid line per pair.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ingest.ruled import GridCell, RuledGrid, cluster_positions
from ingest.units import join_units

# Geometry settings, in PDF points.
THIN = 2.0  # a filled rectangle no thicker than this is a ruling line
AXIS_TOL = 1.0  # a line whose ends differ by less than this across its length is axis-aligned
SNAP = 2.0  # segments this close across their length lie on one line
JOIN = 6.0  # collinear segments with a gap up to this are one segment (separately boxed cells leave 2-6 pt)
MIN_LEN = 3.0  # shorter pieces are ticks or glyph parts, not rulings
TOUCH = 3.0  # a horizontal and a vertical segment this close are connected
MIN_GAP = 6.0  # grid lines closer than this are one grid line (the two borders of boxed cells)
DOT_ROW = 0.5  # tiny squares whose centres are this close across a row lie on one dotted line
MIN_DOTS = 3  # a dotted line has at least this many dots
COVER = 0.6  # a border exists where segments cover this share of a cell edge
WHITE = 0.95  # a colour whose every component is at least this (gray/RGB) is paper-white


@dataclass(frozen=True)
class Seg:
    """An axis-aligned ruling segment: horizontal at y=pos from a0 to a1, or vertical at x=pos."""

    horizontal: bool
    pos: float
    a0: float
    a1: float


def seg_line(s: Seg) -> tuple[float, float, float, float]:
    """A segment as a ruling line (x0, y0, x1, y1)."""
    return (s.a0, s.pos, s.a1, s.pos) if s.horizontal else (s.pos, s.a0, s.pos, s.a1)


# A ruled table of a PDF page, in points.
Grid = RuledGrid[float]


def is_white(color: Any) -> bool:
    """True for a colour that prints as paper (white gray/RGB, or CMYK with no ink)."""
    if color is None:
        return False
    if isinstance(color, (int, float)):
        return float(color) >= WHITE
    if isinstance(color, (tuple, list)):
        vals = [v for v in color if isinstance(v, (int, float))]
        if len(vals) != len(color) or not vals:
            return False
        if len(vals) == 4:
            return all(v <= 1 - WHITE for v in vals)
        return all(v >= WHITE for v in vals)
    return False


def segments_from_line(obj: Mapping[str, Any]) -> list[Seg]:
    """The ruling segment of a stroked straight line, if it is axis-aligned and visible."""
    if is_white(obj.get("stroking_color")):
        return []
    x0, x1, top, bottom = float(obj["x0"]), float(obj["x1"]), float(obj["top"]), float(obj["bottom"])
    if bottom - top <= AXIS_TOL and x1 - x0 >= MIN_LEN:
        return [Seg(True, (top + bottom) / 2, x0, x1)]
    if x1 - x0 <= AXIS_TOL and bottom - top >= MIN_LEN:
        return [Seg(False, (x0 + x1) / 2, top, bottom)]
    return []


def segments_from_rect(obj: Mapping[str, Any]) -> list[Seg]:
    """Ruling segments of a rectangle: a thin filled one is a line; a stroked one gives its 4 edges."""
    x0, x1, top, bottom = float(obj["x0"]), float(obj["x1"]), float(obj["top"]), float(obj["bottom"])
    w, h = x1 - x0, bottom - top
    filled = bool(obj.get("fill")) and not is_white(obj.get("non_stroking_color"))
    stroked = bool(obj.get("stroke")) and not is_white(obj.get("stroking_color"))
    if filled and h <= THIN and w >= MIN_LEN:
        return [Seg(True, (top + bottom) / 2, x0, x1)]
    if filled and w <= THIN and h >= MIN_LEN:
        return [Seg(False, (x0 + x1) / 2, top, bottom)]
    if stroked:
        out = []
        if w >= MIN_LEN:
            out += [Seg(True, top, x0, x1), Seg(True, bottom, x0, x1)]
        if h >= MIN_LEN:
            out += [Seg(False, x0, top, bottom), Seg(False, x1, top, bottom)]
        return out
    return []


def segments_from_curve(obj: Mapping[str, Any]) -> list[Seg]:
    """Axis-aligned straight pieces of a stroked path (some producers draw borders as polylines)."""
    if not obj.get("stroke") or is_white(obj.get("stroking_color")):
        return []
    pts = obj.get("pts") or []
    out: list[Seg] = []
    for (ax, ay), (bx, by) in zip(pts, pts[1:], strict=False):
        if abs(ay - by) <= AXIS_TOL and abs(ax - bx) >= MIN_LEN:
            out.append(Seg(True, (ay + by) / 2, min(ax, bx), max(ax, bx)))
        elif abs(ax - bx) <= AXIS_TOL and abs(ay - by) >= MIN_LEN:
            out.append(Seg(False, (ax + bx) / 2, min(ay, by), max(ay, by)))
    return out


Box = tuple[float, float, float, float]  # x0, top, x1, bottom


def _box(obj: Mapping[str, Any]) -> Box:
    return float(obj["x0"]), float(obj["top"]), float(obj["x1"]), float(obj["bottom"])


def _inked_fill(obj: Mapping[str, Any]) -> bool:
    return bool(obj.get("fill")) and not is_white(obj.get("non_stroking_color"))


def dotted_segments(rects: Sequence[Mapping[str, Any]]) -> list[Seg]:
    """Dotted or dashed rules drawn as rows of tiny filled squares, each row joined into one segment."""
    boxes = [_box(r) for r in rects if _inked_fill(r)]
    dots = [b for b in boxes if min(b[2] - b[0], b[3] - b[1]) <= THIN and max(b[2] - b[0], b[3] - b[1]) < MIN_LEN]
    out: list[Seg] = []
    for horizontal in (True, False):
        # (centre across the row, start, end along it)
        keyed = sorted(((b[1] + b[3]) / 2, b[0], b[2]) if horizontal else ((b[0] + b[2]) / 2, b[1], b[3]) for b in dots)
        rows: list[list[tuple[float, float, float]]] = []
        for k in keyed:
            if rows and k[0] - rows[-1][0][0] <= DOT_ROW:
                rows[-1].append(k)
            else:
                rows.append([k])
        for row in rows:
            pos = sum(k[0] for k in row) / len(row)
            chain: list[tuple[float, float, float]] = []
            for k in sorted(row, key=lambda k: k[1]) + [(pos, float("inf"), float("inf"))]:
                if chain and k[1] - chain[-1][2] > JOIN:
                    a0, a1 = chain[0][1], max(c[2] for c in chain)
                    if len(chain) >= MIN_DOTS and a1 - a0 >= MIN_LEN:
                        out.append(Seg(horizontal, pos, a0, a1))
                    chain = []
                chain.append(k)
    return out


def window_segments(rects: Sequence[Mapping[str, Any]]) -> list[Seg]:
    """Edges of white cells painted over a dark table background (the background between them is the rule)."""
    backs = [_box(r) for r in rects if _inked_fill(r)]
    backs = [b for b in backs if b[2] - b[0] > THIN and b[3] - b[1] > THIN]
    if not backs:
        return []
    out: list[Seg] = []
    for r in rects:
        if not r.get("fill") or not is_white(r.get("non_stroking_color")):
            continue
        x0, top, x1, bottom = _box(r)
        if x1 - x0 < MIN_LEN or bottom - top < MIN_LEN:
            continue
        inside = any(b[0] - AXIS_TOL <= x0 and x1 <= b[2] + AXIS_TOL and b[1] - AXIS_TOL <= top and bottom <= b[3] + AXIS_TOL
                     and (x0 - b[0] > AXIS_TOL / 4 or b[2] - x1 > AXIS_TOL / 4 or top - b[1] > AXIS_TOL / 4 or b[3] - bottom > AXIS_TOL / 4)
                     for b in backs)  # fmt: skip
        if inside:
            out += [
                Seg(True, top, x0, x1),
                Seg(True, bottom, x0, x1),
                Seg(False, x0, top, bottom),
                Seg(False, x1, top, bottom),
            ]
    return out


def page_segments(
    lines: Iterable[Mapping[str, Any]], rects: Iterable[Mapping[str, Any]], curves: Iterable[Mapping[str, Any]]
) -> list[Seg]:
    """Every ruling segment drawn on a page (before snapping)."""
    out: list[Seg] = []
    for ln in lines:
        out += clipped(segments_from_line(ln), ln.get("clip"))
    curves = list(curves)
    rects = list(rects) + [c for c in curves if is_box(c)]
    for r in rects:
        out += clipped(segments_from_rect(r), r.get("clip"))
    out += dotted_segments(rects)
    out += window_segments(rects)
    for c in curves:
        out += clipped(segments_from_curve(c), c.get("clip"))
    return out


def is_box(obj: Mapping[str, Any]) -> bool:
    """True for a filled path that is an axis-aligned rectangle drawn as a polygon (Chromium's dashes)."""
    pts = obj.get("pts") or []
    if not obj.get("fill") or obj.get("stroke") or not 4 <= len(pts) <= 5:
        return False
    x0, top, x1, bottom = _box(obj)
    return all(
        min(abs(x - x0), abs(x - x1)) <= AXIS_TOL / 4 and min(abs(y - top), abs(y - bottom)) <= AXIS_TOL / 4
        for x, y in pts
    )


def clipped(segs: list[Seg], clip: Box | None) -> list[Seg]:
    """The parts of segments inside the object's clip box (x0, top, x1, bottom); all when no clip is known."""
    if clip is None or not segs:
        return segs
    x0, top, x1, bottom = clip
    out = []
    for s in segs:
        lo, hi, across = (x0, x1, (top, bottom)) if s.horizontal else (top, bottom, (x0, x1))
        if not across[0] - AXIS_TOL <= s.pos <= across[1] + AXIS_TOL:
            continue
        a0, a1 = max(s.a0, lo), min(s.a1, hi)
        if a1 - a0 >= MIN_LEN:
            out.append(Seg(s.horizontal, s.pos, a0, a1))
    return out


def merge_segments(segs: Sequence[Seg]) -> list[Seg]:
    """Snap near-collinear segments to one position and join overlapping or nearly touching ones."""
    out: list[Seg] = []
    for horizontal in (True, False):
        same = sorted((s for s in segs if s.horizontal == horizontal), key=lambda s: s.pos)
        groups: list[list[Seg]] = []
        for s in same:
            if groups and s.pos - groups[-1][-1].pos <= SNAP:
                groups[-1].append(s)
            else:
                groups.append([s])
        for g in groups:
            pos = sum(s.pos for s in g) / len(g)
            spans = sorted((s.a0, s.a1) for s in g)
            cur0, cur1 = spans[0]
            for a0, a1 in spans[1:]:
                if a0 <= cur1 + JOIN:
                    cur1 = max(cur1, a1)
                else:
                    out.append(Seg(horizontal, pos, cur0, cur1))
                    cur0, cur1 = a0, a1
            out.append(Seg(horizontal, pos, cur0, cur1))
    return out


def touches(h: Seg, v: Seg) -> bool:
    """True when a horizontal and a vertical segment meet or cross (within TOUCH)."""
    return h.a0 - TOUCH <= v.pos <= h.a1 + TOUCH and v.a0 - TOUCH <= h.pos <= v.a1 + TOUCH


def connected_groups(segs: Sequence[Seg]) -> list[list[Seg]]:
    """Segments grouped into connected networks (each a candidate table)."""
    parent = list(range(len(segs)))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    hs = [i for i, s in enumerate(segs) if s.horizontal]
    vs = [i for i, s in enumerate(segs) if not s.horizontal]
    for i in hs:
        for j in vs:
            if touches(segs[i], segs[j]):
                parent[find(i)] = find(j)
    groups: dict[int, list[Seg]] = {}
    for i, s in enumerate(segs):
        groups.setdefault(find(i), []).append(s)
    return list(groups.values())


Band = tuple[float, float]  # the positions of the rules clustered into one grid line (lowest, highest)


def coverage(segs: Sequence[Seg], band: Band, lo: float, hi: float) -> float:
    """Share of the edge [lo, hi] of a grid line that the segments in its band cover (either border
    of a pair drawn by separately boxed cells counts)."""
    length = hi - lo
    if length <= 0:
        return 1.0
    b0, b1 = band[0] - SNAP, band[1] + SNAP
    spans = sorted((max(s.a0, lo), min(s.a1, hi)) for s in segs if b0 <= s.pos <= b1 and s.a1 > lo and s.a0 < hi)
    covered, end = 0.0, lo
    for a0, a1 in spans:
        if a1 > end:
            covered += a1 - max(a0, end)
            end = a1
    return covered / length


def grid_lines(segs: Sequence[Seg], horizontal: bool) -> list[tuple[float, Band]]:
    """Positions of the grid lines of one orientation, including the network's outer extent, each
    with the band of rule positions it stands for."""
    own = [s for s in segs if s.horizontal == horizontal]
    other = [s for s in segs if s.horizontal != horizontal]
    positions = [s.pos for s in own]
    # The extent of the crossing segments closes a table whose outer border is not drawn.
    positions += [min(s.a0 for s in other), max(s.a1 for s in other)] if other else []
    return [(sum(g) / len(g), (g[0], g[-1])) for g in cluster_positions(positions, MIN_GAP)]


def unit_groups(
    xs: Sequence[float], ys: Sequence[float], segs: Sequence[Seg], xb: Sequence[Band], yb: Sequence[Band]
) -> dict[tuple[int, int], int]:
    """Grid units joined wherever no border separates them; returns unit -> group id."""
    hsegs = [s for s in segs if s.horizontal]
    vsegs = [s for s in segs if not s.horizontal]
    return join_units(
        len(ys) - 1,
        len(xs) - 1,
        lambda i, j: coverage(vsegs, xb[j + 1], ys[i], ys[i + 1]) < COVER,
        lambda i, j: coverage(hsegs, yb[i + 1], xs[j], xs[j + 1]) < COVER,
    )


Rect = tuple[int, int, int, int]


def overlap(a: Rect, b: Rect) -> bool:
    """True when two unit rectangles (r0, c0, r1, c1 exclusive) share a unit."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def rectangles(groups: Mapping[tuple[int, int], int]) -> list[Rect]:
    """Group ids turned into rectangles (r0, c0, r1, c1 exclusive); non-rectangular groups are boxed."""
    boxes: dict[int, Rect] = {}
    for (i, j), g in groups.items():
        r0, c0, r1, c1 = boxes.get(g, (i, j, i + 1, j + 1))
        boxes[g] = (min(r0, i), min(c0, j), max(r1, i + 1), max(c1, j + 1))
    rects = sorted(boxes.values())
    if sum((r1 - r0) * (c1 - c0) for r0, c0, r1, c1 in rects) == len(groups):
        return rects  # every group fills its box: the boxes tile the grid and cannot overlap
    # An L-shaped group (broken borders) is boxed; boxes that then overlap are merged until none do.
    merged = True
    while merged:
        merged = False
        for a in range(len(rects)):
            hit = next((b for b in range(a + 1, len(rects)) if overlap(rects[a], rects[b])), None)
            if hit is not None:
                ra, rb = rects[a], rects[hit]
                box = (min(ra[0], rb[0]), min(ra[1], rb[1]), max(ra[2], rb[2]), max(ra[3], rb[3]))
                rects = sorted([r for k, r in enumerate(rects) if k not in (a, hit)] + [box])
                merged = True
                break
    return rects


def drop_unused_lines(
    xs: list[float], ys: list[float], rects: list[Rect]
) -> tuple[list[float], list[float], list[Rect]]:
    """Remove interior grid lines that no cell starts or ends at (lines only spanned over)."""
    used_c = {0, len(xs) - 1} | {r[1] for r in rects} | {r[3] for r in rects}
    used_r = {0, len(ys) - 1} | {r[0] for r in rects} | {r[2] for r in rects}
    keep_c = sorted(used_c)
    keep_r = sorted(used_r)
    cmap = {c: k for k, c in enumerate(keep_c)}
    rmap = {r: k for k, r in enumerate(keep_r)}
    new = [(rmap[r[0]], cmap[r[1]], rmap[r[2]], cmap[r[3]]) for r in rects]
    return [xs[c] for c in keep_c], [ys[r] for r in keep_r], new


def build_grid(segs: Sequence[Seg]) -> Grid | None:
    """The cell grid of one connected network of segments, or None if it encloses no cell."""
    xl = grid_lines(segs, horizontal=False)
    yl = grid_lines(segs, horizontal=True)
    if len(xl) < 2 or len(yl) < 2:
        return None
    xs, ys = [x for x, _ in xl], [y for y, _ in yl]
    rects = rectangles(unit_groups(xs, ys, segs, [b for _, b in xl], [b for _, b in yl]))
    xs, ys, rects = drop_unused_lines(xs, ys, rects)
    if len(rects) < 2:
        return None
    rects.sort()
    cells = [GridCell(r0, c0, r1 - r0, c1 - c0, (xs[c0], ys[r0], xs[c1], ys[r1])) for r0, c0, r1, c1 in rects]
    return Grid(xs, ys, cells, [seg_line(s) for s in segs])


def find_grids(raw: Sequence[Seg]) -> list[Grid]:
    """Every table grid on a page, top to bottom."""
    segs = merge_segments(raw)
    grids = []
    for group in connected_groups(segs):
        n_h = sum(s.horizontal for s in group)
        n_v = len(group) - n_h
        # A grid has two rules each way, or (a part on a new page whose top rule was drawn at the foot of
        # the page before) one rule across at least three that hang from it.
        if n_v < 2 or n_h < 1 or n_h == 1 and n_v < 3:
            continue
        g = build_grid(group)
        if g is not None:
            grids.append(g)
    grids.sort(key=lambda g: (g.ys[0], g.xs[0]))
    return grids


@dataclass
class PageSource:
    """One page as a reader gives it: size, chars (pdfplumber-shaped dicts), ruling segments, images."""

    number: int
    width: float
    height: float
    chars: list[Mapping[str, Any]]
    segments: list[Seg]
    has_images: bool


GridsFor = Callable[[PageSource], list[Grid]]
