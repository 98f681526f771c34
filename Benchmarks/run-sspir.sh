#!/usr/bin/env bash
# SSP-IR benchmark: one sampling step at Stable Diffusion 1.5's widths (the ControlNet structure branch, then the
# U-Net with Prior-Guided Attention; 512² photo, 64² latent, batch 2 for classifier-free guidance) and the VAE
# decode, WildIR vs the official SSP-IR code (diffusers 0.21, PyTorch) on the CPU: random weights, float32, 2
# threads each, same machine, same run. The sides alternate for ROUNDS rounds (default 2); each case keeps its best
# round's median. Then the peak resident memory of each case, once, each side in its own process.
# Usage: SSPIR_REPO=/path/to/SSP-IR Benchmarks/run-sspir.sh [RUNS] [ROUNDS]
# Writes Benchmarks/results/sspir.jsonl, sspir-memory.jsonl and sspir.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-3}
rounds=${2:-2}
: "${SSPIR_REPO:?set SSPIR_REPO to a checkout of the official SSP-IR code (github.com/zyhrainbow/SSP-IR)}"
bash "$root/Tools/setup-sspir-reference.sh"
cd "$root/Benchmarks"
swift build -c release --product sspir-bench >&2
bench="$(swift build -c release --show-bin-path)/sspir-bench"
results="$root/Benchmarks/results"
mkdir -p "$results"
export OMP_NUM_THREADS=2
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
{
  for _ in $(seq "$rounds"); do
    "$bench" "$runs"
    "$root/Tools/.venv-sspir/bin/python" "$root/Benchmarks/sspir_reference.py" "$runs"
  done
} > "$results/sspir.jsonl"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
# Peak resident memory: each case once in its own process (weights included), each side in turn.
memory=$(for case in step vae; do
  python3 "$root/Benchmarks/process_timing.py" wildir "sspir_$case" -- "$bench" memory "$case"
  python3 "$root/Benchmarks/process_timing.py" pytorch "sspir_$case" -- \
    "$root/Tools/.venv-sspir/bin/python" "$root/Benchmarks/sspir_reference.py" memory "$case"
done)
echo "$memory" > "$results/sspir-memory.jsonl"
versions=$("$root/Tools/.venv-sspir/bin/python" -c 'import torch, diffusers; print(f"PyTorch {torch.__version__}, diffusers {diffusers.__version__}")')
{
  echo "SSP-IR at Stable Diffusion 1.5's widths with random weights, float32: one sampling step of a 512² photo (64²"
  echo "latent) with classifier-free guidance (batch 2), the ControlNet then the U-Net with Prior-Guided Attention, and"
  echo "the VAE decode (batch 1). Median of $runs runs after a warm-up, best of $rounds alternating rounds; 2 threads each"
  echo "($(nproc) cores); $versions; $(date -u +%Y-%m-%d); load average $load_before before, $load_after after."
  echo "Ratio > 1: WildIR is faster."
  echo
  python3 "$root/Benchmarks/compare.py" "$results/sspir.jsonl"
  echo
  echo "Peak resident memory, each case once in its own process with its networks' weights (step: the ControlNet then"
  echo "the U-Net, batch 2; vae: the decode of one 64² latent):"
  echo
  echo "$memory" | python3 "$root/Benchmarks/memory_table.py" --by-case
} > "$results/sspir.md"
cat "$results/sspir.md"
