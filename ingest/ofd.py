"""OFD adapter (GB/T 33190, the national fixed-layout format): text and rulings into the PDF reader's grids.

An OFD file is a zip package: ``OFD.xml`` names the document (``DocBody/DocRoot``), whose
``Document.xml`` lists the pages (``Pages/Page@BaseLoc`` -> ``Content.xml``), the default page box
(``CommonData/PageArea``), the resources (``PublicRes``/``DocumentRes``: fonts, draw parameters) and
template pages. A page's layers hold ``TextObject`` s (``Boundary``, ``CTM``, ``Font``, ``Size``, and
``TextCode`` s with ``X``/``Y`` and ``DeltaX``/``DeltaY``, ``g`` runs included) and ``PathObject`` s
(``AbbreviatedData``: ``S M L Q B A C``, ``Z`` taken as ``C``), nested in ``PageBlock`` s.

Every char becomes a pdfplumber-shaped char dict and every path a pdfplumber-shaped line, rect or curve,
in PDF points (OFD measures in millimetres; 1 mm = 72/25.4 pt) with a top-left origin, so the PDF
reader's own functions build the grids (:func:`ingest.pdf.read_page`, :func:`ingest.pdf.geometry.page_segments`)
and the paragraphs (:func:`ingest.pdf.assemble`) with the same tolerances. Page sizes and boxes in the
Document are therefore in points, as for a PDF.

Hostile packages are refused like DOCX: :func:`ingest.limits.check_zip` before anything is read, every XML
part through :func:`ingest.limits.parse_xml` (no entities, no DTD), page and char counts capped, and a box
or coordinate that is not a finite number of sane size is ``corrupt``.
"""

from __future__ import annotations

import io
import posixpath
import re
import unicodedata
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from ingest.errors import ReportError
from ingest.grid import Document, PageInfo
from ingest.limits import check_pages, check_zip, parse_xml
from ingest.options import Options
from ingest.pdf.geometry import PageSource, page_segments
from ingest.pdf.pdfium import classify
from ingest.pdf.reader import assemble, read_page, ruling_grids, use_bands

MM = 72.0 / 25.4  # points per millimetre
MAX_MM = 10_000.0  # no coordinate of a page object lies further than this (10 m) from the page origin
MAX_PAGE_MM = 5_000.0  # no page side is longer than this (A0 is 1189 mm)
MAX_CHARS_PER_PAGE = 200_000  # chars drawn on one page; more is an attack, not a report
MAX_BLOCK_DEPTH = 32  # PageBlocks nested deeper than this are not entered
DESCENT = 0.12  # ems below the baseline a char's box starts (pdfminer's box is one em tall from there)
Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
BLACK = (0.0, 0.0, 0.0)
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_PATH_ARGS = {"S": 2, "M": 2, "L": 2, "Q": 4, "B": 6, "A": 7, "C": 0, "Z": 0}


def local(el: etree._Element) -> str:
    """An element's name without its namespace."""
    tag = el.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def kids(el: etree._Element, name: str) -> Iterator[etree._Element]:
    """The children of el named ``name`` (any namespace)."""
    return (c for c in el if local(c) == name)


def kid(el: etree._Element | None, *path: str) -> etree._Element | None:
    """The first descendant along the names in path, or None."""
    for name in path:
        if el is None:
            return None
        el = next(kids(el, name), None)
    return el


def kid_text(el: etree._Element | None, *path: str) -> str | None:
    """The stripped text of kid(el, *path), or None when absent or empty."""
    found = kid(el, *path)
    text = (found.text or "").strip() if found is not None else ""
    return text or None


def sane(values: list[float], what: str) -> list[float]:
    """The values, when each is a finite number within MAX_MM of zero; else corrupt."""
    if not all(-MAX_MM <= v <= MAX_MM for v in values):  # (False for NaN and infinities too)
        bad = next(v for v in values if not -MAX_MM <= v <= MAX_MM)
        raise ReportError("corrupt", f"{what}: absurd value {bad!r}")
    return values


