"""The toolkit's Python API: one call from a path to the canonical report dict.

Data flows one way: file -> ingest (adapter) -> grids -> layout (repairs) -> normalize -> JSON.
``cli.py`` is a thin layer over :func:`convert`.
"""

from __future__ import annotations

import hashlib
from typing import Any

import layout
import normalize
from ingest import load
from ingest.errors import ReportError
from ingest.grid import Document
from ingest.options import Options

__all__ = ["convert", "convert_document", "Options", "ReportError"]


def convert_document(path: str, options: Options | None = None) -> tuple[Document, dict[str, Any]]:
    """Read, repair and normalise one file; return the repaired Document and the canonical dict."""
    doc = load(path, options)
    doc = layout.repair(doc)
    with open(path, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    report = normalize.build(doc, sha256=sha)
    return doc, report


def convert(path: str, options: Options | None = None) -> dict[str, Any]:
    """The canonical report (SPEC.md, schema_version 1) for one file; raises ReportError."""
    return convert_document(path, options)[1]
