import Foundation

/// The widths of Stable Diffusion's text-conditioned U-Net (diffusers' `UNet2DConditionModel` with SD-1.5's block
/// layout: cross-attention down blocks then one plain down block, a cross-attention middle, one plain up block then
/// cross-attention up blocks), and SSP-IR's Prior-Guided Attention (Zhang et al., §III-C, Fig. 2). Field names
/// follow the diffusers `config.json` keys; ``stableDiffusion15`` is SD-1.5's `unet/config.json`.
public struct UNet2DConditionConfiguration: Sendable, Equatable {
    /// `in_channels` (the latent's, 4).
    public var inChannels: Int
    /// `out_channels` (4).
    public var outChannels: Int
    /// `block_out_channels`: one down and one up block per entry; the last down block and the first up block have
    /// no attention.
    public var blockOutChannels: [Int]
    /// `layers_per_block`: resnets per down block (up blocks have one more).
    public var layersPerBlock: Int
    /// `attention_head_dim`, which diffusers reads as the number of heads of every cross-attention block (8 in
    /// SD-1.5: heads of width C/8).
    public var attentionHeads: Int
    /// `cross_attention_dim`: the text embedding's width (768, CLIP ViT-L/14's).
    public var crossAttentionDim: Int
    /// `norm_num_groups` (32).
    public var normNumGroups: Int
    /// `norm_eps` of the resnets and the output norm (1e-5; the transformers' GroupNorms use 1e-6).
    public var normEps: Float
    /// SSP-IR's `image_cross_attention_dim` (512, the Refine Layer's output): an `image_attentions` transformer
    /// before every text attention of the down, middle and up blocks; nil (SD) has none.
    public var imageCrossAttentionDim: Int?
    /// SSP-IR's structure attention: a `pixel_attentions` transformer after every resnet (and its attentions) of the
    /// up blocks, whose keys and values are the ControlNet residual of the skip that resnet consumed.
    public var structureAttention: Bool

    public init(inChannels: Int = 4, outChannels: Int = 4, blockOutChannels: [Int] = [320, 640, 1280, 1280],
                layersPerBlock: Int = 2, attentionHeads: Int = 8, crossAttentionDim: Int = 768, normNumGroups: Int = 32,
                normEps: Float = 1e-5, imageCrossAttentionDim: Int? = nil, structureAttention: Bool = false) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.blockOutChannels = blockOutChannels
        self.layersPerBlock = layersPerBlock
        self.attentionHeads = attentionHeads
        self.crossAttentionDim = crossAttentionDim
        self.normNumGroups = normNumGroups
        self.normEps = normEps
        self.imageCrossAttentionDim = imageCrossAttentionDim
        self.structureAttention = structureAttention
    }

    /// Stable Diffusion 1.5's U-Net: blocks (320, 640, 1280, 1280), 2 layers, 8 heads, text width 768.
    public static let stableDiffusion15 = UNet2DConditionConfiguration()

    /// SSP-IR's U-Net: SD-1.5's with image attentions of width 512 and structure attention
    /// (`use_image_cross_attention=True`, train.py).
    public static let sspir: UNet2DConditionConfiguration = {
        var c = UNet2DConditionConfiguration()
        c.imageCrossAttentionDim = 512
        c.structureAttention = true
        return c
    }()

    /// The time embedding's width, 4 × the first block's (1280).
    public var timeEmbeddingDim: Int { (blockOutChannels.first ?? 0) * 4 }

    /// Latent sides must be multiples of this (2^(blocks − 1), 8 for SD): each up block doubles exactly the size
    /// its down block halved.
    public var sizeMultiple: Int { 1 << max(0, blockOutChannels.count - 1) }

    /// The number of skip connections, and so of ControlNet down residuals: one for `conv_in`, one per resnet and
    /// one per down-sampler (12 for SD).
    public var skipCount: Int { 1 + blockOutChannels.count * layersPerBlock + (blockOutChannels.count - 1) }

    /// - Throws: ``StableDiffusionError/invalidConfiguration(field:reason:)`` naming the `config.json` key.
    public func validate() throws {
        func check(_ ok: Bool, _ field: String, _ reason: @autoclosure () -> String) throws {
            if !ok { throw StableDiffusionError.invalidConfiguration(field: field, reason: reason()) }
        }
        try check((1...16).contains(inChannels), "in_channels", "must lie in 1…16, got \(inChannels)")
        try check((1...16).contains(outChannels), "out_channels", "must lie in 1…16, got \(outChannels)")
        try check((2...6).contains(blockOutChannels.count), "block_out_channels", "must have 2…6 entries, got \(blockOutChannels)")
        try check((1...4).contains(layersPerBlock), "layers_per_block", "must lie in 1…4, got \(layersPerBlock)")
        try check((1...64).contains(normNumGroups), "norm_num_groups", "must lie in 1…64, got \(normNumGroups)")
        try check(attentionHeads >= 1, "attention_head_dim", "must be positive, got \(attentionHeads)")
        for channels in blockOutChannels {
            try check(channels > 0 && channels <= 4096 && channels % normNumGroups == 0 && channels % attentionHeads == 0,
                      "block_out_channels", "\(blockOutChannels) must be positive multiples of norm_num_groups \(normNumGroups) and of the \(attentionHeads) heads, at most 4096")
        }
        try check((1...4096).contains(crossAttentionDim), "cross_attention_dim", "must lie in 1…4096, got \(crossAttentionDim)")
        if let image = imageCrossAttentionDim {
            try check((1...4096).contains(image), "image_cross_attention_dim", "must lie in 1…4096, got \(image)")
        }
        if structureAttention, blockOutChannels.count >= 2 {
            // The first up block's structure keys are sized by its output width and fed its skips' residuals.
            let last = blockOutChannels[blockOutChannels.count - 1], previous = blockOutChannels[blockOutChannels.count - 2]
            try check(last == previous, "block_out_channels",
                      "with structure attention the last two widths must be equal (SSP-IR's plain up block), got \(blockOutChannels)")
        }
        try check(normEps > 0 && normEps.isFinite, "norm_eps", "must be positive, got \(normEps)")
    }
}

