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
from layout.volume import split_volume

__all__ = [
    "convert",
    "convert_document",
    "read_document",
    "normalize_document",
    "convert_partial",
    "convert_parts",
    "convert_partial_parts",
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


def part_source(doc: Document, index: int, count: int) -> dict[str, int | None]:
    """``source.part`` of one report of a bound volume: its number, how many, its first and last page (null for
    a format without pages)."""
    numbers = [p.number for p in doc.pages] or [b.page for b in doc.blocks if b.page is not None]
    first, last = (min(numbers), max(numbers)) if numbers else (None, None)
    return {"index": index, "count": count, "first_page": first, "last_page": last}


def convert_partial_parts(
    path: str, options: Options | None = None
) -> tuple[list[Document], list[dict[str, Any] | ReportError]]:
    """Like convert_partial, one result per report of a bound volume (a single report: a list of one, as convert
    gives it); each report repaired and normalised on its own, with ``source.part`` when there are several."""
    parts = split_volume(load(path, options))
    docs = [layout.repair(d) for d in parts]
    results: list[dict[str, Any] | ReportError] = []
    for n, doc in enumerate(docs, start=1):
        try:
            report = normalize_document(doc)
        except ReportError as e:
            results.append(e)
            continue
        if len(docs) > 1:
            report["source"]["part"] = part_source(doc, n, len(docs))
        results.append(report)
    return docs, results


def convert_parts(path: str, options: Options | None = None) -> list[dict[str, Any]]:
    """The canonical report of every report a file holds (a bound volume gives several); raises the first
    ReportError of a report that could not be normalised."""
    reports = []
    for result in convert_partial_parts(path, options)[1]:
        if isinstance(result, ReportError):
            raise result
        reports.append(result)
    return reports
