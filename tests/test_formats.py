"""Reports published as spreadsheets (XLSX, ODS, XLS, WPS .et) and as web pages whose tables are pictures
or an attachment: committed and generated examples convert with every field right and no silent error;
formats are told by content; hostile packages are refused; pictures that are not tables are ignored."""

from __future__ import annotations

import base64
import io
import json
import random
import zipfile
from pathlib import Path
from typing import Any

import hostile_files as h
import jsonschema
import pytest
from conftest import ROOT, failing_rules, silent_errors, table_mismatches

import pipeline
from ingest.detect import ODS_MIMETYPE, sniff
from ingest.errors import ReportError
from ingest.grid import Paragraph, Table
from ingest.html.pictures import data_uri_bytes, inside_folder, may_hold_table
from ingest.options import Options
from ingest.sheet import Sheet, read_ods, read_xlsx, sheet_blocks
from samples import make_pictures, make_sheets

SCHEMA = json.loads((ROOT / "normalize" / "schema.json").read_text(encoding="utf-8"))
SHEETS = sorted(p for d in ("xlsx", "xls", "ods") for p in (ROOT / "samples" / d).glob("*.expected.json"))


def _exact(path: Path, expected: dict[str, Any]) -> dict[str, Any]:
    """Convert; every field right, checks failing as expected, no wrong value unowned, the schema kept."""
    report = pipeline.convert(str(path))
    jsonschema.validate(report, SCHEMA)
    wrong = table_mismatches(report, expected)
    assert wrong == [], wrong
    assert silent_errors(report, expected, wrong) == []
    assert failing_rules(report) == set(expected["failing_checks"])
    return report


