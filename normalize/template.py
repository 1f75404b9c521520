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
