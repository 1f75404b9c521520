"""Text-dump adapter: reports as text other tools extracted, in three table dialects.

- cell lines: one cell per tab-indented line, a blank line between rows (Word text export);
- Markdown pipe tables, cut into several tables where the source had page breaks;
- tab-separated rows (PDF text export), where a blank line inside a table marks a page break;
- space-aligned rows (`pdftotext -layout`), cells separated by runs of two or more spaces.
Lines outside tables become paragraphs. Nothing here knows the report template.
"""

from __future__ import annotations

import re

from ingest.errors import ReportError
from ingest.grid import Block, Cell, Document, Paragraph, Table
from ingest.options import Options

_MD_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


def decode(data: bytes) -> str:
    """Decode a text dump: BOM, then strict UTF-8, then GB18030."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")


def _is_md(line: str) -> bool:
    return line.lstrip().startswith("|")


def _is_cell_line(line: str) -> bool:
    """A tab-indented line holding one cell (Word text-export dialect)."""
    return line.startswith("\t") and "\t" not in line[1:]


def _is_tab_row(line: str) -> bool:
    return "\t" in line.strip("\n") and not _is_md(line)


def dialect(lines: list[str]) -> str:
    """'cells' when most tab lines hold one indented cell, else 'tabs'."""
    tab_lines = [ln for ln in lines if "\t" in ln and not _is_md(ln)]
    if not tab_lines and sum(1 for ln in lines if not _is_md(ln) and _is_spaced_row(ln)) >= 5:
        return "spaces"
    single = sum(1 for ln in tab_lines if _is_cell_line(ln))
    return "cells" if tab_lines and single * 2 > len(tab_lines) else "tabs"


def _table(rows: list[list[str]]) -> Table:
    cells = [Cell(text=t, row=r, col=c) for r, row in enumerate(rows) for c, t in enumerate(row)]
    return Table(cells=cells, exact=False)


_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_SPACED = re.compile(r"\S(?: {2,}|\u3000+)\S")
_SPACE_SPLIT = re.compile(r" {2,}|\u3000+")


def _md_cells(line: str) -> list[str]:
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|") and not s.endswith("\\|"):
        s = s[:-1]
    cells = re.split(r"(?<!\\)\|", s)
    return [_BR.sub("\n", c.replace("\\|", "|")).strip() for c in cells]


def _is_spaced_row(line: str) -> bool:
    """A line of cells aligned by runs of spaces, one of them a number (`pdftotext -layout`)."""
    s = line.strip()
    return bool(_SPACED.search(s)) and any(ch.isdigit() for ch in s) and len(_SPACE_SPLIT.split(s)) >= 2


def parse_blocks(text: str) -> list[Block]:
    """Split a dump into paragraphs and tables, in order."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").split("\n")
    mode = dialect(lines)
    blocks: list[Block] = []
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        if _is_md(line):
            rows: list[list[str]] = []
            while i < n and _is_md(lines[i]):
                if not _MD_RULE.match(lines[i]):
                    rows.append(_md_cells(lines[i]))
                i += 1
            blocks.append(_table(rows))
            continue
        if mode == "cells" and _is_cell_line(line):
            rows, cur = [], []
            while i < n:
                ln = lines[i]
                if _is_cell_line(ln):
                    cur.append(ln[1:])
                elif ln.strip() == "":
                    if cur:
                        rows.append(cur)
                        cur = []
                    # the table goes on only if a cell line follows the blank lines
                    j = i
                    while j < n and lines[j].strip() == "":
                        j += 1
                    if j >= n or not _is_cell_line(lines[j]):
                        i = j
                        break
                elif cur:  # a line break inside the previous cell
                    cur[-1] += "\n" + ln
                else:
                    break
                i += 1
            if cur:
                rows.append(cur)
            blocks.append(_table(rows))
            continue
        if mode == "tabs" and _is_tab_row(line):
            rows = []
            while i < n and _is_tab_row(lines[i]):
                rows.append(lines[i].split("\t"))
                i += 1
                if i < n and lines[i].strip() == "":  # a blank line inside a table: a page break
                    j = i
                    while j < n and lines[j].strip() == "":
                        j += 1
                    if j < n and _is_tab_row(lines[j]):
                        blocks.append(_table(rows))
                        rows = []
                        i = j
            if rows:
                blocks.append(_table(rows))
            continue
        if mode == "spaces" and _is_spaced_row(line):
            rows = []
            while i < n:
                if _is_spaced_row(lines[i]) or _is_label_line(lines, i):
                    rows.append(_spaced_cells(lines[i]))
                    i += 1
                    continue
                j = i
                while j < n and not lines[j].strip():
                    j += 1
                if j > i and j < n and _is_spaced_row(lines[j]):  # blank lines inside the table
                    i = j
                    continue
                break
            blocks.append(_table(rows))
            continue
        if line.strip():
            blocks.append(Paragraph(text=line.strip()))
        i += 1
    return blocks


_NUMBERS_RUN = re.compile(r"^[\d.,\-—/]+(?: [\d.,\-—/]+)+$")


def _spaced_cells(line: str) -> list[str]:
    """Cells of a space-aligned row; a run of numbers one space apart is several cells."""
    out: list[str] = []
    for cell in _SPACE_SPLIT.split(line.strip()):
        out.extend(cell.split(" ") if _NUMBERS_RUN.match(cell) else [cell])
    return out


def _is_label_line(lines: list[str], i: int, depth: int = 2) -> bool:
    """A short label line inside a space-aligned table (a wrapped label), up to two before a table row."""
    s = lines[i].strip()
    if not (0 < len(s) <= 24) or s.endswith("。") or i + 1 >= len(lines):
        return False
    return _is_spaced_row(lines[i + 1]) or (depth > 1 and _is_label_line(lines, i + 1, depth - 1))


def read(path: str, data: bytes, options: Options) -> Document:
    """Read a text dump into a Document (no geometry; ragged table rows)."""
    text = decode(data)
    if not text.strip():
        raise ReportError("empty", "the file holds no text")
    return Document(path=path, format="text", blocks=parse_blocks(text))
