import Foundation
import WildTensor

/// DPM-Solver++(2M), the multistep second-order solver of the diffusion ODE in data-prediction form (Lu et al.
/// 2022, "DPM-Solver++", Algorithm 2; diffusers `DPMSolverMultistepScheduler` with `algorithm_type` "dpmsolver++",
/// `solver_order` 2, `solver_type` "midpoint", `lower_order_final` true, `final_sigmas_type` "zero", `euler_at_final`
/// false).
///
/// With α_s = √ᾱ_s, σ_s = √(1 − ᾱ_s), λ_s = log(α_s/σ_s) and x̂_0 = (x_s − σ_s·ε̂)/α_s at the current timestep s,
/// the step to the next timestep t (after the last: σ_t = 0, α_t = 1, λ_t = ∞) is, with h = λ_t − λ_s,
///
///     first order:   x_t = (σ_t/σ_s)·x_s − α_t·(e^{−h} − 1)·x̂_0
///     second order:  x_t = (σ_t/σ_s)·x_s − α_t·(e^{−h} − 1)·(D₀ + ½·D₁),   D₀ = x̂_0, D₁ = (x̂_0 − x̂_0′)/r,
///                    r = (λ_s − λ_{s′})/h, with x̂_0′ the estimate of the previous step (at s′).
///
/// The first step is of first order (no history); so is the last: `final_sigmas_type` "zero" asks for it whatever
/// `lower_order_final` says (which otherwise lowers the last steps' order below 15 steps, and matters beyond that
/// only for the third-order solver, not implemented).
///
/// diffusers' timesteps for this solver differ from DDPM's: "leading" is multiples of ⌊T/(n + 1)⌋ (50 steps →
/// 951, 932, …, 20), "linspace" (its own default) `linspace(0, T − 1, n + 1)` rounded, each without its last value.
public struct DPMSolverMultistepScheduler: NoiseScheduler {
    public let configuration: SchedulerConfiguration
    public let schedule: NoiseSchedule
    public let timesteps: [Int]
    /// `solver_order`, 1 or 2.
    public let solverOrder: Int

    /// The index of the next step in ``timesteps`` (nil before the first step).
    public private(set) var stepIndex: Int?
    /// x̂_0 of the previous step (`model_outputs[-2]` after the shift).
    private var previousOriginal: Tensor?
    /// Steps taken, up to the solver order (`lower_order_nums`).
    private var lowerOrderCount = 0

    /// A DPM-Solver++ scheduler for `steps` inference steps.
    /// - Throws: ``SchedulerError``.
    public init(steps: Int, configuration: SchedulerConfiguration = .stableDiffusion15, solverOrder: Int = 2) throws {
        guard solverOrder == 1 || solverOrder == 2 else {
            throw SchedulerError.invalidConfiguration(field: "solver_order", reason: "must be 1 or 2, got \(solverOrder)")
        }
        self.configuration = configuration
        schedule = try NoiseSchedule(configuration)
        timesteps = try Self.timesteps(steps: steps, configuration: configuration)
        self.solverOrder = solverOrder
    }

    /// diffusers' `DPMSolverMultistepScheduler.set_timesteps` (with `lambda_min_clipped` −∞, so the last training
    /// timestep is T): n + 1 points of the spacing, the last dropped.
    static func timesteps(steps: Int, configuration: SchedulerConfiguration) throws -> [Int] {
        let total = configuration.trainTimesteps
        guard (1...total).contains(steps) else {
            throw SchedulerError.invalidConfiguration(field: "num_inference_steps", reason: "must lie in 1…\(total), got \(steps)")
        }
        let values: [Int]
        switch configuration.timestepSpacing {
        case .linspace:
            values = TimestepSpacing.linspace(0, Double(total - 1), count: steps + 1).map { Int($0.rounded(.toNearestOrEven)) }
                .reversed().dropLast()
        case .leading:
            let ratio = total / (steps + 1)
            values = (0...steps).map { $0 * ratio }.reversed().dropLast().map { $0 + configuration.stepsOffset }
        case .trailing:
            values = TimestepSpacing.arange(from: Double(total), by: -Double(total) / Double(steps))
                .map { Int($0.rounded(.toNearestOrEven)) - 1 }
        }
        return try TimestepSpacing.checked(values, total: total)
    }

