import Checkpoints
import WildTensor

/// SSP-IR's Refine Layer (paper §III-B, the semantic prior's image branch): the official `TPBNet`
/// (zyhrainbow/SSP-IR `models/model.py:338-376`, built as `TPBNet(last_dim=512)` in `train.py:692`).
///
/// It projects the CLIP vision tokens into the image embedding that the image cross-attentions use as keys and
/// values: `visual_projection` = [Linear(width, width) → LayerNorm(width) → LeakyReLU(0.01)] × 2 →
/// Linear(width, outputWidth), keys `visual_projection.{0,1,3,4,6}.{weight,bias}` (2,628,096 parameters for the
/// official 1024 → 512). The official input is `hidden_states[24]` of CLIP ViT-L/14 (the last encoder layer,
/// before `post_layernorm`), of which the forward drops the CLS token (`model.py:372`).
public final class RefineLayer: Module {
    /// The widths of the Refine Layer; ``official`` is SSP-IR's.
    public struct Configuration: Sendable, Equatable {
        /// The CLIP vision width (`clip_v_dim`), also the hidden width.
        public var width: Int
        /// The image embedding's width (`last_dim`, the U-Net's `image_cross_attention_dim`).
        public var outputWidth: Int
        /// How many [Linear → LayerNorm → LeakyReLU] blocks precede the last Linear (`num_cross_proj_layers`).
        public var hiddenLayers: Int

        public init(width: Int = 1024, outputWidth: Int = 512, hiddenLayers: Int = 2) {
            self.width = width
            self.outputWidth = outputWidth
            self.hiddenLayers = hiddenLayers
        }

        /// CLIP ViT-L/14's width 1024 → 512, two hidden blocks.
        public static let official = Configuration()

        public func validate() throws {
            if width <= 0 { throw SSPIRError.invalidConfiguration(field: "width", reason: "must be positive, got \(width)") }
            if outputWidth <= 0 { throw SSPIRError.invalidConfiguration(field: "outputWidth", reason: "must be positive, got \(outputWidth)") }
            if hiddenLayers < 0 { throw SSPIRError.invalidConfiguration(field: "hiddenLayers", reason: "must not be negative, got \(hiddenLayers)") }
        }
    }

    public let configuration: Configuration
    public let visualProjection: Sequential

    /// A Refine Layer with PyTorch's default initialisation (LayerNorm weights 1, biases 0).
    public init(_ configuration: Configuration = .official, generator: inout TensorRandom) throws {
        try configuration.validate()
        self.configuration = configuration
        var layers: [any UnaryLayer] = []
        for _ in 0..<configuration.hiddenLayers {
            layers += [Linear(configuration.width, configuration.width, generator: &generator), LayerNorm(configuration.width),
                       LeakyReLU(slope: 0.01)] as [any UnaryLayer]
        }
        layers.append(Linear(configuration.width, configuration.outputWidth, generator: &generator))
        visualProjection = Sequential(layers)
    }

    /// The official forward: drops the first (CLS) token of the CLIP hidden states and projects every other token.
    ///
    /// - Parameter hiddenStates: [B, 1 + N, width] (N = 256 for CLIP ViT-L/14 at 224²).
    /// - Returns: [B, N, outputWidth], the image embedding.
    /// - Throws: ``SSPIRError/invalidShape(name:shape:expected:)`` for another shape or no token after the CLS.
    public func callAsFunction(_ hiddenStates: Tensor) throws -> Tensor {
        guard hiddenStates.rank == 3, hiddenStates.shape[1] >= 2, hiddenStates.shape[2] == configuration.width else {
            throw SSPIRError.invalidShape(name: "the CLIP hidden states", shape: hiddenStates.shape,
                                          expected: "[B, 1 + N, \(configuration.width)] with N ≥ 1 (CLS first)")
        }
        return try project(hiddenStates.sliced(axis: 1, 1..<hiddenStates.shape[1]))
    }

    /// `visual_projection` alone, on tokens without a CLS (the last axis is `width`).
    public func project(_ tokens: Tensor) throws -> Tensor {
        guard tokens.rank >= 2, tokens.shape[tokens.rank - 1] == configuration.width else {
            throw SSPIRError.invalidShape(name: "the Refine Layer's tokens", shape: tokens.shape, expected: "[…, \(configuration.width)]")
        }
        return visualProjection(tokens)
    }

    /// Loads an official `refine.pt` state dict (keys `visual_projection.*`, `prefix` "") or the entries under
    /// `prefix` of a larger one.
    public func loadOfficial(_ state: [String: StoredTensor], prefix: String = "") throws {
        try loadStateDict(state, stripping: prefix)
    }
}
