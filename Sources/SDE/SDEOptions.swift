import Configuration

/// The `sde:` block of the official option files (`max_sigma`, `T`, `schedule`, `eps`, `sampling_mode`,
/// `sample_T`), with the wild-IR values as defaults. Stored with a model, it says how to sample it.
public struct SDEOptions: Codable, Equatable, Sendable, DefaultedOptions, ValidatedOptions {
    /// λ in 0–255 units (values < 1 are read on the [0, 1] scale).
    public var maxSigma: Float = 50
    /// T.
    public var steps: Int = 100
    public var schedule: ThetaSchedule = .cosine
    public var eps: Float = 0.005
    /// What the network outputs: `noise` (official) or `residual` (x̂_0 − μ; WildIR's own models may use it).
    public var prediction: NetworkPrediction = .noise
    /// The sampler used when none is asked for (the official `sampling_mode`).
    public var samplingMode: SamplingMethod = .posterior
    /// `sample_T`: the number of sampling steps used when none is asked for (the official `IRSDE(sample_T:)`);
    /// nil samples all T steps. Stored with a model, it records the step count the model was tuned for.
    public var sampleSteps: Int?

    /// Largest T accepted from a file (the schedules allocate T + 2 values; published models use 100).
    public static let maximumSteps = 10_000

    enum CodingKeys: String, CodingKey, CaseIterable {
        case maxSigma = "max_sigma", steps = "T", schedule, eps, prediction, samplingMode = "sampling_mode"
        case sampleSteps = "sample_T"
    }

    public init() {}

    public static var defaults: SDEOptions { SDEOptions() }

    /// Reads any subset of the keys (model files written before a key existed lack it).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        maxSigma = try c.decodeIfPresent(Float.self, forKey: .maxSigma) ?? 50
        steps = try c.decodeIfPresent(Int.self, forKey: .steps) ?? 100
        schedule = try c.decodeIfPresent(ThetaSchedule.self, forKey: .schedule) ?? .cosine
        eps = try c.decodeIfPresent(Float.self, forKey: .eps) ?? 0.005
        prediction = try c.decodeIfPresent(NetworkPrediction.self, forKey: .prediction) ?? .noise
        samplingMode = try c.decodeIfPresent(SamplingMethod.self, forKey: .samplingMode) ?? .posterior
        sampleSteps = try c.decodeIfPresent(Int.self, forKey: .sampleSteps)
    }

    /// Range checks, with the official key names.
    /// - Throws: ``OptionViolation`` relative to the `sde` block (`T`, `eps`, …).
    public func validate() throws {
        try OptionViolation.check(maxSigma > 0 && maxSigma <= 255 && maxSigma.isFinite, "max_sigma",
                                  "must lie in (0, 255] (0–255 units; below 1 on the [0, 1] scale), got \(maxSigma)")
        try OptionViolation.check((1...Self.maximumSteps).contains(steps), "T", "must lie in 1…\(Self.maximumSteps), got \(steps)")
        try OptionViolation.check(eps > 0 && eps < 1, "eps", "must lie in (0, 1), got \(eps)")
        if let sampleSteps {
            try OptionViolation.check((1...steps).contains(sampleSteps), "sample_T", "must lie in 1…T (\(steps)), got \(sampleSteps)")
        }
    }

    /// The SDE these options describe, over all T steps (training) or over `sampleSteps` < T for sampling.
    /// `sample_T` is not applied here: pass `steps ?? sampleSteps` when building a sampler.
    public func makeSDE(sampleSteps: Int? = nil) throws -> MeanRevertingSDE {
        try MeanRevertingSDE(maxSigma: maxSigma, trainingSteps: steps, schedule: schedule, eps: eps, sampleSteps: sampleSteps,
                             prediction: prediction)
    }
}
