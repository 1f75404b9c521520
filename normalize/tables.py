"""Map rows and columns of the printed tables to the template's canonical ids."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ingest.grid import Block, Cell, Paragraph, Table
from normalize.checks import run_checks, set_field
from normalize.meta import section_heading
from normalize.numbers import looks_numeric, parse_number
from normalize.rows import Row, fit, fit_is_guess, table_rows
from normalize.template import Applications, AppRow, Group, ReviewLitigation, Template, all_templates, section_words
from normalize.text import best_alias_score, canon, similarity, strip_numbering

SECTION_KEYS = ("active_disclosure", "applications", "review_litigation")

# Words that tell which section a table (or a part of one) belongs to.

MATCH = 0.6  # least similarity for a label to name a template row
GROUP_MATCH = 0.85
SURE_NUMBER = 0.5  # a value cell read at least this surely counts when the review's value row is chosen
# Section 三's header may leave at most this many applicant columns unread and still place them all.
UNREAD_COLUMNS = 2


@dataclass
class Value:
    """A value read from one cell, with where it came from."""

    field: str
    raw: str | None
    cell: Cell | None
    row_label: str = ""
    by_position: bool = False  # its row was placed by position, its label unread: a guess


@dataclass
class Extraction:
    """What the table mapping found: values by field id, and notes for the report."""

    values: dict[str, Value] = field(default_factory=dict)
    group_totals: dict[str, dict[str, Value]] = field(default_factory=dict)
    extra_columns: dict[str, dict[str, Value]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    found: set[str] = field(default_factory=set)


def classify(table: Table) -> str | None:
    """The section a table belongs to, by the words it holds; None when it holds none."""
    text = canon("".join(c.text for c in table.cells))
    scores = {k: sum(1 for w in words if w in text) for k, words in section_words().items()}
    # 行政复议/行政诉讼 words also stand in the applications note; prefer a clear winner
    best = max(scores, key=lambda k: scores[k])
    return best if scores[best] else None


def section_rows(blocks: list[Block], tpl: Template) -> dict[str, list[Row]]:
    """Rows of every table, grouped by section. A table without section words belongs to the section
    whose heading it follows, else to the section of the table before it."""
    out: dict[str, list[Row]] = {k: [] for k in SECTION_KEYS}
    prev: str | None = None
    heading: str | None = None
    index = 0
    for b in blocks:
        if isinstance(b, Paragraph):
            title = section_heading(b.text, tpl)
            if title is not None:  # a section with a table sets it; 一、五、六 end it
                heading = prev = title[0].table
            continue
        rows = table_rows(b, index)
        parts = _heading_parts(rows, tpl)
        if len({k for k, _ in parts}) < 2:
            parts = [(classify(b) or heading or prev, rows)]
        for kind, part in parts:
            kind = kind or heading or prev
            if kind is not None:
                out[kind].extend(part)
                prev = kind
        index += 1
    return out


def _heading_parts(rows: list[Row], tpl: Template) -> list[tuple[str | None, list[Row]]]:
    """A table cut at its full-width rows that are section headings (二、主动公开… printed as a table
    row): each part with the section its heading names (None for rows before the first heading).
    Tables glued together by an editor hold several sections so."""
    parts: list[tuple[str | None, list[Row]]] = [(None, [])]
    for r in rows:
        cells = {id(c): c for c in r.cells if c is not None}
        if len(cells) == 1:
            (only,) = cells.values()
            title = section_heading(only.text.strip(), tpl) if only.row == r.index else None
            if title is not None and title[0].table:
                parts.append((title[0].table, []))
                continue
        parts[-1][1].append(r)
    return [(k, p) for k, p in parts if p]


def _value(fid: str, c: Cell | None, label: str, by_position: bool = False) -> Value:
    return Value(fid, None if c is None else c.text, c, label, by_position)


# ---------------------------------------------------------------- section 二


def extract_active(rows: list[Row], tpl: Template, ex: Extraction) -> None:
    """Section 二: each template row found by its label, its fields read left to right; a row whose
    label could not be read takes the one template row left between its matched neighbours."""
    spec = tpl.active_disclosure.rows
    header = re.compile(tpl.active_disclosure.header_pattern)
    # a row whose label was lost (blank, or OCR junk without a Chinese character) but that holds numbers
    # is kept: it may take the one template row left between its read neighbours
    data = [r for r in rows if r.values and (not header.search(r.leaf) if r.labels else r.numbers())]
    placed: dict[int, int] = {}  # data row position -> template row position
    guessed: set[int] = set()  # data rows placed by position
    for i, row in enumerate(data):
        scored = [(best_alias_score(row.leaf, r.aliases), t) for t, r in enumerate(spec)]
        score, t = max(scored, key=lambda x: x[0])
        if score >= 0.75 and t not in placed.values():
            placed[i] = t
    for i, row in enumerate(data):
        if i in placed:
            continue
        before = max((placed[j] for j in placed if j < i), default=-1)
        after = min((placed[j] for j in placed if j > i), default=len(spec))
        free = [t for t in range(before + 1, after) if t not in placed.values()]
        # the unread rows between the placed rows around this one: it must be the only one
        prev_row = max((j for j in placed if j < i), default=-1)
        next_row = min((j for j in placed if j > i), default=len(data))
        gap = [j for j in range(prev_row + 1, next_row) if j not in placed]
        if len(free) != 1 or gap != [i]:
            continue
        n_fields = len(spec[free[0]].fields)
        vals = fit(_without_junk_label(row.values, n_fields), n_fields)
        if len(vals) == n_fields and any(v and v.text.strip() for v in vals):
            placed[i] = free[0]
            guessed.add(i)
            ex.warnings.append(
                f"active_disclosure.{spec[free[0]].id}: label {row.leaf!r} not recognised; row read by its position"
            )
    for i, t in sorted(placed.items()):
        best, row = spec[t], data[i]
        n = len(best.fields)
        vals = fit(_without_junk_label(row.values, n) if i in guessed else row.values, n)
        short = len(vals) < n  # which of the fields went unprinted is a guess
        if short:
            ex.warnings.append(f"active_disclosure.{best.id}: {len(vals)} value cells where {n} were expected")
        # more cells than fields, the blanks allowing more than one alignment: also a guess
        shifted = not short and i not in guessed and fit_is_guess(row.values, n)
        if shifted:
            ex.warnings.append(
                f"active_disclosure.{best.id}: {len(row.values)} value cells for {n} fields; placement is a guess"
            )
        # a value cell over two columns of a row of several fields: a ruling lost, values may have moved
        merged = n > 1 and any(_spanning(c) for c in row.values)
        if merged and not shifted:
            ex.warnings.append(f"active_disclosure.{best.id}: a value cell spans columns; placement is a guess")
        ex.found.add(best.id)
        for k, fname in enumerate(best.fields):
            fid = f"active_disclosure.{best.id}.{fname}"
            c = vals[k] if k < len(vals) else None
            ex.values[fid] = _value(fid, c, row.leaf, i in guessed or short or shifted or merged)


def _without_junk_label(values: list[Cell | None], n: int) -> list[Cell | None]:
    """A label-less row's value cells without the leading text that no number reads in (the lost
    label's OCR junk: `EWM3`), down to n cells."""
    v = list(values)
    while len(v) > n and v[0] is not None and v[0].text.strip() and parse_number(v[0].text).status == "unreadable":
        v.pop(0)
    return v


