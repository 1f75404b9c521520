"""Born-digital PDFs from producers other than LibreOffice: Chromium (Skia) printing an HTML page and
fpdf2 drawing the tables cell by cell (``samples/make_pdf_producers.py``, its own layout).

The committed examples in ``samples/pdf`` (``chromium*``, ``fpdf*``) are always converted; fresh
reports are made at test time with fpdf2 (a pinned dependency) and, when it is installed, Chromium:
one per border style a browser prints (collapsed, hairline, shaded, boxed cells, cells over a dark
background, dotted, dashed, double outer border).
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, failing_rules, silent_errors, table_fields, table_mismatches

import pipeline
from ingest.pdf.bands import band_table, rule_bands
from ingest.pdf.geometry import Seg, clipped, dotted_segments, find_grids, is_box, page_segments, window_segments
from samples import make_pdf_producers as producers

SAMPLES = ROOT / "samples" / "pdf"
COMMITTED = sorted(p for p in SAMPLES.glob("*.pdf") if p.name.startswith(("chromium", "fpdf")))
chromium = pytest.mark.skipif(producers.chromium_binary() is None, reason="Chromium is not installed")
# Border styles whose tables are ruled (a 三线表, "threeline", has no vertical rules: see below).
RULED_STYLES = ("grid", "thin", "shaded", "separate", "spacing", "dotted", "dashed", "double")


def expected_of(pdf: Path) -> dict[str, Any]:
    return json.loads((pdf.parent / (pdf.stem + ".expected.json")).read_text(encoding="utf-8"))


def assert_exact(pdf: Path) -> None:
    expected = expected_of(pdf)
    report = pipeline.convert(str(pdf))
    mism = table_mismatches(report, expected)
    assert mism == [], f"{pdf.name} ({expected['note']}): {mism[:5]}"
    assert failing_rules(report) == set(expected["failing_checks"]), pdf.name


def test_committed_examples_cover_both_producers() -> None:
    names = [p.name for p in COMMITTED]
    assert sum(n.startswith("chromium") for n in names) >= 3
    assert sum(n.startswith("fpdf") for n in names) >= 2
    for p in COMMITTED:
        assert p.stat().st_size < 120_000, p.name
        assert (p.parent / (p.stem + ".expected.json")).is_file(), p.name


@pytest.mark.parametrize("pdf", COMMITTED, ids=lambda p: p.name)
def test_committed_example_converts_exactly(pdf: Path) -> None:
    assert_exact(pdf)


@pytest.mark.parametrize("pdf", COMMITTED, ids=lambda p: p.name)
def test_committed_example_is_from_its_producer(pdf: Path) -> None:
    """The file was made by the producer its name says (not re-made by LibreOffice)."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        meta = doc.get_metadata_dict()
    finally:
        doc.close()
    want = "Skia" if pdf.name.startswith("chromium") else "fpdf"
    assert want.lower() in (meta.get("Producer", "") + meta.get("Creator", "")).lower(), meta


def test_fresh_fpdf_reports_convert_exactly(tmp_path: Path) -> None:
    made = producers.generate(tmp_path, 3, seed=41, producers=["fpdf", "fpdf_chars"], errors=1)
    assert len(made) == 6
    for pdf, _ in made:
        assert_exact(pdf)


@chromium
def test_fresh_chromium_reports_convert_exactly(tmp_path: Path) -> None:
    rng = random.Random(43)
    for i, style in enumerate(RULED_STYLES):
        variant = producers.random_variant(rng, "chromium")
        variant.style = style
        template = "2019" if i % 4 == 3 else "2021"
        pdf, _ = producers.make_one(rng, tmp_path, f"c{i}", "chromium", template, "random" if i == 1 else None, variant)
        assert_exact(pdf)


