"""The layout reconstructor: repairs grids whatever their source."""

from layout.repair import repair

__all__ = ["repair"]
