"""Make OFD reports (GB/T 33190) with known values, plus their expected JSON, without any converter.

The reports are :mod:`samples.generate`'s (values, agency, layout knobs, the same blocks the DOCX
writer prints: :func:`samples.generate.report_parts`), laid out here on A4 pages in millimetres: body
lines wrapped at the margins with a page number at the foot, tables drawn cell by cell from their
``TableSpec`` (merged cells as one box, rows that do not fit carried to the next page, a merged cell cut
by the break drawn on both pages with its text on the larger piece). What varies per report
(:class:`OfdStyle`):

- ``text``: ``run`` (one TextObject per line, one TextCode with ``DeltaX``, ``g`` runs for equal
  advances) or ``char`` (one TextCode with its own X/Y per char);
- ``rulings``: ``lines`` (one stroked PathObject per cell edge, its width and colour from a
  ``DrawParam``), ``boxes`` (one closed path per cell) or ``fills`` (thin filled rectangles);
- ``rotated``: vertical headers (结果维持 …, 自然人, 总计, 三、本年度办理结果) turned by a CTM, read bottom to top;
- ``scaled``: text objects drawn at twice the size under a CTM of one half;
- ``spacer_mm``: blank space after section 一, which moves the page breaks through the tables;
- ``template``: every page drawn over a template page (a header line and rule), the draw parameters in
  ``DocumentRes`` instead of ``PublicRes``, and parts named by absolute paths (``/Doc_0/...``).

CLI::

    python -m samples.make_ofd --out DIR --count N --seed S [--template 2021|2019|mixed] [--errors K]
    python -m samples.make_ofd --out samples/ofd --examples   # the committed examples
"""

from __future__ import annotations

import io
import random
import sys
import unicodedata
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from samples import generate as gen

NS = "http://www.ofdspec.org/2016"
PAGE_W, PAGE_H = 210.0, 297.0  # A4, mm
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 25.0, 25.0, 25.0
PT = 25.4 / 72.0  # mm per point
LEADING = 1.5  # body line height in font sizes
CELL_LEADING = 1.3  # cell line height in font sizes
PAD = 1.2  # mm of padding inside a cell
GAP = 2.0  # mm above and below a table
RULE = 0.25  # mm: stroke width, and the thickness of a filled rule
TEXTS = ("run", "char")
RULINGS = ("lines", "boxes", "fills")
ROTATED_LABELS = {*gen.REVIEW_FIELD_LABELS, "自然人", "总计", "三、本年度办理结果"}


@dataclass(frozen=True)
class OfdStyle:
    """The OFD-only variations of one report."""

    text: str = "run"
    rulings: str = "lines"
    rotated: bool = False
    scaled: bool = False
    spacer_mm: float = 0.0
    template: bool = False  # a template page (header rule and text) under every page, draw params in DocumentRes, absolute part paths

    def validated(self) -> OfdStyle:
        """Return self, or raise ValueError naming the first setting out of range."""
        if self.text not in TEXTS:
            raise ValueError(f"text must be one of {TEXTS}, not {self.text!r}")
        if self.rulings not in RULINGS:
            raise ValueError(f"rulings must be one of {RULINGS}, not {self.rulings!r}")
        if not 0 <= self.spacer_mm <= PAGE_H - MARGIN_TOP - MARGIN_BOTTOM:
            raise ValueError("spacer_mm must fit on a page")
        return self


def random_style(rng: random.Random) -> OfdStyle:
    """A random set of OFD variations."""
    return OfdStyle(
        text=rng.choice(TEXTS),
        rulings=rng.choice(RULINGS),
        rotated=rng.random() < 0.3,
        scaled=rng.random() < 0.3,
        spacer_mm=round(rng.choice([0.0, rng.uniform(20.0, 200.0)]), 1),
        template=rng.random() < 0.3,
    )


def advance(ch: str) -> float:
    """A glyph's advance in ems: 1 for CJK and full-width, 0.5 otherwise (what the reader assumes too)."""
    return 1.0 if unicodedata.east_asian_width(ch) in ("W", "F") else 0.5


