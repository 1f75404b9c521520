"""Property-based fuzzing (hypothesis, bounded to well under a minute) of the grid repairs, the normaliser,
the number parser, the text-dump adapter and the format sniffer.

Properties: nothing raises but ReportError; grids stay consistent through the repairs (no two cells on
one position, no span below 1); no value is invented (every number in the output's tables is a number
printed in some input cell or line, and every cell entry's value is its raw text's reading).
bench/fuzz.py runs the same properties for as long as asked.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from conftest import SHARED, SHARED_MISSING
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from ingest.errors import ReportError
from ingest.grid import Cell, Document, Paragraph, Table
from ingest.options import Options

# No shrinking phase: shrinking a failure of the whole pipeline can take minutes, and the file must stay
# well under a minute in CI even when it finds something (minimal inputs are kept as regression tests below).
SETTINGS = settings(
    max_examples=60,
    deadline=timedelta(seconds=5),
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FAST = settings(SETTINGS, max_examples=300, deadline=timedelta(seconds=1))

# Words the normaliser looks for, so that random grids reach deep into the template mapping.
VOCAB = [
    "规章",
    "行政规范性文件",
    "规范性文件",
    "行政许可",
    "行政处罚",
    "行政强制",
    "行政事业性收费",
    "本年制发件数",
    "本年废止件数",
    "现行有效件数",
    "本年处理决定数量",
    "本年收费金额（单位：万元）",
    "信息内容",
    "申请人情况",
    "自然人",
    "法人或其他组织",
    "商业企业",
    "科研机构",
    "社会公益组织",
    "法律服务机构",
    "其他",
    "总计",
    "一、本年新收政府信息公开申请数量",
    "二、上年结转政府信息公开申请数量",
    "三、本年度办理结果",
    "（一）予以公开",
    "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    "（三）不予公开",
    "1.属于国家秘密",
    "（四）无法提供",
    "（五）不予处理",
    "（六）其他处理",
    "（七）总计",
    "四、结转下年度继续办理",
    "行政复议",
    "行政诉讼",
    "未经复议直接起诉",
    "复议后起诉",
    "结果维持",
    "结果纠正",
    "其他结果",
    "尚未审结",
    "结 果 维 持",
    "3. 要求提供公开出版",
    "物",
    "本年新制作数量",
    "上一年项目数量",
    "政府集中采购",
]
PARAGRAPHS = [
    "某某区人民政府",
    "2024年政府信息公开工作年度报告",
    "2020年政府信息公开工作年度报告",
    "一、总体情况",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "2025年1月14日",
]

number_text = st.one_of(
    st.integers(-5, 10**7).map(str),
    st.decimals(0, 10**5, places=2, allow_nan=False, allow_infinity=False).map(str),
    st.integers(0, 999).map(lambda n: str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))),
    st.integers(0, 99999).map(lambda n: f"{n:,}"),
    st.integers(0, 500).map(lambda n: f"{n}件"),
    st.integers(0, 500).map(lambda n: " ".join(str(n))),
    st.sampled_from(
        ["", "-", "—", "/", "／", "无", "0", "0.00", "1e5", "NaN", "∞", "½", "²", "٣", "１.５", "12.", ".5"]
    ),
)
cell_text = st.one_of(number_text, st.sampled_from(VOCAB), st.text(max_size=12), st.just(""))


@st.composite
def grids(draw: st.DrawFn, max_rows: int = 14, max_cols: int = 9) -> Table:
    """A consistent grid: cells placed row by row with random spans, never overlapping."""
    n_rows = draw(st.integers(1, max_rows))
    n_cols = draw(st.integers(1, max_cols))
    taken: set[tuple[int, int]] = set()
    cells: list[Cell] = []
    for r in range(n_rows):
        for c in range(n_cols):
            if (r, c) in taken:
                continue
            rs = draw(st.sampled_from([1, 1, 1, 1, 2, 3]))
            cs = draw(st.sampled_from([1, 1, 1, 1, 2, 7]))
            rs = min(rs, n_rows - r)
            cs = next(k for k in range(min(cs, n_cols - c), 0, -1) if all((r, c + j) not in taken for j in range(k)))
            cover = {(r + i, c + j) for i in range(rs) for j in range(cs)}
            if cover & taken:
                rs, cs, cover = 1, 1, {(r, c)}
            taken |= cover
            if draw(st.integers(0, 9)) == 0:  # a hole in the grid (ragged rows)
                continue
            cells.append(
                Cell(
                    text=draw(cell_text),
                    row=r,
                    col=c,
                    rowspan=rs,
                    colspan=cs,
                    page=draw(st.integers(1, 3)),
                    confidence=draw(st.sampled_from([1.0, 1.0, 0.95, 0.6, 0.2])),
                    alternatives=draw(st.lists(st.tuples(number_text, st.floats(0, 1)), max_size=2)),
                )
            )
    return Table(cells=cells, page=cells[0].page if cells else 1, exact=draw(st.booleans()))


@st.composite
def documents(draw: st.DrawFn) -> Document:
    """A document of random paragraphs (report vocabulary or not) and consistent grids in random order."""
    blocks: list[Paragraph | Table] = []
    for _ in range(draw(st.integers(0, 8))):
        if draw(st.booleans()):
            blocks.append(Paragraph(text=draw(st.one_of(st.sampled_from(PARAGRAPHS), st.text(max_size=30)))))
        else:
            blocks.append(draw(grids()))
    return Document(path="fuzz.txt", format="text", blocks=blocks)


def _seed_documents() -> list[Document]:
    """The seed text dumps read by the text adapter: real grids to mutate."""
    from ingest.text import read

    docs = []
    for p in sorted((SHARED / "seeds").glob("*.txt")):
        docs.append(read(str(p), p.read_bytes(), Options()))
    return docs


SEED_DOCS = _seed_documents()


@st.composite
def mutated_seeds(draw: st.DrawFn) -> Document:
    """A real seed document with some cells rewritten, re-spanned, removed, or a table split across pages."""
    doc = draw(st.sampled_from(SEED_DOCS))
    blocks: list[Paragraph | Table] = []
    for b in doc.blocks:
        if not isinstance(b, Table):
            blocks.append(b)
            continue
        cells = list(b.cells)
        for _ in range(draw(st.integers(0, 6))):
            if not cells:
                break
            i = draw(st.integers(0, len(cells) - 1))
            action = draw(st.sampled_from(["text", "text", "delete", "span"]))
            if action == "text":
                alternatives = draw(st.lists(st.tuples(number_text, st.floats(0, 1)), max_size=2))
                confidence = draw(st.sampled_from([1.0, 0.95, 0.5]))
                cells[i] = replace(cells[i], text=draw(cell_text), alternatives=alternatives, confidence=confidence)
            elif action == "delete":
                cells.pop(i)
            else:
                cells = _respan(cells, i, draw(st.integers(1, 3)), draw(st.integers(1, 4)))
        if cells and draw(st.integers(0, 3)) == 0:  # cut the table in two at a page break
            cut = draw(st.integers(0, max(c.row for c in cells)))
            top = [c for c in cells if c.row + c.rowspan <= cut]
            bottom = [replace(c, row=c.row - cut, page=2) for c in cells if c.row >= cut]
            blocks += [replace(b, cells=top, page=1), replace(b, cells=bottom, page=2)]
        else:
            blocks.append(replace(b, cells=cells))
    return replace(doc, blocks=blocks)


def _respan(cells: list[Cell], i: int, rowspan: int, colspan: int) -> list[Cell]:
    """Give cell i a new span and drop the cells it now covers (the grid stays consistent)."""
    c = replace(cells[i], rowspan=rowspan, colspan=colspan)
    cover = positions(c)
    return [c if k == i else d for k, d in enumerate(cells) if k == i or not (positions(d) & cover)]


def positions(c: Cell) -> set[tuple[int, int]]:
    """The grid positions a cell covers."""
    return {(c.row + i, c.col + j) for i in range(c.rowspan) for j in range(c.colspan)}


def assert_consistent(table: Table) -> None:
    """Spans at least 1, positions non-negative, no position covered twice."""
    seen: set[tuple[int, int]] = set()
    for c in table.cells:
        assert c.rowspan >= 1 and c.colspan >= 1, c
        assert c.row >= 0 and c.col >= 0, c
        cover = positions(c)
        assert not (cover & seen), f"{c} overlaps another cell"
        seen |= cover


def printed_numbers(doc: Document) -> set[float]:
    """Every number printed in the document's cells (or offered as their alternative readings) and lines."""
    texts = [c.text for t in doc.tables for c in t.cells] + [p.text for p in doc.paragraphs]
    texts += [alt for t in doc.tables for c in t.cells for alt, _p in c.alternatives]
    out: set[float] = set()
    for t in texts:
        norm = unicodedata.normalize("NFKC", t)
        for variant in (norm, re.sub(r"\s+", "", norm), re.sub(r"[,，\s]", "", norm), norm.replace("。", ".")):
            for m in re.finditer(r"\d+(?:\.\d+)?", variant):
                out.add(float(m.group()))
    return out