@chromium
@pytest.mark.parametrize(("seed", "read"), [(47, True), (48, True), (49, False)])
def test_three_line_tables_are_read_without_silent_errors(tmp_path: Path, seed: int, read: bool) -> None:
    """A 三线表 (horizontal rules only, no grid) is read as a ragged table; whatever is not read right is
    owned up to (null, doubtful, or covered by a failing check), never a confident wrong number. Not every
    such layout is read (seed 49's tables are not), but none has a number made up."""
    rng = random.Random(seed)
    variant = producers.random_variant(rng, "chromium")
    variant.style, variant.vertical = "threeline", False
    variant.intro_paragraphs, variant.table_pt, variant.landscape = 1, 9.0, False
    pdf, _ = producers.make_one(rng, tmp_path, "threeline", "chromium", "2021", None, variant)
    expected = expected_of(pdf)
    report = pipeline.convert(str(pdf))
    wrong = table_mismatches(report, expected)
    if read:
        assert len(wrong) < table_fields(expected) // 2, wrong[:5]  # most of it is read
    confident = [w for w in silent_errors(report, expected, wrong) if ": got None," not in w]
    assert confident == []


def test_horizontal_rules_only_make_a_band() -> None:
    """Three rules of one extent with no vertical rule between them bound a table; two (a page's header
    and footer rules) do not, nor do rules inside a ruled grid."""
    rules = [Seg(True, y, 60, 530) for y in (100, 130, 400)]
    assert rule_bands(rules, [], 595) == [(60, 100, 530, 400)]
    assert rule_bands(rules[::2], [], 595) == []
    assert rule_bands([*rules, Seg(False, 300, 90, 410)], [], 595) == []
    chars = [
        {"text": t, "x0": x, "x1": x + 10, "top": y, "bottom": y + 10, "size": 10.0}
        for y, row in ((110, "项目 1 2"), (140, "甲 3 4"), (160, "乙 5 6"), (180, "丙 7 8"))
        for x, t in zip((70, 300, 400), row.split(), strict=True)
    ]
    table = band_table(chars, (60, 100, 530, 400), 1)
    assert table is not None and not table.exact
    assert [c.text for c in table.cells if c.row == 1] == ["甲", "3", "4"]
    assert band_table(chars[:6], (60, 100, 530, 400), 1) is None  # too few rows of numbers


# ---------------------------------------------------------------- the geometry behind them


def rect(x0: float, top: float, x1: float, bottom: float, **kw: Any) -> dict[str, Any]:
    return {"x0": x0, "top": top, "x1": x1, "bottom": bottom, "fill": True, "stroke": False,
            "non_stroking_color": (0.0, 0.0, 0.0), **kw}  # fmt: skip


def test_dotted_rules_are_joined() -> None:
    dots = [rect(10 + 1.5 * k, 20, 10.75 + 1.5 * k, 20.75) for k in range(40)]
    segs = dotted_segments(dots)
    horizontal = [s for s in segs if s.horizontal]
    assert len(horizontal) == 1 and horizontal[0].a0 == 10 and horizontal[0].a1 == pytest.approx(69.25)
    assert dotted_segments(dots[:2]) == []  # two dots are no line
    # Dashes drawn as filled four-point polygons count as rectangles.
    dash = {**rect(10, 20, 12.25, 20.75), "pts": [(10, 20), (12.25, 20), (12.25, 20.75), (10, 20.75)]}
    assert is_box(dash) and not is_box({**dash, "pts": [(10, 20), (12.25, 20.75), (10, 20.75), (11, 20)]})


def test_white_cells_over_a_dark_background_give_rules() -> None:
    back = rect(10, 10, 110, 50)
    cells = [rect(11, 11, 60, 29.5, non_stroking_color=(1.0, 1.0, 1.0)),
             rect(61, 11, 109, 29.5, non_stroking_color=(1.0, 1.0, 1.0)),
             rect(11, 30.5, 60, 49, non_stroking_color=(1.0, 1.0, 1.0)),
             rect(61, 30.5, 109, 49, non_stroking_color=(1.0, 1.0, 1.0))]  # fmt: skip
    assert len(window_segments([back, *cells])) == 16
    assert window_segments(cells) == []  # white boxes on paper draw nothing
    grids = find_grids(page_segments([], [back, *cells], []))
    assert len(grids) == 1 and len(grids[0].xs) == 3 and len(grids[0].ys) == 3


