"""Reports laid out by other producers than generate.py: CMS web pages, Word "Save as Web Page",
MHTML, and DOCX made without generate.py's XML (python-docx without merges, LibreOffice round trip).

The values, metadata, expected JSON and failing checks come from ``samples/generate.py``
(``random_values``, ``random_meta``, ``write_expected``, ``failing_checks``); the tables are laid out
here, independently: an abstract grid per section (``Grid``: rows of ``Cell(text, rowspan, colspan,
header, vertical)``) rendered by :func:`render_html` or :func:`render_docx` with knobs drawn per report
(:class:`Style`). A knob that changes how a value prints (a fee printed ``0.00``) changes the truth to
the number as printed.

CLI::

    python -m samples.make_producers --out DIR --count N --seed S [--template 2021|2019|mixed] [--errors K]
    python -m samples.make_producers --out samples --examples   # the committed examples (docx/ and html/)
"""

from __future__ import annotations

import copy
import dataclasses
import html as htmllib
import io
import random
import re
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import asdict, dataclass, field
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path
from typing import Any

from samples import fonts
from samples import generate as gen

_BLANK_RNG = random.Random(0)  # reseeded per report by make_one
FULLWIDTH = str.maketrans("0123456789.,", "０１２３４５６７８９．，")
# Realistic slips in the labels of real reports (a missing or wrong character, ASCII quotes).
TYPOS = {
    "二、上年结转政府信息公开申请数量": "二、上年结转政府信息公开申请数",
    "5.属于三类内部事务信息": "5.属于三类内部事物信息",
    "3.危及“三安全一稳定”": '3.危及"三安全一稳定"',
    "1.信访举报投诉类申请": "1.信访举报投拆类申请",
    "（一）予以公开": "（一）予已公开",
    "四、结转下年度继续办理": "四、结转下年度继续办理事项",
}


@dataclass
class Cell:
    text: str
    rowspan: int = 1
    colspan: int = 1
    header: bool = False
    vertical: bool = False  # a narrow header printed top to bottom
    value: bool = False


@dataclass
class Grid:
    """One printed table: rows of cells placed left to right (spans as in HTML)."""

    rows: list[list[Cell]] = field(default_factory=list)
    header_rows: int = 0


@dataclass
class Style:
    """The knobs of one report's layout, drawn by :func:`random_style`."""

    producer: str = "cms"  # cms | word_html | mht | docx_plain | docx_soffice
    merged: bool = True  # spans; False: the label text repeated in every position it covers
    blank: str = ""  # how a blank (zero) cell prints
    fullwidth: bool = False
    thousands: bool = False
    fee_decimals: bool = False  # fees printed with two decimals (0.00, 12.50)
    typos: bool = False
    split_active: bool = False  # section 二 as one table per 第二十条 item
    split_apps: int = 0  # 0: one table; 1: cut in two; 2: cut in two with the header repeated
    header_table: bool = False  # HTML: section 三's header rows as a table of their own
    th: bool = True
    thead: bool = True
    tbodies: bool = True
    label_break: str = "none"  # none | br | p (one <p> per character of a vertical header)
    spaces: bool = False  # &nbsp; and full-width spaces in labels and around numbers
    span_numbers: bool = False
    writing_mode: bool = False
    wrapper: str = "TRS_Editor"  # TRS_Editor | zoom
    encoding: str = "utf-8"  # utf-8 | gbk
    text_direction: str = ""  # DOCX: tbRlV | btLr on vertical headers
    multi_para: bool = False  # DOCX: labels in several paragraphs
    nested: bool = False  # DOCX: section 三's table nested in a one-cell frame table
    signature: str = "para"  # the agency and date at the end: para | table (a borderless table) | box (DOCX text box)
    auto_numbering: str = ""  # DOCX: headings numbered by Word's lists (no 一、 in the text): direct | style
    fields: bool = False  # DOCX: the last column's values are Word formula fields (=SUM(LEFT)) showing their result
    tbl_header: bool = False  # DOCX: header rows marked w:tblHeader
    cut_blank: bool = False  # a span cut by a table split keeps its text above only (Word's "split table")
    title_rows: bool = False  # each section's heading printed as the first row of its table
    inner_header: bool = False  # section 三's header rows printed again inside the table (a page's head)
    mixed_blanks: bool = False  # each blank cell drawn from several blank marks
    header_words: bool = False  # 其它 / 合计 and spaced words in the column headers
    split_review: bool = False  # section 四 as two tables: 行政复议, then 行政诉讼
    review_rows: bool = False  # section 四 transposed: one row per group, the five results as columns
    caption: bool = False  # HTML: each section's heading as its first table's <caption>
    layout_tables: bool = False  # HTML: an old CMS page laid out in tables, the article in a <td>
    th_labels: bool = False  # HTML: row labels as <th> too
    note: str = "none"  # the 勾稽关系 note: none | corner (the empty top-left header cell) | bottom (a last row)
    numbering: str = "cjk"  # cjk: （一） 1.; ascii: (一) 1.; fullstop: （一） 1．
    flat_header: bool = False  # section 三's header as one row of the seven applicant columns
    ragged_rows: bool = False  # HTML: a row's empty cells at its end left out (hand-edited pages)
    excel: bool = False  # HTML pasted from Excel: x:num cells, <col>s, empty columns and rows around
    spurious: int = 0  # PDF-to-Word conversion: this many thin empty columns and rows split into the tables


PRODUCERS = ("cms", "word_html", "mht", "docx_plain", "docx_soffice", "docx_odt")


