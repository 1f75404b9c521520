"""A fast PNG writer for overlay pages: 8-bit palette, no row filter, zlib level 1 (run without the GIL).

The canvas already holds one palette index per pixel behind a zero filter byte per row, so encoding is
a single zlib pass over one byte a pixel: several times faster than PIL's RGB encoder, smaller files.
"""

from __future__ import annotations

import struct
import zlib

from overlay.canvas import Canvas

ZLIB_LEVEL = 1


def chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk: length, type, data, CRC."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def encode_png(canvas: Canvas, level: int = ZLIB_LEVEL) -> bytes:
    """An 8-bit palette PNG of a canvas."""
    header = struct.pack(">IIBBBBB", canvas.width, canvas.height, 8, 3, 0, 0, 0)
    body = zlib.compress(canvas.rows.data, level)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"PLTE", canvas.palette.flat())
        + chunk(b"IDAT", body)
        + chunk(b"IEND", b"")
    )
