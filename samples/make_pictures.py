"""Saved web pages whose report tables are pictures, as CMS pages hold them when tables were pasted as
screenshots; and a page with a logo, a QR code and a seal beside its HTML tables.

A report is drawn and printed to PDF by ``samples/make_pdf_producers.py`` (fpdf2, ruled grid, values
and truth from ``samples/generate.py``); the PDF's own blocks (``ingest.load``: paragraphs, and table parts by page) give the page's text
and the order of its table parts, pdfplumber's table finder their boxes; each table part is rendered with pypdfium2 at 200 dpi, cropped to its box, and saved as PNG or JPEG. The page is the
paragraphs as ``<p>`` and each table part as an ``<img>`` in document order, with its pictures:

- ``folder``: beside the page, ``NAME_files/t1.png`` (as a browser's "save page, complete");
- ``data``: inline ``data:`` URIs;
- ``mht``: a MIME web archive (multipart/related) holding the page and its pictures as parts.

``make_decorated`` adds a logo, a QR code and a seal (drawn here, all too small to hold a table) to a
page from ``samples/make_producers.py`` whose tables are HTML.

CLI::

    python -m samples.make_pictures --out DIR --count N --seed S [--template 2021|2019|mixed] [--errors K]
    python -m samples.make_pictures --out samples --examples   # the committed examples (html/)
"""

from __future__ import annotations

import base64
import html
import io
import json
import random
import sys
import tempfile
from email.mime.image import MIMEImage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from samples import generate as gen
from samples import make_pdf_producers as mpp
from samples import make_producers as mp

DPI = 200
# Points of white kept around a table's box in its picture.
MARGIN_PT = 6.0
PACKAGINGS = ("folder", "data", "mht")
PAGE_HEAD = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title>
<meta name="ArticleTitle" content="{title}"></head><body>
<div class="nav"><a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a></div>
<div class="article"><h1>{title}</h1><div class="TRS_Editor">
"""
PAGE_FOOT = """</div></div><div class="footer"><p>主办：人民政府办公室</p></div></body></html>"""


# ---------------------------------------------------------------- pictures of the table parts


def pdf_blocks(pdf: Path) -> list[Any]:
    """The PDF's blocks as the toolkit's PDF adapter reads them (paragraphs, and table parts by page)."""
    from ingest import load

    return load(str(pdf)).blocks


def ruled_boxes(pdf: Path) -> dict[int, list[tuple[float, float, float, float]]]:
    """The boxes of the ruled tables on each page (pdfplumber's table finder), top to bottom."""
    import pdfplumber

    with pdfplumber.open(str(pdf)) as doc:
        return {
            i + 1: sorted((t.bbox for t in page.find_tables()), key=lambda b: b[1]) for i, page in enumerate(doc.pages)
        }


def table_picture(pdf: Path, page: int, bbox: tuple[float, float, float, float], fmt: str) -> bytes:
    """One table part rendered at DPI, cropped to its box (plus a margin), as PNG or JPEG bytes."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        img = doc[page - 1].render(scale=DPI / 72.0).to_pil().convert("L")
    finally:
        doc.close()
    k = DPI / 72.0
    x0, y0, x1, y1 = bbox
    box = (int((x0 - MARGIN_PT) * k), int((y0 - MARGIN_PT) * k), int((x1 + MARGIN_PT) * k), int((y1 + MARGIN_PT) * k))
    crop = img.crop((max(0, box[0]), max(0, box[1]), min(img.width, box[2]), min(img.height, box[3])))
    buf = io.BytesIO()
    if fmt == "jpeg":
        crop.save(buf, "JPEG", quality=85)
    else:
        crop.save(buf, "PNG", optimize=True)
    return buf.getvalue()


def page_html(title: str, items: list[tuple[str, str]]) -> str:
    """The page: ("p", text) items as paragraphs, ("img", src) as pictures, ("a", href) as links, in order."""
    out = [PAGE_HEAD.format(title=html.escape(title))]
    for kind, value in items:
        if kind == "p":
            out.append(f'<p style="text-indent:2em">{html.escape(value)}</p>')
        elif kind == "a":
            out.append(f'<p>附件：<a href="{value}">{html.escape(value.rsplit("/", 1)[-1])}</a></p>')
        else:
            out.append(f'<p style="text-align:center"><img src="{value}" style="max-width:100%"></p>')
    out.append(PAGE_FOOT)
    return "\n".join(out)


def mhtml(page: str, pictures: dict[str, bytes], base: str) -> bytes:
    """A MIME web archive of the page and its pictures, each part named by its Content-Location."""
    msg = MIMEMultipart("related", type="text/html", boundary="----=_NextPart_000_0000_01DB7A2B.3C4D5E60")
    msg["MIME-Version"] = "1.0"
    part = MIMEText(page, "html", "utf-8")
    part["Content-Location"] = base
    msg.attach(part)
    for name, data in pictures.items():
        sub = "png" if data.startswith(b"\x89PNG") else "jpeg"
        img = MIMEImage(data, sub)
        img["Content-Location"] = base.rsplit("/", 1)[0] + "/" + name
        msg.attach(img)
    return msg.as_bytes()


def picture_page(pdf: Path, out_dir: Path, name: str, packaging: str, fmt: str) -> Path:
    """Write the web page of a PDF report with its table parts as pictures; return the page's path."""
    from ingest.grid import Paragraph, Table

    items: list[tuple[str, str]] = []
    pictures: dict[str, bytes] = {}
    title = ""
    boxes = ruled_boxes(pdf)
    seen: dict[int, int] = {}
    for block in pdf_blocks(pdf):
        if isinstance(block, Paragraph):
            title = title or block.text
            items.append(("p", block.text))
        elif isinstance(block, Table) and block.page and block.bbox:
            ref = f"{name}_files/t{len(pictures) + 1}.{'jpg' if fmt == 'jpeg' else 'png'}"
            k = seen[block.page] = seen.get(block.page, -1) + 1
            data = table_picture(pdf, block.page, boxes[block.page][k], fmt)
            pictures[ref] = data
            if packaging == "data":
                ref = f"data:image/{fmt};base64," + base64.b64encode(data).decode("ascii")
            items.append(("img", ref))
    page = page_html(title, items)
    out_dir.mkdir(parents=True, exist_ok=True)
    if packaging == "mht":
        path = out_dir / f"{name}.mht"
        path.write_bytes(mhtml(page, pictures, f"http://www.example.gov.cn/zwgk/{name}.html"))
        return path
    path = out_dir / f"{name}.html"
    path.write_text(page, encoding="utf-8")
    if packaging == "folder":
        for ref, data in pictures.items():
            (out_dir / ref).parent.mkdir(parents=True, exist_ok=True)
            (out_dir / ref).write_bytes(data)
    return path


def make_one(rng: random.Random, out_dir: Path, name: str, template: str, packaging: str, fmt: str,
             error: str | None = None) -> tuple[Path, Path]:  # fmt: skip
    """One report as a web page with its tables as pictures: the page and NAME.expected.json."""
    variant = mpp.Variant("fpdf", "grid", table_pt=rng.choice([10.5, 12.0]), intro_paragraphs=rng.randint(1, 5),
                          blank_text=rng.choice(["", "—", "/"]), bold=False)  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="govreport-pictures-") as tmp:
        pdf, expected = mpp.make_one(rng, Path(tmp), name, "fpdf", template, error, variant)
        page = picture_page(pdf, out_dir, name, packaging, fmt)
        truth = json.loads(expected.read_text(encoding="utf-8"))
    truth["source"] = page.name
    truth["note"] = f"make_pictures.py: tables as {fmt.upper()} pictures ({packaging}); " + truth["note"]
    exp = out_dir / f"{name}.expected.json"
    exp.write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return page, exp


