"""Templates as data: a base and per-year overrides, validated against their schema, loaded into a typed
`Template`; a new standard form is a new data file, a broken one is refused naming the file and the key."""

from __future__ import annotations

import ast
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT

import layout
import normalize.template as template
from ingest.grid import Document
from ingest.text import parse_blocks
from normalize import build
from normalize.checks import run_checks
from normalize.template import TemplateError, from_data, get_template, labels, load_template, merge, read_template

TEMPLATES = ROOT / "normalize" / "templates"
# section 二 of a form the toolkit has never seen: its own header words, and 行政审批 for 行政许可
NEW_FORM_TEXT = (
    "某某县人民政府2099年政府信息公开工作年度报告\n二、主动公开政府信息情况\n"
    "信息内容\t本年新增事项数\t本年减少\t现行有效\n规章\t4\t1\t9\n行政审批\t5\n"
)


def _folder(tmp_path: Path, extra: dict[str, dict[str, Any]]) -> Path:
    """A template folder: the committed files, plus the extra files given (name -> data)."""
    for p in TEMPLATES.glob("*.json"):
        shutil.copy(p, tmp_path / p.name)
    for name, data in extra.items():
        (tmp_path / f"{name}.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return tmp_path


def _convert(text: str) -> dict[str, Any]:
    """The canonical report of a text dump."""
    return build(layout.repair(Document(path="x.txt", format="text", blocks=parse_blocks(text))))


def test_a_form_derived_from_2021_is_one_small_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A third form extends 2021 with a renamed label and an extra alias: loaded, validated, detected, used."""
    before = _convert(NEW_FORM_TEXT)  # the committed templates do not know 行政审批
    assert before["template"] == "2021"
    assert before["tables"]["active_disclosure"]["administrative_licensing"]["decisions"] is None
    override = {
        "extends": "2021",
        "id": "2099",
        "name": "某某〔2099〕1号",
        "detect": {"any": ["本年新增事项数"]},
        "years": {"from": 2099},
        "active_disclosure": {
            "rows": [{"id": "administrative_licensing", "label": "行政审批", "aliases": ["行政许可", "行政审批"]}]
        },
    }
    monkeypatch.setattr(template, "TEMPLATE_DIR", _folder(tmp_path, {"2099": override}))
    tpl = get_template("2099")
    rows = {r.id: r for r in tpl.active_disclosure.rows}
    assert [r.id for r in tpl.active_disclosure.rows] == [r.id for r in get_template("2021").active_disclosure.rows]
    assert rows["administrative_licensing"].fields == ("decisions",)  # the rest of the row from 2021
    assert tpl.years == (2099, None) and tpl.applications == get_template("2021").applications
    assert labels("2099")["active_disclosure.administrative_licensing"] == "行政审批"
    report = _convert(NEW_FORM_TEXT)
    assert report["template"] == "2099"
    assert report["tables"]["active_disclosure"]["administrative_licensing"] == {"decisions": 5}
    assert report["tables"]["active_disclosure"]["rules"] == {"issued": 4, "repealed": 1, "in_force": 9}


@pytest.mark.parametrize(
    ("data", "key", "reason"),
    [
        ({"applications": {"rows": [{"id": "granted", "lable": "予以公开"}]}}, "applications.rows[0]", "'lable'"),
        ({"checks": {"balance": {"left": ["new_recieved"]}}}, "checks.balance.left", "'new_recieved'"),
        ({"detect": {"any": "本年新增事项数"}}, "detect.any", "is not of type 'array'"),
        ({"extends": "1999"}, "extends", "no file 1999.json"),
    ],
)
def test_an_invalid_template_is_refused_naming_the_file_and_key(
    tmp_path: Path, data: dict[str, Any], key: str, reason: str
) -> None:
    """A typo, a check naming a row the form lacks, a wrong type, a missing parent: one clear message."""
    folder = _folder(tmp_path, {"2099": {"extends": "2021", "id": "2099", **data}})
    with pytest.raises(TemplateError) as err:
        read_template(folder / "2099.json")
    message = str(err.value)
    assert message.startswith(f"{folder / '2099.json'}: template: {key}"), message
    assert reason in message


def test_a_template_without_its_required_keys_is_refused(tmp_path: Path) -> None:
    """A file that extends nothing must hold the whole form: the missing key is named."""
    data = {k: v for k, v in load_template("2021").items() if k != "checks"}
    (tmp_path / "2099.json").write_text(json.dumps({**data, "id": "2099"}, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(TemplateError, match=r"2099\.json: template: \(top level\): 'checks' is a required property"):
        read_template(tmp_path / "2099.json")


def test_the_check_families_cover_what_the_data_declares() -> None:
    """The balance check's rows come from the template's data, not from code."""
    tables = {"applications": {"new_received": {"total": 5}, "carried_over": {"total": 1}}}
    tables["applications"]["total_results"] = {"total": 5}
    stock = get_template("2021")
    changed = from_data(merge(dict(stock.data), {"checks": {"balance": {"left": ["new_received"]}}}), stock.path)
    by_rule = {c["rule"]: c for c in run_checks(tables, stock, {"new_received"})}
    assert not by_rule["applications.balance.total"]["ok"]  # 5 + 1 vs 5 + 0
    by_rule = {c["rule"]: c for c in run_checks(tables, changed, {"new_received"})}
    assert by_rule["applications.balance.total"]["ok"]
    assert by_rule["applications.balance.total"]["fields"][0] == "applications.new_received.total"
    assert len(by_rule["applications.balance.total"]["fields"]) == 3


def test_merge_lays_objects_by_key_and_lists_by_id() -> None:
    """Objects merge key by key; lists of objects with ids item by item (new ids appended); others replace."""
    base = {"a": {"x": 1, "y": [1, 2]}, "rows": [{"id": "r1", "v": 1}, {"id": "r2", "v": 2}]}
    over = {"a": {"y": [3]}, "rows": [{"id": "r2", "v": 9}, {"id": "r3", "v": 3}]}
    assert merge(base, over) == {
        "a": {"x": 1, "y": [3]},
        "rows": [{"id": "r1", "v": 1}, {"id": "r2", "v": 9}, {"id": "r3", "v": 3}],
    }


def test_no_template_id_is_named_in_the_normaliser_code() -> None:
    """No row, column, group or field id of a template is a string literal in normalize/*.py."""
    ids: set[str] = set()
    for t in template.all_templates():
        ids |= {r.id for r in t.active_disclosure.rows} | {f for r in t.active_disclosure.rows for f in r.fields}
        ap, rl = t.applications, t.review_litigation
        ids |= {r.id for r in ap.rows} | {c.id for c in ap.columns} | {g.id for g in ap.groups}
        ids |= {g.id for g in rl.groups} | {f.id for f in rl.fields}
    ids -= {"published", "corrected"}  # also keys of the canonical JSON (report.published, cells[].corrected)
    named = [
        (p.name, node.lineno, node.value)
        for p in sorted((ROOT / "normalize").glob("*.py"))
        if p.name != "template.py"  # the loader: "total" there is a key of the template files
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.strip(".") in ids
    ]
    assert named == []


def test_an_unknown_template_id_is_a_value_error() -> None:
    """A report naming a form the toolkit lacks: a ValueError the callers already catch, not a KeyError."""
    for lookup in (get_template, load_template, labels):
        with pytest.raises(ValueError, match=r"1999\.json: template: no such template"):
            lookup("1999")
