"""Reads {"library": ..., "peak_mb": ...} JSON lines on standard input and prints a Markdown table.

With --by-case, the lines also carry "case" and the table has one row per case and one column per library."""
import json
import sys

rows = [json.loads(line) for line in sys.stdin if line.startswith("{")]
titles = {"wildir": "WildIR", "pytorch": "PyTorch"}
if "--by-case" in sys.argv[1:]:
    libraries = list(dict.fromkeys(row["library"] for row in rows))
    cases = list(dict.fromkeys(row["case"] for row in rows))
    peaks = {(row["case"], row["library"]): row["peak_mb"] for row in rows}
    print("| case | " + " | ".join(f"{titles.get(lib, lib)} peak RSS MB" for lib in libraries) + " |")
    print("|---|" + "---:|" * len(libraries))
    for case in cases:
        cells = [f"{peaks[(case, lib)]:.0f}" if (case, lib) in peaks else "—" for lib in libraries]
        print(f"| {case} | " + " | ".join(cells) + " |")
else:
    print("| library | peak RSS MB |")
    print("|---|---:|")
    for row in rows:
        print(f"| {titles.get(row['library'], row['library'])} | {row['peak_mb']:.0f} |")
