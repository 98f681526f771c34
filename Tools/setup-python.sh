#!/usr/bin/env bash
# Creates Tools/.venv with the reference libraries the fixture generators and benchmarks run
# (NumPy, OpenCV, scikit-image, Pillow). Idempotent: does nothing when they are already there.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
venv="$here/.venv"
requirements="$here/requirements.txt"
stamp="$venv/.requirements.installed"
if [ -f "$stamp" ] && cmp -s "$requirements" "$stamp"; then
  exit 0
fi
python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check -r "$requirements"
cp "$requirements" "$stamp"
