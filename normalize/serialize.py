"""The canonical report as bytes: the one JSON writer of `cli.py convert` and the batch.

orjson writes a report in about 0.06 ms where the standard library's indented encoder (pure Python
in 3.11) takes about 2 ms, which is paid once per file on every conversion. orjson refuses what the
standard library accepts in a few corners (an int beyond 64 bits, a lone surrogate from a file name
that is not UTF-8, a key that is not a string): those reports are written by the standard library,
with the same content.
"""

from __future__ import annotations

import json
from typing import Any

try:
    import orjson
except ImportError:  # pragma: no cover - orjson is pinned in requirements.txt
    orjson = None  # type: ignore[assignment]


def report_bytes(report: dict[str, Any]) -> bytes:
    """The report as indented UTF-8 JSON (characters as they are, not escaped)."""
    if orjson is not None:
        try:
            return orjson.dumps(report, option=orjson.OPT_INDENT_2) + b"\n"
        except TypeError:  # orjson.JSONEncodeError is a TypeError
            pass
    text = json.dumps(report, ensure_ascii=False, indent=2) + "\n"
    return text.encode("utf-8", errors="backslashreplace")


def line_bytes(obj: Any) -> bytes:
    """obj as one line of compact JSON (non-ASCII escaped by the fallback, so any str survives), newline ended."""
    if orjson is not None:
        try:
            return orjson.dumps(obj) + b"\n"
        except TypeError:
            pass
    return json.dumps(obj, ensure_ascii=True).encode("ascii") + b"\n"


def loads(data: bytes | str) -> Any:
    """Parse JSON bytes or text (orjson when it can, which is about three times faster)."""
    if orjson is not None:
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass  # e.g. a lone surrogate escaped by line_bytes' fallback: the standard library reads it
    return json.loads(data)
