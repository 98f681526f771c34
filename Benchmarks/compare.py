"""Merges the JSON lines of a WildIR benchmark and its reference script into a Markdown table with ratios.

Ratio = reference median / WildIR median (> 1 means WildIR is faster). When a case appears several times for one
library (several rounds of run-tensor.sh), the smallest median is kept. Lines with "gflops" add GFLOP/s columns.
Run: python3 Benchmarks/compare.py results.jsonl > table.md
"""
import json
import sys
from collections import OrderedDict


def main():
    rows = OrderedDict()
    gflops = {}
    for line in open(sys.argv[1]):
        line = line.strip()
        if not line.startswith("{"):
            continue
        r = json.loads(line)
        libs = rows.setdefault(r["case"], {})
        if r["library"] not in libs or r["median_ms"] < libs[r["library"]]:
            libs[r["library"]] = r["median_ms"]
            if "gflops" in r:
                gflops[(r["case"], r["library"])] = r["gflops"]
    references = [lib for lib in ("opencv", "pillow", "skimage", "official", "pytorch")
                  if any(lib in libs for libs in rows.values())]
    titles = {"opencv": "OpenCV", "pillow": "Pillow", "skimage": "scikit-image", "official": "official Python",
              "pytorch": "PyTorch"}
    rates = ["wildir"] + references if gflops else []
    print("| case | WildIR ms | " + " | ".join(f"{titles[r]} ms" for r in references) + " | "
          + "".join(f"{'WildIR' if r == 'wildir' else titles[r]} GFLOP/s | " for r in rates)
          + " | ".join(f"{titles[r]} / WildIR" for r in references) + " |")
    print("|---|---:|" + "---:|" * (2 * len(references) + len(rates)))
    for case, libs in rows.items():
        ours = libs.get("wildir")

        def cell(lib):
            return f"{libs[lib]:.1f}" if lib in libs else "—"

        def rate(lib):
            return f"{gflops[(case, lib)]:.0f}" if (case, lib) in gflops else "—"

        def ratio(lib):
            return f"{libs[lib] / ours:.2f}×" if lib in libs and ours else "—"

        print(f"| {case} | {cell('wildir')} | " + " | ".join(cell(r) for r in references) + " | "
              + "".join(f"{rate(r)} | " for r in rates)
              + " | ".join(ratio(r) for r in references) + " |")


if __name__ == "__main__":
    main()
