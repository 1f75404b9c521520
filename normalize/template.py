"""Templates are data: normalize/templates/<id>.json, each laid over the parts it extends (`_base.json`),
checked against `template.schema.json` and loaded once into a frozen, typed `Template`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported where templates are first read: it takes ~0.15 s
    from jsonschema.protocols import Validator

TEMPLATE_DIR = Path(__file__).parent / "templates"
SCHEMA_NAME = "template.schema.json"
DEFAULT_TEMPLATE = "2021"  # the form read when a report's tables name none


class TemplateError(ValueError):
    """A template file that cannot be used: the message names the file and the key."""


@dataclass(frozen=True)
class Section:
    """A numbered section of the report (`三、收到和处理政府信息公开申请情况`)."""

    number: str
    title: str
    aliases: tuple[str, ...]
    table: str | None


@dataclass(frozen=True)
class Labelled:
    """An id with its printed label."""

    id: str
    label: str


@dataclass(frozen=True)
class Named(Labelled):
    """A row, column or group: its id, printed label and the other ways reports print it."""

    aliases: tuple[str, ...]


@dataclass(frozen=True)
class ActiveRow(Named):
    """A row of section 二 and its value fields, left to right."""

    fields: tuple[str, ...]
    decimal: bool


@dataclass(frozen=True)
class ActiveDisclosure:
    """Section 二."""

    rows: tuple[ActiveRow, ...]
    field_labels: Mapping[str, str]
    header_pattern: str


@dataclass(frozen=True)
class Column(Named):
    """An applicant column of section 三 (the last one is the total)."""


@dataclass(frozen=True)
class Group(Named):
    """A group of section 三's rows (`（三）不予公开`); total_key where it goes when printed as one row."""

    total_key: str | None


@dataclass(frozen=True)
class AppRow(Named):
    """A row of section 三."""

    group: str | None
    short: bool


@dataclass(frozen=True)
class Applications:
    """Section 三."""

    columns: tuple[Column, ...]
    groups: tuple[Group, ...]
    rows: tuple[AppRow, ...]
    collapsed_groups_expected: tuple[str, ...]
    header_words: tuple[str, ...]
    note_words: tuple[str, ...]

    @property
    def column_ids(self) -> list[str]:
        """The column ids in order, the total last."""
        return [c.id for c in self.columns]

    def total_key(self, group: str | None) -> str | None:
        """The key a group's one printed row goes under (`other_processing`), None for none."""
        return next((g.total_key for g in self.groups if g.id == group), None)


@dataclass(frozen=True)
class ReviewLitigation:
    """Section 四: groups, each with the same fields."""

    groups: tuple[Labelled, ...]
    fields: tuple[Labelled, ...]


@dataclass(frozen=True)
class Balance:
    """Per applications column: the left rows sum to the right rows."""

    left: tuple[str, ...]
    right: tuple[str, ...]
    message: str


@dataclass(frozen=True)
class TotalCheck:
    """A total (row, column or field id) that equals the sum of its parts."""

    total: str
    message: str


@dataclass(frozen=True)
class Checks:
    """The four check families of the form's arithmetic."""

    balance: Balance
    results_sum: TotalCheck
    row_total: TotalCheck
    review_total: TotalCheck


@dataclass(frozen=True)
class Template:
    """A standard form, as the normaliser reads it; `data` is its resolved JSON (a read-only view)."""

    id: str
    name: str
    detect: tuple[str, ...]
    years: tuple[int | None, int | None]
    sections: tuple[Section, ...]
    active_disclosure: ActiveDisclosure
    applications: Applications
    review_litigation: ReviewLitigation
    section_words: Mapping[str, tuple[str, ...]]
    checks: Checks
    path: Path
    data: Mapping[str, Any]

    def covers(self, year: int) -> bool:
        """Whether the form is for that report year."""
        lo, hi = self.years
        return (lo or 0) <= year <= (hi or 9999)


def _words(v: Any) -> tuple[str, ...]:
    """A list of strings as a tuple."""
    return tuple(str(w) for w in v)


def _labelled(d: Mapping[str, Any]) -> Labelled:
    """An id with its label."""
    return Labelled(d["id"], d["label"])


def _total_check(d: Mapping[str, Any]) -> TotalCheck:
    """A total check family from its data."""
    return TotalCheck(d["total"], d["message"])


