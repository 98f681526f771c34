import CLIPTokenizer
import StableDiffusion
import WildTensor

/// SSP-IR's restoration (paper §III, Fig. 2; the official `pipelines/pipeline_bim.py`): the LQ image's latent noised
/// to t = 999 (the LRE start), then each step runs the ControlNet structure branch on the LQ image and the U-Net
/// with Prior-Guided Attention on the caption's chunked CLIP text embedding and the refined CLIP image embedding,
/// under classifier-free guidance; the final latent is decoded and its colours matched to the LQ image.
///
/// Memory is bounded by tiles, not by the image: the networks run on latent tiles (``Options/tiling``) and the VAE
/// encodes and decodes on image tiles (``Options/vaeTiling``, diffusers' tiled VAE); what grows with the image is
/// only a few 3-channel image-sized tensors (the LQ image and its guidance copies, the result) and latent-sized ones.
public final class SSPIRPipeline {
    public let vae: AutoencoderKL
    public let textEncoder: CLIPTextModel
    public let tokenizer: CLIPTokenizer
    public let imageEncoder: CLIPImageEncoder
    public let refine: RefineLayer
    public let controlNet: StructureControlNet
    public let unet: UNet2DConditionModel

    /// How a run samples.
    public struct Options: Sendable {
        /// Inference steps of the scheduler (the paper: 50 DDPM steps).
        public var steps = 50
        /// The scheduler (DDPM as the paper; DDIM and DPM-Solver++ are faster).
        public var scheduler: SchedulerKind = .ddpm
        /// Classifier-free guidance scale g (the official pipeline's 7.5; 1 runs the network once per step).
        public var guidance: Float = 7.5
        /// The negative prompt of the unconditional half (the official default "").
        public var negativePrompt = ""
        /// The ControlNet's `conditioning_scale` (1).
        public var conditioningScale: Float = 1
        /// The colour correction of the result (SeeSR's default AdaIN).
        public var colourFix: ColourFix = .adain
        /// The seed of the VAE posterior sample and of every noise draw.
        public var seed: UInt64 = 0
        /// Latent tiles for the networks; a latent no larger than one tile is denoised whole.
        public var tiling = LatentTiling()
        /// The VAE's tiles (diffusers' `enable_tiling()`: 512-pixel tiles overlapping by 0.25); an image (latent) no
        /// larger than one tile is encoded (decoded) whole, exactly as without tiles.
        public var vaeTiling = AutoencoderKLTiling()

        public init() {}
    }

    /// The schedulers a run can take.
    public enum SchedulerKind: String, Sendable, CaseIterable {
        case ddpm, ddim, dpmSolver = "dpm-solver"
    }

    public init(vae: AutoencoderKL, textEncoder: CLIPTextModel, tokenizer: CLIPTokenizer, imageEncoder: CLIPImageEncoder,
                refine: RefineLayer, controlNet: StructureControlNet, unet: UNet2DConditionModel) {
        self.vae = vae
        self.textEncoder = textEncoder
        self.tokenizer = tokenizer
        self.imageEncoder = imageEncoder
        self.refine = refine
        self.controlNet = controlNet
        self.unet = unet
    }

    /// The side multiple an image is padded to: the VAE's factor times the U-Net's (8 · 8 = 64 for SD).
    public var sizeMultiple: Int { vae.configuration.downsamplingFactor * unet.configuration.sizeMultiple }

