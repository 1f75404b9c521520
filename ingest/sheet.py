"""Spreadsheets: XLSX (openpyxl), ODS (its content.xml, parsed safely), XLS and WPS .et (xlrd) -> Document.

Each reader turns a workbook into :class:`Sheet` objects (cell texts by position, merged ranges, notes);
:func:`sheet_blocks` turns one sheet into blocks the same way for every format: the sheet's used rows are
cut into runs at blank rows; a run whose rows each hold one value at most is text (paragraphs), and a run
holding a row of several values is a table, less the one-value rows above and below it that are not
merged across columns (a section heading above the table, a signature below; a merged title row stays). Merged ranges become spans. Sheets are read in
workbook order. Formulas give their cached values; a formula without one is an empty cell of confidence
0 and a warning naming it. Packages pass :func:`ingest.limits.check_zip` and every XML part
:func:`ingest.limits.reject_doctype_entities` before anything is parsed.
"""

from __future__ import annotations

import datetime as _dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

from ingest.errors import ReportError
from ingest.grid import Block, Cell, Document, Paragraph, Table
from ingest.limits import check_zip, parse_xml, reject_doctype_entities
from ingest.options import Options

# Grid positions a workbook may fill in all (a sheet claiming more is hostile or broken).
MAX_SHEET_POSITIONS = 1_000_000
# Sheets a workbook may hold.
MAX_SHEETS = 256
# ODS namespaces.
NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
}
_T = "{" + NS["table"] + "}"
_O = "{" + NS["office"] + "}"
_X = "{" + NS["text"] + "}"
# A formula element in a worksheet part, whatever its namespace prefix.
_XLSX_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")

Pos = tuple[int, int]


@dataclass
class Sheet:
    """One worksheet: non-empty cell texts by (row, col), merged ranges (r0, c0, r1, c1) inclusive,
    and the positions of cells whose value could not be read."""

    name: str
    texts: dict[Pos, str] = field(default_factory=dict)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    unread: set[Pos] = field(default_factory=set)


# ---------------------------------------------------------------- values to text


def number_text(v: float) -> str:
    """A number as a sheet shows it by default: 12.0 -> "12", 0.5 -> "0.5" (no float noise)."""
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return f"{v:.10g}"


