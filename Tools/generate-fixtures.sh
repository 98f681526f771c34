#!/usr/bin/env bash
# Regenerates every committed reference fixture: the test photos, then each area's generator under Tools/fixtures/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bash "$here/setup-python.sh"
py="$here/.venv/bin/python"
"$py" "$here/make_test_images.py"
for generator in "$here"/fixtures/[!_]*.py; do
  echo "fixtures: $(basename "$generator")"
  "$py" "$generator"
done
