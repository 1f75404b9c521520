"""A person's corrections: kept outside the document, applied on every later conversion of the same bytes.

Real conversions of a committed sample (a DOCX whose generator broke one value: denied_state_secret.total
5 -> 2, so its row_total check fails) are corrected and reconverted through the command line.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from conftest import ROOT

from corrections import Correction, apply_corrections, apply_stored
from pipeline import convert

ERR_DOCX = ROOT / "samples" / "docx" / "docx2021_row_total_error.docx"
PLAIN_DOCX = ROOT / "samples" / "docx" / "docx2021_plain.docx"
BROKEN = "applications.denied_state_secret.total"
SCHEMA = json.loads((ROOT / "normalize" / "schema.json").read_text(encoding="utf-8"))


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    """Run cli.py from the repository root."""
    return subprocess.run([sys.executable, "cli.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def cell(report: dict[str, Any], field: str) -> dict[str, Any]:
    """The report's cell of a field."""
    return next(c for c in report["cells"] if c["field"] == field)


def failing(report: dict[str, Any]) -> list[str]:
    """The rules of the report's failing checks."""
    return [c["rule"] for c in report["checks"] if not c["ok"]]


@pytest.fixture(scope="module")
def err_report() -> dict[str, Any]:
    return convert(str(ERR_DOCX))


def test_document_cells_say_their_source_and_fit_the_schema(err_report: dict[str, Any]) -> None:
    assert err_report["cells"] and all(c["source"] == "document" for c in err_report["cells"])
    jsonschema.validate(err_report, SCHEMA)
    expected = json.loads(ERR_DOCX.with_suffix(".expected.json").read_text(encoding="utf-8"))
    assert sorted(failing(err_report)) == sorted(expected["failing_checks"])


def test_apply_is_pure_idempotent_and_recomputes_checks(err_report: dict[str, Any]) -> None:
    sha = err_report["source"]["sha256"]
    before = json.dumps(err_report, sort_keys=True)
    fix = [Correction(sha, BROKEN, "correct", 5), Correction(sha, "applications.granted.total", "confirm", None)]
    fixed = apply_corrections(err_report, fix)
    assert json.dumps(err_report, sort_keys=True) == before  # the input is not touched
    c = cell(fixed, BROKEN)
    assert (c["value"], c["source"], c["confidence"], c["raw"]) == (5, "manual", 1.0, "2")
    assert c["replaced"]["value"] == 2 and c["review"] == "correct"
    assert fixed["tables"]["applications"]["denied_state_secret"]["total"] == 5
    assert failing(fixed) == [] and len(fixed["checks"]) == len(err_report["checks"])
    confirmed = cell(fixed, "applications.granted.total")
    assert (
        confirmed["source"] == "manual"
        and confirmed["value"] == cell(err_report, "applications.granted.total")["value"]
    )
    jsonschema.validate(fixed, SCHEMA)
    assert apply_corrections(fixed, fix) == fixed  # again: the same
    assert apply_corrections(fixed, []) == err_report  # none: the document's own reading back
    other = [Correction("0" * 64, BROKEN, "correct", 5)]
    assert apply_corrections(err_report, other) == err_report  # other bytes: not applied


def test_unreadable_is_null_with_confidence_zero_and_a_warning(err_report: dict[str, Any]) -> None:
    sha = err_report["source"]["sha256"]
    out = apply_corrections(err_report, [Correction(sha, BROKEN, "unreadable", None)])
    c = cell(out, BROKEN)
    assert c["value"] is None and c["confidence"] == 0.0 and c["source"] == "manual"
    assert any(w.startswith(BROKEN) and "unreadable" in w for w in out["warnings"])


