#!/usr/bin/env bash
# The test command: set up (idempotent), lint, type-check, run every test.
set -euo pipefail
cd "$(dirname "$0")"
./setup.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
.venv/bin/mypy --strict --follow-imports=silent normalize layout ingest/grid.py ingest/ruled.py ingest/textrules.py
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