def wrap(text: str, width: float, size: float) -> list[str]:
    """Text broken into lines no wider than width (mm) at font size size (mm), anywhere (CJK)."""
    lines: list[str] = []
    cur, used = "", 0.0
    for ch in text:
        w = advance(ch) * size
        if cur and used + w > width + 1e-6:
            lines.append(cur)
            cur, used = "", 0.0
        cur += ch
        used += w
    return [*lines, cur]


def num(v: float) -> str:
    """A number as OFD prints it (3 decimals, no trailing zeros)."""
    return f"{v:.3f}".rstrip("0").rstrip(".") or "0"


def delta_list(advances: list[float]) -> str:
    """A DeltaX list with ``g K v`` for runs of equal advances."""
    out: list[str] = []
    k = 0
    while k < len(advances):
        j = k
        while j < len(advances) and abs(advances[j] - advances[k]) < 1e-9:
            j += 1
        out += ["g", str(j - k), num(advances[k])] if j - k > 1 else [num(advances[k])]
        k = j
    return " ".join(out)


@dataclass
class Writer:
    """Pages of OFD objects (XML strings) being laid out, with the running position on the current page."""

    style: OfdStyle
    font_id: int = 2
    pages: list[list[str]] = field(default_factory=list)
    y: float = MARGIN_TOP
    next_id: int = 10
    on: int = -1  # the page objects are drawn on (a table cut by a break goes back to its first page)

    def new_id(self) -> int:
        """A fresh object ID."""
        self.next_id += 1
        return self.next_id

    def new_page(self) -> None:
        """Start a page (its number printed at the foot)."""
        self.pages.append([])
        self.on = len(self.pages) - 1
        self.y = MARGIN_TOP
        label = f"- {len(self.pages)} -"
        size = 10.5 * PT
        width = sum(advance(c) for c in label) * size
        self.text((PAGE_W - width) / 2, PAGE_H - MARGIN_BOTTOM / 2, label, size)

    def room(self, height: float) -> None:
        """Go to a new page unless height (mm) still fits on this one."""
        if not self.pages or self.y + height > PAGE_H - MARGIN_BOTTOM:
            self.new_page()

    def text(self, x: float, baseline: float, text: str, size: float, bold: bool = False) -> None:
        """One line of upright text whose first glyph starts at x on the baseline (mm)."""
        weight = ' Weight="700"' if bold else ""
        k = 2.0 if self.style.scaled else 1.0  # drawn k times larger under a CTM of 1/k
        ctm = f' CTM="{num(1 / k)} 0 0 {num(1 / k)} 0 0"' if self.style.scaled else ""
        width = sum(advance(c) for c in text) * size
        top = baseline - size
        head = (
            f'<ofd:TextObject ID="{self.new_id()}" Boundary="{num(x)} {num(top)} {num(width + size)} {num(1.3 * size)}" '
            f'Font="{self.font_id}" Size="{num(size * k)}"{weight}{ctm}><ofd:FillColor Value="0 0 0"/>'
        )
        if self.style.text == "run":
            adv = [advance(c) * size * k for c in text[:-1]]
            dx = f' DeltaX="{delta_list(adv)}"' if adv else ""
            codes = f'<ofd:TextCode X="0" Y="{num(size * k)}"{dx}>{escape(text)}</ofd:TextCode>'
        else:
            codes, off = "", 0.0
            for c in text:
                if c.strip():
                    codes += f'<ofd:TextCode X="{num(off * k)}" Y="{num(size * k)}">{escape(c)}</ofd:TextCode>'
                off += advance(c) * size
        if codes:
            self.pages[self.on].append(head + codes + "</ofd:TextObject>")

    def rotated(self, cell: tuple[float, float, float, float], text: str, size: float) -> None:
        """Text turned 90 degrees counter-clockwise (read bottom to top), centred in the cell (mm)."""
        x0, y0, x1, y1 = cell
        length = len(text) * size
        e, f = (x1 - x0) / 2 + (0.5 - 0.12) * size, (y1 - y0) / 2 + length / 2
        adv = delta_list([size] * (len(text) - 1))
        self.pages[self.on].append(
            f'<ofd:TextObject ID="{self.new_id()}" Boundary="{num(x0)} {num(y0)} {num(x1 - x0)} {num(y1 - y0)}" '
            f'Font="{self.font_id}" Size="{num(size)}" CTM="0 -1 1 0 {num(e)} {num(f)}">'
            f'<ofd:TextCode X="0" Y="0" DeltaX="{adv}">{escape(text)}</ofd:TextCode></ofd:TextObject>'
        )

    def rule(self, x0: float, y0: float, x1: float, y1: float) -> None:
        """One cell edge (horizontal or vertical) as the style draws rulings."""
        w, h = x1 - x0, y1 - y0
        if self.style.rulings == "fills":
            w, h = max(w, RULE), max(h, RULE)
            data = f"M 0 0 L {num(w)} 0 L {num(w)} {num(h)} L 0 {num(h)} C"
            attrs = 'Stroke="false" Fill="true"'
            kids = '<ofd:FillColor Value="0 0 0"/>'
        else:
            data = f"M 0 0 L {num(w)} {num(h)}"
            attrs, kids = 'DrawParam="3"', ""
        self.pages[self.on].append(
            f'<ofd:PathObject ID="{self.new_id()}" Boundary="{num(x0)} {num(y0)} {num(max(w, RULE))} {num(max(h, RULE))}" '
            f"{attrs}>{kids}<ofd:AbbreviatedData>{data}</ofd:AbbreviatedData></ofd:PathObject>"
        )

    def box(self, x0: float, y0: float, x1: float, y1: float) -> None:
        """A cell's four edges: one closed path (``boxes``) or four rules."""
        if self.style.rulings == "boxes":
            w, h = x1 - x0, y1 - y0
            self.pages[self.on].append(
                f'<ofd:PathObject ID="{self.new_id()}" Boundary="{num(x0)} {num(y0)} {num(w)} {num(h)}" LineWidth="{RULE}">'
                f'<ofd:StrokeColor Value="0 0 0"/><ofd:AbbreviatedData>M 0 0 L {num(w)} 0 L {num(w)} {num(h)} '
                f"L 0 {num(h)} C</ofd:AbbreviatedData></ofd:PathObject>"
            )
            return
        for edge in ((x0, y0, x1, y0), (x0, y1, x1, y1), (x0, y0, x0, y1), (x1, y0, x1, y1)):
            self.rule(*edge)


