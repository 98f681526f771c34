"""The reference side of the learned-metrics benchmark (Benchmarks/run-metrics.sh): lpips 0.1.4, DISTS_pytorch 0.1,
pytorch-fid 0.3.0 and pyiqa 0.1.16 (its LPIPS, DISTS and FID), and open_clip_torch 2.20.0 (OpenCLIP: CLIP-I and
CLIPIQA) on the CPU, float32, torch.set_num_threads(2).

  weights TORCH_HOME     random weights under the standard file names, so that every package finds "its" file
                         and nothing is downloaded (speed does not depend on the values): torchvision's
                         alexnet-owt-7be5be79.pth and vgg16-397923af.pth and pytorch-fid's
                         pt_inception-2015-12-05-6726825d.pth in TORCH_HOME/hub/checkpoints, drawn by the fixture
                         tools (Tools/fixtures/deep_metrics.py, fid_kid.py: the seeded trunks the parity tests use);
                         pyiqa's copies in TORCH_HOME/hub/pyiqa (its cache): the same Inception and the lpips and
                         DISTS_pytorch wheels' own LPIPS heads and DISTS alpha/beta under pyiqa's file names.
  images PHOTOS OUT N SIZES FID_IMAGES
                         the benchmark's images, PNG, from the photos in PHOTOS (the project's training photos,
                         data/photos): for each size S of SIZES (comma-separated), OUT/S/reference/NNN.png, N crops
                         of S×S at seeded positions, and OUT/S/restored/NNN.png, each crop blurred (Gaussian σ = 1)
                         with Gaussian noise (σ = 5 levels), rounded; and FID_IMAGES 256² crops for FID end to end,
                         half clean in OUT/fid/reference, half degraded in OUT/fid/restored. Kept when a stamp
                         file says they were made with the same arguments.
  time RUNS SIZES DIR [CASE_PREFIX]
                         in-process timing of the reference packages on DIR's pairs (one warm-up pass over the
                         folder, then the median of RUNS passes), each pass reading the files as the package's own
                         examples do:
                           lpips_alex_S, lpips_vgg_S (library lpips): lpips.load_image (cv2), im2tensor, LPIPS(net=…)
                             per pair;
                           dists_S (DISTS_pytorch): PIL, prepare_image (no resize), DISTS() per pair;
                           fid_features_S (pytorch-fid): get_activations(reference files, InceptionV3([3]),
                             batch_size=50 (its default), num_workers=0);
                           the same four with pyiqa: create_metric('lpips' | 'lpips-vgg' | 'dists') called with the
                             two paths (pyiqa reads them with PIL), and fid_arch.get_folder_features(mode=
                             'legacy_pytorch' (pytorch-fid's preprocessing), batch_size=8 (its default),
                             num_workers=0).
                         JSON lines {"library", "case", "median_ms", "runs_ms", "images_per_s", "images"}.
  clip-weights DIR       random OpenCLIP checkpoints, DIR/<name>/open_clip_pytorch_model.bin for ViT-B-32 and ViT-L-14
                         (open_clip.create_model(name), OpenCLIP's own initialisation under a fixed torch seed, the
                         state dict saved with torch.save: the file open_clip's load_checkpoint and `wildir evaluate
                         --clip` both read); files already there are kept. Speed does not depend on the values.
  time-clip RUNS SIZES DIR WEIGHTS [CASE_PREFIX]
                         in-process timing of what a user of OpenCLIP writes for WildIR's CLIP scores, for each tower
                         (ViT-B-32, ViT-L-14: create_model_and_transforms(name, pretrained=WEIGHTS/<name>/…), loaded
                         once, eval mode, inference_mode) on DIR's images, one warm-up pass then the median of RUNS:
                           clip_i_vit_b32_S, clip_i_vit_l14_S, per pair: both PNG files opened with PIL, the model's
                             own `preprocess` (shorter side to 224 by bicubic, centre crop, CLIP's normalisation),
                             encode_image of the two as one batch, L2-normalised, their cosine (pairs per second);
                           clipiqa_vit_b32_S, clipiqa_vit_l14_S, per image of the restored folder: preprocess,
                             encode_image, normalised, logits = exp(logit_scale) · cos against the normalised text
                             features of pyiqa's five prompt pairs (encoded once, before timing), a softmax within
                             each pair, the mean of the positive probabilities (images per second).
                         The mean score of each case's last pass goes to stderr, to check against metrics-bench's.
  fid-pyiqa A B          FID between folders A and B with pyiqa's create_metric('fid') (mode 'legacy_pytorch', its
                         default batch size and workers), as one process; prints the value.
  table JSONL            the Markdown tables of a run's JSON lines (results/metrics.md).

Run with Tools/.venv/bin/python; TORCH_HOME must be set to the folder `weights` wrote before torch is imported.
"""
import json
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from _timing import measure  # noqa: E402

