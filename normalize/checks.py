"""The template's own arithmetic, as checks over the canonical tables (blank counts as 0)."""

from __future__ import annotations

from typing import Any

Tables = dict[str, Any]


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


def _n(v: Any) -> float:
    return 0 if v is None else v


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def _check(rule: str, left: list[str], right: list[str], get: Any, what: str) -> dict[str, Any]:
    lv = sum(_n(get(f)) for f in left)
    rv = sum(_n(get(f)) for f in right)
    ok = abs(lv - rv) < 1e-6
    msg = f"{what}: {_fmt(lv)} {'=' if ok else '≠'} {_fmt(rv)}"
    return {"rule": rule, "ok": ok, "message": msg, "fields": left + right}


def run_checks(tables: Tables, tpl: dict[str, Any], found: set[str]) -> list[dict[str, Any]]:
    """Every check of the SPEC over the tables that were found."""

    def get(fid: str) -> Any:
        return get_field(tables, fid)

    checks: list[dict[str, Any]] = []
    ap = tpl["applications"]
    cols = [c["id"] for c in ap["columns"]]
    result_rows = [r for r in ap["rows"] if r.get("group")]
    groups_total = tables.get("applications_group_totals") or {}
    if found & {r["id"] for r in ap["rows"]}:
        for c in cols:
            checks.append(
                _check(
                    f"applications.balance.{c}",
                    [f"applications.new_received.{c}", f"applications.carried_over.{c}"],
                    [f"applications.total_results.{c}", f"applications.carried_forward.{c}"],
                    get,
                    f"{c}: new_received + carried_over vs total_results + carried_forward",
                )
            )
        for c in cols:
            parts: list[str] = []
            for r in result_rows:
                g = r["group"]
                key = next((gr["total_key"] for gr in ap["groups"] if gr["id"] == g), None)
                if key and key in groups_total:
                    f = f"applications_group_totals.{key}.{c}"
                    if f not in parts:
                        parts.append(f)
                else:
                    parts.append(f"applications.{r['id']}.{c}")
            checks.append(
                _check(
                    f"applications.results_sum.{c}",
                    [f"applications.total_results.{c}"],
                    parts,
                    get,
                    f"{c}: total_results vs the sum of the result rows",
                )
            )
        for r in ap["rows"]:
            if r["id"] not in found:
                continue
            checks.append(
                _check(
                    f"applications.row_total.{r['id']}",
                    [f"applications.{r['id']}.total"],
                    [f"applications.{r['id']}.{c}" for c in cols if c != "total"],
                    get,
                    f"{r['id']}: total vs the sum of the six applicant columns",
                )
            )
        for key in groups_total:
            checks.append(
                _check(
                    f"applications.row_total.{key}",
                    [f"applications_group_totals.{key}.total"],
                    [f"applications_group_totals.{key}.{c}" for c in cols if c != "total"],
                    get,
                    f"{key}: total vs the sum of the six applicant columns",
                )
            )
    if "review_litigation" in found:
        rl = tpl["review_litigation"]
        for g in rl["groups"]:
            gid = g["id"]
            checks.append(
                _check(
                    f"review_litigation.total.{gid}",
                    [f"review_litigation.{gid}.total"],
                    [f"review_litigation.{gid}.{f['id']}" for f in rl["fields"] if f["id"] != "total"],
                    get,
                    f"{gid}: total vs upheld + corrected + other + pending",
                )
            )
    return checks