def value_text(v: Any) -> str:
    """A cell value as text: numbers without float noise, dates as YYYY-MM-DD, the rest as str()."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, (int, float)):
        return number_text(float(v))
    if isinstance(v, _dt.datetime):
        return v.date().isoformat() if v.time() == _dt.time() else v.isoformat(sep=" ")
    if isinstance(v, _dt.date):
        return v.isoformat()
    return str(v).replace("\r\n", "\n").replace("\r", "\n").strip()


def column_name(col: int) -> str:
    """A 0-based column index as its letters (0 -> A, 27 -> AB)."""
    name = ""
    col += 1
    while col:
        col, rest = divmod(col - 1, 26)
        name = chr(65 + rest) + name
    return name


def check_positions(n: int) -> None:
    """Refuse a workbook that claims more grid positions than MAX_SHEET_POSITIONS."""
    if n > MAX_SHEET_POSITIONS:
        raise ReportError("too_large", f"the workbook fills more than {MAX_SHEET_POSITIONS} cells")


# ---------------------------------------------------------------- one sheet to blocks


def covered(sheet: Sheet) -> dict[Pos, tuple[int, int, int, int]]:
    """Each position a merged range covers other than its top-left, mapped to the range."""
    out: dict[Pos, tuple[int, int, int, int]] = {}
    for m in sheet.merges:
        r0, c0, r1, c1 = m
        check_positions((r1 - r0 + 1) * (c1 - c0 + 1) + len(out))
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                if (r, c) != (r0, c0):
                    out[(r, c)] = m
    return out


def row_runs(rows: list[int]) -> list[list[int]]:
    """Used row numbers cut into runs of consecutive rows (a blank row ends a run)."""
    runs: list[list[int]] = []
    for r in rows:
        if runs and r == runs[-1][-1] + 1:
            runs[-1].append(r)
        else:
            runs.append([r])
    return runs


def table_of(sheet: Sheet, rows: list[int], cols: list[int], hidden: dict[Pos, Any]) -> Table:
    """The grid of a run of rows over the used columns: one Cell per merged range, empty cells present."""
    first, last = rows[0], rows[-1]
    col_index = {c: i for i, c in enumerate(cols)}
    origins = {(r0, c0): (r1, c1) for r0, c0, r1, c1 in sheet.merges}
    cells: list[Cell] = []
    for r in rows:
        for c in cols:
            if (r, c) in hidden:
                continue
            rowspan = colspan = 1
            if (r, c) in origins:
                r1, c1 = origins[(r, c)]
                rowspan = min(r1, last) - r + 1
                colspan = sum(1 for k in cols if c <= k <= c1)
            conf = 0.0 if (r, c) in sheet.unread else 1.0
            cells.append(Cell(sheet.texts.get((r, c), ""), r - first, col_index[c], rowspan, colspan, confidence=conf))
    return Table(cells=cells)


def sheet_blocks(sheet: Sheet) -> list[Block]:
    """A sheet's runs of rows as paragraphs (one value a row) and tables (several values a row)."""
    hidden = covered(sheet)
    used = sorted({r for (r, _c) in sheet.texts} | {r for (r, _c) in sheet.unread})
    blocks: list[Block] = []
    by_row: dict[int, list[int]] = {}
    for r, c in sorted({*sheet.texts, *sheet.unread}):
        by_row.setdefault(r, []).append(c)
    for run in row_runs(used):
        per_row = {r: by_row[r] for r in run}
        wide = [r for r in run if len(per_row[r]) > 1]
        if not wide:
            blocks.extend(Paragraph(sheet.texts.get((r, per_row[r][0]), "")) for r in run)
            continue
        lead = [r for r in run if r < wide[0] and not merged_row(sheet, r, per_row[r])]
        head = [r for r in run if r <= (lead[-1] if lead else -1)]
        trail = [r for r in run if r > wide[-1] and not merged_row(sheet, r, per_row[r])]
        tail = [r for r in run if r >= (trail[0] if trail else run[-1] + 1)]
        body = [r for r in run if r not in head and r not in tail]
        blocks.extend(Paragraph(sheet.texts[(r, per_row[r][0])]) for r in head if (r, per_row[r][0]) in sheet.texts)
        cols = sorted({c for r in body for c in per_row[r]} | spanned_cols(sheet, body))
        blocks.append(table_of(sheet, body, cols, hidden))
        blocks.extend(Paragraph(sheet.texts[(r, per_row[r][0])]) for r in tail if (r, per_row[r][0]) in sheet.texts)
    return [b for b in blocks if not isinstance(b, Paragraph) or b.text.strip()]


def merged_row(sheet: Sheet, r: int, cols: list[int]) -> bool:
    """Whether a one-value row's value is a merged range across columns (a title row of the table)."""
    return any(r0 == r and c0 in cols and c1 > c0 for r0, c0, _r1, c1 in sheet.merges)


def spanned_cols(sheet: Sheet, rows: list[int]) -> set[int]:
    """Columns covered by merged ranges that start in the given rows (a span may reach past the values)."""
    rs = set(rows)
    return {c for r0, c0, _r1, c1 in sheet.merges if r0 in rs for c in range(c0, c1 + 1)}


def document_of(path: str, sheets: list[Sheet], kind: str) -> Document:
    """One Document of all sheets in order, with the sheets' warnings, format "spreadsheet"."""
    if not sheets:
        raise ReportError("empty", "the workbook holds no sheet")
    doc = Document(path=path, format="spreadsheet")
    doc.source["container"] = kind
    for s in sheets:
        doc.blocks.extend(sheet_blocks(s))
        doc.warnings.extend(
            f"sheet {s.name!r} cell {column_name(c)}{r + 1}: a formula without a cached value; left empty"
            for r, c in sorted(s.unread)
        )
    if not any(b.text.strip() for b in doc.paragraphs) and not doc.tables:
        raise ReportError("empty", "the workbook's sheets hold no text")
    return doc


# ---------------------------------------------------------------- XLSX