def numbers(raw: str | None, what: str) -> list[float]:
    """The numbers of an attribute; any that is not a finite number of sane size is corrupt."""
    toks = (raw or "").split()
    try:
        return sane([float(t) for t in toks], what)
    except ValueError:
        bad = next(t for t in toks if not _NUMBER.fullmatch(t))
        raise ReportError("corrupt", f"{what}: {bad[:40]!r} is not a number") from None


def box(raw: str | None, what: str) -> tuple[float, float, float, float] | None:
    """A ``x y w h`` box (None when absent); negative sizes are corrupt."""
    if raw is None:
        return None
    vals = numbers(raw, what)
    if len(vals) != 4 or vals[2] < 0 or vals[3] < 0:
        raise ReportError("corrupt", f"{what}: absurd boundary {raw[:60]!r}")
    return vals[0], vals[1], vals[2], vals[3]


def matrix(raw: str | None) -> Matrix:
    """A CTM ``a b c d e f`` (identity when absent)."""
    if raw is None:
        return IDENTITY
    vals = numbers(raw, "CTM")
    if len(vals) != 6:
        raise ReportError("corrupt", f"CTM of {len(vals)} numbers")
    return vals[0], vals[1], vals[2], vals[3], vals[4], vals[5]


def colour(el: etree._Element | None) -> tuple[float, float, float] | None:
    """A ``Color`` element's RGB in [0, 1] (None when absent or not RGB)."""
    if el is None or el.get("Value") is None:
        return None
    vals = numbers(el.get("Value"), "Color")
    return (vals[0] / 255.0, vals[1] / 255.0, vals[2] / 255.0) if len(vals) == 3 else None


class Package:
    """The zip package: parts read by name, locations resolved against a part's folder."""

    def __init__(self, data: bytes) -> None:
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, ValueError, OSError, EOFError) as e:
            raise ReportError("corrupt", f"damaged zip container ({e})") from None
        self.names = {n.lstrip("/"): n for n in self.zip.namelist()}

    def resolve(self, folder: str, loc: str) -> str:
        """The part name a location means, relative to folder (absolute from the root); missing -> corrupt."""
        loc = loc.strip().replace("\\", "/")
        tries = [loc.lstrip("/")] if loc.startswith("/") else [posixpath.join(folder, loc), loc]
        for t in tries:
            name = posixpath.normpath(t).lstrip("/")
            if name in self.names and not name.startswith(".."):
                return name
        raise ReportError("corrupt", f"the OFD names a part that is missing: {loc[:80]!r}")

    def xml(self, name: str) -> etree._Element:
        """A part parsed safely (no entities, no DTD)."""
        try:
            data = self.zip.read(self.names[name])
        except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError, RuntimeError) as e:
            raise ReportError("corrupt", f"unreadable OFD part {name!r} ({e})") from None
        return parse_xml(data, f"OFD part {name}")


@dataclass
class Resources:
    """Fonts (ID -> name) and draw parameters (ID -> attributes) of the document and its pages."""

    fonts: dict[str, str] = field(default_factory=dict)
    draw: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, root: etree._Element) -> None:
        """Take the fonts and draw parameters of a ``Res`` part (or a page's PageRes)."""
        for f in root.iter():
            name = local(f)
            if name == "Font" and f.get("ID"):
                self.fonts[f.get("ID", "")] = f.get("FontName") or f.get("FamilyName") or ""
            elif name == "DrawParam" and f.get("ID"):
                self.draw[f.get("ID", "")] = {
                    "LineWidth": f.get("LineWidth"),
                    "stroke": colour(kid(f, "StrokeColor")),
                    "fill": colour(kid(f, "FillColor")),
                }


@dataclass
class OfdPage:
    """One page: its box (mm), its content, and the template pages it is drawn over."""

    number: int
    box: tuple[float, float, float, float]
    content: etree._Element
    templates: list[etree._Element] = field(default_factory=list)


