"""The toolkit's Python API: one call from a path to the canonical report dict.

Data flows one way: file -> ingest (adapter) -> grids -> layout (repairs) -> normalize -> JSON.
``cli.py`` is a thin layer over :func:`convert`.
"""

from __future__ import annotations

import os
from typing import Any

import layout
import normalize
from ingest import load
from ingest.errors import ReportError
from ingest.grid import Document
from ingest.options import Options

__all__ = [
    "convert",
    "convert_document",
    "read_document",
    "normalize_document",
    "convert_partial",
    "output_stem",
    "Options",
    "ReportError",
]


def output_stem(path: str) -> str:
    """`a.scan.pdf` -> `a.scan`: the input's base name without its last suffix (outputs are named by it)."""
    base = os.path.basename(path)
    return base.rsplit(".", 1)[0] if "." in base.lstrip(".") else base


def read_document(path: str, options: Options | None = None) -> Document:
    """The first two stages: the adapter's grids, repaired."""
    return layout.repair(load(path, options))


def normalize_document(doc: Document) -> dict[str, Any]:
    """The last stage: the canonical dict of a repaired Document (its file hash is the one load took)."""
    return normalize.build(doc, sha256=doc.sha256)


def convert_document(path: str, options: Options | None = None) -> tuple[Document, dict[str, Any]]:
    """Read, repair and normalise one file; return the repaired Document and the canonical dict."""
    doc = read_document(path, options)
    return doc, normalize_document(doc)


def convert_partial(path: str, options: Options | None = None) -> tuple[Document, dict[str, Any] | ReportError]:
    """Like convert_document, but a document that reads yet does not normalise comes back with its error
    (so its grids can still be drawn)."""
    doc = read_document(path, options)
    try:
        return doc, normalize_document(doc)
    except ReportError as e:
        return doc, e


def convert(path: str, options: Options | None = None) -> dict[str, Any]:
    """The canonical report (SPEC.md, schema_version 1) for one file; raises ReportError."""
    return convert_document(path, options)[1]
