"""Hostile and broken input: each file fails with its own documented kind, and nothing else is lost.

Three layers: the guard functions of ingest/limits.py on hostile bytes; the isolated runner (timeout,
memory limit, native crash); and the command line, where every hostile file is converted in one
`cli.py convert` call together with good reports, which must still come out with the right values, with
exit status 1, one stderr line per bad file, and the whole run under 1 GB of peak memory.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import hostile_files as h
import pytest
from conftest import ROOT, SHARED, table_mismatches

from ingest.errors import KINDS, ReportError
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


def test_check_zip_broken_deflate_data_is_corrupt() -> None:
    # found by bench/fuzz.py: a flipped byte inside a part's compressed data raised zlib.error
    data = bytearray(h.docx_of(h.document_xml(["政府信息公开工作年度报告 " * 50])))
    start = data.index(b"word/document.xml") + len("word/document.xml")
    data[start] ^= 0xFF  # the first byte of the deflate stream: an invalid block type
    assert kind_of(check_zip, bytes(data), DEFAULT_MAX_UNZIPPED_BYTES) == "corrupt"


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
        IsolatedRunner(files_per_child=0)
    with pytest.raises(ValueError):
        IsolatedRunner().run("x.txt", None, timeout_s=0)


# ------------------------------------------------------------------------------------- command line


class CliRun:
    """What one `cli.py` call did: exit status, stderr lines, output folder and peak memory (bytes)."""

    def __init__(self, status: int, stderr: str, out_dir: Path, peak_rss: int) -> None:
        self.status = status
        self.stderr = stderr
        self.out_dir = out_dir
        self.peak_rss = peak_rss

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.startswith("error: ")]

    def lines_for(self, path: str) -> list[str]:
        """The stderr error lines naming this input (its name escaped as ReportError.line does)."""
        shown = ReportError("empty", "").line(path).split(": ")[1]
        return [line for line in self.error_lines if line.startswith(f"error: {shown}: ")]

    def outputs(self) -> dict[str, dict[str, Any]]:
        """Every JSON written, by file name (a file that is not valid JSON fails the test)."""
        out: dict[str, dict[str, Any]] = {}
        for p in sorted(self.out_dir.rglob("*.json")):
            out[str(p.relative_to(self.out_dir))] = json.loads(p.read_text(encoding="utf-8"))
        return out


def _limit_child_memory() -> None:
    """Run the CLI under a 4 GB address-space cap, so a guard that fails cannot take the test machine down."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (4 * 1024**3, 4 * 1024**3))


def run_cli(args: list[str], out_dir: Path, timeout_s: float = 240) -> CliRun:
    """Run `python cli.py ARGS` from the repository root; measure its peak RSS (children included) by wait4."""
    with tempfile.TemporaryFile() as err:
        p = subprocess.Popen(
            [sys.executable, str(ROOT / "cli.py"), *args],
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
            preexec_fn=_limit_child_memory,
        )
        try:
            status, rusage = _wait(p, timeout_s)
        finally:
            if p.returncode is None:
                p.kill()
                p.wait()
        err.seek(0)
        text = err.read().decode("utf-8", errors="replace")
    return CliRun(status, text, out_dir, rusage.ru_maxrss * 1024)


def _wait(p: subprocess.Popen[bytes], timeout_s: float) -> tuple[int, Any]:
    """Reap the process with wait4 (for its rusage), failing the test if it outlives timeout_s."""
    import time

    deadline = time.monotonic() + timeout_s
    while True:
        pid, status, rusage = os.wait4(p.pid, os.WNOHANG)
        if pid == p.pid:
            p.returncode = os.waitstatus_to_exitcode(status)
            return p.returncode, rusage
        if time.monotonic() > deadline:
            pytest.fail(f"cli.py still running after {timeout_s:g} s (a hang on hostile input)")
        time.sleep(0.05)


def seed_text(name: str) -> str:
    return (SEEDS / f"{name}.txt").read_text(encoding="utf-8")


def seed_expected(name: str) -> dict[str, Any]:
    return json.loads((SEEDS / f"{name}.expected.json").read_text(encoding="utf-8"))


