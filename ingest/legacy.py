"""Legacy Word and WPS files (OLE2 compound documents) -> DOCX via LibreOffice -> the DOCX adapter.

Steps: check the OLE2 container (header, truncation, that it holds a word-processing stream); convert
with ``soffice --headless --convert-to docx`` in a private temp dir with its own profile, no restore
and (where the kernel allows) no network, under a time limit that kills the whole process group;
then read the DOCX with :func:`ingest.docx.read` and report the original path.
"""

from __future__ import annotations

import functools
import os
import shutil
import signal
import struct
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ingest.errors import ReportError
from ingest.grid import Document
from ingest.options import Options

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
OLE_HEADER_BYTES = 512
OLE_DIR_ENTRY_BYTES = 128
# Sector numbers at or above this are markers (free, end of chain, FAT, DIFAT), not positions.
OLE_MAX_SECTOR = 0xFFFFFFFA
# Stream names of word-processing documents LibreOffice reads:
# Word 97-2003 and Kingsoft WPS (WordDocument), Microsoft Works (CONTENTS).
TEXT_STREAMS = ("WordDocument", "CONTENTS")
# Stream names that mark a spreadsheet or slide deck instead.
OTHER_STREAMS = {"Workbook": "spreadsheet", "Book": "spreadsheet", "PowerPoint Document": "presentation"}
# Word file information block: its magic numbers (Word 97-2003, Word 6/95), the fEncrypted bit of its
# flags, and the smallest WordDocument stream held in the regular FAT (its first sector holds the block).
WORD_FIB_IDENTS = (0xA5EC, 0xA5DC)
WORD_FIB_ENCRYPTED = 0x0100
WORD_MIN_STREAM_BYTES = 4096
SOFFICE = "soffice"
# Characters of the converter's output kept in an error message.
ERROR_TAIL_CHARS = 300


def _truncated(what: str, sector: int) -> ReportError:
    """The error for a sector that lies past the end of the file."""
    return ReportError("corrupt", f"truncated Word/WPS file: its {what} sector {sector} lies past its end")


def _sector(data: bytes, n: int, size: int, what: str) -> bytes:
    """Bytes of sector n (the header fills the sector before sector 0), or ReportError if cut off."""
    start = max(OLE_HEADER_BYTES, size) + n * size
    if n >= OLE_MAX_SECTOR or start + size > len(data):
        raise _truncated(what, n)
    return data[start : start + size]


def ole_fat(data: bytes, size: int) -> list[int]:
    """The OLE2 file allocation table, from the header's list of FAT sectors and the DIFAT chain."""
    n_fat, _, _, _, difat_start, n_difat = struct.unpack_from("<6I", data, 44)
    fat_sectors = [s for s in struct.unpack_from("<109I", data, 76) if s < OLE_MAX_SECTOR]
    seen: set[int] = set()
    while difat_start < OLE_MAX_SECTOR and len(seen) < n_difat:
        if difat_start in seen:
            raise ReportError("corrupt", "OLE2 allocation list loops")
        seen.add(difat_start)
        words = struct.unpack(f"<{size // 4}I", _sector(data, difat_start, size, "allocation list"))
        fat_sectors += [s for s in words[:-1] if s < OLE_MAX_SECTOR]
        difat_start = words[-1]
    fat: list[int] = []
    for s in fat_sectors[:n_fat]:
        fat += struct.unpack(f"<{size // 4}I", _sector(data, s, size, "allocation table"))
    return fat


@dataclass(frozen=True)
class OleEntry:
    """One entry of an OLE2 directory: its name, first sector and size in bytes."""

    name: str
    start: int
    size: int


def ole_header_sector_size(data: bytes) -> int:
    """The sector size an OLE2 header declares; ReportError(corrupt) for a damaged header."""
    if len(data) < OLE_HEADER_BYTES or not data.startswith(OLE_MAGIC):
        raise ReportError("corrupt", f"not a complete OLE2 (Word/WPS) file: {len(data)} bytes, header damaged")
    if data[28:30] != b"\xfe\xff":
        raise ReportError("corrupt", "OLE2 header damaged (bad byte-order mark)")
    shift = struct.unpack_from("<H", data, 30)[0]
    if shift not in (9, 12):
        raise ReportError("corrupt", f"OLE2 header damaged (sector size 2^{shift})")
    return 1 << shift


def ole_directory(data: bytes) -> tuple[list[OleEntry], int]:
    """The entries of an OLE2 directory and the sector size; ReportError(corrupt) if damaged or truncated."""
    size = ole_header_sector_size(data)
    fat = ole_fat(data, size)
    entries: list[OleEntry] = []
    s, seen = struct.unpack_from("<I", data, 48)[0], set()
    while s < OLE_MAX_SECTOR:
        if s in seen or s >= len(fat):
            raise ReportError("corrupt", "OLE2 directory chain broken")
        seen.add(s)
        block = _sector(data, s, size, "directory")
        for off in range(0, size, OLE_DIR_ENTRY_BYTES):
            n_bytes = struct.unpack_from("<H", block, off + 64)[0]
            if 2 <= n_bytes <= 64:
                name = block[off : off + n_bytes - 2].decode("utf-16-le", "replace")
                start, length = struct.unpack_from("<II", block, off + 116)
                entries.append(OleEntry(name, start, length))
        s = fat[s]
    return entries, size


