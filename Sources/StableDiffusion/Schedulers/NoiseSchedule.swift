import Foundation
import WildTensor

/// The discrete forward process of DDPM (Ho et al. 2020, eq. 4): q(x_t | x_0) = N(√ᾱ_t·x_0, (1 − ᾱ_t)·I) with
/// ᾱ_t = Π_{s≤t} (1 − β_s), t = 0 … T − 1 (diffusers `betas`, `alphas_cumprod`).
///
/// The constants are Double. diffusers computes them in float32; Double matters in two places: the product of up
/// to 1000 factors (float32 drifts by 9·10⁻⁷ relative), and 1 − ᾱ_t at small t, where ᾱ_t ≈ 0.999 and float32
/// keeps only about four significant digits of the difference (σ_t = √((1 − ᾱ_t)/ᾱ_t) is off by up to 1.3·10⁻⁵
/// relative, DDPM's posterior variance by up to 8·10⁻⁵). Tensors stay Float32: each coefficient is rounded once.
public struct NoiseSchedule: Sendable, Equatable {
    /// β_0 … β_{T−1}.
    public let betas: [Double]
    /// ᾱ_0 … ᾱ_{T−1} (`alphas_cumprod`).
    public let alphasCumulative: [Double]

    /// The schedule of `configuration` (its `beta_schedule`, `beta_start`, `beta_end`, `num_train_timesteps`).
    /// - Throws: ``SchedulerError/invalidConfiguration(field:reason:)``.
    public init(_ configuration: SchedulerConfiguration) throws {
        try configuration.validate()
        let count = configuration.trainTimesteps
        func linspace(_ start: Double, _ end: Double) -> [Double] {
            (0..<count).map { start + (end - start) * Double($0) / Double(count - 1) }
        }
        switch configuration.betaSchedule {
        case .linear:
            betas = linspace(configuration.betaStart, configuration.betaEnd)
        case .scaledLinear:
            betas = linspace(configuration.betaStart.squareRoot(), configuration.betaEnd.squareRoot()).map { $0 * $0 }
        }
        var product = 1.0
        alphasCumulative = betas.map { product *= 1 - $0; return product }
    }

    /// T, the number of training timesteps.
    public var trainTimesteps: Int { betas.count }

    /// ᾱ_t.
    public func alphaBar(_ t: Int) -> Double { alphasCumulative[t] }

    /// 1 − ᾱ_t = 1 − Π(1 − β_s), as 1 − ᾱ_t (Double keeps 12 digits of it at t = 0).
    public func oneMinusAlphaBar(_ t: Int) -> Double { 1 - alphasCumulative[t] }

    /// Throws unless `t` is a training timestep.
    func check(_ t: Int) throws {
        guard (0..<trainTimesteps).contains(t) else {
            throw SchedulerError.invalidTimestep(t, reason: "outside the training timesteps 0..<\(trainTimesteps)")
        }
    }

    /// x_t = √ᾱ_t·x_0 + √(1 − ᾱ_t)·ε (eq. 4; diffusers `add_noise`), one timestep per sample.
    ///
    /// - Parameters:
    ///   - x0: [B, …] clean samples (latents).
    ///   - noise: ε, the shape of `x0`.
    ///   - timesteps: one per sample, or one for the whole batch.
    /// - Throws: ``SchedulerError`` for shapes that differ, a count of timesteps that is neither 1 nor B, or a
    ///   timestep outside 0..<T.
    public func addNoise(_ x0: Tensor, noise: Tensor, timesteps: [Int]) throws -> Tensor {
        guard x0.rank >= 1, noise.shape == x0.shape else {
            throw SchedulerError.invalidShape(name: "the noise", shape: noise.shape, expected: "the samples' \(x0.shape)")
        }
        guard timesteps.count == 1 || timesteps.count == x0.shape[0] else {
            throw SchedulerError.invalidShape(name: "the timesteps", shape: [timesteps.count], expected: "[1] or [\(x0.shape[0])]")
        }
        for t in timesteps { try check(t) }
        let shape = [timesteps.count] + Array(repeating: 1, count: x0.rank - 1)
        let signal = Tensor(shape: shape, values: timesteps.map { Float(alphaBar($0).squareRoot()) })
        let spread = Tensor(shape: shape, values: timesteps.map { Float(oneMinusAlphaBar($0).squareRoot()) })
        return x0 * signal + noise * spread
    }

    /// ``addNoise(_:noise:timesteps:)`` at one timestep for the whole batch.
    public func addNoise(_ x0: Tensor, noise: Tensor, timestep: Int) throws -> Tensor {
        try addNoise(x0, noise: noise, timesteps: [timestep])
    }
}