SECRET_MARKER = "TOP-SECRET-MARKER-7f3a"

# file name -> (builder, the error kind it must give). Built at test time into one folder.
HOSTILE: dict[str, tuple[Any, str]] = {
    "empty.pdf": (lambda ctx: b"", "empty"),
    "blank_lines.txt": (lambda ctx: b"\n\n  \r\n\t\n", "empty"),
    "truncated.pdf": (lambda ctx: h.truncated_pdf(), "corrupt"),
    "corrupt.pdf": (lambda ctx: h.corrupt_pdf(), "corrupt"),
    "locked.pdf": (lambda ctx: h.encrypted_pdf(ctx["hongze"], "secret"), "encrypted"),
    "pages3000.pdf": (lambda ctx: h.minimal_pdf(3000), "too_large"),
    "not_a_zip.docx": (lambda ctx: h.docx_not_a_zip(), "corrupt"),
    "no_document.docx": (lambda ctx: h.docx_without_document(), "corrupt"),
    "entity_bomb.docx": (lambda ctx: h.docx_entity_bomb(), "corrupt"),
    "xxe_secret.docx": (lambda ctx: h.docx_external_entity(ctx["secret"]), "corrupt"),
    "xxe_passwd.docx": (lambda ctx: h.docx_external_entity("/etc/passwd"), "corrupt"),
    "zip_bomb.docx": (lambda ctx: h.docx_zip_bomb(), "too_large"),
    "zip_bomb_lying.docx": (lambda ctx: h.docx_zip_bomb(lie_about_size=True), "corrupt"),
    "many_parts.docx": (lambda ctx: h.docx_many_entries(), "too_large"),
    "png_truncated_pixels.png": (lambda ctx: h.png_truncated_pixels(), "corrupt"),
    "png_cut.png": (lambda ctx: h.png_cut(), "corrupt"),
    "jpeg_truncated.jpg": (lambda ctx: h.jpeg_truncated(), "corrupt"),
    "jpeg_huge_header.jpg": (lambda ctx: h.jpeg_huge_header(), "too_large"),
    "png_50000x50000.png": (lambda ctx: h.huge_png(), "too_large"),
    "zip_not_docx.docx": (lambda ctx: h.zip_of({"readme.txt": b"hello"}), "unsupported"),
    "binary.pdf.docx": (lambda ctx: bytes(range(256)) * 8, "unsupported"),
    "not_a_report.txt": (lambda ctx: h.NOT_A_REPORT_TEXT.encode(), "not_a_report"),
    "not_a_report.pdf": (lambda ctx: h.minimal_pdf(2, "Quarterly bakery sales were good"), "not_a_report"),
}

# file name -> builder of a file that must convert (checked value by value below).
GOOD: dict[str, Any] = {
    "good.txt": lambda ctx: seed_text(GOOD_SEED).encode(),
    "text_named.pdf": lambda ctx: seed_text("001_f4141a8ebd31f87f").encode(),  # a text dump whose suffix lies
    "pdf_named.docx": lambda ctx: ctx["hongze"],  # a PDF whose suffix lies
    "open_with_empty_password.pdf": lambda ctx: h.encrypted_pdf(ctx["hongze"], ""),
    "template_2019.txt": lambda ctx: h.other_template_report(seed_text(GOOD_SEED)).encode(),
    "template_unknown.txt": lambda ctx: h.OLD_FORMAT_REPORT.encode(),
    "no_section_4.txt": lambda ctx: h.without_section(seed_text(GOOD_SEED), "四").encode(),
}


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> CliRun:
    """All hostile and good files converted by one `cli.py convert` call."""
    base = tmp_path_factory.mktemp("hostile")
    secret = base / "secret.txt"
    secret.write_text(SECRET_MARKER, encoding="utf-8")
    ctx = {"hongze": (SHARED / "real" / "hongze_2024.pdf").read_bytes(), "secret": str(secret)}
    inputs = base / "in"
    inputs.mkdir()
    names = list(HOSTILE) + list(GOOD)
    for name in names:
        builder = HOSTILE[name][0] if name in HOSTILE else GOOD[name]
        (inputs / name).write_bytes(builder(ctx))
    total = sum(p.stat().st_size for p in inputs.iterdir())
    assert total < 8 * 1024**2, f"hostile files take {total} bytes on disk"
    out = base / "out"
    return run_cli(["convert", *[str(inputs / n) for n in names], "-o", str(out)], out)


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_file_fails_with_its_kind(hostile_run: CliRun, name: str) -> None:
    kind = HOSTILE[name][1]
    lines = [line for line in hostile_run.error_lines if f"/{name}: " in line]
    assert len(lines) == 1, f"{name}: expected one error line, stderr was:\n{hostile_run.stderr}"
    assert lines[0].split(": ")[2] == kind, lines[0]
    assert lines[0].split(": ", 3)[3].strip(), "the line must give a reason"
    assert cli_output_name(name) not in hostile_run.outputs()


