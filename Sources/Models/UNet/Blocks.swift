import Foundation
import WildTensor

/// `default_conv` of the IR-SDE code: a bias-free convolution with "same" padding k/2.
func defaultConv(_ inChannels: Int, _ outChannels: Int, kernelSize: Int = 3, bias: Bool = false,
                 generator: inout TensorRandom) -> Conv2d {
    Conv2d(inChannels, outChannels, kernelSize: kernelSize, padding: kernelSize / 2, bias: bias, generator: &generator)
}

/// Convolution, optional time scale-shift `x·(scale + 1) + shift`, then SiLU (`Block` of the IR-SDE U-Net).
public final class Block: Module {
    public let proj: Conv2d

    init(_ inChannels: Int, _ outChannels: Int, generator: inout TensorRandom) {
        proj = defaultConv(inChannels, outChannels, generator: &generator)
    }

    public func callAsFunction(_ x: Tensor, scaleShift: (scale: Tensor, shift: Tensor)? = nil) -> Tensor {
        var h = proj(x)
        if let (scale, shift) = scaleShift { h = h * (scale + 1) + shift }
        return h.silu()
    }
}

/// Residual block with time-embedding scale-shift (`ResBlock` of the IR-SDE U-Net):
/// `block2(block1(x, scale-shift(mlp(t)))) + res_conv(x)`.
public final class ResBlock: Module {
    /// `Sequential(SiLU, Linear(time_dim, 2·out))`.
    public let mlp: Sequential?
    public let block1: Block
    public let block2: Block
    /// A 1×1 convolution when the channel count changes, else absent (`nn.Identity`).
    public let resConv: Conv2d?

    public init(_ inChannels: Int, _ outChannels: Int, timeEmbeddingDim: Int?, generator: inout TensorRandom) {
        mlp = timeEmbeddingDim.map { Sequential([SiLU(), Linear($0, outChannels * 2, generator: &generator)]) }
        block1 = Block(inChannels, outChannels, generator: &generator)
        block2 = Block(outChannels, outChannels, generator: &generator)
        resConv = inChannels != outChannels ? defaultConv(inChannels, outChannels, kernelSize: 1, generator: &generator) : nil
    }

    public func callAsFunction(_ x: Tensor, time: Tensor?) -> Tensor {
        var scaleShift: (Tensor, Tensor)?
        if let mlp, let time {
            let embedding = mlp(time)
            let pieces = embedding.reshaped([embedding.shape[0], embedding.shape[1], 1, 1]).chunked(2, axis: 1)
            scaleShift = (pieces[0], pieces[1])
        }
        let h = block2(block1(x, scaleShift: scaleShift))
        return h + (resConv.map { $0(x) } ?? x)
    }
}

/// The channel-wise LayerNorm of the IR-SDE U-Net: normalise over C at each pixel with the biased variance and
/// ε = 1e-5, then multiply by the gain `g` `[1, C, 1, 1]` (no bias).
public final class ChannelLayerNorm: Module, UnaryLayer {
    public let g: Tensor

    public init(_ channels: Int) { g = Tensor(shape: [1, channels, 1, 1], repeating: 1, requiresGrad: true) }

    public func callAsFunction(_ x: Tensor) -> Tensor { x.channelLayerNorm(gain: g, eps: 1e-5) }
}

/// Sinusoidal time embedding (`SinusoidalPosEmb`): `[sin(t·f_k), cos(t·f_k)]`, f_k = exp(−k·ln 10000/(d/2 − 1)).
public final class SinusoidalPositionEmbedding: Module, UnaryLayer {
    public let dim: Int

    public init(_ dim: Int) { self.dim = dim }

    public func callAsFunction(_ t: Tensor) -> Tensor {
        let half = dim / 2
        // As the reference: the step in double precision, the products and exponentials in single precision.
        let step = Float(Foundation.log(10000.0) / Double(half - 1))
        let frequencies = Tensor(shape: [1, half], values: (0..<half).map { Foundation.exp(Float($0) * -step) })
        let arguments = t.reshaped([t.count, 1]) * frequencies
        return Tensor.concatenate([arguments.sin(), arguments.cos()], axis: -1)
    }
}

