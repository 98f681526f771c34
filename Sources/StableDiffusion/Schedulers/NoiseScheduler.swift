import Configuration
import WildTensor

/// The result of one reverse step: x_{t_prev} and the step's estimate of x_0.
public struct SchedulerStep: Sendable {
    /// The sample at the next (smaller) timestep (diffusers `prev_sample`).
    public let previousSample: Tensor
    /// x̂_0 = (x_t − √(1 − ᾱ_t)·ε̂)/√ᾱ_t (`pred_original_sample`), for previews.
    public let predictedOriginalSample: Tensor
}

/// A sampler of Stable Diffusion's discrete noise schedule with an ε-predicting network: the inference timesteps,
/// the forward process and the reverse step (diffusers' `SchedulerMixin`: `timesteps`, `add_noise`, `step`).
///
/// A scheduler is made for a number of inference steps (`set_timesteps`); ``step(_:timestep:sample:noise:)`` takes
/// them in order. Multistep schedulers keep the network outputs of earlier steps, so a run starts from a fresh value.
public protocol NoiseScheduler: Sendable {
    /// The settings it was made with.
    var configuration: SchedulerConfiguration { get }
    /// β and ᾱ.
    var schedule: NoiseSchedule { get }
    /// The inference timesteps, decreasing.
    var timesteps: [Int] { get }
    /// Whether ``step(_:timestep:sample:noise:)`` at `timestep` adds fresh Gaussian noise (then `noise` is needed).
    func addsNoise(at timestep: Int) -> Bool
    /// One reverse step from x_t at `timestep` (one of ``timesteps``) with the network's ε̂.
    ///
    /// - Parameters:
    ///   - noisePrediction: ε̂(x_t, t), the shape of `sample`.
    ///   - noise: standard normal noise of the sample's shape where ``addsNoise(at:)``; ignored elsewhere.
    mutating func step(_ noisePrediction: Tensor, timestep: Int, sample: Tensor, noise: Tensor?) throws -> SchedulerStep
}

extension NoiseScheduler {
    /// x_t = √ᾱ_t·x_0 + √(1 − ᾱ_t)·ε (``NoiseSchedule/addNoise(_:noise:timesteps:)``), at any training timestep.
    public func addNoise(_ x0: Tensor, noise: Tensor, timestep: Int) throws -> Tensor {
        try schedule.addNoise(x0, noise: noise, timestep: timestep)
    }

    /// ``step(_:timestep:sample:noise:)`` with its noise, where one is needed, drawn from `generator`.
    public mutating func step(_ noisePrediction: Tensor, timestep: Int, sample: Tensor,
                              generator: inout TensorRandom) throws -> SchedulerStep {
        let noise = addsNoise(at: timestep) ? generator.normal(sample.shape) : nil
        return try step(noisePrediction, timestep: timestep, sample: sample, noise: noise)
    }

    /// The position of `timestep` in ``timesteps``.
    func index(of timestep: Int) throws -> Int {
        guard let index = timesteps.firstIndex(of: timestep) else {
            throw SchedulerError.invalidTimestep(timestep, reason: "not one of the \(timesteps.count) inference timesteps")
        }
        return index
    }

    /// Throws unless the network's output and the sample have one shape.
    func checkShapes(_ noisePrediction: Tensor, _ sample: Tensor) throws {
        guard noisePrediction.shape == sample.shape else {
            throw SchedulerError.invalidShape(name: "the noise prediction", shape: noisePrediction.shape,
                                              expected: "the sample's \(sample.shape)")
        }
    }
}

/// The schedulers by name (a `--scheduler` value).
public enum SchedulerKind: String, Sendable, Equatable, NamedOption {
    /// ``DDPMScheduler``, ancestral sampling with the posterior variance: SSP-IR's sampler.
    case ddpm
    /// ``DDIMScheduler`` with η = 0 (deterministic).
    case ddim
    /// ``DPMSolverMultistepScheduler``: DPM-Solver++ (2M).
    case dpmSolver = "dpm-solver++"

    /// A scheduler of this kind for `steps` inference steps.
    /// - Throws: ``SchedulerError``.
    public func make(steps: Int, configuration: SchedulerConfiguration = .stableDiffusion15) throws -> any NoiseScheduler {
        switch self {
        case .ddpm: try DDPMScheduler(steps: steps, configuration: configuration)
        case .ddim: try DDIMScheduler(steps: steps, configuration: configuration)
        case .dpmSolver: try DPMSolverMultistepScheduler(steps: steps, configuration: configuration)
        }
    }
}

extension TimestepSpacing {
    /// The `steps` inference timesteps of DDPM and DDIM (diffusers `set_timesteps`), decreasing; every one in 0..<T.
    /// - Throws: ``SchedulerError`` for a step count outside 1…T or a timestep beyond T − 1 (a large
    ///   `steps_offset`).
    func timesteps(steps: Int, configuration: SchedulerConfiguration) throws -> [Int] {
        let total = configuration.trainTimesteps
        guard (1...total).contains(steps) else {
            throw SchedulerError.invalidConfiguration(field: "num_inference_steps", reason: "must lie in 1…\(total), got \(steps)")
        }
        let values: [Int]
        switch self {
        case .linspace:
            values = Self.linspace(0, Double(total - 1), count: steps).map { Int($0.rounded(.toNearestOrEven)) }.reversed()
        case .leading:
            values = (0..<steps).map { $0 * (total / steps) + configuration.stepsOffset }.reversed()
        case .trailing:
            values = Self.arange(from: Double(total), by: -Double(total) / Double(steps)).map { Int($0.rounded(.toNearestOrEven)) - 1 }
        }
        return try Self.checked(values, total: total)
    }

    /// NumPy's `linspace(start, stop, count)`: start + i·step with step = (stop − start)/(count − 1), the last
    /// value exactly `stop`.
    static func linspace(_ start: Double, _ stop: Double, count: Int) -> [Double] {
        guard count > 1 else { return count == 1 ? [start] : [] }
        let step = (stop - start) / Double(count - 1)
        return (0..<count).map { $0 == count - 1 ? stop : start + Double($0) * step }
    }

    /// NumPy's `arange(start, 0, step)` for a negative step: ⌈−start/step⌉ values start + i·step.
    static func arange(from start: Double, by step: Double) -> [Double] {
        let count = Int(((0 - start) / step).rounded(.up))
        return (0..<Swift.max(count, 0)).map { start + Double($0) * step }
    }

    /// The timesteps, or an error when one lies outside 0..<T.
    static func checked(_ values: [Int], total: Int) throws -> [Int] {
        if let bad = values.first(where: { !(0..<total).contains($0) }) {
            throw SchedulerError.invalidTimestep(bad, reason: "outside the training timesteps 0..<\(total) (lower steps_offset or the step count)")
        }
        return values
    }
}
