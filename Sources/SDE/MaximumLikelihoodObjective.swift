import WildTensor

/// The training side of IR-SDE with one time step per sample (`generate_random_states` and
/// `optimize_parameters` of the official `denoising_model.py`).
extension MeanRevertingSDE {
    /// A `[B, 1, 1, 1]` tensor holding `value(t_b)` for each sample's time step.
    func perSample(_ timesteps: [Int], _ value: (Int) -> Float) -> Tensor {
        Tensor(shape: [timesteps.count, 1, 1, 1], values: timesteps.map(value))
    }

    /// x_t = m_t + √v_t ε for each sample at its own t (eq. 2).
    public func noisyStates(x0: Tensor, mu: Tensor, timesteps: [Int], noise: Tensor) -> Tensor {
        mu + (x0 - mu) * perSample(timesteps, meanDecay) + noise * perSample(timesteps) { sigmaBars[$0] }
    }

    /// The mean of the reverse-SDE step implied by predicted noise, per sample:
    /// x_t − (θ_t(μ − x_t) − σ_t² · (−ε̂/√v_t)) dt (the official `reverse_sde_step_mean`).
    public func reverseSDEMeans(xt: Tensor, predictedNoise: Tensor, mu: Tensor, timesteps: [Int]) -> Tensor {
        let drift = perSample(timesteps) { thetas[$0] * dt }
        let noiseWeight = perSample(timesteps) { sigmas[$0] * sigmas[$0] * dt / sigmaBars[$0] }
        return xt - (mu - xt) * drift - predictedNoise * noiseWeight
    }

    /// x*_{t−1} per sample (eq. 4).
    public func optimalReverseStates(xt: Tensor, x0: Tensor, mu: Tensor, timesteps: [Int]) -> Tensor {
        let coefficients = timesteps.map(optimalCoefficients)
        let wt = Tensor(shape: [timesteps.count, 1, 1, 1], values: coefficients.map(\.0))
        let w0 = Tensor(shape: [timesteps.count, 1, 1, 1], values: coefficients.map(\.1))
        return (xt - mu) * wt + (x0 - mu) * w0 + mu
    }

    /// The maximum-likelihood loss of IR-SDE: `weight · L(reverse-SDE mean from ε̂, x*_{t−1})` with L the
    /// ``PixelLoss`` (the official default: mean absolute error).
    public func matchingLoss(predictedNoise: Tensor, xt: Tensor, x0: Tensor, mu: Tensor, timesteps: [Int],
                             pixel: PixelLoss = .l1, weight: Float = 1) -> Tensor {
        let expectation = reverseSDEMeans(xt: xt, predictedNoise: predictedNoise, mu: mu, timesteps: timesteps)
        let optimum = withNoGrad { optimalReverseStates(xt: xt, x0: x0, mu: mu, timesteps: timesteps) }
        return pixel(expectation, optimum, weight: weight)
    }
}
