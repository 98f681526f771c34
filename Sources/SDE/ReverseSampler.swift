import Configuration
import WildTensor

/// How the reverse process is simulated from the noisy low-quality state to the restored image.
public enum SamplingMethod: String, Codable, Sendable, NamedOption {
    /// Optimal posterior sampling (DACLIP-IR §3.4, eqs. 5–8): x_{t−1} ~ N(μ̃_t(x_t, x̂_0), λ²β̃_t).
    case posterior
    /// Euler–Maruyama simulation of the reverse-time SDE (eq. 3).
    case sde
    /// The probability-flow ODE (deterministic).
    case ode
}

/// The network's output for a state (the trained network, or an oracle in tests): the noise ε̂(x_t, μ, t), or the
/// residual x̂_0 − μ when the SDE's ``MeanRevertingSDE/prediction`` says so; `time` is the value given to the
/// network (t·T/sample_T).
public typealias NoisePredictor = (_ state: Tensor, _ mu: Tensor, _ time: Float) -> Tensor

/// Runs the reverse process of a `MeanRevertingSDE` (the official `reverse_posterior`, `reverse_sde`,
/// `reverse_ode`), without recording gradients.
public struct ReverseSampler: Sendable {
    public let sde: MeanRevertingSDE
    public let method: SamplingMethod

    public init(sde: MeanRevertingSDE, method: SamplingMethod = .posterior) {
        self.sde = sde
        self.method = method
    }

    /// Restores from `state` (usually `sde.initialState(mu:noise:)`, the state at t = T) down to t = 0.
    ///
    /// - Parameters:
    ///   - start: the step `state` belongs to (default: the last step, `sde.steps`).
    ///   - progress: called after each step with (steps done, total steps).
    ///   - predictor: the noise prediction.
    public func sample(from state: Tensor, mu: Tensor, startingAt start: Int? = nil, random: inout TensorRandom,
                       progress: ((Int, Int) -> Void)? = nil, predictor: NoisePredictor) -> Tensor {
        sample(from: state, mu: mu, startingAt: start, noise: &random, progress: progress, predictor: predictor)
    }

    /// `sample(from:mu:startingAt:random:progress:predictor:)` with the per-step draws taken from `noise`.
    package func sample<Noise: GaussianNoiseSource>(from state: Tensor, mu: Tensor, startingAt start: Int? = nil,
                                                    noise: inout Noise, progress: ((Int, Int) -> Void)? = nil,
                                                    predictor: NoisePredictor) -> Tensor {
        let first = min(max(start ?? sde.steps, 1), sde.steps)
        return withNoGrad {
            var x = state
            for (done, t) in (1...first).reversed().enumerated() {
                x = step(x, mu: mu, t: t, noise: &noise, predictor: predictor)
                progress?(done + 1, first)
            }
            return x
        }
    }

    /// One reverse step from x_t to x_{t−1}.
    public func step(_ x: Tensor, mu: Tensor, t: Int, random: inout TensorRandom, predictor: NoisePredictor) -> Tensor {
        step(x, mu: mu, t: t, noise: &random, predictor: predictor)
    }

    /// One reverse step from x_t to x_{t−1}, its draw (posterior and reverse SDE) taken from `random`.
    package func step<Noise: GaussianNoiseSource>(_ x: Tensor, mu: Tensor, t: Int, noise random: inout Noise,
                                                  predictor: NoisePredictor) -> Tensor {
        let at = [t]
        let noise = sde.noise(fromNetworkOutput: predictor(x, mu, sde.networkTime(t)), xt: x, mu: mu, timesteps: at)
        switch method {
        case .posterior:
            let x0 = sde.estimatedInitialState(xt: x, mu: mu, noise: noise, timesteps: at)
            let mean = sde.optimalReverseState(xt: x, x0: x0, mu: mu, timesteps: at)
            return mean + random.normal(x.shape) * sde.posteriorStandardDeviation(t)
        case .sde:
            let score = sde.score(fromNoise: noise, timesteps: at)
            return sde.reverseSDEMean(xt: x, score: score, mu: mu, timesteps: at)
                - sde.dispersion(noise: random.normal(x.shape), timesteps: at)
        case .ode:
            return sde.reverseODEStep(xt: x, score: sde.score(fromNoise: noise, timesteps: at), mu: mu, timesteps: at)
        }
    }
}
