import Foundation
import WildTensor

/// diffusers' `Timesteps(dim, flip_sin_to_cos=True, downscale_freq_shift=0)` (SD's `time_proj`): the sinusoidal
/// embedding of Vaswani et al. (2017, §3.5), cos first: [cos(t·ω_i), sin(t·ω_i)] with ω_i = 10000^(−i/(dim/2)).
public func sinusoidalTimestepEmbedding(_ timesteps: [Float], dim: Int) -> Tensor {
    let half = dim / 2
    let frequencies = (0..<half).map { exp(-log(10_000) * Double($0) / Double(half)) }
    var values = [Float](repeating: 0, count: timesteps.count * dim)
    for (row, t) in timesteps.enumerated() {
        for (i, omega) in frequencies.enumerated() {
            // Float32 products, as diffusers computes `timesteps[:, None].float() * exponent.exp()` in float32.
            let angle = Double(t * Float(omega))
            values[row * dim + i] = Float(cos(angle))
            values[row * dim + half + i] = Float(sin(angle))
        }
    }
    return Tensor(shape: [timesteps.count, dim], values: values)
}

/// diffusers' `TimestepEmbedding` (SD's `time_embedding`): `linear_2(SiLU(linear_1(x)))`.
public final class TimestepEmbedding: Module {
    public let linear1: Linear
    public let linear2: Linear

    public init(inChannels: Int, embeddingDim: Int, generator: inout TensorRandom) {
        linear1 = Linear(inChannels, embeddingDim, generator: &generator)
        linear2 = Linear(embeddingDim, embeddingDim, generator: &generator)
    }

    override public func stateKey(forProperty name: String) -> String? {
        switch name {
        case "linear1": return "linear_1"
        case "linear2": return "linear_2"
        default: return super.stateKey(forProperty: name)
        }
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { linear2(linear1(x).silu()) }
}
