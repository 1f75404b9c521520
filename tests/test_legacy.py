"""Legacy Word/WPS (.doc) files: converted through LibreOffice and the DOCX adapter with every field
right; damaged files, other OLE2 files, converter failures and time limits give clear errors."""

from __future__ import annotations

import json
import shutil
import struct
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psutil
import pytest
from conftest import ROOT, failing_rules, table_mismatches

import pipeline
from ingest import legacy
from ingest.detect import sniff
from ingest.errors import ReportError
from ingest.grid import Document
from ingest.options import Options
from ingest.sheet import read_xls

pytestmark = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")

COMMITTED = sorted((ROOT / "samples" / "doc").glob("*.doc"))
N_GENERATED = 3


@pytest.fixture(scope="module")
def generated_docs(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Path, Path]]:
    """Three .doc reports (2021 and 2019, one with an arithmetic error) from one LibreOffice call."""
    from samples.make_doc import make_docs

    return make_docs(tmp_path_factory.mktemp("doc"), N_GENERATED, seed=7, template="mixed", errors=1)


@pytest.fixture(scope="module")
def converted(generated_docs: list[tuple[Path, Path]]) -> dict[str, tuple[Document, dict[str, Any], dict[str, Any]]]:
    """Every generated and committed .doc converted (two at a time): name -> (Document, report, expected)."""
    pairs = [*generated_docs, *((p, p.with_suffix(".expected.json")) for p in COMMITTED)]

    def one(pair: tuple[Path, Path]) -> tuple[str, tuple[Document, dict[str, Any], dict[str, Any]]]:
        doc, report = pipeline.convert_document(str(pair[0]))
        return pair[0].name, (doc, report, json.loads(pair[1].read_text(encoding="utf-8")))

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(pool.map(one, pairs))


def test_generated_docs_cover_both_templates(generated_docs: list[tuple[Path, Path]]) -> None:
    templates = {json.loads(e.read_text(encoding="utf-8"))["template"] for _, e in generated_docs}
    assert templates == {"2021", "2019"}
    assert all(sniff(d.read_bytes()) == "doc" for d, _ in generated_docs)


@pytest.mark.parametrize("name", [f"gen{t}_s7_{i:03d}" for i, t in enumerate(["2021", "2021", "2019"])])
def test_generated_doc_converts_exactly(converted: dict[str, Any], name: str) -> None:
    key = next(k for k in converted if k.startswith(name))
    doc, report, expected = converted[key]
    assert doc.format == "docx" and doc.path.endswith(key)
    assert report["source"]["file"] == key
    assert table_mismatches(report, expected) == []
    assert failing_rules(report) == set(expected["failing_checks"])


def test_generated_errors_are_found(converted: dict[str, Any]) -> None:
    with_error = [v for k, v in converted.items() if "_err" in k and k.startswith("gen2021_s7")]
    assert with_error and all(failing_rules(report) for _, report, _ in with_error)


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: p.name)
def test_committed_doc_converts_exactly(converted: dict[str, Any], path: Path) -> None:
    _, report, expected = converted[path.name]
    assert table_mismatches(report, expected) == []
    assert failing_rules(report) == set(expected["failing_checks"])


# ---------------------------------------------------------------- bad input


def _sample_bytes() -> bytes:
    return COMMITTED[0].read_bytes()


@pytest.mark.parametrize("cut", [100, 600, 4096, -700])
def test_truncated_doc_is_corrupt(tmp_path: Path, cut: int) -> None:
    data = _sample_bytes()[:cut]
    path = tmp_path / "cut.doc"
    path.write_bytes(data)
    with pytest.raises(ReportError) as e:
        pipeline.convert(str(path))
    assert e.value.kind == "corrupt"
    assert "truncated" in e.value.reason or "damaged" in e.value.reason


def test_garbage_after_the_ole_signature_is_corrupt() -> None:
    data = _sample_bytes()[:8] + bytes(range(256)) * 40
    with pytest.raises(ReportError) as e:
        legacy.read("x.doc", data, Options())
    assert e.value.kind == "corrupt"


def _stream_start(data: bytes, name: str) -> int:
    """Byte offset of a stream's first sector (512-byte sectors), from its directory entry."""
    entry = data.find(name.encode("utf-16-le") + b"\x00\x00")
    sector = struct.unpack_from("<I", data, entry + 116)[0]
    return 512 + sector * 512


