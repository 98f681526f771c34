"""The PyTorch side of the DA-CLIP benchmark (Benchmarks/run-daclip.sh): the official DACLIP-IR code on the CPU,
float32, 2 threads, random weights.

The official code is not on PyPI: DACLIP_REPO must point at a checkout of github.com/Algolzw/daclip-uir (MIT). Its
`universal-image-restoration/open_clip` (what the wild-IR `test.py` imports) is loaded from the checkout, never an
installed open_clip. One change is forced on a CPU: `ControlTransformer.__init__` calls `.cuda()`, which fails
without a GPU, so `torch.nn.Module.cuda` is a no-op while a DA-CLIP is built (the model stays float32 on the CPU).

  encode RUNS            encode_image(image, control=True) of a [1, 3, 224, 224] batch for daclip_ViT-B-32 and
                         daclip_ViT-L-14 (open_clip.create_model, random weights), no_grad; one warm-up, then
                         the median of RUNS. JSON lines with median_ms and images_per_s. Each model also under
                         torch.autocast("cpu", dtype=torch.bfloat16) (cases ending in _bf16), the reduced precision
                         a PyTorch user would pick on a CPU (the official code autocasts on CUDA).
  gemms RUNS             the encode's linear layers alone, as plain torch.matmul at their shapes (tokens × width
                         by the qkv, output, control, MLP-in and MLP-out weights; both towers, every block), each
                         shape the median of RUNS after warm-ups, times its count: the time a perfect
                         implementation would still spend on them at PyTorch's matrix-multiply speed, and GFLOP/s.
  memory NAME            peak resident memory of a process that builds daclip_NAME and encodes one image.
  weights DIR            writes DIR/wild-ir.pth (the wild-IR ConditionalUNet of options/test.yml: nf 64, ch_mult
                         [1, 2, 4, 8], context_dim 768, image context, scale 0.5; the official initialisation,
                         seed 0; a bare state dict as the released file), DIR/daclip_ViT-L-14.pt (daclip_ViT-L-14
                         with OpenCLIP's initialisation, seed 0, saved as the training script saves it:
                         {'epoch', 'name', 'state_dict'}), and DIR/lq_256.png, DIR/lq_512.png (Samples/astronaut.png,
                         resized by Pillow's bicubic filter / as is).
  restore DIR IMAGE STEPS OUT
                         the wild-IR test.py path for one image, as one process: create_model_from_pretrained(
                         'daclip_ViT-L-14', pretrained=DIR/daclip_ViT-L-14.pt), the ConditionalUNet with
                         DIR/wild-ir.pth loaded strictly, the LQGT dataset's reading (read_img, BGR → RGB) and
                         clip_transform, encode_image(control=True), IRSDE(max_sigma 50, T 100, sample_T STEPS,
                         cosine, eps 0.005): set_mu, noise_state, reverse_posterior with the image context, then
                         tensor2img and save_img to OUT. Prints one JSON line of its phases in seconds.
"""
import importlib
import importlib.util
import json
import os
import resource
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _timing import measure  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAMES = {"daclip_ViT-B-32": "vit_b32", "daclip_ViT-L-14": "vit_l14"}
UNET = dict(in_nc=3, out_nc=3, nf=64, ch_mult=[1, 2, 4, 8], context_dim=768, use_degra_context=False,
            use_image_context=True, scale=0.5)
SDE = dict(max_sigma=50, T=100, schedule="cosine", eps=0.005)


def repository():
    repo = os.environ.get("DACLIP_REPO")
    if not repo or not os.path.isdir(os.path.join(repo, "universal-image-restoration", "open_clip")):
        sys.exit("daclip_reference.py: set DACLIP_REPO to a checkout of the official DACLIP-IR code "
                 "(github.com/Algolzw/daclip-uir)")
    return os.path.join(repo, "universal-image-restoration")


