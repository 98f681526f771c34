"""The reference side of the tensor benchmark: PyTorch's 3×3 convolution (CPU, float32, 2 threads) forward and
backward (input and weight gradients) at batch 1, Cin = Cout = C, padding 1, same shapes and timing as
Sources/tensor-bench (2 warm-up calls, then the median of RUNS).
Prints JSON lines {"library": "pytorch", "case": ..., "median_ms": ..., "gflops": ...}.

Run: Tools/.venv/bin/python Benchmarks/tensor_reference.py [RUNS]
"""
import json
import statistics
import sys
import os

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _timing import measure as timed  # noqa: E402

WARMUPS = 2


def measure(fn, runs):
    return timed(fn, runs, warmups=WARMUPS)


def report(case, runs, flops):
    median = statistics.median(runs)
    print(json.dumps({"library": "pytorch", "case": case, "median_ms": median, "runs_ms": runs,
                      "gflops": flops / median / 1e6}, sort_keys=True), flush=True)


def main():
    runs = max(int(sys.argv[1]) if len(sys.argv) > 1 else 7, 5)
    torch.set_num_threads(2)
    torch.manual_seed(0)
    for channels, size in ((64, 256), (128, 128), (256, 64), (512, 32)):
        x = torch.randn(1, channels, size, size, requires_grad=True)
        w = (torch.randn(channels, channels, 3, 3) / (channels * 9) ** 0.5).requires_grad_(True)
        b = (torch.randn(channels) * 0.1).requires_grad_(True)
        flops = 2 * channels * size * size * channels * 9
        name = f"conv3x3_c{channels}_{size}x{size}"

        def forward():
            with torch.no_grad():
                F.conv2d(x, w, b, padding=1)

        report(f"{name}_forward", measure(forward, runs), flops)

        y = F.conv2d(x, w, b, padding=1)
        gy = torch.randn_like(y)

        def backward():
            x.grad = w.grad = b.grad = None
            y.backward(gy, retain_graph=True)

        report(f"{name}_backward", measure(backward, runs), 2 * flops)


if __name__ == "__main__":
    main()
