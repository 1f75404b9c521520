"""Web pages: a saved government page, a bare HTML fragment or a MIME web archive -> Document.

Steps, each small and pure: unwrap a web archive (.mht) to its HTML part; decode the bytes (BOM, strict
UTF-8, the declared charset, GB18030, with a warning when a declaration lies); parse with lxml (no
network, no external entities); drop scripts and styles; mark line breaks; take the title; find the
data tables (layout tables around them are not grids); pick the report body (the deepest ancestor of
a data table holding as many section headings 一、…六、 as any such ancestor); read the publication
date from the chrome outside it (发布日期 label, else a date <meta>, else a bare 日期/时间 label, never
from nav or footer); walk the body in document order into paragraphs and table grids. Grids follow
the HTML table algorithm: one Cell per <td>/<th> with its spans, placed at the first free column,
rowspans clipped to their row group.
"""

from __future__ import annotations

import codecs
import datetime as _dt
import email
import email.policy
import os
import re

import lxml.etree
from lxml.etree import _Element as Element

from ingest.errors import ReportError
from ingest.grid import Block, Cell, Document, Paragraph, Table
from ingest.html.pictures import (
    Found,
    PageFiles,
    archive_parts,
    attachment_links,
    body_pictures,
    read_attachments,
    read_pictures,
)
from ingest.options import Options

# Elements that never hold report text.
DROP_TAGS = (
    "script",
    "style",
    "noscript",
    "template",
    "iframe",
    "object",
    "embed",
    "svg",
    "canvas",
    "select",
    "button",
)
# Elements whose start and end break a line of text.
BLOCK_TAGS = frozenset(
    "p div h1 h2 h3 h4 h5 h6 li ul ol dl dt dd blockquote pre section article center address "
    "figure figcaption caption hr main form fieldset legend summary details tr".split()
)
CELL_TAGS = ("td", "th")
# Page chrome by its HTML5 element: the header goes last, as article headers carry the 发布日期.
CHROME_TAGS = ("header", "nav", "footer", "aside")
# A table holding a nested table of at least this many rows is page layout, not a report table.
LAYOUT_NESTED_ROWS = 3
# Span limits of the HTML table algorithm.
MAX_COLSPAN = 1000
MAX_ROWSPAN = 65534
# Grid positions a table's spans may cover in all (a page claiming more is hostile or broken).
MAX_GRID_POSITIONS = 1_000_000
# How far into the bytes a charset declaration is looked for.
CHARSET_PROBE_BYTES = 8192

# Characters no HTML text may hold (and lxml refuses): C0 controls other than whitespace, non-characters.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f\ufffe\uffff\ue000]")
_WS = re.compile(r"[ \t\n\r\f\u00a0\u3000\u200b]+")
_CJK = r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]"
_CJK_BREAK = re.compile(rf"(?<={_CJK})[ \t\r\f\u00a0]*\n[ \t\n\r\f\u00a0]*(?={_CJK})")
_NUMERALS = "一二三四五六"
_LEADING = " \t\r\n\f\u00a0\u3000\u200b" + "\ue000"
_HEADING = re.compile(r"^\s*([一二三四五六])\s*[、.．]")
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9_\-:.]+)", re.I)
_XML_ENCODING = re.compile(rb"<\?xml[^>]+encoding\s*=\s*[\"']([A-Za-z0-9_\-.]+)", re.I)
_DATE = r"(\d{4})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})"
# Chrome labels of a publication date, most specific first.
_DATE_LABELS = (
    re.compile(r"(?:发布日期|发布时间|发表日期|发表时间|公开日期|公开时间)\s*[:：]?\s*" + _DATE),
    re.compile(r"(?:日期|时间)\s*[:：]\s*" + _DATE),
)
# <meta name=...> keys carrying the publication date, lower case.
_DATE_META = ("pubdate", "publishdate", "firstpublishedtime", "article:published_time", "dc.date", "dcterms.issued")
# Marks a line break (block edge or <br>) in the text; a private-use character no page prints.
BRK = "\ue000"
_GB_NAMES = ("gb2312", "gbk", "gb18030", "cp936", "x-gbk", "euc-cn", "hz-gb-2312")


# ---------------------------------------------------------------- decoding


def declared_charset(data: bytes) -> str | None:
    """The charset a <meta> or XML declaration names in the head of the bytes, lower case."""
    head = data[:CHARSET_PROBE_BYTES]
    m = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    return m.group(1).decode("ascii", "replace").lower() if m else None


