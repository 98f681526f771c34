import Foundation
import WildTensor

/// The mean-reverting SDE of IR-SDE (Luo et al. 2023), eq. 1 of DACLIP-IR:
/// dx = θ_t (μ − x) dt + σ_t dw, with σ_t² / θ_t = 2λ² so the stationary state is N(μ, λ²).
///
/// Time is discrete, t = 1…T. The coefficients follow the official `IRSDE` class exactly: θ from the schedule,
/// θ̄_t = Σ_{i≤t} θ_i − θ_0, and dt chosen so that e^{−θ̄_T·dt} = `eps` (the state at T is within `eps` of μ in
/// mean). When `sampleSteps` is smaller than `trainingSteps`, the schedule is rebuilt over the sampling steps
/// and the network is queried at t·T/sampleSteps, as the reference does.
public struct MeanRevertingSDE: Sendable {
    /// λ, the stationary noise level on the [0, 1] scale (the option `max_sigma` is in 0–255 units if ≥ 1).
    public let maxSigma: Float
    /// T used in training (the network's time input range).
    public let trainingSteps: Int
    /// The number of steps this instance's schedule has (T, or `sample_T`).
    public let steps: Int
    public let schedule: ThetaSchedule
    /// θ_0 … θ_steps.
    public let thetas: [Float]
    /// σ_t = √(2λ²θ_t).
    public let sigmas: [Float]
    /// θ̄_t = cumsum(θ)_t − θ_0.
    public let thetaBars: [Float]
    /// The time step dt = −ln(eps) / θ̄_T.
    public let dt: Float
    /// √v_t = λ √(1 − e^{−2 θ̄_t dt}), the forward marginal's standard deviation (eq. 2).
    public let sigmaBars: [Float]
    /// What the network's output stands for (``NetworkPrediction/noise`` for official networks).
    public let prediction: NetworkPrediction

    /// - Parameters:
    ///   - maxSigma: λ; values ≥ 1 are read in 0–255 units (the official `max_sigma: 50`).
    ///   - trainingSteps: T (official default 100).
    ///   - schedule: θ schedule (official default cosine).
    ///   - eps: the mean's residual factor at T (official default 0.005 in the wild-IR options).
    ///   - sampleSteps: fewer steps for sampling (`sample_T`); nil uses T.
    ///   - prediction: what the network outputs (default: the noise, as the official networks).
    public init(maxSigma: Float = 50, trainingSteps: Int = 100, schedule: ThetaSchedule = .cosine, eps: Float = 0.005,
                sampleSteps: Int? = nil, prediction: NetworkPrediction = .noise) throws {
        guard trainingSteps >= 1 else { throw SDEError.invalidOption("T must be at least 1, got \(trainingSteps)") }
        guard eps > 0 && eps < 1 else { throw SDEError.invalidOption("eps must lie in (0, 1), got \(eps)") }
        guard maxSigma > 0 else { throw SDEError.invalidOption("max_sigma must be positive, got \(maxSigma)") }
        let steps = sampleSteps ?? trainingSteps
        guard steps >= 1 && steps <= trainingSteps else {
            throw SDEError.invalidOption("sample_T must lie in 1…\(trainingSteps), got \(steps)")
        }
        let lambda = maxSigma >= 1 ? maxSigma / 255 : maxSigma
        self.maxSigma = lambda
        self.trainingSteps = trainingSteps
        self.steps = steps
        self.schedule = schedule
        self.prediction = prediction
        let thetas = schedule.thetas(steps: steps)
        self.thetas = thetas
        sigmas = thetas.map { (lambda * lambda * 2 * $0).squareRoot() }
        var running: Float = 0
        let cumulative = thetas.map { running += $0; return running }
        let thetaBars = cumulative.map { $0 - thetas[0] }
        self.thetaBars = thetaBars
        let dt = -1 / thetaBars[steps] * Float(Foundation.log(Double(eps)))
        self.dt = dt
        sigmaBars = thetaBars.map { (lambda * lambda * (1 - Foundation.exp(-2 * $0 * dt))).squareRoot() }
    }

    /// The time value given to the network at step t (t·T/steps; the reference's `t * sample_scale`).
    public func networkTime(_ t: Int) -> Float { Float(t) * Float(trainingSteps) / Float(steps) }

    // MARK: Coefficients of the equations at step t (scalars; the tensor equations are in MeanRevertingSDE+Equations)

    /// e^{−θ̄_t dt}, the weight of x_0 − μ in the forward mean.
    public func meanDecay(_ t: Int) -> Float { Foundation.exp(-thetaBars[t] * dt) }

    /// The coefficients (of x_t − μ and x_0 − μ) of the optimal reverse state, eq. 4 in the reference's form
    /// (A = e^{−θ_t dt}, B = e^{−θ̄_t dt}, C = e^{−θ̄_{t−1} dt}), evaluated in double precision: in single
    /// precision 1 − C² loses about four digits at small t.
    func optimalCoefficients(_ t: Int) -> (Float, Float) {
        let d = Double(dt)
        let a = Foundation.exp(-Double(thetas[t]) * d), b = Foundation.exp(-Double(thetaBars[t]) * d)
        let c = Foundation.exp(-Double(thetaBars[t - 1]) * d)
        return (Float(a * (1 - c * c) / (1 - b * b)), Float(c * (1 - a * a) / (1 - b * b)))
    }

    /// The posterior standard deviation λ√β̃_t (eq. 7), with the reference's clamp of the variance at 1e-20·dt.
    public func posteriorStandardDeviation(_ t: Int) -> Float {
        let a = Foundation.exp(-2 * thetas[t] * dt), b = Foundation.exp(-2 * thetaBars[t] * dt)
        let c = Foundation.exp(-2 * thetaBars[t - 1] * dt)
        let variance = max((1 - a) * (1 - c) / (1 - b), 1e-20 * dt)
        return Foundation.exp(0.5 * Foundation.log(variance)) * maxSigma
    }

    /// A `[B, 1, 1, 1]` tensor holding `value(t_b)` for each sample's time step (`[1, 1, 1, 1]` for one step,
    /// which broadcasts over any batch).
    func perSample(_ timesteps: [Int], _ value: (Int) -> Float) -> Tensor {
        Tensor(shape: [timesteps.count, 1, 1, 1], values: timesteps.map(value))
    }
}

/// Invalid SDE options.
public enum SDEError: Error, CustomStringConvertible, Equatable {
    case invalidOption(String)

    public var description: String {
        switch self { case let .invalidOption(why): return "invalid SDE option: \(why)" }
    }
}