def random_style(rng: random.Random, producer: str) -> Style:
    """Knobs drawn for a producer (HTML knobs for the HTML producers, DOCX ones for DOCX)."""
    html_like = producer in ("cms", "word_html", "mht", "docx_soffice")
    s = Style(producer=producer)
    s.merged = rng.random() < 0.7
    s.blank = rng.choice(["", "", "0", "—", "/", "－"])
    s.fullwidth = rng.random() < 0.2
    s.thousands = rng.random() < 0.5
    s.fee_decimals = rng.random() < 0.4
    s.typos = rng.random() < 0.4
    s.split_active = rng.random() < 0.4
    s.split_apps = rng.choice([0, 0, 1, 2])
    s.cut_blank = rng.random() < 0.5
    s.title_rows = rng.random() < 0.25
    s.inner_header = not s.split_apps and rng.random() < 0.2
    s.mixed_blanks = rng.random() < 0.2
    s.header_words = rng.random() < 0.3
    s.split_review = rng.random() < 0.2
    s.review_rows = not s.split_review and rng.random() < 0.15
    s.note = rng.choice(["none", "none", "corner", "bottom"])
    s.numbering = rng.choice(["cjk", "cjk", "ascii", "fullstop"])
    s.spurious = rng.choice([0, 0, 0, 1, 2])
    s.flat_header = rng.random() < 0.15
    s.signature = rng.choice(["para", "para", "table"] + ([] if html_like else ["box"]))
    if html_like:
        s.header_table = rng.random() < 0.3
        s.th = rng.random() < 0.5
        s.thead = rng.random() < 0.5
        s.tbodies = rng.random() < 0.5
        s.label_break = rng.choice(["none", "br", "p", "br_each"])
        s.spaces = rng.random() < 0.5
        s.span_numbers = rng.random() < 0.5
        s.writing_mode = rng.random() < 0.3
        s.wrapper = rng.choice(["TRS_Editor", "zoom"])
        s.encoding = rng.choice(["utf-8", "gbk"])
        s.caption = not s.title_rows and rng.random() < 0.2
        s.layout_tables = producer == "cms" and rng.random() < 0.4
        s.th_labels = s.th and rng.random() < 0.4
        s.excel = producer == "cms" and rng.random() < 0.25
        s.ragged_rows = not s.excel and rng.random() < 0.25
    else:
        s.text_direction = rng.choice(["", "tbRlV", "btLr"])
        s.multi_para = rng.random() < 0.5
        s.nested = rng.random() < 0.3
        s.tbl_header = rng.random() < 0.5
        s.fields = rng.random() < 0.4
        s.auto_numbering = rng.choice(["", "", "", "", "direct", "style"])
        if s.title_rows:  # headings in table rows would take no list numbers: an author numbers all or none
            s.auto_numbering = ""
    return s


# ---------------------------------------------------------------- printing values


def fmt(v: Any, s: Style, fee: bool = False) -> str:
    """A value as this report prints it."""
    if v is None:
        if s.mixed_blanks and s.blank != "0":
            return _BLANK_RNG.choice(["", "—", "/", "-", "－", "\u3000"])
        return "" if s.blank == "0" else s.blank  # "0" style: zeros print as 0, blanks stay blank
    if fee and s.fee_decimals:
        text = f"{v:,.2f}" if s.thousands else f"{v:.2f}"
    elif isinstance(v, float):
        text = f"{v:,}" if s.thousands else str(v)
    else:
        text = f"{v:,}" if s.thousands else str(v)
    return text.translate(FULLWIDTH) if s.fullwidth else text


def printed_truth(values: dict[str, Any], s: Style) -> dict[str, Any]:
    """The truth as printed: a fee printed with decimals is a decimal (0.00 -> 0.0)."""
    out = copy.deepcopy(values)
    if s.fee_decimals:
        fees = out["active_disclosure"]["administrative_fees"]
        if fees.get("amount") is not None:
            fees["amount"] = float(fees["amount"])
    return out


def label(text: str, s: Style) -> str:
    text = TYPOS.get(text, text) if s.typos else text
    if s.numbering == "ascii":
        text = text.replace("（", "(").replace("）", ")")
    elif s.numbering == "fullstop":
        text = re.sub(r"^(\d)\.", r"\1．", text)
    return text


# ---------------------------------------------------------------- the grids


def v(text: str) -> Cell:
    return Cell(text, value=True)


def h(text: str, rowspan: int = 1, colspan: int = 1, vertical: bool = False) -> Cell:
    return Cell(text, rowspan, colspan, header=True, vertical=vertical)


def active_grids(values: dict[str, Any], template: str, s: Style) -> list[Grid]:
    """Section 二: one 4-column table of the 第二十条 items, or one narrow table per item."""
    a = values["active_disclosure"]
    if template == "2021":
        three = ["本年制发件数", "本年废止件数", "现行有效件数"]
        items = [
            ("第二十条第（一）项", three, [("规章", "rules", ["issued", "repealed", "in_force"]),
                                     ("行政规范性文件", "normative_documents", ["issued", "repealed", "in_force"])]),
            ("第二十条第（五）项", ["本年处理决定数量"], [("行政许可", "administrative_licensing", ["decisions"])]),
            ("第二十条第（六）项", ["本年处理决定数量"], [("行政处罚", "administrative_penalty", ["decisions"]),
                                                ("行政强制", "administrative_coercion", ["decisions"])]),
            ("第二十条第（八）项", ["本年收费金额（单位：万元）"], [("行政事业性收费", "administrative_fees", ["amount"])]),
        ]  # fmt: skip
    else:
        tri = ["上一年项目数量", "本年增/减", "处理决定数量"]
        keys = ["previous_items", "change", "decisions"]
        items = [
            ("第二十条第（一）项", ["本年新制作数量", "本年新公开数量", "对外公开总数量"],
             [("规章", "rules", ["made", "published", "total_published"]),
              ("规范性文件", "normative_documents", ["made", "published", "total_published"])]),
            ("第二十条第（五）项", tri, [("行政许可", "administrative_licensing", keys),
                                    ("其他对外管理服务事项", "other_external_management", keys)]),
            ("第二十条第（六）项", tri, [("行政处罚", "administrative_penalty", keys),
                                    ("行政强制", "administrative_coercion", keys)]),
            ("第二十条第（八）项", tri[:2], [("行政事业性收费", "administrative_fees", keys[:2])]),
            ("第二十条第（九）项", ["采购项目数量", "采购总金额"],
             [("政府集中采购", "government_procurement", ["items", "amount"])]),
        ]  # fmt: skip
    grids: list[Grid] = []
    g = Grid()
    for title, heads, rows in items:
        if s.split_active and g.rows:
            grids.append(g)
            g = Grid()
        width = 4 if not s.split_active else 1 + len(heads)
        g.rows.append([h(title, colspan=width)])
        g.rows.append([h("信息内容"), *[h(t, colspan=width - len(heads) if i == len(heads) - 1 else 1)
                                      for i, t in enumerate(heads)]])  # fmt: skip
        for lab, rid, keys_ in rows:
            cells = [Cell(lab)]
            for i, k in enumerate(keys_):
                fee = rid == "administrative_fees" and k == "amount"
                text = fmt(a[rid][k], s, fee=fee)
                if rid == "government_procurement" and k == "amount" and a[rid][k] is not None:
                    text += "万元"
                span = width - len(keys_) if i == len(keys_) - 1 else 1
                cells.append(Cell(text, colspan=span, value=True))
            g.rows.append(cells)
    grids.append(g)
    return grids


