"""`cli.py export OUT_DIR --format csv|xlsx|parquet`: the batch index as tables in OUT_DIR/export/.

Four tables, streamed from index.sqlite (read-only, so a running batch is not disturbed):

- ``reports``: one row per input file, one column per canonical field id (``applications.granted.natural_person``)
  after the file's facts (path, status, agency, year, published, template, ...);
- ``dictionary``: field id -> Chinese label, built from ``normalize/templates/*.json``;
- ``values``: the long table (path, field, value, raw, page, confidence);
- ``failing_checks``: every check a report fails.

CSV: one UTF-8 (with BOM, for Excel) file per table. XLSX: one workbook, ``reports`` first and the
``dictionary`` second. Parquet: one file per table, field labels also in the reports schema metadata.
"""

from __future__ import annotations

import csv
import json
import os
import sqlite3
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from batch.index import INDEX_NAME, connect
from normalize.template import TEMPLATE_DIR, templates_in

FORMATS = ("csv", "xlsx", "parquet")
EXPORT_DIR = "export"
XLSX_MAX_ROWS = 1_048_576
PARQUET_BATCH_ROWS = 2000

# The file facts that come before the field columns of the wide table, with their labels.
META_COLUMNS: dict[str, str] = {
    "path": "文件路径",
    "status": "转换状态（ok/failed）",
    "error_kind": "失败类型",
    "error": "失败原因",
    "agency": "发布机关",
    "year": "报告年度",
    "published": "发布日期",
    "template": "模板（2021/2019）",
    "format": "文件格式",
    "pages": "页数",
    "ocr_engine": "OCR 引擎",
    "failing_checks": "未通过的校验规则",
    "sha256": "文件 SHA-256",
    "json_path": "JSON 文件（相对输出目录）",
}
SECTION = {"active_disclosure": "二、", "applications": "三、", "review_litigation": "四、"}


@dataclass(frozen=True)
class Entry:
    """One line of the data dictionary."""

    field: str
    label: str
    table: str
    templates: str


