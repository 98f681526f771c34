import Foundation

extension Image {
    /// The standard deviation of additive white Gaussian noise in the image, by Immerkær's fast estimator
    /// (J. Immerkær, "Fast Noise Variance Estimation", CVIU 64(2), 1996, eq. 8):
    /// σ = √(π/2) · Σ|I ∗ N| / (6 (W − 2)(H − 2)), with N = [[1, −2, 1], [−2, 4, −2], [1, −2, 1]], the difference of two
    /// Laplacians that cancels smooth structure, over the full-range luma (``fullRangeLuma``) and the valid positions.
    ///
    /// It measures the whole photo, in the units of its samples (0…1): 0 for a flat or linear image, about σ for a
    /// flat image whose luma carries noise of deviation σ (noise drawn independently per colour channel shows as about
    /// 0.67σ, √(0.299² + 0.587² + 0.114²)); texture adds to it. Images smaller than 3 × 3 give 0.
    public var immerkaerNoiseLevel: Double {
        let luma = fullRangeLuma
        let (w, h) = (width, height)
        guard w >= 3, h >= 3 else { return 0 }
        var total = 0.0
        luma.samples.withUnsafeBufferPointer { y in
            for row in 1..<(h - 1) {
                var line = 0.0
                for column in 1..<(w - 1) {
                    let above = (row - 1) * w + column, here = row * w + column, below = (row + 1) * w + column
                    let corners = Double(y[above - 1] + y[above + 1] + y[below - 1] + y[below + 1])
                    let edges = Double(y[above] + y[below] + y[here - 1] + y[here + 1])
                    line += abs(corners - 2 * edges + 4 * Double(y[here]))
                }
                total += line
            }
        }
        return (Double.pi / 2).squareRoot() * total / (6 * Double(w - 2) * Double(h - 2))
    }
}
