"""Merged cells from a ruled grid: the grid's units joined wherever no border separates them."""

from __future__ import annotations

from collections.abc import Callable

Border = Callable[[int, int], bool]


def join_units(n_rows: int, n_cols: int, open_right: Border, open_below: Border) -> dict[tuple[int, int], int]:
    """Unit (i, j) -> group id, joining (i, j) with (i, j+1) where open_right(i, j) and with (i+1, j)
    where open_below(i, j): each group is one printed (possibly merged) cell."""
    parent = list(range(n_rows * n_cols))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for i in range(n_rows):
        for j in range(n_cols):
            if j + 1 < n_cols and open_right(i, j):
                parent[find(i * n_cols + j)] = find(i * n_cols + j + 1)
            if i + 1 < n_rows and open_below(i, j):
                parent[find(i * n_cols + j)] = find((i + 1) * n_cols + j)
    return {(i, j): find(i * n_cols + j) for i in range(n_rows) for j in range(n_cols)}
