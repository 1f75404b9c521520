#!/usr/bin/env bash
# The main job on the samples: set up (idempotent), convert every sample input to out/samples/,
# and print, per file, how many canonical fields match its expected JSON.
set -euo pipefail
cd "$(dirname "$0")"
./setup.sh
mapfile -t inputs < <(find samples -type f ! -name '*.expected.json' ! -name '*.py' ! -name '*.md' | sort)
status=0
.venv/bin/python cli.py convert "${inputs[@]}" -o out/samples "$@" || status=$?
.venv/bin/python -m samples.score out/samples "${inputs[@]}"
exit $status