REFERENCE_LIBRARY = {"lpips_alex": "lpips", "lpips_vgg": "lpips", "dists": "DISTS_pytorch",
                     "fid_features": "pytorch-fid"}
END_TO_END_COMMAND = {"wildir": "`wildir evaluate --metrics fid`",
                      "pytorch-fid": "`python -m pytorch_fid --device cpu` (batch 50, its default workers)",
                      "pyiqa": "`create_metric('fid')`, mode legacy_pytorch (batch 8, 4 workers: its defaults)"}
PYIQA_METRIC = {"lpips_alex": "lpips", "lpips_vgg": "lpips-vgg", "dists": "dists"}
# The OpenCLIP towers of the CLIP cases and their tags in the case names (clip_i_vit_b32_256, ...).
CLIP_TOWERS = {"ViT-B-32": "vit_b32", "ViT-L-14": "vit_l14"}
CLIP_WEIGHTS_FILE = "open_clip_pytorch_model.bin"
CLIP_METRICS = {"clip_i": "CLIP-I", "clipiqa": "CLIPIQA"}
REFERENCE_LIBRARY.update({f"{metric}_{tag}": "open_clip_torch" for metric in CLIP_METRICS
                          for tag in CLIP_TOWERS.values()})
# pyiqa's current CLIP-IQA prompts (clipiqa_arch.py, five antonym pairs), positive then negative within each pair:
# WildIR's default, CLIPIQA.PromptSet.pyiqa.
CLIPIQA_PROMPTS = ["Good image", "bad image", "Sharp image", "blurry image", "sharp edges", "blurry edges",
                   "High resolution image", "low resolution image", "Noise-free image", "noisy image"]


def weights(home):
    import shutil
    import torch
    sys.path.insert(0, os.path.join(ROOT, "Tools", "fixtures"))
    import deep_metrics
    import fid_kid
    checkpoints = os.path.join(home, "hub", "checkpoints")
    cache = os.path.join(home, "hub", "pyiqa")
    os.makedirs(checkpoints, exist_ok=True)
    os.makedirs(cache, exist_ok=True)
    for name, (file, layers, seed, classifier) in deep_metrics.TRUNKS.items():
        state = {k: torch.from_numpy(v) for k, v in deep_metrics.random_features(layers, seed).items()}
        state.update({k: torch.zeros(shape) for k, shape in classifier.items()})
        torch.save(state, os.path.join(checkpoints, file), _use_new_zipfile_serialization=(name != "vgg16"))
    _, state = fid_kid.random_inception(fid_kid.fid_inception_shapes())
    inception = os.path.join(checkpoints, fid_kid.WEIGHTS_FILE)
    torch.save(state, inception)
    shutil.copyfile(inception, os.path.join(cache, fid_kid.WEIGHTS_FILE))
    import lpips
    import DISTS_pytorch
    heads = os.path.join(os.path.dirname(lpips.__file__), "weights", "v0.1")
    shutil.copyfile(os.path.join(heads, "alex.pth"), os.path.join(cache, "LPIPS_v0.1_alex-df73285e.pth"))
    shutil.copyfile(os.path.join(heads, "vgg.pth"), os.path.join(cache, "LPIPS_v0.1_vgg-a78928a0.pth"))
    shutil.copyfile(os.path.join(os.path.dirname(DISTS_pytorch.__file__), "weights.pt"),
                    os.path.join(cache, "DISTS_weights-f5e65c96.pth"))


