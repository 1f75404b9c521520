"""Bound volumes: a PDF of eight generated reports one after another gives eight reports, each exact, with its pages.

The volume is made in the test (samples/make_volume.py: fpdf reports, concatenated with pypdfium2); the
scanned volume of eight is measured by bench/bench_volume.py (OCR of ~25 pages is too slow for the suite).
The cutting rule itself is tested on small hand-made Documents: agency lines above a title, running
headers, sentences naming the report, a cover and a table of contents.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, failing_rules, silent_errors, table_mismatches

from ingest.grid import Block, Cell, Document, PageInfo, Paragraph, Table
from layout.volume import split_volume
from pipeline import convert, convert_parts
from samples.make_volume import make_volume

COUNT = 8


@pytest.fixture(scope="module")
def volume(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    """A volume of eight generated reports and its parts listing."""
    out = tmp_path_factory.mktemp("volume")
    pdf, listing = make_volume(out, "county", COUNT, seed=3)
    return pdf, json.loads(listing.read_text(encoding="utf-8"))


def test_volume_gives_each_report_exactly_with_its_pages(volume: tuple[Path, list[dict[str, Any]]]) -> None:
    pdf, parts = volume
    reports = convert_parts(str(pdf))
    assert len(reports) == COUNT == len(parts)
    problems = []
    for n, (report, part) in enumerate(zip(reports, parts, strict=True), start=1):
        expected = part["expected"]
        wrong = table_mismatches(report, expected)
        problems += [f"report {n}: {w}" for w in wrong + silent_errors(report, expected, wrong)]
        if failing_rules(report) != set(expected["failing_checks"]):
            problems.append(f"report {n}: failing checks {sorted(failing_rules(report))}")
        want = {"index": n, "count": COUNT, "first_page": part["first_page"], "last_page": part["last_page"]}
        assert report["source"]["part"] == want
        assert report["source"]["pages"] == part["last_page"] - part["first_page"] + 1
        assert {c["page"] for c in report["cells"] if c["page"]} <= set(
            range(want["first_page"], want["last_page"] + 1)
        )
    assert problems == []


def test_cli_writes_one_json_per_report_and_a_single_report_keeps_its_name(
    volume: tuple[Path, list[dict[str, Any]]], tmp_path: Path
) -> None:
    pdf, parts = volume
    single = pdf.parent / "county.parts" / parts[0]["report"]
    run = subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), "convert", str(pdf), str(single), "-o", str(tmp_path)]
        + ["--overlay", str(tmp_path / "png")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    names = sorted(p.name for p in tmp_path.glob("*.json"))
    assert names == sorted([f"county.{n}.json" for n in range(1, COUNT + 1)] + [single.stem + ".json"])
    third = json.loads((tmp_path / "county.3.json").read_text(encoding="utf-8"))
    assert third["report"] == {**third["report"], **parts[2]["expected"]["report"]}
    drawn: dict[int, list[int]] = {}  # report -> pages drawn, named after its JSON: county.<n>.page<p>.png
    for png in (tmp_path / "png").glob("county.*.png"):
        _, n, page, _ = png.name.split(".")
        drawn.setdefault(int(n), []).append(int(page.removeprefix("page")))
    assert sorted(drawn) == list(range(1, COUNT + 1))
    assert all(parts[n - 1]["first_page"] <= p <= parts[n - 1]["last_page"] for n, ps in drawn.items() for p in ps)
    alone = json.loads((tmp_path / f"{single.stem}.json").read_text(encoding="utf-8"))
    assert "part" not in alone["source"] and alone["tables"] == convert(str(single))["tables"]


# ------------------------------------------------------------------------------------ the cutting rule


def table(page: int) -> Table:
    """A small table on a page."""
    return Table([Cell("申请人情况", 0, 0), Cell("3", 1, 0)], page=page)


def report_blocks(agency: str, first_page: int, running_header: bool = False) -> list[Block]:
    """One report over two pages: agency and title lines, sections with tables, signature and date."""
    p, q = first_page, first_page + 1
    title = f"{agency}2024年政府信息公开工作年度报告"
    blocks: list[Block] = [
        Paragraph(agency, p),
        Paragraph("2024年政府信息公开工作年度报告", p),
        Paragraph("一、总体情况", p),
        Paragraph(f"现将{title}公布如下，本报告中所列数据的统计期限自2024年1月1日起至2024年12月31日止。", p),
        Paragraph("二、主动公开政府信息情况", p),
        table(p),
    ]
    if running_header:
        blocks.append(Paragraph(title, q))
    blocks += [
        Paragraph("三、收到和处理政府信息公开申请情况", q),
        table(q),
        Paragraph("（一）加强组织领导。", q),
        Paragraph(agency, q),
        Paragraph("2025年1月20日", q),
    ]
    return blocks


def document(blocks: list[Block]) -> Document:
    """A Document of the blocks, with every page they stand on."""
    pages = sorted({b.page for b in blocks if b.page is not None})
    return Document("volume.pdf", "pdf", blocks, [PageInfo(n, 595.0, 842.0) for n in pages])


def test_split_cuts_at_each_title_with_the_agency_line_above_it() -> None:
    agencies = ["甲镇人民政府", "乙街道办事处", "丙县交通运输局"]
    blocks = [b for i, a in enumerate(agencies) for b in report_blocks(a, 1 + 2 * i)]
    parts = split_volume(document(blocks))
    assert [p.blocks[0].text for p in parts if isinstance(p.blocks[0], Paragraph)] == agencies
    assert [(p.pages[0].number, p.pages[-1].number) for p in parts] == [(1, 2), (3, 4), (5, 6)]
    assert sum(len(p.blocks) for p in parts) == len(blocks)


def test_running_headers_and_sentences_naming_the_report_do_not_split() -> None:
    doc = document(report_blocks("甲镇人民政府", 1, running_header=True))
    assert split_volume(doc) == [doc]


def test_cover_and_contents_are_left_out_with_a_warning() -> None:
    front: list[Block] = [Paragraph("某县2024年政府信息公开工作年度报告汇编", 1), Paragraph("目录", 1)]
    front += [
        Paragraph(f"{a}2024年政府信息公开工作年度报告……{n}", 1) for n, a in ((2, "甲镇人民政府"), (4, "乙镇人民政府"))
    ]
    blocks = front + report_blocks("甲镇人民政府", 2) + report_blocks("乙镇人民政府", 4)
    parts = split_volume(document(blocks))
    assert len(parts) == 2 and parts[0].blocks[0] == blocks[len(front)]
    assert any("pages 1-1" in w for w in parts[0].warnings) and not parts[1].warnings


def test_batch_writes_and_indexes_each_report_and_skips_them_next_time(
    volume: tuple[Path, list[dict[str, Any]]], tmp_path: Path
) -> None:
    import shutil
    import sqlite3

    pdf, parts = volume
    src, out = tmp_path / "in", tmp_path / "out"
    (src / "sub").mkdir(parents=True)
    shutil.copy(pdf, src / "county.pdf")
    shutil.copy(pdf, src / "sub" / "copy.pdf")  # the same bytes: converted once, written twice
    shutil.copy(pdf.parent / "county.parts" / parts[0]["report"], src / "single.pdf")
    cmd = [sys.executable, str(ROOT / "cli.py"), "batch", str(src), "-o", str(out), "--workers", "1", "--quiet"]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    with sqlite3.connect(out / "index.sqlite") as conn:
        rows = dict(conn.execute("SELECT path, json_path FROM files WHERE status = 'ok'").fetchall())
        agencies = dict(conn.execute("SELECT path, agency FROM files").fetchall())
    want = {f"county.pdf#{n}": f"county.{n}.json" for n in range(1, COUNT + 1)}
    want |= {f"sub/copy.pdf#{n}": f"sub/copy.{n}.json" for n in range(1, COUNT + 1)} | {"single.pdf": "single.json"}
    assert rows == want
    for n, part in enumerate(parts, start=1):
        report = json.loads((out / "sub" / f"copy.{n}.json").read_text(encoding="utf-8"))
        assert report["source"]["file"] == "copy.pdf" and report["source"]["part"]["first_page"] == part["first_page"]
        assert agencies[f"county.pdf#{n}"] == part["expected"]["report"]["agency"]
    again = subprocess.run(cmd[:-1], capture_output=True, text=True, timeout=300)
    assert (
        again.returncode == 0
        and "0 converted" in again.stderr + again.stdout
        and "3 already done" in again.stderr + again.stdout
    )


def test_two_real_text_dumps_one_after_another_give_both_reports(tmp_path: Path) -> None:
    names = ["002_d783aba02661c840", "004_9fc5a355c4b21346"]
    dumps = [ROOT / "samples" / "text" / f"{n}.txt" for n in names]
    joined = tmp_path / "two.txt"
    joined.write_bytes(b"".join(p.read_bytes() for p in dumps))
    reports = convert_parts(str(joined))
    assert [r["source"]["part"] for r in reports] == [
        {"index": n, "count": 2, "first_page": None, "last_page": None} for n in (1, 2)
    ]  # a text dump has no pages
    for report, dump in zip(reports, dumps, strict=True):
        expected = json.loads(dump.with_suffix(".expected.json").read_text(encoding="utf-8"))
        wrong = table_mismatches(report, expected)
        assert wrong + silent_errors(report, expected, wrong) == []


def test_scanned_volume_gives_each_report_with_its_pages(tmp_path: Path) -> None:
    from samples.make_volume import scan_volume

    pdf, listing = make_volume(tmp_path, "two", 2, seed=5)
    parts = json.loads(listing.read_text(encoding="utf-8"))
    scan = scan_volume(pdf, listing, tmp_path, "two_scan", "pdf", seed=5)
    reports = convert_parts(str(scan))
    assert [
        (r["source"]["ocr"], r["source"]["part"]["first_page"], r["source"]["part"]["last_page"]) for r in reports
    ] == [(True, p["first_page"], p["last_page"]) for p in parts]
    for report, part in zip(reports, parts, strict=True):
        wrong = table_mismatches(report, part["expected"])
        assert silent_errors(report, part["expected"], wrong) == []
        assert not [w for w in wrong if not w.startswith("report.published")]  # (the scan path misses this date line)


def test_review_crops_of_a_later_report_find_its_own_pages(tmp_path: Path) -> None:
    """The per-page lists of a part's ``source`` hold its own pages: the review app's crop of a cell of the
    second report looks up that cell's page, not the page at the same position in the volume."""
    from normalize.build import page_transform
    from pipeline import convert_partial_parts
    from review.crop import page_entry, stored_transform

    pdf, _ = make_volume(tmp_path, "two", 2, seed=11)
    docs, reports = convert_partial_parts(str(pdf))
    second, report = docs[1], reports[1]
    assert isinstance(report, dict) and report["source"]["part"]["first_page"] > 1
    pages = {p.number: p for p in second.pages}
    for cell in (c for c in report["cells"] if c["page"]):
        info = pages[cell["page"]]
        size = page_entry(report["source"], "page_geometry", cell["page"])[:2]
        assert size == [round(info.width, 2), round(info.height, 2)]
        want = page_transform(info)
        assert stored_transform(report["source"], cell["page"]) == (want["unit_scale"], *want["to_source"])


