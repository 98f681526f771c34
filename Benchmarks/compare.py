"""Merges the JSON lines of imaging-bench and imaging_reference.py into a Markdown table with ratios.

Ratio = reference median / WildIR median (> 1 means WildIR is faster).
Run: python3 Benchmarks/compare.py results.jsonl > table.md
"""
import json
import sys
from collections import OrderedDict


def main():
    rows = OrderedDict()
    for line in open(sys.argv[1]):
        line = line.strip()
        if not line.startswith("{"):
            continue
        r = json.loads(line)
        rows.setdefault(r["case"], {})[r["library"]] = r["median_ms"]
    print("| case | WildIR ms | OpenCV ms | Pillow ms | scikit-image ms | OpenCV / WildIR | Pillow / WildIR | scikit-image / WildIR |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for case, libs in rows.items():
        ours = libs.get("wildir")

        def cell(lib):
            return f"{libs[lib]:.1f}" if lib in libs else "—"

        def ratio(lib):
            return f"{libs[lib] / ours:.2f}×" if lib in libs and ours else "—"

        print(f"| {case} | {cell('wildir')} | {cell('opencv')} | {cell('pillow')} | {cell('skimage')} | "
              f"{ratio('opencv')} | {ratio('pillow')} | {ratio('skimage')} |")


if __name__ == "__main__":
    main()