    /// The solver never adds noise.
    public func addsNoise(at timestep: Int) -> Bool { false }

    /// (α, σ, λ) at inference index `index`; index n is the final state (σ = 0, λ = ∞).
    func marginal(_ index: Int) -> (alpha: Double, sigma: Double, lambda: Double) {
        guard index < timesteps.count else { return (1, 0, .infinity) }
        let t = timesteps[index]
        let alpha = schedule.alphaBar(t).squareRoot(), sigma = schedule.oneMinusAlphaBar(t).squareRoot()
        return (alpha, sigma, Foundation.log(alpha) - Foundation.log(sigma))
    }

    /// The order of the step at `index`: 1 for the first (no history) and the last (`final_sigmas_type` "zero"),
    /// else ``solverOrder`` (diffusers' `lower_order_nums`, `lower_order_final`).
    func order(at index: Int) -> Int {
        solverOrder == 1 || lowerOrderCount < 1 || index == timesteps.count - 1 ? 1 : 2
    }

    /// One solver step from x_s at `timestep`, which must be the schedule's next timestep (the first call may start
    /// at any of them, as diffusers' `begin_index`).
    /// - Throws: ``SchedulerError/invalidTimestep(_:reason:)`` for a timestep out of order or after the last step;
    ///   shape errors.
    public mutating func step(_ noisePrediction: Tensor, timestep: Int, sample: Tensor, noise: Tensor? = nil) throws -> SchedulerStep {
        try checkShapes(noisePrediction, sample)
        let index: Int
        if let stepIndex {
            guard stepIndex < timesteps.count else {
                throw SchedulerError.invalidTimestep(timestep, reason: "the \(timesteps.count) steps are done; make a new scheduler")
            }
            guard timesteps[stepIndex] == timestep else {
                throw SchedulerError.invalidTimestep(timestep, reason: "expected the next timestep \(timesteps[stepIndex])")
            }
            index = stepIndex
        } else {
            index = try self.index(of: timestep)
        }
        if let previousOriginal, previousOriginal.shape != sample.shape {
            throw SchedulerError.invalidShape(name: "the sample", shape: sample.shape, expected: "the previous step's \(previousOriginal.shape)")
        }
        let x0 = predictOriginal(noisePrediction, timestep: timestep, sample: sample)
        let (_, sigmaS, lambdaS) = marginal(index)
        let (alphaT, sigmaT, lambdaT) = marginal(index + 1)
        // α_t·(e^{−h} − 1), written so that the final state (λ_t = ∞) gives −1 exactly.
        let h = lambdaT - lambdaS
        let gain = alphaT * Foundation.expm1(-h)
        let keep = sigmaT / sigmaS
        let previous: Tensor
        if order(at: index) == 2, index > 0, let earlier = previousOriginal {
            let (_, _, lambdaPrevious) = marginal(index - 1)
            let r = (lambdaS - lambdaPrevious) / h
            // D₀ + ½·D₁ = (1 + 1/(2r))·x̂_0 − 1/(2r)·x̂_0′.
            let half = 0.5 / r
            previous = sample * Float(keep) - x0 * Float(gain * (1 + half)) + earlier * Float(gain * half)
        } else {
            previous = sample * Float(keep) - x0 * Float(gain)
        }
        previousOriginal = x0
        lowerOrderCount = Swift.min(lowerOrderCount + 1, solverOrder)
        stepIndex = index + 1
        return SchedulerStep(previousSample: previous, predictedOriginalSample: x0)
    }
}
