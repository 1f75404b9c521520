"""Report identity from OCR'd grids (agency, year, published date, each checked against the others) and
rows whose label OCR lost, placed only where the template allows one place and the arithmetic fits."""

from __future__ import annotations

import re
from typing import Any

import pytest

import layout
from ingest.grid import Block, Cell, Document, PageInfo, Paragraph, Table
from normalize import build
from normalize.build import POSITION_CONFIDENCE
from normalize.meta import agency_problem, identify_agency, read_date, tail_agency, unglued_headings
from normalize.template import load_template

TPL = load_template("2021")
COLUMNS = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
# A consistent section 三: every column balances and sums.
VALUES = {
    "new_received": [5, 1, 0, 0, 0, 0, 6],
    "granted": [2, 1, 0, 0, 0, 0, 3],
    "unable_not_held": [1, 0, 0, 0, 0, 0, 1],
    "unable_needs_creation": [2, 0, 0, 0, 0, 0, 2],
    "total_results": [5, 1, 0, 0, 0, 0, 6],
}
SEAL_JUNK = "EWM3城县龙R湾镇人A民政府ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghij"


def printed_label(row: dict[str, Any]) -> str:
    """A row's label as the leaf cell prints it: `（一）予以公开`, `2.没有现成信息需要另行制作`."""
    label = re.sub(r"^三(?=（)", "", row["label"])
    return re.sub(r"^（[一二三四五六七]）(?=\d)", "", label)


def applications_table(
    lost: set[str] = frozenset(), values: dict[str, list[int]] | None = None, merged_group: str | None = None
) -> Table:
    """Section 三 as the scan adapter grids it (exact grid, page pixels, OCR confidences); the rows in
    `lost` have a blank label cell, a row whose values are None is not printed, and the rows of
    `merged_group` have its label (`（四）无法提供`) in a cell merged down their left column."""
    vals = dict(VALUES, **(values or {}))
    cells = [Cell("申请人情况", 0, 0, colspan=3, page=2, bbox=(100, 100, 400, 140), confidence=0.95)]
    cells += [
        Cell(c, 0, 3 + k, page=2, bbox=(400 + 80 * k, 100, 480 + 80 * k, 140), confidence=0.95)
        for k, c in enumerate(COLUMNS)
    ]
    r = 1
    for row in TPL["applications"]["rows"]:
        if row["id"] in vals and vals[row["id"]] is None:
            continue
        y = 100 + 40 * r
        label = "" if row["id"] in lost else printed_label(row)
        if merged_group is not None and row.get("group") == merged_group:
            members = [t for t in TPL["applications"]["rows"] if t.get("group") == merged_group]
            if row is members[0]:
                group = next(g for g in TPL["applications"]["groups"] if g["id"] == merged_group)
                cells.append(
                    Cell(group["label"], r, 0, rowspan=len(members), page=2, bbox=(100, y, 200, y + 40 * len(members)))
                )
            cells.append(Cell(label, r, 1, colspan=2, page=2, bbox=(200, y, 400, y + 40), confidence=0.93))
        else:
            cells.append(Cell(label, r, 0, colspan=3, page=2, bbox=(100, y, 400, y + 40), confidence=0.93))
        for k, v in enumerate(vals.get(row["id"], [0] * 7)):
            cells.append(Cell(str(v), r, 3 + k, page=2, bbox=(400 + 80 * k, y, 480 + 80 * k, y + 40), confidence=0.97))
        r += 1
    return Table(cells, page=2, bbox=(100, 100, 960, 100 + 40 * r))


def active_table(lost_label: str | None) -> Table:
    """Section 二's first part, with one label cell read as `lost_label` (None: read right)."""
    rows = [
        ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
        ["规章", "1", "0", "4"],
        ["行政规范性文件" if lost_label is None else lost_label, "3", "0", "8"],
        ["行政许可", "9", "", ""],
    ]
    return Table(
        [
            Cell(t, r, c, page=1, bbox=(100 + 200 * c, 900 + 40 * r, 300 + 200 * c, 940 + 40 * r))
            for r, row in enumerate(rows)
            for c, t in enumerate(row)
        ],
        page=1,
    )


