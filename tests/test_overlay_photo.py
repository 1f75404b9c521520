"""The overlay of every photo sample lines up with its page image.

The photo samples (``samples/scan/photo_*``) are phone shots: the scan adapter squares the page from its
perspective, deskews and enlarges it before it measures the cells. The overlay must draw each cell box
where that cell's ruling lines are on the page image it draws on. Rulings are found here in the drawn
page image on its own (long thin ink runs), and each drawn box edge is measured against the nearest
ruling of its direction. The review app's page image, warped from the report's stored
``source.page_transform``, is measured the same way, and so is a scan page turned a quarter, its cells
mapped back onto the source image. One page per sample (its table page) keeps the OCR cost to a few
seconds.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import cv2
import jsonschema
import numpy as np
import pytest
from conftest import ROOT

from ingest.options import Options

os.environ.setdefault("GOVREPORT_SCAN_WORKERS", "1")
PHOTOS = sorted((ROOT / "samples" / "scan").glob("photo_*.pdf"))
TABLE_PAGE = 2  # the page of each photo sample holding most of its table cells
# A drawn edge lies on its ruling: median distance over all edges, and the share within NEAR_PX.
MAX_MEDIAN_PX = 2.0
NEAR_PX = 4.0
MIN_NEAR_SHARE = 0.9
EDGE_INSET = 0.2  # each edge is sampled on its middle part (corners meet the crossing rulings)


def ruling_distance(gray: np.ndarray, horizontal: bool) -> np.ndarray:
    """Distance in pixels from every pixel to the nearest ruling line (of one direction) in the image."""
    ink = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 25, 15)
    length = max(10, gray.shape[1] // 25)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1) if horizontal else (1, length))
    lines = cv2.morphologyEx(ink, cv2.MORPH_OPEN, kernel)
    assert lines.any(), "no ruling line found in the page image"
    return cv2.distanceTransform((lines == 0).astype(np.uint8), cv2.DIST_L2, 3)


def edge_distances(gray: np.ndarray, boxes: list[tuple[float, ...]]) -> list[float]:
    """For each edge of each box (in pixels of gray), the median distance of its pixels to a ruling."""
    across, down = ruling_distance(gray, True), ruling_distance(gray, False)
    h, w = gray.shape
    out: list[float] = []
    for x0, y0, x1, y1 in (b[:4] for b in boxes):
        iy, ix = EDGE_INSET * (y1 - y0), EDGE_INSET * (x1 - x0)
        ys = np.clip(np.arange(int(y0 + iy), int(y1 - iy) + 1), 0, h - 1)
        xs = np.clip(np.arange(int(x0 + ix), int(x1 - ix) + 1), 0, w - 1)
        for x in (x0, x1):
            out.append(float(np.median(down[ys, int(np.clip(round(x), 0, w - 1))])))
        for y in (y0, y1):
            out.append(float(np.median(across[int(np.clip(round(y), 0, h - 1)), xs])))
    return out


def test_there_are_photo_samples() -> None:
    assert len(PHOTOS) >= 2


@pytest.mark.parametrize("path", PHOTOS, ids=lambda p: p.name)
def test_photo_overlay_boxes_lie_on_the_page_rulings(path: Path) -> None:
    from ingest.scan.reader import read_pdf
    from overlay import build_overlays

    doc = read_pdf(str(path), path.read_bytes(), Options(), pages=[TABLE_PAGE])
    ov = build_overlays(str(path), doc, None)
    (page,) = [p for p in ov.pages if p.number == TABLE_PAGE]
    img = page.page
    boxes = [
        (m.bbox[0] * img.sx, m.bbox[1] * img.sy, m.bbox[2] * img.sx, m.bbox[3] * img.sy)
        for m in page.scene.marks
        if m.bbox is not None
    ]
    assert len(boxes) >= 40, f"only {len(boxes)} cells drawn"
    assert_on_rulings(path.name + " overlay", np.ascontiguousarray(img.gray), boxes)

    # the same boxes on the review app's page image, from the report as stored
    from normalize.build import build
    from review.crop import page_image, stored_transform

    report = json.loads(json.dumps(build(doc), ensure_ascii=False))
    jsonschema.validate(report, json.loads((ROOT / "normalize" / "schema.json").read_text(encoding="utf-8")))
    src = report["source"]
    geo = tuple(src["page_geometry"][0])
    # the report holds the one page read: its geometry and transform are the first entries
    review = page_image(str(path), 0, "pdf", TABLE_PAGE, geo, stored_transform(src, 1))
    k = review.width / geo[0]
    cells = [m.bbox for m in page.scene.marks if m.bbox is not None]
    assert_on_rulings(path.name + " review", np.asarray(review), [tuple(v * k for v in b) for b in cells])


def assert_on_rulings(what: str, gray: np.ndarray, boxes: list[tuple[float, ...]]) -> None:
    """Drawn box edges lie on the rulings found in gray."""
    dist = edge_distances(gray, boxes)
    median = float(np.median(dist))
    near = sum(d <= NEAR_PX for d in dist) / len(dist)
    assert median <= MAX_MEDIAN_PX and near >= MIN_NEAR_SHARE, (
        f"{what}: box edges {median:.1f} px from the rulings (median), {near:.0%} within {NEAR_PX:g} px"
    )


def test_a_turned_scans_transform_maps_its_cells_back_onto_the_source_image() -> None:
    from ingest.grid import map_point
    from ingest.scan.reader import render_pdf_page, working_info, working_page

    scan = (ROOT / "samples" / "scan" / "hongze_2024_200dpi.pdf").read_bytes()
    page, _ = render_pdf_page(scan, 2, 150, Options().max_pixels)  # page 3: section 三's table
    source = np.ascontiguousarray(cv2.rotate(page, cv2.ROTATE_90_CLOCKWISE))
    wp = working_page(source, Options())
    info = working_info(1, wp, None)
    assert info.rotation == 270 and wp.ink.tables
    boxes = []
    for t in wp.ink.tables:
        for c in t.cells:
            xs, ys = zip(*(map_point(info.to_source, x, y) for x in c.bbox[::2] for y in c.bbox[1::2]), strict=True)
            boxes.append((min(xs), min(ys), max(xs), max(ys)))
    assert len(boxes) >= 40
    assert_on_rulings("turned scan", source, boxes)
