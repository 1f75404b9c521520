"""The normaliser on edited grids: check-guided correction, table parts, repeated headers, templates as data."""

from __future__ import annotations

from dataclasses import replace

from conftest import SHARED, failing_rules

import layout
from ingest import load
from ingest.grid import Cell, Document, Table
from normalize import build

SEED = str(SHARED / "seeds" / "001_f4141a8ebd31f87f.txt")


def _with_cell(text: str, confidence: float, alternatives: list[tuple[str, float]]) -> Document:
    """Seed 001 with the 予以公开/自然人 cell (truly 1) read as `text`."""
    doc = layout.repair(load(SEED))
    blocks = []
    for b in doc.blocks:
        if isinstance(b, Table):
            rows = b.rows()
            for r in rows:
                if any("予以公开" in c.text for c in r):
                    target = next(c for c in r if c.text == "1")
                    cells = [
                        replace(c, text=text, confidence=confidence, alternatives=alternatives) if c is target else c
                        for c in b.cells
                    ]
                    b = replace(b, cells=cells)
                    break
        blocks.append(b)
    return replace(doc, blocks=blocks)


def table(rows: list[list[str]]) -> Table:
    """A ragged text-dump table of these cell texts."""
    return Table([Cell(t, r, c) for r, row in enumerate(rows) for c, t in enumerate(row)], exact=False)


def test_doubtful_digit_corrected_by_its_alternative() -> None:
    report = build(_with_cell("7", 0.55, [("1", 0.4), ("4", 0.1)]))
    assert report["tables"]["applications"]["granted"]["natural_person"] == 1
    assert failing_rules(report) == set()
    cell = next(c for c in report["cells"] if c["field"] == "applications.granted.natural_person")
    assert cell["corrected"] is True and cell["corrected_from"] == 7
    assert any("corrected to 1" in w for w in report["warnings"])


def test_confident_reading_is_never_changed() -> None:
    report = build(_with_cell("7", 0.97, [("1", 0.4)]))
    assert report["tables"]["applications"]["granted"]["natural_person"] == 7
    assert "applications.row_total.granted" in failing_rules(report)


def test_check_that_no_alternative_satisfies_stays_failed() -> None:
    report = build(_with_cell("7", 0.5, [("8", 0.3), ("9", 0.1)]))
    assert report["tables"]["applications"]["granted"]["natural_person"] == 7
    assert {"applications.row_total.granted", "applications.results_sum.natural_person"} <= failing_rules(report)
    assert not any("corrected" in w for w in report["warnings"])


def test_unreadable_value_is_null_with_zero_confidence() -> None:
    report = build(_with_cell("l?", 0.3, []))
    assert report["tables"]["applications"]["granted"]["natural_person"] is None
    cell = next(c for c in report["cells"] if c["field"] == "applications.granted.natural_person")
    assert cell["confidence"] == 0.0 and cell["raw"] == "l?"
    assert any("granted.natural_person" in w and "could not read" in w for w in report["warnings"])


def test_table_part_of_another_width_is_read_by_position() -> None:
    """An applications table continued as a second Word table without the leftmost (group) column."""
    import json

    from conftest import ROOT, table_mismatches

    from normalize.tables import classify

    path = ROOT / "samples" / "docx" / "docx2021_plain.docx"
    expected = json.loads(path.with_name("docx2021_plain.expected.json").read_text(encoding="utf-8"))
    doc = layout.repair(load(str(path)))
    i, table = next((i, b) for i, b in enumerate(doc.blocks) if isinstance(b, Table) and classify(b) == "applications")
    cut = 14
    top = [c for c in table.cells if c.row < cut]
    bottom = []
    for c in table.cells:
        if c.row < cut and c.row + c.rowspan > cut:  # a label merged across the cut: printed again below
            top.remove(c)
            top.append(replace(c, rowspan=cut - c.row))
            c = replace(c, row=cut, rowspan=c.row + c.rowspan - cut)
        if c.row >= cut:
            if c.col == 0 and c.colspan == 1:
                continue  # the group column is not printed in the second part
            bottom.append(replace(c, row=c.row - cut, col=max(0, c.col - 1), colspan=c.colspan - (c.col == 0)))
    parts = [replace(table, cells=top), replace(table, cells=bottom, seams=[])]
    blocks = doc.blocks[:i] + parts + doc.blocks[i + 1 :]
    report = build(replace(doc, blocks=blocks))
    assert parts[1].n_cols == table.n_cols - 1
    assert table_mismatches(report, expected) == []


