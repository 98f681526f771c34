import WildTensor

/// Stable Diffusion's VAE: diffusers' `AutoencoderKL` (Rombach et al. 2022, §3: the KL-regularised autoencoder that
/// maps a [-1, 1] image to a latent 8× smaller, and back), with diffusers' parameter names.
///
/// `encode` gives the diagonal Gaussian q(z|x) from `quant_conv(encoder(x))`; `decode` gives
/// `decoder(post_quant_conv(z))`. SSP-IR uses `encode(2·LQ − 1).sample() × scaling_factor` to start sampling and
/// `decode(z / scaling_factor)` at the end (its `pipeline_bim.py:992-1000, 1212`). ``encode(_:tiling:)`` and
/// ``decode(_:tiling:)`` run the same networks on overlapping tiles (diffusers' `tiled_encode` and `tiled_decode`), so
/// memory stays bounded by the tile on large images.
///
/// Memory and time for SD-1.5 at 512² (64² latent), measured on 2 busy cores: the weights take 335 MB; `decode`
/// holds at most 1.23 GB of tensors besides them (in the last up block, where a 256-channel 512² activation of
/// 256 MiB is normalised and convolved and oneDNN reorders the convolution's input into its blocked layout) and ran
/// in 75 s, with a process peak of 1.8 GB when the engine's buffer pool is off (`WILDIR_POOL_MB=0`; the default
/// 2 GB pool keeps freed buffers of every size for reuse, 2.9 GB); `encode` holds at most 0.9 GB (28 s). The
/// mid-block attention over the 4096 latent pixels takes 58 MiB of it (see ``Attention``).
public final class AutoencoderKL: Module {
    public let configuration: AutoencoderKLConfiguration
    public let encoder: Encoder
    public let decoder: Decoder
    /// 1×1 convolution 2·latent → 2·latent on the encoder's moments.
    public let quantConv: Conv2d
    /// 1×1 convolution latent → latent before the decoder.
    public let postQuantConv: Conv2d

    /// A VAE with PyTorch's default initialisation (GroupNorm weights 1, biases 0); load weights with
    /// ``load(diffusersFolder:)``, ``load(singleFile:configuration:)`` or the `load…State` methods.
    public init(_ configuration: AutoencoderKLConfiguration = .stableDiffusion15, generator: inout TensorRandom) throws {
        try configuration.validate()
        self.configuration = configuration
        encoder = Encoder(configuration, generator: &generator)
        decoder = Decoder(configuration, generator: &generator)
        let moments = 2 * configuration.latentChannels
        quantConv = Conv2d(moments, moments, kernelSize: 1, generator: &generator)
        postQuantConv = Conv2d(configuration.latentChannels, configuration.latentChannels, kernelSize: 1, generator: &generator)
    }

    /// q(z|x) for images `[B, in_channels, H, W]` in [-1, 1] (H, W any size; SD uses multiples of 8).
    ///
    /// - Returns: the diagonal Gaussian over latents `[B, latent_channels, ⌈H/8⌉, ⌈W/8⌉]` (for SD's 4 blocks).
    public func encode(_ images: Tensor) throws -> DiagonalGaussianDistribution {
        try checkImages(images)
        return DiagonalGaussianDistribution(moments: quantConv(encoder(images)))
    }

    /// Images `[B, out_channels, 8h, 8w]` (about [-1, 1]) from latents `[B, latent_channels, h, w]` (unscaled:
    /// divide diffusion latents by ``AutoencoderKLConfiguration/scalingFactor`` first).
    public func decode(_ latents: Tensor) throws -> Tensor {
        try checkLatents(latents)
        return decoder(postQuantConv(latents))
    }

    /// Refuses anything but images `[B, in_channels, H, W]` with H, W > 0.
    func checkImages(_ images: Tensor) throws {
        guard images.rank == 4, images.shape[1] == configuration.inChannels, images.shape[2] > 0, images.shape[3] > 0 else {
            throw StableDiffusionError.invalidShape(name: "the images", shape: images.shape,
                                                    expected: "[B, \(configuration.inChannels), H, W]")
        }
    }

