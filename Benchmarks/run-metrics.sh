#!/usr/bin/env bash
# Learned-metrics throughput: what `wildir evaluate` runs for LPIPS (AlexNet, VGG16), DISTS and FID against the
# reference packages (lpips 0.1.4, DISTS_pytorch 0.1, pytorch-fid 0.3.0) and pyiqa 0.1.16's versions of the same, and
# for CLIP-I and CLIPIQA (OpenCLIP ViT-B-32 and ViT-L-14) against open_clip_torch 2.20.0, on the CPU with 2 threads
# each (OMP_NUM_THREADS=2, torch.set_num_threads(2)), same machine, same run.
#  1. In one process, models loaded, PNG files decoded in every pass: PAIRS pairs of 256² and of 512² crops of the
#     project's training photos (data/photos; never data/heldout) against blurred, noisy copies; LPIPS and DISTS per
#     pair, FID's Inception features of the reference crops (metrics-bench vs metrics_reference.py time); CLIP-I per
#     pair and CLIPIQA per restored image, each tower (metrics-bench with METRICS_BENCH_CLIP_DIR vs
#     metrics_reference.py time-clip: OpenCLIP's preprocess and encode_image); one warm-up pass, the median of RUNS
#     passes, the sides alternating for ROUNDS rounds, each case keeping its best round.
#  2. FID end to end as whole processes, FID_IMAGES 256² crops (half clean, half degraded, different crops):
#     `wildir evaluate --metrics fid`, `python -m pytorch_fid --device cpu` and pyiqa's create_metric('fid'),
#     FID_RUNS alternating runs each (process_timing.py), median wall clock.
# Weights: random, written once under the standard file names into a scratch TORCH_HOME (metrics_reference.py
# weights: torchvision's AlexNet and VGG16, pytorch-fid's Inception, pyiqa's cache), and OpenCLIP checkpoints of both
# towers into a folder of their own (metrics_reference.py clip-weights, 2.3 GB); speed does not depend on them.
# Usage: Benchmarks/run-metrics.sh [RUNS] [PAIRS] [FID_IMAGES] [ROUNDS]   (defaults 3, 50, 1000, 2)
#   METRICS_BENCH_SIZES (default 256,512), METRICS_BENCH_FID_RUNS (default 3; 0 skips FID end to end),
#   METRICS_BENCH_CASES: all (default), classic (LPIPS, DISTS, FID: no CLIP cases, which take longer than all the
#   others) or clip (CLIP-I and CLIPIQA alone, into results/metrics-clip.jsonl and .md, no FID end to end),
#   METRICS_BENCH_DIR (weights and images, default ${TMPDIR:-/tmp}/wildir-metrics-bench, about 3.6 GB with CLIP's),
#   METRICS_BENCH_PHOTOS (default data/photos), METRICS_BENCH_NOTE (a line for the table's header, e.g. the load),
#   WILDIR (a wildir binary to use instead of building one in this package).
# Writes Benchmarks/results/metrics.jsonl and Benchmarks/results/metrics.md (metrics-clip.* for METRICS_BENCH_CASES=clip).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-3}
pairs=${2:-50}
fid_images=${3:-1000}
rounds=${4:-2}
sizes=${METRICS_BENCH_SIZES:-256,512}
fid_runs=${METRICS_BENCH_FID_RUNS:-3}
cases=${METRICS_BENCH_CASES:-all}
case "$cases" in
  all) with_clip=1 with_classic=1 name=metrics ;;
  classic) with_clip=0 with_classic=1 name=metrics ;;
  clip) with_clip=1 with_classic=0 name=metrics-clip fid_runs=0 ;;
  *) echo "run-metrics.sh: METRICS_BENCH_CASES is all, classic or clip, not '$cases'" >&2; exit 2 ;;
esac
work=${METRICS_BENCH_DIR:-${TMPDIR:-/tmp}/wildir-metrics-bench}
photos=${METRICS_BENCH_PHOTOS:-$root/data/photos}
py="$root/Tools/.venv/bin/python"
"$py" -c "import torch, torchvision, lpips, DISTS_pytorch, pytorch_fid, pyiqa, open_clip" 2>/dev/null || bash "$root/Tools/setup-python.sh"
[ -d "$photos" ] || bash "$root/scripts/fetch-photos.sh"
# A scratch PyTorch cache: every package finds its weight files there, and a user's real cache is never read.
export TORCH_HOME="$work/torch"
unset XDG_CACHE_HOME
export OMP_NUM_THREADS=2
cd "$root/Benchmarks"
swift build -c release --product metrics-bench >&2
bin="$(swift build -c release --show-bin-path)"
if [ -z "${WILDIR:-}" ] && [ "$fid_runs" != 0 ]; then
  # The CLI is built in the project's own package: in this package's graph its server's dependencies clash with
  # the project's module names (Metrics, Configuration).
  (cd "$root" && swift build -c release --product wildir >&2)
  WILDIR="$(cd "$root" && swift build -c release --show-bin-path)/wildir"