def scan(
    head: list[str], tail: list[str], tables: list[Table] | None = None, body: list[str] | None = None
) -> dict[str, Any]:
    """The canonical report of an OCR'd document with these title lines, closing lines and tables."""
    body = body if body is not None else ["一、总体情况", "我镇认真贯彻落实政府信息公开条例。"]
    blocks: list[Block] = [Paragraph(t, 1) for t in head] + [Paragraph(t, 1) for t in body]
    blocks += tables if tables is not None else [applications_table()]
    blocks += [Paragraph(t, 3) for t in tail]
    pages = [PageInfo(n, 1654, 2339, ocr=True) for n in (1, 2, 3)]
    doc = Document(path="scan.png", format="image", blocks=blocks, pages=pages, ocr=True)
    return build(layout.repair(doc))


def warned(report: dict[str, Any], prefix: str) -> list[str]:
    return [w for w in report["warnings"] if w.startswith(prefix)]


# ---------------------------------------------------------------- agency


@pytest.mark.parametrize(
    "name, ok",
    [
        ("蒙城县龙湾镇人民政府", True),
        ("宿州市市场监督管理局", True),
        ("洪泽区东城街道办事处", True),
        ("2128龙泉市石门镇人民政府", False),  # digits
        ("SEWM3店龙湾镇人民政府", False),  # Latin letters
        ("教育局", False),  # names no place
        ("限限限胜镇人民政府", False),  # junk repeated
        ("龙泉市石门镇", False),  # no administrative ending
    ],
)
def test_what_a_body_name_can_be(name: str, ok: bool) -> None:
    assert (agency_problem(name) is None) is ok


def test_the_longest_valid_name_ending_junk() -> None:
    assert tail_agency("2128龙泉市石门镇人民政府") == ("龙泉市石门镇人民政府", True)
    assert tail_agency("龙泉市石门镇人民政府") == ("龙泉市石门镇人民政府", False)
    assert tail_agency("3R东限EGRA服98201S装RX") == (None, False)


def test_junk_before_the_title_agency_is_dropped_when_the_signature_prints_the_name() -> None:
    junk = "3R东限EGRAOSNSRERA服98201S装RX团限胜西数限版品RCSd路物SEWM3店EENN8长路M水R招蒙城县龙湾镇人民政府"
    report = scan([junk, "2024年政府信息公开工作年度报告"], ["蒙城县龙湾镇人民政府", "2025年1月15日"])
    assert report["report"]["agency"] == "蒙城县龙湾镇人民政府"
    assert 0 < report["report"]["confidence"]["agency"] < 0.9
    assert warned(report, "report.agency: junk before")


def test_junk_prefixed_agency_only_a_short_signature_confirms_is_null() -> None:
    """The signature prints the town only: nothing says whether `招蒙城县` is the county or junk."""
    junk = "8长路M水R招蒙城县龙湾镇人民政府"
    report = scan([junk, "2024年政府信息公开工作年度报告"], ["龙湾镇人民政府", "2025年1月15日"])
    assert report["report"]["agency"] is None
    assert report["report"]["confidence"]["agency"] == 0.0
    assert warned(report, "report.agency:")


def test_digit_junk_with_no_signature_is_null_unless_the_text_names_the_body() -> None:
    report = scan(["2128龙泉市石门镇人民政府2024年政府信息公开工作年度报告"], [])
    assert report["report"]["agency"] is None and warned(report, "report.agency:")
    body = ["一、总体情况", "2024年，龙泉市石门镇人民政府认真贯彻落实政府信息公开条例。"]
    report = scan(["2128龙泉市石门镇人民政府2024年政府信息公开工作年度报告"], [], body=body)
    assert report["report"]["agency"] == "龙泉市石门镇人民政府"
    assert report["report"]["confidence"]["agency"] <= 0.7


def test_a_stray_chinese_character_glued_before_a_known_place_is_junk() -> None:
    """`招蒙城县`: no known county, `蒙城县` is one. Only a full signature can confirm what follows."""
    assert tail_agency("招蒙城县龙湾镇人民政府") == ("蒙城县龙湾镇人民政府", True)
    assert tail_agency("某某市某某区人民政府") == ("某某市某某区人民政府", False)  # unknown places: as printed
    title = ["招蒙城县龙湾镇人民政府", "2024年政府信息公开工作年度报告"]
    report = scan(title, ["龙湾镇人民政府", "2025年1月15日"])
    assert report["report"]["agency"] is None and warned(report, "report.agency:")
    report = scan(title, ["蒙城县龙湾镇人民政府", "2025年1月15日"])
    assert report["report"]["agency"] == "蒙城县龙湾镇人民政府"
    assert report["report"]["confidence"]["agency"] < 0.9


