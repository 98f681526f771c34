import Configuration

/// `model:`: where the networks come from and which of SSP-IR's priors they have.
///
/// Either Stable Diffusion 1.5 and CLIP ViT-L/14 as users have them (`stable_diffusion`, `clip_vision`), the
/// official start (`train.py`: the U-Net from SD with new Prior-Guided Attention, the ControlNet copied from it, a new
/// Refine Layer); or `tiny`, small networks drawn at random from `train.manual_seed`, which train end to end on a CPU.
/// `image_attention` and `structure_attention` switch the U-Net's Prior-Guided Attention parts off for the ablations
/// of the paper's Tables III–V.
public struct SSPIRModelOptions: Codable, Equatable, Sendable, DefaultedOptions, ValidatedOptions {
    /// SD-1.5 as a single file (`v1-5-pruned-emaonly.safetensors` / `.ckpt`) or a diffusers folder: its VAE, text
    /// encoder and U-Net.
    public var stableDiffusion: String?
    /// CLIP ViT-L/14's vision tower (`openai/clip-vit-large-patch14`: a CLIPModel or CLIPVisionModel folder or file).
    public var clipVision: String?
    /// CLIP's BPE vocabulary (SD's text encoder uses it).
    public var tokenizer = "models/clip/bpe_simple_vocab_16e6.txt.gz"
    /// Small random networks instead of SD and CLIP.
    public var tiny: SSPIRTinyNetworks?
    /// The U-Net's `image_attentions` on the refined CLIP image embedding (the implicit semantic prior, Table IV).
    public var imageAttention = true
    /// The U-Net's `pixel_attentions` on the ControlNet's residuals (structure attention, Table V); the residuals are
    /// added to the skips either way, as in every ControlNet.
    public var structureAttention = true

    public init() {}

    public static var defaults: SSPIRModelOptions { SSPIRModelOptions() }

    enum CodingKeys: String, CodingKey {
        case stableDiffusion = "stable_diffusion", clipVision = "clip_vision", tokenizer, tiny
        case imageAttention = "image_attention", structureAttention = "structure_attention"
    }

    public func validate() throws {
        typealias V = OptionViolation
        if let tiny {
            try V.check(stableDiffusion == nil && clipVision == nil, "tiny",
                        "draws every network at random: leave stable_diffusion and clip_vision out, or drop tiny")
            try V.within("tiny") { try tiny.validate() }
        } else {
            try V.check(stableDiffusion != nil, "stable_diffusion", "is required (SD-1.5's file or folder), unless tiny networks are asked for")
            try V.check(clipVision != nil, "clip_vision", "is required (CLIP ViT-L/14's vision tower), unless tiny networks are asked for")
        }
        try V.check(!tokenizer.isEmpty, "tokenizer", "must name CLIP's BPE vocabulary")
    }
}

/// `model.tiny:`: the widths of small random networks (SD's layouts, CPU sizes). The VAE downsamples by
/// 2^(len(vae_channels) − 1), and the Processor must match it: as many `processor_channels` as `vae_channels`.
public struct SSPIRTinyNetworks: Codable, Equatable, Sendable, DefaultedOptions, ValidatedOptions {
    public var unetChannels = [16, 32, 32]
    public var layersPerBlock = 1
    public var heads = 2
    public var normGroups = 8
    public var textWidth = 24
    public var textLayers = 1
    public var textHeads = 2
    public var vaeChannels = [8, 8]
    public var vaeNormGroups = 4
    public var processorChannels = [4, 8]
    /// The CLIP image encoder: input side, patch, width, layers and heads.
    public var imageSize = 32
    public var patchSize = 8
    public var imageWidth = 32
    public var imageLayers = 1
    public var imageHeads = 2
    /// The Refine Layer's output width, the U-Net's image-attention width (512 as SSP-IR, so the trained networks
    /// save in the official layout).
    public var imageEmbeddingWidth = 512

    public init() {}

    public static var defaults: SSPIRTinyNetworks { SSPIRTinyNetworks() }

    enum CodingKeys: String, CodingKey {
        case unetChannels = "unet_channels", layersPerBlock = "layers_per_block", heads, normGroups = "norm_groups"
        case textWidth = "text_width", textLayers = "text_layers", textHeads = "text_heads", vaeChannels = "vae_channels"
        case vaeNormGroups = "vae_norm_groups", processorChannels = "processor_channels", imageSize = "image_size"
        case patchSize = "patch_size", imageWidth = "image_width", imageLayers = "image_layers", imageHeads = "image_heads"
        case imageEmbeddingWidth = "image_embedding_width"
    }

    public func validate() throws {
        typealias V = OptionViolation
        try V.check((2...6).contains(unetChannels.count) && unetChannels.allSatisfy { (1...1024).contains($0) }, "unet_channels",
                    "must be 2…6 widths in 1…1024, got \(unetChannels)")
        try V.check((1...4).contains(layersPerBlock), "layers_per_block", "must lie in 1…4, got \(layersPerBlock)")
        try V.check(heads >= 1 && unetChannels.allSatisfy { $0 % heads == 0 && $0 % normGroups == 0 }, "heads",
                    "every unet_channels width must be a multiple of heads \(heads) and norm_groups \(normGroups)")
        try V.check(textWidth >= 1 && textWidth % textHeads == 0 && textLayers >= 1, "text_width",
                    "must be a positive multiple of text_heads \(textHeads) with text_layers ≥ 1")
        try V.check((1...4).contains(vaeChannels.count) && vaeChannels.allSatisfy { $0 >= 1 && $0 % vaeNormGroups == 0 }, "vae_channels",
                    "must be 1…4 widths, multiples of vae_norm_groups \(vaeNormGroups), got \(vaeChannels)")
        try V.check(processorChannels.count == vaeChannels.count && processorChannels.allSatisfy { $0 >= 1 }, "processor_channels",
                    "must have one width per VAE block (\(vaeChannels.count)): the Processor downsamples as the VAE, got \(processorChannels)")
        try V.check(imageSize >= patchSize && patchSize >= 1 && imageSize % patchSize == 0, "image_size",
                    "must be a multiple of patch_size \(patchSize), got \(imageSize)")
        try V.check(imageWidth >= 1 && imageWidth % imageHeads == 0 && imageLayers >= 1, "image_width",
                    "must be a positive multiple of image_heads \(imageHeads) with image_layers ≥ 1")
        try V.check((1...4096).contains(imageEmbeddingWidth), "image_embedding_width", "must lie in 1…4096, got \(imageEmbeddingWidth)")
    }
}