def paragraph(w: Writer, part: gen.Part, layout: gen.Layout) -> None:
    """A body paragraph, heading, title or signature line, wrapped at the margins."""
    size = (layout.body_size + (4.0 if part.bold and part.align == "center" else 0.0)) * PT
    width = PAGE_W - 2 * MARGIN_X
    lines = [ln for piece in part.text.split("\n") for ln in wrap(piece, width, size)]
    for line in lines:
        w.room(LEADING * size)
        used = sum(advance(c) for c in line) * size
        x = {"left": MARGIN_X, "center": (PAGE_W - used) / 2, "right": PAGE_W - MARGIN_X - used}[part.align]
        if line.strip():
            w.text(x, w.y + size, line, size, part.bold)
        w.y += LEADING * size


def is_rotated(region: gen.Region, style: OfdStyle) -> bool:
    """Whether a region's text is drawn turned (a vertical header, when the style turns them)."""
    return style.rotated and region.text.replace("\n", "") in ROTATED_LABELS


def row_heights(spec: gen.TableSpec, widths: list[float], size: float, style: OfdStyle) -> list[float]:
    """Row heights (mm) that hold every cell's text; a merged cell's extra need goes to its last row."""
    line_h = CELL_LEADING * size
    heights = [line_h + 2 * PAD] * spec.n_rows

    def need(r: gen.Region) -> float:
        if is_rotated(r, style):
            return len(r.text.replace("\n", "")) * size + 2 * PAD
        width = sum(widths[r.col : r.col + r.colspan]) - 2 * PAD
        return sum(len(wrap(t, width, size)) for t in r.text.split("\n")) * line_h + 2 * PAD

    for r in sorted(spec.regions, key=lambda r: r.rowspan):
        have = sum(heights[r.row : r.row + r.rowspan])
        if need(r) > have:
            heights[r.row + r.rowspan - 1] += need(r) - have
    return heights


