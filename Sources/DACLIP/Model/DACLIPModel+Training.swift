import WildTensor

extension DACLIPModel {
    /// The content and degradation features `[B, embed]` of preprocessed images `[B, 3, S, S]`, **not** normalised
    /// and with gradients recorded (when gradient mode is on): the image side of the training forward
    /// (`DaCLIP.encode_image(image, control=True)` before `F.normalize`), for losses that need the raw content
    /// embedding, such as the wild DA-CLIP's ℓ1 between LQ and HQ embeddings (DACLIP-IR §3.3).
    /// - Throws: ``DACLIPError/invalidInput(_:)`` for a batch of another shape.
    public func trainingImageFeatures(_ pixels: Tensor) throws -> (content: Tensor, degradation: Tensor) {
        try imageFeatures(pixels, pairing: .reversed)
    }
}

extension DACLIPModel {
    /// Rows divided by their Euclidean norm (`F.normalize(x, dim=-1)`, the norm clamped below at 1e-12): what
    /// `DaCLIP.forward` does to every feature set before the contrastive loss.
    public static func normalised(_ features: Tensor) -> Tensor { features.l2Normalised() }
}
