#!/usr/bin/env bash
# Creates Tools/.venv with the reference libraries the fixture generators and benchmarks run
# (NumPy, OpenCV, scikit-image, Pillow, PyTorch, …: requirements.txt; pyiqa without its dependencies:
# requirements-no-deps.txt). Idempotent: does nothing when they are already there.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
venv="$here/.venv"
requirements="$here/requirements.txt"
without_dependencies="$here/requirements-no-deps.txt"
stamp="$venv/.requirements.installed"
if [ -f "$stamp" ] && cat "$requirements" "$without_dependencies" | cmp -s - "$stamp"; then
  exit 0
fi
python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check -r "$requirements"
"$venv/bin/pip" install -q --disable-pip-version-check --no-deps -r "$without_dependencies"
cat "$requirements" "$without_dependencies" > "$stamp"
