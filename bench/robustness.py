"""Robustness of layout/ and normalize/ against the damage real documents and extraction tools do.

    .venv/bin/python -m bench.robustness [--count 8] [--trials 3] [--family NAME] [--pairs 40] [--show 2]

Correct grids (the adapter's Document of generated DOCX reports, the committed HTML/PDF samples, the
five seed dumps and the two real reports) are perturbed one way at a time (and in random pairs), then
repaired (``layout.repair``) and normalised (``normalize.build``). A perturbed document passes when
its tables and metadata match the expected JSON (samples/scoring.py ``table_mismatches``) and exactly
the expected checks fail. A perturbation that legitimately changes values (a zero printed as a dash,
a group printed collapsed) updates the expected JSON accordingly, through a map from each source
cell to the field it fed in the unperturbed conversion.

Prints one line per perturbation (variant) with its family and the fraction of documents that still
convert exactly, then a line per family, then the first failures of each variant (``--show``).
"""

from __future__ import annotations

import argparse
import copy
import glob
import json
import random
import re
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import ingest
import layout
import normalize
from ingest.errors import ReportError
from ingest.grid import Block, Cell, Document, Paragraph, Table
from normalize.numbers import parse_number
from normalize.tables import classify
from samples.generate import failing_checks, generate
from samples.scoring import SHARED, failing_rules, table_mismatches

ROOT = Path(__file__).resolve().parent.parent

TAG = "#cell"  # the alternative reading that names a source cell (confidence 1.0, so never used)


# ---------------------------------------------------------------- cases


@dataclass
class Case:
    """One document to perturb: the adapter's Document, its truth, and which source cell fed which field."""

    name: str
    doc: Document
    expected: dict[str, Any]
    fields: dict[str, str] = field(default_factory=dict)  # cell tag -> field id
    note: str = ""


Perturb = Callable[[Case, random.Random], Case | None]


def _tag_of(c: Cell) -> str | None:
    return next((t for t, _ in c.alternatives if t.startswith(TAG)), None)


def tag_cells(doc: Document) -> Document:
    """Every cell given an alternative reading that names it (kept through every repair)."""
    blocks: list[Block] = []
    k = 0
    for b in doc.blocks:
        if isinstance(b, Table):
            cells = []
            for c in b.cells:
                cells.append(replace(c, alternatives=[*c.alternatives, (f"{TAG}{k}", 1.0)]))
                k += 1
            b = replace(b, cells=cells)
        blocks.append(b)
    return replace(doc, blocks=blocks)


def convert(doc: Document) -> dict[str, Any]:
    """The adapter stage's Document through the repairs and the normaliser."""
    return normalize.build(layout.repair(copy.deepcopy(doc)), sha256=None)


def field_map(report: dict[str, Any]) -> dict[str, str]:
    """cell tag -> the field its value went to."""
    out: dict[str, str] = {}
    for entry in report["cells"]:
        for alt in entry.get("alternatives", []):
            if alt["text"].startswith(TAG):
                out[alt["text"]] = entry["field"]
    return out


def make_case(name: str, path: str, expected_path: str) -> Case:
    """Load a file at the adapter stage, tag its cells and map them to fields."""
    doc = tag_cells(ingest.load(path))
    expected = json.loads(Path(expected_path).read_text(encoding="utf-8"))
    expected.setdefault("failing_checks", [])
    report = convert(doc)
    for key in ("applications_group_totals", "applications_extra_columns"):
        # where the truth leaves these unsaid, the unperturbed output stands for them (a perturbation
        # that adds a group total must compare the whole dict)
        if key not in expected["tables"] and key in report["tables"] and not table_mismatches(report, expected):
            expected["tables"][key] = copy.deepcopy(report["tables"][key])
    return Case(name, doc, expected, field_map(report))


def expected_path_of(path: str) -> str:
    """NAME.ext -> NAME.expected.json."""
    p = Path(path)
    return str(p.with_name(p.name.rsplit(".", 1)[0] + ".expected.json"))


