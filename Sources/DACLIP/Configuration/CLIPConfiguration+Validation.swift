extension CLIPConfiguration {
    /// Most scalar parameters a configuration may ask for (8 GiB of Float32): DA-CLIP ViT-L-14 with its controller
    /// has about 0.73·10⁹, so this bounds what a file or its metadata can make the loader allocate.
    public static let maximumParameterCount = 1 << 31

    /// Checks every value that sizes a tensor: positive, bounded widths, layers and lengths; heads that divide the
    /// widths; a grid of at least one patch; the total parameter count below ``maximumParameterCount``.
    /// - Throws: ``DACLIPError/invalidConfiguration(field:reason:)`` naming the OpenCLIP field and its range.
    public func validate() throws {
        func check(_ ok: Bool, _ field: String, _ reason: @autoclosure () -> String) throws {
            if !ok { throw DACLIPError.invalidConfiguration(field: field, reason: reason()) }
        }
        func range(_ value: Int, _ bounds: ClosedRange<Int>, _ field: String) throws {
            try check(bounds.contains(value), field, "must lie in \(bounds.lowerBound)…\(bounds.upperBound), got \(value)")
        }
        try range(embedDim, 1...8192, "embed_dim")

        try range(vision.imageSize, 1...4096, "vision_cfg.image_size")
        try range(vision.patchSize, 1...vision.imageSize, "vision_cfg.patch_size")
        try range(vision.width, 1...8192, "vision_cfg.width")
        try range(vision.layers, 1...128, "vision_cfg.layers")
        try check(vision.tokenCount <= 16385, "vision_cfg.image_size",
                  "gives \(vision.gridSize)×\(vision.gridSize) patches of \(vision.patchSize) px; at most 128×128 are allowed")
        if let heads = vision.explicitHeads {
            try range(heads, 1...vision.width, "vision heads")
            try check(vision.width % heads == 0, "vision heads", "must divide vision_cfg.width \(vision.width), got \(heads)")
        } else {
            try range(vision.headWidth, 1...vision.width, "vision_cfg.head_width")
            try check(vision.width % vision.headWidth == 0, "vision_cfg.head_width",
                      "must divide vision_cfg.width \(vision.width), got \(vision.headWidth)")
        }
        try check(vision.mlpRatio.isFinite && vision.mlpRatio > 0 && vision.mlpRatio <= 16, "vision_cfg.mlp_ratio",
                  "must lie in (0, 16], got \(vision.mlpRatio)")
        try check(vision.mlpWidth >= 1, "vision_cfg.mlp_ratio", "gives an MLP of \(vision.mlpWidth) units")

        try range(text.contextLength, 1...4096, "text_cfg.context_length")
        try range(text.vocabSize, 1...(1 << 20), "text_cfg.vocab_size")
        try range(text.width, 1...8192, "text_cfg.width")
        try range(text.layers, 1...128, "text_cfg.layers")
        try range(text.heads, 1...text.width, "text_cfg.heads")
        try check(text.width % text.heads == 0, "text_cfg.heads", "must divide text_cfg.width \(text.width), got \(text.heads)")

        try check(parameterCount <= Self.maximumParameterCount, "configuration",
                  "asks for \(parameterCount) parameters, more than \(Self.maximumParameterCount)")
    }

    /// Scalar parameters of the DA-CLIP model (CLIP, controller and logit scales; the `visual` alias counted once).
    public var parameterCount: Int {
        func block(_ w: Int, _ m: Int) -> Int { 4 * w * w + 2 * w * m + 9 * w + m }
        let v = vision.width, t = text.width
        let tower = 3 * vision.patchSize * vision.patchSize * v + v + vision.tokenCount * v + 4 * v
            + vision.layers * block(v, vision.mlpWidth) + v * embedDim
        let controller = tower + vision.layers * (v * v + v)
        let textTower = text.vocabSize * t + text.contextLength * t + text.layers * block(t, text.mlpWidth) + 2 * t + t * embedDim
        return tower + controller + textTower + 2
    }
}
