"""Hostile and broken input: each file fails with its own documented kind, and nothing else is lost.

Three layers: the guard functions of ingest/limits.py on hostile bytes; the isolated runner (timeout,
memory limit, native crash); and the command line, where every hostile file is converted in one
`cli.py convert` call together with good reports, which must still come out with the right values, with
exit status 1, one stderr line per bad file, and the whole run under 1 GB of peak memory.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import hostile_files as h
import pytest
from conftest import SHARED

from ingest.errors import ReportError
from ingest.limits import (
    DEFAULT_MAX_ZIP_ENTRIES,
    check_image_header,
    check_pages,
    check_zip,
    load_image,
    parse_xml,
    reject_doctype_entities,
    safe_xml_parser,
)
from ingest.options import DEFAULT_MAX_PIXELS, DEFAULT_MAX_UNZIPPED_BYTES

SEEDS = SHARED / "seeds"
GOOD_SEED = "000_5f8f501b00686a02"
PEAK_MEMORY_LIMIT = 1024**3  # bytes: no hostile file may push a conversion past this


def kind_of(call: Any, *args: Any) -> str:
    """The ReportError kind a call raises (fails the test if it raises nothing)."""
    with pytest.raises(ReportError) as e:
        call(*args)
    return e.value.kind


# ------------------------------------------------------------------------------------ ingest.limits


def test_check_zip_accepts_a_normal_docx_and_counts_its_bytes() -> None:
    data = h.docx_of(h.document_xml(["一、总体情况", "二、主动公开政府信息情况"]))
    unpacked = check_zip(data, DEFAULT_MAX_UNZIPPED_BYTES)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert unpacked == sum(i.file_size for i in z.infolist())


def test_check_zip_refuses_a_declared_bomb_without_unpacking_it() -> None:
    with pytest.raises(ReportError) as e:
        check_zip(h.docx_zip_bomb(), DEFAULT_MAX_UNZIPPED_BYTES)
    assert e.value.kind == "too_large" and "unpack to 10737" in e.value.reason


def test_check_zip_refuses_a_high_ratio_part_under_the_total_limit() -> None:
    bomb = h.docx_zip_bomb(64 * 1024**2)  # 64 MB of whitespace in ~70 KB: a ratio near 1000
    with pytest.raises(ReportError) as e:
        check_zip(bomb, DEFAULT_MAX_UNZIPPED_BYTES)
    assert e.value.kind == "too_large" and "zip bomb" in e.value.reason


def test_check_zip_stream_cap_and_lying_sizes() -> None:
    # Declared honestly but over a small limit: refused from the directory alone.
    assert kind_of(check_zip, h.docx_zip_bomb(4 * 1024**2), 1024**2) == "too_large"
    # Declares 1 KB, holds 1 GB: the streamed read stops at the declared size and the CRC gives it away.
    assert kind_of(check_zip, h.docx_zip_bomb(lie_about_size=True), DEFAULT_MAX_UNZIPPED_BYTES) == "corrupt"


def test_check_zip_entry_count_and_garbage() -> None:
    assert (
        kind_of(check_zip, h.docx_many_entries(DEFAULT_MAX_ZIP_ENTRIES + 1), DEFAULT_MAX_UNZIPPED_BYTES) == "too_large"
    )
    assert kind_of(check_zip, h.docx_not_a_zip(), DEFAULT_MAX_UNZIPPED_BYTES) == "corrupt"
    assert kind_of(check_zip, h.docx_of(h.document_xml(["x"]))[:-30], DEFAULT_MAX_UNZIPPED_BYTES) == "corrupt"


def test_reject_doctype_entities() -> None:
    bomb = zipfile.ZipFile(io.BytesIO(h.docx_entity_bomb())).read("word/document.xml")
    with pytest.raises(ReportError) as e:
        reject_doctype_entities(bomb)
    assert (e.value.kind, e.value.reason) == ("corrupt", "XML entity declarations are not allowed")
    xxe = zipfile.ZipFile(io.BytesIO(h.docx_external_entity("/etc/passwd"))).read("word/document.xml")
    assert kind_of(reject_doctype_entities, xxe) == "corrupt"
    assert kind_of(reject_doctype_entities, bomb.decode().encode("utf-16")) == "corrupt"
    reject_doctype_entities(h.document_xml(["&amp; 普通文字"]))  # no DOCTYPE: passes
    reject_doctype_entities(h.document_xml(["x"], "<!DOCTYPE w:document>\n"))  # DOCTYPE, no entities: passes


def test_safe_xml_parser_expands_nothing_and_reads_no_file(tmp_path: Path) -> None:
    from lxml import etree

    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER")
    xxe = zipfile.ZipFile(io.BytesIO(h.docx_external_entity(str(secret)))).read("word/document.xml")
    tree = etree.fromstring(xxe, safe_xml_parser())
    assert b"TOP-SECRET-MARKER" not in etree.tostring(tree)
    bomb = zipfile.ZipFile(io.BytesIO(h.docx_entity_bomb())).read("word/document.xml")
    try:  # libxml2 either keeps the entity unexpanded or stops at its amplification guard
        assert len(etree.tostring(etree.fromstring(bomb, safe_xml_parser()))) < 10_000
    except etree.XMLSyntaxError as e:
        assert "amplification" in str(e)


def test_parse_xml_refuses_entities_and_malformed_parts() -> None:
    bomb = zipfile.ZipFile(io.BytesIO(h.docx_entity_bomb())).read("word/document.xml")
    assert kind_of(parse_xml, bomb) == "corrupt"
    assert kind_of(parse_xml, b"<w:document><w:body>", "word/document.xml") == "corrupt"
    root = parse_xml(h.document_xml(["一、总体情况"]))
    assert "".join(root.itertext()) == "一、总体情况"


def test_check_image_header_sizes_and_lies() -> None:
    assert check_image_header(h.small_png(), DEFAULT_MAX_PIXELS) == (100, 100)
    assert check_image_header(h.small_jpeg(), DEFAULT_MAX_PIXELS) == (100, 100)
    assert kind_of(check_image_header, h.huge_png(), DEFAULT_MAX_PIXELS) == "too_large"
    assert kind_of(check_image_header, h.jpeg_huge_header(), DEFAULT_MAX_PIXELS) == "too_large"
    assert kind_of(check_image_header, h.huge_png(2000), 1_000_000) == "too_large"  # under PIL's own bomb limit
    assert kind_of(check_image_header, h.png_cut(), DEFAULT_MAX_PIXELS) == "corrupt"
    assert kind_of(check_image_header, b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, DEFAULT_MAX_PIXELS) == "corrupt"


def test_load_image_refuses_truncated_pixel_data() -> None:
    assert load_image(h.small_jpeg(), DEFAULT_MAX_PIXELS).size == (100, 100)
    assert kind_of(load_image, h.png_truncated_pixels(), DEFAULT_MAX_PIXELS) == "corrupt"
    assert kind_of(load_image, h.jpeg_truncated(), DEFAULT_MAX_PIXELS) == "corrupt"
    assert kind_of(load_image, h.huge_png(), DEFAULT_MAX_PIXELS) == "too_large"


def test_check_pages() -> None:
    check_pages(1, 500)
    check_pages(500, 500)
    assert kind_of(check_pages, 501, 500) == "too_large"
    assert kind_of(check_pages, 0, 500) == "empty"


# ------------------------------------------------------------------------------------------- runner


@pytest.fixture(scope="module")
def seed_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("seed")
    p = d / "good.txt"
    p.write_text("first line\nsecond\n", encoding="utf-8")
    return p


def test_runner_kills_a_hung_conversion_and_goes_on(seed_file: Path) -> None:
    from runner import IsolatedRunner

    with IsolatedRunner(target="hostile_files:sleep_forever") as r:
        _doc, report, err = r.convert_document(str(seed_file), None, timeout_s=1.0)
        assert report is None and err is not None and err.kind == "timeout"
        assert r.restarts == 1
    with IsolatedRunner(target="hostile_files:echo_file") as r:
        _doc, report, err = r.convert_document(str(seed_file), None, timeout_s=30)
        assert err is None and report is not None and report["first_line"] == "first line"


def test_runner_memory_limit_gives_too_large_and_a_fresh_child(seed_file: Path) -> None:
    from runner import IsolatedRunner

    with IsolatedRunner(max_memory_bytes=512 * 1024**2, target="hostile_files:allocate_forever") as r:
        _doc, report, err = r.convert_document(str(seed_file), None, timeout_s=60)
        assert report is None and err is not None and err.kind == "too_large" and "memory limit" in err.reason
        # the next file gets a fresh child, and fails the same way rather than hanging or crashing us
        _doc, report, err = r.convert_document(str(seed_file), None, timeout_s=60)
        assert err is not None and err.kind == "too_large"


def test_runner_native_crash_and_bug_are_per_file_errors(seed_file: Path) -> None:
    from runner import IsolatedRunner

    with IsolatedRunner(target="hostile_files:crash_natively") as r:
        _doc, report, err = r.convert_document(str(seed_file), None, timeout_s=30)
        assert err is not None and err.kind == "conversion_failed" and "SIGSEGV" in err.reason
    with IsolatedRunner(target="hostile_files:raise_bug") as r:
        _doc, report, err = r.convert_document(str(seed_file), None, timeout_s=30)
        assert err is not None and err.kind == "unreadable" and "KeyError" in err.reason
        _doc, report, err = r.convert_document(str(seed_file), None, timeout_s=30)
        assert r.restarts == 0  # a Python exception does not cost a restart


def test_runner_reuses_one_child(seed_file: Path) -> None:
    from runner import IsolatedRunner

    with IsolatedRunner(target="hostile_files:echo_file") as r:
        pids = {r.convert_document(str(seed_file), None, timeout_s=30)[1]["pid"] for _ in range(3)}  # type: ignore[index]
    assert len(pids) == 1


def test_runner_refuses_bad_settings() -> None:
    from runner import IsolatedRunner

    with pytest.raises(ValueError):
        IsolatedRunner(max_memory_bytes=1024)
    with pytest.raises(ValueError):
        IsolatedRunner(context="fork")
