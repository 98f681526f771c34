#!/usr/bin/env bash
# The README's main job on the bundled samples (Samples/*.png).
#
# Until WildIR's restoration model lands, the job exercises what is real today:
# 1. each sample is degraded the classic way (area ×0.5, JPEG quality 30, bicubic back to full size) with
#    `wildir convert` and scored against the original with `wildir evaluate` (PSNR/SSIM on Y, BasicSR conventions);
# 2. the samples go through DACLIP-IR's wild degradation pipeline (`wildir degrade`), which writes LQ/GT pairs,
#    their manifest and a captioned contact sheet, and the pairs are scored the same way.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
swift build -c release --product wildir >&2
wildir="$(swift build -c release --show-bin-path)/wildir"
out="$root/out/demo"
rm -rf "$out"
mkdir -p "$out/small" "$out/degraded"
for sample in Samples/*.png; do
  name=$(basename "$sample" .png)
  "$wildir" convert "$sample" -o "$out/small/$name.jpg" --scale 0.5 --filter area --quality 30 >/dev/null
  "$wildir" convert "$out/small/$name.jpg" -o "$out/degraded/$name.png" --size-of "$sample" --filter bicubic >/dev/null
done
echo "Degraded samples (area ×0.5 → JPEG q30 → bicubic ×2) scored against the originals:"
"$wildir" evaluate --restored "$out/degraded" --reference Samples --y-channel --crop-border 4
echo
echo "DACLIP-IR's wild pipeline on the same samples (seed 1):"
"$wildir" degrade --input Samples --output "$out/wild" --seed 1 --preview 7
"$wildir" evaluate --restored "$out/wild/LQ" --reference "$out/wild/GT" --y-channel --crop-border 4
echo "Images written to $out/degraded and $out/wild (LQ/, GT/, manifest.jsonl, preview.png)"
