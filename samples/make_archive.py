"""Seeded archives of canonical JSON for the audit: many agencies x several years, with planted faults.

Every report satisfies the template's arithmetic, its carried over equals its previous year's carried
forward, values move at most 25 % a year, and the body text states some values in the phrasings real
reports use (收到/受理…件, 答复/办结…件, 上年结转, 结转下年度/顺延, outcome groups with their shares,
行政复议/行政诉讼 with their outcomes). Then one fault of each kind per 60 agencies is planted, and
recorded in `planted.json` as the findings the audit must give (rule family and reports):

- `continuity`: a year's carried over (natural persons) differs from the previous carried forward;
- `text_table`: the text states a received count the table does not hold;
- `duplicate_report`: a second file of one agency and year, with other values;
- `yoy_jump`: a last year with ten times the applications;
- `name_forms`: a county's reports printed with and without the city prefix (the text names the city);
- `series_gap`: a year missing from a series;
- `identity`: a report whose agency could not be read.

CLI::

    python -m samples.make_archive --out DIR [--agencies 60] [--years 2021-2025] [--seed 0]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
from dataclasses import dataclass, field
from typing import Any

from normalize.checks import run_checks
from normalize.template import get_template, load_template

COLS = ("natural_person", "commercial", "research", "social_welfare", "legal_services", "other_org")
CITIES = ("淮安市", "苏州市", "临汾市", "福州市", "宿迁市", "徐州市", "扬州市", "泉州市", "漳州市", "盐城市")
COUNTIES = ("洪泽区", "清江浦区", "吴中区", "尧都区", "鼓楼区", "宿城区", "铜山区", "邗江区", "丰泽区", "芗城区")
COUNTIES += ("亭湖区", "涟水县", "盱眙县", "金湖县", "沭阳县", "泗洪县", "睢宁县", "宝应县", "惠安县", "东山县")
TOWNS = ("城关镇", "新河镇", "黄集镇", "老子山镇", "东双沟镇", "岔河镇", "西顺河镇", "蒋坝镇")
DEPARTMENTS = ("教育局", "公安局", "自然资源和规划局", "住房和城乡建设局", "卫生健康委员会", "市场监督管理局")
# Result rows an agency uses, with weight ranges.
RESULT_ROWS = {
    "granted": (30, 60),
    "partially_granted": (5, 20),
    "denied_third_party_rights": (0, 3),
    "denied_process_info": (0, 3),
    "unable_not_held": (5, 25),
    "unable_needs_creation": (0, 5),
    "unprocessed_complaint": (0, 4),
    "unprocessed_repeated": (0, 4),
    "other_no_correction": (0, 4),
    "other_other": (0, 6),
}
GROUP_ROWS = {
    "denied": ("denied_third_party_rights", "denied_process_info"),
    "unable": ("unable_not_held", "unable_needs_creation"),
    "unprocessed": ("unprocessed_complaint", "unprocessed_repeated"),
    "other_processing": ("other_no_correction", "other_other"),
}


@dataclass
class Agency:
    """One body: its names, its city, its base volume and its fixed shares."""

    slug: str
    name: str
    short: str | None  # the name without the city prefix, for the two-name-forms fault
    city: str
    base: int
    col_weights: list[float]
    row_weights: dict[str, float]
    licensing: int
    review_scale: int


@dataclass
class Doc:
    """A report being made: file name, agency as printed, year, tables, text options."""

    name: str
    agency: Agency
    printed: str | None
    year: int
    tables: dict[str, Any]
    text_received: int | None = None  # a received count the text states instead of the table's
    extra: dict[str, Any] = field(default_factory=dict)


# Characters of made-up county names (none that ends or starts a place or body word: 市 州 镇 城 …).
NAME_CHARS = "东西南北清河安平丰永宁华阳山江湖泉林溪桥松云海"


def county_names(rng: random.Random) -> list[str]:
    """The committed county names, then made-up ones (two characters + 区/县), each once."""
    made = [a + b + k for a in NAME_CHARS for b in NAME_CHARS if a != b for k in "区县"]
    rng.shuffle(made)
    return list(COUNTIES) + [c for c in made if c not in COUNTIES]


def agencies(rng: random.Random, n: int) -> list[Agency]:
    """n bodies of every level, each with a unique name; a county belongs to one city."""
    out: list[Agency] = []
    seen: set[str] = set()
    counties = county_names(rng)
    city_of = {c: rng.choice(CITIES) for c in counties}
    i = 0
    while len(out) < n:
        county = counties[rng.randrange(min(len(counties), 20 + n // 2))]
        city = city_of[county]
        kind = rng.random()
        if kind < 0.1:
            name, short = f"{city}人民政府", None
        elif kind < 0.5:
            name, short = f"{city}{county}人民政府", f"{county}人民政府"
        elif kind < 0.75:
            town = rng.choice(TOWNS)
            name, short = f"{city}{county}{town}人民政府", f"{county}{town}人民政府"
        else:
            name, short = f"{city}{county}{rng.choice(DEPARTMENTS)}", None
        if name in seen:
            continue
        seen.add(name)
        cw = [rng.uniform(60, 90)] + [rng.uniform(0, 8) for _ in COLS[1:]]
        rw = {r: rng.uniform(*w) for r, w in RESULT_ROWS.items()}
        out.append(
            Agency(
                f"a{i:04d}", name, short, city, rng.randint(20, 400), cw, rw, rng.randint(200, 20000), rng.randint(0, 2)
            )
        )
        i += 1
    return out


def allocate(total: int, weights: list[float]) -> list[int]:
    """total split by weights, largest remainders first (sums exactly to total)."""
    s = sum(weights) or 1.0
    raw = [total * w / s for w in weights]
    base = [int(x) for x in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - base[i], reverse=True)[: total - sum(base)]:
        base[i] += 1
    return base


def applications(a: Agency, received: int, carried_over: list[int], rng: random.Random) -> dict[str, Any]:
    """Section 三 for one year: received by column, results by row, a small carried forward."""
    tpl = load_template("2021")
    new = allocate(received, a.col_weights)
    rows: dict[str, dict[str, int | None]] = {r["id"]: {} for r in tpl["applications"]["rows"]}
    for ci, c in enumerate(COLS):
        avail = new[ci] + carried_over[ci]
        fwd = min(avail, rng.randint(0, 3)) if avail else 0
        res = allocate(avail - fwd, list(a.row_weights.values()))
        for r in rows:
            rows[r][c] = 0
        for r, v in zip(a.row_weights, res, strict=True):
            rows[r][c] = v
        rows["new_received"][c] = new[ci]
        rows["carried_over"][c] = carried_over[ci]
        rows["carried_forward"][c] = fwd
        rows["total_results"][c] = avail - fwd
    for vals in rows.values():
        vals["total"] = sum(int(vals[c] or 0) for c in COLS)
    return rows


def review(a: Agency, rng: random.Random) -> dict[str, Any]:
    """Section 四: small counts (a jump needs both years above 10)."""
    out: dict[str, Any] = {}
    for g in ("review", "litigation_direct", "litigation_after_review"):
        v = {f: rng.randint(0, 2 + a.review_scale) for f in ("upheld", "corrected", "other", "pending")}
        v["total"] = sum(v.values())
        out[g] = v
    return out


def active(a: Agency, factor: float, rng: random.Random) -> dict[str, Any]:
    """Section 二 (2021 form)."""
    return {
        "rules": {"issued": rng.randint(0, 3), "repealed": rng.randint(0, 2), "in_force": rng.randint(5, 9)},
        "normative_documents": {
            "issued": rng.randint(0, 8),
            "repealed": rng.randint(0, 3),
            "in_force": rng.randint(5, 10),
        },
        "administrative_licensing": {"decisions": round(a.licensing * factor)},
        "administrative_penalty": {"decisions": rng.randint(0, 9)},
        "administrative_coercion": {"decisions": rng.randint(0, 5)},
        "administrative_fees": {"amount": round(rng.uniform(0, 9), 2)},
    }


def group_total(app: dict[str, Any], g: str) -> int:
    """The sum of a result group's rows (total column)."""
    return sum(int(app[r]["total"]) for r in GROUP_ROWS[g])


