#!/usr/bin/env bash
# One-time set-up on a fresh Debian machine (run as root): system packages and a pinned venv.
# Idempotent: a second run only checks that everything is there.
set -euo pipefail
cd "$(dirname "$0")"
APT_PKGS="libreoffice-writer-nogui libreoffice-calc-nogui tesseract-ocr tesseract-ocr-chi-sim tesseract-ocr-eng fonts-noto-cjk poppler-utils chromium chromium-driver libgl1 libglib2.0-0 qpdf fonts-arphic-uming fonts-arphic-ukai fonts-wqy-zenhei fonts-wqy-microhei fonts-dejavu-core"
missing=""
# Installed means dpkg's "ii": a removed package whose config files remain ("rc") still passes dpkg -s.
for p in $APT_PKGS; do
  [ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null)" = "ii " ] || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "setup: installing system packages:$missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
if [ ! -x .venv/bin/python ] || ! cmp -s requirements.txt .venv/.requirements.txt; then
  echo "setup: installing Python packages into .venv" >&2
  python3 -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check -r requirements.txt
  cp requirements.txt .venv/.requirements.txt
fi
# The recognition model's leaner copy (ingest/scan/recmodel.py), made once into the user's cache folder.
.venv/bin/python -m ingest.scan.recmodel >/dev/null || echo "setup: the original recognition model will be used" >&2