def ole_stream_names(data: bytes) -> list[str]:
    """Names of the entries in an OLE2 directory; ReportError(corrupt) for a damaged or truncated file."""
    return [e.name for e in ole_directory(data)[0]]


def word_encrypted(data: bytes, entry: OleEntry, size: int) -> bool:
    """Whether a Word 6-2003 stream is password-protected (the fEncrypted flag of its FIB).

    A stream too small for the regular FAT lives in the mini stream; it is left to the converter.
    """
    if entry.size < WORD_MIN_STREAM_BYTES or entry.start >= OLE_MAX_SECTOR:
        return False
    fib = _sector(data, entry.start, size, "Word document")
    ident, flags = struct.unpack_from("<H", fib, 0)[0], struct.unpack_from("<H", fib, 0x0A)[0]
    return ident in WORD_FIB_IDENTS and bool(flags & WORD_FIB_ENCRYPTED)


def check_ole(data: bytes) -> str:
    """Refuse a damaged, encrypted or non-text OLE2 file; return the suffix LibreOffice should see (.doc/.wps)."""
    entries, size = ole_directory(data)
    by_name = {e.name: e for e in entries}
    if "WordDocument" in by_name:
        if word_encrypted(data, by_name["WordDocument"], size):
            raise ReportError("encrypted", "the Word/WPS document is password-protected")
        return ".doc"
    if "CONTENTS" in by_name:
        return ".wps"
    for name, kind in OTHER_STREAMS.items():
        if name in by_name:
            raise ReportError("unsupported", f"an OLE2 {kind} file, not a Word/WPS document")
    raise ReportError("corrupt", "OLE2 file without a Word/WPS document stream")


@functools.cache
def network_jail() -> list[str]:
    """A command prefix that runs a program without network (unshare), or [] where the kernel forbids it."""
    unshare = shutil.which("unshare")
    if not unshare:
        return []
    try:
        ok = subprocess.run([unshare, "-rn", "true"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.SubprocessError):
        ok = False
    return [unshare, "-rn"] if ok else []


def soffice_command(src: Path, out_dir: Path, profile: Path, target: str) -> list[str]:
    """The LibreOffice command converting src into out_dir with a private profile."""
    return [
        *network_jail(),
        SOFFICE,
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--norestore",
        "--nologo",
        "--nodefault",
        "--nolockcheck",
        "--convert-to",
        target,
        "--outdir",
        str(out_dir),
        str(src),
    ]


def run_limited(cmd: list[str], timeout_s: float) -> tuple[int, str]:
    """Run a command in its own process group; kill the group at the time limit. Return (status, output)."""
    try:
        proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError as e:
        raise ReportError("conversion_failed", f"LibreOffice could not be started ({e.strerror or e})") from None
    try:
        out, _ = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        raise ReportError("timeout", f"LibreOffice conversion took longer than {timeout_s:g} s") from None
    return proc.returncode, out.decode("utf-8", "replace")


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """Kill the process group a converter started, and reap it."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.communicate()


def convert_to_docx(data: bytes, suffix: str, timeout_s: float) -> bytes:
    """The DOCX bytes LibreOffice makes of a legacy document, or ReportError(conversion_failed/timeout)."""
    with tempfile.TemporaryDirectory(prefix="govreport-legacy-", ignore_cleanup_errors=True) as tmp:
        work = Path(tmp)
        src = work / f"input{suffix}"
        src.write_bytes(data)
        out_dir = work / "out"
        out_dir.mkdir()
        status, output = run_limited(soffice_command(src, out_dir, work / "profile", "docx"), timeout_s)
        produced = out_dir / "input.docx"
        if not produced.exists() or produced.stat().st_size == 0:
            said = " ".join(line.strip() for line in output.splitlines() if line.strip() and "javaldx" not in line)
            tail = said[-ERROR_TAIL_CHARS:]
            raise ReportError("conversion_failed", f"LibreOffice made no DOCX (exit {status}): {tail or 'no output'}")
        return produced.read_bytes()


def read(path: str, data: bytes, options: Options) -> Document:
    """Read a .doc/.wps file: convert it to DOCX with LibreOffice, then read that with the DOCX adapter."""
    options = options.validated()
    suffix = check_ole(data)
    docx_bytes = convert_to_docx(data, suffix, options.timeout_s)
    from ingest.docx.reader import read as docx_read  # lazy: the DOCX adapter loads its XML stack

    doc: Document = docx_read(path, docx_bytes, options)
    doc.path = path
    doc.format = "docx"
    return doc


def read_rtf(path: str, data: bytes, options: Options) -> Document:
    """Read an RTF file (often saved under a .doc name): LibreOffice to DOCX, then the DOCX adapter."""
    options = options.validated()
    docx_bytes = convert_to_docx(data, ".rtf", options.timeout_s)
    from ingest.docx.reader import read as docx_read

    doc: Document = docx_read(path, docx_bytes, options)
    doc.path = path
    doc.format = "docx"
    return doc
