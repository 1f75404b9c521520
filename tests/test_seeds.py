"""The five real seed dumps and the two real published reports convert to their truth."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from conftest import ROOT, SHARED, SHARED_MISSING, failing_rules, table_mismatches

from pipeline import convert

SCHEMA = json.loads((ROOT / "normalize" / "schema.json").read_text(encoding="utf-8"))
if not SHARED.is_dir():
    pytest.skip(SHARED_MISSING, allow_module_level=True)
SEEDS = sorted((SHARED / "seeds").glob("*.txt"))
REAL = sorted(p for p in (SHARED / "real").iterdir() if p.suffix in (".pdf", ".html"))


def _expected(path: Path) -> dict:
    return json.loads(path.with_name(path.name.rsplit(".", 1)[0] + ".expected.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", SEEDS + REAL, ids=lambda p: p.name)
def test_converts_to_truth(path: Path) -> None:
    report = convert(str(path))
    jsonschema.validate(report, SCHEMA)
    assert table_mismatches(report, _expected(path)) == []
    assert failing_rules(report) == set()


def test_seed_count() -> None:
    assert len(SEEDS) == 5 and len(REAL) == 2


def test_blank_cell_is_null_not_zero() -> None:
    report = convert(str(SHARED / "seeds" / "000_5f8f501b00686a02.txt"))
    assert report["tables"]["applications"]["total_results"]["natural_person"] is None
    assert report["tables"]["applications"]["total_results"]["commercial"] == 0


def test_extra_column_and_lost_label_reported() -> None:
    report = convert(str(SHARED / "seeds" / "004_9fc5a355c4b21346.txt"))
    assert "其他" in report["tables"]["applications_extra_columns"]
    assert any("applications_extra_columns" in w for w in report["warnings"])
    assert any("granted" in w and "position" in w for w in report["warnings"])


def test_collapsed_group_goes_to_group_totals() -> None:
    report = convert(str(SHARED / "real" / "hongze_2024.pdf"))
    gt = report["tables"]["applications_group_totals"]["other_processing"]
    assert gt["total"] == 0
    assert report["tables"]["applications"]["other_other"]["total"] is None
    assert any("other_processing" in w for w in report["warnings"])


def test_sections_found() -> None:
    report = convert(str(SHARED / "seeds" / "002_d783aba02661c840.txt"))
    assert [s["number"] for s in report["sections"]] == list("一二三四五六")
    assert "刘胡兰镇" in report["sections"][0]["text"]


def test_pdf_cells_carry_geometry() -> None:
    report = convert(str(SHARED / "real" / "hongze_2024.pdf"))
    cell = next(c for c in report["cells"] if c["field"] == "applications.unable_not_held.natural_person")
    assert cell["value"] == 31 and cell["page"] >= 1
    x0, y0, x1, y1 = cell["bbox"]
    assert 0 <= x0 < x1 and 0 <= y0 < y1


def test_cli_convert_good_and_bad(tmp_path: Path) -> None:
    bad = tmp_path / "broken.docx"
    bad.write_bytes(b"PK\x03\x04 this is not a zip")
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    import docx

    other = docx.Document()
    other.add_paragraph("2024年食堂采购清单")
    t = other.add_table(rows=2, cols=2)
    t.cell(0, 0).text, t.cell(0, 1).text, t.cell(1, 0).text, t.cell(1, 1).text = "品名", "数量", "大米", "12"
    other.save(str(tmp_path / "menu.docx"))
    binary = tmp_path / "blob.docx"
    binary.write_bytes(bytes(range(256)) * 8)
    good = SHARED / "seeds" / "001_f4141a8ebd31f87f.txt"
    out = tmp_path / "out"
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "cli.py"),
            "convert",
            str(bad),
            str(good),
            str(empty),
            str(tmp_path / "menu.docx"),
            str(binary),
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 4
    assert "broken.docx: corrupt:" in lines[0] and "empty.pdf: empty:" in lines[1]
    assert "menu.docx: not_a_report:" in lines[2] and "blob.docx: unsupported:" in lines[3]
    report = json.loads((out / "001_f4141a8ebd31f87f.json").read_text(encoding="utf-8"))
    assert table_mismatches(report, _expected(good)) == []


def test_cli_show(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), "show", str(SHARED / "real" / "hongze_2024.pdf")],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    # show prints the template's labels (the ids with --ids)
    assert "三（四）1.本机关不掌握相关政府信息" in proc.stdout and "31" in proc.stdout
    assert "checks: " in proc.stdout and "0 failing" in proc.stdout


def test_cli_show_into_a_closed_pipe_ends_quietly() -> None:
    """`cli.py show x | head -1`: the reader leaves early; no traceback, the shell's status for SIGPIPE."""
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "cli.py"), "show", str(SHARED / "real" / "hongze_2024.pdf")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # before the conversion is done: its first write finds no reader
    err = proc.stderr.read().decode("utf-8")
    assert proc.wait() == 141
    assert "Traceback" not in err and "BrokenPipe" not in err
