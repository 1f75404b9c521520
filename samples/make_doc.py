"""Make legacy Word (.doc, Word 97-2003) reports with known values, plus their expected JSON.

The reports come from the DOCX generator (``samples/generate.py``); one LibreOffice call saves all of
them as .doc (the format WPS Office also writes). The expected JSON is the generator's, with
``source`` set to the .doc file.

CLI::

    python -m samples.make_doc --out DIR --count N --seed S [--template 2021|2019|mixed] [--errors K]
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from samples import generate as gen
from samples.make_html import soffice_convert

# LibreOffice's export filter for Word 97-2003 documents.
DOC_TARGET = "doc:MS Word 97"


def make_docs(
    out_dir: str | Path, count: int, seed: int = 0, template: str = "mixed", errors: int = 0
) -> list[tuple[Path, Path]]:
    """``count`` .doc reports (and expected JSON) in out_dir, converted with one LibreOffice call."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="govreport-doc-") as tmp:
        made = gen.generate(tmp, count, seed=seed, template=template, errors=errors)
        docs = soffice_convert([d for d, _ in made], out, DOC_TARGET)
        pairs: list[tuple[Path, Path]] = []
        for doc, (_, exp_path) in zip(docs, made, strict=True):
            expected = json.loads(exp_path.read_text(encoding="utf-8"))
            expected["source"] = doc.name
            expected["note"] = "generated .doc (LibreOffice MS Word 97 export); from " + expected["note"]
            exp_out = out / f"{doc.stem}.expected.json"
            exp_out.write_text(json.dumps(expected, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
            pairs.append((doc, exp_out))
    return pairs


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    ap = gen.generation_parser(__doc__, count=3, template="mixed")
    args = gen.parse_generation_args(ap, argv)
    for doc, _ in make_docs(args.out, args.count, args.seed, args.template, args.errors):
        print(doc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
