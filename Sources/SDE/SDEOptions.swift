/// The `sde:` block of the official option files (`max_sigma`, `T`, `schedule`, `eps`, `sample_T`), with the
/// wild-IR values as defaults.
public struct SDEOptions: Codable, Equatable, Sendable {
    /// λ in 0–255 units (values < 1 are read on the [0, 1] scale).
    public var maxSigma: Float = 50
    /// T.
    public var steps: Int = 100
    public var schedule: ThetaSchedule = .cosine
    public var eps: Float = 0.005
    /// What the network outputs: `noise` (official) or `residual` (x̂_0 − μ; WildIR's own models may use it).
    public var prediction: NetworkPrediction = .noise
    /// `sample_T`: the number of sampling steps used when none is asked for (the official `IRSDE(sample_T:)`);
    /// nil samples all T steps. Stored with a model, it records the step count the model was tuned for.
    public var sampleSteps: Int?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case maxSigma = "max_sigma", steps = "T", schedule, eps, prediction, sampleSteps = "sample_T"
    }

    /// The option names of the `sde:` block.
    public static var optionNames: [String] { CodingKeys.allCases.map(\.stringValue) }

    public init() {}

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        maxSigma = try c.decodeIfPresent(Float.self, forKey: .maxSigma) ?? 50
        steps = try c.decodeIfPresent(Int.self, forKey: .steps) ?? 100
        schedule = try c.decodeIfPresent(ThetaSchedule.self, forKey: .schedule) ?? .cosine
        eps = try c.decodeIfPresent(Float.self, forKey: .eps) ?? 0.005
        prediction = try c.decodeIfPresent(NetworkPrediction.self, forKey: .prediction) ?? .noise
        sampleSteps = try c.decodeIfPresent(Int.self, forKey: .sampleSteps)
    }

    /// The SDE these options describe, over all T steps (training) or over `sampleSteps` < T for sampling.
    /// `sample_T` is not applied here: pass `steps ?? sampleSteps` when building a sampler.
    public func makeSDE(sampleSteps: Int? = nil) throws -> MeanRevertingSDE {
        try MeanRevertingSDE(maxSigma: maxSigma, trainingSteps: steps, schedule: schedule, eps: eps, sampleSteps: sampleSteps,
                             prediction: prediction)
    }
}
