"""A palette canvas: a grayscale page as indexes into one fixed 256-colour palette, drawn on with numpy.

Drawing an overlay page in RGB with PIL and compressing three bytes a pixel cost more than the
conversion itself. Here the page is quantised to ``GRAY_LEVELS`` gray levels, a cell's tint is an
offset into the palette (the same gray levels blended with the state colour), inks (outlines, lines,
text) are palette entries with a few anti-aliasing steps blended over white, and text is composed
from glyph masks each rendered once per process. The result is written as an 8-bit palette PNG.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw

from overlay.render import PageImage, font

RGB = tuple[int, int, int]

GRAY_SHIFT = 3  # a page's gray is quantised by dropping this many low bits (one SIMD pass) ...
GRAY_LEVELS = 256 >> GRAY_SHIFT  # ... to this many levels (anti-aliased text stays smooth)
INK_STEPS = 4  # anti-aliasing steps of a coloured ink (coverage 1/4 .. 4/4, blended over white)
TEXT_THRESHOLD = 255 // (2 * INK_STEPS)  # mask coverage below this draws nothing
PALETTE_SIZE = 256
INKED_CACHE = 4096  # texts kept drawn in their ink (labels, legend lines) before the cache starts over
WHITE: RGB = (255, 255, 255)


def mix(color: RGB, alpha: float, background: RGB = WHITE) -> RGB:
    """``color`` laid over ``background`` at opacity ``alpha`` (0..1)."""
    return (
        round(background[0] * (1 - alpha) + color[0] * alpha),
        round(background[1] * (1 - alpha) + color[1] * alpha),
        round(background[2] * (1 - alpha) + color[2] * alpha),
    )


def gray_value(level: int) -> int:
    """The 0..255 gray a quantised level stands for."""
    return round(level * 255 / (GRAY_LEVELS - 1))


def level_lut() -> np.ndarray:
    """0..255 gray -> its quantised level (as ``new_canvas`` quantises a page)."""
    return (np.arange(256) >> GRAY_SHIFT).astype(np.uint8)


PILL_LEFT = 2  # a pill's white box starts this many pixels left of its text (and ends ~3 right of it) ...
PILL_BELOW = 4  # ... and is this many rows taller than the text size


@dataclass(frozen=True)
class Pill:
    """A label drawn once: its white box with the text inked in, and any ink below the box (rows, mask)."""

    block: np.ndarray
    below: tuple[np.ndarray, np.ndarray] | None


def make_pill(inked: np.ndarray, on: np.ndarray, size: int, white: int) -> Pill:
    """The white box (text rows ``size + PILL_BELOW`` high) with the inked text copied in where it draws."""
    rows = min(size + PILL_BELOW, inked.shape[0])
    block = np.full((size + PILL_BELOW, PILL_LEFT + inked.shape[1]), white, np.uint8)
    np.copyto(block[:rows, PILL_LEFT : PILL_LEFT + inked.shape[1]], inked[:rows], where=on[:rows])
    below = (inked[rows:], on[rows:]) if on[rows:].any() else None
    return Pill(block, below)


@dataclass
class Palette:
    """The fixed palette: gray ramp (untinted and once per tint), then inks with their anti-aliasing steps."""

    tints: list[RGB]
    alpha: float
    inks: list[RGB]
    colors: list[RGB] = field(default_factory=list)
    levels: np.ndarray = field(default_factory=level_lut)
    _ink_lut: dict[RGB, np.ndarray] = field(default_factory=dict)
    _solid: dict[RGB, int] = field(default_factory=dict)
    _inked: dict[tuple[str, int, RGB], tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    _pills: dict[tuple[str, int, RGB], Pill] = field(default_factory=dict)
    _flat: bytes | None = None

    def __post_init__(self) -> None:
        """Lay out the entries; fail loudly when they do not fit in 256."""
        ramp = [(gray_value(v),) * 3 for v in range(GRAY_LEVELS)]
        self.colors = list(ramp)
        for t in self.tints:
            self.colors += [mix(t, self.alpha, g) for g in ramp]  # type: ignore[arg-type]
        for ink in self.inks:
            if not self.is_gray(ink):
                base = len(self.colors)
                self.colors += [mix(ink, k / INK_STEPS) for k in range(1, INK_STEPS + 1)]
                self._ink_lut[ink] = self.coloured_lut(base)
        if len(self.colors) > PALETTE_SIZE:
            raise ValueError(f"overlay palette needs {len(self.colors)} entries, more than {PALETTE_SIZE}")

    @staticmethod
    def is_gray(c: RGB) -> bool:
        """Whether an ink is a gray (drawn with the page's own gray ramp)."""
        return c[0] == c[1] == c[2]

    def tint_offset(self, color: RGB) -> int:
        """What to add to an untinted page index to tint it with ``color``."""
        return GRAY_LEVELS * (self.tints.index(color) + 1)

    @staticmethod
    def coloured_lut(base: int) -> np.ndarray:
        """Mask coverage 0..255 -> the ink's anti-aliasing step (entries from ``base``)."""
        steps = np.clip(np.round(np.arange(256) * INK_STEPS / 255), 1, INK_STEPS).astype(np.uint8)
        return (base + steps - 1).astype(np.uint8)

    def ink_lut(self, color: RGB) -> np.ndarray:
        """Mask coverage 0..255 -> palette index of ``color`` at that coverage over white."""
        lut = self._ink_lut.get(color)
        if lut is None:
            if not self.is_gray(color):
                raise KeyError(f"ink {color} is not in the overlay palette")
            grays = np.round(255 - np.arange(256) / 255 * (255 - color[0])).astype(np.int64)
            lut = self.levels[grays]
            self._ink_lut[color] = lut
        return lut

    def solid(self, color: RGB) -> int:
        """Palette index of an ink at full coverage."""
        ink = self._solid.get(color)
        if ink is None:
            ink = self._solid[color] = int(self.ink_lut(color)[255])
        return ink

    def inked(self, text: str, size: int, color: RGB) -> tuple[np.ndarray, np.ndarray]:
        """``text`` at ``size`` as palette indexes of ``color``, and where it draws (coverage >= TEXT_THRESHOLD)."""
        key = (text, size, color)
        hit = self._inked.get(key)
        if hit is None:
            if len(self._inked) >= INKED_CACHE:
                self._inked.clear()
            m = text_mask(text, size)
            hit = self._inked[key] = (self.ink_lut(color)[m], m >= TEXT_THRESHOLD)
        return hit

    def pill(self, text: str, size: int, color: RGB) -> Pill:
        """``text`` in ``color`` on its white box as one block of palette indexes (made once, then cached)."""
        key = ("pill:" + text, size, color)
        hit = self._pills.get(key)
        if hit is None:
            if len(self._pills) >= INKED_CACHE:
                self._pills.clear()
            hit = self._pills[key] = make_pill(*self.inked(text, size, color), size, self.solid(WHITE))
        return hit

    def on_white(self, text: str, size: int, color: RGB) -> np.ndarray:
        """``text`` inked over white, its whole line box (for white ground such as the legend; cached)."""
        key = ("white:" + text, size, color)
        hit = self._pills.get(key)
        if hit is None:
            if len(self._pills) >= INKED_CACHE:
                self._pills.clear()
            inked, on = self.inked(text, size, color)
            hit = self._pills[key] = Pill(np.where(on, inked, np.uint8(self.solid(WHITE))), None)
        return hit.block

    def flat(self) -> bytes:
        """The palette as PLTE bytes (r, g, b per entry; made once, the palette is fixed)."""
        if self._flat is None:
            self._flat = bytes(v for c in self.colors for v in c)
        return self._flat


@dataclass(frozen=True)
class Glyph:
    """One character's coverage mask, where it sits from the pen position, and how far the pen moves."""

    mask: np.ndarray
    dx: int
    advance: float


@lru_cache(maxsize=2048)
def glyph(ch: str, size: int) -> Glyph:
    """A character rendered once per process at ``size`` (rows from the line's top, as ImageDraw.text)."""
    f = font(size)
    adv = float(f.getlength(ch))
    pad = size // 2 + 2
    im = Image.new("L", (int(adv) + 2 * pad + 2, line_height(size)), 0)
    ImageDraw.Draw(im).text((pad, 0), ch, fill=255, font=f)
    a = np.asarray(im)
    cols = np.flatnonzero(a.max(axis=0))
    if cols.size == 0:
        return Glyph(np.zeros((a.shape[0], 0), np.uint8), 0, adv)
    return Glyph(np.ascontiguousarray(a[:, cols[0] : cols[-1] + 1]), int(cols[0]) - pad, adv)


def line_height(size: int) -> int:
    """Pixel rows one line of text at ``size`` occupies."""
    return int(size * 1.5) + 2


@lru_cache(maxsize=8192)
def text_width(text: str, size: int) -> float:
    """Width in pixels of ``text`` at ``size`` (the sum of its glyphs' advances)."""
    return sum(glyph(ch, size).advance for ch in text)


@lru_cache(maxsize=4096)
def text_mask(text: str, size: int) -> np.ndarray:
    """The coverage mask of ``text`` at ``size``, composed from cached glyphs."""
    out = np.zeros((line_height(size), max(1, int(text_width(text, size)) + 3)), np.uint8)
    pen = 1.0
    for ch in text:
        g = glyph(ch, size)
        x = int(round(pen)) + g.dx
        x0, x1 = max(0, x), min(out.shape[1], x + g.mask.shape[1])
        if x1 > x0:
            np.maximum(out[:, x0:x1], g.mask[:, x0 - x : x1 - x], out=out[:, x0:x1])
        pen += g.advance
    return out


@dataclass
class Canvas:
    """Palette indexes of a page's band of rows plus a legend band below it; column 0 of ``rows`` is the PNG filter byte.

    Drawing takes page pixel coordinates: canvas row 0 is page pixel row ``top`` (the band's first row).
    """

    rows: np.ndarray  # (height, width + 1) uint8
    palette: Palette
    top: int = 0  # the page pixel row at canvas row 0
    idx: np.ndarray = field(init=False)  # the drawable pixels (palette indexes): rows without column 0
    width: int = field(init=False)
    height: int = field(init=False)

    def __post_init__(self) -> None:
        """The drawable view and its size, taken once (drawing calls these thousands of times)."""
        self.idx = self.rows[:, 1:]
        self.height, self.width = int(self.rows.shape[0]), int(self.rows.shape[1] - 1)

    def clip(self, box: tuple[float, float, float, float]) -> tuple[int, int, int, int] | None:
        """A box in page pixels rounded to whole canvas pixels and cut to the canvas; None when nothing is left."""
        top = self.top
        return self.clip_px(round(box[0]), round(box[1]) - top, round(box[2]), round(box[3]) - top)

    def clip_px(self, x0: int, y0: int, x1: int, y1: int) -> tuple[int, int, int, int] | None:
        """A box in whole canvas pixels cut to the canvas; None when nothing is left."""
        x0, y0, x1, y1 = max(0, x0), max(0, y0), min(self.width, x1), min(self.height, y1)
        return (x0, y0, x1, y1) if x1 > x0 and y1 > y0 else None

    def fill(self, box: tuple[float, float, float, float], color: RGB) -> None:
        """Paint a box (x0, y0, x1, y1; x1/y1 exclusive) in a solid ink."""
        b = self.clip(box)
        if b is not None:
            self.idx[b[1] : b[3], b[0] : b[2]] = self.palette.solid(color)

    def tint(self, box: tuple[float, float, float, float], color: RGB) -> None:
        """Tint a box of untouched page pixels with ``color`` (each gray level keeps its shade)."""
        b = self.clip(box)
        if b is not None:
            self.tint_px(b, self.palette.tint_offset(color))

    def tint_px(self, b: tuple[int, int, int, int], offset: int, fresh: bool = False) -> None:
        """Tint a box already in canvas pixels by a palette offset (``Palette.tint_offset``).

        ``fresh``: the caller knows the box holds untinted page pixels only (one pass instead of two).
        """
        region = self.idx[b[1] : b[3], b[0] : b[2]]
        if not fresh:
            region &= GRAY_LEVELS - 1  # back to the gray level: a cell overlapping an earlier tint takes the later
        region |= offset  # a multiple of GRAY_LEVELS

    def outline(self, box: tuple[float, float, float, float], color: RGB, width: int) -> None:
        """A rectangle's border, ``width`` pixels inside the box (as ImageDraw.rectangle's outline)."""
        top = self.top
        self.outline_px(
            (round(box[0]), round(box[1]) - top, round(box[2]), round(box[3]) - top), self.palette.solid(color), width
        )

    def outline_px(self, box: tuple[int, int, int, int], ink: int, width: int) -> None:
        """A rectangle's border in canvas pixels, in palette index ``ink``, ``width`` pixels inside the box."""
        x0, y0, x1, y1 = box
        idx = self.idx
        if 0 <= x0 and x0 + width <= x1 <= self.width and 0 <= y0 and y0 + width <= y1 <= self.height:
            idx[y0 : y0 + width, x0:x1] = ink  # the common case: all inside the canvas, no clipping
            idx[y1 - width : y1, x0:x1] = ink
            idx[y0:y1, x0 : x0 + width] = ink
            idx[y0:y1, x1 - width : x1] = ink
            return
        for b in (
            self.clip_px(x0, y0, x1, y0 + width),
            self.clip_px(x0, y1 - width, x1, y1),
            self.clip_px(x0, y0, x0 + width, y1),
            self.clip_px(x1 - width, y0, x1, y1),
        ):
            if b is not None:
                idx[b[1] : b[3], b[0] : b[2]] = ink

    def dashed(self, y: float, x0: float, x1: float, color: RGB, width: int = 4, dash: int = 14, gap: int = 8) -> None:
        """A horizontal dashed line centred on ``y`` (dashes of ``dash`` pixels from ``x0``, ``gap`` apart)."""
        b = self.clip((x0, y - width / 2, x1, y + width / 2))
        if b is None:
            return
        on = (np.arange(b[0], b[2]) - round(x0)) % (dash + gap) < dash
        np.copyto(self.idx[b[1] : b[3], b[0] : b[2]], self.palette.solid(color), where=on)

    def text(self, xy: tuple[float, float], text: str, size: int, color: RGB) -> None:
        """Draw ``text`` with its top left at ``xy`` in an ink (anti-aliased over white)."""
        inked, on = self.palette.inked(text, size, color)
        self.masked(round(xy[0]), round(xy[1]) - self.top, inked, on)

    def masked(self, x: int, y: int, inked: np.ndarray, on: np.ndarray) -> None:
        """Copy ``inked`` where ``on`` with its top left at canvas pixel (x, y), cut to the canvas."""
        h, w = inked.shape
        if 0 <= x and x + w <= self.width and 0 <= y and y + h <= self.height:  # all inside: no clipping
            np.copyto(self.idx[y : y + h, x : x + w], inked, where=on)
            return
        b = self.clip_px(x, y, x + w, y + h)
        if b is None:
            return
        crop = (slice(b[1] - y, b[3] - y), slice(b[0] - x, b[2] - x))
        np.copyto(self.idx[b[1] : b[3], b[0] : b[2]], inked[crop], where=on[crop])

    def text_on_white(self, xy: tuple[float, float], text: str, size: int, color: RGB) -> None:
        """Draw ``text`` at ``xy`` over ground known to be white: its line box copied whole (no mask)."""
        block = self.palette.on_white(text, size, color)
        self.copy(round(xy[0]), round(xy[1]) - self.top, block)

    def copy(self, x: int, y: int, block: np.ndarray) -> None:
        """Copy ``block`` with its top left at canvas pixel (x, y), cut to the canvas."""
        h, w = block.shape
        if 0 <= x and x + w <= self.width and 0 <= y and y + h <= self.height:  # all inside: one copy
            self.idx[y : y + h, x : x + w] = block
            return
        b = self.clip_px(x, y, x + w, y + h)
        if b is not None:
            self.idx[b[1] : b[3], b[0] : b[2]] = block[b[1] - y : b[3] - y, b[0] - x : b[2] - x]

    def pill(self, xy: tuple[float, float], text: str, size: int, color: RGB) -> None:
        """``text`` in an ink on a white box a little larger than it, so it reads over the page."""
        blk = self.palette.pill(text, size, color)
        x, y = round(xy[0]) - PILL_LEFT, round(xy[1]) - self.top
        self.copy(x, y, blk.block)
        if blk.below is not None:  # ink reaching under the box (descenders)
            self.masked(x + PILL_LEFT, y + blk.block.shape[0], *blk.below)

    def image(self) -> Image.Image:
        """The canvas as a PIL palette image (a copy)."""
        img = Image.fromarray(np.ascontiguousarray(self.idx), "P")
        img.putpalette(self.palette.flat())
        return img


_SCRATCH = threading.local()


def scratch_rows(height: int, width: int) -> np.ndarray:
    """A (height, width + 1) array from this thread's reused buffer (new pages cost page faults)."""
    need = height * (width + 1)
    buf: np.ndarray | None = getattr(_SCRATCH, "buf", None)
    if buf is None or buf.size < need:
        buf = np.empty(need, np.uint8)
        _SCRATCH.buf = buf
    return buf[:need].reshape(height, width + 1)


def new_canvas(page: PageImage, band: int, palette: Palette, reuse: bool = True) -> Canvas:
    """A canvas holding the quantised rows of the page that hold content (``PageImage.rows``), then ``band`` white rows.

    The white rest of a page whose tables fill only a band of it is left out (drawing and encoding cost
    what is shown). With ``reuse`` the canvas lives in this thread's scratch buffer: valid until the next
    reusing call.
    """
    first, end = page.rows
    h, w = end - first, page.width
    rows = scratch_rows(h + band, w) if reuse else np.empty((h + band, w + 1), np.uint8)
    idx = rows[:h, 1:]
    if page.pixels is not None:  # held pixels: copied and quantised in one pass
        np.right_shift(page.pixels, GRAY_SHIFT, out=idx)
    else:
        assert page.pdf is not None
        page.pdf.render_band_into(rows)
        np.right_shift(idx, GRAY_SHIFT, out=idx)
    rows[:, 0] = 0  # PNG filter byte: none
    rows[h:, 1:] = GRAY_LEVELS - 1
    return Canvas(rows, palette, top=first)