def applications_grid(values: dict[str, Any], s: Style) -> Grid:
    """Section 三: 3 label columns and 7 value columns under three header rows."""
    app = values["applications"]
    groups = values.get("applications_group_totals") or {}
    g = Grid(header_rows=3)
    g.rows.append([h(gen.NOTE_TEXT if s.note == "corner" else "", rowspan=3, colspan=3), h("申请人情况", colspan=7)])
    g.rows.append(
        [h("自然人", rowspan=2, vertical=True), h("法人或其他组织", colspan=5), h("总计", rowspan=2, vertical=True)]
    )
    words = ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
    if s.header_words:
        words = ["商业 企业", "科研机构", "社会公益组织", "法律服务机构", "其它"]
        g.rows[1][-1].text = "合计"
    g.rows.append([h(t, vertical=True) for t in words])
    if s.flat_header:  # one header row: the seven applicant columns side by side
        g = Grid(header_rows=1)
        g.rows.append([h("", colspan=3), h("自然人"), *[h(t) for t in words], h("合计" if s.header_words else "总计")])

    def vals(row: dict[str, Any]) -> list[Cell]:
        return [v(fmt(row[c], s)) for c in gen.APP_ALL_COLUMNS]

    rows_by_id = {r: (lab, grp) for r, lab, grp in gen.APP_ROWS}
    g.rows.append([Cell(label(rows_by_id["new_received"][0], s), colspan=3), *vals(app["new_received"])])
    g.rows.append([Cell(label(rows_by_id["carried_over"][0], s), colspan=3), *vals(app["carried_over"])])
    block: list[list[Cell]] = []
    done: set[str] = set()
    for rid, lab, grp in gen.APP_ROWS:
        if grp is None and rid != "total_results":
            continue
        if grp in (None, "results"):
            block.append([Cell(label(lab, s), colspan=2), *vals(app[rid])])
        elif grp in groups:
            if grp not in done:
                done.add(grp)
                block.append([Cell(label(gen.GROUP_LABELS[grp], s), colspan=2), *vals(groups[grp])])
        else:
            sub = gen.GROUP_ROWS[grp]
            first = rid == sub[0]
            lead = [Cell(label(gen.GROUP_LABELS[grp], s), rowspan=len(sub), vertical=True)] if first else []
            block.append([*lead, Cell(label(lab, s)), *vals(app[rid])])
    block[0].insert(0, Cell("三、本年度办理结果", rowspan=len(block), vertical=True))
    g.rows.extend(block)
    g.rows.append([Cell(label(rows_by_id["carried_forward"][0], s), colspan=3), *vals(app["carried_forward"])])
    if s.note == "bottom":
        g.rows.append([Cell("注：" + gen.NOTE_TEXT, colspan=10)])
    return g


def review_grids(values: dict[str, Any], s: Style) -> list[Grid]:
    """Section 四: 行政复议 (5) | 行政诉讼 (未经复议直接起诉 5, 复议后起诉 5)."""
    rv = values["review_litigation"]
    if s.review_rows:
        g = Grid(header_rows=1)
        g.rows.append([h("", colspan=2), *[h(t) for t in gen.REVIEW_FIELD_LABELS]])
        g.rows.append([Cell("行政复议", colspan=2), *[v(fmt(rv["review"][f], s)) for f in gen.REVIEW_FIELDS]])
        for i, (grp, lab) in enumerate(
            (("litigation_direct", "未经复议直接起诉"), ("litigation_after_review", "复议后起诉"))
        ):
            lead = [Cell("行政诉讼", rowspan=2, vertical=True)] if i == 0 else []
            g.rows.append([*lead, Cell(lab), *[v(fmt(rv[grp][f], s)) for f in gen.REVIEW_FIELDS]])
        return [g]
    if s.split_review:
        a = Grid(header_rows=2)
        a.rows.append([h("行政复议", colspan=5)])
        a.rows.append([h(t, vertical=True) for t in gen.REVIEW_FIELD_LABELS])
        a.rows.append([v(fmt(rv["review"][f], s)) for f in gen.REVIEW_FIELDS])
        b = Grid(header_rows=3)
        b.rows.append([h("行政诉讼", colspan=10)])
        b.rows.append([h("未经复议直接起诉", colspan=5), h("复议后起诉", colspan=5)])
        b.rows.append([h(t, vertical=True) for _ in range(2) for t in gen.REVIEW_FIELD_LABELS])
        b.rows.append([v(fmt(rv[grp][f], s)) for grp in gen.REVIEW_GROUPS[1:] for f in gen.REVIEW_FIELDS])
        return [a, b]
    g = Grid(header_rows=3)
    g.rows.append([h("行政复议", colspan=5), h("行政诉讼", colspan=10)])
    g.rows.append([*[h(t, rowspan=2, vertical=True) for t in gen.REVIEW_FIELD_LABELS],
                   h("未经复议直接起诉", colspan=5), h("复议后起诉", colspan=5)])  # fmt: skip
    g.rows.append([h(t, vertical=True) for _ in range(2) for t in gen.REVIEW_FIELD_LABELS])
    g.rows.append([v(fmt(rv[grp][f], s)) for grp in gen.REVIEW_GROUPS for f in gen.REVIEW_FIELDS])
    return [g]


def dense(g: Grid) -> list[list[tuple[Cell, bool] | None]]:
    """The grid as positions: (cell, is its top-left) for each covered position."""
    n_cols = sum(c.colspan for c in g.rows[0])
    out: list[list[tuple[Cell, bool] | None]] = [[None] * n_cols for _ in g.rows]
    for r, row in enumerate(g.rows):
        col = 0
        for c in row:
            while out[r][col] is not None:
                col += 1
            for dr in range(c.rowspan):
                for dc in range(c.colspan):
                    out[r + dr][col + dc] = (c, dr == 0 and dc == 0)
            col += c.colspan
    return out


def unmerged(g: Grid) -> Grid:
    """The same table without spans: every position holds a copy of the text that covered it."""
    out = Grid(header_rows=g.header_rows)
    for row in dense(g):
        out.rows.append([replace_cell(p[0], p[1]) for p in row if p is not None])
    return out


def replace_cell(c: Cell, first: bool = True) -> Cell:
    """A one-position copy of a cell; a value is printed once (converters leave its copies empty)."""
    return Cell(c.text if first or not c.value else "", 1, 1, c.header, c.vertical, c.value)


