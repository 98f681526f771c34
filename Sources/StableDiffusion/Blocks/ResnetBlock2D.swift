import WildTensor

/// diffusers' `ResnetBlock2D` (0.21, `time_embedding_norm="default"`, dropout 0, `output_scale_factor` 1):
/// `x' + conv2(SiLU(norm2(conv1(SiLU(norm1(x))) + proj(SiLU(temb)))))`, where `x'` is `conv_shortcut(x)` (1×1) when
/// the channel count changes and `x` otherwise (He et al. 2016's residual unit with pre-activation GroupNorm).
///
/// The VAE builds it without a time embedding (ε 1e-6); the U-Net with one (ε 1e-5, `temb_channels` 1280).
public final class ResnetBlock2D: Module {
    public let norm1: GroupNorm
    public let conv1: Conv2d
    /// `Linear(temb_channels, out_channels)`, absent when the block has no time embedding.
    public let timeEmbProj: Linear?
    public let norm2: GroupNorm
    public let conv2: Conv2d
    /// A 1×1 convolution when the channel count changes (`use_in_shortcut`), else absent.
    public let convShortcut: Conv2d?

    /// - Parameters:
    ///   - timeEmbeddingChannels: `temb_channels`; nil builds no `time_emb_proj` (the VAE).
    ///   - groups: `groups` of both GroupNorms (`groups_out` equals it, as in every SD block).
    ///   - eps: the GroupNorms' ε (1e-6 in the VAE, 1e-5 in the U-Net).
    public init(inChannels: Int, outChannels: Int, timeEmbeddingChannels: Int? = nil, groups: Int = 32, eps: Float = 1e-6,
                generator: inout TensorRandom) {
        norm1 = GroupNorm(groups: groups, channels: inChannels, eps: eps)
        conv1 = Conv2d(inChannels, outChannels, kernelSize: 3, padding: 1, generator: &generator)
        timeEmbProj = timeEmbeddingChannels.map { Linear($0, outChannels, generator: &generator) }
        norm2 = GroupNorm(groups: groups, channels: outChannels, eps: eps)
        conv2 = Conv2d(outChannels, outChannels, kernelSize: 3, padding: 1, generator: &generator)
        convShortcut = inChannels != outChannels
            ? Conv2d(inChannels, outChannels, kernelSize: 1, generator: &generator) : nil
    }

    /// - Parameters:
    ///   - x: `[B, in, H, W]`.
    ///   - timeEmbedding: `[B, temb_channels]`; required when the block has `time_emb_proj`, ignored otherwise.
    /// - Returns: `[B, out, H, W]`.
    public func callAsFunction(_ x: Tensor, timeEmbedding: Tensor? = nil) -> Tensor {
        var h = conv1(norm1(x).silu())
        if let timeEmbProj, let timeEmbedding {
            let projected = timeEmbProj(timeEmbedding.silu())
            h = h + projected.reshaped([projected.shape[0], projected.shape[1], 1, 1])
        }
        h = conv2(norm2(h).silu())
        return (convShortcut.map { $0(x) } ?? x) + h
    }
}
