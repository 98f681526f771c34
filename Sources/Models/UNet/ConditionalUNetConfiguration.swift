/// The hyper-parameters of `ConditionalUNet`, with the official option names in the comments
/// (`network_G.setting` of the IR-SDE option files).
public struct ConditionalUNetConfiguration: Codable, Equatable, Sendable {
    /// `in_nc`: image channels of the noisy state and of the condition (the network sees 2·in_nc).
    public var inChannels: Int = 3
    /// `out_nc`.
    public var outChannels: Int = 3
    /// `nf`: base width.
    public var baseChannels: Int = 64
    /// `ch_mult`: width multipliers per level.
    public var channelMultipliers: [Int] = [1, 2, 4, 8]
    /// `context_dim` (nil or ≤ 0 disables context).
    public var contextDim: Int? = 512
    /// `use_degra_context`: the degradation-prompt path (DA-CLIP's degradation embedding).
    public var useDegradationContext: Bool = true
    /// `use_image_context`: cross-attention to the image-content embedding in the deepest level and the middle.
    public var useImageContext: Bool = false
    /// `scale`: 0.5 adds a 2× down-sampling after the first convolution (and the matching up-sampling).
    public var scale: Double = 1

    public init() {}

    /// The `wild-ir` configuration of DACLIP-IR (`nf` 64, `ch_mult` [1, 2, 4, 8], image context of dim 768, scale 0.5).
    public static var wildIR: ConditionalUNetConfiguration {
        var c = ConditionalUNetConfiguration()
        c.channelMultipliers = [1, 2, 4, 8]
        c.contextDim = 768
        c.useDegradationContext = false
        c.useImageContext = true
        c.scale = 0.5
        return c
    }

    /// The `daclip-sde` configuration (`nf` 64, `ch_mult` [1, 2, 4, 8], context 512, degradation and image context).
    public static var daclipSDE: ConditionalUNetConfiguration {
        var c = ConditionalUNetConfiguration()
        c.contextDim = 512
        c.useDegradationContext = true
        c.useImageContext = true
        return c
    }

    public var hasContext: Bool { (contextDim ?? 0) > 0 }
    var depth: Int { channelMultipliers.count }
    var timeDim: Int { baseChannels * 4 }
}
