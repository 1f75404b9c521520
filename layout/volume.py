"""Bound volumes (a county's 汇编): one Document holding several reports cut into one Document per report.

A pure step on the adapter's Document, before the repairs. A report starts at a title line naming the
政府信息公开（工作）年度报告 that is followed by that report's sections (a heading 一、 before the next such
title), when the report before it holds a table; the short lines printed right above the title on its page
(the agency's name of a title set on two lines) start the report with it. Text before the first report
(a cover, a table of contents) that holds no table is left out with a warning. A document with one report
comes back unchanged, as a list of one.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ingest.grid import Block, Document, Paragraph, Table

TITLE = re.compile(r"政府信息公开(?:工作)?年度报告")
MAX_TITLE = 80  # a title line is at most this many characters (a sentence naming the report is longer)
HEADING_ONE = re.compile(r"^一\s*[、.．]")  # 一、总体情况 (not a sub-item （一）)
ANY_HEADING = re.compile(r"^[(（]?\s*[一二三四五六七八九十]+\s*[)）、.．,，]")
DATE_LINE = re.compile(r"\d{1,4}\s*年\s*\d{1,2}\s*月|[〇○零一二三四五六七八九十]+\s*年\s*[一二三四五六七八九十]+\s*月")
MAX_LEAD = 2  # lines above a title taken with it
MAX_LEAD_CHARS = 40


def squeeze(text: str) -> str:
    """The text without white space (OCR and stacked titles put spaces between characters)."""
    return re.sub(r"\s+", "", text)


def is_title(block: Block) -> bool:
    """A short paragraph naming the 政府信息公开工作年度报告 (a title, or a title's last line)."""
    if not isinstance(block, Paragraph):
        return False
    t = squeeze(block.text)
    return len(t) <= MAX_TITLE and bool(TITLE.search(t)) and not t.endswith(("。", "；", "，"))


def is_lead(block: Block, title: Paragraph) -> bool:
    """A line printed above a title on its page that belongs to it (the agency's name), not to the text before."""
    if not isinstance(block, Paragraph) or block.page != title.page:
        return False
    t = squeeze(block.text)
    return (
        0 < len(t) <= MAX_LEAD_CHARS
        and not t.endswith(("。", "；", "：", ":", "，"))
        and not ANY_HEADING.match(t)
        and not DATE_LINE.search(t)
        and "报告" not in t
    )


def report_starts(blocks: list[Block]) -> list[int]:
    """Indexes of the title blocks that start a report: a heading 一、 follows before the next title."""
    titles = [i for i, b in enumerate(blocks) if is_title(b)]
    starts = []
    for k, i in enumerate(titles):
        end = titles[k + 1] if k + 1 < len(titles) else len(blocks)
        if any(isinstance(b, Paragraph) and HEADING_ONE.match(b.text.strip()) for b in blocks[i + 1 : end]):
            starts.append(i)
    return starts


def cut_points(blocks: list[Block]) -> list[int]:
    """Where each report begins (its lead lines included); a report without a table is not cut from the next."""
    cuts: list[int] = []
    for i in report_starts(blocks):
        title = blocks[i]
        assert isinstance(title, Paragraph)
        j = i
        while j > 0 and i - j < MAX_LEAD and is_lead(blocks[j - 1], title):
            j -= 1
        if cuts and not any(isinstance(b, Table) for b in blocks[cuts[-1] : j]):
            continue  # the report before holds no table yet: this title is still its own (a repeated heading)
        cuts.append(j)
    return cuts


def pages_of(blocks: list[Block]) -> tuple[int, int]:
    """The first and last page the blocks stand on (0, 0 when none says: a format without pages)."""
    pages = [b.page for b in blocks if b.page is not None]
    return (min(pages), max(pages)) if pages else (0, 0)


def part(doc: Document, blocks: list[Block]) -> Document:
    """The Document of one report: its blocks, the pages they stand on, and their page images."""
    first, last = pages_of(blocks)
    return replace(
        doc,
        blocks=blocks,
        pages=[p for p in doc.pages if first <= p.number <= last],
        page_images={n: r for n, r in doc.page_images.items() if first <= n <= last},
        warnings=list(doc.warnings),
        meta=dict(doc.meta),
    )


def split_volume(doc: Document) -> list[Document]:
    """One Document per report of a bound volume; ``[doc]`` itself when it holds one report."""
    cuts = cut_points(doc.blocks)
    if cuts and not any(isinstance(b, Table) for b in doc.blocks[cuts[-1] :]):
        cuts.pop()  # a last "report" without a table (an index, a back cover) stays with the one before
    if len(cuts) < 2:
        return [doc]
    parts = [part(doc, doc.blocks[a:b]) for a, b in zip(cuts, [*cuts[1:], len(doc.blocks)], strict=True)]
    front = doc.blocks[: cuts[0]]
    if any(isinstance(b, Table) for b in front):
        parts[0] = part(doc, front + parts[0].blocks)
    elif front:
        first, last = pages_of(front)
        where = f" (pages {first}-{last})" if first else ""
        parts[0].warnings.append(f"volume: text before the first report{where} left out")
    return parts
