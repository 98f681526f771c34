import Checkpoints
import Foundation
import SSPIR
import StableDiffusion
import WildTensor

/// Writes trained networks as the SSP-IR checkpoint folder the official `train.py` saves (`checkpoint-N/`) and
/// ``SSPIRPipeline/load(stableDiffusion:sspir:clipVision:tokenizer:)`` reads: `unet/` and `controlnet/`, each a
/// diffusers `config.json` with `diffusion_pytorch_model.safetensors` (the whole U-Net, frozen weights too, as
/// `save_pretrained`), and `refine/refine.safetensors`. Each file is written atomically.
public enum SSPIRCheckpointFolder {
    /// - Throws: ``StableDiffusionError/invalidConfiguration(field:reason:)`` for an ablated U-Net that diffusers'
    ///   `config.json` cannot describe; ``CheckpointError`` when a file cannot be written.
    public static func write(_ pipeline: SSPIRPipeline, to folder: URL) throws {
        let unet = pipeline.unet.configuration
        var controlNet = try unet.diffusersConfig(className: "ControlNetModel")
        controlNet["conditioning_embedding_out_channels"] = pipeline.controlNet.controlnetCondEmbedding.configuration.blockChannels
        controlNet["return_rgbs"] = true
        controlNet["use_srresnet"] = false
        try write(component: "unet", config: try unet.diffusersConfig(), module: pipeline.unet, in: folder)
        try write(component: "controlnet", config: controlNet, module: pipeline.controlNet, in: folder)
        try ModelFolderWriter.writeWeights(pipeline.refine.stateDict(), to: folder.appendingPathComponent("refine/refine.safetensors"))
    }

    private static func write(component: String, config: [String: Any], module: Module, in folder: URL) throws {
        let url = folder.appendingPathComponent(component)
        try ModelFolderWriter.writeConfig(config, to: url.appendingPathComponent("config.json"))
        try ModelFolderWriter.writeWeights(module.stateDict(), to: url.appendingPathComponent("diffusion_pytorch_model.safetensors"))
    }
}