def template_fields(tpl: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(field id, Chinese label, table) for every value a template prints."""
    ad = tpl.get("active_disclosure") or {}
    flabels = ad.get("field_labels") or {}
    for row in ad.get("rows", []):
        for f in row.get("fields", []):
            yield f"active_disclosure.{row['id']}.{f}", f"二、{row['label']} — {flabels.get(f, f)}", "active_disclosure"
    ap = tpl.get("applications") or {}
    cols = ap.get("columns", [])
    for row in ap.get("rows", []):
        for c in cols:
            yield f"applications.{row['id']}.{c['id']}", f"{row['label']} — {c['label']}", "applications"
    for g in ap.get("groups", []):
        if g.get("total_key"):
            for c in cols:
                key = f"applications_group_totals.{g['total_key']}.{c['id']}"
                yield key, f"三、{g['label']}（仅印合计行时） — {c['label']}", "applications_group_totals"
    rl = tpl.get("review_litigation") or {}
    for g in rl.get("groups", []):
        for f in rl.get("fields", []):
            yield f"review_litigation.{g['id']}.{f['id']}", f"四、{g['label']} — {f['label']}", "review_litigation"


def load_templates(folder: Path = TEMPLATE_DIR) -> list[dict[str, Any]]:
    """The template files, 2021 first (newest first)."""
    return [dict(t.data) for t in templates_in(folder).values()]


def dictionary(templates: list[dict[str, Any]], seen_fields: list[str]) -> list[Entry]:
    """Every canonical field of every template (first template's label wins), then fields only seen in data."""
    order: dict[str, tuple[str, str, list[str]]] = {}
    for tpl in templates:
        for fid, label, table in template_fields(tpl):
            if fid not in order:
                order[fid] = (label, table, [])
            order[fid][2].append(str(tpl.get("id")))
    out = [Entry(f, lab, tab, " ".join(ids)) for f, (lab, tab, ids) in order.items()]
    row_labels = {
        fid.split(".")[1]: lab.split(" — ")[0]
        for fid, (lab, _t, _i) in order.items()
        if fid.startswith("applications.")
    }
    out += [Entry(f, extra_label(f, row_labels), f.split(".", 1)[0], "") for f in sorted(set(seen_fields) - set(order))]
    return out


def extra_label(field: str, row_labels: dict[str, str]) -> str:
    """A label for a field outside the templates: an extra applications column gets its row and printed header."""
    if field.startswith("applications_extra_columns."):
        middle, _, row = field[len("applications_extra_columns.") :].rpartition(".")
        return f"{row_labels.get(row, row)} — （模板外的列）{middle}"
    return ""


class Sink(Protocol):
    """Somewhere rows of one table go."""

    def write(self, row: list[Any]) -> None: ...

    def close(self) -> None: ...


class CsvSink:
    """A UTF-8 CSV file with a BOM (so Excel reads the Chinese right), written via a temporary name."""

    def __init__(self, path: str, columns: list[str]) -> None:
        self.path, self.tmp = path, path + ".partial"
        self.file = open(self.tmp, "w", encoding="utf-8-sig", newline="")  # noqa: SIM115
        self.writer = csv.writer(self.file)
        self.writer.writerow(columns)

    def write(self, row: list[Any]) -> None:
        self.writer.writerow(["" if v is None else v for v in row])

    def close(self) -> None:
        self.file.close()
        os.replace(self.tmp, self.path)


class XlsxSheet:
    """One sheet of a write-only openpyxl workbook."""

    def __init__(self, sheet: Any, columns: list[str]) -> None:
        self.sheet = sheet
        self.rows = 1
        sheet.append(columns)

    def write(self, row: list[Any]) -> None:
        if self.rows >= XLSX_MAX_ROWS:
            raise OverflowError(f"sheet {self.sheet.title} has more than {XLSX_MAX_ROWS} rows")
        self.sheet.append([excel_safe(v) for v in row])
        self.rows += 1

    def close(self) -> None:
        pass


def excel_safe(v: Any) -> Any:
    """Text Excel will not read as a formula, and without control characters openpyxl refuses."""
    if isinstance(v, str):
        v = "".join(ch if ch in "\t\n" or ord(ch) >= 32 else f"\\x{ord(ch):02x}" for ch in v)
        if v[:1] in ("=", "+", "-", "@"):
            v = "'" + v
    return v


class ParquetSink:
    """A Parquet file written in row batches with a fixed Arrow schema."""

    def __init__(self, path: str, schema: Any) -> None:
        import pyarrow.parquet as pq

        self.path, self.tmp = path, path + ".partial"
        self.schema = schema
        self.writer = pq.ParquetWriter(self.tmp, schema)
        self.batch: list[list[Any]] = []

    def write(self, row: list[Any]) -> None:
        self.batch.append(row)
        if len(self.batch) >= PARQUET_BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        import pyarrow as pa

        if not self.batch:
            return
        cols = list(zip(*self.batch, strict=True))
        arrays = [pa.array([coerce(v, f.type) for v in c], type=f.type) for c, f in zip(cols, self.schema, strict=True)]
        self.writer.write_table(pa.Table.from_arrays(arrays, schema=self.schema))
        self.batch = []

    def close(self) -> None:
        self.flush()
        self.writer.close()
        os.replace(self.tmp, self.path)


def coerce(v: Any, arrow_type: Any) -> Any:
    """A value in the column's Arrow type: text as text, numbers as numbers, anything unreadable as null."""
    import pyarrow as pa

    if v is None:
        return None
    if pa.types.is_string(arrow_type):
        return str(v)
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return int(v) if pa.types.is_integer(arrow_type) and float(v).is_integer() else float(v)


def field_kinds(conn: sqlite3.Connection) -> dict[str, str]:
    """For each field in the data: "int", "float" or "text", from the stored values' types."""
    out: dict[str, str] = {}
    q = "SELECT field, max(typeof(value) = 'real'), max(typeof(value) = 'text') FROM \"values\" GROUP BY field"
    for field, has_real, has_text in conn.execute(q):
        out[field] = "text" if has_text else "float" if has_real else "int"
    return out


def reports_rows(conn: sqlite3.Connection, fields: list[str]) -> Iterator[list[Any]]:
    """The wide table, one list per file in path order (a merge of files and values, both sorted by path)."""
    pos = {f: i for i, f in enumerate(fields)}
    meta = ", ".join(META_COLUMNS)
    values = conn.execute('SELECT path, field, value FROM "values" ORDER BY path')
    pending = next(values, None)
    for frow in conn.cursor().execute(f"SELECT {meta} FROM files ORDER BY path"):
        path = frow[0]
        cells: list[Any] = [None] * len(fields)
        while pending is not None and pending[0] < path:
            pending = next(values, None)
        while pending is not None and pending[0] == path:
            cells[pos[pending[1]]] = pending[2]
            pending = next(values, None)
        failing = frow[list(META_COLUMNS).index("failing_checks")]
        row = list(frow)
        row[list(META_COLUMNS).index("failing_checks")] = " ".join(json.loads(failing)) if failing else None
        yield row + cells


def values_rows(conn: sqlite3.Connection, labels: dict[str, str]) -> Iterator[list[Any]]:
    """The long table."""
    q = 'SELECT path, sha256, field, value, raw, page, confidence FROM "values" ORDER BY path, field'
    for path, sha, field, value, raw, page, conf in conn.execute(q):
        yield [path, sha, field, labels.get(field, ""), value, raw, page, conf]


VALUES_COLUMNS = ["path", "sha256", "field", "label", "value", "raw", "page", "confidence"]
CHECKS_COLUMNS = ["path", "agency", "year", "rule", "message"]
DICT_COLUMNS = ["field", "label", "table", "templates"]


def checks_rows(conn: sqlite3.Connection) -> Iterator[list[Any]]:
    """Every failing check with its report's agency and year."""
    q = (
        "SELECT c.path, f.agency, f.year, c.rule, c.message FROM checks c LEFT JOIN files f ON f.path = c.path "
        "WHERE c.ok = 0 ORDER BY c.path, c.rule"
    )
    yield from (list(r) for r in conn.execute(q))


def arrow_schema(columns: list[str], kinds: dict[str, str], labels: dict[str, str] | None = None) -> Any:
    """An Arrow schema: int64/float64/string per column kind, with labels as field metadata."""
    import pyarrow as pa

    types = {"int": pa.int64(), "float": pa.float64(), "text": pa.string()}
    out = []
    for c in columns:
        meta = {"label": labels[c]} if labels and labels.get(c) else None
        out.append(pa.field(c, types[kinds.get(c, "text")], metadata=meta))
    return pa.schema(out)


def meta_kinds() -> dict[str, str]:
    """Column kinds of the file facts."""
    return {c: "int" if c in ("year", "pages") else "text" for c in META_COLUMNS}


def export(out_dir: str, fmt: str) -> int:
    """Write the four tables of out_dir's index into out_dir/export/ in the format; 0 on success."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, not {fmt!r}")
    db = os.path.join(out_dir, INDEX_NAME)
    if not os.path.isfile(db):
        print(f"error: {out_dir}: no {INDEX_NAME} (run `cli.py batch` first)", file=sys.stderr)
        return 1
    connect(db).close()  # creates missing tables in an index from an older version; read-only below
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        written = write_all(conn, os.path.join(out_dir, EXPORT_DIR), fmt)
    finally:
        conn.close()
    for path in written:
        print(path)
    return 0


def write_all(conn: sqlite3.Connection, dest: str, fmt: str) -> list[str]:
    """Write every table in one format; return the files written."""
    os.makedirs(dest, exist_ok=True)
    kinds = field_kinds(conn)
    entries = dictionary(load_templates(), list(kinds))
    fields = [e.field for e in entries]
    labels = {e.field: e.label for e in entries} | META_COLUMNS
    report_cols = list(META_COLUMNS) + fields
    report_kinds = meta_kinds() | {f: kinds.get(f, "int") for f in fields}
    dict_rows = [[e.field, e.label, e.table, e.templates] for e in [*meta_entries(), *entries]]
    tables: list[tuple[str, list[str], Callable[[], Iterator[list[Any]]], dict[str, str]]] = [
        ("reports", report_cols, lambda: reports_rows(conn, fields), report_kinds),
        ("dictionary", DICT_COLUMNS, lambda: iter(dict_rows), {}),
        ("values", VALUES_COLUMNS, lambda: values_rows(conn, labels), values_kinds()),
        ("failing_checks", CHECKS_COLUMNS, lambda: checks_rows(conn), {"year": "int"}),
    ]
    if fmt == "xlsx":
        n_values = int(conn.execute('SELECT count(*) FROM "values"').fetchone()[0])
        sheets = [(n, c, rows) for n, c, rows, _k in tables]
        extra: list[str] = []
        if n_values >= XLSX_MAX_ROWS:  # the long table does not fit a sheet: it goes to CSV beside the workbook
            sheets = [t for t in sheets if t[0] != "values"]
            extra.append(write_csv(os.path.join(dest, "values.csv"), VALUES_COLUMNS, values_rows(conn, labels)))
            print(
                f"warning: {n_values} values are more than an Excel sheet holds; written to values.csv", file=sys.stderr
            )
        return [write_xlsx(os.path.join(dest, "reports.xlsx"), sheets), *extra]
    written = []
    for name, cols, rows, ks in tables:
        path = os.path.join(dest, f"{name}.{fmt}")
        sink: Sink = CsvSink(path, cols) if fmt == "csv" else ParquetSink(path, arrow_schema(cols, ks, labels))
        written.append(drain(rows(), sink, path))
    return written


def drain(rows: Iterator[list[Any]], sink: Sink, path: str) -> str:
    """Write every row into the sink and close it; return its path."""
    for row in rows:
        sink.write(row)
    sink.close()
    return path


def write_csv(path: str, columns: list[str], rows: Iterator[list[Any]]) -> str:
    """One table as a CSV file."""
    return drain(rows, CsvSink(path, columns), path)


def meta_entries() -> list[Entry]:
    """Dictionary lines for the file-fact columns."""
    return [Entry(c, label, "file", "") for c, label in META_COLUMNS.items()]


def values_kinds() -> dict[str, str]:
    """Column kinds of the long table."""
    return {"value": "float", "page": "int", "confidence": "float"}


def write_xlsx(path: str, tables: list[tuple[str, list[str], Callable[[], Iterator[list[Any]]]]]) -> str:
    """One workbook, a sheet per table in the given order (reports, then dictionary, ...)."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    for name, cols, rows in tables:
        sheet = XlsxSheet(wb.create_sheet(title=name), cols)
        for row in rows():
            sheet.write(row)
    tmp = path + ".partial"
    wb.save(tmp)
    os.replace(tmp, path)
    return path