def pct(x: int, d: int) -> str:
    """x as a percentage of d, one decimal."""
    return f"{100 * x / d:.1f}"


def body_text(d: Doc, rng: random.Random) -> list[str]:
    """Section 一's paragraphs: the city context, then sentences stating received, answered, carried
    and outcomes in one of the phrasings real reports use, plus numbers no rule reads."""
    app = d.tables["applications"]
    t = {r: int(app[r]["total"]) for r in ("new_received", "carried_over", "total_results", "carried_forward")}
    received = d.text_received if d.text_received is not None else t["new_received"]
    a = d.agency
    lines = [
        f"{d.year}年，在{a.city}委、{a.city}政府的坚强领导下，{d.printed or '本机关'}坚持以习近平新时代中国特色社会主义思想为指导，"
        f"全面推进政务公开工作。全年主动公开政府信息{rng.randint(100, 3000)}条，制发行政规范性文件{rng.randint(0, 9)}件。"
    ]
    style = rng.randrange(3)
    if style == 0:
        lines.append(
            f"（二）依申请公开情况。{d.year}年，本机关共收到政府信息公开申请{received}件，上年结转{t['carried_over']}件，"
            f"办结{t['total_results']}件，结转下年度继续办理{t['carried_forward']}件。"
        )
    elif style == 1:
        lines.append(
            f"（二）依申请公开情况。全年共受理政府信息公开申请 {received} 件，答复 {t['total_results']} 件"
            f"（含上年度结转申请 {t['carried_over']} 件，另有 {t['carried_forward']} 件顺延到下年度办理）。"
        )
    else:
        lines.append(f"（二）依申请公开情况。全年新收政府信息公开申请{received}件，均已在法定期限内予以答复。")
    tr = t["total_results"]
    gp = int(app["granted"]["total"]) + int(app["partially_granted"]["total"])
    un = group_total(app, "unable")
    if tr and rng.random() < 0.6:
        lines.append(
            f"从办理结果看，予以公开及部分公开{gp}件，占{pct(gp, tr)}%；不予公开{group_total(app, 'denied')}件；"
            f"无法提供{un}件（占比{pct(un, tr)}%）；不予处理{group_total(app, 'unprocessed')}件；"
            f"其他处理{group_total(app, 'other_processing')}件。"
        )
    elif tr:
        lines.append(
            f"其中，予以公开{app['granted']['total']}件，部分公开{app['partially_granted']['total']}件，"
            f"无法提供{un}件。"
        )
    rl = d.tables["review_litigation"]
    lit = {f: rl["litigation_direct"][f] + rl["litigation_after_review"][f] for f in ("total", "upheld")}
    lines.append(
        f"全年发生政府信息公开行政复议{rl['review']['total']}件，其中结果维持{rl['review']['upheld']}件、"
        f"结果纠正{rl['review']['corrected']}件、其他结果{rl['review']['other']}件、尚未审结{rl['review']['pending']}件；"
        f"行政诉讼{lit['total']}件，其中结果维持{lit['upheld']}件。收到群众来信{rng.randint(1, 40)}件。"
    )
    return lines


