import Foundation

/// The widths of diffusers' `AutoencoderKL` (Rombach et al. 2022, §3 and appendix G, the KL-regularised f = 8
/// autoencoder); ``stableDiffusion15`` is SD-1.5's `vae/config.json`. Field names follow the config's keys.
public struct AutoencoderKLConfiguration: Sendable, Equatable {
    /// `in_channels` (3).
    public var inChannels: Int
    /// `out_channels` (3).
    public var outChannels: Int
    /// `block_out_channels`: one down block (encoder) and one up block (decoder) per entry; f = 2^(count − 1).
    public var blockOutChannels: [Int]
    /// `layers_per_block`: resnets per encoder block (the decoder's blocks have one more).
    public var layersPerBlock: Int
    /// `latent_channels` (4).
    public var latentChannels: Int
    /// `norm_num_groups` of every GroupNorm (32).
    public var normNumGroups: Int
    /// `scaling_factor`: latents are `z·s` for the diffusion model and `z/s` for the decoder (0.18215).
    public var scalingFactor: Float

    public init(inChannels: Int = 3, outChannels: Int = 3, blockOutChannels: [Int] = [128, 256, 512, 512], layersPerBlock: Int = 2,
                latentChannels: Int = 4, normNumGroups: Int = 32, scalingFactor: Float = 0.18215) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.blockOutChannels = blockOutChannels
        self.layersPerBlock = layersPerBlock
        self.latentChannels = latentChannels
        self.normNumGroups = normNumGroups
        self.scalingFactor = scalingFactor
    }

    /// Stable Diffusion 1.5's VAE: blocks (128, 256, 512, 512), 2 layers, 4 latent channels, 32 groups, 0.18215.
    public static let stableDiffusion15 = AutoencoderKLConfiguration()

    /// The downsampling factor between image and latent, 2^(blocks − 1) (8 for SD).
    public var downsamplingFactor: Int { 1 << max(0, blockOutChannels.count - 1) }

    public func validate() throws {
        func positive(_ value: Int, _ field: String) throws {
            if value <= 0 { throw StableDiffusionError.invalidConfiguration(field: field, reason: "must be positive, got \(value)") }
        }
        try positive(inChannels, "in_channels")
        try positive(outChannels, "out_channels")
        try positive(layersPerBlock, "layers_per_block")
        try positive(latentChannels, "latent_channels")
        try positive(normNumGroups, "norm_num_groups")
        if blockOutChannels.isEmpty {
            throw StableDiffusionError.invalidConfiguration(field: "block_out_channels", reason: "must not be empty")
        }
        for channels in blockOutChannels where channels <= 0 || channels % normNumGroups != 0 {
            throw StableDiffusionError.invalidConfiguration(
                field: "block_out_channels", reason: "\(blockOutChannels) must be positive multiples of norm_num_groups \(normNumGroups)")
        }
        if !(scalingFactor.isFinite && scalingFactor > 0) {
            throw StableDiffusionError.invalidConfiguration(field: "scaling_factor", reason: "must be a positive number, got \(scalingFactor)")
        }
    }

    /// Reads a diffusers `vae/config.json`. Keys the model does not need (`sample_size`, `force_upcast`, …) are
    /// ignored; values that describe another network (other block types, an activation other than SiLU, no mid-block
    /// attention or quant convs, a shift factor) are refused, as are absent required keys.
    public init(diffusersConfig data: Data, file: String) throws {
        let config = try DiffusersConfig(data: data, file: file, className: "AutoencoderKL")
        let channels = try config.integers("block_out_channels")
        for (key, expected) in [("down_block_types", "DownEncoderBlock2D"), ("up_block_types", "UpDecoderBlock2D")] {
            guard let types = try config.strings(key) else { continue }
            if types.count != channels.count || types.contains(where: { $0 != expected }) {
                throw config.invalid(key, "must be \(channels.count) × \(expected), got \(types)")
            }
        }
        if let activation = config.string("act_fn"), activation != "silu" { throw config.invalid("act_fn", "must be silu, got \(activation)") }
        for key in ["mid_block_add_attention", "use_quant_conv", "use_post_quant_conv"] where !(try config.flag(key, default: true)) {
            throw config.invalid(key, "false is not supported (SD-1.5's VAE has it true)")
        }
        let shift = try config.number("shift_factor", default: 0)
        if shift != 0 { throw config.invalid("shift_factor", "must be absent, null or 0 (SD-1.5 has none), got \(shift)") }
        self.init(inChannels: try config.integer("in_channels", default: 3), outChannels: try config.integer("out_channels", default: 3),
                  blockOutChannels: channels, layersPerBlock: try config.integer("layers_per_block", default: 1),
                  latentChannels: try config.integer("latent_channels", default: 4),
                  normNumGroups: try config.integer("norm_num_groups", default: 32),
                  scalingFactor: Float(try config.number("scaling_factor", default: 0.18215)))
        try validate()
    }
}
