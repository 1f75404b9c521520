"""`cli.py export`: a batch output folder as CSV, XLSX and Parquet, read back and compared with the truth."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, SHARED

PY = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable


def flat(prefix: str, obj: Any) -> dict[str, Any]:
    if isinstance(obj, dict):
        out: dict[str, Any] = {}
        for k, v in obj.items():
            out.update(flat(f"{prefix}.{k}" if prefix else k, v))
        return out
    return {prefix: obj}


@pytest.fixture(scope="module")
def batch_out(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A batch run over the seeds, the committed DOCX examples (some with arithmetic errors) and an empty file."""
    base = tmp_path_factory.mktemp("export")
    inp, out = base / "in", base / "out"
    truth: dict[str, dict[str, Any]] = {}
    for folder, sub in ((SHARED / "seeds", "seeds"), (ROOT / "samples" / "docx", "docx")):
        for exp in sorted(folder.glob("*.expected.json")):
            stem = exp.name[: -len(".expected.json")]
            src = next(p for p in folder.glob(stem + ".*") if not p.name.endswith(".json"))
            (inp / sub).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, inp / sub / src.name)
            truth[f"{sub}/{src.name}"] = json.loads(exp.read_text(encoding="utf-8"))
    (inp / "empty.docx").write_bytes(b"")
    env = dict(os.environ, GOVREPORT_TOOLKIT_VERSION="test-export")
    run = subprocess.run(
        [PY, str(ROOT / "cli.py"), "batch", str(inp), "-o", str(out), "--workers", "1", "--quiet"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1, run.stderr  # the empty file
    for fmt in ("csv", "xlsx", "parquet"):
        ex = subprocess.run(
            [PY, str(ROOT / "cli.py"), "export", str(out), "--format", fmt], capture_output=True, text=True
        )
        assert ex.returncode == 0, ex.stderr
    return {"out": out, "truth": truth, "export": out / "export"}


def check_reports(rows: list[dict[str, Any]], truth: dict[str, dict[str, Any]], as_text: bool) -> None:
    """Every expected value and metadata field is in its report's row; the empty file is a failed row."""
    by_path = {r["path"]: r for r in rows}
    assert set(by_path) == set(truth) | {"empty.docx"}
    assert by_path["empty.docx"]["status"] == "failed" and by_path["empty.docx"]["error_kind"] == "empty"

    def norm(v: Any) -> Any:
        if as_text:
            return "" if v is None else str(v)
        return v

    for path, exp in truth.items():
        row = by_path[path]
        assert row["status"] == "ok"
        for k, v in exp["report"].items():
            assert norm(row[k]) == norm(v), (path, k)
        if "template" in exp:
            assert norm(row["template"]) == norm(exp["template"])
        want = flat("", {k: v for k, v in exp["tables"].items()})
        assert want, path
        for field, v in want.items():
            got = row[field]
            if as_text:
                assert got == ("" if v is None else str(v)) or (v is not None and float(got) == float(v)), (path, field)
            else:
                assert got == v, (path, field, got, v)


def test_csv_tables(batch_out: dict[str, Any]) -> None:
    ex = batch_out["export"]
    with open(ex / "reports.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    check_reports(rows, batch_out["truth"], as_text=True)
    with open(ex / "dictionary.csv", encoding="utf-8-sig", newline="") as f:
        labels = {r["field"]: r["label"] for r in csv.DictReader(f)}
    assert labels["applications.granted.natural_person"] == "三（一）予以公开 — 自然人"
    assert labels["review_litigation.review.upheld"] == "四、行政复议 — 结果维持"
    assert labels["active_disclosure.rules.issued"] == "二、规章 — 本年制发件数"
    assert set(rows[0]) <= set(labels), "every column of the wide table is in the dictionary"
    with open(ex / "failing_checks.csv", encoding="utf-8-sig", newline="") as f:
        failing: dict[str, set[str]] = {}
        for r in csv.DictReader(f):
            failing.setdefault(r["path"], set()).add(r["rule"])
    for path, exp in batch_out["truth"].items():
        assert failing.get(path, set()) == set(exp.get("failing_checks", [])), path
    assert any(failing.values()), "the examples include reports with arithmetic errors"


def test_xlsx_workbook(batch_out: dict[str, Any]) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(batch_out["export"] / "reports.xlsx", read_only=True)
    assert wb.sheetnames[:2] == ["reports", "dictionary"]
    assert set(wb.sheetnames) == {"reports", "dictionary", "values", "failing_checks"}
    sheet = list(wb["reports"].iter_rows(values_only=True))
    header = list(sheet[0])
    rows = [dict(zip(header, list(r) + [None] * (len(header) - len(r)), strict=True)) for r in sheet[1:]]
    check_reports(rows, batch_out["truth"], as_text=False)
    labels = {r[0]: r[1] for r in wb["dictionary"].iter_rows(min_row=2, values_only=True)}
    assert labels["applications.total_results.total"] == "三（七）总计 — 总计"


def test_parquet_tables(batch_out: dict[str, Any]) -> None:
    import pyarrow.parquet as pq

    ex = batch_out["export"]
    table = pq.read_table(ex / "reports.parquet")
    check_reports(table.to_pylist(), batch_out["truth"], as_text=False)
    assert str(table.schema.field("applications.granted.total").type) == "int64"
    assert str(table.schema.field("active_disclosure.administrative_fees.amount").type) in ("int64", "double")
    label = table.schema.field("applications.granted.total").metadata[b"label"].decode()
    assert label == "三（一）予以公开 — 总计"
    values = pq.read_table(ex / "values.parquet").to_pylist()
    long = {(v["path"], v["field"]): v["value"] for v in values}
    for path, exp in batch_out["truth"].items():
        for field, want in flat("", exp["tables"]).items():
            assert long[(path, field)] == want, (path, field)
    checks = pq.read_table(ex / "failing_checks.parquet").to_pylist()
    assert {(c["path"], c["rule"]) for c in checks} == {
        (p, rule) for p, exp in batch_out["truth"].items() for rule in exp.get("failing_checks", [])
    }
    dictionary = {d["field"]: d["label"] for d in pq.read_table(ex / "dictionary.parquet").to_pylist()}
    assert set(table.column_names) <= set(dictionary)


def test_export_without_index_fails_cleanly(tmp_path: Path) -> None:
    ex = subprocess.run(
        [PY, str(ROOT / "cli.py"), "export", str(tmp_path), "--format", "csv"], capture_output=True, text=True
    )
    assert ex.returncode == 1
    assert "no index.sqlite" in ex.stderr
    assert "Traceback" not in ex.stderr
