"""What each grid cell means for the overlay: its field, value and state, matched from the report.

A *mark* joins one grid cell (where it stands on a page) with the report's entry for it (which canonical
field it became, its parsed value, its confidence, whether a check fails over it or corrected it).
Report cells are matched to grid cells by page and bbox; where the format has no geometry, by their
grid position when the report carries one (``table``/``row``/``col``), else by text and order.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from difflib import SequenceMatcher
from typing import Any, Literal

from ingest.grid import BBox, Cell, Document
from normalize.correct import LOW_CONFIDENCE  # one threshold: what the normaliser calls doubtful

State = Literal["fine", "low", "failing", "corrected", "label"]
# Worst first: a cell takes the first state that applies to it.
STATES: tuple[State, ...] = ("failing", "corrected", "low", "fine", "label")

# Two boxes are the same cell when their intersection covers this share of their union.
MIN_IOU = 0.5

CellKey = tuple[int, int, int]  # (table index in doc.tables, row, col)
Geometry = dict[CellKey, tuple[int, BBox]]  # where a cell stands: (page, bbox in page units)


@dataclass
class Mark:
    """One grid cell as the overlay shows it."""

    key: CellKey
    cell: Cell
    page: int | None
    bbox: BBox | None
    field: str | None = None
    value: Any = None
    raw: str | None = None
    confidence: float = 1.0
    corrected: bool = False
    failing: list[str] = dc_field(default_factory=list)  # failing check rules covering this cell

    @property
    def state(self) -> State:
        """The cell's colour state: failing > corrected > low confidence > fine; label when no field."""
        if self.field is None:
            return "label"
        if self.failing:
            return "failing"
        if self.corrected:
            return "corrected"
        if self.confidence < LOW_CONFIDENCE:
            return "low"
        return "fine"


@dataclass
class Marked:
    """Every grid cell of a document with its mark, plus what could not be matched."""

    marks: list[Mark]
    unmatched: list[dict[str, Any]] = dc_field(default_factory=list)  # report cells with no grid cell
    by_order: int = 0  # report cells placed by text and order (no geometry, no grid position)
    warnings: list[str] = dc_field(default_factory=list)


def cell_geometry(doc: Document) -> Geometry:
    """Page and bbox of every grid cell that has them (PDF and scan adapters provide them)."""
    out: Geometry = {}
    for ti, t in enumerate(doc.tables):
        for c in t.cells:
            page = c.page if c.page is not None else t.page
            if page is not None and c.bbox is not None:
                out[(ti, c.row, c.col)] = (page, c.bbox)
    return out


def iou(a: BBox, b: BBox) -> float:
    """Intersection over union of two boxes."""
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def norm_text(s: str | None) -> str:
    """Cell text with every blank removed, for matching by text."""
    return "".join((s or "").split())


def initial_marks(doc: Document, geometry: Geometry) -> list[Mark]:
    """One unlabelled mark per grid cell, in document order (table, row, column)."""
    marks: list[Mark] = []
    for ti, t in enumerate(doc.tables):
        for c in sorted(t.cells, key=lambda c: (c.row, c.col)):
            key = (ti, c.row, c.col)
            placed = geometry.get(key)
            page, bbox = placed if placed is not None else (c.page if c.page is not None else t.page, None)
            marks.append(Mark(key, c, page, bbox, confidence=c.confidence))
    return marks


def box_key(page: int | None, bbox: Any) -> tuple[int | None, tuple[float, ...]] | None:
    """A hashable key of a box on a page, rounded to a tenth of a page unit."""
    if page is None or bbox is None or len(bbox) != 4:
        return None
    x0, y0, x1, y1 = bbox
    return page, (round(float(x0), 1), round(float(y0), 1), round(float(x1), 1), round(float(y1), 1))


class BoxIndex:
    """Marks by page and box: the exact box first (reports copy the grid's boxes), then rounded to a tenth."""

    def __init__(self, marks: list[Mark]) -> None:
        """Index the marks that have a page and a box (rounded keys are made only when first needed)."""
        self.marks = marks
        self.raw = {(m.page, tuple(m.bbox)): m for m in marks if m.page is not None and m.bbox is not None}
        self._rounded: dict[Any, Mark] | None = None

    def rounded(self) -> dict[Any, Mark]:
        """Marks by ``box_key`` (built once)."""
        if self._rounded is None:
            self._rounded = {k: m for m in self.marks if (k := box_key(m.page, m.bbox)) is not None}
        return self._rounded

    def find(self, page: Any, bbox: Any) -> Mark | None:
        """The mark with exactly this box, else the one with it rounded to a tenth of a page unit."""
        try:
            hit = self.raw.get((page, tuple(bbox)))
        except TypeError:  # not a sequence, or unhashable parts
            return None
        if hit is not None:
            return hit
        key = box_key(page, bbox)
        return None if key is None else self.rounded().get(key)


