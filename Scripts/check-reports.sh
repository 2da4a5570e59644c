#!/usr/bin/env bash
# Reports render: every report from the demo project and from generated clinics of each kind (200 and 5,000
# people) validates with nbformat, converts with `jupyter nbconvert --to html`, and both the HTML report and
# the nbconvert output render in headless Chromium to a PNG that is neither blank nor missing a chart.
# Installs what it needs: Debian's chromium (when missing, as root) and a venv with nbformat and nbconvert.
#
#   Scripts/check-reports.sh                 # all clinics (builds strata in debug mode)
#   STRATA=path/to/strata Scripts/check-reports.sh --sizes 200 --kinds orthodontic
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing chromium" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "check-reports needs chromium: sudo apt-get install -y chromium" >&2; exit 1
  fi
fi
VENV=Scripts/.venv-reports
if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV"; fi
"$VENV/bin/python" -c "import nbformat, nbconvert, PIL" 2>/dev/null \
  || "$VENV/bin/python" -m pip install -q nbformat nbconvert pillow
if [ -z "${STRATA:-}" ]; then
  swift build --product strata >&2
  STRATA="$(swift build --show-bin-path)/strata"
fi
exec "$VENV/bin/python" Scripts/check-reports.py --strata "$STRATA" "$@"
