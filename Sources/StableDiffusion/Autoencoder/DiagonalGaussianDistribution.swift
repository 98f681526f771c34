import WildTensor

/// The VAE's posterior q(z|x) = N(mean, diag(exp(logvar))) (diffusers' `DiagonalGaussianDistribution`; Kingma &
/// Welling 2014, §2.4): the moments split in halves on the channel axis, the log-variance clamped to [-30, 20].
public struct DiagonalGaussianDistribution {
    /// `[B, latent, h, w]`.
    public let mean: Tensor
    /// `[B, latent, h, w]`, clamped to [-30, 20].
    public let logvar: Tensor

    /// Splits `moments` `[B, 2·latent, h, w]` (the output of `quant_conv`) into mean and log-variance.
    public init(moments: Tensor) {
        let halves = moments.chunked(2, axis: 1)
        mean = halves[0]
        logvar = halves[1].clamped(-30, 20)
    }

    /// exp(logvar / 2).
    public var std: Tensor { (logvar * 0.5).exp() }

    /// exp(logvar).
    public var variance: Tensor { logvar.exp() }

    /// mean + std·ε with ε ~ N(0, I) from `generator` (the reparameterisation of Kingma & Welling 2014, eq. 10); the
    /// same seed gives the same sample (not PyTorch's stream).
    public func sample(generator: inout TensorRandom) -> Tensor {
        mean + std * generator.normal(mean.shape)
    }

    /// The mode, the mean.
    public func mode() -> Tensor { mean }
}