def test_title_and_signature_naming_two_bodies() -> None:
    """On a scan one of them was misread: null. In a text layer both are as printed: the title's, doubtful."""
    title, sig = "龙泉市石门镇人民政府2024年政府信息公开工作年度报告", ["龙泉市上垟镇人民政府"]
    assert identify_agency(title, "", sig, ocr=True).value is None
    reading = identify_agency(title, "", sig, ocr=False)
    assert reading.value == "龙泉市石门镇人民政府" and reading.confidence < 0.9 and reading.warning


def test_agency_that_is_plain_junk_is_null() -> None:
    report = scan(["EGRAOSNS98201S装RX团限胜局", "2024年政府信息公开工作年度报告"], ["SEWM3店EENN8"])
    assert report["report"]["agency"] is None and warned(report, "report.agency:")


def test_clean_title_and_signature_agree_at_full_ocr_confidence() -> None:
    report = scan(["龙泉市石门镇人民政府", "2024年政府信息公开工作年度报告"], ["石门镇人民政府", "2025年1月15日"])
    assert report["report"]["agency"] == "龙泉市石门镇人民政府"
    assert report["report"]["year"] == 2024 and report["report"]["published"] == "2025-01-15"
    conf = report["report"]["confidence"]
    assert 0.9 <= conf["agency"] < 1.0 and 0.9 <= conf["year"] < 1.0  # OCR'd: below a text layer's 1.0
    assert not warned(report, "report.")


def test_a_first_heading_read_into_the_title_line_is_set_apart() -> None:
    """An OCR'd title reaching the right margin runs on into the unindented heading under it: the title stays
    the title and section 一 is still found; a sentence naming the report is not cut."""
    body = ["我镇认真贯彻落实政府信息公开条例。", "二、主动公开政府信息情况"]
    report = scan(["安溪县解放街道办事处2023年政府信息公开工作年度报告一、总体情况"], ["2024年1月13日"], body=body)
    assert report["report"]["title"] == "安溪县解放街道办事处2023年政府信息公开工作年度报告"
    assert report["report"]["agency"] == "安溪县解放街道办事处" and report["report"]["year"] == 2023
    assert report["sections"][0]["number"] == "一" and "贯彻落实" in report["sections"][0]["text"]
    sentence = "本机关年度报告一、二季度发布情况良好，共计两次。"
    assert unglued_headings([Paragraph(sentence, 1)]) == [Paragraph(sentence, 1)]


# ---------------------------------------------------------------- year and date


@pytest.mark.parametrize(
    "text, date, doubtful",
    [
        ("2025年1月15日", "2025-01-15", False),
        ("二〇二五年一月十五日", "2025-01-15", False),
        ("二○二五年三月三日", "2025-03-03", False),
        ("二O二五年一月二十日", "2025-01-20", False),
        ("二0二五年一月十五日", "2025-01-15", False),  # as OCR read a Ming date once its seal was removed
        ("2 0 2 5 年 1 月 1 5 日", "2025-01-15", False),
        ("2O25年l月I5曰", "2025-01-15", True),
        ("2025午1月15日", "2025-01-15", True),
        ("石门镇人民政府2025年01月05日", "2025-01-05", False),
        ("2025年2月30日", None, False),
    ],
)
def test_printed_dates_as_ocr_reads_them(text: str, date: str | None, doubtful: bool) -> None:
    found = read_date(text)
    assert (found[0] if found else None) == date
    if found:
        assert found[1] is doubtful


def test_date_after_a_seal_line_and_date_split_over_two_lines_are_found() -> None:
    head = ["龙泉市石门镇人民政府", "2024年政府信息公开工作年度报告"]
    report = scan(head, ["龙泉市石门镇人民政府", "2O25年l月I5曰", SEAL_JUNK])
    assert report["report"]["published"] == "2025-01-15"
    assert report["report"]["confidence"]["published"] <= 0.6  # read through look-alikes
    report = scan(head, ["龙泉市石门镇人民政府", "2025年1月", "15日"])
    assert report["report"]["published"] == "2025-01-15"