def check_package(data: bytes, options: Options) -> None:
    """Refuse a zip bomb, and any XML part declaring entities, before a parser sees the package."""
    check_zip(data, options.max_unzipped_bytes)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for info in z.infolist():
            if info.filename.endswith((".xml", ".rels")):
                reject_doctype_entities(z.read(info)[:65536])


def xlsx_has_formulas(data: bytes) -> bool:
    """Whether any worksheet part of the package holds a formula."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return any(
            _XLSX_FORMULA.search(z.read(n))
            for n in z.namelist()
            if n.startswith("xl/worksheets/") and n.endswith(".xml")
        )


def open_xlsx(data: bytes, data_only: bool) -> Any:
    """The workbook opened by openpyxl (cached values when data_only), or ReportError(corrupt)."""
    import openpyxl

    try:
        return openpyxl.load_workbook(io.BytesIO(data), data_only=data_only, read_only=False)
    except ReportError:
        raise
    except Exception as e:  # openpyxl raises many kinds on damaged packages (KeyError, ValueError, ...)
        raise ReportError("corrupt", f"the XLSX workbook cannot be read ({type(e).__name__}: {e})") from None


def xlsx_sheet(ws: Any, formulas: Any) -> Sheet:
    """One openpyxl worksheet (cached values) as a Sheet; formulas is the same sheet's formula view or None."""
    sheet = Sheet(name=str(ws.title))
    check_positions(ws.max_row * ws.max_column)
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is None:
                if formulas is not None and isinstance(formulas.cell(cell.row, cell.column).value, str):
                    if str(formulas.cell(cell.row, cell.column).value).startswith("="):
                        sheet.unread.add((cell.row - 1, cell.column - 1))
                continue
            text = value_text(cell.value)
            if text:
                sheet.texts[(cell.row - 1, cell.column - 1)] = text
    for rng in ws.merged_cells.ranges:
        sheet.merges.append((rng.min_row - 1, rng.min_col - 1, rng.max_row - 1, rng.max_col - 1))
    return sheet


def read_xlsx(path: str, data: bytes, options: Options) -> Document:
    """An Excel 2007+ workbook: every worksheet in order, cached formula values, merges as spans."""
    options = options.validated()
    check_package(data, options)
    wb = open_xlsx(data, data_only=True)
    fb = open_xlsx(data, data_only=False) if xlsx_has_formulas(data) else None
    if len(wb.worksheets) > MAX_SHEETS:
        raise ReportError("too_large", f"{len(wb.worksheets)} sheets, more than the limit of {MAX_SHEETS}")
    sheets = [xlsx_sheet(ws, fb[ws.title] if fb is not None else None) for ws in wb.worksheets]
    return document_of(path, sheets, "xlsx")


# ---------------------------------------------------------------- ODS


def ods_text(el: Any) -> str:
    """The text of an ODS paragraph: <text:s/> as its spaces, <text:tab/> a space, <text:line-break/> a line break."""
    out = [el.text or ""]
    for child in el:
        if child.tag == f"{_X}s":
            n = child.get(f"{_X}c") or "1"
            out.append(" " * min(int(n) if n.isdigit() else 1, 100))
        elif child.tag == f"{_X}tab":
            out.append(" ")
        elif child.tag == f"{_X}line-break":
            out.append("\n")
        else:
            out.append(ods_text(child))
        out.append(child.tail or "")
    return "".join(out)


def ods_cell_text(cell: Any) -> str:
    """The text an ODS cell shows: its paragraphs joined by line breaks."""
    paras = cell.findall(f"{_X}p")
    return "\n".join(ods_text(p).strip() for p in paras).strip()


def ods_repeat(el: Any, attr: str) -> int:
    """An element's repeat count (number-rows/columns-repeated), at least 1."""
    v = el.get(f"{_T}{attr}") or "1"
    return int(v) if v.isdigit() and int(v) > 0 else 1


