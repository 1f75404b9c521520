"""A web page's report tables published as pictures or as an attachment saved beside the page.

Pictures: each ``<img>`` of the report body, in document order, is found in the web archive's parts
(MHTML), decoded from a ``data:`` URI, or read from the saved page's folder (a relative path that stays
inside that folder: ``report_files/t1.png``; ``../`` escapes and absolute paths are refused). A picture
too small to hold a table (a logo, a QR code, a seal) is skipped before any OCR; the rest are read as
scanned pages by :func:`ingest.scan.read_page`, and only the tables found on them are kept (the page's
own text gives title, sections and signature). A picture that cannot be found is a warning naming it.

Attachments: a link (``<a href>``) to a PDF, Word/WPS or spreadsheet file saved in the page's folder is
read with :func:`ingest.load`, and its tables (with the text between them) stand where the link stands.
"""

from __future__ import annotations

import base64
import binascii
import email
import email.policy
import os
import posixpath
import re
import time
import urllib.parse
from dataclasses import dataclass, field, replace
from typing import Any

from lxml.etree import _Element as Element

from ingest.errors import ReportError
from ingest.grid import Block, PageInfo, Table, compose, translation
from ingest.options import Options

# A picture narrower or shorter than this (pixels) holds no readable table: logos, QR codes, seals.
MIN_TABLE_WIDTH = 480
MIN_TABLE_HEIGHT = 100
# Square-ish pictures at most this wide are QR codes, seals and badges.
SQUARE_MAX_SIDE = 600
SQUARE_RATIO = 1.25
# A table picture is set on a white page this many times its width (a report's text block is about
# 0.76 of an A4 page's width), of A4's proportions.
PAGE_TEXT_SHARE = 0.76
PAGE_ASPECT = 1.414
# Attributes of lazy-loading pictures that hold the real picture while ``src`` is a placeholder.
LAZY_ATTRIBUTES = ("data-original", "data-src", "data-actualsrc", "data-lazy-src")
# Suffixes of attachments whose tables are read (by their content, whatever the suffix says).
ATTACHMENT_SUFFIXES = (".pdf", ".doc", ".docx", ".wps", ".xls", ".xlsx", ".et", ".ods")
_DATA_URI = re.compile(r"^data:([\w/+.-]*)((?:;[\w=.-]+)*?)(;base64)?,(.*)$", re.S | re.I)


@dataclass
class PageFiles:
    """Where a page's pictures and attachments come from: its folder on disk, and its archive's parts."""

    folder: str | None
    parts: dict[str, bytes] = field(default_factory=dict)
    base: str = ""  # the archived page's own Content-Location


@dataclass
class Found:
    """What the pictures and attachments of a page gave: blocks per element, pages, names read, warnings."""

    blocks: dict[Element, list[Block]] = field(default_factory=dict)
    pages: list[PageInfo] = field(default_factory=list)
    pictures: list[str] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    ocr: bool = False
    ocr_engine: str | None = None
    unread: int = 0  # pictures large enough to hold a table, not read because OCR is off


# ---------------------------------------------------------------- where the bytes are


def archive_parts(data: bytes) -> tuple[dict[str, bytes], str]:
    """The non-HTML parts of a MIME web archive by Content-Location and cid:, and the page's own location."""
    message = email.message_from_bytes(data, policy=email.policy.compat32)
    parts: dict[str, bytes] = {}
    base = ""
    for part in message.walk():
        if part.is_multipart():
            continue
        location = (part.get("Content-Location") or "").strip()
        if part.get_content_type() == "text/html":
            base = base or location
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        if location:
            parts[location] = payload
        cid = (part.get("Content-ID") or "").strip().strip("<>")
        if cid:
            parts[f"cid:{cid}"] = payload
    return parts, base


def data_uri_bytes(src: str) -> bytes:
    """The bytes a data: URI holds (base64 or percent-encoded); ReportError(corrupt) when damaged."""
    m = _DATA_URI.match(src.strip())
    if not m:
        raise ReportError("corrupt", "a malformed data: URI")
    payload = m.group(4)
    if m.group(3):
        try:
            return base64.b64decode(re.sub(r"\s+", "", payload), validate=True)
        except (binascii.Error, ValueError):
            raise ReportError("corrupt", "a data: URI whose base64 is damaged") from None
    return urllib.parse.unquote_to_bytes(payload)


def inside_folder(folder: str, ref: str) -> str | None:
    """The file a relative reference names inside folder, or None when it is absolute or escapes it."""
    ref = urllib.parse.unquote(ref.split("#", 1)[0].split("?", 1)[0]).replace("\\", "/")
    if not ref or ref.startswith("/") or re.match(r"^[A-Za-z][\w+.-]*:", ref):
        return None
    root = os.path.realpath(folder)
    target = os.path.realpath(os.path.join(root, *ref.split("/")))
    return target if target.startswith(root + os.sep) else None


