"""Debug overlays: the right colour in the right cell, every cell drawn, and a review page that opens.

Cells are coloured from the report: a cell covered by a failing check must show the failing colour,
a clean one the fine colour. The expected state is worked out here from the report itself, and the
colour is read back from the pixels of the written PNG.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import ROOT, SHARED, failing_rules
from PIL import Image

from ingest.grid import Cell, Document, PageInfo, Table
from overlay import build_overlays, write_overlays
from overlay.draw import COLORS, FILL_ALPHA, blend, legend_height
from overlay.marks import LOW_CONFIDENCE
from overlay.render import soffice_to_pdf

ERR_DOCX = ROOT / "samples" / "docx" / "docx2021_row_total_error.docx"
ERR_EXPECTED = ROOT / "samples" / "docx" / "docx2021_row_total_error.expected.json"
# The value the generator made inconsistent (denied_state_secret.total 5 -> 2).
BROKEN_FIELD = "applications.denied_state_secret.total"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
COLOUR_TOLERANCE = 14  # per channel: digits and anti-aliased text never make up the commonest colour


# --- helpers -------------------------------------------------------------------------------------


def expected_state(rc: dict[str, Any], report: dict[str, Any]) -> str:
    """A report cell's state, worked out from the report alone."""
    failing = {f for c in report["checks"] if not c["ok"] for f in c["fields"]}
    if rc["field"] in failing:
        return "failing"
    if rc.get("corrected"):
        return "corrected"
    if (rc.get("confidence") if rc.get("confidence") is not None else 1.0) < LOW_CONFIDENCE:
        return "low"
    return "fine"


def tint_in(png: Image.Image, box_px: tuple[float, float, float, float]) -> tuple[int, int, int]:
    """The commonest colour inside a cell, below its label and away from its outline."""
    x0, y0, x1, y1 = box_px
    crop = png.crop((int(x0) + 6, int(y0) + 20, int(x1) - 6, int(y1) - 5)).convert("RGB")
    assert crop.width > 2 and crop.height > 2, f"cell too small to sample: {box_px}"
    pixels = np.asarray(crop).reshape(-1, 3).tolist()
    return Counter(map(tuple, pixels)).most_common(1)[0][0]  # type: ignore[return-value]


def close(a: tuple[int, int, int], b: tuple[int, int, int]) -> bool:
    return max(abs(x - y) for x, y in zip(a, b, strict=True)) <= COLOUR_TOLERANCE


def check_cell_colours(out_dir: str, stem: str, doc: Document, report: dict[str, Any], ov: Any) -> dict[str, int]:
    """Every placed report cell's tint in the written PNGs against the state the report implies."""
    placed = {m.field: m for m in ov.marked.marks if m.field and m.bbox is not None}
    seen: Counter[str] = Counter()
    wrong: list[str] = []
    pngs: dict[int, Image.Image] = {}
    for rc in report["cells"]:
        m = placed.get(rc["field"])
        if m is None or m.page is None:
            continue
        page = next(p for p in ov.pages if p.number == m.page)
        png = pngs.setdefault(m.page, Image.open(os.path.join(out_dir, f"{stem}.page{m.page}.png")))
        sx, sy, top = page.page.sx, page.page.sy, page.top  # the PNG's row 0 is page pixel row ``top``
        box = (m.bbox[0] * sx, m.bbox[1] * sy - top, m.bbox[2] * sx, m.bbox[3] * sy - top)
        if box[3] - box[1] < 32 or box[2] - box[0] < 20:
            continue
        state = expected_state(rc, report)
        got = tint_in(png, box)
        if not close(got, blend(COLORS[state], FILL_ALPHA)):  # type: ignore[index]
            wrong.append(f"{rc['field']}: {state} expected, pixel {got}")
        seen[state] += 1
    assert not wrong, wrong[:5]
    return dict(seen)


def blank_pdf(path: Path, pages: int = 1) -> None:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument.new()
    for _ in range(pages):
        pdf.new_page(595, 842)
    pdf.save(str(path))
    pdf.close()


