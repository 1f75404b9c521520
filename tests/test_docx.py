"""The DOCX adapter: real merged cells, body order, line breaks, hostile packages; and end to end on
generated reports of many layouts (values, metadata and failing checks all as the generator knows them)."""

from __future__ import annotations

import io
import json
import random
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, failing_rules, table_mismatches

import samples.generate as gen  # noqa: E402  (namespace package under the repo root)
from ingest import load
from ingest.docx.reader import read
from ingest.errors import ReportError
from ingest.grid import Cell, Document, Paragraph, Table
from ingest.options import Options

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="word/document.xml"/></Relationships>'
)


def package(document_xml: str | bytes | None, extra: dict[str, bytes] | None = None) -> bytes:
    """A minimal DOCX zip around a document part (None: leave the part out)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", RELS)
        if document_xml is not None:
            z.writestr("word/document.xml", document_xml)
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return buf.getvalue()


def body(xml: str) -> str:
    """A document part with the given body content."""
    return f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W_NS}"><w:body>{xml}</w:body></w:document>'


def para(text: str) -> str:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"


def tc(text: str = "", props: str = "") -> str:
    return f"<w:tc><w:tcPr>{props}</w:tcPr>{para(text) if text else '<w:p/>'}</w:tc>"


def read_bytes(data: bytes, options: Options | None = None) -> Document:
    return read("x.docx", data, options or Options())


def cell_at(table: Table, row: int, col: int) -> Cell:
    """The cell whose top-left corner is (row, col)."""
    found = [c for c in table.cells if c.row == row and c.col == col]
    assert len(found) == 1, f"no single cell at {(row, col)}: {found}"
    return found[0]


def assert_partition(table: Table) -> None:
    """Every grid position is covered by exactly one cell."""
    seen: dict[tuple[int, int], Cell] = {}
    for c in table.cells:
        for r in range(c.row, c.row + c.rowspan):
            for k in range(c.col, c.col + c.colspan):
                assert (r, k) not in seen, f"{(r, k)} covered twice"
                seen[(r, k)] = c
    assert len(seen) == table.n_rows * table.n_cols


# ---------------------------------------------------------------- generated reports, read back


@pytest.fixture(scope="module")
def plain_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Document, dict]:
    rng = random.Random(11)
    values = gen.random_values(rng, "2021")
    meta = gen.random_meta(rng, "2021")
    path = tmp_path_factory.mktemp("docx") / "plain.docx"
    gen.make_docx(values, meta, gen.Layout(), path)
    return load(str(path)), values


def test_real_merged_cells_become_spans(plain_report: tuple[Document, dict]) -> None:
    doc, values = plain_report
    active, apps, review = doc.tables
    assert (apps.n_rows, apps.n_cols) == (3 + 25, 10)
    note = cell_at(apps, 0, 0)
    assert (note.rowspan, note.colspan) == (3, 3) and note.text == gen.NOTE_TEXT
    assert cell_at(apps, 0, 3).colspan == 7 and cell_at(apps, 0, 3).text == "申请人情况"
    assert (cell_at(apps, 1, 3).text, cell_at(apps, 1, 3).rowspan) == ("自然人", 2)
    assert (cell_at(apps, 1, 4).text, cell_at(apps, 1, 4).colspan) == ("法人或其他组织", 5)
    results = cell_at(apps, 5, 0)
    assert (results.text, results.rowspan) == ("三、本年度办理结果", 22)
    denied = cell_at(apps, 7, 1)
    assert (denied.text, denied.rowspan, denied.colspan) == ("（三）不予公开", 8, 1)
    assert (cell_at(apps, 3, 0).text, cell_at(apps, 3, 0).colspan) == ("一、本年新收政府信息公开申请数量", 3)
    assert cell_at(apps, 26, 1).text == "（七）总计" and cell_at(apps, 26, 1).colspan == 2
    printed = values["applications"]["new_received"]["total"]
    assert cell_at(apps, 3, 9).text == ("" if printed is None else str(printed))
    assert len(apps.cells) == 10 + 25 * 7 + 30  # header, values, labels: no repeated cells for merged regions
    assert_partition(apps)
    assert cell_at(review, 0, 5).colspan == 10 and cell_at(review, 1, 0).rowspan == 2
    assert cell_at(active, 0, 0).colspan == 4 and cell_at(active, 0, 0).text == "第二十条第（一）项"
    for t in doc.tables:
        assert t.exact and all(c.bbox is None and c.page is None and c.confidence == 1.0 for c in t.cells)


def test_paragraphs_and_tables_in_document_order(plain_report: tuple[Document, dict]) -> None:
    doc, _ = plain_report
    kinds = []
    for b in doc.blocks:
        if isinstance(b, Table):
            kinds.append("T")
        elif b.text[:2] in ("一、", "二、", "三、", "四、", "五、", "六、"):
            kinds.append(b.text[:1])
    assert "".join(kinds) == "一二T三T四T五六"
    assert all(p.text.strip() for p in doc.paragraphs)  # empty paragraphs skipped
    assert doc.paragraphs[1].text.endswith("年政府信息公开工作年度报告")


@pytest.mark.parametrize("break_style", ["paragraph", "br"])
def test_line_breaks_in_cells_are_kept(tmp_path: Path, break_style: str) -> None:
    rng = random.Random(3)
    values = gen.random_values(rng, "2021")
    path = tmp_path / "stacked.docx"
    layout = gen.Layout(stacked_headers=True, break_style=break_style, title_style="br")
    gen.make_docx(values, gen.random_meta(rng), layout, path)
    doc = load(str(path))
    apps, review = doc.tables[1], doc.tables[2]
    assert cell_at(apps, 1, 3).text == "自\n然\n人"
    assert cell_at(apps, 5, 0).text == "\n".join("三、本年度办理结果")
    assert cell_at(review, 1, 0).text == "结\n果\n维\n持"
    # a w:br inside a body paragraph splits it into two printed lines
    assert doc.paragraphs[1].text.endswith("年政府信息公开工作年度报告")


# ---------------------------------------------------------------- hand-made XML: offsets, wrappers, nesting


def test_grid_before_hmerge_vmerge_without_val_and_wrappers() -> None:
    xml = body(
        para("前言")
        + '<w:sdt><w:sdtPr><w:alias w:val="x"/></w:sdtPr><w:sdtContent>'
        + "<w:tbl><w:tblGrid><w:gridCol/><w:gridCol/><w:gridCol/><w:gridCol/></w:tblGrid>"
        + "<w:tr>"
        + tc("A", '<w:gridSpan w:val="2"/><w:vMerge w:val="restart"/>')
        + tc("C", '<w:hMerge w:val="restart"/>')
        + tc("", "<w:hMerge/>")
        + "</w:tr>"
        + "<w:tr>"
        + tc("", '<w:gridSpan w:val="2"/><w:vMerge/>')
        + tc("D")
        + "</w:tr>"
        + '<w:tr><w:trPr><w:gridBefore w:val="1"/></w:trPr>'
        + tc("E")
        + "<w:sdt><w:sdtContent>"
        + "<w:tc><w:p><w:r><w:t>F1</w:t><w:tab/><w:t>x</w:t><w:br/><w:t>F2</w:t></w:r>"
        + "<w:del><w:r><w:delText>gone</w:delText></w:r></w:del></w:p><w:p><w:r><w:t>F3</w:t></w:r></w:p></w:tc>"
        + "</w:sdtContent></w:sdt>"
        + "<w:tc><w:p/><w:tbl><w:tr>"
        + tc("n1")
        + tc("n2")
        + "</w:tr></w:tbl></w:tc>"
        + "</w:tr></w:tbl></w:sdtContent></w:sdt>"
        + para("")
        + "<w:p><w:r><w:t>后</w:t></w:r><w:r><w:br/><w:t>记</w:t></w:r></w:p>"
    )
    doc = read_bytes(package(xml))
    assert [type(b).__name__ for b in doc.blocks] == ["Paragraph", "Table", "Paragraph", "Paragraph"]
    assert [b.text for b in doc.blocks if isinstance(b, Paragraph)] == ["前言", "后", "记"]
    t = doc.tables[0]
    assert (t.n_rows, t.n_cols) == (3, 4)
    a = cell_at(t, 0, 0)
    assert (a.text, a.rowspan, a.colspan) == ("A", 2, 2)
    assert (cell_at(t, 0, 2).text, cell_at(t, 0, 2).colspan) == ("C", 2)  # legacy hMerge
    assert cell_at(t, 1, 2).text == "D" and cell_at(t, 1, 3).text == ""  # short row filled
    assert cell_at(t, 2, 0).text == ""  # gridBefore hole filled
    assert cell_at(t, 2, 1).text == "E"
    assert cell_at(t, 2, 2).text == "F1\tx\nF2\nF3"
    assert cell_at(t, 2, 3).text == "n1\nn2"  # nested table flattened
    assert_partition(t)


def test_hmerge_continue_extends_colspan() -> None:
    xml = body(
        "<w:tbl><w:tr>" + tc("H", '<w:hMerge w:val="restart"/>') + tc("", "<w:hMerge/>") + tc("Z") + "</w:tr></w:tbl>"
    )
    t = read_bytes(package(xml)).tables[0]
    assert (cell_at(t, 0, 0).text, cell_at(t, 0, 0).colspan) == ("H", 2)
    assert cell_at(t, 0, 2).text == "Z"


# ---------------------------------------------------------------- hostile and broken packages


def test_bad_zip_is_corrupt() -> None:
    data = package(body(para("x")))
    with pytest.raises(ReportError) as e:
        read_bytes(data[: len(data) // 2])
    assert e.value.kind == "corrupt"


def test_missing_document_part_is_corrupt() -> None:
    with pytest.raises(ReportError) as e:
        read_bytes(package(None, {"word/styles.xml": b"<x/>"}))
    assert e.value.kind == "corrupt"


@pytest.mark.parametrize(
    "xml",
    [
        b"<w:document><w:body>",  # not well-formed
        b"",  # empty part
        b'<?xml version="1.0"?><other xmlns="urn:x"/>',  # not WordprocessingML
        f'<w:document xmlns:w="{W_NS}"/>'.encode(),  # no body
    ],
)
def test_broken_document_part_is_corrupt(xml: bytes) -> None:
    with pytest.raises(ReportError) as e:
        read_bytes(package(xml))
    assert e.value.kind == "corrupt"


def test_entity_expansion_is_refused() -> None:
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        f'<w:document xmlns:w="{W_NS}"><w:body><w:p><w:r><w:t>&b;</w:t></w:r></w:p></w:body></w:document>'
    )
    with pytest.raises(ReportError) as e:
        read_bytes(package(laughs))
    assert e.value.kind == "corrupt"


def test_zip_bomb_is_too_large() -> None:
    filler = "<w:p><w:r><w:t>" + "0" * (3 * 1024 * 1024) + "</w:t></w:r></w:p>"
    data = package(body(filler))
    assert len(data) < 100_000
    with pytest.raises(ReportError) as e:
        read_bytes(data, Options(max_unzipped_bytes=1024 * 1024))
    assert e.value.kind == "too_large"
    assert read_bytes(data).paragraphs[0].text.startswith("000")  # under the default limit it reads


def test_committed_examples_read() -> None:
    paths = sorted((ROOT / "samples" / "docx").glob("*.docx"))
    assert len(paths) >= 6
    for p in paths:
        doc = load(str(p))
        # a report whose tables an editor glued together holds its three sections in one table
        assert doc.format == "docx" and len(doc.tables) >= (1 if "glued" in p.name else 3)
        assert json.loads(p.with_suffix(".expected.json").read_text(encoding="utf-8"))["source"] == p.name


# ---------------------------------------------------------------- end to end on generated reports


def _convert_and_compare(path: Path) -> list[str]:
    """Mismatches of one generated report against its expected JSON, failing checks included."""
    import pipeline

    expected = json.loads(path.with_suffix(".expected.json").read_text(encoding="utf-8"))
    report = pipeline.convert(str(path))
    problems = table_mismatches(report, expected)
    got, want = failing_rules(report), set(expected["failing_checks"])
    if got != want:
        problems.append(f"failing checks: extra {sorted(got - want)}, missing {sorted(want - got)}")
    return [f"{path.name}: {p}" for p in problems]


def test_generated_2021_reports_convert_exactly(tmp_path: Path) -> None:
    made = gen.generate(tmp_path, count=50, seed=20240, template="2021", errors=15)
    assert sum(1 for _, e in made if json.loads(e.read_text(encoding="utf-8"))["failing_checks"]) == 15
    problems = [p for d, _ in made for p in _convert_and_compare(d)]
    assert not problems, "\n".join(problems[:40])


def test_generated_2019_reports_convert_exactly(tmp_path: Path) -> None:
    made = gen.generate(tmp_path, count=12, seed=20190, template="2019", errors=4)
    problems = [p for d, _ in made for p in _convert_and_compare(d)]
    assert not problems, "\n".join(problems[:40])


def test_text_box_read_once_and_alt_chunk_warned() -> None:
    box = "<w:txbxContent>" + para("盒中标题") + "</w:txbxContent>"
    xml = body(
        f'<w:p xmlns:mc="{MC_NS}"><w:r><w:t>正文</w:t></w:r><w:r><mc:AlternateContent>'
        f'<mc:Choice><w:drawing><x:txbx xmlns:x="urn:x">{box}</x:txbx></w:drawing></mc:Choice>'
        f'<mc:Fallback><w:pict><x:textbox xmlns:x="urn:x">{box}</x:textbox></w:pict></mc:Fallback>'
        "</mc:AlternateContent></w:r></w:p>"
        '<w:altChunk r:id="rId9" xmlns:r="urn:r"/>'
    )
    doc = read_bytes(package(xml))
    assert [p.text for p in doc.paragraphs] == ["正文", "盒中标题"]
    assert any("altChunk" in w for w in doc.warnings)


def test_strict_ooxml_namespace() -> None:
    strict_w = "http://purl.oclc.org/ooxml/wordprocessingml/main"
    rels = RELS.replace(
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument",
        "http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument",
    ).replace("word/document.xml", "word/main.xml")
    xml = f'<w:document xmlns:w="{strict_w}"><w:body>{para("严格")}</w:body></w:document>'
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", rels)
        z.writestr("word/main.xml", xml)
    assert [p.text for p in read_bytes(buf.getvalue()).paragraphs] == ["严格"]
