import Foundation

/// A seeded random stream for tensors: parameter initialisation (PyTorch's default schemes) and Gaussian noise
/// for diffusion training and sampling.
///
/// The generator is SplitMix64 (Steele, Lea & Flood 2014); normals come from the Box–Muller transform. It is
/// not PyTorch's generator: models are trained here or loaded from checkpoints, so bit-equality with PyTorch's
/// random values is not a goal, but a given seed always gives the same values on every platform.
public struct TensorRandom: Sendable {
    private var state: UInt64
    /// False for ``placeholder``: parameter tensors are made without drawing.
    public private(set) var drawsValues = true

    public init(seed: UInt64) { state = seed }

    /// A generator for a model whose parameters are all loaded from a checkpoint right after it is built: its
    /// ``uniform(_:bound:)`` and ``normal(_:)`` tensors are zeros, made without drawing (drawing the 757 M values of
    /// a ViT-L-14 DA-CLIP only to overwrite them took seconds). Its scalar draws are those of seed 0.
    public static var placeholder: TensorRandom {
        var generator = TensorRandom(seed: 0)
        generator.drawsValues = false
        return generator
    }

    /// The next 64 random bits (SplitMix64).
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 24 random bits.
    public mutating func unit() -> Float { Float(next() >> 40) * 0x1p-24 }

    /// A parameter tensor with elements drawn from U(−bound, bound), requiring gradients.
    public mutating func uniform(_ shape: [Int], bound: Float) -> Tensor {
        guard drawsValues else { return constant(shape, 0) }
        var values = [Float](repeating: 0, count: shape.elementCount)
        for i in values.indices { values[i] = (2 * unit() - 1) * bound }
        return Tensor(shape: shape, values: values, requiresGrad: true)
    }

    /// A parameter tensor filled with a constant, requiring gradients.
    public func constant(_ shape: [Int], _ value: Float) -> Tensor {
        Tensor(shape: shape, repeating: value, requiresGrad: true)
    }

    /// A standard normal sample (Box–Muller on two 53-bit uniforms; never infinite).
    public mutating func normal() -> Float {
        let u1 = (Double(next() >> 11) + 0.5) * 0x1p-53, u2 = Double(next() >> 11) * 0x1p-53
        return Float((-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2))
    }

    /// A tensor of independent standard normal samples (no gradient).
    public mutating func normal(_ shape: [Int]) -> Tensor {
        guard drawsValues else { return Tensor(shape: shape, repeating: 0) }
        var values = [Float](repeating: 0, count: shape.elementCount)
        for i in values.indices { values[i] = normal() }
        return Tensor(shape: shape, values: values)
    }
}

/// Where the Gaussian draws of a sampler come from (IR-SDE: the initial noise of μ + λε, then one draw per
/// posterior or reverse-SDE step; Stable Diffusion: the initial latent noise, then one draw per DDPM step), in that
/// order. `TensorRandom` in use; a test seam (package access, not a user option) through which the parity tests
/// replay the draws recorded from the reference loops.
package protocol GaussianNoiseSource {
    /// A tensor of independent standard normal samples.
    mutating func normal(_ shape: [Int]) -> Tensor
}

extension TensorRandom: GaussianNoiseSource {}
