"""The HTML adapter: grids with spans, encodings, the report body inside page chrome, and whole pages
(the real Pingtan page, committed examples and pages generated now) converted exactly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, SHARED, failing_rules, table_mismatches

import pipeline
from ingest.errors import ReportError
from ingest.grid import Document, Paragraph, Table
from ingest.html import reader as html
from ingest.options import Options

OPTS = Options()


def read_html(text: str, encoding: str = "utf-8") -> Document:
    """The adapter's Document for markup given as text, encoded as asked."""
    return html.read("page.html", text.encode(encoding), OPTS)


def spans(t: Table) -> list[tuple[str, int, int, int, int]]:
    """Each cell as (text, row, col, rowspan, colspan), in row then column order."""
    return [(c.text, c.row, c.col, c.rowspan, c.colspan) for row in t.rows() for c in row]


# ---------------------------------------------------------------- grids


def test_rowspan_colspan_follow_the_html_table_algorithm() -> None:
    doc = read_html(
        "<table>"
        "<tr><td rowspan=3 colspan=2>A</td><td colspan=2>B</td></tr>"
        "<tr><td rowspan=2>C</td><td>D</td></tr>"
        "<tr><td>E</td></tr>"
        "<tr><td>F</td><td colspan=3>G</td></tr>"
        "</table>"
    )
    (t,) = doc.tables
    assert spans(t) == [
        ("A", 0, 0, 3, 2),
        ("B", 0, 2, 1, 2),
        ("C", 1, 2, 2, 1),
        ("D", 1, 3, 1, 1),
        ("E", 2, 3, 1, 1),
        ("F", 3, 0, 1, 1),
        ("G", 3, 1, 1, 3),
    ]
    covered = [(c.row + dr, c.col + dc) for c in t.cells for dr in range(c.rowspan) for dc in range(c.colspan)]
    assert len(covered) == len(set(covered)) == 16  # every position held by exactly one cell


def test_rowspans_are_clipped_to_their_row_group_and_zero_runs_to_its_end() -> None:
    doc = read_html(
        "<table><caption>表1 二、主动公开</caption><thead><tr><th rowspan=0>H<th>x<tr><th>w</thead>"
        "<tbody><tr><td>y<td rowspan=9>v<tr><td rowspan=9>z</tbody><tr><td>f<td>g</table>"
    )
    (t,) = doc.tables
    assert spans(t) == [
        ("H", 0, 0, 2, 1),
        ("x", 0, 1, 1, 1),
        ("w", 1, 1, 1, 1),
        ("y", 2, 0, 1, 1),
        ("v", 2, 1, 2, 1),
        ("z", 3, 0, 1, 1),
        ("f", 4, 0, 1, 1),
        ("g", 4, 1, 1, 1),
    ]
    assert [p.text for p in doc.paragraphs] == ["表1 二、主动公开"]  # the caption stands before its table


def test_cell_text_keeps_line_breaks_and_turns_nbsp_into_spaces() -> None:
    doc = read_html(
        "<table><tr><td><p>结果</p><p>维持</p></td><td>本年<br>制发&nbsp;件数</td>"
        "<td><p>社会<span>公益</span>\n &nbsp; &nbsp;</p><p>&nbsp;</p><p>组织</p></td><td>&nbsp;</td></tr></table>"
    )
    (t,) = doc.tables
    assert [c.text for c in t.cells] == ["结果\n维持", "本年\n制发 件数", "社会公益\n组织", ""]


def test_source_line_wrap_is_not_a_line_break() -> None:
    doc = read_html("<table><tr><td>本年制发\n   件数</td><td>Total\n  count</td><td>a<b>b</b>c</td></tr></table>")
    assert [c.text for c in doc.tables[0].cells] == ["本年制发件数", "Total count", "abc"]


