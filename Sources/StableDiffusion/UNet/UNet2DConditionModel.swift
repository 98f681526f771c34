import WildTensor

/// Stable Diffusion's text-conditioned U-Net (Rombach et al. 2022, §3.3; diffusers' `UNet2DConditionModel` in
/// SD-1.5's layout), optionally with SSP-IR's Prior-Guided Attention (Zhang et al., §III-C, Fig. 2): image
/// attentions on the refined CLIP image embedding in the down, middle and up blocks, and structure attentions on
/// the ControlNet's residuals in the up blocks. Predicts the noise ε of a latent at a time step.
///
/// Parameter names equal diffusers' (and SSP-IR's `unet/` folder's), so those weights load strictly.
public final class UNet2DConditionModel: Module {
    public let configuration: UNet2DConditionConfiguration
    public let convIn: Conv2d
    public let timeEmbedding: TimestepEmbedding
    public let downBlocks: [CrossAttentionDownBlock2D]
    public let midBlock: UNetMidBlock2DCrossAttention
    public let upBlocks: [CrossAttentionUpBlock2D]
    public let convNormOut: GroupNorm
    public let convOut: Conv2d

    /// A network of `configuration` drawn from `generator` (PyTorch's default initialisations; ``TensorRandom/placeholder``
    /// when weights are loaded next). Call ``UNet2DConditionConfiguration/validate()`` first on untrusted values.
    public init(_ configuration: UNet2DConditionConfiguration, generator: TensorRandom) {
        self.configuration = configuration
        var g = generator
        let widths = configuration.blockOutChannels, blocks = widths.count
        convIn = Conv2d(configuration.inChannels, widths[0], kernelSize: 3, padding: 1, generator: &g)
        timeEmbedding = TimestepEmbedding(inChannels: widths[0], embeddingDim: configuration.timeEmbeddingDim, generator: &g)
        downBlocks = (0..<blocks).map { i in
            CrossAttentionDownBlock2D(inChannels: i == 0 ? widths[0] : widths[i - 1], outChannels: widths[i],
                                      attention: i < blocks - 1, downsample: i < blocks - 1, configuration: configuration,
                                      generator: &g)
        }
        midBlock = UNetMidBlock2DCrossAttention(channels: widths[blocks - 1], configuration: configuration, generator: &g)
        let reversed = Array(widths.reversed())
        upBlocks = (0..<blocks).map { i in
            CrossAttentionUpBlock2D(inChannels: reversed[min(i + 1, blocks - 1)], previousOutChannels: reversed[max(i - 1, 0)],
                                    outChannels: reversed[i], attention: i > 0, upsample: i < blocks - 1,
                                    configuration: configuration, generator: &g)
        }
        convNormOut = GroupNorm(groups: configuration.normNumGroups, channels: widths[0], eps: configuration.normEps)
        convOut = Conv2d(widths[0], configuration.outChannels, kernelSize: 3, padding: 1, generator: &g)
    }

    /// The noise predicted for `sample` (`[B, in_channels, h, w]`, h and w multiples of
    /// ``UNet2DConditionConfiguration/sizeMultiple``) at `timesteps` (one per sample, or one for all).
    /// - Throws: ``StableDiffusionError/invalidShape(name:shape:expected:)`` for a latent, embedding or residual of
    ///   the wrong shape, or a prior the network needs and was not given.
    public func callAsFunction(_ sample: Tensor, timesteps: [Float], conditions: PriorConditions) throws -> Tensor {
        try check(sample, timesteps: timesteps, conditions: conditions)
        let batch = sample.shape[0]
        let steps = timesteps.count == 1 ? Array(repeating: timesteps[0], count: batch) : timesteps
        let embedding = timeEmbedding(sinusoidalTimestepEmbedding(steps, dim: configuration.blockOutChannels[0]))

        var h = convIn(sample)
        var skips = [h]
        for block in downBlocks {
            let (output, blockSkips) = block(h, timeEmbedding: embedding, conditions: conditions)
            h = output
            skips += blockSkips
        }
        if let control = conditions.control {
            skips = zip(skips, control.down).map { $0 + $1 }
        }
        h = midBlock(h, timeEmbedding: embedding, conditions: conditions)
        if let control = conditions.control { h = h + control.mid }

        var structure = configuration.structureAttention ? conditions.control?.down : nil
        for block in upBlocks {
            let count = block.resnets.count
            let blockSkips = Array(skips.suffix(count))
            skips.removeLast(count)
            let blockStructure = structure.map { Array($0.suffix(count)) }
            structure?.removeLast(count)
            h = block(h, skips: blockSkips, structure: blockStructure, timeEmbedding: embedding, conditions: conditions)
        }
        return convOut(convNormOut(h).silu())
    }

