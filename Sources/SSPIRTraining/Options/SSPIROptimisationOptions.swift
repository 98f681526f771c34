import Configuration

/// `train:`: optimiser, loss weights and bookkeeping. Defaults are the official ones (`train.py:356-388, 1040-1043`,
/// `train.sh`): AdamW at a constant 5e-5, β = (0.9, 0.999), ε = 1e-8, weight decay 1e-2, gradients clipped at 1.0
/// over the ControlNet and U-Net, λ₁ = 0.1 (multi-level RGB ℓ1) and λ₂ = 0.01 (FFT), the paper's eq. (7); the
/// batch is sized for one machine (the official 16 × 2 accumulation is 32).
public struct SSPIROptimisationOptions: Codable, Equatable, Sendable, DefaultedOptions, ValidatedOptions {
    public var lr = 5e-5
    public var beta1 = 0.9
    public var beta2 = 0.999
    public var eps = 1e-8
    public var weightDecay = 1e-2
    /// Largest global gradient norm of the ControlNet's and U-Net's trained parameters (the Refine Layer is not
    /// clipped, as in `train.py`); null turns clipping off.
    public var gradientClip: Double? = 1.0
    /// λ₁ of the multi-level RGB ℓ1 (0 leaves it out: Table III).
    public var rgbWeight = 0.1
    /// λ₂ of the multi-level FFT ℓ1 (0 leaves it out: Table III).
    public var fftWeight = 0.01
    public var iterations = 1000
    public var batchSize = 4
    public var seed: UInt64 = 0
    /// Iterations between validations (and at the end).
    public var valFreq = 100
    /// Iterations between checkpoints (and at the end).
    public var checkpointFreq = 100

    public init() {}

    public static var defaults: SSPIROptimisationOptions { SSPIROptimisationOptions() }

    enum CodingKeys: String, CodingKey {
        case lr, beta1, beta2, eps, weightDecay = "weight_decay", gradientClip = "gradient_clip", rgbWeight = "rgb_weight"
        case fftWeight = "fft_weight", iterations, batchSize = "batch_size", seed = "manual_seed", valFreq = "val_freq"
        case checkpointFreq = "checkpoint_freq"
    }

    public func validate() throws {
        typealias V = OptionViolation
        try V.check(lr > 0 && lr < 1, "lr", "must lie in (0, 1), got \(lr)")
        try V.check((0..<1).contains(beta1), "beta1", "must lie in [0, 1), got \(beta1)")
        try V.check((0..<1).contains(beta2), "beta2", "must lie in [0, 1), got \(beta2)")
        try V.check(eps >= 0 && eps < 1, "eps", "must lie in [0, 1), got \(eps)")
        try V.check(weightDecay >= 0 && weightDecay < 1, "weight_decay", "must lie in [0, 1), got \(weightDecay)")
        if let clip = gradientClip { try V.check(clip > 0 && clip.isFinite, "gradient_clip", "must be positive, got \(clip)") }
        try V.check(rgbWeight >= 0 && rgbWeight.isFinite, "rgb_weight", "must be ≥ 0, got \(rgbWeight)")
        try V.check(fftWeight >= 0 && fftWeight.isFinite, "fft_weight", "must be ≥ 0, got \(fftWeight)")
        try V.check((1...100_000_000).contains(iterations), "iterations", "must lie in 1…10^8, got \(iterations)")
        try V.check((1...1024).contains(batchSize), "batch_size", "must lie in 1…1024, got \(batchSize)")
        try V.check(valFreq >= 1, "val_freq", "must be positive, got \(valFreq)")
        try V.check(checkpointFreq >= 1, "checkpoint_freq", "must be positive, got \(checkpointFreq)")
    }
}
