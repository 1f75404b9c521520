"""Born-digital PDF adapter: grids and spans, tables over pages, the real WPS report, generated
reports end to end, and the error kinds (encrypted, truncated, too many pages, no tables, image-only).

All PDFs are made at test time by ONE batched LibreOffice call (fixed seed, nothing cached).
"""

from __future__ import annotations

import io
import json
import random
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from conftest import SHARED, failing_rules, table_mismatches

import pipeline
from ingest.errors import ReportError
from ingest.grid import Cell, Document, PageInfo, Table
from ingest.options import PDF_ENGINES, Options
from ingest.pdf.chars import cell_text, is_unusable
from ingest.pdf.reader import PageRead, ocr_unusable_cells, read
from samples import generate as gen
from samples import make_pdf

HONGZE = SHARED / "real" / "hongze_2024.pdf"
N_GENERATED = 54
SEED = 20250
ERRORS = 8
soffice = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")


def read_file(path: Path, **opts: Any) -> Document:
    """The adapter's Document for a file."""
    return read(str(path), path.read_bytes(), Options(**opts))


def table_with(doc: Document, text: str) -> Table:
    """The first table holding a cell whose text contains ``text``."""
    return next(t for t in doc.tables if any(text in c.text for c in t.cells))


def cell_with(table: Table, text: str) -> Cell:
    """The first cell of the table whose text (newlines removed) contains ``text``."""
    return next(c for c in table.cells if text in c.text.replace("\n", ""))


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The generated reports plus a few hand-set ones, all converted by one soffice call."""
    out = tmp_path_factory.mktemp("pdf")
    work = tmp_path_factory.mktemp("docx")
    rng = random.Random(SEED)
    prepared = [
        make_pdf.prepare_one(
            rng, work, out, f"g{i:03d}", i, "2019" if i % 3 == 2 else "2021", "random" if i < ERRORS else None
        )
        for i in range(N_GENERATED)
    ]
    # Hand-set: merged headers and labels, rotated review headers, a break inside the review table.
    values = gen.random_values(random.Random(1), "2021")
    meta = gen.random_meta(random.Random(1), "2021")
    spans = gen.make_docx(values, meta, gen.Layout(), work / "spans.docx", seed=1)
    make_pdf.apply_variation(spans, gen.Layout(), make_pdf.PdfVariation("btLr", "review", 45.0))
    stacked_layout = gen.Layout(stacked_headers=True, merged_labels=False)
    stacked = gen.make_docx(values, meta, stacked_layout, work / "stacked.docx", seed=2)
    make_pdf.apply_variation(stacked, stacked_layout, make_pdf.PdfVariation("none", "applications", 200.0))
    import docx

    plain = docx.Document()
    plain.add_paragraph("关于做好防汛工作的通知")
    plain.add_paragraph("各单位：请按要求做好汛期值班工作。")
    plain.save(str(work / "notable.docx"))
    pdfs, extra = make_pdf.convert_prepared(prepared, out, [spans, stacked, work / "notable.docx"])
    return {
        "generated": [(pdf, p.expected_path) for pdf, p in zip(pdfs, prepared, strict=True)],
        "spans": extra[0],
        "spans_values": values,
        "stacked": extra[1],
        "notable": extra[2],
    }


# ---------------------------------------------------------------- text units


def test_rotated_and_stacked_text_read_in_order() -> None:
    """btLr chars read bottom to top, tbRl chars top to bottom, stacked chars one per line."""

    def ch(t: str, x0: float, top: float, m: tuple[float, ...], upright: bool) -> dict[str, Any]:
        return {
            "text": t,
            "x0": x0,
            "x1": x0 + 10,
            "top": top,
            "bottom": top + 10,
            "size": 10,
            "upright": upright,
            "matrix": m,
        }

    up = [ch(t, 100, 100 - 10 * i, (0, 1, -1, 0, 0, 0), False) for i, t in enumerate("结果维持")]
    down = [ch(t, 100, 50 + 10 * i, (0, -1, 1, 0, 0, 0), False) for i, t in enumerate("尚未审结")]
    stacked = [ch(t, 100, 50 + 12 * i, (1, 0, 0, 1, 0, 0), True) for i, t in enumerate("总计")]
    assert cell_text(list(reversed(up))) == "结果维持"
    assert cell_text(down[::-1]) == "尚未审结"
    assert cell_text(stacked) == "总\n计"
    assert is_unusable("(cid:12)(cid:40)") and is_unusable("\ue001") and not is_unusable("本年制发件数")


def test_unusable_cells_kept_at_confidence_zero_when_ocr_is_off() -> None:
    """A cell whose text layer is (cid:N) codes is never passed on silently as a reading."""
    cell = Cell(text="(cid:18)(cid:19)", row=0, col=0, page=1, bbox=(0, 0, 10, 10))
    page = PageRead(PageInfo(1, 100, 100), [Table([cell], page=1)], [], True, False, [cell])
    doc = Document(path="x.pdf", format="pdf")
    ocr_unusable_cells(b"", [page], Options(ocr="never"), doc)
    assert cell.confidence == 0.0 and doc.warnings and "unusable" in doc.warnings[0]


# ---------------------------------------------------------------- the real WPS report


def test_hongze_grids() -> None:
    """Shaded headers are not lines; the stacked label, the collapsed row and the page break are in the grids."""
    doc = read_file(HONGZE)
    assert [p.width for p in doc.pages] == [595] * 5
    apps = table_with(doc, "申请人情况")
    note = cell_with(apps, "勾稽关系")
    assert (note.row, note.col, note.rowspan, note.colspan) == (0, 0, 3, 3)
    assert cell_with(apps, "申请人情况").colspan == 7
    label = cell_with(apps, "三、本年度办理结果")
    assert label.text.count("\n") == 8 and label.rowspan == 11  # stacked, to the page's last row
    assert cell_with(apps, "不予公开").rowspan == 8
    cont = doc.tables[doc.tables.index(apps) + 1]
    assert apps.page is not None and cont.page == apps.page + 1 and cont.n_cols == apps.n_cols
    other = cell_with(cont, "其他处理")
    row = sorted((c for c in cont.cells if c.row == other.row), key=lambda c: c.col)
    assert [c.text for c in row[-7:]] == ["0"] * 7
    active = table_with(doc, "第二十条第（一）项")
    assert cell_with(active, "第二十条第（一）项").colspan == 4 and cell_with(active, "9487").colspan == 3
    assert all(c.bbox is not None and c.page is not None and c.confidence == 1.0 for t in doc.tables for c in t.cells)
    texts = [p.text for p in doc.paragraphs]
    assert "二、主动公开政府信息情况" in texts and "六、其他需要报告的事项" in texts
    assert not any(t.strip("- ").isdigit() for t in texts)  # page numbers are not body text


def test_hongze_converts_exactly() -> None:
    expected = json.loads((SHARED / "real" / "hongze_2024.expected.json").read_text(encoding="utf-8"))
    report = pipeline.convert(str(HONGZE))
    assert table_mismatches(report, expected) == []
    assert failing_rules(report) == set(expected.get("failing_checks", []))


def test_hongze_camelot_engine_gives_the_same_grids() -> None:
    native = read_file(HONGZE)
    cam = read_file(HONGZE, pdf_engine="camelot")

    def shape(d: Document) -> list[list[tuple[int, int, int, int, str]]]:
        return [sorted((c.row, c.col, c.rowspan, c.colspan, c.text) for c in t.cells) for t in d.tables]

    assert shape(cam) == shape(native)


# ---------------------------------------------------------------- generated PDFs


@soffice
def test_generated_grid_spans_and_rotated_headers(made: dict[str, Any]) -> None:
    doc = read_file(made["spans"])
    apps = table_with(doc, "申请人情况")
    note = cell_with(apps, "勾稽关系")
    assert (note.row, note.col, note.rowspan, note.colspan) == (0, 0, 3, 3)
    assert cell_with(apps, "法人或其他组织").colspan == 5
    assert cell_with(apps, "三、本年度办理结果").rowspan > 1
    review_parts = [t for t in doc.tables if any(c.text in ("行政复议", "复议后起诉") for c in t.cells)]
    texts = {c.text for t in review_parts for c in t.cells}
    assert {"结果维持", "结果纠正", "其他结果", "尚未审结"} <= texts  # turned btLr, read bottom to top
    assert cell_with(review_parts[-1], "未经复议直接起诉").colspan == 5


@soffice
def test_generated_table_broken_over_pages(made: dict[str, Any]) -> None:
    """The placed break cuts the review table; both parts share the page width, the values survive."""
    doc = read_file(made["spans"])
    first = table_with(doc, "行政复议")
    nxt = doc.tables[doc.tables.index(first) + 1]
    assert first.page is not None and nxt.page == first.page + 1
    assert first.bbox and nxt.bbox and abs(first.bbox[0] - nxt.bbox[0]) < 2 and abs(first.bbox[2] - nxt.bbox[2]) < 2
    report = pipeline.convert(str(made["spans"]))
    assert report["tables"]["review_litigation"] == made["spans_values"]["review_litigation"]


@soffice
def test_generated_stacked_headers_one_char_per_line(made: dict[str, Any]) -> None:
    doc = read_file(made["stacked"])
    texts = {c.text for t in doc.tables for c in t.cells}
    assert "结\n果\n维\n持" in texts and "自\n然\n人" in texts
    apps_pages = {t.page for t in doc.tables if any("本年度办理结果" in c.text.replace("\n", "") for c in t.cells)}
    assert apps_pages  # the label is read even though it stands in an unmerged cell


@soffice
def test_generated_pdfs_convert_exactly(made: dict[str, Any]) -> None:
    """Every generated PDF converts to its expected tables and metadata, with exactly its failing checks."""
    wrong: list[str] = []
    breaks = {"active": 0, "applications": 0, "review": 0}
    for pdf, exp_path in made["generated"]:
        expected = json.loads(exp_path.read_text(encoding="utf-8"))
        doc, report = pipeline.convert_document(str(pdf))
        mism = table_mismatches(report, expected)
        if mism or failing_rules(report) != set(expected["failing_checks"]):
            wrong.append(
                f"{pdf.name}: {mism[:3]} failing {sorted(failing_rules(report) ^ set(expected['failing_checks']))}"
            )
        for key, seam_text in (("active", "第二十条"), ("applications", "申请人情况"), ("review", "行政复议")):
            t = next((t for t in doc.tables if any(seam_text in c.text for c in t.cells)), None)
            breaks[key] += bool(t and t.seams)
    assert wrong == [], f"{len(wrong)}/{len(made['generated'])} wrong:\n" + "\n".join(wrong)
    assert all(n > 0 for n in breaks.values()), breaks  # some page break falls inside each table


# ---------------------------------------------------------------- errors


@soffice
def test_pdf_without_tables_is_not_a_report(made: dict[str, Any]) -> None:
    doc = read_file(made["notable"])
    assert doc.tables == [] and doc.paragraphs
    with pytest.raises(ReportError) as e:
        pipeline.convert(str(made["notable"]))
    assert e.value.kind == "not_a_report"


@pytest.mark.skipif(shutil.which("qpdf") is None, reason="qpdf is not installed")
def test_encrypted_pdf(tmp_path: Path) -> None:
    locked = tmp_path / "locked.pdf"
    owner_only = tmp_path / "owner_only.pdf"
    subprocess.run(["qpdf", "--encrypt", "user", "owner", "256", "--", str(HONGZE), str(locked)], check=True)
    subprocess.run(["qpdf", "--encrypt", "", "owner", "256", "--", str(HONGZE), str(owner_only)], check=True)
    with pytest.raises(ReportError) as e:
        read_file(locked)
    assert e.value.kind == "encrypted"
    assert len(read_file(owner_only).tables) == len(read_file(HONGZE).tables)  # empty user password opens it


@pytest.mark.parametrize("cut", [0.5, 0.98])
def test_truncated_pdf_is_corrupt(tmp_path: Path, cut: float) -> None:
    data = HONGZE.read_bytes()
    bad = tmp_path / "cut.pdf"
    bad.write_bytes(data[: int(len(data) * cut)])
    with pytest.raises(ReportError) as e:
        read_file(bad)
    assert e.value.kind == "corrupt"


def test_garbage_after_header_is_corrupt(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n")
    with pytest.raises(ReportError) as e:
        read_file(bad)
    assert e.value.kind == "corrupt"


def test_too_many_pages() -> None:
    with pytest.raises(ReportError) as e:
        read_file(HONGZE, max_pages=4)
    assert e.value.kind == "too_large"


def test_image_only_pdf_goes_to_the_scan_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A PDF of page images is handed to ingest.scan.read_pdf (recorded here instead of OCR)."""
    import pypdfium2 as pdfium
    from PIL import Image

    import ingest.scan.reader

    pdf = pdfium.PdfDocument(str(HONGZE))
    images: list[Image.Image] = [pdf[i].render(scale=1).to_pil().convert("RGB") for i in (2, 3)]
    pdf.close()
    buf = io.BytesIO()
    images[0].save(buf, format="PDF", save_all=True, append_images=images[1:])
    scanned = tmp_path / "scan.pdf"
    scanned.write_bytes(buf.getvalue())
    calls: list[Any] = []

    def fake_read_pdf(path: str, data: bytes, options: Options, pages: list[int] | None = None) -> Document:
        calls.append((path, len(data), pages))
        return Document(path=path, format="pdf", ocr=True)

    monkeypatch.setattr(ingest.scan.reader, "read_pdf", fake_read_pdf)
    doc = read_file(scanned)
    assert doc.ocr and calls == [(str(scanned), len(buf.getvalue()), None)]
    with pytest.raises(ReportError) as e:
        read_file(scanned, ocr="never")
    assert e.value.kind == "unreadable"


