"""The scanned-report path: limits and bad images, orientation, grids, and values read by OCR.

The generated-scan accuracy run (30 degraded scans from samples/make_pdf.py reports, the same as
``bench/scan_eval.py`` reads) takes about 3 minutes on two cores; GOVREPORT_SCAN_QUICK=1 skips it.
"""

from __future__ import annotations

import io
import json
import os
import struct
import zlib
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from conftest import SHARED, failing_rules, silent_errors, table_fields, table_mismatches
from PIL import Image

from ingest.errors import ReportError
from ingest.grid import Table
from ingest.options import Options
from samples import fonts

os.environ.setdefault("GOVREPORT_SCAN_WORKERS", "1")
HONGZE = SHARED / "real" / "hongze_2024.pdf"
HONGZE_EXPECTED = SHARED / "real" / "hongze_2024.expected.json"


def _png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def _hongze_page(number: int, dpi: int = 200) -> np.ndarray:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(HONGZE))
    try:
        return np.asarray(pdf[number - 1].render(scale=dpi / 72, grayscale=True).to_pil().convert("L"))
    finally:
        pdf.close()


def _table_texts(blocks: list[Any]) -> list[str]:
    return [c.text for b in blocks if isinstance(b, Table) for c in b.cells]


# ----------------------------------------------------------------------------- bad input


def test_not_an_image_is_corrupt() -> None:
    from ingest.scan.reader import read_image

    with pytest.raises(ReportError) as e:
        read_image("x.png", b"\x89PNG\r\n\x1a\nthis is not a png at all", Options())
    assert e.value.kind == "corrupt"


def test_empty_image_is_empty() -> None:
    from ingest.scan.reader import read_image

    with pytest.raises(ReportError) as e:
        read_image("x.png", b"", Options())
    assert e.value.kind == "empty"