# ---------------------------------------------------------------- section 三


def _header_columns(rows: list[Row], tpl: Template) -> tuple[int, list[str]]:
    """From the header rows: how many extra (non-template) applicant columns there are, and their labels."""
    cols = tpl.applications.columns
    known = {canon(a) for c in cols for a in c.aliases} | {canon(w) for w in tpl.applications.header_words}
    notes = [canon(w) for w in tpl.applications.note_words]
    extras: list[str] = []
    others = 0
    for row in rows:
        if row.numbers():
            break
        for c in row.cells:
            if c is None or not c.text.strip():
                continue
            t = canon(c.text)
            if t == "其他":
                others += 1
            elif t not in known and not any(w in t for w in notes) and len(t) <= 12 and not any(w in t for w in known):
                extras.append(c.text.strip())
    if others >= 2:
        extras.insert(0, "其他")
    return len(extras), extras


def column_leaf(header: list[Row], k: int) -> str:
    """The canonical text of the innermost header cell over column k ("" when none names it); a
    blank mark or number (a row of dashes taken for header) names no column."""
    for r in reversed(header):
        c = r.cells[k] if k < len(r.cells) else None
        if c is not None and c.text.strip() and not looks_numeric(c.text):
            return canon(c.text)
    return ""


def _exact_columns(rows: list[Row], tpl: Template) -> dict[int, str] | None:
    """For a grid with real geometry: the column index of each canonical applicant column, from the header."""
    # the rows above the first row of numbers (a row of dashes below them is no header)
    header = list(itertools.takewhile(lambda r: not r.numbers(), rows[:8]))
    if not header:
        return None
    cols = tpl.applications.columns
    width = max(len(r.cells) for r in header)
    found: dict[int, str] = {}
    for k in range(width):
        leaf = column_leaf(header, k)
        for col in cols:
            if any(leaf == canon(a) for a in col.aliases):
                # a second 其他 (a top-level column beside 法人或其他组织) is not the template's column
                if col.id not in found.values():
                    found[k] = col.id
                break
    if len(found) == len(cols):
        return found
    inferred = _columns_unread(found, [c.id for c in cols], width)
    if inferred is not None:
        return inferred
    # the first and the last (total) column found: the others lie between them, in template order
    at = {v: k for k, v in found.items()}
    first, last = cols[0].id, cols[-1].id
    if first in at and last in at and at[last] - at[first] == len(cols) - 1:
        return {at[first] + i: c.id for i, c in enumerate(cols)}
    return None


