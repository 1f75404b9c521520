"""Numbers a report's body text states for its table fields, and the table values they mean.

A sentence is cut at each number followed by 件 (a count) or % (a share); the words between the
previous number and this one name what it counts (the keyword closest to the number wins:
`受理…申请 17 件`, `答复 3050 件`, `另有 103 件顺延到下年度`, `行政复议 351 件，其中结果维持 72 件`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from normalize.checks import get_field
from normalize.template import load_template

APP = "applications"
RL = "review_litigation"


@dataclass(frozen=True)
class Measure:
    """A quantity the text can state: its id in rule names, the table fields it sums, its words."""

    key: str
    fields: tuple[str, ...]
    what: str
    group: str | None = None  # applications_group_totals key standing in for collapsed rows


@dataclass(frozen=True)
class Statement:
    """A number the text states: the measure, the value, count or share (percent), where it was said."""

    measure: Measure
    value: float
    kind: str  # "count" | "share"
    quote: str
    page: int | None


@lru_cache(maxsize=1)
def measures() -> dict[str, Measure]:
    """Every measure, by the keyword class that names it."""
    tpl = load_template("2021")
    rows_of: dict[str, list[str]] = {}
    for r in tpl[APP]["rows"]:
        rows_of.setdefault(r.get("group") or "", []).append(r["id"])

    def app(*rows: str) -> tuple[str, ...]:
        return tuple(f"{APP}.{r}.total" for r in rows)

    m = {
        "received": Measure(f"{APP}.new_received.total", app("new_received"), "applications were received"),
        "carried_over": Measure(f"{APP}.carried_over.total", app("carried_over"), "applications were carried over"),
        "closed": Measure(f"{APP}.total_results.total", app("total_results"), "applications were answered"),
        "carried_forward": Measure(
            f"{APP}.carried_forward.total", app("carried_forward"), "applications were carried forward"
        ),
        "granted": Measure(f"{APP}.granted.total", app("granted"), "applications were granted"),
        "partial": Measure(f"{APP}.partially_granted.total", app("partially_granted"), "were partly granted"),
        "granted_partial": Measure(
            f"{APP}.granted+partially_granted.total",
            app("granted", "partially_granted"),
            "were granted or partly granted",
        ),
    }
    for g, what in (
        ("denied", "were denied"),
        ("unable", "could not be answered"),
        ("unprocessed", "were not processed"),
        ("other_processing", "were otherwise processed"),
    ):
        m[g] = Measure(f"{APP}.{g}.total", app(*rows_of[g]), f"applications {what}", group=g)
    groups = {"review": ("review",), "litigation": ("litigation_direct", "litigation_after_review")}
    groups |= {"litigation_direct": ("litigation_direct",), "litigation_after_review": ("litigation_after_review",)}
    words = {"review": "reviews", "litigation": "lawsuits", "litigation_direct": "direct lawsuits"}
    words["litigation_after_review"] = "lawsuits after review"
    for g, parts in groups.items():
        for f, how in (
            ("total", ""),
            ("upheld", " upheld"),
            ("corrected", " corrected"),
            ("other", " ended otherwise"),
            ("pending", " pending"),
        ):
            key = f"{RL}.{g}.{f}" if len(parts) == 1 else f"{RL}.{'+'.join(parts)}.{f}"
            m[f"{g}.{f}"] = Measure(key, tuple(f"{RL}.{p}.{f}" for p in parts), f"{words[g]}{how}")
    return m


# Keywords, longest first at each position; the name is a key of measures() or a review outcome/subject.
_KEYWORDS: list[tuple[str, str]] = [
    (r"予以公开(?:及|和|与|、|或)部分公开", "granted_partial"),
    (r"部分公开", "partial"),
    (r"不予公开", "denied"),
    (r"予以公开", "granted"),
    (r"无法提供", "unable"),
    (r"不予处理", "unprocessed"),
    (r"其他处理", "other_processing"),
    (r"上一?年度?(?:结转|遗留)", "carried_over"),
    (r"(?:结转|顺延|转入)(?:至|到)?(?:下一?年度?|\d{4}\s*年)", "carried_forward"),
    (r"未经(?:行政)?复议直接(?:向法院)?(?:提起|起诉)", "@litigation_direct"),
    (r"直接(?:向法院)?起诉", "@litigation_direct"),
    (r"复议后(?:向法院)?(?:提起|起诉)", "@litigation_after_review"),
    (r"行政复议", "@review"),
    (r"行政诉讼", "@litigation"),
    (r"新收|受理|收到|接收|接到", "received"),
    (r"办结|作出答复|答复|办理完毕|办理完结|办复", "closed"),
    (r"维持", "~upheld"),
    (r"纠正", "~corrected"),
    (r"其他结果|其他", "~other"),
    (r"尚未审结|未审结|正在审理|审理中", "~pending"),
]
_KW = re.compile("|".join(f"(?P<k{i}>{p})" for i, (p, _) in enumerate(_KEYWORDS)))
_KW_NAME = {f"k{i}": name for i, (_, name) in enumerate(_KEYWORDS)}
_NUM = re.compile(r"(?<![\d.])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s*(件|起(?!诉)|%)")
_AFTER_FORWARD = re.compile(r"^\s*(?:申请)?\s*(?:结转|顺延|转入)(?:至|到)?(?:下|\d{4}\s*年)")
_SHARE_GAP = re.compile(r"^[\s,(、]*(?:约|共)?占(?:比|全部|总数|总量|申请总数|办理总数|全年)?(?:的|为|约)?\s*$")
_SENTENCE = re.compile(r"[^。；;！!？?]+[。；;！!？?]?")
_RATE = re.compile(r"^(?:率|比例)")
_APP_CONTEXT = ("申请", "依申请")


def keyword_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, name) of every keyword in the text, left to right."""
    return [(m.start(), m.end(), _KW_NAME[m.lastgroup or ""]) for m in _KW.finditer(text)]