def cut(g: Grid, at: int, repeat_header: bool, blank_below: bool = False) -> list[Grid]:
    """The table cut before body row ``at``: a span crossing the cut is split, its text repeated below
    (or, with ``blank_below``, left empty there as Word's "split table" does)."""
    rows = dense(g)
    top, bottom = Grid(header_rows=g.header_rows), Grid(header_rows=g.header_rows if repeat_header else 0)
    top.rows = _rows_from(rows[:at])
    lower = _rows_from(rows[at:])
    if blank_below:
        crossing = {id(p[0]) for p in rows[at - 1] if p is not None} & {id(p[0]) for p in rows[at] if p is not None}
        texts = {p[0].text for p in rows[at] if p is not None and id(p[0]) in crossing and p[0].rowspan > 1}
        for c in lower[0]:
            if c.text in texts and not c.value:
                c.text = ""
    bottom.rows = (copy.deepcopy(top.rows[: g.header_rows]) if repeat_header else []) + lower
    return [top, bottom]


def _rows_from(rows: list[list[tuple[Cell, bool] | None]]) -> list[list[Cell]]:
    """Re-derive span cells from a slice of positions (a span cut by the slice keeps its part)."""
    seen: dict[int, Cell] = {}
    out: list[list[Cell]] = []
    for r, row in enumerate(rows):
        line: list[Cell] = []
        for k, pos in enumerate(row):
            if pos is None:
                continue
            c, _ = pos
            if id(c) in seen:
                continue
            rs = sum(1 for rr in rows[r:] if rr[k] is not None and rr[k][0] is c)  # type: ignore[index]
            cs = sum(1 for kk in row[k:] if kk is not None and kk[0] is c)
            nc = Cell(c.text, rs, cs, c.header, c.vertical, c.value)
            seen[id(c)] = nc
            line.append(nc)
        out.append(line)
    return out


def with_spurious(g: Grid, rng: random.Random, n: int) -> Grid:
    """The grid as a PDF-to-Word converter leaves it: thin empty columns and rows where ruling lines
    did not align; a label or header crossing one spans it, a value keeps its column (an empty cell
    beside it)."""
    pos = dense(g)
    for _ in range(n):
        k = rng.randint(1, len(pos[0]) - 1)
        for row in pos:
            left, right = row[k - 1], row[k]
            same = left is not None and right is not None and left[0] is right[0]
            if same or (left is not None and not left[0].value):
                row.insert(k, (left[0], False))  # type: ignore[index]
            else:
                row.insert(k, (Cell(""), True))
        if len(pos) - 1 < g.header_rows + 1:
            continue
        i = rng.randint(g.header_rows + 1, len(pos) - 1)
        new: list[tuple[Cell, bool] | None] = []
        for above, below in zip(pos[i - 1], pos[i], strict=True):
            if above is not None and below is not None and above[0] is below[0]:
                new.append((above[0], False))
            else:
                new.append((Cell(""), True))
        pos.insert(i, new)
    out = Grid(header_rows=g.header_rows)
    out.rows = _rows_from(pos)
    return out


def section_grids(values: dict[str, Any], template: str, s: Style, rng: random.Random) -> dict[str, list[Grid]]:
    """Every section's tables as this report prints them."""
    apps = applications_grid(values, s)
    if s.spurious:  # the whole table converted at once: its parts share the spurious columns
        apps = with_spurious(apps, rng, s.spurious)
    parts = [apps]
    if s.split_apps:
        at = rng.randint(apps.header_rows + 3, len(apps.rows) - 3)
        parts = cut(apps, at, repeat_header=s.split_apps == 2, blank_below=s.cut_blank)
    elif s.inner_header:
        at = rng.randint(apps.header_rows + 5, len(apps.rows) - 3)
        top, bottom = cut(apps, at, repeat_header=True)
        parts = [Grid(rows=top.rows + bottom.rows, header_rows=apps.header_rows)]
    reviews = review_grids(values, s)
    if s.spurious:
        reviews = [with_spurious(g, rng, s.spurious) for g in reviews]
    out = {"二": active_grids(values, template, s), "三": parts, "四": reviews}
    if not s.merged:
        out = {k: [unmerged(g) for g in gs] for k, gs in out.items()}
    if s.title_rows:
        for num, gs in out.items():
            g = gs[0]
            width = sum(c.colspan for c in g.rows[0])
            g.rows.insert(0, [h(HEADINGS[num], colspan=width)])
            g.header_rows += 1 if g.header_rows else 0
    return out


# ---------------------------------------------------------------- HTML

WORD_HEAD = """<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office"
xmlns:w="urn:schemas-microsoft-com:office:word" xmlns="http://www.w3.org/TR/REC-html40">
<head><meta http-equiv=Content-Type content="text/html; charset={charset}">
<meta name=ProgId content=Word.Document><meta name=Generator content="Microsoft Word 15">
<!--[if gte mso 9]><xml><w:WordDocument><w:View>Print</w:View><w:Zoom>100</w:Zoom></w:WordDocument></xml><![endif]-->
<style><!-- p.MsoNormal {{mso-style-parent:""; margin:0cm; font-size:10.5pt; font-family:宋体;}}
table.MsoNormalTable {{mso-style-name:普通表格; mso-tstyle-rowband-size:0;}} --></style>
<title>{title}</title></head>
<body lang=ZH-CN style='tab-interval:21.0pt;text-justify-trim:punctuation'><div class=WordSection1>
"""

CMS_HEAD = """<!DOCTYPE html><html><head><meta charset="{charset}"><title>{title}_{site}人民政府门户网站</title>
<meta name="ArticleTitle" content="{title}"><link rel="stylesheet" href="/css/main.css">
<script>var _hmt = _hmt || [];</script></head><body>
<div class="header"><div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li>
<li><a href="/ndbg/">政府信息公开年报</a></li></ul></div></div>
<div class="main"><div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a></div>
<div class="article"><h1 class="title">{title}</h1>
<div class="info">{date_line}来源：{site}人民政府办公室　浏览次数：<span id="hits">128</span></div>
"""

CMS_FOOT = """</div><div class="share">分享到：<a href="#">微信</a></div></div>
<div class="footer"><p>主办：{site}人民政府办公室　地址：人民路1号　电话：0000-1234567</p>
<p>ICP备05001234号</p></div></body></html>"""