def from_data(data: Mapping[str, Any], path: Path) -> Template:
    """The typed template of a resolved, validated template's data."""
    ad, ap, rl, ck = data["active_disclosure"], data["applications"], data["review_litigation"], data["checks"]
    years = data.get("years") or {}
    return Template(
        id=data["id"],
        name=data["name"],
        detect=_words(data["detect"]["any"]),
        years=(years.get("from"), years.get("to")),
        sections=tuple(
            Section(s["number"], s["title"], _words(s["aliases"]), s.get("table")) for s in data["sections"]
        ),
        active_disclosure=ActiveDisclosure(
            rows=tuple(
                ActiveRow(r["id"], r["label"], _words(r["aliases"]), _words(r["fields"]), bool(r.get("decimal")))
                for r in ad["rows"]
            ),
            field_labels=dict(ad.get("field_labels") or {}),
            header_pattern=ad["header_pattern"],
        ),
        applications=Applications(
            columns=tuple(Column(c["id"], c["label"], _words(c["aliases"])) for c in ap["columns"]),
            groups=tuple(Group(g["id"], g["label"], _words(g["aliases"]), g.get("total_key")) for g in ap["groups"]),
            rows=tuple(
                AppRow(r["id"], r["label"], _words(r["aliases"]), r.get("group"), bool(r.get("short")))
                for r in ap["rows"]
            ),
            collapsed_groups_expected=_words(ap.get("collapsed_groups_expected") or []),
            header_words=_words(ap["header_words"]),
            note_words=_words(ap["note_words"]),
        ),
        review_litigation=ReviewLitigation(
            tuple(_labelled(g) for g in rl["groups"]), tuple(_labelled(f) for f in rl["fields"])
        ),
        section_words={k: _words(v) for k, v in data["section_words"].items()},
        checks=Checks(
            Balance(_words(ck["balance"]["left"]), _words(ck["balance"]["right"]), ck["balance"]["message"]),
            _total_check(ck["results_sum"]),
            _total_check(ck["row_total"]),
            _total_check(ck["review_total"]),
        ),
        path=path,
        data=data,
    )


# ---------------------------------------------------------------- files, merging, validation


def _by_id(items: list[Any]) -> bool:
    """Whether a list is one of objects with an id (merged item by item)."""
    return bool(items) and all(isinstance(i, dict) and "id" in i for i in items)


def merge(base: Any, over: Any) -> Any:
    """`over` laid over `base`: objects key by key, lists of objects with ids by id, anything else replaced."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = merge(base[k], v) if k in base else v
        return out
    if isinstance(base, list) and isinstance(over, list) and _by_id(base) and _by_id(over):
        ids = {o["id"]: o for o in over}
        merged = [merge(b, ids.pop(b["id"])) if b["id"] in ids else b for b in base]
        return merged + [o for o in over if o["id"] in ids]
    return over


def _read_json(path: Path) -> dict[str, Any]:
    """A template file's JSON object."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise TemplateError(f"{path}: template: cannot be read: {e}") from e
    if not isinstance(data, dict):
        raise TemplateError(f"{path}: template: not a JSON object")
    return data


def _without_required(schema: Any) -> Any:
    """The schema with no key required anywhere: what a file that extends another must meet."""
    if isinstance(schema, dict):
        return {k: _without_required(v) for k, v in schema.items() if k != "required"}
    if isinstance(schema, list):
        return [_without_required(v) for v in schema]
    return schema


@cache
def _validators() -> tuple[Validator, Validator]:
    """The validators of a whole template and of one file of it (no key required)."""
    import jsonschema

    schema = _read_json(Path(__file__).parent / "templates" / SCHEMA_NAME)
    cls = jsonschema.Draft202012Validator
    return cls(schema, format_checker=cls.FORMAT_CHECKER), cls(_without_required(schema))


def _key_path(path: Any) -> str:
    """A JSON location as `applications.rows[3].aliases`."""
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "(top level)"


def _validate(data: Mapping[str, Any], validator: Validator, path: Path) -> None:
    """Raise TemplateError naming the file and the key of the first schema error."""
    from jsonschema.exceptions import best_match

    error = best_match(validator.iter_errors(data))
    if error is not None:
        raise TemplateError(f"{path}: template: {_key_path(error.absolute_path)}: {error.message}")


def _check_references(data: Mapping[str, Any], path: Path) -> None:
    """Raise TemplateError when a key names a row, column, group or field the template does not have."""
    ap, rl, ck = data["applications"], data["review_litigation"], data["checks"]
    rows = {r["id"] for r in ap["rows"]}
    names: list[tuple[str, Any, set[str]]] = [
        ("checks.balance.left", ck["balance"]["left"], rows),
        ("checks.balance.right", ck["balance"]["right"], rows),
        ("checks.results_sum.total", [ck["results_sum"]["total"]], rows),
        ("checks.row_total.total", [ck["row_total"]["total"]], {c["id"] for c in ap["columns"]}),
        ("checks.review_total.total", [ck["review_total"]["total"]], {f["id"] for f in rl["fields"]}),
        (
            "applications.rows[].group",
            [r["group"] for r in ap["rows"] if r.get("group")],
            {g["id"] for g in ap["groups"]},
        ),
        (
            "applications.collapsed_groups_expected",
            ap.get("collapsed_groups_expected") or [],
            {g["total_key"] for g in ap["groups"] if g.get("total_key")},
        ),
    ]
    for key, used, known in names:
        for name in used:
            if name not in known:
                raise TemplateError(f"{path}: template: {key}: {name!r} is not one of {sorted(known)}")