def _spanning(c: Cell | None) -> bool:
    """A value cell merged over more than one row or column of the grid (a lost ruling, or a
    merge that leaves its value to more than one field)."""
    return c is not None and bool(c.text.strip()) and (c.rowspan > 1 or c.colspan > 1)


def _span_text(c: Cell | None) -> str:
    """A cell's span as words, for warnings."""
    return "" if c is None else f"{c.rowspan} rows x {c.colspan} columns"


def _columns_unread(found: dict[int, str], cols: list[str], width: int) -> dict[int, str] | None:
    """When every template column but one or two was named by the header, each at its own place in
    one run of adjacent columns that ends at the grid's right edge (where 总计 is printed; a stacked
    `总计` read `c 计`, a shaded `自然人` read `自然人 / 1`), the unread ones take the places left."""
    if len(found) < len(cols) - UNREAD_COLUMNS:
        return None
    bases = {k - cols.index(cid) for k, cid in found.items()}
    if len(bases) != 1:
        return None
    base = bases.pop()
    if base < 0 or base + len(cols) != width:
        return None
    return {base + i: cid for i, cid in enumerate(cols)}


def extract_applications(rows: list[Row], tpl: Template, exact: bool, ex: Extraction) -> None:
    """Section 三: rows matched to the template in order; columns by header or by position."""
    spec = tpl.applications
    tcols = spec.column_ids
    n_applicant = len(tcols) - 1  # the applicant columns, before the total
    trows = spec.rows
    groups = {g.id: g for g in spec.groups}
    _, extra_labels = _header_columns(rows, tpl)
    col_index = _exact_columns(rows, tpl) if exact else None
    # the header's column positions hold for rows of a grid as wide as the header's (a table part
    # without the header, of another width, is read by position)
    header_width = len(rows[0].cells) if rows else 0

    start = next(
        (i for i, r in enumerate(rows) if r.numbers() or best_alias_score(r.leaf, trows[0].aliases) >= 0.8), None
    )
    if start is None:
        return
    data = [r for r in rows[start:] if r.labels or r.numbers()]
    assigned: dict[int, Row] = {}
    collapsed: dict[str, Row] = {}
    unmatched: list[tuple[int, Row]] = []  # (template pointer at the time, row)
    guessed: set[int] = set()  # template rows placed by position
    p = 0
    for k, row in enumerate(data):
        if _is_column_header(row, spec):
            continue  # the header printed again on a later page: its 总计 is a column, not the row
        best_i, best_s = -1, 0.0
        for i in range(p, len(trows)):
            s = _row_score(row, trows[i]) - 0.02 * (i - p)
            if s > best_s:
                best_i, best_s = i, s
        g = _group_of(row, groups, strict=True)
        if best_i >= 0 and best_s >= MATCH and not (g is not None and best_s < 0.95):
            assigned[best_i] = row
            p = best_i + 1
            continue
        g = g or _group_of(row, groups)
        if g is not None and (row.numbers() or any(v is not None and v.text.strip() for v in row.values)):
            members = [i for i, t in enumerate(trows) if t.group == g.id]
            if g.total_key and members and p <= members[0] and not _members_follow(data[k + 1 :], trows, members):
                collapsed[g.total_key] = row
                p = members[-1] + 1
                continue
            if not g.total_key and p < len(trows) and trows[p].group == g.id:
                assigned[p] = row
                guessed.add(p)
                ex.warnings.append(f"applications.{trows[p].id}: label not printed; row read by its position")
                p += 1
                continue
        if row.numbers():
            unmatched.append((p, row))

    def cells_of(row: Row) -> tuple[list[Cell | None], list[Cell | None]]:
        if col_index is not None and len(row.cells) == header_width:
            ks = sorted(col_index)
            vals = [row.cells[k] if k < len(row.cells) else None for k in ks]
            extra_ks = [k for k in range(min(ks), max(ks)) if k not in col_index]
            return vals, [row.cells[k] if k < len(row.cells) else None for k in extra_ks]
        vals = fit(row.values, len(tcols))
        if len(vals) > len(tcols):  # columns not in the template, before the total
            return vals[:n_applicant] + vals[-1:], vals[n_applicant:-1]
        return vals, []

    def numbers(row: Row) -> list[Any]:
        return [parse_number(c.text if c is not None else None).value for c in cells_of(row)[0]]

    def misaligned(row: Row) -> bool:
        # read by position, and the row's blank cells allow more than one alignment
        by_header = col_index is not None and len(row.cells) == header_width
        if by_header:
            return False
        kept = len(fit(row.values, len(tcols)))  # as many cells as cells_of keeps
        return fit_is_guess(row.values, kept) or any(_spanning(c) for c in row.values)

    guessed |= _assign_by_position(tpl, assigned, unmatched, collapsed, numbers, ex)

    for i, row in assigned.items():
        rid = trows[i].id
        vals, extra = cells_of(row)
        short = len(vals) < len(tcols)  # which columns went unprinted is a guess
        if short:
            ex.warnings.append(f"applications.{rid}: {len(vals)} value cells where {len(tcols)} were expected")
        shifted = not short and misaligned(row)
        if shifted:
            why = (
                "a value cell spans columns"
                if any(_spanning(c) for c in row.values)
                else "blanks allow more alignments"
            )
            ex.warnings.append(
                f"applications.{rid}: {len(row.values)} value cells for {len(tcols)} columns, the header's columns "
                f"not read and {why}; which column each value is in is a guess"
            )
        ex.found.add(rid)
        for k, cid in enumerate(tcols):
            fid = f"applications.{rid}.{cid}"
            c = vals[k] if k < len(vals) else None
            if _spanning(c) and not shifted:
                ex.warnings.append(
                    f"{fid}: its cell spans {_span_text(c)}; which field the value belongs to is a guess"
                )
            ex.values[fid] = _value(fid, c, row.leaf, i in guessed or short or shifted or _spanning(c))
        for k, c in enumerate(extra):
            label = extra_labels[k] if k < len(extra_labels) else f"extra_{k + 1}"
            ex.extra_columns.setdefault(label, {})[rid] = _value(
                f"applications_extra_columns.{label}.{rid}", c, row.leaf
            )
    for key, row in collapsed.items():
        vals, _ = cells_of(row)
        ex.group_totals[key] = {
            cid: _value(f"applications_group_totals.{key}.{cid}", vals[k] if k < len(vals) else None, row.leaf)
            for k, cid in enumerate(tcols)
        }
    # a column that prints nothing in any row is a split of the grid (a PDF-to-Word converter's
    # sliver beside a real column), not a column of the report
    for label in [k for k, vals in ex.extra_columns.items() if not any(v.raw and v.raw.strip() for v in vals.values())]:
        del ex.extra_columns[label]
    if ex.extra_columns:
        ex.warnings.append(
            f"applications: column(s) not in the template kept under applications_extra_columns: {', '.join(ex.extra_columns)}"
        )