def _nbsp(s: Style, rng: random.Random) -> str:
    return rng.choice(["&nbsp;", "\u3000", "&nbsp;&nbsp;"]) if s.spaces and rng.random() < 0.3 else ""


def html_cell_text(c: Cell, s: Style, rng: random.Random) -> str:
    """The markup inside a cell: labels broken by <br> or one <p> per character, numbers in spans."""
    text = htmllib.escape(c.text)
    if c.value:
        if s.span_numbers and text:
            style = rng.choice(["font-family:仿宋_GB2312;font-size:16px", "font-size:12.0pt;mso-bidi-font-size:10.5pt"])
            text = f'<span style="{style}">{text}</span>'
        return _nbsp(s, rng) + text + _nbsp(s, rng)
    if not text:
        return "&nbsp;" if s.spaces else ""
    if c.vertical and s.label_break == "p" and not s.writing_mode:
        return "".join(f"<p>{htmllib.escape(ch)}</p>" for ch in c.text)
    if c.vertical and s.label_break == "br_each":
        return "<br>".join(htmllib.escape(ch) for ch in c.text)
    if s.label_break == "br" and len(c.text) >= 6:
        k = len(c.text) // 2
        text = htmllib.escape(c.text[:k]) + "<br>" + htmllib.escape(c.text[k:])
    if s.spaces and rng.random() < 0.4:
        text = rng.choice(["&nbsp;", "\u3000"]) + text
    return text


def html_table(g: Grid, s: Style, rng: random.Random, caption: str = "") -> str:
    """One <table>: header cells as <th> in a <thead>, body rows in one or several <tbody>."""
    word = s.producer in ("word_html", "mht")
    attrs = (
        ' class=MsoNormalTable border=1 cellspacing=0 cellpadding=0 style="border-collapse:collapse;mso-table-layout-alt:fixed"'
        if word
        else ' border="1" cellspacing="0" cellpadding="0" width="100%"'
    )
    lines = [f"<table{attrs}>"]
    if caption:
        lines.append(f"<caption><strong>{caption}</strong></caption>")
    n_cols = sum(c.colspan for c in g.rows[0])
    if s.excel:
        # Excel's used range: <col>s, and empty cells around the table (a row above, a column right)
        lines.append("<col width=72 style='width:54pt'>" * (n_cols + 1))
        lines.append("<tr height=19>" + "<td height=19 class=xl65></td>" * (n_cols + 1) + "</tr>")
    body_rows = g.rows[g.header_rows :]
    head_rows = g.rows[: g.header_rows]

    def row_html(row: list[Cell], r: int) -> str:
        cells = []
        if s.ragged_rows and r >= g.header_rows:
            while row and row[-1].value and not row[-1].text.strip():
                row = row[:-1]  # the editor drops a row's empty cells at its end
        for c in row:
            tag = "th" if (c.header and s.th) or (s.th_labels and not c.value and c.text) else "td"
            a = ""
            if c.rowspan > 1:
                a += f" rowspan={c.rowspan}" if word else f' rowspan="{c.rowspan}"'
            if c.colspan > 1:
                a += f" colspan={c.colspan}" if word else f' colspan="{c.colspan}"'
            style = "writing-mode:tb-rl;layout-flow:vertical-ideographic" if (c.vertical and s.writing_mode) else ""
            inner = html_cell_text(c, s, rng)
            if word:
                a += f" width={rng.choice([38, 45, 52])} valign=top style='border:solid windowtext 1.0pt;{style}'"
                inner = f"<p class=MsoNormal align=center style='text-align:center'><span lang=EN-US>{inner}<o:p></o:p></span></p>"
            elif style:
                a += f' style="{style}"'
            if s.excel:
                a += " class=xl66 x:num" if c.value and c.text.strip().isdigit() else " class=xl67"
            cells.append(f"<{tag}{a}>{inner}</{tag}>")
        if s.excel:
            cells.append("<td class=xl65></td>")
        tr = f"<tr style='mso-yfti-irow:{r}'>" if word else "<tr>"
        return tr + "".join(cells) + "</tr>"

    r = 0
    if head_rows:
        if s.thead:
            lines.append("<thead>")
        for row in head_rows:
            lines.append(row_html(row, r))
            r += 1
        if s.thead:
            lines.append("</thead>")
    cuts = _safe_cuts(body_rows) if s.tbodies else []
    chosen = sorted(rng.sample(cuts, min(2, len(cuts)))) if cuts else []
    open_body = s.thead or s.tbodies
    if open_body:
        lines.append("<tbody>")
    for i, row in enumerate(body_rows):
        if i in chosen:
            lines.append("</tbody><tbody>")
        lines.append(row_html(row, r))
        r += 1
    if open_body:
        lines.append("</tbody>")
    if word:
        # Word's trailer for tables with uneven columns: a hidden row of zero-width cells.
        lines.append(
            "<![if !supportMisalignedColumns]><tr height=0>"
            + "<td width=40 style='border:none'></td>" * n_cols
            + "</tr><![endif]>"
        )
    lines.append("</table>")
    return "\n".join(lines)


def _safe_cuts(rows: list[list[Cell]]) -> list[int]:
    """Row indices a <tbody> may start at: no rowspan crosses them."""
    open_until = 0
    cuts = []
    for i, row in enumerate(rows):
        if i > 0 and i >= open_until:
            cuts.append(i)
        for c in row:
            open_until = max(open_until, i + c.rowspan)
    return cuts


def body_parts(meta: gen.Meta, rng: random.Random) -> dict[str, list[str]]:
    """The text of sections 一, 五, 六."""
    intro = [gen._fill(t, rng, meta) for t in rng.sample(gen._INTRO, 3)]
    problems = [gen._fill(t, rng, meta) for t in gen._PROBLEMS[: rng.randint(1, 3)]]
    return {"一": intro, "五": problems, "六": [gen._fill(rng.choice(gen._OTHER), rng, meta)]}


HEADINGS = {
    "一": "一、总体情况",
    "二": "二、主动公开政府信息情况",
    "三": "三、收到和处理政府信息公开申请情况",
    "四": "四、政府信息公开行政复议、行政诉讼情况",
    "五": "五、存在的主要问题及改进情况",
    "六": "六、其他需要报告的事项",
}


