"""Assemble the canonical report (SPEC.md, schema_version 1) from a repaired Document."""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Any

from ingest.errors import ReportError
from ingest.grid import Document, PageInfo
from normalize.agency import identify as series_identity
from normalize.checks import run_checks, set_field
from normalize.correct import correct
from normalize.identity import identify
from normalize.meta import find_sections, find_title, find_year, unglued_headings
from normalize.numbers import parse_number
from normalize.tables import (
    SECTION_KEYS,
    Extraction,
    Value,
    detect_template,
    extract_active,
    extract_applications,
    extract_review,
    section_rows,
)
from normalize.template import DEFAULT_TEMPLATE, Template, get_template

SCHEMA_VERSION = "1"
SECTIONS = SECTION_KEYS  # the canonical tables, in report order
# A value whose row was placed by its position (its label unread) is a guess: at most this sure.
POSITION_CONFIDENCE = 0.5


def empty_tables(tpl: Template) -> dict[str, Any]:
    """The three canonical tables with every field null."""
    tables: dict[str, Any] = {}
    for sec in SECTIONS:
        for fid, _ in _field_ids(tpl, sec):
            set_field(tables, fid, None)
    return tables


def _cell_entry(v: Value, warnings: list[str]) -> tuple[Any, dict[str, Any]]:
    """Parse one value; an unreadable one is null with confidence 0 and a warning."""
    c = v.cell
    parsed = parse_number(v.raw)
    conf = c.confidence if c is not None else 0.0
    if parsed.status == "unreadable":
        warnings.append(f"{v.field}: could not read a number in {v.raw!r}; left null")
        conf = 0.0
    if c is None:
        conf = 0.0
    if v.by_position:
        conf = min(conf, POSITION_CONFIDENCE)
    entry: dict[str, Any] = {
        "field": v.field,
        "raw": v.raw,
        "value": parsed.value,
        "page": c.page if c is not None else None,
        "bbox": list(c.bbox) if c is not None and c.bbox is not None else None,
        "confidence": round(float(conf), 4),
        "source": "document",
    }
    if c is not None and c.alternatives:
        entry["alternatives"] = [{"text": t, "confidence": round(float(p), 4)} for t, p in c.alternatives]
    return parsed.value, entry


def _unread_fields(tpl: Template, ex: Extraction, warnings: list[str]) -> list[dict[str, Any]]:
    """A null, confidence-0 cell for every field of the template that no printed cell gave, with a
    warning per table or row not found. Rows of a group printed as one row are not missing."""
    collapsed = {g.id for g in tpl.applications.groups if g.total_key in ex.group_totals}
    entries: list[dict[str, Any]] = []
    for sec in SECTIONS:
        ids = _row_ids(tpl, sec)
        missing_table = not (ex.found & ids)
        if missing_table:
            warnings.append(f"{sec}: table not found; its fields are null")
        for fid, group in _field_ids(tpl, sec):
            if fid in ex.values or group in collapsed:
                continue
            row = ".".join(fid.split(".")[:2])
            if not missing_table and not any(f"{row}." in w or w.startswith(f"{row}:") for w in warnings):
                warnings.append(f"{row}: row not found; its fields are null")
            entries.append(
                {
                    "field": fid,
                    "raw": None,
                    "value": None,
                    "page": None,
                    "bbox": None,
                    "confidence": 0.0,
                    "source": "document",
                }
            )
    return entries


def _row_ids(tpl: Template, sec: str) -> set[str]:
    """What `Extraction.found` holds when a section was found: its row ids (section 四: its name)."""
    if sec == "active_disclosure":
        return {r.id for r in tpl.active_disclosure.rows}
    if sec == "applications":
        return {r.id for r in tpl.applications.rows}
    return {sec}


def _field_ids(tpl: Template, sec: str) -> list[tuple[str, str | None]]:
    """Every canonical field id of a section, with the group its row belongs to."""
    if sec == "active_disclosure":
        return [(f"{sec}.{r.id}.{f}", None) for r in tpl.active_disclosure.rows for f in r.fields]
    if sec == "applications":
        cols = tpl.applications.column_ids
        return [(f"{sec}.{r.id}.{c}", r.group) for r in tpl.applications.rows for c in cols]
    rl = tpl.review_litigation
    return [(f"{sec}.{g.id}.{f.id}", None) for g in rl.groups for f in rl.fields]


