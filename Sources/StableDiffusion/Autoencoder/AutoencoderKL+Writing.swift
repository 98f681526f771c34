import Foundation

extension AutoencoderKL {
    /// Writes the VAE as a diffusers component folder, what ``load(diffusersFolder:)`` reads: `config.json`
    /// (``AutoencoderKLConfiguration/diffusersConfig()``) and `diffusion_pytorch_model.safetensors` (the parameters
    /// under their diffusers names), in `folder` (a pipeline's `vae/`), each file atomically.
    /// - Throws: ``Checkpoints/CheckpointError/io(file:detail:)`` when a file cannot be written.
    public func write(diffusersFolder folder: URL) throws {
        try ModelFolderWriter.writeConfig(configuration.diffusersConfig(), to: folder.appendingPathComponent("config.json"))
        try ModelFolderWriter.writeWeights(stateDict(), to: folder.appendingPathComponent("diffusion_pytorch_model.safetensors"))
    }
}
