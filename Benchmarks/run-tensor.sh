#!/usr/bin/env bash
# Tensor benchmark: WildTensor's 3×3 convolution (oneDNN 2.x, Debian's build) vs PyTorch on the CPU, forward and
# backward, batch 1, Cin = Cout = C, padding 1, both with 2 threads, same machine, same run.
# Usage: Benchmarks/run-tensor.sh [RUNS] [ROUNDS]   (default 7 timed runs after 2 warm-ups, 3 rounds)
# The two sides alternate for ROUNDS rounds so that a burst of load on the machine hits both; each case keeps
# its best round's median. Writes Benchmarks/results/tensor.jsonl and Benchmarks/results/tensor.md.
# ONEDNN_MAX_CPU_ISA=AVX2 caps both sides at AVX2 (PyTorch's bundled oneDNN reads the same variable); the results
# then go to tensor-avx2.jsonl/.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-7}
rounds=${2:-3}
"$root/Tools/.venv/bin/python" -c "import torch" 2>/dev/null || bash "$root/Tools/setup-python.sh"
cd "$root/Benchmarks"
swift build -c release --product tensor-bench >&2
bench="$(swift build -c release --show-bin-path)/tensor-bench"
results="$root/Benchmarks/results"
mkdir -p "$results"
name=tensor${ONEDNN_MAX_CPU_ISA:+-$(echo "$ONEDNN_MAX_CPU_ISA" | tr '[:upper:]' '[:lower:]')}
export OMP_NUM_THREADS=2  # oneDNN (OpenMP) and PyTorch (torch.set_num_threads(2) as well)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
{
  for _ in $(seq "$rounds"); do
    "$bench" "$runs"
    "$root/Tools/.venv/bin/python" "$root/Benchmarks/tensor_reference.py" "$runs"
  done
} > "$results/$name.jsonl"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
if grep -qw avx512f /proc/cpuinfo; then best_isa=AVX-512; else best_isa=AVX2; fi
isa=${ONEDNN_MAX_CPU_ISA:-$best_isa}
torch_version=$("$root/Tools/.venv/bin/python" -c 'import torch; print(torch.__version__)')
{
  echo "3×3 convolution, batch 1, Cin = Cout = C, padding 1, float32; backward = input + weight (+ bias) gradients."
  echo "Median of $runs runs after 2 warm-ups, best of $rounds alternating rounds; 2 threads each ($(nproc) cores);"
  echo "WildIR on oneDNN $(dpkg-query -W -f '${Version}' libdnnl2 2>/dev/null || echo '?'), PyTorch $torch_version; $(date -u +%Y-%m-%d)."
  echo "ISA: $isa (CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)); load average $load_before before, $load_after after."
  echo "GFLOP/s: forward 2·N·Cout·H·W·Cin·9, backward twice that. Ratio > 1: WildIR is faster."
  echo
  python3 "$root/Benchmarks/compare.py" "$results/$name.jsonl"
} > "$results/$name.md"
cat "$results/$name.md"