def corpus(count: int = 8, seed: int = 11, tmp: str | None = None, fixed: bool = True) -> list[Case]:
    """Generated DOCX reports (2021 and 2019, some with an arithmetic error) plus the committed samples."""
    out_dir = tmp or tempfile.mkdtemp(prefix="robust_")
    cases = [make_case(Path(d).name, str(d), str(e)) for d, e in generate(out_dir, count, seed, "mixed", count // 4)]
    if fixed:
        files = sorted(glob.glob(str(ROOT / "samples/html/*.html"))) + sorted(
            glob.glob(str(ROOT / "samples/pdf/*.pdf"))
        )
        files += sorted(glob.glob(str(SHARED / "seeds/*.txt"))) + sorted(glob.glob(str(SHARED / "real/*.[ph][dt]*")))
        cases += [make_case(Path(f).name, f, expected_path_of(f)) for f in files if not f.endswith(".json")]
    return cases


# ---------------------------------------------------------------- outcome


def expected_failing(expected: dict[str, Any]) -> set[str]:
    """The checks that must fail for (possibly updated) expected tables, computed independently."""
    tables = expected["tables"]
    out = set(failing_checks(tables))
    for key, vals in (tables.get("applications_group_totals") or {}).items():
        six = sum(v or 0 for c, v in vals.items() if c != "total")
        if six != (vals.get("total") or 0):
            out.add(f"applications.row_total.{key}")
    return out


def outcome(case: Case) -> tuple[bool, str]:
    """(passes, what went wrong) for a perturbed case."""
    try:
        report = convert(case.doc)
    except ReportError as e:
        return False, f"ReportError {e.kind}: {e.reason}"
    except Exception as e:  # a traceback is a failure of its own kind
        return False, f"CRASH {type(e).__name__}: {e}"
    mm = table_mismatches(report, case.expected)
    want = set(case.expected.get("failing_checks", []))
    got = failing_rules(report)
    if got != want:
        mm.append(f"failing checks: extra {sorted(got - want)}, missing {sorted(want - got)}")
    return not mm, "; ".join(mm[:4]) + (f" (+{len(mm) - 4})" if len(mm) > 4 else "")


# ---------------------------------------------------------------- grid helpers


def _canon(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def is_number(c: Cell) -> bool:
    """The cell holds a number (the parser reads it)."""
    return parse_number(c.text).status == "ok"


def is_label(c: Cell) -> bool:
    return bool(c.text.strip()) and parse_number(c.text).status == "unreadable"


def section_tables(doc: Document, section: str) -> list[int]:
    """Block indices of the tables classified into a section, in order."""
    return [
        i
        for i, b in enumerate(doc.blocks)
        if isinstance(b, Table)
        and classify(replace(b, cells=[replace(c, text=_canon(c.text)) for c in b.cells])) == section
    ]


def main_table(doc: Document, section: str) -> int | None:
    """Block index of the section's largest table."""
    idx = section_tables(doc, section)
    if not idx:
        return None
    return max(idx, key=lambda i: len(doc.blocks[i].cells))  # type: ignore[union-attr]


def with_table(case: Case, i: int, t: Block | Sequence[Block], note: str) -> Case:
    """The case with block i replaced (by one block or a run of blocks)."""
    blocks = list(case.doc.blocks)
    blocks[i : i + 1] = [t] if isinstance(t, Table | Paragraph) else list(t)
    return replace(case, doc=replace(case.doc, blocks=blocks), note=note)


def data_rows(t: Table) -> list[int]:
    """Rows holding at least one number."""
    return sorted({c.row for c in t.cells if is_number(c)})


def row_labels(t: Table, r: int) -> list[Cell]:
    """The label cells that start on row r, left to right."""
    return sorted((c for c in t.cells if c.row == r and is_label(c)), key=lambda c: c.col)


def header_rows(t: Table) -> int:
    """How many rows stand above the first row of numbers."""
    rows = data_rows(t)
    return rows[0] if rows else 0


def set_text(t: Table, cell: Cell, text: str) -> Table:
    """t with one cell's text replaced."""
    return replace(t, cells=[replace(c, text=text) if c is cell else c for c in t.cells])


def map_text(t: Table, fn: Callable[[Cell], str]) -> Table:
    return replace(t, cells=[replace(c, text=fn(c)) for c in t.cells])


def shift_cols(t: Table, k: int) -> Table:
    return replace(t, cells=[replace(c, col=c.col + k) for c in t.cells])


# ---------------------------------------------------------------- label noise (OCR, converters)

_CJK = re.compile(r"[\u4e00-\u9fff]")
_NUMBERING = re.compile(r"^\s*(?:[（(][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十]+[、.．]|\d+[、.．])")
# Confusions tesseract / RapidOCR make on small CJK glyphs.
OCR_CONFUSIONS = {
    "密": "泌",
    "公": "么",
    "开": "幵",
    "理": "埋",
    "请": "情",
    "人": "入",
    "申": "甲",
    "未": "末",
    "已": "己",
    "处": "外",
    "政": "致",
    "行": "彳",
    "信": "倍",
    "息": "患",
    "务": "各",
    "制": "刺",
    "提": "捉",
    "供": "洪",
    "复": "夏",
    "转": "传",
}


def _pick_label(
    case: Case, rng: random.Random, section: str = "applications", min_len: int = 5
) -> tuple[int, Cell] | None:
    i = main_table(case.doc, section)
    if i is None:
        return None
    t = case.doc.blocks[i]
    assert isinstance(t, Table)
    cands = []
    for r in data_rows(t):
        labels = row_labels(t, r)
        if labels:
            leaf = labels[-1]
            body = _NUMBERING.sub("", leaf.text)
            if len(_CJK.findall(body)) >= min_len:
                cands.append(leaf)
    if not cands:
        return None
    return i, rng.choice(cands)


def _cjk_positions(text: str) -> list[int]:
    m = _NUMBERING.match(text)
    start = m.end() if m else 0
    return [k for k in range(start, len(text)) if _CJK.match(text[k])]


def typo(kind: str, section: str = "applications") -> Perturb:
    """One CJK character of one row label replaced (an OCR confusion), dropped or inserted."""

    def run(case: Case, rng: random.Random) -> Case | None:
        got = _pick_label(case, rng, section, 5 if section == "applications" else 2)
        if got is None:
            return None
        i, cell = got
        text = cell.text
        pos = _cjk_positions(text)
        if not pos:
            return None
        k = rng.choice(pos)
        if kind == "replace":
            ch = text[k]
            new = text[:k] + OCR_CONFUSIONS.get(ch, "口") + text[k + 1 :]
        elif kind == "drop":
            new = text[:k] + text[k + 1 :]
        else:
            new = text[:k] + rng.choice("一丨口日") + text[k:]
        t = case.doc.blocks[i]
        assert isinstance(t, Table)
        return with_table(case, i, set_text(t, cell, new), f"{text!r} -> {new!r}")

    return run


_WIDTH_SWAPS = [("（", "("), ("）", ")"), ("“", '"'), ("”", '"'), ("、", "."), ("，", ","), ("：", ":"), ("．", ".")]


def punct_swap(case: Case, rng: random.Random) -> Case | None:
    """Full-width punctuation in every label printed half-width (and the reverse), as converters and OCR do."""
    blocks: list[Block] = []
    changed = False
    to_half = rng.random() < 0.5
    for b in case.doc.blocks:
        if isinstance(b, Table):

            def swap(c: Cell) -> str:
                if not is_label(c):
                    return c.text
                t = c.text
                for full, half in _WIDTH_SWAPS:
                    t = t.replace(full, half) if to_half else t.replace(half, full)
                return t

            nb = map_text(b, swap)
            changed |= nb.cells != b.cells
            b = nb
        blocks.append(b)
    if not changed:
        return None
    return replace(case, doc=replace(case.doc, blocks=blocks), note="to half-width" if to_half else "to full-width")


def label_spaces(case: Case, rng: random.Random) -> Case | None:
    """Spaces inside every label (`属于 国家秘密`, letter-spaced PDF text read by pdfplumber)."""
    sp = rng.choice([" ", "\u3000", "  "])

    def spaced(c: Cell) -> str:
        if not is_label(c) or len(c.text) < 3:
            return c.text
        k = rng.randrange(1, len(c.text))
        return c.text[:k] + sp + c.text[k:]

    blocks = [map_text(b, spaced) if isinstance(b, Table) else b for b in case.doc.blocks]
    return replace(case, doc=replace(case.doc, blocks=blocks), note=f"space {sp!r}")


_STYLES: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(r"^（([一二三四五六七八九十]+)）"), lambda m: f"({m.group(1)})"),
    (re.compile(r"^([一二三四五六七八九十]+)、"), lambda m: f"({m.group(1)})"),
    (re.compile(r"^(\d+)[.．]"), lambda m: f"{m.group(1)}、"),
    (re.compile(r"^(\d+)[.．]"), lambda m: f"（{m.group(1)}）"),
    (re.compile(r"^([一二三四五六七八九十]+)、"), lambda m: f"{m.group(1)}."),
]


def numbering(style: int) -> Perturb:
    """Item numbers printed in another style: （一）->(一), 一、->(一), 1.->1、, 1.->（1）, 一、->一."""
    rx, fn = _STYLES[style]

    def run(case: Case, rng: random.Random) -> Case | None:
        def restyle(c: Cell) -> str:
            return rx.sub(fn, c.text.strip()) if is_label(c) else c.text

        blocks = [map_text(b, restyle) if isinstance(b, Table) else b for b in case.doc.blocks]
        if blocks == case.doc.blocks:
            return None
        return replace(case, doc=replace(case.doc, blocks=blocks), note=rx.pattern)

    return run


_NOTES = ["（件）", "（单位：件）", "（注：含网上申请）", "*"]


def trailing_note(case: Case, rng: random.Random) -> Case | None:
    """A note after one applications row label (`本年新收政府信息公开申请数量（件）`)."""
    got = _pick_label(case, rng, "applications", 2)
    if got is None:
        return None
    i, cell = got
    t = case.doc.blocks[i]
    assert isinstance(t, Table)
    new = cell.text.rstrip() + rng.choice(_NOTES)
    return with_table(case, i, set_text(t, cell, new), f"{cell.text!r} -> {new!r}")


# ---------------------------------------------------------------- page breaks


def cut_table(t: Table, r: int, page: int | None) -> tuple[Table, Table]:
    """Table t cut above row r as a page break prints it: a cell spanning the cut keeps its text above,
    and the part below gets an empty cell over the rest of the span."""
    top: list[Cell] = []
    bottom: list[Cell] = []
    for c in t.cells:
        if c.row + c.rowspan <= r:
            top.append(c)
        elif c.row >= r:
            bottom.append(replace(c, row=c.row - r, page=page))
        else:
            top.append(replace(c, rowspan=r - c.row))
            bottom.append(replace(c, text="", row=0, rowspan=c.row + c.rowspan - r, page=page, alternatives=[]))
    return replace(t, cells=top, seams=[]), replace(t, cells=bottom, page=page, seams=[])


def header_copy(t: Table, n: int, page: int | None) -> list[Cell]:
    """Copies of the first n rows (spans clipped to them) for a header repeated on the next page."""
    return [replace(c, rowspan=min(c.rowspan, n - c.row), page=page, alternatives=[]) for c in t.cells if c.row < n]


def split_pages(parts: int, repeat_header: bool, page_number: bool) -> Perturb:
    """The applications table broken over `parts` pages at random data rows; optionally the header printed
    again on each page (Word's 'repeat header rows') and a page-number line between the parts."""

    def run(case: Case, rng: random.Random) -> Case | None:
        i = main_table(case.doc, "applications")
        if i is None:
            return None
        t = case.doc.blocks[i]
        assert isinstance(t, Table)
        rows = data_rows(t)
        if len(rows) < parts + 2:
            return None
        cuts = sorted(rng.sample(rows[1:], parts - 1))
        h = header_rows(t)
        page0 = t.page or 1
        blocks: list[Block] = []
        rest = t
        done = 0  # original rows before rest's first row (less the header rows repeated on top of rest)
        for n, r in enumerate(cuts, start=1):
            top, rest = cut_table(rest, r - done, page0 + n)
            done = r
            blocks.append(top)
            if page_number:
                blocks.append(Paragraph(f"- {page0 + n - 1} -", page=page0 + n - 1))
            if repeat_header and h:
                hdr = header_copy(t, h, page0 + n)
                rest = replace(rest, cells=hdr + [replace(c, row=c.row + h) for c in rest.cells])
                done -= h
        blocks.append(rest)
        return with_table(case, i, blocks, f"cut above rows {cuts}")

    return run


def cut_row(values_on: str) -> Perturb:
    """One applications row cut by a page break: its label split over two rows, its numbers on the
    first (`values_on='top'`) or on the second row."""

    def run(case: Case, rng: random.Random) -> Case | None:
        i = main_table(case.doc, "applications")
        if i is None:
            return None
        t = case.doc.blocks[i]
        assert isinstance(t, Table)
        cands = []
        for r in data_rows(t)[1:]:
            labels = row_labels(t, r)
            if labels and len(_cjk_positions(labels[-1].text)) >= 4 and all(c.rowspan == 1 for c in labels[-1:]):
                cands.append(r)
        if not cands:
            return None
        r = rng.choice(cands)
        leaf = row_labels(t, r)[-1]
        pos = _cjk_positions(leaf.text)
        k = rng.choice(pos[2:]) if len(pos) > 2 else pos[-1]
        head, tail = leaf.text[:k], leaf.text[k:]
        # row r becomes two rows r and r+1; everything below moves down by one
        page = (t.page or 1) + 1
        cells: list[Cell] = []
        for c in t.cells:
            if c.row > r:
                cells.append(replace(c, row=c.row + 1))
            elif c.row == r:
                if c is leaf:
                    cells.append(replace(c, text=head))
                    cells.append(replace(c, text=tail, row=r + 1, alternatives=[], page=page))
                elif is_number(c) or (c.col > leaf.col and not c.text.strip()):
                    on_top = values_on == "top"
                    cells.append(c if on_top else replace(c, row=r + 1, page=page))
                    cells.append(replace(c, text="", alternatives=[], row=r + 1 if on_top else r))
                else:  # a label cell left of the leaf, spanning or not
                    cells.append(replace(c, rowspan=c.rowspan + 1) if c.rowspan > 1 else c)
                    if c.rowspan == 1:
                        cells.append(replace(c, text="", row=r + 1, alternatives=[], page=page))
            elif c.row + c.rowspan > r:
                cells.append(replace(c, rowspan=c.rowspan + 1))
            else:
                cells.append(c)
        stretched = replace(t, cells=cells)
        top, bottom = cut_table(stretched, r + 1, page)
        return with_table(case, i, [top, bottom], f"{leaf.text!r} cut as {head!r} / {tail!r}")

    return run


# ---------------------------------------------------------------- columns and spans


def extra_column(side: str) -> Perturb:
    """An empty column at the left or right of every table (a border line read as a column)."""

    def run(case: Case, rng: random.Random) -> Case | None:
        blocks: list[Block] = []
        for b in case.doc.blocks:
            if isinstance(b, Table):
                rows = b.n_rows
                if side == "left":
                    b = shift_cols(b, 1)
                    b = replace(b, cells=b.cells + [Cell("", r, 0, page=b.page) for r in range(rows)])
                else:
                    n = b.n_cols
                    b = replace(b, cells=b.cells + [Cell("", r, n, page=b.page) for r in range(rows)])
            blocks.append(b)
        return replace(case, doc=replace(case.doc, blocks=blocks), note=side)

    return run


def unmerge(fill: str) -> Perturb:
    """Every merged cell split into single cells: the text repeated in each (`repeat`, as pdfplumber's
    text-based tables and some HTML converters do) or kept only in the top-left one (`blank`)."""

    def run(case: Case, rng: random.Random) -> Case | None:
        blocks: list[Block] = []
        changed = False
        for b in case.doc.blocks:
            if isinstance(b, Table) and b.exact:
                cells: list[Cell] = []
                for c in b.cells:
                    if c.rowspan == 1 and c.colspan == 1:
                        cells.append(c)
                        continue
                    changed = True
                    for r in range(c.row, c.row + c.rowspan):
                        for k in range(c.col, c.col + c.colspan):
                            first = r == c.row and k == c.col
                            text = c.text if first or fill == "repeat" else ""
                            if not first and is_number(c):
                                text = ""  # a number merged over columns is printed once
                            cells.append(
                                replace(
                                    c,
                                    row=r,
                                    col=k,
                                    rowspan=1,
                                    colspan=1,
                                    text=text,
                                    alternatives=c.alternatives if first else [],
                                )
                            )
                b = replace(b, cells=cells)
            blocks.append(b)
        if not changed:
            return None
        return replace(case, doc=replace(case.doc, blocks=blocks), note=fill)

    return run


# ---------------------------------------------------------------- headers


def header_table(doc: Document) -> int | None:
    """Block index of the applications table whose header names the applicant columns (自然人)."""
    for i in section_tables(doc, "applications"):
        t = doc.blocks[i]
        assert isinstance(t, Table)
        h = header_rows(t)
        if h and any("自然人" in _canon(c.text) for c in t.cells if c.row < h):
            return i
    return None


def drop_header(case: Case, rng: random.Random) -> Case | None:
    """The applications table printed without its header rows (自然人… missing: the header was an image,
    or the table was cut and the header stayed on the previous page as a separate table)."""
    i = header_table(case.doc)
    if i is None:
        return None
    t = case.doc.blocks[i]
    assert isinstance(t, Table)
    h = header_rows(t)
    if not h:
        return None
    cells = [replace(c, row=c.row - h) for c in t.cells if c.row >= h]
    return with_table(case, i, replace(t, cells=cells), f"{h} header rows dropped")


def _header_cells(t: Table) -> list[Cell]:
    h = header_rows(t)
    return [c for c in t.cells if c.row < h and is_label(c)]


def stack_header(case: Case, rng: random.Random) -> Case | None:
    """Every header word of sections 三 and 四 printed one character per line (narrow vertical cells)."""
    blocks = list(case.doc.blocks)
    changed = False
    for sec in ("applications", "review_litigation"):
        for i in section_tables(case.doc, sec):
            t = blocks[i]
            assert isinstance(t, Table)
            ids = {id(c) for c in _header_cells(t) if len(_canon(c.text)) <= 8}
            if ids:
                changed = True
                blocks[i] = replace(
                    t,
                    cells=[replace(c, text="\n".join(_canon(c.text))) if id(c) in ids else c for c in t.cells],
                )
    if not changed:
        return None
    return replace(case, doc=replace(case.doc, blocks=blocks), note="stacked")


APPLICANT_LEAVES = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]


