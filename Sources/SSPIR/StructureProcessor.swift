import Checkpoints
import WildTensor

/// SSP-IR's Constrained Processor (the structure prior, paper §III-C, Fig. 2): the official `ControlNetConditioningEmbedding`
/// with RGB heads (zyhrainbow/SSP-IR `models/controlnet.py:123-189`).
///
/// From the LQ image at output size (RGB in [0, 1], not normalised) it computes the structure feature added to the
/// ControlNet's `conv_in` output at 1/8 resolution, and three RGB maps at 1/2, 1/4 and 1/8 resolution that
/// ``StructurePriorLoss`` supervises (eqs. 5–6). Layers (official channels (16, 32, 96, 256)), all 3×3 with
/// padding 1 and a SiLU after each but the heads and `conv_out`:
/// - `conv_in`: 3 → 16;
/// - for each stage i: `blocks.{2i}` cᵢ → cᵢ (stride 1), then `blocks.{2i+1}` cᵢ → cᵢ₊₁ (stride 2);
/// - `to_rgbs.{i}`: cᵢ₊₁ → 3 on the SiLU output of `blocks.{2i+1}` (`controlnet.py:165,184-185`);
/// - `conv_out`: 256 → 320, zero-initialised (`controlnet.py:137,146-182`).
///
/// Parameter keys are the official ones without the ControlNet's prefix (`conv_in.weight`, `blocks.0.weight`,
/// `to_rgbs.0.weight`, `conv_out.bias`, …); ``loadOfficial(_:)`` reads them from a ControlNet state dict.
public final class StructureProcessor: Module {
    /// The channels of the Processor; ``official`` is SSP-IR's (1,096,857 parameters, 10,377 in the heads).
    public struct Configuration: Sendable, Equatable {
        /// Channels of the input image (RGB).
        public var inputChannels: Int
        /// `block_out_channels` of `ControlNetConditioningEmbedding`: `conv_in`'s output, then each stage's.
        public var blockChannels: [Int]
        /// Channels of the structure feature (`conditioning_embedding_channels`, the U-Net's first width).
        public var embeddingChannels: Int
        /// Channels of each head's output.
        public var rgbChannels: Int

        public init(inputChannels: Int = 3, blockChannels: [Int] = [16, 32, 96, 256], embeddingChannels: Int = 320,
                    rgbChannels: Int = 3) {
            self.inputChannels = inputChannels
            self.blockChannels = blockChannels
            self.embeddingChannels = embeddingChannels
            self.rgbChannels = rgbChannels
        }

        /// SSP-IR's Processor: (16, 32, 96, 256) → 320, three RGB heads.
        public static let official = Configuration()

        /// Throws when a count is not positive or there are fewer than two block widths (no stage).
        public func validate() throws {
            if blockChannels.count < 2 {
                throw SSPIRError.invalidConfiguration(field: "blockChannels", reason: "needs at least two widths, got \(blockChannels)")
            }
            var counts: [(field: String, value: Int)] = [("inputChannels", inputChannels), ("embeddingChannels", embeddingChannels),
                                                         ("rgbChannels", rgbChannels)]
            counts += blockChannels.map { (field: "blockChannels", value: $0) }
            for count in counts where count.value <= 0 {
                throw SSPIRError.invalidConfiguration(field: count.field, reason: "must be positive, got \(count.value)")
            }
        }
    }

    /// What the Processor gives: the structure feature and the RGB maps, finest first.
    public struct Output {
        /// [B, embeddingChannels, H/8, W/8] (for the official three stages): added to the ControlNet's `conv_in`.
        public let feature: Tensor
        /// [B, 3, H/2, W/2], [B, 3, H/4, W/4], [B, 3, H/8, W/8]: the heads' outputs, in the official list order.
        public let rgbs: [Tensor]
    }

    /// The prefix of the Processor's keys in an official ControlNet state dict (`controlnet.py:427-432`).
    public static let officialPrefix = "controlnet_cond_embedding."

    public let configuration: Configuration
    public let convIn: Conv2d
    public let blocks: [Conv2d]
    public let toRgbs: [Conv2d]
    public let convOut: Conv2d

    /// A Processor with PyTorch's default initialisation, and `conv_out` zero as in the official code (so a fresh
    /// ControlNet starts as the U-Net).
    public init(_ configuration: Configuration = .official, generator: inout TensorRandom) throws {
        try configuration.validate()
        self.configuration = configuration
        let widths = configuration.blockChannels
        convIn = Conv2d(configuration.inputChannels, widths[0], kernelSize: 3, padding: 1, generator: &generator)
        var blocks: [Conv2d] = [], heads: [Conv2d] = []
        for stage in 0..<(widths.count - 1) {
            blocks.append(Conv2d(widths[stage], widths[stage], kernelSize: 3, padding: 1, generator: &generator))
            blocks.append(Conv2d(widths[stage], widths[stage + 1], kernelSize: 3, stride: 2, padding: 1, generator: &generator))
            heads.append(Conv2d(widths[stage + 1], configuration.rgbChannels, kernelSize: 3, padding: 1, generator: &generator))
        }
        self.blocks = blocks
        toRgbs = heads
        convOut = Conv2d(widths[widths.count - 1], configuration.embeddingChannels, kernelSize: 3, padding: 1, generator: &generator)
        for parameter in [convOut.weight, convOut.bias].compactMap({ $0 }) {
            parameter.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        }
    }

    /// The official forward (`controlnet.py:173-189`): SiLU after `conv_in` and after every block; each stride-2
    /// block's activation also goes through its RGB head.
    ///
    /// - Parameter image: [B, inputChannels, H, W], the LQ image in [0, 1] at output size.
    /// - Throws: ``SSPIRError/invalidShape(name:shape:expected:)`` for another shape.
    public func callAsFunction(_ image: Tensor) throws -> Output {
        guard image.rank == 4, image.shape[1] == configuration.inputChannels, image.shape[2] > 0, image.shape[3] > 0 else {
            throw SSPIRError.invalidShape(name: "the Processor's input", shape: image.shape,
                                          expected: "[B, \(configuration.inputChannels), H, W]")
        }
        var x = convIn(image).silu()
        var rgbs: [Tensor] = []
        for (index, block) in blocks.enumerated() {
            x = block(x).silu()
            if index % 2 == 1 { rgbs.append(toRgbs[index / 2](x)) }
        }
        return Output(feature: convOut(x), rgbs: rgbs)
    }

    /// Loads the Processor from an official ControlNet state dict (keys under ``officialPrefix``), or from one of
    /// the Processor alone when `prefix` is "".
    public func loadOfficial(_ state: [String: StoredTensor], prefix: String = StructureProcessor.officialPrefix) throws {
        try loadStateDict(state, stripping: prefix)
    }
}
