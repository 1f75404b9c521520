"""The audit's rules over reports joined into series (SPEC: "Across reports: audit", findings schema 1)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from audit.textnum import APP, Statement, share_matches, statements, table_value
from normalize.agency import Identity, clean, identify, report_text, split_name
from normalize.checks import get_field

COLUMNS = ("natural_person", "commercial", "research", "social_welfare", "legal_services", "other_org", "total")
JUMP_RATIO = 5.0
JUMP_FLOOR = 10.0
LOW_CONFIDENCE = 0.5
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


@dataclass
class Entry:
    """A report as the rules see it: its name, content, identity and flattened table values."""

    name: str
    data: dict[str, Any]
    identity: Identity
    year: int | None
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def tables(self) -> dict[str, Any]:
        """The canonical tables."""
        return self.data.get("tables") or {}

    def page_of(self, fid: str) -> int | None:
        """The page the field's cell was read on, where known."""
        for c in self.data.get("cells") or []:
            if c.get("field") == fid:
                return c.get("page")
        return None


def flat(obj: Any, prefix: str = "") -> dict[str, Any]:
    """Dotted field id -> scalar for every leaf of the tables."""
    out: dict[str, Any] = {}
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.update(flat(v, f"{prefix}.{k}" if prefix else str(k)))
    elif not isinstance(obj, list):
        out[prefix] = obj
    return out


def identity_of(data: dict[str, Any]) -> Identity:
    """The report's identity: the key in its JSON, else computed from its agency, title and text."""
    meta = data.get("report") or {}
    if "series_key" in meta:
        return Identity(meta.get("series_key"), meta.get("agency_level"), meta.get("region"))
    return identify(meta.get("agency"), report_text(data))


def agency_confidence(meta: dict[str, Any]) -> float | None:
    """The confidence of the agency name where the report states one (`agency_confidence`, or
    `confidence.agency`), else None."""
    conf = meta.get("agency_confidence")
    if conf is None and isinstance(meta.get("confidence"), dict):
        conf = meta["confidence"].get("agency")
    return float(conf) if isinstance(conf, int | float) else None


def entry(name: str, data: dict[str, Any]) -> Entry:
    """An Entry for a loaded report."""
    meta = data.get("report") or {}
    year = meta.get("year") if isinstance(meta.get("year"), int) else None
    return Entry(name, data, identity_of(data), year, flat(data.get("tables") or {}))


def finding(
    rule: str, severity: str, reports: list[str], fields: list[str], message: str, evidence: list[dict[str, Any]]
) -> dict[str, Any]:
    """One finding in the SPEC's form."""
    return {
        "rule": rule,
        "severity": severity,
        "reports": reports,
        "fields": fields,
        "message": message,
        "evidence": evidence,
    }


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


# --- one report ---------------------------------------------------------------------------------


def identity_findings(e: Entry) -> list[dict[str, Any]]:
    """`identity`: a report whose agency or year could not be told (null or of low confidence)."""
    meta = e.data.get("report") or {}
    why: list[str] = []
    if not meta.get("agency") or not e.identity.key:
        why.append("no agency name")
    conf = agency_confidence(meta)
    if conf is not None and conf < LOW_CONFIDENCE:
        why.append(f"agency name {meta.get('agency')!r} read with confidence {conf:g}")
    if e.year is None:
        why.append("no report year")
    if not why:
        return []
    title = meta.get("title") or ""
    return [
        finding(
            "identity",
            "warning",
            [e.name],
            [f"report.{w}" for w in ("agency", "year") if any(w in x for x in why)],
            f"{'; '.join(why)}: the report joins no series",
            [{"report": e.name, "quote": title or (meta.get("agency") or ""), "page": 1 if title else None}],
        )
    ]