def flat_header(case: Case, rng: random.Random) -> Case | None:
    """The applications header printed as one row of the seven column names (no 申请人情况/法人或其他组织
    rows), the corner cell reading 项目 — a simplified layout many offices use."""
    i = header_table(case.doc)
    if i is None:
        return None
    t = case.doc.blocks[i]
    assert isinstance(t, Table)
    h = header_rows(t)
    if not h:
        return None
    first = data_rows(t)[0]
    nums = sorted((c for c in t.cells if c.row == first and c.text.strip() and is_number(c)), key=lambda c: c.col)
    if len(nums) != 7:
        return None
    lead = nums[0].col
    header = [Cell("项目", 0, 0, colspan=lead, page=t.page)] if lead else []
    header += [Cell(w, 0, c.col, page=t.page) for w, c in zip(APPLICANT_LEAVES, nums, strict=True)]
    cells = header + [replace(c, row=c.row - h + 1) for c in t.cells if c.row >= h]
    return with_table(case, i, replace(t, cells=cells), "one header row")


def review_header(rows: int) -> Perturb:
    """Section 四's header in `rows` rows: 2 (行政复议 | 未经复议直接起诉 | 复议后起诉, then the 15 leaf
    words) or 3 (行政复议 | 行政诉讼, the sub-groups, the leaves), rebuilt over the printed values row."""
    leaves = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]

    def run(case: Case, rng: random.Random) -> Case | None:
        i = main_table(case.doc, "review_litigation")
        if i is None:
            return None
        t = case.doc.blocks[i]
        assert isinstance(t, Table)
        vrow = max(data_rows(t), default=None)
        if vrow is None:
            return None
        vals = sorted((c for c in t.cells if c.row == vrow), key=lambda c: c.col)
        if len(vals) != 15:
            return None
        x0 = vals[0].col
        cells: list[Cell] = []
        if rows == 2:
            for g, name in enumerate(["行政复议", "未经复议直接起诉", "复议后起诉"]):
                cells.append(Cell(name, 0, x0 + 5 * g, colspan=5))
            cells += [Cell(w, 1, x0 + 5 * g + k) for g in range(3) for k, w in enumerate(leaves)]
        else:
            cells.append(Cell("行政复议", 0, x0, colspan=5))
            cells.append(Cell("行政诉讼", 0, x0 + 5, colspan=10))
            cells += [Cell(w, 1, x0 + k, rowspan=2) for k, w in enumerate(leaves)]
            cells.append(Cell("未经复议直接起诉", 1, x0 + 5, colspan=5))
            cells.append(Cell("复议后起诉", 1, x0 + 10, colspan=5))
            cells += [Cell(w, 2, x0 + 5 + 5 * g + k) for g in range(2) for k, w in enumerate(leaves)]
        cells += [replace(c, row=rows) for c in vals]
        return with_table(case, i, replace(t, cells=cells), f"{rows}-row header")

    return run


