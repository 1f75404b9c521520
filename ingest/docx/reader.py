"""DOCX adapter: the body of word/document.xml, read in document order, with real merged cells.

The package is checked before anything is parsed (:func:`ingest.limits.check_zip`: declared and
streamed sizes against ``options.max_unzipped_bytes``), then the main document part is found
through the package relationships and parsed with a safe lxml parser (no entities, no DTD, no
network, no huge trees). python-docx is not used for reading: it parses every part of the package
and its ``row.cells`` repeats merged cells, while the grid model needs one Cell per printed cell.

Blocks come out in body order: ``w:p`` as :class:`Paragraph` (one per printed line: a ``w:br``
splits a paragraph; empty lines are skipped), ``w:tbl`` as :class:`Table` — both also inside
``w:sdt`` content controls and ``w:customXml``. In a table, ``w:gridSpan`` gives colspan,
``w:vMerge`` restart/continue gives rowspan, ``w:hMerge`` (legacy) extends colspan,
``w:gridBefore`` shifts a row right; grid positions no cell covers are filled with empty cells.
Cell text keeps line breaks (``w:br``, several ``w:p``) as ``\\n``, ``w:tab`` as ``\\t``; a nested
table's text is flattened into its host cell, one line per nested cell, unless the nested table has
rows of its own (:data:`LAYOUT_NESTED_ROWS`): then the host row is a frame and its cells' content is
read as blocks in place of it (the host's other rows stay grids). DOCX has no geometry:
``bbox`` and ``page`` are None, ``pages`` is empty, confidence 1.0, ``Table.exact`` True.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from dataclasses import dataclass

from lxml import etree

from ingest.docx.numbering import Numbering, parse_numbering
from ingest.errors import ReportError
from ingest.grid import Block, Cell, Document, Paragraph, Table
from ingest.limits import check_zip, reject_doctype_entities, safe_xml_parser
from ingest.options import Options

W_NAMESPACES = (
    "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "http://purl.oclc.org/ooxml/wordprocessingml/main",  # Strict OOXML
)
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE_DOCUMENT_TYPES = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument",
    "http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument",
)
DEFAULT_MAIN_PART = "word/document.xml"
# A table whose cell holds a nested table of at least this many rows is a frame (layout), not a grid.
LAYOUT_NESTED_ROWS = 3

# Elements whose content is never printed text (properties, deleted or moved-away runs, field codes).
_SKIP_LOCAL = frozenset(
    {
        "pPr",
        "rPr",
        "tcPr",
        "trPr",
        "tblPr",
        "sectPr",
        "sdtPr",
        "del",
        "delText",
        "moveFrom",
        "instrText",
        "delInstrText",
    }
)
# Wrappers whose children are read as if they stood in the parent (content controls, custom XML, smart tags).
_WRAPPERS = frozenset({"sdt", "sdtContent", "customXml", "smartTag", "ins", "moveTo"})


@dataclass
class _Names:
    """Clark-notation tag names for the document's WordprocessingML namespace (and its list numbering)."""

    ns: str
    numbering: Numbering | None = None

    def __call__(self, local: str) -> str:
        """The qualified tag for a local name."""
        return f"{{{self.ns}}}{local}"


def read(path: str, data: bytes, options: Options) -> Document:
    """Read a DOCX into a Document: body paragraphs and tables in order, merged cells as spans."""
    if not data:
        raise ReportError("empty", "the file is empty")
    check_zip(data, options.max_unzipped_bytes)
    root = parse_main_part(data, options.max_unzipped_bytes)
    doc = Document(path=path, format="docx")
    doc.blocks = read_body(root, doc.warnings, read_numbering(data, root, options.max_unzipped_bytes))
    return doc


# ---------------------------------------------------------------- package