def _codec(name: str) -> str | None:
    """Python codec for a declared charset name (GB family -> gb18030), or None if unknown."""
    if name in _GB_NAMES:
        return "gb18030"
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    # A UTF-16/32 declaration readable as ASCII bytes cannot be true.
    return None if codec.startswith(("utf-16", "utf-32")) else codec


def _strict(data: bytes, codec: str) -> str | None:
    """The bytes decoded strictly, or None."""
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_html(data: bytes, declared: str | None = None) -> tuple[str, str, list[str]]:
    """Text, codec used and warnings: BOM, then strict UTF-8 (catches lying declarations), declared, GB18030.

    ``declared`` is a charset named outside the bytes (a MIME part header); else the page's <meta> is read.
    """
    for bom, bom_codec in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(bom):
            return data[len(bom) :].decode(bom_codec, errors="replace"), bom_codec, []
    declared = (declared or declared_charset(data) or "").lower() or None
    codec = _codec(declared) if declared else None
    warnings: list[str] = []
    # Valid UTF-8 with non-ASCII text is practically never GBK by chance, so strict UTF-8 wins even
    # over a declaration (sites often declare gb2312 and serve UTF-8).
    text = _strict(data, "utf-8")
    if text is not None:
        if codec not in (None, "utf-8") and not data.isascii():
            warnings.append(f"page declares charset {declared} but its bytes are UTF-8; read as UTF-8")
        return text, "utf-8", warnings
    for cand in (codec, "gb18030"):
        if cand and cand != "utf-8":
            text = _strict(data, cand)
            if text is not None:
                if codec == "utf-8":
                    warnings.append(f"page declares charset {declared} but its bytes are not UTF-8; read as {cand}")
                return text, cand, warnings
    warnings.append("page bytes fit no known encoding; undecodable bytes replaced")
    return data.decode(codec or "gb18030", errors="replace"), codec or "gb18030", warnings


def unwrap_mhtml(data: bytes) -> tuple[bytes, str | None] | None:
    """The HTML part of a MIME web archive (.mht, Word's single-file web page) and its charset, else None."""
    head = data[:4096].lower()
    if b"mime-version:" not in head or b"multipart/related" not in head:
        return None
    message = email.message_from_bytes(data, policy=email.policy.compat32)
    for part in message.walk():
        if part.get_content_type() == "text/html":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                return payload, part.get_content_charset()
    raise ReportError("corrupt", "a web archive (MHTML) without an HTML part")


# ---------------------------------------------------------------- parsing and chrome


def parse(text: str) -> Element:
    """The element tree of decoded page text, parsed without network or external entities."""
    text = _NOT_XML.sub("", re.sub(r"^\s*<\?xml[^>]*>", "", text).replace("\x0c", " "))
    parser = lxml.etree.HTMLParser(encoding="utf-8", no_network=True, remove_comments=True, remove_pis=True)
    try:
        root = lxml.etree.fromstring(text.encode("utf-8"), parser=parser)
    except (lxml.etree.ParserError, lxml.etree.XMLSyntaxError, ValueError) as e:
        raise ReportError("corrupt", f"the web page could not be parsed ({e})") from None
    if root is None:
        raise ReportError("empty", "the web page holds no elements")
    return root


def drop(el: Element) -> None:
    """Remove an element and its content from the tree, keeping the text that follows it."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def mark_breaks(root: Element) -> None:
    """Put a BRK at every <br> and at both edges of every block element, so text joins keep lines apart."""
    for el in root.iter("br", "table", *BLOCK_TAGS, *CELL_TAGS):
        if el.tag != "br":
            el.text = BRK + (el.text or "")
        el.tail = BRK + (el.tail or "")


def text_of(el: Element) -> str:
    """All text inside an element (not its tail)."""
    return "".join(el.itertext())


def lines_of(text: str) -> list[str]:
    """The non-empty rendered lines of marked text."""
    return [line for line in (part.strip() for part in collapse(text).split(BRK)) if line]


def drop_chrome(root: Element, tags: tuple[str, ...]) -> None:
    """Remove navigation/header/footer elements that hold no table."""
    for el in list(root.iter(*tags)):
        if el.getparent() is not None and next(el.iter("table"), None) is None:
            drop(el)


def collapse(text: str) -> str:
    """Rendered text of an HTML text run: a break between CJK characters vanishes, other whitespace is one space."""
    return _WS.sub(" ", _CJK_BREAK.sub("", text))


def valid_date(y: str, m: str, d: str) -> str | None:
    """YYYY-MM-DD if the parts form a real date, else None."""
    try:
        return _dt.date(int(y), int(m), int(d)).isoformat()
    except ValueError:
        return None


def _meta_date(root: Element) -> str | None:
    """A publication date from the page's <meta> tags (PubDate and the like)."""
    for meta in root.iter("meta"):
        name = (meta.get("name") or meta.get("property") or "").strip().lower()
        if name in _DATE_META:
            found = re.search(_DATE, meta.get("content") or "")
            if found and (date := valid_date(*found.groups())):
                return date
    return None


