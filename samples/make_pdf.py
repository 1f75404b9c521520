"""Make born-digital PDF reports with known values: generated DOCX converted by LibreOffice.

Each report comes from :mod:`samples.generate` (random values, meta and layout knobs: fonts, sizes,
narrow columns, stacked headers, merged or unmerged labels, long introductions). Two variations the
generator does not have are added by editing the DOCX XML here:

- rotated header text: ``w:textDirection`` ``btLr`` (read bottom to top, glyphs turned) or ``tbRl``
  (top to bottom) on the vertical labels (结果维持 …, 自然人, 总计, 三、本年度办理结果), with row heights
  that give LibreOffice room to set them vertically;
- a page break placed inside a chosen table: the section heading before it starts a new page after a
  spacer of exact height, so the table starts a known distance above the bottom margin.

All DOCX files are converted by ONE ``soffice`` call (private profile, time limit).

CLI::

    python -m samples.make_pdf --out DIR --count N --seed S [--errors K] [--keep-docx]
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import docx
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

from samples import fonts
from samples import generate as gen

SOFFICE_TIMEOUT_S = 600.0  # for one batched conversion
ROTATIONS = ("none", "btLr", "tbRl")
BREAK_TARGETS = ("none", "active", "applications", "review")
# Section heading printed before each table (the break target's heading starts a new page).
TARGET_HEADINGS = {
    "active": "二、主动公开政府信息情况",
    "applications": "三、收到和处理政府信息公开申请情况",
    "review": "四、政府信息公开行政复议、行政诉讼情况",
}
# How far above the bottom margin (points) the target table starts: inside its first rows.
REMAINING_PT = {"active": (30.0, 120.0), "applications": (60.0, 420.0), "review": (30.0, 75.0)}
REDO_SHIFT_PT = 25.0  # a report remade after LibreOffice dropped rows gets its break this much lower
LINE_FACTOR = 1.35  # a single-spaced CJK line is about this many font sizes tall in LibreOffice
LONG_LABEL = "三、本年度办理结果"
ROTATED_LABELS = (*gen.REVIEW_FIELD_LABELS, "自然人", "总计", LONG_LABEL)


@dataclass(frozen=True)
class PdfVariation:
    """The PDF-only variations of one report."""

    rotation: str = "none"  # "none", "btLr", "tbRl"
    break_in: str = "none"  # "none", "active", "applications", "review"
    remaining_pt: float = 0.0  # space left on the page under the target table's top

    def validated(self) -> PdfVariation:
        """Return self, or raise ValueError naming the first setting out of range."""
        if self.rotation not in ROTATIONS:
            raise ValueError(f"rotation must be one of {ROTATIONS}, not {self.rotation!r}")
        if self.break_in not in BREAK_TARGETS:
            raise ValueError(f"break_in must be one of {BREAK_TARGETS}, not {self.break_in!r}")
        if self.break_in != "none" and self.remaining_pt <= 0:
            raise ValueError("remaining_pt must be positive when a break is placed")
        return self

    def describe(self) -> str:
        """A short note for the expected JSON."""
        parts = []
        if self.rotation != "none":
            parts.append(f"rotated headers {self.rotation}")
        if self.break_in != "none":
            parts.append(f"page break inside the {self.break_in} table ({self.remaining_pt:.0f} pt left)")
        return "; ".join(parts)


def random_variation(rng: random.Random, index: int) -> PdfVariation:
    """Break targets cycle over the three tables (and none); rotation is drawn at random."""
    target = BREAK_TARGETS[index % len(BREAK_TARGETS)]
    lo, hi = REMAINING_PT.get(target, (0.0, 0.0))
    rotation = rng.choice(["none", "none", "btLr", "tbRl"])
    return PdfVariation(rotation, target, round(rng.uniform(lo, hi), 1) if target != "none" else 0.0)


def cell_text(tc: Any) -> str:
    """All text of a w:tc."""
    return "".join(t.text or "" for t in tc.iter(qn("w:t")))


def is_merge_start(tc: Any) -> bool:
    """True for the first cell of a vertical merge (w:vMerge w:val="restart")."""
    tcpr = tc.find(qn("w:tcPr"))
    vm = tcpr.find(qn("w:vMerge")) if tcpr is not None else None
    return vm is not None and vm.get(qn("w:val")) == "restart"


def set_text_direction(tc: Any, direction: str) -> None:
    """Add w:textDirection to a cell's properties (before w:vAlign, as the schema orders them)."""
    tcpr = tc.get_or_add_tcPr()
    el = parse_xml(f'<w:textDirection {nsdecls("w")} w:val="{direction}"/>')
    valign = tcpr.find(qn("w:vAlign"))
    if valign is not None:
        valign.addprevious(el)
    else:
        tcpr.append(el)


