"""OFD (GB/T 33190): committed and generated reports convert exactly, overlays are drawn, hostile packages are refused.

The reports come from samples/make_ofd.py (no converter involved): text per run and per char, rulings as
lines, closed boxes and thin fills, turned headers, CTM-scaled text, tables cut by page breaks, merged and
unmerged cells, both templates. Hostile packages are the committed example with one part made hostile.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, failing_rules, silent_errors, table_fields, table_mismatches

from ingest import load
from ingest.detect import sniff
from ingest.errors import ReportError
from ingest.options import Options
from overlay import build_overlays
from pipeline import convert
from samples import make_ofd

OFD_DIR = ROOT / "samples" / "ofd"
EXAMPLES = sorted(OFD_DIR.glob("*.ofd"))
PLAIN = OFD_DIR / "ofd2021_runs.ofd"
PAGE0 = "Doc_0/Pages/Page_0/Content.xml"


def problems(path: Path) -> list[str]:
    """Wrong fields a report does not own up to, and failing checks other than the expected ones."""
    expected = json.loads(path.with_name(path.stem + ".expected.json").read_text(encoding="utf-8"))
    report = convert(str(path))
    assert report["source"]["format"] == "ofd" and table_fields(expected) >= 200
    wrong = table_mismatches(report, expected)
    out = [f"{path.name}: {w}" for w in wrong]
    out += [f"{path.name}: silent {w}" for w in silent_errors(report, expected, wrong)]
    if failing_rules(report) != set(expected["failing_checks"]):
        out.append(f"{path.name}: failing checks {sorted(failing_rules(report))} != {expected['failing_checks']}")
    return out


def test_committed_examples_convert_exactly() -> None:
    assert len(EXAMPLES) >= 4
    assert [p for path in EXAMPLES for p in problems(path)] == []


def test_template_page_rulings_are_read_and_its_running_header_is_not() -> None:
    path = OFD_DIR / "ofd2021_template.ofd"
    with zipfile.ZipFile(path) as z:
        assert make_ofd.HEADER in z.read("Doc_0/Tpls/Tpl_0/Content.xml").decode()
    doc = load(str(path))
    assert not [b for b in doc.paragraphs if b.text.startswith(make_ofd.HEADER)]
    expected = json.loads(path.with_name(path.stem + ".expected.json").read_text(encoding="utf-8"))
    assert convert(str(path))["report"]["title"].startswith(expected["report"]["agency"])
    from ingest.ofd import MM, page_sources

    rule_y = 17.0 * MM  # the template's rule under the header, on every page
    for src in page_sources(path.read_bytes(), Options()):
        assert any(s.horizontal and abs(s.pos - rule_y) < 1 and s.a1 - s.a0 > 400 for s in src.segments)


def test_committed_examples_are_what_the_writer_makes(tmp_path: Path) -> None:
    make_ofd.write_examples(tmp_path)
    for path in EXAMPLES:
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name


def test_generated_reports_of_random_layouts_convert_exactly(tmp_path: Path) -> None:
    made = make_ofd.generate(tmp_path, count=6, seed=11, template="mixed", errors=2)
    assert [p for ofd, _ in made for p in problems(ofd)] == []


def test_cells_carry_pages_and_boxes_in_points_and_tables_span_pages() -> None:
    path = OFD_DIR / "ofd2021_chars_split.ofd"
    doc = load(str(path))
    assert doc.format == "ofd" and len(doc.pages) >= 3
    a4 = (210 * 72 / 25.4, 297 * 72 / 25.4)
    assert all(abs(p.width - a4[0]) < 0.01 and abs(p.height - a4[1]) < 0.01 for p in doc.pages)
    report = convert(str(path))
    cells = [c for c in report["cells"] if c["value"] is not None]
    assert cells and all(c["bbox"] and 0 <= c["bbox"][0] < c["bbox"][2] <= a4[0] for c in cells)
    assert len({c["page"] for c in report["cells"] if c["field"].startswith("applications.")}) >= 2


def test_detected_by_content_whatever_the_name(tmp_path: Path) -> None:
    data = PLAIN.read_bytes()
    assert sniff(data) == "ofd"
    renamed = tmp_path / "report.zip"
    renamed.write_bytes(data)
    assert convert(str(renamed))["source"]["format"] == "ofd"
    other = io.BytesIO()
    with zipfile.ZipFile(other, "w") as z:
        z.writestr("readme.txt", "not a report")
    with pytest.raises(ReportError) as e:
        sniff(other.getvalue())
    assert e.value.kind == "unsupported"


def test_overlays_draw_every_table_page_with_its_cells() -> None:
    path = OFD_DIR / "ofd2021_rotated_unmerged.ofd"
    doc = load(str(path), Options(page_images=True))
    from layout import repair

    doc = repair(doc)
    report = convert(str(path))
    ov = build_overlays(str(path), doc, report)
    table_pages = {c.page for t in doc.tables for c in t.cells}
    assert {p.number for p in ov.pages} == table_pages and not ov.warnings
    assert ov.cells_drawn == sum(len(t.cells) for t in doc.tables)
    gray = ov.pages[0].page.gray
    assert (gray < 128).mean() > 0.005  # the page's rulings and text are on the image, not a blank page


# ------------------------------------------------------------------------------------ hostile OFD


def with_parts(replace: dict[str, bytes | None], src: Path = PLAIN) -> bytes:
    """The committed example with parts replaced (None: left out)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(src) as old, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as new:
        for name in old.namelist():
            if name not in replace:
                new.writestr(name, old.read(name))
        for name, data in replace.items():
            if data is not None:
                new.writestr(name, data)
    return buf.getvalue()


