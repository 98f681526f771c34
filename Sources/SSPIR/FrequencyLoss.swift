import WildTensor

/// SSP-IR's FFT loss (paper eq. 6 for one scale; the official `FFTLoss`, zyhrainbow/SSP-IR `models/model.py:323-336`):
/// the mean absolute difference of the real and imaginary parts of the two images' real 2-D DFTs,
///
///     L_FFT(R, T) = mean over B·C·h·(w/2 + 1)·2 values of |rfft2(R) − rfft2(T)|   (real, imaginary stacked),
///
/// with `torch.fft.rfft2` over (H, W), norm "backward" (unnormalised), and the complex components compared
/// separately, not their magnitudes. Only the prediction receives a gradient; the target is a constant.
public struct FrequencyLoss: Sendable {
    public init() {}

    /// - Parameters:
    ///   - prediction: [B, C, h, w], e.g. an RGB head's output.
    ///   - target: the same shape (the ground truth at that scale).
    /// - Throws: ``SSPIRError/invalidShape(name:shape:expected:)`` when the shapes differ or are not NCHW.
    public func callAsFunction(_ prediction: Tensor, _ target: Tensor) throws -> Tensor {
        guard prediction.rank == 4, prediction.count > 0 else {
            throw SSPIRError.invalidShape(name: "the FFT loss's prediction", shape: prediction.shape, expected: "[B, C, h, w], not empty")
        }
        guard target.shape == prediction.shape else {
            throw SSPIRError.invalidShape(name: "the FFT loss's target", shape: target.shape, expected: "the prediction's \(prediction.shape)")
        }
        // The DFT is linear, so rfft2(R) − rfft2(T) = rfft2(R − T): one transform instead of two (the official code
        // takes two; the values agree to rounding, and the target still receives no gradient).
        let difference = prediction - target.detached()
        return difference.realFFT2().abs().mean()
    }
}