def _chain(folder: Path, name: str, seen: tuple[str, ...] = ()) -> list[tuple[Path, dict[str, Any]]]:
    """A file and the files it extends, each with its data, the file first."""
    path = folder / f"{name}.json"
    if name in seen:
        raise TemplateError(f"{path}: template: extends: a loop ({' -> '.join((*seen, name))})")
    if not path.is_file():
        raise TemplateError(
            f"{folder / (seen[-1] + '.json') if seen else path}: template: extends: no file {path.name}"
        )
    data = _read_json(path)
    parent = data.get("extends")
    if parent is not None and not isinstance(parent, str):
        _validate(data, _validators()[1], path)
    return [(path, data), *(_chain(folder, parent, (*seen, name)) if parent else [])]


def _resolve(chain: list[tuple[Path, dict[str, Any]]]) -> dict[str, Any]:
    """The files of a chain laid over each other, the file extended first."""
    out: dict[str, Any] = {}
    for _path, data in reversed(chain):
        out = merge(out, {k: v for k, v in data.items() if k not in ("extends", "$comment")})
    return out


def read_template(path: Path) -> Template:
    """The template of one file, resolved, validated and typed; TemplateError names the file and key."""
    chain = _chain(path.parent, path.stem)
    data = _resolve(chain)
    whole, part = _validators()
    if not whole.is_valid(data):  # which file is wrong: each on its own (no key required), then the whole
        for p, d in chain:
            _validate(d, part, p)
        _validate(data, whole, path)
    _check_references(data, path)
    if data["id"] != path.stem:
        raise TemplateError(f"{path}: template: id: {data['id']!r} is not the file's name {path.stem!r}")
    return from_data(data, path)


def _template_files(folder: Path) -> list[Path]:
    """The template files of a folder, newest id first (parts `_*.json` and the schema are none)."""
    files = [p for p in folder.glob("*.json") if not p.name.startswith("_") and p.name != SCHEMA_NAME]
    return sorted(files, key=lambda p: p.stem, reverse=True)


@cache
def templates_in(folder: Path) -> dict[str, Template]:
    """Every template of a folder by id, newest first: each file read once."""
    return {p.stem: read_template(p) for p in _template_files(folder)}


def templates() -> dict[str, Template]:
    """Every template the toolkit knows, by id, newest first."""
    return templates_in(TEMPLATE_DIR)


def _get(folder: Path, template_id: str) -> Template:
    """The template of that id in a folder; TemplateError (a ValueError) when there is none."""
    try:
        return templates_in(folder)[template_id]
    except (KeyError, TypeError):  # TypeError: an id read from a hostile report (a list, an object)
        raise TemplateError(f"{folder / (str(template_id) + '.json')}: template: no such template") from None


def get_template(template_id: str) -> Template:
    """The typed template of that id."""
    return _get(TEMPLATE_DIR, template_id)


def load_template(template_id: str) -> dict[str, Any]:
    """The template's resolved data as a dict (a view for code that reads it as data; do not change it)."""
    return dict(get_template(template_id).data)


def template_ids() -> list[str]:
    """Every template id, newest first."""
    return list(templates())


def all_templates() -> list[Template]:
    """Every template, newest first."""
    return list(templates().values())


@cache
def _section_words(folder: Path) -> dict[str, tuple[str, ...]]:
    """The words that tell which section a table belongs to, over every template of a folder."""
    out: dict[str, set[str]] = {}
    for t in templates_in(folder).values():
        for key, words in t.section_words.items():
            out.setdefault(key, set()).update(words)
    return {k: tuple(sorted(v)) for k, v in out.items()}


def section_words() -> dict[str, tuple[str, ...]]:
    """The words that tell which section a table belongs to, over every template."""
    return _section_words(TEMPLATE_DIR)


@cache
def _labels(folder: Path, template_id: str) -> dict[str, str]:
    """`labels` of a template of a folder."""
    tpl = _get(folder, template_id)
    out: dict[str, str] = {}
    ad, ap, rl = tpl.active_disclosure, tpl.applications, tpl.review_litigation
    for r in ad.rows:
        out[f"active_disclosure.{r.id}"] = r.label
    for k, v in ad.field_labels.items():
        out[f"active_disclosure.*.{k}"] = v
    for a in ap.rows:
        out[f"applications.{a.id}"] = a.label
    for g in ap.groups:
        if g.total_key:
            out[f"applications_group_totals.{g.total_key}"] = g.label
    for c in ap.columns:
        out[f"applications.*.{c.id}"] = out[f"applications_group_totals.*.{c.id}"] = c.label
    for lg in rl.groups:
        out[f"review_litigation.{lg.id}"] = lg.label
    for f in rl.fields:
        out[f"review_litigation.*.{f.id}"] = f.label
    return out


def labels(template_id: str) -> dict[str, str]:
    """The template's printed labels by id: `applications.new_received` (a row, group or table line) and
    `applications.*.natural_person` (a column or field), for every section."""
    return _labels(TEMPLATE_DIR, template_id)


def field_label(template_id: str | None, field: str) -> str:
    """A field's printed label, `一、本年新收政府信息公开申请数量 — 自然人`; the id where the template has none."""
    parts = field.split(".")
    if len(parts) != 3:
        return field
    lab = labels(template_id or DEFAULT_TEMPLATE)
    row, col = lab.get(".".join(parts[:2])), lab.get(f"{parts[0]}.*.{parts[2]}")
    return f"{row} — {col}" if row and col else field
