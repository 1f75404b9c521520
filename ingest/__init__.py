"""Adapters: each turns one input format into a :class:`ingest.grid.Document`.

The registry below maps a detected format to the function that reads it. Adapters are imported
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


def _text() -> Reader:
    """The text-dump adapter."""
    from ingest.text import read

    return read


def _docx() -> Reader:
    """The DOCX adapter."""
    from ingest.docx.reader import read

    return read


def _doc() -> Reader:
    """The .doc/.wps adapter (LibreOffice, then the DOCX adapter)."""
    from ingest.legacy import read

    return read


def _rtf() -> Reader:
    """The RTF adapter (LibreOffice, then the DOCX adapter)."""
    from ingest.legacy import read_rtf

    return read_rtf


def _pdf() -> Reader:
    """The born-digital PDF adapter (it hands image-only pages to the scan adapter)."""
    from ingest.pdf.reader import read

    return read


def _image() -> Reader:
    """The scanned-image adapter (OpenCV and an OCR engine)."""
    from ingest.scan.reader import read_image

    return read_image


def _html() -> Reader:
    """The web-page adapter."""
    from ingest.html.reader import read

    return read


def _xlsx() -> Reader:
    """The XLSX adapter."""
    from ingest.sheet import read_xlsx

    return read_xlsx


def _ods() -> Reader:
    """The ODS adapter."""
    from ingest.sheet import read_ods

    return read_ods


def _xls() -> Reader:
    """The XLS adapter."""
    from ingest.sheet import read_xls

    return read_xls


def _ofd() -> Reader:
    """The OFD adapter."""
    from ingest.ofd import read

    return read


# format -> a function importing its adapter on first use; each adapter is read(path, data, options) -> Document.
ADAPTERS: dict[str, Callable[[], Reader]] = {
    "text": _text,
    "docx": _docx,
    "doc": _doc,
    "rtf": _rtf,
    "pdf": _pdf,
    "image": _image,
    "html": _html,
    "xlsx": _xlsx,
    "ods": _ods,
    "xls": _xls,
    "ofd": _ofd,
}


def reader_for(fmt: str) -> Reader:
    """The adapter function registered for a format (unsupported when its engine is not installed)."""
    try:
        return ADAPTERS[fmt]()
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
