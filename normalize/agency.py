"""Agency identity: a publishing body's name as a series key, its administrative level and its region.

Pure functions, no I/O. The key joins one body's reports across years and across the name forms it is
printed in: full-width and spacing variants, with or without its province and city prefix (the city
taken from the report's own title or text when the name omits it), and 人民政府办公厅 as 人民政府办公室
only when the report's text names the body both ways.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

LEVELS = ("province", "city", "county", "township", "department")
# Province-level units printed as a city (直辖市).
MUNICIPALITIES = ("北京市", "上海市", "天津市", "重庆市")
_CJK = r"[\u4e00-\u9fff]"
_NAME = re.compile(
    rf"^(?P<province>{_CJK}{{2,7}}?(?:省|自治区|特别行政区))?"
    rf"(?P<city>{_CJK}{{2,7}}?(?:市|自治州|州|盟|地区))?"
    rf"(?P<county>{_CJK}{{1,9}}?(?:新区|实验区|开发区|自治县|自治旗|区|县|旗|市))?"
    rf"(?P<town>{_CJK}{{1,6}}?(?:街道|镇|乡))?"
    r"(?P<body>.*)$"
)
# Words that end like a place but are part of a body's name (城市管理局, 社区, 园区).
_NOT_PLACE = re.compile(r"^(?:城市|都市|超市|社区|园区|小区|辖区|市区|城区|地区|新市|街道|集市|门市)")
_GOVERNMENT = ("人民政府", "街道办事处", "办事处", "管理委员会", "管委会")
_OFFICE_TING = "人民政府办公厅"
_OFFICE_SHI = "人民政府办公室"
# A city named in the text before a body of it: 淮安市委, 淮安市人民政府, 淮安市政府.
_CITY_IN_TEXT = re.compile(rf"({_CJK}{{2}}市)(?=委|人民政府|政府)")
_NOT_CITY = re.compile(r"(?:全|本|我|该|各|两|省|县|区)市$")


@dataclass(frozen=True)
class Identity:
    """A body's series key, administrative level and region (the places its name is under)."""

    key: str | None
    level: str | None
    region: str | None
    city_from_text: bool = False


def clean(name: str) -> str:
    """NFKC (full-width to half-width), no spaces, Chinese brackets: the form names are compared in."""
    t = unicodedata.normalize("NFKC", name or "")
    t = t.replace("(", "（").replace(")", "）")
    return re.sub(r"\s+", "", t)


@dataclass(frozen=True)
class Parts:
    """A name split into its places and the body."""

    province: str
    city: str
    county: str
    town: str
    body: str


def split_name(name: str) -> Parts:
    """The province, city, county, township prefixes of a cleaned name and the body after them."""
    m = _NAME.match(name)
    if m is None:  # pragma: no cover - the pattern matches every string
        return Parts("", "", "", "", name)
    order = ("province", "city", "county", "town")
    g = {k: m.group(k) or "" for k in order}
    body = m.group("body")
    # a captured "place" that is really the start of the body (淮安市城市管理局: 城市 is no county)
    bad = next((i for i, k in enumerate(order) if g[k] and _NOT_PLACE.match(g[k])), None)
    if bad is not None:
        body = "".join(g[k] for k in order[bad:]) + body
        g.update({k: "" for k in order[bad:]})
    return Parts(g["province"], g["city"], g["county"], g["town"], body)


def level_of(p: Parts) -> str | None:
    """province, city, county, township (a government of that place) or department (any other body)."""
    places = [x for x in (p.province, p.city, p.county, p.town) if x]
    if not places and not p.body:
        return None
    if p.body and not p.body.endswith(_GOVERNMENT):
        return "department"
    if p.town:
        return "township"
    if p.county:
        return "county"
    if p.city:
        return "province" if p.city in MUNICIPALITIES else "city"
    if p.province:
        return "province"
    return "department" if p.body else None


def city_in_text(text: str, county: str) -> str | None:
    """The city a report's text places its county in (淮安市洪泽区, else the most named 淮安市委/市政府)."""
    t = clean(text)
    if county:
        near = Counter(t[i - 3 : i] for i in _find_all(t, county) if i >= 3 and t[i - 1] == "市")
        near = Counter(
            {c: n for c, n in near.items() if re.fullmatch(rf"{_CJK}{{2}}市", c) and not _NOT_CITY.search(c)}
        )
        if near:
            return near.most_common(1)[0][0]
    named = Counter(c for c in _CITY_IN_TEXT.findall(t) if not _NOT_CITY.search(c))
    if not named:
        return None
    best, n = named.most_common(1)[0]
    return best if n >= 1 and list(named.values()).count(n) == 1 else None


def _find_all(text: str, sub: str) -> list[int]:
    """Start offsets of every occurrence of sub in text."""
    out: list[int] = []
    i = text.find(sub)
    while i >= 0:
        out.append(i)
        i = text.find(sub, i + 1)
    return out


def office_body(body: str, prefix: str, text: str) -> str:
    """人民政府办公厅 as 人民政府办公室 when the report's text names the same body with 办公室 too."""
    if body != _OFFICE_TING:
        return body
    t = clean(text)
    if prefix + _OFFICE_SHI in t or "办公厅（室）" in t or "办公室（厅）" in t:
        return _OFFICE_SHI
    return body


def identify(agency: str | None, text: str = "") -> Identity:
    """The series key, level and region of a body's name, the city filled in from the report's text
    (title, sections, signature) when the name starts at the county."""
    if not agency:
        return Identity(None, None, None)
    name = clean(agency)
    p = split_name(name)
    city, from_text = p.city, False
    if not city and p.county and not p.province:
        found = city_in_text(text, p.county)
        if found and found != p.county:
            city, from_text = found, True
    if city and not p.county and not p.town and not p.body:
        return Identity(city, level_of(p), city, from_text)
    # the province is dropped when a city is named (the city already places the body)
    places = [city or p.province, p.county, p.town]
    region = "".join(x for x in places if x) or None
    body = office_body(p.body, "".join(x for x in (p.city, p.county, p.town) if x), text)
    key = (region or "") + body
    level = level_of(Parts(p.province, city, p.county, p.town, p.body))
    return Identity(key or None, level, region, from_text)


def report_text(report: dict[str, object]) -> str:
    """The words of a canonical report its identity may be read from: title and section texts."""
    meta = report.get("report")
    title = meta.get("title") if isinstance(meta, dict) else None
    sections = report.get("sections")
    parts = [str(title or "")]
    if isinstance(sections, list):
        parts.extend(str(s.get("text") or "") for s in sections if isinstance(s, dict))
    return "\n".join(parts)