def archived(files: PageFiles, src: str) -> bytes | None:
    """A reference's part in the web archive: by exact location, relative to the page, or by file name."""
    if src in files.parts:
        return files.parts[src]
    if files.base:
        joined = urllib.parse.urljoin(files.base, src)
        if joined in files.parts:
            return files.parts[joined]
    name = posixpath.basename(urllib.parse.unquote(src).replace("\\", "/"))
    same = [v for k, v in files.parts.items() if posixpath.basename(k.replace("\\", "/")) == name]
    return same[0] if len(same) == 1 else None


def fetch(files: PageFiles, src: str, options: Options) -> bytes:
    """The bytes a picture or link reference names; ReportError(unreadable/too_large) when not there."""
    if src.lower().startswith("data:"):
        data = data_uri_bytes(src)
    elif (part := archived(files, src)) is not None:
        data = part
    elif files.folder is None:
        raise ReportError("unreadable", "not in the web archive")
    else:
        target = inside_folder(files.folder, src)
        if target is None:
            raise ReportError("unreadable", "outside the page's folder (not read)")
        if not os.path.isfile(target):
            raise ReportError("unreadable", "no such file beside the page")
        if os.path.getsize(target) > options.max_file_bytes:
            raise ReportError("too_large", f"more than the limit of {options.max_file_bytes} bytes")
        with open(target, "rb") as f:
            data = f.read()
    if len(data) > options.max_file_bytes:
        raise ReportError("too_large", f"more than the limit of {options.max_file_bytes} bytes")
    return data


def short_name(src: str) -> str:
    """A reference as a warning names it (a data: URI by its kind and length)."""
    if src.lower().startswith("data:"):
        return f"data:{src[5:].split(',', 1)[0]} URI of {len(src)} characters"
    return src


# ---------------------------------------------------------------- pictures


def may_hold_table(width: int, height: int) -> bool:
    """Whether a picture is large enough, and not square and small like a QR code or seal, to hold a table."""
    if width < MIN_TABLE_WIDTH or height < MIN_TABLE_HEIGHT:
        return False
    square = max(width, height) <= SQUARE_RATIO * min(width, height)
    return not (square and max(width, height) <= SQUARE_MAX_SIDE)


def large_enough(files: PageFiles, img: Element, options: Options) -> bool:
    """Whether a picture is there and large enough to hold a table (its header alone is read)."""
    from ingest.limits import check_image_header

    try:
        return may_hold_table(*check_image_header(picture_data(img, files, options)[1], options.max_pixels))
    except ReportError:
        return False


def read_picture(data: bytes, number: int, options: Options) -> tuple[list[Table], PageInfo, list[str]] | None:
    """The tables of one picture read as a scanned page numbered ``number``; None for a picture too
    small to hold one."""
    from ingest.limits import check_image_header
    from ingest.scan import reader as scan

    width, height = check_image_header(data, options.max_pixels)
    if not may_hold_table(width, height):
        return None
    (gray, *_rest) = scan.image_pages(data, options)
    page, (dx, dy) = on_page(gray)
    blocks, info, notes = scan.read_page(page, number, options)
    tables = [shifted(b, -dx, -dy) for b in blocks if isinstance(b, Table)]
    # bboxes moved by -d: a point of the picture is the point of the page moved by -d, both ways round
    back = compose(translation(-dx, -dy), compose(info.to_source, translation(dx, dy)))
    return tables, replace(info, width=float(width), height=float(height), to_source=back), notes


def on_page(gray: Any) -> tuple[Any, tuple[int, int]]:
    """A picture of a table set on a white page of its resolution (the picture as wide as a page's text
    block), so the scan reader sees a page and not an enlarged crop; also where the picture went."""
    import numpy as np

    h, w = gray.shape[:2]
    page_w = int(w / PAGE_TEXT_SHARE)
    page_h = max(h + (page_w - w), int(page_w * PAGE_ASPECT))
    dx, dy = (page_w - w) // 2, (page_w - w) // 2
    page = np.full((page_h, page_w), 255, dtype=gray.dtype)
    page[dy : dy + h, dx : dx + w] = gray
    return page, (dx, dy)


def _moved(box: Any, dx: float, dy: float) -> Any:
    """A box (x0, y0, x1, y1) moved by (dx, dy); None stays None."""
    return None if box is None else (box[0] + dx, box[1] + dy, box[2] + dx, box[3] + dy)


