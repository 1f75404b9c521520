"""Command line over the pipeline: convert, show, overlay, batch, export, audit, query, correct, corrections,
review.

Exit status: 0 when every input converted, 1 when any input could not be (one line per failure on
stderr, the others still written), 2 for a usage error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from typing import Any, cast

from ingest.errors import ReportError, printable_path
from ingest.options import OCR_ENGINES, OCR_MODES, PDF_ENGINES, Options


def _draws(args: argparse.Namespace) -> bool:
    """Whether overlay PNGs or HTML review pages are asked for (the PDF adapter then keeps its page renders)."""
    asked = getattr(args, "overlay", None) or getattr(args, "html", None) or getattr(args, "command", None) == "overlay"
    return bool(asked)


def _options(args: argparse.Namespace) -> Options:
    return Options(
        ocr=args.ocr,
        ocr_engine=args.ocr_engine,
        pdf_engine=args.pdf_engine,
        timeout_s=args.timeout,
        max_file_bytes=args.max_file_mb * 1024 * 1024,
        max_pages=args.max_pages,
        page_images=_draws(args),
    ).validated()


def output_name(path: str) -> str:
    """`a.scan.pdf` -> `a.scan.json`: the input's base name without its last suffix."""
    from pipeline import output_stem

    return output_stem(path) + ".json"


def unique_output_name(path: str, taken: set[str]) -> str:
    """output_name(path), or on a clash within one call (a.pdf and a.docx) the full name: a.docx.json."""
    from batch.discover import unique_json_rel

    name = unique_json_rel(os.path.basename(path), taken)
    taken.add(name)
    return name


def _fail(path: str, err: BaseException) -> None:
    if isinstance(err, ReportError):
        print(err.line(path), file=sys.stderr)
    else:
        msg = str(err).splitlines()[0] if str(err) else type(err).__name__
        print(ReportError("unreadable", f"internal error: {type(err).__name__}: {msg}").line(path), file=sys.stderr)


def _draw(
    path: str,
    doc: Any,
    report: dict[str, Any] | None,
    error: str | None,
    args: argparse.Namespace,
    out: str | None,
    name: str,
) -> None:
    """Overlays for one document, named as its JSON (`name`); a failure here is a warning, never a lost conversion."""
    try:
        from overlay import write_overlays

        write_overlays(path, doc, report, overlay_dir=out, html_dir=args.html, error=error, name=name[: -len(".json")])
    except Exception as e:
        print(f"warning: {printable_path(path)}: overlay failed: {type(e).__name__}: {e}", file=sys.stderr)


# (the Documents, one result per report the file holds, or the error that stopped the file)
Outcome = tuple[Any, "list[dict[str, Any] | ReportError] | None", "BaseException | None"]


class _InProcess:
    """Converts in this process (--no-isolate): no time or memory limit, but no start-up either."""

    def convert(self, path: str, opts: Options) -> Outcome:
        from pipeline import convert_partial_parts

        try:
            docs, results = convert_partial_parts(path, opts)
        except Exception as e:
            return None, None, e
        return docs, results, None

    def close(self) -> None:
        pass


class _Isolated:
    """Converts in a reused child process with the per-file time limit and a memory limit."""

    def __init__(self, max_memory_mb: int) -> None:
        from runner import IsolatedRunner

        self.runner = IsolatedRunner(
            max_memory_bytes=max_memory_mb * 1024 * 1024, target="pipeline:convert_partial_parts"
        )

    def convert(self, path: str, opts: Options) -> Outcome:
        docs, results, err = self.runner.convert_document(path, opts, timeout_s=opts.timeout_s)
        return docs, cast("list[dict[str, Any] | ReportError] | None", results), err  # the target's (docs, results)

    def close(self) -> None:
        self.runner.close()


def _engine(args: argparse.Namespace) -> _InProcess | _Isolated:
    return _Isolated(args.max_memory_mb) if args.isolate else _InProcess()


