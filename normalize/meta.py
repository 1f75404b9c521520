"""Report metadata (title, agency, year, published date) and the six section texts."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from ingest.grid import Block, Paragraph, Table
from normalize.text import canon

_CN_DIGITS = {
    "〇": 0,
    "○": 0,
    "零": 0,
    "O": 0,
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
_ISO_DATE = re.compile(r"(20\d{2})[-/.](\d{1,2})[-/.](\d{1,2})")
_YEAR_TITLE = re.compile(r"(\d{4}|[〇○零O一二三四五六七八九]{4})\s*年度?")
_HEADING = re.compile(r"^\s*([一二三四五六]|[1-6１-６])\s*[、.．,，]\s*(\S.*)$")
_SECTION_NUMS = "一二三四五六"


def _cn_int(s: str) -> int:
    """An Arabic or Chinese numeral (年 digit by digit, 月/日 as 十 forms) as int."""
    s = unicodedata.normalize("NFKC", s)
    if s.isdigit():
        return int(s)
    if len(s) == 4:
        return int("".join(str(_CN_DIGITS.get(ch, 0)) for ch in s))
    if "十" in s:
        a, _, b = s.partition("十")
        return (_CN_DIGITS.get(a, 1) if a else 1) * 10 + (_CN_DIGITS.get(b, 0) if b else 0)
    return _CN_DIGITS.get(s, 0)


# OCR reads 十 as "+" (same strokes); in a Chinese date it can only be 十.
_PLUS_AS_TEN = re.compile(r"(?<=[一二三四五六七八九月])\+(?=[一二三四五六七八九日])")


def parse_date(text: str) -> str | None:
    """The first date in the text as YYYY-MM-DD, or None."""
    t = _PLUS_AS_TEN.sub("十", unicodedata.normalize("NFKC", text))
    m = _DATE.search(t)
    if m:
        y, mo, d = (_cn_int(g) for g in m.groups())
    else:
        m = _ISO_DATE.search(t)
        if not m:
            return None
        y, mo, d = (int(g) for g in m.groups())
    if not (1990 <= y <= 2100 and 1 <= mo <= 12 and 1 <= d <= 31):
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"


def _title_part(t: str) -> bool:
    """A short line that can be part of a title printed over several lines."""
    return 0 < len(t) <= 40 and not _HEADING.match(t) and not t.endswith(("。", "；", "：", ":")) and "报告" not in t


def find_title(paras: list[Paragraph], meta: dict[str, str]) -> str | None:
    """The report title: the line naming the 年度报告, with the lines of it printed above."""
    head = [p.text.strip() for p in paras[:12]]
    for i, t in enumerate(head):
        if len(t) <= 80 and ("年度报告" in t or ("信息公开" in t and t.rstrip("）)").endswith("报告"))):
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
            m = _YEAR_TITLE.search(src)
            if m:
                y = _cn_int(m.group(1))
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


def find_agency(title: str | None, paras: list[Paragraph], sig: list[str]) -> str | None:
    """The publishing body's full name: from the title, else the signature, else the opening text."""
    if title:
        t = re.sub(r"\s+", "", unicodedata.normalize("NFKC", title).replace("(", "（").replace(")", "）"))
        pieces = re.split(r"\d{4}年度?|[〇○零一二三四五六七八九]{4}年度?|关于|政府信息公开", t)
        head = pieces[0] or (pieces[1] if len(pieces) > 1 else "")
        if head and AGENCY_END.search(head):
            return head
        prefix = head
    else:
        prefix = ""
    for line in reversed(sig):
        s = re.sub(r"\s+", "", line)
        s = _DATE.sub("", s).strip()
        if s and AGENCY_END.search(s) and len(s) <= 40:
            if prefix and not s.startswith(prefix) and prefix in s:
                s = s[s.index(prefix) :]
            elif prefix and not s.startswith(prefix):
                # the signature drops the county (`刘胡兰镇人民政府` under `文水县刘胡兰镇`): join on the overlap
                k = max((k for k in range(1, len(prefix) + 1) if s.startswith(prefix[-k:])), default=0)
                if k >= 2:
                    s = prefix + s[k:]
            return s
    if prefix:
        return None
    return recurring_agency(" ".join(p.text for p in paras))


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
        if len(t) > 40 or _HEADING.match(t):
            break
        out.insert(0, t)
    return out


def find_published(sig: list[str], meta: dict[str, str]) -> str | None:
    """The date printed at the end of the report; else the page's publication date; else None."""
    for line in reversed(sig):
        d = parse_date(line)
        if d and len(re.sub(r"\s+", "", _DATE.sub("", line))) <= 30:
            return d
    return meta.get("published")


def _section_number(m: re.Match[str]) -> str:
    n = unicodedata.normalize("NFKC", m.group(1))
    return _SECTION_NUMS[int(n) - 1] if n.isdigit() else n


def section_heading(text: str, tpl: dict[str, Any]) -> tuple[dict[str, Any], str] | None:
    """The template section a line is the heading of (`三、收到和处理…`), with its title as printed."""
    m = _HEADING.match(text)
    if not m:
        return None
    title = m.group(2).strip()
    spec = next((s for s in tpl["sections"] if s["number"] == _section_number(m)), None)
    if spec and any(canon(a)[:4] in canon(title) for a in spec["aliases"]):
        return spec, title
    return None


def find_sections(blocks: list[Block], tpl: dict[str, Any]) -> list[dict[str, Any]]:
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
                    if heading and heading[0]["number"] not in done:
                        current = {"number": heading[0]["number"], "title": heading[1], "text": ""}
                        found.append(current)
                        done.add(current["number"])
            continue
        heading = section_heading(b.text, tpl)
        if heading and heading[0]["number"] not in done:
            current = {"number": heading[0]["number"], "title": heading[1], "text": ""}
            found.append(current)
            done.add(current["number"])
            continue
        if current is not None:
            current["text"] = (current["text"] + "\n" + b.text).strip()
    return found