def handmade_doc(path: Path) -> Document:
    """Two pages: a 3x3 table on page 1 (one merged label), its continuation on page 2 (a seam)."""
    cells = [
        Cell("项目", 0, 0, colspan=1, page=1, bbox=(100, 100, 200, 140)),
        Cell("甲", 0, 1, page=1, bbox=(200, 100, 300, 140)),
        Cell("乙", 0, 2, page=1, bbox=(300, 100, 400, 140)),
        Cell("一", 1, 0, rowspan=2, page=1, bbox=(100, 140, 200, 220)),
        Cell("1", 1, 1, page=1, bbox=(200, 140, 300, 180)),
        Cell("2", 1, 2, page=1, bbox=(300, 140, 400, 180), confidence=0.6),
        Cell("3", 2, 1, page=1, bbox=(200, 180, 300, 220)),
        Cell("4", 2, 2, page=1, bbox=(300, 180, 400, 220)),
        Cell("二", 3, 0, page=2, bbox=(100, 80, 200, 120)),
        Cell("5", 3, 1, page=2, bbox=(200, 80, 300, 120)),
        Cell("6", 3, 2, page=2, bbox=(300, 80, 400, 120)),
    ]
    lines = [(100, 100, 400, 100), (100, 140, 400, 140), (100, 80, 400, 80), (100, 120, 400, 120)]
    t = Table(cells, page=1, seams=[(2, 3)], lines=lines)
    return Document(str(path), "pdf", [t], [PageInfo(1, 595, 842), PageInfo(2, 595, 842)])


def handmade_report(doc: Document) -> dict[str, Any]:
    """Report cells for the six value cells: one low confidence, one corrected, two under a failing check."""
    fields = {
        (1, 1): "t.one.a",
        (1, 2): "t.one.b",
        (2, 1): "t.two.a",
        (2, 2): "t.two.b",
        (3, 1): "t.three.a",
        (3, 2): "t.three.b",
    }
    cells = []
    for c in doc.tables[0].cells:
        if (c.row, c.col) in fields:
            cells.append(
                {
                    "field": fields[(c.row, c.col)],
                    "raw": c.text,
                    "value": int(c.text),
                    "page": c.page,
                    "bbox": list(c.bbox or ()),
                    "confidence": c.confidence,
                    "corrected": (c.row, c.col) == (2, 1),
                }
            )
    checks = [
        {"rule": "t.sum", "ok": False, "message": "5 + 6 != 12", "fields": ["t.three.a", "t.three.b"]},
        {"rule": "t.ok", "ok": True, "message": "", "fields": ["t.one.a"]},
    ]
    return {"cells": cells, "checks": checks, "warnings": [], "tables": {"t": {}}, "report": {}}


# --- hand-made documents -------------------------------------------------------------------------


def test_handmade_states_counts_lines_and_seams(tmp_path: Path) -> None:
    pdf = tmp_path / "hand.pdf"
    blank_pdf(pdf, 2)
    doc = handmade_doc(pdf)
    report = handmade_report(doc)
    written = write_overlays(str(pdf), doc, report, overlay_dir=str(tmp_path / "png"))
    assert [os.path.basename(p) for p in written] == ["hand.page1.png", "hand.page2.png"]
    ov = build_overlays(str(pdf), doc, report)
    p1, p2 = ov.pages
    assert p1.stats.cells == 8 and p2.stats.cells == 3
    assert ov.cells_drawn == len(doc.tables[0].cells)
    assert p1.stats.by_state == {"label": 4, "fine": 2, "low": 1, "corrected": 1}
    assert p2.stats.by_state == {"label": 1, "failing": 2}
    assert (p1.stats.lines, p2.stats.lines) == (2, 2)  # each line drawn on the page where its table part stands
    assert (p1.stats.seams, p2.stats.seams) == (1, 1)  # the bottom of part one, the top of part two
    seen = check_cell_colours(str(tmp_path / "png"), "hand", doc, report, ov)
    assert seen == {"fine": 2, "low": 1, "corrected": 1, "failing": 2}
    # Only the band of rows holding the tables (36 pt around them) is drawn, then the legend.
    s = 150 / 72
    assert (p1.top, p2.top) == (math.floor(64 * s), math.floor(44 * s))
    assert p1.height < p1.page.height and p1.height == math.ceil(256 * s) - p1.top + legend_height()
    # A label cell is outlined, not tinted: its interior stays white.
    png = Image.open(tmp_path / "png" / "hand.page1.png")
    assert png.height == p1.height
    top = p1.top
    assert close(tint_in(png, (100 * s, 140 * s - top, 200 * s, 220 * s - top)), (255, 255, 255))
    # The ruling line at y=140 is drawn in blue (between the outlines of the cells above and below it).
    ys = range(int(140 * s) - 3, int(140 * s) + 4)
    column = [png.convert("RGB").getpixel((int(150 * s), y - top)) for y in ys]
    assert any(p[2] > 200 and p[0] < 120 for p in column), column  # type: ignore[index]