def text_table_findings(e: Entry) -> list[dict[str, Any]]:
    """`text_table.<field>`: a number the report's text states for a table field differs from the table."""
    by_key: dict[str, list[tuple[Statement, float]]] = defaultdict(list)
    denominators = [
        v
        for v in (
            get_field(e.tables, f"{APP}.total_results.total"),
            get_field(e.tables, f"{APP}.new_received.total"),
            (get_field(e.tables, f"{APP}.new_received.total") or 0)
            + (get_field(e.tables, f"{APP}.carried_over.total") or 0),
        )
        if isinstance(v, int | float)
    ]
    for st in statements(e.data):
        tv = table_value(e.tables, st.measure)
        if tv is None:
            continue
        if st.kind == "count" and abs(tv - st.value) > 1e-9:
            by_key[st.measure.key].append((st, tv))
        elif st.kind == "share" and not share_matches(st.value, tv, denominators):
            by_key[st.measure.key].append((st, tv))
    out: list[dict[str, Any]] = []
    for key, items in by_key.items():
        st, tv = items[0]
        m = st.measure
        if st.kind == "count":
            msg = f"the text says {_num(st.value)} {m.what}, the table says {_num(tv)}"
        else:
            msg = f"the text says {_num(st.value)}% {m.what}, the table's {_num(tv)} is not that share of the applications"
        out.append(
            finding(
                f"text_table.{key}",
                "warning",
                [e.name],
                list(m.fields),
                msg,
                [{"report": e.name, "quote": s.quote, "page": s.page} for s, _ in items],
            )
        )
    return out


# --- series ---------------------------------------------------------------------------------------


def series_of(entries: list[Entry]) -> dict[str, dict[int, list[Entry]]]:
    """Reports of a known agency and year, by series key and year."""
    out: dict[str, dict[int, list[Entry]]] = defaultdict(lambda: defaultdict(list))
    for e in entries:
        if e.identity.key and e.year is not None:
            out[e.identity.key][e.year].append(e)
    return out


def differing_fields(a: Entry, b: Entry) -> list[str]:
    """Table fields whose values differ between two reports."""
    keys = sorted(set(a.values) | set(b.values))
    return [k for k in keys if a.values.get(k) != b.values.get(k)]


def duplicate_findings(key: str, year: int, group: list[Entry]) -> tuple[list[dict[str, Any]], Entry | None]:
    """`duplicate_report` when reports of one agency and year hold different values; the year's one
    report (None when they conflict)."""
    first = group[0]
    diffs = {e.name: differing_fields(first, e) for e in group[1:]}
    fields = sorted({f for d in diffs.values() for f in d})
    if not fields:
        return [], first
    names = [e.name for e in group]
    ev = []
    for e in group:
        shown = fields[:3]
        quote = "; ".join(f"{f} = {e.values.get(f)}" for f in shown)
        ev.append({"report": e.name, "quote": quote, "page": e.page_of(shown[0])})
    msg = f"{len(group)} reports of {key} for {year} differ in {len(fields)} value(s): {', '.join(fields[:5])}"
    return [finding("duplicate_report", "error", names, fields, msg, ev)], None


def continuity_findings(key: str, prev: Entry, cur: Entry) -> list[dict[str, Any]]:
    """`continuity.applications.carried_over.<column>`: year N's carried over differs from year N-1's
    carried forward."""
    out: list[dict[str, Any]] = []
    for col in COLUMNS:
        f_over, f_fwd = f"{APP}.carried_over.{col}", f"{APP}.carried_forward.{col}"
        over, fwd = cur.values.get(f_over), prev.values.get(f_fwd)
        if over is None or fwd is None or over == fwd:
            continue
        out.append(
            finding(
                f"continuity.{f_over}",
                "warning",
                [cur.name, prev.name],
                [f_over, f_fwd],
                f"{key}: {cur.year} carried over {_num(over)} ({col}), {prev.year} carried forward {_num(fwd)}",
                [
                    {"report": cur.name, "quote": f"{f_over} = {_num(over)}", "page": cur.page_of(f_over)},
                    {"report": prev.name, "quote": f"{f_fwd} = {_num(fwd)}", "page": prev.page_of(f_fwd)},
                ],
            )
        )
    return out


def jump_findings(key: str, prev: Entry, cur: Entry) -> list[dict[str, Any]]:
    """`yoy_jump.<field>`: a value more than fivefold (up or down) from the previous year's, both > 10."""
    out: list[dict[str, Any]] = []
    for f, v in cur.values.items():
        p = prev.values.get(f)
        if not isinstance(v, int | float) or not isinstance(p, int | float) or v <= JUMP_FLOOR or p <= JUMP_FLOOR:
            continue
        if max(v, p) / min(v, p) > JUMP_RATIO:
            out.append(
                finding(
                    f"yoy_jump.{f}",
                    "info",
                    [cur.name, prev.name],
                    [f],
                    f"{key}: {f} went from {_num(p)} in {prev.year} to {_num(v)} in {cur.year}",
                    [
                        {"report": cur.name, "quote": f"{f} = {_num(v)}", "page": cur.page_of(f)},
                        {"report": prev.name, "quote": f"{f} = {_num(p)}", "page": prev.page_of(f)},
                    ],
                )
            )
    return out