def test_separately_boxed_cells_make_one_grid() -> None:
    """Cells boxed one by one with 2 pt between the boxes (``<table border=1>``): a 2 x 2 grid."""
    stroked = {"fill": False, "stroke": True, "stroking_color": (0.0, 0.0, 0.0)}
    boxes = [
        {**rect(x0, t, x1, b), **stroked} for x0, x1 in ((10, 50), (52.25, 90)) for t, b in ((10, 30), (32.25, 50))
    ]
    grids = find_grids(page_segments([], boxes, []))
    assert len(grids) == 1 and len(grids[0].cells) == 4


def test_segments_are_clipped() -> None:
    segs = [Seg(False, 50, 0, 1000), Seg(True, 900, 0, 100), Seg(True, 20, 0, 100)]
    out = clipped(segs, (10, 10, 90, 800))
    assert Seg(False, 50, 10, 800) in out and Seg(True, 20, 10, 90) in out and len(out) == 2
    assert clipped(segs, None) == segs


def test_cell_text_spilled_under_a_table_part_is_put_back() -> None:
    """Chromium prints the rest of a merged cell cut by the page break under the part's last rule."""
    from ingest.grid import Cell, Document, PageInfo, Paragraph, Table
    from layout.spill import take_spilled_text

    upper = Table(
        cells=[
            Cell("三、本", 0, 0, page=1, bbox=(60, 700, 100, 760)),
            Cell("（一）予以公开", 0, 1, page=1, bbox=(100, 700, 500, 760)),
        ],
        page=1,
        bbox=(60, 700, 500, 760),
    )
    lower = Table(
        cells=[
            Cell("", 0, 0, page=2, bbox=(60, 60, 100, 80)),
            Cell("（二）部分公开", 0, 1, page=2, bbox=(100, 60, 500, 80)),
        ],
        page=2,
        bbox=(60, 60, 500, 80),
    )
    spill = [Paragraph("年度办", 1, (70, 762, 97, 771)), Paragraph("理结果", 1, (70, 774, 97, 783))]
    pages = [PageInfo(1, 595, 842), PageInfo(2, 595, 842)]
    doc = take_spilled_text(Document(path="x.pdf", format="pdf", blocks=[upper, *spill, lower], pages=pages))
    assert [type(b).__name__ for b in doc.blocks] == ["Table", "Table"]
    assert doc.blocks[0].cells[0].text == "三、本\n年度办\n理结果"  # type: ignore[union-attr]
    # A heading between the parts, or a line wider than the cell, is not spill.
    for other in (
        [Paragraph("四、政府信息公开行政复议", 1, (60, 770, 300, 783))],
        [spill[0], Paragraph("注", 1, (70, 300, 80, 310))],
    ):
        kept = take_spilled_text(Document(path="x.pdf", format="pdf", blocks=[upper, *other, lower], pages=pages))
        assert len(kept.blocks) == 2 + len(other)
    # Nor are lines over a next table that starts with text in that column (a new table, not a continuation).
    new = Table(cells=[Cell("行政复议", 0, 0, page=2, bbox=(60, 60, 500, 80))], page=2, bbox=(60, 60, 500, 80))
    kept = take_spilled_text(Document(path="x.pdf", format="pdf", blocks=[upper, *spill, new], pages=pages))
    assert len(kept.blocks) == 4


def test_table_part_without_its_top_rule_is_a_grid() -> None:
    """A row continued on a new page whose top rule was drawn at the foot of the page before: one rule
    across, four hanging from it; a lone rule with two ticks stays no table."""
    comb = [Seg(True, 74, 63, 300), *(Seg(False, x, 57, 74) for x in (63, 140, 220, 300))]
    grids = find_grids(comb)
    assert len(grids) == 1 and len(grids[0].cells) == 3 and grids[0].ys == [57, 74]
    assert find_grids([Seg(True, 74, 63, 300), Seg(False, 63, 57, 74), Seg(False, 300, 57, 74)]) == []
