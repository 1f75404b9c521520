"""Word's automatic list numbering (word/numbering.xml), rendered as the text it prints.

A paragraph numbered by Word (``w:pPr/w:numPr``: ``w:numId`` and ``w:ilvl``) holds no ``一、`` or
``1.`` in its runs: Word draws the number from the list definition (``w:abstractNum`` levels with a
``w:numFmt`` and a ``w:lvlText`` such as ``%1、`` or ``（%1）``) and a counter per list. Section
headings of the reports are often numbered so; without the number they are not headings. This module
keeps those counters in document order and gives each numbered paragraph its printed prefix. Lists that
share an abstract definition continue one another, as in Word, unless a ``w:startOverride`` restarts
them; a bullet prints no text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

_CN = "〇一二三四五六七八九"
_CN_LEGAL = "零壹贰叁肆伍陆柒捌玖"
_STEMS = "甲乙丙丁戊己庚辛壬癸"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_ROMAN = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
          (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))  # fmt: skip
# A level deeper than this, or a counter larger, is not rendered (hostile or broken definitions).
MAX_LEVEL = 9
MAX_COUNT = 100_000


def _chinese(n: int, digits: str = _CN, ten: str = "十") -> str:
    """1..9999 as Chinese numerals (十一, 二十, 一百零五)."""
    if n <= 0 or n >= 10000:
        return str(n)
    if n < 10:
        return digits[n]
    if n < 20:
        return ten + (digits[n - 10] if n > 10 else "")
    out, zero = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, ten), (1, "")):
        d, n = divmod(n, value)
        if d:
            out += (digits[0] if zero and out else "") + digits[d] + unit
            zero = False
        elif out:
            zero = True
    return out


def _roman(n: int) -> str:
    out = ""
    for value, numeral in _ROMAN:
        while n >= value:
            out += numeral
            n -= value
    return out


def _letters(n: int) -> str:
    return chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def format_number(n: int, fmt: str) -> str | None:
    """A counter as a numFmt prints it; None for a bullet or no number."""
    if fmt in ("bullet", "none"):
        return None
    if fmt.startswith("chineseLegal"):
        return _chinese(n, _CN_LEGAL, "拾")
    if fmt.startswith(("chinese", "japaneseCounting", "taiwaneseCounting", "ideographDigital")):
        return _chinese(n)
    if fmt.startswith(("ideographTraditional", "ideographZodiac")):
        return _STEMS[(n - 1) % 10]
    if fmt.startswith("decimalEnclosedCircle") and 1 <= n <= len(_CIRCLED):
        return _CIRCLED[n - 1]
    if fmt.startswith("decimalFullWidth"):
        return str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "upperLetter":
        return _letters(n)
    if fmt == "lowerLetter":
        return _letters(n).lower()
    if fmt == "upperRoman":
        return _roman(n)
    if fmt == "lowerRoman":
        return _roman(n).lower()
    return str(n)


@dataclass
class Level:
    fmt: str = "decimal"
    text: str = "%1."
    start: int = 1
    suffix: str = "\t"


@dataclass
class Numbering:
    """The list definitions of a document and the counters of its lists so far."""

    abstract: dict[str, dict[int, Level]] = field(default_factory=dict)  # abstractNumId -> levels
    nums: dict[str, tuple[str, dict[int, int]]] = field(default_factory=dict)  # numId -> (abstract, starts)
    counters: dict[str, dict[int, int]] = field(default_factory=dict)  # abstractNumId -> level -> count
    started: set[str] = field(default_factory=set)  # numIds already used (their overrides applied)
    styles: dict[str, tuple[str | None, int | None, str | None]] = field(default_factory=dict)
    # paragraph styleId -> (numId, ilvl, basedOn) as styles.xml gives them

    def style_list(self, style_id: str) -> tuple[str, int] | None:
        """The list (numId, level) a paragraph style numbers its paragraphs in, through basedOn."""
        num_id: str | None = None
        ilvl: int | None = None
        seen: set[str] = set()
        current: str | None = style_id
        while current and current in self.styles and current not in seen and len(seen) < 20:
            seen.add(current)
            sid, slvl, based = self.styles[current]
            num_id = sid if num_id is None else num_id
            ilvl = slvl if ilvl is None else ilvl
            current = based
        if not num_id or num_id == "0":
            return None
        return num_id, ilvl or 0

    def prefix(self, num_id: str, ilvl: int) -> str:
        """The printed number of the next paragraph of list num_id at level ilvl ('' when none)."""
        if num_id not in self.nums or not 0 <= ilvl <= MAX_LEVEL:
            return ""
        abstract_id, overrides = self.nums[num_id]
        levels = self.abstract.get(abstract_id, {})
        counts = self.counters.setdefault(abstract_id, {})
        if num_id not in self.started:
            self.started.add(num_id)
            for lvl, start in overrides.items():
                counts[lvl] = start - 1
                for deeper in [k for k in counts if k > lvl]:
                    del counts[deeper]
        level = levels.get(ilvl, Level())
        counts[ilvl] = min(counts.get(ilvl, level.start - 1) + 1, MAX_COUNT)
        for deeper in [k for k in counts if k > ilvl]:
            del counts[deeper]
        text = level.text
        for k in range(ilvl + 1):
            lv = levels.get(k, Level())
            shown = format_number(counts.get(k, lv.start), lv.fmt)
            if shown is None:
                return ""
            text = text.replace(f"%{k + 1}", shown)
        return text + (level.suffix if text else "")


def parse_numbering(root: etree._Element, ns: str, styles: etree._Element | None = None) -> Numbering:
    """The definitions of a w:numbering part, and the numbering of the paragraph styles of w:styles."""

    def q(local: str) -> str:
        return f"{{{ns}}}{local}"

    def val(el: etree._Element | None, default: str = "") -> str:
        return default if el is None else el.get(q("val"), default)

    def int_val(el: etree._Element | None, default: int) -> int:
        try:
            return max(0, min(int(val(el, str(default))), MAX_COUNT))
        except ValueError:
            return default

    out = Numbering()
    for an in root.iter(q("abstractNum")):
        levels: dict[int, Level] = {}
        for lvl in an.iter(q("lvl")):
            try:
                ilvl = int(lvl.get(q("ilvl"), "0"))
            except ValueError:
                continue
            suff = val(lvl.find(q("suff")), "tab")
            levels[ilvl] = Level(
                fmt=val(lvl.find(q("numFmt")), "decimal"),
                text=val(lvl.find(q("lvlText")), ""),
                start=int_val(lvl.find(q("start")), 1),
                suffix={"tab": "\t", "space": " "}.get(suff, ""),
            )
        out.abstract[an.get(q("abstractNumId"), "")] = levels
    for num in root.iter(q("num")):
        starts: dict[int, int] = {}
        for ov in num.iter(q("lvlOverride")):
            so = ov.find(q("startOverride"))
            if so is not None:
                try:
                    starts[int(ov.get(q("ilvl"), "0"))] = int_val(so, 1)
                except ValueError:
                    continue
        out.nums[num.get(q("numId"), "")] = (val(num.find(q("abstractNumId"))), starts)
    for st in styles.iter(q("style")) if styles is not None else ():
        if st.get(q("type"), "paragraph") != "paragraph":
            continue
        num_pr = st.find(f"{q('pPr')}/{q('numPr')}")
        num_id = num_pr.find(q("numId")) if num_pr is not None else None
        lvl_el = num_pr.find(q("ilvl")) if num_pr is not None else None
        based = st.find(q("basedOn"))
        out.styles[st.get(q("styleId"), "")] = (
            None if num_id is None else val(num_id),
            None if lvl_el is None else int_val(lvl_el, 0),
            None if based is None else val(based),
        )
    return out
