"""Adapters: each turns one input format into a :class:`ingest.grid.Document`.

`adapter` maps a detected format to the function that reads it. Adapters are imported
lazily so that reading a text dump never loads OpenCV or an OCR engine.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable

from ingest.detect import sniff
from ingest.errors import ReportError
from ingest.grid import Document
from ingest.options import Options

Reader = Callable[[str, bytes, Options], Document]


def adapter(fmt: str) -> Reader:
    """The adapter of a detected format, imported on first use; each is read(path, data, options) -> Document.
    KeyError for a format no adapter reads."""
    match fmt:
        case "text":  # text dumps of a report (pdftotext, pdfplumber, copied pages)
            from ingest.text import read as read_text

            return read_text
        case "docx":
            from ingest.docx.reader import read as read_docx

            return read_docx
        case "doc" | "rtf":  # through LibreOffice, then the DOCX adapter
            from ingest.legacy import read as read_doc
            from ingest.legacy import read_rtf

            return read_rtf if fmt == "rtf" else read_doc
        case "pdf":  # born-digital; it hands image-only pages to the scan adapter
            from ingest.pdf.reader import read as read_pdf

            return read_pdf
        case "image":  # scans: OpenCV and an OCR engine
            from ingest.scan.reader import read_image

            return read_image
        case "html":
            from ingest.html.reader import read as read_html

            return read_html
        case "xlsx" | "ods" | "xls":
            from ingest.sheet import read_ods, read_xls, read_xlsx

            return {"xlsx": read_xlsx, "ods": read_ods, "xls": read_xls}[fmt]
        case "ofd":
            from ingest.ofd import read as read_ofd

            return read_ofd
    raise KeyError(fmt)


def reader_for(fmt: str) -> Reader:
    """The adapter function registered for a format (unsupported when its engine is not installed)."""
    try:
        return adapter(fmt)
    except ImportError as e:  # an adapter whose engine is not installed
        raise ReportError("unsupported", f"no {fmt} adapter available ({e})") from None


def load(path: str, options: Options | None = None) -> Document:
    """Read any supported file into a Document (format detected from its bytes)."""
    options = (options or Options()).validated()
    try:
        st = os.stat(path)
    except OSError as e:
        raise ReportError("unreadable", e.strerror or str(e)) from None
    if stat.S_ISDIR(st.st_mode):
        raise ReportError("unreadable", "is a directory")
    if not stat.S_ISREG(st.st_mode):  # a FIFO would block, a device would never end
        raise ReportError("unsupported", "not a regular file")
    size = st.st_size
    if size > options.max_file_bytes:
        raise ReportError("too_large", f"{size} bytes, more than the limit of {options.max_file_bytes}")
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise ReportError("unreadable", e.strerror or str(e)) from None
    fmt = sniff(data)
    if fmt == "image" and options.ocr == "never":
        raise ReportError("unreadable", "a page image can only be read by OCR, and OCR is off (--ocr never)")
    doc = reader_for(fmt)(path, data, options)
    doc.sha256 = hashlib.sha256(data).hexdigest()
    return doc
