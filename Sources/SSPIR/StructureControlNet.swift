import StableDiffusion
import WildTensor

/// SSP-IR's structure branch (paper §III-C, Fig. 2): the official `ControlNetModel` built by
/// `from_unet(unet, use_image_cross_attention=True, use_srresnet=False)` (zyhrainbow/SSP-IR `models/controlnet.py`).
///
/// A trainable copy of the U-Net's encoder (Zhang et al. 2023, ControlNet §3.2): `conv_in`, the time embedding, the
/// down blocks and the middle block, with their image attentions; the ``StructureProcessor``'s feature of the LQ
/// image is added to `conv_in`'s output (it replaces nothing); every skip connection and the middle output pass
/// a zero-initialised 1×1 convolution (`controlnet_down_blocks.{i}`, `controlnet_mid_block`) and are scaled by the
/// conditioning scale. The residuals are added to the U-Net's skips and are its structure attentions' keys and
/// values (``PriorConditions/control``).
public final class StructureControlNet: Module {
    /// The U-Net configuration the branch copies (image attentions, no up blocks, so no structure attention).
    public let configuration: UNet2DConditionConfiguration
    public let convIn: Conv2d
    public let timeEmbedding: TimestepEmbedding
    /// The Processor, under the official `controlnet_cond_embedding.` prefix.
    public let controlnetCondEmbedding: StructureProcessor
    public let downBlocks: [CrossAttentionDownBlock2D]
    /// One zero-initialised 1×1 convolution per skip connection.
    public let controlnetDownBlocks: [Conv2d]
    public let midBlock: UNetMidBlock2DCrossAttention
    public let controlnetMidBlock: Conv2d

    /// What one step of the branch gives: the U-Net's residuals and the Processor's RGB maps (for
    /// ``StructurePriorLoss``).
    public struct Output {
        /// The zero-convolved, scaled residuals the U-Net adds to its skips and attends to.
        public let residuals: ControlNetResiduals
        /// The Processor's RGB maps at 1/2, 1/4, 1/8 (fewer for a Processor of fewer stages).
        public let rgbs: [Tensor]
    }

    /// A branch of the U-Net configuration `unet` (its structure attention dropped), with PyTorch's default
    /// initialisation, zero convolutions and a zero Processor `conv_out`. The Processor's embedding width is the
    /// U-Net's first width.
    /// - Throws: when `processor` describes no Processor or another embedding width.
    public init(unet: UNet2DConditionConfiguration, processor: StructureProcessor.Configuration = .official,
                generator: TensorRandom) throws {
        var configuration = unet
        configuration.structureAttention = false
        try configuration.validate()
        let widths = configuration.blockOutChannels, blocks = widths.count
        guard processor.embeddingChannels == widths[0] else {
            throw SSPIRError.invalidShape(name: "the Processor's embedding", shape: [processor.embeddingChannels],
                                          expected: "the U-Net's first width \(widths[0])")
        }
        self.configuration = configuration
        var g = generator
        convIn = Conv2d(configuration.inChannels, widths[0], kernelSize: 3, padding: 1, generator: &g)
        timeEmbedding = TimestepEmbedding(inChannels: widths[0], embeddingDim: configuration.timeEmbeddingDim, generator: &g)
        controlnetCondEmbedding = try StructureProcessor(processor, generator: &g)
        downBlocks = (0..<blocks).map { i in
            CrossAttentionDownBlock2D(inChannels: i == 0 ? widths[0] : widths[i - 1], outChannels: widths[i],
                                      attention: i < blocks - 1, downsample: i < blocks - 1, configuration: configuration,
                                      generator: &g)
        }
        var zeroConvolutions = [Conv2d(widths[0], widths[0], kernelSize: 1, generator: &g)]
        for (i, width) in widths.enumerated() {
            for _ in 0..<(configuration.layersPerBlock + (i < blocks - 1 ? 1 : 0)) {
                zeroConvolutions.append(Conv2d(width, width, kernelSize: 1, generator: &g))
            }
        }
        controlnetDownBlocks = zeroConvolutions
        midBlock = UNetMidBlock2DCrossAttention(channels: widths[blocks - 1], configuration: configuration, generator: &g)
        controlnetMidBlock = Conv2d(widths[blocks - 1], widths[blocks - 1], kernelSize: 1, generator: &g)
        for convolution in zeroConvolutions + [controlnetMidBlock] {
            for parameter in convolution.parameters() { parameter.withUnsafeMutableBufferPointer { $0.update(repeating: 0) } }
        }
    }

    /// The official `from_unet`: a new branch whose `conv_in`, time embedding, down blocks and middle block (image
    /// attentions included) are copies of `unet`'s, so that it starts as the U-Net's encoder.
    public convenience init(copying unet: UNet2DConditionModel, processor: StructureProcessor.Configuration = .official,
                            generator: TensorRandom) throws {
        try self.init(unet: unet.configuration, processor: processor, generator: generator)
        let source = Dictionary(uniqueKeysWithValues: unet.namedParameters().map { ($0.name, $0.tensor) })
        for (name, parameter) in namedParameters() {
            guard let copied = source[name] else { continue }
            parameter.assign(copied.detached())
        }
    }

    /// One step of the branch.
    /// - Parameters:
    ///   - latent: `[B, in_channels, h, w]`, the noisy latent the U-Net also sees.
    ///   - image: `[B, 3, 8h, 8w]`, the LQ image in [0, 1] (for a Processor of three stages).
    ///   - conditions: the text and image embeddings (its `control` is ignored).
    ///   - scale: `conditioning_scale`, multiplying every residual (1 in SSP-IR).
    /// - Throws: ``SSPIRError/invalidShape(name:shape:expected:)`` when the Processor's feature does not match the
    ///   latent's size, and the U-Net's shape errors for the latent and embeddings.
    public func callAsFunction(_ latent: Tensor, timesteps: [Float], image: Tensor, conditions: PriorConditions,
                               scale: Float = 1) throws -> Output {
        try UNet2DConditionModel.checkInputs(latent, timesteps: timesteps, conditions: PriorConditions(text: conditions.text, image: conditions.image),
                                             configuration: configuration)
        let processed = try controlnetCondEmbedding(image)
        var h = convIn(latent)
        guard processed.feature.shape == h.shape else {
            throw SSPIRError.invalidShape(name: "the LQ image", shape: image.shape,
                                          expected: "the latent's size times 8 (its Processor feature \(processed.feature.shape) must match \(h.shape))")
        }
        let batch = latent.shape[0]
        let steps = timesteps.count == 1 ? Array(repeating: timesteps[0], count: batch) : timesteps
        let embedding = timeEmbedding(sinusoidalTimestepEmbedding(steps, dim: configuration.blockOutChannels[0]))
        h = h + processed.feature
        var skips = [h]
        for block in downBlocks {
            let (output, blockSkips) = block(h, timeEmbedding: embedding, conditions: conditions)
            h = output
            skips += blockSkips
        }
        h = midBlock(h, timeEmbedding: embedding, conditions: conditions)
        var down = zip(skips, controlnetDownBlocks).map { $1($0) }
        var mid = controlnetMidBlock(h)
        if scale != 1 {
            down = down.map { $0 * scale }
            mid = mid * scale
        }
        return Output(residuals: ControlNetResiduals(down: down, mid: mid), rgbs: processed.rgbs)
    }
}