def test_runner_sends_each_report_of_a_volume_as_a_frame_of_its_own(tmp_path: Path) -> None:
    """The batch's isolated child answers a volume of two reports with two raw JSON frames, each the report the
    pipeline gives in-process (with its part), and the convert child with both results pickled."""
    from normalize.serialize import loads
    from runner import IsolatedRunner

    joined = tmp_path / "two.txt"
    joined.write_bytes(
        b"".join(
            (ROOT / "samples" / "text" / f"{n}.txt").read_bytes()
            for n in ("002_d783aba02661c840", "004_9fc5a355c4b21346")
        )
    )
    direct = convert_parts(str(joined))
    with IsolatedRunner(target="pipeline:convert_partial_parts", encoder="batch.worker:report_frames") as r:
        answer = r.run(str(joined), None, timeout_s=120)
    assert answer.error is None and len(answer.frames) == 2
    assert [loads(f) for f in answer.frames] == direct
    assert [p["summary"]["agency"] for p in answer.fields["parts"]] == [d["report"]["agency"] for d in direct]
    with IsolatedRunner(target="pipeline:convert_partial_parts") as r:
        docs, results, err = r.convert_document(str(joined), None, timeout_s=120)
    assert err is None and results == direct and [d.format for d in docs] == ["text", "text"]
