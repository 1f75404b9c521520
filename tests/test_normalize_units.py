"""Unit behaviour of the number parser, label matching, metadata and text-dump dialects."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.grid import Cell, Document, Paragraph, Table
from ingest.text import dialect, parse_blocks
from layout import repair
from layout.clean import clean_cell
from normalize.meta import find_agency, parse_date, recurring_agency
from normalize.numbers import parse_number
from normalize.text import canon, similarity, strip_numbering


@pytest.mark.parametrize(
    ("raw", "value", "status"),
    [
        ("0", 0, "ok"),
        ("１２", 12, "ok"),
        ("1,234", 1234, "ok"),
        ("18651.06", 18651.06, "ok"),
        ("7545万元", 7545, "ok"),
        ("-3", -3, "ok"),
        ("—", None, "blank"),
        ("/", None, "blank"),
        ("", None, "blank"),
        ("l2", None, "unreadable"),
        ("无法提供", None, "unreadable"),
    ],
)
def test_parse_number(raw: str, value: object, status: str) -> None:
    p = parse_number(raw)
    assert (p.value, p.status) == (value, status)
    assert type(p.value) is type(value)


def test_spaced_and_stacked_characters_join() -> None:
    assert clean_cell("结 果 维 持") == "结果维持"
    assert clean_cell("尚\n未\n审\n结") == "尚未审结"
    assert clean_cell("[bookmark: _GoBack]　0") == "0"


def test_label_matching_tolerates_truncation_and_noise() -> None:
    assert similarity(strip_numbering("3. 要求提供公开出版"), canon("要求提供公开出版物")) > 0.9
    denied = strip_numbering("（三）不予公开")
    assert similarity(denied, canon("不予公开")) == 1.0 > similarity(denied, canon("予以公开"))
    assert strip_numbering("三、 本年 度办 理结 果") == "本年度办理结果"


def test_dates() -> None:
    assert parse_date("2025年1月14日") == "2025-01-14"
    assert parse_date("2025 年 1 月 15 日") == "2025-01-15"
    assert parse_date("二〇二五年一月二十日") == "2025-01-20"
    assert parse_date("发布日期：2025-03-10") == "2025-03-10"
    assert parse_date("2025年13月40日") is None
    # OCR of a scanned signature reads 十 as "+": in a Chinese date it is 十, elsewhere not.
    assert parse_date("二〇二五年一月二+一日") == "2025-01-21"
    assert parse_date("二〇二五年十月+日") == "2025-10-10"
    assert parse_date("2025年1月2+1日") is None


def test_agency_from_signature_overlap_and_body() -> None:
    assert (
        find_agency("文水县刘胡兰镇 2024年政府信息公开工作年度报告", [], ["刘胡兰镇人民政府", "2025年1月15日"])
        == "文水县刘胡兰镇人民政府"
    )
    text = "结合2024年某某市某区某镇人民政府信息公开工作实际。请与某某市某区某镇人民政府办公室联系。"
    assert recurring_agency(text) == "某某市某区某镇人民政府"
    assert recurring_agency("只提到一次某某市某区人民政府。") is None


def test_text_dialects() -> None:
    assert dialect(["\t规章", "\t0", "", "\t行政许可"]) == "cells"
    assert dialect(["规章\t0\t0\t0", "行政许可\t0"]) == "tabs"
    blocks = parse_blocks("标题\n| a | 1 |\n|---|---|\n| b | 2 |\n\n| c | 3 |\n结尾")
    assert [type(b).__name__ for b in blocks] == ["Paragraph", "Table", "Table", "Paragraph"]


def test_row_cut_by_page_break_is_joined_across_tables() -> None:
    def t(rows: list[list[str]]) -> Table:
        return Table(cells=[Cell(x, r, c) for r, row in enumerate(rows) for c, x in enumerate(row)], exact=False)

    doc = Document(
        path="x.txt",
        format="text",
        blocks=[
            t([["", "2.重复申请", "0", "0"], ["", "3.要求提供公开出版", "1", "1"]]),
            Paragraph("- 3 -"),
            t([["", "物", "", ""], ["", "4.无正当理由大量反复申请", "0", "0"]]),
        ],
    )
    out = repair(doc)
    assert len(out.tables) == 1
    texts = [[c.text for c in r] for r in out.tables[0].rows()]
    assert texts[1][1] == "3.要求提供公开出版物"
    assert len(texts) == 3
    assert out.tables[0].seams


def test_title_over_lines_and_year_first() -> None:
    from normalize.meta import find_title

    paras = [
        Paragraph("淮安市洪泽区人民政府"),
        Paragraph("2024年政府信息公开工作"),
        Paragraph("年度报告"),
        Paragraph("一、总体情况"),
    ]
    title = find_title(paras, {})
    assert title is not None and title.replace(" ", "") == "淮安市洪泽区人民政府2024年政府信息公开工作年度报告"
    assert find_agency(title, [], []) == "淮安市洪泽区人民政府"
    assert find_agency("2024年某某县农业农村局政府信息公开工作年度报告", [], []) == "某某县农业农村局"


def test_space_aligned_dump_of_a_real_report(tmp_path: Path) -> None:
    """`pdftotext -layout` output: cells aligned by spaces, labels wrapped over lines, values on their own line."""
    import json
    import subprocess

    from conftest import SHARED, table_mismatches

    from pipeline import convert

    out = tmp_path / "hongze_layout.txt"
    subprocess.run(["pdftotext", "-layout", str(SHARED / "real" / "hongze_2024.pdf"), str(out)], check=True)
    expected = json.loads((SHARED / "real" / "hongze_2024.expected.json").read_text(encoding="utf-8"))
    report = convert(str(out))
    assert table_mismatches(report, expected) == []


def test_space_aligned_dump_with_wrapped_labels_and_values_beside_their_middle_line(tmp_path: Path) -> None:
    """`pdftotext -layout` of a LibreOffice PDF whose narrow label column wraps labels over three lines,
    the numbers printed beside the middle one (`3.补正后申` / `请内容仍不  / / 1 ...` / `明确`)."""
    import json
    import subprocess

    from conftest import ROOT, table_mismatches

    from pipeline import convert

    pdf = ROOT / "samples" / "pdf" / "pdf2019_s5_002.pdf"
    out = tmp_path / "layout.txt"
    subprocess.run(["pdftotext", "-layout", str(pdf), str(out)], check=True)
    assert "请内容仍不" in out.read_text(encoding="utf-8")  # the dump still has the layout this test is about
    expected = json.loads(pdf.with_suffix(".expected.json").read_text(encoding="utf-8"))
    wrong = table_mismatches(convert(str(out)), expected)
    # Every row right but one: `4.保护第三` / `（三）不予  / / 1 ...` / `方合法权益` / `公开`, whose numbers
    # stand beside the group's label (a text dump has no columns to tell the two labels apart).
    assert {w.split(".")[1] for w in wrong} <= {"denied_third_party_rights"}, wrong


def test_space_aligned_rows_keep_blank_cells_in_their_columns() -> None:
    """A row with fewer numbers than the table has columns: each number goes to the column it stands under,
    the row as a whole shifted (pdftotext counts a CJK label as fewer columns than it is wide)."""
    text = "\n".join(
        [
            "  一、本年新收政府信息公开申请数量         8   7    0           0   7    22",
            "  二、上年结转政府信息公开申请数量         0   0    0     0     0        0",
            "            （一）予以公开        4   1    0     0     0   2    7",
            "         （二）部分公开        1   1    0     0     0   0    2",
            "      3.其他       5",
        ]
    )
    (table,) = [b for b in parse_blocks(text) if isinstance(b, Table)]
    rows = [[c.text for c in r] for r in table.rows()]
    assert rows[0][1:] == ["8", "7", "0", "", "0", "7", "22"]
    assert rows[1][1:] == ["0", "0", "0", "0", "0", "", "0"]
    assert rows[2][1:] == ["4", "1", "0", "0", "0", "2", "7"]
    # a label wrapped around its numbers, a page break, a row of slashes
    text = "\n".join(
        [
            "  一、本年新收政府信息公开申请数量    8   7    0     1     0   7    23",
            "  二、上年结转政府信息公开申请数量    0   0    0     0     0   0    0",
            "            （一）予以公开        4   1    0     0     0   2    7",
            "         （二）部分公开        1   1    0     0     0   0    2",
            "              1.本机关不",
            "\f              掌握相关政           /   /   1        /     /   /   1",
            "                府信息",
            "              2.没有现成",
            "              信息需要另           /   /    /       /     /   /   /",
            "                行制作",
        ]
    )
    (wrapped,) = [b for b in parse_blocks(text) if isinstance(b, Table)]
    joined = [
        [c.text for c in r] for r in repair(Document(path="x.txt", format="text", blocks=[wrapped])).tables[0].rows()
    ]
    assert [r[0] for r in joined][-2:] == ["1.本机关不掌握相关政府信息", "2.没有现成信息需要另"]
    assert joined[-2][1:] == ["/", "/", "1", "/", "/", "/", "1"]
    # a short row in a table without two full rows to take the columns from: kept in order, but doubtful
    short = parse_blocks(
        text
        + "\n二、主动公开政府信息情况。本节列出本机关制发和废止的规章及规范性文件。\n规章       5\n行政规范性文件     3    0    5\n"
    )
    rules = [b for b in short if isinstance(b, Table)][-1].rows()[0]
    assert [(c.text, c.confidence) for c in rules] == [("规章", 1.0), ("5", 0.5)]
    # one number alone could stand under any column: kept, but doubtful
    assert rows[4] == ["3.其他", "5"] and [c.confidence for c in table.rows()[4]] == [1.0, 0.5]


def test_space_aligned_rows_without_full_rows_are_placed_by_where_they_stand() -> None:
    """No row fills every column, but the numbers stand at the same places on every line: each goes to the
    column it stands in (at a confidence that says a column no row fills would have been missed)."""

    def line(label: str, values: list[str]) -> str:
        text = "  " + label + " " * (40 - 2 - len(label))
        return text + "".join(v.rjust(6) for v in values).rstrip()

    rows = [
        ("一、本年新收政府信息公开申请数量", ["12", "0", "", "3", "", "12", "27"]),
        ("二、上年结转政府信息公开申请数量", ["0", "", "0", "", "0", "", "0"]),
        ("（一）予以公开", ["11", "0", "0", "", "", "12", "23"]),
        ("（二）部分公开", ["", "0", "0", "1", "", "", "1"]),
        ("1.属于国家秘密", ["0", "", "", "0", "0", "0", "0"]),
    ]
    (table,) = [b for b in parse_blocks("\n".join(line(lb, v) for lb, v in rows)) if isinstance(b, Table)]
    got = [[c.text for c in r] for r in table.rows()]
    assert got == [[lb, *v] for lb, v in rows]
    assert {c.confidence for r in table.rows() for c in r[1:]} == {0.75}


def test_dump_written_one_space_apart(tmp_path: Path) -> None:
    """pdfplumber's extract_text of the real WPS report: each row's label and values one space apart, labels
    wrapped over lines, values sometimes on a line of their own. Most values are read; none is wrong
    without a doubt shown (a low confidence, a failing check or a warning)."""
    import json

    import pdfplumber
    from conftest import SHARED, silent_errors, table_fields, table_mismatches

    from pipeline import convert

    out = tmp_path / "hongze_words.txt"
    with pdfplumber.open(SHARED / "real" / "hongze_2024.pdf") as pdf:
        out.write_text("\n".join(page.extract_text() or "" for page in pdf.pages), encoding="utf-8")
    assert dialect(out.read_text(encoding="utf-8").split("\n")) == "words"
    expected = json.loads((SHARED / "real" / "hongze_2024.expected.json").read_text(encoding="utf-8"))
    report = convert(str(out))
    wrong = table_mismatches(report, expected)
    assert len(wrong) <= table_fields(expected) // 20, wrong
    assert silent_errors(report, expected, wrong) == []
    assert report["tables"]["applications"]["new_received"] == expected["tables"]["applications"]["new_received"]


def test_markdown_cells_with_html_breaks_and_escaped_pipes() -> None:
    blocks = parse_blocks("| 结果<br>维持 | a\\|b |\n|---|---|\n| 1 | 2 |")
    table = blocks[0]
    assert isinstance(table, Table)
    assert [c.text for c in table.rows()[0]] == ["结果\n维持", "a|b"]


def test_title_without_the_words_annual_report() -> None:
    from normalize.meta import find_title, find_year

    paras = [Paragraph("某某市某某区人民政府2024年度政府信息公开工作报告"), Paragraph("一、总体情况")]
    title = find_title(paras, {})
    assert title == "某某市某某区人民政府2024年度政府信息公开工作报告"
    assert find_year(title, paras) == 2024
    assert find_agency(title, paras, []) == "某某市某某区人民政府"


def test_zip_of_an_unsupported_version_is_corrupt() -> None:
    """Found by bench/fuzz.py: a DOCX whose central directory claims zip version 25.5."""
    import io
    import zipfile

    import pytest

    from ingest.detect import sniff
    from ingest.errors import ReportError

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    data = bytearray(buf.getvalue())
    cd = data.rindex(b"PK\x01\x02")
    data[cd + 6] = 255  # "version needed to extract" in the central directory entry
    with pytest.raises(ReportError) as e:
        sniff(bytes(data))
    assert e.value.kind == "corrupt"


def test_image_with_ocr_off_is_refused(tmp_path: Path) -> None:
    from PIL import Image

    from ingest import load
    from ingest.errors import ReportError
    from ingest.options import Options

    png = tmp_path / "page.png"
    Image.new("L", (200, 100), 255).save(png)
    try:
        load(str(png), Options(ocr="never"))
    except ReportError as e:
        assert e.kind == "unreadable" and "--ocr never" in e.reason
    else:
        raise AssertionError("an image was read with OCR off")


def test_space_aligned_table_of_many_columns_is_read_in_bounded_time() -> None:
    """Forty value columns and rows holding half of them: too many ways to place a short row (about 10^11)
    to try them all, so its values stay in order, doubtful, and the dump is read at once."""
    full = "  标签" + "".join(f"{k % 10:>4}" for k in range(40))
    short = "  标签" + "".join(f"{k % 10:>4}" if k % 2 else "    " for k in range(40))
    (table,) = [b for b in parse_blocks("\n".join([full, full, short, full, full, short])) if isinstance(b, Table)]
    row = table.rows()[2]
    assert len(row) == 21 and {c.confidence for c in row[1:]} == {0.5}


def test_a_label_merged_over_two_rows_gives_each_row_its_item() -> None:
    """A lost ruling between two label cells: `1.… 2.…` read as one cell over both rows; each row
    keeps its own item (and the merged cell of one item, a group label, stays whole)."""
    from normalize.rows import label_items, table_rows

    assert label_items("1.本机关不掌握相关政府信息 2.没有现成信息需要另行制作") == [
        "1.本机关不掌握相关政府信息",
        "2.没有现成信息需要另行制作",
    ]
    assert label_items("第二十条第（一）项") == ["第二十条第（一）项"]
    cells = [
        Cell("（四）无法提供", 0, 0, rowspan=2),
        Cell("1.本机关不掌握相关政府信息 2.没有现成信息需要另行制作", 0, 1, rowspan=2),
        Cell("3", 0, 2),
        Cell("4", 1, 2),
    ]
    rows = table_rows(Table(cells), 0)
    assert [r.leaf for r in rows] == ["本机关不掌握相关政府信息", "没有现成信息需要另行制作"]
    assert [r.labels[0].text for r in rows] == ["（四）无法提供", "（四）无法提供"]
