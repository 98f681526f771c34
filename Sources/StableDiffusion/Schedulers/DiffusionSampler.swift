import WildTensor

/// The network's noise prediction ε̂(z_t, t) for a batch of latents at one timestep (later ControlNet + U-Net, with
/// their text and image conditions captured by the closure).
public typealias Denoiser = (_ latents: Tensor, _ timestep: Int) throws -> Tensor

/// Where the reverse process starts.
public enum LatentStart: Sendable {
    /// z_T = ε (`init_noise_sigma` 1), the loop over every inference timestep (text-to-image; SSP-IR's
    /// `start_point` "noise").
    case noise
    /// The LQ latent noised to `timestep`: z = √ᾱ_t·z_lq + √(1 − ᾱ_t)·ε, the loop starting at the first inference
    /// timestep ≤ `timestep` (SSP-IR's LRE start, `start_point` "lr", `start_steps` 999, facts §6:
    /// z = 0.06826·z_lq + 0.99767·ε at t = 999).
    case lowQualityLatent(Tensor, timestep: Int)

    /// SSP-IR's LRE start from `latent` (VAE mean-sampled, times 0.18215) at t = 999.
    public static func lre(_ latent: Tensor) -> LatentStart { .lowQualityLatent(latent, timestep: 999) }
}

/// What the sampling loop reports after each step.
public struct SamplingProgress: Sendable {
    /// Steps done (1…steps).
    public let step: Int
    /// The steps of this run (those at or below the start timestep).
    public let steps: Int
    /// The timestep just taken.
    public let timestep: Int
    /// The step's estimate of the clean latents (for previews).
    public let predictedOriginal: Tensor
}

/// The reverse diffusion loop of Stable Diffusion pipelines (diffusers' denoising loop; SSP-IR `pipeline_bim.py`
/// §6): the start latent, then for each inference timestep t at or below the start, ε̂ = denoiser(z, t) (guided when
/// ``guidance`` is set) and z ← scheduler step. Runs without recording gradients.
///
/// Randomness: sample b of the batch draws its initial noise and then its DDPM noise of every step, in that order,
/// from its own stream `TensorRandom(seed: seeds[b])`, so its result depends on its seed alone, not on the batch
/// it shares.
public struct DiffusionSampler: Sendable {
    /// The scheduler the runs start from (each run steps a copy of it).
    public let scheduler: any NoiseScheduler
    /// Classifier-free guidance, or nil for a single network call per step.
    public let guidance: ClassifierFreeGuidance?

    public init(scheduler: any NoiseScheduler, guidance: ClassifierFreeGuidance? = ClassifierFreeGuidance()) {
        self.scheduler = scheduler
        self.guidance = guidance
    }

    /// The seeds of a batch of `count` from one seed: seed, seed + 1, … (wrapping).
    public static func seeds(_ seed: UInt64, count: Int) -> [UInt64] {
        (0..<count).map { seed &+ UInt64($0) }
    }

    /// The inference timesteps a run from `start` takes: all of them for ``LatentStart/noise``, else those at or
    /// below the start timestep.
    public func timesteps(from start: LatentStart) -> [Int] {
        switch start {
        case .noise: return scheduler.timesteps
        case let .lowQualityLatent(_, timestep): return scheduler.timesteps.filter { $0 <= timestep }
        }
    }

    /// Samples clean latents.
    ///
    /// - Parameters:
    ///   - start: the start (for ``LatentStart/noise``, `shape` gives the latents' shape).
    ///   - shape: [B, C, h, w] of the latents when starting from noise; ignored otherwise.
    ///   - seeds: one per sample (see the type's note on randomness).
    ///   - progress: called after every step.
    ///   - isCancelled: asked before every step; `true` stops the run with ``SchedulerError/cancelled(timestep:)``.
    ///   - denoiser: ε̂(z, t) on B latents (on 2B with ``guidance``: [uncond; cond]).
    /// - Returns: z_0, the latents after the last step.
    /// - Throws: ``SchedulerError`` for a seed count other than B, a start timestep outside 0..<T, a prediction of
    ///   the wrong shape or a cancellation; whatever `denoiser` throws.
    public func sample(from start: LatentStart, shape: [Int] = [], seeds: [UInt64],
                       progress: ((SamplingProgress) -> Void)? = nil, isCancelled: (() -> Bool)? = nil,
                       denoiser: @escaping Denoiser) throws -> Tensor {
        let batch: Int
        switch start {
        case .noise: batch = shape.first ?? 0
        case let .lowQualityLatent(latent, _): batch = latent.shape.first ?? 0
        }
        guard seeds.count == batch else {
            throw SchedulerError.invalidShape(name: "the seeds", shape: [seeds.count], expected: "one per sample, [\(batch)]")
        }
        var noise = PerSampleNoise(seeds: seeds)
        return try sample(from: start, shape: shape, noise: &noise, progress: progress, isCancelled: isCancelled, denoiser: denoiser)
    }

    /// ``sample(from:shape:seeds:progress:isCancelled:denoiser:)`` with the draws taken from `noise`: the initial
    /// noise of the whole batch first, then one batch of DDPM noise per step that adds noise.
    package func sample<Noise: GaussianNoiseSource>(from start: LatentStart, shape: [Int], noise: inout Noise,
                                                    progress: ((SamplingProgress) -> Void)?, isCancelled: (() -> Bool)?,
                                                    denoiser: @escaping Denoiser) throws -> Tensor {
        let predict = guidance.map { $0.guided(denoiser) } ?? denoiser
        var scheduler = self.scheduler
        return try withNoGrad {
            var latents: Tensor
            switch start {
            case .noise:
                guard shape.count >= 2, shape.allSatisfy({ $0 > 0 }) else {
                    throw SchedulerError.invalidShape(name: "the latents", shape: shape, expected: "[B, C, h, w] with every size positive")
                }
                latents = noise.normal(shape)
            case let .lowQualityLatent(latent, timestep):
                guard latent.rank >= 2, latent.count > 0 else {
                    throw SchedulerError.invalidShape(name: "the LQ latent", shape: latent.shape, expected: "[B, C, h, w]")
                }
                latents = try scheduler.addNoise(latent, noise: noise.normal(latent.shape), timestep: timestep)
            }
            let run = timesteps(from: start)
            for (done, t) in run.enumerated() {
                if isCancelled?() == true { throw SchedulerError.cancelled(timestep: t) }
                let prediction = try predict(latents, t)
                let drawn = scheduler.addsNoise(at: t) ? noise.normal(latents.shape) : nil
                let result = try scheduler.step(prediction, timestep: t, sample: latents, noise: drawn)
                latents = result.previousSample
                progress?(SamplingProgress(step: done + 1, steps: run.count, timestep: t,
                                           predictedOriginal: result.predictedOriginalSample))
            }
            return latents
        }
    }
}

/// One random stream per sample: a draw of shape [B, …] takes sample b's values from stream b.
struct PerSampleNoise: GaussianNoiseSource {
    var streams: [TensorRandom]

    init(seeds: [UInt64]) { streams = seeds.map { TensorRandom(seed: $0) } }

    mutating func normal(_ shape: [Int]) -> Tensor {
        precondition(shape.first == streams.count, "PerSampleNoise: \(streams.count) seeds for a batch of shape \(shape)")
        let rows = (0..<streams.count).map { streams[$0].normal(Array(shape.dropFirst())).reshaped([1] + shape.dropFirst()) }
        return Tensor.concatenate(rows, axis: 0)
    }
}