def render_html(values: dict[str, Any], meta: gen.Meta, template: str, s: Style, rng: random.Random) -> bytes:
    """A saved web page (CMS article or Word "Save as Web Page"), encoded as the style says."""
    grids = section_grids(values, template, s, rng)
    texts = body_parts(meta, rng)
    title = f"{meta.agency}{meta.year}年政府信息公开工作年度报告"
    word = s.producer in ("word_html", "mht")
    charset = "gb2312" if s.encoding == "gbk" else "utf-8"
    out: list[str] = []
    if word:
        out.append(WORD_HEAD.format(charset=charset, title=title))
        para = "<p class=MsoNormal style='text-indent:32.0pt;mso-char-indent-count:2.0'><span style='font-family:仿宋_GB2312'>{}<o:p></o:p></span></p>"
        out.append(
            f"<p class=MsoNormal align=center style='text-align:center'><b><span style='font-size:22.0pt'>{title}<o:p></o:p></span></b></p>"
        )
    else:
        site = meta.place
        date_line = f"发布时间：{meta.published}　" if meta.published else ""
        out.append(CMS_HEAD.format(charset=charset, title=title, site=site, date_line=date_line))
        if s.layout_tables:
            out.append(
                '<table width="980" border="0" align="center"><tr><td class="left" width="200">'
                '<a href="/">信息公开指南</a><br><a href="/">信息公开目录</a></td><td class="bt_content">'
            )
        out.append('<div class="TRS_Editor">' if s.wrapper == "TRS_Editor" else '<div id="zoom">')
        para = '<p style="text-indent:2em">{}</p>'
    for num, heading in HEADINGS.items():
        if num not in texts and s.title_rows:
            heading_in_table = True
        else:
            heading_in_table = False
        if not heading_in_table and not (s.caption and num not in texts):
            out.append(para.format(("<b>" if word else "<strong>") + heading + ("</b>" if word else "</strong>")))
        if num in texts:
            out.extend(para.format("\u3000\u3000" + t if not word else t) for t in texts[num])
            continue
        gs = grids[num]
        if num == "三" and s.header_table and gs[0].header_rows:
            gs = [*cut(gs[0], gs[0].header_rows, repeat_header=False), *gs[1:]]
        for i, g in enumerate(gs):
            out.append(html_table(g, s, rng, caption=heading if s.caption and i == 0 else ""))
            if word:
                out.append("<p class=MsoNormal><span lang=EN-US><o:p>&nbsp;</o:p></span></p>")
    sig = [meta.agency]
    if meta.published:
        y, m, d = meta.published.split("-")
        sig.append(f"{y}年{int(m)}月{int(d)}日")
    if s.signature == "table":
        out.append('<table border="0" align="right">' + "".join(f"<tr><td>{t}</td></tr>" for t in sig) + "</table>")
    else:
        out.extend(para.format(t).replace("text-indent:2em", "text-align:right") for t in sig)
    if word:
        out.append("</div></body></html>")
    else:
        out.append("</div>")
        if s.layout_tables:
            out.append("</td></tr></table>")
        out.append(CMS_FOOT.format(site=meta.place))
    text = "\n".join(out)
    data = text.encode("gbk" if s.encoding == "gbk" else "utf-8", errors="xmlcharrefreplace")
    if s.producer == "mht":
        return mhtml(data, charset)
    return data


def mhtml(page: bytes, charset: str) -> bytes:
    """Word's single-file web page: a multipart/related MIME archive with the page quoted-printable."""
    msg = MIMEMultipart("related", type="text/html", boundary="----=_NextPart_01DB2E7A.5F3C8B20")
    msg["MIME-Version"] = "1.0"
    from email.charset import QP, Charset

    cs = Charset("gbk" if charset == "gb2312" else "utf-8")
    cs.body_encoding = QP
    part = MIMEText(page.decode("gbk" if charset == "gb2312" else "utf-8"), "html", cs)
    part["Content-Location"] = "file:///C:/report.htm"
    msg.attach(part)
    return msg.as_bytes()


# ---------------------------------------------------------------- DOCX


def render_docx(values: dict[str, Any], meta: gen.Meta, template: str, s: Style, rng: random.Random) -> bytes:
    """A DOCX built with python-docx's document model (no generate.py XML), knobs from the style."""
    import docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    grids = section_grids(values, template, s, rng)
    texts = body_parts(meta, rng)
    d = docx.Document()
    if s.auto_numbering:
        # the list the section headings are numbered by: 一、二、… (Chinese counting, then 、)
        numbering = d.part.numbering_part.element
        from docx.oxml import parse_xml
        from docx.oxml.ns import nsdecls

        numbering.insert(
            0,
            parse_xml(
                f'<w:abstractNum {nsdecls("w")} w:abstractNumId="70"><w:lvl w:ilvl="0"><w:start w:val="1"/>'
                '<w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/><w:suff w:val="nothing"/>'
                "</w:lvl></w:abstractNum>"
            ),
        )
        numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="7"><w:abstractNumId w:val="70"/></w:num>'))
        d.styles.element.append(
            parse_xml(
                f'<w:style {nsdecls("w")} w:type="paragraph" w:customStyle="1" w:styleId="ReportHeading">'
                '<w:name w:val="ReportHeading"/><w:basedOn w:val="Normal"/>'
                '<w:pPr><w:numPr><w:numId w:val="7"/></w:numPr></w:pPr></w:style>'
            )
        )
    d.add_paragraph(f"{meta.agency}{meta.year}年政府信息公开工作年度报告")

    def add_table(container: Any, g: Grid) -> Any:
        pos = dense(g)
        t = container.add_table(rows=len(pos), cols=len(pos[0]))
        t.style = "Table Grid"
        for r, row in enumerate(pos):
            if r < g.header_rows and s.tbl_header:
                tr_pr = t.rows[r]._tr.get_or_add_trPr()
                el = OxmlElement("w:tblHeader")
                tr_pr.append(el)
            for k, p in enumerate(row):
                if p is None or not p[1]:
                    continue
                c = p[0]
                cell = t.cell(r, k)
                if c.rowspan > 1 or c.colspan > 1:
                    cell = cell.merge(t.cell(r + c.rowspan - 1, k + c.colspan - 1))
                lines = [c.text]
                if s.multi_para and c.vertical and not s.text_direction:
                    lines = list(c.text) or [""]
                elif s.multi_para and not c.value and len(c.text) >= 6:
                    k2 = len(c.text) // 2
                    lines = [c.text[:k2], c.text[k2:]]
                if s.fields and c.value and c.text and k == len(row) - 1:
                    _formula_field(cell.paragraphs[0], c.text, rng)
                else:
                    cell.paragraphs[0].text = lines[0]
                for extra in lines[1:]:
                    cell.add_paragraph(extra)
                if c.vertical and s.text_direction:
                    tc_pr = cell._tc.get_or_add_tcPr()
                    td = OxmlElement("w:textDirection")
                    td.set(qn("w:val"), s.text_direction)
                    tc_pr.append(td)
        return t

    for num, heading in HEADINGS.items():
        if num in texts or not s.title_rows:
            if s.auto_numbering:
                # Word's automatic list numbering prints 一、; the paragraph's text has no numeral
                p = d.add_paragraph(heading.split("、", 1)[1])
                if s.auto_numbering == "style":  # a heading style that numbers its paragraphs
                    p.style = d.styles["ReportHeading"]
                else:
                    num_pr = OxmlElement("w:numPr")
                    for tag, val in (("w:ilvl", "0"), ("w:numId", "7")):
                        el = OxmlElement(tag)
                        el.set(qn("w:val"), val)
                        num_pr.append(el)
                    p._p.get_or_add_pPr().append(num_pr)
            else:
                d.add_paragraph(heading)
        if num in texts:
            for t in texts[num]:
                d.add_paragraph("\u3000\u3000" + t)
            continue
        for g in grids[num]:
            if num == "三" and s.nested:
                frame = d.add_table(rows=1, cols=1)
                add_table(frame.cell(0, 0), g)
            else:
                add_table(d, g)
    sig = [meta.agency]
    if meta.published:
        y, m, dd = meta.published.split("-")
        sig.append(f"{y}年{int(m)}月{int(dd)}日")
    if s.signature == "table":
        d.add_paragraph("")
        t = d.add_table(rows=len(sig), cols=1)
        for i, text in enumerate(sig):
            t.cell(i, 0).paragraphs[0].text = text
    elif s.signature == "box":
        _text_box(d.add_paragraph(""), sig)
    else:
        for text in sig:
            d.add_paragraph(text)
    buf = io.BytesIO()
    d.save(buf)
    return gen._frozen_zip(buf.getvalue())


