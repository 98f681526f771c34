"""The reference side of the degradation benchmark: DACLIP-IR's official `random_degrade` (and its operations)
on the same 512×512 crops as degradation-bench, two worker processes (one per core); and Real-ESRGAN's own
degradation at ×1 (dataset kernels + `RealESRNetModel.feed_data` on CPU PyTorch, released code from PyPI, see
Tools/fixtures/_realesrgan_reference.py), measured twice: two processes of one PyTorch thread (as a two-worker
DataLoader would), and one process with PyTorch on every core (as users run it); one image per `feed_data` call
(BasicSR's `filter2D` fails on batches of CPU tensors after `DiffJPEG` under PyTorch 2.x: a `.view` of a
non-contiguous result).

Needs a checkout of the official repository (github.com/Algolzw/daclip-uir, MIT): DACLIP_REPO=/path. It is loaded
as Tools/fixtures/_official.py loads it (PyTorch imports stubbed, PSF pickle read NumPy-only).
Prints JSON lines {"library": "official", "case": ..., "median_ms": ...}.

Run: DACLIP_REPO=/path Tools/.venv/bin/python Benchmarks/degradation_reference.py PHOTO_DIR [RUNS]
"""
import json
import multiprocessing
import os
import random
import statistics
import sys
import time

import cv2
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "Tools", "fixtures"))
from _official import deg_util as load_official  # noqa: E402
import _realesrgan_reference  # noqa: E402

OFFICIAL = None
CROPS = None


def init(repo, crops):
    global OFFICIAL, CROPS
    cv2.setNumThreads(1)  # one image per process, as in a DataLoader worker
    OFFICIAL = load_official(repo)
    CROPS = crops


REALESRGAN = None
BATCH = 1


def realesrgan_batch(index):
    import torch
    random.seed(index)
    np.random.seed(index)
    torch.manual_seed(index)
    r = REALESRGAN
    items = [r.kernels() for _ in range(BATCH)]
    crops = [CROPS[(index * BATCH + k) % len(CROPS)][:, :, ::-1] for k in range(BATCH)]  # BGR → RGB
    gt = torch.stack([torch.from_numpy(np.ascontiguousarray(c.transpose(2, 0, 1))) for c in crops])
    r.model.opt["gt_size"] = gt.shape[2]
    r.model.feed_data({"gt": gt, **{key: torch.stack([item[key] for item in items]) for key in items[0]}})
    return index


def realesrgan_throughput(crops, runs):
    """Per-image milliseconds of Real-ESRGAN's ×1 degradation, or None when its releases cannot be downloaded."""
    global REALESRGAN, CROPS
    import torch
    torch.set_num_threads(1)
    REALESRGAN, CROPS = _realesrgan_reference.load(scale=1), crops
    if REALESRGAN is None:
        return None
    batches = len(crops) * 4 // BATCH
    with multiprocessing.get_context("fork").Pool(2) as pool:
        pool.map(realesrgan_batch, range(2))  # warm-up
        per_image = []
        for _ in range(runs):
            start = time.perf_counter()
            pool.map(realesrgan_batch, range(batches), chunksize=1)
            per_image.append((time.perf_counter() - start) * 1e3 / (batches * BATCH))
    return per_image


def realesrgan_one_process(crops, runs):
    """Per-image milliseconds of Real-ESRGAN's ×1 degradation as users run it: one process, PyTorch on every core."""
    global REALESRGAN, CROPS
    import torch
    torch.set_num_threads(os.cpu_count() or 1)
    REALESRGAN, CROPS = _realesrgan_reference.load(scale=1), crops
    if REALESRGAN is None:
        return None
    batches = len(crops) * 2 // BATCH
    for index in range(2):
        realesrgan_batch(index)  # warm-up
    per_image = []
    for _ in range(runs):
        start = time.perf_counter()
        for index in range(batches):
            realesrgan_batch(index)
        per_image.append((time.perf_counter() - start) * 1e3 / (batches * BATCH))
    return per_image


def degrade(index):
    random.seed(index)
    np.random.seed(index)
    OFFICIAL["random_degrade"](CROPS[index % len(CROPS)].copy())
    return index


def report(case, runs):
    print(json.dumps({"library": "official", "case": case, "median_ms": statistics.median(runs), "runs_ms": runs},
                     sort_keys=True), flush=True)


def main():
    repo = os.environ.get("DACLIP_REPO")
    if not repo:
        sys.exit("set DACLIP_REPO to a checkout of the official DACLIP-IR repository")
    folder, runs = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 5
    crops = []
    for name in sorted(f for f in os.listdir(folder) if f.endswith(".jpg")):
        img = cv2.imread(os.path.join(folder, name), cv2.IMREAD_UNCHANGED)
        if img.ndim != 3:
            continue
        h, w = img.shape[:2]
        y, x = (h - 512) // 2, (w - 512) // 2
        crops.append(np.ascontiguousarray(img[y:y + 512, x:x + 512]).astype(np.float32) / 255)
    per_image = realesrgan_throughput(crops, runs)
    if per_image:
        report("realesrgan_x1_pipeline_per_image", per_image)
    # Load the official code here first: if it fails in the pool's initializer instead, multiprocessing replaces the
    # dying workers forever and the benchmark hangs rather than reporting the error.
    load_official(repo)
    jobs = len(crops) * 8
    with multiprocessing.Pool(2, initializer=init, initargs=(repo, crops)) as pool:
        pool.map(degrade, range(4))  # warm-up
        per_image = []
        for _ in range(runs):
            start = time.perf_counter()
            pool.map(degrade, range(jobs), chunksize=1)
            per_image.append((time.perf_counter() - start) * 1e3 / jobs)
    report("wild_pipeline_per_image", per_image)

    official = load_official(repo)
    cv2.setNumThreads(2)
    image = crops[0]
    d = official

    def bivariate(size, sx, sy, theta):
        return d["bivariate_Gaussian"](size, sx, sy, theta, isotropic=False).astype(np.float32)

    aniso, iso = bivariate(19, 2, 0.8, 0.5), bivariate(19, 1.6, 1.6, 0)
    sinc = d["circular_lowpass_kernel"](1.2, 21).astype(np.float32)
    small = d["bivariate_Gaussian"](7, 1.2, 1.2, 0)
    cases = {
        "op_filter2d_aniso19": lambda: cv2.filter2D(image, -1, aniso),
        "op_filter2d_iso19": lambda: cv2.filter2D(image, -1, iso),
        "op_filter2d_sinc21": lambda: cv2.filter2D(image, -1, sinc),
        "op_wiener": lambda: d["wiener_filter_multi_channel"](image, small.copy()),
        "op_resize_bicubic_0.7": lambda: cv2.resize(image, (365, 365), interpolation=cv2.INTER_CUBIC),
        "op_gaussian_noise": lambda: d["add_gaussian_noise"](image, sigma=3),
        "op_poisson_noise": lambda: d["add_poisson_noise"](image, scale=0.3),
        "op_jpeg_q75": lambda: d["add_jpg_compression"](image, 75),
    }
    for name, fn in cases.items():
        fn()
        times = []
        for _ in range(max(runs, 5)):
            start = time.perf_counter()
            fn()
            times.append((time.perf_counter() - start) * 1e3)
        report(name, times)

    # In a fresh interpreter: this one has PyTorch stubbed out by the official file's loader, and PyTorch's
    # OpenMP team must not start in a process that forks worker pools afterwards.
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        per_image = pool.apply(realesrgan_one_process, (crops, runs))
    if per_image:
        report("realesrgan_x1_one_process_per_image", per_image)


if __name__ == "__main__":
    main()
