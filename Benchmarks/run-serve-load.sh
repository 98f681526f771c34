#!/usr/bin/env bash
# Load test of `wildir serve` on loopback: a tiny model (width 8, two levels, T = 4, trained for one iteration from a
# recipe written here), JOBS restorations of the small test photos (Tests/Fixtures/images, 256 px wide) from CLIENTS
# concurrent clients (Benchmarks/serve_load.py, standard-library Python). Records every job (accepted, or refused
# with 429 + Retry-After and retried; its final state; submit→result time) and the server's RSS across the run.
# Bounded: no job starts after DEADLINE seconds (default 600) and the whole run is killed past DEADLINE + 300 s.
# Usage: Benchmarks/run-serve-load.sh [JOBS] [CLIENTS] [WORKERS] [QUEUE]        (defaults: 200 16 2 8)
#   WILDIR=path/to/wildir uses that binary instead of building one (`swift build -c release --product wildir`);
#   NAME=other writes Benchmarks/results/other.* instead; WILDIR_POOL_MB reaches the server (the tensor buffer pool).
# Writes Benchmarks/results/serve-load.jsonl and .md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
jobs=${1:-200}
clients=${2:-16}
workers=${3:-2}
queue=${4:-8}
deadline=${DEADLINE:-600}
results="$root/Benchmarks/results"
name=${NAME:-serve-load}
cd "$root"
if [ -z "${WILDIR:-}" ]; then
  swift build -c release --product wildir >&2
  WILDIR="$(swift build -c release --show-bin-path)/wildir"
fi

work=$(mktemp -d)
server=""
cleanup() {
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then kill -INT "$server"; wait "$server" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# The tiny model: one training iteration on the sample photos, so that the server's own work (HTTP, queue, SQLite
# records, files) is a visible part of each job.
cat > "$work/tiny.yml" <<YAML
name: serve-load-tiny
sde: {T: 4, max_sigma: 1, schedule: cosine, prediction: residual}
datasets:
  train: {dataroot_GT: $root/Samples, degradation: wild, patch_size: 32, batch_size: 1}
network_G: {which_model_G: ConditionalUNet, setting: {in_nc: 3, out_nc: 3, nf: 8, ch_mult: [1, 2]}}
train: {niter: 1, checkpoint_freq: 1000, val_freq: 1000}
path: {experiments: $work/experiments}
YAML
"$WILDIR" train --config "$work/tiny.yml" >"$work/train.log" 2>&1 || { cat "$work/train.log" >&2; exit 1; }
model=$(find "$work/experiments" -name model.safetensors | head -1)
[ -n "$model" ] || { echo "run-serve-load: training wrote no model.safetensors" >&2; cat "$work/train.log" >&2; exit 1; }

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$WILDIR" serve --host 127.0.0.1 --port "$port" --model "$model" --workers "$workers" --queue "$queue" \
  --data "$work/data" --job-time-limit 120 >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 600); do
  if python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/healthz', timeout=2)" 2>/dev/null; then break; fi
  kill -0 "$server" 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
  sleep 0.1
done

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
header="\`wildir serve\` under load on loopback: $jobs jobs (the six 256-px test photos in turn, seed = job number, the \
model's 4 posterior steps) from $clients concurrent clients, $workers workers on one tiny model (width 8, two levels), \
queue $queue, tensor buffer pool WILDIR_POOL_MB=${WILDIR_POOL_MB:-2048 (the default)}; a refused client waits the Retry-After it was given, then submits again. $(nproc) cores shared with other \
jobs (load average before the run: $load_before); $(date -u +%Y-%m-%d). Latency is submit → result downloaded (status \
polled every 50 ms); RSS is the server process's VmRSS sampled every 0.25 s."
status=0
timeout $((deadline + 300)) python3 "$root/Benchmarks/serve_load.py" --url "http://127.0.0.1:$port" --pid "$server" \
  --jobs "$jobs" --clients "$clients" --deadline "$deadline" --jsonl "$results/$name.jsonl" \
  --markdown "$results/$name.md" --header "$header" "$root"/Tests/Fixtures/images/*.png || status=$?
echo "Load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)." >> "$results/$name.md"
echo "Load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)."
exit $status
