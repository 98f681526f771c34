import Foundation

extension UNet2DConditionConfiguration {
    /// Whether the configuration has a diffusers `config.json`: SSP-IR's `use_image_cross_attention` switches on
    /// image attentions of width 512 and structure attention together, so a network with only one of them (an
    /// ablation) has none.
    public var isDiffusersRepresentable: Bool {
        (imageCrossAttentionDim == nil && !structureAttention) || (imageCrossAttentionDim == 512 && structureAttention)
    }

    /// The diffusers `config.json` keys of this U-Net (what ``init(diffusersConfig:file:)`` reads back), for class
    /// `className`: `UNet2DConditionModel` lists its up blocks, `ControlNetModel` (a branch built from the U-Net)
    /// does not.
    /// - Throws: ``StableDiffusionError/invalidConfiguration(field:reason:)`` when ``isDiffusersRepresentable`` is false.
    public func diffusersConfig(className: String = "UNet2DConditionModel") throws -> [String: Any] {
        guard isDiffusersRepresentable else {
            throw StableDiffusionError.invalidConfiguration(
                field: "use_image_cross_attention",
                reason: "diffusers' config.json turns image attentions (width 512) and structure attention on together; this network has only one of them")
        }
        let n = blockOutChannels.count
        var config: [String: Any] = [
            "_class_name": className, "in_channels": inChannels, "block_out_channels": blockOutChannels,
            "layers_per_block": layersPerBlock, "attention_head_dim": attentionHeads, "cross_attention_dim": crossAttentionDim,
            "norm_num_groups": normNumGroups, "norm_eps": Double(normEps),
            "down_block_types": Array(repeating: "CrossAttnDownBlock2D", count: n - 1) + ["DownBlock2D"],
            "use_image_cross_attention": imageCrossAttentionDim != nil,
        ]
        if className == "UNet2DConditionModel" {
            config["out_channels"] = outChannels
            config["up_block_types"] = ["UpBlock2D"] + Array(repeating: "CrossAttnUpBlock2D", count: n - 1)
        }
        return config
    }
}
