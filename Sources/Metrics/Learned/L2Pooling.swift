import Foundation
import WildTensor

/// The L2 pooling DISTS puts in place of VGG's max-pools (Ding et al., TPAMI 2020, eq. 4; `L2pooling` of
/// DISTS_pytorch): `sqrt(h ∗ x² + 1e−12)`, a depthwise convolution of the squared input with the normalised
/// Hanning window `w wᵀ / Σ`, w = hanning(5)[1:−1] = (½, 1, ½), stride 2, zero padding 1. It antialiases where
/// max-pooling aliases, and its output side is ⌈side / 2⌉.
enum L2Pooling {
    /// The 3×3 window, [[1, 2, 1], [2, 4, 2], [1, 2, 1]] / 16 (exact in Float32).
    static let window: [Float] = {
        // NumPy's `hanning(M)`: 0.5 + 0.5·cos(π n / (M − 1)) for n = 1 − M, 3 − M, …, M − 1; the ends (zeros) dropped.
        let hann = stride(from: -2.0, through: 2.0, by: 2.0).map { 0.5 + 0.5 * cos(Double.pi * $0 / 4) }
        let outer = hann.flatMap { a in hann.map { a * $0 } }
        let total = outer.reduce(0, +)
        return outer.map { Float($0 / total) }
    }()

    /// The pooled `[N, C, ⌈H/2⌉, ⌈W/2⌉]` of an `[N, C, H, W]` tensor.
    static func apply(_ x: Tensor) -> Tensor {
        let channels = x.shape[1]
        let filter = Tensor(shape: [channels, 1, 3, 3], values: Array((0..<channels).map { _ in window }.joined()))
        return (x.squared().conv2d(weight: filter, bias: nil, stride: (2, 2), padding: 1, groups: channels) + 1e-12).sqrt()
    }
}