    /// Refuses anything but latents `[B, latent_channels, h, w]` with h, w > 0.
    func checkLatents(_ latents: Tensor) throws {
        guard latents.rank == 4, latents.shape[1] == configuration.latentChannels, latents.shape[2] > 0, latents.shape[3] > 0 else {
            throw StableDiffusionError.invalidShape(name: "the latents", shape: latents.shape,
                                                    expected: "[B, \(configuration.latentChannels), h, w]")
        }
    }
}

extension AutoencoderKL {
    /// diffusers' VAE `Encoder`: `conv_in` → `down_blocks` (`DownEncoderBlock2D`, the last without downsampling) →
    /// `mid_block` → `conv_norm_out` → SiLU → `conv_out` to 2·latent channels (mean and log-variance).
    public final class Encoder: Module, UnaryLayer {
        public let convIn: Conv2d
        public let downBlocks: [DownEncoderBlock2D]
        public let midBlock: UNetMidBlock2D
        public let convNormOut: GroupNorm
        public let convOut: Conv2d

        init(_ c: AutoencoderKLConfiguration, generator: inout TensorRandom) {
            let widths = c.blockOutChannels
            convIn = Conv2d(c.inChannels, widths[0], kernelSize: 3, padding: 1, generator: &generator)
            downBlocks = widths.indices.map { i in
                DownEncoderBlock2D(inChannels: i == 0 ? widths[0] : widths[i - 1], outChannels: widths[i], layers: c.layersPerBlock,
                                   addDownsample: i < widths.count - 1, groups: c.normNumGroups, generator: &generator)
            }
            midBlock = UNetMidBlock2D(channels: widths[widths.count - 1], groups: c.normNumGroups, generator: &generator)
            convNormOut = GroupNorm(groups: c.normNumGroups, channels: widths[widths.count - 1], eps: 1e-6)
            convOut = Conv2d(widths[widths.count - 1], 2 * c.latentChannels, kernelSize: 3, padding: 1, generator: &generator)
        }

        public func callAsFunction(_ x: Tensor) -> Tensor {
            let h = midBlock(downBlocks.reduce(convIn(x)) { $1($0) })
            return convOut(convNormOut(h).silu())
        }
    }

    /// diffusers' VAE `Decoder`: `conv_in` → `mid_block` → `up_blocks` (`UpDecoderBlock2D` with `layers_per_block + 1`
    /// resnets over the widths reversed, the last without upsampling) → `conv_norm_out` → SiLU → `conv_out`.
    public final class Decoder: Module, UnaryLayer {
        public let convIn: Conv2d
        public let upBlocks: [UpDecoderBlock2D]
        public let midBlock: UNetMidBlock2D
        public let convNormOut: GroupNorm
        public let convOut: Conv2d

        init(_ c: AutoencoderKLConfiguration, generator: inout TensorRandom) {
            let widths = Array(c.blockOutChannels.reversed())
            convIn = Conv2d(c.latentChannels, widths[0], kernelSize: 3, padding: 1, generator: &generator)
            midBlock = UNetMidBlock2D(channels: widths[0], groups: c.normNumGroups, generator: &generator)
            upBlocks = widths.indices.map { i in
                UpDecoderBlock2D(inChannels: i == 0 ? widths[0] : widths[i - 1], outChannels: widths[i], layers: c.layersPerBlock + 1,
                                 addUpsample: i < widths.count - 1, groups: c.normNumGroups, generator: &generator)
            }
            convNormOut = GroupNorm(groups: c.normNumGroups, channels: widths[widths.count - 1], eps: 1e-6)
            convOut = Conv2d(widths[widths.count - 1], c.outChannels, kernelSize: 3, padding: 1, generator: &generator)
        }

        public func callAsFunction(_ z: Tensor) -> Tensor {
            let h = upBlocks.reduce(midBlock(convIn(z))) { $1($0) }
            return convOut(convNormOut(h).silu())
        }
    }
}