def review_label_cell(case: Case, rng: random.Random) -> Case | None:
    """Section 四 with a label column: the header's corner cell empty, the values row led by `数量`."""
    i = main_table(case.doc, "review_litigation")
    if i is None:
        return None
    t = case.doc.blocks[i]
    assert isinstance(t, Table)
    vrow = max(data_rows(t), default=None)
    if vrow is None:
        return None
    cells = [replace(c, col=c.col + 1) for c in t.cells]
    if vrow:
        cells.append(Cell("", 0, 0, rowspan=vrow, page=t.page))
    cells.append(Cell("数量", vrow, 0, page=t.page))
    return with_table(case, i, replace(t, cells=cells), "数量")


def active_per_item(case: Case, rng: random.Random) -> Case | None:
    """Section 二 printed as one table per 第二十条 item (each with its own 信息内容 header)."""
    idx = section_tables(case.doc, "active_disclosure")
    if len(idx) != 1:
        return None
    i = idx[0]
    t = case.doc.blocks[i]
    assert isinstance(t, Table)
    starts = sorted({c.row for c in t.cells if "第二十条" in c.text})
    if len(starts) < 2:
        return None
    bounds = [*starts, t.n_rows]
    parts: list[Block] = []
    for a, b in zip(bounds, bounds[1:], strict=False):
        cells = [replace(c, row=c.row - a) for c in t.cells if a <= c.row < b]
        parts.append(replace(t, cells=cells, seams=[]))
        parts.append(Paragraph("（单位：件）"))
    return with_table(case, i, parts[:-1], f"{len(starts)} tables")


