/// Parameter-free layers, so that `Sequential` indices match PyTorch's (`nn.Sequential(Linear, GELU, Linear)`
/// numbers the second linear 2).

/// SiLU (`nn.SiLU`): x·σ(x).
public final class SiLU: Module, UnaryLayer {
    override public init() {}
    public func callAsFunction(_ x: Tensor) -> Tensor { x.silu() }
}

/// Leaky ReLU (`nn.LeakyReLU(negative_slope)`, default slope 0.01): x for x > 0, else slope·x.
public final class LeakyReLU: Module, UnaryLayer {
    public let slope: Float
    public init(slope: Float = 0.01) { self.slope = slope }
    public func callAsFunction(_ x: Tensor) -> Tensor { x.leakyRelu(slope: slope) }
}

/// GELU, exact erf form (`nn.GELU()`).
public final class GELU: Module, UnaryLayer {
    override public init() {}
    public func callAsFunction(_ x: Tensor) -> Tensor { x.gelu() }
}

/// The identity (`nn.Identity`).
public final class Identity: Module, UnaryLayer {
    override public init() {}
    public func callAsFunction(_ x: Tensor) -> Tensor { x }
}

/// Dropout with probability 0 (`nn.Dropout(0.)`, what the official networks use): the identity in both modes.
/// A non-zero probability is refused rather than silently ignored.
public final class Dropout: Module, UnaryLayer {
    public init(_ probability: Float = 0) {
        precondition(probability == 0, "Dropout: only p = 0 is supported (the official networks' value)")
    }
    public func callAsFunction(_ x: Tensor) -> Tensor { x }
}

/// Nearest-neighbour 2× upsampling (`nn.Upsample(scale_factor=2, mode='nearest')`).
public final class NearestUpsample: Module, UnaryLayer {
    override public init() {}
    public func callAsFunction(_ x: Tensor) -> Tensor { x.upsampledNearest(scale: 2) }
}
