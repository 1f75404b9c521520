"""Check-guided correction: doubtful readings replaced by an alternative when that makes every check pass."""

from __future__ import annotations

import itertools
from typing import Any

from ingest.grid import DOUBT
from normalize.checks import run_checks, set_field
from normalize.numbers import parse_number
from normalize.template import Template

LOW_CONFIDENCE = DOUBT  # the grid model's threshold of doubt
MAX_COMBINATIONS = 4096


def correct(
    tables: dict[str, Any],
    cells: list[dict[str, Any]],
    checks: list[dict[str, Any]],
    tpl: Template,
    found: set[str],
    warnings: list[str],
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """Try the alternative readings of low-confidence cells under failing checks; keep a combination
    that makes every check pass with the fewest changes. Confident readings are never changed."""
    failing = [c for c in checks if not c["ok"]]
    covered = {f for c in failing for f in c["fields"]}
    by_field = {c["field"]: c for c in cells}
    doubtful = [
        by_field[f]
        for f in sorted(covered)
        if f in by_field and by_field[f]["confidence"] < LOW_CONFIDENCE and by_field[f].get("alternatives")
    ]
    if not doubtful:
        return tables, cells, checks
    options: list[list[Any]] = []
    for c in doubtful:
        alts = [c["value"]]
        for alt in c["alternatives"]:
            v = parse_number(alt["text"])
            if v.status == "ok" and v.value not in alts:
                alts.append(v.value)
        options.append(alts)
    total = 1
    for o in options:
        total *= len(o)
    if total > MAX_COMBINATIONS:
        return tables, cells, checks
    best: tuple[int, tuple[Any, ...]] | None = None
    for combo in itertools.product(*options):
        changes = sum(1 for c, v in zip(doubtful, combo, strict=True) if v != c["value"])
        if changes == 0 or (best is not None and changes >= best[0]):
            continue
        for c, v in zip(doubtful, combo, strict=True):
            set_field(tables, c["field"], v)
        if all(ch["ok"] for ch in run_checks(tables, tpl, found)):
            best = (changes, combo)
        for c in doubtful:
            set_field(tables, c["field"], c["value"])
    if best is None:
        return tables, cells, checks
    for c, v in zip(doubtful, best[1], strict=True):
        if v != c["value"]:
            warnings.append(
                f"{c['field']}: read {c['raw']!r} (confidence {c['confidence']}), corrected to {v} so that the checks pass"
            )
            c["corrected_from"] = c["value"]
            c["value"] = v
            c["corrected"] = True
            set_field(tables, c["field"], v)
    return tables, cells, run_checks(tables, tpl, found)
