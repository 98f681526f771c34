import Configuration
import WildTensor

/// What a training step compares (`train.objective`).
public enum TrainingObjective: String, Codable, Sendable, NamedOption {
    /// The IR-SDE maximum-likelihood objective (eq. 4; the official `optimize_parameters`): the reverse-SDE mean
    /// implied by ε̂ against the optimal reverse state x*_{t−1}.
    case matching
    /// The restoration x̂_0 of eq. 8 against x_0, every time step weighted alike (a WildIR option). In terms of x̂_0
    /// the matching objective weighs step t by w_t = σ_t² dt e^{−θ̄_t dt} / v_t, which is largest at the first steps,
    /// where x_t is nearly x_0 already, and smallest at T, where the samplers start: a small network trained
    /// briefly on it restores worse than its input. This objective trains every step's estimate of x_0 equally.
    case restoration
}

extension MeanRevertingSDE {
    /// The weight w_t = σ_t² dt e^{−θ̄_t dt} / v_t that the matching objective puts on |x̂_0 − x_0| at step t: the
    /// reverse-SDE mean from ε̂ differs from the one from the true ε (which is x*_{t−1} up to the Euler step's
    /// discretisation error) by −σ_t² dt (ε̂ − ε)/√v_t, and ε̂ − ε = −e^{−θ̄_t dt}(x̂_0 − x_0)/√v_t (eq. 8).
    public func matchingWeight(_ t: Int) -> Float {
        sigmas[t] * sigmas[t] * dt * meanDecay(t) / (sigmaBars[t] * sigmaBars[t])
    }

    /// `weight · L(x̂_0, x_0)` with x̂_0 from eq. 8 at each sample's t and L the ``PixelLoss``: the
    /// ``TrainingObjective/restoration`` objective.
    public func restorationLoss(predictedNoise: Tensor, xt: Tensor, x0: Tensor, mu: Tensor, timesteps: [Int],
                                pixel: PixelLoss = .l1, weight: Float = 1) -> Tensor {
        pixel(estimatedInitialState(xt: xt, mu: mu, noise: predictedNoise, timesteps: timesteps), x0, weight: weight)
    }

    /// The loss of one training step under `objective`.
    public func loss(_ objective: TrainingObjective, predictedNoise: Tensor, xt: Tensor, x0: Tensor, mu: Tensor,
                     timesteps: [Int], pixel: PixelLoss = .l1, weight: Float = 1) -> Tensor {
        switch objective {
        case .matching:
            return matchingLoss(predictedNoise: predictedNoise, xt: xt, x0: x0, mu: mu, timesteps: timesteps, pixel: pixel,
                                weight: weight)
        case .restoration:
            return restorationLoss(predictedNoise: predictedNoise, xt: xt, x0: x0, mu: mu, timesteps: timesteps, pixel: pixel,
                                   weight: weight)
        }
    }
}