def active_one_table(case: Case, rng: random.Random) -> Case | None:
    """Section 二's several tables printed as one (same column count assumed by the widest)."""
    idx = section_tables(case.doc, "active_disclosure")
    if len(idx) < 2 or idx != list(range(idx[0], idx[0] + len(idx))):
        return None
    tables = [case.doc.blocks[i] for i in idx]
    width = max(t.n_cols for t in tables)  # type: ignore[union-attr]
    cells: list[Cell] = []
    off = 0
    for t in tables:
        assert isinstance(t, Table)
        n = t.n_cols
        for c in t.cells:
            span = c.colspan + (width - n if c.col + c.colspan == n else 0)
            cells.append(replace(c, row=c.row + off, colspan=span))
        off += t.n_rows
    first = tables[0]
    assert isinstance(first, Table)
    blocks = list(case.doc.blocks)
    blocks[idx[0] : idx[-1] + 1] = [replace(first, cells=cells, seams=[])]
    return replace(case, doc=replace(case.doc, blocks=blocks), note=f"{len(idx)} tables as one")


# ---------------------------------------------------------------- blanks and numbers


def _value_cells(case: Case) -> list[Cell]:
    return [c for b in case.doc.blocks if isinstance(b, Table) for c in b.cells if _tag_of(c) in case.fields]


def _set_expected(expected: dict[str, Any], fid: str, value: Any) -> None:
    node = expected["tables"]
    parts = fid.split(".")
    for p in parts[:-1]:
        node = node.setdefault(p, {})
    node[parts[-1]] = value


def _retext(case: Case, new: dict[int, str], values: dict[int, Any] | None, note: str) -> Case:
    """Cells (by id) given new texts; the expected values of the fields they fed updated."""
    expected = copy.deepcopy(case.expected)
    blocks: list[Block] = []
    for b in case.doc.blocks:
        if isinstance(b, Table):
            b = replace(b, cells=[replace(c, text=new[id(c)]) if id(c) in new else c for c in b.cells])
        blocks.append(b)
    if values:
        for c in _value_cells(case):
            if id(c) in values:
                tag = _tag_of(c)
                assert tag is not None
                _set_expected(expected, case.fields[tag], values[id(c)])
    return replace(case, doc=replace(case.doc, blocks=blocks), expected=expected, note=note)


