"""Builders of hostile and broken input files, made at test time and small on disk.

Each builder returns the file's bytes; nothing here is committed as a binary. Bombs are built from
repeated compressed blocks (a full flush makes a deflate block independent of what came before), so a
zip part that unpacks to 1 GB costs about 1 MB and well under a second to build.
"""

from __future__ import annotations

import io
import shutil
import struct
import subprocess
import time
import zlib
from pathlib import Path

# ---------------------------------------------------------------------------------------------- PDF


def minimal_pdf(pages: int = 1, text: str = "Hello") -> bytes:
    """A valid PDF of `pages` pages, each showing the same line of ASCII text (Helvetica)."""
    safe = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = f"BT /F1 18 Tf 72 760 Td ({safe}) Tj ET".encode("latin-1")
    first_page = 5
    kids = " ".join(f"{first_page + i} 0 R" for i in range(pages))
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {pages} /MediaBox [0 0 595 842] "
        f"/Resources << /Font << /F1 3 0 R >> >> >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    objects += [b"<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>"] * pages
    return _pdf_file(objects)


def _pdf_file(objects: list[bytes]) -> bytes:
    """Serialise numbered objects (1..n, first is the catalog) with a correct xref table."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def truncated_pdf() -> bytes:
    """A PDF cut right after its catalog: no page tree, no xref, no trailer."""
    data = minimal_pdf(3, "Truncated")
    return data[: data.index(b"2 0 obj")]


def corrupt_pdf() -> bytes:
    """A PDF header followed by bytes that are no PDF syntax at all."""
    junk = bytes((i * 7919 + 13) % 256 for i in range(4096))
    return b"%PDF-1.7\n" + junk


def encrypted_pdf(src: bytes, user_password: str, owner_password: str = "owner-secret") -> bytes:
    """`src` encrypted with AES-256 by qpdf; an empty user password opens without asking."""
    qpdf = shutil.which("qpdf")
    if qpdf is None:
        raise RuntimeError("qpdf is needed to build encrypted PDFs (setup.sh installs it)")
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        src_path, out_path = Path(tmp, "in.pdf"), Path(tmp, "out.pdf")
        src_path.write_bytes(src)
        subprocess.run(
            [qpdf, "--encrypt", user_password, owner_password, "256", "--", str(src_path), str(out_path)],
            check=True,
            capture_output=True,
        )
        return out_path.read_bytes()


# ---------------------------------------------------------------------------------------------- zip


def _deflate(data: bytes) -> bytes:
    """Raw deflate (no zlib header), as zip stores it."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def _flushed_blocks(block: bytes, times: int) -> tuple[bytes, int, int]:
    """Raw deflate of `block` repeated `times` times, not terminated, from one compressed copy; (data, crc, size)."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    one = c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(times):
        crc = zlib.crc32(block, crc)
    return one * times, crc, len(block) * times


def _deflate_end() -> bytes:
    """The final (empty) deflate block that terminates a stream of flushed blocks."""
    return zlib.compressobj(9, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)


def zip_raw(entries: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip archive from (name, raw-deflate data, crc32, declared uncompressed size) entries."""
    out = io.BytesIO()
    central = []
    for name, comp, crc, size in entries:
        n = name.encode("utf-8")
        offset = out.tell()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0x800, 8, 0, 0x21, crc, len(comp), size, len(n), 0))
        out.write(n + comp)
        central.append(_central(n, len(comp), crc, size, offset))
    cd_start = out.tell()
    for rec in central:
        out.write(rec)
    cd_size = out.tell() - cd_start
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), cd_size, cd_start, 0))
    return out.getvalue()


def _central(name: bytes, comp_size: int, crc: int, size: int, offset: int) -> bytes:
    """One central-directory record."""
    fields = (0x02014B50, 20, 20, 0x800, 8, 0, 0x21, crc, comp_size, size, len(name), 0, 0, 0, 0, 0, offset)
    return struct.pack("<IHHHHHHIIIHHHHHII", *fields) + name


def zip_of(parts: dict[str, bytes]) -> bytes:
    """A well-formed zip of the given parts, deflated."""
    return zip_raw([(name, _deflate(data), zlib.crc32(data), len(data)) for name, data in parts.items()])