def test_doc_libreoffice_cannot_load_is_conversion_failed(tmp_path: Path) -> None:
    data = bytearray(_sample_bytes())
    assert legacy.check_ole(bytes(data)) == ".doc"
    start = _stream_start(bytes(data), "WordDocument")
    data[start : start + 1024] = bytes(1024)  # wipe the Word file information block
    path = tmp_path / "nofib.doc"
    path.write_bytes(bytes(data))
    with pytest.raises(ReportError) as e:
        pipeline.convert(str(path))
    assert e.value.kind == "conversion_failed"
    assert "LibreOffice" in e.value.reason and "javaldx" not in e.value.reason


def _renamed_stream(data: bytes, old: str, new: str) -> bytes:
    """The OLE2 file with one directory entry renamed (name field and its byte length)."""
    out = bytearray(data)
    entry = data.find(old.encode("utf-16-le") + b"\x00\x00")
    name = new.encode("utf-16-le") + b"\x00\x00"
    out[entry : entry + 64] = name.ljust(64, b"\x00")
    struct.pack_into("<H", out, entry + 64, len(name))
    return bytes(out)


def test_spreadsheet_ole_file_is_unsupported() -> None:
    data = _renamed_stream(_sample_bytes(), "WordDocument", "Workbook")
    # Told as a spreadsheet (read by ingest.sheet); the Word/WPS adapter itself refuses it.
    assert sniff(data) == "xls" and "Workbook" in legacy.ole_stream_names(data)
    with pytest.raises(ReportError) as e:
        legacy.read("t.xls", data, Options())
    assert e.value.kind == "unsupported"
    assert "spreadsheet" in e.value.reason
    with pytest.raises(ReportError) as e:  # its "Workbook" stream holds a Word document, not BIFF
        read_xls("t.xls", data, Options())
    assert e.value.kind == "corrupt"


def test_ole_file_without_a_document_stream_is_corrupt() -> None:
    data = _renamed_stream(_sample_bytes(), "WordDocument", "Nothing")
    with pytest.raises(ReportError) as e:
        legacy.read("x.doc", data, Options())
    assert e.value.kind == "corrupt"


def test_password_protected_doc_is_encrypted() -> None:
    data = bytearray(_sample_bytes())
    start = _stream_start(bytes(data), "WordDocument")
    assert struct.unpack_from("<H", data, start)[0] == 0xA5EC  # a Word 97 file information block
    data[start + 0x0B] |= 0x01  # fEncrypted (bit 8 of the flags word at 0x0A)
    with pytest.raises(ReportError) as e:
        legacy.read("locked.doc", bytes(data), Options())
    assert e.value.kind == "encrypted"


def _converters_running() -> list[int]:
    """Processes of this adapter's conversions (their private profile dir names them)."""
    out = []
    for p in psutil.process_iter(["pid", "cmdline"]):
        if any("govreport-legacy-" in part for part in (p.info["cmdline"] or [])):
            out.append(p.info["pid"])
    return out


def test_time_limit_kills_the_converter() -> None:
    with pytest.raises(ReportError) as e:
        legacy.read("slow.doc", _sample_bytes(), Options(timeout_s=0.2))
    assert e.value.kind == "timeout"
    assert "0.2" in e.value.reason
    assert _converters_running() == []


def test_bad_settings_are_refused_before_converting() -> None:
    with pytest.raises(ValueError):
        legacy.read("x.doc", _sample_bytes(), Options(timeout_s=0))


def test_rtf_saved_as_doc_converts(tmp_path: Path) -> None:
    """Rich Text saved under a .doc name is sniffed as RTF and read through LibreOffice."""
    import subprocess

    src = ROOT / "samples" / "docx" / "docx2021_plain.docx"
    subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--convert-to",
            "rtf",
            "--outdir",
            str(tmp_path),
            str(src),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    rtf = tmp_path / "docx2021_plain.rtf"
    disguised = tmp_path / "report.doc"
    disguised.write_bytes(rtf.read_bytes())
    assert sniff(disguised.read_bytes()[:4096]) == "rtf"
    report = pipeline.convert(str(disguised))
    expected = json.loads(src.with_name("docx2021_plain.expected.json").read_text(encoding="utf-8"))
    assert table_mismatches(report, expected) == []