def blank_marker(marker: str) -> Perturb:
    """Blank cells, and a third of the zeros, printed as `marker` ("" "-" "—" "/" "无" "0")."""

    def run(case: Case, rng: random.Random) -> Case | None:
        new: dict[int, str] = {}
        values: dict[int, Any] = {}
        exact = {id(c) for b in case.doc.blocks if isinstance(b, Table) and b.exact for c in b.cells}
        for c in _value_cells(case):
            if marker == "" and id(c) not in exact:
                continue  # a text dump does not print an empty cell: its columns would shift (not a fair test)
            p = parse_number(c.text)
            if p.status == "blank" or (p.value == 0 and rng.random() < 0.33):
                new[id(c)] = marker
                values[id(c)] = 0 if marker == "0" else None
        if not new:
            return None
        return _retext(case, new, values, f"{len(new)} cells as {marker!r}")

    return run


_FULL = str.maketrans("0123456789.", "０１２３４５６７８９．")


def number_style(style: str) -> Perturb:
    """Numbers printed with full-width digits, a space inside, thousands separators or a unit (`12件`)."""

    def fmt(text: str, rng: random.Random) -> str | None:
        t = text.strip().replace("\u3000", "")
        if not re.fullmatch(r"\d+(?:\.\d+)?", t):
            return None
        if style == "fullwidth":
            return t.translate(_FULL)
        if style == "space":
            return t[0] + " " + t[1:] if len(t) >= 2 else f" {t} "
        if style == "thousands":
            return f"{int(t):,}" if t.isdigit() and int(t) >= 1000 else None
        if style == "unit":
            return t + rng.choice(["件", "个", "条"])
        raise ValueError(style)

    def run(case: Case, rng: random.Random) -> Case | None:
        new = {}
        for c in _value_cells(case):
            if "amount" in case.fields.get(_tag_of(c) or "", ""):
                continue  # fees keep their decimals and unit as printed
            t = fmt(c.text, rng)
            if t is not None and (style == "thousands" or rng.random() < 0.5):
                new[id(c)] = t
        if not new:
            return None
        return _retext(case, new, None, f"{len(new)} cells {style}")

    return run


# ---------------------------------------------------------------- ragged text dumps


def ragged(case: Case, rng: random.Random) -> Case | None:
    """Every table as a text dump gives it (exact=False): one cell per printed text, merged cells once on
    their first row, blank cells kept inside a row but dropped at its end."""
    blocks: list[Block] = []
    changed = False
    for b in case.doc.blocks:
        if isinstance(b, Table) and b.exact:
            changed = True
            cells: list[Cell] = []
            for r, row in enumerate(b.rows()):
                texts = list(row)
                while texts and not texts[-1].text.strip():
                    texts.pop()
                # a merged label column's empty continuation is not printed in a dump
                cells += [replace(c, row=r, col=k, rowspan=1, colspan=1, bbox=None) for k, c in enumerate(texts)]
            b = replace(b, cells=cells, exact=False, lines=[])
        blocks.append(b)
    if not changed:
        return None
    return replace(case, doc=replace(case.doc, blocks=blocks), note="ragged")


# ---------------------------------------------------------------- collapsed groups

GROUPS = {
    "other_processing": ("（六）其他处理", ["other_no_correction", "other_unpaid_fee", "other_other"]),
    "denied": (
        "（三）不予公开",
        [
            "denied_state_secret",
            "denied_prohibited_by_law",
            "denied_three_safeties",
            "denied_third_party_rights",
            "denied_internal_affairs",
            "denied_process_info",
            "denied_enforcement_files",
            "denied_administrative_query",
        ],
    ),
    "unable": ("（四）无法提供", ["unable_not_held", "unable_needs_creation", "unable_unclear_after_correction"]),
}
COLUMNS = ["natural_person", "commercial", "research", "social_welfare", "legal_services", "other_org", "total"]


def collapse(key: str) -> Perturb:
    """A group of the applications table printed as one row with its totals (no sub-rows)."""
    label, members = GROUPS[key]

    def run(case: Case, rng: random.Random) -> Case | None:
        i = main_table(case.doc, "applications")
        if i is None or key in (case.expected["tables"].get("applications_group_totals") or {}):
            return None
        t = case.doc.blocks[i]
        assert isinstance(t, Table)
        by_field = {case.fields[tag]: c for c in t.cells if (tag := _tag_of(c)) in case.fields}
        rows = sorted(
            {
                by_field[f"applications.{m}.natural_person"].row
                for m in members
                if f"applications.{m}.natural_person" in by_field
            }
        )
        if len(rows) != len(members) or rows != list(range(rows[0], rows[0] + len(rows))):
            return None
        lo, hi = rows[0], rows[-1] + 1
        exp_app = case.expected["tables"]["applications"]
        sums = {}
        for col in COLUMNS:
            vals = [exp_app[m][col] for m in members]
            sums[col] = None if all(v is None for v in vals) else sum(v or 0 for v in vals)
        vcells = {
            by_field[f"applications.{members[0]}.{col}"].col: col
            for col in COLUMNS
            if f"applications.{members[0]}.{col}" in by_field
        }
        if len(vcells) != 7:
            return None
        first_val = min(vcells)
        label_col = min((c.col for c in t.cells if lo <= c.row < hi and is_label(c)), default=0)
        cells: list[Cell] = []
        for c in t.cells:
            if c.row >= hi:
                cells.append(replace(c, row=c.row - (hi - lo - 1)))
            elif c.row + c.rowspan <= lo:
                cells.append(c)
            elif c.row < lo:  # spans into the group from above (三、本年度办理结果)
                cells.append(replace(c, rowspan=c.rowspan - (min(c.row + c.rowspan, hi) - lo) + 1))
            # cells starting inside the group are replaced below
        cells.append(Cell(label, lo, label_col, colspan=first_val - label_col, page=t.page))
        for k, col in vcells.items():
            v = sums[col]
            cells.append(Cell("" if v is None else str(v), lo, k, page=t.page))
        expected = copy.deepcopy(case.expected)
        for m in members:
            expected["tables"]["applications"][m] = {col: None for col in COLUMNS}
        expected["tables"].setdefault("applications_group_totals", {})[key] = sums
        expected["failing_checks"] = sorted(expected_failing(expected))
        out = with_table(case, i, replace(t, cells=cells), label)
        return replace(out, expected=expected)

    return run


