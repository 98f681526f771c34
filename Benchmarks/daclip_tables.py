"""Merges the JSON lines of Benchmarks/run-daclip.sh into the Markdown tables of results/daclip.md.

Run: python3 Benchmarks/daclip_tables.py results/daclip.jsonl
- encode_image: lines with median_ms (one per side, case and round); each side keeps its best round's median
  (as compare.py), images/s = 1000 / median; ratio = PyTorch ms / WildIR ms (> 1: WildIR is faster).
- encode GEMMs: lines with gemm_ms (the reference's matrix products alone at the encode's shapes): the GEMM time,
  its GFLOP/s, and each side's whole encode in GFLOP/s of those linear layers (their FLOPs over its median).
- encode memory: lines with peak_mb and no wall_ms (one process each).
- restore: lines with wall_ms and peak_mb (one whole process each, several rounds): medians over the rounds, the
  largest peak. When a size has both 8 and 100 steps, the per-step time (t100 − t8) / 92 and the fixed part
  t8 − 8·step are derived for each side. The reference's own phase timings (its JSON line) are summarised too.
"""
import json
import re
import statistics
import sys
from collections import OrderedDict, defaultdict


def ratio(reference, ours):
    return f"{reference / ours:.2f}×" if reference and ours else "—"


def main():
    lines = [json.loads(text) for text in open(sys.argv[1]) if text.startswith("{")]
    encode = OrderedDict()
    memory = OrderedDict()
    gemm = OrderedDict()
    restore = OrderedDict()
    for line in lines:
        side, case = line["library"], line["case"]
        if "gemm_ms" in line:
            gemm[case] = line
        elif "median_ms" in line:
            best = encode.setdefault(case, {})
            best[side] = min(best.get(side, float("inf")), line["median_ms"])
        elif "wall_ms" in line:
            restore.setdefault(case, defaultdict(list))[side].append(line)
        elif "peak_mb" in line:
            memory.setdefault(case, {})[side] = line["peak_mb"]

    if encode:
        print("| case | WildIR ms | PyTorch ms | WildIR images/s | PyTorch images/s | PyTorch / WildIR |")
        print("|---|---:|---:|---:|---:|---:|")
        for case, sides in encode.items():
            ours, theirs = sides.get("wildir"), sides.get("pytorch")
            cells = [f"{v:.1f}" if v else "—" for v in (ours, theirs)] + [f"{1e3 / v:.2f}" if v else "—" for v in (ours, theirs)]
            print(f"| {case} | " + " | ".join(cells) + f" | {ratio(theirs, ours)} |")
        print()
    if gemm:
        print("The linear layers of one encode (both towers' qkv, output and MLP weights, the controls) as plain")
        print("`torch.matmul` at their shapes, 2 threads, each shape's median times its count: the time any")
        print("implementation spends at this machine's matrix-multiply speed. GFLOP/s of a whole encode count those")
        print("layers' FLOPs only (attention, norms and the patch embedding are extra work done in the same time).")
        print()
        print("| case | GFLOP | GEMMs alone ms | GEMM GFLOP/s | WildIR encode GFLOP/s | PyTorch encode GFLOP/s | PyTorch ms ÷ GEMM ms |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for case, line in gemm.items():
            sides, flop = encode.get(case, {}), line["gemm_gflop"]
            speed = lambda ms: f"{flop / ms * 1e3:.0f}" if ms else "—"  # noqa: E731
            print(f"| {case} | {flop:.1f} | {line['gemm_ms']:.1f} | {speed(line['gemm_ms'])} | {speed(sides.get('wildir'))} | "
                  f"{speed(sides.get('pytorch'))} | {ratio(sides.get('pytorch'), line['gemm_ms'])} |")
        print()
    if memory:
        print("Peak resident memory of a process that builds the model and encodes one image:")
        print()
        print("| case | WildIR MB | PyTorch MB |")
        print("|---|---:|---:|")
        for case, sides in memory.items():
            print(f"| {case} | " + " | ".join(f"{sides[s]:.0f}" if s in sides else "—" for s in ("wildir", "pytorch")) + " |")
        print()
    if not restore:
        return
    print("Whole `restore` processes (wall clock, seconds; median of the rounds, peak RSS the largest):")
    print()
    print("| case | WildIR s | PyTorch s | PyTorch / WildIR | WildIR peak MB | PyTorch peak MB | runs |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    medians = {}
    for case, sides in restore.items():
        row = {}
        for side in ("wildir", "pytorch"):
            runs = sides.get(side, [])
            row[side] = (statistics.median(r["wall_ms"] for r in runs) / 1e3 if runs else None,
                         max((r["peak_mb"] for r in runs), default=None), len(runs))
        medians[case] = {side: row[side][0] for side in row}
        (ow, om, on), (tw, tm, tn) = row["wildir"], row["pytorch"]
        cell = lambda v, f: f.format(v) if v is not None else "—"  # noqa: E731
        print(f"| {case} | {cell(ow, '{:.1f}')} | {cell(tw, '{:.1f}')} | {ratio(tw, ow)} | {cell(om, '{:.0f}')} | "
              f"{cell(tm, '{:.0f}')} | {on}/{tn} |")
    print()
    split = []
    for case in medians:
        m = re.fullmatch(r"restore_(\d+)x\1_8_steps", case)
        long_case = case.replace("_8_steps", "_100_steps")
        if m and long_case in medians:
            split.append((m.group(1), medians[case], medians[long_case]))
    if split:
        print("The same runs split into a fixed part (start-up, loading, DA-CLIP, writing) and a per-step part, from")
        print("t8 and t100 of each side: step = (t100 − t8) / 92, fixed = t8 − 8 · step.")
        print()
        print("| size | WildIR fixed s | PyTorch fixed s | fixed ratio | WildIR s/step | PyTorch s/step | step ratio |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for size, short, long in split:
            cells, parts = [], {}
            for side in ("wildir", "pytorch"):
                if short[side] is None or long[side] is None:
                    parts[side] = (None, None)
                    continue
                step = (long[side] - short[side]) / 92
                parts[side] = (short[side] - 8 * step, step)
            (of, os_), (tf, ts) = parts["wildir"], parts["pytorch"]
            fmt = lambda v, f="{:.2f}": f.format(v) if v is not None else "—"  # noqa: E731
            cells = [fmt(of), fmt(tf), ratio(tf, of), fmt(os_, "{:.3f}"), fmt(ts, "{:.3f}"), ratio(ts, os_)]
            print(f"| {size}² | " + " | ".join(cells) + " |")
        print()
    phases = defaultdict(lambda: defaultdict(list))
    for case, sides in restore.items():
        for run in sides.get("pytorch", []):
            for key, value in run.get("phases", {}).items():
                if key.endswith("_s"):
                    phases[case][key[:-2]].append(value)
    if phases:
        keys = ["import", "load", "encode", "sample", "write"]
        print("The reference's phases (seconds, medians; its own timers inside the process):")
        print()
        print("| case | " + " | ".join(keys) + " |")
        print("|---|" + "---:|" * len(keys))
        for case, values in phases.items():
            print(f"| {case} | " + " | ".join(f"{statistics.median(values[k]):.2f}" if values[k] else "—" for k in keys) + " |")
        print()


if __name__ == "__main__":
    main()
