"""Photos of printed pages (a phone held over the paper): the page found and squared, the light evened.

Two steps before a page image is binarised, each taken only when the image needs it, so flatbed
scans pass untouched:

- :func:`rectify`: a page lying on a darker surface is found as the largest bright region, its four
  corners (the extreme points of its hull) mapped to a rectangle by a perspective warp (keystone
  undone, the background cut away). Taken only when the region is clearly a page on a background:
  its corners stand inside the image and what lies around it is much darker than the page.
- :func:`flatten`: uneven light (a gradient, a shadow) divided away by the page's background,
  estimated by a grey-level closing (ink strokes are thinner than its kernel) of a reduced copy.
  Taken only when that background varies by more than ``UNEVEN_LEVELS`` across the page.
"""

from __future__ import annotations

import cv2
import numpy as np

# The page is looked for in a copy reduced to this many pixels on its long side.
FIND_SIDE = 800
# The light over the photo, page and background alike, is a blur this share of the long side wide.
LIGHT_BLUR = 0.15
# A page covers at least this share of the photo.
MIN_PAGE_AREA = 0.25
# A page is on a background when some corner stands this far (share of the image side) inside the
# image's corner, and the band just outside its outline is this many grey levels darker than inside.
MIN_CORNER_INSET = 0.012
MIN_CONTRAST = 35.0
# Its outline must fill its hull (a page is convex) and its four corners' quadrilateral the outline.
MIN_SOLIDITY = 0.9
# The squared page loses this share of its width on every side (the page's own edge and what is left
# of the background: a dark frame would read as a ruling around everything).
TRIM = 0.012
# Background of the light: closing with a kernel this many page units (page width / 100) wide, on a
# copy reduced REDUCE times; flattened when the brightest paper of TILES x TILES tiles ranges over more
# than UNEVEN_LEVELS.
CLOSE_UNITS = 1.6
REDUCE = 4
UNEVEN_LEVELS = 28.0
TILES = 6


def _order(pts: np.ndarray) -> np.ndarray:
    """Four points ordered top-left, top-right, bottom-right, bottom-left."""
    s = pts.sum(axis=1)
    d = pts[:, 0] - pts[:, 1]
    return np.array([pts[np.argmin(s)], pts[np.argmax(d)], pts[np.argmax(s)], pts[np.argmin(d)]], dtype=np.float32)


def _wide_blur(img: np.ndarray, share: float) -> np.ndarray:
    """A Gaussian blur `share` of the long side wide, done on a copy reduced to 100 pixels (a wide
    kernel at full size costs seconds)."""
    h, w = img.shape[:2]
    f = 100 / max(h, w)
    small = cv2.resize(img, (max(1, round(w * f)), max(1, round(h * f))), interpolation=cv2.INTER_AREA)
    blurred = cv2.GaussianBlur(small, (0, 0), share * 100)
    return cv2.resize(blurred, (w, h), interpolation=cv2.INTER_LINEAR)


