"""Writes the small real photos the test suite uses to Tests/Fixtures/images/, and the bundled samples to Samples/.

Source: the photographs bundled with scikit-image (installed from PyPI by Tools/setup-python.sh),
reduced with OpenCV INTER_AREA so that the longer side is at most 256 px, saved as 8-bit PNG.
These are test images only; training data comes from elsewhere (kept apart on purpose).
Samples/ holds three of the same photographs at up to 512 px for the README's demo.

Run: Tools/.venv/bin/python Tools/make_test_images.py
"""
import os
import sys

import cv2
import numpy as np
import skimage.data as data

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures"))
from _provenance import FixtureFolder  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLES = os.path.join(ROOT, "Samples")
SAMPLE_NAMES = ["astronaut", "coffee", "chelsea"]
SAMPLE_MAX_SIDE = 512

# name -> loader; all are real photographs (not synthetic charts).
PHOTOS = {
    "astronaut": data.astronaut,          # RGB portrait, 512x512
    "chelsea": data.chelsea,              # RGB cat, 451x300
    "coffee": data.coffee,                # RGB still life, 600x400
    "rocket": data.rocket,                # RGB, portrait orientation 427x640
    "motorcycle": lambda: data.stereo_motorcycle()[0],  # RGB street scene
    "camera": data.camera,                # grayscale 512x512
}
MAX_SIDE = 256


def shrink(img: np.ndarray, max_side: int = MAX_SIDE) -> np.ndarray:
    h, w = img.shape[:2]
    scale = max_side / max(h, w)
    if scale >= 1:
        return img
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(img, size, interpolation=cv2.INTER_AREA)


def main() -> None:
    out = FixtureFolder("images", __file__, packages=["scikit-image", "opencv-python-headless", "numpy"])
    out.clear()
    for name, load in PHOTOS.items():
        img = shrink(np.ascontiguousarray(load()))
        if img.ndim == 3:
            img = cv2.cvtColor(img, cv2.COLOR_RGB2BGR)
        path = out.path(f"{name}.png")
        cv2.imwrite(path, img, [cv2.IMWRITE_PNG_COMPRESSION, 9])
        print(f"{path}: {img.shape}")
    out.commit()
    os.makedirs(SAMPLES, exist_ok=True)
    for name in SAMPLE_NAMES:
        img = cv2.cvtColor(shrink(np.ascontiguousarray(PHOTOS[name]()), SAMPLE_MAX_SIDE), cv2.COLOR_RGB2BGR)
        path = os.path.join(SAMPLES, f"{name}.png")
        cv2.imwrite(path, img, [cv2.IMWRITE_PNG_COMPRESSION, 9])
        print(f"{path}: {img.shape}")


if __name__ == "__main__":
    main()
