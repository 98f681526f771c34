"""How much of a per-image sharpening can be known from the low-quality image alone: the headroom measurement behind
the bundled model's card ("Where the headroom is, measured").

Pairs are folders as `quality_reference.py pairs` writes them (GT/, LQ/, optionally a restorer's outputs in a third
folder). Everything is measured on Y (BT.601, BasicSR's conventions), PSNR gains over the LQ, mean over pairs.

  sharpening_headroom.py oracle PAIRS [PAIRS...]
      The best per-image unsharp mask, chosen with the ground truth: LQ + Σ_k a_k (LQ − G_σk ∗ LQ) with the a_k of
      least squares on Y, for σ = (2), (1, 2), (0.7, 1.4, 2.8), (0.5, 1, 2, 4). The ceiling of any method that only
      chooses how much to sharpen each image.
  sharpening_headroom.py predict TRAIN VALIDATION [--restored NAME]
      The one-σ amount a(LQ) = softplus(w · s(LQ) + b), s the whole-image statistics of `statistics`, fitted on TRAIN
      by maximising the mean PSNR gain itself (L-BFGS, L2 penalty λ), reported by four-fold cross-validation over
      TRAIN's photos and on VALIDATION. With --restored, the amount is fitted both on the LQ and on the restorer's
      output (NAME/ beside GT/ and LQ/): does a global gain add to the restorer, or replace it?

  sharpening_headroom.py bands TRAIN VALIDATION
      Four amounts at once, for σ = 0.5, 1, 2, 4 (signed: a band may also be smoothed): first one fixed set for every
      image (the best fixed linear filter of the four high-passes, no per-image knowledge; once by least squares over
      all pixels, the optimum of an ℓ2 loss, once for the mean PSNR gain), then A(LQ) = W s(LQ) + b
      from the same statistics; both fitted on the mean PSNR gain and reported as `predict` reports.

  sharpening_headroom.py mix TRAIN[,TRAIN...] EVAL [EVAL...]
      What a network trained with an ℓ2 loss on TRAIN's pairs is pulled to among fixed filters: the least-squares
      four-band filter (as in `bands`) fitted on TRAIN's pairs as they are, with clean pairs added as the training
      recipe adds them (`clean_probability` 0.2: every ground truth once more as its own input, weighted 0.25), and
      with the IR-SDE's terminal noise (λ = 1/255) on the inputs; then what the PSNR loss (`loss_type: psnr`) is
      pulled to: the fixed filter minimising the mean of log(MSE + 1e-8) over the noisy pairs, as they are and with
      the clean pairs (noisy too, as training feeds them); each fit's amounts and mean PSNR gain on every EVAL
      folder, after each folder's LQ distribution (mean PSNR, share of pairs at 40 dB or more).

Needs NumPy, OpenCV and SciPy (Tools/.venv). Pairs with LQ = GT exactly (infinite PSNR) are left out.
"""
import os
import sys

import cv2
import numpy as np
from scipy.optimize import minimize

SIGMA_SETS = [(2.0,), (1.0, 2.0), (0.7, 1.4, 2.8), (0.5, 1.0, 2.0, 4.0)]


def luma(rgb):
    """BasicSR's Y of RGB in 0…255: 16 + (65.481 R + 128.553 G + 24.966 B) / 255."""
    return 16 + (65.481 * rgb[..., 0] + 128.553 * rgb[..., 1] + 24.966 * rgb[..., 2]) / 255


def psnr(a, b):
    return 10 * np.log10(255 ** 2 / np.mean((a - b) ** 2))


def high_pass(image, sigma):
    return image - cv2.GaussianBlur(image, (0, 0), sigma)


def sharpened(rgb, gains, sigmas):
    """RGB sharpened by Σ_k gains_k · high-pass_σk, rounded to 8 bits as a saved image is."""
    out = rgb.copy()
    for gain, sigma in zip(gains, sigmas):
        out += gain * high_pass(rgb, sigma)
    return np.clip(np.round(out), 0, 255)


def read(path):
    return cv2.imread(path)[:, :, ::-1].astype(np.float64)


def pairs(folder, restored=None):
    """(name, LQ, GT, restored or None) for each pair of `folder`, in name order, without exact-clean pairs."""
    for name in sorted(os.listdir(os.path.join(folder, "LQ"))):
        lq, gt = read(os.path.join(folder, "LQ", name)), read(os.path.join(folder, "GT", name))
        if np.array_equal(lq, gt):
            continue
        yield name, lq, gt, read(os.path.join(folder, restored, name)) if restored else None


