"""Reports published as spreadsheets (XLSX with merges, XLS, WPS .et, ODS), with known values.

The values, metadata, tables (``Grid`` of spans) and truth come from ``samples/make_producers.py``
(:func:`make_producers.draw_report`, :func:`make_producers.section_grids`) and ``samples/generate.py``;
this module only lays them into worksheets with openpyxl: the title and text as one-cell rows, each
section heading above its table, a blank row between blocks, merged ranges for spans. Knobs, drawn per
report (:class:`SheetStyle`): all on one sheet, or the text on a first sheet and the tables on a
second, or one sheet per section (the signature and date always close the last sheet); values as numbers or as printed text; the applications table's
totals as ``=SUM()`` formulas (their cached values written by LibreOffice's round trip).
LibreOffice (``soffice --convert-to``, Calc) makes the XLS, ODS and .et files from the XLSX; it writes
.et with its "MS Excel 97" filter (BIFF8 in OLE2, as WPS also reads it).

CLI::

    python -m samples.make_sheets --out DIR --count N --seed S [--template 2021|2019|mixed] [--errors K]
    python -m samples.make_sheets --out samples --examples   # the committed examples (xlsx/, xls/, ods/)
"""

from __future__ import annotations

import random
import re
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from samples import generate as gen
from samples import make_producers as mp
from samples.make_html import soffice_convert

KINDS = ("xlsx", "xlsx_calc", "xls", "et", "ods")
_PLAIN_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")


@dataclass
class SheetStyle:
    """How one workbook lays the report out."""

    sheets: str = "one"  # one | text_tables | per_section
    numbers: bool = True  # values stored as numbers (else as the printed text)
    formulas: bool = False  # applications totals as =SUM() of their row


def random_sheet_style(rng: random.Random, kind: str) -> SheetStyle:
    """Knobs drawn for one workbook (formulas only where LibreOffice writes their cached values)."""
    return SheetStyle(
        sheets=rng.choice(["one", "one", "text_tables", "per_section"]),
        numbers=rng.random() < 0.7,
        formulas=kind != "xlsx" and rng.random() < 0.5,
    )


def report_style(s: mp.Style) -> mp.Style:
    """The producer knobs a spreadsheet can show (no HTML markup, no converter damage)."""
    s.spurious = 0
    s.split_apps = 0
    s.inner_header = False
    s.header_words = False
    s.caption = False
    s.note = "none"
    return s


def cell_value(text: str, sheet_style: SheetStyle) -> Any:
    """What a cell stores: a plain number as a number when the style says so, else the text."""
    if sheet_style.numbers and _PLAIN_NUMBER.match(text):
        return float(text) if "." in text else int(text)
    return text


def sum_formula(ws: Any, row: list[Any], r: int) -> str | None:
    """=SUM() of a row's six applicant cells when it gives the row's printed total (SUM counts text and
    blanks as 0, as the checks do), else None."""
    from openpyxl.utils import get_column_letter

    nums = [c for c in row if c is not None]
    if len(nums) < 7 or not isinstance(ws.cell(r, nums[-1]).value, int):
        return None
    six, total = nums[-7:-1], nums[-1]
    if sum(v for k in six if isinstance(v := ws.cell(r, k).value, int)) != ws.cell(r, total).value:
        return None
    return f"=SUM({get_column_letter(six[0])}{r}:{get_column_letter(six[-1])}{r})"


def write_grid(ws: Any, top: int, g: mp.Grid, st: SheetStyle, formulas: bool) -> int:
    """Write a grid at row ``top`` (1-based), spans merged; return the next free row."""
    positions = mp.dense(g)
    for r, row in enumerate(positions):
        value_cols: list[Any] = []
        for k, pos in enumerate(row):
            if pos is None or not pos[1]:
                continue
            c = pos[0]
            ws.cell(top + r, k + 1, cell_value(c.text, st) if c.value else c.text)
            value_cols.append(k + 1 if c.value else None)
            if c.rowspan > 1 or c.colspan > 1:
                ws.merge_cells(
                    start_row=top + r, start_column=k + 1, end_row=top + r + c.rowspan - 1, end_column=k + c.colspan
                )
        if formulas and (f := sum_formula(ws, value_cols, top + r)):
            ws.cell(top + r, [k for k in value_cols if k][-1], f)
    return top + len(positions) + 1


def write_lines(ws: Any, top: int, lines: list[str]) -> int:
    """Write text lines one a row in column A from row ``top``; return the row after a blank one."""
    for i, line in enumerate(lines):
        ws.cell(top + i, 1, line)
    return top + len(lines) + 1


