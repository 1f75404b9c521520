"""Layout tolerances are physical: a grid measured in pixels of a page image and the same grid in PDF
points are repaired alike, the page's ``PageInfo.unit_scale`` turning its units into points."""

from __future__ import annotations

from ingest.grid import (
    Cell,
    Document,
    PageInfo,
    Table,
    compose,
    in_units,
    invert,
    is_identity,
    map_point,
    scaling,
    translation,
)
from layout.grids import stitch
from layout.repair import stitch_pages

PX_PER_POINT = 300 / 72  # a page image at 300 dpi


def part(edges: list[float], page: int, texts: list[str], k: float) -> Table:
    """One row of cells between the given column edges (points), measured k units per point."""
    cells = [
        Cell(t, 0, i, page=page, bbox=(edges[i] * k, 100 * k, edges[i + 1] * k, 120 * k)) for i, t in enumerate(texts)
    ]
    return Table(cells, page=page, bbox=(edges[0] * k, 100 * k, edges[-1] * k, 120 * k))


def parts(k: float) -> list[Table]:
    """A table cut by a page break whose second part splits a column; its edges differ by 2 points."""
    a = part([100, 200, 300, 400], 1, ["项目", "合计", "备注"], k)
    b = part([102, 200, 250, 302, 398], 2, ["一", "1", "2", "x"], k)
    return [a, b]


def stitched_columns(t: Table) -> list[tuple[str, int, int]]:
    return sorted((c.text, c.col, c.colspan) for c in t.cells)


def test_parts_in_pixels_stitch_as_the_same_parts_in_points() -> None:
    (in_points,) = stitch(parts(1.0))
    assert in_points.n_cols == 4 and ("合计", 1, 2) in stitched_columns(in_points)
    pages = [PageInfo(n, 595 * PX_PER_POINT, 842 * PX_PER_POINT, True, unit_scale=PX_PER_POINT) for n in (1, 2)]
    doc = Document("scan.pdf", "pdf", list(parts(PX_PER_POINT)), pages)
    (in_pixels,) = stitch_pages(doc).tables
    assert stitched_columns(in_pixels) == stitched_columns(in_points)


def test_pixels_read_as_points_miss_the_tolerance() -> None:
    # Without the unit scale, 2 points at 300 dpi are 8 pixels: more than the 4 "points" allowed.
    (a, b) = stitch(parts(PX_PER_POINT), {})
    assert a.n_cols == 3 and b.n_cols == 4


def test_homographies_compose_invert_and_scale_lengths() -> None:
    h = compose(translation(10.0, -4.0), compose((1.0, 0.02, 0.0, -0.01, 0.98, 0.0, 1e-5, -2e-5, 1.0), scaling(0.5)))
    x, y = map_point(h, 300.0, 420.0)
    assert all(abs(u - v) < 1e-9 for u, v in zip(map_point(invert(h), x, y), (300.0, 420.0), strict=True))
    assert is_identity(compose(invert(h), h), 1e-12) and not is_identity(h)
    assert in_units(2.0, PageInfo(1, 100, 100, unit_scale=PX_PER_POINT)) == 2.0 * PX_PER_POINT
    assert in_units(2.0, None) == 2.0
