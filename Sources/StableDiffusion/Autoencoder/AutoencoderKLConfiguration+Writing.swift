import Foundation

extension AutoencoderKLConfiguration {
    /// The diffusers `vae/config.json` keys of this VAE (`AutoencoderKL`'s constructor arguments), what
    /// ``init(diffusersConfig:file:)`` reads back to an equal configuration: the block types, SiLU, the mid-block
    /// attention and the quant convolutions the model always has, and no shift factor.
    public func diffusersConfig() -> [String: Any] {
        let blocks = blockOutChannels.count
        return [
            "_class_name": "AutoencoderKL", "in_channels": inChannels, "out_channels": outChannels,
            "block_out_channels": blockOutChannels, "layers_per_block": layersPerBlock, "latent_channels": latentChannels,
            "norm_num_groups": normNumGroups, "act_fn": "silu",
            "down_block_types": Array(repeating: "DownEncoderBlock2D", count: blocks),
            "up_block_types": Array(repeating: "UpDecoderBlock2D", count: blocks),
            "mid_block_add_attention": true, "use_quant_conv": true, "use_post_quant_conv": true,
            // The shortest decimal that reads back as the same Float (0.18215, not 0.18215000629425049).
            "scaling_factor": Double(String(scalingFactor)) ?? Double(scalingFactor),
        ]
    }
}