def _labelled_date(pattern: re.Pattern[str], text: str) -> str | None:
    """The first real date after a label matching pattern."""
    for m in pattern.finditer(text):
        date = valid_date(*m.groups())
        if date:
            return date
    return None


def published_date(chrome_text: str, root: Element) -> str | None:
    """The page's publication date: a 发布日期-like label, else a date <meta>, else a bare 日期/时间 label."""
    strong, weak = _DATE_LABELS
    return _labelled_date(strong, chrome_text) or _meta_date(root) or _labelled_date(weak, chrome_text)


def page_title(root: Element) -> str | None:
    """The article's title: its <meta ArticleTitle>, an <h1>, or the <title> (first part naming a 报告)."""
    for meta in root.iter("meta"):
        if (meta.get("name") or "").lower() == "articletitle" and (meta.get("content") or "").strip():
            return collapse(meta.get("content") or "").strip()
    for h in root.iter("h1", "h2"):
        t = collapse(text_of(h).replace(BRK, " ")).strip()
        if "报告" in t:
            return t
    title = root.find(".//title")
    if title is None:
        return None
    whole = collapse(text_of(title).replace(BRK, " ")).strip()
    parts = [p.strip() for p in re.split(r"\s*(?:_|\||－|—|-{1,2})\s*", whole) if p.strip()]
    for p in parts:
        if "报告" in p:
            return p
    return whole or None


# ---------------------------------------------------------------- tables


def row_groups(table: Element) -> list[list[Element]]:
    """The table's rows by row group (thead/tbody/tfoot, or a run of bare <tr>), not of nested tables."""
    groups: list[list[Element]] = []
    bare: list[Element] | None = None
    for child in table:
        if child.tag == "tr":
            if bare is None:
                bare = []
                groups.append(bare)
            bare.append(child)
        elif child.tag in ("thead", "tbody", "tfoot"):
            bare = None
            groups.append([c for c in child if c.tag == "tr"])
    return [g for g in groups if g]


def own_rows(table: Element) -> list[Element]:
    """The <tr> elements of this table in order, not of nested tables."""
    return [tr for group in row_groups(table) for tr in group]


def is_layout(table: Element) -> bool:
    """A table is page layout when a table nested in it has rows of its own (a report table inside)."""
    return any(len(own_rows(t)) >= LAYOUT_NESTED_ROWS for t in table.iter("table") if t is not table)


def span(value: str | None, limit: int) -> int:
    """A rowspan/colspan attribute as the HTML algorithm reads it (bad or < 1 -> 1; 0 for rowspan handled by caller)."""
    if value is None:
        return 1
    if value.isdigit():
        return min(int(value), limit)
    m = re.match(r"\s*(\d+)", value)
    return min(int(m.group(1)), limit) if m else 1


def cell_text(td: Element) -> str:
    """Text of a cell: <br>, <p>, <div> and nested-table cells give lines joined by \\n; &nbsp; is a space."""
    return "\n".join(lines_of(text_of(td)))