# --------------------------------------------------------------------------------------------- DOCX

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/word/document.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    b"</Types>"
)
ROOT_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    b'officeDocument" Target="word/document.xml"/></Relationships>'
)


def document_xml(paragraphs: list[str], doctype: str = "") -> bytes:
    """A word/document.xml with one run per paragraph; `doctype` goes between the declaration and root."""
    body = "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in paragraphs)
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n{doctype}'
        f'<w:document xmlns:w="{W_NS}"><w:body>{body}</w:body></w:document>'
    ).encode()


def docx_of(document: bytes, extra: dict[str, bytes] | None = None) -> bytes:
    """A minimal DOCX package around a word/document.xml."""
    parts = {"[Content_Types].xml": CONTENT_TYPES, "_rels/.rels": ROOT_RELS, "word/document.xml": document}
    parts.update(extra or {})
    return zip_of(parts)


def docx_not_a_zip() -> bytes:
    """Starts like a zip (local header magic), then garbage."""
    return b"PK\x03\x04" + bytes((i * 31 + 7) % 256 for i in range(2000))


def docx_without_document() -> bytes:
    """A valid Office package that lacks word/document.xml."""
    return zip_of({"[Content_Types].xml": CONTENT_TYPES, "_rels/.rels": ROOT_RELS})


