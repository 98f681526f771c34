/// What one training iteration measured: the loss and its terms, the temperature and the learning rate.
public struct DACLIPStepRecord: Codable, Equatable, Sendable {
    /// Iterations done after this step (1 for the first).
    public let iteration: Int
    /// The total loss L.
    public let loss: Double
    /// ClipLoss(degradation embedding, degradation texts).
    public let degradation: Double
    /// ClipLoss(content embedding, captions); nil without captions.
    public let caption: Double?
    /// ℓ1(LQ content, HQ content) before weighting; nil with `fidelity_weight` 0.
    public let fidelity: Double?
    /// s = exp(logit_scale) used by the step.
    public let logitScale: Double
    public let learningRate: Double

    enum CodingKeys: String, CodingKey {
        case iteration, loss, degradation = "degradation_loss", caption = "caption_loss", fidelity = "fidelity_loss"
        case logitScale = "logit_scale", learningRate = "lr"
    }
}

/// What the training loop reports after each iteration.
public struct DACLIPProgress: Sendable {
    public let record: DACLIPStepRecord
    public let totalIterations: Int
    /// Set on iterations that validated.
    public let validation: ZeroShotReport?
}