def set_min_height(tr: Any, points: float) -> None:
    """Give a table row a minimum height (w:trHeight hRule=atLeast)."""
    trpr = tr.find(qn("w:trPr"))
    if trpr is None:
        trpr = parse_xml(f"<w:trPr {nsdecls('w')}/>")
        tr.insert(0, trpr)
    old = trpr.find(qn("w:trHeight"))
    twips = int(points * 20)
    if old is not None:
        twips = max(twips, int(old.get(qn("w:val")) or 0))
        trpr.remove(old)
    trpr.append(parse_xml(f'<w:trHeight {nsdecls("w")} w:val="{twips}" w:hRule="atLeast"/>'))


def rotate_labels(document: Any, direction: str, size_pt: float) -> int:
    """Turn the vertical header labels of every table; returns how many cells were turned."""
    turned = 0
    for tbl in document.element.body.iter(qn("w:tbl")):
        for tr in tbl.iter(qn("w:tr")):
            longest = 0
            for tc in tr.iter(qn("w:tc")):
                text = cell_text(tc)
                if text == LONG_LABEL and not is_merge_start(tc):
                    continue  # unmerged it stands in one short row: LibreOffice would clip it turned
                if text in ROTATED_LABELS:
                    set_text_direction(tc, direction)
                    turned += 1
                    if text != LONG_LABEL:  # merged, that one spans many rows already
                        longest = max(longest, len(text))
            if longest:
                set_min_height(tr, longest * size_pt * 1.15 + 8)
    return turned


def body_height(document: Any) -> float:
    """Height of the text area of the first section, in points."""
    s = document.sections[0]
    return float(s.page_height.pt - s.top_margin.pt - s.bottom_margin.pt)


def place_break(document: Any, layout: gen.Layout, variation: PdfVariation) -> bool:
    """Start the target table's heading on a new page, below a spacer, so the table is cut."""
    heading = TARGET_HEADINGS[variation.break_in]
    for p in document.paragraphs:
        if p.text.strip() == heading:
            line = layout.body_size * LINE_FACTOR
            above = line * (2 if layout.blank_line_after_heading else 1)
            spacer = max(body_height(document) - above - variation.remaining_pt, 1.0)
            p._p.addprevious(
                parse_xml(
                    f"<w:p {nsdecls('w')}><w:pPr><w:pageBreakBefore/>"
                    f'<w:spacing w:before="0" w:after="0" w:line="{int(spacer * 20)}" w:lineRule="exact"/>'
                    "</w:pPr></w:p>"
                )
            )
            return True
    return False


def apply_variation(docx_path: Path, layout: gen.Layout, variation: PdfVariation) -> None:
    """Edit a generated DOCX in place: rotated labels and a placed page break."""
    variation.validated()
    document = docx.Document(str(docx_path))
    if variation.rotation != "none":
        rotate_labels(document, variation.rotation, layout.table_size)
    if variation.break_in != "none" and not place_break(document, layout, variation):
        raise ValueError(f"heading for {variation.break_in} not found in {docx_path}")
    document.save(str(docx_path))


def soffice_binary() -> str:
    """The LibreOffice executable."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    raise RuntimeError("LibreOffice (soffice) is not installed")


def convert_to_pdf(
    docx_paths: list[Path], out_dir: Path, timeout_s: float = SOFFICE_TIMEOUT_S, env: dict[str, str] | None = None
) -> list[Path]:
    """Convert many DOCX files with one soffice call (private profile, pinned fonts: ``fonts.fontconfig_env``
    unless ``env`` is given); returns the PDF paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    if not docx_paths:
        return []
    with tempfile.TemporaryDirectory(prefix="lo_profile_") as profile:
        cmd = [
            soffice_binary(),
            "--headless",
            "--norestore",
            f"-env:UserInstallation=file://{profile}",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out_dir),
            *[str(p) for p in docx_paths],
        ]
        proc = subprocess.Popen(
            cmd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
            env=env or fonts.fontconfig_env(),
        )
        try:
            _, err = proc.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise RuntimeError(f"soffice did not finish within {timeout_s:.0f} s") from None
    pdfs = [out_dir / (p.stem + ".pdf") for p in docx_paths]
    missing = [p.name for p in pdfs if not p.exists()]
    if missing:
        raise RuntimeError(f"soffice made no PDF for {missing[:5]}: {err.decode(errors='replace')[-300:]}")
    return pdfs


@dataclass
class Prepared:
    """One report ready for conversion: what it was made from, its DOCX and its expected JSON."""

    name: str
    values: dict[str, Any]
    meta: gen.Meta
    layout: gen.Layout
    variation: PdfVariation
    docx_seed: int
    docx_path: Path
    expected_path: Path
    note: str