def _expected(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


# ---------------------------------------------------------------- spreadsheets


def test_every_sheet_example_of_the_maker_is_committed() -> None:
    assert {p.name.replace(".expected.json", "") for p in SHEETS} == set(make_sheets.EXAMPLES)


@pytest.mark.parametrize("exp_path", SHEETS, ids=lambda p: p.name.replace(".expected.json", ""))
def test_committed_spreadsheets_convert_exactly(exp_path: Path) -> None:
    expected = _expected(exp_path)
    report = _exact(exp_path.with_name(expected["source"]), expected)
    assert report["source"]["format"] == "spreadsheet"
    assert (
        report["source"]["container"]
        == {"xlsx": "xlsx", "xls": "xls", "et": "xls", "ods": "ods"}[expected["source"].rsplit(".")[-1]]
    )


@pytest.mark.parametrize("index", range(2))
def test_generated_xlsx_converts_exactly(tmp_path: Path, index: int) -> None:
    rng = random.Random(500 + index)
    path, exp = make_sheets.make_one(rng, tmp_path, f"s{index}", ("2021", "2019")[index], "xlsx", "random" * index)
    _exact(path, _expected(exp))


def test_spreadsheets_are_told_by_their_parts_and_streams() -> None:
    sample = ROOT / "samples"
    assert sniff((sample / "xlsx" / "sheet2021_merged.xlsx").read_bytes()) == "xlsx"
    assert sniff((sample / "ods" / "sheet2021_ods.ods").read_bytes()) == "ods"
    assert sniff((sample / "xls" / "sheet2019_xls.xls").read_bytes()) == "xls"
    assert sniff((sample / "xls" / "sheet2021_et.et").read_bytes()) == "xls"
    assert sniff((sample / "doc" / "gen2021_s2024_001.doc").read_bytes()) == "doc"
    assert sniff((sample / "docx" / "docx2021_plain.docx").read_bytes()) == "docx"


def _xlsx(build: Any) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    build(wb.active)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_merged_ranges_become_spans_and_headings_above_a_table_are_paragraphs() -> None:
    def build(ws: Any) -> None:
        ws["A1"] = "二、主动公开政府信息情况"
        ws["A2"] = "第二十条第（一）项"
        ws.merge_cells("A2:D2")
        ws.append(["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"])
        ws.append(["规章", 3, 0.5, 12.0])

    doc = read_xlsx("t.xlsx", _xlsx(build), Options())
    para, table = doc.blocks
    assert isinstance(para, Paragraph) and para.text == "二、主动公开政府信息情况"
    assert isinstance(table, Table)
    title = table.rows()[0][0]
    assert (title.text, title.colspan, table.n_cols) == ("第二十条第（一）项", 4, 4)
    assert [c.text for c in table.rows()[2]] == ["规章", "3", "0.5", "12"]


def test_a_formula_without_a_cached_value_is_empty_with_confidence_0_and_a_warning() -> None:
    def build(ws: Any) -> None:
        ws.append(["规章", 1, 2, "=B1+C1"])

    doc = read_xlsx("t.xlsx", _xlsx(build), Options())
    (table,) = doc.tables
    cell = table.rows()[0][3]
    assert (cell.text, cell.confidence) == ("", 0.0)
    assert any("D1" in w and "formula without a cached value" in w for w in doc.warnings)


def test_sheet_text_rows_are_paragraphs() -> None:
    blocks = sheet_blocks(Sheet("s", texts={(0, 0): "标题", (1, 0): "正文", (3, 2): "落款"}))
    assert [b.text for b in blocks if isinstance(b, Paragraph)] == ["标题", "正文", "落款"]


def test_hostile_spreadsheets_are_refused_like_docx() -> None:
    entity = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
    xlsx = h.zip_of({"[Content_Types].xml": entity, "xl/workbook.xml": b"<workbook/>"})
    assert sniff(xlsx) == "xlsx"
    with pytest.raises(ReportError) as e:
        read_xlsx("x.xlsx", xlsx, Options())
    assert e.value.kind == "corrupt"
    ods = h.zip_of({"mimetype": ODS_MIMETYPE, "content.xml": entity})
    assert sniff(ods) == "ods"
    with pytest.raises(ReportError) as e:
        read_ods("x.ods", ods, Options())
    assert e.value.kind == "corrupt"
    with pytest.raises(ReportError) as e:
        read_xlsx("x.xlsx", xlsx, Options(max_unzipped_bytes=50))
    assert e.value.kind == "too_large"
    # An ODS row repeated past any real sheet, with text in it: refused before it is spread out.
    table = (
        b'<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        b'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        b'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>'
        b'<table:table table:name="s"><table:table-row table:number-rows-repeated="1048576">'
        b'<table:table-cell table:number-columns-repeated="1024"><text:p>1</text:p></table:table-cell>'
        b"</table:table-row></table:table></office:spreadsheet></office:body></office:document-content>"
    )
    with pytest.raises(ReportError) as e:
        read_ods("x.ods", h.zip_of({"mimetype": ODS_MIMETYPE, "content.xml": table}), Options())
    assert e.value.kind == "too_large"


# ---------------------------------------------------------------- web pages: pictures and attachments


def test_committed_mhtml_page_with_pictures_converts_exactly() -> None:
    exp = ROOT / "samples" / "html" / "pict2019_mht_png.expected.json"
    report = _exact(exp.with_name(_expected(exp)["source"]), _expected(exp))
    assert report["source"]["ocr"] is True
    assert len(report["source"]["pictures"]) == report["source"]["pages"] >= 3


def test_page_with_png_pictures_in_its_folder_in_a_layout_table_converts_exactly_and_a_missing_one_is_named(
    tmp_path: Path,
) -> None:
    page, exp = make_pictures.make_one(random.Random(11), tmp_path, "p", "2021", "folder", "png")
    # The article in a CMS layout table (a navigation cell beside it): a table holding pictures is layout.
    html = page.read_text(encoding="utf-8")
    html = html.replace('<div class="TRS_Editor">', '<table><tr><td><a href="/">目录</a></td><td><div>', 1)
    html = html.replace('</div></div><div class="footer">', '</div></td></tr></table></div><div class="footer">', 1)
    # The last picture lazily loaded: its src a placeholder, the picture in data-original.
    assert 'src="p_files/t4.png"' in html
    lazy = 'src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" data-original="p_files/t4.png"'
    page.write_text(html.replace('src="p_files/t4.png"', lazy), encoding="utf-8")
    report = _exact(page, _expected(exp))
    assert report["source"]["pictures"][0] == "p_files/t1.png" and "p_files/t4.png" in report["source"]["pictures"]
    (tmp_path / "p_files" / "t1.png").unlink()
    html = page.read_text(encoding="utf-8").replace("p_files/t2.png", "../../etc/t2.png")
    page.write_text(html, encoding="utf-8")
    broken = pipeline.convert(str(page))
    warnings = "\n".join(broken["warnings"])
    assert "picture p_files/t1.png: no such file beside the page; not read" in warnings
    assert "picture ../../etc/t2.png: outside the page's folder (not read); not read" in warnings
    assert broken["tables"]["review_litigation"] == _expected(exp)["tables"]["review_litigation"]


def test_logo_qr_code_and_seal_beside_html_tables_change_nothing(tmp_path: Path) -> None:
    plain, decorated, exp = make_pictures.make_decorated(random.Random(5), tmp_path, "d", "2021")
    assert decorated.read_bytes().count(b"<img") == 3
    a, b = pipeline.convert(str(plain)), pipeline.convert(str(decorated))
    for key in ("template", "report", "sections", "tables", "checks", "warnings"):
        assert a[key] == b[key]
    assert b["source"]["ocr"] is False and "pictures" not in b["source"]
    _exact(decorated, _expected(exp))


def test_page_with_its_tables_in_an_xlsx_attachment_converts_exactly(tmp_path: Path) -> None:
    page, exp = make_pictures.make_attachment(random.Random(3), tmp_path, "att", "2021")
    report = _exact(page, _expected(exp))
    (att,) = report["source"]["attachments"]
    assert att["file"] == "att_files/附件1.xlsx" and att["format"] == "spreadsheet"


@pytest.mark.parametrize("attachment", ["pdf/fpdf2021_s7_000.pdf", "doc/gen2021_s2024_001.doc"])
def test_page_with_its_tables_in_a_pdf_or_doc_attachment_reads_them(tmp_path: Path, attachment: str) -> None:
    src = ROOT / "samples" / attachment
    expected = _expected(src.with_name(src.name.rsplit(".", 1)[0] + ".expected.json"))
    (tmp_path / "r_files").mkdir()
    (tmp_path / "r_files" / f"附件{src.suffix}").write_bytes(src.read_bytes())
    page = tmp_path / "r.html"
    page.write_text(
        "<html><body><h1>2022年政府信息公开工作年度报告</h1><p>一、总体情况</p><p>正文。</p>"
        f"<p>二、主动公开政府信息情况</p><p>见附件：<a href='r_files/%E9%99%84%E4%BB%B6{src.suffix}'>统计表</a></p>"
        "<p>五、存在的主要问题及改进情况</p><p>无。</p></body></html>",
        encoding="utf-8",
    )
    report = pipeline.convert(str(page))
    for name in ("active_disclosure", "applications", "review_litigation"):
        assert report["tables"][name] == expected["tables"][name]
    (att,) = report["source"]["attachments"]
    assert att["file"] == f"r_files/附件{src.suffix}" and att["format"] in ("pdf", "docx")


def test_a_page_without_tables_pictures_or_attachments_is_not_a_report(tmp_path: Path) -> None:
    page = tmp_path / "p.html"
    page.write_text("<html><body><p>一、总体情况</p><p>正文</p><img src='p_files/none.png'></body></html>")
    with pytest.raises(ReportError) as e:
        pipeline.convert(str(page))
    assert e.value.kind == "not_a_report"


def test_picture_references_stay_inside_the_page_folder(tmp_path: Path) -> None:
    (tmp_path / "p_files").mkdir()
    assert inside_folder(str(tmp_path), "p_files/t1.png") == str(tmp_path / "p_files" / "t1.png")
    for bad in ("../../etc/passwd", "/etc/passwd", "p_files/../../x.png", "file:///etc/passwd", "http://a/b.png"):
        assert inside_folder(str(tmp_path), bad) is None


def test_data_uris_and_picture_sizes() -> None:
    png = h.small_png(20, 10)
    assert data_uri_bytes("data:image/png;base64," + base64.b64encode(png).decode()) == png
    assert data_uri_bytes("data:text/plain,a%20b") == b"a b"
    with pytest.raises(ReportError):
        data_uri_bytes("data:image/png;base64,@@@")
    assert not may_hold_table(360, 90)  # a logo
    assert not may_hold_table(296, 296)  # a QR code
    assert may_hold_table(1350, 400)  # a table at 200 dpi


def test_committed_xlsx_example_is_a_real_workbook_with_merges() -> None:
    data = (ROOT / "samples" / "xlsx" / "sheet2021_merged.xlsx").read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert b"<mergeCell " in z.read("xl/worksheets/sheet1.xml")


def test_ods_cell_text_keeps_line_breaks_and_spaces() -> None:
    from lxml import etree

    from ingest.sheet import NS, ods_cell_text

    xml = (
        f'<table:table-cell xmlns:table="{NS["table"]}" xmlns:text="{NS["text"]}"><text:p>三、本年度'
        '<text:line-break/>办理结果<text:s text:c="2"/>x<text:span>y</text:span></text:p><text:p>z</text:p>'
        "</table:table-cell>"
    )
    assert ods_cell_text(etree.fromstring(xml)) == "三、本年度\n办理结果  xy\nz"


def test_with_ocr_off_a_page_of_table_pictures_is_unreadable_and_a_logo_changes_nothing(tmp_path: Path) -> None:
    with pytest.raises(ReportError) as e:
        pipeline.convert(str(ROOT / "samples" / "html" / "pict2021_data_jpeg.html"), Options(ocr="never"))
    assert e.value.kind == "unreadable" and "OCR is off" in e.value.reason
    logo = ROOT / "samples" / "html" / "pict2021_logo_qr_seal.html"
    assert pipeline.convert(str(logo), Options(ocr="never"))["warnings"] == pipeline.convert(str(logo))["warnings"]
