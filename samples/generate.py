"""Generate realistic annual-report DOCX files from known values, with their expected JSON.

Every other format's samples (PDF via LibreOffice, HTML, scans) are made from these DOCX files, so
the API below is kept stable:

- ``random_values(rng, template="2021", error=None, collapse_other=False) -> dict``
  The canonical ``tables`` dict (SPEC.md): ``active_disclosure``, ``applications``,
  ``review_litigation`` and, when （六）其他处理 is printed as one row, ``applications_group_totals``
  (``{"other_processing": {column: value}}``, the three ``other_*`` rows then null). Values are
  random but satisfy every check of the SPEC; blank cells are ``None`` (they only ever stand for
  a zero). With ``error`` (one of :data:`ERROR_KINDS`, or ``"random"``) exactly one value is
  changed so that the report's arithmetic no longer holds.
- ``failing_checks(tables) -> list[str]``: the check rules (ARCHITECTURE.md names) that fail,
  computed by an implementation of the rules independent of ``normalize/``; blank counts as 0.
- ``random_meta(rng, template) -> Meta`` and ``random_layout(rng, template) -> Layout``: the
  report's agency/year/date, and the variation knobs of the printed document.
- ``make_docx(values, meta, layout, path)``: write the report as a DOCX whose tables have real
  merged cells (``w:gridSpan`` / ``w:vMerge``), laid out as the national templates print them.
- ``write_expected(values, meta, path, failing, note, template=..., source=...)``: write
  ``NAME.expected.json`` in the form of ``../shared/seeds/*.expected.json``.
- ``generate_one(rng, out_dir, name, template, error) -> (docx_path, expected_path)`` and
  ``generate(out_dir, count, seed, template, errors) -> list[(docx_path, expected_path)]``.

CLI::

    python -m samples.generate --out DIR --count N --seed S [--template 2021|2019|mixed] [--errors K]
    python -m samples.generate --out samples/docx --examples   # the committed examples

writes N reports (``K`` of them with one deliberate arithmetic error) as ``NAME.docx`` plus
``NAME.expected.json``, each with a different random layout.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Pt

# ---------------------------------------------------------------- template facts (the SPEC's ids)

APP_COLUMNS = ["natural_person", "commercial", "research", "social_welfare", "legal_services", "other_org"]
APP_ALL_COLUMNS = [*APP_COLUMNS, "total"]

# (row id, printed label, group) in template order; group None for rows outside 三、本年度办理结果.
APP_ROWS: list[tuple[str, str, str | None]] = [
    ("new_received", "一、本年新收政府信息公开申请数量", None),
    ("carried_over", "二、上年结转政府信息公开申请数量", None),
    ("granted", "（一）予以公开", "results"),
    ("partially_granted", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "results"),
    ("denied_state_secret", "1.属于国家秘密", "denied"),
    ("denied_prohibited_by_law", "2.其他法律行政法规禁止公开", "denied"),
    ("denied_three_safeties", "3.危及“三安全一稳定”", "denied"),
    ("denied_third_party_rights", "4.保护第三方合法权益", "denied"),
    ("denied_internal_affairs", "5.属于三类内部事务信息", "denied"),
    ("denied_process_info", "6.属于四类过程性信息", "denied"),
    ("denied_enforcement_files", "7.属于行政执法案卷", "denied"),
    ("denied_administrative_query", "8.属于行政查询事项", "denied"),
    ("unable_not_held", "1.本机关不掌握相关政府信息", "unable"),
    ("unable_needs_creation", "2.没有现成信息需要另行制作", "unable"),
    ("unable_unclear_after_correction", "3.补正后申请内容仍不明确", "unable"),
    ("unprocessed_complaint", "1.信访举报投诉类申请", "unprocessed"),
    ("unprocessed_repeated", "2.重复申请", "unprocessed"),
    ("unprocessed_publication", "3.要求提供公开出版物", "unprocessed"),
    ("unprocessed_excessive", "4.无正当理由大量反复申请", "unprocessed"),
    ("unprocessed_confirmation", "5.要求行政机关确认或重新出具已获取信息", "unprocessed"),
    ("other_no_correction", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", "other_processing"),
    (
        "other_unpaid_fee",
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        "other_processing",
    ),
    ("other_other", "3.其他", "other_processing"),
    ("total_results", "（七）总计", None),
    ("carried_forward", "四、结转下年度继续办理", None),
]
APP_ROW_IDS = [r for r, _, _ in APP_ROWS]
RESULT_ROWS = [r for r, _, g in APP_ROWS if g is not None]  # the 21 result rows
GROUP_LABELS = {
    "denied": "（三）不予公开",
    "unable": "（四）无法提供",
    "unprocessed": "（五）不予处理",
    "other_processing": "（六）其他处理",
}
GROUP_ROWS = {g: [r for r, _, gg in APP_ROWS if gg == g] for g in GROUP_LABELS}
NOTE_TEXT = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"

REVIEW_GROUPS = ["review", "litigation_direct", "litigation_after_review"]
REVIEW_FIELDS = ["upheld", "corrected", "other", "pending", "total"]
REVIEW_FIELD_LABELS = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]

ERROR_KINDS = ("row_total", "leaf", "results_total", "review_total", "carried_forward")
TEMPLATES = ("2021", "2019")

# ---------------------------------------------------------------- values


def _count(rng: random.Random, scale: int, p_zero: float) -> int:
    """A small non-negative count, zero with probability p_zero."""
    if rng.random() < p_zero:
        return 0
    return rng.randint(1, max(1, scale))


def _fee(rng: random.Random) -> int | float:
    """A fee amount in 万元 as reports print it: mostly 0, sometimes a decimal like 18651.06."""
    roll = rng.random()
    if roll < 0.6:
        return 0
    if roll < 0.75:
        return rng.randint(1, 500)
    if roll < 0.9:
        return round(rng.uniform(0.1, 99.0), rng.choice([1, 2]))
    return round(rng.uniform(1000, 30000), 2)


def _tidy_decimal(v: float) -> int | float:
    """A decimal that prints as itself (no trailing-zero surprises); integral values stay float-free."""
    v = round(v, 2)
    return int(v) if v == int(v) else v


def random_active_2021(rng: random.Random, scale: int) -> dict[str, dict[str, Any]]:
    """Section 二 of the 2021 template."""
    out: dict[str, dict[str, Any]] = {}
    for row in ("rules", "normative_documents"):
        in_force = _count(rng, scale * 3, 0.5)
        out[row] = {
            "issued": min(in_force, _count(rng, scale, 0.6)),
            "repealed": _count(rng, 3, 0.8),
            "in_force": in_force,
        }
    out["administrative_licensing"] = {"decisions": _count(rng, scale * 40, 0.4)}
    out["administrative_penalty"] = {"decisions": _count(rng, scale * 10, 0.5)}
    out["administrative_coercion"] = {"decisions": _count(rng, scale * 2, 0.7)}
    out["administrative_fees"] = {"amount": _tidy_decimal(_fee(rng))}
    return out


def random_active_2019(rng: random.Random, scale: int) -> dict[str, dict[str, Any]]:
    """Section 二 of the 2019 template."""
    out: dict[str, dict[str, Any]] = {}
    for row in ("rules", "normative_documents"):
        made = _count(rng, scale, 0.6)
        out[row] = {"made": made, "published": made, "total_published": made + _count(rng, scale * 3, 0.4)}
    for row, big in (
        ("administrative_licensing", 40),
        ("other_external_management", 10),
        ("administrative_penalty", 10),
        ("administrative_coercion", 2),
    ):
        prev = _count(rng, scale * 5, 0.5)
        change = rng.choice([0, 0, 0, rng.randint(1, 5), -min(prev, rng.randint(1, 5))])
        out[row] = {"previous_items": prev, "change": change, "decisions": _count(rng, scale * big, 0.5)}
    prev = _count(rng, 5, 0.6)
    out["administrative_fees"] = {"previous_items": prev, "change": rng.choice([0, 0, -min(prev, 1), 1])}
    items = _count(rng, 20, 0.5)
    amount = 0 if items == 0 else _tidy_decimal(rng.choice([rng.randint(1, 900), round(rng.uniform(1, 5000), 2)]))
    out["government_procurement"] = {"items": items, "amount": amount}
    return out


def random_applications(rng: random.Random, scale: int, collapse_other: bool) -> dict[str, dict[str, Any]]:
    """Section 三 values, consistent per column and per row; collapsed （六） rows left to the caller."""
    app: dict[str, dict[str, Any]] = {r: {} for r in APP_ROW_IDS}
    busy_cols = {c for c in APP_COLUMNS if c == "natural_person" or rng.random() < 0.35}
    for c in APP_COLUMNS:
        s = scale if c in busy_cols else 0
        for r in RESULT_ROWS:
            p_zero = {"granted": 0.2, "partially_granted": 0.6, "unable_not_held": 0.5}.get(r, 0.88)
            app[r][c] = _count(rng, max(1, s // (1 if r == "granted" else 3)), p_zero) if s else 0
        app["total_results"][c] = sum(app[r][c] for r in RESULT_ROWS)
        app["carried_forward"][c] = _count(rng, max(1, s // 4), 0.7) if s else 0
        out_total = app["total_results"][c] + app["carried_forward"][c]
        app["carried_over"][c] = rng.randint(0, out_total) if out_total and rng.random() < 0.3 else 0
        app["new_received"][c] = out_total - app["carried_over"][c]
    for r in APP_ROW_IDS:
        app[r]["total"] = sum(app[r][c] for c in APP_COLUMNS)
    return app


def random_review(rng: random.Random, scale: int) -> dict[str, dict[str, Any]]:
    """Section 四 values, each group's total the sum of its four results."""
    out: dict[str, dict[str, Any]] = {}
    for g in REVIEW_GROUPS:
        vals = {f: _count(rng, max(1, scale // 4), 0.8) for f in REVIEW_FIELDS[:4]}
        vals["total"] = sum(vals.values())
        out[g] = vals
    return out


def _blank_some_zeros(rng: random.Random, table: dict[str, dict[str, Any]], rate: float) -> None:
    """Turn some zero cells into blanks (None), as reports leave zero cells empty."""
    if rate <= 0:
        return
    for fields in table.values():
        for k, v in fields.items():
            if v == 0 and rng.random() < rate:
                fields[k] = None


def collapse_other_processing(tables: dict[str, Any]) -> None:
    """Move the three （六） rows into applications_group_totals.other_processing; the rows become null."""
    app = tables["applications"]
    rows = GROUP_ROWS["other_processing"]
    group = {c: sum(app[r][c] or 0 for r in rows) for c in APP_ALL_COLUMNS}
    for r in rows:
        app[r] = dict.fromkeys(APP_ALL_COLUMNS)
    tables["applications_group_totals"] = {"other_processing": group}


def random_values(
    rng: random.Random, template: str = "2021", error: str | None = None, collapse_other: bool = False
) -> dict[str, Any]:
    """Canonical tables with random values satisfying every check; optionally one injected error."""
    if template not in TEMPLATES:
        raise ValueError(f"template must be one of {TEMPLATES}, not {template!r}")
    scale = rng.choice([0, 1, 2, 3, 5, 8, 15, 40, 120])
    active = random_active_2021(rng, max(scale, 1)) if template == "2021" else random_active_2019(rng, max(scale, 1))
    tables: dict[str, Any] = {
        "active_disclosure": active,
        "applications": random_applications(rng, scale, collapse_other),
        "review_litigation": random_review(rng, scale),
    }
    if collapse_other or template == "2019":
        collapse_other_processing(tables)
    blank_rate = rng.choice([0.0, 0.0, 0.0, 0.1, 0.5, 1.0])
    _blank_some_zeros(rng, tables["applications"], blank_rate)
    _blank_some_zeros(rng, tables["review_litigation"], blank_rate)
    _blank_some_zeros(rng, tables["active_disclosure"], blank_rate / 2)
    if error is not None:
        inject_error(rng, tables, error)
    return tables


def inject_error(rng: random.Random, tables: dict[str, Any], kind: str) -> str:
    """Change exactly one value so the arithmetic fails; return a description of the change."""
    if kind == "random":
        kind = rng.choice(ERROR_KINDS)
    if kind not in ERROR_KINDS:
        raise ValueError(f"error must be one of {ERROR_KINDS} or 'random', not {kind!r}")
    app = tables["applications"]
    printed_rows = [r for r in APP_ROW_IDS if r not in _null_rows(tables)]
    if kind == "review_total":
        target, row, col = tables["review_litigation"], rng.choice(REVIEW_GROUPS), "total"
    elif kind == "row_total":
        target, row, col = app, rng.choice(printed_rows), "total"
    elif kind == "results_total":
        target, row, col = app, "total_results", rng.choice(APP_ALL_COLUMNS)
    elif kind == "carried_forward":
        target, row, col = app, "carried_forward", rng.choice(APP_COLUMNS)
    else:  # leaf
        leaf_rows = [r for r in [*RESULT_ROWS, "new_received", "carried_over"] if r in printed_rows]
        target, row, col = app, rng.choice(leaf_rows), rng.choice(APP_COLUMNS)
    old = target[row][col] or 0
    k = rng.randint(1, 3)
    new = old - k if old >= k and rng.random() < 0.4 else old + k
    target[row][col] = new
    return f"{kind}: {row}.{col} {old} -> {new}"


def _null_rows(tables: dict[str, Any]) -> set[str]:
    """Rows printed as a collapsed group (their values live in applications_group_totals)."""
    out: set[str] = set()
    for g in (tables.get("applications_group_totals") or {}).keys():
        out.update(GROUP_ROWS[g])
    return out


# ---------------------------------------------------------------- the checks, independently


def _n(v: Any) -> float:
    """Blank counts as 0."""
    return 0 if v is None else v


def failing_checks(tables: dict[str, Any]) -> list[str]:
    """The check rules that fail for these tables (ARCHITECTURE.md names), sorted."""
    app = tables["applications"]
    groups = tables.get("applications_group_totals") or {}
    collapsed = {r: g for g, rows in GROUP_ROWS.items() if g in groups for r in rows}
    failed: list[str] = []
    for c in APP_ALL_COLUMNS:
        if _n(app["new_received"][c]) + _n(app["carried_over"][c]) != _n(app["total_results"][c]) + _n(
            app["carried_forward"][c]
        ):
            failed.append(f"applications.balance.{c}")
        parts = [_n(app[r][c]) for r in RESULT_ROWS if r not in collapsed]
        parts += [_n(groups[g].get(c)) for g in groups]
        if abs(sum(parts) - _n(app["total_results"][c])) > 1e-9:
            failed.append(f"applications.results_sum.{c}")
    for r in APP_ROW_IDS:
        if r in collapsed:
            continue
        if sum(_n(app[r][c]) for c in APP_COLUMNS) != _n(app[r]["total"]):
            failed.append(f"applications.row_total.{r}")
    for g in REVIEW_GROUPS:
        vals = tables["review_litigation"][g]
        if sum(_n(vals[f]) for f in REVIEW_FIELDS[:4]) != _n(vals["total"]):
            failed.append(f"review_litigation.total.{g}")
    return sorted(failed)


# ---------------------------------------------------------------- metadata

_PROVINCES_CITIES = [
    "淮安市",
    "威海市",
    "运城市",
    "临汾市",
    "宿州市",
    "攀枝花市",
    "吕梁市",
    "泉州市",
    "赣州市",
    "南阳市",
]
_COUNTIES = [
    "尧都区",
    "固镇县",
    "文水县",
    "环翠区",
    "盐边县",
    "洪泽区",
    "平陆县",
    "安溪县",
    "信丰县",
    "内乡县",
    "灵璧县",
    "沁水县",
]
_TOWNS = [
    "屯里镇",
    "连城镇",
    "刘胡兰镇",
    "张村镇",
    "惠民镇",
    "岔河镇",
    "杜马乡",
    "龙门镇",
    "大塘埠镇",
    "马山镇",
    "青龙乡",
    "城关镇",
]
_STREETS = ["城东街道", "北关街道", "新华街道", "鼓楼街道", "解放街道", "东城街道"]
_BUREAUS = [
    "生态环境局",
    "自然资源和规划局",
    "交通运输局",
    "市场监督管理局",
    "卫生健康委员会",
    "民政局",
    "住房和城乡建设局",
    "教育局",
]


@dataclass
class Meta:
    """The report's identity: who published it, for which year, and when (None when not printed)."""

    agency: str
    short_agency: str
    year: int
    published: str | None  # ISO date printed at the end, None when the report prints no date
    place: str  # the short place name used in the body text


def random_meta(rng: random.Random, template: str = "2021") -> Meta:
    """A realistic agency (镇/乡 government, 街道办事处, 县 government or a 局) and dates."""
    year = rng.choice([2019, 2020]) if template == "2019" else rng.choice([2021, 2022, 2023, 2024])
    kind = rng.choice(["town", "town", "town", "street", "county", "bureau"])
    county, town = rng.choice(_COUNTIES), rng.choice(_TOWNS)
    if kind == "town":
        agency, short, place = f"{county}{town}人民政府", f"{town}人民政府", town
    elif kind == "street":
        street = rng.choice(_STREETS)
        agency, short, place = f"{county}{street}办事处", f"{street}办事处", street
    elif kind == "county":
        agency = short = f"{county}人民政府"
        place = county
    else:
        bureau = rng.choice(_BUREAUS)
        agency = short = f"{rng.choice(_PROVINCES_CITIES)}{bureau}"
        place = "我局" if bureau.endswith("局") else "我委"
    published = f"{year + 1}-01-{rng.randint(5, 31):02d}" if rng.random() < 0.8 else None
    return Meta(agency=agency, short_agency=short, year=year, published=published, place=place)


# ---------------------------------------------------------------- layout knobs

FONTS = ["宋体", "仿宋_GB2312", "仿宋", "黑体", "微软雅黑", "楷体_GB2312", "Noto Serif CJK SC"]


@dataclass
class Layout:
    """How the report is printed; every knob is independent of the values."""

    font: str = "宋体"
    body_size: float = 14.0  # pt
    table_size: float = 10.5  # pt
    label_width_cm: float = 2.2  # each of the three label columns of the applications table
    value_width_cm: float = 1.3  # each value column (narrow: headers wrap)
    merged_header: bool = True  # header cells merged as the national template prints them
    merged_labels: bool = True  # 三、本年度办理结果 / （三）不予公开 … merged vertically
    stacked_headers: bool = False  # vertical headers printed one character per line (结\n果\n维\n持)
    break_style: str = "paragraph"  # "paragraph" (one w:p per line) or "br" (w:br inside a run)
    blank_text: str = ""  # how a blank (None) value is printed: "", "—", "/", "-"
    long_intro: bool = False  # a page-long 一、总体情况 so the tables start on page 2+
    split_active: bool = False  # section 二 as one table per 第二十条 item instead of one table
    title_style: str = "two_lines"  # "two_lines", "br", "one_line", "year_only"
    signature: str = "full"  # "full", "short", "none"
    date_style: str = "arabic"  # "arabic" (2025年1月5日), "padded" (2025年01月05日), "chinese" (二〇二五年一月五日)
    heading_bold: bool = True
    blank_line_after_heading: bool = False
    note_in_header: bool = True  # the 勾稽关系 note in the top-left header cell (else the cell is empty)
    procurement_unit: str = ""  # 2019 only: unit printed after the 采购总金额 value ("", "万元", "元")
    header_breaks: bool = False  # long header words broken over two lines (商业\n企业) when not stacked
    value_pad: str = ""  # printed before every number ("", " ", "　" full-width space)
    halfwidth_parens: bool = False  # row labels with ASCII parentheses: (五)不予处理
    ragged_grid: bool = False  # an extra grid column no cell covers (w:gridAfter on every row)

    def validated(self) -> Layout:
        """Return self, or raise ValueError naming the first knob out of range."""
        choices = {
            "break_style": ("paragraph", "br"),
            "blank_text": ("", "—", "/", "-", "－"),
            "title_style": ("two_lines", "br", "one_line", "year_only"),
            "signature": ("full", "short", "none"),
            "date_style": ("arabic", "padded", "chinese"),
            "value_pad": ("", " ", "　"),
            "procurement_unit": ("", "万元", "元"),
        }
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {allowed}, not {getattr(self, name)!r}")
        for name in ("body_size", "table_size", "label_width_cm", "value_width_cm"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")
        if self.title_style == "year_only" and self.signature != "full":
            raise ValueError("a title without the agency needs the full agency in the signature")
        return self


def random_layout(rng: random.Random, template: str = "2021") -> Layout:
    """A random but consistent set of layout knobs."""
    title_style = rng.choice(["two_lines", "two_lines", "br", "one_line", "year_only"])
    signature = "full" if title_style == "year_only" else rng.choice(["full", "short", "none"])
    return Layout(
        font=rng.choice(FONTS),
        body_size=rng.choice([12.0, 14.0, 15.0, 16.0]),
        table_size=rng.choice([9.0, 10.0, 10.5, 12.0]),
        label_width_cm=rng.choice([1.6, 2.0, 2.5, 3.2]),
        value_width_cm=rng.choice([0.9, 1.1, 1.3, 1.6, 2.0]),
        merged_header=rng.random() < 0.8,
        merged_labels=rng.random() < 0.8,
        stacked_headers=rng.random() < 0.35,
        break_style=rng.choice(["paragraph", "br"]),
        blank_text=rng.choice(["", "", "—", "/", "-"]),
        long_intro=rng.random() < 0.4,
        split_active=rng.random() < 0.3,
        title_style=title_style,
        signature=signature,
        date_style=rng.choice(["arabic", "arabic", "padded", "chinese"]),
        heading_bold=rng.random() < 0.7,
        blank_line_after_heading=rng.random() < 0.3,
        note_in_header=rng.random() < 0.85,
        procurement_unit=rng.choice(["", "", "万元", "元"]) if template == "2019" else "",
        header_breaks=rng.random() < 0.4,
        value_pad=rng.choice(["", "", "", "", " ", "　"]),
        halfwidth_parens=rng.random() < 0.2,
        ragged_grid=rng.random() < 0.15,
    )


# ---------------------------------------------------------------- table model -> WordprocessingML


@dataclass
class Region:
    """One printed cell: top-left grid position, spans, text ("\\n" = line break)."""

    row: int
    col: int
    text: str = ""
    rowspan: int = 1
    colspan: int = 1
    bold: bool = False


@dataclass
class TableSpec:
    """A table as regions on a grid with column widths in cm."""

    widths_cm: list[float]
    regions: list[Region] = field(default_factory=list)
    n_rows: int = 0

    def add(self, row: int, col: int, text: str = "", rowspan: int = 1, colspan: int = 1, bold: bool = False) -> None:
        """Add one printed cell."""
        self.regions.append(Region(row, col, text, rowspan, colspan, bold))
        self.n_rows = max(self.n_rows, row + rowspan)


MAX_TABLE_WIDTH_CM = 16.0  # A4 with 2.5 cm margins


def _fit_widths(widths: list[float]) -> list[float]:
    """Scale column widths down so the table fits the page."""
    total = sum(widths)
    return widths if total <= MAX_TABLE_WIDTH_CM else [w * MAX_TABLE_WIDTH_CM / total for w in widths]


def _twips(cm: float) -> int:
    """Centimetres to twentieths of a point."""
    return int(round(cm / 2.54 * 1440))


def _run_xml(text: str, size_half_pts: int, bold: bool) -> str:
    """One w:r with the text."""
    rpr = f'<w:rPr>{"<w:b/>" if bold else ""}<w:sz w:val="{size_half_pts}"/><w:szCs w:val="{size_half_pts}"/></w:rPr>'
    return f'<w:r>{rpr}<w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def _cell_paragraphs_xml(text: str, layout: Layout, bold: bool) -> str:
    """The w:p elements of a cell; line breaks as separate paragraphs or as w:br."""
    size = int(round(layout.table_size * 2))
    ppr = '<w:pPr><w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/><w:jc w:val="center"/></w:pPr>'
    lines = text.split("\n")
    if layout.break_style == "paragraph" or len(lines) == 1:
        return "".join(f"<w:p>{ppr}{_run_xml(line, size, bold) if line else ''}</w:p>" for line in lines)
    rpr = f'<w:rPr>{"<w:b/>" if bold else ""}<w:sz w:val="{size}"/><w:szCs w:val="{size}"/></w:rPr>'
    inner = "<w:br/>".join(f'<w:t xml:space="preserve">{escape(line)}</w:t>' for line in lines)
    return f"<w:p>{ppr}<w:r>{rpr}{inner}</w:r></w:p>"


def table_xml(spec: TableSpec, layout: Layout) -> str:
    """A w:tbl with real gridSpan / vMerge for every merged region; uncovered positions get empty cells."""
    n_cols = len(spec.widths_cm)
    widths = _fit_widths(spec.widths_cm)
    owner: dict[tuple[int, int], Region] = {}
    for reg in spec.regions:
        for r in range(reg.row, reg.row + reg.rowspan):
            for c in range(reg.col, reg.col + reg.colspan):
                if (r, c) in owner:
                    raise ValueError(f"overlapping regions at {(r, c)}")
                owner[(r, c)] = reg
    borders = "".join(
        f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
        for side in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    grid = "".join(f'<w:gridCol w:w="{_twips(w)}"/>' for w in widths)
    tr_pr = "<w:cantSplit/>"
    if layout.ragged_grid:
        grid += f'<w:gridCol w:w="{_twips(0.3)}"/>'
        tr_pr += f'<w:gridAfter w:val="1"/><w:wAfter w:w="{_twips(0.3)}" w:type="dxa"/>'
    rows: list[str] = []
    for r in range(spec.n_rows):
        cells: list[str] = []
        c = 0
        while c < n_cols:
            reg = owner.get((r, c)) or Region(r, c)
            width = sum(_twips(w) for w in widths[c : c + reg.colspan])
            props = f'<w:tcW w:w="{width}" w:type="dxa"/>'
            if reg.colspan > 1:
                props += f'<w:gridSpan w:val="{reg.colspan}"/>'
            if reg.rowspan > 1:
                props += '<w:vMerge w:val="restart"/>' if r == reg.row else "<w:vMerge/>"
            props += '<w:vAlign w:val="center"/>'
            body = _cell_paragraphs_xml(reg.text, layout, reg.bold) if r == reg.row else "<w:p/>"
            cells.append(f"<w:tc><w:tcPr>{props}</w:tcPr>{body}</w:tc>")
            c += reg.colspan
        rows.append(f"<w:tr><w:trPr>{tr_pr}</w:trPr>{''.join(cells)}</w:tr>")
    return (
        f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblW w:w="0" w:type="auto"/><w:jc w:val="center"/>'
        f'<w:tblBorders>{borders}</w:tblBorders><w:tblLayout w:type="fixed"/></w:tblPr>'
        f"<w:tblGrid>{grid}</w:tblGrid>{''.join(rows)}</w:tbl>"
    )


# ---------------------------------------------------------------- the three tables


def _fmt(v: Any, layout: Layout) -> str:
    """A value as printed: blank text for None, the number otherwise."""
    if v is None:
        return layout.blank_text
    return layout.value_pad + str(v)


def _stack(text: str, layout: Layout) -> str:
    """A vertical header: one character per line when stacked, else long words broken in two."""
    if layout.stacked_headers:
        return "\n".join(ch for ch in text if ch.strip())
    if layout.header_breaks and len(text) >= 4 and "、" not in text and "（" not in text:
        cut = 4 if len(text) == 6 else len(text) // 2
        return f"{text[:cut]}\n{text[cut:]}"
    return text


def _span_or_fill(
    spec: TableSpec, merged: bool, row: int, col: int, text: str, rowspan: int = 1, colspan: int = 1
) -> None:
    """A merged region, or (unmerged layout) the text in its first position and empty cells elsewhere."""
    if merged:
        spec.add(row, col, text, rowspan, colspan)
        return
    for r in range(row, row + rowspan):
        for c in range(col, col + colspan):
            spec.add(r, c, text if (r, c) == (row, col) else "")


def active_tables_2021(values: dict[str, Any], layout: Layout) -> list[TableSpec]:
    """Section 二 (2021): 第二十条第（一）（五）（六）（八）项, as one table or one per item."""
    a = values["active_disclosure"]
    items = [
        ("第二十条第（一）项", ["本年制发件数", "本年废止件数", "现行有效件数"],
         [("规章", "rules", ["issued", "repealed", "in_force"]),
          ("行政规范性文件", "normative_documents", ["issued", "repealed", "in_force"])]),
        ("第二十条第（五）项", ["本年处理决定数量"], [("行政许可", "administrative_licensing", ["decisions"])]),
        ("第二十条第（六）项", ["本年处理决定数量"],
         [("行政处罚", "administrative_penalty", ["decisions"]), ("行政强制", "administrative_coercion", ["decisions"])]),
        ("第二十条第（八）项", ["本年收费金额（单位：万元）"], [("行政事业性收费", "administrative_fees", ["amount"])]),
    ]  # fmt: skip
    return _active_tables(items, a, layout)


def active_tables_2019(values: dict[str, Any], layout: Layout) -> list[TableSpec]:
    """Section 二 (2019): 第二十条第（一）（五）（六）（八）（九）项."""
    a = values["active_disclosure"]
    three = ["previous_items", "change", "decisions"]
    items = [
        ("第二十条第（一）项", ["本年新制作数量", "本年新公开数量", "对外公开总数量"],
         [("规章", "rules", ["made", "published", "total_published"]),
          ("规范性文件", "normative_documents", ["made", "published", "total_published"])]),
        ("第二十条第（五）项", ["上一年项目数量", "本年增/减", "处理决定数量"],
         [("行政许可", "administrative_licensing", three),
          ("其他对外管理服务事项", "other_external_management", three)]),
        ("第二十条第（六）项", ["上一年项目数量", "本年增/减", "处理决定数量"],
         [("行政处罚", "administrative_penalty", three), ("行政强制", "administrative_coercion", three)]),
        ("第二十条第（八）项", ["上一年项目数量", "本年增/减"],
         [("行政事业性收费", "administrative_fees", ["previous_items", "change"])]),
        ("第二十条第（九）项", ["采购项目数量", "采购总金额"],
         [("政府集中采购", "government_procurement", ["items", "amount"])]),
    ]  # fmt: skip
    return _active_tables(items, a, layout)


def _active_tables(
    items: list[tuple[str, list[str], list[tuple[str, str, list[str]]]]], a: dict[str, Any], layout: Layout
) -> list[TableSpec]:
    """Lay out 第二十条 items on a 4-column grid (the last header/value stretched over the rest)."""
    widths = [3.6, 3.4, 3.4, 3.4]
    specs: list[TableSpec] = []
    spec = TableSpec(widths)
    for title, headers, rows in items:
        if layout.split_active and spec.regions:
            specs.append(spec)
            spec = TableSpec(widths)
        r = spec.n_rows
        spec.add(r, 0, title, colspan=4, bold=True)
        _stretched_row(spec, r + 1, ["信息内容", *headers])
        for i, (label, row_id, fields) in enumerate(rows):
            texts = [_fmt(a[row_id][f], layout) for f in fields]
            if row_id == "government_procurement" and a[row_id]["amount"] is not None:
                texts[-1] += layout.procurement_unit
            _stretched_row(spec, r + 2 + i, [label, *texts])
    specs.append(spec)
    return specs


def _stretched_row(spec: TableSpec, row: int, texts: list[str]) -> None:
    """Cells on a 4-column grid; the last one spans the remaining columns."""
    for i, t in enumerate(texts):
        span = 4 - i if i == len(texts) - 1 else 1
        spec.add(row, i, t, colspan=span)


def applications_table(values: dict[str, Any], layout: Layout) -> TableSpec:
    """Section 三 as the national template prints it: 3 label columns + 7 value columns."""
    app = values["applications"]
    collapsed = set((values.get("applications_group_totals") or {}).keys())
    spec = TableSpec([layout.label_width_cm] * 3 + [layout.value_width_cm] * 7)
    mh, ml = layout.merged_header, layout.merged_labels
    note = NOTE_TEXT if layout.note_in_header else ""
    _span_or_fill(spec, mh, 0, 0, note, rowspan=3, colspan=3)
    _span_or_fill(spec, mh, 0, 3, "申请人情况", colspan=7)
    _span_or_fill(spec, mh, 1, 3, _stack("自然人", layout), rowspan=2)
    _span_or_fill(spec, mh, 1, 4, "法人或其他组织", colspan=5)
    _span_or_fill(spec, mh, 1, 9, _stack("总计", layout), rowspan=2)
    for i, lab in enumerate(["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]):
        spec.add(2, 4 + i, _stack(lab, layout))
    r = 3
    result_rows: list[tuple[str, str, str | None]] = []
    for row_id, label, group in APP_ROWS:
        if group is not None and group in collapsed:
            if row_id == GROUP_ROWS[group][0]:
                result_rows.append((group, GROUP_LABELS[group], "collapsed"))
            continue
        if group is None and row_id != "total_results":
            if row_id == "carried_forward":
                _result_block(spec, values, layout, result_rows, r)
                r += len(result_rows)
            _span_or_fill(spec, ml, r, 0, label, colspan=3)
            _values_row(spec, r, app[row_id], layout)
            r += 1
        else:
            result_rows.append((row_id, label, group))
    if layout.halfwidth_parens:
        for reg in spec.regions:
            if reg.col < 3 and reg.row >= 3:
                reg.text = reg.text.replace("（", "(").replace("）", ")")
    return spec


def _result_block(
    spec: TableSpec, values: dict[str, Any], layout: Layout, rows: list[tuple[str, str, str | None]], r0: int
) -> None:
    """The 三、本年度办理结果 rows, with the group label cells (（三）…（六）) merged vertically."""
    app = values["applications"]
    groups = values.get("applications_group_totals") or {}
    ml = layout.merged_labels
    _span_or_fill(spec, ml, r0, 0, _stack("三、本年度办理结果", layout), rowspan=len(rows))
    i = 0
    while i < len(rows):
        row_id, label, group = rows[i]
        r = r0 + i
        if group == "collapsed":
            _span_or_fill(spec, ml, r, 1, label, colspan=2)
            _values_row(spec, r, groups[row_id], layout)
            i += 1
        elif group in GROUP_LABELS:
            n = len(GROUP_ROWS[group])
            _span_or_fill(spec, ml, r, 1, _stack(GROUP_LABELS[group], layout) if ml else GROUP_LABELS[group], rowspan=n)
            for j in range(n):
                sub_id, sub_label, _ = rows[i + j]
                spec.add(r + j, 2, sub_label)
                _values_row(spec, r + j, app[sub_id], layout)
            i += n
        else:
            _span_or_fill(spec, ml, r, 1, label, colspan=2)
            _values_row(spec, r, app[row_id], layout)
            i += 1


def _values_row(spec: TableSpec, r: int, row: dict[str, Any], layout: Layout) -> None:
    """The seven value cells of an applications row."""
    for i, c in enumerate(APP_ALL_COLUMNS):
        spec.add(r, 3 + i, _fmt(row[c], layout))


def review_table(values: dict[str, Any], layout: Layout) -> TableSpec:
    """Section 四: 行政复议 (5) | 行政诉讼 (未经复议直接起诉 5, 复议后起诉 5), three header rows."""
    rv = values["review_litigation"]
    spec = TableSpec([layout.value_width_cm] * 15)
    mh = layout.merged_header
    _span_or_fill(spec, mh, 0, 0, "行政复议", colspan=5)
    _span_or_fill(spec, mh, 0, 5, "行政诉讼", colspan=10)
    for i, lab in enumerate(REVIEW_FIELD_LABELS):
        _span_or_fill(spec, mh, 1, i, _stack(lab, layout), rowspan=2)
    _span_or_fill(spec, mh, 1, 5, "未经复议直接起诉", colspan=5)
    _span_or_fill(spec, mh, 1, 10, "复议后起诉", colspan=5)
    for half in range(2):
        for i, lab in enumerate(REVIEW_FIELD_LABELS):
            spec.add(2, 5 + 5 * half + i, _stack(lab, layout))
    for gi, g in enumerate(REVIEW_GROUPS):
        for fi, f in enumerate(REVIEW_FIELDS):
            spec.add(3, 5 * gi + fi, _fmt(rv[g][f], layout))
    return spec


# ---------------------------------------------------------------- body text

_INTRO = [
    "{year}年，{place}认真贯彻执行《中华人民共和国政府信息公开条例》，根据政府信息公开工作要点，围绕中心工作，积极推进政府信息公开工作。",
    "明确了政府信息公开工作责任分工，并安排专人负责信息公开工作的收集、审核和发布，完善主动公开和依申请公开制度。",
    "通过政府门户网站、政务公开栏、微信公众号等方式，及时公开机构设置、职能简介、惠民政策等政务信息。",
    "严格落实“三审”制度，建立公开信息登记台账，多层次保障公开信息质量，确保公开内容全面、准确、及时。",
    "全年共主动公开政府信息{n}条，其中发布工作动态{m}条，政策解读{k}篇，财政预决算信息{j}条。",
    "加强政府信息管理，规范信息发布流程，对拟公开信息进行保密审查，未发生泄密事件。",
    "畅通依申请公开渠道，严格按照法定时限答复申请人，依法保障人民群众的知情权、参与权、表达权和监督权。",
    "加强组织领导，健全工作机制，形成了主要负责人全面抓、分管领导具体抓、专人专岗负责的工作体系。",
    "以互联网为技术支撑，及时按照时间节点做好政府信息公布工作，方便公众及时、准确了解政府工作情况。",
]
_PROBLEMS = [
    "{year}年政府信息公开工作还存在一些差距和不足：一是公开内容的完整性有待加强；二是公开形式的多样性有待丰富；三是与群众互动较少。",
    "下一步，将继续贯彻落实《中华人民共和国政府信息公开条例》，进一步加强组织领导，健全运行机制，着重突出人民群众关注的重点信息。",
    "进一步强化学习培训，提高信息公开业务水平，不断提高政府信息公开工作的管理和服务水平。",
]
_OTHER = [
    "本年度未收取信息处理费，且无其他需要报告的事项。",
    "本机关{year}年度未收取政府信息公开信息处理费。",
    "无",
]


def _fill(text: str, rng: random.Random, meta: Meta) -> str:
    """A body sentence with the agency's place and plausible counts."""
    return text.format(
        year=meta.year,
        place=meta.place,
        n=rng.randint(20, 900),
        m=rng.randint(5, 300),
        k=rng.randint(1, 30),
        j=rng.randint(1, 12),
    )


_CN_DIGITS = "〇一二三四五六七八九"


def _cn_number(n: int) -> str:
    """1..31 in Chinese numerals as dates print them (十五, 二十, 三十一)."""
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _CN_DIGITS[tens] + "十")
    return head + (_CN_DIGITS[ones] if ones else "")


def _date_text(iso: str, layout: Layout) -> str:
    """The printed date: 2025年1月5日, 2025年01月05日 or 二〇二五年一月五日."""
    y, m, d = iso.split("-")
    if layout.date_style == "chinese":
        return f"{''.join(_CN_DIGITS[int(ch)] for ch in y)}年{_cn_number(int(m))}月{_cn_number(int(d))}日"
    if layout.date_style == "padded":
        return f"{y}年{m}月{d}日"
    return f"{y}年{int(m)}月{int(d)}日"


# ---------------------------------------------------------------- the document


def _set_fonts(document: Any, layout: Layout) -> None:
    """Body font and size on the Normal style, East Asian face included."""
    style = document.styles["Normal"]
    style.font.name = layout.font
    style.font.size = Pt(layout.body_size)
    rpr = style.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = parse_xml(f"<w:rFonts {nsdecls('w')}/>")
        rpr.append(rfonts)
    rfonts.set(qn("w:eastAsia"), layout.font)


def _para(document: Any, text: str, bold: bool = False, center: bool = False, right: bool = False) -> Any:
    """Append one body paragraph."""
    p = document.add_paragraph()
    if text:
        run = p.add_run(text)
        run.bold = bold
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    elif right:
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    return p


def _append_table(document: Any, spec: TableSpec, layout: Layout) -> None:
    """Append a table (built as XML with real merges) to the body, before the section properties."""
    body = document.element.body
    tbl = parse_xml(table_xml(spec, layout))
    sect = body.find(qn("w:sectPr"))
    if sect is not None:
        sect.addprevious(tbl)
    else:
        body.append(tbl)


@dataclass
class Part:
    """One block of the printed report: a paragraph ("\\n" = a line break inside it) or a table."""

    text: str = ""
    bold: bool = False
    align: str = "left"  # "left", "center", "right"
    table: TableSpec | None = None


def title_parts(meta: Meta, layout: Layout) -> list[Part]:
    """The title: agency and year on two lines, one line, or the year line alone."""
    year_line = f"{meta.year}年政府信息公开工作年度报告"
    if layout.title_style == "two_lines":
        return [Part(meta.agency, True, "center"), Part(year_line, True, "center")]
    if layout.title_style == "br":
        return [Part(f"{meta.agency}\n{year_line}", True, "center")]
    if layout.title_style == "one_line":
        return [Part(f"{meta.agency}{year_line}", True, "center")]
    return [Part(year_line, True, "center")]


def report_parts(values: dict[str, Any], meta: Meta, layout: Layout, seed: int = 0) -> list[Part]:
    """The report's blocks in order (body text drawn from a generator seeded by ``seed``): every writer prints these."""
    layout.validated()
    rng = random.Random(seed)
    template = "2019" if "government_procurement" in values["active_disclosure"] else "2021"
    parts = title_parts(meta, layout)

    def heading(text: str) -> None:
        parts.append(Part(text, bold=layout.heading_bold))
        if layout.blank_line_after_heading:
            parts.append(Part(""))

    heading("一、总体情况")
    intro = list(_INTRO)
    rng.shuffle(intro)
    n_par = len(intro) * 2 if layout.long_intro else rng.randint(2, 4)
    parts += [Part("　　" + _fill(intro[i % len(intro)], rng, meta)) for i in range(n_par)]
    heading("二、主动公开政府信息情况")
    actives = active_tables_2019(values, layout) if template == "2019" else active_tables_2021(values, layout)
    parts += [Part(table=spec) for spec in actives]
    heading("三、收到和处理政府信息公开申请情况")
    parts.append(Part(table=applications_table(values, layout)))
    heading("四、政府信息公开行政复议、行政诉讼情况")
    parts.append(Part(table=review_table(values, layout)))
    heading("五、存在的主要问题及改进情况")
    parts += [Part("　　" + _fill(t, rng, meta)) for t in _PROBLEMS[: rng.randint(1, 3)]]
    heading("六、其他需要报告的事项")
    parts += [Part("　　" + _fill(rng.choice(_OTHER), rng, meta)), Part("")]
    if layout.signature != "none":
        parts.append(Part(meta.agency if layout.signature == "full" else meta.short_agency, align="right"))
    if meta.published:
        parts.append(Part(_date_text(meta.published, layout), align="right"))
    return parts


def make_docx(values: dict[str, Any], meta: Meta, layout: Layout, path: str | Path, seed: int = 0) -> Path:
    """Write the report as a DOCX at path (text content drawn from a generator seeded by ``seed``)."""
    document = docx.Document()
    _set_fonts(document, layout)
    for part in report_parts(values, meta, layout, seed):
        if part.table is not None:
            _append_table(document, part.table, layout)
            continue
        lines = part.text.split("\n")
        p = _para(document, lines[0], bold=part.bold, center=part.align == "center", right=part.align == "right")
        for line in lines[1:]:
            run = p.add_run()
            run.add_break()
            run.add_text(line)
            run.bold = part.bold
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    document.save(buf)
    out.write_bytes(_frozen_zip(buf.getvalue()))
    return out


def _frozen_zip(data: bytes) -> bytes:
    """The same package with fixed entry timestamps, so equal inputs give byte-identical files."""
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2000, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, src.read(info))
    return buf.getvalue()


# ---------------------------------------------------------------- expected JSON


def expected_agency(meta: Meta, layout: Layout) -> str:
    """The full agency name is printed in the title or the signature (random_layout guarantees it)."""
    return meta.agency


def write_expected(
    values: dict[str, Any],
    meta: Meta,
    path: str | Path,
    failing: Iterable[str],
    note: str,
    template: str | None = None,
    source: str | None = None,
) -> Path:
    """Write NAME.expected.json (the form of ../shared/seeds/*.expected.json plus failing_checks)."""
    if template is None:
        template = "2019" if "government_procurement" in values["active_disclosure"] else "2021"
    out = Path(path)
    doc = {
        "source": source or out.name.replace(".expected.json", ".docx"),
        "note": note,
        "template": template,
        "report": {"agency": meta.agency, "year": meta.year, "published": meta.published},
        "tables": values,
        "failing_checks": sorted(failing),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return out


def describe_layout(layout: Layout) -> str:
    """A short note naming the layout knobs that differ from the defaults."""
    default = asdict(Layout())
    diffs = [f"{k}={v!r}" for k, v in asdict(layout).items() if default[k] != v]
    return "generated DOCX; layout: " + (", ".join(diffs) if diffs else "defaults")


@dataclass
class RandomReport:
    """One random report before it is written: values, identity, layout, and the error injected (or "")."""

    values: dict[str, Any]
    meta: Meta
    layout: Layout
    change: str


def random_report(
    rng: random.Random, template: str, error: str | None, collapse: bool | None, layout: Layout | None
) -> RandomReport:
    """Values (an error injected when asked), agency and layout of one report (collapse/layout random unless given)."""
    if collapse is None:
        collapse = template == "2019" or rng.random() < 0.25
    values = random_values(rng, template, error=None, collapse_other=collapse)
    change = inject_error(rng, values, error) if error else ""
    meta = random_meta(rng, template)
    return RandomReport(values, meta, layout or random_layout(rng, template), change)


def generate_one(
    rng: random.Random,
    out_dir: str | Path,
    name: str,
    template: str = "2021",
    error: str | None = None,
    collapse: bool | None = None,
    layout: Layout | None = None,
) -> tuple[Path, Path]:
    """One random report: NAME.docx and NAME.expected.json in out_dir (collapse/layout random unless given)."""
    r = random_report(rng, template, error, collapse, layout)
    out = Path(out_dir)
    docx_path = make_docx(r.values, r.meta, r.layout, out / f"{name}.docx", seed=rng.randint(0, 2**31))
    note = describe_layout(r.layout) + (f"; injected error {r.change}" if r.change else "")
    exp_path = write_expected(r.values, r.meta, out / f"{name}.expected.json", failing_checks(r.values), note, template)
    return docx_path, exp_path


# name -> (template, error, collapse, layout): the committed examples in samples/docx/.
EXAMPLES: dict[str, tuple[str, str | None, bool, Layout]] = {
    "docx2021_plain": ("2021", None, False, Layout()),
    "docx2021_row_total_error": (
        "2021",
        "row_total",
        False,
        Layout(font="仿宋_GB2312", blank_text="—", header_breaks=True, value_pad="　", date_style="chinese"),
    ),
    "docx2021_collapsed_other": (
        "2021",
        None,
        True,
        Layout(stacked_headers=True, break_style="br", long_intro=True, title_style="year_only"),
    ),
    "docx2021_unmerged_leaf_error": (
        "2021",
        "leaf",
        False,
        Layout(
            merged_header=False,
            merged_labels=False,
            split_active=True,
            value_width_cm=0.9,
            signature="none",
            halfwidth_parens=True,
            ragged_grid=True,
        ),
    ),
    "docx2019_plain": ("2019", None, True, Layout(procurement_unit="万元", title_style="one_line")),
    "docx2019_review_error": ("2019", "review_total", True, Layout(stacked_headers=True, blank_text="/")),
}


def write_examples(out_dir: str | Path, seed: int = 2024) -> list[tuple[Path, Path]]:
    """The fixed set of committed examples (see :data:`EXAMPLES`)."""
    rng = random.Random(seed)
    return [
        generate_one(rng, out_dir, name, tpl, err, collapse, layout)
        for name, (tpl, err, collapse, layout) in EXAMPLES.items()
    ]


def generate(
    out_dir: str | Path, count: int, seed: int = 0, template: str = "2021", errors: int = 0
) -> list[tuple[Path, Path]]:
    """``count`` reports (the first ``errors`` with one injected error); template "mixed" alternates."""
    rng = random.Random(seed)
    made: list[tuple[Path, Path]] = []
    for i in range(count):
        tpl = template if template != "mixed" else ("2019" if i % 3 == 2 else "2021")
        err = "random" if i < errors else None
        name = f"gen{tpl}_s{seed}_{i:03d}" + ("_err" if err else "")
        made.append(generate_one(rng, out_dir, name, tpl, err))
    return made


def generation_parser(doc: str | None, count: int, template: str) -> argparse.ArgumentParser:
    """The arguments every sample maker shares: --out, --count, --seed, --template, --errors."""
    ap = argparse.ArgumentParser(description=doc.split("\n")[0] if doc else None)
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--count", type=int, default=count)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--template", choices=[*TEMPLATES, "mixed"], default=template)
    ap.add_argument("--errors", type=int, default=0, help="how many of the reports get one injected error")
    return ap


def parse_generation_args(ap: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace:
    """Parse, refusing a count or error count out of range."""
    args = ap.parse_args(argv)
    if args.count < 0 or not 0 <= args.errors <= args.count:
        ap.error("need 0 <= errors <= count")
    return args


def run_maker(
    doc: str | None,
    count: int,
    examples: Callable[[Path], list[tuple[Path, Path]]],
    many: Callable[[Path, int, int, str, int], list[tuple[Path, Path]]],
    argv: list[str] | None,
) -> int:
    """A sample maker's command line: ``--examples`` writes its committed examples under --out, else
    ``many(out, count, seed, template, errors)``; prints the paths made."""
    ap = generation_parser(doc, count=count, template="mixed")
    ap.add_argument("--examples", action="store_true", help="write the committed examples under OUT")
    args = parse_generation_args(ap, argv)
    out = Path(args.out)
    made = examples(out) if args.examples else many(out, args.count, args.seed, args.template, args.errors)
    for path, _ in made:
        print(path)
    return 0


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    ap = generation_parser(__doc__, count=10, template="2021")
    ap.add_argument("--examples", action="store_true", help="write the fixed committed examples instead")
    args = parse_generation_args(ap, argv)
    if args.examples:
        for d, _ in write_examples(args.out):
            print(d)
        return 0
    for d, _ in generate(args.out, args.count, args.seed, args.template, args.errors):
        print(d)
    return 0


if __name__ == "__main__":
    sys.exit(main())