def _members_follow(rest: list[Row], trows: Sequence[AppRow], members: list[int]) -> bool:
    """Whether the rows after one labelled only by its group (`（四）无法提供`, the group's merged cell)
    name the group's own rows: then it is the group's first row with its label lost, not the group
    printed as one row."""
    return any(_row_score(row, trows[i]) >= MATCH for row in rest[: len(members)] for i in members[1:])


def _row_score(row: Row, t: AppRow) -> float:
    """How well a printed row's labels name a template row (a short label, `总计`, only exactly)."""
    if t.short:
        return 1.0 if _without_note(row.leaf) in {canon(a) for a in t.aliases} else 0.0
    return max(best_alias_score(row.leaf, t.aliases), 0.95 * best_alias_score(row.full, t.aliases))


def _is_column_header(row: Row, spec: Applications) -> bool:
    """A row naming two or more applicant columns (自然人, 商业企业, …) and holding no number."""
    if row.numbers():
        return False
    names = {canon(a) for c in spec.columns for a in c.aliases if len(a) >= 3}
    names |= {canon(w) for w in spec.header_words}
    return sum(1 for c in row.labels if canon(c.text) in names) >= 2


def _without_note(label: str) -> str:
    """A short label without a trailing note (`总计(件)`, `总计*`)."""
    return re.sub(r"(\([^()]*\)|[*※])+$", "", label)