def open_clip_module(uir):
    """The checkout's open_clip (as test.py imports it), not an installed copy."""
    sys.path.insert(0, uir)
    module = importlib.import_module("open_clip")
    assert os.path.realpath(module.__file__).startswith(os.path.realpath(uir)), module.__file__
    return module


def on_cpu(build):
    """Runs `build` with Module.cuda a no-op (ControlTransformer's constructor calls .cuda())."""
    original = torch.nn.Module.cuda
    torch.nn.Module.cuda = lambda self, device=None: self
    try:
        return build()
    finally:
        torch.nn.Module.cuda = original


def unet_arch(uir):
    sys.path.insert(0, os.path.join(uir, "config", "wild-ir"))
    return importlib.import_module("models.modules.DenoisingUNet_arch")


def official_utils(uir):
    """The checkout's `utils` package (IRSDE, tensor2img, save_img), imported as test.py imports it."""
    sys.path.insert(0, uir)
    module = importlib.import_module("utils")
    assert os.path.realpath(module.__file__).startswith(os.path.realpath(uir)), module.__file__
    return module


def data_util(uir):
    """data/util.py (read_img, clip_transform), loaded from its file (the data package's __init__ builds datasets)."""
    spec = importlib.util.spec_from_file_location("official_data_util", os.path.join(uir, "data", "util.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def encode(open_clip, name, bf16=False):
    model = on_cpu(lambda: open_clip.create_model(name)).eval()
    image = torch.randn(1, 3, 224, 224, generator=torch.Generator().manual_seed(1))

    def run():
        with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            model.encode_image(image, control=True)
    return run


def benchmark(open_clip, runs):
    only = os.environ.get("DACLIP_BENCH_ONLY")
    for (name, short), bf16 in [(item, bf16) for item in NAMES.items() for bf16 in (False, True)]:
        if only and not short.endswith(only):
            continue
        run = encode(open_clip, name, bf16)
        run()
        times, cpu = [], []
        for _ in range(runs):
            start = time.process_time()
            times += measure(run, 1, warmups=0)
            cpu.append((time.process_time() - start) * 1e3)
        median = statistics.median(times)
        # cpu_ms: the CPU time of all threads (spin-waiting included), a check on a loaded machine.
        print(json.dumps({"library": "pytorch", "case": f"daclip_encode_image_control_{short}_224{'_bf16' if bf16 else ''}",
                          "median_ms": median, "images_per_s": 1e3 / median, "cpu_ms": statistics.median(cpu),
                          "runs_ms": times}, sort_keys=True), flush=True)


def write_weights(uir, folder):
    from PIL import Image
    os.makedirs(folder, exist_ok=True)
    torch.manual_seed(0)
    net = unet_arch(uir).ConditionalUNet(**UNET)
    torch.save(net.state_dict(), os.path.join(folder, "wild-ir.pth"))
    torch.manual_seed(0)
    open_clip = open_clip_module(uir)
    model = on_cpu(lambda: open_clip.create_model("daclip_ViT-L-14"))
    torch.save({"epoch": 1, "name": "daclip_ViT-L-14-random", "state_dict": model.state_dict()},
               os.path.join(folder, "daclip_ViT-L-14.pt"))
    photo = Image.open(os.path.join(ROOT, "Samples", "astronaut.png")).convert("RGB")
    photo.resize((512, 512), Image.BICUBIC).save(os.path.join(folder, "lq_512.png"))
    photo.resize((256, 256), Image.BICUBIC).save(os.path.join(folder, "lq_256.png"))


def restore(uir, folder, image_path, steps, out_path):
    start = time.perf_counter()
    open_clip = open_clip_module(uir)
    arch, util, data = unet_arch(uir), official_utils(uir), data_util(uir)
    imported = time.perf_counter()
    clip_model, _ = on_cpu(lambda: open_clip.create_model_from_pretrained(
        "daclip_ViT-L-14", pretrained=os.path.join(folder, "daclip_ViT-L-14.pt")))
    clip_model.eval()
    net = arch.ConditionalUNet(**UNET)
    state = torch.load(os.path.join(folder, "wild-ir.pth"), map_location="cpu")
    net.load_state_dict({k[7:] if k.startswith("module.") else k: v for k, v in state.items()}, strict=True)
    net.eval()
    sde = util.IRSDE(sample_T=steps, device="cpu", **SDE)
    sde.set_model(net)
    loaded = time.perf_counter()
    # LQGT_dataset: read_img (BGR, [0, 1]) → RGB → clip_transform; the LQ tensor CHW.
    img = data.read_img(None, image_path)[:, :, [2, 1, 0]]
    img4clip = data.clip_transform(img).unsqueeze(0)
    lq = torch.from_numpy(img.transpose(2, 0, 1).copy()).float().unsqueeze(0)
    with torch.no_grad():
        image_context, degra_context = clip_model.encode_image(img4clip, control=True)
        image_context, degra_context = image_context.float(), degra_context.float()
    encoded = time.perf_counter()
    noisy_state = sde.noise_state(lq)
    sde.set_mu(lq)
    with torch.no_grad():
        output = sde.reverse_posterior(noisy_state, text_context=degra_context, image_context=image_context)
    sampled = time.perf_counter()
    util.save_img(util.tensor2img(output.squeeze()), out_path)
    done = time.perf_counter()
    assert torch.isfinite(output).all(), "non-finite restoration"
    print(json.dumps({"library": "pytorch", "image": os.path.basename(image_path), "steps": steps,
                      "import_s": imported - start, "load_s": loaded - imported, "encode_s": encoded - loaded,
                      "sample_s": sampled - encoded, "write_s": done - sampled, "total_s": done - start,
                      "peak_mb": peak_mb()}, sort_keys=True), flush=True)


# tokens (patches + class token at 224²), width and blocks of each configuration.
SHAPES = {"vit_b32": (50, 768, 12), "vit_l14": (257, 1024, 24)}


def gemms(runs):
    for short, (tokens, width, blocks) in SHAPES.items():
        # Per block of each tower: qkv (w → 3w), output (w → w), MLP in (w → 4w) and out (4w → w); the controller
        # adds one w → w control per block.
        layers = [((tokens, width, 3 * width), 2 * blocks), ((tokens, width, width), 3 * blocks),
                  ((tokens, width, 4 * width), 2 * blocks), ((tokens, 4 * width, width), 2 * blocks)]
        total_ms, flops = 0.0, 0
        for (m, k, n), count in layers:
            a, b = torch.randn(m, k), torch.randn(k, n)
            total_ms += count * statistics.median(measure(lambda: torch.matmul(a, b), runs, warmups=3))
            flops += count * 2 * m * k * n
        print(json.dumps({"library": "pytorch", "case": f"daclip_encode_image_control_{short}_224", "gemm_ms": total_ms,
                          "gemm_gflop": flops / 1e9}, sort_keys=True), flush=True)


def main():
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))  # run-daclip.sh: 2, as WildIR
    uir = repository()
    command = sys.argv[1] if len(sys.argv) > 1 else "encode"
    if command == "encode":
        benchmark(open_clip_module(uir), int(sys.argv[2]) if len(sys.argv) > 2 else 5)
    elif command == "gemms":
        gemms(int(sys.argv[2]) if len(sys.argv) > 2 else 5)
    elif command == "memory":
        name = sys.argv[2]
        encode(open_clip_module(uir), name)()
        print(json.dumps({"library": "pytorch", "case": f"daclip_encode_{NAMES[name]}_peak_rss", "peak_mb": peak_mb()}))
    elif command == "weights":
        write_weights(uir, sys.argv[2])
    elif command == "restore":
        restore(uir, sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])
    else:
        sys.exit(f"daclip_reference.py: unknown command {command!r} (encode, gemms, memory, weights, restore)")


if __name__ == "__main__":
    main()
