/// The hyper-parameters of a DA-CLIP model: OpenCLIP's `embed_dim`, `vision_cfg` and `text_cfg` (the official
/// `model_configs/daclip_ViT-*.json`, read by `open_clip.factory.create_model`), with the official names in the
/// comments.
///
/// Only what DA-CLIP's ViT towers use is described: a ViT image tower with a class token and attention pooling off,
/// and the flat CLIP text tower (EOT pooling, causal mask, no class embedding), both with exact-erf GELU and
/// LayerNorm ε = 1e-5 (Luo et al., DA-CLIP; OpenCLIP `model.py`, `transformer.py`).
public struct CLIPConfiguration: Equatable, Sendable {
    /// `vision_cfg`: the image tower (`VisionTransformer`).
    public struct Vision: Equatable, Sendable {
        /// `image_size`: side of the square input, pixels.
        public var imageSize: Int = 224
        /// `patch_size`: side of a patch (and stride of `conv1`), pixels.
        public var patchSize: Int = 32
        /// `width`: token width.
        public var width: Int = 768
        /// `layers`: residual attention blocks.
        public var layers: Int = 12
        /// `head_width`: width of one attention head; the tower has `width / head_width` heads unless
        /// ``explicitHeads`` is set.
        public var headWidth: Int = 64
        /// Heads given explicitly (not an OpenCLIP option: for checkpoints whose head count is known otherwise).
        public var explicitHeads: Int?
        /// `mlp_ratio`: MLP hidden width over `width` (the hidden width is `Int(width · mlp_ratio)`, Python's `int`).
        public var mlpRatio: Double = 4

        public init() {}

        /// Attention heads: `width / head_width` (OpenCLIP `_build_vision_tower`), unless given.
        public var heads: Int { explicitHeads ?? width / Swift.max(headWidth, 1) }
        /// Patches along each side: `image_size // patch_size`.
        public var gridSize: Int { imageSize / Swift.max(patchSize, 1) }
        /// Tokens of a sequence: the class token and one per patch.
        public var tokenCount: Int { gridSize * gridSize + 1 }
        /// Hidden width of the MLP (`mlp.c_fc` outputs).
        public var mlpWidth: Int { Int(Double(width) * mlpRatio) }
    }

    /// `text_cfg`: the text tower (flat CLIP layout).
    public struct Text: Equatable, Sendable {
        /// `context_length`: tokens per sequence (rows of `positional_embedding`).
        public var contextLength: Int = 77
        /// `vocab_size`: rows of `token_embedding`.
        public var vocabSize: Int = 49408
        /// `width`: token width.
        public var width: Int = 512
        /// `heads`: attention heads.
        public var heads: Int = 8
        /// `layers`: residual attention blocks.
        public var layers: Int = 12

        public init() {}

        /// Hidden width of the MLP: the text `Transformer` always uses `mlp_ratio` 4.
        public var mlpWidth: Int { 4 * width }
    }

    /// `embed_dim`: width of the joint embedding (columns of `proj` and `text_projection`).
    public var embedDim: Int = 512
    public var vision = Vision()
    public var text = Text()

    public init() {}

    /// `daclip_ViT-B-32.json`: embed 512; vision 224 px, patch 32, width 768, 12 layers (12 heads); text context 77,
    /// vocabulary 49408, width 512, 8 heads, 12 layers. The DA-CLIP of daclip-sde.
    public static var daclipViTB32: CLIPConfiguration { CLIPConfiguration() }

    /// `daclip_ViT-L-14.json`: embed 768; vision 224 px, patch 14, width 1024, 24 layers (16 heads); text width 768,
    /// 12 heads, 12 layers. The (wild) DA-CLIP of wild-IR.
    public static var daclipViTL14: CLIPConfiguration {
        var c = CLIPConfiguration()
        c.embedDim = 768
        c.vision.patchSize = 14
        c.vision.width = 1024
        c.vision.layers = 24
        c.text.width = 768
        c.text.heads = 12
        return c
    }
}