def build_docx(p: Prepared) -> None:
    """Write the report's DOCX with its PDF variations, and its expected JSON."""
    gen.make_docx(p.values, p.meta, p.layout, p.docx_path, seed=p.docx_seed)
    apply_variation(p.docx_path, p.layout, p.variation)
    note = gen.describe_layout(p.layout).replace("generated DOCX", "generated PDF (LibreOffice)")
    note += "".join(f"; {part}" for part in (p.variation.describe(), p.note) if part)
    failing = gen.failing_checks(p.values)
    gen.write_expected(p.values, p.meta, p.expected_path, failing, note, source=f"{p.name}.pdf")


def prepare_one(
    rng: random.Random, work: Path, out_dir: Path, name: str, index: int, template: str, error: str | None
) -> Prepared:
    """One random report: the edited DOCX in work/ and its expected JSON (source NAME.pdf) in out_dir."""
    collapse = template == "2019" or rng.random() < 0.25
    values = gen.random_values(rng, template, error=None, collapse_other=collapse)
    change = gen.inject_error(rng, values, error) if error else ""
    meta = gen.random_meta(rng, template)
    layout = gen.random_layout(rng, template)
    variation = random_variation(rng, index)
    if variation.rotation != "none":
        layout.stacked_headers = False  # turned text instead of one character per line
    p = Prepared(
        name,
        values,
        meta,
        layout,
        variation,
        rng.randint(0, 2**31),
        work / f"{name}.docx",
        out_dir / f"{name}.expected.json",
        f"injected error {change}" if change else "",
    )
    build_docx(p)
    return p


def printed_whole(pdf: Path) -> bool:
    """True when the PDF shows all three review groups' headers (LibreOffice sometimes drops the rows
    of a table with turned text cut by a page break); checked on the text layer, not by the adapter."""
    import pdfplumber

    with pdfplumber.open(str(pdf)) as doc:
        text = "".join(c["text"] for page in doc.pages for c in page.chars)
    return text.count("尚") >= 3 and text.count("纠") >= 3


def convert_prepared(
    prepared: list[Prepared],
    out_dir: Path,
    extra: list[Path] | None = None,
    timeout_s: float = SOFFICE_TIMEOUT_S,
    env: dict[str, str] | None = None,
) -> tuple[list[Path], list[Path]]:
    """Convert the reports (plus extra DOCX files) in one soffice call; a report LibreOffice printed
    incompletely is remade without turned text (a second call, only then). Returns both PDF lists."""
    extra = extra or []
    pdfs = convert_to_pdf([p.docx_path for p in prepared] + extra, out_dir, timeout_s, env)
    redo = [(p, pdf) for p, pdf in zip(prepared, pdfs, strict=False) if not printed_whole(pdf)]
    for p, _ in redo:
        shift = REDO_SHIFT_PT if p.variation.break_in != "none" else 0.0
        p.variation = replace(p.variation, rotation="none", remaining_pt=p.variation.remaining_pt + shift)
        p.note = "; ".join(x for x in (p.note, "remade: LibreOffice had dropped table rows") if x)
        build_docx(p)
    if redo:
        convert_to_pdf([p.docx_path for p, _ in redo], out_dir, timeout_s, env)
        still = [pdf.name for _, pdf in redo if not printed_whole(pdf)]
        if still:
            raise RuntimeError(f"LibreOffice printed incomplete tables in {still}")
    return pdfs[: len(prepared)], pdfs[len(prepared) :]


def generate_pdfs(
    out_dir: str | Path,
    count: int,
    seed: int = 0,
    errors: int = 0,
    template: str = "2021",
    keep_docx: bool = False,
    timeout_s: float = SOFFICE_TIMEOUT_S,
) -> list[tuple[Path, Path]]:
    """``count`` PDF reports with expected JSON in out_dir (the first ``errors`` with an injected error)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="make_pdf_") as tmp:
        work = Path(tmp)
        made: list[Prepared] = []
        for i in range(count):
            tpl = template if template != "mixed" else ("2019" if i % 3 == 2 else "2021")
            err = "random" if i < errors else None
            name = f"pdf{tpl}_s{seed}_{i:03d}" + ("_err" if err else "")
            made.append(prepare_one(rng, work, out, name, i, tpl, err))
        pdfs, _ = convert_prepared(made, out, timeout_s=timeout_s)
        if keep_docx:
            for p in made:
                shutil.copy(p.docx_path, out / p.docx_path.name)
    return [(pdf, p.expected_path) for pdf, p in zip(pdfs, made, strict=True)]


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    ap = gen.generation_parser(__doc__, count=10, template="2021")
    ap.add_argument("--keep-docx", action="store_true", help="also keep the DOCX each PDF was made from")
    args = gen.parse_generation_args(ap, argv)
    for pdf, _ in generate_pdfs(args.out, args.count, args.seed, args.errors, args.template, args.keep_docx):
        print(pdf)
    return 0


if __name__ == "__main__":
    sys.exit(main())