def shifted(table: Table, dx: float, dy: float) -> Table:
    """A table read on the page of :func:`on_page` in the picture's own pixels."""
    cells = [replace(c, bbox=_moved(c.bbox, dx, dy)) for c in table.cells]
    return replace(
        table, cells=cells, bbox=_moved(table.bbox, dx, dy), lines=[_moved(ln, dx, dy) for ln in table.lines]
    )


def picture_refs(img: Element) -> list[str]:
    """Where an <img> says its picture is: lazy-loading attributes first (their ``src`` is then a
    placeholder), then ``src``."""
    refs = [(img.get(a) or "").strip() for a in (*LAZY_ATTRIBUTES, "src")]
    return [r for r in refs if r]


def picture_data(img: Element, files: PageFiles, options: Options) -> tuple[str, bytes]:
    """The first of a picture's references that can be fetched, and its bytes; else the error of its last."""
    refs = picture_refs(img)
    for ref in refs[:-1]:
        try:
            return ref, fetch(files, ref, options)
        except ReportError:
            continue
    return refs[-1], fetch(files, refs[-1], options)


def body_pictures(body: Element) -> list[Element]:
    """The <img> elements of the report body with a source, in document order."""
    return [img for img in body.iter("img") if picture_refs(img)]


def read_pictures(imgs: list[Element], files: PageFiles, options: Options, found: Found) -> None:
    """Read each picture that may hold a table as the next scanned page; keep the tables found."""
    if options.ocr == "never":
        found.unread = sum(1 for img in imgs if large_enough(files, img, options))
        if found.unread:
            found.warnings.append(f"{found.unread} pictures in the page are not read: OCR is off (--ocr never)")
        return
    start = time.monotonic()
    for img in imgs:
        src = picture_refs(img)[-1]
        if len(found.pages) >= options.max_pages:
            raise ReportError("too_large", f"more than {options.max_pages} pictures to read")
        if time.monotonic() - start > options.timeout_s:
            raise ReportError("timeout", f"reading the page's pictures took longer than {options.timeout_s:g} s")
        try:
            src, data = picture_data(img, files, options)
            result = read_picture(data, len(found.pages) + 1, options)
        except ReportError as e:
            found.warnings.append(f"picture {short_name(src)}: {e.reason}; not read")
            continue
        if result is None:
            continue
        tables, info, notes = result
        if not tables:
            continue
        found.blocks[img] = list(tables)
        found.pages.append(info)
        found.pictures.append(short_name(src))
        found.warnings.extend(f"picture {short_name(src)}: {n}" for n in notes)
        found.ocr = True
        found.ocr_engine = options.ocr_engine


# ---------------------------------------------------------------- attachments


def attachment_links(body: Element) -> list[Element]:
    """The links of the report body to a file kind that may hold the report's tables."""
    out = []
    for a in body.iter("a"):
        href = urllib.parse.unquote((a.get("href") or "").split("?", 1)[0].split("#", 1)[0]).lower()
        if href.endswith(ATTACHMENT_SUFFIXES):
            out.append(a)
    return out


def between_tables(blocks: list[Block]) -> list[Block]:
    """An attachment's blocks from its first table to its last: its tables, and the headings between
    them that keep one table from running on into the next."""
    at = [i for i, b in enumerate(blocks) if isinstance(b, Table)]
    return blocks[at[0] : at[-1] + 1] if at else []


def read_attachments(links: list[Element], files: PageFiles, options: Options, found: Found) -> None:
    """Read each linked attachment saved beside the page; its tables stand where its link stands."""
    import hashlib
    import tempfile

    from ingest import load
    from ingest.detect import sniff

    for a in links:
        href = (a.get("href") or "").strip()
        try:
            data = fetch(files, href, options)
            if sniff(data) == "html":
                raise ReportError("unsupported", "a web page, not an attachment holding tables")
            with tempfile.NamedTemporaryFile(prefix="govreport-attachment-", suffix=posixpath.splitext(href)[1]) as f:
                f.write(data)
                f.flush()
                doc = load(f.name, options)
        except ReportError as e:
            found.warnings.append(f"attachment {href}: {e.kind}: {e.reason}; not read")
            continue
        if not doc.tables:
            continue
        found.blocks[a] = between_tables(doc.blocks)
        found.attachments.append(
            {
                "file": urllib.parse.unquote(href),
                "format": doc.format,
                "sha256": hashlib.sha256(data).hexdigest(),
                "ocr": doc.ocr,
            }
        )
        found.warnings.extend(f"attachment {href}: {w}" for w in doc.warnings)
        found.ocr = found.ocr or doc.ocr
        found.ocr_engine = found.ocr_engine or doc.ocr_engine