def part_output_name(path: str, taken: set[str], index: int, count: int) -> str:
    """unique_output_name(path) for a file of one report; `<name>.<index>.json` for a report of a bound volume."""
    if count == 1:
        return unique_output_name(path, taken)
    from pipeline import output_stem

    name = unique_output_name(f"{output_stem(path)}.{index}.part", taken)
    return name


def _outcomes(engine: _InProcess | _Isolated, inputs: list[str], opts: Options, taken: set[str]) -> Any:
    """(path, doc, result, error, JSON name) for every report of every input (a bound volume gives several)."""
    for path in inputs:
        docs, results, err = engine.convert(path, opts)
        if err is not None or not results:
            yield path, None, None, err, ""
            continue
        for n, (doc, result) in enumerate(zip(docs, results, strict=True), start=1):
            yield path, doc, result, None, part_output_name(path, taken, n, len(results))


def _convert_all(args: argparse.Namespace, json_dir: str | None, overlay_dir: str | None) -> int:
    """Convert every input (writing JSON into json_dir when given); 1 if any could not be converted."""
    from normalize.serialize import report_bytes

    opts = _options(args)
    taken: set[str] = set()
    failed = 0
    engine = _engine(args)
    try:
        for path, doc, result, err, name in _outcomes(engine, args.inputs, opts, taken):
            if err is not None or result is None:
                _fail(path, err or ReportError("unreadable", "no result"))
                failed += 1
                continue
            if isinstance(result, ReportError):
                _fail(path, result)
                failed += 1
                if overlay_dir or args.html:
                    _draw(path, doc, None, result.line(path), args, overlay_dir, name)
                continue
            if json_dir is not None:
                out = os.path.join(json_dir, name)
                result = _corrected(result, json_dir, out)
                try:
                    with open(out, "wb") as f:
                        f.write(report_bytes(result))
                except OSError as e:
                    _fail(path, ReportError("unreadable", f"cannot write {name!r}: {e.strerror or e}"))
                    failed += 1
                    continue
            if overlay_dir or args.html:
                _draw(path, doc, result, None, args, overlay_dir, name)
    finally:
        engine.close()
    return 1 if failed else 0


def _corrected(report: dict[str, Any], out_dir: str, out: str) -> dict[str, Any]:
    """The report with the corrections stored in its output folder applied; a stale one said on stderr."""
    from corrections import apply_stored

    name = os.path.relpath(out, out_dir).replace(os.sep, "/")
    fixed = apply_stored(report, out_dir, name)
    for w in fixed.get("warnings") or []:
        if w.startswith("corrections: "):
            print(f"warning: {w}", file=sys.stderr)
    return fixed


def cmd_convert(args: argparse.Namespace) -> int:
    os.makedirs(args.output, exist_ok=True)
    return _convert_all(args, args.output, args.overlay)


def _fmt(v: Any) -> str:
    return "·" if v is None else str(v)


def _width(s: str) -> int:
    """Terminal columns a string takes (CJK characters take two)."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _pad(s: str, width: int, right: bool = False) -> str:
    """s padded with spaces to width terminal columns (on the left when right-aligned)."""
    fill = " " * max(0, width - _width(s))
    return fill + s if right else s + fill


def _field_rows(section: str, rows: dict[str, Any], width: int, name: Callable[[str], str]) -> list[str]:
    """A section's rows as `label  field=value  field=value` lines (sections 二 and 四)."""
    return [
        "  "
        + _pad(name(f"{section}.{row}"), width)
        + "  ".join(f"{name(f'{section}.*.{k}')}={_fmt(v)}" for k, v in vals.items())
        for row, vals in rows.items()
    ]


