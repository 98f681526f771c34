#!/usr/bin/env bash
# Imaging benchmark: WildIR vs OpenCV and Pillow, same photo, same machine, same run.
# Usage: Benchmarks/run-imaging.sh [PHOTO.jpg] [RUNS]   (default: data/photos/Path.jpg, 2560×1600 ≈ 4.1 MP; 9 runs)
# Writes Benchmarks/results/imaging.jsonl and Benchmarks/results/imaging.md (median ms per case and ratios).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
photo=${1:-$root/data/photos/Path.jpg}
[ -f "$photo" ] && photo=$(realpath "$photo")
runs=${2:-9}
[ -f "$photo" ] || bash "$root/scripts/fetch-photos.sh"
bash "$root/Tools/setup-python.sh"
cd "$root/Benchmarks"
swift build -c release --product imaging-bench >&2
bench="$(swift build -c release --show-bin-path)/imaging-bench"
results="$root/Benchmarks/results"
mkdir -p "$results"
{
  "$bench" "$photo" "$runs"
  "$root/Tools/.venv/bin/python" "$root/Benchmarks/imaging_reference.py" "$photo" "$runs"
} > "$results/imaging.jsonl"
{
  echo "Photo: $(basename "$photo"); median of $runs runs after a warm-up; $(nproc) cores; $(date -u +%Y-%m-%d)."
  echo
  python3 "$root/Benchmarks/compare.py" "$results/imaging.jsonl"
} > "$results/imaging.md"
cat "$results/imaging.md"