# ---------------------------------------------------------------- a page with a logo, a QR code and a seal


def logo_png(rng: random.Random) -> bytes:
    """A site logo: an emblem and a wordmark bar, 360x90."""
    img = Image.new("RGB", (360, 90), (255, 255, 255))
    d = ImageDraw.Draw(img)
    d.ellipse((8, 8, 82, 82), fill=(200, 30, 30))
    d.ellipse((28, 28, 62, 62), fill=(250, 210, 40))
    for i in range(5):
        x = 100 + i * 50
        d.rectangle((x, 30 + rng.randint(0, 8), x + 40, 60), fill=(30, 60, 150))
    return _png(img)


def qr_png(rng: random.Random, modules: int = 29, scale: int = 8) -> bytes:
    """A QR-code-like picture: random modules with the three finder squares, quiet zone, 8 px a module."""
    m = np.array([[rng.random() < 0.5 for _ in range(modules)] for _ in range(modules)])
    for r0, c0 in ((0, 0), (0, modules - 7), (modules - 7, 0)):
        m[r0 : r0 + 7, c0 : c0 + 7] = False
        m[r0 : r0 + 7, c0] = m[r0 : r0 + 7, c0 + 6] = m[r0, c0 : c0 + 7] = m[r0 + 6, c0 : c0 + 7] = True
        m[r0 + 2 : r0 + 5, c0 + 2 : c0 + 5] = True
    pix = np.where(np.kron(m, np.ones((scale, scale))), 0, 255).astype(np.uint8)
    return _png(Image.fromarray(np.pad(pix, 4 * scale, constant_values=255)))


def seal_png() -> bytes:
    """An official seal: a red ring with a star, 300x300."""
    img = Image.new("RGB", (300, 300), (255, 255, 255))
    d = ImageDraw.Draw(img)
    d.ellipse((10, 10, 290, 290), outline=(220, 20, 20), width=12)
    d.regular_polygon((150, 150, 50), 5, fill=(220, 20, 20))
    return _png(img)


def _png(img: Image.Image) -> bytes:
    """PNG bytes of an image."""
    buf = io.BytesIO()
    img.save(buf, "PNG", optimize=True)
    return buf.getvalue()


