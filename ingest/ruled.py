"""Ruled tables as the PDF and scan adapters find them, one type for both: the grid's boundaries, its
cells with spans and boxes, and the ruling lines seen. Coordinates are the page's own units, top-left
origin: PDF points (``float``) or image pixels (``int``)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

N = TypeVar("N", int, float)


@dataclass(frozen=True)
class GridCell(Generic[N]):
    """One printed cell of a ruled grid: grid position, spans and its box (x0, y0, x1, y1)."""

    row: int
    col: int
    rowspan: int
    colspan: int
    bbox: tuple[N, N, N, N]


@dataclass
class RuledGrid(Generic[N]):
    """A ruled table: column and row boundaries, its cells, and the ruling lines (x0, y0, x1, y1) it was built from."""

    xs: list[N]
    ys: list[N]
    cells: list[GridCell[N]]
    lines: list[tuple[N, N, N, N]] = field(default_factory=list)

    @property
    def bbox(self) -> tuple[N, N, N, N]:
        """The grid's outer box."""
        return (self.xs[0], self.ys[0], self.xs[-1], self.ys[-1])

    def locate(self, x: float, y: float) -> int | None:
        """Index into ``cells`` of the cell holding point (x, y), or None outside the grid."""
        if not (self.xs[0] <= x <= self.xs[-1] and self.ys[0] <= y <= self.ys[-1]):
            return None
        j = min(max(bisect_right(self.xs, x) - 1, 0), len(self.xs) - 2)
        i = min(max(bisect_right(self.ys, y) - 1, 0), len(self.ys) - 2)
        return self._unit_index().get((i, j))

    def _unit_index(self) -> dict[tuple[int, int], int]:
        """Map from each grid unit (row, col) to the index of the cell covering it (cached)."""
        cached: dict[tuple[int, int], int] | None = getattr(self, "_units", None)
        if cached is None:
            cached = {}
            for k, c in enumerate(self.cells):
                for i in range(c.row, c.row + c.rowspan):
                    for j in range(c.col, c.col + c.colspan):
                        cached[(i, j)] = k
            self._units = cached
        return cached


def cluster_positions(values: Sequence[float], tol: float) -> list[list[float]]:
    """Sorted values grouped where neighbours are within tol of each other."""
    groups: list[list[float]] = []
    for v in sorted(values):
        if groups and v - groups[-1][-1] <= tol:
            groups[-1].append(v)
        else:
            groups.append([v])
    return groups
