"""Generators of sample reports with known values, their scoring, and the committed examples; run as modules (python -m samples.NAME)."""