def render(report: dict[str, Any], ids: bool = False) -> str:
    """The three tables and the failing checks as plain text for a terminal, with the template's printed
    labels (the field ids with ids=True)."""
    from normalize.template import labels

    lab = labels(report.get("template") or "2021")

    def name(key: str) -> str:
        return key.rsplit(".", 1)[-1] if ids else lab.get(key, key.rsplit(".", 1)[-1])

    lines: list[str] = []
    r = report.get("report", {})
    lines.append(f"{r.get('agency') or '?'}  {r.get('year') or '?'}  published {r.get('published') or '?'}")
    lines.append(f"template {report.get('template')}  source {report['source']['file']} ({report['source']['format']})")
    t = report.get("tables", {})
    ad = t.get("active_disclosure") or {}
    lines.append("\n二 active_disclosure" if ids else "\n二、主动公开政府信息情况")
    lines += _field_rows("active_disclosure", ad, 28, name)
    ap = t.get("applications") or {}
    if ap:
        cols = list(next(iter(ap.values())).keys())
        width = 34 if ids else 46
        lines.append("\n三 applications" if ids else "\n三、收到和处理政府信息公开申请情况")
        lines.append(" " * (width + 2) + "".join(_pad(name(f"applications.*.{c}")[:9], 13, True) for c in cols))
        for row, vals in ap.items():
            label = name(f"applications.{row}")
            label = label if _width(label) <= width else label[: width // 2 - 1] + "…"
            lines.append("  " + _pad(label, width) + "".join(_pad(_fmt(vals.get(c)), 13, True) for c in cols))
    for key in ("applications_group_totals", "applications_extra_columns"):
        if t.get(key):
            lines.append(f"  {key}: {json.dumps(t[key], ensure_ascii=False)}")
    rl = t.get("review_litigation") or {}
    if rl:
        lines.append("\n四 review_litigation" if ids else "\n四、政府信息公开行政复议、行政诉讼情况")
        lines += _field_rows("review_litigation", rl, 26, name)
    bad = [c for c in report.get("checks", []) if not c["ok"]]
    lines.append(f"\nchecks: {len(report.get('checks', [])) - len(bad)} ok, {len(bad)} failing")
    for c in bad:
        lines.append(f"  FAIL {c['rule']}: {c['message']}")
    manual = [c for c in report.get("cells") or [] if c.get("source") == "manual"]
    for c in manual:
        lines.append(f"  corrected by a person: {c['field']} = {_fmt(c['value'])} (read {c.get('raw')!r})")
    for w in report.get("warnings", []):
        lines.append(f"  warning: {w}")
    return "\n".join(lines)


def cmd_show(args: argparse.Namespace) -> int:
    from pipeline import convert

    status = 0
    for path in args.inputs:
        try:
            if path.endswith(".json"):
                with open(path, encoding="utf-8") as f:
                    report = json.load(f)
            else:
                report = convert(path, _options(args))
        except Exception as e:
            _fail(path, e)
            status = 1
            continue
        print(render(report, ids=args.ids))
    return status


def cmd_overlay(args: argparse.Namespace) -> int:
    return _convert_all(args, None, args.output)


def cmd_batch(args: argparse.Namespace) -> int:
    from batch.run import run_batch

    status = run_batch(
        args.input_dir,
        args.output,
        workers=args.workers,
        scheduler=args.scheduler,
        timeout=args.timeout,
        options=_options(args),
        progress=not args.quiet,
    )
    if args.audit:
        from audit.load import BATCH_AUDIT_DIR
        from audit.run import run_audit, summary_line

        a = os.path.join(args.output, BATCH_AUDIT_DIR)
        doc = run_audit(
            [args.output],
            os.path.join(a, "findings.json"),
            os.path.join(a, "dashboard.html"),
            os.path.join(a, "dataset"),
        )
        print(summary_line(doc), file=sys.stderr)
    return status


def cmd_audit(args: argparse.Namespace) -> int:
    from audit.run import run_audit, summary_line

    dataset = args.dataset or os.path.join(os.path.dirname(os.path.abspath(args.output)), "dataset")
    try:
        doc = run_audit(args.dirs, args.output, args.html, None if args.no_dataset else dataset)
    except OSError as e:
        print(f"error: {e.filename or args.output}: unreadable: {e.strerror or e}", file=sys.stderr)
        return 1
    print(summary_line(doc), file=sys.stderr)
    return 0


def cmd_query(args: argparse.Namespace) -> int:
    import duckdb

    from audit.dataset import query

    try:
        cols, rows = query(args.out, args.sql)
    except duckdb.Error as e:
        print(f"error: query: {str(e).splitlines()[0]}", file=sys.stderr)
        return 1
    print("\t".join(cols))
    for r in rows:
        print("\t".join("" if v is None else str(v) for v in r))
    return 0


def cmd_correct(args: argparse.Namespace) -> int:
    """Record a person's value for one field of a report and rewrite the report (and its folder's index)."""
    from corrections import decide
    from corrections.folder import output_folder

    out_dir = output_folder(args.report)
    try:
        report = decide(
            out_dir, os.path.relpath(os.path.abspath(args.report), out_dir), args.field, "correct", args.value
        )
    except (OSError, ValueError) as e:
        print(f"error: {printable_path(args.report)}: invalid: {e}", file=sys.stderr)
        return 1
    cell = next(c for c in report["cells"] if c["field"] == args.field)
    bad = [c["rule"] for c in report["checks"] if not c["ok"]]
    print(f"{args.field} = {_fmt(cell['value'])} (was {_fmt(cell['replaced']['value'])}, read {cell['raw']!r})")
    print(f"checks: {len(report['checks']) - len(bad)} ok, {len(bad)} failing" + (f": {' '.join(bad)}" if bad else ""))
    return 0


def cmd_corrections(args: argparse.Namespace) -> int:
    """List, export or import the corrections stored in an output folder."""
    from corrections import sync_folder
    from corrections.store import connect, export_json, load, parse_export, record

    if args.import_file:
        try:
            with open(args.import_file, encoding="utf-8") as f:
                items = parse_export(json.load(f))
        except (OSError, ValueError) as e:
            print(f"error: {printable_path(args.import_file)}: invalid: {e}", file=sys.stderr)
            return 1
        conn = connect(args.out_dir)
        try:
            n = record(conn, items)
        finally:
            conn.close()
        for w in sync_folder(args.out_dir):
            print(f"warning: {w}", file=sys.stderr)
        print(f"{n} corrections imported into {args.out_dir}")
        return 0
    if args.export_file:
        with open(args.export_file, "w", encoding="utf-8") as f:
            json.dump(export_json(args.out_dir), f, ensure_ascii=False, indent=2)
        print(f"{len(load(args.out_dir))} corrections written to {args.export_file}")
        return 0
    for c in load(args.out_dir):
        print(f"{c.sha256[:12]}  {c.name or '?'}  {c.field}  {c.action}  {_fmt(c.value)}  {c.at}")
    for w in sync_folder(args.out_dir):
        print(f"warning: {w}", file=sys.stderr)
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    """Serve the review app over an output folder until interrupted."""
    from review.app import serve

    return serve(args.out_dir, host=args.host, port=args.port, open_source=args.source)


def cmd_export(args: argparse.Namespace) -> int:
    from batch.export import export

    return export(args.out_dir, args.format)


def _add_read_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--ocr", choices=OCR_MODES, default="auto", help="OCR pages/cells without a usable text layer")
    p.add_argument("--ocr-engine", choices=OCR_ENGINES, default=Options.ocr_engine)
    p.add_argument("--pdf-engine", choices=PDF_ENGINES, default=Options.pdf_engine)
    p.add_argument("--timeout", type=float, default=Options.timeout_s, help="seconds per file")
    p.add_argument("--max-file-mb", type=int, default=Options.max_file_bytes // (1024 * 1024))
    p.add_argument("--max-pages", type=int, default=Options.max_pages)
    p.add_argument(
        "--isolate",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="convert each file in a child process with the time limit and a memory limit (default: on)",
    )
    p.add_argument("--max-memory-mb", type=int, default=3072, help="memory limit of the converting process")


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="cli.py", description="Annual government-information-disclosure reports to JSON.")
    sub = ap.add_subparsers(dest="command", required=True)

    p = sub.add_parser("convert", help="convert files to canonical JSON")
    p.add_argument("inputs", nargs="+")
    p.add_argument("-o", "--output", required=True, help="output directory")
    p.add_argument("--overlay", metavar="DIR", help="write debug overlay PNGs here")
    p.add_argument("--html", metavar="DIR", help="write a self-contained HTML review page per document here")
    _add_read_options(p)
    p.set_defaults(func=cmd_convert)

    p = sub.add_parser("show", help="print the tables and failing checks of a file (or its JSON)")
    p.add_argument("inputs", nargs="+")
    p.add_argument("--ids", action="store_true", help="field ids instead of the template's printed labels")
    _add_read_options(p)
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("overlay", help="draw what the toolkit saw on each table page")
    p.add_argument("inputs", nargs="+")
    p.add_argument("-o", "--output", required=True)
    p.add_argument("--html", metavar="DIR")
    _add_read_options(p)
    p.set_defaults(func=cmd_overlay)

    p = sub.add_parser("batch", help="convert a whole folder, resumable and parallel (Dask)")
    p.add_argument("input_dir")
    p.add_argument("-o", "--output", required=True)
    p.add_argument("--workers", type=int, default=None, help="worker processes (default: every core)")
    p.add_argument("--scheduler", default=None, help="address of an existing Dask scheduler")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--no-audit", dest="audit", action="store_false", help="skip the audit (OUT/_audit/) at the end")
    _add_read_options(p)
    p.set_defaults(func=cmd_batch)

    p = sub.add_parser("correct", help="record a person's value for one field of a report JSON")
    p.add_argument("report", metavar="REPORT.json")
    p.add_argument("field", metavar="FIELD", help="a field id, e.g. applications.granted.total")
    p.add_argument("value", metavar="VALUE", help="a number, or null for a blank cell")
    p.set_defaults(func=cmd_correct)

    p = sub.add_parser("corrections", help="list, export or import the corrections of an output folder")
    p.add_argument("out_dir")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--export", dest="export_file", metavar="FILE", help="write them as JSON to FILE")
    g.add_argument("--import", dest="import_file", metavar="FILE", help="add those of an exported FILE")
    p.set_defaults(func=cmd_corrections)

    p = sub.add_parser("review", help="a local web app to review and correct the doubtful cells of an output folder")
    p.add_argument("out_dir")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: loopback only)")
    p.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    p.add_argument("--source", metavar="DIR", help="folder of the original files, for cell crops (batch: found)")
    p.set_defaults(func=cmd_review)

    p = sub.add_parser("export", help="export a batch output folder as tables")
    p.add_argument("out_dir")
    p.add_argument("--format", choices=("csv", "xlsx", "parquet"), default="csv")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("audit", help="audit the reports of convert/batch output folders across reports")
    p.add_argument("dirs", nargs="+", metavar="DIR")
    p.add_argument("-o", "--output", required=True, metavar="FINDINGS.json")
    p.add_argument("--html", metavar="FILE", help="write the dashboard here")
    p.add_argument("--dataset", metavar="DIR", help="Parquet dataset folder (default: dataset/ beside FINDINGS.json)")
    p.add_argument("--no-dataset", action="store_true", help="write no Parquet dataset")
    p.set_defaults(func=cmd_audit)

    p = sub.add_parser("query", help="run SQL (DuckDB) over an audit's dataset")
    p.add_argument("out", metavar="OUT", help="the dataset folder, or a folder holding dataset/ or audit/dataset/")
    p.add_argument("sql", metavar="SQL")
    p.set_defaults(func=cmd_query)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        status: int = args.func(args)
    except ValueError as e:  # an option out of range
        print(f"error: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader went away (`cli.py show x | head`): nothing more to say
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # no second error when Python flushes stdout at exit
        return 141
    return status


if __name__ == "__main__":
    sys.exit(main())