    /// Restores one LQ image `[1, 3, H, W]` in [0, 1] (any size: reflected to a multiple of ``sizeMultiple`` and
    /// cropped back) guided by `prompt` (the caption; "" for none); returns `[1, 3, H, W]` in [0, 1].
    /// - Parameter progress: called after each sampling step with (step, steps).
    /// - Throws: ``SSPIRError`` for a bad image or latent tiling; ``StableDiffusionError`` for VAE tiles that
    ///   ``AutoencoderKLTiling/validate(for:)`` refuses; the parts' errors for mismatched networks.
    public func restore(_ lq: Tensor, prompt: String, options: Options = Options(),
                        progress: ((Int, Int) -> Void)? = nil, isCancelled: (() -> Bool)? = nil) throws -> Tensor {
        guard lq.rank == 4, lq.shape[0] == 1, lq.shape[1] == 3, lq.shape[2] > 0, lq.shape[3] > 0 else {
            throw SSPIRError.invalidShape(name: "the LQ image", shape: lq.shape, expected: "[1, 3, H, W] in [0, 1]")
        }
        let tiling = options.tiling
        guard tiling.side > 0, tiling.side % unet.configuration.sizeMultiple == 0, (0..<tiling.side).contains(tiling.overlap) else {
            throw SSPIRError.invalidConfiguration(field: "tiling", reason: "tiles of \(tiling.side) latent pixels overlapping by \(tiling.overlap): the side must be a positive multiple of \(unet.configuration.sizeMultiple) and the overlap below it")
        }
        try options.vaeTiling.validate(for: vae.configuration)
        let (height, width) = (lq.shape[2], lq.shape[3])
        let multiple = sizeMultiple
        let padBottom = (multiple - height % multiple) % multiple, padRight = (multiple - width % multiple) % multiple
        let mode: Tensor.PaddingMode = padBottom < height && padRight < width ? .reflect : .replicate
        let image = lq.padded(left: 0, right: padRight, top: 0, bottom: padBottom, mode: mode)
        return try withNoGrad {
            var generator = TensorRandom(seed: options.seed)
            let scale = vae.configuration.scalingFactor
            let latent = try vae.encode(image * 2 - 1, tiling: options.vaeTiling).sample(generator: &generator) * scale
            let imageEmbedding = try refine.project(try imageEncoder.features(try imageEncoder.preprocess(image)))
            let guided = options.guidance != 1
            let text: Tensor
            if guided {
                text = try ChunkedTextTokens.guidedEmbedding(prompts: [tokenizer.encode(prompt)],
                                                             negativePrompts: [tokenizer.encode(options.negativePrompt)],
                                                             textEncoder: textEncoder)
            } else {
                text = try ChunkedTextTokens.encode(try ChunkedTextTokens.rows([tokenizer.encode(prompt)]), textEncoder: textEncoder)
            }
            let halves = guided ? 2 : 1
            let images = Tensor.concatenate(Array(repeating: image, count: halves), axis: 0)
            let embeddings = Tensor.concatenate(Array(repeating: imageEmbedding, count: halves), axis: 0)
            let sampler = DiffusionSampler(scheduler: try options.scheduler.make(steps: options.steps),
                                           guidance: guided ? ClassifierFreeGuidance(scale: options.guidance) : nil)
            let steps = sampler.timesteps(from: .lre(latent)).count
            let clean = try sampler.sample(from: .lre(latent), seeds: [options.seed &+ 1],
                                           progress: { progress?($0.step, steps) }, isCancelled: isCancelled) { z, t in
                let factor = self.vae.configuration.downsamplingFactor
                return try options.tiling.blend(shape: z.shape) { y, x, h, w in
                    let whole = h == z.shape[2] && w == z.shape[3]
                    let tile = whole ? z : z.sliced(axis: 2, y..<(y + h)).sliced(axis: 3, x..<(x + w))
                    let pixels = whole ? images : images.sliced(axis: 2, (y * factor)..<((y + h) * factor))
                        .sliced(axis: 3, (x * factor)..<((x + w) * factor))
                    return try self.noise(tile, timestep: t, images: pixels, text: text, embeddings: embeddings,
                                          scale: options.conditioningScale)
                }
            }
            let decoded = (try vae.decode(clean * (1 / scale), tiling: options.vaeTiling) * 0.5 + 0.5).clamped(0, 1)
            let fixed = options.colourFix.apply(decoded, reference: image).clamped(0, 1)
            return fixed.sliced(axis: 2, 0..<height).sliced(axis: 3, 0..<width)
        }
    }
}

extension SSPIRPipeline {
    /// One network evaluation: the ControlNet on the LQ pixels, then the U-Net with its residuals.
    func noise(_ latent: Tensor, timestep: Int, images: Tensor, text: Tensor, embeddings: Tensor, scale: Float) throws -> Tensor {
        let timesteps = [Float(timestep)]
        let branch = try controlNet(latent, timesteps: timesteps, image: images, conditions: PriorConditions(text: text, image: embeddings),
                                    scale: scale)
        return try unet(latent, timesteps: timesteps, conditions: PriorConditions(text: text, image: embeddings, control: branch.residuals))
    }
}

extension SSPIRPipeline.SchedulerKind {
    /// The scheduler of `steps` inference steps on SD-1.5's schedule.
    func make(steps: Int) throws -> any NoiseScheduler {
        switch self {
        case .ddpm: return try DDPMScheduler(steps: steps)
        case .ddim: return try DDIMScheduler(steps: steps)
        case .dpmSolver: return try DPMSolverMultistepScheduler(steps: steps)
        }
    }
}