def statistics(rgb):
    """Whole-image statistics of the luma: log energies of five difference-of-Gaussians bands (σ 0.5…8) and their
    successive differences, the sparsity (median/mean of |band|) and kurtosis of the three finest bands, the 8×8
    block-edge ratio of horizontal differences, and the 10/50/90th percentiles of the two finest bands' local energy."""
    y = luma(rgb)
    bands, previous = [], y
    for sigma in (0.5, 1, 2, 4, 8):
        blurred = cv2.GaussianBlur(y, (0, 0), sigma)
        bands.append(previous - blurred)
        previous = blurred
    energy = [np.log(np.mean(b ** 2) + 1e-6) for b in bands]
    values = energy + [energy[i] - energy[i + 1] for i in range(4)]
    for band in bands[:3]:
        magnitude = np.abs(band)
        values.append(np.log(np.median(magnitude) + 1e-6) - np.log(np.mean(magnitude) + 1e-6))
        values.append(np.log(np.mean(band ** 4) / (np.mean(band ** 2) ** 2 + 1e-12) + 1e-6))
    steps = np.abs(np.diff(y, axis=1))
    values.append(np.log(steps[:, 7::8].mean() / (steps.mean() + 1e-6) + 1e-6))
    for band in bands[:2]:
        local = cv2.blur(band ** 2, (8, 8))
        values += [np.log(np.percentile(local, p) + 1e-6) for p in (10, 50, 90)]
    return np.array(values)


def oracle(folders):
    for sigmas in SIGMA_SETS:
        gains = []
        for folder in folders:
            for _, lq, gt, _ in pairs(folder):
                y, target = luma(lq), luma(gt)
                basis = np.stack([high_pass(y, s).ravel() for s in sigmas], 1)
                a = np.linalg.lstsq(basis, (target - y).ravel(), rcond=None)[0]
                gains.append(psnr(luma(sharpened(lq, a, sigmas)), target) - psnr(y, target))
        print(f"| σ {', '.join(f'{s:g}' for s in sigmas)} | {len(gains)} | {np.mean(gains):+.2f} |")


class Sample:
    """One pair's statistics and the three sums its PSNR under `base + a · high-pass₂(base)` depends on."""

    def __init__(self, name, lq, gt, base):
        y, target, start = luma(lq), luma(gt), luma(base)
        residual, detail = target - start, high_pass(start, 2.0)
        self.name, self.lq, self.gt, self.base = name, lq, gt, base
        self.features = statistics(lq)
        self.sums = (np.sum((target - y) ** 2), np.sum(residual ** 2), np.sum(detail * residual), np.sum(detail ** 2))


def softplus(x):
    return np.logaddexp(0, x)


def fit(samples, penalty, mean, scale):
    """w, b maximising the mean PSNR gain over `samples` minus penalty · |w|²: the gain of pair i at amount a is
    10 log10(lq_i / (rr_i − 2a hr_i + a² hh_i)), a smooth function of (w, b)."""
    x = (np.array([s.features for s in samples]) - mean) / scale
    lq, rr, hr, hh = np.array([s.sums for s in samples]).T

    def objective(parameters):
        w, b = parameters[:-1], parameters[-1]
        z = x @ w + b
        a, slope = softplus(z), 1 / (1 + np.exp(-z))
        error = rr - 2 * a * hr + a * a * hh
        gain = 10 * np.log10(lq / error)
        d_a = -10 / np.log(10) * (-2 * hr + 2 * a * hh) / error / len(samples)
        grad_z = -d_a * slope
        value = -gain.mean() + penalty * w @ w
        return value, np.append(x.T @ grad_z + 2 * penalty * w, grad_z.sum())

    start = np.append(np.zeros(x.shape[1]), -2.0)
    return minimize(objective, start, jac=True, method="L-BFGS-B").x


def gains(samples, parameters, mean, scale):
    x = (np.array([s.features for s in samples]) - mean) / scale
    amounts = softplus(x @ parameters[:-1] + parameters[-1])
    return np.array([psnr(luma(sharpened(s.base, [a], (2.0,))), luma(s.gt)) - psnr(luma(s.lq), luma(s.gt))
                     for s, a in zip(samples, amounts)])


def report(label, fitted, held, fit, score):
    """Prints one table row: `score(samples, fit(samples))`, the gains of a rule fitted on other photos, over four
    folds of `fitted`'s photos (no photo in both halves), then on `held` after a fit on all of `fitted`."""
    photo = np.array([s.name.rsplit("_", 2)[0] for s in fitted])
    photos = sorted(set(photo))
    folds = []
    for fold in range(4):
        out = {p for i, p in enumerate(photos) if i % 4 == fold}
        kept = [s for s, p in zip(fitted, photo) if p not in out]
        folds.append(score([s for s, p in zip(fitted, photo) if p in out], fit(kept)))
    cv = np.concatenate(folds)
    val = score(held, fit(fitted))
    print(f"| {label} | {cv.mean():+.2f} ({100 * np.mean(cv > 0):.0f} % better) | {val.mean():+.2f} |")