# ---------------------------------------------------------------- paragraphs: title, signature, date


def _title_index(doc: Document) -> int | None:
    return next(
        (
            i
            for i, b in enumerate(doc.blocks[:15])
            if isinstance(b, Paragraph) and "年度报告" in b.text and len(b.text) <= 80
        ),
        None,
    )


def title_lines(n: int) -> Perturb:
    """The title printed over n lines: agency / year + 政府信息公开工作 / 年度报告."""

    def run(case: Case, rng: random.Random) -> Case | None:
        i = _title_index(case.doc)
        if i is None:
            return None
        p = case.doc.blocks[i]
        assert isinstance(p, Paragraph)
        m = re.match(r"^(.*?)((?:\d{4}|[〇○零一二三四五六七八九]{4})\s*年度?)(.*)$", p.text.strip())
        if not m or not m.group(1):
            return None
        head, year, rest = m.groups()
        if n == 2:
            lines = [head, year + rest]
        else:
            k = rest.find("年度报告")
            if k <= 0:
                return None
            lines = [head, year + rest[:k], rest[k:]]
        return with_table(case, i, [replace(p, text=t) for t in lines], " / ".join(lines))

    return run


def _signature(doc: Document) -> tuple[int, int] | None:
    """Block indices of the signature's agency line and date line (the last two short paragraphs)."""
    paras = [(i, b) for i, b in enumerate(doc.blocks) if isinstance(b, Paragraph)]
    if len(paras) < 2:
        return None
    (ia, a), (idate, d) = paras[-2], paras[-1]
    if len(a.text.strip()) > 40 or len(d.text.strip()) > 20 or not re.search(r"\d{4}\s*年|20\d{2}[-/.]", d.text):
        return None
    return ia, idate


def agency_in_signature_only(case: Case, rng: random.Random) -> Case | None:
    """The title without the agency (`2024年政府信息公开工作年度报告`, no agency line above it either); the full
    name only in the signature, put there above the date when the signature printed the date alone."""
    i = _title_index(case.doc)
    sig = _signature(case.doc)
    agency = case.expected["report"].get("agency")
    if i is None or sig is None or not agency:
        return None
    blocks = list(case.doc.blocks)
    title = blocks[i]
    assert isinstance(title, Paragraph)
    if title.text.strip().startswith(agency):
        blocks[i] = replace(title, text=title.text.strip()[len(agency) :])
    above = blocks[i - 1] if i > 0 else None
    if not isinstance(above, Paragraph) or _canon(above.text) != agency:
        above = None
    if above is None and blocks[i] is title:
        return None
    ia, idate = sig
    signed = blocks[ia]
    if isinstance(signed, Paragraph) and agency in _canon(signed.text) and _canon(signed.text) != agency:
        return None  # the signature names another body (the 办公室 that wrote it): the title alone said which
    if not (isinstance(signed, Paragraph) and _canon(signed.text) == agency):
        date = blocks[idate]
        assert isinstance(date, Paragraph)
        blocks.insert(idate, replace(date, text=agency))
    if above is not None:
        del blocks[i - 1]
    return replace(case, doc=replace(case.doc, blocks=blocks), note="title without agency")


_CN = "〇一二三四五六七八九"