def _group_of(row: Row, groups: dict[str, Group], strict: bool = False) -> Group | None:
    """The group whose header the row's innermost label is (`（六）其他处理`), if any."""
    best, score = None, 0.0
    for g in groups.values():
        s = max(similarity(row.leaf, canon(a)) for a in g.aliases)
        if s > score:
            best, score = g, s
    return best if score >= (0.999 if strict else GROUP_MATCH) else None


def _assign_by_position(
    tpl: Template,
    assigned: dict[int, Row],
    unmatched: list[tuple[int, Row]],
    collapsed: dict[str, Row],
    numbers: Callable[[Row], list[Any]],
    ex: Extraction,
) -> set[int]:
    """Rows whose label could not be read fill the gap between matched rows when the count fits exactly
    (rows of a group printed as one row are no gap) and the template's arithmetic does not contradict
    it; the template rows so placed. Every row placed or left out so is warned about."""
    trows = tpl.applications.rows
    members = {t.id for t in trows if tpl.applications.total_key(t.group) in collapsed}
    gaps: dict[tuple[int, int], list[Row]] = {}
    keys = sorted(assigned)
    for p, row in unmatched:
        lo = max([k for k in keys if k < p] or [-1])
        hi = min([k for k in keys if k >= p] or [len(trows)])
        gaps.setdefault((lo, hi), []).append(row)
    tentative: list[dict[int, Row]] = []
    for (lo, hi), rows in gaps.items():
        free = [i for i in range(lo + 1, hi) if i not in assigned and trows[i].id not in members]
        if len(free) != len(rows):
            ex.warnings.append(
                f"applications: {len(rows)} row(s) with unreadable labels could not be placed "
                f"({len(free)} template row(s) free between their read neighbours); left out"
            )
            continue
        tentative.append(dict(zip(free, rows, strict=True)))
    placed: set[int] = set()
    for rows_at in tentative:
        trial = dict(assigned)
        for other in tentative:
            trial.update(other)
        fits = _arithmetic_fits(tpl, trial, collapsed, numbers, {trows[i].id for i in rows_at})
        if fits is False:
            ex.warnings.append(
                f"applications: {len(rows_at)} row(s) with unreadable labels would be "
                f"{', '.join(trows[i].id for i in rows_at)} by position, but the column sums do not fit; left out"
            )
            continue
        for i, row in rows_at.items():
            assigned[i] = row
            placed.add(i)
            how = "the column sums fit" if fits else "no column sum can confirm it"
            ex.warnings.append(f"applications.{trows[i].id}: label unreadable; row read by its position ({how})")
    return placed


