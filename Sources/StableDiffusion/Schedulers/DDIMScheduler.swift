import WildTensor

/// Deterministic DDIM sampling, η = 0 (Song, Meng & Ermon 2021, eq. 12; diffusers `DDIMScheduler.step` with
/// `eta` 0, ε-prediction, `clip_sample` false):
///
///     x̂_0    = (x_t − √(1 − ᾱ_t)·ε̂)/√ᾱ_t
///     x_{t′}  = √ᾱ_{t′}·x̂_0 + √(1 − ᾱ_{t′})·ε̂
///
/// with t′ = t − ⌊T/n⌋ (diffusers' rule for DDIM; the next inference timestep under "leading" spacing) and, for
/// t′ < 0, ᾱ_{t′} = 1 when `set_alpha_to_one`, else ᾱ_0 (SD 1.5).
public struct DDIMScheduler: NoiseScheduler {
    public let configuration: SchedulerConfiguration
    public let schedule: NoiseSchedule
    public let timesteps: [Int]

    /// A DDIM scheduler for `steps` inference steps.
    /// - Throws: ``SchedulerError``.
    public init(steps: Int, configuration: SchedulerConfiguration = .stableDiffusion15) throws {
        self.configuration = configuration
        schedule = try NoiseSchedule(configuration)
        timesteps = try configuration.timestepSpacing.timesteps(steps: steps, configuration: configuration)
    }

    /// η = 0: no noise.
    public func addsNoise(at timestep: Int) -> Bool { false }

    /// ᾱ and 1 − ᾱ at the step's target t − ⌊T/n⌋ (diffusers' `final_alpha_cumprod` below 0).
    func target(of timestep: Int) -> (alphaBar: Double, betaBar: Double) {
        let previous = timestep - configuration.trainTimesteps / timesteps.count
        if previous >= 0 { return (schedule.alphaBar(previous), schedule.oneMinusAlphaBar(previous)) }
        return configuration.setAlphaToOne ? (1, 0) : (schedule.alphaBar(0), schedule.oneMinusAlphaBar(0))
    }

    /// One deterministic step (see the type's equations); `noise` is ignored.
    /// - Throws: shape and timestep errors.
    public func step(_ noisePrediction: Tensor, timestep: Int, sample: Tensor, noise: Tensor? = nil) throws -> SchedulerStep {
        try checkShapes(noisePrediction, sample)
        _ = try index(of: timestep)
        let x0 = predictOriginal(noisePrediction, timestep: timestep, sample: sample)
        let (alphaBar, betaBar) = target(of: timestep)
        let previous = x0 * Float(alphaBar.squareRoot()) + noisePrediction * Float(betaBar.squareRoot())
        return SchedulerStep(previousSample: previous, predictedOriginalSample: x0)
    }
}