def test_header_printed_again_mid_table_is_not_a_row() -> None:
    """A repeated header (自然人 … 总计) that was not dropped must not take the （七）总计 row's place."""
    import json

    from conftest import ROOT, table_mismatches

    from normalize.tables import classify

    path = ROOT / "samples" / "docx" / "docx2021_plain.docx"
    expected = json.loads(path.with_name("docx2021_plain.expected.json").read_text(encoding="utf-8"))
    doc = layout.repair(load(str(path)))
    i, table = next((i, b) for i, b in enumerate(doc.blocks) if isinstance(b, Table) and classify(b) == "applications")
    header = [c for c in table.cells if c.row < 3]
    from layout.grids import consistent

    cut = next(c.row for c in table.cells if "总计" in c.text and "七" in c.text)  # the page breaks before （七）总计
    body: list = []
    for c in table.cells:
        if c.row < cut < c.row + c.rowspan:  # a label merged across the break: printed in two parts
            body += [replace(c, rowspan=cut - c.row), replace(c, row=cut + 3, rowspan=c.row + c.rowspan - cut)]
        else:
            body.append(replace(c, row=c.row + 3) if c.row >= cut else c)
    doubled = replace(table, cells=body + [replace(c, row=c.row + cut) for c in header])
    assert consistent(doubled)
    report = build(replace(doc, blocks=doc.blocks[:i] + [doubled] + doc.blocks[i + 1 :]))
    assert table_mismatches(report, expected) == []