def _subject(kws: list[tuple[int, int, str]], before: int) -> str | None:
    """The review/lawsuit group the sentence speaks of at a position: the last one named before it."""
    subj = [name[1:] for s, _, name in kws if name.startswith("@") and s < before]
    return subj[-1] if subj else None


def _to_number(whole: str, frac: str | None) -> float:
    """`3,119` and `9.5` as numbers."""
    return float(whole.replace(",", "") + (frac or ""))


def sentence_statements(original: str, page: int | None) -> list[Statement]:
    """The counts and shares one sentence states for table fields."""
    text = unicodedata.normalize("NFKC", original)
    if len(text) != len(original):  # offsets must match the quote; rare width-changing characters
        text = "".join(unicodedata.normalize("NFKC", ch)[:1] or ch for ch in original)
    kws = keyword_spans(text)
    has_app = any(w in text for w in _APP_CONTEXT)
    out: list[Statement] = []
    prev_end = 0
    prev_measure: Measure | None = None
    nums = list(_NUM.finditer(text))
    ms = measures()
    quote = original.strip()
    for i, n in enumerate(nums):
        value = _to_number(n.group(1), n.group(2))
        kind = "share" if n.group(3) == "%" else "count"
        before = [k for k in kws if k[0] >= prev_end and k[1] <= n.start()]
        nxt = nums[i + 1].start() if i + 1 < len(nums) else len(text)
        measure: Measure | None = None
        if before:
            s, e, name = before[-1]
            if _RATE.match(text[e:]):
                name = ""
            measure = _measure_for(name, kws, s, has_app, ms)
        elif kind == "count" and has_app and _AFTER_FORWARD.match(text[n.end() : nxt]):
            measure = ms["carried_forward"]
        elif kind == "share" and prev_measure is not None and _SHARE_GAP.match(text[prev_end : n.start()]):
            measure = prev_measure
        if measure is not None:
            out.append(Statement(measure, value, kind, quote, page))
        prev_end = n.end()
        prev_measure = measure if kind == "count" else None
    return out


def _measure_for(
    name: str, kws: list[tuple[int, int, str]], pos: int, has_app: bool, ms: dict[str, Measure]
) -> Measure | None:
    """The measure a keyword names at a position of its sentence (outcomes take the group named before)."""
    if name.startswith("@"):
        return ms[f"{name[1:]}.total"]
    if name.startswith("~"):
        subject = _subject(kws, pos)
        return ms[f"{subject}.{name[1:]}"] if subject else None
    if name in ms and (has_app or name not in ("received", "closed", "carried_over", "carried_forward")):
        return ms[name]
    return None


def statements(report: dict[str, Any]) -> list[Statement]:
    """Every count and share the report's section texts state, with the page of each sentence."""
    out: list[Statement] = []
    for sec in report.get("sections") or []:
        text = sec.get("text") or ""
        pages = sec.get("pages") or []
        for li, line in enumerate(text.split("\n")):
            if not _NUM.search(line):
                continue
            page = pages[li] if li < len(pages) else None
            for m in _SENTENCE.finditer(line):
                if _NUM.search(m.group(0)):
                    out.extend(sentence_statements(m.group(0), page))
    return out


def table_value(tables: dict[str, Any], m: Measure) -> float | None:
    """The table's value for a measure: its field or the sum of its rows (blank counts as 0; a collapsed
    group's printed total stands in for its rows); None when the table was not read at all."""
    vals = [get_field(tables, f) for f in m.fields]
    if all(v is None for v in vals):
        if m.group is not None:
            gt = get_field(tables, f"{APP}_group_totals.{m.group}.total")
            if gt is not None:
                return float(gt)
        section = tables.get(m.fields[0].split(".")[0]) or {}
        if not any(v is not None for row in section.values() if isinstance(row, dict) for v in row.values()):
            return None
    return float(sum(v for v in vals if isinstance(v, int | float)))


def share_matches(stated: float, value: float, denominators: list[float]) -> bool:
    """A stated percentage agrees with value over one of the denominators, at the precision printed."""
    decimals = len(f"{stated:g}".partition(".")[2])
    tol = 10.0**-decimals + 1e-9
    return any(d > 0 and abs(100.0 * value / d - stated) <= tol for d in denominators)
