"""The audit across reports: identity, text against tables, series rules, dataset, dashboard.

Real cases: Hongze 2024 (`shared/real/hongze_2024.pdf`, converted here). Huai'an city 2024 and
Shanghai 2025 are not on this machine: their reports are built here as canonical JSON from the text
issue 17 quotes (the sentences as quoted, completed where the quote stops with …, and tables that hold
the numbers the quotes state). Hongze 2023 is not here either: a canonical JSON is built with the
2024 report's form (printed without the city prefix, a 淮安市 text) and values that agree with it.
"""

from __future__ import annotations

import copy
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, SHARED, need_shared

from audit.cdp import CHROMIUM, Browser
from audit.rules import audit_entries, entry
from audit.run import run_audit
from audit.textnum import sentence_statements
from normalize.agency import identify
from normalize.checks import set_field
from normalize.template import load_template
from samples.make_archive import make_archive

HONGZE_2024 = SHARED / "real" / "hongze_2024.pdf"


# --- identity ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text", "key", "level"),
    [
        ("淮安市洪泽区人民政府", "", "淮安市洪泽区人民政府", "county"),
        ("洪泽区人民政府", "贯彻落实淮安市委市政府决策部署", "淮安市洪泽区人民政府", "county"),
        ("江苏省淮安市洪泽区人民政府", "", "淮安市洪泽区人民政府", "county"),
        ("淮 安 市 洪泽区人民政府", "", "淮安市洪泽区人民政府", "county"),  # spacing
        ("洪泽区人民政府", "", "洪泽区人民政府", "county"),  # no city said: no city guessed
        ("淮安市人民政府办公厅", "", "淮安市人民政府办公厅", "department"),
        ("淮安市人民政府办公厅", "淮安市人民政府办公室负责本报告", "淮安市人民政府办公室", "department"),
        ("上海市人民政府", "", "上海市人民政府", "province"),
        ("扬州市邗江区西顺河镇人民政府", "", "扬州市邗江区西顺河镇人民政府", "township"),
        ("淮安市城市管理局", "", "淮安市城市管理局", "department"),
        ("淮安市人民政府", "", "淮安市人民政府", "city"),
    ],
)
def test_agency_series_key_and_level(name: str, text: str, key: str, level: str) -> None:
    ident = identify(name, text)
    assert (ident.key, ident.level) == (key, level)


def test_full_width_name_is_the_same_agency() -> None:
    assert identify("淮安市洪泽区人民政府（办公室）").key == identify("淮安市洪泽区人民政府(办公室)").key
    assert identify("淮安市\u3000洪泽区人民政府").key == "淮安市洪泽区人民政府"  # an ideographic space


# --- text statements -------------------------------------------------------------------------------


def said(sentence: str) -> list[tuple[str, float, str]]:
    return [(s.measure.key, s.value, s.kind) for s in sentence_statements(sentence, 1)]


def test_phrasings_of_received_answered_and_carried() -> None:
    got = said(
        "全市共受理政府信息公开申请 3119 件，答复 3050 件（含上年度结转申请 34 件，另有 103 件顺延到下年度办理）；"
    )
    assert got == [
        ("applications.new_received.total", 3119, "count"),
        ("applications.total_results.total", 3050, "count"),
        ("applications.carried_over.total", 34, "count"),
        ("applications.carried_forward.total", 103, "count"),
    ]
    assert said("共收到政府信息公开申请52件，结转至2025年继续办理3件，按时办复49件。") == [
        ("applications.new_received.total", 52, "count"),
        ("applications.carried_forward.total", 3, "count"),
        ("applications.total_results.total", 49, "count"),
    ]
    assert said("收到群众来信12件。") == []  # not about applications
    assert said("全年办结率100%。") == []  # a rate, not a share of an outcome


def test_phrasings_of_outcomes_reviews_and_lawsuits() -> None:
    got = said("予以公开及部分公开208件，占78.5%，无法提供31件（占比11.7%），其他处理13件。")
    assert got == [
        ("applications.granted+partially_granted.total", 208, "count"),
        ("applications.granted+partially_granted.total", 78.5, "share"),
        ("applications.unable.total", 31, "count"),
        ("applications.unable.total", 11.7, "share"),
        ("applications.other_processing.total", 13, "count"),
    ]
    got = said("行政复议 351 件，其中结果维持 72 件，尚未审结 58 件；")
    assert [g[0] for g in got] == [
        "review_litigation.review.total",
        "review_litigation.review.upheld",
        "review_litigation.review.pending",
    ]
    assert [g[:2] for g in said("被申请行政复议2起，其中结果维持1起。")] == [
        ("review_litigation.review.total", 2),
        ("review_litigation.review.upheld", 1),
    ]
    got = said("行政诉讼 120 件，其中结果维持 80 件。")
    assert [g[0] for g in got] == [
        "review_litigation.litigation_direct+litigation_after_review.total",
        "review_litigation.litigation_direct+litigation_after_review.upheld",
    ]


