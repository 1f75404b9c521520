"""Phone photos of printed reports: the page found on its background and squared, the light evened,
and the committed photo samples read exactly.

The samples (``samples/scan/photo_s*``) were made by ``samples/make_photos.py``: keystone of a few
degrees, a turn, the page on a darker table top, a light gradient and a shadow band, a slight barrel
curvature, colour JPEG pages in an image-only PDF. Converting both takes about 20 CPU seconds.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, SHARED, failing_rules, silent_errors, table_mismatches
from PIL import Image

from ingest.options import Options

os.environ.setdefault("GOVREPORT_SCAN_WORKERS", "1")
HONGZE = SHARED / "real" / "hongze_2024.pdf"
PHOTOS = sorted((ROOT / "samples" / "scan").glob("photo_s*.pdf"))


def _page(number: int, dpi: int) -> Image.Image:
    from samples.make_scans import render_pages

    return render_pages(HONGZE, dpi)[number - 1]


def _gray(img: Image.Image) -> np.ndarray:
    return np.asarray(img.convert("L"))


def test_page_corners_are_found_in_a_photo() -> None:
    from ingest.scan.photo import page_quad
    from samples.make_photos import page_corners, photograph, random_shot

    page = _page(3, 100)
    for seed in range(4):
        rng = np.random.default_rng(seed)
        shot = random_shot(rng, barrel=False)
        photo = _gray(photograph(page, shot, rng))
        quad = page_quad(photo)
        assert quad is not None, seed
        truth, _ = page_corners(shot, page.width, page.height)
        # within 1 % of the page's width of each true corner
        assert np.abs(quad - truth).max() <= 0.01 * page.width, (seed, quad.tolist(), truth.tolist())


def test_scans_are_left_as_they_are() -> None:
    from ingest.scan.lattice import rotate
    from ingest.scan.photo import flatten, page_quad, rectify

    page = _gray(_page(3, 100))
    for img in (page, rotate(page, 1.5), np.ascontiguousarray(page[::-1, ::-1])):
        assert page_quad(img) is None
        out, squared = rectify(img)
        assert out is img and not squared
        out, evened = flatten(img)
        assert out is img and not evened


def test_uneven_light_is_divided_away() -> None:
    from ingest.scan.photo import flatten

    page = _gray(_page(2, 100)).astype(np.float32)
    h, w = page.shape
    xx = np.mgrid[0:h, 0:w][1]
    dim = (page * (1.0 - 0.35 * xx / w)).astype(np.uint8)
    out, evened = flatten(dim)
    assert evened
    paper = page > 250  # where the page is blank paper
    left, right = out[:, : w // 5][paper[:, : w // 5]], out[:, -w // 5 :][paper[:, -w // 5 :]]
    assert abs(float(np.median(left)) - float(np.median(right))) < 10  # was about 75 levels apart
    assert float(np.median(right)) > 235


@pytest.mark.parametrize("path", PHOTOS, ids=[p.stem for p in PHOTOS])
def test_photo_samples_convert_exactly(path: Path) -> None:
    import pipeline

    expected = json.loads(path.with_suffix(".expected.json").read_text(encoding="utf-8"))
    doc, report = pipeline.convert_document(str(path), Options())
    assert doc.ocr
    assert any("squared" in w for w in doc.warnings)
    wrong = table_mismatches(report, expected)
    assert silent_errors(report, expected, wrong) == []
    assert wrong == []
    assert failing_rules(report) == set(expected.get("failing_checks") or [])


def test_there_are_photo_samples() -> None:
    assert len(PHOTOS) >= 2