@pytest.mark.parametrize(
    "pdf", sorted((Path(__file__).resolve().parent.parent / "samples" / "pdf").glob("*.pdf")), ids=lambda p: p.name
)
def test_committed_pdf_samples_convert_exactly(pdf: Path) -> None:
    expected = json.loads(pdf.with_suffix("").with_suffix(".expected.json").read_text(encoding="utf-8"))
    report = pipeline.convert(str(pdf))
    assert table_mismatches(report, expected) == []
    assert failing_rules(report) == set(expected["failing_checks"])


# ---------------------------------------------------------------- the PDFium reader against pdfplumber


def layout_of(doc: Document) -> tuple[list[list[tuple[int, int, int, int, str]]], list[str], list[tuple[int, ...]]]:
    """Cell grids with text, paragraph texts, and table boxes rounded to whole points."""
    grids = [sorted((c.row, c.col, c.rowspan, c.colspan, c.text) for c in t.cells) for t in doc.tables]
    boxes = [tuple(round(v) for v in t.bbox or ()) for t in doc.tables]
    return grids, [p.text for p in doc.paragraphs], boxes


def test_default_engine_is_pdfium() -> None:
    assert Options().pdf_engine == "pdfium" and "pdfplumber" in PDF_ENGINES


def test_hongze_pdfium_reader_matches_pdfplumber() -> None:
    """The WPS report (stacked vertical-writing label, thin filled rules) reads the same through both readers."""
    fast, ref = read_file(HONGZE), read_file(HONGZE, pdf_engine="pdfplumber")
    assert layout_of(fast) == layout_of(ref)
    assert [(p.width, p.height) for p in fast.pages] == [(p.width, p.height) for p in ref.pages]


