"""Benchmark of the born-digital PDF path on generated reports (run by hand, prints a table).

Engines, all on the same PDFs in one run, one core:
- ``ours/pdfium``: the full pipeline, chars and ruling lines read by PDFium (the default engine);
- ``ours/pdfplumber``: the same pipeline and grid code, chars and lines read by pdfplumber (pdfminer);
- ``ours/camelot``: the same pipeline with camelot's lattice grids (``--pdf-engine camelot``);
- ``raw camelot``: camelot lattice's own tables and text, no span recovery, then layout + normalize;
- ``raw pdfplumber``: ``page.extract_tables()`` (lines strategy), covered cells dropped, then layout + normalize.
Field accuracy counts the expected table values (and report metadata) that came out right.
Speed is pages per CPU second of this process (``time.process_time``), so a loaded machine does not
skew it; pin the run to one core:

    taskset -c 0 python -m bench.bench_pdf [--count 20] [--seed 3] [--pdf-dir DIR] [--skip-camelot]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import layout
import normalize
import pipeline
from ingest.errors import ReportError
from ingest.grid import Cell, Document, PageInfo, Paragraph, Table
from ingest.options import Options
from samples.scoring import table_fields, table_mismatches

ROOT = Path(__file__).resolve().parent.parent

Engine = Callable[[Path], dict[str, Any]]


def n_fields(expected: dict[str, Any]) -> int:
    """How many values table_mismatches compares for this expected report."""
    n = table_fields(expected)
    n += sum(1 for k in ("applications_group_totals", "applications_extra_columns") if k in expected["tables"])
    return n + len(expected.get("report") or {}) + ("template" in expected)


def normalised(doc: Document, path: Path) -> dict[str, Any]:
    """A raw engine's Document through the project's layout repairs and normaliser."""
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    return normalize.build(layout.repair(doc), sha256=sha)


def paragraphs_of(pdf: Any) -> list[Paragraph]:
    """Plain text lines of every page (for metadata), without geometry."""
    out = []
    for i, page in enumerate(pdf.pages, start=1):
        for line in (page.extract_text() or "").splitlines():
            if line.strip():
                out.append(Paragraph(line, i))
    return out


def raw_pdfplumber(path: Path) -> dict[str, Any]:
    """pdfplumber's own extract_tables: one cell per non-None entry, no spans."""
    import pdfplumber

    blocks: list[Any] = []
    pages = []
    with pdfplumber.open(str(path)) as pdf:
        for i, page in enumerate(pdf.pages, start=1):
            pages.append(PageInfo(i, float(page.width), float(page.height)))
            for rows in page.extract_tables():
                cells = [
                    Cell(v or "", r, c, page=i)
                    for r, row in enumerate(rows)
                    for c, v in enumerate(row)
                    if v is not None
                ]
                blocks.append(Table(cells, page=i))
        blocks = paragraphs_of(pdf) + blocks  # text first: the raw engines keep no reading order
    return normalised(Document(str(path), "pdf", blocks, pages), path)


def raw_camelot(path: Path) -> dict[str, Any]:
    """camelot lattice's own tables and text: one cell per grid position, no spans."""
    import camelot
    import pdfplumber

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tables = camelot.read_pdf(str(path), pages="all", flavor="lattice", suppress_stdout=True)
    blocks: list[Any] = []
    with pdfplumber.open(str(path)) as pdf:
        blocks += paragraphs_of(pdf)
    for t in tables:
        rows = t.df.values.tolist()
        cells = [Cell(str(v), r, c, page=int(t.page)) for r, row in enumerate(rows) for c, v in enumerate(row)]
        blocks.append(Table(cells, page=int(t.page)))
    return normalised(Document(str(path), "pdf", blocks), path)


def ours(engine: str) -> Engine:
    """The full pipeline with the given grid engine."""
    return lambda path: pipeline.convert(str(path), Options(pdf_engine=engine))


def run(
    name: str, engine: Engine, items: list[tuple[Path, dict[str, Any]]], pages: int
) -> tuple[str, float, float, int]:
    """Time an engine over all items; returns (name, pages per CPU second, field accuracy, failures)."""
    right = total = failed = 0
    start = time.process_time()
    for pdf, expected in items:
        total += n_fields(expected)
        try:
            report = engine(pdf)
        except ReportError:
            failed += 1
            continue
        right += n_fields(expected) - len(table_mismatches(report, expected))
    elapsed = time.process_time() - start
    return name, pages / elapsed, right / max(total, 1), failed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    ap.add_argument("--count", type=int, default=20)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--pdf-dir", help="use the PDFs (with NAME.expected.json) already in this directory")
    ap.add_argument("--skip-camelot", action="store_true", help="leave out the two (slow) camelot engines")
    args = ap.parse_args(argv)
    import pdfplumber

    with tempfile.TemporaryDirectory(prefix="bench_pdf_") as tmp:
        if args.pdf_dir:
            pdfs = sorted(Path(args.pdf_dir).glob("*.pdf"))
        else:
            from samples.make_pdf import generate_pdfs

            pdfs = [p for p, _ in generate_pdfs(tmp, args.count, args.seed, errors=args.count // 5, template="mixed")]
        items = [
            (p, json.loads(p.with_suffix("").with_suffix(".expected.json").read_text(encoding="utf-8"))) for p in pdfs
        ]
        pages = 0
        for p in pdfs:
            with pdfplumber.open(str(p)) as pdf:
                pages += len(pdf.pages)
        pipeline.convert(str(pdfs[0]))  # warm imports out of the timings
        engines: list[tuple[str, Engine]] = [("ours/pdfium", ours("pdfium")), ("ours/pdfplumber", ours("pdfplumber"))]
        if not args.skip_camelot:
            engines += [("ours/camelot", ours("camelot")), ("raw camelot lattice", raw_camelot)]
        engines.append(("raw pdfplumber tables", raw_pdfplumber))
        rows = [run(name, engine, items, pages) for name, engine in engines]
    print(f"{len(items)} PDFs, {pages} pages, one process, pages per CPU second")
    print(f"{'engine':<24}{'pages/s':>10}{'field acc.':>12}{'errors':>8}")
    for name, pps, acc, failed in rows:
        print(f"{name:<24}{pps:>10.1f}{acc:>11.1%}{failed:>8}")
    speed = {name: pps for name, pps, _, _ in rows}
    for other in ("ours/pdfplumber", "raw camelot lattice"):
        if other in speed:
            print(f"ours/pdfium is {speed['ours/pdfium'] / speed[other]:.1f}x the speed of {other}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