def grid(table: Element) -> Table:
    """The table as a grid: cells placed by the HTML table algorithm, rowspans clipped to their row group."""
    taken: set[tuple[int, int]] = set()
    cells: list[Cell] = []
    r = 0
    for group in row_groups(table):
        group_end = r + len(group)
        for tr in group:
            col = 0
            for td in tr:
                if td.tag not in CELL_TAGS:
                    continue
                while (r, col) in taken:
                    col += 1
                colspan = max(1, span(td.get("colspan"), MAX_COLSPAN))
                zero = (td.get("rowspan") or "").strip() == "0"  # 0: to the end of the row group
                rowspan = group_end - r if zero else min(max(1, span(td.get("rowspan"), MAX_ROWSPAN)), group_end - r)
                if len(taken) + rowspan * colspan > MAX_GRID_POSITIONS:
                    raise ReportError("too_large", f"a table spans more than {MAX_GRID_POSITIONS} grid positions")
                for dr in range(rowspan):
                    for dc in range(colspan):
                        taken.add((r + dr, col + dc))
                cells.append(Cell(text=cell_text(td), row=r, col=col, rowspan=rowspan, colspan=colspan))
                col += colspan
            r += 1
    return Table(cells=cells)


def caption_of(table: Element) -> str:
    """The text of a table's <caption>, if it has one."""
    cap = next((c for c in table if c.tag == "caption"), None)
    return "" if cap is None else text_of(cap)


# ---------------------------------------------------------------- the report body


def data_tables(root: Element) -> list[Element]:
    """Tables that hold data (not page layout), outermost first, none inside another data table."""
    out: list[Element] = []
    for t in root.iter("table"):
        if is_layout(t) or any(a in out for a in t.iterancestors("table")):
            continue
        if any(c.tag in CELL_TAGS for tr in own_rows(t) for c in tr):
            out.append(t)
    return out


def _in_chrome(el: Element) -> bool:
    """Whether an element stands inside navigation, a header, a footer or a sidebar."""
    return any(a.tag in CHROME_TAGS for a in el.iterancestors())


def _in_link_or_table(el: Element, tables: set[Element]) -> bool:
    """Whether an element is inside a link or a data table (its text is no section heading)."""
    for a in [el, *el.iterancestors()]:
        if a.tag == "a" or a in tables:
            return True
    return False


def heading_owners(root: Element, tables: list[Element]) -> list[tuple[str, set[Element]]]:
    """Each section heading 一、…六、 outside tables and links: its numeral and its element with ancestors.

    The sets hold the element objects themselves: lxml proxies keep their identity only while alive.
    """
    tset = set(tables)
    out: list[tuple[str, set[Element]]] = []
    for el in root.iter():
        for text, is_tail in ((el.text, False), (el.tail, True)):
            if not text:
                continue
            head = text.lstrip(_LEADING)
            if head[:1] not in _NUMERALS:
                continue
            owner = el.getparent() if is_tail else el
            m = _HEADING.match(collapse(head))
            if m and owner is not None and not _in_link_or_table(owner, tset):
                out.append((m.group(1), {owner, *owner.iterancestors()}))
    return out


def report_body(root: Element, tables: list[Element]) -> Element:
    """The deepest ancestor of a data table that holds as many section headings 一、…六、 as any does."""
    body = root.find("body")
    top = body if body is not None else root
    if not tables:
        return top
    owners = heading_owners(top, tables)
    counts: dict[Element, int] = {}
    depth: dict[Element, int] = {}
    for t in tables:
        chain = [a for a in t.iterancestors() if a.tag != "table"]
        for k, a in enumerate(chain):
            if a not in counts:
                counts[a] = len({num for num, anc in owners if a in anc})
                depth[a] = len(chain) - k
    best = max(counts.values(), default=0)
    if best == 0:
        common = _common_ancestor(tables)
        return common if common is not None else top
    return max((a for a, n in counts.items() if n == best), key=lambda a: depth[a])


def _common_ancestor(els: list[Element]) -> Element | None:
    """The lowest element containing all the given elements."""
    paths = [list(reversed([e, *e.iterancestors()])) for e in els]
    common = None
    for level in zip(*paths, strict=False):
        if all(x is level[0] for x in level):
            common = level[0]
        else:
            break
    if common is not None and common.tag == "table":
        common = common.getparent()
    return common


