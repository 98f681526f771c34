import DACLIP
import WildTensor

/// The robust (wild) DA-CLIP objective (DACLIP-IR §3.3, Fig. 4):
///
///     L = ClipLoss(ê_c^LQ, ê_c^T) + ClipLoss(ê_d^LQ, ê_d^T) + λ · ℓ1(e_c^LQ, e_c^HQ)
///
/// the official `DaClipLoss` terms on normalised features (ê = e/‖e‖, ``DACLIPContrastiveLoss``) with one trained
/// scale s = exp(logit_scale), plus the ℓ1 "to minimize the embedding distance between LQ and HQ images, where the HQ
/// image embedding is extracted from the frozen CLIP image encoder", weighted by λ = `train.fidelity_weight`.
///
/// The ℓ1 is the mean absolute difference of the **unnormalised** embeddings (PyTorch `F.l1_loss`): the paper does
/// not say which, and the wild-IR restorer consumes the content embedding unnormalised (official `test.py` passes
/// `encode_image(…, control=True)` as it is), so that is the vector that must match the HQ one. Without captions the
/// caption term is left out.
public struct RobustDACLIPLoss: Sendable {
    /// λ, the weight of the ℓ1 term (0 leaves it out).
    public var fidelityWeight: Float

    public init(fidelityWeight: Float) { self.fidelityWeight = fidelityWeight }

    /// The terms of one batch and their sum.
    public struct Terms {
        public let caption: Tensor?
        public let degradation: Tensor
        /// ℓ1(e_c^LQ, e_c^HQ) before weighting; nil when λ = 0.
        public let fidelity: Tensor?
        public let total: Tensor
    }

    /// The loss of one batch.
    /// - Parameters:
    ///   - content: e_c^LQ `[B, D]`, the controlled CLIP embedding of the LQ images (unnormalised).
    ///   - degradation: e_d^LQ `[B, D]`, the controller's embedding (unnormalised).
    ///   - hqContent: e_c^HQ `[B, D]`, frozen CLIP's embedding of the HQ crops (a constant).
    ///   - captions: caption text features `[B, D]` (unnormalised) and their targets, or nil.
    ///   - degradationTexts: degradation text features `[B, D]` (unnormalised) and their targets.
    ///   - logitScale: the trained parameter log s (rank 0).
    public func callAsFunction(content: Tensor, degradation: Tensor, hqContent: Tensor,
                               captions: (features: Tensor, targets: ContrastiveTargets)?,
                               degradationTexts: (features: Tensor, targets: ContrastiveTargets),
                               logitScale: Tensor) -> Terms {
        let n = DACLIPModel.normalised
        let (captionTerm, degradationTerm) = DACLIPContrastiveLoss.daclipLoss(
            image: n(content), caption: captions.map { n($0.features) }, captionTargets: captions?.targets,
            degradation: n(degradation), degradationText: n(degradationTexts.features), degradationTargets: degradationTexts.targets,
            scale: logitScale.exp())
        let fidelity = fidelityWeight > 0 ? content.l1Loss(hqContent) : nil
        var total = degradationTerm
        if let captionTerm { total = total + captionTerm }
        if let fidelity { total = total + fidelity * fidelityWeight }
        return Terms(caption: captionTerm, degradation: degradationTerm, fidelity: fidelity, total: total)
    }
}