def document_part(pkg: Package) -> str:
    """The Document.xml that OFD.xml names (the first DocBody's DocRoot)."""
    if "OFD.xml" not in pkg.names:
        raise ReportError("corrupt", "a zip without OFD.xml")
    root = pkg.xml("OFD.xml")
    doc_root = kid_text(root, "DocBody", "DocRoot")
    if doc_root is None:
        raise ReportError("corrupt", "OFD.xml names no document (DocBody/DocRoot)")
    return pkg.resolve("", doc_root)


def page_box(area: etree._Element | None, default: tuple[float, float, float, float] | None, what: str) -> Any:
    """A page area's PhysicalBox, else the default; a missing or absurd page size is corrupt."""
    found = box(kid_text(area, "PhysicalBox"), what) if area is not None else None
    b = found or default
    if b is None:
        return None
    if not (0 < b[2] <= MAX_PAGE_MM and 0 < b[3] <= MAX_PAGE_MM):
        raise ReportError("corrupt", f"{what}: absurd page size {b[2]:g} x {b[3]:g} mm")
    return b


def load_pages(pkg: Package, options: Options) -> tuple[list[OfdPage], Resources]:
    """The pages of the document with their content parts, and its resources."""
    doc_name = document_part(pkg)
    folder = posixpath.dirname(doc_name)
    root = pkg.xml(doc_name)
    common = kid(root, "CommonData")
    default = page_box(kid(common, "PageArea"), None, "Document PageArea")
    res = Resources()
    for tag in ("PublicRes", "DocumentRes"):
        for r in kids(common, tag) if common is not None else ():
            if (r.text or "").strip():
                res.add(pkg.xml(pkg.resolve(folder, r.text or "")))
    templates = {
        t.get("ID", ""): t.get("BaseLoc", "") for t in (kids(common, "TemplatePage") if common is not None else ())
    }
    page_els = list(kids(kid(root, "Pages"), "Page")) if kid(root, "Pages") is not None else []
    check_pages(len(page_els), options.max_pages)
    pages: list[OfdPage] = []
    for i, p in enumerate(page_els, start=1):
        name = pkg.resolve(folder, p.get("BaseLoc") or "")
        content = pkg.xml(name)
        for pr in kids(content, "PageRes"):
            res.add(pkg.xml(pkg.resolve(posixpath.dirname(name), pr.text or "")))
        b = page_box(kid(content, "Area"), default, f"page {i}")
        if b is None:
            raise ReportError("corrupt", f"page {i} has no size (no PhysicalBox)")
        parts = [pkg.xml(pkg.resolve(folder, templates[t.get("TemplateID", "")]))
                 for t in kids(content, "Template") if t.get("TemplateID", "") in templates]  # fmt: skip
        pages.append(OfdPage(i, b, content, parts))
    return pages, res


def deltas(raw: str | None, n: int) -> list[float | None]:
    """The n-1 advances of a DeltaX/DeltaY list (``g K v`` repeats v K times; missing ones None)."""
    out: list[float | None] = []
    toks = (raw or "").split()
    k = 0
    try:
        while k < len(toks) and len(out) < n - 1:
            if toks[k] == "g" and k + 2 < len(toks):
                count, v = sane([float(toks[k + 1]), float(toks[k + 2])], "DeltaX")
                out += [v] * min(int(count), n - 1 - len(out))
                k += 3
            else:
                out.append(sane([float(toks[k])], "DeltaX")[0])
                k += 1
    except ValueError:
        raise ReportError("corrupt", f"DeltaX: {toks[k][:40]!r} is not a number") from None
    return out + [None] * (n - 1 - len(out))


def advance(ch: str) -> float:
    """A glyph's default advance in ems when DeltaX gives none: 1 for CJK and full-width, 0.5 else."""
    return 1.0 if unicodedata.east_asian_width(ch) in ("W", "F") else 0.5


def apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    """Point (x, y) through matrix m (x' = a x + c y + e, y' = b x + d y + f)."""
    a, b, c, d, e, f = m
    return a * x + c * y + e, b * x + d * y + f