def match_by_bbox(marks: list[Mark], rc: dict[str, Any], exact: BoxIndex | None = None) -> Mark | None:
    """The mark with the report cell's box (same box, else the one on its page that overlaps most)."""
    page, bbox = rc.get("page"), rc.get("bbox")
    if exact is not None and (hit := exact.find(page, bbox)) is not None:
        return hit
    if box_key(page, bbox) is None:
        return None
    box = tuple(float(v) for v in rc["bbox"])
    best, best_iou = None, MIN_IOU
    for m in marks:
        if m.page == rc["page"] and m.bbox is not None:
            score = iou(m.bbox, box)  # type: ignore[arg-type]
            if score > best_iou:
                best, best_iou = m, score
    return best


def match_by_position(by_key: dict[CellKey, Mark], rc: dict[str, Any]) -> Mark | None:
    """The mark at the report cell's grid position, when the report records one."""
    key = (rc.get("table"), rc.get("row"), rc.get("col"))
    if not (isinstance(key[0], int) and isinstance(key[1], int) and isinstance(key[2], int)):
        return None
    return by_key.get(key)  # type: ignore[arg-type]


def match_by_order(free: list[Mark], rest: list[dict[str, Any]]) -> list[tuple[Mark, dict[str, Any]]]:
    """Align report cells with grid cells by their text, both in reading order (formats without geometry)."""
    a = [norm_text(m.cell.text) for m in free]
    b = [norm_text(rc.get("raw")) for rc in rest]
    sm = SequenceMatcher(None, a, b, autojunk=False)
    pairs: list[tuple[Mark, dict[str, Any]]] = []
    for blk in sm.get_matching_blocks():
        for k in range(blk.size):
            pairs.append((free[blk.a + k], rest[blk.b + k]))
    return pairs


def apply_report_cell(m: Mark, rc: dict[str, Any]) -> None:
    """Copy a report cell's field, value and provenance onto its mark."""
    m.field = rc.get("field")
    m.value = rc.get("value")
    m.raw = rc.get("raw")
    conf = rc.get("confidence")
    m.confidence = float(conf) if isinstance(conf, (int, float)) else m.confidence
    m.corrected = bool(rc.get("corrected"))


def failing_fields(report: dict[str, Any]) -> dict[str, list[str]]:
    """For each field, the failing check rules that cover it."""
    out: dict[str, list[str]] = {}
    for chk in report.get("checks") or []:
        if not chk.get("ok", True):
            for f in chk.get("fields") or []:
                out.setdefault(f, []).append(chk.get("rule", "?"))
    return out


def mark_cells(doc: Document, report: dict[str, Any] | None, geometry: Geometry | None = None) -> Marked:
    """Match every report cell to its grid cell and give every grid cell its state."""
    geometry = cell_geometry(doc) if geometry is None else geometry
    marks = initial_marks(doc, geometry)
    out = Marked(marks=marks)
    if report is None:
        return out
    by_key = {m.key: m for m in marks}
    exact = BoxIndex(marks)
    rest: list[dict[str, Any]] = []
    taken: set[CellKey] = set()
    for rc in report.get("cells") or []:
        m = match_by_position(by_key, rc) or match_by_bbox(marks, rc, exact)
        if m is None or m.key in taken:
            rest.append(rc)
            continue
        apply_report_cell(m, rc)
        taken.add(m.key)
    if rest:
        free = [m for m in marks if m.key not in taken]
        pairs = match_by_order(free, rest)
        for m, rc in pairs:
            apply_report_cell(m, rc)
        matched_ids = {id(rc) for _, rc in pairs}
        out.unmatched = [rc for rc in rest if id(rc) not in matched_ids]
        out.by_order = len(pairs)
        if pairs and any(rc.get("bbox") for _, rc in pairs):
            out.warnings.append(f"{len(pairs)} report cells matched to the grid by text and order, not by position")
    if out.unmatched:
        out.warnings.append(f"{len(out.unmatched)} report cells could not be placed on the grid")
    fails = failing_fields(report)
    for m in marks:
        if m.field is not None:
            m.failing = fails.get(m.field, [])
    return out