def canonical(d: Doc, rng: random.Random) -> dict[str, Any]:
    """The canonical JSON of a made report (cells, checks, sections with pages)."""
    tpl = load_template("2021")
    cells = []
    pages = {"active_disclosure": 2, "applications": 3, "review_litigation": 4}
    for sec, rows in d.tables.items():
        for row, vals in rows.items():
            for col, v in vals.items():
                raw = "" if v is None else str(v)
                cells.append(
                    {
                        "field": f"{sec}.{row}.{col}",
                        "raw": raw,
                        "value": v,
                        "page": pages.get(sec),
                        "bbox": None,
                        "confidence": 0.99,
                    }
                )
    found = {r["id"] for r in tpl["applications"]["rows"]} | {r["id"] for r in tpl["active_disclosure"]["rows"]}
    found.add("review_litigation")
    text = body_text(d, rng)
    printed = d.printed
    title = f"{printed}{d.year}年政府信息公开工作年度报告" if printed else f"{d.year}年政府信息公开工作年度报告"
    body = json.dumps([d.name, d.tables], ensure_ascii=False, sort_keys=True).encode()
    return {
        "schema_version": "1",
        "template": "2021",
        "source": {
            "file": d.name.replace(".json", ".pdf"),
            "sha256": hashlib.sha256(body).hexdigest(),
            "format": "pdf",
            "pages": 5,
            "ocr": False,
        },
        "report": {
            "title": title,
            "agency": printed,
            "year": d.year,
            "published": f"{d.year + 1}-01-{rng.randint(10, 28)}",
        },
        "sections": [
            {"number": "一", "title": "总体情况", "text": "\n".join(text), "pages": [1] * len(text)},
            {"number": "二", "title": "主动公开政府信息情况", "text": "", "pages": []},
            {"number": "三", "title": "收到和处理政府信息公开申请情况", "text": "", "pages": []},
            {"number": "四", "title": "政府信息公开行政复议、行政诉讼情况", "text": "", "pages": []},
            {"number": "五", "title": "存在的主要问题及改进情况", "text": "政务公开工作仍存在一些不足。", "pages": [5]},
            {"number": "六", "title": "其他需要报告的事项", "text": "本年度未收取信息处理费。", "pages": [5]},
        ],
        "tables": d.tables,
        "cells": cells,
        "checks": run_checks(d.tables, get_template("2021"), found),
        "warnings": [],
    }


