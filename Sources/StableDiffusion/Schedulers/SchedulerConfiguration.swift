import Configuration

/// How β grows over the training timesteps (diffusers `beta_schedule`).
public enum BetaSchedule: String, Sendable, Equatable, NamedOption {
    /// `linear`: β evenly spaced from `beta_start` to `beta_end` (Ho et al. 2020, §4).
    case linear
    /// `scaled_linear`: √β evenly spaced from √`beta_start` to √`beta_end`, squared (latent diffusion, SD 1.x).
    case scaledLinear = "scaled_linear"
}

/// Where the inference timesteps sit among the training ones (diffusers `timestep_spacing`; Lin et al. 2024,
/// "Common Diffusion Noise Schedules and Sample Steps are Flawed", Table 2).
public enum TimestepSpacing: String, Sendable, Equatable, NamedOption {
    /// Multiples of ⌊T/n⌋ from 0, plus `steps_offset` (SD 1.5: 50 steps → 981, 961, …, 1).
    case leading
    /// `np.linspace(0, T − 1, n)` rounded (half to even).
    case linspace
    /// Multiples of T/n counted down from T, rounded, minus 1 (999, …).
    case trailing
}

/// The settings of a noise scheduler: diffusers' `scheduler_config.json` names in the comments. The defaults are
/// Stable Diffusion 1.5's (1000 steps, `scaled_linear` β from 0.00085 to 0.012, ε-prediction, `clip_sample` false,
/// `steps_offset` 1, `set_alpha_to_one` false) with "leading" spacing, the schedule SSP-IR samples with (facts §6).
///
/// Only ε-prediction without clipping or thresholding is implemented: what SD 1.5 and SSP-IR use.
public struct SchedulerConfiguration: Sendable, Equatable {
    /// `num_train_timesteps`, T.
    public var trainTimesteps: Int = 1000
    /// `beta_start`, β at t = 0.
    public var betaStart: Double = 0.00085
    /// `beta_end`, β at t = T − 1.
    public var betaEnd: Double = 0.012
    /// `beta_schedule`.
    public var betaSchedule: BetaSchedule = .scaledLinear
    /// `steps_offset`, added to "leading" timesteps.
    public var stepsOffset: Int = 1
    /// `timestep_spacing`.
    public var timestepSpacing: TimestepSpacing = .leading
    /// `set_alpha_to_one` (DDIM): ᾱ after the last step is 1 when true, else ᾱ_0 (SD 1.5: false).
    public var setAlphaToOne: Bool = false

    public init() {}

    /// Stable Diffusion 1.5's scheduler settings with "leading" spacing.
    public static var stableDiffusion15: SchedulerConfiguration { SchedulerConfiguration() }

    /// Throws when a value cannot make a schedule.
    public func validate() throws {
        if trainTimesteps < 2 {
            throw SchedulerError.invalidConfiguration(field: "num_train_timesteps", reason: "must be at least 2, got \(trainTimesteps)")
        }
        guard betaStart > 0, betaEnd < 1, betaStart <= betaEnd else {
            throw SchedulerError.invalidConfiguration(
                field: "beta_start/beta_end", reason: "need 0 < beta_start ≤ beta_end < 1, got \(betaStart), \(betaEnd)")
        }
        if stepsOffset < 0 || stepsOffset >= trainTimesteps {
            throw SchedulerError.invalidConfiguration(field: "steps_offset", reason: "must lie in 0..<\(trainTimesteps), got \(stepsOffset)")
        }
    }
}