@soffice
def test_generated_pdfium_reader_matches_pdfplumber(made: dict[str, Any]) -> None:
    """Rotated (btLr) headers, stacked headers and a few generated reports read the same through both readers."""
    paths = [made["spans"], made["stacked"], made["notable"]] + [pdf for pdf, _ in made["generated"][:6]]
    for path in paths:
        assert layout_of(read_file(path)) == layout_of(read_file(path, pdf_engine="pdfplumber")), path.name


def test_pdfium_chars_have_pdfminer_boxes() -> None:
    """Char boxes and sizes from PDFium agree with pdfminer's within a tenth of a point."""
    import pdfplumber
    import pypdfium2 as pdfium

    from ingest.pdf.pdfium import page_chars

    def key(c: Mapping[str, Any]) -> tuple[str, float, float, float, float, float]:
        return (c["text"], *(round(c[k], 1) for k in ("x0", "x1", "top", "bottom", "size")))

    doc = pdfium.PdfDocument(str(HONGZE))
    with pdfplumber.open(str(HONGZE)) as pdf:
        for i in (2, 3):  # the application table's pages, with the stacked vertical label
            ref = sorted(key(c) for c in pdf.pages[i].chars)
            fast = sorted(key(c) for c in page_chars(doc[i], float(pdf.pages[i].height)))
            diffs = [
                (a, b)
                for a, b in zip(ref, fast, strict=True)
                if a[0] != b[0] or max(abs(x - y) for x, y in zip(a[1:], b[1:], strict=True)) > 0.11
            ]
            assert diffs == []
    doc.close()