def page_with(objects: str) -> bytes:
    """A Content.xml drawing the given objects."""
    ns = make_ofd.NS
    return f'<ofd:Page xmlns:ofd="{ns}"><ofd:Content><ofd:Layer ID="1">{objects}</ofd:Layer></ofd:Content></ofd:Page>'.encode()


def bomb() -> bytes:
    """The example plus a part of 64 MB of zeros (about 64 KB compressed: a ratio near 1000)."""
    buf = io.BytesIO(with_parts({}))
    with zipfile.ZipFile(buf, "a", zipfile.ZIP_DEFLATED) as z, z.open("Doc_0/Res/huge.bin", "w") as f:
        chunk = bytes(1 << 20)
        for _ in range(64):
            f.write(chunk)
    return buf.getvalue()


ENTITY = b'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]><ofd:Page xmlns:ofd="x">&b;</ofd:Page>'
HOSTILE: dict[str, tuple[str, dict[str, bytes | None]]] = {
    "entities": ("corrupt", {PAGE0: ENTITY}),
    "huge_boundary": ("corrupt", {PAGE0: page_with('<ofd:TextObject ID="1" Boundary="0 0 1e30 5" Size="3"><ofd:TextCode X="0" Y="3">总计</ofd:TextCode></ofd:TextObject>')}),
    "nan_position": ("corrupt", {PAGE0: page_with('<ofd:TextObject ID="1" Boundary="0 0 10 5" Size="3"><ofd:TextCode X="nan" Y="3">总计</ofd:TextCode></ofd:TextObject>')}),
    "absurd_path": ("corrupt", {PAGE0: page_with('<ofd:PathObject ID="1" Boundary="0 0 10 5"><ofd:AbbreviatedData>M 0 0 L 1e300 0</ofd:AbbreviatedData></ofd:PathObject>')}),
    "unknown_path_op": ("corrupt", {PAGE0: page_with('<ofd:PathObject ID="1" Boundary="0 0 10 5"><ofd:AbbreviatedData>M 0 0 X 5 0</ofd:AbbreviatedData></ofd:PathObject>')}),
    "page_of_a_kilometre": ("corrupt", {PAGE0: page_with("").replace(b"<ofd:Content>", b"<ofd:Area><ofd:PhysicalBox>0 0 210 1000000</ofd:PhysicalBox></ofd:Area><ofd:Content>")}),
    "no_document": ("corrupt", {"Doc_0/Document.xml": None}),
    "no_page_part": ("corrupt", {PAGE0: None}),
    "no_docroot": ("corrupt", {"OFD.xml": b'<ofd:OFD xmlns:ofd="x"><ofd:DocBody/></ofd:OFD>'}),
    "broken_xml": ("corrupt", {PAGE0: b"<ofd:Page xmlns:ofd='x'><ofd:Content>"}),
    "escaping_path": ("corrupt", {"OFD.xml": b'<ofd:OFD xmlns:ofd="x"><ofd:DocBody><ofd:DocRoot>../../etc/passwd</ofd:DocRoot></ofd:DocBody></ofd:OFD>'}),
    "no_text": ("empty", {f"Doc_0/Pages/Page_{i}/Content.xml": page_with("") for i in range(3)}),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_package_is_refused_with_its_kind(name: str) -> None:
    kind, parts = HOSTILE[name]
    data = with_parts(parts)
    assert sniff(data) == "ofd"
    from ingest.ofd import read

    with pytest.raises(ReportError) as e:
        read(name + ".ofd", data, Options())
    assert e.value.kind == kind, e.value.reason


def test_too_many_pages_and_a_bomb_are_too_large() -> None:
    from ingest.ofd import read

    with pytest.raises(ReportError) as e:
        read("x.ofd", PLAIN.read_bytes(), Options(max_pages=2))
    assert e.value.kind == "too_large"
    with pytest.raises(ReportError) as e:
        read("bomb.ofd", bomb(), Options())
    assert e.value.kind == "too_large"


def test_cli_refuses_hostile_ofd_in_one_line_and_converts_the_good_one(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ofd"
    bad.write_bytes(with_parts(HOSTILE["huge_boundary"][1]))
    good = tmp_path / "good.ofd"
    good.write_bytes(PLAIN.read_bytes())
    run = subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), "convert", str(bad), str(good), "-o", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {bad}: corrupt: ") and "Traceback" not in run.stderr
    assert (tmp_path / "out" / "good.json").exists() and not (tmp_path / "out" / "bad.json").exists()