def cli_output_name(name: str) -> str:
    stem = name.rsplit(".", 1)[0] if "." in name.lstrip(".") else name
    return stem + ".json"


def test_one_error_line_per_bad_file_and_exit_status_1(hostile_run: CliRun) -> None:
    assert hostile_run.status == 1
    assert "Traceback" not in hostile_run.stderr
    assert len(hostile_run.error_lines) == len(HOSTILE), hostile_run.stderr
    assert all(line.split(": ")[2] in KINDS for line in hostile_run.error_lines)
    assert sorted(hostile_run.outputs()) == sorted(cli_output_name(n) for n in GOOD)


def test_peak_memory_stays_under_1gb(hostile_run: CliRun) -> None:
    assert 0 < hostile_run.peak_rss < PEAK_MEMORY_LIMIT, f"peak RSS {hostile_run.peak_rss / 1024**2:.0f} MB"


def test_no_external_entity_content_anywhere(hostile_run: CliRun) -> None:
    passwd_head = Path("/etc/passwd").read_text(encoding="utf-8", errors="replace").splitlines()[0]
    dumped = json.dumps(hostile_run.outputs(), ensure_ascii=False) + hostile_run.stderr
    assert SECRET_MARKER not in dumped
    assert passwd_head not in dumped


@pytest.mark.parametrize(("name", "seed"), [("good.txt", GOOD_SEED), ("text_named.pdf", "001_f4141a8ebd31f87f")])
def test_good_seed_next_to_hostile_files_keeps_its_values(hostile_run: CliRun, name: str, seed: str) -> None:
    report = hostile_run.outputs()[cli_output_name(name)]
    assert report["source"]["format"] == "text"
    assert table_mismatches(report, seed_expected(seed)) == []


def test_pdf_whatever_its_suffix_or_empty_password(hostile_run: CliRun) -> None:
    expected = json.loads((SHARED / "real" / "hongze_2024.expected.json").read_text(encoding="utf-8"))
    outs = hostile_run.outputs()
    for name in ("pdf_named.docx", "open_with_empty_password.pdf"):
        report = outs[cli_output_name(name)]
        assert report["source"]["format"] == "pdf", name
        assert table_mismatches(report, expected) == [], name
    assert outs["pdf_named.json"]["tables"] == outs["open_with_empty_password.json"]["tables"]


def test_2019_template_converts_with_its_own_values(hostile_run: CliRun) -> None:
    report = hostile_run.outputs()["template_2019.json"]
    assert report["template"] == "2019"
    ad = report["tables"]["active_disclosure"]
    assert ad["rules"] == {"made": 3, "published": 2, "total_published": 15}
    assert ad["administrative_penalty"] == {"previous_items": 8, "change": -1, "decisions": 19}
    assert ad["government_procurement"]["amount"] == 125.5
    assert report["tables"]["applications"] == seed_expected(GOOD_SEED)["tables"]["applications"]


def test_unknown_template_gives_warnings_and_no_invented_value(hostile_run: CliRun) -> None:
    report = hostile_run.outputs()["template_unknown.json"]
    assert report["template"] is None
    assert report["warnings"], "a report of no known template must say so"
    values = [v for t in report["tables"].values() if isinstance(t, dict) for row in t.values() for v in row.values()]
    assert values and all(v is None for v in values)
    assert report["report"]["year"] == 2018