@dataclass
class Drawn:
    """What a page draws, in points with a top-left origin: chars, path pieces, and whether it has images."""

    chars: list[Mapping[str, Any]] = field(default_factory=list)
    lines: list[dict[str, Any]] = field(default_factory=list)
    rects: list[dict[str, Any]] = field(default_factory=list)
    curves: list[dict[str, Any]] = field(default_factory=list)
    has_images: bool = False


def char_dict(ch: str, x: float, y: float, size: float, m: Matrix, origin: tuple[float, float], font: str) -> Any:
    """A pdfplumber-shaped char from a glyph at (x, y) of the object's space (mm), in page points."""
    w = advance(ch) * size
    corners = [apply(m, px, py) for px in (x, x + w) for py in (y - (1 - DESCENT) * size, y + DESCENT * size)]
    xs = [(cx + origin[0]) * MM for cx, _ in corners]
    ys = [(cy + origin[1]) * MM for _, cy in corners]
    a, b, c, d = m[0], m[1], m[2], m[3]
    upright = abs(b) < 1e-6 and abs(c) < 1e-6 and a > 0 and d > 0
    x0, x1, top, bottom = min(xs), max(xs), min(ys), max(ys)
    return {
        "text": ch,
        "x0": x0,
        "x1": x1,
        "top": top,
        "bottom": bottom,
        "size": bottom - top if upright else x1 - x0,
        "upright": upright,
        "matrix": (a, -b, -c, d, 0.0, 0.0),  # in PDF's y-up convention, as pdf_text reads it
        "fontname": font,
    }


def text_object(el: etree._Element, res: Resources, out: Drawn, page: int) -> None:
    """The chars of a TextObject, placed by its TextCodes, CTM and Boundary."""
    bound = box(el.get("Boundary"), f"page {page} TextObject Boundary") or (0.0, 0.0, 0.0, 0.0)
    m = matrix(el.get("CTM"))
    size = numbers(el.get("Size") or "3.5", "TextObject Size")[0]
    font = res.fonts.get(el.get("Font") or "", "")
    x = y = 0.0
    for code in kids(el, "TextCode"):
        text = code.text or ""
        if not text:
            continue
        if len(out.chars) + len(text) > MAX_CHARS_PER_PAGE:
            raise ReportError("too_large", f"page {page} draws more than {MAX_CHARS_PER_PAGE} chars")
        x = numbers(code.get("X"), "TextCode X")[0] if code.get("X") else x
        y = numbers(code.get("Y"), "TextCode Y")[0] if code.get("Y") else y
        dx, dy = deltas(code.get("DeltaX"), len(text)), deltas(code.get("DeltaY"), len(text))
        for i, ch in enumerate(text):
            out.chars.append(char_dict(ch, x, y, size, m, (bound[0], bound[1]), font))
            if i < len(text) - 1:
                step = dx[i]
                x += advance(ch) * size if step is None and dy[i] is None else (step or 0.0)
                y += dy[i] or 0.0
        x += advance(text[-1]) * size


def subpaths(data: str, what: str) -> list[tuple[str, list[tuple[float, float]]]]:
    """An AbbreviatedData string as (pdfminer shape, end points) per subpath, in the object's space."""
    toks = data.split()
    out: list[tuple[str, list[tuple[float, float]]]] = []
    shape: list[str] = []
    pts: list[tuple[float, float]] = []
    k = 0
    while k < len(toks):
        op = toks[k].upper()
        n = _PATH_ARGS.get(op)
        if n is None:
            raise ReportError("corrupt", f"{what}: unknown path command {toks[k][:20]!r}")
        args = numbers(" ".join(toks[k + 1 : k + 1 + n]), what)
        if len(args) != n:
            raise ReportError("corrupt", f"{what}: path command {op} without its {n} numbers")
        k += 1 + n
        if op in ("S", "M"):
            if shape:
                out.append(("".join(shape), pts))
            shape, pts = ["m"], [(args[0], args[1])]
        elif op in ("C", "Z"):
            if shape:
                shape.append("h")
                pts.append(pts[0])
        elif shape:
            shape.append("l" if op == "L" else "c")
            pts.append((args[-2], args[-1]))
    if shape:
        out.append(("".join(shape), pts))
    return out


