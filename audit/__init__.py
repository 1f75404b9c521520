"""Across reports: audit an archive of canonical JSON (findings), its dataset (Parquet) and a dashboard.

Reads canonical JSON only (a `convert` or `batch` output folder); never the original documents.
"""
