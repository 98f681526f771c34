import Foundation
import SSPIR
import StableDiffusion

/// Writes the frozen networks of a run whose networks exist nowhere else (`model.tiny`: drawn at random, at widths no
/// released model has) next to its SSP-IR checkpoint folder, in the layouts ``SSPIRPipeline/load(stableDiffusion:sspir:clipVision:tokenizer:)``
/// reads from Stable Diffusion and CLIP:
/// - `stable-diffusion/`, a diffusers folder: `vae/` (`config.json`, `diffusion_pytorch_model.safetensors`) and
///   `text_encoder/` (transformers' `config.json`, `model.safetensors`);
/// - `clip-vision/`, a transformers `CLIPVisionModel` folder (`config.json`, `model.safetensors`).
///
/// Each file is written atomically. Runs that start from SD-1.5 and CLIP's files do not copy them: those files are
/// the frozen networks.
public enum SSPIRFrozenNetworksFolder {
    /// The diffusers folder of the VAE and the text encoder, inside the model folder.
    public static let stableDiffusionName = "stable-diffusion"
    /// The CLIP vision tower's folder, inside the model folder.
    public static let clipVisionName = "clip-vision"

    /// Writes `pipeline`'s VAE, text encoder and CLIP image encoder under `folder` (a run's `model/`).
    /// - Throws: ``Checkpoints/CheckpointError`` when a file cannot be written; ``StableDiffusion/StableDiffusionError``
    ///   for a parameter the transformers layout has no name for.
    public static func write(_ pipeline: SSPIRPipeline, to folder: URL) throws {
        let stableDiffusion = folder.appendingPathComponent(stableDiffusionName)
        try pipeline.vae.write(diffusersFolder: stableDiffusion.appendingPathComponent("vae"))
        try pipeline.textEncoder.write(transformersFolder: stableDiffusion.appendingPathComponent("text_encoder"))
        try pipeline.imageEncoder.write(transformersFolder: folder.appendingPathComponent(clipVisionName))
    }
}