# --- canonical JSON built from quoted text -----------------------------------------------------------


def canonical(agency: str, year: int, text: list[str], values: dict[str, Any], name: str) -> dict[str, Any]:
    """A canonical report: every field of the 2021 form 0 unless given, the text as section 一."""
    tpl = load_template("2021")
    tables: dict[str, Any] = {}
    for r in tpl["active_disclosure"]["rows"]:
        for f in r["fields"]:
            set_field(tables, f"active_disclosure.{r['id']}.{f}", 0)
    for r in tpl["applications"]["rows"]:
        for c in tpl["applications"]["columns"]:
            set_field(tables, f"applications.{r['id']}.{c['id']}", 0)
    for g in tpl["review_litigation"]["groups"]:
        for f in tpl["review_litigation"]["fields"]:
            set_field(tables, f"review_litigation.{g['id']}.{f['id']}", 0)
    for fid, v in values.items():
        set_field(tables, fid, v)
    return {
        "schema_version": "1",
        "template": "2021",
        "source": {"file": name, "sha256": None, "format": "pdf", "pages": 6, "ocr": False},
        "report": {
            "title": f"{agency}{year}年政府信息公开工作年度报告",
            "agency": agency,
            "year": year,
            "published": None,
        },
        "sections": [{"number": "一", "title": "总体情况", "text": "\n".join(text), "pages": [1] * len(text)}],
        "tables": tables,
        "cells": [],
        "checks": [],
        "warnings": [],
    }


def both_columns(fid: str, v: int) -> dict[str, int]:
    """An applications row's natural-person and total cells."""
    return {f"applications.{fid}.natural_person": v, f"applications.{fid}.total": v}


HUAIAN_TEXT = [
    "2024年，全市共受理政府信息公开申请 3119 件，答复 3050 件（含上年度结转申请 34 件，另有 103 件顺延到下年度办理）；"
    "行政复议 351 件，其中结果维持 72 件，结果纠正 31 件，其他结果 190 件，尚未审结 58 件；"
    "行政诉讼 120 件，其中结果维持 80 件，结果纠正 6 件。"
]


def huaian(text: list[str] = HUAIAN_TEXT) -> dict[str, Any]:
    v: dict[str, Any] = {}
    for row, n in (("new_received", 3119), ("carried_over", 34), ("granted", 2000), ("unable_not_held", 1050)):
        v |= both_columns(row, n)
    v |= both_columns("total_results", 3050) | both_columns("carried_forward", 103)
    rl = "review_litigation"
    v |= {f"{rl}.review.{f}": n for f, n in (("upheld", 72), ("corrected", 31), ("other", 190), ("pending", 58))}
    v[f"{rl}.review.total"] = 351
    # the two lawsuit groups, summed by the text
    v |= {
        f"{rl}.litigation_direct.{f}": n for f, n in (("upheld", 50), ("corrected", 4), ("other", 10), ("pending", 6))
    }
    v[f"{rl}.litigation_direct.total"] = 70
    v |= {
        f"{rl}.litigation_after_review.{f}": n
        for f, n in (("upheld", 30), ("corrected", 2), ("other", 15), ("pending", 3))
    }
    v[f"{rl}.litigation_after_review.total"] = 50
    return canonical("淮安市人民政府", 2024, text, v, "huaian_2024.pdf")


SHANGHAI_TEXT = [
    "2025年，本机关共收到政府信息公开申请262件，上年结转15件。",
    "全年办结265件，其中予以公开及部分公开208件，占78.5%；不予公开9件；无法提供31件；不予处理4件；其他处理13件。"
    "结转下年度继续办理12件。",
]


