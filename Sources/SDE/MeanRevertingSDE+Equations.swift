import Foundation
import WildTensor

// The tensor equations of IR-SDE, each written once for a batch whose samples sit at their own time steps
// (`timesteps`, one per sample, or `[t]` for all: the single-step form is a call with one step). Differentiable, so the
// training objectives use the same equations as the samplers.
extension MeanRevertingSDE {
    // MARK: Forward process (eq. 2)

    /// m_t = μ + (x_0 − μ) e^{−θ̄_t dt} (eq. 2).
    public func forwardMean(x0: Tensor, mu: Tensor, timesteps: [Int]) -> Tensor {
        mu + (x0 - mu) * perSample(timesteps, meanDecay)
    }

    /// A sample of x_t given x_0: m_t + √v_t·ε (eq. 2; the official `generate_random_states`).
    public func noisyState(x0: Tensor, mu: Tensor, timesteps: [Int], noise: Tensor) -> Tensor {
        forwardMean(x0: x0, mu: mu, timesteps: timesteps) + noise * perSample(timesteps) { sigmaBars[$0] }
    }

    /// The noisy low-quality image the reverse process starts from: μ + λ·ε (the reference's `noise_state`).
    public func initialState(mu: Tensor, noise: Tensor) -> Tensor { mu + noise * maxSigma }

    // MARK: Reverse process

    /// The score from predicted noise: −ε / √v_t.
    public func score(fromNoise noise: Tensor, timesteps: [Int]) -> Tensor { noise * perSample(timesteps) { -1 / sigmaBars[$0] } }

    /// x̂_0 = e^{θ̄_t dt} (x_t − μ − √v_t ε̂) + μ (eq. 8).
    public func estimatedInitialState(xt: Tensor, mu: Tensor, noise: Tensor, timesteps: [Int]) -> Tensor {
        (xt - mu - noise * perSample(timesteps) { sigmaBars[$0] }) * perSample(timesteps) { Foundation.exp(thetaBars[$0] * dt) } + mu
    }

    /// x*_{t−1}, the optimal (maximum-likelihood) reverse state given x_t and x_0 (eq. 4), which is also the posterior
    /// mean μ̃_t(x_t, x_0) of eq. 6: the training target, and the mean of a posterior sampling step.
    public func optimalReverseState(xt: Tensor, x0: Tensor, mu: Tensor, timesteps: [Int]) -> Tensor {
        let coefficients = timesteps.map(optimalCoefficients)
        let wt = Tensor(shape: [timesteps.count, 1, 1, 1], values: coefficients.map(\.0))
        let w0 = Tensor(shape: [timesteps.count, 1, 1, 1], values: coefficients.map(\.1))
        return (xt - mu) * wt + (x0 - mu) * w0 + mu
    }

    /// The mean of one Euler–Maruyama step of the reverse SDE (eq. 3): x − (θ_t(μ − x) − σ_t² score) dt
    /// (the official `reverse_sde_step_mean`).
    public func reverseSDEMean(xt: Tensor, score: Tensor, mu: Tensor, timesteps: [Int]) -> Tensor {
        xt - ((mu - xt) * perSample(timesteps) { thetas[$0] } - score * perSample(timesteps) { sigmas[$0] * sigmas[$0] }) * dt
    }

    /// One step of the probability-flow ODE: x − (θ_t(μ − x) − ½σ_t² score) dt.
    public func reverseODEStep(xt: Tensor, score: Tensor, mu: Tensor, timesteps: [Int]) -> Tensor {
        xt - ((mu - xt) * perSample(timesteps) { thetas[$0] } - score * perSample(timesteps) { 0.5 * sigmas[$0] * sigmas[$0] }) * dt
    }

    /// The diffusion term of one reverse-SDE step, σ_t √dt · ε.
    public func dispersion(noise: Tensor, timesteps: [Int]) -> Tensor {
        noise * perSample(timesteps) { sigmas[$0] * dt.squareRoot() }
    }
}
