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
    /// `degradation_encoder` (WildIR's, not official): the widths of the network's own ``DegradationEncoder``, whose
    /// embedding of the whole low-quality image is added to the time embedding; nil (the official networks) has none.
    public var degradationEncoderWidths: [Int]?
    /// `unsharp_sigmas` (WildIR's, not official): the Gaussians' standard deviations of the network's
    /// ``LearnedUnsharpMask``, whose per-pixel gains times the high-passes of μ are added to the output; nil (the
    /// official networks) has none.
    public var unsharpSigmas: [Double]?
    /// `unsharp_initial_gains` (WildIR's): the learned unsharp mask's gains when the network is new, one per sigma in
    /// −8…8 (nil: zeros); a negative gain smooths that band (a fixed linear filter of the high-passes, as the best fixed
    /// filter of the bundled model's card); trained networks keep theirs in their weights.
    public var unsharpInitialGains: [Double]?

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

extension ConditionalUNetConfiguration {
    /// Largest width a level may have (`nf · ch_mult`), far above any published network; it bounds the memory a
    /// configuration from a file or checkpoint metadata can ask for.
    public static let maximumWidth = 4096

    /// Checks that the configuration describes a network that can be built: positive, bounded widths and levels,
    /// GroupNorm's 32 groups where the image-context transformers use it, a known `scale`.
    /// - Throws: ``ModelConfigurationError`` naming the official option (`nf`, `ch_mult`, …) and the allowed range.
    public func validate() throws {
        func check(_ ok: Bool, _ option: String, _ reason: String) throws {
            if !ok { throw ModelConfigurationError(option: option, reason: reason) }
        }
        try check((1...4).contains(inChannels), "in_nc", "must lie in 1…4, got \(inChannels)")
        try check((1...4).contains(outChannels), "out_nc", "must lie in 1…4, got \(outChannels)")
        try check(baseChannels >= 8 && baseChannels <= 1024 && baseChannels % 8 == 0, "nf",
                  "must be a multiple of 8 in 8…1024, got \(baseChannels)")
        try check((1...6).contains(channelMultipliers.count), "ch_mult", "must have 1…6 levels, got \(channelMultipliers.count)")
        try check(channelMultipliers.allSatisfy { (1...64).contains($0) }, "ch_mult",
                  "entries must lie in 1…64, got \(channelMultipliers)")
        let widest = baseChannels * (channelMultipliers.max() ?? 1)
        try check(widest <= Self.maximumWidth, "ch_mult", "nf · ch_mult reaches \(widest), more than \(Self.maximumWidth)")
        if let contextDim, contextDim > 0 {
            try check(contextDim <= 8192, "context_dim", "must lie in 1…8192, got \(contextDim)")
        }
        if hasContext && useImageContext {
            let deepest = [baseChannels * (channelMultipliers.last ?? 1), baseChannels * (channelMultipliers.dropLast().last ?? 1)]
            try check(deepest.allSatisfy { $0 % 32 == 0 }, "nf",
                      "with image context the deepest levels' widths (\(deepest)) must be multiples of 32 (GroupNorm of 32 groups)")
        }
        try check(scale == 1 || scale == 0.5, "scale", "must be 1 or 0.5, got \(scale)")
        if let widths = degradationEncoderWidths {
            try check((1...6).contains(widths.count) && widths.allSatisfy { (4...512).contains($0) }, "degradation_encoder",
                      "must list 1…6 widths in 4…512, got \(widths)")
        }
        if let sigmas = unsharpSigmas {
            try check((1...4).contains(sigmas.count) && sigmas.allSatisfy { $0 >= 0.3 && $0 <= 8 }, "unsharp_sigmas",
                      "must list 1…4 standard deviations in 0.3…8 pixels, got \(sigmas)")
        }
        if let gains = unsharpInitialGains {
            try check(gains.count == (unsharpSigmas?.count ?? -1) && gains.allSatisfy { (-8...8).contains($0) }, "unsharp_initial_gains",
                      "must give one gain in −8…8 per unsharp_sigmas entry (\(unsharpSigmas?.count ?? 0)), got \(gains)")
        }
        let parameters = approximateParameterCount
        try check(parameters <= Self.maximumParameters, "nf",
                  "and ch_mult describe about \(parameters / 1_000_000) M parameters, more than \(Self.maximumParameters / 1_000_000) M")
    }

    /// The largest network accepted (about 2 GB of Float32 weights; the official wild-IR network has 49 M).
    public static let maximumParameters = 500_000_000

    /// The weights of the 3×3 convolutions of the levels and the middle, which dominate the parameter count
    /// (within a few per cent), computed before anything is allocated.
    public var approximateParameterCount: Int {
        let widths = ([1] + channelMultipliers).map { baseChannels * $0 }
        var total = 0
        for level in 0..<channelMultipliers.count {
            let dimIn = widths[level], dimOut = widths[level + 1]
            total += 2 * 18 * dimIn * dimIn                          // two down ResBlocks
            total += 16 * dimIn * dimOut                             // down-sampling convolution
            total += 2 * 9 * ((dimIn + dimOut) * dimOut + dimOut * dimOut)   // two up ResBlocks
            total += 9 * dimOut * dimIn                              // up-sampling convolution
        }
        let middle = widths.last ?? baseChannels
        return total + 2 * 18 * middle * middle
    }
}

/// A network configuration that cannot be built, naming the official option.
public struct ModelConfigurationError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The option's official name (`nf`, `ch_mult`, …).
    public let option: String
    public let reason: String

    public var description: String { "\(option) \(reason)" }
}