def table_numbers(report: dict[str, Any]) -> list[float]:
    """Every numeric value in the report's tables (including group totals and extra columns)."""
    found: list[float] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for v in node.values():
                walk(v)
        elif isinstance(node, bool) or node is None:
            return
        elif isinstance(node, (int, float)):
            found.append(float(node))

    walk(report.get("tables"))
    return found


def convert_doc(doc: Document) -> dict[str, Any] | None:
    """Repair and normalise; None when the normaliser refuses the document with a ReportError."""
    import layout
    import normalize

    repaired = layout.repair(doc)
    for t in repaired.tables:
        assert_consistent(t)
    try:
        return normalize.build(repaired, sha256="0" * 64)
    except ReportError:
        return None


def assert_nothing_invented(doc: Document, report: dict[str, Any]) -> None:
    """Every table value is a printed number; every cell entry's value is the reading of its raw text or of one
    of its alternative readings."""
    from normalize.numbers import parse_number

    printed = printed_numbers(doc)
    for v in table_numbers(report):
        assert math.isfinite(v), v
        assert abs(v) in printed, f"value {v} printed nowhere in the input"
    for entry in report.get("cells", []):
        readings = [parse_number(entry["raw"]).value]
        readings += [parse_number(a["text"]).value for a in entry.get("alternatives", [])]
        assert entry["value"] in readings, entry


