import Configuration
import WildTensor

/// What the restoration network's output stands for. The samplers and the training objective work with the
/// noise ε̂; a `residual` output is turned into the noise it implies first.
public enum NetworkPrediction: String, Codable, Sendable, NamedOption {
    /// ε̂, the noise of x_t (the official IR-SDE and DACLIP-IR networks).
    case noise
    /// r̂ = x̂_0 − μ, the restoration's correction of the LQ image (a WildIR option). It implies
    /// ε̂ = (x_t − μ − e^{−θ̄_t dt}·r̂)/√v_t (eq. 2 solved for ε), so x̂_0 of eq. 8 is exactly μ + r̂: an untrained
    /// network (r̂ = 0) restores to the LQ image itself, and no step amplifies a noise-prediction error by e^{θ̄_t dt}.
    case residual
}

extension MeanRevertingSDE {
    /// The noise ε̂ implied by the network's output for each sample at its step (the output itself for `noise`
    /// networks; differentiable).
    public func noise(fromNetworkOutput output: Tensor, xt: Tensor, mu: Tensor, timesteps: [Int]) -> Tensor {
        switch prediction {
        case .noise: return output
        case .residual: return (xt - mu - output * perSample(timesteps, meanDecay)) * perSample(timesteps) { 1 / sigmaBars[$0] }
        }
    }
}
