#!/usr/bin/env bash
# The README's main job on the bundled samples (Samples/*.png) with the bundled model (models/default.safetensors):
# 1. DACLIP-IR's wild pipeline degrades each sample (`wildir degrade`, seed 1: LQ/GT pairs, manifest and a
#    captioned contact sheet);
# 2. the default model restores the LQ images (`wildir restore`, one optimal posterior step — the model's stored
#    sample_T — with input|output comparison images);
# 3. `wildir evaluate` scores the LQ inputs and the restorations against the originals (PSNR/SSIM, BasicSR
#    conventions on RGB).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
swift build -c release --product wildir >&2
wildir="$(swift build -c release --show-bin-path)/wildir"
out="$root/out/demo"
rm -rf "$out"
mkdir -p "$out"
echo "1. DACLIP-IR's wild degradation pipeline on Samples/ (seed 1):"
"$wildir" degrade --input Samples --output "$out/wild" --seed 1 --preview 3
echo
echo "2. Restoring the degraded samples with the bundled model (models/default.safetensors):"
"$wildir" restore "$out"/wild/LQ/*.png -o "$out/restored" --model "$root/models/default.safetensors" --seed 1 --compare
echo
echo "Degraded inputs against the originals:"
"$wildir" evaluate --restored "$out/wild/LQ" --reference "$out/wild/GT"
echo
echo "Restorations against the originals:"
"$wildir" evaluate --restored "$out/restored" --reference "$out/wild/GT" --allow-unpaired 2>/dev/null
echo "Images in $out: wild/ (LQ/, GT/, manifest.jsonl, preview.png) and restored/ (*.png, *_compare.png)"
