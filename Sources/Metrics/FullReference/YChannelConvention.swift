/// Which luma a PSNR or SSIM "on the Y channel" reads and how it is scored, named after the package whose numbers it
/// reproduces. Papers report both, so a table must say which: the two differ by 20·log10(255/219) ≈ 1.32 dB in PSNR
/// on the same images (BasicSR's Y spans 219 levels, pyiqa's 255), and by an image-dependent amount in SSIM.
public enum YChannelConvention: String, CaseIterable, Sendable {
    /// BasicSR 1.4.2's `test_y_channel` (`bgr2ycbcr(y_only=True)`, MATLAB `rgb2ycbcr`): the BT.601 studio-swing luma
    /// `16 + 65.481 R + 128.553 G + 24.966 B` on the 0…255 scale (16–235), not rounded (``Image/luma``);
    /// PSNR `10·log10(255² / MSE)` (identical images: +∞) and SSIM as ``SSIM`` documents.
    case basicsr
    /// pyiqa 0.1.16's `psnry` and `ssim` (`test_y_channel=True` with its default `color_space='yiq'`): YIQ's Y, the
    /// full-range BT.601 luma `0.299 R + 0.587 G + 0.114 B` (0–255, no offset; ``Image/fullRangeLuma``).
    /// PSNR is taken on [0, 1] as `10·log10(1 / (MSE + 1e-8))`, pyiqa's ε included (identical images: 80 dB).
    /// SSIM reads `round(255·Y)` (ties to even) and clips the contrast-structure term at zero,
    /// `l · max(0, (2σ₁₂ + C₂) / (σ₁² + σ₂² + C₂))`, as pyiqa's `ssim` does; window and constants are BasicSR's.
    case pyiqa

    /// pyiqa's ε added to the MSE (on [0, 1]) before the logarithm.
    static let pyiqaPSNREpsilon = 1e-8

    /// What the convention is, for reports: "as BasicSR (BT.601 studio swing, 16–235)".
    public var summary: String {
        switch self {
        case .basicsr: return "as BasicSR (BT.601 studio swing, 16–235)"
        case .pyiqa: return "as pyiqa (YIQ's Y: full-range BT.601, 0–255; SSIM on Y rounded to integers)"
        }
    }
}