@pytest.mark.skipif(shutil.which("qpdf") is None, reason="qpdf is not installed")
def test_rotated_pages_fall_back_to_pdfplumber(tmp_path: Path) -> None:
    """A page with /Rotate is read by pdfplumber (which turns its coordinates), so the result is the same."""
    rotated = tmp_path / "rotated.pdf"
    subprocess.run(["qpdf", "--rotate=+90:2", str(HONGZE), str(rotated)], check=True)
    doc = read_file(rotated)
    assert doc.pages[1].width == 842 and layout_of(doc) == layout_of(read_file(rotated, pdf_engine="pdfplumber"))


@pytest.mark.skipif(shutil.which("qpdf") is None, reason="qpdf is not installed")
def test_text_without_unicode_goes_to_cell_ocr(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fonts stripped of /ToUnicode: the same cells are unusable in both readers and go to per-cell OCR."""
    import re

    import ingest.scan.reader

    qdf = tmp_path / "h.qdf.pdf"
    subprocess.run(["qpdf", "--qdf", "--object-streams=disable", str(HONGZE), str(qdf)], check=True)
    raw = qdf.read_bytes()
    stripped = tmp_path / "nounicode.pdf"
    stripped.write_bytes(re.sub(rb"/ToUnicode \d+ 0 R", lambda m: b" " * len(m.group(0)), raw))
    fast, ref = read_file(stripped, ocr="never"), read_file(stripped, ocr="never", pdf_engine="pdfplumber")
    bad_fast = [(k, c.row, c.col) for k, t in enumerate(fast.tables) for c in t.cells if c.confidence == 0.0]
    bad_ref = [(k, c.row, c.col) for k, t in enumerate(ref.tables) for c in t.cells if c.confidence == 0.0]
    assert len(bad_fast) > 100 and bad_fast == bad_ref and fast.warnings == ref.warnings
    assert all(is_unusable(c.text) for t in fast.tables for c in t.cells if c.confidence == 0.0)
    asked: list[int] = []

    def fake_ocr_cells(image: Any, boxes: list[Any], options: Options) -> list[tuple[str, float, list[Any]]]:
        asked.append(len(boxes))
        return [("7", 0.9, [])] * len(boxes)

    monkeypatch.setattr(ingest.scan.reader, "ocr_cells", fake_ocr_cells)
    doc = read_file(stripped)
    assert sum(asked) == len(bad_fast) and doc.ocr
    read_by_ocr = [(k, c.row, c.col) for k, t in enumerate(doc.tables) for c in t.cells if c.confidence == 0.9]
    assert read_by_ocr == bad_fast
    assert all(c.text == "7" for t in doc.tables for c in t.cells if c.confidence == 0.9)