@SETTINGS
@given(documents())
def test_random_documents_never_crash_and_invent_nothing(doc: Document) -> None:
    for t in doc.tables:
        assert_consistent(t)
    report = convert_doc(doc)
    if report is not None:
        assert_nothing_invented(doc, report)


@SETTINGS
@pytest.mark.skipif(not SEED_DOCS, reason=SHARED_MISSING)
@given(mutated_seeds())
def test_mutated_seed_reports_never_crash_and_invent_nothing(doc: Document) -> None:
    for t in doc.tables:
        assert_consistent(t)
    report = convert_doc(doc)
    if report is not None:
        assert_nothing_invented(doc, report)


@FAST
@given(st.text(max_size=40))
def test_parse_number_total_and_faithful(raw: str) -> None:
    from normalize.numbers import parse_number

    p = parse_number(raw)
    assert p.status in ("ok", "blank", "unreadable")
    if p.status != "ok":
        assert p.value is None
        return
    assert isinstance(p.value, (int, float)) and not isinstance(p.value, bool)
    assert math.isfinite(p.value)
    # the value's digits are digits printed in the text (any script's decimal digits count as printed)
    norm = unicodedata.normalize("NFKC", raw)
    digits = "".join(str(unicodedata.decimal(ch)) for ch in norm if ch.isdecimal())
    shown = re.sub(r"\D", "", repr(abs(p.value)).rstrip("0").rstrip("."))
    assert shown.lstrip("0") in digits or p.value == 0, (raw, p.value)


