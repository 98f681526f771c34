import WildTensor

/// What DA-CLIP's training forward returns (`DaCLIP.forward`): the four L2-normalised feature sets `[B, embed]` and
/// the contrastive temperature `s = exp(logit_scale)` (a scalar tensor).
public struct DACLIPOutput {
    public let imageFeatures: Tensor
    public let textFeatures: Tensor
    public let imageDegradationFeatures: Tensor
    public let textDegradationFeatures: Tensor
    public let logitScale: Tensor

    /// `s·I·Tᵀ` `[B, B]`: the image-to-caption logits of `ClipLoss` (OpenCLIP `loss.py`, `get_logits`).
    public var logitsPerImage: Tensor { Self.logits(imageFeatures, textFeatures, logitScale) }

    /// `s·D·T_dᵀ` `[B, B]`: the degradation logits of `DaClipLoss` (degradation features against degradation texts).
    public var degradationLogitsPerImage: Tensor {
        Self.logits(imageDegradationFeatures, textDegradationFeatures, logitScale)
    }

    static func logits(_ a: Tensor, _ b: Tensor, _ scale: Tensor) -> Tensor {
        a.matmul(b.transposed()) * scale.reshaped([1, 1])
    }
}
