"""Reports from other producers than generate.py (samples/make_producers.py): CMS web pages, Word
"Save as Web Page", MHTML, python-docx without merges, LibreOffice round trips. The committed examples
and reports generated now convert exactly; and the fixes they prompted, each on a small input."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from conftest import ROOT, failing_rules, table_mismatches
from test_docx import W_NS, package

import pipeline
import samples.make_producers as mp  # noqa: E402  (namespace package under the repo root)
from ingest.detect import sniff
from ingest.docx.reader import read as read_docx
from ingest.grid import Paragraph, Table
from ingest.options import Options

EXAMPLES = sorted(
    p for d in ("docx", "html") for p in (ROOT / "samples" / d).glob("prod*.expected.json") if p.is_file()
)


def _convert_exact(path: Path, expected: dict) -> None:
    report = pipeline.convert(str(path))
    assert table_mismatches(report, expected) == []
    assert failing_rules(report) == set(expected["failing_checks"])


def test_every_example_of_the_maker_is_committed() -> None:
    assert {p.name.replace(".expected.json", "") for p in EXAMPLES} == set(mp.EXAMPLES)


@pytest.mark.parametrize("exp_path", EXAMPLES, ids=lambda p: p.name.replace(".expected.json", ""))
def test_committed_examples_convert_exactly(exp_path: Path) -> None:
    expected = json.loads(exp_path.read_text(encoding="utf-8"))
    _convert_exact(exp_path.with_name(expected["source"]), expected)


# Producers that need no LibreOffice: generated now, a different layout each time the seed changes.
FAST = ("cms", "word_html", "mht", "docx_plain")


@pytest.mark.parametrize("index", range(8))
def test_generated_reports_convert_exactly(tmp_path: Path, index: int) -> None:
    rng = random.Random(1000 + index)
    template = "2019" if index % 4 == 3 else "2021"
    error = "random" if index % 3 == 1 else None
    path, exp_path = mp.make_one(rng, tmp_path, f"r{index}", template, FAST[index % len(FAST)], error)
    _convert_exact(path, json.loads(exp_path.read_text(encoding="utf-8")))


# ---------------------------------------------------------------- the fixes, each on a small input


def test_a_gbk_page_cut_inside_a_character_by_the_probe_is_html() -> None:
    data = b"<p>" + ("政府信息公开" * 400).encode("gbk")  # byte 2047 starts a two-byte character
    with pytest.raises(UnicodeDecodeError):
        data[:2048].decode("gb18030")
    assert sniff(data) == "html"
    assert sniff(data[3:]) == "text"  # no markup: GBK text, not binary


def _tc(inner: str) -> str:
    return f"<w:tc><w:tcPr/>{inner}</w:tc>"


def _p(text: str) -> str:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"


def _tbl(rows: list[list[str]]) -> str:
    return "<w:tbl>" + "".join("<w:tr>" + "".join(_tc(_p(t)) for t in r) + "</w:tr>" for r in rows) + "</w:tbl>"


def test_docx_frame_row_around_a_nested_table_gives_its_content_as_blocks() -> None:
    nested = _tbl([["a", "1"], ["b", "2"], ["c", "3"]])
    outer = (
        "<w:tbl><w:tr>" + _tc(_p("x")) + _tc(_p("y")) + "</w:tr>"
        "<w:tr>" + _tc(_p("三、申请") + nested + _p("说明")) + "</w:tr></w:tbl>"
    )
    xml = f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W_NS}"><w:body>{outer}</w:body></w:document>'
    doc = read_docx("x.docx", package(xml), Options())
    kinds = [(type(b).__name__, b.text if isinstance(b, Paragraph) else len(b.cells)) for b in doc.blocks]
    assert kinds == [("Table", 2), ("Paragraph", "三、申请"), ("Table", 6), ("Paragraph", "说明")]
    small = f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W_NS}"><w:body>' + (
        "<w:tbl><w:tr>" + _tc(_tbl([["1", "2"]])) + _tc(_p("z")) + "</w:tr></w:tbl></w:body></w:document>"
    )
    (t,) = read_docx("x.docx", package(small), Options()).blocks
    assert isinstance(t, Table) and [c.text for c in t.cells] == ["1\n2", "z"]  # a small nested table is text


HEAD = "<html><body><p>某县人民政府2024年政府信息公开工作年度报告</p><p>一、总体情况</p><p>正文。</p>"
FIELDS = "<td>结果维持</td><td>结果纠正</td><td>其他结果</td><td>尚未审结</td><td>总计</td>"
VALUES = "<tr><td>1</td><td>0</td><td>0</td><td>0</td><td>1</td><td>0</td><td>2</td><td>0</td><td>0</td><td>2</td><td>3</td><td>0</td><td>0</td><td>0</td><td>3</td></tr>"


def _convert_html(tmp_path: Path, page: str) -> dict:
    path = tmp_path / "page.html"
    path.write_text(page, encoding="utf-8")
    return pipeline.convert(str(path))


def _review(report: dict) -> list[list[int | None]]:
    rl = report["tables"]["review_litigation"]
    return [[rl[g][f] for f in ("upheld", "corrected", "other", "pending", "total")] for g in rl]


def test_review_table_in_two_parts_is_read_group_by_group(tmp_path: Path) -> None:
    page = (
        HEAD + "<p>四、政府信息公开行政复议、行政诉讼情况</p>"
        "<table><tr><td colspan=5>行政复议</td></tr><tr>" + FIELDS + "</tr>"
        "<tr><td>1</td><td>2</td><td>3</td><td>4</td><td>10</td></tr></table>"
        "<table><tr><td colspan=10>行政诉讼</td></tr>"
        "<tr><td colspan=5>未经复议直接起诉</td><td colspan=5>复议后起诉</td></tr><tr>" + FIELDS * 2 + "</tr>"
        "<tr><td>5</td><td>0</td><td>0</td><td>1</td><td>6</td><td>0</td><td>7</td><td>0</td><td>0</td><td>7</td></tr>"
        "</table><p>五、存在的主要问题及改进情况</p></body></html>"
    )
    assert _review(_convert_html(tmp_path, page)) == [[1, 2, 3, 4, 10], [5, 0, 0, 1, 6], [0, 7, 0, 0, 7]]


def test_review_table_transposed_is_read_by_its_row_labels(tmp_path: Path) -> None:
    page = (
        HEAD + "<p>四、政府信息公开行政复议、行政诉讼情况</p>"
        "<table><tr><td colspan=2></td>" + FIELDS + "</tr>"
        "<tr><td colspan=2>行政复议</td><td>1</td><td>2</td><td>3</td><td>4</td><td>10</td></tr>"
        "<tr><td rowspan=2>行政诉讼</td><td>未经复议直接起诉</td><td>5</td><td></td><td></td><td>1</td><td>6</td></tr>"
        "<tr><td>复议后起诉</td><td>0</td><td>7</td><td>0</td><td>0</td><td>7</td></tr>"
        "</table><p>五、存在的主要问题及改进情况</p></body></html>"
    )
    assert _review(_convert_html(tmp_path, page)) == [[1, 2, 3, 4, 10], [5, None, None, 1, 6], [0, 7, 0, 0, 7]]


def test_a_table_glued_from_several_sections_is_cut_at_their_heading_rows(tmp_path: Path) -> None:
    page = (
        HEAD + "<table><tr><td colspan=15>二、主动公开政府信息情况</td></tr>"
        "<tr><td colspan=15>第二十条第（五）项</td></tr>"
        "<tr><td colspan=3>信息内容</td><td colspan=12>本年处理决定数量</td></tr>"
        "<tr><td colspan=3>行政许可</td><td colspan=12>42</td></tr>"
        "<tr><td colspan=15>四、政府信息公开行政复议、行政诉讼情况</td></tr>"
        "<tr><td colspan=5>行政复议</td><td colspan=5>未经复议直接起诉</td><td colspan=5>复议后起诉</td></tr>"
        "<tr>" + FIELDS * 3 + "</tr>" + VALUES + "</table><p>五、存在的主要问题及改进情况</p></body></html>"
    )
    report = _convert_html(tmp_path, page)
    assert report["tables"]["active_disclosure"]["administrative_licensing"]["decisions"] == 42
    assert [s["number"] for s in report["sections"]] == ["一", "二", "四", "五"]  # headings in table rows
    assert _review(report) == [[1, 0, 0, 0, 1], [0, 2, 0, 0, 2], [3, 0, 0, 0, 3]]


def test_a_header_repeated_under_a_title_row_is_dropped_when_parts_are_stitched() -> None:
    from ingest.grid import Cell
    from layout.grids import stitch

    def table(rows: list[list[str]]) -> Table:
        return Table(cells=[Cell(text=t, row=r, col=k) for r, row in enumerate(rows) for k, t in enumerate(row)])

    header = [["", "自然人", "总计"], ["", "甲", "乙"]]
    a = table([["三、收到和处理", "三、收到和处理", "三、收到和处理"], *header, ["一、新收", "1", "1"]])
    b = table([*header, ["二、结转", "2", "2"]])
    (whole,) = stitch([a, b])
    assert [[c.text for c in row] for row in whole.rows()][-2:] == [["一、新收", "1", "1"], ["二、结转", "2", "2"]]


def test_a_row_of_dashes_is_no_header_and_an_empty_sliver_column_no_extra_column(tmp_path: Path) -> None:
    import samples.generate as gen

    # a PDF-to-Word sliver: 社会公益组织 spans two grid columns, its values in the first, the second empty;
    # 二、上年结转 prints only slashes (so it has no number, like the header rows above it)
    head = (
        "<tr><td rowspan=3 colspan=3></td><td colspan=8>申请人情况</td></tr>"
        "<tr><td rowspan=2>自然人</td><td colspan=6>法人或其他组织</td><td rowspan=2>总计</td></tr>"
        "<tr><td>商业企业</td><td>科研机构</td><td colspan=2>社会公益组织</td><td>法律服务机构</td><td>其他</td></tr>"
    )
    body = ""
    for i, (rid, label, _) in enumerate(r for r in gen.APP_ROWS if not r[0].startswith("other_")):
        vals = (
            ["/", "/", "/", "/", "", "/", "/", "/"]
            if rid == "carried_over"
            else [str(i), "0", "0", str(i), "", "0", "0", str(2 * i)]
        )
        body += f"<tr><td colspan=3>{label}</td>" + "".join(f"<td>{v}</td>" for v in vals) + "</tr>"
    page = HEAD + "<p>三、收到和处理政府信息公开申请情况</p><table>" + head + body + "</table></body></html>"
    report = _convert_html(tmp_path, page)
    app = report["tables"]["applications"]
    assert app["granted"] == {
        "natural_person": 2, "commercial": 0, "research": 0, "social_welfare": 2,
        "legal_services": 0, "other_org": 0, "total": 4,
    }  # fmt: skip
    assert app["carried_over"]["social_welfare"] is None
    assert "applications_extra_columns" not in report["tables"]


@pytest.mark.parametrize("review_row", ["<td colspan=2>—</td>" * 5, "<td colspan=2></td>" * 5])
def test_review_parts_glued_into_one_table_each_under_its_nearest_header(tmp_path: Path, review_row: str) -> None:
    fields2 = "".join(f"<td colspan=2>{t}</td>" for t in ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计"))
    page = (
        HEAD + "<p>四、政府信息公开行政复议、行政诉讼情况</p><table>"
        "<tr><td colspan=10>行政复议</td></tr><tr>" + fields2 + "</tr><tr>" + review_row + "</tr>"
        "<tr><td colspan=10>行政诉讼</td></tr><tr><td colspan=5>未经复议直接起诉</td><td colspan=5>复议后起诉</td></tr>"
        "<tr>" + FIELDS * 2 + "</tr>"
        "<tr><td>5</td><td>0</td><td>0</td><td>1</td><td>6</td><td>0</td><td>7</td><td>0</td><td>0</td><td>7</td></tr>"
        "</table><p>五、存在的主要问题及改进情况</p></body></html>"
    )
    report = _convert_html(tmp_path, page)
    assert _review(report)[1:] == [[5, 0, 0, 1, 6], [0, 7, 0, 0, 7]]
    assert _review(report)[0] == [None] * 5


def test_a_signature_set_in_a_one_column_table_is_read_as_the_closing_lines(tmp_path: Path) -> None:
    page = (
        "<html><body><p>2024年政府信息公开工作年度报告</p><p>四、政府信息公开行政复议、行政诉讼情况</p>"
        "<table><tr><td colspan=5>行政复议</td><td colspan=10>行政诉讼</td></tr>"
        "<tr><td colspan=5></td><td colspan=5>未经复议直接起诉</td><td colspan=5>复议后起诉</td></tr>"
        "<tr>" + FIELDS * 3 + "</tr>" + VALUES + "</table><p>六、其他需要报告的事项</p><p>无。</p>"
        '<table align="right"><tr><td>某县某镇人民政府</td></tr><tr><td>2025年1月20日</td></tr></table>'
        "</body></html>"
    )
    report = _convert_html(tmp_path, page)
    assert report["report"]["published"] == "2025-01-20"
    assert report["report"]["agency"] == "某县某镇人民政府"


@pytest.mark.parametrize("how", ["direct", "style"])
def test_headings_numbered_by_word_lists_are_read_with_their_numbers(tmp_path: Path, how: str) -> None:
    rng = random.Random(7)
    style = mp.random_style(rng, "docx_plain")
    style.auto_numbering, style.title_rows = how, False
    path, exp_path = mp.make_one(rng, tmp_path, "numbered", "2021", "docx_plain", style=style)
    doc = read_docx(str(path), path.read_bytes(), Options())
    assert "一、总体情况" in [b.text for b in doc.blocks if isinstance(b, Paragraph)]
    report = pipeline.convert(str(path))
    assert [s["number"] for s in report["sections"]] == list("一二三四五六")
    assert table_mismatches(report, json.loads(exp_path.read_text(encoding="utf-8"))) == []


def test_list_number_formats() -> None:
    from ingest.docx.numbering import format_number

    cases = [(1, "chineseCounting", "一"), (11, "chineseCounting", "十一"), (20, "chineseCountingThousand", "二十"),
             (105, "chineseCounting", "一百〇五"), (3, "decimalFullWidth", "３"), (2, "ideographTraditional", "乙"),
             (4, "upperRoman", "IV"), (28, "lowerLetter", "bb"), (3, "decimalEnclosedCircle", "③"), (1, "bullet", None)]  # fmt: skip
    assert [format_number(n, f) for n, f, _ in cases] == [want for _, _, want in cases]