def page_quad(gray: np.ndarray) -> np.ndarray | None:
    """The corners (tl, tr, br, bl, in pixels of gray) of a page lying on a darker background, or
    None when the image is not such a photo (a scan fills its image with paper)."""
    h, w = gray.shape[:2]
    scale = min(1.0, FIND_SIDE / max(h, w))
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray
    sh, sw = small.shape[:2]
    blur = cv2.GaussianBlur(small, (0, 0), 2.0)
    # Ink is closed away first so the page is one bright region, text and tables inside it.
    k = max(3, int(sw / 100) | 1)
    paper = cv2.morphologyEx(blur, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    # Page and background share the light: divided by a wide blur, the paper stands above the
    # background everywhere (a gradient or a shadow no longer straddles Otsu's threshold).
    even = cv2.divide(paper, _wide_blur(paper, LIGHT_BLUR), scale=128)
    _, mask = cv2.threshold(even, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    c = max(contours, key=cv2.contourArea)
    area = cv2.contourArea(c)
    if area < MIN_PAGE_AREA * sw * sh:
        return None
    hull = cv2.convexHull(c)
    if area < MIN_SOLIDITY * cv2.contourArea(hull):
        return None
    quad = _order(hull.reshape(-1, 2).astype(np.float32))
    if cv2.contourArea(quad) < MIN_SOLIDITY * area:
        return None
    corners = np.array([[0, 0], [sw - 1, 0], [sw - 1, sh - 1], [0, sh - 1]], dtype=np.float32)
    inset = np.abs(quad - corners) / np.array([sw, sh], dtype=np.float32)
    if inset.max() < MIN_CORNER_INSET:
        return None
    inside = np.zeros_like(mask)
    cv2.fillConvexPoly(inside, quad.astype(np.int32), 255)
    band = cv2.dilate(inside, np.ones((2 * k + 1, 2 * k + 1), np.uint8))
    ring = (band > 0) & (inside == 0)
    core = cv2.erode(inside, np.ones((2 * k + 1, 2 * k + 1), np.uint8)) > 0
    if ring.sum() < 4 * k or not core.any():
        return None
    if float(np.median(paper[core])) - float(np.median(paper[ring])) < MIN_CONTRAST:
        return None
    return (quad / scale).astype(np.float32)


def rectify(gray: np.ndarray) -> tuple[np.ndarray, bool]:
    """The page squared by a perspective warp when the image is a photo of a page on a background
    (see :func:`page_quad`), its edges trimmed; the image as it is otherwise. True when warped."""
    page, m = squared(gray)
    return page, m is not None


def squared(gray: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """As :func:`rectify`, with the 3x3 transform from the photo's pixels to the squared page's (None
    when the image is left as it is)."""
    quad = page_quad(gray)
    if quad is None:
        return gray, None
    tl, tr, br, bl = quad
    width = (np.linalg.norm(tr - tl) + np.linalg.norm(br - bl)) / 2
    height = (np.linalg.norm(bl - tl) + np.linalg.norm(br - tr)) / 2
    w, h = int(round(width)), int(round(height))
    if w < 100 or h < 100:
        return gray, None
    target = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], dtype=np.float32)
    m = cv2.getPerspectiveTransform(quad, target)
    page = cv2.warpPerspective(gray, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    t = max(2, int(TRIM * w))
    trim = np.array([[1.0, 0.0, -t], [0.0, 1.0, -t], [0.0, 0.0, 1.0]])
    return np.ascontiguousarray(page[t : h - t, t : w - t]), trim @ m


def light(gray: np.ndarray) -> np.ndarray:
    """The page's background brightness, reduced REDUCE times: ink closed away, smoothed."""
    h, w = gray.shape[:2]
    small = cv2.resize(gray, (max(1, w // REDUCE), max(1, h // REDUCE)), interpolation=cv2.INTER_AREA)
    k = max(3, int(CLOSE_UNITS * small.shape[1] / 100) | 1)
    bg = cv2.morphologyEx(small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    return cv2.GaussianBlur(bg, (0, 0), k)


def unevenness(bg: np.ndarray) -> float:
    """How far the paper's brightness ranges over the page: the spread of the brightest background
    of each of TILES x TILES tiles (a shaded table cell is not the light: the paper beside it in its
    tile is still bright)."""
    h, w = bg.shape[:2]
    tops = [
        float(np.percentile(tile, 95))
        for i in range(TILES)
        for j in range(TILES)
        if (tile := bg[i * h // TILES : (i + 1) * h // TILES, j * w // TILES : (j + 1) * w // TILES]).size
    ]
    return max(tops) - min(tops) if tops else 0.0


def flatten(gray: np.ndarray) -> tuple[np.ndarray, bool]:
    """The page with its uneven light divided away when the light varies by more than UNEVEN_LEVELS;
    the image as it is otherwise. True when flattened."""
    bg = light(gray)
    if unevenness(bg) <= UNEVEN_LEVELS:
        return gray, False
    big = cv2.resize(bg, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR)
    out = cv2.divide(gray, np.maximum(big, 1), scale=255)
    return out, True
