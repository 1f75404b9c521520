"""Make born-digital PDF reports with known values through producers other than LibreOffice.

The values, metadata and truth come from :mod:`samples.generate` (``random_values``, ``random_meta``,
``failing_checks``, ``write_expected``); the layout is made here, independently of ``generate.py``'s
DOCX tables: a table model of our own (``Grid``: cells with row/col spans), rendered

- as an HTML page printed to PDF by headless Chromium (Skia): CSS variants ``grid`` (1px collapsed
  borders), ``thin`` (0.5px), ``threeline`` (三线表: horizontal rules only, no vertical rules),
  ``shaded`` (grey header cells), vertical headers with ``writing-mode: vertical-rl``, header rows in a
  ``thead`` that Chromium repeats on every page of a long table, landscape pages;
- drawn cell by cell with fpdf2 (``fpdf``: one text line per ``cell``; ``fpdf_chars``: every character
  placed on its own), with ruling lines as separate strokes, page breaks inside the applications
  table (the header rows repeated after the break or not; optionally a row cut in two by the break).

Reports vary in template (2021/2019), a collapsed （六）其他处理, how a blank prints ("", "—", "/",
"-"), decimal fees, fonts (serif for 宋体/仿宋, sans for 黑体) and sizes. Everything is drawn from one
seed, so ``--seed`` reproduces the files byte for byte for fpdf (Chromium stamps its own dates).

CLI::

    python -m samples.make_pdf_producers --out DIR --count N --seed S [--producers chromium,fpdf,fpdf_chars] [--errors K]
    python -m samples.make_pdf_producers --out samples/pdf --examples   # the committed examples
"""

from __future__ import annotations

import argparse
import base64
import html
import random
import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from samples import fonts
from samples import generate as gen

PRODUCERS = ("chromium", "fpdf", "fpdf_chars")
STYLES = ("grid", "thin", "threeline", "shaded", "separate", "spacing", "dotted", "dashed", "double")
FONT_DIR = fonts.NOTO
CHROMIUM_TIMEOUT_S = 120.0
VERTICAL = {*gen.REVIEW_FIELD_LABELS, "自然人", "总计", "三、本年度办理结果"}


@dataclass
class Variant:
    """How one report is printed by a producer."""

    producer: str = "chromium"
    style: str = "grid"
    vertical: bool = False  # vertical header text (writing-mode / one character per line in fpdf)
    # chromium: how vertical text is set: upright CJK glyphs one under the other, or the line turned
    # ("sideways": read top to bottom; "rotate": a CSS transform, read bottom to top)
    orientation: str = "upright"
    rules: str = "rect"  # fpdf: cell borders as stroked rectangles, separate lines, or thin filled bars
    landscape: bool = False
    font: str = "serif"  # "serif" (宋体/仿宋-like) or "sans" (黑体-like)
    table_pt: float = 10.5
    body_pt: float = 14.0
    blank_text: str = ""
    thead: bool = True  # header rows repeated on every page of a broken table
    intro_paragraphs: int = 3  # moves the tables down the pages, so breaks fall in different rows
    cut_row: bool = False  # fpdf: the row at the page break is drawn half on each page
    bold: bool = True  # headings and title in bold (Skia draws a synthetic bold as Type 3 glyphs)
    truetype: bool = False  # chromium: the font given as a TrueType subset (embedded as a CID font, as
    # Windows' SimSun/FangSong are) instead of the system's CFF Noto CJK (which Skia embeds as Type 3)
    note: str = field(default="")

    def describe(self) -> str:
        default = asdict(Variant(producer=self.producer))
        diffs = [f"{k}={v!r}" for k, v in asdict(self).items() if k != "note" and default[k] != v]
        return f"{self.producer} PDF; " + (", ".join(diffs) if diffs else "defaults")


def random_variant(rng: random.Random, producer: str) -> Variant:
    return Variant(
        producer=producer,
        style=rng.choice(STYLES) if producer == "chromium" else rng.choice(["grid", "grid", "thin"]),
        vertical=rng.random() < 0.4,
        orientation=rng.choice(["upright", "upright", "sideways", "rotate"]) if producer == "chromium" else "upright",
        rules=rng.choice(["rect", "lines", "fills"]) if producer != "chromium" else "rect",
        landscape=producer == "chromium" and rng.random() < 0.2,
        font=rng.choice(["serif", "serif", "sans"]),
        table_pt=rng.choice([9.0, 10.0, 10.5, 12.0]),
        body_pt=rng.choice([12.0, 14.0, 16.0]),
        blank_text=rng.choice(["", "", "—", "/", "-"]),
        thead=rng.random() < 0.7,
        intro_paragraphs=rng.randint(1, 9),
        cut_row=producer != "chromium" and rng.random() < 0.4,
        truetype=producer == "chromium" and rng.random() < 0.5,
        bold=rng.random() < 0.7,
    )


