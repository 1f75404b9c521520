"""Adapters: each turns one input format into a :class:`ingest.grid.Document`.

The registry below maps a detected format to the function that reads it. Adapters are imported
lazily so that reading a text dump never loads OpenCV or an OCR engine.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import stat
from collections.abc import Callable

from ingest.detect import sniff
from ingest.errors import ReportError
from ingest.grid import Document
from ingest.options import Options

Reader = Callable[[str, bytes, Options], Document]

# format -> "module:function"; each function is read(path, data, options) -> Document.
ADAPTERS: dict[str, str] = {
    "text": "ingest.text:read",
    "docx": "ingest.docx:read",
    "doc": "ingest.legacy:read",
    "rtf": "ingest.legacy:read_rtf",
    "pdf": "ingest.pdf:read",
    "image": "ingest.scan:read_image",
    "html": "ingest.html:read",
    "xlsx": "ingest.sheet:read_xlsx",
    "ods": "ingest.sheet:read_ods",
    "xls": "ingest.sheet:read_xls",
    "ofd": "ingest.ofd:read",
}


def reader_for(fmt: str) -> Reader:
    """The adapter function registered for a format."""
    module, func = ADAPTERS[fmt].split(":")
    try:
        mod = importlib.import_module(module)
    except ImportError as e:  # an adapter whose engine is not installed
        raise ReportError("unsupported", f"no {fmt} adapter available ({e})") from None
    reader: Reader = getattr(mod, func)
    return reader


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
