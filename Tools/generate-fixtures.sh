#!/usr/bin/env bash
# Regenerates every committed reference fixture: the test photos, then each area's generator under Tools/fixtures/.
# The official DACLIP-IR code is a reference too: DACLIP_REPO=<checkout of github.com/Algolzw/daclip-uir>
# (and DACLIP_COMMIT=<its 40-digit commit> for a copy without .git); so is the official SSP-IR code:
# SSPIR_REPO=<checkout of github.com/zyhrainbow/SSP-IR> (SSPIR_COMMIT likewise), run by sspir_unet.py under
# Tools/.venv-sspir (diffusers 0.21, which that code imports; Tools/setup-sspir-reference.sh). A reference that cannot be reached (the
# official code, PyPI for BasicSR/Real-ESRGAN sources) stops the run with a non-zero status: nothing is skipped.
# Each generator records what it wrote, with the reference versions, in its folder's PROVENANCE.json.
# deep_metrics.py (LPIPS, DISTS) runs lpips and DISTS_pytorch on seeded random torchvision trunks that it writes into a
# temporary TORCH_HOME: nothing is downloaded. fid_kid.py (FID, KID) does the same with pytorch-fid and a seeded random
# FID Inception written under pytorch-fid's file name.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ -z "${DACLIP_REPO:-}" ] || [ ! -f "$DACLIP_REPO/universal-image-restoration/utils/sde_utils.py" ]; then
  cat >&2 <<MESSAGE
make fixtures: the official DACLIP-IR code is needed (DACLIP_REPO=${DACLIP_REPO:-<unset>} is not a checkout of it).
Get it and pass its folder:
  git clone https://github.com/Algolzw/daclip-uir /path/to/daclip-uir
  make fixtures DACLIP_REPO=/path/to/daclip-uir
(a copy without .git also needs DACLIP_COMMIT=<its 40-digit commit>)
MESSAGE
  exit 2
fi
if [ -z "${SSPIR_REPO:-}" ] || [ ! -f "$SSPIR_REPO/models/unet_2d_blocks.py" ]; then
  cat >&2 <<MESSAGE
make fixtures: the official SSP-IR code is needed (SSPIR_REPO=${SSPIR_REPO:-<unset>} is not a checkout of it).
Get it and pass its folder:
  git clone https://github.com/zyhrainbow/SSP-IR /path/to/SSP-IR
  make fixtures DACLIP_REPO=/path/to/daclip-uir SSPIR_REPO=/path/to/SSP-IR
(a copy without .git also needs SSPIR_COMMIT=<its 40-digit commit>)
MESSAGE
  exit 2
fi
bash "$here/setup-python.sh"
py="$here/.venv/bin/python"
echo "fixtures: make_test_images.py"
"$py" "$here/make_test_images.py"
for generator in "$here"/fixtures/[!_]*.py; do
  echo "fixtures: $(basename "$generator")"
  if ! "$py" "$generator"; then
    echo "make fixtures: $(basename "$generator") failed; the fixtures after it were not regenerated" >&2
    exit 1
  fi
done