def ods_sheet(table: Any) -> Sheet:
    """One <table:table> as a Sheet: repeated rows and cells expanded only where they hold text."""
    sheet = Sheet(name=table.get(f"{_T}name") or "")
    r = 0
    for row in table.iter(f"{_T}table-row"):
        c = 0
        rows_rep = ods_repeat(row, "number-rows-repeated")
        for cell in row:
            if cell.tag not in (f"{_T}table-cell", f"{_T}covered-table-cell"):
                continue
            cols_rep = ods_repeat(cell, "number-columns-repeated")
            text = ods_cell_text(cell) if cell.tag == f"{_T}table-cell" else ""
            formula = cell.get(f"{_T}formula")
            unread = bool(formula) and not text and cell.get(f"{_O}value") is None
            if text or unread:
                check_positions(len(sheet.texts) + rows_rep * cols_rep)
                for dr in range(rows_rep):
                    for dc in range(cols_rep):
                        if unread:
                            sheet.unread.add((r + dr, c + dc))
                        else:
                            sheet.texts[(r + dr, c + dc)] = text
            rs, cs = ods_repeat(cell, "number-rows-spanned"), ods_repeat(cell, "number-columns-spanned")
            if cell.tag == f"{_T}table-cell" and (rs > 1 or cs > 1):
                sheet.merges.append((r, c, r + rs - 1, c + cs - 1))
            c += cols_rep
        r += rows_rep
    return sheet


def read_ods(path: str, data: bytes, options: Options) -> Document:
    """An OpenDocument spreadsheet: every table of content.xml in order, merges as spans."""
    options = options.validated()
    check_package(data, options)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            xml = z.read("content.xml")
    except KeyError:
        raise ReportError("corrupt", "an OpenDocument spreadsheet without content.xml") from None
    root = parse_xml(xml, "content.xml")
    tables = root.findall(f".//{_O}spreadsheet/{_T}table")
    if len(tables) > MAX_SHEETS:
        raise ReportError("too_large", f"{len(tables)} sheets, more than the limit of {MAX_SHEETS}")
    return document_of(path, [ods_sheet(t) for t in tables], "ods")


# ---------------------------------------------------------------- XLS / WPS .et


def open_xls(data: bytes) -> Any:
    """The BIFF workbook opened by xlrd (with merges), or ReportError (encrypted/corrupt)."""
    import xlrd

    try:
        return xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True, logfile=io.StringIO())
    except xlrd.biffh.XLRDError as e:
        if "encrypt" in str(e).lower():
            raise ReportError("encrypted", "the spreadsheet is password-protected") from None
        raise ReportError("corrupt", f"the XLS workbook cannot be read ({e})") from None
    except Exception as e:  # xlrd's compound-document reader raises plain errors on damage
        raise ReportError("corrupt", f"the XLS workbook cannot be read ({type(e).__name__}: {e})") from None


def xls_value(book: Any, cell: Any) -> str:
    """An xlrd cell as text: dates by the workbook's date mode, error codes as empty."""
    import xlrd

    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            return value_text(xlrd.xldate.xldate_as_datetime(cell.value, book.datemode))
        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
            return number_text(float(cell.value))
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return value_text(bool(cell.value))
    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
        return ""
    return value_text(cell.value)


def xls_sheet(book: Any, ws: Any) -> Sheet:
    """One xlrd sheet as a Sheet (merged_cells are half-open (r0, r1, c0, c1))."""
    sheet = Sheet(name=str(ws.name))
    check_positions(ws.nrows * ws.ncols)
    for r in range(ws.nrows):
        for c, cell in enumerate(ws.row(r)):
            text = xls_value(book, cell)
            if text:
                sheet.texts[(r, c)] = text
    sheet.merges = [(r0, c0, r1 - 1, c1 - 1) for r0, r1, c0, c1 in ws.merged_cells if r1 > r0 and c1 > c0]
    return sheet


def read_xls(path: str, data: bytes, options: Options) -> Document:
    """An Excel 97-2003 or WPS .et workbook (BIFF in OLE2): every sheet in order, merges as spans."""
    options = options.validated()
    book = open_xls(data)
    try:
        if book.nsheets > MAX_SHEETS:
            raise ReportError("too_large", f"{book.nsheets} sheets, more than the limit of {MAX_SHEETS}")
        sheets = [xls_sheet(book, book.sheet_by_index(i)) for i in range(book.nsheets)]
    except ReportError:
        raise
    except Exception as e:
        raise ReportError("corrupt", f"the XLS workbook cannot be read ({type(e).__name__}: {e})") from None
    finally:
        book.release_resources()
    return document_of(path, sheets, "xls")