# ---------------------------------------------------------------- a table model of our own


@dataclass
class Cell:
    row: int
    col: int
    text: str
    rowspan: int = 1
    colspan: int = 1
    header: bool = False


@dataclass
class Grid:
    widths: list[float]  # relative column widths
    cells: list[Cell] = field(default_factory=list)
    header_rows: int = 0

    def add(self, row: int, col: int, text: str, rowspan: int = 1, colspan: int = 1, header: bool = False) -> None:
        self.cells.append(Cell(row, col, text, rowspan, colspan, header))

    @property
    def n_rows(self) -> int:
        return max((c.row + c.rowspan for c in self.cells), default=0)


def _v(v: Any, variant: Variant) -> str:
    return variant.blank_text if v is None else str(v)


def active_grid(values: dict[str, Any], variant: Variant, template: str) -> Grid:
    """Section 二 as one 4-column table, one header row per 第二十条 item."""
    a = values["active_disclosure"]
    if template == "2021":
        items = [
            ("第二十条第（一）项", ["本年制发件数", "本年废止件数", "现行有效件数"],
             [("规章", "rules"), ("行政规范性文件", "normative_documents")], ["issued", "repealed", "in_force"]),
            ("第二十条第（五）项", ["本年处理决定数量"], [("行政许可", "administrative_licensing")], ["decisions"]),
            ("第二十条第（六）项", ["本年处理决定数量"],
             [("行政处罚", "administrative_penalty"), ("行政强制", "administrative_coercion")], ["decisions"]),
            ("第二十条第（八）项", ["本年收费金额（单位：万元）"], [("行政事业性收费", "administrative_fees")], ["amount"]),
        ]  # fmt: skip
    else:
        three = ["previous_items", "change", "decisions"]
        items = [
            ("第二十条第（一）项", ["本年新制作数量", "本年新公开数量", "对外公开总数量"],
             [("规章", "rules"), ("规范性文件", "normative_documents")], ["made", "published", "total_published"]),
            ("第二十条第（五）项", ["上一年项目数量", "本年增/减", "处理决定数量"],
             [("行政许可", "administrative_licensing"), ("其他对外管理服务事项", "other_external_management")], three),
            ("第二十条第（六）项", ["上一年项目数量", "本年增/减", "处理决定数量"],
             [("行政处罚", "administrative_penalty"), ("行政强制", "administrative_coercion")], three),
            ("第二十条第（八）项", ["上一年项目数量", "本年增/减"], [("行政事业性收费", "administrative_fees")],
             ["previous_items", "change"]),
            ("第二十条第（九）项", ["采购项目数量", "采购总金额"], [("政府集中采购", "government_procurement")],
             ["items", "amount"]),
        ]  # fmt: skip
    g = Grid([3.2, 2.4, 2.4, 2.4], header_rows=2)
    r = 0
    for title, headers, rows, fields in items:
        g.add(r, 0, title, colspan=4, header=True)
        _stretch(g, r + 1, ["信息内容", *headers], header=True)
        for i, (label, rid) in enumerate(rows):
            _stretch(g, r + 2 + i, [label, *[_v(a[rid][f], variant) for f in fields]])
        r += 2 + len(rows)
    return g


def _stretch(g: Grid, row: int, texts: list[str], header: bool = False) -> None:
    for i, t in enumerate(texts):
        g.add(row, i, t, colspan=4 - i if i == len(texts) - 1 else 1, header=header)


