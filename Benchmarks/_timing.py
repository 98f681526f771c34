"""Shared timing for the Python reference sides of the benchmarks: warm-ups, then wall-clock runs in ms."""
import time


def measure(fn, runs, warmups=1):
    """`runs` timings of `fn()` in milliseconds after `warmups` untimed calls."""
    for _ in range(warmups):
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return times
