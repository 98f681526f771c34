import Checkpoints
import Foundation
import WildTensor

extension UNet2DConditionModel {
    /// Whether a parameter belongs to SSP-IR's Prior-Guided Attention (`image_attentions`, `pixel_attentions`),
    /// which Stable Diffusion files do not hold.
    public static func isPriorGuidanceParameter(_ name: String) -> Bool {
        name.contains(".image_attentions.") || name.contains(".pixel_attentions.")
    }

    /// The U-Net of a diffusers folder (`unet/config.json` and `unet/diffusion_pytorch_model.safetensors` or `.bin`,
    /// under `url` or in `url` itself): SD-1.5's, or SSP-IR's trained `unet/` with its Prior-Guided Attention.
    ///
    /// - Throws: ``StableDiffusionError/unreadable(path:reason:)`` for an absent folder or file, a configuration error
    ///   for a config describing another network, ``StableDiffusionError/weightsMismatch(file:missing:unexpected:wrongShape:)``
    ///   naming every missing, unexpected or misshapen key (strict).
    public static func load(diffusersFolder url: URL) throws -> UNet2DConditionModel {
        let (config, configPath, weights) = try DiffusersWeights.component("unet", in: url)
        let configuration = try UNet2DConditionConfiguration(diffusersConfig: config, file: configPath)
        let unet = UNet2DConditionModel(configuration, generator: .placeholder)
        try unet.loadDiffusersState(try CheckpointFile.load(weights), file: weights.path)
        return unet
    }

    /// The U-Net of a single-file SD checkpoint (`v1-5-pruned-emaonly.safetensors` or `.ckpt`): the entries under
    /// `model.diffusion_model.` renamed by ``LDMKeyMap/unet2DCondition(_:)``. Such files carry no configuration:
    /// `configuration` describes the U-Net (SD-1.5's by default). With Prior-Guided Attention in the configuration,
    /// its modules (which SD files do not hold) keep the values drawn from `generator`, as SSP-IR's training starts.
    public static func load(singleFile url: URL, configuration: UNet2DConditionConfiguration = .stableDiffusion15,
                            generator: TensorRandom = .placeholder) throws -> UNet2DConditionModel {
        try configuration.validate()
        let map = LDMKeyMap.unet2DCondition(configuration)
        let tensors = try DiffusersWeights.singleFileTensors(url, prefix: map.prefix)
        let unet = UNet2DConditionModel(configuration, generator: generator)
        try unet.loadOriginalState(tensors, map: map, file: url.path) { !Self.isPriorGuidanceParameter($0) }
        return unet
    }
}
