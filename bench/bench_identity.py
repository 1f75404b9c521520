"""Report identity under OCR damage: agency, year and published date right, null with a warning, or wrong.

Builds OCR-like Documents (no image work: the normaliser alone) from the generator's agencies
(``samples.generate.random_meta``) with the damage seen on scans: junk glued before the title's agency
(Latin letters, digit runs, stray Chinese characters), a title agency line that is all junk, a short or
missing signature, dates read through look-alikes (`2O25年l月I5曰`, `二0二五年`), split over two lines or
followed by a seal's junk, a title year misread. Prints the count of each outcome per field; "wrong" must
be 0 for agency and year. Run by hand:

    .venv/bin/python -m bench.bench_identity [--count 2000 --seed 1]
"""

from __future__ import annotations

import argparse
import random
import string
import sys
from collections import Counter
from pathlib import Path

from ingest.grid import Block, Cell, Document, PageInfo, Paragraph, Table
from normalize import build
from samples.generate import random_meta

ROOT = Path(__file__).resolve().parent.parent

_JUNK_CJK = "东限服装团胜西数版品路物店长水招口田日十工"
_CN = "〇一二三四五六七八九"


def _junk(rng: random.Random, n: int, cjk: bool = True) -> str:
    """n characters of OCR junk: Latin letters and digits, with stray Chinese characters when cjk."""
    pool = string.ascii_letters + string.digits + (_JUNK_CJK if cjk else "")
    return "".join(rng.choice(pool) for _ in range(n))


def _cn_number(n: int) -> str:
    """十五, 二十, 三: a month or day in Chinese numerals."""
    tens, ones = divmod(n, 10)
    return ("" if tens == 0 else ("十" if tens == 1 else _CN[tens] + "十")) + ("" if ones == 0 and tens else _CN[ones])


def _printed_date(iso: str, rng: random.Random) -> tuple[list[str], str]:
    """The date's closing lines as OCR may read them, and the kind of damage."""
    y, m, d = iso.split("-")
    kind = rng.choice(["arabic", "chinese", "lookalike", "mixed_zero", "split", "seal_after", "spaced"])
    if kind == "chinese":
        return ["".join(_CN[int(c)] for c in y) + f"年{_cn_number(int(m))}月{_cn_number(int(d))}日"], kind
    if kind == "mixed_zero":
        return [
            "".join(_CN[int(c)] if c != "0" else "0" for c in y) + f"年{_cn_number(int(m))}月{_cn_number(int(d))}日"
        ], kind
    if kind == "lookalike":
        t = f"{y}年{int(m)}月{int(d)}日"
        return [t.replace("0", "O", 1).replace("1", "l", 1).replace("日", "曰")], kind
    if kind == "split":
        return [f"{y}年{int(m)}月", f"{int(d)}日"], kind
    if kind == "seal_after":
        return [f"{y}年{int(m)}月{int(d)}日", _junk(rng, 45)], kind
    if kind == "spaced":
        return [" ".join(f"{y}年{int(m)}月{int(d)}日")], kind
    return [f"{y}年{int(m)}月{int(d)}日"], kind


def case(rng: random.Random) -> tuple[Document, dict[str, object], str]:
    """One damaged OCR'd report: its Document, the truth, and what was done to it."""
    meta = random_meta(rng)
    truth: dict[str, object] = {"agency": meta.agency, "year": meta.year, "published": meta.published}
    damage = rng.choice(["none", "none", "latin_digits", "real_like", "cjk_glued", "all_junk", "digits"])
    agency_line = {
        "none": meta.agency,
        "latin_digits": _junk(rng, rng.randint(3, 12), cjk=False) + meta.agency,
        "real_like": _junk(rng, rng.randint(30, 70)) + meta.agency,
        "cjk_glued": rng.choice(_JUNK_CJK) + meta.agency,
        "all_junk": _junk(rng, rng.randint(8, 30)) + rng.choice(["人民政府", "局"]),
        "digits": str(rng.randint(10, 9999)) + meta.agency,
    }[damage]
    year = meta.year
    if rng.random() < 0.15:  # the title's year misread
        year = meta.year + rng.choice([-3, -1, 1])
        damage += "+year"
    title = [agency_line, f"{year}年政府信息公开工作年度报告"]
    if rng.random() < 0.3:
        title = [agency_line + title[1]]
    body = ["一、总体情况", f"{meta.year}年，{meta.place}认真贯彻落实《中华人民共和国政府信息公开条例》。"]
    if rng.random() < 0.5:
        body.append(f"本报告统计期限为{meta.year}年1月1日至{meta.year}年12月31日。")
    sign = rng.choice(["full", "short", "none", "junk"])
    closing = {
        "full": [meta.agency],
        "short": [meta.short_agency],
        "none": [],
        "junk": [_junk(rng, 12) + meta.short_agency],
    }[sign]
    if meta.published:
        lines, kind = _printed_date(meta.published, rng)
        closing += lines
        damage += f"/{sign}/{kind}"
    table = Table(
        [
            Cell(t, r, c, page=2, confidence=0.97)
            for r, row in enumerate(
                [["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"], ["规章", "1", "0", "4"]]
            )
            for c, t in enumerate(row)
        ],
        page=2,
    )
    blocks: list[Block] = [Paragraph(t, 1) for t in title + body] + [table] + [Paragraph(t, 3) for t in closing]
    pages = [PageInfo(n, 1654, 2339, ocr=True) for n in (1, 2, 3)]
    return Document(path="bench.png", format="image", blocks=blocks, pages=pages, ocr=True), truth, damage


def judge(report: dict[str, object], truth: dict[str, object], key: str) -> str:
    """right, null (with its warning), null_silent (no warning), or wrong."""
    got = report["report"][key]  # type: ignore[index]
    if got == truth[key]:
        return "right"
    if got is None:
        return "null" if any(w.startswith(f"report.{key}:") for w in report["warnings"]) else "null_silent"  # type: ignore[attr-defined]
    return "wrong"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--show", type=int, default=5, help="wrong cases to print per field")
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    outcomes: dict[str, Counter[str]] = {k: Counter() for k in ("agency", "year", "published")}
    shown: Counter[str] = Counter()
    for _ in range(args.count):
        doc, truth, damage = case(rng)
        report = build(doc)
        for key, counts in outcomes.items():
            if key == "published" and truth[key] is None:
                continue
            verdict = judge(report, truth, key)
            counts[verdict] += 1
            if verdict in ("wrong", "null_silent") and shown[key] < args.show:
                shown[key] += 1
                print(f"{verdict} {key}: got {report['report'][key]!r}, truth {truth[key]!r} ({damage})")
    print(f"{'field':10}{'cases':>7}{'right':>7}{'null+warn':>10}{'silent null':>12}{'wrong':>7}")
    for key, c in outcomes.items():
        n = sum(c.values())
        print(f"{key:10}{n:7}{c['right']:7}{c['null']:10}{c['null_silent']:12}{c['wrong']:7}")
    return 1 if outcomes["agency"]["wrong"] or outcomes["year"]["wrong"] else 0


if __name__ == "__main__":
    sys.exit(main())