def applications_grid(values: dict[str, Any], variant: Variant) -> Grid:
    """Section 三: three header rows, 3 label columns and 7 value columns, group labels merged."""
    app = values["applications"]
    groups = values.get("applications_group_totals") or {}
    g = Grid([1.0, 1.3, 3.0] + [1.0] * 7, header_rows=3)
    g.add(0, 0, gen.NOTE_TEXT, rowspan=3, colspan=3, header=True)
    g.add(0, 3, "申请人情况", colspan=7, header=True)
    g.add(1, 3, "自然人", rowspan=2, header=True)
    g.add(1, 4, "法人或其他组织", colspan=5, header=True)
    g.add(1, 9, "总计", rowspan=2, header=True)
    for i, lab in enumerate(["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]):
        g.add(2, 4 + i, lab, header=True)

    def values_row(r: int, row: dict[str, Any]) -> None:
        for i, c in enumerate(gen.APP_ALL_COLUMNS):
            g.add(r, 3 + i, _v(row[c], variant))

    labels = {rid: lab for rid, lab, _ in gen.APP_ROWS}
    r = 3
    for rid in ("new_received", "carried_over"):
        g.add(r, 0, labels[rid], colspan=3)
        values_row(r, app[rid])
        r += 1
    start = r
    for rid in ("granted", "partially_granted"):
        g.add(r, 1, labels[rid], colspan=2)
        values_row(r, app[rid])
        r += 1
    for grp, rows in gen.GROUP_ROWS.items():
        if grp in groups:
            g.add(r, 1, gen.GROUP_LABELS[grp], colspan=2)
            values_row(r, groups[grp])
            r += 1
            continue
        g.add(r, 1, gen.GROUP_LABELS[grp], rowspan=len(rows))
        for rid in rows:
            g.add(r, 2, labels[rid])
            values_row(r, app[rid])
            r += 1
    g.add(r, 1, labels["total_results"], colspan=2)
    values_row(r, app["total_results"])
    r += 1
    g.add(start, 0, "三、本年度办理结果", rowspan=r - start)
    g.add(r, 0, labels["carried_forward"], colspan=3)
    values_row(r, app["carried_forward"])
    return g


def review_grid(values: dict[str, Any], variant: Variant) -> Grid:
    """Section 四: 行政复议 (5) | 行政诉讼 (未经复议直接起诉 5, 复议后起诉 5)."""
    rv = values["review_litigation"]
    g = Grid([1.0] * 15, header_rows=3)
    g.add(0, 0, "行政复议", colspan=5, header=True)
    g.add(0, 5, "行政诉讼", colspan=10, header=True)
    for i, lab in enumerate(gen.REVIEW_FIELD_LABELS):
        g.add(1, i, lab, rowspan=2, header=True)
    g.add(1, 5, "未经复议直接起诉", colspan=5, header=True)
    g.add(1, 10, "复议后起诉", colspan=5, header=True)
    for half in range(2):
        for i, lab in enumerate(gen.REVIEW_FIELD_LABELS):
            g.add(2, 5 + 5 * half + i, lab, header=True)
    for gi, grp in enumerate(gen.REVIEW_GROUPS):
        for fi, f in enumerate(gen.REVIEW_FIELDS):
            g.add(3, 5 * gi + fi, _v(rv[grp][f], variant))
    return g


def body(rng: random.Random, meta: gen.Meta, n_intro: int) -> dict[str, list[str]]:
    """The paragraphs of the six sections (the tables go after the headings of 二, 三, 四)."""
    intro = list(gen._INTRO)
    rng.shuffle(intro)
    return {
        "一、总体情况": ["　　" + gen._fill(intro[i % len(intro)], rng, meta) for i in range(n_intro)],
        "二、主动公开政府信息情况": [],
        "三、收到和处理政府信息公开申请情况": [],
        "四、政府信息公开行政复议、行政诉讼情况": [],
        "五、存在的主要问题及改进情况": ["　　" + gen._fill(t, rng, meta) for t in gen._PROBLEMS[: rng.randint(1, 3)]],
        "六、其他需要报告的事项": ["　　" + gen._fill(rng.choice(gen._OTHER), rng, meta)],
    }


def tables_for(values: dict[str, Any], variant: Variant, template: str) -> dict[str, Grid]:
    return {
        "二、主动公开政府信息情况": active_grid(values, variant, template),
        "三、收到和处理政府信息公开申请情况": applications_grid(values, variant),
        "四、政府信息公开行政复议、行政诉讼情况": review_grid(values, variant),
    }


def date_text(meta: gen.Meta) -> str | None:
    if not meta.published:
        return None
    y, m, d = meta.published.split("-")
    return f"{y}年{int(m)}月{int(d)}日"


# ---------------------------------------------------------------- Chromium (HTML print)

CSS = {
    "grid": "td,th{border:1px solid #000}",
    "thin": "td,th{border:0.5px solid #000}",
    "threeline": "table{border-top:1.5px solid #000;border-bottom:1.5px solid #000}"
    " tr.hr th,tr.hr td{border-bottom:0.75px solid #000}",  # the rule under the header rows
    "shaded": "td,th{border:1px solid #444} th{background:#d9d9d9}",
    # <table border=1> as browsers draw it: every cell boxed on its own, a gap between the boxes.
    "separate": "table{border-collapse:separate !important;border-spacing:2px;border:1px solid #000} td,th{border:1px solid #000}",
    # rules made of the table's black background showing through 1px gaps between white cells
    "spacing": "table{border-collapse:separate !important;border-spacing:1px;background:#000} td,th{background:#fff}",
    "dotted": "td,th{border:1px dotted #000}",
    "dashed": "td,th{border:1px dashed #000}",
    "double": "table{border:3px double #000} td,th{border:1px solid #000}",
}
VERTICAL_CSS = {
    "upright": " .v{writing-mode:vertical-rl;text-orientation:upright;white-space:nowrap} ",
    "sideways": " .v{writing-mode:vertical-rl;text-orientation:sideways;white-space:nowrap} ",
    "rotate": " .v{writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap} ",
}
FAMILIES = {"serif": "'FangSong','仿宋','SimSun','宋体','Noto Serif CJK SC',serif",
            "sans": "'SimHei','黑体','Noto Sans CJK SC',sans-serif"}  # fmt: skip


def grid_html(g: Grid, variant: Variant) -> str:
    rows: dict[int, list[str]] = {}
    for c in sorted(g.cells, key=lambda c: (c.row, c.col)):
        tag = "th" if c.header else "td"
        cls = ' class="v"' if variant.vertical and c.text in VERTICAL and (c.header or c.rowspan > 3) else ""
        span = (f' rowspan="{c.rowspan}"' if c.rowspan > 1 else "") + (
            f' colspan="{c.colspan}"' if c.colspan > 1 else ""
        )
        rows.setdefault(c.row, []).append(f"<{tag}{span}{cls}>{html.escape(c.text)}</{tag}>")
    total = sum(g.widths)
    cols = "".join(f'<col style="width:{100 * w / total:.2f}%">' for w in g.widths)
    last = ' class="hr"'
    head = [
        f"<tr{last if r == g.header_rows - 1 else ''}>{''.join(rows.get(r, []))}</tr>" for r in range(g.header_rows)
    ]
    rest = [f"<tr>{''.join(rows.get(r, []))}</tr>" for r in range(g.header_rows, g.n_rows)]
    if variant.thead and head:
        return f"<table><colgroup>{cols}</colgroup><thead>{''.join(head)}</thead><tbody>{''.join(rest)}</tbody></table>"
    return f"<table><colgroup>{cols}</colgroup><tbody>{''.join(head + rest)}</tbody></table>"


def report_html(
    values: dict[str, Any], meta: gen.Meta, variant: Variant, rng: random.Random, template: str, font_url: str = ""
) -> str:
    size = "A4 landscape" if variant.landscape else "A4"
    family = FAMILIES[variant.font]
    face = ""
    if font_url:
        face, family = f"@font-face{{font-family:'ReportCJK';src:url('{font_url}')}} ", "'ReportCJK'"
    css = (
        face + f"@page{{size:{size};margin:2cm 2cm}} body{{font-family:{family};font-size:{variant.body_pt}pt}}"
        f" h1{{text-align:center;font-size:{variant.body_pt + 4}pt;font-weight:{'bold' if variant.bold else 'normal'}}} p{{margin:0.3em 0}} .r{{text-align:right}}"
        f" table{{border-collapse:collapse;width:100%;font-size:{variant.table_pt}pt;margin:0.5em 0}}"
        " td,th{padding:2px 3px;text-align:center;font-weight:normal}"
        + VERTICAL_CSS[variant.orientation]
        + CSS[variant.style]
    )
    parts = [f"<h1>{html.escape(meta.agency)}<br>{meta.year}年政府信息公开工作年度报告</h1>"]
    tables = tables_for(values, variant, template)
    for heading, paras in body(rng, meta, variant.intro_paragraphs).items():
        parts.append(f"<p><b>{heading}</b></p>" if variant.bold else f"<p>{heading}</p>")
        parts += [f"<p>{html.escape(p)}</p>" for p in paras]
        if heading in tables:
            parts.append(grid_html(tables[heading], variant))
    parts.append(f'<p class="r">{html.escape(meta.agency)}</p>')
    if date_text(meta):
        parts.append(f'<p class="r">{date_text(meta)}</p>')
    return f'<!DOCTYPE html><html><head><meta charset="utf-8"><style>{css}</style></head><body>{"".join(parts)}</body></html>'


def chromium_binary() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def truetype_subset(text: str, sans: bool, path: Path) -> Path:
    """The Noto CJK SC face, cut down to the chars of ``text`` and converted to TrueType outlines."""
    from fontTools import subset
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont, newTable

    font = TTFont(FONT_DIR / ("NotoSansCJK-Regular.ttc" if sans else "NotoSerifCJK-Regular.ttc"), fontNumber=2)
    options = subset.Options()
    options.desubroutinize = True
    options.layout_features = []
    sub = subset.Subsetter(options)
    sub.populate(text="".join(sorted(set(text))) + "0123456789")
    sub.subset(font)
    order = font.getGlyphOrder()
    glyphs = font.getGlyphSet()
    quad = {}
    for name in order:
        pen = TTGlyphPen(glyphs)
        glyphs[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        quad[name] = pen.glyph()
    font["loca"] = newTable("loca")
    glyf = font["glyf"] = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = quad
    del font["CFF "]
    for t in ("VORG", "GSUB", "GPOS"):
        if t in font:
            del font[t]
    glyf.compile(font)
    for name in order:
        width, _ = font["hmtx"].metrics[name]
        font["hmtx"].metrics[name] = (width, getattr(quad[name], "xMin", 0))
    maxp = font["maxp"] = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for k in ("maxZones",):
        setattr(maxp, k, 1)
    for k in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs", "maxStackElements",
              "maxSizeOfInstructions", "maxComponentElements"):  # fmt: skip
        setattr(maxp, k, 0)
    post = font["post"]
    post.formatType, post.extraNames, post.mapping, post.glyphOrder = 2.0, [], {}, order
    font["head"].glyphDataFormat = 0
    font.sfntVersion = "\x00\x01\x00\x00"
    font.save(str(path))
    return path


def print_html(html_text: str, pdf: Path) -> None:
    binary = chromium_binary()
    if binary is None:
        raise RuntimeError("chromium is not installed")
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "report.html"
        page.write_text(html_text, encoding="utf-8")
        subprocess.run(
            [binary, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp}/profile",
             "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri()],
            check=True, capture_output=True, timeout=CHROMIUM_TIMEOUT_S, env=fonts.fontconfig_env(),
        )  # fmt: skip


# ---------------------------------------------------------------- fpdf2 (cell by cell)


def fpdf_report(
    values: dict[str, Any], meta: gen.Meta, variant: Variant, rng: random.Random, template: str, pdf: Path
) -> None:
    import fpdf
    from fpdf import FPDF

    doc = FPDF(orientation="P", unit="pt", format="A4")
    doc.set_auto_page_break(False)
    doc.set_creation_date(gen_date())
    doc.set_producer(f"fpdf2 {fpdf.__version__}")
    doc.set_creator("make_pdf_producers.py")
    font = FONT_DIR / ("NotoSerifCJK-Regular.ttc" if variant.font == "serif" else "NotoSansCJK-Regular.ttc")
    doc.add_font("cjk", "", str(font), collection_font_number=2)  # the SC face of the collection
    margin, width, bottom = 56.0, 595.28 - 112.0, 841.89 - 56.0
    doc.add_page()
    y = margin
    lw = 0.5 if variant.style == "thin" else 1.0

    def goto(page: int) -> None:
        doc.page = page
        doc.font_family = ""  # fpdf2 would not select the font again on a page it goes back to

    def text_at(x: float, y_top: float, text: str, size: float) -> None:
        doc.set_font("cjk", size=size)
        if variant.producer == "fpdf_chars":
            for ch in text:
                doc.text(x, y_top + size * 0.88, ch)
                x += doc.get_string_width(ch)
        else:
            doc.text(x, y_top + size * 0.88, text)

    def box(x0: float, top: float, x1: float, bottom: float) -> None:
        """A cell's borders: a stroked rectangle, four stroked lines, or four thin filled bars (as WPS draws)."""
        if variant.rules == "rect":
            doc.rect(x0, top, x1 - x0, bottom - top)
        elif variant.rules == "lines":
            for a, b, c, d in (
                (x0, top, x1, top),
                (x0, bottom, x1, bottom),
                (x0, top, x0, bottom),
                (x1, top, x1, bottom),
            ):
                doc.line(a, b, c, d)
        else:
            h = lw / 2
            for a, b, w, ht in ((x0 - h, top - h, x1 - x0 + lw, lw), (x0 - h, bottom - h, x1 - x0 + lw, lw),
                                (x0 - h, top - h, lw, bottom - top + lw), (x1 - h, top - h, lw, bottom - top + lw)):  # fmt: skip
                doc.rect(a, b, w, ht, style="F")

    def wrap(text: str, size: float, avail: float) -> list[str]:
        doc.set_font("cjk", size=size)
        lines, cur = [], ""
        for ch in text:
            if cur and doc.get_string_width(cur + ch) > avail:
                lines.append(cur)
                cur = ""
            cur += ch
        return [*lines, cur] if cur else lines or [""]

    def paragraph(text: str, size: float, align: str = "L") -> None:
        nonlocal y
        for line in wrap(text, size, width):
            if y + size * 1.5 > bottom:
                doc.add_page()
                y = margin
            doc.set_font("cjk", size=size)
            w = doc.get_string_width(line)
            x = margin + (width - w) / 2 if align == "C" else margin + width - w if align == "R" else margin
            text_at(x, y, line, size)
            y += size * 1.5

    def draw_table(g: Grid) -> None:
        nonlocal y
        size = variant.table_pt
        total = sum(g.widths)
        xs = [margin]
        for w in g.widths:
            xs.append(xs[-1] + width * w / total)
        # Row heights from the cells that fit one row.
        heights = [size * 1.9] * g.n_rows
        cell_lines: dict[int, list[str]] = {}
        for i, c in enumerate(g.cells):
            avail = xs[c.col + c.colspan] - xs[c.col] - 4
            if variant.vertical and c.text in VERTICAL and c.header:
                cell_lines[i] = list(c.text)
            else:
                cell_lines[i] = wrap(c.text, size, avail)
            if c.rowspan == 1:
                heights[c.row] = max(heights[c.row], len(cell_lines[i]) * size * 1.25 + 6)
        for i, c in enumerate(g.cells):  # merged cells taller than their rows stretch the last row
            need = len(cell_lines[i]) * size * 1.25 + 6
            have = sum(heights[c.row : c.row + c.rowspan])
            if need > have:
                heights[c.row + c.rowspan - 1] += need - have
        # Place rows on pages: a row that does not fit moves to the next page, or (cut_row, once per
        # table) is cut: its top part stays at the foot of the page, the rest goes on at the next page.
        tops: list[tuple[int, float]] = []  # (page, top) of each row
        cont: dict[int, tuple[int, float, float]] = {}  # cut row -> (page, top, height) of its second part
        page, top = doc.page, y
        head_h = sum(heights[: g.header_rows])
        for r in range(g.n_rows):
            repeat = head_h if g.header_rows and variant.thead and r >= g.header_rows else 0.0
            if top + heights[r] > bottom:
                if variant.cut_row and not cont and r >= g.header_rows and bottom - top > size * 1.3:
                    tops.append((page, top))
                    rest = heights[r] - (bottom - top)
                    page, top = page + 1, margin + repeat
                    cont[r] = (page, top, rest)
                    top += rest
                    continue
                page, top = page + 1, margin + repeat
            tops.append((page, top))
            top += heights[r]
        pages = sorted({p for p, _ in tops} | {p for p, _, _ in cont.values()})
        while doc.pages_count < max(pages):
            doc.add_page()
        doc.set_line_width(lw)
        for i, c in enumerate(g.cells):
            r0, r1 = c.row, c.row + c.rowspan - 1
            x0, x1 = xs[c.col], xs[c.col + c.colspan]
            segments: list[tuple[int, float, float]] = []  # (page, top, bottom) of each part of the cell
            cur_p, cur_t = tops[r0]
            cur_b = cur_t
            for r in range(r0, r1 + 1):
                p, t = tops[r]
                if p != cur_p:
                    segments.append((cur_p, cur_t, cur_b))
                    cur_p, cur_t = p, t
                if r in cont:
                    segments.append((cur_p, cur_t, bottom))
                    cur_p, cur_t, rest = cont[r]
                    cur_b = cur_t + rest
                else:
                    cur_b = t + heights[r]
            segments.append((cur_p, cur_t, cur_b))
            segments = [s for s in segments if s[2] - s[1] > 0.5]
            for sp, st, sb in segments:
                goto(sp)
                box(x0, st, x1, sb)
            # Text in the first (largest for cut rows) segment.
            sp, st, sb = max(segments, key=lambda s: s[2] - s[1])
            goto(sp)
            lines = cell_lines[i]
            line_h = size * 1.25
            ty = st + max(2.0, (sb - st - len(lines) * line_h) / 2)
            for line in lines:
                doc.set_font("cjk", size=size)
                tx = x0 + (x1 - x0 - doc.get_string_width(line)) / 2
                text_at(tx, ty, line, size)
                ty += line_h
        # Repeated header rows on continuation pages.
        if g.header_rows and variant.thead:
            for p in pages[1:]:
                if p <= tops[g.header_rows - 1][0]:
                    continue
                goto(p)
                for i, c in enumerate(g.cells):
                    if c.row >= g.header_rows:
                        continue
                    x0, x1 = xs[c.col], xs[c.col + c.colspan]
                    st = margin + sum(heights[: c.row])
                    sb = st + sum(heights[c.row : c.row + c.rowspan])
                    box(x0, st, x1, sb)
                    lines = cell_lines[i]
                    ty = st + max(2.0, (sb - st - len(lines) * size * 1.25) / 2)
                    for line in lines:
                        doc.set_font("cjk", size=size)
                        text_at(x0 + (x1 - x0 - doc.get_string_width(line)) / 2, ty, line, size)
                        ty += size * 1.25
        last = g.n_rows - 1
        end_p, end_t = (
            (cont[last][0], cont[last][1] + cont[last][2])
            if last in cont
            else (tops[last][0], tops[last][1] + heights[last])
        )
        goto(end_p)
        y = end_t + 8

    paragraph(meta.agency, variant.body_pt + 4, "C")
    paragraph(f"{meta.year}年政府信息公开工作年度报告", variant.body_pt + 4, "C")
    tables = tables_for(values, variant, template)
    for heading, paras in body(rng, meta, variant.intro_paragraphs).items():
        paragraph(heading, variant.body_pt)
        for p in paras:
            paragraph(p, variant.body_pt)
        if heading in tables:
            if y + 80 > bottom:
                doc.add_page()
                y = margin
            draw_table(tables[heading])
    paragraph(meta.agency, variant.body_pt, "R")
    if date_text(meta):
        paragraph(date_text(meta) or "", variant.body_pt, "R")
    doc.output(str(pdf))


def gen_date() -> Any:
    import datetime

    return datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)


# ---------------------------------------------------------------- one report, many reports


def make_one(
    rng: random.Random,
    out_dir: Path,
    name: str,
    producer: str,
    template: str,
    error: str | None,
    variant: Variant | None = None,
    collapse: bool | None = None,
) -> tuple[Path, Path]:
    """Write NAME.pdf and NAME.expected.json; return their paths (variant and collapse drawn when None)."""
    draw_collapse = template == "2021" and rng.random() < 0.3
    collapse = draw_collapse if collapse is None else collapse
    values = gen.random_values(rng, template, error=error, collapse_other=collapse)
    meta = gen.random_meta(rng, template)
    text_rng = random.Random(rng.random())
    drawn = random_variant(rng, producer)  # drawn last: new variant knobs leave the rest of a report alone
    variant = drawn if variant is None else variant
    out_dir.mkdir(parents=True, exist_ok=True)
    pdf = out_dir / f"{name}.pdf"
    if producer == "chromium":
        state = text_rng.getstate()
        html_text = report_html(values, meta, variant, text_rng, template)
        if variant.truetype:
            with tempfile.TemporaryDirectory() as tmp:
                font = truetype_subset(html_text, variant.font == "sans", Path(tmp) / "report.ttf")
                url = "data:font/ttf;base64," + base64.b64encode(font.read_bytes()).decode()
            text_rng.setstate(state)
            html_text = report_html(values, meta, variant, text_rng, template, font_url=url)
        print_html(html_text, pdf)
    else:
        fpdf_report(values, meta, variant, text_rng, template, pdf)
    expected = gen.write_expected(
        values, meta, out_dir / f"{name}.expected.json", gen.failing_checks(values), variant.describe(),
        template=template, source=pdf.name,
    )  # fmt: skip
    return pdf, expected


def compact(pdf: Path) -> None:
    """Rewrite the file with object streams (qpdf, when installed): same pages, a third of the size."""
    qpdf = shutil.which("qpdf")
    if qpdf is None:
        return
    tmp = pdf.with_suffix(".qpdf.pdf")
    subprocess.run(
        [qpdf, "--object-streams=generate", "--compression-level=9", "--recompress-flate", "--deterministic-id",
         str(pdf), str(tmp)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    tmp.replace(pdf)


def generate(out_dir: Path, count: int, seed: int, producers: list[str], errors: int = 0) -> list[tuple[Path, Path]]:
    """COUNT reports per producer (every fourth on the 2019 template; the first ERRORS with one error)."""
    out = []
    for producer in producers:
        rng = random.Random(f"{seed}-{producer}")
        for i in range(count):
            template = "2019" if i % 4 == 3 else "2021"
            name = f"{producer}{template}_s{seed}_{i:03d}" + ("_err" if i < errors else "")
            out.append(make_one(rng, out_dir, name, producer, template, "random" if i < errors else None))
    return out


# The committed examples (samples/pdf): hand-set variants, small files (TrueType font, no synthetic bold).
# The double-border one breaks its applications table just after the first result row, so Chromium prints
# the rest of the merged 三、本年度办理结果 cell under the page's part of the table (layout/spill.py).
EXAMPLE_SEED = 7
EXAMPLES: list[tuple[str, str, bool, str | None, Variant]] = [
    # (producer, template, collapsed （六）, error, variant)
    ("chromium", "2021", False, None, Variant("chromium", "separate", vertical=True, blank_text="—", intro_paragraphs=7,
                                              bold=False, truetype=True)),
    ("chromium", "2021", True, "random", Variant("chromium", "double", font="sans", table_pt=10.0, blank_text="/",
                                                 intro_paragraphs=4, bold=False, truetype=True)),
    ("chromium", "2019", False, None, Variant("chromium", "spacing", landscape=True, blank_text="-", thead=False,
                                              intro_paragraphs=2, bold=False, truetype=True)),
    ("chromium", "2021", False, None, Variant("chromium", "shaded", vertical=True, table_pt=12.0, intro_paragraphs=5, bold=False,
                                              truetype=True)),
    ("fpdf", "2021", False, None, Variant("fpdf", "grid", table_pt=12.0, intro_paragraphs=6, cut_row=True)),
    ("fpdf_chars", "2019", False, "random", Variant("fpdf_chars", "thin", vertical=True, font="sans", blank_text="-",
                                                    intro_paragraphs=3)),
]  # fmt: skip


def write_examples(out_dir: Path) -> list[tuple[Path, Path]]:
    """The committed examples, compacted with qpdf."""
    out = []
    counts: dict[str, int] = {}
    for producer, template, collapse, error, variant in EXAMPLES:
        i = counts[producer] = counts.get(producer, -1) + 1
        rng = random.Random(f"{EXAMPLE_SEED}-{producer}-{i}")
        name = f"{producer}{template}_s{EXAMPLE_SEED}_{i:03d}" + ("_err" if error else "")
        pdf, expected = make_one(rng, out_dir, name, producer, template, error, variant, collapse)
        compact(pdf)
        out.append((pdf, expected))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--count", type=int, default=4)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--errors", type=int, default=0)
    ap.add_argument("--producers", default=",".join(PRODUCERS))
    ap.add_argument("--examples", action="store_true", help="write the committed examples (samples/pdf)")
    args = ap.parse_args(argv)
    if args.examples:
        for pdf, _ in write_examples(args.out):
            print(pdf)
        return 0
    producers = [p for p in args.producers.split(",") if p]
    bad = [p for p in producers if p not in PRODUCERS]
    if bad:
        ap.error(f"unknown producer(s) {bad}; choose from {PRODUCERS}")
    for pdf, _ in generate(args.out, args.count, args.seed, producers, args.errors):
        print(pdf)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
