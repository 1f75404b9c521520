"""Guards against hostile input, shared by the adapters: zip bombs, XML entities, huge images, page counts.

Each guard is a small pure function that either returns quietly (or returns what it measured) or raises
:class:`ingest.errors.ReportError` with a documented kind (``too_large``, ``corrupt``, ``empty``). Limits
come from :mod:`ingest.options` (per-call settings) or from the named defaults below (fixed properties of
the formats, not tuned per run).

Where the adapters call them (see docs/errors.md):

- DOCX: ``check_zip(data, options.max_unzipped_bytes)`` before opening the package; every XML part parsed
  by hand goes through ``parse_xml(part)`` (``reject_doctype_entities`` + ``safe_xml_parser``); a part
  handed to python-docx goes through ``reject_doctype_entities(part)`` first.
- PDF: ``check_pages(n_pages, options.max_pages)`` right after opening, before any page is read.
- images: ``load_image(data, options.max_pixels)`` (or ``check_image_header`` when the decode happens
  elsewhere) before any pixel is decoded; rendered PDF pages: ``check_pixels(w, h, options.max_pixels)``.
"""

from __future__ import annotations

import io
import struct
import warnings
import zipfile
import zlib
from typing import TYPE_CHECKING

from ingest.errors import ReportError

if TYPE_CHECKING:
    from lxml import etree
    from PIL import Image

# A DOCX holds tens of parts, a few hundred with many images; tens of thousands is an attack.
DEFAULT_MAX_ZIP_ENTRIES = 5_000
# Office XML compresses 5-30x; deflate's ceiling is about 1030x. Above this ratio a large part is a bomb.
DEFAULT_MAX_ZIP_RATIO = 200.0
# Ratios are only judged on parts at least this large (a tiny part can compress arbitrarily well).
DEFAULT_RATIO_MIN_BYTES = 8 * 1024 * 1024
# Bytes read at a time when measuring a part by decompressing it.
_CHUNK = 1 << 20


def check_zip(
    data: bytes,
    max_unzipped_bytes: int,
    max_entries: int = DEFAULT_MAX_ZIP_ENTRIES,
    max_ratio: float = DEFAULT_MAX_ZIP_RATIO,
) -> int:
    """Refuse a zip whose parts would unpack past the limit; return the bytes actually unpacked."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
            _check_declared(infos, max_unzipped_bytes, max_entries, max_ratio)
            return _check_streamed(z, infos, max_unzipped_bytes)
    except zipfile.BadZipFile as e:
        raise ReportError("corrupt", f"damaged zip container ({e})") from None
    except (zlib.error, ValueError, OSError, EOFError, NotImplementedError, RuntimeError) as e:
        raise ReportError("corrupt", f"unreadable zip container ({type(e).__name__}: {e})") from None


def _check_declared(infos: list[zipfile.ZipInfo], max_bytes: int, max_entries: int, max_ratio: float) -> None:
    """Judge the sizes the zip's directory declares: entry count, total size, per-part ratio."""
    if len(infos) > max_entries:
        raise ReportError("too_large", f"zip holds {len(infos)} parts, more than the limit of {max_entries}")
    declared = sum(i.file_size for i in infos)
    if declared > max_bytes:
        raise ReportError("too_large", f"zip parts unpack to {declared} bytes, more than the limit of {max_bytes}")
    for i in infos:
        if i.file_size >= DEFAULT_RATIO_MIN_BYTES and i.file_size > max_ratio * max(i.compress_size, 1):
            ratio = i.file_size / max(i.compress_size, 1)
            raise ReportError("too_large", f"zip part {i.filename!r} expands {ratio:.0f}x (a zip bomb)")


def _check_streamed(z: zipfile.ZipFile, infos: list[zipfile.ZipInfo], max_bytes: int) -> int:
    """Decompress every part in chunks, stopping as soon as the running total passes the limit."""
    total = 0
    for info in infos:
        if info.is_dir():
            continue
        with z.open(info) as part:
            while chunk := part.read(_CHUNK):
                total += len(chunk)
                if total > max_bytes:
                    raise ReportError("too_large", f"zip parts unpack to more than the limit of {max_bytes} bytes")
    return total


