/// Seeded parameter initialisation (PyTorch's default schemes, with a documented generator instead of
/// PyTorch's: models are trained here or loaded from checkpoints, so bit-equality with PyTorch's random
/// initial values is not a goal).
///
/// The generator is SplitMix64 (Steele, Lea & Flood 2014), one stream per model.
public struct ParameterInitialiser {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

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
        var values = [Float](repeating: 0, count: shape.elementCount)
        for i in values.indices { values[i] = (2 * unit() - 1) * bound }
        return Tensor(shape: shape, values: values, requiresGrad: true)
    }

    /// A parameter tensor filled with a constant, requiring gradients.
    public func constant(_ shape: [Int], _ value: Float) -> Tensor {
        Tensor(shape: shape, repeating: value, requiresGrad: true)
    }
}
