import WildTensor

/// diffusers' `Downsample2D` with `use_conv=True`: a 3×3 convolution of stride 2 (key `conv`).
///
/// `padding` 1 is the U-Net's (`downsample_padding=1`); `padding` 0 is the VAE encoder's, which diffusers runs as
/// `F.pad(x, (0, 1, 0, 1))` then an unpadded convolution: one zero row below and one zero column on the right
/// (LDM's `Downsample`), here one convolution with that asymmetric padding.
public final class Downsample2D: Module, UnaryLayer {
    public let conv: Conv2d

    public init(channels: Int, outChannels: Int? = nil, padding: Int = 1, generator: inout TensorRandom) {
        conv = Conv2d(channels, outChannels ?? channels, kernelSize: 3, stride: 2, padding: padding, generator: &generator)
    }

    /// `[B, C, H, W]` → `[B, C', ⌊(H + 2p − 3)/2⌋ + 1, …]`, or with `padding` 0 `[B, C', ⌊(H − 2)/2⌋ + 1, …]`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        let padding = conv.padding == 0
            ? Padding2D(top: 0, left: 0, bottom: 1, right: 1) : Padding2D(conv.padding)
        return x.conv2d(weight: conv.weight, bias: conv.bias, stride: (2, 2), padding: padding)
    }
}
