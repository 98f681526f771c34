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
    references = [lib for lib in ("opencv", "pillow", "skimage", "official")
                  if any(lib in libs for libs in rows.values())]
    titles = {"opencv": "OpenCV", "pillow": "Pillow", "skimage": "scikit-image", "official": "official Python"}
    print("| case | WildIR ms | " + " | ".join(f"{titles[r]} ms" for r in references) + " | "
          + " | ".join(f"{titles[r]} / WildIR" for r in references) + " |")
    print("|---|---:|" + "---:|" * (2 * len(references)))
    for case, libs in rows.items():
        ours = libs.get("wildir")

        def cell(lib):
            return f"{libs[lib]:.1f}" if lib in libs else "—"

        def ratio(lib):
            return f"{libs[lib] / ours:.2f}×" if lib in libs and ours else "—"

        print(f"| {case} | {cell('wildir')} | " + " | ".join(cell(r) for r in references) + " | "
              + " | ".join(ratio(r) for r in references) + " |")


if __name__ == "__main__":
    main()