def cell_text(w: Writer, box: tuple[float, float, float, float], region: gen.Region, size: float) -> None:
    """A cell's text, centred in its box (turned when the style turns vertical headers)."""
    if is_rotated(region, w.style):
        w.rotated(box, region.text.replace("\n", ""), size)
        return
    x0, y0, x1, y1 = box
    lines = [ln for t in region.text.split("\n") for ln in wrap(t, x1 - x0 - 2 * PAD, size)]
    line_h = CELL_LEADING * size
    top = (y0 + y1) / 2 - len(lines) * line_h / 2
    for i, line in enumerate(lines):
        used = sum(advance(c) for c in line) * size
        if line.strip():
            w.text((x0 + x1) / 2 - used / 2, top + i * line_h + (line_h + size) / 2 - 0.12 * size, line, size)


def table(w: Writer, spec: gen.TableSpec, layout: gen.Layout) -> None:
    """A table drawn region by region; rows that do not fit go to the next page, cutting merged cells."""
    size = layout.table_size * PT
    widths = [cm * 10.0 for cm in gen._fit_widths(spec.widths_cm)]
    xs = [MARGIN_X + sum(widths[:i]) for i in range(len(widths) + 1)]
    heights = row_heights(spec, widths, size, w.style)
    w.room(GAP + heights[0])
    w.y += GAP
    # (page index, top) of every row
    where: list[tuple[int, float]] = []
    for h in heights:
        w.room(h)
        where.append((len(w.pages) - 1, w.y))
        w.y += h
    for region in spec.regions:
        rows = range(region.row, region.row + region.rowspan)
        pieces: dict[int, list[float]] = {}
        for r in rows:
            page, top = where[r]
            lo, hi = pieces.get(page, [top, top])
            pieces[page] = [min(lo, top), max(hi, top + heights[r])]
        x0, x1 = xs[region.col], xs[region.col + region.colspan]
        largest = max(pieces, key=lambda p: pieces[p][1] - pieces[p][0])
        for page, (top, bottom) in sorted(pieces.items()):
            w.on = page
            w.box(x0, top, x1, bottom)
            if page == largest and region.text.strip():
                cell_text(w, (x0, top, x1, bottom), region, size)
    w.on = len(w.pages) - 1
    w.y += GAP


TEMPLATE_ID = 5
HEADER = "政务公开"  # the template page's header text, over a rule across the text block


def page_xml(objects: list[str], template: bool = False) -> str:
    """One page's Content.xml (over the template page when asked)."""
    body = "".join(objects)
    over = f'<ofd:Template TemplateID="{TEMPLATE_ID}" ZOrder="Background"/>' if template else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="{NS}">{over}<ofd:Content>'
        f'<ofd:Layer ID="1">{body}</ofd:Layer></ofd:Content></ofd:Page>'
    )


def template_xml(style: OfdStyle) -> str:
    """The template page: a header text at the top right and a rule under it across the text block."""
    w = Writer(style, pages=[[]], on=0, next_id=900)
    size = 9.0 * PT
    w.text(PAGE_W - MARGIN_X - len(HEADER) * size, 15.0, HEADER, size)
    w.rule(MARGIN_X, 17.0, PAGE_W - MARGIN_X, 17.0)
    return page_xml(w.pages[0])


