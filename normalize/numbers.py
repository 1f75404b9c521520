"""Number parsing for table cells: full-width digits, blanks, dashes, separators, units, decimals."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ingest.textrules import UNITS

_BLANKS = {
    "",
    "-",
    "--",
    "—",
    "——",
    "–",
    "－",
    "/",
    "／",
    "\\",
    "无",
    "空",
    "—/—",
    "_",
    "·",
    "／／",
    "//",
    "×",
    "x",
    "X",
    "一",  # a dash read by a Chinese recogniser
    "一一",
    "─",
    "━",
    "ー",
}
_UNITS = re.compile(f"({UNITS})$")
_NUM = re.compile(r"^([+-]?)(\d+(?:\.\d+)?)$")
_THOUSANDS = re.compile(r"(?<=\d)[,，](?=\d{3}(?:\D|$))")


@dataclass(frozen=True)
class Parsed:
    """A cell's reading: value (int, float or None) and whether the text was blank or unreadable."""

    value: int | float | None
    status: str  # "ok" | "blank" | "unreadable"


def canon_number_text(raw: str) -> str:
    """NFKC, no spaces, no thousands separators, no trailing unit."""
    t = unicodedata.normalize("NFKC", raw or "")
    t = re.sub(r"\s+", "", t)
    t = t.replace("．", ".").replace("。", ".")
    t = _THOUSANDS.sub("", t)
    return _UNITS.sub("", t)


def parse_number(raw: str | None) -> Parsed:
    """Read a cell as a number: blank/dash/slash -> None (blank), garbage -> None (unreadable)."""
    t = canon_number_text(raw or "")
    if t in _BLANKS or re.fullmatch(r"[-—–_/\\·一─━ー]+", t):
        return Parsed(None, "blank")
    m = _NUM.match(t)
    if not m:
        return Parsed(None, "unreadable")
    sign = -1 if m.group(1) == "-" else 1
    num = m.group(2)
    if "." in num:
        return Parsed(sign * float(num), "ok")
    return Parsed(sign * int(num), "ok")


def looks_numeric(raw: str) -> bool:
    """True when the text is a number or a blank marker (a value cell rather than a label)."""
    return parse_number(raw).status != "unreadable"
