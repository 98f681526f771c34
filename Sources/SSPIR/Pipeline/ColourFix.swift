import WildTensor

/// The colour correction SSP-IR's test script imports from SeeSR (`utils/wavelet_color_fix.py`), applied to the
/// decoded result with the LQ image as the colour reference.
public enum ColourFix: String, Sendable, CaseIterable {
    /// None: the decoded image as it is.
    case none
    /// AdaIN (Huang & Belongie 2017, eq. 8), SeeSR's default: each channel of the result takes the LQ image's mean
    /// and standard deviation, σ = √(unbiased variance + 1e-5) over the image, as `adain_color_fix` computes them.
    case adain

    /// The corrected images `[B, C, H, W]` (`result` and `reference` of one shape).
    public func apply(_ result: Tensor, reference: Tensor) -> Tensor {
        switch self {
        case .none: return result
        case .adain:
            func statistics(_ x: Tensor) -> (mean: Tensor, deviation: Tensor) {
                let count = Float(x.shape[2] * x.shape[3])
                let mean = x.mean(axes: [2, 3], keepDims: true)
                let centred = x - mean
                let variance = (centred * centred).sum(axes: [2, 3], keepDims: true) * (1 / max(count - 1, 1))
                return (mean, (variance + 1e-5).sqrt())
            }
            let (mean, deviation) = statistics(result), (target, targetDeviation) = statistics(reference)
            return (result - mean) / deviation * targetDeviation + target
        }
    }
}