def standardisation(samples):
    """The mean and scale of the samples' statistics, by which every fit and score standardises them."""
    features = np.array([s.features for s in samples])
    return features.mean(0), features.std(0) + 1e-9


def predict(train, validation, restored):
    for base in (["LQ", restored] if restored else ["LQ"]):
        make = lambda folder: [Sample(n, lq, gt, lq if base == "LQ" else out)
                               for n, lq, gt, out in pairs(folder, restored)]
        fitted, held = make(train), make(validation)
        mean, scale = standardisation(fitted)
        unchanged = [psnr(luma(s.base), luma(s.gt)) - psnr(luma(s.lq), luma(s.gt)) for s in held]
        print(f"base {base}: validation without a gain {np.mean(unchanged):+.2f}")
        for penalty in (0.01, 0.1, 1.0):
            report(f"{base} | λ {penalty:g}", fitted, held, lambda samples: fit(samples, penalty, mean, scale),
                   lambda samples, fitted_rule: gains(samples, fitted_rule, mean, scale))


BANDS = (0.5, 1.0, 2.0, 4.0)


class BandSample:
    """One pair's statistics and the sums its PSNR under LQ + Σ_k A_k · high-pass_σk(LQ) depends on: |r|², the
    correlations c_k = ⟨h_k, r⟩ and the Gram matrix G_kl = ⟨h_k, h_l⟩ of the high-passes h_k (r = GT − LQ, on Y)."""

    def __init__(self, name, lq, gt):
        y, target = luma(lq), luma(gt)
        residual = (target - y).ravel()
        basis = np.stack([high_pass(y, sigma).ravel() for sigma in BANDS], 1)
        self.name, self.lq, self.gt = name, lq, gt
        self.features = statistics(lq)
        self.rr, self.c, self.gram = residual @ residual, basis.T @ residual, basis.T @ basis


def fit_bands(samples, penalty, mean, scale, fixed):
    """W, b maximising the mean PSNR gain 10 log10(|r|² / (|r|² − 2 A·c + Aᵀ G A)) − penalty · |W|², with A = W s + b
    (or A = b for every image when `fixed`)."""
    x = (np.array([s.features for s in samples]) - mean) / scale
    rr = np.array([s.rr for s in samples])
    c = np.array([s.c for s in samples])
    gram = np.array([s.gram for s in samples])
    count, features, bands = len(samples), x.shape[1], len(BANDS)

    def objective(parameters):
        w = np.zeros((features, bands)) if fixed else parameters[:-bands].reshape(features, bands)
        b = parameters[-bands:]
        amounts = x @ w + b
        error = np.maximum(rr - 2 * (amounts * c).sum(1) + np.einsum("ik,ikl,il->i", amounts, gram, amounts), 1e-3 * rr)
        gain = 10 * np.log10(rr / error)
        d_amounts = 10 / np.log(10) * (-2 * c + 2 * np.einsum("ikl,il->ik", gram, amounts)) / error[:, None] / count
        grad_b = d_amounts.sum(0)
        if fixed:
            return -gain.mean(), grad_b
        return -gain.mean() + penalty * (w * w).sum(), np.append((x.T @ d_amounts + 2 * penalty * w).ravel(), grad_b)

    size = bands if fixed else features * bands + bands
    found = minimize(objective, np.zeros(size), jac=True, method="L-BFGS-B").x
    w = np.zeros((features, bands)) if fixed else found[:-bands].reshape(features, bands)
    return w, found[-bands:]


def band_gains(samples, fitted, mean, scale):
    x = (np.array([s.features for s in samples]) - mean) / scale
    amounts = x @ fitted[0] + fitted[1]
    return np.array([psnr(luma(sharpened(s.lq, a, BANDS)), luma(s.gt)) - psnr(luma(s.lq), luma(s.gt))
                     for s, a in zip(samples, amounts)])


