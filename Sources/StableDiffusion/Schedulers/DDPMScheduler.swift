import WildTensor

/// Ancestral sampling of DDPM (Ho et al. 2020, eqs. 6–7, 15; diffusers `DDPMScheduler` with `variance_type`
/// "fixed_small", ε-prediction, `clip_sample` false): the sampler of SSP-IR's inference (facts §6).
///
/// From x_t at inference timestep t to the next one, t′ (the next in ``timesteps``; after the last, ᾱ_{t′} = 1):
///
///     x̂_0     = (x_t − √(1 − ᾱ_t)·ε̂)/√ᾱ_t                                           (eq. 15)
///     μ̃       = √ᾱ_{t′}·β′_t/(1 − ᾱ_t)·x̂_0 + √α′_t·(1 − ᾱ_{t′})/(1 − ᾱ_t)·x_t    (eq. 7)
///     x_{t′}   = μ̃ + √β̃_t·z,  β̃_t = max((1 − ᾱ_{t′})/(1 − ᾱ_t)·β′_t, 10⁻²⁰),  z ~ N(0, I) for t > 0
///
/// with α′_t = ᾱ_t/ᾱ_{t′} and β′_t = 1 − α′_t, the effective α and β of the jump from t′ to t.
public struct DDPMScheduler: NoiseScheduler {
    public let configuration: SchedulerConfiguration
    public let schedule: NoiseSchedule
    public let timesteps: [Int]

    /// A DDPM scheduler for `steps` inference steps (diffusers `set_timesteps(steps)`).
    /// - Throws: ``SchedulerError``.
    public init(steps: Int, configuration: SchedulerConfiguration = .stableDiffusion15) throws {
        self.configuration = configuration
        schedule = try NoiseSchedule(configuration)
        timesteps = try configuration.timestepSpacing.timesteps(steps: steps, configuration: configuration)
    }

    /// DDPM draws noise at every timestep but 0.
    public func addsNoise(at timestep: Int) -> Bool { timestep > 0 }

    /// The timestep after `timestep`: the next inference timestep, −1 after the last (diffusers `previous_timestep`).
    public func previousTimestep(_ timestep: Int) throws -> Int {
        let index = try index(of: timestep)
        return index + 1 < timesteps.count ? timesteps[index + 1] : -1
    }

    /// The coefficients of the step at `timestep`: of x̂_0 and x_t in the posterior mean, and the posterior
    /// standard deviation √β̃_t (Double, each rounded once to Float by the caller).
    public func coefficients(at timestep: Int) throws -> (original: Double, current: Double, deviation: Double) {
        let previous = try previousTimestep(timestep)
        let alphaBar = schedule.alphaBar(timestep), alphaBarPrevious = previous >= 0 ? schedule.alphaBar(previous) : 1
        let betaBar = schedule.oneMinusAlphaBar(timestep), betaBarPrevious = previous >= 0 ? schedule.oneMinusAlphaBar(previous) : 0
        let currentAlpha = alphaBar / alphaBarPrevious
        let currentBeta = 1 - currentAlpha
        let variance = Swift.max(betaBarPrevious / betaBar * currentBeta, 1e-20)
        return (alphaBarPrevious.squareRoot() * currentBeta / betaBar, currentAlpha.squareRoot() * betaBarPrevious / betaBar,
                variance.squareRoot())
    }

    /// One ancestral step (see the type's equations).
    /// - Throws: ``SchedulerError/noiseRequired(timestep:)`` without `noise` at t > 0; shape and timestep errors.
    public func step(_ noisePrediction: Tensor, timestep: Int, sample: Tensor, noise: Tensor?) throws -> SchedulerStep {
        try checkShapes(noisePrediction, sample)
        let (original, current, deviation) = try coefficients(at: timestep)
        let x0 = predictOriginal(noisePrediction, timestep: timestep, sample: sample)
        var previous = x0 * Float(original) + sample * Float(current)
        if addsNoise(at: timestep) {
            guard let noise else { throw SchedulerError.noiseRequired(timestep: timestep) }
            guard noise.shape == sample.shape else {
                throw SchedulerError.invalidShape(name: "the DDPM noise", shape: noise.shape, expected: "the sample's \(sample.shape)")
            }
            previous = previous + noise * Float(deviation)
        }
        return SchedulerStep(previousSample: previous, predictedOriginalSample: x0)
    }
}

extension NoiseScheduler {
    /// x̂_0 = (x_t − √(1 − ᾱ_t)·ε̂)/√ᾱ_t (DDPM eq. 15), the ε-prediction's estimate of the clean sample.
    func predictOriginal(_ noisePrediction: Tensor, timestep: Int, sample: Tensor) -> Tensor {
        let alphaBar = schedule.alphaBar(timestep)
        return (sample - noisePrediction * Float(schedule.oneMinusAlphaBar(timestep).squareRoot())) * Float(1 / alphaBar.squareRoot())
    }
}