def test_nested_table_in_a_cell_and_layout_tables_around_the_report() -> None:
    inner = "<table><tr><td>规章</td><td>1</td></tr><tr><td>规范性文件</td><td>2</td></tr><tr><td>x</td><td>3</td></tr></table>"
    page = (
        "<table class=layout><tr><td>导航<a href='/'>首页</a></td><td>"
        "<p>一、总体情况</p><p>正文</p><p>二、主动公开政府信息情况</p>"
        f"{inner}<p>三、收到和处理政府信息公开申请情况</p>"
        "<table><tr><td>总计<table><tr><td>小</td></tr></table></td><td>5</td></tr></table>"
        "</td></tr></table>"
    )
    doc = read_html(page)
    assert len(doc.tables) == 2  # the layout table is not a grid; the small nested one is cell text
    assert [c.text for c in doc.tables[0].cells] == ["规章", "1", "规范性文件", "2", "x", "3"]
    assert [c.text for c in doc.tables[1].cells] == ["总计\n小", "5"]
    texts = [b.text for b in doc.blocks if isinstance(b, Paragraph)]
    assert texts == ["一、总体情况", "正文", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况"]


def test_word_saved_html_with_office_tags_and_conditional_comments() -> None:
    page = (
        '<html xmlns:o="urn:schemas-microsoft-com:office:office"><head>'
        '<meta http-equiv=Content-Type content="text/html; charset=gb2312">'
        "<!--[if gte mso 9]><xml><w:WordDocument><w:View>Print</w:View></w:WordDocument></xml><![endif]-->"
        "</head><body lang=ZH-CN><div class=WordSection1>"
        "<p class=MsoNormal><b><span style='font-family:黑体'>一、总体情况<span lang=EN-US><o:p></o:p></span></span></b></p>"
        "<table class=MsoTableGrid border=1><tr><td width=100 rowspan=2 valign=top>"
        "<p class=MsoNormal align=center><![if !supportMisc]><span>结果<br>维持</span><![endif]>"
        "<span lang=EN-US><o:p></o:p></span></p></td>"
        "<td><p class=MsoNormal><span lang=EN-US>12<o:p></o:p></span></p></td></tr>"
        "<tr><td>&nbsp;<o:p></o:p></td></tr></table>"
        "<p class=MsoNormal><span lang=EN-US><o:p>&nbsp;</o:p></span></p></div></body></html>"
    )
    doc = read_html(page, "gbk")
    assert [p.text for p in doc.paragraphs] == ["一、总体情况"]
    assert spans(doc.tables[0]) == [("结果\n维持", 0, 0, 2, 1), ("12", 0, 1, 1, 1), ("", 1, 1, 1, 1)]


# ---------------------------------------------------------------- encodings

REPORT = (
    "<p>一、总体情况</p><p>本机关认真贯彻《条例》。</p><p>二、主动公开政府信息情况</p>"
    "<table><tr><td>信息内容</td><td>本年制发件数</td></tr><tr><td>规章</td><td>3</td></tr></table>"
)


@pytest.mark.parametrize(
    ("head", "encoding", "lie"),
    [
        ('<meta charset="gbk">', "gbk", False),
        ('<meta http-equiv="Content-Type" content="text/html; charset=gb2312">', "gbk", False),
        ("", "gbk", False),  # no declaration: not UTF-8, so GB18030
        ('<meta charset="gb2312">', "utf-8", True),  # the declaration lies
        ('<meta charset="utf-8">', "gbk", True),  # the other way round
        ('<meta charset="utf-8">', "utf-8", False),
        ("", "gb18030", False),
    ],
)
def test_encodings_decode_right(head: str, encoding: str, lie: bool) -> None:
    doc = read_html(f"<html><head>{head}<title>年度报告</title></head><body>{REPORT}</body></html>", encoding)
    (t,) = doc.tables
    assert [c.text for c in t.cells] == ["信息内容", "本年制发件数", "规章", "3"]
    assert doc.paragraphs[1].text == "本机关认真贯彻《条例》。"
    assert any("declares charset" in w for w in doc.warnings) == lie


def test_utf8_bom_wins_over_a_gbk_declaration() -> None:
    data = b"\xef\xbb\xbf" + f'<meta charset="gbk">{REPORT}'.encode()
    doc = html.read("p.html", data, OPTS)
    assert doc.tables[0].cells[1].text == "本年制发件数"


def test_undecodable_bytes_are_replaced_with_a_warning_not_a_traceback() -> None:
    data = REPORT.encode("gbk") + b"\x81\x20\xff\xfe\x80"
    doc = html.read("p.html", data, OPTS)
    assert doc.tables[0].cells[0].text == "信息内容"
    assert any("no known encoding" in w for w in doc.warnings)


def test_no_entity_or_network_resolution() -> None:
    page = (
        '<!DOCTYPE html SYSTEM "http://127.0.0.1:9/x.dtd" [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        f"<html><body>{REPORT}<p>&xxe;</p></body></html>"
    )
    doc = read_html(page)
    assert not any("root:" in p.text for p in doc.paragraphs)


def test_control_characters_and_huge_spans_give_text_or_a_clear_error() -> None:
    doc = read_html("<table><tr><td>a\x0cb\x01c\x00</td><td>\ue000d</td></tr></table>")
    assert [c.text for c in doc.tables[0].cells] == ["a bc", "d"]
    hostile = "<table>" + "<tr><td colspan=1000 rowspan=65534>x</td></tr>" * 2000 + "</table>"
    with pytest.raises(ReportError) as e:
        read_html(hostile)
    assert e.value.kind == "too_large"


def test_damaged_pages_never_raise_anything_but_report_error() -> None:
    import random

    data = (SHARED / "real" / "pingtan_2024.html").read_bytes()
    rng = random.Random(5)
    for _ in range(40):
        b = bytearray(data)
        if rng.random() < 0.5:
            for _ in range(80):
                b[rng.randrange(len(b))] = rng.randrange(256)
        else:
            start = rng.randrange(len(b))
            del b[start : start + rng.randrange(20000)]
        try:
            html.read("x.html", bytes(b), OPTS)
        except ReportError:
            pass


# ---------------------------------------------------------------- chrome


CHROME_PAGE = (
    """<!DOCTYPE html><html><head><meta charset="utf-8">
<meta name="PubDate" content="2025-02-01 10:00">
<title>某某镇人民政府2024年政府信息公开工作年度报告_年报_某某县人民政府</title>
<script>var s='<table><tr><td>一、假的</td></tr></table>';</script><style>td{color:red}</style></head>
<body><nav><ul><li><a href="/">一、首页</a></li></ul></nav>
<header><div>欢迎访问</div></header>
<table class="info"><tr><td>索引号：</td><td>123/2025-01</td></tr><tr><td>发布机构：</td><td>办公室</td></tr>
<tr><td>发布日期：</td><td>2025年1月20日</td></tr></table>
<div class="article"><h1>某某镇人民政府2024年政府信息公开工作年度报告</h1>
<div class="info">来源：办公室 时间：2025-01-21 09:30</div>
<div class="content">"""
    + REPORT.replace("二、", "<span>二、</span>")
    + """
<p>三、收到和处理政府信息公开申请情况</p><table><tr><td>自然人</td><td>总计</td></tr><tr><td>1</td><td>1</td></tr>
<tr><td>2</td><td>2</td></tr></table><p>某某镇人民政府</p><p>2025年1月15日</p></div></div>
<aside><p>相关链接</p></aside><footer><p>主办单位：某某县人民政府 日期：2020-01-01</p></footer>
<script>document.write("<p>四、脚本</p>")</script></body></html>"""
)


def test_report_body_is_told_from_chrome() -> None:
    doc = read_html(CHROME_PAGE)
    texts = [b.text for b in doc.blocks if isinstance(b, Paragraph)]
    assert texts[0] == "一、总体情况"
    assert texts[-2:] == ["某某镇人民政府", "2025年1月15日"]
    assert not any("索引号" in c.text for t in doc.tables for c in t.cells)
    assert len(doc.tables) == 2
    assert not any(("首页" in t) or ("脚本" in t) or ("假的" in t) or ("相关链接" in t) for t in texts)


def test_page_date_and_title_go_into_meta() -> None:
    doc = read_html(CHROME_PAGE)
    assert doc.meta["published"] == "2025-01-20"  # 发布日期 outranks a bare 时间
    assert doc.meta["title"] == "某某镇人民政府2024年政府信息公开工作年度报告"
    no_label = CHROME_PAGE.replace("<tr><td>发布日期：</td><td>2025年1月20日</td></tr>", "")
    assert read_html(no_label).meta["published"] == "2025-02-01"  # then the PubDate <meta>
    bare = no_label.replace('<meta name="PubDate" content="2025-02-01 10:00">', "")
    assert read_html(bare).meta["published"] == "2025-01-21"  # then a bare 时间 line, never the footer's
    footer_only = bare.replace("时间：2025-01-21 09:30", "")
    assert "published" not in read_html(footer_only).meta


def test_without_section_headings_the_tables_outside_chrome_set_the_body() -> None:
    page = (
        "<html><body><aside><table><tr><td>日</td><td>一</td></tr><tr><td>1</td><td>2</td></tr></table></aside>"
        "<div id=main><div class=text><p>第一部分 总体情况</p><table><tr><td>规章</td><td>3</td></tr></table>"
        "<p>第二部分</p><table><tr><td>总计</td><td>4</td></tr></table></div></div>"
        "<footer><p>版权所有</p></footer></body></html>"
    )
    doc = read_html(page)
    assert [b.text for b in doc.paragraphs] == ["第一部分 总体情况", "第二部分"]
    assert [[c.text for c in t.cells] for t in doc.tables] == [["规章", "3"], ["总计", "4"]]


def test_bare_fragment_without_chrome() -> None:
    doc = read_html(REPORT)
    assert [type(b).__name__ for b in doc.blocks] == ["Paragraph", "Paragraph", "Paragraph", "Table"]
    assert doc.meta == {}


def test_fragment_starting_with_an_attributed_element_is_sniffed_as_html(tmp_path: Path) -> None:
    from ingest import load

    path = tmp_path / "fragment.htm"
    path.write_bytes(('<p class="western" align="center">' + "年度报告" * 600 + "</p>" + REPORT).encode("gbk"))
    doc = load(str(path))
    assert doc.format == "html" and len(doc.tables) == 1


def _mhtml(page: str, charset: str, transfer: str) -> bytes:
    """A MIME web archive (as IE or Word's single-file web page writes it) holding the page."""
    from email.charset import BASE64, QP, Charset
    from email.mime.multipart import MIMEMultipart
    from email.mime.nonmultipart import MIMENonMultipart

    archive = MIMEMultipart("related", type="text/html")
    archive["From"] = "<Saved by Windows Internet Explorer 8>"
    part = MIMENonMultipart("text", "html", charset=charset)
    cs = Charset(charset)
    cs.body_encoding = QP if transfer == "qp" else BASE64
    part.set_payload(page, charset=cs)
    part["Content-Location"] = "http://www.example.gov.cn/art/2025/1/20/art_1.html"
    archive.attach(part)
    image = MIMENonMultipart("image", "png")
    image.set_payload("iVBORw0KGgo=")
    image["Content-Transfer-Encoding"] = "base64"
    archive.attach(image)
    return archive.as_bytes()


@pytest.mark.parametrize(("charset", "transfer"), [("gb2312", "qp"), ("utf-8", "base64")])
def test_mhtml_web_archive_reads_like_the_page(charset: str, transfer: str) -> None:
    page = CHROME_PAGE.replace('<meta charset="utf-8">', "")
    plain = read_html(page, "gbk")
    archived = html.read("x.mht", _mhtml(page, charset, transfer), OPTS)
    assert [spans(t) for t in archived.tables] == [spans(t) for t in plain.tables]
    assert [p.text for p in archived.paragraphs] == [p.text for p in plain.paragraphs]
    assert archived.meta == plain.meta


def test_page_without_tables_is_not_a_report() -> None:
    with pytest.raises(ReportError) as e:
        read_html("<html><body><h1>2024年政府信息公开工作年度报告</h1><p>一、总体情况</p></body></html>")
    assert e.value.kind == "not_a_report"


# ---------------------------------------------------------------- whole pages through the pipeline


def _convert_exact(path: Path, expected: dict[str, Any]) -> None:
    """Convert a page and require every field and the failing checks to be exactly the expected ones."""
    report = pipeline.convert(str(path))
    assert report["source"]["format"] == "html"
    assert table_mismatches(report, expected) == []
    assert failing_rules(report) == set(expected.get("failing_checks", []))


def test_pingtan_real_page_converts_exactly() -> None:
    path = SHARED / "real" / "pingtan_2024.html"
    expected = json.loads((SHARED / "real" / "pingtan_2024.expected.json").read_text(encoding="utf-8"))
    report = pipeline.convert(str(path))
    assert table_mismatches(report, expected) == []
    assert report["report"]["published"] == "2025-03-10"  # from the page's date: the report prints none
    assert report["report"]["agency"] is None
    assert failing_rules(report) == set()


@pytest.mark.parametrize("path", sorted((ROOT / "samples" / "html").glob("*.html")), ids=lambda p: p.name)
def test_committed_examples_convert_exactly(path: Path) -> None:
    expected = json.loads(path.with_name(path.name.replace(".html", ".expected.json")).read_text(encoding="utf-8"))
    _convert_exact(path, expected)


def _generated_styles() -> list[Any]:
    from samples.make_html import PageStyle

    return [
        PageStyle(wrap="page", encoding="utf8_meta", broken_headers="none"),
        PageStyle(wrap="page", encoding="gbk_meta", broken_headers="p", info_table=True),
        PageStyle(wrap="page", encoding="gbk_nometa", broken_headers="br", date_label="日期"),
        PageStyle(wrap="fragment", encoding="utf8_lying", broken_headers="br"),
        PageStyle(wrap="fragment", encoding="gbk_nometa", broken_headers="p", inline_styles=False),
        PageStyle(wrap="page", encoding="utf8_nometa", broken_headers="p", info_table=True, date_label="发布时间"),
        PageStyle(wrap="page", encoding="utf8_lying", broken_headers="br"),
        PageStyle(wrap="fragment", encoding="gbk_meta", broken_headers="none"),
    ]


@pytest.fixture(scope="module")
def generated_pages(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Path, Path]]:
    """Eight pages (2021 and 2019 templates, two with an arithmetic error) made by one LibreOffice call."""
    from samples.make_html import make_pages

    styles = _generated_styles()
    return make_pages(tmp_path_factory.mktemp("html"), len(styles), seed=13, template="mixed", errors=2, styles=styles)