def workbook(values: dict[str, Any], meta: gen.Meta, template: str, s: mp.Style, st: SheetStyle,
             rng: random.Random) -> Any:  # fmt: skip
    """The report as an openpyxl workbook laid out as the sheet style says."""
    import openpyxl

    grids = mp.section_grids(values, template, s, rng)
    texts = mp.body_parts(meta, rng)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "报告"
    row = write_lines(ws, 1, [f"{meta.agency}{meta.year}年政府信息公开工作年度报告"])
    for num, heading in mp.HEADINGS.items():
        if num in texts:
            row = write_lines(ws, row, [heading, *texts[num]])
            continue
        if st.sheets == "per_section":
            ws = wb.create_sheet(heading[2:10])
            row = 1
        elif st.sheets == "text_tables" and ws.title == "报告":
            ws = wb.create_sheet("统计表")
            row = 1
        row = write_lines(ws, row, [heading])
        for g in grids[num]:
            row = write_grid(ws, row - 1, g, st, st.formulas and num == "三")
    sig = [meta.agency] + ([f"{int(y)}年{int(m)}月{int(d)}日" for y, m, d in [meta.published.split("-")]]
                           if meta.published else [])  # fmt: skip
    write_lines(ws, ws.max_row + 2, sig)
    return wb


def make_one(rng: random.Random, out_dir: Path, name: str, template: str, kind: str, error: str | None = None,
             st: SheetStyle | None = None, collapse: bool | None = None) -> tuple[Path, Path]:  # fmt: skip
    """One report as one workbook of the given kind: the file and NAME.expected.json."""
    values, truth, meta, s, change = mp.draw_report(rng, template, "cms", error, None, collapse)
    s = report_style(s)
    st = st or random_sheet_style(rng, kind)
    draw = random.Random(rng.randint(0, 2**31))
    mp._BLANK_RNG.seed(draw.random())
    out_dir.mkdir(parents=True, exist_ok=True)
    wb = workbook(values, meta, template, s, st, draw)
    suffix = "xlsx" if kind.startswith("xlsx") else kind
    path = out_dir / f"{name}.{suffix}"
    with tempfile.TemporaryDirectory(prefix="govreport-sheets-") as tmp:
        src = Path(tmp) / f"{name}.xlsx"
        wb.save(src)
        if kind == "xlsx":
            path.write_bytes(src.read_bytes())
        else:
            target = {"xlsx_calc": "xlsx:Calc MS Excel 2007 XML", "xls": "xls", "et": "et", "ods": "ods"}[kind]
            (out,) = soffice_convert([src], Path(tmp) / "out", target)
            path.write_bytes(out.read_bytes())
    knobs = {k: v for k, v in asdict(st).items() if asdict(SheetStyle())[k] != v}
    note = f"make_sheets.py {kind}; sheet style {knobs}; merged={s.merged} blank={s.blank!r}"
    note += f"; injected error {change}" if change else ""
    exp = gen.write_expected(truth, meta, out_dir / f"{name}.expected.json", gen.failing_checks(truth), note,
                             template, source=path.name)  # fmt: skip
    return path, exp


def generate(out_dir: Path, count: int, seed: int, template: str, errors: int) -> list[tuple[Path, Path]]:
    """count workbooks of every kind in turn, seeded."""
    rng = random.Random(seed)
    made = []
    for i in range(count):
        tpl = template if template != "mixed" else ("2019" if i % 3 == 2 else "2021")
        kind = KINDS[i % len(KINDS)]
        err = "random" if i < errors else None
        name = f"sheet_{kind}{tpl}_s{seed}_{i:03d}" + ("_err" if err else "")
        made.append(make_one(rng, out_dir, name, tpl, kind, err))
    return made


# name -> (subdir, template, kind, error, collapse, sheet style): the committed examples.
EXAMPLES: dict[str, tuple[str, str, str, str | None, bool, SheetStyle]] = {
    "sheet2021_merged": ("xlsx", "2021", "xlsx", None, False, SheetStyle("one", True, False)),
    "sheet2021_calc_formulas": ("xlsx", "2021", "xlsx_calc", "row_total", True, SheetStyle("per_section", True, True)),
    "sheet2019_xls": ("xls", "2019", "xls", None, True, SheetStyle("text_tables", False, False)),
    "sheet2021_et": ("xls", "2021", "et", None, False, SheetStyle("one", True, True)),
    "sheet2021_ods": ("ods", "2021", "ods", None, True, SheetStyle("text_tables", True, True)),
}


def write_examples(root: Path, seed: int = 2026) -> list[tuple[Path, Path]]:
    """The committed examples under root/xlsx, root/xls, root/ods."""
    rng = random.Random(seed)
    return [
        make_one(rng, root / sub, name, tpl, kind, err, st, collapse)
        for name, (sub, tpl, kind, err, collapse, st) in EXAMPLES.items()
    ]


def main(argv: list[str] | None = None) -> int:
    return gen.run_maker(__doc__, 10, write_examples, generate, argv)


if __name__ == "__main__":
    sys.exit(main())