def package(pages: list[list[str]], font: str, title: str, max_id: int, style: OfdStyle) -> bytes:
    """The OFD zip: OFD.xml, Doc_0/Document.xml, Doc_0/PublicRes.xml and one Content.xml per page (and the
    template page and DocumentRes.xml with ``style.template``)."""
    head = '<?xml version="1.0" encoding="UTF-8"?>'
    root = "/Doc_0/" if style.template else ""
    page_refs = "".join(
        f'<ofd:Page ID="{i + 1000}" BaseLoc="{root}Pages/Page_{i}/Content.xml"/>' for i in range(len(pages))
    )
    draw = (
        f'<ofd:DrawParams><ofd:DrawParam ID="3" LineWidth="{RULE}"><ofd:StrokeColor Value="0 0 0"/>'
        "</ofd:DrawParam></ofd:DrawParams>"
    )
    common = "<ofd:PublicRes>PublicRes.xml</ofd:PublicRes>"
    if style.template:
        common += (
            f'<ofd:DocumentRes>DocumentRes.xml</ofd:DocumentRes><ofd:TemplatePage ID="{TEMPLATE_ID}" '
            'BaseLoc="/Doc_0/Tpls/Tpl_0/Content.xml"/>'
        )
    parts = {
        "OFD.xml": f'{head}<ofd:OFD xmlns:ofd="{NS}" Version="1.0" DocType="OFD"><ofd:DocBody><ofd:DocInfo>'
        f"<ofd:DocID>govreport-sample</ofd:DocID><ofd:Title>{escape(title)}</ofd:Title>"
        "<ofd:Creator>samples/make_ofd.py</ofd:Creator></ofd:DocInfo>"
        "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>",
        "Doc_0/Document.xml": f'{head}<ofd:Document xmlns:ofd="{NS}"><ofd:CommonData><ofd:MaxUnitID>{max_id}'
        f"</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 {num(PAGE_W)} {num(PAGE_H)}</ofd:PhysicalBox>"
        f"</ofd:PageArea>{common}</ofd:CommonData>"
        f"<ofd:Pages>{page_refs}</ofd:Pages></ofd:Document>",
        "Doc_0/PublicRes.xml": f'{head}<ofd:Res xmlns:ofd="{NS}" BaseLoc="Res"><ofd:Fonts>'
        f'<ofd:Font ID="2" FontName="{escape(font)}" FamilyName="{escape(font)}"/></ofd:Fonts>'
        f"{'' if style.template else draw}</ofd:Res>",
    }
    if style.template:
        parts["Doc_0/DocumentRes.xml"] = f'{head}<ofd:Res xmlns:ofd="{NS}" BaseLoc="Res">{draw}</ofd:Res>'
        parts["Doc_0/Tpls/Tpl_0/Content.xml"] = template_xml(style)
    for i, objects in enumerate(pages):
        parts[f"Doc_0/Pages/Page_{i}/Content.xml"] = page_xml(objects, style.template)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(
                zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0)), text.encode("utf-8"), zipfile.ZIP_DEFLATED
            )
    return buf.getvalue()


def make_ofd(
    values: dict[str, Any], meta: gen.Meta, layout: gen.Layout, style: OfdStyle, path: str | Path, seed: int = 0
) -> Path:
    """Write the report as an OFD file at path."""
    style.validated()
    w = Writer(style)
    for part in gen.report_parts(values, meta, layout, seed):
        if part.table is not None:
            table(w, part.table, layout)
        else:
            paragraph(w, part, layout)
            if part.text == "一、总体情况" and style.spacer_mm:
                w.y += style.spacer_mm
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(
        package(w.pages, layout.font, f"{meta.agency}{meta.year}年政府信息公开工作年度报告", w.next_id, style)
    )
    return out


def describe(layout: gen.Layout, style: OfdStyle) -> str:
    """A short note naming the OFD variations and the layout knobs."""
    default = asdict(OfdStyle())
    diffs = [f"{k}={v!r}" for k, v in asdict(style).items() if default[k] != v]
    return gen.describe_layout(layout).replace(
        "generated DOCX", "generated OFD (" + (", ".join(diffs) or "defaults") + ")"
    )