def test_report_none_still_draws_every_grid_cell(tmp_path: Path) -> None:
    pdf = tmp_path / "failed.pdf"
    blank_pdf(pdf, 2)
    doc = handmade_doc(pdf)
    written = write_overlays(
        str(pdf), doc, None, overlay_dir=str(tmp_path), html_dir=str(tmp_path), error="not_a_report: no table"
    )
    assert len(written) == 3
    ov = build_overlays(str(pdf), doc, None)
    assert ov.cells_drawn == 11 and all(set(p.stats.by_state) == {"label"} for p in ov.pages)
    html = (tmp_path / "failed.html").read_text(encoding="utf-8")
    assert "conversion failed: not_a_report: no table" in html and html.count('class="box s-label"') == 11


def test_nothing_requested_writes_nothing(tmp_path: Path) -> None:
    doc = Document(str(tmp_path / "x.pdf"), "pdf")
    assert write_overlays(str(tmp_path / "x.pdf"), doc, None) == []


# --- real documents ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def generated_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The committed DOCX with an injected row-total error, as LibreOffice prints it."""
    out = tmp_path_factory.mktemp("genpdf")
    pdf = Path(soffice_to_pdf(str(ERR_DOCX), str(out)))
    return pdf.rename(out / "row_total_error.pdf")


