"""Tell a file's format from its bytes, never from its name."""

from __future__ import annotations

import io
import re
import zipfile

from ingest.errors import ReportError

# Formats the adapters handle; "doc" covers legacy Word and WPS (OLE2 compound files), "rtf" Rich Text
# (often saved under a .doc name); "ofd" is a GB/T 33190 package; "xlsx" and "ods" are spreadsheet packages, "xls" the OLE2
# spreadsheets of Excel 97-2003 and WPS (.et).
FORMATS = ("pdf", "docx", "doc", "rtf", "image", "html", "text", "xlsx", "ods", "xls", "ofd")
# The mimetype part an OpenDocument spreadsheet starts with.
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
# OLE2 stream names of a spreadsheet: BIFF8 (Excel 97-2003, WPS .et) and BIFF5 workbooks.
SHEET_STREAMS = ("Workbook", "Book")

# An HTML element a fragment starts with (attributes allowed: `<p class="x">`).
_HTML_TAG = re.compile(r"<(?:table|body|div|p|meta|head|span|font|center|h[1-6]|br|section|article)[\s/>]")

_IMAGE_MAGIC = (
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",
    b"II*\x00",
    b"MM\x00*",
    b"BM",
    b"GIF8",
)


def sniff(data: bytes) -> str:
    """Return one of FORMATS for the bytes, or raise ReportError(unsupported/empty)."""
    if not data.strip():
        raise ReportError("empty", "the file is empty")
    head = data[:2048]
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return _sniff_zip(data)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return _sniff_ole(data)
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{\\rtf"):
        return "rtf"
    if any(head.startswith(m) for m in _IMAGE_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
        return "image"
    text = _decode_probe(head)
    if text is None:
        raise ReportError("unsupported", "binary data of no format the toolkit reads")
    low = text.lstrip("\ufeff \t\r\n").lower()
    if "mime-version:" in low[:4096] and "multipart/related" in low[:4096]:
        return "html"  # a web archive (.mht): the HTML adapter unwraps it
    if low.startswith(("<!doctype html", "<html", "<?xml")) or _HTML_TAG.search(low):
        return "html"
    return "text"


def _sniff_zip(data: bytes) -> str:
    """A zip is a DOCX only if it holds a Word document part."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = set(z.namelist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError, RuntimeError) as e:
        raise ReportError("corrupt", f"damaged zip container ({e})") from None
    if "word/document.xml" in names or any(n.endswith("/document.xml") and n.startswith("word") for n in names):
        return "docx"
    if "OFD.xml" in names or "/OFD.xml" in names:
        return "ofd"  # GB/T 33190: the package's entry part
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "content.xml" in names and _zip_mimetype(data) == ODS_MIMETYPE:
        return "ods"
    if "xl/workbook.bin" in names:
        raise ReportError("unsupported", "an Excel binary workbook (.xlsb); save it as .xlsx")
    if "[Content_Types].xml" in names:
        raise ReportError("corrupt", "an Office file without a Word document part")
    raise ReportError("unsupported", "a zip archive that is not a DOCX")


def _zip_mimetype(data: bytes) -> bytes:
    """The content of an OpenDocument package's mimetype part (empty when it has none)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            info = next((i for i in z.infolist() if i.filename == "mimetype"), None)
            if info is None or info.file_size > 200:
                return b""
            return z.read(info).strip()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError, RuntimeError):
        return b""


def _sniff_ole(data: bytes) -> str:
    """An OLE2 compound file is a spreadsheet when it holds a workbook stream, else a Word/WPS document
    (a damaged directory is left to the document adapter, which names the damage)."""
    from ingest.legacy import ole_stream_names

    try:
        names = set(ole_stream_names(data))
    except ReportError:
        return "doc"
    if "WordDocument" not in names and any(n in names for n in SHEET_STREAMS):
        return "xls"
    return "doc"


def _decode_probe(head: bytes) -> str | None:
    """Decode the head as text if it plausibly is text (UTF-8/16 or GB18030), else None."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", errors="ignore")
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    if controls > max(2, len(head) // 100):
        return None
    for enc in ("utf-8", "gb18030"):
        try:
            return head.decode(enc)
        except UnicodeDecodeError as e:
            if e.start >= len(head) - 3:  # the probe cut inside a multibyte char (up to 4 bytes)
                try:
                    return head[: e.start].decode(enc)
                except UnicodeDecodeError:
                    continue
    return None
