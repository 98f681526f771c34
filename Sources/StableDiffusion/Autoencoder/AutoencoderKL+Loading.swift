import Checkpoints
import Foundation
import WildTensor

extension AutoencoderKL {
    /// The VAE of a diffusers folder: `vae/config.json` and `vae/diffusion_pytorch_model.safetensors` (or `.bin`,
    /// read by the restricted PyTorch reader, which never executes anything), under `url` or in `url` itself.
    ///
    /// - Throws: ``StableDiffusionError/unreadable(path:reason:)`` for an absent folder or file, a configuration error
    ///   for a config describing another network, ``StableDiffusionError/weightsMismatch(file:missing:unexpected:wrongShape:)``
    ///   naming every missing, unexpected or misshapen key (strict, as `from_pretrained`'s default).
    public static func load(diffusersFolder url: URL) throws -> AutoencoderKL {
        let (config, configPath, weights) = try DiffusersWeights.component("vae", in: url)
        let configuration = try AutoencoderKLConfiguration(diffusersConfig: config, file: configPath)
        var generator = TensorRandom.placeholder
        let vae = try AutoencoderKL(configuration, generator: &generator)
        try vae.loadDiffusersState(try CheckpointFile.load(weights), file: weights.path)
        return vae
    }

    /// The VAE of a single-file SD checkpoint (`v1-5-pruned-emaonly.safetensors` or `.ckpt`): the entries under
    /// `first_stage_model.` in LDM naming, renamed by ``LDMKeyMap/autoencoderKL(_:)``; the file's other components are
    /// not read. Such files carry no configuration: `configuration` describes the VAE (SD-1.5's by default).
    public static func load(singleFile url: URL, configuration: AutoencoderKLConfiguration = .stableDiffusion15) throws -> AutoencoderKL {
        let tensors = try DiffusersWeights.singleFileTensors(url, prefix: LDMKeyMap.autoencoderKL(configuration).prefix)
        var generator = TensorRandom.placeholder
        let vae = try AutoencoderKL(configuration, generator: &generator)
        try vae.loadOriginalState(tensors, file: url.path)
        return vae
    }

    /// Loads the `first_stage_model.` entries of an original (LDM-named) checkpoint strictly
    /// (``LDMKeyMap/autoencoderKL(_:)``); entries outside the prefix are ignored, errors name keys as the file does.
    public func loadOriginalState(_ tensors: [(name: String, tensor: StoredTensor)], file: String) throws {
        try loadOriginalState(tensors, map: LDMKeyMap.autoencoderKL(configuration), file: file)
    }
}
