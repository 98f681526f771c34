#!/usr/bin/env bash
# A restore on a busy machine: `wildir restore` with the official wild-IR network and DA-CLIP (random weights,
# written by run-daclip.sh into DACLIP_BENCH_DIR) timed with OpenMP's waiting policies, on a quiet machine and
# beside BUSY spinning processes (default 2: as many as this machine's cores). Prints one line per run.
#   Benchmarks/run-busy-machine.sh [SIZE] [STEPS] [BUSY]        (defaults 256 8 2)
# What it shows: libgomp's default lets idle team threads spin; beside other work that spinning takes the time
# slices the team's other thread needs, so `wildir` waits passively unless OMP_WAIT_POLICY or GOMP_SPINCOUNT is set.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
size=${1:-256} steps=${2:-8} busy=${3:-2}
work=${DACLIP_BENCH_DIR:-${TMPDIR:-/tmp}/wildir-daclip-bench}
[ -f "$work/wild-ir.pth" ] || { echo "run-busy-machine.sh: run Benchmarks/run-daclip.sh first (it writes $work)" >&2; exit 2; }
cd "$root"
swift build -c release --product wildir >&2
wildir="$(swift build -c release --show-bin-path)/wildir"
out=$(mktemp -d)
trap 'rm -rf "$out"; kill $(jobs -p) 2>/dev/null || true' EXIT
run() {  # label, then environment assignments
  local label=$1; shift
  env "$@" /usr/bin/time -f "$label: %e s wall, %U s user" "$wildir" restore "$work/lq_$size.png" -o "$out" \
    --model "$work/wild-ir.pth" --daclip "$work/daclip_ViT-L-14.pt" --steps "$steps" --overwrite 2>&1 >/dev/null | tail -1
}
echo "restore ${size}x${size}, $steps steps; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
run "warm-up (page cache)" OMP_WAIT_POLICY=passive > /dev/null
for round in 1 2; do
  run "quiet, libgomp default (spinning)    " OMP_WAIT_POLICY= GOMP_SPINCOUNT=300000
  run "quiet, passive (wildir's default)     " OMP_WAIT_POLICY=passive
done
for _ in $(seq "$busy"); do sh -c 'while :; do :; done' & done
for round in 1 2; do
  run "$busy busy, libgomp default (spinning)" OMP_WAIT_POLICY= GOMP_SPINCOUNT=300000
  run "$busy busy, passive (wildir's default) " OMP_WAIT_POLICY=passive
done