def _arithmetic_fits(
    tpl: Template,
    assigned: dict[int, Row],
    collapsed: dict[str, Row],
    numbers: Callable[[Row], list[Any]],
    placed: set[str],
) -> bool | None:
    """Whether the column checks (results_sum, balance) that involve the placed rows hold with the rows
    where they are; None when none of them can be computed (a row it needs was not read)."""
    trows = tpl.applications.rows
    cols = tpl.applications.column_ids
    tables: dict[str, Any] = {}
    present: set[str] = set()
    for i, row in assigned.items():
        present.add(f"applications.{trows[i].id}")
        for cid, v in zip(cols, numbers(row), strict=False):
            set_field(tables, f"applications.{trows[i].id}.{cid}", v)
    for key, row in collapsed.items():
        present.add(f"applications_group_totals.{key}")
        for cid, v in zip(cols, numbers(row), strict=False):
            set_field(tables, f"applications_group_totals.{key}.{cid}", v)
    verdicts: list[bool] = []
    for check in run_checks(tables, tpl, {trows[i].id for i in assigned}):
        if not check["rule"].startswith(("applications.results_sum.", "applications.balance.")):
            continue
        rows = {f.rsplit(".", 1)[0] for f in check["fields"]}
        if rows <= present and any(f"applications.{r}" in rows for r in placed):
            verdicts.append(bool(check["ok"]))
    return all(verdicts) if verdicts else None


# ---------------------------------------------------------------- section 四


def extract_review(rows: list[Row], tpl: Template, ex: Extraction) -> None:
    """Section 四: the row of numbers under the header, read in template order; or, when the table is
    printed in parts (行政复议 and 行政诉讼 as two tables) or transposed (one row per group), each
    group's values from the row or the header that names it."""
    spec = tpl.review_litigation
    if _review_by_group_rows(rows, spec, ex) or _review_by_part_headers(rows, spec, ex):
        ex.found.add("review_litigation")
        return
    ids = [(g.id, f.id) for g in spec.groups for f in spec.fields]
    candidates = [r for r in rows if r.numbers()]
    if not candidates:
        blanks = [r for r in rows if not r.labels and len(r.values) >= len(ids)]
        candidates = blanks[-1:]
    if not candidates:
        return
    row = max(candidates, key=lambda r: (_sure_numbers(r), r.numbers(), -r.index))
    columns = _review_columns([r for r in rows if r.table == row.table and r.index < row.index], spec)
    by_header = columns is not None and _fits_columns(row, columns)
    if by_header:
        vals = [row.cells[k] if k < len(row.cells) else None for k in columns]  # type: ignore[union-attr]
    else:
        vals = fit(row.values, len(ids))
    # which fields went unprinted, or which of more cells hold the values, is a guess
    guess = len(vals) != len(ids) or not by_header and fit_is_guess(row.values, len(ids))
    if len(vals) != len(ids):
        ex.warnings.append(f"review_litigation: {len(vals)} value cells where {len(ids)} were expected")
        if len(vals) > len(ids):
            vals = vals[-len(ids) :]
    elif guess:
        ex.warnings.append(
            f"review_litigation: {len(row.values)} value cells for {len(ids)} fields; placement is a guess"
        )
    ex.found.add("review_litigation")
    for k, (g, f) in enumerate(ids):
        fid = f"review_litigation.{g}.{f}"
        c = vals[k] if k < len(vals) else None
        ex.values[fid] = _value(fid, c, "", guess or _spanning(c))