def decorate(page: bytes, rng: random.Random) -> bytes:
    """The page with a logo above its article, and a QR code and a seal after its report."""

    def uri(data: bytes) -> str:
        return "data:image/png;base64," + base64.b64encode(data).decode("ascii")

    text = page.decode("utf-8")
    logo = f'<p><img src="{uri(logo_png(rng))}" alt="logo"></p>'
    marks = (
        f'<p style="text-align:right"><img src="{uri(seal_png())}" alt="印章"></p>'
        f'<p>扫一扫在手机打开当前页<img src="{uri(qr_png(rng))}" alt="二维码"></p>'
    )
    head, _, rest = text.partition('<div class="TRS_Editor">')
    if not rest:
        head, _, rest = text.partition('<div id="zoom">')
        body = head + '<div id="zoom">' + logo + rest
    else:
        body = head + '<div class="TRS_Editor">' + logo + rest
    end = body.rindex('<div class="share">')
    return (body[:end] + marks + body[end:]).encode("utf-8")


def make_decorated(rng: random.Random, out_dir: Path, name: str, template: str) -> tuple[Path, Path, Path]:
    """A CMS page with HTML tables, and the same page with a logo, QR code and seal: both paths, expected."""
    style = mp.random_style(rng, "cms")
    style.encoding = "utf-8"
    plain, exp = mp.make_one(rng, out_dir, f"{name}_plain", template, "cms", style=style)
    decorated = out_dir / f"{name}.html"
    decorated.write_bytes(decorate(plain.read_bytes(), rng))
    truth = json.loads(exp.read_text(encoding="utf-8"))
    truth["source"] = decorated.name
    truth["note"] = "make_pictures.py: a logo, a QR code and a seal beside HTML tables; " + truth["note"]
    exp_dec = out_dir / f"{name}.expected.json"
    exp_dec.write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return plain, decorated, exp_dec


# ---------------------------------------------------------------- tables in an attachment beside the page


def make_attachment(rng: random.Random, out_dir: Path, name: str, template: str) -> tuple[Path, Path]:
    """A page holding the report's text, whose tables are in an XLSX saved beside it (``NAME_files/``),
    linked after section 二's heading; the workbook from ``samples/make_sheets.py``, less its text sheet."""
    import openpyxl

    from samples import make_sheets

    with tempfile.TemporaryDirectory(prefix="govreport-attachment-") as tmp:
        st = make_sheets.SheetStyle("text_tables", True, False)
        book, expected = make_sheets.make_one(rng, Path(tmp), name, template, "xlsx", st=st)
        wb = openpyxl.load_workbook(book)
        lines = [str(r[0].value) for ws in wb.worksheets for r in ws.iter_rows() if r[0].value and not any(
            c.value for c in r[1:]) and not any(r[0].coordinate in m for m in ws.merged_cells.ranges)]  # fmt: skip
        del wb["报告"]
        ref = f"{name}_files/附件1.xlsx"
        (out_dir / ref).parent.mkdir(parents=True, exist_ok=True)
        wb.save(out_dir / ref)
        truth = json.loads(expected.read_text(encoding="utf-8"))
    items: list[tuple[str, str]] = []
    for line in lines:
        items.append(("p", line))
        if line.startswith("二、"):
            items.append(("a", ref))
    page = out_dir / f"{name}.html"
    page.write_text(page_html(lines[0], items), encoding="utf-8")
    truth["source"] = page.name
    truth["note"] = "make_pictures.py: tables in an XLSX attachment beside the page; " + truth["note"]
    exp = out_dir / f"{name}.expected.json"
    exp.write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return page, exp


# ---------------------------------------------------------------- many, and the committed examples


def generate(out_dir: Path, count: int, seed: int, template: str, errors: int) -> list[tuple[Path, Path]]:
    """count pages, packagings and picture formats in turn, seeded."""
    rng = random.Random(seed)
    made = []
    for i in range(count):
        tpl = template if template != "mixed" else ("2019" if i % 3 == 2 else "2021")
        packaging, fmt = PACKAGINGS[i % 3], ("png", "jpeg")[i // 3 % 2]
        err = "random" if i < errors else None
        name = f"pict_{packaging}_{fmt}{tpl}_s{seed}_{i:03d}" + ("_err" if err else "")
        made.append(make_one(rng, out_dir, name, tpl, packaging, fmt, err))
    return made


def write_examples(root: Path, seed: int = 2027) -> list[tuple[Path, Path]]:
    """The committed examples under root/html: self-contained pages only (pictures in a folder beside a
    page would be converted on their own by run_samples.sh, which converts every file under samples/)."""
    rng = random.Random(seed)
    out = root / "html"
    made = [
        make_one(rng, out, "pict2021_data_jpeg", "2021", "data", "jpeg"),
        make_one(rng, out, "pict2019_mht_png", "2019", "mht", "png"),
    ]
    plain, decorated, exp = make_decorated(rng, out, "pict2021_logo_qr_seal", "2021")
    plain.unlink()
    plain.with_name(plain.name.replace(".html", ".expected.json")).unlink()
    made.append((decorated, exp))
    return made


def main(argv: list[str] | None = None) -> int:
    return gen.run_maker(__doc__, 6, write_examples, generate, argv)


if __name__ == "__main__":
    sys.exit(main())
