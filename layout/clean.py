"""Text cleaning that any source needs: artefacts, odd spaces, characters spaced out or stacked."""

from __future__ import annotations

import re

_BOOKMARK = re.compile(r"\[bookmark:[^\]]*\]")
_SPACES = re.compile(r"[\u00a0\u2002-\u200b\u3000\ufeff\t ]+")
_CJK = r"\u3400-\u9fff\uf900-\ufaff"
# A CJK character or CJK punctuation on each side of a space or line break.
_CJKP = _CJK + r"\u3000-\u303f\uff00-\uff0f\uff1a-\uff20\u201c\u201d\u2018\u2019"
_GAP_CJK = re.compile(rf"(?<=[{_CJKP}])[ \n]+(?=[{_CJKP}])")
_GAP_NUM = re.compile(r"(?<=[0-9])[ \n]+(?=[0-9])")
_NEWLINES = re.compile(r"\n+")


def clean_text(text: str) -> str:
    """Drop extraction artefacts and fold every kind of space to one ASCII space per run."""
    text = _BOOKMARK.sub("", text)
    text = "\n".join(_SPACES.sub(" ", ln).strip() for ln in text.split("\n"))
    return _NEWLINES.sub("\n", text).strip()


def join_spaced(text: str) -> str:
    """Join characters printed spaced out or one per line (`结 果 维 持`, `结\\n果`) into words."""
    text = _GAP_CJK.sub("", text)
    return text


def clean_cell(text: str) -> str:
    """Clean a table cell: artefacts and spaces removed, stacked/spaced characters joined."""
    t = join_spaced(clean_text(text))
    # A number broken over lines or spaced (`1 234`) is one number; keep other line breaks as spaces.
    t = _GAP_NUM.sub("", t)
    return t.replace("\n", " ").strip()