def gap_findings(key: str, years: dict[int, list[Entry]]) -> list[dict[str, Any]]:
    """`series_gap`: years missing between two reports of a series."""
    ys = sorted(years)
    out: list[dict[str, Any]] = []
    for a, b in zip(ys, ys[1:], strict=False):
        if b - a > 1:
            missing = list(range(a + 1, b))
            ra, rb = years[a][0], years[b][0]
            out.append(
                finding(
                    "series_gap",
                    "info",
                    [rb.name, ra.name],
                    [],
                    f"{key}: no report for {', '.join(map(str, missing))} between {a} and {b}",
                    [
                        {"report": r.name, "quote": (r.data.get("report") or {}).get("title") or "", "page": 1}
                        for r in (ra, rb)
                    ],
                )
            )
    return out


def name_form_findings(key: str, years: dict[int, list[Entry]]) -> list[dict[str, Any]]:
    """`name_forms`: one body printed under several names, joined into one series (information)."""
    forms: dict[str, list[Entry]] = defaultdict(list)
    for y in sorted(years):
        for e in years[y]:
            forms[clean((e.data.get("report") or {}).get("agency") or "")].append(e)
    if len(forms) < 2:
        return []
    names = [e.name for es in forms.values() for e in es]
    desc = "; ".join(f"{n} ({', '.join(str(e.year) for e in es)})" for n, es in forms.items())
    ev = [{"report": es[0].name, "quote": n, "page": 1} for n, es in forms.items()]
    return [finding("name_forms", "info", names, ["report.agency"], f"{key} is printed as {desc}: one series", ev)]


def cityless_findings(series: dict[str, dict[int, list[Entry]]]) -> list[dict[str, Any]]:
    """`identity`: a county or township body named without its city (and the text naming none) whose
    name ends another series' key: the two may be one body, not joined."""
    keys = list(series)
    out: list[dict[str, Any]] = []
    for k in keys:
        sample = next(iter(series[k].values()))[0]
        parts = split_name(k)
        if sample.identity.level not in ("county", "township") or parts.city or parts.province:
            continue
        longer = [o for o in keys if o != k and o.endswith(k)]
        if not longer:
            continue
        names = [e.name for y in sorted(series[k]) for e in series[k][y]]
        out.append(
            finding(
                "identity",
                "warning",
                names,
                ["report.agency"],
                f"{k} names no city and its text names none; it may be {' or '.join(longer)}: not joined",
                [{"report": n, "quote": k, "page": 1} for n in names[:3]],
            )
        )
    return out


def series_findings(series: dict[str, dict[int, list[Entry]]]) -> list[dict[str, Any]]:
    """Duplicates, continuity, jumps, gaps and name forms over every series (a year whose reports
    conflict is compared with neither neighbour)."""
    out: list[dict[str, Any]] = []
    for key, years in series.items():
        one: dict[int, Entry | None] = {}
        for y in sorted(years):
            dup, rep = duplicate_findings(key, y, years[y])
            out.extend(dup)
            one[y] = rep
        for y, cur in one.items():
            prev = one.get(y - 1)
            if cur is None or prev is None:
                continue
            out.extend(continuity_findings(key, prev, cur))
            out.extend(jump_findings(key, prev, cur))
        out.extend(gap_findings(key, years))
        out.extend(name_form_findings(key, years))
    out.extend(cityless_findings(series))
    return out


def sort_key(f: dict[str, Any]) -> tuple[int, str, str]:
    """Findings ordered by severity, then rule, then first report."""
    return (SEVERITY_ORDER.get(f["severity"], 9), f["rule"], f["reports"][0] if f["reports"] else "")


def audit_entries(entries: list[Entry]) -> list[dict[str, Any]]:
    """Every finding over the reports."""
    out: list[dict[str, Any]] = []
    for e in entries:
        out.extend(identity_findings(e))
        out.extend(text_table_findings(e))
    out.extend(series_findings(series_of(entries)))
    return sorted(out, key=sort_key)