def shanghai(text: list[str] = SHANGHAI_TEXT) -> dict[str, Any]:
    v: dict[str, Any] = {}
    rows = {
        "new_received": 262,
        "carried_over": 15,
        "granted": 170,
        "partially_granted": 38,
        "denied_third_party_rights": 5,
        "denied_process_info": 4,
        "unable_not_held": 29,
        "unable_needs_creation": 2,
        "unprocessed_repeated": 4,
        "other_no_correction": 8,
        "other_other": 5,
        "total_results": 265,
        "carried_forward": 12,
    }
    for row, n in rows.items():
        v |= both_columns(row, n)
    return canonical("上海市黄浦区人民政府", 2025, text, v, "shanghai_2025.pdf")


def findings_of(*reports: tuple[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return audit_entries([entry(n, d) for n, d in reports])


def test_huaian_and_shanghai_texts_agree_with_their_tables() -> None:
    out = findings_of(("huaian_2024.json", huaian()), ("shanghai_2025.json", shanghai()))
    assert [f for f in out if f["rule"].startswith("text_table")] == []


def test_a_changed_number_in_the_same_texts_is_found() -> None:
    text = [HUAIAN_TEXT[0].replace("结果维持 72 件", "结果维持 27 件")]
    sh = [SHANGHAI_TEXT[0], SHANGHAI_TEXT[1].replace("占78.5%", "占87.5%")]
    out = findings_of(("huaian_2024.json", huaian(text)), ("shanghai_2025.json", shanghai(sh)))
    rules = sorted(f["rule"] for f in out if f["rule"].startswith("text_table"))
    assert rules == [
        "text_table.applications.granted+partially_granted.total",
        "text_table.review_litigation.review.upheld",
    ]
    upheld = next(f for f in out if f["rule"].endswith("review.upheld"))
    assert "结果维持 27 件" in upheld["evidence"][0]["quote"] and upheld["evidence"][0]["page"] == 1


@pytest.fixture(scope="module")
def hongze_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real Hongze 2024 report converted, beside a Hongze 2023 report built in its form."""
    if not HONGZE_2024.exists():
        pytest.skip("shared/real/hongze_2024.pdf not here")
    from ingest.options import Options
    from normalize.serialize import report_bytes
    from pipeline import convert

    out = tmp_path_factory.mktemp("hongze")
    r2024 = convert(str(HONGZE_2024), Options())
    (out / "hongze_2024.json").write_bytes(report_bytes(r2024))
    r2023 = copy.deepcopy(r2024)
    app = r2023["tables"]["applications"]
    for row, delta in (("new_received", -7), ("unable_not_held", -7), ("total_results", -7)):
        for col in ("natural_person", "total"):
            app[row][col] += delta
    r2023["report"] = {
        "title": "洪泽区人民政府2023年政府信息公开工作年度报告",
        "agency": "洪泽区人民政府",
        "year": 2023,
    }
    r2023["report"]["published"] = "2024-01-20"
    r2023["sections"][0]["text"] = (
        "2023年，洪泽区人民政府全面贯彻落实淮安市委市政府关于政务公开工作的决策部署。\n"
        "（二）依申请公开情况。2023年，区政府办代表区政府受理政府信息公开申请88件，均已在法定期限内予以答复。"
    )
    r2023["sections"][0]["pages"] = [1, 1]
    r2023["cells"] = []
    (out / "hongze_2023.json").write_bytes(report_bytes(r2023))
    return out


def test_hongze_text_says_17_received_and_the_table_95(hongze_dir: Path, tmp_path: Path) -> None:
    doc = run_audit([str(hongze_dir)], str(tmp_path / "findings.json"))
    on_disk = json.loads((tmp_path / "findings.json").read_text(encoding="utf-8"))
    assert on_disk == json.loads(json.dumps(doc, ensure_ascii=False))
    assert (doc["schema_version"], doc["reports"], doc["agencies"]) == ("1", 2, 1)  # one series
    tt = [f for f in doc["findings"] if f["rule"].startswith("text_table")]
    assert len(tt) == 1
    f = tt[0]
    assert f["rule"] == "text_table.applications.new_received.total" and f["reports"] == ["hongze_2024.json"]
    assert f["message"] == "the text says 17 applications were received, the table says 95"
    assert "区政府办代表区政府受理政府信息公开申请17件" in f["evidence"][0]["quote"] and f["evidence"][0]["page"] == 1
    assert not [f for f in doc["findings"] if f["rule"].startswith(("continuity", "identity", "duplicate"))]
    # the two name forms are one series, said as information
    assert [f["rule"] for f in doc["findings"] if f["severity"] == "info"] == ["name_forms"]


def test_the_audit_applies_a_persons_corrections_stored_for_the_report(hongze_dir: Path, tmp_path: Path) -> None:
    """A value a person corrected is what the audit sees, even in a JSON written before the correction."""
    out = tmp_path / "out"
    out.mkdir()
    original = (hongze_dir / "hongze_2024.json").read_bytes()
    (out / "hongze_2024.json").write_bytes(original)
    field = "applications.new_received.total"
    run = subprocess.run(
        [sys.executable, "cli.py", "correct", str(out / "hongze_2024.json"), field, "17"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    (out / "hongze_2024.json").write_bytes(original)  # as another run wrote it, without the correction
    doc = run_audit([str(out)], str(tmp_path / "findings.json"))
    assert not [f for f in doc["findings"] if f["rule"] == f"text_table.{field}"]
    (out / "corrections.sqlite").unlink()
    doc = run_audit([str(out)], str(tmp_path / "findings.json"))
    assert [f["rule"] for f in doc["findings"] if f["rule"] == f"text_table.{field}"] == [f"text_table.{field}"]


def test_a_county_named_without_its_city_is_not_joined_but_said() -> None:
    short = canonical("通州区人民政府", 2023, ["区政府推进政务公开。"], {}, "a.pdf")
    full = canonical("北京市通州区人民政府", 2024, ["区政府推进政务公开。"], {}, "b.pdf")
    out = findings_of(("tongzhou_2023.json", short), ("tongzhou_2024.json", full))
    assert [(f["rule"], f["reports"]) for f in out] == [("identity", ["tongzhou_2023.json"])]
    assert "北京市通州区人民政府" in out[0]["message"]
    # the same short name in a report whose text names its city joins the series
    short["sections"][0]["text"] = "在北京市委、北京市政府领导下，区政府推进政务公开。"
    out = findings_of(("tongzhou_2023.json", short), ("tongzhou_2024.json", full))
    assert [f["rule"] for f in out] == ["name_forms"]


# --- a generated archive: every planted fault and nothing else ------------------------------------------


def keyed(findings: list[dict[str, Any]]) -> set[tuple[str, tuple[str, ...]]]:
    return {(f["rule"].split(".")[0], tuple(sorted(f["reports"]))) for f in findings}


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    d = tmp_path_factory.mktemp("archive")
    return d, make_archive(str(d), n_agencies=60, seed=17)


def test_archive_of_300_reports_precision_and_recall(archive: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    d, manifest = archive
    assert manifest["reports"] == 300
    doc = run_audit([str(d)], str(tmp_path / "findings.json"))
    planted = {(p["rule"], tuple(sorted(p["reports"]))) for p in manifest["planted"]}
    assert len(planted) == 7
    got = keyed(doc["findings"])
    assert planted - got == set(), "missed"
    assert got - planted == set(), "found what was not planted"
    assert doc["reports"] == 300 and doc["agencies"] == 60
    jump = [f for f in doc["findings"] if f["rule"] == "yoy_jump.applications.new_received.total"]
    assert len(jump) == 1


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), *args], capture_output=True, text=True, cwd=ROOT, timeout=300
    )


@pytest.fixture(scope="module")
def audited(archive: tuple[Path, dict[str, Any]], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`cli.py audit` over the archive with its review page of one report beside it."""
    d, manifest = archive
    out = tmp_path_factory.mktemp("audited")
    text_fault = next(p for p in manifest["planted"] if p["rule"] == "text_table")["reports"][0]
    review = out / "html" / text_fault.replace(".json", ".html")
    review.parent.mkdir()
    review.write_text("<!DOCTYPE html><title>review</title>", encoding="utf-8")
    run = run_cli(
        "audit", str(d), str(out / "html"), "-o", str(out / "findings.json"), "--html", str(out / "dashboard.html")
    )
    assert run.returncode == 0, run.stderr
    assert "300 reports, 60 agencies" in run.stderr
    return out


def test_cli_dataset_is_queryable_with_duckdb(audited: Path) -> None:
    ds = audited / "dataset"
    assert {p.name for p in ds.iterdir()} >= {"applications.parquet", "review_litigation.parquet", "findings.parquet"}
    run = run_cli(
        "query",
        str(audited),
        "SELECT count(DISTINCT report), count(DISTINCT series_key) FROM applications WHERE field = 'applications.new_received.total'",
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[1] == "300\t60"
    run = run_cli("query", str(audited), "SELECT family, count(*) FROM findings GROUP BY family ORDER BY family")
    families = [line.split("\t")[0] for line in run.stdout.splitlines()[1:]]
    assert families == sorted(
        ["continuity", "duplicate_report", "identity", "name_forms", "series_gap", "text_table", "yoy_jump"]
    )
    bad = run_cli("query", str(audited / "nowhere"), "SELECT 1")
    assert bad.returncode != 0 and "error:" in bad.stderr and "Traceback" not in bad.stderr


@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="chromium not installed")
def test_dashboard_in_chromium_loads_draws_and_filters(audited: Path) -> None:
    page = audited / "dashboard.html"
    with Browser() as b:
        b.open(page.resolve().as_uri())
        assert b.errors() == []
        assert b.requests() == [page.resolve().as_uri()]  # self-contained: nothing fetched
        assert b.eval("document.body.dataset.charts") == "3"
        assert b.eval("document.querySelectorAll('#trend .legend .traces').length") == 10  # quantities
        assert b.eval("document.querySelectorAll('#trend .scatterlayer .trace').length") == 5  # shown at first
        assert b.eval("document.querySelectorAll('#shares .boxlayer .trace').length") == 6
        assert b.eval("document.querySelectorAll('#unable .barlayer .point').length") == 15
        total = b.eval("document.querySelectorAll('#findings tr').length")
        findings = json.loads((audited / "findings.json").read_text(encoding="utf-8"))["findings"]
        assert total == len(findings)

        def choose(select: str, value: str) -> list[list[str]]:
            b.eval(
                f"(() => {{const s = document.getElementById('{select}'); s.value = '{value}';"
                "s.dispatchEvent(new Event('change'));})()"
            )
            return b.eval(
                "[...document.querySelectorAll('#findings tr')].map(r => [r.dataset.rule, r.dataset.severity])"
            )

        rows = choose("f-sev", "error")
        assert rows and all(s == "error" for _, s in rows)
        assert len(rows) == sum(f["severity"] == "error" for f in findings)
        choose("f-sev", "")
        rows = choose("f-rule", "text_table")
        assert len(rows) == 1 and rows[0][0] == "text_table.applications.new_received.total"
        link = b.eval(
            "document.querySelector('#findings a') && document.querySelector('#findings a').getAttribute('href')"
        )
        assert link and link.startswith("html/") and link.endswith(".html")
        quoted = next(f for f in findings if f["rule"].startswith("text_table"))["evidence"][0]["quote"]
        assert b.eval("document.querySelector('#findings q').textContent") == quoted
        # another agency redraws the trend chart with its own title
        title = b.eval(
            "(() => {const s = document.getElementById('agency'); s.selectedIndex = s.options.length - 1;"
            "s.dispatchEvent(new Event('change')); return document.querySelector('#trend .gtitle').textContent;})()"
        )
        assert title and title in b.eval("document.getElementById('agency').selectedOptions[0].textContent")


# --- the batch: its index holds the series key, and the audit runs at its end -----------------------------


def test_batch_audit_is_on_unless_no_audit() -> None:
    from cli import parser

    assert parser().parse_args(["batch", "in", "-o", "out"]).audit is True
    assert parser().parse_args(["batch", "in", "-o", "out", "--no-audit"]).audit is False


def test_batch_index_series_key_and_audit(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    for seed in sorted((need_shared() / "seeds").glob("*.txt"))[:2]:
        (src / seed.name).write_bytes(seed.read_bytes())
    out = tmp_path / "out"
    run = run_cli("batch", str(src), "-o", str(out), "--workers", "1", "--quiet")
    assert run.returncode == 0, run.stderr
    doc = json.loads((out / "_audit" / "findings.json").read_text(encoding="utf-8"))
    assert doc["reports"] == 2
    # seed 001's text says 无法提供2件 where its table (and its truth) holds the two under 其他: a real finding
    assert [(f["rule"], f["reports"]) for f in doc["findings"]] == [
        ("text_table.applications.unable.total", ["001_f4141a8ebd31f87f.json"])
    ]
    assert (out / "_audit" / "dashboard.html").exists() and (out / "_audit" / "dataset" / "findings.parquet").exists()
    with sqlite3.connect(out / "index.sqlite") as conn:
        rows = conn.execute("SELECT agency, series_key, agency_level FROM files WHERE status = 'ok'").fetchall()
    # the two seeds' townships name no city: the key is the name as printed
    assert sorted(rows) == [
        ("固镇县连城镇人民政府", "固镇县连城镇人民政府", "township"),
        ("尧都区屯里镇人民政府", "尧都区屯里镇人民政府", "township"),
    ]
