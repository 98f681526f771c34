#!/usr/bin/env bash
# Quality benchmark: a restoration model against its input and against a plain unsharp mask on held-out real photos.
# Pairs: two native-resolution 512² crops of each photo of data/heldout (never trained on), degraded
#   - by the official DACLIP-IR `random_degrade` (Python, from DACLIP_REPO), seeds 1 and 2 ("official"), and
#   - by WildIR's own wild pipeline (`wildir degrade --copies 2 --seed 1`) ("wildir").
# Rows: LQ, Pillow's UnsharpMask(radius=2, percent=80, threshold=2), the model (`wildir restore` with its defaults:
# the sampler and steps stored with the model, 512-pixel tiles). PSNR/SSIM on Y (BasicSR conventions, crop border 0).
# Usage: DACLIP_REPO=/path/to/daclip-uir Benchmarks/run-quality.sh [MODEL] [extra `wildir restore` options…]
# Writes Benchmarks/results/quality.md (and keeps the images in out/quality/). QUALITY_PHOTOS=data/validation (and
# QUALITY_OUT, QUALITY_RESULT) measure on another folder, for model selection: the held-out set stays for reporting.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
model=${1:-$root/models/default.safetensors}
shift || true
: "${DACLIP_REPO:?set DACLIP_REPO to a checkout of the official DACLIP-IR code (github.com/Algolzw/daclip-uir)}"
py="$root/Tools/.venv/bin/python"
bash "$root/Tools/setup-python.sh"
bash "$root/scripts/fetch-photos.sh"
cd "$root"
if [ -z "${WILDIR:-}" ]; then
  swift build -c release --product wildir >&2
  WILDIR="$(swift build -c release --show-bin-path)/wildir"
fi
wildir=$WILDIR
photos=${QUALITY_PHOTOS:-data/heldout}
work=${QUALITY_OUT:-$root/out/quality}
result=${QUALITY_RESULT:-$root/Benchmarks/results/quality.md}
mkdir -p "$work"

[ -d "$work/official/LQ" ] || "$py" Benchmarks/quality_reference.py pairs "$photos" "$work/official" 1,2
if [ ! -d "$work/wildir/LQ" ]; then
  "$py" Benchmarks/quality_reference.py crops "$photos" "$work/crops"
  "$wildir" degrade --input "$work/crops" --output "$work/wildir" --seed 1 --copies 2 >/dev/null
fi

report() {  # report SET
  local set=$1 dir="$work/$1"
  shift
  rm -rf "$dir/model" "$dir/usm"
  "$py" Benchmarks/quality_reference.py usm "$dir/LQ" "$dir/usm"
  local start end
  start=$(date +%s.%N)
  "$wildir" restore "$dir"/LQ/*.png -o "$dir/model" --model "$model" "$@" >/dev/null 2>&1
  end=$(date +%s.%N)
  local count
  count=$(ls "$dir"/LQ/*.png | wc -l)
  for method in LQ usm model; do
    "$wildir" evaluate --restored "$dir/$method" --reference "$dir/GT" --y-channel --format json > "$dir/$method.json"
  done
  echo "### Degraded by the $set wild pipeline ($count pairs)"
  echo
  "$py" Benchmarks/quality_reference.py table LQ="$dir/LQ.json" "unsharp mask"="$dir/usm.json" model="$dir/model.json"
  echo
  echo "Model: $(awk -v s="$start" -v e="$end" -v n="$count" 'BEGIN { printf "%.2f", (e - s) / n }') s per 512² image (whole \`wildir restore\` run, including loading)."
  echo
}

shift_args=("$@")
{
  echo "Quality on $photos ($(date -u +%Y-%m-%d)): \`Benchmarks/run-quality.sh ${model#$root/} ${shift_args[*]:-}\`,"
  echo "$(nproc) cores. PSNR/SSIM on Y (BT.601, BasicSR), crop border 0."
  echo
  report official "${shift_args[@]}"
  report wildir "${shift_args[@]}"
} | tee "$result"
