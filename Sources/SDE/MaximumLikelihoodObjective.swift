import WildTensor

/// The training objective of IR-SDE with one time step per sample (`optimize_parameters` of the official
/// `denoising_model.py`).
extension MeanRevertingSDE {
    /// The maximum-likelihood loss of IR-SDE: `weight · L(reverse-SDE mean from ε̂, x*_{t−1})` with L the
    /// ``PixelLoss`` (the official default: mean absolute error).
    public func matchingLoss(predictedNoise: Tensor, xt: Tensor, x0: Tensor, mu: Tensor, timesteps: [Int],
                             pixel: PixelLoss = .l1, weight: Float = 1) -> Tensor {
        let score = score(fromNoise: predictedNoise, timesteps: timesteps)
        let expectation = reverseSDEMean(xt: xt, score: score, mu: mu, timesteps: timesteps)
        let optimum = withNoGrad { optimalReverseState(xt: xt, x0: x0, mu: mu, timesteps: timesteps) }
        return pixel(expectation, optimum, weight: weight)
    }
}
