import Checkpoints

extension ConditionalUNetConfiguration {
    /// Reads the configuration of a `ConditionalUNet` state dict from its tensor names and shapes (so official
    /// checkpoints need no options file): `nf` and `in_nc` from `init_conv.weight`, `out_nc` from
    /// `final_conv.weight`, `ch_mult` from each level's down-sampling output width, the image context from the
    /// spatial transformers' `attn2.to_k.weight`, the degradation prompt from `prompt`/`text_mlp`, and the ×0.5
    /// wrapper from `downsample.weight`.
    public init(inferringFrom state: [String: StoredTensor]) throws {
        func shape(_ key: String) throws -> [Int] {
            guard let t = state[key] else {
                throw ModelError.unrecognisedStateDict("no '\(key)': not a ConditionalUNet state dict")
            }
            return t.shape
        }
        self.init()
        let initConv = try shape("init_conv.weight")
        guard initConv.count == 4, initConv[1] % 2 == 0 else {
            throw ModelError.unrecognisedStateDict("init_conv.weight has shape \(initConv), expected [nf, 2·in_nc, 7, 7]")
        }
        baseChannels = initConv[0]
        inChannels = initConv[1] / 2
        outChannels = try shape("final_conv.weight")[0]
        var multipliers: [Int] = []
        while state["downs.\(multipliers.count).0.block1.proj.weight"] != nil {
            let width = try shape("downs.\(multipliers.count).3.weight")[0]
            guard width % baseChannels == 0 else {
                throw ModelError.unrecognisedStateDict("level \(multipliers.count) width \(width) is not a multiple of nf \(baseChannels)")
            }
            multipliers.append(width / baseChannels)
        }
        guard !multipliers.isEmpty else { throw ModelError.unrecognisedStateDict("no 'downs.0.…' levels") }
        channelMultipliers = multipliers
        let contextKey = state.keys.sorted().first { $0.hasSuffix("transformer_blocks.0.attn2.to_k.weight") }
        useImageContext = contextKey != nil
        useDegradationContext = state["prompt"] != nil
        if let contextKey {
            contextDim = try shape(contextKey)[1]
        } else if useDegradationContext {
            contextDim = try shape("text_mlp.0.weight")[1]
        } else {
            contextDim = nil
        }
        scale = state["downsample.weight"] != nil ? 0.5 : 1
    }
}

/// Problems with a model file or configuration.
public enum ModelError: Error, CustomStringConvertible, Equatable {
    case unrecognisedStateDict(String)
    case invalidConfiguration(String)

    public var description: String {
        switch self {
        case let .unrecognisedStateDict(why): return "cannot read the network's configuration from its weights: \(why)"
        case let .invalidConfiguration(why): return "invalid network configuration: \(why)"
        }
    }
}
