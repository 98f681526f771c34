"""Reads {"library": ..., "peak_mb": ...} JSON lines on standard input and prints a Markdown table."""
import json
import sys

rows = [json.loads(line) for line in sys.stdin if line.startswith("{")]
titles = {"wildir": "WildIR", "pytorch": "PyTorch"}
print("| library | peak RSS MB |")
print("|---|---:|")
for row in rows:
    print(f"| {titles.get(row['library'], row['library'])} | {row['peak_mb']:.0f} |")
