#!/usr/bin/env bash
# Restoration benchmark: WildIR's `Restorer` vs the official IR-SDE `reverse_posterior` in PyTorch with the same
# network and weights (models/default.safetensors, whose tensors carry the official names), the same 512² image
# (Samples/astronaut.png) and the same number of posterior steps; float32, 2 threads each, same run.
# Usage: DACLIP_REPO=/path/to/daclip-uir Benchmarks/run-restoration.sh [STEPS] [RUNS]
# Writes Benchmarks/results/restoration-speed.jsonl and .md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
steps=${1:-10}
runs=${2:-3}
: "${DACLIP_REPO:?set DACLIP_REPO to a checkout of the official DACLIP-IR code (github.com/Algolzw/daclip-uir)}"
cd "$root/Benchmarks"
swift build -c release --product restoration-eval >&2
bench="$(swift build -c release --show-bin-path)/restoration-eval"
results="$root/Benchmarks/results"
export OMP_NUM_THREADS=2
model="$root/models/default.safetensors" image="$root/Samples/astronaut.png"
{
  "$bench" speed "$model" "$image" "$steps" "$runs"
  "$root/Tools/.venv/bin/python" "$root/Benchmarks/restoration_reference.py" "$model" "$image" "$steps" "$runs"
} > "$results/restoration-speed.jsonl"
{
  echo "Posterior sampling of a 512² image with the bundled model's network and weights, $steps steps, median of"
  echo "$runs runs after a warm-up; 2 threads each ($(nproc) cores); $(date -u +%Y-%m-%d). Ratio > 1: WildIR is faster."
  echo
  python3 "$root/Benchmarks/compare.py" "$results/restoration-speed.jsonl"
} > "$results/restoration-speed.md"
cat "$results/restoration-speed.md"
