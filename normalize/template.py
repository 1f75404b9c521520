"""Templates are data: normalize/templates/<id>.json. This module loads and describes them."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

TEMPLATE_DIR = Path(__file__).parent / "templates"


@cache
def load_template(template_id: str) -> dict[str, Any]:
    """The template data file of that id."""
    with open(TEMPLATE_DIR / f"{template_id}.json", encoding="utf-8") as f:
        data: dict[str, Any] = json.load(f)
    return data


def template_ids() -> list[str]:
    """Every template the toolkit knows, newest first."""
    return sorted((p.stem for p in TEMPLATE_DIR.glob("*.json")), reverse=True)


def all_templates() -> list[dict[str, Any]]:
    """Every template's data, newest first."""
    return [load_template(t) for t in template_ids()]


@cache
def section_words() -> dict[str, tuple[str, ...]]:
    """The words that tell which section a table belongs to, over every template."""
    out: dict[str, set[str]] = {}
    for t in all_templates():
        for key, words in t.get("section_words", {}).items():
            out.setdefault(key, set()).update(words)
    return {k: tuple(sorted(v)) for k, v in out.items()}


@cache
def labels(template_id: str) -> dict[str, str]:
    """The template's printed labels by id: `applications.new_received` (a row, group or table line) and
    `applications.*.natural_person` (a column or field), for every section."""
    tpl = load_template(template_id)
    out: dict[str, str] = {}
    ad = tpl["active_disclosure"]
    for r in ad["rows"]:
        out[f"active_disclosure.{r['id']}"] = r["label"]
    for k, v in (ad.get("field_labels") or {}).items():
        out[f"active_disclosure.*.{k}"] = v
    ap = tpl["applications"]
    for r in ap["rows"]:
        out[f"applications.{r['id']}"] = r["label"]
    for g in ap["groups"]:
        if g.get("total_key"):
            out[f"applications_group_totals.{g['total_key']}"] = g["label"]
    for c in ap["columns"]:
        out[f"applications.*.{c['id']}"] = out[f"applications_group_totals.*.{c['id']}"] = c["label"]
    rl = tpl["review_litigation"]
    for g in rl["groups"]:
        out[f"review_litigation.{g['id']}"] = g["label"]
    for f in rl["fields"]:
        out[f"review_litigation.*.{f['id']}"] = f["label"]
    return out


def field_label(template_id: str | None, field: str) -> str:
    """A field's printed label, `一、本年新收政府信息公开申请数量 — 自然人`; the id where the template has none."""
    parts = field.split(".")
    if len(parts) != 3:
        return field
    lab = labels(template_id or "2021")
    row, col = lab.get(".".join(parts[:2])), lab.get(f"{parts[0]}.*.{parts[2]}")
    return f"{row} — {col}" if row and col else field
