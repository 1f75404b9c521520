"""The template's own arithmetic, as checks over the canonical tables (blank counts as 0). The four check
families are fixed here; which rows, columns and fields each covers is the template's data (`checks`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from normalize.template import Applications, Template

Tables = dict[str, Any]
Check = dict[str, Any]
Getter = Callable[[str], Any]


def get_field(tables: Tables, fid: str) -> Any:
    """The value at a dotted field id (`applications.granted.total`), None where absent."""
    node: Any = tables
    for p in fid.split("."):
        node = node.get(p) if isinstance(node, dict) else None
    return node


def set_field(tables: Tables, fid: str, value: Any) -> None:
    """Set the value at a dotted field id, creating the rows on the way."""
    node = tables
    parts = fid.split(".")
    for p in parts[:-1]:
        node = node.setdefault(p, {})
    node[parts[-1]] = value


def _n(v: Any) -> Any:
    """A value as a number, blank as 0."""
    return 0 if v is None else v


def _fmt(v: float) -> str:
    """A sum as printed: an integer without its point."""
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def _check(rule: str, left: list[str], right: list[str], get: Getter, what: str) -> Check:
    """One check: the left fields sum to the right fields."""
    lv = sum(_n(get(f)) for f in left)
    rv = sum(_n(get(f)) for f in right)
    ok = abs(lv - rv) < 1e-6
    msg = f"{what}: {_fmt(lv)} {'=' if ok else '≠'} {_fmt(rv)}"
    return {"rule": rule, "ok": ok, "message": msg, "fields": left + right}


def _result_parts(ap: Applications, column: str, groups_total: Tables) -> list[str]:
    """The fields the result rows of a column sum over: a group printed as one row by its total."""
    parts: list[str] = []
    for r in (r for r in ap.rows if r.group):
        key = ap.total_key(r.group)
        if key and key in groups_total:
            f = f"applications_group_totals.{key}.{column}"
            if f not in parts:
                parts.append(f)
        else:
            parts.append(f"applications.{r.id}.{column}")
    return parts


def _application_checks(tables: Tables, tpl: Template, found: set[str], get: Getter) -> list[Check]:
    """The balance, results_sum and row_total families over section 三."""
    ap, ck = tpl.applications, tpl.checks
    cols = ap.column_ids
    groups_total = tables.get("applications_group_totals") or {}
    checks: list[Check] = []
    bal = ck.balance
    for c in cols:
        left = [f"applications.{r}.{c}" for r in bal.left]
        right = [f"applications.{r}.{c}" for r in bal.right]
        checks.append(_check(f"applications.balance.{c}", left, right, get, bal.message.format(column=c)))
    rs = ck.results_sum
    for c in cols:
        total = [f"applications.{rs.total}.{c}"]
        parts = _result_parts(ap, c, groups_total)
        checks.append(_check(f"applications.results_sum.{c}", total, parts, get, rs.message.format(column=c)))
    rt = ck.row_total
    lines = [("applications", r.id) for r in ap.rows if r.id in found]
    lines += [("applications_group_totals", key) for key in groups_total]
    for table, row in lines:
        checks.append(
            _check(
                f"applications.row_total.{row}",
                [f"{table}.{row}.{rt.total}"],
                [f"{table}.{row}.{c}" for c in cols if c != rt.total],
                get,
                rt.message.format(row=row),
            )
        )
    return checks


def _review_checks(tpl: Template, get: Getter) -> list[Check]:
    """The review_total family over section 四."""
    rl, rv = tpl.review_litigation, tpl.checks.review_total
    return [
        _check(
            f"review_litigation.total.{g.id}",
            [f"review_litigation.{g.id}.{rv.total}"],
            [f"review_litigation.{g.id}.{f.id}" for f in rl.fields if f.id != rv.total],
            get,
            rv.message.format(group=g.id),
        )
        for g in rl.groups
    ]


def run_checks(tables: Tables, tpl: Template, found: set[str]) -> list[Check]:
    """Every check of the template over the tables that were found."""

    def get(fid: str) -> Any:
        return get_field(tables, fid)

    checks: list[Check] = []
    if found & {r.id for r in tpl.applications.rows}:
        checks += _application_checks(tables, tpl, found, get)
    if "review_litigation" in found:
        checks += _review_checks(tpl, get)
    return checks