def series_docs(a: Agency, years: list[int], rng: random.Random, jump_last: bool = False) -> list[Doc]:
    """One agency's reports over the years (carried over = last year's carried forward)."""
    docs: list[Doc] = []
    carried = [rng.randint(0, 2) for _ in COLS]
    for i, y in enumerate(years):
        factor = rng.uniform(0.8, 1.25)
        received = round(a.base * factor)
        if jump_last and i == len(years) - 1:
            received *= 10
        app = applications(a, received, carried, rng)
        carried = [int(app["carried_forward"][c]) for c in COLS]
        tables = {"active_disclosure": active(a, factor, rng), "applications": app, "review_litigation": review(a, rng)}
        docs.append(Doc(f"{a.slug}_{y}.json", a, a.name, y, tables))
    return docs


def make_archive(
    out_dir: str, n_agencies: int = 60, years: tuple[int, int] = (2021, 2025), seed: int = 0
) -> dict[str, Any]:
    """Write the archive into out_dir and planted.json (the findings the audit must give); the manifest."""
    rng = random.Random(seed)
    ys = list(range(years[0], years[1] + 1))
    ags = agencies(rng, n_agencies)
    per_kind = max(1, n_agencies // 60)
    kinds = ["continuity", "text_table", "duplicate_report", "yoy_jump", "name_forms", "series_gap", "identity"]
    faulty = rng.sample(range(n_agencies), per_kind * len(kinds))
    role: dict[int, str] = {}
    for k, kind in enumerate(kinds):
        for j in range(per_kind):
            role[faulty[k * per_kind + j]] = kind
    # a name-forms agency needs a short form (a county or township government)
    shortless = [i for i, r in role.items() if r == "name_forms" and ags[i].short is None]
    spare = [i for i in range(n_agencies) if i not in role and ags[i].short is not None]
    for i in shortless:
        j = spare.pop()
        role[j] = role.pop(i)
    planted: list[dict[str, Any]] = []
    docs: list[Doc] = []
    for i, a in enumerate(ags):
        kind = role.get(i)
        sd = series_docs(a, ys, rng, jump_last=kind == "yoy_jump")
        if kind == "continuity":
            d = sd[len(sd) // 2]
            app = d.tables["applications"]
            for c in ("natural_person", "total"):
                app["carried_over"][c] += 2
                app["granted"][c] += 2
                app["total_results"][c] += 2
            planted.append({"rule": "continuity", "reports": sorted([d.name, sd[len(sd) // 2 - 1].name])})
        elif kind == "text_table":
            d = sd[1]
            d.text_received = int(d.tables["applications"]["new_received"]["total"]) + rng.randint(1, 20)
            planted.append({"rule": "text_table", "reports": [d.name]})
        elif kind == "duplicate_report":
            d = sd[2]
            tables = json.loads(json.dumps(d.tables))
            for r in ("new_received", "granted", "total_results"):
                tables["applications"][r]["natural_person"] += 3
                tables["applications"][r]["total"] += 3
            dup = Doc(d.name.replace(".json", "_copy.json"), a, a.name, d.year, tables)
            sd.append(dup)
            planted.append({"rule": "duplicate_report", "reports": sorted([d.name, dup.name])})
        elif kind == "yoy_jump":
            planted.append({"rule": "yoy_jump", "reports": sorted([sd[-1].name, sd[-2].name])})
        elif kind == "name_forms":
            for d in sd[1::2]:
                d.printed = a.short
            planted.append({"rule": "name_forms", "reports": sorted(d.name for d in sd)})
        elif kind == "series_gap":
            gone = sd.pop(len(sd) // 2)
            planted.append(
                {"rule": "series_gap", "reports": sorted([sd[len(sd) // 2 - 1].name, sd[len(sd) // 2].name])}
            )
            del gone
        elif kind == "identity":
            sd[-1].printed = None
            planted.append({"rule": "identity", "reports": [sd[-1].name]})
        docs.extend(sd)
    os.makedirs(out_dir, exist_ok=True)
    for d in docs:
        with open(os.path.join(out_dir, d.name), "w", encoding="utf-8") as f:
            json.dump(canonical(d, rng), f, ensure_ascii=False)
    manifest = {"seed": seed, "reports": len(docs), "agencies": n_agencies, "planted": planted}
    with open(os.path.join(out_dir, "planted.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, ensure_ascii=False, indent=1)
    return manifest


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--agencies", type=int, default=60)
    ap.add_argument("--years", default="2021-2025")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    y0, _, y1 = args.years.partition("-")
    m = make_archive(args.out, args.agencies, (int(y0), int(y1 or y0)), args.seed)
    print(f"{m['reports']} reports of {m['agencies']} agencies, {len(m['planted'])} planted faults in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
