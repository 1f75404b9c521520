"""Text-dump adapter: reports as text other tools extracted, in five table dialects.

- cell lines: one cell per tab-indented line, a blank line between rows (Word text export);
- Markdown pipe tables, cut into several tables where the source had page breaks;
- tab-separated rows (PDF text export), where a blank line inside a table marks a page break;
- space-aligned rows (`pdftotext -layout`), cells separated by runs of two or more spaces; a row with
  fewer values than the table has columns gets its blanks where its values' positions say;
- rows written one space apart (pdfplumber's `extract_text`): a label, then its values.
Lines outside tables become paragraphs. Nothing here knows the report template.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ingest.errors import ReportError
from ingest.grid import Block, Cell, Document, Paragraph, Table
from ingest.options import Options
from ingest.textrules import is_none_mark, is_page_number, is_value_token

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
    """'cells' when most tab lines hold one indented cell, 'spaces' or 'words' for rows aligned by runs of
    spaces or written one space apart (no tabs), else 'tabs'."""
    tab_lines = [ln for ln in lines if "\t" in ln and not _is_md(ln)]
    if not tab_lines and sum(1 for ln in lines if not _is_md(ln) and _is_spaced_row(ln)) >= 5:
        return "spaces"
    if not tab_lines and sum(1 for ln in lines if not _is_md(ln) and _is_word_row(ln)) >= 8:
        return "words"
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
    if not _SPACED.search(s):
        return False
    parts = _SPACE_SPLIT.split(s)
    if any(ch.isdigit() for ch in s):
        return len(parts) >= 2
    return sum(1 for p in parts for t in p.split(" ") if is_none_mark(t)) >= 2  # a row of dashes or slashes


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
        if mode == "words" and (_is_word_row(line) or _is_word_label(lines, i)):
            word_rows: list[list[str]] = []
            while i < n and (_is_word_row(lines[i]) or _is_word_label(lines, i)):
                word_rows.append(_word_cells(lines[i]))
                i += 1
            blocks.append(word_table(word_rows))
            continue
        if mode == "spaces" and _is_spaced_row(line):
            spaced: list[list[Token]] = []
            while i < n:
                if _is_spaced_row(lines[i]) or _is_label_line(lines, i):
                    spaced.append(_spaced_tokens(lines[i]))
                    i += 1
                    continue
                j = i
                while j < n and not lines[j].strip():
                    j += 1
                if j > i and j < n and _is_spaced_row(lines[j]):  # blank lines inside the table
                    i = j
                    continue
                break
            blocks.append(aligned_table(spaced))
            continue
        if line.strip():
            blocks.append(Paragraph(text=line.strip()))
        i += 1
    return blocks


_NUMBERS_RUN = re.compile(r"^[\d.,\-—/]+(?: [\d.,\-—/]+)+$")


# One cell of a space-aligned row: its text and the character column of its middle.
Token = tuple[str, float]
# Largest misfit (characters) of a value's column against the table's columns, and the margin by which the
# best way of placing a short row's values must beat the next best to be taken.
ALIGN_TOLERANCE = 1.5
ALIGN_MARGIN = 1.0
# Ways of placing a short row's values tried at most (15 columns, 7 values: 6435).
MAX_PLACEMENTS = 20000
# Confidence of the values of a row whose columns could not be told (fewer values than columns, no fit).
UNPLACED_CONFIDENCE = 0.5
# Confidence of the values of a short row placed by where they stand on the line alone (a column no row
# fills would be missed, shifting the columns after it).
CLUSTERED_CONFIDENCE = 0.75


def _spaced_tokens(line: str) -> list[Token]:
    """Cells of a space-aligned row with their middle columns; a run of numbers one space apart is several cells."""
    out: list[Token] = []
    for m in re.finditer(r"\S+(?: \S+)*", line.replace("\u3000", "  ")):
        cell = m.group(0)
        if _NUMBERS_RUN.match(cell):
            start = m.start()
            for part in cell.split(" "):
                out.append((part, start + (len(part) - 1) / 2))
                start += len(part) + 1
        else:
            out.append((cell, m.start() + (len(cell) - 1) / 2))
    return out


def _trailing_values(texts: Sequence[str]) -> int:
    """How many cells at the end of a row (their texts) are values."""
    k = 0
    while k < len(texts) and is_value_token(texts[len(texts) - 1 - k]):
        k += 1
    return k


def value_columns(rows: list[list[Token]], counts: list[int]) -> list[float] | None:
    """The value columns' middles relative to the first, from the rows holding the most values (counts: each
    row's trailing values; at least two such rows, agreeing within the tolerance); None when they cannot be
    told."""
    width = max(counts, default=0)
    full = [r[len(r) - width :] for r, k in zip(rows, counts, strict=True) if k == width]
    if width < 2 or len(full) < 2:
        return None
    offsets = [[pos - vals[0][1] for _, pos in vals] for vals in full]
    cols = [sorted(o[j] for o in offsets)[len(offsets) // 2] for j in range(width)]
    agree = sum(all(abs(o[j] - cols[j]) <= ALIGN_TOLERANCE for j in range(width)) for o in offsets)
    return cols if agree * 2 > len(offsets) else None


def place_values(positions: list[float], cols: list[float]) -> list[int] | None:
    """The columns of a row's values (in order), when one way of placing them fits clearly best; else None.
    Each row may sit shifted as a whole (pdftotext counts a CJK label as fewer columns than it is wide)."""
    from itertools import combinations
    from math import comb

    if comb(len(cols), len(positions)) > MAX_PLACEMENTS:  # a hostile table: not worth the time
        return None
    fits: list[tuple[float, tuple[int, ...]]] = []
    for combo in combinations(range(len(cols)), len(positions)):
        shift = sum(p - cols[j] for p, j in zip(positions, combo, strict=True)) / len(positions)
        misfit = max(abs(p - cols[j] - shift) for p, j in zip(positions, combo, strict=True))
        fits.append((misfit, combo))
    fits.sort()
    best = fits[0]
    if best[0] > ALIGN_TOLERANCE or len(fits) > 1 and fits[1][0] < best[0] + ALIGN_MARGIN:
        return None
    return list(best[1])


def value_clusters(rows: list[list[Token]], counts: list[int]) -> list[tuple[float, float]] | None:
    """Columns as spans of the line where values stand, when rows hold too few full rows to fit them
    otherwise: every value's middle, grouped where they stand apart by more than the tolerance. None
    unless each row's values fall in different groups and no row holds more values than there are groups
    (rows shifted as a whole smear their columns into each other)."""
    mids = sorted(pos for r, k in zip(rows, counts, strict=True) for _, pos in r[len(r) - k :])
    if not mids:
        return None
    spans: list[list[float]] = [[mids[0], mids[0]]]
    for m in mids[1:]:
        if m - spans[-1][1] > ALIGN_TOLERANCE:
            spans.append([m, m])
        else:
            spans[-1][1] = m
    out = [(a, b) for a, b in spans]
    if any(b - a > 2 * ALIGN_TOLERANCE for a, b in out):
        return None
    support = [0] * len(out)
    for r, k in zip(rows, counts, strict=True):
        groups = [_cluster_of(pos, out) for _, pos in r[len(r) - k :]]
        if len(set(groups)) != len(groups) or groups != sorted(groups):
            return None
        for g in groups:
            support[g] += 1
    return out if min(support) >= 2 else None  # a column seen once may be a row shifted as a whole


def _cluster_of(pos: float, spans: list[tuple[float, float]]) -> int:
    return next(i for i, (a, b) in enumerate(spans) if a <= pos <= b)


def aligned_table(rows: list[list[Token]]) -> Table:
    """A space-aligned table: a row with fewer values than the table has value columns gets empty cells
    where its values' columns say a cell was left blank; when its columns cannot be told, its values are
    kept in order at a doubtful confidence."""
    counts = [_trailing_values([t for t, _ in r]) for r in rows]
    cols = value_columns(rows, counts)
    widest = max(counts, default=0)
    clusters = value_clusters(rows, counts) if cols is None else None
    cells: list[Cell] = []
    for r, (row, k) in enumerate(zip(rows, counts, strict=True)):
        labels, values = row[: len(row) - k], row[len(row) - k :]
        texts = [t for t, _ in labels]
        conf = 1.0
        if cols is None and 0 < k and clusters is not None and len(clusters) > widest:  # placed where it stands
            conf = CLUSTERED_CONFIDENCE
            slots = [""] * len(clusters)
            for t, pos in values:
                slots[_cluster_of(pos, clusters)] = t
            texts += slots
        elif cols is None and 0 < k < widest:  # short of the widest row, with no columns to place it by
            conf = UNPLACED_CONFIDENCE
            texts += [t for t, _ in values]
        elif cols is not None and 0 < k < len(cols):
            placed = place_values([p for _, p in values], cols)
            if placed is None:
                conf = UNPLACED_CONFIDENCE
                texts += [t for t, _ in values]
            else:
                slots = [""] * len(cols)
                for (t, _), j in zip(values, placed, strict=True):
                    slots[j] = t
                texts += slots
        else:
            texts += [t for t, _ in values]
        for c, t in enumerate(texts):
            cells.append(Cell(text=t, row=r, col=c, confidence=conf if c >= len(labels) else 1.0))
    return Table(cells=cells, exact=False)


def _is_label_line(lines: list[str], i: int, depth: int = 2) -> bool:
    """A short label line inside a space-aligned table (a wrapped label), up to two before a table row
    (blank lines between them, a page break, do not count)."""
    s = lines[i].strip()
    if not (0 < len(s) <= 24) or s.endswith("。"):
        return False
    j = i + 1
    while j < len(lines) and j - i <= 3 and not lines[j].strip():
        j += 1
    if j >= len(lines) or not lines[j].strip():
        return False
    return _is_spaced_row(lines[j]) or (depth > 1 and _is_label_line(lines, j, depth - 1))


# A row written one space apart (`pdfplumber`'s extract_text): a label, then its values, one space between.
_WORD_VALUE = r"(?:\d[\d,]*(?:\.\d+)?|[-—–/／])"
_WORD_ROW = re.compile(
    r"^(?P<label>.*?[^\d\s,.。，；;:：])?\s*(?P<values>" + _WORD_VALUE + r"(?: " + _WORD_VALUE + r")*)$"
)


def _word_parts(line: str) -> tuple[str, list[str]] | None:
    """(label, values) of a row written one space apart; None for any other line."""
    s = line.strip()
    if not s or is_page_number(s):
        return None
    m = _WORD_ROW.match(s)
    if not m:
        return None
    label, values = (m.group("label") or "").strip(), m.group("values").split(" ")
    if label and (len(label) > 40 or not re.search(r"[\u4e00-\u9fff]", label) or label.endswith(("年", "月", "第"))):
        return None
    if not label and len(values) < 2:
        return None
    return label, values


def _is_word_row(line: str) -> bool:
    return _word_parts(line) is not None


def _is_word_label(lines: list[str], i: int, depth: int = 2) -> bool:
    """A short line inside a table written one space apart: part of a wrapped label (or a header), up to
    two lines before a row of values."""
    s = lines[i].strip()
    if not (0 < len(s) <= 24) or s.endswith(("。", "；")) or is_page_number(s) or i + 1 >= len(lines):
        return False
    return _is_word_row(lines[i + 1]) or (depth > 1 and _is_word_label(lines, i + 1, depth - 1))


# A character of a label printed one character per line, glued before the next column's text
# (`年 3.危及“三安全一稳定”`: 年 of the stacked 三、本年度办理结果).
_LONE_CHAR = re.compile(r"^(\S) (\S.*)$")


def _word_cells(line: str) -> list[str]:
    label, values = _word_parts(line) or (line.strip(), [])
    m = _LONE_CHAR.match(label)
    labels = [m.group(1), m.group(2)] if m else [label] if label else []
    return labels + values


def word_table(rows: list[list[str]]) -> Table:
    """A table written one space apart: no positions tell a blank cell's column, so a row with fewer values
    than the table's widest keeps them in order at a doubtful confidence."""
    counts = [_trailing_values(r) for r in rows]
    widest = max(counts, default=0)
    cells: list[Cell] = []
    for r, (row, k) in enumerate(zip(rows, counts, strict=True)):
        for c, t in enumerate(row):
            doubtful = 0 < k < widest and c >= len(row) - k
            cells.append(Cell(text=t, row=r, col=c, confidence=UNPLACED_CONFIDENCE if doubtful else 1.0))
    return Table(cells=cells, exact=False)


def read(path: str, data: bytes, options: Options) -> Document:
    """Read a text dump into a Document (no geometry; ragged table rows)."""
    text = decode(data)
    if not text.strip():
        raise ReportError("empty", "the file holds no text")
    return Document(path=path, format="text", blocks=parse_blocks(text))