def test_missing_section_is_partial_output_with_a_warning(hostile_run: CliRun) -> None:
    report = hostile_run.outputs()["no_section_4.json"]
    expected = seed_expected(GOOD_SEED)
    assert report["template"] == "2021"
    assert report["tables"]["applications"] == expected["tables"]["applications"]
    assert all(v is None for g in report["tables"]["review_litigation"].values() for v in g.values())
    assert any("review_litigation" in w for w in report["warnings"])


# ------------------------------------------------------------------------------- hostile file names


def _good_copies(folder: Path, names: list[str] | list[bytes]) -> list[str]:
    """Write the good seed under each name (text, or raw bytes for names that are not UTF-8); return the paths."""
    data = seed_text(GOOD_SEED).encode()
    paths = []
    for n in names:
        p = os.path.join(os.fsencode(folder), os.fsencode(n))
        with open(p, "wb") as f:
            f.write(data)
        paths.append(os.fsdecode(p))
    return paths


def assert_each_input_accounted_for(run: CliRun, paths: list[str]) -> None:
    """No traceback, no usage error; every input has its own valid JSON (right values) or its own error line."""
    assert "Traceback" not in run.stderr, run.stderr
    assert run.status in (0, 1), run.stderr
    outputs = run.outputs()
    for rel in outputs:
        assert (run.out_dir / rel).resolve().is_relative_to(run.out_dir.resolve())
    expected = seed_expected(GOOD_SEED)
    for report in outputs.values():
        assert table_mismatches(report, expected) == []
    assert len(outputs) + len(run.error_lines) == len(paths), (sorted(outputs), run.stderr)
    assert run.status == (1 if run.error_lines else 0)
    converted_names = {r["source"]["file"] for r in outputs.values()}
    for p in paths:
        base = os.path.basename(p)
        assert base in converted_names or len(run.lines_for(p)) == 1, f"{base!r} neither converted nor reported"


def test_unicode_and_control_characters_in_names(tmp_path: Path) -> None:
    (tmp_path / "in" / "sub").mkdir(parents=True)
    names = [
        "报告（2024）最终版 ✓.txt",
        "a\nb.txt",
        "tab\there\r.txt",
        "-dash.txt",
        ".hidden",
        "ends.",
        "x" * 247 + ".txt",
    ]
    paths = _good_copies(tmp_path / "in", names)
    _good_copies(tmp_path / "in", ["via_parent.txt", "relative.txt"])
    paths.append(str(tmp_path / "in" / "sub" / ".." / "via_parent.txt"))  # a path through `..`
    paths.append(os.path.relpath(tmp_path / "in" / "relative.txt", ROOT))  # `../../tmp/...` from the repo root
    out = tmp_path / "out"
    run = run_cli(["convert", "-o", str(out), "--", *paths], out)
    assert run.status == 0, run.stderr
    assert_each_input_accounted_for(run, paths)
    assert len(run.outputs()) == len(paths)


