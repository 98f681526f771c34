import WildTensor

/// The structure-prior terms of SSP-IR's objective (paper eqs. 5, 6 and 8) as the official training computes them
/// (zyhrainbow/SSP-IR `train.py:1025-1038`): for each RGB head output R (1/2, 1/4, 1/8 resolution),
///
///     target = bilinear resize of the GT to R's size (`F.interpolate`, align_corners False, no antialias)
///     term   = λ₁·mean|target − R| + λ₂·L_FFT(target, R)
///
/// summed over the scales (not averaged), with λ₁ = 0.1 and λ₂ = 0.01 (paper §IV-A). The result is added to the
/// diffusion ε-MSE. The GT is in [−1, 1] (`paired_dataset.py:189`) while the Processor's input LQ is in [0, 1].
public struct StructurePriorLoss: Sendable {
    /// λ₁, the weight of each scale's pixel L1 term (eq. 5).
    public var pixelWeight: Float
    /// λ₂, the weight of each scale's ``FrequencyLoss`` term (eq. 6).
    public var frequencyWeight: Float

    public init(pixelWeight: Float = 0.1, frequencyWeight: Float = 0.01) {
        self.pixelWeight = pixelWeight
        self.frequencyWeight = frequencyWeight
    }

    /// The per-scale parts, for logging: the pixel L1 and FFT terms before weighting, one pair per head.
    public struct Terms {
        public let pixel: [Tensor]
        public let frequency: [Tensor]
        /// Σ over scales of λ₁·pixel + λ₂·frequency: the value to add to the diffusion loss.
        public let total: Tensor
    }

    /// The loss of the Processor's RGB maps against the ground truth.
    ///
    /// - Parameters:
    ///   - rgbs: the heads' outputs ``StructureProcessor/Output/rgbs``, each [B, C, hᵢ, wᵢ].
    ///   - groundTruth: [B, C, H, W] in [−1, 1]; it receives no gradient.
    /// - Throws: ``SSPIRError/invalidShape(name:shape:expected:)`` when batch or channels differ, or nothing is given.
    public func terms(rgbs: [Tensor], groundTruth: Tensor) throws -> Terms {
        guard groundTruth.rank == 4, groundTruth.count > 0 else {
            throw SSPIRError.invalidShape(name: "the ground truth", shape: groundTruth.shape, expected: "[B, C, H, W], not empty")
        }
        guard !rgbs.isEmpty else {
            throw SSPIRError.invalidShape(name: "the RGB maps", shape: [], expected: "at least one [B, C, h, w] map")
        }
        let gt = groundTruth.detached()
        var pixel: [Tensor] = [], frequency: [Tensor] = []
        var total: Tensor?
        for (index, rgb) in rgbs.enumerated() {
            guard rgb.rank == 4, rgb.shape[0] == gt.shape[0], rgb.shape[1] == gt.shape[1], rgb.shape[2] > 0, rgb.shape[3] > 0 else {
                throw SSPIRError.invalidShape(name: "RGB map \(index)", shape: rgb.shape,
                                              expected: "[\(gt.shape[0]), \(gt.shape[1]), h, w] (the ground truth's batch and channels)")
            }
            let target = withNoGrad { gt.resizedBilinear(height: rgb.shape[2], width: rgb.shape[3]) }
            let l1 = rgb.l1Loss(target)
            let fft = try FrequencyLoss()(rgb, target)
            pixel.append(l1)
            frequency.append(fft)
            let term = l1 * pixelWeight + fft * frequencyWeight
            total = total.map { $0 + term } ?? term
        }
        // `rgbs` is not empty, so `total` is set.
        return Terms(pixel: pixel, frequency: frequency, total: total ?? Tensor(scalar: 0))
    }

    /// Σ over scales of λ₁·L1 + λ₂·L_FFT (see ``terms(rgbs:groundTruth:)``).
    public func callAsFunction(rgbs: [Tensor], groundTruth: Tensor) throws -> Tensor {
        try terms(rgbs: rgbs, groundTruth: groundTruth).total
    }
}
