import Foundation

/// Cosine annealing from the base learning rate η0 to `etaMin` over `tMax` steps, optionally after a linear
/// warm-up: PyTorch's `torch.optim.lr_scheduler.CosineAnnealingLR(T_max, eta_min)` (which the IR-SDE and DA-CLIP
/// options call `TrueCosineAnnealingLR`).
///
/// Without warm-up, after t scheduler steps:
///
///     lr(t) = η_min + (η0 − η_min) · (1 + cos(π · t / T_max)) / 2
///
/// computed in Double in this order (PyTorch's `_get_closed_form_lr`). PyTorch's `step()` applies a recursive
/// form of the same curve, ηt+1 = η_min + (ηt − η_min)·(1 + cos(π(t+1)/T))/(1 + cos(πt/T)), which agrees with the
/// closed form to rounding (≈ 1e-16 relative; 4e-16 measured over 45 steps). Past `tMax` the formula is not
/// clamped: like PyTorch, the learning rate follows the cosine back up, reaching η0 again at 2·T_max (period
/// 2·T_max). Set `tMax` to the total number of training steps to end at η_min.
///
/// With a warm-up of W > 0 steps and start factor s:
///
///     lr(t) = η0 · (s + (1 − s) · t / W)                                   for t < W
///     lr(t) = η_min + (η0 − η_min) · (1 + cos(π · (t − W) / (T_max − W))) / 2  for t ≥ W
///
/// so the ramp starts at s·η0, reaches η0 at t = W, and the cosine then spans the remaining T_max − W steps,
/// ending at η_min at t = T_max. This is PyTorch's `SequentialLR([LinearLR(start_factor=s, total_iters=W),
/// CosineAnnealingLR(T_max=T_max − W, eta_min)], milestones=[W])`.
public struct CosineAnnealing: LearningRateSchedule {
    /// Steps from the base rate to `etaMin`, warm-up included (PyTorch `T_max`).
    public let tMax: Int
    /// The minimum learning rate (PyTorch `eta_min`).
    public let etaMin: Double
    /// Linear warm-up steps before the cosine (0 for none).
    public let warmUpSteps: Int
    /// The fraction of the base rate the warm-up starts from (PyTorch `LinearLR.start_factor`), in (0, 1].
    public let warmUpStartFactor: Double

    public init(tMax: Int, etaMin: Double = 0, warmUpSteps: Int = 0, warmUpStartFactor: Double = 1.0 / 3) {
        precondition(tMax > 0, "CosineAnnealing: tMax must be positive, not \(tMax)")
        precondition(warmUpSteps >= 0 && (warmUpSteps == 0 || warmUpSteps < tMax),
                     "CosineAnnealing: warm-up of \(warmUpSteps) steps must be shorter than tMax \(tMax)")
        precondition(warmUpStartFactor > 0 && warmUpStartFactor <= 1, "CosineAnnealing: warm-up start factor \(warmUpStartFactor) not in (0, 1]")
        self.tMax = tMax
        self.etaMin = etaMin
        self.warmUpSteps = warmUpSteps
        self.warmUpStartFactor = warmUpStartFactor
    }

    public func learningRate(atStep step: Int, base: Double) -> Double {
        if step < warmUpSteps {
            return base * (warmUpStartFactor + (1 - warmUpStartFactor) * Double(step) / Double(warmUpSteps))
        }
        let t = Double(step - warmUpSteps), period = Double(tMax - warmUpSteps)
        return etaMin + (base - etaMin) * (1 + cos(Double.pi * t / period)) / 2
    }

    public var configuration: String {
        "CosineAnnealing(tMax: \(tMax), etaMin: \(etaMin), warmUpSteps: \(warmUpSteps), warmUpStartFactor: \(warmUpStartFactor))"
    }
}
