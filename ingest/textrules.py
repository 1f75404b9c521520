"""The text rules of the grid model's vocabulary, in one place: what a page number, a value and a mark
for none look like. Adapters, layout repairs and the normaliser all read cell and line text by these."""

from __future__ import annotations

import re

# Units printed after a count in a value cell (`12件`, `3.5万元`).
UNITS = "万元|元|件|个|条|项|次|份|人次|宗|笔"
# A page number line: "- 3 -", "第 3 页", "第3页 共10页", "3/10", "Page 3".
PAGE_NUMBER = re.compile(
    r"^[-—–－\s]*(?:(?:第\s*)?\d{1,4}(?:\s*页)?(?:\s*/\s*\d{1,4}\s*页?)?[-—–－\s]*|\d+\s*/\s*\d+|第\s*\d+\s*页.*|Page \d+.*)$"
)
# A dash or slash printed for none.
NONE_MARK = re.compile(r"^\s*[-—–/／]+\s*$")
# One space-free token of a value: a number, or a dash or slash printed for none.
VALUE_TOKEN = re.compile(r"^(?:\d[\d.,]*|[-—–/／]+)$")
# A cell's text that reads as a value: digits, separators, dashes, slashes, percent, a trailing unit (or blank).
NUMERIC_TEXT = re.compile(r"^[\s\d,.，．\-—–/／%]*(?:" + UNITS + r")?\s*$")


def is_page_number(text: str) -> bool:
    """Whether a line's text is a page number (where it stands on the page is the caller's matter)."""
    return bool(PAGE_NUMBER.match(text))


def is_none_mark(text: str) -> bool:
    """Whether a text is only a dash or slash printed for none."""
    return bool(NONE_MARK.match(text))


def is_value_token(token: str) -> bool:
    """Whether one space-free token is a value: a number, or a dash or slash for none."""
    return bool(VALUE_TOKEN.match(token))


def is_numeric_text(text: str) -> bool:
    """Whether a cell's text reads as a value (a number, a none mark, with a unit) and is not blank."""
    return bool(text.strip()) and bool(NUMERIC_TEXT.match(text))