def _sure_numbers(row: Row) -> int:
    """How many of a row's value cells read as a number with some confidence: a shaded header row
    read as digits (`15888322`, `13834888行政诉讼…`, confidence 0.2) holds digits too, and took the place
    of the value row under it."""
    return sum(
        1
        for c in row.values
        if c is not None and c.text.strip() and c.confidence >= SURE_NUMBER and parse_number(c.text).value is not None
    )


def _review_group(text: str, spec: ReviewLitigation) -> str | None:
    """The group (行政复议, 未经复议直接起诉, 复议后起诉) a label names, allowing a few more words
    (行政诉讼（复议后起诉）) and typos; None for a longer text that merely mentions one (a title)."""
    t = canon(text)
    best: tuple[float, str | None] = (0.0, None)
    for g in spec.groups:
        label = canon(g.label)
        score = similarity(t, label)
        if len(t) <= len(label) + 6 and score >= GROUP_MATCH and score > best[0]:
            best = (score, g.id)
    return best[1]


def _set_review_group(
    gid: str, vals: list[Cell | None], label: str, spec: ReviewLitigation, ex: Extraction, guess: bool = False
) -> None:
    short = len(vals) < len(spec.fields)  # which fields went unprinted is a guess
    for k, f in enumerate(spec.fields):
        fid = f"review_litigation.{gid}.{f.id}"
        c = vals[k] if k < len(vals) else None
        ex.values[fid] = _value(fid, c, label, short or guess or _spanning(c))


def _review_by_group_rows(rows: list[Row], spec: ReviewLitigation, ex: Extraction) -> bool:
    """Section 四 transposed: a row per group, labelled by the group, its five values under the
    result headers. False (nothing set) unless at least two groups have such a row."""
    n = len(spec.fields)
    hits: dict[str, Row] = {}
    for r in rows:
        if r.labels and len(r.values) >= n - 1:
            gid = _review_group(r.leaf, spec)
            if gid is not None and gid not in hits:
                hits[gid] = r
    if len(hits) < 2:
        return False
    for g in spec.groups:
        row = hits.get(g.id)
        if row is None:
            continue  # left unread: a warning says the row was not found
        header = [h for h in rows if h.table == row.table and h.index < row.index and not h.numbers()]
        columns = _field_columns(header, spec)
        by_header = columns is not None and len(columns) == n and _fits_columns(row, columns)
        if by_header:
            vals = [row.cells[k] if k < len(row.cells) else None for k in columns]  # type: ignore[union-attr]
        else:
            vals = fit(row.values, n)
        guess = not by_header and fit_is_guess(row.values, n)
        if len(vals) != n:
            ex.warnings.append(f"review_litigation.{g.id}: {len(vals)} value cells where {n} were expected")
            vals = vals[:n] if all(v is None or not v.text.strip() for v in vals[n:]) else []
        elif guess:
            ex.warnings.append(
                f"review_litigation.{g.id}: {len(row.values)} value cells for {n} fields; placement is a guess"
            )
        _set_review_group(g.id, vals, row.leaf, spec, ex, guess)
    return True