def line_pages(sections: list[dict[str, Any]], paras: list[Any]) -> list[list[int | None]]:
    """The page of each line of each section's text (the paragraph it came from), None where not found."""
    out: list[list[int | None]] = []
    i = 0
    for sec in sections:
        pages: list[int | None] = []
        for line in sec["text"].split("\n") if sec["text"] else []:
            j = next((j for j in range(i, len(paras)) if paras[j].text.strip() == line.strip()), None)
            pages.append(paras[j].page if j is not None else None)
            i = j + 1 if j is not None else i
        out.append(pages)
    return out


def page_transform(p: PageInfo) -> dict[str, Any]:
    """A page's unit scale and transform to its source page, as stored in ``source.page_transform``."""
    return {"unit_scale": float(f"{p.unit_scale:.8g}"), "to_source": [float(f"{v:.10g}") for v in p.to_source]}


def build(doc: Document, sha256: str | None = None) -> dict[str, Any]:
    """The canonical dict for a repaired Document; raises ReportError(not_a_report) when it holds no report."""
    doc = replace(doc, blocks=unglued_headings(doc.blocks))
    paras = doc.paragraphs
    title = find_title(paras, doc.meta)
    year = find_year(title, paras)
    template_id = detect_template(doc.tables, year)
    warnings: list[str] = list(doc.warnings)
    if template_id is None:
        if title is not None and "政府信息公开" in title:
            warnings.append("no table of a known template was found; tables left empty")
        else:
            raise ReportError("not_a_report", "no annual-report table and no report title found")
    tpl = get_template(template_id or DEFAULT_TEMPLATE)
    rows = section_rows(doc.blocks, tpl)
    ex = Extraction()
    extract_active(rows["active_disclosure"], tpl, ex)
    exact = all(t.exact for t in doc.tables)
    extract_applications(rows["applications"], tpl, exact, ex)
    extract_review(rows["review_litigation"], tpl, ex)
    if template_id is not None and not ex.found:
        if title is None or "政府信息公开" not in title:
            raise ReportError("not_a_report", "tables were found but none maps to the report template")
        warnings.append("tables were found but none maps to the report template; tables left empty")
    warnings.extend(ex.warnings)

    tables = empty_tables(tpl)
    cells: list[dict[str, Any]] = []
    for fid, v in ex.values.items():
        value, entry = _cell_entry(v, warnings)
        set_field(tables, fid, value)
        cells.append(entry)
    # group totals (`applications_group_totals.<group>.<column>`) are fields like the others
    for v in (v for vals in ex.group_totals.values() for v in vals.values()):
        value, entry = _cell_entry(v, warnings)
        set_field(tables, v.field, value)
        cells.append(entry)
    expected_collapsed = set(tpl.applications.collapsed_groups_expected)
    for key in ex.group_totals:
        if key not in expected_collapsed:
            warnings.append(
                f"applications: （{key}）printed as one row without its sub-rows; kept under applications_group_totals.{key}, sub-rows null"
            )
    if ex.extra_columns:
        extra: dict[str, Any] = {}
        for label, vals in ex.extra_columns.items():
            extra[label] = {}
            for rid, v in vals.items():
                value, entry = _cell_entry(v, warnings)
                extra[label][rid] = value
                cells.append(entry)
        tables["applications_extra_columns"] = extra
    cells.extend(_unread_fields(tpl, ex, warnings))  # with no template found, the 2021 form's fields

    found = set(ex.found) | set(ex.group_totals)
    checks = run_checks(tables, tpl, found)
    if any(not c["ok"] for c in checks):
        tables, cells, checks = correct(tables, cells, checks, tpl, found, warnings)

    identity, notes = identify(doc, title)
    report: dict[str, Any] = {"title": title, **identity}
    if title is None:
        warnings.append("report.title: no title found; left null")
    warnings.extend(notes)
    series = series_identity(report["agency"], "\n".join([title or ""] + [p.text for p in paras]))
    report.update(series_key=series.key, agency_level=series.level, region=series.region)
    sections = find_sections(doc.blocks, tpl)
    for sec, pages in zip(sections, line_pages(sections, paras), strict=True):
        sec["pages"] = pages
    return {
        "schema_version": SCHEMA_VERSION,
        "template": template_id,
        "source": {
            "file": os.fsencode(os.path.basename(doc.path)).decode("utf-8", errors="backslashreplace"),
            "sha256": sha256,
            "format": doc.format,
            "pages": len(doc.pages) or None,
            "ocr": doc.ocr,
            **doc.source,
            "page_geometry": [[round(p.width, 2), round(p.height, 2), p.rotation, round(p.skew, 4)] for p in doc.pages]
            or None,
            "page_transform": [page_transform(p) for p in doc.pages] or None,
        },
        "report": report,
        "sections": sections,
        "tables": tables,
        "cells": cells,
        "checks": checks,
        "warnings": warnings,
    }