def blocks_of(body: Element, tables: list[Element], inserts: dict[Element, list[Block]] | None = None) -> list[Block]:
    """Paragraphs and tables of the report body, in document order (only table ancestors are walked);
    ``inserts`` are the blocks read from pictures and attachments, put where their element stands."""
    tset = set(tables)
    inserts = inserts or {}
    on_path = {a for t in [*tables, *inserts] for a in t.iterancestors()}
    blocks: list[Block] = []
    pending: list[str] = []

    def flush() -> None:
        blocks.extend(Paragraph(text=line) for line in lines_of("".join(pending)))
        pending.clear()

    def walk(el: Element) -> None:
        pending.append(el.text or "")
        for child in el:
            if child in tset:
                pending.append(BRK + caption_of(child))
                flush()
                table = grid(child)
                if table.cells:
                    blocks.append(table)
            elif child in inserts:
                pending.append(BRK + text_of(child))
                flush()
                blocks.extend(inserts[child])
            elif child in on_path:
                walk(child)
            else:
                pending.append(text_of(child))
            pending.append(child.tail or "")

    walk(body)
    flush()
    return blocks


def chrome_text(root: Element, body: Element) -> str:
    """Visible text of the page outside the report body (nav and footer are dropped before)."""
    parent = body.getparent()
    if parent is None:
        return ""
    placeholder = lxml.etree.Element("span")
    parent.replace(body, placeholder)
    try:
        return collapse(text_of(root).replace(BRK, "\n"))
    finally:
        parent.replace(placeholder, body)


# ---------------------------------------------------------------- pictures and attachments


def page_files(path: str, data: bytes, is_archive: bool) -> PageFiles:
    """Where the page's pictures and attachments are: its archive's parts, else its folder on disk."""
    if is_archive:
        parts, base = archive_parts(data)
        return PageFiles(folder=None, parts=parts, base=base)
    return PageFiles(folder=os.path.dirname(os.path.abspath(path)))


def _outside(el: Element, tables: list[Element]) -> bool:
    """Whether an element stands outside the page chrome and outside every data table."""
    return not _in_chrome(el) and not any(t in tables for t in el.iterancestors("table"))


def pictures_and_attachments(root: Element, tables: list[Element], files: PageFiles, options: Options) -> Found:
    """Tables read from the body's pictures (also those inside an HTML table, which then was page
    layout), else (none found, no HTML table) from its linked attachments."""
    body = root.find("body")
    top = body if body is not None else root
    found = Found()
    read_pictures([i for i in body_pictures(top) if not _in_chrome(i)], files, options, found)
    if not tables and not found.blocks:
        read_attachments([a for a in attachment_links(top) if _outside(a, tables)], files, options, found)
    return found


def holding_no_picture(tables: list[Element], found: Found) -> list[Element]:
    """The data tables that hold no picture of a table (one that does is the page's layout)."""
    return [t for t in tables if not any(img in found.blocks for img in t.iter("img"))]


def note_found(doc: Document, found: Found) -> None:
    """Record on the Document the picture pages read and the attachments whose tables it holds."""
    doc.pages = list(found.pages)
    doc.ocr = found.ocr
    doc.ocr_engine = found.ocr_engine
    if found.pictures:
        doc.source["pictures"] = list(found.pictures)
    if found.attachments:
        doc.source["attachments"] = list(found.attachments)


# ---------------------------------------------------------------- the adapter


def read(path: str, data: bytes, options: Options) -> Document:
    """Read a web page (whole saved page or fragment) into a Document of paragraphs and grids."""
    options.validated()
    archived = unwrap_mhtml(data)
    text, _codec_used, warnings = decode_html(*archived) if archived else decode_html(data)
    files = page_files(path, data, archived is not None)
    root = parse(text)
    for el in list(root.iter(*DROP_TAGS)):
        drop(el)
    mark_breaks(root)
    title = page_title(root)
    tables = data_tables(root)
    tables = [t for t in tables if not _in_chrome(t)] or tables
    found = pictures_and_attachments(root, tables, files, options)
    tables = holding_no_picture(tables, found)
    if not tables and not found.blocks and found.unread:
        raise ReportError(
            "unreadable", "the page's tables are pictures, which only OCR reads, and OCR is off (--ocr never)"
        )
    if not tables and not found.blocks:
        raise ReportError("not_a_report", "the web page holds no table, no picture of one and no attachment with one")
    body = report_body(root, [*tables, *found.blocks])
    drop_chrome(root, CHROME_TAGS[1:])
    published = published_date(chrome_text(root, body), root)
    drop_chrome(root, CHROME_TAGS[:1])
    doc = Document(path=path, format="html", warnings=warnings + found.warnings)
    doc.blocks = blocks_of(body, tables, found.blocks)
    note_found(doc, found)
    if title:
        doc.meta["title"] = title
    if published:
        doc.meta["published"] = published
    return doc
