// The WildIR side of the SSP-IR benchmark: one sampling step of SSP-IR at Stable Diffusion 1.5's widths (the
// ControlNet structure branch, then the U-Net with Prior-Guided Attention) and the VAE decode, for a 512² photo
// (64² latent) with classifier-free guidance (batch 2), random weights, float32, on the engine's threads.
// Prints JSON lines for Benchmarks/compare.py. Usage: sspir-bench [RUNS]
// `sspir-bench memory step|vae` builds only that case's networks and runs it once, untimed, for a peak-memory
// measurement of the whole process (Benchmarks/process_timing.py).
import BenchSupport
import Foundation
import SSPIR
import StableDiffusion
import WildTensor

let arguments = CommandLine.arguments
let memoryCase = arguments.count > 2 && arguments[1] == "memory" ? arguments[2] : nil
let runs = arguments.count > 1 ? Int(arguments[1]) ?? 3 : 3
var random = TensorRandom(seed: 0)
if memoryCase == "vae" {
    var g = TensorRandom(seed: 3)
    let vae = try AutoencoderKL(.stableDiffusion15, generator: &g)
    vae.eval()
    _ = try withNoGrad { try vae.decode(random.normal([1, 4, 64, 64])) }
    exit(0)
}
let unet = UNet2DConditionModel(.sspir, generator: TensorRandom(seed: 1))
let controlNet = try StructureControlNet(copying: unet, generator: TensorRandom(seed: 2))
for module in [unet, controlNet] as [Module] {
    // Every weight random (a new branch's zero convolutions would make the structure residuals trivially zero).
    for parameter in module.parameters() where parameter.values.allSatisfy({ $0 == 0 }) {
        parameter.assign(random.normal(parameter.shape) * 0.02)
    }
    module.eval()
}
let latent = random.normal([2, 4, 64, 64]), lq = random.uniform([2, 3, 512, 512], bound: 1).abs()
let text = random.normal([2, 77, 768]), image = random.normal([2, 256, 512])
let timesteps: [Float] = [901, 901]
let conditions = PriorConditions(text: text, image: image)
let branch = try withNoGrad { try controlNet(latent, timesteps: timesteps, image: lq, conditions: conditions) }
if memoryCase == "step" {  // the step's second half: the U-Net with the branch's residuals
    _ = try withNoGrad { try unet(latent, timesteps: timesteps, conditions: PriorConditions(text: text, image: image, control: branch.residuals)) }
    exit(0)
}
report("sspir_controlnet_512_b2", try time(runs: runs) {
    _ = try withNoGrad { try controlNet(latent, timesteps: timesteps, image: lq, conditions: conditions) }
})
let guided = PriorConditions(text: text, image: image, control: branch.residuals)
report("sspir_unet_512_b2", try time(runs: runs) { _ = try withNoGrad { try unet(latent, timesteps: timesteps, conditions: guided) } })
var g = TensorRandom(seed: 3)
let vae = try AutoencoderKL(.stableDiffusion15, generator: &g)
vae.eval()
let one = random.normal([1, 4, 64, 64])
report("sd_vae_decode_512", try time(runs: runs) { _ = try withNoGrad { try vae.decode(one) } })
