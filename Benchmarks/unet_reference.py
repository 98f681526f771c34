"""The PyTorch side of the network benchmark: the official IR-SDE blocks and the wild-IR ConditionalUNet (nf 64,
ch_mult [1, 2, 4, 8], image context 768, scale 0.5) with random weights, float32, 2 threads; same cases and timing
as Sources/unet-bench (one warm-up, then the median of RUNS). Prints JSON lines for compare.py.

The official code is not on PyPI: DACLIP_REPO must point at a checkout of github.com/Algolzw/daclip-uir (MIT).
Run: DACLIP_REPO=... Tools/.venv/bin/python Benchmarks/unet_reference.py [RUNS]
     DACLIP_REPO=... Tools/.venv/bin/python Benchmarks/unet_reference.py memory SIZE
"""
import importlib
import json
import os
import resource
import statistics
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _timing import measure  # noqa: E402


def official():
    repo = os.environ.get("DACLIP_REPO")
    if not repo:
        sys.exit("unet_reference.py: set DACLIP_REPO to a checkout of the official DACLIP-IR code")
    sys.path.insert(0, os.path.join(repo, "universal-image-restoration", "config", "wild-ir"))
    return (importlib.import_module("models.modules.module_util"), importlib.import_module("models.modules.attention"),
            importlib.import_module("models.modules.DenoisingUNet_arch"))


def report(case, times):
    print(json.dumps({"library": "pytorch", "case": case, "median_ms": statistics.median(times), "runs_ms": times},
                     sort_keys=True), flush=True)


def main():
    torch.set_num_threads(2)
    torch.manual_seed(0)
    util, attention, arch = official()

    def unet():
        return arch.ConditionalUNet(3, 3, 64, ch_mult=[1, 2, 4, 8], context_dim=768, use_degra_context=False,
                                    use_image_context=True, scale=0.5)

    def forward(net, size, batch=1):
        x, mu = torch.randn(batch, 3, size, size), torch.randn(batch, 3, size, size)
        context, t = torch.randn(batch, 768), torch.arange(20, 20 + batch).float()

        def run():
            with torch.no_grad():
                net(x, mu, t, image_context=context)
        return run

    if len(sys.argv) >= 3 and sys.argv[1] == "memory":
        size = int(sys.argv[2])
        forward(unet().eval(), size)()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps({"library": "pytorch", "case": f"unet_forward_{size}_peak_rss", "peak_mb": peak}))
        return
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5

    block = util.ResBlock(util.default_conv, 64, 64, time_emb_dim=256, act=util.NonLinearity())
    x, t = torch.randn(1, 64, 128, 128), torch.randn(1, 256)
    with torch.no_grad():
        report("resblock_c64_128x128", measure(lambda: block(x, t), runs))
    layer = attention.SpatialTransformer(512, 16, 32, depth=1, context_dim=768)
    layer.transformer_blocks[0].checkpoint = False
    x, c = torch.randn(1, 512, 32, 32), torch.randn(1, 1, 768)
    with torch.no_grad():
        report("spatial_transformer_c512_32x32", measure(lambda: layer(x, context=c), runs))
    net = unet().eval()
    report("unet_forward_256x256", measure(forward(net, 256), runs))
    report("unet_forward_512x512", measure(forward(net, 512), max(3, runs // 2)))
    net.train()
    for module in net.modules():
        if hasattr(module, "checkpoint"):
            module.checkpoint = False  # plain backward, as WildIR's (the official flag recomputes activations)
    x, mu, target = torch.randn(4, 3, 128, 128), torch.randn(4, 3, 128, 128), torch.randn(4, 3, 128, 128)
    context, t = torch.randn(4, 768), torch.tensor([5.0, 30.0, 60.0, 90.0])
    optimiser = torch.optim.AdamW(net.parameters(), lr=1e-4, betas=(0.9, 0.99), weight_decay=0)

    def step():
        loss = (net(x, mu, t, image_context=context) - target).abs().mean()
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    report("unet_train_step_b4_128x128", measure(step, max(3, runs // 2)))


if __name__ == "__main__":
    main()
