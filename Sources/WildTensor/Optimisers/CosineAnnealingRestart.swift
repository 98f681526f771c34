import Foundation

/// Cosine annealing with restarts, as BasicSR's `CosineAnnealingRestartLR(periods, restart_weights, eta_min)`
/// (`basicsr/models/lr_scheduler.py`).
///
/// Cycle i lasts `periods[i]` steps and starts from `restartWeights[i]` · η0. With cumulative ends
/// Cᵢ = periods[0] + … + periods[i], step t belongs to the first cycle with t ≤ Cᵢ, and
///
///     lr(t) = η_min + wᵢ · 0.5 · (η0 − η_min) · (1 + cos(π · (t − Cᵢ₋₁) / periods[i]))     (C₋₁ = 0)
///
/// computed in Double in BasicSR's order. As in BasicSR, step Cᵢ itself is the end of cycle i (η_min) and the
/// restart value wᵢ₊₁ · η0 is never used exactly: step Cᵢ + 1 is already one step into cycle i + 1. Past the
/// last cycle BasicSR fails (no cycle is found); here the learning rate stays at η_min.
public struct CosineAnnealingRestart: LearningRateSchedule {
    /// Length of each cycle in steps.
    public let periods: [Int]
    /// The fraction of the base rate each cycle starts from.
    public let restartWeights: [Double]
    /// The minimum learning rate.
    public let etaMin: Double

    public init(periods: [Int], restartWeights: [Double] = [1], etaMin: Double = 0) {
        precondition(!periods.isEmpty && periods.allSatisfy { $0 > 0 }, "CosineAnnealingRestart: periods must be positive, not \(periods)")
        precondition(periods.count == restartWeights.count,
                     "CosineAnnealingRestart: \(periods.count) periods but \(restartWeights.count) restart weights")
        self.periods = periods
        self.restartWeights = restartWeights
        self.etaMin = etaMin
    }

    public func learningRate(atStep step: Int, base: Double) -> Double {
        var start = 0
        for (period, weight) in zip(periods, restartWeights) {
            if step <= start + period {
                return etaMin + weight * 0.5 * (base - etaMin) * (1 + cos(Double.pi * (Double(step - start) / Double(period))))
            }
            start += period
        }
        return etaMin
    }

    public var configuration: String {
        "CosineAnnealingRestart(periods: \(periods), restartWeights: \(restartWeights), etaMin: \(etaMin))"
    }
}
