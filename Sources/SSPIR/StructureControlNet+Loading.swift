import Checkpoints
import Foundation
import StableDiffusion
import WildTensor

extension StructureControlNet {
    /// The branch of a diffusers folder as SSP-IR's training saves it (`checkpoint-N/controlnet/`: `config.json` and
    /// `diffusion_pytorch_model.safetensors` or `.bin`, under `url` or in `url` itself), loaded strictly.
    ///
    /// The configuration is the U-Net's keys plus the ControlNet's: `conditioning_embedding_out_channels` (the
    /// Processor's widths), and SSP-IR's `use_image_cross_attention` (required: the branch has image attentions).
    /// Options this branch does not implement are refused by name: another conditioning channel order or count,
    /// pooled conditions, the MSRResNet pre-processor (`use_srresnet`).
    /// - Throws: ``StableDiffusionError`` for unreadable files, refused configurations and mismatched weights.
    public static func load(diffusersFolder url: URL) throws -> StructureControlNet {
        let (data, configPath, weights) = try DiffusersWeights.component("controlnet", in: url)
        let unet = try UNet2DConditionConfiguration(diffusersConfig: data, file: configPath, className: "ControlNetModel")
        let config = try DiffusersConfig(data: data, file: configPath, className: "ControlNetModel")
        guard unet.imageCrossAttentionDim != nil else {
            throw config.invalid("use_image_cross_attention", "must be true (SSP-IR's structure branch has image attentions)")
        }
        if try config.integer("conditioning_channels", default: 3) != 3 { throw config.invalid("conditioning_channels", "must be 3 (RGB)") }
        if let order = config.string("controlnet_conditioning_channel_order"), order != "rgb" {
            throw config.invalid("controlnet_conditioning_channel_order", "must be rgb, got \(order)")
        }
        for key in ["global_pool_conditions", "use_srresnet"] where try config.flag(key, default: false) {
            throw config.invalid(key, "must be false (SSP-IR's training turns it off)")
        }
        var processor = StructureProcessor.Configuration.official
        if config.present("conditioning_embedding_out_channels") != nil {
            processor.blockChannels = try config.integers("conditioning_embedding_out_channels")
        }
        processor.embeddingChannels = unet.blockOutChannels[0]
        let net = try StructureControlNet(unet: unet, processor: processor, generator: .placeholder)
        try net.loadDiffusersState(try CheckpointFile.load(weights), file: weights.path)
        return net
    }
}
