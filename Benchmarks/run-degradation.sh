#!/usr/bin/env bash
# Degradation benchmark: WildIR's wild and Real-ESRGAN ×1 pipelines and their operations vs the official Python code, on the
# same 512×512 crops of data/photos, same machine, same run, 2 cores each.
# Usage: DACLIP_REPO=/path/to/daclip-uir Benchmarks/run-degradation.sh [RUNS]
# (the official code is not on PyPI: DACLIP_REPO must point to a checkout of github.com/Algolzw/daclip-uir)
# Writes Benchmarks/results/degradation.jsonl and degradation.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-5}
: "${DACLIP_REPO:?set DACLIP_REPO to a checkout of the official DACLIP-IR repository}"
bash "$root/scripts/fetch-photos.sh"
bash "$root/Tools/setup-python.sh"
cd "$root/Benchmarks"
swift build -c release --product degradation-bench >&2
bench="$(swift build -c release --show-bin-path)/degradation-bench"
results="$root/Benchmarks/results"
mkdir -p "$results"
{
  # WildIR's Real-ESRGAN ×1 throughput (both cores) is compared with both ways of running the reference.
  "$bench" "$root/data/photos" "$runs" | python3 -c '
import json, sys
for line in sys.stdin:
    print(line, end="")
    record = json.loads(line)
    if record["case"] == "realesrgan_x1_pipeline_per_image":
        print(json.dumps({**record, "case": "realesrgan_x1_one_process_per_image"}, sort_keys=True))'
  DACLIP_REPO="$DACLIP_REPO" "$root/Tools/.venv/bin/python" "$root/Benchmarks/degradation_reference.py" "$root/data/photos" "$runs"
} > "$results/degradation.jsonl"
{
  echo "512×512 crops of data/photos; median of $runs runs; $(nproc) cores; $(date -u +%Y-%m-%d)."
  echo
  python3 "$root/Benchmarks/compare.py" "$results/degradation.jsonl"
} > "$results/degradation.md"
cat "$results/degradation.md"