def test_cli_correct_then_reconvert_keeps_it(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert cli("convert", str(ERR_DOCX), "-o", str(out), "--no-isolate").returncode == 0
    report_json = out / "docx2021_row_total_error.json"
    r = cli("correct", str(report_json), BROKEN, "5")
    assert r.returncode == 0, r.stderr
    assert "0 failing" in r.stdout
    assert (out / "corrections.sqlite").is_file()
    for bad in (("applications.nope.total", "5"), (BROKEN, "5.5"), (BROKEN, "five"), (BROKEN, "-1")):
        r = cli("correct", str(report_json), *bad)
        assert r.returncode == 1 and r.stderr.count("\n") == 1 and r.stderr.startswith("error: ")
    assert cli("convert", str(ERR_DOCX), "-o", str(out), "--no-isolate").returncode == 0
    report = json.loads(report_json.read_text(encoding="utf-8"))
    c = cell(report, BROKEN)
    assert (c["value"], c["source"], c["confidence"], c["raw"]) == (5, "manual", 1.0, "2")
    assert failing(report) == []
    jsonschema.validate(report, SCHEMA)

    # other bytes under the same output name: the correction is not applied, and said
    changed = tmp_path / "changed" / ERR_DOCX.name
    changed.parent.mkdir()
    shutil.copy(PLAIN_DOCX, changed)
    r = cli("convert", str(changed), "-o", str(out), "--no-isolate")
    assert r.returncode == 0 and "not applied" in r.stderr
    report = json.loads(report_json.read_text(encoding="utf-8"))
    assert cell(report, BROKEN)["source"] == "document"
    assert any(BROKEN in w and "not applied" in w for w in report["warnings"])


def test_corrections_export_and_import(tmp_path: Path, err_report: dict[str, Any]) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    for d in (a, b):
        assert cli("convert", str(ERR_DOCX), "-o", str(d), "--no-isolate").returncode == 0
    assert cli("correct", str(a / "docx2021_row_total_error.json"), BROKEN, "5").returncode == 0
    handed = tmp_path / "handed.json"
    assert cli("corrections", str(a), "--export", str(handed)).returncode == 0
    data = json.loads(handed.read_text(encoding="utf-8"))
    assert [(c["field"], c["value"]) for c in data["corrections"]] == [(BROKEN, 5)]
    r = cli("corrections", str(b), "--import", str(handed))
    assert r.returncode == 0, r.stderr
    report = json.loads((b / "docx2021_row_total_error.json").read_text(encoding="utf-8"))
    assert cell(report, BROKEN)["value"] == 5 and failing(report) == []
    assert apply_stored(err_report, str(b)) == report  # what the audit of folder b reads
    bad = tmp_path / "bad.json"
    bad.write_text('{"corrections_version": "1", "corrections": [{"field": 1}]}', encoding="utf-8")
    assert cli("corrections", str(b), "--import", str(bad)).returncode == 1


def test_show_prints_the_template_labels_or_the_ids(tmp_path: Path, err_report: dict[str, Any]) -> None:
    path = tmp_path / "r.json"
    path.write_text(json.dumps(err_report, ensure_ascii=False), encoding="utf-8")
    r = cli("show", str(path))
    assert r.returncode == 0, r.stderr
    for label in (
        "一、本年新收政府信息公开申请数量",
        "自然人",
        "商业企业",
        "三（三）1.属于国家秘密",
        "行政复议",
        "结果维持",
    ):
        assert label in r.stdout
    assert "new_received" not in r.stdout
    ids = cli("show", "--ids", str(path)).stdout
    assert "new_received" in ids and "natural_p" in ids and "商业企业" not in ids


def test_correct_in_a_batch_tree_uses_the_batch_folder_and_its_index(
    tmp_path: Path, err_report: dict[str, Any]
) -> None:
    import sqlite3

    from batch.index import INDEX_NAME, FileFacts, connect, record_ok, summarize

    out = tmp_path / "out"
    (out / "sub").mkdir(parents=True)
    (out / "sub" / "r.json").write_text(json.dumps(err_report, ensure_ascii=False), encoding="utf-8")
    conn = connect(str(out / INDEX_NAME))
    with conn:
        facts = FileFacts("sub/r.docx", err_report["source"]["sha256"], 1, "docx")
        record_ok(conn, facts, summarize(err_report), {"seconds": 1.0}, "sub/r.json", "test", "sub/r.docx")
    conn.close()
    r = cli("correct", str(out / "sub" / "r.json"), BROKEN, "5")
    assert r.returncode == 0, r.stderr
    assert (out / "corrections.sqlite").is_file() and not (out / "sub" / "corrections.sqlite").exists()
    conn = sqlite3.connect(out / INDEX_NAME)
    value = conn.execute('SELECT value, confidence FROM "values" WHERE path = ? AND field = ?', ("sub/r.docx", BROKEN))
    failing_row = conn.execute("SELECT failing_checks FROM files WHERE path = 'sub/r.docx'").fetchone()[0]
    assert value.fetchone() == (5, 1.0) and json.loads(failing_row) == []
    conn.close()


def test_a_correction_on_one_report_of_a_volume_stays_on_that_report(tmp_path: Path) -> None:
    """The reports of a bound volume share the file's sha256: a correction is keyed by the report's part too."""
    dumps = [ROOT / "samples" / "text" / f"{n}.txt" for n in ("002_d783aba02661c840", "004_9fc5a355c4b21346")]
    joined = tmp_path / "two.txt"
    joined.write_bytes(b"".join(p.read_bytes() for p in dumps))
    out = tmp_path / "out"
    assert cli("convert", str(joined), "-o", str(out)).returncode == 0
    first, second = (json.loads((out / f"two.{n}.json").read_text(encoding="utf-8")) for n in (1, 2))
    field = "applications.granted.total"
    value = (cell(first, field)["value"] or 0) + 7
    run = cli("correct", str(out / "two.1.json"), field, str(value))
    assert run.returncode == 0, run.stderr
    assert cli("convert", str(joined), "-o", str(out)).returncode == 0
    again = [json.loads((out / f"two.{n}.json").read_text(encoding="utf-8")) for n in (1, 2)]
    assert cell(again[0], field)["value"] == value and cell(again[0], field)["source"] == "manual"
    assert cell(again[1], field) == cell(second, field) and cell(again[1], field)["source"] == "document"