@pytest.fixture(scope="module")
def pdf_overlays(generated_pdf: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from pipeline import convert_document

    out = tmp_path_factory.mktemp("pdfov")
    doc, report = convert_document(str(generated_pdf))
    written = write_overlays(str(generated_pdf), doc, report, overlay_dir=str(out), html_dir=str(out))
    ov = build_overlays(str(generated_pdf), doc, report)
    return {"doc": doc, "report": report, "written": written, "ov": ov, "out": str(out)}


def test_generated_pdf_failing_and_fine_cells(pdf_overlays: dict[str, Any]) -> None:
    doc, report, ov = pdf_overlays["doc"], pdf_overlays["report"], pdf_overlays["ov"]
    expected = json.loads(ERR_EXPECTED.read_text(encoding="utf-8"))
    assert set(expected["failing_checks"]) <= failing_rules(report)
    assert ov.cells_drawn == sum(len(t.cells) for t in doc.tables)
    assert not ov.marked.unmatched
    broken = next(m for m in ov.marked.marks if m.field == BROKEN_FIELD)
    assert broken.state == "failing" and broken.value == 2
    seen = check_cell_colours(pdf_overlays["out"], "row_total_error", doc, report, ov)
    assert seen.get("failing", 0) >= 10 and seen.get("fine", 0) >= 50


def scan_of(pdf: Path, page: int, out: Path, skew: float) -> Path:
    """One page of a PDF as a 200 dpi grayscale scan, turned ``skew`` degrees."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    img = doc[page - 1].render(scale=200 / 72, grayscale=True).to_pil()
    doc.close()
    img = img.rotate(skew, fillcolor=255, resample=Image.Resampling.BICUBIC)
    img.save(out)
    return out


def test_scan_overlay_sits_on_the_deskewed_page(generated_pdf: Path, tmp_path: Path) -> None:
    from pipeline import convert_document

    scan = scan_of(generated_pdf, 3, tmp_path / "scan.png", skew=1.0)
    doc, report = convert_document(str(scan))
    assert doc.pages[0].ocr and abs(doc.pages[0].skew + 1.0) < 0.3
    ov = build_overlays(str(scan), doc, report)
    write_overlays(str(scan), doc, report, overlay_dir=str(tmp_path))
    assert ov.cells_drawn == sum(len(t.cells) for t in doc.tables) > 20
    # The page drawn on is the one the adapter read: cell edges lie on the (deskewed) ruling lines.
    page = ov.pages[0].page
    gray = page.image.convert("L")
    on_line = 0
    boxes = [m.bbox for m in ov.pages[0].scene.marks if m.bbox is not None]
    for b in boxes:
        x = b[0] * page.sx
        ys = range(int(b[1] * page.sy) + 4, int(b[3] * page.sy) - 4)
        dark = sum(1 for y in ys if min(gray.getpixel((int(x) + dx, y)) for dx in (-2, -1, 0, 1, 2)) < 128)  # type: ignore[operator]
        on_line += dark >= 0.8 * max(1, len(ys))
    assert on_line >= 0.9 * len(boxes), f"{on_line} of {len(boxes)} cell edges on a ruling line"
    check_cell_colours(str(tmp_path), "scan", doc, report, ov)


def test_docx_cells_placed_on_libreoffice_pages(tmp_path: Path) -> None:
    from pipeline import convert_document

    doc, report = convert_document(str(ERR_DOCX))
    ov = build_overlays(str(ERR_DOCX), doc, report)
    assert ov.rendered.source == "libreoffice"
    assert ov.cells_drawn == sum(len(t.cells) for t in doc.tables)
    assert not any("only" in w for w in ov.warnings)
    # Matched by text and order: every placed value's cell reads what the report says was read.
    for m in ov.marked.marks:
        if m.field:
            assert "".join(m.cell.text.split()) == "".join((m.raw or "").split()), m.field
    assert next(m for m in ov.marked.marks if m.field == BROKEN_FIELD).state == "failing"


def test_html_page_synthetic_pages_match_by_order(tmp_path: Path) -> None:
    from pipeline import convert_document

    src = SHARED / "real" / "pingtan_2024.html"
    doc, report = convert_document(str(src))
    ov = build_overlays(str(src), doc, report)
    assert ov.rendered.source == "synthetic"
    assert ov.cells_drawn == sum(len(t.cells) for t in doc.tables)
    placed = [m for m in ov.marked.marks if m.field]
    assert len(placed) == len(report["cells"]) and not ov.marked.unmatched
    for m in placed:
        assert "".join(m.cell.text.split()) == "".join((m.raw or "").split()), m.field


# --- the HTML review page in a real browser ------------------------------------------------------


def chromium(args: list[str], profile: str) -> subprocess.CompletedProcess[str]:
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
    ]
    return subprocess.run([CHROMIUM, *flags, *args], capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="chromium not installed")
def test_html_review_page_opens_without_errors(pdf_overlays: dict[str, Any]) -> None:
    html = next(p for p in pdf_overlays["written"] if p.endswith(".html"))
    text = Path(html).read_text(encoding="utf-8")
    assert "http://" not in text and "https://" not in text  # self-contained
    url = Path(html).resolve().as_uri()
    with tempfile.TemporaryDirectory() as prof:
        dom = chromium(["--dump-dom", url], prof)
    assert "Uncaught" not in dom.stderr, dom.stderr[-2000:]
    body = re.search(r"<body[^>]*>", dom.stdout)
    assert body and 'data-ready="1"' in body.group(0), "the page's script did not run"
    linked = int(re.search(r'data-linked="(\d+)"', body.group(0)).group(1))  # type: ignore[union-attr]
    n_values = dom.stdout.count('<td class="v ')
    assert n_values >= 100 and linked == len(pdf_overlays["report"]["cells"])
    assert f'data-field="{BROKEN_FIELD}"' in dom.stdout
    with tempfile.TemporaryDirectory() as prof:
        shot = os.path.join(prof, "shot.png")
        run = chromium(["--window-size=1400,900", f"--screenshot={shot}", url], prof)
        assert "Uncaught" not in run.stderr
        img = Image.open(shot).convert("L")
    # The side panel (right two fifths) holds the tables: plenty of ink, not a blank page.
    side = img.crop((int(img.width * 0.62), 60, img.width - 20, img.height - 20))
    assert (np.asarray(side) < 160).mean() > 0.01


def test_adapter_page_images_draw_the_same_overlay_without_the_file(tmp_path: Path) -> None:
    from ingest.options import Options
    from pipeline import convert_document

    src = ROOT / "samples" / "pdf" / "pdf2021_s5_003.pdf"
    pdf = tmp_path / "copy.pdf"
    shutil.copyfile(src, pdf)
    plain_doc, plain_report = convert_document(str(pdf))
    assert plain_doc.page_images == {}  # a plain conversion keeps no renders
    doc, report = convert_document(str(pdf), Options(page_images=True))
    table_pages = {c.page for t in doc.tables for c in t.cells if c.page is not None}
    assert set(doc.page_images) == table_pages
    for n, raster in doc.page_images.items():
        info = next(p for p in doc.pages if p.number == n)
        assert raster.pixels.dtype == np.uint8 and raster.pixels.ndim == 2 and raster.scale == 150 / 72
        assert raster.pixels.shape[1] == math.ceil(info.width * raster.scale)
        assert raster.top + raster.pixels.shape[0] <= math.ceil(info.height * raster.scale)
        assert (raster.pixels < 128).mean() > 0.01  # ink: ruling lines and text, not a blank band
    from_file = build_overlays(str(pdf), plain_doc, plain_report)
    os.remove(pdf)  # the renders the adapter kept are all the overlay needs
    kept = build_overlays(str(pdf), doc, report)
    assert kept.rendered.document is None and [p.number for p in kept.pages] == sorted(table_pages)
    assert [p.png() for p in kept.pages] == [p.png() for p in from_file.pages]


def test_overlapping_value_cells_take_the_later_tint() -> None:
    """Tints are one pass when no cells overlap; where two do, the later cell's state shows, never a mix."""
    from overlay.canvas import new_canvas
    from overlay.draw import PALETTE, PageStats, draw_cells, overlapping
    from overlay.marks import Mark
    from overlay.render import held
    from overlay.scene import PageScene

    assert not overlapping([[0, 0, 10, 10], [10, 0, 20, 10]])  # touching edges share no pixel
    assert overlapping([[0, 0, 10, 10], [9, 9, 20, 20]])
    page = held(1, np.full((120, 200), 255, np.uint8), 1.0, 1.0)
    first = Mark((0, 0, 0), Cell("1", 0, 0), 1, (10, 10, 110, 90), field="t.a.x", value=1)
    later = Mark((0, 0, 1), Cell("2", 0, 1), 1, (60, 30, 190, 110), field="t.a.y", value=2, confidence=0.5)
    canvas = new_canvas(page, 0, PALETTE, reuse=False)
    draw_cells(canvas, PageScene(1, [first, later]), page, PageStats(1))
    rgb = canvas.image().convert("RGB")
    assert close(rgb.getpixel((30, 50)), blend(COLORS["fine"], FILL_ALPHA))  # type: ignore[arg-type]
    assert close(rgb.getpixel((80, 60)), blend(COLORS["low"], FILL_ALPHA))  # type: ignore[arg-type]
    assert close(rgb.getpixel((150, 100)), blend(COLORS["low"], FILL_ALPHA))  # type: ignore[arg-type]


def test_cells_drawn_in_one_pass_match_the_general_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Cells that share no pixel are tinted and outlined one by one: the same PNG as tints-then-outlines."""
    import overlay.draw as draw

    pdf = tmp_path / "hand.pdf"
    blank_pdf(pdf, 2)
    doc = handmade_doc(pdf)
    report = handmade_report(doc)
    fast = [p.png() for p in build_overlays(str(pdf), doc, report).pages]
    monkeypatch.setattr(draw, "overlapping", lambda boxes: True)
    general = [p.png() for p in build_overlays(str(pdf), doc, report).pages]
    assert len(fast) == 2 and fast == general


def test_pooled_page_renders_never_share_memory_with_live_ones() -> None:
    """The adapter's renders reuse the memory of dropped ones only: two live documents never share pixels."""
    from ingest.options import Options
    from ingest.pdf import pdfium as pdf_pdfium
    from pipeline import convert_document

    src = str(ROOT / "samples" / "pdf" / "pdf2021_s5_003.pdf")
    first, _ = convert_document(src, Options(page_images=True))
    kept = {n: r.pixels.copy() for n, r in first.page_images.items()}
    second, _ = convert_document(src, Options(page_images=True))
    for n, r in second.page_images.items():
        assert not np.shares_memory(r.pixels, first.page_images[n].pixels)
        assert np.array_equal(r.pixels, kept[n]) and np.array_equal(first.page_images[n].pixels, kept[n])
    a = pdf_pdfium.pooled_rows(40, 50)
    a_buffer = id(a.base)  # the pool keeps the buffer (so the id stays its own); holding it here would mark it used
    del a
    b = pdf_pdfium.pooled_rows(40, 50)  # a's buffer is free again: the smallest that fits
    c = pdf_pdfium.pooled_rows(40, 50)
    assert id(b.base) == a_buffer and not np.shares_memory(b, c)


def test_fake_bold_text_is_rendered_filled_only() -> None:
    """The WPS report's bold headings (fill-and-stroke text) are set to fill only before page images are drawn."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as R

    from ingest.pdf import pdfium as pdf_pdfium

    pdf = pdfium.PdfDocument(str(SHARED / "real" / "hongze_2024.pdf"))
    try:
        page = pdf[2]
        n = R.FPDFPage_CountObjects(page.raw)
        modes = [R.FPDFTextObj_GetTextRenderMode(R.FPDFPage_GetObject(page.raw, k)) for k in range(n)]
        stroked = modes.count(R.FPDF_TEXTRENDERMODE_FILL_STROKE)
        assert stroked > 10 and pdf_pdfium.fill_only_text(page) == stroked
        assert pdf_pdfium.fill_only_text(page) == 0  # none left
        out = np.empty((400, math.ceil(page.get_width() * 150 / 72)), np.uint8)
        pdf_pdfium.render_rows(page, 150 / 72, out, 0)
        assert (out < 128).mean() > 0.005  # the text is still drawn
    finally:
        pdf.close()
