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

extension LDMKeyMap {
    /// The U-Net (`model.diffusion_model.`) of SD-1.5's layout (the facts of diffusers' `convert_ldm_unet_checkpoint`):
    /// `input_blocks.0.0` is `conv_in`; `input_blocks.i` for i ≥ 1 runs through the down blocks, `layers_per_block`
    /// resnets (`.0`) with their attentions (`.1`) then the down-sampler (`.0.op`); `middle_block.0/1/2` are the mid
    /// block's `resnets.0/attentions.0/resnets.1`; `output_blocks.i` run through the up blocks, `layers_per_block + 1`
    /// resnets with their attentions, the up-sampler last (`.1.conv`, or `.2.conv` after an attention);
    /// `time_embed.0/2` are `time_embedding.linear_1/2`, `out.0/2` `conv_norm_out`/`conv_out`. A resnet's
    /// `in_layers.0/2`, `emb_layers.1`, `out_layers.0/3`, `skip_connection` are `norm1`, `conv1`, `time_emb_proj`,
    /// `norm2`, `conv2`, `conv_shortcut`; attentions keep their inner names. SSP-IR's image and structure attentions
    /// have no original names: SD files do not hold them.
    public static func unet2DCondition(_ configuration: UNet2DConditionConfiguration) -> LDMKeyMap {
        let n = configuration.blockOutChannels.count, layers = configuration.layersPerBlock
        var rules = [Rule("time_embed.0.", "time_embedding.linear_1."), Rule("time_embed.2.", "time_embedding.linear_2."),
                     Rule("input_blocks.0.0.", "conv_in."), Rule("out.0.", "conv_norm_out."), Rule("out.2.", "conv_out.")]
        func resnet(_ original: String, _ diffusers: String) {
            for (o, d) in [("in_layers.0.", "norm1."), ("in_layers.2.", "conv1."), ("emb_layers.1.", "time_emb_proj."),
                           ("out_layers.0.", "norm2."), ("out_layers.3.", "conv2."), ("skip_connection.", "conv_shortcut.")] {
                rules.append(Rule(original + o, diffusers + d))
            }
        }
        for block in 0..<n {
            for layer in 0..<layers {
                let index = 1 + block * (layers + 1) + layer
                resnet("input_blocks.\(index).0.", "down_blocks.\(block).resnets.\(layer).")
                if block < n - 1 { rules.append(Rule("input_blocks.\(index).1.", "down_blocks.\(block).attentions.\(layer).")) }
            }
            if block < n - 1 {
                rules.append(Rule("input_blocks.\(1 + block * (layers + 1) + layers).0.op.", "down_blocks.\(block).downsamplers.0.conv."))
            }
            for layer in 0...layers {
                let index = block * (layers + 1) + layer
                resnet("output_blocks.\(index).0.", "up_blocks.\(block).resnets.\(layer).")
                if block > 0 { rules.append(Rule("output_blocks.\(index).1.", "up_blocks.\(block).attentions.\(layer).")) }
                if layer == layers && block < n - 1 {
                    rules.append(Rule("output_blocks.\(index).\(block > 0 ? 2 : 1).conv.", "up_blocks.\(block).upsamplers.0.conv."))
                }
            }
        }
        resnet("middle_block.0.", "mid_block.resnets.0.")
        rules.append(Rule("middle_block.1.", "mid_block.attentions.0."))
        resnet("middle_block.2.", "mid_block.resnets.1.")
        return LDMKeyMap(prefix: "model.diffusion_model.", rules: rules)
    }
}