extension UNet2DConditionConfiguration {
    /// Reads a diffusers `unet/config.json` (SD-1.5's, or the `unet/` folder SSP-IR's training saves, whose
    /// `use_image_cross_attention: true` adds the Prior-Guided Attention). Keys the model does not need
    /// (`sample_size`, `upcast_attention`, …) are ignored; values that describe another network (other block
    /// types, linear projections, per-block head counts, class or additional embeddings, another time embedding,
    /// SSP-IR's textual-restoration head) are refused, as are absent required keys.
    public init(diffusersConfig data: Data, file: String) throws {
        try self.init(diffusersConfig: data, file: file, className: "UNet2DConditionModel")
    }

    /// The same reading for a network built from the U-Net's configuration (`ControlNetModel`'s `config.json` holds
    /// the U-Net's keys, without the up blocks).
    package init(diffusersConfig data: Data, file: String, className: String) throws {
        let config = try DiffusersConfig(data: data, file: file, className: className)
        let channels = try config.integers("block_out_channels")
        let n = channels.count
        let downTypes = Array(repeating: "CrossAttnDownBlock2D", count: max(0, n - 1)) + ["DownBlock2D"]
        let upTypes = ["UpBlock2D"] + Array(repeating: "CrossAttnUpBlock2D", count: max(0, n - 1))
        for (key, expected) in [("down_block_types", downTypes), ("up_block_types", upTypes)] {
            if let types = try config.strings(key), types != expected {
                throw config.invalid(key, "must be \(expected) (Stable Diffusion's layout), got \(types)")
            }
        }
        if let mid = config.string("mid_block_type"), mid != "UNetMidBlock2DCrossAttn" {
            throw config.invalid("mid_block_type", "must be UNetMidBlock2DCrossAttn, got \(mid)")
        }
        if let activation = config.string("act_fn"), activation != "silu" { throw config.invalid("act_fn", "must be silu, got \(activation)") }
        let heads: Int
        if let list = config.present("attention_head_dim") as? [Any] {
            let values = try config.integers("attention_head_dim")
            guard Set(values).count == 1, let first = values.first, values.count == list.count else {
                throw config.invalid("attention_head_dim", "per-block head counts are not supported (SD-1.5 has one), got \(values)")
            }
            heads = first
        } else {
            heads = try config.integer("attention_head_dim", default: 8)
        }
        if config.present("num_attention_heads") != nil {
            throw config.invalid("num_attention_heads", "must be absent or null (SD-1.5 gives attention_head_dim)")
        }
        for (key, value) in [("use_linear_projection", false), ("only_cross_attention", false), ("dual_cross_attention", false),
                             ("center_input_sample", false), ("use_textual_restore", false)] where try config.flag(key, default: value) != value {
            throw config.invalid(key, "must be \(value) (SD-1.5's U-Net)")
        }
        if !(try config.flag("flip_sin_to_cos", default: true)) { throw config.invalid("flip_sin_to_cos", "must be true (SD-1.5's U-Net)") }
        if try config.number("freq_shift", default: 0) != 0 { throw config.invalid("freq_shift", "must be 0 (SD-1.5's U-Net)") }
        if try config.integer("downsample_padding", default: 1) != 1 { throw config.invalid("downsample_padding", "must be 1") }
        if try config.number("mid_block_scale_factor", default: 1) != 1 { throw config.invalid("mid_block_scale_factor", "must be 1") }
        if let layers = config.present("transformer_layers_per_block"), DiffusersConfig.integer(layers) != 1 {
            throw config.invalid("transformer_layers_per_block", "must be 1 (SD-1.5's U-Net)")
        }
        for key in ["class_embed_type", "addition_embed_type", "encoder_hid_dim", "time_cond_proj_dim", "projection_class_embeddings_input_dim"]
            where config.present(key) != nil {
            throw config.invalid(key, "must be absent or null (SD-1.5's U-Net has none)")
        }
        for key in ["conv_in_kernel", "conv_out_kernel"] where try config.integer(key, default: 3) != 3 {
            throw config.invalid(key, "must be 3 (SD-1.5's U-Net)")
        }
        for key in ["time_embedding_dim", "cross_attention_norm", "time_embedding_act_fn"] where config.present(key) != nil {
            throw config.invalid(key, "must be absent or null (SD-1.5's U-Net)")
        }
        if let kind = config.string("time_embedding_type"), kind != "positional" {
            throw config.invalid("time_embedding_type", "must be positional, got \(kind)")
        }
        if let shift = config.string("resnet_time_scale_shift"), shift != "default" {
            throw config.invalid("resnet_time_scale_shift", "must be default, got \(shift)")
        }
        let prior = try config.flag("use_image_cross_attention", default: false)
        self.init(inChannels: try config.integer("in_channels", default: 4), outChannels: try config.integer("out_channels", default: 4),
                  blockOutChannels: channels, layersPerBlock: try config.integer("layers_per_block", default: 2), attentionHeads: heads,
                  crossAttentionDim: try config.integer("cross_attention_dim", default: 1280),
                  normNumGroups: try config.integer("norm_num_groups", default: 32),
                  normEps: Float(try config.number("norm_eps", default: 1e-5)),
                  imageCrossAttentionDim: prior ? 512 : nil, structureAttention: prior)
        try validate()
    }
}