def _cn_num(n: int) -> str:
    if n < 10:
        return _CN[n]
    return ("" if n < 20 else _CN[n // 10]) + "十" + (_CN[n % 10] if n % 10 else "")


def date_chinese(case: Case, rng: random.Random) -> Case | None:
    """The signature date in Chinese numerals (二〇二五年一月十四日)."""
    sig = _signature(case.doc)
    pub = case.expected["report"].get("published")
    if sig is None or not pub:
        return None
    y, m, d = (int(x) for x in pub.split("-"))
    text = "".join(_CN[int(ch)] for ch in str(y)) + f"年{_cn_num(m)}月{_cn_num(d)}日"
    p = case.doc.blocks[sig[1]]
    assert isinstance(p, Paragraph)
    return with_table(case, sig[1], replace(p, text=text), text)


def date_trailer(what: str) -> Perturb:
    """After the date: a page number (`- 5 -`), a blank line, or a 来源/打印 line of the web page."""
    lines = {"page_number": ["- 5 -"], "blank": ["\u3000", ""], "print_line": ["【打印本页】【关闭窗口】"]}[what]

    def run(case: Case, rng: random.Random) -> Case | None:
        sig = _signature(case.doc)
        if sig is None:
            return None
        p = case.doc.blocks[sig[1]]
        assert isinstance(p, Paragraph)
        return with_table(case, sig[1], [p] + [Paragraph(t) for t in lines], what)

    return run


def date_before_agency(case: Case, rng: random.Random) -> Case | None:
    """The signature's date printed above the agency line."""
    sig = _signature(case.doc)
    if sig is None:
        return None
    blocks = list(case.doc.blocks)
    blocks[sig[0]], blocks[sig[1]] = blocks[sig[1]], blocks[sig[0]]
    return replace(case, doc=replace(case.doc, blocks=blocks), note="date first")


# ---------------------------------------------------------------- the families

FAMILIES: dict[str, dict[str, Perturb]] = {
    "label_typo": {
        "typo_replace": typo("replace"),
        "typo_drop": typo("drop"),
        "typo_insert": typo("insert"),
        "typo_active": typo("replace", "active_disclosure"),
    },
    "label_form": {
        "punct_swap": punct_swap,
        "label_spaces": label_spaces,
        "num_paren_half": numbering(0),
        "num_dun_to_paren": numbering(1),
        "num_dot_to_dun": numbering(2),
        "num_dot_to_paren": numbering(3),
        "num_dun_to_dot": numbering(4),
        "trailing_note": trailing_note,
    },
    "page_split": {
        "split2": split_pages(2, False, False),
        "split2_pageno": split_pages(2, False, True),
        "split2_header": split_pages(2, True, False),
        "split3_header_pageno": split_pages(3, True, True),
        "split4": split_pages(4, False, True),
    },
    "cut_row": {"cut_values_top": cut_row("top"), "cut_values_bottom": cut_row("bottom")},
    "columns_spans": {
        "extra_col_left": extra_column("left"),
        "extra_col_right": extra_column("right"),
        "spans_repeated": unmerge("repeat"),
        "spans_removed": unmerge("blank"),
    },
    "headers": {"no_header": drop_header, "stacked_header": stack_header, "flat_header": flat_header},
    "blanks": {
        f"blank_{name}": blank_marker(m)
        for name, m in [("empty", ""), ("dash", "-"), ("emdash", "—"), ("slash", "/"), ("wu", "无"), ("zero", "0")]
    },
    "numbers": {f"num_{s}": number_style(s) for s in ("fullwidth", "space", "thousands", "unit")},
    "sections_2_4": {
        "active_per_item": active_per_item,
        "active_one_table": active_one_table,
        "review_header_2": review_header(2),
        "review_header_3": review_header(3),
        "review_label_cell": review_label_cell,
    },
    "ragged": {"ragged_dump": ragged},
    "collapsed": {
        "collapse_other": collapse("other_processing"),
        "collapse_denied": collapse("denied"),
        "collapse_unable": collapse("unable"),
    },
    "paragraphs": {
        "title_2_lines": title_lines(2),
        "title_3_lines": title_lines(3),
        "agency_sig_only": agency_in_signature_only,
        "date_chinese": date_chinese,
        "date_then_pageno": date_trailer("page_number"),
        "date_then_blank": date_trailer("blank"),
        "date_then_print_line": date_trailer("print_line"),
        "date_before_agency": date_before_agency,
    },
}
VARIANTS: dict[str, Perturb] = {v: fn for fam in FAMILIES.values() for v, fn in fam.items()}
FAMILY_OF = {v: f for f, fam in FAMILIES.items() for v in fam}


def apply(case: Case, variants: list[str], seed: int) -> Case | None:
    """The case with the named perturbations applied in order (None when one does not apply)."""
    rng = random.Random(seed)
    notes = []
    out: Case | None = case
    for v in variants:
        assert out is not None
        out = VARIANTS[v](out, rng)
        if out is None:
            return None
        notes.append(out.note)
    assert out is not None
    return replace(out, note=" | ".join(notes))


# ---------------------------------------------------------------- the run


@dataclass
class Tally:
    """Results of one variant (or pair) over the corpus."""

    ok: int = 0
    n: int = 0
    failures: list[tuple[str, str, str]] = field(default_factory=list)  # (case, note, what)


def run_variant(cases: list[Case], variants: list[str], trials: int) -> Tally:
    """Apply a variant to each case `trials` times (different seeds) and count exact conversions."""
    tally = Tally()
    for case in cases:
        for seed in range(trials):
            p = apply(case, variants, seed)
            if p is None:
                continue
            ok, what = outcome(p)
            tally.n += 1
            tally.ok += ok
            if not ok:
                tally.failures.append((case.name, p.note, what))
    return tally


def main(argv: list[str] | None = None) -> int:
    """Print the robustness table."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    ap.add_argument("--count", type=int, default=8, help="generated DOCX reports in the corpus")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--trials", type=int, default=3, help="random draws per document and variant")
    ap.add_argument("--family", action="append", help="only these families")
    ap.add_argument("--pairs", type=int, default=30, help="random pairs of variants to try")
    ap.add_argument("--show", type=int, default=2, help="failures printed per variant")
    args = ap.parse_args(argv)
    t0 = time.time()
    cases = corpus(args.count, args.seed)
    base_fail = [c.name for c in cases if not outcome(c)[0]]
    print(
        f"corpus: {len(cases)} documents ({time.time() - t0:.1f} s to load); unperturbed failures: {base_fail or 'none'}"
    )
    fams = args.family or list(FAMILIES)
    results: dict[str, Tally] = {}
    print(f"\n{'family':<14} {'variant':<22} {'docs':>5} {'exact':>6} {'rate':>6}")
    for fam in fams:
        for v in FAMILIES[fam]:
            tally = run_variant(cases, [v], args.trials)
            results[v] = tally
            rate = f"{tally.ok / tally.n:.0%}" if tally.n else "n/a"
            print(f"{fam:<14} {v:<22} {tally.n:>5} {tally.ok:>6} {rate:>6}")
    print(f"\n{'family':<14} {'runs':>5} {'exact':>6} {'rate':>6}")
    for fam in fams:
        n = sum(results[v].n for v in FAMILIES[fam])
        ok = sum(results[v].ok for v in FAMILIES[fam])
        print(f"{fam:<14} {n:>5} {ok:>6} {ok / n if n else 0:>6.0%}")
    if args.pairs:
        rng = random.Random(args.seed)
        names = [v for f in fams for v in FAMILIES[f]]
        pair_n = pair_ok = 0
        pair_fail: dict[tuple[str, str], int] = {}
        for _ in range(args.pairs):
            a, b = rng.sample(names, 2)
            if FAMILY_OF[a] == FAMILY_OF[b]:
                continue
            tally = run_variant(cases, [a, b], 1)
            pair_n += tally.n
            pair_ok += tally.ok
            if tally.n - tally.ok:
                pair_fail[(a, b)] = tally.n - tally.ok
        print(f"\npairs: {pair_ok}/{pair_n} exact ({pair_ok / max(pair_n, 1):.0%})")
        for (a, b), k in sorted(pair_fail.items(), key=lambda x: -x[1])[:15]:
            singles = (
                results.get(a, Tally()).ok < results.get(a, Tally()).n
                or results.get(b, Tally()).ok < results.get(b, Tally()).n
            )
            print(f"  {a} + {b}: {k} failing{'' if singles else '  (both pass alone)'}")
    if args.show:
        print("\nfailures:")
        for v, tally in results.items():
            for name, note, what in tally.failures[: args.show]:
                print(f"  [{v}] {name}: {note}\n      {what}")
    print(f"\n{time.time() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