def test_truncated_image_is_corrupt() -> None:
    from ingest.scan.reader import read_image

    data = _png(Image.fromarray(np.random.default_rng(0).integers(0, 255, (400, 400), dtype=np.uint8)))
    with pytest.raises(ReportError) as e:
        read_image("x.png", data[: len(data) // 2], Options())
    assert e.value.kind == "corrupt"


def _png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares width x height pixels (a decompression bomb's header)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    head = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    idat = zlib.compress(b"\x00" * 64)
    body = b"IDAT" + idat
    end = b"IEND"
    return (
        head
        + struct.pack(">I", len(idat))
        + body
        + struct.pack(">I", zlib.crc32(body))
        + struct.pack(">I", 0)
        + end
        + struct.pack(">I", zlib.crc32(end))
    )


def test_pixel_bomb_refused_from_header() -> None:
    from ingest.scan.reader import read_image

    with pytest.raises(ReportError) as e:
        read_image("bomb.png", _png_declaring(60000, 60000), Options())
    assert e.value.kind == "too_large"
    with pytest.raises(ReportError) as e:
        read_image("big.png", _png_declaring(5000, 5000), Options(max_pixels=1_000_000))
    assert e.value.kind == "too_large"


def test_multipage_tiff_pages_and_limit() -> None:
    from ingest.scan.reader import image_pages

    pages = [Image.new("L", (300, 400), 255), Image.new("L", (300, 400), 200), Image.new("L", (300, 400), 100)]
    buf = io.BytesIO()
    pages[0].save(buf, "TIFF", save_all=True, append_images=pages[1:])
    got = image_pages(buf.getvalue(), Options())
    assert [int(p.mean()) for p in got] == [255, 200, 100]
    with pytest.raises(ReportError) as e:
        image_pages(buf.getvalue(), Options(max_pages=2))
    assert e.value.kind == "too_large"


def test_blank_page_has_no_tables() -> None:
    from ingest.scan.reader import read_image

    doc = read_image("blank.png", _png(Image.new("L", (1654, 2339), 255)), Options())
    assert doc.tables == [] and doc.paragraphs == []
    assert doc.pages[0].ocr


def test_photo_like_noise_is_not_a_report() -> None:
    from ingest.scan.reader import read_image

    noise = np.random.default_rng(1).normal(128, 40, (900, 700)).clip(0, 255).astype(np.uint8)
    doc = read_image("noise.png", _png(Image.fromarray(noise)), Options())
    assert doc.tables == []


def test_low_resolution_page_is_enlarged_within_the_pixel_limit() -> None:
    from ingest.scan.reader import LOW_RES_SIDE, UPSAMPLE_SIDE, upsampled

    page = np.full((1754, 1240), 255, np.uint8)  # A4 at 150 dpi
    assert upsampled(page, 10**9).shape == (int(1754 * UPSAMPLE_SIDE / 1240), UPSAMPLE_SIDE)
    assert upsampled(page, 1754 * 1240 * 2).size <= 1754 * 1240 * 2
    fine = np.full((LOW_RES_SIDE + 10, LOW_RES_SIDE), 255, np.uint8)
    assert upsampled(fine, 10**9) is fine


# ----------------------------------------------------------------------------- grids and orientation


def test_grid_spans_of_hongze_applications_table() -> None:
    from ingest.scan.lattice import deskew, find_tables

    gray, _ = deskew(_hongze_page(3))
    tables = find_tables(gray)
    assert len(tables) == 2
    app = tables[1]
    assert (len(app.ys) - 1, len(app.xs) - 1) == (16, 10)
    spans = {(c.row, c.col): (c.rowspan, c.colspan) for c in app.cells}
    assert spans[(0, 0)] == (3, 3)  # the note cell over the header rows
    assert spans[(5, 0)] == (11, 1)  # 三、本年度办理结果 down the side


def test_skew_is_measured_and_removed() -> None:
    from ingest.scan.lattice import binarize, deskew, estimate_skew, find_tables, rotate

    turned = rotate(_hongze_page(2, dpi=150), 1.5)
    assert abs(estimate_skew(binarize(turned)) + 1.5) <= 0.15
    straight, angle = deskew(turned)
    assert abs(angle + 1.5) <= 0.15
    assert len(find_tables(straight)) == 1


@pytest.mark.parametrize("turn", [cv2.ROTATE_180, cv2.ROTATE_90_CLOCKWISE])
def test_turned_page_is_detected_and_read(turn: int) -> None:
    from ingest.scan.reader import read_page

    blocks, info, _ = read_page(cv2.rotate(_hongze_page(3, dpi=150), turn), 3, Options())
    assert info.rotation == {cv2.ROTATE_180: 180, cv2.ROTATE_90_CLOCKWISE: 270}[turn]
    texts = _table_texts(blocks)
    assert "2776" in texts and "7545" in texts and "95" in texts


def test_skewed_table_page_upside_down_is_turned_by_the_text_in_its_cells() -> None:
    from ingest.scan.lattice import rotate
    from ingest.scan.reader import read_page

    # Page 3 is all tables (two lines of running text): the text in its cells says which way is up.
    page = cv2.rotate(rotate(_hongze_page(3, dpi=150), 1.2), cv2.ROTATE_180)
    blocks, info, _ = read_page(page, 3, Options())
    assert info.rotation == 180 and abs(info.skew) > 1.0
    texts = _table_texts(blocks)
    assert "2776" in texts and "7545" in texts


def _jpeg_noise(gray: np.ndarray, sigma: float, quality: int) -> np.ndarray:
    """A page with scanner grain, then JPEG-compressed (which smooths the grain into blotches)."""
    rng = np.random.default_rng(7)
    noisy = (gray.astype(np.float32) + rng.normal(0, sigma, gray.shape)).clip(0, 255).astype(np.uint8)
    ok, buf = cv2.imencode(".jpg", noisy, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)


def test_grain_is_measured_by_its_specks_and_thresholded_away() -> None:
    from ingest.scan.lattice import GRAINY, PLAIN, binarize, deskew, find_tables, grain, threshold_for
    from ingest.scan.reader import upsampled

    clean = _hongze_page(2, dpi=150)
    noisy = _jpeg_noise(clean, 8.0, 45)
    assert grain(clean) < GRAINY <= grain(noisy)
    assert threshold_for(clean) == PLAIN
    setting = threshold_for(noisy)
    assert setting.smooth and setting.offset < -2
    # The chosen setting leaves a fraction of the specks the plain threshold leaves ...
    plain_ink = binarize(noisy, PLAIN)
    assert (binarize(noisy, setting) > 0).mean() < 0.6 * (plain_ink > 0).mean()
    # ... and the enlarged noisy page has the clean page's grid.
    big = upsampled(noisy, 10**9)
    big, _ = deskew(big, threshold_for(big))
    shape = [(len(t.ys), len(t.xs), len(t.cells)) for t in find_tables(big, threshold_for(big))]
    ref, _ = deskew(upsampled(clean, 10**9))
    assert shape == [(len(t.ys), len(t.xs), len(t.cells)) for t in find_tables(ref)]


def _glyph(ch: str, px: int = 30) -> np.ndarray:
    """One character as a 150-dpi scan shows it: Noto Sans CJK, slightly blurred, padded."""
    from PIL import ImageDraw, ImageFont

    font = ImageFont.truetype(str(fonts.NOTO_SANS), px)
    img = Image.new("L", (2 * px, 2 * px), 255)
    ImageDraw.Draw(img).text((px // 2, px // 4), ch, font=font, fill=0)
    return cv2.GaussianBlur(np.asarray(img), (3, 3), 0.8)


def test_slash_is_told_from_one_and_seven_by_its_shape() -> None:
    from ingest.scan.reader import _slashes

    crops = [_glyph(ch) for ch in "/1/7／"]
    readings = [("1", 0.7, []), ("1", 0.99, []), ("/", 0.6, []), ("7", 0.8, []), ("1", 0.5, [("/", 0.3)])]
    out = _slashes(crops, readings)
    assert out[0][0] == "/" and out[0][1] >= 0.9 and out[0][2] == [("1", 0.5)]  # a doubtful "1" that leans
    assert out[1] == readings[1]  # a real "1" stands
    assert out[2][0] == "/"
    assert out[3] == readings[3]  # "7" has its bar
    assert out[4][0] == "/"  # full-width slash


# ----------------------------------------------------------------------------- values


def test_number_cells_keep_their_doubt() -> None:
    from ingest.scan.reader import read_page

    blocks, _, _ = read_page(_hongze_page(3), 3, Options())
    cells = [c for b in blocks if isinstance(b, Table) for c in b.cells]
    numbers = [c for c in cells if c.text.isdigit()]
    assert len(numbers) == 94  # 13 rows of 7 counts, and 2776, 84, 7545
    for c in numbers:
        assert 0.0 <= c.confidence <= 1.0
        assert all(a[0] != c.text for a in c.alternatives)
        if c.confidence >= 0.9:
            assert not c.alternatives or max(a[1] for a in c.alternatives) < c.confidence


def test_hongze_image_only_pdf_converts_exactly(tmp_path: Path) -> None:
    import pipeline

    pages = [Image.fromarray(_hongze_page(n)) for n in range(1, 6)]
    path = tmp_path / "hongze.scan.pdf"
    pages[0].save(path, "PDF", save_all=True, append_images=pages[1:], resolution=200)
    expected = json.loads(HONGZE_EXPECTED.read_text(encoding="utf-8"))
    doc, report = pipeline.convert_document(str(path), Options())
    assert doc.ocr and len(doc.pages) == 5
    assert table_mismatches(report, expected) == []
    assert failing_rules(report) == set(expected.get("failing_checks") or [])


# ----------------------------------------------------------------------------- generated scans


def _convert_one(args: tuple[str, str]) -> tuple[str, int, list[str], list[str]]:
    """One scan converted: how many fields, the wrong ones, and which of those are silent."""
    import pipeline

    path, exp_path = args
    expected = json.loads(Path(exp_path).read_text(encoding="utf-8"))
    report = pipeline.convert(path, Options())
    wrong = table_mismatches(report, expected)
    return path, table_fields(expected), wrong, silent_errors(report, expected, wrong)


@pytest.mark.skipif(
    os.environ.get("GOVREPORT_SCAN_QUICK") == "1", reason="GOVREPORT_SCAN_QUICK=1: the 30 scans skipped"
)
def test_generated_scans(tmp_path: Path) -> None:
    from concurrent.futures import ProcessPoolExecutor

    from samples.make_scans import generate_scans

    made = generate_scans(tmp_path, count=30, seed=11, sources=6)
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        results = list(pool.map(_convert_one, [(str(p), str(e)) for p, e, _ in made]))
    clean = {str(p) for p, _, d in made if d.clean}
    total = sum(r[1] for r in results)
    wrong = sum(len(r[2]) for r in results)
    assert 1 - wrong / total >= 0.995, [r[2][:5] for r in results if r[2]]
    assert all(not r[2] for r in results if r[0] in clean)
    assert all(not r[3] for r in results), [r[3] for r in results if r[3]]


def test_separately_boxed_cells_make_one_grid() -> None:
    """A table whose every cell is boxed on its own (HTML `border=1` printed, then scanned): each ruling is a
    pair of lines a few pixels apart, and a line with another running beside it is still a ruling."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFont

    from ingest.scan.lattice import find_tables

    im = Image.new("L", (1400, 700), 255)
    draw = ImageDraw.Draw(im)
    xs, ys = [100, 500, 700, 900, 1100, 1300], [100, 250, 400, 550]
    draw.rectangle((xs[0] - 3, ys[0] - 3, xs[-1] + 3, ys[-1] + 3), outline=0, width=2)  # the table's own border
    for r in range(len(ys) - 1):
        for c in range(len(xs) - 1):
            draw.rectangle((xs[c] + 2, ys[r] + 2, xs[c + 1] - 2, ys[r + 1] - 2), outline=0, width=2)
            draw.text(
                (xs[c] + 40, ys[r] + 60),
                "12",
                fill=0,
                font=ImageFont.truetype(str(fonts.DEJAVU / "DejaVuSans.ttf"), 36),
            )
    (table,) = find_tables(np.asarray(im))
    assert len(table.xs) == len(xs) and len(table.ys) == len(ys)


def test_rulings_broken_every_few_pixels_make_the_same_grid() -> None:
    """Rulings with short stretches dropped out (4% of their length, as toner skips and JPEG leave them:
    pieces shorter than the opening kernel) give the grid the intact page gives, merged cells included;
    the digits in the cells are not taken for rulings."""
    from PIL import ImageDraw, ImageFont

    from ingest.scan.lattice import find_tables
    from samples.make_scans import broken_rulings

    im = Image.new("L", (1700, 900), 255)
    draw = ImageDraw.Draw(im)
    font = ImageFont.truetype(str(fonts.DEJAVU / "DejaVuSans.ttf"), 22)
    xs, ys = [150, 500, 700, 900, 1100, 1300, 1500], [150, 185, 220, 255, 290, 325, 360, 395]
    for y in ys:
        draw.line((xs[0], y, xs[-1], y), fill=0, width=2)
    for i in range(len(ys) - 1):
        for j, x in enumerate(xs):
            if i == 2 and 0 < j < len(xs) - 1:
                continue  # row 2 is one cell across the table
            draw.line((x, ys[i], x, ys[i + 1]), fill=0, width=2)
        for j in range(len(xs) - 1):
            draw.text((xs[j] + 20, ys[i] + 6), str(1111 * (i + j) % 10000), fill=0, font=font)

    def cells(page: Image.Image) -> list[tuple[int, int, int, int]]:
        (table,) = find_tables(np.asarray(page))
        return [(c.row, c.col, c.rowspan, c.colspan) for c in table.cells]

    intact = cells(im)
    assert (2, 0, 1, len(xs) - 1) in intact and len(intact) == 6 * (len(xs) - 1) + 1
    for seed in (1, 2, 3):
        assert cells(broken_rulings(im, 0.04, np.random.default_rng(seed))) == intact, seed


def test_broken_glyph_pieces_are_one_line_and_a_speck_is_blank() -> None:
    """A digit whose stroke breaks across (a 5's bar a pixel above its belly) is one crop, not two
    glyphs; two real lines stay two; a cell holding one noise speck is blank; a one-row vertical piece
    that stops a pixel short of the ruling below it (the digit 1) floats, it is no ruling."""
    from ingest.scan.lattice import floating
    from ingest.scan.reader import cell_lines, glyph_lines

    unit = 17.0
    assert glyph_lines([(10, 5, 20, 10), (9, 12, 21, 23)], unit) == [(9, 5, 21, 23)]
    assert glyph_lines([(10, 5, 60, 28), (10, 31, 60, 54)], unit) == [(10, 5, 60, 28), (10, 31, 60, 54)]
    gray = np.full((60, 80), 255, np.uint8)
    binary = np.zeros_like(gray)
    binary[20:25, 30:34] = 255  # a speck, a fifth of a unit
    assert cell_lines(gray, binary, (0, 0, 80, 60), unit) == []
    binary[:] = 0
    binary[10:14, 30:45] = 255  # a 5's bar and stem, cut off from its belly by a 2-pixel gap
    binary[16:28, 30:45] = 255
    assert len(cell_lines(gray, binary, (0, 0, 80, 60), unit)) == 1
    col = np.zeros((30, 5), np.uint8)
    col[0:3] = 255  # the ruling above
    col[7:24] = 255  # the digit 1
    col[28:30] = 255  # the ruling below, just past the piece's end
    assert floating(col, (0, 0, 5, 28), unit)


def test_a_signature_and_date_alone_on_a_page_are_two_paragraphs_read_whole() -> None:
    """Body lines (half the page wide or more) run on into the next unindented line; a last page holding only
    the right-aligned signature and date has no body line, so the date is not taken for the signature's
    continuation (and left unread as a body paragraph's tail)."""
    from ingest.scan.reader import group_paragraphs

    signature = [(979, 253, 1378, 291), (978, 333, 1372, 371)]
    assert group_paragraphs(signature, [], 1598) == [[signature[0]], [signature[1]]]
    body = [(295, 456, 1302, 496), (215, 509, 985, 548)]  # a full first line, its unindented tail
    assert group_paragraphs(body + [(1000, 700, 1300, 738)], [], 1598) == [body, [(1000, 700, 1300, 738)]]


def test_lean_recognition_model_computes_the_same_in_fewer_operations(tmp_path: Path) -> None:
    """The rewritten recogniser (affines folded into convolutions, hard-swish as HardSigmoid) gives the
    original's outputs, is made the same byte for byte each time, and is what the engine runs."""
    pytest.importorskip("onnx")
    import onnx

    from ingest.scan import recmodel

    src = recmodel.source_model()
    a, b = tmp_path / "a.onnx", tmp_path / "b.onnx"
    recmodel.rewrite(src, a)
    recmodel.rewrite(src, b)
    assert a.read_bytes() == b.read_bytes()
    assert recmodel.max_difference(src, a) <= recmodel.MAX_DIFF

    def ops(path: Path) -> int:
        return sum(n.op_type != "Constant" for n in onnx.load(str(path)).graph.node)

    assert ops(a) < 0.7 * ops(src)
    lean = recmodel.lean_model()
    assert lean is not None and lean.exists()
    from ingest.scan.ocr import get_engine

    rec = get_engine("rapidocr").rec  # type: ignore[attr-defined]
    assert rec.session.session._model_path == str(lean)
