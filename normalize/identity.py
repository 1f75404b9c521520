"""The report's identity (agency, year, published date), each reading checked against the others, with
a confidence per field: a value that the document does not bear out is null with a warning, never guessed."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from ingest.grid import Document, Paragraph
from normalize.meta import (
    AGENCY_END,
    OCR_DATE,
    Reading,
    find_year,
    identify_agency,
    read_date,
    signature_lines,
    squash,
)

# An OCR'd line is less sure than a text layer's, however clean it reads.
OCR_FACTOR = 0.95
# Reports come out in the first months of the year after: a date later than this month is less sure.
LATE_MONTH = 6
# A date read through OCR look-alikes (`2O25年l月15曰`) or a year only the body and date bear out.
DOUBTFUL = 0.6
# How many closing paragraphs are searched for the date when the signature block holds none.
DATE_SEARCH = 10
# The most a line holding the date may print beside it (a signature, `发布日期：`).
DATE_LINE_REST = 30
# The words a closing date may stand after, its signature aside.
_DATE_LABEL = re.compile(r"(?:发布|印发|成文|公开)?(?:日期|时间)[:：]?")


def body_year(paras: list[Paragraph]) -> tuple[int | None, bool]:
    """The year the body text reports on, and whether that is sure by itself: its statistics period
    (`2024年1月1日至`, sure), else the year it names most often when no other is named as often (sure
    when named at least thrice and twice as often as any other)."""
    text = squash(" ".join(p.text for p in paras))
    m = re.search(r"(20\d{2})年1月1日(?:起)?至", text)
    if m:
        return int(m.group(1)), True
    counts = Counter(int(y) for y in re.findall(r"(20\d{2})年", text)).most_common(2)
    if counts and (len(counts) == 1 or counts[0][1] > counts[1][1]):
        second = counts[1][1] if len(counts) > 1 else 0
        return counts[0][0], counts[0][1] >= 3 and counts[0][1] >= 2 * second
    return None, False


def _date_in(line: str) -> tuple[str, bool] | None:
    """The date of a line that holds nothing else but a body's name or a date label (`发布日期：`); a line
    of two dates (the statistics period) or of other words is no closing date."""
    found = read_date(line)
    if found is None:
        return None
    text = squash(line)
    rest = re.sub(r"20\d{2}[-/.．]\d{1,2}[-/.．]\d{1,2}", "", OCR_DATE.sub("", text))
    if len(OCR_DATE.findall(text)) > 1 or len(rest) > DATE_LINE_REST:
        return None
    if rest and not AGENCY_END.search(rest) and not _DATE_LABEL.fullmatch(rest):
        return None
    return found


def closing_date(paras: list[Paragraph], sig: list[str]) -> tuple[str, bool] | None:
    """The date printed at the end: in the signature block; else in a short line among the closing
    paragraphs (a seal's junk or a page number between it and the agency); else split over two lines."""
    for line in reversed(sig):
        found = _date_in(line)
        if found:
            return found
    tail = [p.text for p in paras[-DATE_SEARCH:]]
    for line in reversed(tail):
        found = _date_in(line)
        if found:
            return found
    for a, b in zip(reversed(tail[:-1]), reversed(tail[1:]), strict=True):
        found = _date_in(a + b)
        if found and len(squash(a)) <= DATE_LINE_REST and len(squash(b)) <= DATE_LINE_REST:
            return found[0], True
    return None


def _year_and_date(
    t_year: int | None, body: tuple[int | None, bool], date: tuple[str, bool] | None, ocr: bool
) -> tuple[Reading, Reading]:
    """The report year and published date, each checked against the other and the body: a report is
    published in the year after the one it reports on."""
    published = Reading(date[0], DOUBTFUL if date[1] else 1.0) if date else Reading(None, 0.0)
    d_year = int(date[0][:4]) - 1 if date else None
    b_year, b_sure = body
    if t_year is None:
        if b_year is not None and (d_year == b_year or (d_year is None and b_sure)):
            return Reading(b_year, 0.8, "no year in the title; the body's taken"), published
        if b_year is None and d_year is not None and not ocr:
            return Reading(d_year, DOUBTFUL, "no year in the title; the year before the date's taken"), published
        return Reading(None, 0.0, "no report year found in the title, the text or the date"), published
    if d_year == t_year and date and int(date[0][5:7]) > LATE_MONTH:
        published = Reading(published.value, min(published.confidence, 0.8))  # later than reports come out
    if d_year is None or d_year == t_year:
        if b_year not in (None, t_year) and d_year is None:
            clash = f"the title says {t_year} but the body names {b_year} most"
            if ocr:  # no date to tell which was misread
                return Reading(None, 0.0, f"{clash}; nothing tells which was misread"), published
            return Reading(t_year, DOUBTFUL, clash), published
        return Reading(t_year, 1.0), published
    printed = date[0] if date else ""
    clash = f"the title says {t_year} but the date printed at the end is {printed}"
    if b_year == t_year:
        return Reading(t_year, 0.8), Reading(None, 0.0, f"{clash}, not in the year after the body's {b_year}")
    if b_year == d_year:
        return Reading(d_year, DOUBTFUL, f"{clash}; the body's {b_year} taken"), published
    if not ocr:  # both as printed: kept, doubtful
        return Reading(t_year, DOUBTFUL, clash), Reading(published.value, DOUBTFUL, clash)
    return Reading(None, 0.0, f"{clash}; nothing tells which was misread"), Reading(None, 0.0, clash)


def _source_confidence(paras: list[Paragraph], texts: list[str], ocr_pages: set[int | None]) -> float:
    """The weakest confidence of the paragraphs a reading came from, an OCR'd page's below a text layer's."""
    wanted = {t.strip() for t in texts if t.strip()}
    used = [p for p in paras if p.text.strip() in wanted]
    return min((p.confidence * (OCR_FACTOR if p.page in ocr_pages else 1.0) for p in used), default=1.0)


def _no_date(paras: list[Paragraph]) -> str:
    """Why no closing date was found: none printed, or the closing lines read only in part (`…`)."""
    if any(p.text.rstrip().endswith("…") for p in paras[-3:]):
        return "no date found at the end of the report (its closing lines were read only in part)"
    return "no date found at the end of the report"


def _title_span(paras: list[Paragraph], title: str | None) -> tuple[int, int]:
    """Indexes of the first and last paragraph the title was read from ((-1, -1): none)."""
    t = squash(title) if title else ""
    hits = [i for i, p in enumerate(paras[:12]) if t and squash(p.text) and squash(p.text) in t]
    if not hits:
        return -1, -1
    last = hits[0]  # the title's own lines: the first run of them (a signature may repeat its words)
    while last + 1 in hits:
        last += 1
    return hits[0], last


def identify(doc: Document, title: str | None) -> tuple[dict[str, Any], list[str]]:
    """The report object's agency, year, published date and per-field confidence, with a warning for
    each field left null or read in doubt."""
    paras = doc.paragraphs
    sig = signature_lines(paras)
    first, ti = _title_span(paras, title)
    above = paras[first - 1].text if first > 0 else None
    body_paras = paras[ti + 1 :]  # the closing lines too: another source than the title
    agency = identify_agency(title, " ".join(p.text for p in body_paras), sig, above, doc.ocr)
    t_year = find_year(title, paras)
    year, published = _year_and_date(t_year, body_year(body_paras), closing_date(paras, sig), doc.ocr)
    if published.value is None and published.warning is None and doc.meta.get("published"):
        published = Reading(doc.meta["published"], 0.9)
    ocr_pages: set[int | None] = {pg.number for pg in doc.pages if pg.ocr} | ({None} if doc.ocr else set())
    title_conf = _source_confidence(paras, [p.text for p in paras[: ti + 1]], ocr_pages)
    sig_conf = _source_confidence(paras, sig, ocr_pages)
    conf = {
        "agency": agency.confidence * min(title_conf, sig_conf),
        "year": year.confidence * title_conf,
        "published": published.confidence * sig_conf,
    }
    report = {"agency": agency.value, "year": year.value, "published": published.value}
    warnings: list[str] = []
    for key, r in (("agency", agency), ("year", year), ("published", published)):
        if r.value is None:
            conf[key] = 0.0
            reason = r.warning or {"published": _no_date(paras)}.get(key, "not found")
            warnings.append(f"report.{key}: {reason}; left null")
        elif r.warning:
            warnings.append(f"report.{key}: {r.warning} (confidence {conf[key]:.2f})")
    report["confidence"] = {k: round(v, 4) for k, v in conf.items()}
    return report, warnings
