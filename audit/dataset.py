"""The archive as tidy Parquet tables (one per canonical table, one of reports, one of findings),
queryable with DuckDB (`cli.py query DIR "SQL"`)."""

from __future__ import annotations

import os
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from audit.load import BATCH_AUDIT_DIR
from audit.rules import Entry

TABLES = ("active_disclosure", "applications", "review_litigation", "applications_group_totals")
# Columns every row of a report carries: which report, whose, which year.
_REPORT_COLUMNS = [
    ("report", pa.string()),
    ("agency", pa.string()),
    ("series_key", pa.string()),
    ("agency_level", pa.string()),
    ("region", pa.string()),
    ("year", pa.int32()),
]
_VALUE_COLUMNS = _REPORT_COLUMNS + [
    ("field", pa.string()),
    ("row", pa.string()),
    ("column", pa.string()),
    ("value", pa.float64()),
    ("confidence", pa.float64()),
    ("source", pa.string()),
]


def add_values(e: Entry, out: dict[str, dict[str, list[Any]]]) -> None:
    """Append to each canonical table's columns one row per field of the report (its value, the cell's
    confidence and source)."""
    cells = {c.get("field"): c for c in e.data.get("cells") or [] if isinstance(c, dict)}
    meta = e.data.get("report") or {}
    same = {
        "report": e.name,
        "agency": meta.get("agency"),
        "series_key": e.identity.key,
        "agency_level": e.identity.level,
        "region": e.identity.region,
        "year": e.year,
    }
    for fid, v in e.values.items():
        table, _, rest = fid.partition(".")
        cols = out.get(table)
        if cols is None:
            continue
        row, _, col = rest.partition(".")
        c = cells.get(fid) or {}
        conf = c.get("confidence")
        cols["field"].append(fid)
        cols["row"].append(row)
        cols["column"].append(col)
        cols["value"].append(float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None)
        cols["confidence"].append(float(conf) if isinstance(conf, int | float) else None)
        cols["source"].append(c.get("source") or ("document" if c else None))
    for cols in out.values():
        n = len(cols["field"]) - len(cols["report"])
        for name, x in same.items():
            cols[name].extend([x] * n)


def _table(rows: list[tuple[Any, ...]], columns: list[tuple[str, pa.DataType]]) -> pa.Table:
    """A pyarrow table from row tuples."""
    cols: list[Any] = list(zip(*rows, strict=True)) if rows else [() for _ in columns]
    return pa.table({name: pa.array(list(col), type=t) for (name, t), col in zip(columns, cols, strict=True)})


def report_rows(entries: list[Entry]) -> pa.Table:
    """One row per report: name, identity, year, template, source."""
    cols = _REPORT_COLUMNS + [
        ("template", pa.string()),
        ("format", pa.string()),
        ("sha256", pa.string()),
        ("failing_checks", pa.int32()),
    ]
    rows = []
    for e in entries:
        src = e.data.get("source") or {}
        failing = sum(1 for c in e.data.get("checks") or [] if not c.get("ok"))
        meta = e.data.get("report") or {}
        rows.append(
            (
                e.name,
                meta.get("agency"),
                e.identity.key,
                e.identity.level,
                e.identity.region,
                e.year,
                e.data.get("template"),
                src.get("format"),
                src.get("sha256"),
                failing,
            )
        )
    return _table(rows, cols)


def finding_rows(findings: list[dict[str, Any]]) -> pa.Table:
    """One row per finding: rule, its family (the part before the field), severity, reports, quote."""
    cols = [
        ("rule", pa.string()),
        ("family", pa.string()),
        ("severity", pa.string()),
        ("report", pa.string()),
        ("reports", pa.list_(pa.string())),
        ("fields", pa.list_(pa.string())),
        ("message", pa.string()),
        ("quote", pa.string()),
        ("page", pa.int32()),
    ]
    rows = []
    for f in findings:
        ev = f["evidence"][0] if f["evidence"] else {}
        rows.append(
            (
                f["rule"],
                f["rule"].split(".")[0],
                f["severity"],
                f["reports"][0] if f["reports"] else None,
                f["reports"],
                f["fields"],
                f["message"],
                ev.get("quote"),
                ev.get("page"),
            )
        )
    return _table(rows, cols)


def write_dataset(entries: list[Entry], findings: list[dict[str, Any]], out_dir: str) -> list[str]:
    """Write <table>.parquet for each canonical table, reports.parquet and findings.parquet; the paths."""
    os.makedirs(out_dir, exist_ok=True)
    per: dict[str, dict[str, list[Any]]] = {t: {name: [] for name, _ in _VALUE_COLUMNS} for t in TABLES}
    for e in entries:
        add_values(e, per)
    written: list[str] = []
    tables = {t: pa.table({n: pa.array(cols[n], type=ty) for n, ty in _VALUE_COLUMNS}) for t, cols in per.items()}
    tables["reports"] = report_rows(entries)
    tables["findings"] = finding_rows(findings)
    for name, table in tables.items():
        path = os.path.join(out_dir, f"{name}.parquet")
        pq.write_table(table, path)
        written.append(path)
    return written


def dataset_dir(path: str) -> str:
    """The dataset folder: path itself, or its `dataset` or `audit/dataset` sub-folder."""
    for cand in (path, os.path.join(path, "dataset"), os.path.join(path, BATCH_AUDIT_DIR, "dataset")):
        if os.path.isfile(os.path.join(cand, "findings.parquet")):
            return cand
    raise ValueError(f"no audit dataset (findings.parquet) in {path}")


def query(path: str, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run SQL over the dataset with DuckDB, each Parquet file a view of its name; columns and rows."""
    import duckdb

    d = dataset_dir(path)
    con = duckdb.connect()
    for f in sorted(os.listdir(d)):
        if f.endswith(".parquet"):
            name = f[: -len(".parquet")]
            src = os.path.join(d, f).replace("'", "''")
            con.execute(f"CREATE VIEW \"{name}\" AS SELECT * FROM read_parquet('{src}')")
    rel = con.execute(sql)
    cols = [c[0] for c in rel.description or []]
    return cols, rel.fetchall()
