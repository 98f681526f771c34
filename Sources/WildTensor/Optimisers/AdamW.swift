/// AdamW (Loshchilov & Hutter, 2019) with the semantics of PyTorch's `torch.optim.AdamW`: Adam whose weight
/// decay is decoupled from the gradient.
///
/// Before the Adam update, each parameter with a gradient is multiplied by `1 − lr · weight_decay` (the factor
/// computed in Double and rounded to Float32 once, as PyTorch's `param.mul_(1 - lr * weight_decay)`); the
/// gradient itself is not modified. Everything else — moments, bias corrections, amsgrad, maximize, skipping
/// parameters without a gradient, the saved state — is `Adam`'s. Defaults are PyTorch's: lr 1e-3,
/// betas (0.9, 0.999), eps 1e-8, weight decay 1e-2.
public final class AdamW: Adam {
    /// An AdamW optimiser over `parameters` (names must be unique).
    ///
    /// - Parameters:
    ///   - learningRate: lr (≥ 0).
    ///   - betas: (β1, β2), each in [0, 1).
    ///   - epsilon: ε (≥ 0).
    ///   - weightDecay: decoupled decay rate (≥ 0); parameters shrink by the factor `1 − lr · weightDecay` per step.
    public init(
        _ parameters: [(name: String, tensor: Tensor)], learningRate: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
        epsilon: Double = 1e-8, weightDecay: Double = 1e-2, amsgrad: Bool = false, maximize: Bool = false
    ) {
        super.init(parameters, learningRate: learningRate, betas: betas, epsilon: epsilon, weightDecay: weightDecay,
                   amsgrad: amsgrad, maximize: maximize, decoupled: true)
    }
}