def test_a_new_template_is_a_data_file(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A standard form the code has never seen: a new JSON beside the others is all it takes."""
    import json
    import shutil

    from conftest import ROOT

    import normalize.template as template
    from ingest.text import parse_blocks

    for p in (ROOT / "normalize" / "templates").glob("*.json"):
        shutil.copy(p, tmp_path / p.name)
    new = json.loads((tmp_path / "2021.json").read_text(encoding="utf-8"))
    new["id"], new["years"] = "2099", {"from": 2099, "to": None}
    new["detect"] = {"any": ["本年新增事项数"]}
    new["active_disclosure"]["rows"][0]["fields"] = ["added", "dropped", "in_force"]
    (tmp_path / "2099.json").write_text(json.dumps(new, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setattr(template, "TEMPLATE_DIR", tmp_path)  # templates are cached by their folder
    text = "某某县人民政府2099年政府信息公开工作年度报告\n二、主动公开政府信息情况\n信息内容\t本年新增事项数\t本年减少\t现行有效\n规章\t4\t1\t9\n"
    report = build(layout.repair(Document(path="x.txt", format="text", blocks=parse_blocks(text))))
    assert report["template"] == "2099"
    assert report["tables"]["active_disclosure"]["rules"] == {"added": 4, "dropped": 1, "in_force": 9}


def test_two_unreadable_section_2_labels_in_one_gap_are_not_guessed() -> None:
    """One free template row and two unreadable rows around it: neither is placed by position."""
    head = ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"]
    doc = Document(
        path="x.txt",
        format="text",
        blocks=[table([head, ["口章", "1", "2", "3"], ["口口口", "4", "5", "6"], ["行政规范性文件", "7", "8", "9"]])],
    )
    report = build(layout.repair(doc))
    assert report["tables"]["active_disclosure"]["rules"] == {"issued": None, "repealed": None, "in_force": None}
    assert report["tables"]["active_disclosure"]["normative_documents"]["in_force"] == 9


def test_a_row_placed_by_its_position_is_doubtful_and_a_blank_one_is_not_placed() -> None:
    """An unread label between two read ones takes the one free template row, but its values are a
    guess (confidence at most 0.5); a row of blank cells is never placed by position."""
    from normalize.build import POSITION_CONFIDENCE

    head = ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"]
    rows = [head, ["规章", "1", "2", "3"], ["口口口口口口口", "4", "5", "6"], ["行政许可", "7", "", ""]]
    report = build(layout.repair(Document(path="x.txt", format="text", blocks=[table(rows)])))
    assert report["tables"]["active_disclosure"]["normative_documents"] == {"issued": 4, "repealed": 5, "in_force": 6}
    conf = {c["field"]: c["confidence"] for c in report["cells"]}
    assert conf["active_disclosure.normative_documents.in_force"] <= POSITION_CONFIDENCE
    assert conf["active_disclosure.rules.in_force"] > POSITION_CONFIDENCE

    rows[2] = ["口口口口口口口", "", "", ""]
    report = build(layout.repair(Document(path="x.txt", format="text", blocks=[table(rows)])))
    assert report["tables"]["active_disclosure"]["normative_documents"]["in_force"] is None
    assert not any("row read by its position" in w for w in report["warnings"])


def test_a_row_short_of_value_cells_is_doubtful() -> None:
    """A row printed with fewer value cells than its template row has fields: which field went unprinted is
    a guess, so its values are doubtful (and a warning says so); a full row stays sure."""
    from normalize.build import POSITION_CONFIDENCE

    head = ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"]
    rows = [head, ["规章", "0", "5"], ["行政规范性文件", "7", "8", "9"]]
    report = build(layout.repair(Document(path="x.txt", format="text", blocks=[table(rows)])))
    conf = {c["field"]: c["confidence"] for c in report["cells"]}
    assert conf["active_disclosure.rules.issued"] <= POSITION_CONFIDENCE
    assert conf["active_disclosure.rules.repealed"] <= POSITION_CONFIDENCE
    assert conf["active_disclosure.normative_documents.in_force"] == 1.0
    assert any(w.startswith("active_disclosure.rules: 2 value cells where 3") for w in report["warnings"])


def test_a_row_not_found_is_warned_about_once() -> None:
    """Every field of a missing row is null at confidence 0, and one warning names the row (not one per field)."""
    head = ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"]
    rows = [head, ["行政规范性文件", "7", "8", "9"]]
    report = build(layout.repair(Document(path="x.txt", format="text", blocks=[table(rows)])))
    assert report["tables"]["active_disclosure"]["rules"] == {"issued": None, "repealed": None, "in_force": None}
    assert {c["confidence"] for c in report["cells"] if c["field"].startswith("active_disclosure.rules.")} == {0.0}
    assert [w for w in report["warnings"] if w.startswith("active_disclosure.rules:")] == [
        "active_disclosure.rules: row not found; its fields are null"
    ]


def test_a_report_without_template_tables_has_every_field_unread() -> None:
    """A report (its title says so) whose tables match no template: template null, every field null at
    confidence 0, a warning per table."""
    from ingest.grid import Paragraph

    doc = Document(
        path="x.txt",
        format="text",
        blocks=[
            Paragraph("某某县人民政府2024年政府信息公开工作年度报告"),
            Paragraph("一、总体情况"),
            Paragraph("正文。"),
        ],
    )
    report = build(layout.repair(doc))
    assert report["template"] is None
    unread = {c["field"] for c in report["cells"] if c["value"] is None and c["confidence"] == 0.0}
    assert {"applications.granted.total", "review_litigation.review.total", "active_disclosure.rules.issued"} <= unread
    assert all(c["confidence"] == 0.0 for c in report["cells"])
    assert "applications: table not found; its fields are null" in report["warnings"]


def test_review_header_naming_only_some_columns_is_read_in_template_order() -> None:
    """Section 四 as one table whose 行政复议 columns print their words over two rows (结果 / 维持) while the
    行政诉讼 columns print them whole: the value row holds all fifteen values, not only the ten under the
    words it could match (which once dropped 行政复议 as a part not printed)."""
    from ingest.grid import Paragraph

    top = [Cell("行政复议", 0, 0, colspan=5), Cell("行政诉讼", 0, 5, colspan=10)]
    mid = [Cell(t, 1, k) for k, t in enumerate(["结果", "结果", "其他", "尚未", "总计"])]
    mid += [Cell("未经复议直接起诉", 1, 5, colspan=5), Cell("复议后起诉", 1, 10, colspan=5)]
    words = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    low = [Cell(t, 2, k) for k, t in enumerate(["维持", "纠正", "结果", "审结", "", *words, *words])]
    values = ["1", "0", "", "0", "1", "0", "0", "0", "0", "0", "0", "0", "1", "0", "1"]
    row = [Cell(v, 3, k) for k, v in enumerate(values)]
    doc = Document(
        path="x.docx",
        format="docx",
        blocks=[
            Paragraph("某某县人民政府2024年政府信息公开工作年度报告"),
            Paragraph("四、政府信息公开行政复议、行政诉讼情况"),
            Table(top + mid + low + row),
        ],
    )
    report = build(layout.repair(doc))
    review = report["tables"]["review_litigation"]
    assert review["review"] == {"upheld": 1, "corrected": 0, "other": None, "pending": 0, "total": 1}
    assert review["litigation_after_review"]["other"] == 1
