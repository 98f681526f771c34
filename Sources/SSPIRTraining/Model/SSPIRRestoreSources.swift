import Foundation

/// What `wildir restore --method sspir` reads to restore with a run's trained networks: `--sd` (Stable Diffusion's
/// VAE and text encoder), `--sspir` (the run's `model/`), `--clip-vision` (the CLIP vision tower) and the BPE
/// vocabulary the run tokenised with. Paths are as the run's options give them (relative ones to the folder the run
/// started in).
public struct SSPIRRestoreSources: Equatable, Sendable {
    /// `--sd`: the run's `model/stable-diffusion` (tiny), else its `model.stable_diffusion`.
    public var stableDiffusion: String
    /// `--sspir`: the run's `model/`.
    public var sspir: String
    /// `--clip-vision`: the run's `model/clip-vision` (tiny), else its `model.clip_vision`.
    public var clipVision: String
    /// `--vocabulary`: the run's `model.tokenizer`.
    public var vocabulary: String

    public init(stableDiffusion: String, sspir: String, clipVision: String, vocabulary: String) {
        self.stableDiffusion = stableDiffusion
        self.sspir = sspir
        self.clipVision = clipVision
        self.vocabulary = vocabulary
    }
}
