import WildTensor

/// The contrastive losses of DA-CLIP on L2-normalised features (OpenCLIP `loss.py`: `ClipLoss`, `DaClipLoss`).
///
/// `ClipLoss(I, T, s) = ½ (CE(s·I·Tᵀ, Y) + CE(s·T·Iᵀ, Y))` with the cross-entropy averaged over the batch and the
/// targets Y of ``ContrastiveTargets`` (the identity, as the official `arange(B)`, when every text is distinct).
/// `DaClipLoss` is the pair (ClipLoss(content, captions), ClipLoss(degradation, degradation texts)) with one scale
/// s = exp(logit_scale); the official `train.py` sums the pair.
public enum DACLIPContrastiveLoss {
    /// `ClipLoss` of image features `[B, D]` against text features `[B, D]` (both normalised) with temperature
    /// `scale` (rank 0 or 1 element, s itself, not its log).
    public static func clipLoss(image: Tensor, text: Tensor, scale: Tensor, targets: ContrastiveTargets) -> Tensor {
        let b = image.shape[0]
        precondition(image.rank == 2 && text.shape == image.shape && targets.groups.count == b,
                     "clipLoss: image \(image.shape), text \(text.shape) and \(targets.groups.count) targets")
        let y = targets.matrix
        let logitsPerImage = image.matmul(text.transposed()) * scale.reshaped([1, 1])
        let perImage = -(logitsPerImage.logSoftmax(axis: -1) * y).sum()
        let perText = -(logitsPerImage.transposed().logSoftmax(axis: -1) * y).sum()
        return (perImage + perText) * (0.5 / Float(b))
    }

    /// `DaClipLoss`: (caption term, degradation term); the caption term is nil without caption features.
    public static func daclipLoss(image: Tensor, caption: Tensor?, captionTargets: ContrastiveTargets?,
                                  degradation: Tensor, degradationText: Tensor, degradationTargets: ContrastiveTargets,
                                  scale: Tensor) -> (caption: Tensor?, degradation: Tensor) {
        let captionTerm = caption.map { features in
            clipLoss(image: image, text: features, scale: scale,
                     targets: captionTargets ?? ContrastiveTargets(groups: Array(0..<features.shape[0])))
        }
        return (captionTerm, clipLoss(image: degradation, text: degradationText, scale: scale, targets: degradationTargets))
    }
}