def test_title_year_that_disagrees_with_date_and_body_is_replaced_with_a_warning() -> None:
    body = ["一、总体情况", "统计期限为2024年1月1日至2024年12月31日。", "2024年，我镇认真贯彻落实条例。"]
    report = scan(["龙泉市石门镇人民政府", "2023年政府信息公开工作年度报告"], ["2025年1月15日"], body=body)
    assert report["report"]["year"] == 2024
    assert report["report"]["confidence"]["year"] <= 0.6
    assert warned(report, "report.year: the title says 2023")


def test_title_year_against_the_date_alone_is_null_on_a_scan() -> None:
    report = scan(["龙泉市石门镇人民政府", "2021年政府信息公开工作年度报告"], ["2025年1月15日"], body=["一、总体情况"])
    assert report["report"]["year"] is None and report["report"]["published"] is None
    assert warned(report, "report.year:") and warned(report, "report.published:")


# ---------------------------------------------------------------- rows whose label OCR lost


def test_section_3_row_with_lost_label_is_placed_when_the_column_sums_fit() -> None:
    report = scan(
        ["龙泉市石门镇人民政府", "2024年政府信息公开工作年度报告"], [], [applications_table({"unable_needs_creation"})]
    )
    assert report["tables"]["applications"]["unable_needs_creation"] == dict(
        zip([c["id"] for c in TPL["applications"]["columns"]], VALUES["unable_needs_creation"], strict=True)
    )
    conf = {c["field"]: c["confidence"] for c in report["cells"]}
    assert conf["applications.unable_needs_creation.natural_person"] <= POSITION_CONFIDENCE
    assert conf["applications.unable_not_held.natural_person"] > POSITION_CONFIDENCE
    assert warned(
        report, "applications.unable_needs_creation: label unreadable; row read by its position (the column sums fit)"
    )
    assert all(c["ok"] for c in report["checks"])


def test_lost_label_of_a_groups_first_row_is_not_taken_for_the_group_printed_as_one_row() -> None:
    """Only the merged `（四）无法提供` cell is left of 1.本机关不掌握…'s values; the group's next rows
    follow, so the row is the group's first (placed by position), not the group printed as one row."""
    table = applications_table({"unable_not_held"}, merged_group="unable")
    report = scan(["龙泉市石门镇人民政府", "2024年政府信息公开工作年度报告"], [], [table])
    rows = report["tables"]["applications"]
    assert rows["unable_not_held"]["natural_person"] == 1 and rows["unable_needs_creation"]["natural_person"] == 2
    assert "applications_group_totals" not in report["tables"]
    assert warned(report, "applications.unable_not_held: label unreadable; row read by its position")


def test_section_3_row_with_lost_label_is_left_out_when_the_sums_do_not_fit() -> None:
    table = applications_table({"unable_needs_creation"}, {"unable_needs_creation": [7, 0, 0, 0, 0, 0, 7]})
    report = scan(["龙泉市石门镇人民政府", "2024年政府信息公开工作年度报告"], [], [table])
    assert report["tables"]["applications"]["unable_needs_creation"]["natural_person"] is None
    assert any("column sums do not fit; left out" in w for w in report["warnings"])


def test_section_3_row_with_lost_label_and_two_free_places_is_not_placed() -> None:
    """The report does not print 3.补正后申请内容仍不明确: the unread row could be either, so it is neither."""
    table = applications_table({"unable_needs_creation"}, {"unable_unclear_after_correction": None})
    report = scan(["龙泉市石门镇人民政府", "2024年政府信息公开工作年度报告"], [], [table])
    rows = report["tables"]["applications"]
    assert rows["unable_needs_creation"]["natural_person"] is None
    assert rows["unable_unclear_after_correction"]["natural_person"] is None
    assert any("could not be placed (2 template row(s) free" in w for w in report["warnings"])
    values = {c["field"]: c for c in report["cells"]}
    assert values["applications.unable_needs_creation.total"]["confidence"] == 0.0


@pytest.mark.parametrize("lost", ["", "EWM3"])
def test_section_2_row_with_lost_label_is_placed_when_unambiguous(lost: str) -> None:
    report = scan(["龙泉市石门镇人民政府", "2024年政府信息公开工作年度报告"], [], [active_table(lost)])
    assert report["tables"]["active_disclosure"]["normative_documents"] == {"issued": 3, "repealed": 0, "in_force": 8}
    conf = {c["field"]: c["confidence"] for c in report["cells"]}
    assert conf["active_disclosure.normative_documents.in_force"] <= POSITION_CONFIDENCE
    assert warned(report, "active_disclosure.normative_documents: label")
