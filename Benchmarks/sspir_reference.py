"""The PyTorch side of the SSP-IR benchmark: the official SSP-IR ControlNet (models/controlnet.py, `from_unet` with
`use_image_cross_attention=True`, `use_srresnet=False`) and U-Net with Prior-Guided Attention
(models/unet_2d_condition.py), at Stable Diffusion 1.5's widths, and diffusers' AutoencoderKL; random weights,
float32, 2 threads; same cases and timing as Sources/sspir-bench (one warm-up, then the median of RUNS). Prints JSON
lines for compare.py.

The official code is not on PyPI and needs diffusers 0.21: SSPIR_REPO must point at a checkout of
github.com/zyhrainbow/SSP-IR (Apache-2.0); the script re-runs itself under Tools/.venv-sspir (created by
Tools/setup-sspir-reference.sh).
Run: SSPIR_REPO=... Tools/.venv/bin/python Benchmarks/sspir_reference.py [RUNS]
     SSPIR_REPO=... Tools/.venv/bin/python Benchmarks/sspir_reference.py memory step|vae   (one untimed call of that
     case, building only its networks, for a peak-memory measurement of the whole process)
"""
import json
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "Tools", "fixtures"))
sys.path.insert(0, HERE)
# Importing the fixture generator re-executes this script under Tools/.venv-sspir when needed.
from sspir_unet import SD15, without_basicsr  # noqa: E402
import torch  # noqa: E402
from _timing import measure  # noqa: E402


def report(case, times):
    print(json.dumps({"library": "pytorch", "case": case, "median_ms": statistics.median(times), "runs_ms": times},
                     sort_keys=True), flush=True)


def vae_decoder():
    """Stable Diffusion 1.5's AutoencoderKL (diffusers), random weights."""
    import diffusers
    return diffusers.AutoencoderKL(block_out_channels=[128, 256, 512, 512], layers_per_block=2, latent_channels=4,
                                   down_block_types=["DownEncoderBlock2D"] * 4,
                                   up_block_types=["UpDecoderBlock2D"] * 4).eval()


def main():
    repo = os.environ.get("SSPIR_REPO")
    if not repo:
        sys.exit("sspir_reference.py: set SSPIR_REPO to a checkout of the official SSP-IR code")
    sys.path.insert(0, repo)
    without_basicsr()
    from models.controlnet import ControlNetModel
    from models.unet_2d_condition import UNet2DConditionModel
    torch.set_num_threads(2)
    torch.manual_seed(0)
    memory = sys.argv[2] if len(sys.argv) > 2 and sys.argv[1] == "memory" else None
    if memory == "vae":
        with torch.no_grad():
            vae_decoder().decode(torch.randn(1, 4, 64, 64))
        return
    runs = int(sys.argv[1]) if len(sys.argv) > 1 and memory is None else 3
    config = {k: v for k, v in SD15.items() if k != "sample_size"}
    unet = UNet2DConditionModel(**config, use_image_cross_attention=True).eval()
    controlnet = ControlNetModel.from_unet(unet, use_image_cross_attention=True, use_srresnet=False).eval()
    with torch.no_grad():
        for module in (unet, controlnet):
            for p in module.parameters():
                if not p.any():
                    p.normal_(0, 0.02)
    latent, lq = torch.randn(2, 4, 64, 64), torch.rand(2, 3, 512, 512)
    text, image = torch.randn(2, 77, 768), torch.randn(2, 256, 512)
    t = torch.tensor([901.0, 901.0])
    with torch.no_grad():
        def branch():
            return controlnet(latent, t, encoder_hidden_states=text, controlnet_cond=lq, image_encoder_hidden_states=image,
                              return_dict=False)
        _, down, mid = branch()
        if memory == "step":  # the step's second half: the U-Net with the branch's residuals
            unet(latent, t, encoder_hidden_states=text, image_encoder_hidden_states=image,
                 down_block_additional_residuals=down, mid_block_additional_residual=mid)
            return
        report("sspir_controlnet_512_b2", measure(branch, runs))
        report("sspir_unet_512_b2", measure(lambda: unet(latent, t, encoder_hidden_states=text, image_encoder_hidden_states=image,
                                                         down_block_additional_residuals=down,
                                                         mid_block_additional_residual=mid), runs))
        vae = vae_decoder()
        one = torch.randn(1, 4, 64, 64)
        report("sd_vae_decode_512", measure(lambda: vae.decode(one), runs))


if __name__ == "__main__":
    main()
