"""Scans as archives hold them, a handful: reports set in the families real ones use (Kai, Hei, Ming; the
font files pinned by path through a private fontconfig), with a red seal, grey-shaded headers at 150 dpi,
punch holes, a bilevel page: every table value is read right. Rulings broken every few pixels (known gap):
nothing wrong silently, exactness xfail until the adapter reads it (a row of section 二 lost, owned up to with a
warning). The big sweep over 60+ unseen scans is ``bench/scan_archive.py``.
"""

from __future__ import annotations

import json
import os
import zlib
from pathlib import Path

import numpy as np
import pytest
from conftest import silent_errors, table_fields, table_mismatches
from PIL import Image

from ingest.options import Options
from samples import fonts
from samples.make_scans import Degradation, make_scan, realistic_sources

os.environ.setdefault("GOVREPORT_SCAN_WORKERS", "1")

CASES = {
    "kai_seal_jpeg_200": ("ukai", False, Degradation(200, jpeg=70, face="ukai", seal="signature")),
    "hei_shaded_150": ("zenhei", True, Degradation(150, noise=6.0, output="png", face="zenhei", shade=True)),
    "microhei_corner_seal_holes_200": (
        "microhei",
        True,
        Degradation(200, face="microhei", shade=True, seal="corner", holes=True),
    ),
    "ming_bilevel_300": ("uming", False, Degradation(300, output="tiff", face="uming", bilevel=True)),
    "microhei_broken_rulings_200": ("microhei", False, Degradation(200, face="microhei", broken=0.06)),
}
# Known gap (bench/scan_archive.py measures it): on the page with rulings broken every few pixels, one row of
# section 二 (a one-row ruling lost or a glyph's stroke kept). Nothing read wrong may be silent there either;
# that part is asserted for every case.
KNOWN_GAPS = {"microhei_broken_rulings_200"}


def _faces_installed() -> bool:
    return not fonts.missing([f.path for f in fonts.FACES.values()])


pytestmark = pytest.mark.skipif(not _faces_installed(), reason="the pinned font files are not installed (setup.sh)")


@pytest.mark.parametrize("case", list(CASES))
def test_archive_scan_reads_every_table_value(case: str, tmp_path: Path) -> None:
    import pipeline

    face, shaded, d = CASES[case]
    d = d.validated()
    ((pdf, exp),) = realistic_sources(
        tmp_path / "src", face, 1, seed=zlib.crc32(case.encode()) % 1000 + 17, shade=shaded
    )
    path, exp_path = make_scan(pdf, exp, d, tmp_path, case, seed=31)
    expected = json.loads(exp_path.read_text(encoding="utf-8"))
    report = pipeline.convert(str(path), Options())
    wrong = [w for w in table_mismatches(report, expected) if not w.startswith("report.")]
    assert table_fields(expected) >= 150
    assert silent_errors(report, expected, wrong) == []
    if wrong and case in KNOWN_GAPS:
        pytest.xfail(f"known gap: {len(wrong)} of {table_fields(expected)} fields not read right: {wrong[:3]}")
    assert wrong == [], wrong[:8]


def test_seal_is_red_and_taken_out_before_reading() -> None:
    """The generator's seal is red ink multiplied over the page; the adapter's grey page has it lightened
    to the paper while black text under it stays black."""
    from PIL import ImageDraw, ImageFont

    from ingest.scan.lattice import to_gray
    from samples.make_scans import stamp_seal

    page = Image.new("L", (1400, 1400), 255)
    font = ImageFont.truetype(str(fonts.NOTO_SANS), 40)
    ImageDraw.Draw(page).text((700, 880), "二〇二四年一月五日", font=font, fill=0)
    sealed = stamp_seal(page, "signature", 200, np.random.default_rng(3))
    rgb = np.asarray(sealed)
    assert ((rgb[..., 0].astype(int) - rgb[..., 1]) > 80).mean() > 0.005  # red ink on the page
    gray = to_gray(np.ascontiguousarray(rgb[..., ::-1]))
    ink = np.asarray(page) < 128
    assert (gray[ink] < 128).mean() > 0.9  # the date's strokes stay
    assert (gray[~ink] < 160).mean() < 0.002  # the seal is gone


def test_a_jpeg_seal_leaves_no_ink_around_the_date_under_it() -> None:
    """JPEG greys a seal's outline (its red bleeds away); over the seal's extent only the date's black ink is
    left, not the outline the threshold took for characters beside the date."""
    import io

    import cv2
    from PIL import ImageDraw, ImageFont

    from ingest.scan import lattice as sg
    from samples.make_scans import stamp_seal

    page = Image.new("L", (1275, 900), 255)
    ImageDraw.Draw(page).text(
        (640, 560), "2023 年 1 月 18 日", font=ImageFont.truetype(str(fonts.NOTO_SANS), 24), fill=0
    )
    buf = io.BytesIO()
    stamp_seal(page, "signature", 150, np.random.default_rng(5)).convert("RGB").save(buf, "JPEG", quality=70)
    rgb = np.asarray(Image.open(buf).convert("RGB"))
    assert ((rgb[..., 0].astype(int) - rgb[..., 1]) > 40).sum() > 5000  # a seal is there
    ink = sg.binarize(sg.to_gray(np.ascontiguousarray(rgb[..., ::-1])), sg.PLAIN) > 0
    date = cv2.dilate((np.asarray(page) < 200).astype(np.uint8), np.ones((9, 9), np.uint8)).astype(bool)
    assert (ink & ~date).sum() < 300  # (4786 pixels before the seal's extent was cleared)


def test_dark_edges_fading_into_the_paper_leave_no_page_tall_line() -> None:
    """A scanner's dark edge fades into the paper; its faint tail must not stay as a line down the page, or the
    running text reads as one page-tall line (a report's closing lines and date were lost so)."""
    from PIL import ImageDraw, ImageFont

    from ingest.scan import lattice as sg
    from samples.make_scans import holes_and_edges

    page = Image.new("L", (2550, 3300), 255)
    draw = ImageDraw.Draw(page)
    for i in range(6):
        draw.text(
            (380, 800 + 150 * i),
            "政府信息公开工作年度报告" * 3,
            font=ImageFont.truetype(str(fonts.NOTO_SANS), 48),
            fill=0,
        )
    gray, found = sg.cleared_edges(np.asarray(holes_and_edges(page, 300, np.random.default_rng(7))))
    assert found
    assert len(sg.text_lines(sg.binarize(gray, sg.PLAIN), sg.unit_of(gray))) == 6


def test_a_thin_bar_cut_from_its_glyph_is_kept_a_speck_is_not() -> None:
    """A bilevel page cuts a light 5's bar from its belly: 11 x 3 pixels at 300 dpi, less area than a speck
    (the 5 read as 0 without it). A piece as long as a dash is kept; a compact speck goes."""
    from ingest.scan import reader as rd

    unit = 25.5
    crop = np.zeros((36, 91), np.uint8)
    crop[6:8, 40:51] = 255  # the bar: 23 pixels, as on the page, long
    crop[8, 44] = 255
    crop[15:30, 38:53] = 255  # the belly
    crop[25:28, 80:83] = 255  # a speck: 9 pixels, compact
    ink, _ = rd._without_remnants(crop, unit)
    assert rd.SPECK_UNITS2 * unit * unit > 23  # the bar is smaller than a speck by area
    assert ink[6:8, 40:51].all()
    assert not ink[25:28, 80:83].any()
