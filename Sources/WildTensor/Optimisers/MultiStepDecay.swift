import Foundation

/// Step decay at fixed milestones, as PyTorch's `torch.optim.lr_scheduler.MultiStepLR(milestones, gamma)`.
///
/// After t scheduler steps the learning rate is η0 · γ^k, k the number of milestones ≤ t (a milestone listed
/// twice counts twice). It is computed as PyTorch's `step()` does, in Double: starting from η0, at each distinct
/// milestone m ≤ t in increasing order, lr ← lr · γ^(count of m) — so the values equal PyTorch's bit for bit.
public struct MultiStepDecay: LearningRateSchedule {
    /// Distinct milestones, increasing, with how often each is listed.
    private let counts: [(milestone: Int, count: Int)]
    /// The milestones as given (sorted).
    public let milestones: [Int]
    /// The multiplicative factor per milestone.
    public let gamma: Double

    public init(milestones: [Int], gamma: Double = 0.1) {
        precondition(milestones.allSatisfy { $0 > 0 }, "MultiStepDecay: milestones must be positive, not \(milestones)")
        self.milestones = milestones.sorted()
        self.gamma = gamma
        var counts: [(milestone: Int, count: Int)] = []
        for m in self.milestones {
            if let last = counts.last, last.milestone == m { counts[counts.count - 1].count += 1 } else { counts.append((m, 1)) }
        }
        self.counts = counts
    }

    public func learningRate(atStep step: Int, base: Double) -> Double {
        var lr = base
        for (milestone, count) in counts where milestone <= step { lr = lr * pow(gamma, Double(count)) }
        return lr
    }

    public var configuration: String { "MultiStepDecay(milestones: \(milestones), gamma: \(gamma))" }
}
