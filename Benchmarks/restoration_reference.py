"""The PyTorch side of the restoration benchmark: the official IR-SDE (`IRSDE.reverse_posterior`) with the official
`ConditionalUNet`, loaded with the same weights as WildIR (a WildIR checkpoint's tensors carry the official names),
on the same image and number of steps, float32, 2 threads; prints one JSON line like `restoration-eval speed`.

Run: DACLIP_REPO=... Tools/.venv/bin/python Benchmarks/restoration_reference.py MODEL IMAGE STEPS RUNS
"""
import importlib
import importlib.util
import json
import os
import statistics
import sys
import types

import numpy as np
import torch
from PIL import Image
from safetensors import safe_open
from safetensors.torch import load_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _timing import measure  # noqa: E402


def official(repo):
    sys.path.insert(0, os.path.join(repo, "universal-image-restoration", "config", "wild-ir"))
    arch = importlib.import_module("models.modules.DenoisingUNet_arch")
    for name in ("torchvision", "torchvision.utils"):
        sys.modules.setdefault(name, types.ModuleType(name))
    sys.modules["torchvision"].utils = sys.modules["torchvision.utils"]
    tqdm = types.ModuleType("tqdm")
    tqdm.tqdm = lambda x, *a, **k: x
    sys.modules.setdefault("tqdm", tqdm)
    spec = importlib.util.spec_from_file_location("sde_utils", os.path.join(repo, "universal-image-restoration", "utils", "sde_utils.py"))
    sde_utils = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sde_utils)
    return arch, sde_utils


def main():
    model_path, image_path, steps, runs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    repo = os.environ.get("DACLIP_REPO") or sys.exit("set DACLIP_REPO to a checkout of the official DACLIP-IR code")
    torch.set_num_threads(2)
    arch, sde_utils = official(repo)
    with safe_open(model_path, "pt") as f:
        meta = f.metadata()
    net_cfg, sde_cfg = json.loads(meta["wildir.network"]), json.loads(meta["wildir.sde"])
    net = arch.ConditionalUNet(net_cfg["inChannels"], net_cfg["outChannels"], net_cfg["baseChannels"],
                               ch_mult=net_cfg["channelMultipliers"], context_dim=net_cfg.get("contextDim") or -1,
                               use_degra_context=net_cfg["useDegradationContext"],
                               use_image_context=net_cfg["useImageContext"], scale=net_cfg["scale"])
    net.load_state_dict(load_file(model_path), strict=True)
    net.eval()
    sde = sde_utils.IRSDE(max_sigma=sde_cfg["max_sigma"], T=sde_cfg["T"], sample_T=steps, schedule=sde_cfg["schedule"],
                          eps=sde_cfg["eps"], device="cpu")
    sde.set_model(net)
    lq = torch.from_numpy(np.asarray(Image.open(image_path).convert("RGB"), dtype=np.float32) / 255).permute(2, 0, 1)[None]
    sde.set_mu(lq)

    def restore():
        with torch.no_grad():
            sde.reverse_posterior(sde.noise_state(lq))
    times = measure(restore, runs)
    height, width = lq.shape[2:]
    print(json.dumps({"library": "pytorch", "case": f"restore_{width}x{height}_posterior_{steps}_steps",
                      "median_ms": statistics.median(times), "runs_ms": times}, sort_keys=True), flush=True)


if __name__ == "__main__":
    main()
