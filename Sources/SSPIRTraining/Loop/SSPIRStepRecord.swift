/// What one training iteration measured: the objective and its terms, the gradient norm and the learning rate.
public struct SSPIRStepRecord: Codable, Equatable, Sendable {
    /// Iterations done after this step (1 for the first).
    public let iteration: Int
    /// The total L = L_diff + λ₁·L_RGB + λ₂·L_FFT (paper eq. (7)).
    public let loss: Double
    /// ‖ε − ε̂‖² (mean).
    public let diffusion: Double
    /// Σ over the Processor's scales of the RGB ℓ1, before λ₁.
    public let rgb: Double
    /// Σ over the scales of the FFT ℓ1, before λ₂.
    public let fft: Double
    /// The clipped parameters' global gradient norm before clipping.
    public let gradientNorm: Double
    public let learningRate: Double

    enum CodingKeys: String, CodingKey {
        case iteration, loss, diffusion = "diffusion_loss", rgb = "rgb_loss", fft = "fft_loss", gradientNorm = "grad_norm"
        case learningRate = "lr"
    }
}

/// The validation of the held-out pairs at one iteration (``SSPIRValidation``).
public struct SSPIRValidationReport: Codable, Equatable, Sendable {
    public let iteration: Int
    /// The objective and its terms at the pairs' fixed time steps and noise, averaged over the pairs.
    public let loss: Double
    public let diffusion: Double
    public let rgb: Double
    public let fft: Double
    /// Mean PSNR-Y (BasicSR's Y) of the restorations and of the LQ inputs against the GT; nil without restorations.
    public let psnr: Double?
    public let inputPSNR: Double?

    enum CodingKeys: String, CodingKey {
        case iteration, loss, diffusion = "diffusion_loss", rgb = "rgb_loss", fft = "fft_loss", psnr = "psnr_y"
        case inputPSNR = "input_psnr_y"
    }
}

/// What the training loop reports after each iteration.
public struct SSPIRProgress: Sendable {
    public let record: SSPIRStepRecord
    public let totalIterations: Int
    /// Set on iterations that validated.
    public let validation: SSPIRValidationReport?
}