@FAST
@given(st.one_of(st.integers(-(10**12), 10**12), st.decimals(0, 10**6, places=2, allow_nan=False)))
def test_parse_number_reads_printed_numbers_back(n: Any) -> None:
    from normalize.numbers import parse_number

    text = str(n)
    assert parse_number(text).value == (int(n) if "." not in text else float(text))
    wide = text.translate(str.maketrans("0123456789.-", "０１２３４５６７８９．－"))
    assert parse_number(wide).value == parse_number(text).value


@SETTINGS
@given(st.binary(max_size=3000))
def test_text_adapter_and_sniffer_on_arbitrary_bytes(data: bytes) -> None:
    from ingest.detect import FORMATS, sniff
    from ingest.text import read

    try:
        assert sniff(data) in FORMATS
    except ReportError:
        pass
    try:
        doc = read("fuzz.txt", data, Options())
    except ReportError:
        return
    for t in doc.tables:
        assert_consistent(t)


text_dump_lines = st.lists(
    st.one_of(
        st.sampled_from(PARAGRAPHS),
        st.builds(lambda s: "\t" + s, cell_text),
        st.builds(lambda cells: "| " + " | ".join(cells) + " |", st.lists(cell_text, max_size=8)),
        st.builds(lambda cells: "\t".join(cells), st.lists(cell_text, min_size=2, max_size=8)),
        st.just(""),
        st.text(max_size=20),
    ),
    max_size=60,
)


@SETTINGS
@given(text_dump_lines, st.sampled_from(["utf-8", "gb18030", "utf-16"]))
def test_text_dumps_convert_or_refuse_cleanly(lines: list[str], encoding: str) -> None:
    from ingest.text import read

    text = "\n".join(lines)
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        return
    try:
        doc = read("fuzz.txt", data, Options())
    except ReportError:
        return
    for t in doc.tables:
        assert_consistent(t)
    report = convert_doc(doc)
    if report is not None:
        assert_nothing_invented(doc, report)


@SETTINGS
@given(st.binary(max_size=2000))
def test_guards_on_arbitrary_bytes(data: bytes) -> None:
    from ingest.limits import check_image_header, check_zip

    for guard, limit in ((check_zip, 10**6), (check_image_header, 10**6)):
        try:
            guard(data, limit)
        except ReportError:
            pass


@pytest.mark.parametrize("doc", SEED_DOCS, ids=lambda d: d.path.rsplit("/", 1)[-1])
def test_unmutated_seeds_satisfy_the_properties(doc: Document) -> None:
    report = convert_doc(doc)
    assert report is not None
    assert_nothing_invented(doc, report)


# Minimal inputs found by this fuzzing (kept as plain regression tests: they fail until the repair is fixed).
MINIMAL_OVERLAPS = {
    "continuation_row_onto_a_filled_cell": [
        Table([Cell("9 7", 0, 0), Cell(".5", 0, 1)], exact=False),
        Table([Cell("1e5", 0, 0)], exact=False),
    ],
    "label_row_after_a_page_break": [
        Table([Cell("0", 0, 1)], page=1, exact=False),
        Table([Cell("本年收费金额（单位：万元）", 0, 1, page=2)], page=2, exact=False),
    ],
}


@pytest.mark.parametrize("name", list(MINIMAL_OVERLAPS))
def test_repair_keeps_minimal_fuzz_findings_consistent(name: str) -> None:
    import layout

    doc = Document(path="min.txt", format="text", blocks=list(MINIMAL_OVERLAPS[name]))
    for t in layout.repair(doc).tables:
        assert_consistent(t)
