"""Accuracy on text dumps that other tools make of report PDFs: `pdftotext -layout` and pdfplumber's
`extract_text`.

Run by hand from the repository root::

    .venv/bin/python -m bench.text_dumps [--count 30] [--seed 77] [--inputs DIR]

The PDFs are the real WPS report (../shared/real/hongze_2024.pdf), the committed samples/pdf/pdf20*.pdf
and `--count` reports from samples/make_pdf.py (LibreOffice; `--inputs` keeps them for the next run).
Each is dumped by both tools, the dump converted as a text file, and compared with the PDF's truth.
Prints per tool: documents, exactly right, wrong fields (of all compared), and silent errors: wrong values
the report does not own up to (samples/scoring.py `silent_errors`: no low confidence, failing check or
warning on them).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from ingest.errors import ReportError
from pipeline import convert
from samples.scoring import SHARED, silent_errors, table_fields, table_mismatches

ROOT = Path(__file__).resolve().parent.parent


def pdftotext_layout(pdf: Path, out: Path) -> None:
    """The dump `pdftotext -layout` writes (poppler-utils)."""
    subprocess.run(["pdftotext", "-layout", str(pdf), str(out)], check=True)


def plumber_text(pdf: Path, out: Path) -> None:
    """pdfplumber's `extract_text` of every page, one after the other."""
    import pdfplumber

    with pdfplumber.open(pdf) as doc:
        out.write_text("\n".join(page.extract_text() or "" for page in doc.pages), encoding="utf-8")


TOOLS = {"pdftotext -layout": pdftotext_layout, "pdfplumber extract_text": plumber_text}


def corpus(count: int, seed: int, inputs: Path) -> list[tuple[Path, Path]]:
    """(PDF, expected JSON) pairs: the real report, the committed LibreOffice samples, `count` generated ones."""
    pairs = [(SHARED / "real" / "hongze_2024.pdf", SHARED / "real" / "hongze_2024.expected.json")]
    pairs += [(p, p.with_suffix(".expected.json")) for p in sorted((ROOT / "samples" / "pdf").glob("pdf20*.pdf"))]
    made = sorted(inputs.glob("*.pdf"))
    if count and len(made) < count:
        subprocess.run(
            [sys.executable, "-m", "samples.make_pdf", "--out", str(inputs), "--count", str(count)]
            + ["--seed", str(seed)],
            check=True,
            capture_output=True,
            cwd=ROOT,
        )
        made = sorted(inputs.glob("*.pdf"))
    pairs += [(p, p.with_suffix(".expected.json")) for p in made[:count]]
    return [(p, e) for p, e in pairs if e.exists()]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=30, help="generated reports besides the real and committed ones")
    ap.add_argument("--seed", type=int, default=77)
    ap.add_argument("--inputs", help="folder to keep the generated PDFs in (default: temporary)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        inputs = Path(args.inputs) if args.inputs else Path(tmp) / "pdf"
        inputs.mkdir(parents=True, exist_ok=True)
        pairs = corpus(args.count, args.seed, inputs)
        print(f"{'tool':<26}{'docs':>6}{'exact':>7}{'wrong fields':>20}{'silent':>8}")
        for tool, dump in TOOLS.items():
            docs = exact = wrong = fields = silent = 0
            for pdf, exp_path in pairs:
                expected = json.loads(exp_path.read_text(encoding="utf-8"))
                txt = Path(tmp) / (pdf.stem + ".txt")
                dump(pdf, txt)
                fields += table_fields(expected)
                docs += 1
                try:
                    report = convert(str(txt))
                except ReportError:
                    wrong += table_fields(expected)
                    continue
                mm = table_mismatches(report, expected)
                exact += not mm
                wrong += len(mm)
                silent += len(silent_errors(report, expected, mm))
            print(f"{tool:<26}{docs:>6}{exact:>7}{f'{wrong}/{fields}':>20}{silent:>8}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
