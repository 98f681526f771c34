import StableDiffusion
import WildTensor

/// SSP-IR's training objective (paper eq. (7); the official `train.py:962-1046`):
/// L = ‖ε − ε̂(z_t, t, c_text, c_image, LQ)‖² + Σ_scales (λ₁·L_RGB + λ₂·L_FFT), with z_0 the VAE latent of the GT
/// (posterior sample × 0.18215), z_t = add_noise(z_0, ε, t) on SD's schedule, the caption's chunked text
/// embedding, the Refine Layer's embedding of the LQ photo's CLIP tokens, and the ControlNet on the LQ photo, whose
/// Processor's RGB maps the structure-prior loss supervises.
///
/// Trained, as the official code: the U-Net's Prior-Guided Attention (`image_attentions`, `pixel_attentions`), the
/// whole ControlNet (its Processor included) and the Refine Layer (when the U-Net has image attentions). Frozen: the rest of the U-Net, the VAE, the text
/// encoder and the CLIP image encoder (``freezeOthers()`` turns their gradients off).
public struct SSPIRObjective {
    /// The networks (the trained ones are updated in place by an optimiser).
    public let pipeline: SSPIRPipeline
    /// λ₁ and λ₂ of the structure prior (the paper's 0.1 and 0.01).
    public let structureLoss: StructurePriorLoss
    /// The forward process z_t = √ᾱ_t z_0 + √(1 − ᾱ_t) ε (SD-1.5's scaled-linear β).
    public let schedule: NoiseSchedule

    public init(pipeline: SSPIRPipeline, structureLoss: StructurePriorLoss = StructurePriorLoss(),
                schedule: NoiseSchedule? = nil) throws {
        self.pipeline = pipeline
        self.structureLoss = structureLoss
        self.schedule = try schedule ?? NoiseSchedule(.stableDiffusion15)
    }

    /// The trained parameters, in a fixed order (U-Net attentions, ControlNet, Refine Layer); a U-Net without image
    /// attentions never reads the Refine Layer, which then does not train.
    public var trainableParameters: [(name: String, tensor: Tensor)] {
        clippedParameters + (usesImageEmbedding ? pipeline.refine.namedParameters().map { ("refine.\($0.name)", $0.tensor) } : [])
    }

    /// The trained parameters whose gradient norm `train.py` clips (`accelerator.clip_grad_norm_` over the ControlNet
    /// and U-Net parameters, TR:1040-1043): all but the Refine Layer's.
    public var clippedParameters: [(name: String, tensor: Tensor)] {
        pipeline.unet.namedParameters().filter { UNet2DConditionModel.isPriorGuidanceParameter($0.name) }.map { ("unet.\($0.name)", $0.tensor) }
            + pipeline.controlNet.namedParameters().map { ("controlnet.\($0.name)", $0.tensor) }
    }

    /// Whether the networks read the refined image embedding (the U-Net has image attentions).
    public var usesImageEmbedding: Bool { pipeline.unet.configuration.imageCrossAttentionDim != nil }

    /// Turns gradients off for every frozen parameter and on for the trained ones.
    public func freezeOthers() {
        let modules: [Module] = [pipeline.vae, pipeline.textEncoder, pipeline.imageEncoder.tower, pipeline.unet]
        for module in modules { for parameter in module.parameters() { parameter.requiresGrad = false } }
        for (_, parameter) in trainableParameters { parameter.requiresGrad = true }
    }

    /// The shape of ε for images `[B, 3, H, W]`: the VAE's latent, `[B, in_channels, H/f, W/f]`.
    public func latentShape(forImages images: Tensor) -> [Int] {
        let factor = pipeline.vae.configuration.downsamplingFactor
        return [images.shape[0], pipeline.unet.configuration.inChannels, images.shape[2] / factor, images.shape[3] / factor]
    }

    /// What one evaluation gives: the total (differentiable) and its parts.
    public struct Value {
        public let total: Tensor
        public let diffusion: Tensor
        public let structure: StructurePriorLoss.Terms
    }

    /// The objective on a batch.
    /// - Parameters:
    ///   - groundTruth: `[B, 3, H, W]` in [−1, 1] (the official loader scales GT so).
    ///   - lowQuality: `[B, 3, H, W]` in [0, 1], the LQ photo at the output size.
    ///   - captions: one per sample ("" for a dropped caption).
    ///   - timesteps: one per sample in 0..<1000.
    ///   - noise: ε, `[B, 4, H/8, W/8]` (for SD's VAE).
    ///   - generator: the VAE posterior's draws.
    /// - Throws: the parts' shape errors.
    public func callAsFunction(groundTruth: Tensor, lowQuality: Tensor, captions: [String], timesteps: [Int], noise: Tensor,
                               generator: inout TensorRandom) throws -> Value {
        let scale = pipeline.vae.configuration.scalingFactor
        let uses = usesImageEmbedding
        let (latent, text, image) = try withNoGrad { () throws -> (Tensor, Tensor, Tensor?) in
            let latent = try pipeline.vae.encode(groundTruth).sample(generator: &generator) * scale
            let text = try ChunkedTextTokens.encode(try ChunkedTextTokens.rows(captions.map { pipeline.tokenizer.encode($0) }),
                                                    textEncoder: pipeline.textEncoder)
            let tokens = uses ? try pipeline.imageEncoder.features(try pipeline.imageEncoder.preprocess(lowQuality)) : nil
            return (latent, text, tokens)
        }
        let noisy = try schedule.addNoise(latent, noise: noise, timesteps: timesteps)
        let embedding = try image.map { try pipeline.refine.project($0) }
        let steps = timesteps.map(Float.init)
        let branch = try pipeline.controlNet(noisy, timesteps: steps, image: lowQuality,
                                             conditions: PriorConditions(text: text, image: embedding))
        let prediction = try pipeline.unet(noisy, timesteps: steps,
                                           conditions: PriorConditions(text: text, image: embedding, control: branch.residuals))
        let diffusion = prediction.mseLoss(noise)
        let structure = try structureLoss.terms(rgbs: branch.rgbs, groundTruth: groundTruth)
        return Value(total: diffusion + structure.total, diffusion: diffusion, structure: structure)
    }
}