def _text_box(paragraph: Any, lines: list[str]) -> None:
    """A floating text box (as WPS and Word draw a signature block) holding the lines."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    paras = "".join(f"<w:p><w:r><w:t>{t}</w:t></w:r></w:p>" for t in lines)
    xml = (
        f'<w:r {nsdecls("w", "wp", "a")} xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"'
        ' xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"><mc:AlternateContent>'
        '<mc:Choice Requires="wps"><w:drawing><wp:anchor distT="0" distB="0" distL="0" distR="0" simplePos="0"'
        ' relativeHeight="1" behindDoc="0" locked="0" layoutInCell="1" allowOverlap="1"><wp:simplePos x="0" y="0"/>'
        '<wp:positionH relativeFrom="column"><wp:posOffset>3000000</wp:posOffset></wp:positionH>'
        '<wp:positionV relativeFrom="paragraph"><wp:posOffset>0</wp:posOffset></wp:positionV>'
        '<wp:extent cx="2400000" cy="600000"/><wp:wrapNone/><wp:docPr id="9" name="Text Box 9"/>'
        '<a:graphic><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
        f"<wps:wsp><wps:txbx><w:txbxContent>{paras}</w:txbxContent></wps:txbx><wps:bodyPr/></wps:wsp>"
        "</a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice></mc:AlternateContent></w:r>"
    )
    paragraph._p.append(parse_xml(xml))


def _formula_field(paragraph: Any, result: str, rng: random.Random) -> None:
    """A Word formula field showing ``result``: simple (w:fldSimple) or complex (w:fldChar runs)."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    if rng.random() < 0.5:
        xml = f'<w:fldSimple {nsdecls("w")} w:instr=" =SUM(LEFT) "><w:r><w:t>{result}</w:t></w:r></w:fldSimple>'
        paragraph._p.append(parse_xml(xml))
        return
    for part in (
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>',
        '<w:r><w:instrText xml:space="preserve"> =SUM(LEFT) \\# "0" </w:instrText></w:r>',
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>',
        f"<w:r><w:t>{result}</w:t></w:r>",
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>',
    ):
        paragraph._p.append(parse_xml(part.replace("<w:r>", f"<w:r {nsdecls('w')}>", 1)))


def soffice_docx(page: bytes, workdir: Path) -> bytes:
    """The HTML page converted to DOCX by LibreOffice (Writer's HTML import, then its Word export)."""
    src = workdir / "page.html"
    src.write_bytes(page)
    profile = workdir / "profile"
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--infilter=HTML (StarWriter)",
         "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(workdir), str(src)],
        check=True, capture_output=True, timeout=300, env=fonts.fontconfig_env(),
    )  # fmt: skip
    return stable_docx((workdir / "page.docx").read_bytes())


def soffice_round_trip(docx_bytes: bytes, workdir: Path) -> bytes:
    """A DOCX opened and saved by LibreOffice through ODT (its own table model: merges re-derived)."""
    src = workdir / "report.docx"
    src.write_bytes(docx_bytes)
    profile = f"-env:UserInstallation=file://{workdir / 'profile'}"
    odt_dir, out_dir = workdir / "odt", workdir / "out"
    for fmt, source, dest in (("odt", src, odt_dir), ("docx:MS Word 2007 XML", odt_dir / "report.odt", out_dir)):
        subprocess.run(["soffice", profile, "--headless", "--convert-to", fmt, "--outdir", str(dest), str(source)],
                       check=True, capture_output=True, timeout=300, env=fonts.fontconfig_env())  # fmt: skip
    return stable_docx((out_dir / "report.docx").read_bytes())


