import WildTensor

/// diffusers' `Upsample2D` with `use_conv=True`: nearest-neighbour ×2 (`F.interpolate(scale_factor=2.0,
/// mode="nearest")`), then a 3×3 convolution with padding 1 (key `conv`).
public final class Upsample2D: Module, UnaryLayer {
    public let conv: Conv2d

    public init(channels: Int, outChannels: Int? = nil, generator: inout TensorRandom) {
        conv = Conv2d(channels, outChannels ?? channels, kernelSize: 3, padding: 1, generator: &generator)
    }

    /// `[B, C, H, W]` → `[B, C', 2H, 2W]`.
    public func callAsFunction(_ x: Tensor) -> Tensor { conv(x.upsampledNearest(scale: 2)) }
}
