"""The reference side of the imaging benchmark: OpenCV, Pillow and scikit-image on the same photo and cases as
imaging-bench.

Prints JSON lines {"library": "opencv"|"pillow"|"skimage", "case": ..., "median_ms": ..., "runs_ms": [...]}.
OpenCV runs with 2 threads (the machine's cores), as WildIR does; Pillow is single-threaded by design.
Inputs are what each library's users hold: uint8 HWC arrays / PIL images.

Run: Tools/.venv/bin/python Benchmarks/imaging_reference.py PHOTO.jpg [RUNS]
"""
import io
import json
import statistics
import sys
import time

import cv2
import numpy as np
from PIL import Image
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

PNG_LEVEL = 6  # the same zlib level for every library (libpng's default)


def timed(runs, fn):
    fn()
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1e3)
    return out


def report(library, case, runs_ms):
    print(json.dumps({"library": library, "case": case, "median_ms": statistics.median(runs_ms),
                      "runs_ms": runs_ms}, sort_keys=True), flush=True)


def main():
    path = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    cv2.setNumThreads(2)
    bgr = cv2.imread(path, cv2.IMREAD_COLOR)
    pil = Image.open(path).convert("RGB")
    pil.load()
    h, w = bgr.shape[:2]
    jpeg95 = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, 95])[1].tobytes()
    png = cv2.imencode(".png", bgr, [cv2.IMWRITE_PNG_COMPRESSION, PNG_LEVEL])[1].tobytes()
    buf = np.frombuffer(jpeg95, np.uint8)
    pbuf = np.frombuffer(png, np.uint8)

    report("opencv", "jpeg_decode", timed(runs, lambda: cv2.imdecode(buf, cv2.IMREAD_COLOR)))
    report("pillow", "jpeg_decode", timed(runs, lambda: Image.open(io.BytesIO(jpeg95)).load()))
    report("opencv", "jpeg_encode_q95", timed(runs, lambda: cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, 95])))
    report("pillow", "jpeg_encode_q95", timed(runs, lambda: pil.save(io.BytesIO(), "JPEG", quality=95)))
    report("opencv", "png_decode", timed(runs, lambda: cv2.imdecode(pbuf, cv2.IMREAD_COLOR)))
    report("pillow", "png_decode", timed(runs, lambda: Image.open(io.BytesIO(png)).load()))
    report("opencv", "png_encode", timed(runs, lambda: cv2.imencode(".png", bgr, [cv2.IMWRITE_PNG_COMPRESSION, PNG_LEVEL])))
    report("pillow", "png_encode", timed(runs, lambda: pil.save(io.BytesIO(), "PNG", compress_level=PNG_LEVEL)))

    half = (w // 2, h // 2)
    cv_modes = {"bilinear": cv2.INTER_LINEAR, "bicubic": cv2.INTER_CUBIC, "area": cv2.INTER_AREA}
    for name, mode in cv_modes.items():
        report("opencv", f"resize_half_{name}", timed(runs, lambda: cv2.resize(bgr, half, interpolation=mode)))
    # Pillow's filters antialias when reducing, like MATLAB imresize: its BICUBIC is the match for matlab-bicubic.
    pil_modes = {"bilinear": Image.BILINEAR, "bicubic": Image.BICUBIC, "area": Image.BOX, "matlab-bicubic": Image.BICUBIC}
    for name, mode in pil_modes.items():
        report("pillow", f"resize_half_{name}", timed(runs, lambda: pil.resize(half, mode)))
    report("opencv", "resize_double_bicubic",
           timed(runs, lambda: cv2.resize(bgr, (w * 2, h * 2), interpolation=cv2.INTER_CUBIC)))
    report("pillow", "resize_double_bicubic", timed(runs, lambda: pil.resize((w * 2, h * 2), Image.BICUBIC)))

    # Full-reference metrics as Python users compute them: scikit-image with BasicSR's settings (same values).
    degraded = cv2.imdecode(cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, 30])[1], cv2.IMREAD_COLOR)
    report("skimage", "psnr_rgb", timed(runs, lambda: peak_signal_noise_ratio(bgr, degraded, data_range=255)))
    report("skimage", "ssim_rgb", timed(max(3, runs // 3), lambda: structural_similarity(
        bgr, degraded, gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=255, channel_axis=2)))


if __name__ == "__main__":
    main()