def stable_docx(data: bytes) -> bytes:
    """LibreOffice's DOCX with its clock readings fixed (dates, edit time, zip timestamps): reproducible."""
    import re

    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename.startswith("docProps/"):
                text = body.decode("utf-8")
                text = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z?", "2025-01-01T00:00:00Z", text)
                text = re.sub(r"<TotalTime>\d+</TotalTime>", "<TotalTime>0</TotalTime>", text)
                text = re.sub(r"<cp:revision>\d+</cp:revision>", "<cp:revision>1</cp:revision>", text)
                body = text.encode("utf-8")
            fixed = zipfile.ZipInfo(info.filename, date_time=(2000, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, body)
    return buf.getvalue()


# ---------------------------------------------------------------- one report


def draw_report(
    rng: random.Random, template: str, producer: str, error: str | None = None,
    style: Style | None = None, collapse: bool | None = None,
) -> tuple[dict[str, Any], dict[str, Any], gen.Meta, Style, str]:  # fmt: skip
    """One report's values (as printed), truth, metadata, style and injected error, drawn from rng."""
    if collapse is None:
        collapse = template == "2019" or rng.random() < 0.3
    values = gen.random_values(rng, template, error=None, collapse_other=collapse)
    change = gen.inject_error(rng, values, error) if error else ""
    meta = gen.random_meta(rng, template)
    s = style or random_style(rng, producer)
    s.producer = producer
    truth = copy.deepcopy(values)
    if s.blank == "0":
        # Zeros print as 0: the truth of a blank is 0 then.
        unprinted = gen._null_rows(truth)
        for tname in ("active_disclosure", "applications", "review_litigation", "applications_group_totals"):
            for rid, row in (truth.get(tname) or {}).items():
                for k in row:
                    if row[k] is None and not (tname == "applications" and rid in unprinted):
                        row[k] = 0
    values = truth
    return values, printed_truth(values, s), meta, s, change


def make_one(
    rng: random.Random, out_dir: Path, name: str, template: str, producer: str, error: str | None = None,
    style: Style | None = None, collapse: bool | None = None,
) -> tuple[Path, Path]:  # fmt: skip
    """One report by one producer: the file and NAME.expected.json."""
    values, truth, meta, s, change = draw_report(rng, template, producer, error, style, collapse)
    draw = random.Random(rng.randint(0, 2**31))
    _BLANK_RNG.seed(draw.random())
    out_dir.mkdir(parents=True, exist_ok=True)
    if producer.startswith("docx"):
        path = out_dir / f"{name}.docx"
        if producer == "docx_plain":
            data = render_docx(values, meta, template, s, draw)
        elif producer == "docx_odt":
            with tempfile.TemporaryDirectory() as tmp:
                data = soffice_round_trip(render_docx(values, meta, template, s, draw), Path(tmp))
        else:
            with tempfile.TemporaryDirectory() as tmp:
                page = render_html(values, meta, template, dataclasses.replace(s, producer="word_html"), draw)
                data = soffice_docx(page, Path(tmp))
    else:
        path = out_dir / f"{name}.{'mht' if producer == 'mht' else 'html'}"
        data = render_html(values, meta, template, s, draw)
    path.write_bytes(data)
    knobs = {k: val for k, val in asdict(s).items() if asdict(Style())[k] != val}
    note = f"make_producers.py {producer}; style {knobs}" + (f"; injected error {change}" if change else "")
    exp = gen.write_expected(truth, meta, out_dir / f"{name}.expected.json", gen.failing_checks(truth), note,
                             template, source=path.name)  # fmt: skip
    return path, exp


def generate(out_dir: Path, count: int, seed: int, template: str, errors: int) -> list[tuple[Path, Path]]:
    rng = random.Random(seed)
    made = []
    for i in range(count):
        tpl = template if template != "mixed" else ("2019" if i % 3 == 2 else "2021")
        producer = PRODUCERS[i % len(PRODUCERS)]
        err = "random" if i < errors else None
        name = f"prod_{producer}{tpl}_s{seed}_{i:03d}" + ("_err" if err else "")
        made.append(make_one(rng, out_dir, name, tpl, producer, err))
    return made


# name -> (subdir, template, producer, error, collapse, style overrides): the committed examples.
EXAMPLES: dict[str, tuple[str, str, str, str | None, bool, dict[str, Any]]] = {
    "prod2021_cms_thead_split": ("html", "2021", "cms", None, False,
                                 dict(th=True, thead=True, tbodies=True, split_apps=2, label_break="p",
                                      spaces=True, span_numbers=True, encoding="gbk", thousands=True,
                                      split_review=True, review_rows=False, layout_tables=True, th_labels=True,
                                      signature="table")),
    "prod2021_word_html_unmerged": ("html", "2021", "word_html", "leaf", True,
                                    dict(merged=False, typos=True, blank="—", fee_decimals=True,
                                         writing_mode=True, split_active=True, review_rows=True, split_review=False)),
    "prod2019_mht": ("html", "2019", "mht", None, True,
                     dict(header_table=True, blank="/", fullwidth=True, caption=True, title_rows=False,
                          label_break="br_each", header_words=True)),
    "prod2021_docx_unmerged_vertical": ("docx", "2021", "docx_plain", "row_total", False,
                                        dict(merged=False, text_direction="tbRlV", multi_para=True,
                                             tbl_header=True, split_apps=1, thousands=True, fee_decimals=True, fields=True)),
    "prod2021_docx_nested": ("docx", "2021", "docx_plain", None, True,
                             dict(nested=True, text_direction="btLr", typos=True, blank="0", fullwidth=True,
                                  split_review=True, review_rows=False, auto_numbering="style", signature="box")),
    "prod2019_docx_soffice": ("docx", "2019", "docx_soffice", "review_total", True,
                              dict(split_apps=2, label_break="br", span_numbers=True, blank="—", cut_blank=True)),
    "prod2021_cms_pdf2word_repeated_header": ("html", "2021", "cms", None, False,
                                              dict(spurious=2, split_apps=2, title_rows=True, excel=True,
                                                   note="bottom", numbering="fullstop", merged=True)),
    "prod2019_docx_odt_glued": ("docx", "2019", "docx_odt", None, True,
                                dict(title_rows=True, nested=False, review_rows=True, split_review=False,
                                     merged=False, mixed_blanks=True)),
}  # fmt: skip


def write_examples(root: Path, seed: int = 2025) -> list[tuple[Path, Path]]:
    rng = random.Random(seed)
    made = []
    for name, (sub, tpl, producer, err, collapse, over) in EXAMPLES.items():
        s = random_style(rng, producer)
        for k, val in over.items():
            setattr(s, k, val)
        made.append(make_one(rng, root / sub, name, tpl, producer, err, style=s, collapse=collapse))
    return made


def main(argv: list[str] | None = None) -> int:
    ap = gen.generation_parser(__doc__, count=10, template="mixed")
    ap.add_argument("--examples", action="store_true", help="write the committed examples under OUT/docx and OUT/html")
    args = gen.parse_generation_args(ap, argv)
    made = write_examples(Path(args.out)) if args.examples else generate(
        Path(args.out), args.count, args.seed, args.template, args.errors)  # fmt: skip
    for path, _ in made:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
