"""The normaliser: knows the template, maps grids to canonical ids, checks, emits JSON."""

from normalize.build import build

__all__ = ["build"]
