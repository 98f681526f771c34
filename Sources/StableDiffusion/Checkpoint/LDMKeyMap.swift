import Checkpoints

/// How the original single-file Stable Diffusion checkpoints (CompVis latent diffusion's naming:
/// `first_stage_model.encoder.down.0.block.1.nin_shortcut.weight`, …) name what diffusers names differently
/// (`encoder.down_blocks.0.resnets.1.conv_shortcut.weight`), as data: a component's key prefix in the file and a
/// table of module-path renames, matched longest first (the facts of diffusers' `convert_ldm_vae_checkpoint`).
///
/// Every key of a component must fall under one rule; a rule may also mark a 1×1 convolution of the original
/// (`[out, in, 1, 1]`) that is a `Linear` in diffusers (`[out, in]`), as LDM's VAE attention `q, k, v, proj_out`.
/// The VAE's table is ``autoencoderKL(_:)``; the U-Net's and the text encoder's belong here too.
public struct LDMKeyMap: Sendable {
    /// One rename: keys starting with `original` start with `diffusers` instead.
    public struct Rule: Sendable, Equatable {
        public let original: String
        public let diffusers: String
        /// The original stores a 1×1 convolution's weight `[out, in, 1, 1]` where diffusers has a Linear `[out, in]`.
        public let convolutionAsLinear: Bool

        public init(_ original: String, _ diffusers: String, convolutionAsLinear: Bool = false) {
            self.original = original
            self.diffusers = diffusers
            self.convolutionAsLinear = convolutionAsLinear
        }
    }

    /// The component's prefix in a whole checkpoint (`first_stage_model.` for the VAE).
    public let prefix: String
    /// The renames, longest `original` first.
    public let rules: [Rule]
    /// The same, longest `diffusers` first (for the inverse).
    private let inverseRules: [Rule]

    public init(prefix: String, rules: [Rule]) {
        self.prefix = prefix
        self.rules = rules.sorted { $0.original.count > $1.original.count }
        inverseRules = rules.sorted { $0.diffusers.count > $1.diffusers.count }
    }

    /// The diffusers name and shape of a component key (without ``prefix``) and its stored shape, or nil when no rule
    /// covers the key.
    public func diffusers(_ key: String, shape: [Int]) -> (name: String, shape: [Int])? {
        guard let rule = rules.first(where: { key.hasPrefix($0.original) }) else { return nil }
        let name = rule.diffusers + key.dropFirst(rule.original.count)
        let squeezed = rule.convolutionAsLinear && key.hasSuffix(".weight") && shape.count == 4 && shape[2] == 1 && shape[3] == 1
        return (name, squeezed ? Array(shape.prefix(2)) : shape)
    }

    /// The original name (with ``prefix``) of a diffusers key, or nil when no rule produces it.
    public func original(_ diffusersKey: String) -> String? {
        guard let rule = inverseRules.first(where: { diffusersKey.hasPrefix($0.diffusers) }) else { return nil }
        return prefix + rule.original + diffusersKey.dropFirst(rule.diffusers.count)
    }

    /// The component's entries of a whole checkpoint, renamed to diffusers' keys and reshaped where a rule says so;
    /// keys outside ``prefix`` are left out.
    ///
    /// - Returns: the renamed state (a key no rule covers keeps its name, so a strict load reports it) and, for each
    ///   of its keys, the full name in the file (for error messages).
    public func diffusersState(_ state: [(name: String, tensor: StoredTensor)]) throws
        -> (state: [String: StoredTensor], originalNames: [String: String]) {
        var out: [String: StoredTensor] = [:], names: [String: String] = [:]
        for (fullName, tensor) in state where fullName.hasPrefix(prefix) {
            let key = String(fullName.dropFirst(prefix.count))
            var (name, shape) = diffusers(key, shape: tensor.shape) ?? (key, tensor.shape)
            if names[name] != nil { name = fullName }  // two originals on one name: keep both visible
            out[name] = shape == tensor.shape ? tensor : try StoredTensor(shape: shape, elementType: tensor.elementType, bytes: tensor.bytes)
            names[name] = fullName
        }
        return (out, names)
    }
}

extension LDMKeyMap {
    /// The VAE (`first_stage_model.`) of a configuration with `blockOutChannels.count` blocks: the encoder's
    /// `down.i.block.j` are `down_blocks.i.resnets.j`, the decoder's `up.i` are `up_blocks.(n−1−i)` (LDM numbers
    /// them from the highest resolution, diffusers from the lowest), `mid.block_1/attn_1/block_2` the mid block's
    /// `resnets.0/attentions.0/resnets.1`, `nin_shortcut` is `conv_shortcut`, `norm_out` is `conv_norm_out`, and the
    /// attention's `norm, q, k, v, proj_out` are `group_norm, to_q, to_k, to_v, to_out.0`.
    public static func autoencoderKL(_ configuration: AutoencoderKLConfiguration) -> LDMKeyMap {
        let n = configuration.blockOutChannels.count
        var rules: [Rule] = ["quant_conv.", "post_quant_conv."].map { Rule($0, $0) }
        func resnet(_ original: String, _ diffusers: String) {
            rules += [Rule(original, diffusers), Rule(original + "nin_shortcut.", diffusers + "conv_shortcut.")]
        }
        for part in ["encoder", "decoder"] {
            rules += [Rule("\(part).conv_in.", "\(part).conv_in."), Rule("\(part).conv_out.", "\(part).conv_out."),
                      Rule("\(part).norm_out.", "\(part).conv_norm_out.")]
            resnet("\(part).mid.block_1.", "\(part).mid_block.resnets.0.")
            resnet("\(part).mid.block_2.", "\(part).mid_block.resnets.1.")
            let attention = "\(part).mid_block.attentions.0."
            rules.append(Rule("\(part).mid.attn_1.norm.", attention + "group_norm."))
            for (original, diffusers) in [("q", "to_q"), ("k", "to_k"), ("v", "to_v"), ("proj_out", "to_out.0")] {
                rules.append(Rule("\(part).mid.attn_1.\(original).", attention + diffusers + ".", convolutionAsLinear: true))
            }
        }
        for i in 0..<n {
            for j in 0..<configuration.layersPerBlock {
                resnet("encoder.down.\(i).block.\(j).", "encoder.down_blocks.\(i).resnets.\(j).")
            }
            rules.append(Rule("encoder.down.\(i).downsample.conv.", "encoder.down_blocks.\(i).downsamplers.0.conv."))
            let up = n - 1 - i
            for j in 0...configuration.layersPerBlock {
                resnet("decoder.up.\(up).block.\(j).", "decoder.up_blocks.\(i).resnets.\(j).")
            }
            rules.append(Rule("decoder.up.\(up).upsample.conv.", "decoder.up_blocks.\(i).upsamplers.0.conv."))
        }
        return LDMKeyMap(prefix: "first_stage_model.", rules: rules)
    }
}