@pytest.mark.parametrize("index", range(8))
def test_generated_pages_convert_exactly(generated_pages: list[tuple[Path, Path]], index: int) -> None:
    page, exp_path = generated_pages[index]
    expected = json.loads(exp_path.read_text(encoding="utf-8"))
    _convert_exact(page, expected)


def test_generated_pages_cover_both_templates_and_encodings(generated_pages: list[tuple[Path, Path]]) -> None:
    expected = [json.loads(e.read_text(encoding="utf-8")) for _, e in generated_pages]
    assert {x["template"] for x in expected} == {"2021", "2019"}
    assert any("published is the page's date" in x["note"] for x in expected)  # the page date stands in
    assert any(x["report"]["published"] is None for x in expected)  # a fragment has no page date
    raw = [p.read_bytes() for p, _ in generated_pages]
    assert sum(1 for b in raw if _is_utf8(b)) >= 3 and sum(1 for b in raw if not _is_utf8(b)) >= 3


def _is_utf8(b: bytes) -> bool:
    try:
        b.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def test_a_page_that_is_not_a_report(tmp_path: Path) -> None:
    page = tmp_path / "timetable.html"
    page.write_text(
        "<html><head><meta charset='utf-8'><title>课程表</title></head><body><h1>春季学期课程表</h1>"
        "<table><tr><th>星期</th><th>上午</th></tr><tr><td>一</td><td>语文</td></tr></table></body></html>",
        encoding="utf-8",
    )
    with pytest.raises(ReportError) as e:
        pipeline.convert(str(page))
    assert e.value.kind == "not_a_report"


