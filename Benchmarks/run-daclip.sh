#!/usr/bin/env bash
# DA-CLIP benchmark: WildIR vs the official DACLIP-IR code in PyTorch on the CPU (random weights, float32, 2 threads
# each, same machine, same run).
#  1. DA-CLIP encode_image(control=True) of one 224² image, daclip_ViT-B-32 and daclip_ViT-L-14: daclip-bench vs
#     daclip_reference.py encode, alternating for ROUNDS rounds, each keeping its best round's median of RUNS; the
#     encode's linear layers alone as torch.matmul at their shapes (daclip_reference.py gemms: the time the
#     machine's matrix multiply needs for them); then the peak memory of one encoding, each side in its own process.
#  2. The whole restore process with the official wild-IR network (nf 64, ch_mult [1, 2, 4, 8], context 768,
#     scale 0.5) and a ViT-L-14 DA-CLIP, both random and written as official .pth/.pt files by the reference script:
#     `wildir restore --model wild-ir.pth --daclip daclip_ViT-L-14.pt --steps N` vs the wild-IR test.py path
#     (daclip_reference.py restore), one process per run, wall clock and peak RSS of each (process_timing.py), at
#     256² and 512² with 8 and 100 posterior steps, alternating for RESTORE_ROUNDS rounds.
# Usage: DACLIP_REPO=/path/to/daclip-uir Benchmarks/run-daclip.sh [RUNS] [ROUNDS] [RESTORE_ROUNDS]
#   (defaults 5, 3, 2). DACLIP_BENCH_CASES="256:8 512:8" picks restore cases (default "256:8 256:100 512:8 512:100";
#   "none" skips them); DACLIP_BENCH_DIR keeps the weights and inputs (default ${TMPDIR:-/tmp}/wildir-daclip-bench,
#   3.2 GB, written once); WILDIR names a wildir binary to use instead of building one in this package.
# Writes Benchmarks/results/daclip.jsonl and Benchmarks/results/daclip.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-5}
rounds=${2:-3}
restore_rounds=${3:-2}
cases=${DACLIP_BENCH_CASES:-256:8 256:100 512:8 512:100}
work=${DACLIP_BENCH_DIR:-${TMPDIR:-/tmp}/wildir-daclip-bench}
: "${DACLIP_REPO:?set DACLIP_REPO to a checkout of the official DACLIP-IR code (github.com/Algolzw/daclip-uir)}"
py="$root/Tools/.venv/bin/python"
"$py" -c "import torch, torchvision, einops, ftfy, regex, cv2, scipy, yaml, tqdm" 2>/dev/null || bash "$root/Tools/setup-python.sh"
cd "$root/Benchmarks"
swift build -c release --product daclip-bench >&2
bin="$(swift build -c release --show-bin-path)"
if [ -z "${WILDIR:-}" ] && [ "$cases" != none ]; then
  # The CLI is built in the project's own package: in this package's graph its server's dependencies clash with
  # the project's module names (Metrics, Configuration).
  (cd "$root" && swift build -c release --product wildir >&2)
  WILDIR="$(cd "$root" && swift build -c release --show-bin-path)/wildir"
fi
results="$root/Benchmarks/results"
mkdir -p "$results"
export OMP_NUM_THREADS=2  # oneDNN (OpenMP) on WildIR's side; torch.set_num_threads(2) on the reference's
reference=("$py" -W ignore "$root/Benchmarks/daclip_reference.py")
timed=(python3 "$root/Benchmarks/process_timing.py")
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
jsonl="$results/daclip.jsonl"
: > "$jsonl"
for _ in $(seq "$rounds"); do
  "$bin/daclip-bench" "$runs" >> "$jsonl"
  "${reference[@]}" encode "$runs" >> "$jsonl"
done
"${reference[@]}" gemms "$runs" >> "$jsonl"  # the encode's matrix products alone: the speed any side is bound by
for model in b32 l14; do
  "$bin/daclip-bench" memory "$model" >> "$jsonl"
  case $model in b32) name=daclip_ViT-B-32 ;; l14) name=daclip_ViT-L-14 ;; esac
  "${reference[@]}" memory "$name" >> "$jsonl"
done
if [ "$cases" != none ]; then
  if [ ! -f "$work/daclip_ViT-L-14.pt" ] || [ ! -f "$work/wild-ir.pth" ] || [ ! -f "$work/lq_512.png" ]; then
    echo "run-daclip.sh: writing random official weights and inputs to $work" >&2
    "${reference[@]}" weights "$work"
  fi
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
  # One untimed 1-step restore per side first: the weight files (2 GB) come into the page cache and neither side's
  # first timed run pays for reading them from disk.
  "$WILDIR" restore "$work/lq_256.png" -o "$out/warm-up" --model "$work/wild-ir.pth" \
    --daclip "$work/daclip_ViT-L-14.pt" --steps 1 --overwrite > /dev/null
  "${reference[@]}" restore "$work" "$work/lq_256.png" 1 "$out/warm-up.png" > /dev/null
  for _ in $(seq "$restore_rounds"); do
    for item in $cases; do
      size=${item%%:*} steps=${item##*:}
      image="$work/lq_$size.png" case="restore_${size}x${size}_${steps}_steps"
      "${timed[@]}" wildir "$case" -- "$WILDIR" restore "$image" -o "$out/wildir" --model "$work/wild-ir.pth" \
        --daclip "$work/daclip_ViT-L-14.pt" --steps "$steps" --overwrite >> "$jsonl"
      "${timed[@]}" pytorch "$case" -- "${reference[@]}" restore "$work" "$image" "$steps" "$out/reference.png" >> "$jsonl"
    done
  done
fi
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
torch_version=$("$py" -c 'import torch; print(torch.__version__)')
{
  echo "DA-CLIP with random weights, float32, 2 threads each ($(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs));"
  echo "WildIR on oneDNN $(dpkg-query -W -f '${Version}' libdnnl2 2>/dev/null || echo '?') and OpenBLAS, PyTorch $torch_version with the official"
  echo "DACLIP-IR code; $(date -u +%Y-%m-%d); load average $load_before before, $load_after after."
  echo "encode_image(control=True), batch 1, 224²: median of $runs runs after a warm-up, best of $rounds alternating"
  echo "rounds. Restore: whole processes (start-up, loading both weight files, DA-CLIP, sampling, writing the PNG),"
  echo "$restore_rounds alternating rounds. Ratio > 1: WildIR is faster."
  echo
  python3 "$root/Benchmarks/daclip_tables.py" "$jsonl"
} > "$results/daclip.md"
cat "$results/daclip.md"
