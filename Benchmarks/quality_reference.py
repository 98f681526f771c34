"""The reference side of the quality benchmark (`run-quality.sh`): held-out pairs degraded by the official DACLIP-IR
`random_degrade`, and the plain unsharp mask a user would otherwise reach for.

  quality_reference.py pairs HELDOUT OUT SEEDS     # OUT/GT, OUT/LQ: 512² crops, degraded by the official pipeline
  quality_reference.py crops HELDOUT OUT           # OUT/*.png: the same 512² crops, clean (for WildIR's own pipeline)
  quality_reference.py usm LQ_DIR OUT              # Pillow ImageFilter.UnsharpMask(radius=2, percent=80, threshold=2)
  quality_reference.py table LABEL=JSON...         # the table from `wildir evaluate --format json` reports
  quality_reference.py figure SET_DIR OUT.jpg PAIR...  # LQ | unsharp mask | model | GT, zoomed, for each PAIR

Crops: the two most detailed non-overlapping 512² crops of each photo at its native resolution (see `crops`);
names `<photo>_<0|1>_s<seed>.png`. Each pair has its own seed (Python `random` and NumPy) from (seed, photo, crop), so a pair never depends on which others were made. The official file is loaded as the wild
fixture does (`Tools/fixtures/_official.py`: restricted unpickler for the measured PSFs, no under-display
PSFs); images are BGR uint8 read by OpenCV, as the official training code reads them.
"""
import json
import os
import random
import sys
import zlib

import cv2
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "Tools", "fixtures"))
CROP = 512


def detail(image):
    """Mean gradient magnitude of the gray image per pixel (Sobel), the measure crops are chosen by."""
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY).astype(np.float32)
    return np.hypot(cv2.Sobel(gray, cv2.CV_32F, 1, 0), cv2.Sobel(gray, cv2.CV_32F, 0, 1))


def window_sums(values, size, step):
    """(sum of `values` over the size² window, y, x) for every window on a `step`-pixel grid, from one integral image."""
    integral = cv2.integral(values.astype(np.float64))
    h, w = values.shape
    for y in range(0, h - size + 1, step):
        for x in range(0, w - size + 1, step):
            yield integral[y + size, x + size] - integral[y, x + size] - integral[y + size, x] + integral[y, x], y, x


def crops(heldout):
    """(name, BGR uint8 crop) for the two most detailed non-overlapping 512² crops of every photo at its native
    resolution (windows on a 64-pixel grid, ranked by mean Sobel gradient magnitude of the clean photo), in name
    order. Flat crops (sky, out-of-focus backgrounds) are left out: their PSNR measures the noise floor (inputs at
    60–70 dB), not restoration."""
    for file in sorted(os.listdir(heldout)):
        if not file.lower().endswith((".jpg", ".jpeg", ".png")):
            continue
        image = cv2.imread(os.path.join(heldout, file), cv2.IMREAD_COLOR)
        if image is None:
            raise SystemExit(f"cannot read {file}")
        h, w = image.shape[:2]
        if h < CROP or w < CROP:
            raise SystemExit(f"{file} is {w}×{h}, smaller than a {CROP}² crop")
        windows = [(-total, y, x) for total, y, x in window_sums(detail(image), CROP, 64)]
        chosen = []
        for _, y, x in sorted(windows):
            if all(abs(y - cy) >= CROP or abs(x - cx) >= CROP for cy, cx in chosen):
                chosen.append((y, x))
            if len(chosen) == 2:
                break
        stem = os.path.splitext(file)[0]
        for index, (y, x) in enumerate(chosen):
            yield f"{stem}_{index}", image[y:y + CROP, x:x + CROP]


def write_pairs(heldout, out, seeds):
    from _official import deg_util as load_official  # the official file, its pickles read without executing code
    official = load_official(os.environ["DACLIP_REPO"])
    for folder in ("GT", "LQ"):
        os.makedirs(os.path.join(out, folder), exist_ok=True)
    for name, crop in crops(heldout):
        for seed in seeds:
            pair = f"{name}_s{seed}.png"
            stream = zlib.crc32(f"{seed}-{name}".encode())
            random.seed(stream)
            np.random.seed(stream)
            lq = official["random_degrade"](crop.astype(np.float32) / 255.0)
            lq = np.clip((lq * 255.0).round(), 0, 255).astype(np.uint8)
            cv2.imwrite(os.path.join(out, "GT", pair), crop)
            cv2.imwrite(os.path.join(out, "LQ", pair), lq)


def write_crops(heldout, out):
    os.makedirs(out, exist_ok=True)
    for name, crop in crops(heldout):
        cv2.imwrite(os.path.join(out, f"{name}.png"), crop)


def unsharp(lq_dir, out):
    from PIL import Image, ImageFilter
    os.makedirs(out, exist_ok=True)
    for file in sorted(os.listdir(lq_dir)):
        if file.endswith(".png"):
            image = Image.open(os.path.join(lq_dir, file)).convert("RGB")
            image.filter(ImageFilter.UnsharpMask(radius=2, percent=80, threshold=2)).save(os.path.join(out, file))