def parse_main_part(data: bytes, max_bytes: int) -> etree._Element:
    """Find the main document part through the package relationships and parse it safely."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            name = main_part_name(z)
            try:
                with z.open(name) as f:
                    xml = f.read(max_bytes + 1)
            except KeyError:
                raise ReportError("corrupt", f"no main document part ({name}) in the package") from None
    except zipfile.BadZipFile as e:
        raise ReportError("corrupt", f"damaged zip container ({e})") from None
    except (ValueError, OSError, EOFError, NotImplementedError, RuntimeError) as e:
        raise ReportError("corrupt", f"unreadable zip container ({type(e).__name__}: {e})") from None
    if len(xml) > max_bytes:
        raise ReportError("too_large", f"the document part unpacks to more than {max_bytes} bytes")
    return parse_xml(xml, name)


def main_part_name(z: zipfile.ZipFile) -> str:
    """The officeDocument target of _rels/.rels, or word/document.xml when there is none."""
    try:
        rels_xml = z.read("_rels/.rels")
    except KeyError:
        return DEFAULT_MAIN_PART
    try:
        rels = parse_xml(rels_xml, "_rels/.rels")
    except ReportError:
        return DEFAULT_MAIN_PART
    for rel in rels.iter(f"{{{REL_NS}}}Relationship"):
        if rel.get("Type") in OFFICE_DOCUMENT_TYPES and rel.get("TargetMode") != "External":
            target = (rel.get("Target") or "").lstrip("/")
            return posixpath.normpath(target) if target else DEFAULT_MAIN_PART
    return DEFAULT_MAIN_PART


def read_numbering(data: bytes, root: etree._Element, max_bytes: int) -> Numbering | None:
    """The list definitions (word/numbering.xml, found through the main part's relationships) with the
    paragraph styles that number their paragraphs (word/styles.xml), or None when the package has none
    or they cannot be read (numbers Word draws are then not printed)."""
    ns = etree.QName(root).namespace or ""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            main = main_part_name(z)
            folder = posixpath.dirname(main)
            names = {kind: posixpath.join(folder, f"{kind}.xml") for kind in ("numbering", "styles")}
            rels_name = posixpath.join(folder, "_rels", posixpath.basename(main) + ".rels")
            if rels_name in z.namelist():
                for rel in parse_xml(z.read(rels_name), rels_name).iter(f"{{{REL_NS}}}Relationship"):
                    kind = (rel.get("Type") or "").rsplit("/", 1)[-1]
                    if kind in names and rel.get("TargetMode") != "External":
                        names[kind] = posixpath.normpath(posixpath.join(folder, rel.get("Target") or ""))
            parts: dict[str, etree._Element] = {}
            for kind, name in names.items():
                if name in z.namelist():
                    with z.open(name) as f:
                        xml = f.read(max_bytes + 1)
                    if len(xml) <= max_bytes:
                        parts[kind] = parse_xml(xml, name)
        if "numbering" not in parts:
            return None
        return parse_numbering(parts["numbering"], ns, parts.get("styles"))
    except (ReportError, zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError, RuntimeError):
        return None


def parse_xml(xml: bytes, name: str) -> etree._Element:
    """Parse one XML part with no entity expansion, no DTD, no network; errors -> corrupt."""
    if not xml.strip():
        raise ReportError("corrupt", f"the part {name} is empty")
    reject_doctype_entities(xml)
    try:
        root = etree.fromstring(xml, safe_xml_parser())
    except etree.XMLSyntaxError as e:
        raise ReportError("corrupt", f"the part {name} is not well-formed XML ({e})") from None
    if root is None:
        raise ReportError("corrupt", f"the part {name} holds no XML element")
    return root


# ---------------------------------------------------------------- body


def _local(tag: object) -> str:
    """Local name of an element tag ('' for comments and processing instructions)."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def read_body(root: etree._Element, warnings: list[str], numbering: Numbering | None = None) -> list[Block]:
    """The blocks of w:body in document order (body paragraphs numbered by Word get their printed number)."""
    ns = etree.QName(root).namespace or ""
    if ns not in W_NAMESPACES or _local(root.tag) != "document":
        raise ReportError("corrupt", "the main part is not a WordprocessingML document")
    w = _Names(ns, numbering)
    body = root.find(w("body"))
    if body is None:
        raise ReportError("corrupt", "the document has no body")
    blocks: list[Block] = []
    _walk_blocks(body, w, blocks, warnings)
    return blocks


def _walk_blocks(parent: etree._Element, w: _Names, blocks: list[Block], warnings: list[str]) -> None:
    """Append the paragraphs and tables under parent, descending through content controls."""
    for child in parent:
        local = _local(child.tag)
        if local == "p":
            boxes: list[str] = []
            text = paragraph_text(child, w, boxes)
            if w.numbering is not None and text.strip():
                text = _list_number(child, w, w.numbering) + text
            blocks.extend(Paragraph(line) for line in text.split("\n") if line.strip())
            blocks.extend(Paragraph(line) for box in boxes for line in box.split("\n") if line.strip())
        elif local == "tbl":
            _table_blocks(child, w, blocks, warnings)
        elif local in _WRAPPERS:
            _walk_blocks(child, w, blocks, warnings)
        elif local == "AlternateContent":
            _walk_blocks(_alternate_choice(child), w, blocks, warnings)
        elif local == "altChunk":
            warnings.append("the document embeds content (w:altChunk) that is not read")


def is_frame_row(tr: etree._Element, w: _Names) -> bool:
    """A row is a frame around content when a table nested in its cells has rows of its own (as in HTML)."""
    return any(
        len(_children(nested, "tr")) >= LAYOUT_NESTED_ROWS for tc in _children(tr, "tc") for nested in tc.iter(w("tbl"))
    )


def _table_blocks(tbl: etree._Element, w: _Names, blocks: list[Block], warnings: list[str]) -> None:
    """A w:tbl as one grid; or, when some of its rows are frames holding tables (a layout table, or
    tables glued together by an editor), the runs of other rows as grids and each frame row's cell
    content as blocks in their place."""
    rows = _children(tbl, "tr")
    run: list[etree._Element] = []
    for tr in rows:
        if not is_frame_row(tr, w):
            run.append(tr)
            continue
        if run:
            blocks.append(read_rows(run, w))
            run = []
        for tc in _children(tr, "tc"):
            _walk_blocks(tc, w, blocks, warnings)
    if run:
        blocks.append(read_rows(run, w))


def _list_number(p: etree._Element, w: _Names, numbering: Numbering) -> str:
    """The number Word prints before a paragraph of a numbered list ('' when it is in none)."""
    ppr = p.find(w("pPr"))
    num_pr = ppr.find(w("numPr")) if ppr is not None else None
    num_id = num_pr.find(w("numId")) if num_pr is not None else None
    ilvl = num_pr.find(w("ilvl")) if num_pr is not None else None
    style = ppr.find(w("pStyle")) if ppr is not None else None
    by_style = numbering.style_list(style.get(w("val"), "")) if style is not None else None
    if num_id is not None:
        level = _int_val(ilvl, w, by_style[1] if by_style and ilvl is None else 0)
        return numbering.prefix(num_id.get(w("val"), ""), level)
    if by_style is not None:  # numbered by its paragraph style
        return numbering.prefix(by_style[0], _int_val(ilvl, w, by_style[1]))
    return ""


def _alternate_choice(alt: etree._Element) -> etree._Element:
    """The first mc:Choice of an mc:AlternateContent (or the element itself when there is none)."""
    for child in alt:
        if child.tag == f"{{{MC_NS}}}Choice":
            return child
    return alt


# ---------------------------------------------------------------- text


def paragraph_text(p: etree._Element, w: _Names, boxes: list[str] | None = None) -> str:
    """The printed text of one w:p: w:t, w:tab as \\t, w:br/w:cr as \\n; text boxes go to ``boxes``."""
    out: list[str] = []
    _collect_text(p, out, boxes)
    return "".join(out)


def _collect_text(el: etree._Element, out: list[str], boxes: list[str] | None) -> None:
    """Depth-first text of the runs under el, skipping deleted text, field codes and fallbacks."""
    for child in el:
        local = _local(child.tag)
        if local == "t":
            if child.text:
                out.append(child.text)
        elif local == "tab":
            out.append("\t")
        elif local in ("br", "cr"):
            out.append("\n")
        elif local == "noBreakHyphen":
            out.append("-")
        elif local in _SKIP_LOCAL or local == "" or local == "Fallback":
            continue
        elif local == "txbxContent":
            if boxes is not None:
                lines: list[str] = []
                for p in child.iter("{*}p"):
                    lines.append("".join(_text_only(p)))
                boxes.append("\n".join(lines))
        else:
            _collect_text(child, out, boxes)


def _text_only(p: etree._Element) -> list[str]:
    """Text of a text-box paragraph (same rules, nested boxes ignored)."""
    out: list[str] = []
    _collect_text(p, out, None)
    return out


# ---------------------------------------------------------------- tables


def _int_val(el: etree._Element | None, w: _Names, default: int) -> int:
    """The integer w:val of a property element, or default when absent or malformed."""
    if el is None:
        return default
    try:
        return max(int(el.get(w("val"), default)), 0)
    except ValueError:
        return default


def _children(parent: etree._Element, local: str) -> list[etree._Element]:
    """Children with a local name, looking through content-control and custom-XML wrappers."""
    out: list[etree._Element] = []
    for child in parent:
        name = _local(child.tag)
        if name == local:
            out.append(child)
        elif name in _WRAPPERS:
            out.extend(_children(child, local))
    return out


def cell_text(tc: etree._Element, w: _Names) -> str:
    """Text of a table cell: its paragraphs joined by \\n; a nested table flattened one cell per line."""
    lines: list[str] = []
    _cell_lines(tc, w, lines)
    return "\n".join(lines).strip("\n")


def _cell_lines(parent: etree._Element, w: _Names, lines: list[str]) -> None:
    """Lines of the paragraphs and nested tables under a cell, in order."""
    for child in parent:
        local = _local(child.tag)
        if local == "p":
            boxes: list[str] = []
            lines.append(paragraph_text(child, w, boxes))
            lines.extend(boxes)
        elif local == "tbl":
            for cell in read_table(child, w).cells:
                if cell.text:
                    lines.append(cell.text)
        elif local in _WRAPPERS:
            _cell_lines(child, w, lines)
        elif local == "AlternateContent":
            _cell_lines(_alternate_choice(child), w, lines)


def read_table(tbl: etree._Element, w: _Names) -> Table:
    """A w:tbl as a grid: one Cell per printed (possibly merged) cell, holes filled with empty cells."""
    return read_rows(_children(tbl, "tr"), w)


def read_rows(rows: list[etree._Element], w: _Names) -> Table:
    """Table rows (w:tr) as a grid: one Cell per printed (possibly merged) cell, holes filled."""
    tr_pr, grid_before, tc_pr, grid_span = w("trPr"), w("gridBefore"), w("tcPr"), w("gridSpan")
    v_merge, h_merge, val = w("vMerge"), w("hMerge"), w("val")
    cells: list[Cell] = []
    open_v: dict[int, Cell] = {}  # grid column -> the cell a vMerge region started at, still open
    for r, tr in enumerate(rows):
        trpr = tr.find(tr_pr)
        col = _int_val(trpr.find(grid_before) if trpr is not None else None, w, 0)
        next_open: dict[int, Cell] = {}
        last: Cell | None = None
        for tc in _children(tr, "tc"):
            tcpr = tc.find(tc_pr)
            span, vmerge, hmerge = 1, None, None
            if tcpr is not None:
                span = max(1, _int_val(tcpr.find(grid_span), w, 1))
                vmerge, hmerge = tcpr.find(v_merge), tcpr.find(h_merge)
            v_continue = vmerge is not None and vmerge.get(val, "continue") != "restart"
            h_continue = hmerge is not None and hmerge.get(val, "continue") != "restart"
            if v_continue and col in open_v:
                owner = open_v[col]
                owner.rowspan = r - owner.row + 1
                next_open[col] = owner
                last = owner
            elif h_continue and last is not None and last.row == r:
                last.colspan += span
            else:
                last = Cell(text=cell_text(tc, w), row=r, col=col, colspan=span)
                cells.append(last)
                if vmerge is not None:
                    next_open[col] = last
            col += span
        open_v = next_open
    return Table(cells=_fill_holes(cells), exact=True)


def _fill_holes(cells: list[Cell]) -> list[Cell]:
    """Add an empty Cell at every grid position no cell covers (gridBefore/gridAfter, short rows)."""
    taken: set[tuple[int, int]] = set()
    for c in cells:
        for r in range(c.row, c.row + c.rowspan):
            for k in range(c.col, c.col + c.colspan):
                taken.add((r, k))
    n_rows = max((c.row + c.rowspan for c in cells), default=0)
    n_cols = max((c.col + c.colspan for c in cells), default=0)
    holes = [Cell(text="", row=r, col=k) for r in range(n_rows) for k in range(n_cols) if (r, k) not in taken]
    if not holes:
        return cells
    return sorted(cells + holes, key=lambda c: (c.row, c.col))