def _review_by_part_headers(rows: list[Row], spec: ReviewLitigation, ex: Extraction) -> bool:
    """Section 四 in parts: each value row under a header of its own that names its groups (a table
    of 行政复议's five columns, another of 行政诉讼's ten). False (nothing set) when the section is one
    row of all fifteen values, or when a part's header does not say which groups it holds."""
    n = len(spec.fields)
    parts: list[tuple[Row, list[int], list[str]]] = []
    last: dict[int, int] = {}  # table -> index of its last value row
    for r in rows:
        if r.labels or not any(c is not None and c.text.strip() for c in r.values):
            continue  # a value row holds numbers or blank marks, and no label
        header = [h for h in rows if h.table == r.table and last.get(r.table, -1) < h.index < r.index]
        last[r.table] = r.index
        columns = _field_columns(header, spec)
        if columns is None or not _fits_columns(r, columns):
            return False
        if any(c is not None and c.col == k and c.text.strip() for k, c in enumerate(r.cells[: columns[0]])):
            return False  # values left of the named columns: a header that names only some of them
        if len(columns) == n * len(spec.groups):
            groups = [g.id for g in spec.groups]
        else:
            # the groups the nearest header rows name, as many as the columns hold (a part whose own
            # value row was dropped as empty leaves its header above the next part's)
            named: dict[str, int] = {}
            for h in reversed(header):
                for c in h.cells:
                    gid = _review_group(c.text, spec) if c is not None else None
                    if c is not None and gid is not None and gid not in named:
                        named[gid] = c.col
                if len(named) * n >= len(columns):
                    break
            groups = sorted(named, key=lambda gid: named[gid])
        if len(groups) * n != len(columns):
            return False
        parts.append((r, columns, groups))
    if not parts or len(parts[0][1]) == n * len(spec.groups):
        return False
    for row, columns, groups in parts:
        for i, gid in enumerate(groups):
            if any(f"review_litigation.{gid}." in fid for fid in ex.values):
                ex.warnings.append(f"review_litigation.{gid}: printed twice; the first reading kept")
                continue
            vals = [row.cells[k] if k < len(row.cells) else None for k in columns[i * n : (i + 1) * n]]
            _set_review_group(gid, vals, "", spec, ex)
    return True


def _field_columns(header: list[Row], spec: ReviewLitigation) -> list[int] | None:
    """The columns the header names 结果维持 … 总计, in that order (any number of rounds), or None."""
    fields = [canon(f.label) for f in spec.fields]
    if not header or any(len(r.cells) != len(header[0].cells) for r in header):
        return None

    def names(leaf: str, label: str) -> bool:
        return leaf == label or (len(leaf) >= 3 and similarity(leaf, label) >= 0.75)

    found: list[int] = []
    for k in range(len(header[0].cells)):
        leaf = column_leaf(header, k)
        expected = fields[len(found) % len(fields)]
        if names(leaf, expected):
            found.append(k)
        elif found and any(names(leaf, f) for f in fields) and not names(leaf, fields[(len(found) - 1) % len(fields)]):
            # a column naming another field than the one due (nor the one before it again: a column
            # split in two repeats its label): one went unread (`计` of 总计), and the rounds counted
            # on from here would be a group off
            return None
    return found if found and len(found) % len(fields) == 0 else None


def _fits_columns(row: Row, columns: list[int]) -> bool:
    """The header's columns agree with the value row: each names a cell that starts there, and every
    other position right of the labels is empty."""
    chosen = set(columns)
    for k, c in enumerate(row.cells):
        if k in chosen:
            if c is None or c.col != k:
                return False
        elif k > columns[0] and c is not None and c.col == k and c.text.strip():
            return False
    return True


def _review_columns(header: list[Row], spec: ReviewLitigation) -> list[int] | None:
    """For a grid with real geometry: the column of each of the 15 values, from the header words
    (结果维持 … 总计, three times), or None when the header does not name exactly that."""
    found = _field_columns(header, spec)
    return found if found is not None and len(found) == len(spec.fields) * len(spec.groups) else None


def detect_template(tables: list[Table], year: int | None) -> str | None:
    """The template whose own header words the tables print most; the report year decides a tie."""
    text = canon("".join(c.text for t in tables for c in t.cells))
    scores = {t.id: sum(canon(w) in text for w in t.detect) for t in all_templates()}
    best = max(scores.values(), default=0)
    leaders = [tid for tid, sc in scores.items() if sc == best]
    if best and len(leaders) == 1:
        return leaders[0]
    if not any(classify(t) for t in tables):
        return None
    for t in all_templates():
        if t.id in leaders and year is not None and t.covers(year):
            return t.id
    return next(t.id for t in all_templates() if t.id in leaders)


__all__ = [
    "Extraction",
    "Value",
    "section_rows",
    "extract_active",
    "extract_applications",
    "extract_review",
    "detect_template",
    "strip_numbering",
]
