"""The repair chain: each step is a small pure function Document -> Document."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from ingest.grid import Document, Paragraph, Table
from layout.clean import clean_cell, clean_text
from layout.grids import consistent, drop_empty_rows, join_cut_rows, join_value_rows, stitch, unit_scales
from layout.spill import take_spilled_text

Step = Callable[[Document], Document]


def clean(doc: Document) -> Document:
    """Clean every cell and paragraph; drop empty paragraphs and tables without text."""
    blocks: list[Paragraph | Table] = []
    for b in doc.blocks:
        if isinstance(b, Paragraph):
            t = clean_text(b.text)
            if t:
                blocks.append(replace(b, text=t))
        else:
            cells = [replace(c, text=clean_cell(c.text)) for c in b.cells]
            if any(c.text for c in cells):
                blocks.append(replace(b, cells=cells))
    return replace(doc, blocks=blocks)


def unbox(doc: Document) -> Document:
    """A table of one column is text set in a box (a signature block, a note): its lines become paragraphs."""
    blocks: list[Paragraph | Table] = []
    for b in doc.blocks:
        if isinstance(b, Table) and b.n_cols == 1 and b.exact:  # (a ragged dump's one-cell line may be a cut row)
            for c in sorted(b.cells, key=lambda c: c.row):
                blocks.extend(Paragraph(line, c.page, c.bbox) for line in c.text.split("\n") if line.strip())
        else:
            blocks.append(b)
    return replace(doc, blocks=blocks)


def per_table(fix: Callable[[Table], Table], doc: Document) -> Document:
    """Apply a table repair to every table; a repair that would break the grid's consistency is not applied."""
    blocks: list[Paragraph | Table] = []
    for b in doc.blocks:
        if isinstance(b, Table):
            fixed = fix(b)
            b = fixed if consistent(fixed) or not consistent(b) else b
        blocks.append(b)
    return replace(doc, blocks=blocks)


def drop_empty(doc: Document) -> Document:
    """Remove rows without any text from every table."""
    return per_table(drop_empty_rows, doc)


def stitch_pages(doc: Document) -> Document:
    """Stitch table parts cut by page breaks into whole tables."""
    return replace(doc, blocks=stitch(doc.blocks, unit_scales(doc)))


def join_cut(doc: Document) -> Document:
    """Join rows cut in two by a page break."""
    return per_table(join_cut_rows, doc)


def join_values(doc: Document) -> Document:
    """In ragged dumps, join a row of numbers to the label line(s) above it."""
    return per_table(join_value_rows, doc)


STEPS: list[Step] = [unbox, clean, drop_empty, take_spilled_text, stitch_pages, join_cut, join_values]


def repair(doc: Document, steps: list[Step] | None = None) -> Document:
    """Run the repair chain over a Document."""
    for step in steps or STEPS:
        doc = step(doc)
    return doc