def docx_entity_bomb() -> bytes:
    """Billion laughs: ten levels of ten-fold entity expansion in word/document.xml."""
    decl = ['<!ENTITY lol0 "lol">']
    decl += [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    doctype = "<!DOCTYPE w:document [" + "".join(decl) + "]>\n"
    return docx_of(document_xml(["&lol9;", "二、主动公开政府信息情况"], doctype))


def docx_external_entity(secret_path: str) -> bytes:
    """An external entity pointing at a local file, referenced in the body (XXE)."""
    doctype = f'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file://{secret_path}">]>\n'
    return docx_of(document_xml(["政府信息公开工作年度报告", "&xxe;"], doctype))


def docx_zip_bomb(unpacked_bytes: int = 1 << 30, lie_about_size: bool = False) -> bytes:
    """A DOCX whose document.xml unpacks to `unpacked_bytes` (XML whitespace); optionally declaring 1 KB."""
    head = document_xml(["政府信息公开工作年度报告"])
    head, tail = head.split(b"<w:body>")
    head += b"<w:body>"
    block = b" " * (1 << 20)
    body, body_crc, body_size = _flushed_blocks(block, max(1, unpacked_bytes // len(block)))
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    head_c = c.compress(head) + c.flush(zlib.Z_FULL_FLUSH)
    c2 = zlib.compressobj(9, zlib.DEFLATED, -15)
    tail_c = c2.compress(tail) + c2.flush(zlib.Z_FINISH)
    stream = head_c + body + tail_c
    crc = _crc_combine(_crc_combine(zlib.crc32(head), body_crc, body_size), zlib.crc32(tail), len(tail))
    size = len(head) + body_size + len(tail)
    declared = 1024 if lie_about_size else size
    return zip_raw(
        [
            ("[Content_Types].xml", _deflate(CONTENT_TYPES), zlib.crc32(CONTENT_TYPES), len(CONTENT_TYPES)),
            ("_rels/.rels", _deflate(ROOT_RELS), zlib.crc32(ROOT_RELS), len(ROOT_RELS)),
            ("word/document.xml", stream, crc, declared),
        ]
    )


def _crc_combine(crc1: int, crc2: int, len2: int) -> int:
    """crc32(a + b) from crc32(a), crc32(b) and len(b) (zlib's crc32_combine, GF(2) matrix method)."""

    def gf2_times(mat: list[int], vec: int) -> int:
        s, i = 0, 0
        while vec:
            if vec & 1:
                s ^= mat[i]
            vec >>= 1
            i += 1
        return s

    def gf2_square(mat: list[int]) -> list[int]:
        return [gf2_times(mat, mat[n]) for n in range(32)]

    if len2 == 0:
        return crc1
    odd = [0xEDB88320] + [1 << n for n in range(31)]
    even = gf2_square(odd)
    odd = gf2_square(even)
    while True:
        even = gf2_square(odd)
        if len2 & 1:
            crc1 = gf2_times(even, crc1)
        len2 >>= 1
        if not len2:
            break
        odd = gf2_square(even)
        if len2 & 1:
            crc1 = gf2_times(odd, crc1)
        len2 >>= 1
        if not len2:
            break
    return crc1 ^ crc2


def docx_many_entries(n: int = 6000) -> bytes:
    """A DOCX package padded with thousands of tiny parts."""
    extra = {f"word/media/pad{i}.xml": b"<a/>" for i in range(n)}
    return docx_of(document_xml(["政府信息公开工作年度报告"]), extra)


# -------------------------------------------------------------------------------------------- images


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk with its length and CRC."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_raw(width: int, height: int, bit_depth: int, color_type: int, idat: bytes) -> bytes:
    """A PNG from its IHDR fields and an already-compressed IDAT stream."""
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")


def huge_png(side: int = 50_000) -> bytes:
    """A complete, valid all-black 1-bit PNG of side x side pixels (~300 KB for 50,000; side a multiple of 50)."""
    if side % 50:
        raise ValueError("side must be a multiple of 50")
    rows = (b"\x00" + b"\x00" * ((side + 7) // 8)) * 50
    body, _crc, size = _flushed_blocks(rows, side // 50)
    adler = 1
    for _ in range(side // 50):
        adler = zlib.adler32(rows, adler)
    stream = b"\x78\xda" + body + _deflate_end() + struct.pack(">I", adler)
    return png_raw(side, side, 1, 0, stream)


def png_truncated_pixels(width: int = 100, height: int = 100) -> bytes:
    """A PNG whose header says width x height but whose pixel stream holds only a tenth of the rows."""
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height // 10))
    c = zlib.compressobj(9)
    stream = c.compress(rows) + c.flush(zlib.Z_SYNC_FLUSH)  # no end of stream: data simply stops
    return png_raw(width, height, 8, 0, stream)


def png_cut(data: bytes | None = None) -> bytes:
    """A small valid PNG cut in the middle of its pixel chunk."""
    full = data or small_png()
    return full[: len(full) // 2]


def small_png(width: int = 100, height: int = 100) -> bytes:
    """A small valid grey PNG made by PIL."""
    from PIL import Image

    buf = io.BytesIO()
    Image.new("L", (width, height), 200).save(buf, "PNG")
    return buf.getvalue()


def small_jpeg(width: int = 100, height: int = 100) -> bytes:
    """A small valid JPEG with some detail (so its scan data is not trivially short)."""
    from PIL import Image

    im = Image.new("RGB", (width, height))
    im.putdata([((x * 5) % 256, (y * 3) % 256, (x * y) % 256) for y in range(height) for x in range(width)])
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=90)
    return buf.getvalue()


def jpeg_truncated() -> bytes:
    """A JPEG cut halfway through its scan data (header still says its full size)."""
    full = small_jpeg()
    return full[: len(full) // 2]


def jpeg_huge_header(width: int = 60_000, height: int = 60_000) -> bytes:
    """A small JPEG whose start-of-frame marker claims width x height."""
    data = bytearray(small_jpeg())
    i = 2
    while i < len(data):
        marker, length = data[i + 1], struct.unpack(">H", data[i + 2 : i + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            data[i + 5 : i + 9] = struct.pack(">HH", height, width)
            return bytes(data)
        i += 2 + length
    raise ValueError("no SOF marker in the JPEG")


# ---------------------------------------------------------------------------------------------- text

NOT_A_REPORT_TEXT = (
    "社区图书馆开放时间通知\n\n"
    "各位读者：\n"
    "自下周一起，社区图书馆开放时间调整为每日上午九点至晚上八点，周二闭馆整理。\n"
    "借阅证可在服务台办理，请携带身份证件。儿童阅览室新到绘本三百余册，欢迎家长带孩子前来阅读。\n"
    "特此通知。\n\n"
    "社区图书馆\n"
    "2024年3月1日\n"
)

SECTION_2_2019 = (
    "二、主动公开政府信息情况\n"
    "\t第二十条第（一）项\n\n"
    "\t信息内容\n\t本年新制作数量\n\t本年新公开数量\n\t对外公开总数量\n\n"
    "\t规章\n\t3\n\t2\n\t15\n\n"
    "\t规范性文件\n\t4\n\t4\n\t27\n\n"
    "\t第二十条第（五）项\n\n"
    "\t信息内容\n\t上一年项目数量\n\t本年增/减\n\t处理决定数量\n\n"
    "\t行政许可\n\t12\n\t1\n\t230\n\n"
    "\t其他对外管理服务事项\n\t5\n\t0\n\t41\n\n"
    "\t第二十条第（六）项\n\n"
    "\t信息内容\n\t上一年项目数量\n\t本年增/减\n\t处理决定数量\n\n"
    "\t行政处罚\n\t8\n\t-1\n\t19\n\n"
    "\t行政强制\n\t2\n\t0\n\t6\n\n"
    "\t第二十条第（八）项\n\n"
    "\t信息内容\n\t上一年项目数量\n\t本年增/减\n\n"
    "\t行政事业性收费\n\t1\n\t0\n\n"
    "\t第二十条第（九）项\n\n"
    "\t信息内容\n\t采购项目数量\n\t采购总金额\n\n"
    "\t政府集中采购\n\t7\n\t125.5万元\n\n\n"
)


OLD_FORMAT_REPORT = (
    "某某县人民政府办公室\n2018年政府信息公开工作年度报告\n\n"
    "一、概述\n2018年，我县认真贯彻落实《中华人民共和国政府信息公开条例》，政府信息公开工作稳步推进。\n\n"
    "二、主动公开政府信息情况\n"
    "\t统计指标\n\t单位\n\t统计数\n\n"
    "\t一、主动公开情况\n\t\n\t\n\n"
    "\t（一）主动公开政府信息数\n\t条\n\t1250\n\n"
    "\t其中：主动公开规范性文件数\n\t条\n\t12\n\n"
    "\t二、回应解读情况\n\t\n\t\n\n"
    "\t（一）回应公众关注热点或重大舆情数\n\t次\n\t8\n\n"
    "\t三、依申请公开情况\n\t\n\t\n\n"
    "\t（一）收到申请数\n\t件\n\t35\n\n"
    "\t（二）申请办结数\n\t件\n\t33\n\n\n"
    "三、存在的主要问题及改进情况\n信息公开的及时性有待提高。\n\n"
    "某某县人民政府办公室\n2019年3月20日\n"
)


def without_section(report_text: str, number: str) -> str:
    """A text report with one numbered section (heading `四、…` and everything up to the next) removed."""
    order = "一二三四五六七八九"
    start = report_text.index(f"\n{number}、") + 1
    following = order[order.index(number) + 1]
    end = report_text.index(f"\n{following}、", start) + 1
    return report_text[:start] + report_text[end:]


def other_template_report(seed_text: str) -> str:
    """A seed report turned into the 2019 template: its section 二 replaced by the 2019 第二十条 table."""
    start = seed_text.index("二、主动公开政府信息情况")
    end = seed_text.index("三、收到和处理政府信息公开申请情况")
    return seed_text[:start] + SECTION_2_2019 + seed_text[end:]


# ----------------------------------------------------------------------------------- runner targets
# Conversion stand-ins for runner tests: each is called as f(path, options) in the isolated child.


def sleep_forever(path: str, options: object) -> tuple[None, dict[str, str]]:
    """A conversion that never finishes."""
    while True:
        time.sleep(1)


def allocate_forever(path: str, options: object) -> tuple[None, dict[str, str]]:
    """A conversion whose memory use grows without bound."""
    hoard = []
    while True:
        hoard.append(bytearray(64 * 1024 * 1024))


def crash_natively(path: str, options: object) -> tuple[None, dict[str, str]]:
    """A conversion that dies of a segmentation fault, as a broken native library would."""
    import ctypes

    ctypes.string_at(0)
    return None, {}


def echo_file(path: str, options: object) -> tuple[None, dict[str, str]]:
    """A conversion that returns the file's first line (to show the child is reused after failures)."""
    import os

    with open(path, encoding="utf-8") as f:
        return None, {"first_line": f.readline().strip(), "pid": str(os.getpid())}


def raise_bug(path: str, options: object) -> tuple[None, dict[str, str]]:
    """A conversion with a programming error."""
    raise KeyError("missing")