def test_name_too_long_for_its_output(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    paths = _good_copies(tmp_path / "in", ["y" * 251 + ".txt", "after.txt"])  # 255 bytes: `y…y.json` would be 256
    out = tmp_path / "out"
    run = run_cli(["convert", "-o", str(out), *paths], out)
    assert_each_input_accounted_for(run, paths)
    assert run.status == 1 and sorted(run.outputs()) == ["after.json"], run.stderr
    (line,) = run.lines_for(paths[0])
    assert line.split(": ")[2] == "unreadable" and "cannot write" in line, line


def test_name_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    paths = _good_copies(tmp_path / "in", ["报告".encode("gb18030") + b"\xff.txt", b"after.txt"])
    out = tmp_path / "out"
    run = run_cli(["convert", "-o", str(out), *paths], out)
    assert "Traceback" not in run.stderr and run.status in (0, 1), run.stderr
    assert len(run.outputs()) + len(run.error_lines) == 2, run.stderr
    assert "after.json" in run.outputs()


def test_two_inputs_with_one_output_name_both_kept(tmp_path: Path) -> None:
    (tmp_path / "in" / "b").mkdir(parents=True)
    paths = _good_copies(tmp_path / "in", ["same.txt", "same.docx", "b/same.txt"])
    out = tmp_path / "out"
    run = run_cli(["convert", "-o", str(out), *paths], out)
    assert_each_input_accounted_for(run, paths)
    assert run.status == 0 and run.error_lines == [], run.stderr
    assert len(run.outputs()) == 3 and "same.json" in run.outputs(), sorted(run.outputs())
    assert sorted(r["source"]["file"] for r in run.outputs().values()) == ["same.docx", "same.txt", "same.txt"]


# ------------------------------------------------------------------------ special files as inputs


def test_links_folders_and_missing_files_are_unreadable(tmp_path: Path) -> None:
    d = tmp_path / "in"
    (d / "folder.pdf").mkdir(parents=True)
    os.symlink("loop.txt", d / "loop.txt")
    os.symlink("nowhere.pdf", d / "dangling.pdf")
    good = _good_copies(d, ["good.txt"])
    bad = [str(d / n) for n in ("loop.txt", "dangling.pdf", "folder.pdf", "missing.pdf")]
    out = tmp_path / "out"
    run = run_cli(["convert", *bad, *good, "-o", str(out)], out)
    assert run.status == 1 and "Traceback" not in run.stderr
    for p in bad:
        assert [line.split(": ")[2] for line in run.lines_for(p)] == ["unreadable"], run.stderr
    assert table_mismatches(run.outputs()["good.json"], seed_expected(GOOD_SEED)) == []


def test_fifo_and_device_are_refused_not_read(tmp_path: Path) -> None:
    d = tmp_path / "in"
    d.mkdir()
    os.mkfifo(d / "fifo.txt")  # open() would block forever
    os.symlink("/dev/zero", d / "zero.txt")  # read() would never end
    good = _good_copies(d, ["good.txt"])
    bad = [str(d / "fifo.txt"), str(d / "zero.txt")]
    out = tmp_path / "out"
    run = run_cli(["convert", *bad, *good, "-o", str(out)], out, timeout_s=20)
    assert run.status == 1 and "Traceback" not in run.stderr
    for p in bad:
        assert [line.split(": ", 3)[2:] for line in run.lines_for(p)] == [["unsupported", "not a regular file"]]
    assert table_mismatches(run.outputs()["good.json"], seed_expected(GOOD_SEED)) == []


# -------------------------------------------------------------------------------------------- batch


def test_batch_folder_with_loops_fifo_and_hostile_files(tmp_path: Path) -> None:
    d = tmp_path / "in"
    (d / "sub").mkdir(parents=True)
    _good_copies(d, ["good.txt", "sub/good.txt", "a\nb.txt"])
    os.symlink(".", d / "sub" / "self")  # folder loops
    os.symlink("..", d / "sub" / "parent")
    os.symlink("loop.txt", d / "loop.txt")  # file loop
    os.mkfifo(d / "fifo.txt")
    (d / "zip_bomb.docx").write_bytes(h.docx_zip_bomb())
    (d / "entity_bomb.docx").write_bytes(h.docx_entity_bomb())
    (d / "empty.pdf").write_bytes(b"")
    out = tmp_path / "out"
    run = run_cli(["batch", str(d), "-o", str(out), "--workers", "1", "--quiet", "--timeout", "60"], out, 300)
    assert run.status == 1 and "Traceback" not in run.stderr, run.stderr
    kinds = sorted(line.split(": ")[2] for line in run.error_lines)
    assert kinds == sorted(["corrupt", "too_large", "empty", "unsupported", "unreadable"]), run.stderr
    outs = run.outputs()
    assert outs.pop("_audit/findings.json")["reports"] == 3  # the batch's audit of what it converted
    expected = seed_expected(GOOD_SEED)
    assert sorted(outs) == sorted(["good.json", "sub/good.json", "a\nb.json"])
    for report in outs.values():
        assert table_mismatches(report, expected) == []
