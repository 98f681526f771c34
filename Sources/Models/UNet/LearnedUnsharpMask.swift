import Foundation
import WildTensor

/// WildIR's learned unsharp mask: a per-pixel gain for each of a few fixed high-passes of the low-quality image,
/// added to a ``ConditionalUNet``'s output, r̂ += Σ_k g_k ⊙ (μ − G_{σ_k} ∗ μ).
///
/// An unsharp mask adds `amount · (μ − G_σ ∗ μ)`; on blurred photos a single strong one gains several dB, while the
/// U-Net alone, trained for a few thousand iterations on a CPU, learns a fraction of that sharpening (the bundled
/// model's card measures it). Here the network only has to predict the amount, per pixel and per scale, from its
/// last features: a strong sharpening becomes one large gain instead of finely tuned filters, and a near-clean or
/// noisy area can keep a gain of zero. The gains come from a 3×3 convolution whose weights start at zero and whose
/// bias starts at the initial gains (zero by default, so a new network computes exactly what it would without the
/// mask; a positive gain starts it as that network followed by a plain unsharp mask of that amount, which training
/// then has to beat rather than reach). Meaningful for networks that predict the residual x̂0 − μ
/// (`sde.prediction: residual`): the mask's output is a correction of μ.
///
/// Not an official module: its parameters are saved under `unsharp_mask.` next to the official ones.
public final class LearnedUnsharpMask: Module {
    /// The Gaussians' standard deviations in pixels, one high-pass (and one gain) each.
    public let sigmas: [Double]
    /// Features (`[B, inChannels, H, W]`) to one gain per sigma; zero-initialised.
    public let gain: Conv2d
    /// Each sigma's normalised Gaussian taps, truncated at ``truncation`` σ as SciPy's `gaussian_filter` truncates.
    private let taps: [[Float]]

    /// Gaussians are cut at this many standard deviations: the radius is ⌊3σ + ½⌋, SciPy's rule.
    public static let truncation = 3.0

    /// - Parameter initialGains: the gains of a new mask, one per sigma (nil: zeros).
    public init(inChannels: Int, sigmas: [Double], initialGains: [Double]? = nil, generator: inout TensorRandom) {
        self.sigmas = sigmas
        gain = Conv2d(inChannels, sigmas.count, kernelSize: 3, padding: 1, generator: &generator)
        gain.weight.assign(.zeros(gain.weight.shape))
        if let bias = gain.bias {
            let start = initialGains ?? Array(repeating: 0, count: sigmas.count)
            precondition(start.count == sigmas.count, "LearnedUnsharpMask: \(start.count) initial gains for \(sigmas.count) sigmas")
            bias.assign(Tensor(shape: bias.shape, values: start.map(Float.init)))
        }
        taps = sigmas.map(Self.gaussianTaps)
    }

    /// The normalised taps of a Gaussian of standard deviation `sigma`, radius ⌊3σ + ½⌋.
    static func gaussianTaps(sigma: Double) -> [Float] {
        let radius = Int(truncation * sigma + 0.5)
        let weights = (-radius...radius).map { exp(-Double($0 * $0) / (2 * sigma * sigma)) }
        let total = weights.reduce(0, +)
        return weights.map { Float($0 / total) }
    }

    /// The high-passes of `image` (`[B, C, H, W]`), `μ − G_σ ∗ μ` for each sigma, with reflected borders (edge
    /// replication on images smaller than the radius): `sigmas.count` tensors of the image's shape.
    public func highPasses(_ image: Tensor) -> [Tensor] {
        let channels = image.shape[1], height = image.shape[2], width = image.shape[3]
        return taps.map { taps in
            let radius = taps.count / 2
            let mode: Tensor.PaddingMode = radius < height && radius < width ? .reflect : .replicate
            let horizontal = Tensor(shape: [channels, 1, 1, taps.count], values: Array((0..<channels).map { _ in taps }.joined()))
            let vertical = horizontal.reshaped([channels, 1, taps.count, 1])
            let blurred = image.padded(left: radius, right: radius, top: radius, bottom: radius, mode: mode)
                .conv2d(weight: horizontal, bias: nil, groups: channels)
                .conv2d(weight: vertical, bias: nil, groups: channels)
            return image - blurred
        }
    }

    /// The correction Σ_k g_k ⊙ highPass_k(μ) from the network's last features (`[B, F, H', W']`, padded on the
    /// right and bottom to H' ≥ H, W' ≥ W as the U-Net pads its input) and the condition μ (`[B, C, H, W]`): the
    /// gains are cropped to μ's size, and each gain map is shared by the image's channels.
    public func callAsFunction(features: Tensor, condition mu: Tensor) -> Tensor {
        let gains = gain(features).sliced(axis: 2, 0..<mu.shape[2]).sliced(axis: 3, 0..<mu.shape[3])
        var correction: Tensor?
        for (index, detail) in highPasses(mu).enumerated() {
            let term = gains.sliced(axis: 1, index..<index + 1) * detail
            correction = correction.map { $0 + term } ?? term
        }
        return correction ?? Tensor.zeros(mu.shape)
    }
}