fi
reference=("$py" -W ignore "$root/Benchmarks/metrics_reference.py")
if [ ! -f "$TORCH_HOME/hub/pyiqa/DISTS_weights-f5e65c96.pth" ]; then
  echo "run-metrics.sh: writing random weights to $TORCH_HOME" >&2
  "${reference[@]}" weights "$TORCH_HOME"
fi
# OpenCLIP checkpoints, read by path on both sides (`wildir evaluate --clip FILE`, create_model_and_transforms(name,
# pretrained=FILE)); empty when the CLIP cases are skipped, which metrics-bench reads as "skip them".
clip_weights=""
if [ "$with_clip" != 0 ]; then
  clip_weights="$work/clip"
  if [ ! -f "$clip_weights/ViT-L-14/open_clip_pytorch_model.bin" ]; then
    echo "run-metrics.sh: writing random OpenCLIP weights to $clip_weights" >&2
    "${reference[@]}" clip-weights "$clip_weights"
  fi
fi
images="$work/images"
"${reference[@]}" images "$photos" "$images" "$pairs" "$sizes" "$fid_images"
results="$root/Benchmarks/results"
mkdir -p "$results"
jsonl="$results/$name.jsonl"
: > "$jsonl"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for _ in $(seq "$rounds"); do
  # `wildir` waits passively between OpenMP regions unless told otherwise (OpenMPWaitPolicy.swift); metrics-bench
  # runs the same code, so it gets the same policy. The reference sides keep their libraries' defaults.
  # metrics-bench's case prefix "clip" keeps its CLIP-I and CLIPIQA cases alone.
  OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive} METRICS_BENCH_CLIP_DIR="$clip_weights" \
    "$bin/metrics-bench" "$images" "$runs" "$sizes" $([ "$with_classic" != 0 ] || echo clip) >> "$jsonl"
  if [ "$with_classic" != 0 ]; then
    "${reference[@]}" time "$runs" "$sizes" "$images" >> "$jsonl"
  fi
  if [ "$with_clip" != 0 ]; then
    "${reference[@]}" time-clip "$runs" "$sizes" "$images" "$clip_weights" >> "$jsonl"
  fi
done
if [ "$fid_runs" != 0 ]; then
  timed=(python3 "$root/Benchmarks/process_timing.py")
  a="$images/fid/restored" b="$images/fid/reference" case="fid_end_to_end_$fid_images"
  for _ in $(seq "$fid_runs"); do
    "${timed[@]}" wildir "$case" -- "$WILDIR" evaluate --metrics fid --restored "$a" --reference "$b" >> "$jsonl"
    "${timed[@]}" pytorch-fid "$case" -- "$py" -W ignore -m pytorch_fid --device cpu "$a" "$b" >> "$jsonl"
    "${timed[@]}" pyiqa "$case" -- "${reference[@]}" fid-pyiqa "$a" "$b" >> "$jsonl"
  done
fi
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
versions=$("$py" -c 'from importlib.metadata import version as v; print(", ".join(f"{p} {v(p)}" for p in ("torch", "lpips", "DISTS_pytorch", "pytorch-fid", "pyiqa", "open_clip_torch")))')
{
  echo "Learned metrics, random weights, float32, 2 threads each ($(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs));"
  echo "WildIR on oneDNN $(dpkg-query -W -f '${Version}' libdnnl2 2>/dev/null || echo '?'); $versions."
  echo "$(date -u +%Y-%m-%d), \`Benchmarks/run-metrics.sh $runs $pairs $fid_images $rounds\` (METRICS_BENCH_CASES=$cases, sizes $sizes, $fid_runs FID runs);"
  echo "load average $load_before before, $load_after after.${METRICS_BENCH_NOTE:+ $METRICS_BENCH_NOTE}"
  echo "$pairs pairs per size; median of $runs passes after a warm-up, best of $rounds alternating rounds. Ratio > 1: WildIR is faster."
  echo
  "${reference[@]}" table "$jsonl"
} > "$results/$name.md"
cat "$results/$name.md"
