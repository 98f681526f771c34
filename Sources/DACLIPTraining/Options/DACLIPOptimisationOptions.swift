import Configuration

/// `train:`: optimiser, schedule, loss weights and bookkeeping. Defaults follow the official DA-CLIP scripts
/// (`single_train.sh`: AdamW, lr 2e-5, weight decay 0.05, warm-up 100, batch 512; `get_default_params` for ViTs:
/// β = (0.9, 0.98), ε = 1e-6) except the batch size, which is sized for one machine.
public struct DACLIPOptimisationOptions: Codable, Equatable, Sendable, DefaultedOptions, ValidatedOptions {
    public var optimizer: DACLIPOptimiserName = .adamW
    /// Peak learning rate (after the warm-up).
    public var lr = 2e-5
    public var beta1 = 0.9
    public var beta2 = 0.98
    public var eps = 1e-6
    /// Decoupled weight decay of the matrices; gains, biases, `class_embedding` and `logit_scale` get none (the
    /// official `exclude` rule: `p.ndim < 2 or "bn"/"ln"/"bias"/"logit_scale" in name`).
    public var weightDecay = 0.05
    /// Iterations of linear warm-up (the official `cosine_lr`: lr·(i+1)/warmup, then a cosine to 0).
    public var warmup = 100
    public var iterations = 1000
    public var batchSize = 64
    /// Weight of the ℓ1 between the LQ content embedding and the frozen CLIP embedding of the HQ crop (DACLIP-IR
    /// §3.3); 0 leaves it out.
    public var fidelityWeight = 1.0
    /// Largest global gradient norm (none by default, as the official scripts).
    public var gradientClip: Double?
    public var seed: UInt64 = 0
    /// Iterations between validations (and at the end).
    public var valFreq = 100
    /// Iterations between checkpoints (and at the end).
    public var checkpointFreq = 100

    public init() {}

    public static var defaults: DACLIPOptimisationOptions { DACLIPOptimisationOptions() }

    enum CodingKeys: String, CodingKey {
        case optimizer, lr, beta1, beta2, eps, weightDecay = "weight_decay", warmup, iterations, batchSize = "batch_size"
        case fidelityWeight = "fidelity_weight", gradientClip = "gradient_clip", seed = "manual_seed"
        case valFreq = "val_freq", checkpointFreq = "checkpoint_freq"
    }

    public func validate() throws {
        typealias V = OptionViolation
        try V.check(lr > 0 && lr < 1, "lr", "must lie in (0, 1), got \(lr)")
        try V.check((0..<1).contains(beta1), "beta1", "must lie in [0, 1), got \(beta1)")
        try V.check((0..<1).contains(beta2), "beta2", "must lie in [0, 1), got \(beta2)")
        try V.check(eps >= 0 && eps < 1, "eps", "must lie in [0, 1), got \(eps)")
        try V.check(weightDecay >= 0 && weightDecay < 1, "weight_decay", "must lie in [0, 1), got \(weightDecay)")
        try V.check((1...100_000_000).contains(iterations), "iterations", "must lie in 1…10^8, got \(iterations)")
        try V.check(warmup >= 0 && warmup < iterations, "warmup", "must lie in 0…iterations − 1 (\(iterations - 1)), got \(warmup)")
        try V.check((2...4096).contains(batchSize), "batch_size",
                    "must lie in 2…4096 (a contrastive loss needs other samples), got \(batchSize)")
        try V.check(fidelityWeight >= 0 && fidelityWeight.isFinite, "fidelity_weight", "must be ≥ 0, got \(fidelityWeight)")
        if let clip = gradientClip { try V.check(clip > 0, "gradient_clip", "must be positive, got \(clip)") }
        try V.check(valFreq >= 1, "val_freq", "must be positive, got \(valFreq)")
        try V.check(checkpointFreq >= 1, "checkpoint_freq", "must be positive, got \(checkpointFreq)")
    }
}

/// The optimisers by name (`train.optimizer`): the official DA-CLIP script uses AdamW only.
public enum DACLIPOptimiserName: String, NamedOption, Codable, Sendable {
    case adamW = "AdamW"
}