def table(reports):
    """Rows: mean PSNR-Y and SSIM-Y, share of pairs above their input, worst Δ on near-clean inputs (LQ ≥ 40 dB)."""
    loaded = {}
    for item in reports:
        label, path = item.split("=", 1)
        with open(path) as handle:
            report = json.load(handle)
        loaded[label] = {entry["name"]: entry for entry in report["images"]}
    lq = loaded.get("LQ", next(iter(loaded.values())))
    # An LQ equal to its GT has no finite PSNR (the report's null): such a pair cannot be improved, only spoiled, and
    # has no place in a mean of dB; it is left out of every row, and the table says how many were.
    exact = {name for name, entry in lq.items() if entry["psnr"] is None}
    loaded = {label: {n: e for n, e in scores.items() if n not in exact} for label, scores in loaded.items()}
    lq = loaded.get("LQ", next(iter(loaded.values())))
    if exact:
        print(f"{len(exact)} pair(s) whose LQ equals the GT left out: {', '.join(sorted(exact))}.")
        print()
    print("| method | mean PSNR-Y dB | mean SSIM-Y | Δ PSNR-Y vs LQ | better than LQ | mean Δ where LQ < 40 dB | "
          "mean Δ where LQ ≥ 40 dB | worst Δ where LQ ≥ 40 dB (pairs) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for label, scores in loaded.items():
        names = sorted(scores)
        psnr = np.array([scores[n]["psnr"] for n in names])
        ssim = np.array([scores[n]["ssim"] for n in names])
        base = np.array([lq[n]["psnr"] for n in names])
        delta = psnr - base
        clean = base >= 40
        better = "—" if label == "LQ" else f"{(delta > 0).sum()}/{len(names)} ({100 * (delta > 0).mean():.0f} %)"
        worst = "—" if label == "LQ" or not clean.any() else f"{delta[clean].min():+.2f} ({clean.sum()})"
        damaged = "—" if label == "LQ" or clean.all() else f"{delta[~clean].mean():+.2f}"
        near_clean = "—" if label == "LQ" or not clean.any() else f"{delta[clean].mean():+.2f}"
        print(f"| {label} | {psnr.mean():.2f} | {ssim.mean():.4f} | {delta.mean():+.2f} | {better} | {damaged} | "
              f"{near_clean} | {worst} |")


def psnr_y(image, reference):
    """PSNR on BT.601 studio-swing Y (BasicSR's convention) of two RGB uint8 arrays; for the figure's captions only
    (the tables come from `wildir evaluate`)."""
    def y(rgb):
        rgb = rgb.astype(np.float64)
        return 16.0 + (65.481 * rgb[..., 0] + 128.553 * rgb[..., 1] + 24.966 * rgb[..., 2]) / 255.0
    mse = np.mean((y(image) - y(reference)) ** 2)
    return float("inf") if mse == 0 else 10 * np.log10(255.0 ** 2 / mse)


def figure(set_dir, out, pairs, window=128, zoom=3):
    """One row per pair: LQ, unsharp mask, model and GT, the same `window`² region of each (where the model changes the
    LQ most, whether for better or worse) enlarged `zoom`× by pixel replication, each captioned with its whole-crop
    PSNR-Y."""
    from PIL import Image, ImageDraw
    columns = [("LQ", "LQ"), ("usm", "unsharp mask"), ("model", "model"), ("GT", "GT")]
    caption, side, gap = 18, window * zoom, 4
    sheet = Image.new("RGB", (len(columns) * (side + gap) - gap, len(pairs) * (side + caption + gap) - gap), "white")
    draw = ImageDraw.Draw(sheet)
    for row, pair in enumerate(pairs):
        images = {folder: np.asarray(Image.open(os.path.join(set_dir, folder, pair)).convert("RGB")) for folder, _ in columns}
        change = ((images["model"].astype(np.float64) - images["LQ"]) ** 2).sum(axis=2)
        _, y, x = max(window_sums(change, window, 16))
        top = row * (side + caption + gap)
        for column, (folder, label) in enumerate(columns):
            left = column * (side + gap)
            patch = Image.fromarray(images[folder][y:y + window, x:x + window]).resize((side, side), Image.NEAREST)
            sheet.paste(patch, (left, top + caption))
            text = f"{label}  ({pair})" if folder == "GT" else f"{label}  {psnr_y(images[folder], images['GT']):.2f} dB"
            draw.text((left + 2, top + 3), text, fill="black")
    sheet.save(out, quality=85)


if __name__ == "__main__":
    command, arguments = sys.argv[1], sys.argv[2:]
    if command == "pairs":
        write_pairs(arguments[0], arguments[1], [int(s) for s in arguments[2].split(",")])
    elif command == "crops":
        write_crops(arguments[0], arguments[1])
    elif command == "usm":
        unsharp(arguments[0], arguments[1])
    elif command == "table":
        table(arguments)
    elif command == "figure":
        figure(arguments[0], arguments[1], arguments[2:])
    else:
        raise SystemExit(__doc__)