def bands(train, validation):
    fitted = [BandSample(n, lq, gt) for n, lq, gt, _ in pairs(train)]
    held = [BandSample(n, lq, gt) for n, lq, gt, _ in pairs(validation)]
    mean, scale = standardisation(fitted)
    score = lambda samples, fitted_rule: band_gains(samples, fitted_rule, mean, scale)
    # The ℓ2 optimum: one fixed set minimising the summed squared error, as an ℓ2 loss trains.
    least_squares = lambda samples: (np.zeros((len(mean), len(BANDS))),
                                     np.linalg.solve(sum(s.gram for s in samples), sum(s.c for s in samples)))
    report("four bands, one fixed set, least squares", fitted, held, least_squares, score)
    for fixed, penalty in ((True, 0.0), (False, 0.1), (False, 1.0), (False, 10.0)):
        label = "one fixed set" if fixed else f"from statistics, λ {penalty:g}"
        report(f"four bands, {label}", fitted, held, lambda samples: fit_bands(samples, penalty, mean, scale, fixed), score)

def fit_log_mse(samples, weights):
    """The fixed amounts minimising Σ wᵢ log(MSEᵢ + ε) / Σ wᵢ, the PSNR loss (BasicSR `PSNRLoss`, ε = 1e-8 on the
    0…1 scale), with MSEᵢ the pair's mean squared error on Y under LQ + Σ_k a_k · high-pass_σk(LQ)."""
    rr = np.array([s.rr for s in samples])
    c = np.array([s.c for s in samples])
    gram = np.array([s.gram for s in samples])
    pixels = np.array([s.gt.shape[0] * s.gt.shape[1] for s in samples], dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64) / np.sum(weights)
    epsilon = 1e-8 * 255 ** 2

    def objective(amounts):
        mse = (rr - 2 * c @ amounts + np.einsum("k,ikl,l->i", amounts, gram, amounts)) / pixels + epsilon
        d_mse = (-2 * c + 2 * np.einsum("ikl,l->ik", gram, amounts)) / pixels[:, None]
        return (w * np.log(mse)).sum(), (w[:, None] * d_mse / mse[:, None]).sum(0)

    return minimize(objective, np.zeros(len(BANDS)), jac=True, method="L-BFGS-B").x


def mix(train, evaluations):
    fitted = [BandSample(n, lq, gt) for folder in train.split(",") for n, lq, gt, _ in pairs(folder)]
    held = {folder: [BandSample(n, lq, gt) for n, lq, gt, _ in pairs(folder)] for folder in evaluations}
    mean, scale = standardisation(fitted)
    for folder, samples in held.items():
        lq = np.array([psnr(luma(s.lq), luma(s.gt)) for s in samples])
        print(f"{folder}: {len(samples)} pairs, LQ {lq.mean():.2f} dB, {100 * np.mean(lq >= 40):.0f} % at 40 dB or more")
    noise = np.random.default_rng(0)
    gram, c = sum(s.gram for s in fitted), sum(s.c for s in fitted)
    clean = sum(BandSample(s.name, s.gt, s.gt).gram for s in fitted)
    noisy = [BandSample(s.name, s.lq + noise.normal(0, 1, s.lq.shape), s.gt) for s in fitted]
    # Clean pairs as training feeds them to the PSNR loss: the ground truth as its own input, with the terminal noise.
    noisy_clean = [BandSample(s.name, s.gt + noise.normal(0, 1, s.gt.shape), s.gt) for s in fitted]
    fits = {
        "as they are": np.linalg.solve(gram, c),
        "clean pairs added (0.2)": np.linalg.solve(gram + 0.25 * clean, c),
        "terminal noise on the inputs": np.linalg.solve(sum(s.gram for s in noisy), sum(s.c for s in noisy)),
        "PSNR loss, terminal noise": fit_log_mse(noisy, [1] * len(noisy)),
        "PSNR loss, terminal noise, clean pairs added (0.2)":
            fit_log_mse(noisy + noisy_clean, [1] * len(noisy) + [0.25] * len(noisy_clean)),
    }
    print(f"| fixed filter fitted on {len(fitted)} pairs | amounts (σ {', '.join(f'{b:g}' for b in BANDS)}) | "
          + " | ".join(held) + " |")
    for label, amounts in fits.items():
        scores = [band_gains(samples, (np.zeros((len(mean), len(BANDS))), amounts), mean, scale).mean()
                  for samples in held.values()]
        print(f"| {label} | {', '.join(f'{a:.2f}' for a in amounts)} | " + " | ".join(f"{g:+.2f}" for g in scores) + " |")


if __name__ == "__main__":
    command, arguments = sys.argv[1], sys.argv[2:]
    if command == "oracle" and arguments:
        oracle(arguments)
    elif command == "bands" and len(arguments) == 2:
        bands(*arguments)
    elif command == "mix" and len(arguments) >= 2:
        mix(arguments[0], arguments[1:])
    elif command == "predict" and len(arguments) in (2, 4):
        predict(arguments[0], arguments[1], arguments[3] if len(arguments) == 4 else None)
    else:
        raise SystemExit(__doc__)