def generate_ofd_one(
    rng: random.Random,
    out_dir: str | Path,
    name: str,
    template: str = "2021",
    error: str | None = None,
    collapse: bool | None = None,
    layout: gen.Layout | None = None,
    style: OfdStyle | None = None,
) -> tuple[Path, Path]:
    """One random report: NAME.ofd and NAME.expected.json in out_dir (collapse/layout/style random unless given)."""
    r = gen.random_report(rng, template, error, collapse, layout)
    style = style or random_style(rng)
    out = Path(out_dir)
    ofd = make_ofd(r.values, r.meta, r.layout, style, out / f"{name}.ofd", seed=rng.randint(0, 2**31))
    note = describe(r.layout, style) + (f"; injected error {r.change}" if r.change else "")
    failing = gen.failing_checks(r.values)
    exp = gen.write_expected(r.values, r.meta, out / f"{name}.expected.json", failing, note, template, source=ofd.name)
    return ofd, exp


# name -> (template, error, collapse, layout, style): the committed examples in samples/ofd/.
EXAMPLES: dict[str, tuple[str, str | None, bool, gen.Layout, OfdStyle]] = {
    "ofd2021_runs": ("2021", None, False, gen.Layout(), OfdStyle()),
    "ofd2021_chars_split": (
        "2021",
        None,
        True,
        gen.Layout(long_intro=True, blank_text="—", header_breaks=True),
        OfdStyle(text="char", rulings="boxes", spacer_mm=40.0),
    ),
    "ofd2021_rotated_unmerged": (
        "2021",
        "row_total",
        False,
        gen.Layout(merged_header=False, merged_labels=False, split_active=True, font="仿宋_GB2312"),
        OfdStyle(rulings="fills", rotated=True, scaled=True, spacer_mm=120.0),
    ),
    "ofd2019_stacked": (
        "2019",
        None,
        True,
        gen.Layout(stacked_headers=True, procurement_unit="万元", title_style="br", blank_text="/"),
        OfdStyle(text="char", rotated=False, spacer_mm=90.0),
    ),
    "ofd2021_template": (
        "2021",
        None,
        False,
        gen.Layout(title_style="one_line", value_pad="　", date_style="chinese"),
        OfdStyle(rulings="boxes", template=True, spacer_mm=60.0),
    ),
}


def write_examples(out_dir: str | Path, seed: int = 2026) -> list[tuple[Path, Path]]:
    """The fixed set of committed examples (see :data:`EXAMPLES`)."""
    rng = random.Random(seed)
    return [
        generate_ofd_one(rng, out_dir, name, tpl, err, collapse, layout, style)
        for name, (tpl, err, collapse, layout, style) in EXAMPLES.items()
    ]


def generate(
    out_dir: str | Path, count: int, seed: int = 0, template: str = "2021", errors: int = 0
) -> list[tuple[Path, Path]]:
    """``count`` random OFD reports (the first ``errors`` with one injected error); "mixed" alternates templates."""
    rng = random.Random(seed)
    made = []
    for i in range(count):
        tpl = template if template != "mixed" else ("2019" if i % 3 == 2 else "2021")
        err = "random" if i < errors else None
        made.append(generate_ofd_one(rng, out_dir, f"ofd{tpl}_s{seed}_{i:03d}" + ("_err" if err else ""), tpl, err))
    return made


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    ap = gen.generation_parser(__doc__, count=10, template="2021")
    ap.add_argument("--examples", action="store_true", help="write the fixed committed examples instead")
    args = gen.parse_generation_args(ap, argv)
    made = (
        write_examples(args.out)
        if args.examples
        else generate(args.out, args.count, args.seed, args.template, args.errors)
    )
    for ofd, _ in made:
        print(ofd)
    return 0


if __name__ == "__main__":
    sys.exit(main())
