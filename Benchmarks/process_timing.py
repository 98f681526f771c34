"""Runs one command as a child process and prints one JSON line with its wall-clock time and peak resident memory.

Run: python3 Benchmarks/process_timing.py LIBRARY CASE -- COMMAND [ARGS...]
Prints {"library": LIBRARY, "case": CASE, "wall_ms": ..., "peak_mb": ...}; a JSON object the command prints on its
standard output (the reference script's phases) is kept under "phases". The command's standard error passes through.
Exits with the command's status (nothing is printed for a command that failed).
"""
import json
import os
import subprocess
import sys
import time


def main():
    if len(sys.argv) < 5 or sys.argv[3] != "--":
        sys.exit("usage: process_timing.py LIBRARY CASE -- COMMAND [ARGS...]")
    library, case, command = sys.argv[1], sys.argv[2], sys.argv[4:]
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    output = child.stdout.read()
    # wait4 gives this child's own resource usage, so its peak memory is not mixed with earlier children's.
    _, status, usage = os.wait4(child.pid, 0)
    wall = (time.perf_counter() - start) * 1e3
    code = os.waitstatus_to_exitcode(status)
    child.returncode = code  # reaped here, not by Popen
    if code != 0:
        sys.stderr.write(output)
        sys.exit(code)
    line = {"library": library, "case": case, "wall_ms": wall, "peak_mb": usage.ru_maxrss / 1024}
    phases = [json.loads(text) for text in output.splitlines() if text.startswith("{")]
    if phases:
        line["phases"] = phases[-1]
    print(json.dumps(line, sort_keys=True), flush=True)


if __name__ == "__main__":
    main()