def path_object(el: etree._Element, res: Resources, out: Drawn, page: int, height: float) -> None:
    """The lines, rects and curves of a PathObject (stroke black and no fill unless it says otherwise)."""
    what = f"page {page} PathObject"
    bound = box(el.get("Boundary"), f"{what} Boundary") or (0.0, 0.0, 0.0, 0.0)
    m = matrix(el.get("CTM"))
    param = res.draw.get(el.get("DrawParam") or "", {})
    stroke = (el.get("Stroke") or "true").lower() != "false"
    fill = (el.get("Fill") or "false").lower() == "true"
    if not (stroke or fill):
        return
    parts = {local(c): c for c in reversed(el)}  # the first child of each name
    base = {
        "stroke": stroke,
        "fill": fill,
        "stroking_color": colour(parts.get("StrokeColor")) or param.get("stroke") or BLACK,
        "non_stroking_color": colour(parts.get("FillColor")) or param.get("fill") or BLACK,
    }
    data = parts.get("AbbreviatedData")
    for shape, pts in subpaths(data.text or "" if data is not None else "", what):
        page_pts = [apply(m, px, py) for px, py in pts]
        up = [((px + bound[0]) * MM, height - (py + bound[1]) * MM) for px, py in page_pts]
        typed = classify(shape, up, base, height)
        if typed is not None:
            {"line": out.lines, "rect": out.rects, "curve": out.curves}[typed[0]].append(typed[1])


def walk(
    el: etree._Element, res: Resources, out: Drawn, page: int, height: float, text: bool = True, depth: int = 0
) -> None:
    """Every path and image object under el, and its text objects unless ``text`` is False (layers and page
    blocks entered)."""
    for obj in el:
        name = local(obj)
        if name == "TextObject":
            if text:
                text_object(obj, res, out, page)
        elif name == "PathObject":
            path_object(obj, res, out, page, height)
        elif name == "ImageObject":
            out.has_images = True
        elif name in ("Content", "Layer", "PageBlock") and depth < MAX_BLOCK_DEPTH:
            walk(obj, res, out, page, height, text, depth + 1)


def page_source(page: OfdPage, res: Resources) -> PageSource:
    """One page as the PDF reader's PageSource: size, chars and ruling segments in points.

    The text of its template pages is page furniture repeated on every page (a running header, a footer) and
    is left out: printed above a title it would be read as the title's first line."""
    width, height = page.box[2] * MM, page.box[3] * MM
    out = Drawn()
    for part in [*page.templates, page.content]:
        content = kid(part, "Content")
        if content is not None:
            walk(content, res, out, page.number, height, text=part is page.content)
    segments = page_segments(out.lines, out.rects, out.curves)
    return PageSource(page.number, width, height, out.chars, segments, out.has_images)


def page_sources(data: bytes, options: Options) -> list[PageSource]:
    """Every page of an OFD package as a PageSource (the package checked against the limits first)."""
    check_zip(data, options.max_unzipped_bytes)
    pkg = Package(data)
    pages, res = load_pages(pkg, options)
    return [page_source(p, res) for p in pages]


def read(path: str, data: bytes, options: Options) -> Document:
    """Read an OFD file into a Document (grids as the PDF reader builds them; boxes in points)."""
    options = options.validated()
    pages = [read_page(src, ruling_grids) for src in page_sources(data, options)]
    use_bands(pages)
    if not any(p.has_text for p in pages):
        if any(p.has_images for p in pages):
            raise ReportError("unsupported", "an OFD of page images (a scan): its pictures are not read")
        raise ReportError("empty", "the OFD draws no text")
    doc = Document(path=path, format="ofd", blocks=assemble([p for p in pages if p.has_text]))
    doc.pages = [PageInfo(number=p.info.number, width=p.info.width, height=p.info.height) for p in pages]
    return doc