def images(photos, out, count, sizes, fid_images):
    import numpy as np
    from PIL import Image, ImageFilter
    stamp = os.path.join(out, "stamp.json")
    arguments = {"photos": os.path.abspath(photos), "count": count, "sizes": sizes, "fid_images": fid_images}
    if os.path.isfile(stamp) and json.load(open(stamp)) == arguments:
        return
    files = sorted(f for f in os.listdir(photos) if f.lower().endswith((".jpg", ".jpeg", ".png")))
    if not files:
        sys.exit(f"metrics_reference.py images: no photos in {photos}")
    rng = np.random.default_rng(20261206)
    loaded = {}

    def photo(i):
        name = files[i % len(files)]
        if name not in loaded:
            loaded[name] = Image.open(os.path.join(photos, name)).convert("RGB")
        return loaded[name]

    def crop(i, side):
        image = photo(i)
        x = int(rng.integers(0, image.width - side + 1))
        y = int(rng.integers(0, image.height - side + 1))
        return image.crop((x, y, x + side, y + side))

    def degraded(image):
        blurred = np.asarray(image.filter(ImageFilter.GaussianBlur(1.0)), dtype=np.float64)
        noisy = blurred + rng.normal(0, 5, blurred.shape)
        return Image.fromarray(np.clip(np.round(noisy), 0, 255).astype(np.uint8))

    sets = [(str(side), count, side) for side in map(int, sizes.split(","))] + [("fid", fid_images // 2, 256)]
    for folder, n, side in sets:
        for kind in ("reference", "restored"):
            os.makedirs(os.path.join(out, folder, kind), exist_ok=True)
        for i in range(n):
            image = crop(i, side)
            if folder == "fid":  # two sets of different crops: clean and degraded
                image.save(os.path.join(out, folder, "reference", f"{i:04d}.png"))
                degraded(crop(i + n, side)).save(os.path.join(out, folder, "restored", f"{i:04d}.png"))
            else:
                image.save(os.path.join(out, folder, "reference", f"{i:04d}.png"))
                degraded(image).save(os.path.join(out, folder, "restored", f"{i:04d}.png"))
    json.dump(arguments, open(stamp, "w"))


def report(library, case, runs, count):
    median = statistics.median(runs)
    print(json.dumps({"library": library, "case": case, "median_ms": median, "runs_ms": runs,
                      "images_per_s": count / (median / 1e3), "images": count}, sort_keys=True), flush=True)


def time_references(runs, sizes, directory, prefix):
    import contextlib
    import io
    import torch
    torch.set_num_threads(2)
    import lpips
    from DISTS_pytorch import DISTS
    from DISTS_pytorch.DISTS_pt import prepare_image
    from PIL import Image
    from pytorch_fid.fid_score import get_activations
    from pytorch_fid.inception import InceptionV3
    import pyiqa
    from pyiqa.archs.fid_arch import get_folder_features

    quiet = contextlib.redirect_stdout(io.StringIO())
    for size in sizes.split(","):
        reference_dir = os.path.join(directory, size, "reference")
        restored_dir = os.path.join(directory, size, "restored")
        names = sorted(f for f in os.listdir(reference_dir) if f.endswith(".png"))
        pairs = [(os.path.join(restored_dir, n), os.path.join(reference_dir, n)) for n in names]

        def wanted(case):
            return f"{case}_{size}".startswith(prefix)

        with torch.no_grad():
            for net in ("alex", "vgg"):
                case = f"lpips_{net}"
                if not wanted(case):
                    continue
                model = lpips.LPIPS(net=net, verbose=False).eval()

                def lpips_pass():
                    for a, b in pairs:
                        model(lpips.im2tensor(lpips.load_image(a)), lpips.im2tensor(lpips.load_image(b)))
                report("lpips", f"{case}_{size}", measure(lpips_pass, runs), len(pairs))
            if wanted("dists"):
                model = DISTS().eval()

                def dists_pass():
                    for a, b in pairs:
                        model(prepare_image(Image.open(b).convert("RGB")), prepare_image(Image.open(a).convert("RGB")))
                report("DISTS_pytorch", f"dists_{size}", measure(dists_pass, runs), len(pairs))
            if wanted("fid_features"):
                model = InceptionV3([InceptionV3.BLOCK_INDEX_BY_DIM[2048]]).eval()
                files = [b for _, b in pairs]

                def fid_pass():
                    with contextlib.redirect_stderr(io.StringIO()):
                        get_activations(files, model, batch_size=min(50, len(files)), dims=2048, device="cpu",
                                        num_workers=0)
                report("pytorch-fid", f"fid_features_{size}", measure(fid_pass, runs), len(files))
            for case, name in PYIQA_METRIC.items():
                if not wanted(case):
                    continue
                with quiet:
                    metric = pyiqa.create_metric(name, device="cpu")

                def pyiqa_pass():
                    for a, b in pairs:
                        metric(a, b)
                report("pyiqa", f"{case}_{size}", measure(pyiqa_pass, runs), len(pairs))
            if wanted("fid_features"):
                with quiet:
                    fid = pyiqa.create_metric("fid", device="cpu")

                def pyiqa_fid_pass():
                    get_folder_features(reference_dir, fid.net.model, num_workers=0, batch_size=8,
                                        device=torch.device("cpu"), mode="legacy_pytorch", verbose=False)
                report("pyiqa", f"fid_features_{size}", measure(pyiqa_fid_pass, runs), len(pairs))


def clip_weights(directory):
    """OpenCLIP's random initialisation of each tower, seeded, saved as a plain state dict; existing files are kept
    (each is written under a temporary name first, so an interrupted run leaves no partial file behind)."""
    import torch
    import open_clip
    for seed, name in enumerate(CLIP_TOWERS):
        path = os.path.join(directory, name, CLIP_WEIGHTS_FILE)
        if os.path.isfile(path):
            continue
        os.makedirs(os.path.dirname(path), exist_ok=True)
        torch.manual_seed(seed)
        model = open_clip.create_model(name)
        torch.save(model.state_dict(), path + ".partial")
        os.replace(path + ".partial", path)


def time_clip(runs, sizes, directory, weights_directory, prefix):
    import torch
    torch.set_num_threads(2)
    import open_clip
    from PIL import Image

    def normalised(features):
        return features / features.norm(dim=-1, keepdim=True)

    for name, tag in CLIP_TOWERS.items():
        def wanted(metric, size):
            return f"{metric}_{tag}_{size}".startswith(prefix)

        if not any(wanted(metric, size) for metric in CLIP_METRICS for size in sizes.split(",")):
            continue
        model, _, preprocess = open_clip.create_model_and_transforms(
            name, pretrained=os.path.join(weights_directory, name, CLIP_WEIGHTS_FILE))
        model.eval()
        tokenizer = open_clip.get_tokenizer(name)
        with torch.inference_mode():  # the prompts once, as a CLIP-IQA implementation keeps them
            text = normalised(model.encode_text(tokenizer(CLIPIQA_PROMPTS)))
            scale = model.logit_scale.exp()

        def clip_i(pair):
            """cos(E(a), E(b)) of a pair of image files (a, b)."""
            a, b = pair
            with torch.inference_mode():
                e = normalised(model.encode_image(torch.stack([preprocess(Image.open(a)), preprocess(Image.open(b))])))
                return float(e[0] @ e[1])

        def clipiqa(path):
            """The mean over the prompt pairs of softmax(s·cos⁺, s·cos⁻)⁺ of one image file."""
            with torch.inference_mode():
                e = normalised(model.encode_image(preprocess(Image.open(path)).unsqueeze(0)))
                probabilities = (scale * e @ text.T).reshape(-1, 2).softmax(dim=-1)
                return float(probabilities[:, 0].mean())

        for size in sizes.split(","):
            reference_dir = os.path.join(directory, size, "reference")
            restored_dir = os.path.join(directory, size, "restored")
            names = sorted(f for f in os.listdir(reference_dir) if f.endswith(".png"))
            pairs = [(os.path.join(restored_dir, n), os.path.join(reference_dir, n)) for n in names]
            work = {"clip_i": (clip_i, pairs), "clipiqa": (clipiqa, [a for a, _ in pairs])}
            for metric, (score, items) in work.items():
                if not wanted(metric, size):
                    continue
                last = []

                def clip_pass():
                    last[:] = [score(item) for item in items]

                case = f"{metric}_{tag}_{size}"
                report("open_clip_torch", case, measure(clip_pass, runs), len(items))
                print(f"open_clip_torch {case}: mean {CLIP_METRICS[metric]} {statistics.fmean(last):.9f} over "
                      f"{len(last)} (min {min(last):.9f}, max {max(last):.9f})", file=sys.stderr, flush=True)


def fid_pyiqa(a, b):
    import torch
    torch.set_num_threads(2)
    import pyiqa
    metric = pyiqa.create_metric("fid", device="cpu")
    print(float(metric(a, b, mode="legacy_pytorch", verbose=False)))  # the InferenceModel passes its device


def table(path):
    """Images per second of each side, the best (smallest) median of the rounds, and the ratios."""
    rows, processes = {}, {}
    for line in open(path):
        if not line.startswith("{"):
            continue
        r = json.loads(line)
        if "wall_ms" in r:
            processes.setdefault(r["case"], {}).setdefault(r["library"], []).append(r)
            continue
        libraries = rows.setdefault(r["case"], {})
        if r["library"] not in libraries or r["median_ms"] < libraries[r["library"]]["median_ms"]:
            libraries[r["library"]] = r

    def rate(r):
        return f"{r['images_per_s']:.2f}" if r else "—"

    def ratio(ours, theirs):
        return f"{ours['images_per_s'] / theirs['images_per_s']:.2f}×" if ours and theirs else "—"

    print("In one process, models loaded, files decoded in every pass (LPIPS, DISTS and CLIP-I: pairs per second; "
          "CLIP-I and CLIPIQA against OpenCLIP only, pyiqa's clipiqa being another network):")
    print()
    print("| case | WildIR images/s | reference package | reference images/s | WildIR / reference | pyiqa images/s "
          "| WildIR / pyiqa |")
    print("|---|---:|---|---:|---:|---:|---:|")
    for case, libraries in rows.items():
        ours = libraries.get("wildir")
        base = case.rsplit("_", 1)[0]
        package = REFERENCE_LIBRARY.get(base, "")
        theirs, pyiqa = libraries.get(package), libraries.get("pyiqa")
        print(f"| {case} | {rate(ours)} | {package} | {rate(theirs)} | {ratio(ours, theirs)} | {rate(pyiqa)} "
              f"| {ratio(ours, pyiqa)} |")
    if processes:
        print()
        print("FID end to end, whole processes (start-up, loading the Inception, reading and resizing every image, "
              "the Fréchet distance); wall-clock seconds, median of the runs:")
        print()
        print("| case | side | command | runs | seconds | images/s | this side's time / WildIR's |")
        print("|---|---|---|---:|---:|---:|---:|")
        for case, libraries in processes.items():
            medians = {lib: statistics.median(r["wall_ms"] for r in runs) / 1e3 for lib, runs in libraries.items()}
            images = int(case.rsplit("_", 1)[1])  # fid_end_to_end_<images>
            for lib, runs in libraries.items():
                speed = images / medians[lib] if images else float("nan")
                relative = f"{medians[lib] / medians['wildir']:.2f}×" if "wildir" in medians and lib != "wildir" else ""
                print(f"| {case} | {lib} | {END_TO_END_COMMAND.get(lib, lib)} | {len(runs)} | {medians[lib]:.1f} "
                      f"| {speed:.1f} | {relative} |")


def main():
    command, arguments = sys.argv[1], sys.argv[2:]
    if command == "weights":
        weights(arguments[0])
    elif command == "images":
        images(arguments[0], arguments[1], int(arguments[2]), arguments[3], int(arguments[4]))
    elif command == "time":
        time_references(int(arguments[0]), arguments[1], arguments[2], arguments[3] if len(arguments) > 3 else "")
    elif command == "clip-weights":
        clip_weights(arguments[0])
    elif command == "time-clip":
        time_clip(int(arguments[0]), arguments[1], arguments[2], arguments[3],
                  arguments[4] if len(arguments) > 4 else "")
    elif command == "fid-pyiqa":
        fid_pyiqa(arguments[0], arguments[1])
    elif command == "table":
        table(arguments[0])
    else:
        sys.exit(f"unknown command {command}")


if __name__ == "__main__":
    main()