def safe_xml_parser() -> etree.XMLParser:
    """An lxml parser that expands no entity, loads no DTD, touches no network and refuses huge trees."""
    from lxml import etree

    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
    )


def _as_utf8(xml: bytes) -> bytes:
    """The XML bytes in UTF-8 when they carry a UTF-16 byte-order mark, else unchanged."""
    if xml.startswith((b"\xff\xfe", b"\xfe\xff")):
        return xml.decode("utf-16", errors="replace").encode("utf-8")
    return xml


def reject_doctype_entities(xml: bytes) -> None:
    """Refuse an XML part whose DOCTYPE declares entities (billion laughs, external entities)."""
    head = _as_utf8(xml)
    if b"<!DOCTYPE" not in head:
        return
    if b"<!ENTITY" in head:
        raise ReportError("corrupt", "XML entity declarations are not allowed")


def parse_xml(xml: bytes, part: str = "XML part") -> etree._Element:
    """Parse an XML part safely: entity declarations refused, no DTD or network, syntax errors -> corrupt."""
    from lxml import etree

    reject_doctype_entities(xml)
    try:
        return etree.fromstring(xml, safe_xml_parser())
    except etree.XMLSyntaxError as e:
        raise ReportError("corrupt", f"malformed {part} ({e})") from None


def check_pixels(width: int, height: int, max_pixels: int) -> None:
    """Refuse an image or rendered page of more than max_pixels, or of no size at all."""
    if width <= 0 or height <= 0:
        raise ReportError("corrupt", f"image of impossible size {width}x{height}")
    if width * height > max_pixels:
        raise ReportError(
            "too_large", f"image of {width}x{height} = {width * height} pixels, more than the limit of {max_pixels}"
        )


def _open_lazily(data: bytes) -> Image.Image:
    """PIL's lazy open (header only), with its own bomb check turned into our kinds."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as e:
        raise ReportError("too_large", f"image too large to decode ({e})") from None
    except UnidentifiedImageError:
        raise ReportError("corrupt", "image data of no readable format (damaged header)") from None
    except (OSError, SyntaxError, ValueError, EOFError, struct.error) as e:
        raise ReportError("corrupt", f"damaged image header ({e})") from None


def check_image_header(data: bytes, max_pixels: int) -> tuple[int, int]:
    """Read an image's width and height from its header alone; refuse too many pixels or a broken header."""
    im = _open_lazily(data)
    width, height = im.size
    check_pixels(width, height, max_pixels)
    _verify_structure(data)
    return width, height


def _verify_structure(data: bytes) -> None:
    """PIL's verify(): walks the chunk/segment structure (PNG CRCs, IEND) without decoding pixels."""
    im = _open_lazily(data)
    try:
        im.verify()
    except (OSError, SyntaxError, ValueError, EOFError, struct.error) as e:
        raise ReportError("corrupt", f"damaged image data ({e})") from None


def load_image(data: bytes, max_pixels: int) -> Image.Image:
    """Decode an image only after its header passed :func:`check_image_header`; truncation -> corrupt."""
    from PIL import Image

    check_image_header(data, max_pixels)
    im = _open_lazily(data)
    n_frames = getattr(im, "n_frames", 1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im.load()
    except Image.DecompressionBombError as e:
        raise ReportError("too_large", f"image too large to decode ({e})") from None
    except (OSError, SyntaxError, ValueError, EOFError, struct.error) as e:
        raise ReportError("corrupt", f"damaged or truncated image data ({e})") from None
    if n_frames > 1:
        im.seek(0)
    return im


def check_pages(n_pages: int, max_pages: int) -> None:
    """Refuse a document with no pages or more pages than the limit."""
    if n_pages < 1:
        raise ReportError("empty", "the document has no pages")
    if n_pages > max_pages:
        raise ReportError("too_large", f"{n_pages} pages, more than the limit of {max_pages}")
