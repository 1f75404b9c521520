"""The sample generator: consistent random values, exactly one injected error, an independent check
implementation that agrees with hand-worked cases, reproducible DOCX files, and the CLI."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

import pytest

import samples.generate as gen


def zero_tables() -> dict[str, Any]:
    """A 2021 report with every value 0."""
    return {
        "active_disclosure": {"rules": {"issued": 0, "repealed": 0, "in_force": 0}},
        "applications": {r: dict.fromkeys(gen.APP_ALL_COLUMNS, 0) for r in gen.APP_ROW_IDS},
        "review_litigation": {g: dict.fromkeys(gen.REVIEW_FIELDS, 0) for g in gen.REVIEW_GROUPS},
    }


def changed_cells(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """Paths of leaf values that differ between two tables dicts."""
    out = []
    for t in a:
        for row in a[t]:
            for f in a[t][row]:
                if a[t][row][f] != b[t][row][f]:
                    out.append(f"{t}.{row}.{f}")
    return out


@pytest.mark.parametrize("template", gen.TEMPLATES)
def test_random_values_pass_every_check(template: str) -> None:
    for seed in range(150):
        rng = random.Random(seed)
        collapse = seed % 3 == 0
        values = gen.random_values(rng, template, collapse_other=collapse)
        assert gen.failing_checks(values) == [], seed
        app = values["applications"]
        assert len(app) == 25 and all(len(row) == 7 for row in app.values())
        assert all(v is None or (isinstance(v, int) and v >= 0) for row in app.values() for v in row.values())
        if collapse or template == "2019":
            assert set(values["applications_group_totals"]) == {"other_processing"}
            assert all(app[r][c] is None for r in gen.GROUP_ROWS["other_processing"] for c in gen.APP_ALL_COLUMNS)
        else:
            assert "applications_group_totals" not in values
        fields = set(values["active_disclosure"])
        assert ("government_procurement" in fields) == (template == "2019")


def test_values_are_varied() -> None:
    seen_blank = seen_decimal = seen_nonzero = 0
    for seed in range(100):
        v = gen.random_values(random.Random(seed), "2021")
        cells = [x for row in v["applications"].values() for x in row.values()]
        seen_blank += any(x is None for x in cells)
        seen_nonzero += any(x for x in cells)
        seen_decimal += isinstance(v["active_disclosure"]["administrative_fees"]["amount"], float)
    assert seen_blank > 10 and seen_nonzero > 50 and seen_decimal > 3


@pytest.mark.parametrize("kind", gen.ERROR_KINDS)
def test_injected_error_changes_one_value_and_fails(kind: str) -> None:
    for seed in range(40):
        rng = random.Random(seed)
        values = gen.random_values(rng, "2021" if seed % 2 else "2019", collapse_other=seed % 4 == 1)
        before = copy.deepcopy(values)
        gen.inject_error(rng, values, kind)
        assert len(changed_cells(before, values)) == 1
        assert gen.failing_checks(values), (kind, seed)


def test_checks_by_hand() -> None:
    t = zero_tables()
    assert gen.failing_checks(t) == []
    t["applications"]["granted"]["total"] = 1
    assert gen.failing_checks(t) == ["applications.results_sum.total", "applications.row_total.granted"]
    t = zero_tables()
    t["applications"]["denied_state_secret"]["research"] = 2
    assert gen.failing_checks(t) == [
        "applications.results_sum.research",
        "applications.row_total.denied_state_secret",
    ]
    t = zero_tables()
    t["applications"]["new_received"]["commercial"] = 3
    t["applications"]["new_received"]["total"] = 3
    assert gen.failing_checks(t) == ["applications.balance.commercial", "applications.balance.total"]
    t = zero_tables()
    t["review_litigation"]["litigation_direct"]["pending"] = 1
    assert gen.failing_checks(t) == ["review_litigation.total.litigation_direct"]


def test_blank_counts_as_zero_and_group_totals_stand_in() -> None:
    t = zero_tables()
    t["applications"]["granted"]["natural_person"] = None
    t["review_litigation"]["review"]["total"] = None
    assert gen.failing_checks(t) == []
    gen.collapse_other_processing(t)
    t["applications_group_totals"]["other_processing"]["natural_person"] = 2
    t["applications_group_totals"]["other_processing"]["total"] = 2
    assert gen.failing_checks(t) == ["applications.results_sum.natural_person", "applications.results_sum.total"]
    t["applications"]["total_results"]["natural_person"] = 2
    t["applications"]["total_results"]["total"] = 2
    t["applications"]["carried_over"]["natural_person"] = 2
    t["applications"]["carried_over"]["total"] = 2
    assert gen.failing_checks(t) == []


def test_make_docx_is_reproducible(tmp_path: Path) -> None:
    rng = random.Random(5)
    values, meta, layout = gen.random_values(rng), gen.random_meta(rng), gen.random_layout(rng)
    a = gen.make_docx(values, meta, layout, tmp_path / "a.docx", seed=1)
    b = gen.make_docx(values, meta, layout, tmp_path / "b.docx", seed=1)
    assert a.read_bytes() == b.read_bytes()


def test_layout_knobs_are_validated() -> None:
    with pytest.raises(ValueError):
        gen.Layout(blank_text="x").validated()
    with pytest.raises(ValueError):
        gen.Layout(title_style="year_only", signature="none").validated()
    for seed in range(50):
        gen.random_layout(random.Random(seed), "2021").validated()


def test_cli_writes_reports_and_expected_json(tmp_path: Path) -> None:
    assert (
        gen.main(["--out", str(tmp_path), "--count", "4", "--seed", "3", "--errors", "2", "--template", "mixed"]) == 0
    )
    docs = sorted(tmp_path.glob("*.docx"))
    assert len(docs) == 4
    failing = []
    for d in docs:
        exp = json.loads(d.with_suffix(".expected.json").read_text(encoding="utf-8"))
        assert exp["source"] == d.name and exp["template"] in gen.TEMPLATES
        assert set(exp["report"]) == {"agency", "year", "published"}
        failing.append(bool(exp["failing_checks"]))
    assert sum(failing) == 2