    /// Checks the latent, the time steps and the embeddings a network of `configuration` reads (the U-Net, or a
    /// ControlNet copy of its encoder).
    package static func checkInputs(_ sample: Tensor, timesteps: [Float], conditions: PriorConditions,
                                    configuration c: UNet2DConditionConfiguration) throws {
        func fail(_ name: String, _ shape: [Int], _ expected: String) -> StableDiffusionError {
            .invalidShape(name: name, shape: shape, expected: expected)
        }
        guard sample.rank == 4, sample.shape[1] == c.inChannels, sample.shape[2] % c.sizeMultiple == 0,
              sample.shape[3] % c.sizeMultiple == 0, sample.shape[2] > 0, sample.shape[3] > 0 else {
            throw fail("the latent", sample.shape, "[B, \(c.inChannels), h, w] with h and w positive multiples of \(c.sizeMultiple)")
        }
        let batch = sample.shape[0]
        guard timesteps.count == 1 || timesteps.count == batch else {
            throw fail("the time steps", [timesteps.count], "one per sample (\(batch)) or one for all")
        }
        let text = conditions.text
        guard text.rank == 3, text.shape[0] == batch, text.shape[2] == c.crossAttentionDim else {
            throw fail("the text embedding", text.shape, "[\(batch), L, \(c.crossAttentionDim)]")
        }
        if let imageDim = c.imageCrossAttentionDim {
            guard let image = conditions.image else {
                throw fail("the image embedding", [], "[\(batch), N, \(imageDim)] (the network has image attentions)")
            }
            guard image.rank == 3, image.shape[0] == batch, image.shape[2] == imageDim else {
                throw fail("the image embedding", image.shape, "[\(batch), N, \(imageDim)]")
            }
        }
    }

    private func check(_ sample: Tensor, timesteps: [Float], conditions: PriorConditions) throws {
        try Self.checkInputs(sample, timesteps: timesteps, conditions: conditions, configuration: configuration)
        let c = configuration, batch = sample.shape[0]
        func fail(_ name: String, _ shape: [Int], _ expected: String) -> StableDiffusionError {
            .invalidShape(name: name, shape: shape, expected: expected)
        }
        guard let control = conditions.control else {
            if c.structureAttention {
                throw fail("the ControlNet residuals", [], "\(c.skipCount) down residuals and a mid one (the U-Net has structure attention)")
            }
            return
        }
        let expected = skipShapes(batch: batch, height: sample.shape[2], width: sample.shape[3])
        guard control.down.count == expected.count else {
            throw fail("the ControlNet residuals", [control.down.count], "\(expected.count) down residuals")
        }
        for (index, (residual, shape)) in zip(control.down, expected).enumerated() where residual.shape != shape {
            throw fail("ControlNet down residual \(index)", residual.shape, "\(shape)")
        }
        let last = c.blockOutChannels[c.blockOutChannels.count - 1], factor = c.sizeMultiple
        let midShape = [batch, last, sample.shape[2] / factor, sample.shape[3] / factor]
        guard control.mid.shape == midShape else { throw fail("the ControlNet mid residual", control.mid.shape, "\(midShape)") }
    }

    /// The shapes of the skip connections for a latent of `height` × `width`, in the order the down blocks make them.
    public func skipShapes(batch: Int, height: Int, width: Int) -> [[Int]] {
        let widths = configuration.blockOutChannels
        var shapes = [[batch, widths[0], height, width]]
        var (h, w) = (height, width)
        for (i, channels) in widths.enumerated() {
            shapes += Array(repeating: [batch, channels, h, w], count: configuration.layersPerBlock)
            if i < widths.count - 1 {
                h = (h + 1) / 2
                w = (w + 1) / 2
                shapes.append([batch, channels, h, w])
            }
        }
        return shapes
    }
}
