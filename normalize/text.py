"""Label text canonicalisation and tolerant matching (OCR-grade noise, truncation, typos)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

_NUMBERING = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[)）]|\d+[、.．]|[①-⑩])+")
_PUNCT = re.compile(r"[\s\"'“”‘’「」『』、，,。.．:：;；!！?？·・\-—_]+")


@lru_cache(maxsize=65536)
def canon(text: str) -> str:
    """NFKC, no spaces or punctuation, ASCII brackets: the form labels are compared in."""
    t = unicodedata.normalize("NFKC", text or "")
    t = t.replace("（", "(").replace("）", ")")
    return _PUNCT.sub("", t)


@lru_cache(maxsize=65536)
def strip_numbering(text: str) -> str:
    """Drop leading item numbers (`三、`, `（一）`, `1.`) from a label, after canonicalising."""
    t = unicodedata.normalize("NFKC", text or "").strip()
    t = t.replace("（", "(").replace("）", ")")
    t = re.sub(r"\s+", "", t)
    prev = None
    while prev != t:
        prev = t
        t = _NUMBERING.sub("", t)
    return canon(t)


@lru_cache(maxsize=65536)
def lcs(a: str, b: str) -> int:
    """Length of the longest common subsequence of two short strings."""
    if not a or not b:
        return 0
    prev = [0] * (len(b) + 1)
    for ca in a:
        cur = [0]
        for j, cb in enumerate(b):
            cur.append(prev[j] + 1 if ca == cb else max(prev[j + 1], cur[j]))
        prev = cur
    return prev[-1]


def similarity(label: str, alias: str) -> float:
    """How well a printed label (canonical form) matches a template alias, 0..1."""
    if not label or not alias:
        return 0.0
    if label == alias:
        return 1.0
    if len(alias) >= 3 and alias in label:
        # the alias printed with extra words around it (a note in brackets, a joined group label)
        return 0.9 + 0.1 * len(alias) / len(label)
    common = lcs(label, alias)
    return 2.0 * common / (len(label) + len(alias))


def best_alias_score(label: str, aliases: Sequence[str]) -> float:
    """The best similarity of a label to any alias."""
    return _best(label, tuple(aliases))


@lru_cache(maxsize=65536)
def _best(label: str, aliases: tuple[str, ...]) -> float:
    return max((similarity(label, canon(a)) for a in aliases), default=0.0)
