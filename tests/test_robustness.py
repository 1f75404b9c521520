"""Robustness: correct grids damaged the way real documents and extraction tools damage them still convert
to their truth (bench/robustness.py holds the perturbations and prints the full table).

Each perturbation is applied at the adapter stage (ingest.load), then layout.repair and normalize.build
run. A perturbation that applies to no document of the corpus fails (a case that cannot fail is no test).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT, SHARED

import bench.robustness as rb
import layout
import normalize
from ingest.grid import Cell, Document, Paragraph, Table

DOCS = ["gen2021_s11_000", "gen2019_s11_002", "pingtan_2024", "hongze_2024", "002_d783aba02661c840"]
FILES = {
    "pingtan_2024": SHARED / "real" / "pingtan_2024.html",
    "hongze_2024": SHARED / "real" / "hongze_2024.pdf",
    "002_d783aba02661c840": SHARED / "seeds" / "002_d783aba02661c840.txt",
    "gen2021_s2024_004": ROOT / "samples" / "html" / "gen2021_s2024_004_gbk_nometa_fragment.html",
}


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, rb.Case]:
    out = tmp_path_factory.mktemp("robust")
    made = {Path(d).stem: rb.make_case(Path(d).name, str(d), str(e)) for d, e in rb.generate(out, 3, 11, "mixed", 0)}
    for name, path in FILES.items():
        made[name] = rb.make_case(path.name, str(path), rb.expected_path_of(str(path)))
    return made


def test_unperturbed_cases_convert(cases: dict[str, rb.Case]) -> None:
    """The baseline: every document of the test corpus converts exactly before any damage."""
    assert {name: rb.outcome(c)[1] for name, c in cases.items() if not rb.outcome(c)[0]} == {}


@pytest.mark.parametrize("variant", rb.VARIANTS)
def test_perturbed_converts(cases: dict[str, rb.Case], variant: str) -> None:
    """The perturbation applies to at least one document of the corpus, and each document it applies to
    still converts to its truth."""
    applied: list[str] = []
    failed: dict[str, str] = {}
    for doc in DOCS:
        case = rb.apply(cases[doc], [variant], seed=0)
        if case is None:
            continue  # nothing of this kind to damage in this document
        applied.append(doc)
        ok, what = rb.outcome(case)
        if not ok:
            failed[doc] = f"{case.note}: {what}"
    assert applied, f"{variant} applies to no document of {DOCS}"
    assert failed == {}


def test_perturbations_change_the_document(cases: dict[str, rb.Case]) -> None:
    """A perturbation that applies really changes the grids or paragraphs (no test that cannot fail)."""
    base = cases["gen2021_s11_000"]
    for variant in rb.VARIANTS:
        p = rb.apply(base, [variant], seed=0)
        if p is not None:
            assert p.doc.blocks != base.doc.blocks, variant


# ---------------------------------------------------------------- minimal reproductions

LEAVES = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]


def _convert(blocks: list[Paragraph | Table]) -> dict[str, object]:
    doc = Document("x.docx", "docx", blocks=[Paragraph("某县人民政府2024年政府信息公开工作年度报告"), *blocks])
    return normalize.build(layout.repair(doc), sha256=None)


def _review_table(values: list[str], lead: int) -> Table:
    """Section 四 with `lead` empty columns at its left (a border read as a column)."""
    cells = [Cell("", r, k) for r in range(4) for k in range(lead)]
    cells += [Cell("行政复议", 0, lead, colspan=5), Cell("行政诉讼", 0, lead + 5, colspan=10)]
    cells += [Cell(w, 1, lead + k, rowspan=2) for k, w in enumerate(LEAVES)]
    cells += [Cell("未经复议直接起诉", 1, lead + 5, colspan=5), Cell("复议后起诉", 1, lead + 10, colspan=5)]
    cells += [Cell(w, 2, lead + 5 + k) for k, w in enumerate(LEAVES * 2)]
    cells += [Cell(v, 3, lead + k) for k, v in enumerate(values)]
    return Table(cells)


def test_review_with_empty_left_column_and_blank_last_value() -> None:
    values = ["1", "0", "0", "0", "1", "0", "0", "0", "0", "0", "0", "2", "0", "0", ""]
    report = _convert([Paragraph("四、政府信息公开行政复议、行政诉讼情况"), _review_table(values, lead=1)])
    rl = report["tables"]["review_litigation"]  # type: ignore[index]
    assert rl["review"] == {"upheld": 1, "corrected": 0, "other": 0, "pending": 0, "total": 1}
    assert rl["litigation_after_review"]["corrected"] == 2 and rl["litigation_after_review"]["total"] is None


def test_review_with_blank_last_value() -> None:
    values = ["1", "0", "0", "0", "1", "0", "0", "0", "0", "0", "0", "2", "0", "0", ""]
    report = _convert([Paragraph("四、政府信息公开行政复议、行政诉讼情况"), _review_table(values, lead=0)])
    assert report["tables"]["review_litigation"]["review"]["upheld"] == 1  # type: ignore[index]


@pytest.mark.parametrize("above", ["-", "0"])
def test_cut_row_below_a_row_of_dashes_or_numbers(above: str) -> None:
    part1 = Table(
        [Cell("5.要求行政机关确认或重新出具已获取信息", 0, 0), *(Cell(above, 0, k) for k in range(1, 8))]
        + [Cell("（六）其他处", 1, 0), *(Cell("", 1, k) for k in range(1, 8))],
        page=2,
    )
    part2 = Table([Cell("理", 0, 0), *(Cell(v, 0, k + 1) for k, v in enumerate("0000022"))], page=3)
    doc = layout.repair(Document("x.pdf", "pdf", blocks=[part1, part2]))
    assert [c.text for c in doc.tables[0].rows()[-1]][:2] == ["（六）其他处理", "0"]


def _active_item(title: str, header: list[str], rows: list[list[str]]) -> Table:
    """One 第二十条 item as Word prints it: four grid columns, a single value spanning the last three."""
    span = 4 - len(header) + 1

    def line(r: int, texts: list[str]) -> list[Cell]:
        return [Cell(texts[0], r, 0)] + [
            Cell(t, r, 1 + k, colspan=span if len(texts) == 2 else 1) for k, t in enumerate(texts[1:])
        ]

    cells = [Cell(title, 0, 0, colspan=4), *line(1, header)]
    cells += [c for r, row in enumerate(rows) for c in line(2 + r, row)]
    return Table(cells)


def test_active_item_title_not_glued_to_label_above() -> None:
    t1 = _active_item(
        "第二十条第（一）项",
        ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
        [["规章", "0", "2", "0"], ["行政规范性文口", "1", "0", "5"]],
    )
    t2 = _active_item("第二十条第（五）项", ["信息内容", "本年处理决定数量"], [["行政许可", "39"]])
    doc = layout.repair(Document("x.docx", "docx", blocks=[t1, t2]))
    labels = [c.text for t in doc.tables for c in t.cells if "行政规范性" in c.text]
    assert labels == ["行政规范性文口"]


def test_number_with_unit_not_joined_into_label() -> None:
    case = rb.make_case(
        "004_9fc5a355c4b21346.txt",
        str(SHARED / "seeds" / "004_9fc5a355c4b21346.txt"),
        str(SHARED / "seeds" / "004_9fc5a355c4b21346.expected.json"),
    )
    t = next(
        i
        for i, b in enumerate(case.doc.blocks)
        if isinstance(b, Table) and "本机关不掌" in "".join(c.text for c in b.cells)
    )
    table = case.doc.blocks[t]
    assert isinstance(table, Table)
    row = next(c.row for c in table.cells if "本机关不掌" in c.text)  # the cut row's first part, with its values
    first = min((c for c in table.cells if c.row == row and rb.is_number(c)), key=lambda c: c.col)
    damaged = rb.with_table(case, t, rb.set_text(table, first, first.text.strip() + "条"), "0条")
    assert rb.outcome(damaged) == (True, "")


@pytest.mark.parametrize(
    "note",
    [
        "*",
        "（件）",
        "",
    ],
)
def test_total_row_with_a_note(cases: dict[str, rb.Case], note: str) -> None:
    case = cases["gen2021_s2024_004"]
    i = rb.main_table(case.doc, "applications")
    assert i is not None
    table = case.doc.blocks[i]
    assert isinstance(table, Table)
    cell = next(c for c in table.cells if rb._canon(c.text).endswith("总计") and "七" in c.text)
    damaged = rb.with_table(case, i, rb.set_text(table, cell, cell.text + note), note)
    assert rb.outcome(damaged) == (True, "")


def test_active_two_char_label_with_ocr_error() -> None:
    t1 = _active_item(
        "第二十条第（一）项",
        ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
        [["口章", "0", "2", "0"], ["行政规范性文件", "1", "0", "5"]],
    )
    report = _convert([Paragraph("二、主动公开政府信息情况"), t1])
    assert report["tables"]["active_disclosure"]["rules"] == {"issued": 0, "repealed": 2, "in_force": 0}  # type: ignore[index]