def test_a_report_page_with_no_tables(tmp_path: Path) -> None:
    page = tmp_path / "notables.html"
    page.write_text(
        "<html><head><meta charset='utf-8'></head><body><h1>某镇2024年政府信息公开工作年度报告</h1>"
        "<p>一、总体情况</p><p>二、主动公开政府信息情况</p><p>详见附件。</p></body></html>",
        encoding="utf-8",
    )
    with pytest.raises(ReportError) as e:
        pipeline.convert(str(page))
    assert e.value.kind == "not_a_report"


def test_mht_web_archive_is_sniffed_and_converted(tmp_path: Path) -> None:
    """A page saved as a single-file web archive (.mht) goes to the HTML adapter, which unwraps it."""
    import base64

    from conftest import SHARED

    page = SHARED / "real" / "pingtan_2024.html"
    body = base64.encodebytes(page.read_bytes()).decode("ascii")
    mht = (
        'MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary="B"; type="text/html"\r\n\r\n'
        '--B\r\nContent-Type: text/html; charset="utf-8"\r\nContent-Transfer-Encoding: base64\r\n'
        "Content-Location: http://example.invalid/report.html\r\n\r\n" + body + "\r\n--B--\r\n"
    )
    path = tmp_path / "pingtan.mht"
    path.write_text(mht, encoding="ascii")
    from ingest.detect import sniff

    assert sniff(path.read_bytes()[:4096]) == "html"
    expected = json.loads((SHARED / "real" / "pingtan_2024.expected.json").read_text(encoding="utf-8"))
    assert table_mismatches(pipeline.convert(str(path)), expected) == []
