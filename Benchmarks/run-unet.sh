#!/usr/bin/env bash
# Network benchmark: WildIR's IR-SDE blocks and wild-IR ConditionalUNet vs the official PyTorch code on the CPU
# (random weights, float32, 2 threads each, same machine, same run), plus the peak memory of a 512² forward.
# Usage: DACLIP_REPO=/path/to/daclip-uir Benchmarks/run-unet.sh [RUNS] [ROUNDS]
# The sides alternate for ROUNDS rounds (default 2); each case keeps its best round's median.
# Writes Benchmarks/results/unet.jsonl and Benchmarks/results/unet.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-5}
rounds=${2:-2}
: "${DACLIP_REPO:?set DACLIP_REPO to a checkout of the official DACLIP-IR code (github.com/Algolzw/daclip-uir)}"
"$root/Tools/.venv/bin/python" -c "import torch, einops" 2>/dev/null || bash "$root/Tools/setup-python.sh"
cd "$root/Benchmarks"
swift build -c release --product unet-bench >&2
bench="$(swift build -c release --show-bin-path)/unet-bench"
results="$root/Benchmarks/results"
mkdir -p "$results"
export OMP_NUM_THREADS=2
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
{
  for _ in $(seq "$rounds"); do
    "$bench" "$runs"
    "$root/Tools/.venv/bin/python" "$root/Benchmarks/unet_reference.py" "$runs"
  done
} > "$results/unet.jsonl"
memory=$("$bench" memory 512; "$root/Tools/.venv/bin/python" "$root/Benchmarks/unet_reference.py" memory 512)
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
torch_version=$("$root/Tools/.venv/bin/python" -c 'import torch; print(torch.__version__)')
{
  echo "IR-SDE networks with random weights, float32, batch 1 unless noted; wild-IR ConditionalUNet: nf 64,"
  echo "ch_mult [1, 2, 4, 8], image context 768, scale 0.5. Median of $runs runs after a warm-up (half as many for the"
  echo "512² forward and the training step), best of $rounds alternating rounds; 2 threads each ($(nproc) cores);"
  echo "PyTorch $torch_version; $(date -u +%Y-%m-%d); load average $load_before before, $load_after after."
  echo "Ratio > 1: WildIR is faster."
  echo
  python3 "$root/Benchmarks/compare.py" "$results/unet.jsonl"
  echo
  echo "Peak resident memory of one 512² U-Net forward (separate processes):"
  echo
  echo "$memory" | python3 "$root/Benchmarks/memory_table.py"
} > "$results/unet.md"
cat "$results/unet.md"
