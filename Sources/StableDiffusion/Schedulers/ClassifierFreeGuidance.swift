import WildTensor

/// Classifier-free guidance (Ho & Salimans 2022, eq. 6, in diffusers' form): the network sees every latent twice,
/// with the negative (unconditional) and the positive condition, and the two predictions are combined as
///
///     ε̂ = ε̂_u + g·(ε̂_c − ε̂_u).
///
/// The batch order is that of the official SSP-IR pipeline (`pipeline_bim.py:457`, `1188-1190`): the unconditional
/// half first, [uncond, cond], so the caller's text (and image) embeddings are concatenated in that order too.
public struct ClassifierFreeGuidance: Sendable, Equatable {
    /// g, the guidance scale (SSP-IR: 7.5; 1 gives the conditional prediction alone).
    public var scale: Float

    public init(scale: Float = 7.5) {
        self.scale = scale
    }

    /// [z; z]: the latents doubled along the batch, for one network call on both halves.
    public func doubled(_ latents: Tensor) -> Tensor {
        Tensor.concatenate([latents, latents], axis: 0)
    }

    /// u + g·(c − u) from a prediction [2B, …] whose first B rows are unconditional.
    /// - Throws: ``SchedulerError/invalidShape(name:shape:expected:)`` for an odd or empty batch.
    public func combine(_ prediction: Tensor) throws -> Tensor {
        guard prediction.rank >= 1, prediction.shape[0] >= 2, prediction.shape[0] % 2 == 0 else {
            throw SchedulerError.invalidShape(name: "the guided prediction", shape: prediction.shape,
                                              expected: "[2B, …] (unconditional rows first, then conditional)")
        }
        let half = prediction.shape[0] / 2
        let unconditional = prediction.sliced(axis: 0, 0..<half), conditional = prediction.sliced(axis: 0, half..<(2 * half))
        return unconditional + (conditional - unconditional) * scale
    }

    /// The guided ε̂(z, t): `denoiser` runs once on [z; z] (its contexts in the order [uncond, cond]) and its two
    /// halves are combined.
    public func guided(_ denoiser: @escaping Denoiser) -> Denoiser {
        { latents, timestep in try combine(denoiser(doubled(latents), timestep)) }
    }
}
