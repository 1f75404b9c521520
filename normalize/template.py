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
