import CBLAS
import Foundation
import Imaging

/// NIQE, the Natural Image Quality Evaluator (Mittal, Soundararajan & Bovik, IEEE SPL 2013): a no-reference score,
/// lower is better, as BasicSR's `calculate_niqe` computes it (the MATLAB release's numbers): the Y channel (BT.601,
/// MATLAB `rgb2ycbcr`) rounded to integers, cropped to whole 96×96 blocks, locally normalised (MSCN, eq. 1) at two
/// scales (the second from MATLAB's antialiased bicubic `imresize` by ½), 18 AGGD features per block and scale
/// (eqs. 7–8), a multivariate Gaussian fitted to the blocks, and its distance to the pristine model (eq. 10).
public struct NIQE: NoReferenceMetric {
    public let name = "NIQE"
    public let higherIsBetter = false
    /// 18 features at each of two scales.
    static let featureCount = 36
    /// The block side at the first scale.
    static let blockSize = 96

    public let parameters: NIQEParameters
    /// Pixels removed from each side before scoring (BasicSR `crop_border`).
    public var cropBorder: Int

    public init(parameters: NIQEParameters, cropBorder: Int = 0) {
        self.parameters = parameters
        self.cropBorder = cropBorder
    }

    /// NIQE of `image` (RGB or gray; alpha ignored).
    /// - Throws: ``MetricsError`` when the cropped image holds no 96×96 block, or too few blocks to fit a covariance.
    public func evaluate(_ image: Image) throws -> Double {
        let (plane, width, height) = try yPlane(image)
        let columns = width / Self.blockSize, rows = height / Self.blockSize
        guard columns >= 1, rows >= 1, columns * rows >= 2 else {
            throw MetricsError.imageTooSmall(width: width, height: height, minimum: "two 96×96 blocks")
        }
        let w = columns * Self.blockSize, h = rows * Self.blockSize
        var scale1 = [Float](repeating: 0, count: w * h)
        for y in 0..<h { for x in 0..<w { scale1[y * w + x] = plane[y * width + x] } }
        let firstFeatures = features(of: scale1, width: w, height: h, block: Self.blockSize, columns: columns, rows: rows)
        // The second scale: imresize(img / 255, 0.5) · 255, unrounded, in single precision as the reference.
        let unit = try Image(width: w, height: h, channels: 1, samples: scale1.map { $0 / 255 })
        let half = try unit.resized(width: (w + 1) / 2, height: (h + 1) / 2, filter: .matlabBicubic)
        let scale2 = half.samples.map { $0 * 255 }
        let secondFeatures = features(of: scale2, width: half.width, height: half.height, block: Self.blockSize / 2,
                                      columns: columns, rows: rows)
        let rowsOfFeatures = zip(firstFeatures, secondFeatures).map { $0 + $1 }
        return try quality(rowsOfFeatures)
    }

    /// The Y plane on the 0…255 scale, cropped and rounded half to even, as BasicSR prepares it.
    func yPlane(_ image: Image) throws -> ([Float], Int, Int) {
        guard cropBorder >= 0 else { throw MetricsError.invalidCropBorder(cropBorder) }
        let w = image.width - 2 * cropBorder, h = image.height - 2 * cropBorder
        guard w > 0, h > 0 else {
            throw MetricsError.cropTooLarge(cropBorder: cropBorder, width: image.width, height: image.height, minimum: 1)
        }
        let n = image.width * image.height, gray = image.colourChannels == 1
        var out = [Float](repeating: 0, count: w * h)
        image.samples.withUnsafeBufferPointer { s in
            for y in 0..<h {
                for x in 0..<w {
                    let p = (y + cropBorder) * image.width + x + cropBorder
                    // BasicSR: the 8-bit BGR levels as float32 → /255 → Y in float64 → float32 (/255) → ·255 → round.
                    let (r, g, b) = gray ? (s[p], s[p], s[p]) : (s[p], s[n + p], s[2 * n + p])
                    func level(_ v: Float) -> Double { Double(Float((Double(v) * 255).rounded()) / 255) }
                    let yValue = 65.481 * level(r) + 128.553 * level(g) + 24.966 * level(b) + 16
                    let stored = Float(Float(yValue / 255) * 255)
                    out[y * w + x] = stored.rounded(.toNearestOrEven)
                }
            }
        }
        return (out, w, h)
    }

    /// The 18 features of every block (column-major block order, as the reference), of one scale.
    func features(of plane: [Float], width: Int, height: Int, block: Int, columns: Int, rows: Int) -> [[Double]] {
        let normalised = mscn(plane, width: width, height: height)
        var out: [[Double]] = []
        var blockValues = [Float](repeating: 0, count: block * block), shifted = blockValues
        for bx in 0..<columns {
            for by in 0..<rows {
                for y in 0..<block { for x in 0..<block { blockValues[y * block + x] = normalised[(by * block + y) * width + bx * block + x] } }
                var row: [Double] = []
                let (alpha, left, right) = blockValues.withUnsafeBufferPointer { AGGD.fit($0) }
                row += [alpha, (left + right) / 2]
                // Products with the block rolled circularly by (0,1), (1,0), (1,1), (1,−1) (numpy `roll` on (rows, columns)).
                for (dy, dx) in [(0, 1), (1, 0), (1, 1), (1, -1)] {
                    for y in 0..<block {
                        for x in 0..<block {
                            let sy = (y - dy + block) % block, sx = (x - dx + block) % block
                            shifted[y * block + x] = blockValues[y * block + x] * blockValues[sy * block + sx]
                        }
                    }
                    let (a, l, r) = shifted.withUnsafeBufferPointer { AGGD.fit($0) }
                    row += [a, (r - l) * (tgamma(2 / a) / tgamma(1 / a)), l, r]
                }
                out.append(row)
            }
        }
        return out
    }

    /// Mean-subtracted contrast-normalised coefficients (x − μ)/(σ + 1), μ and σ from the 7×7 window with edge
    /// replication (SciPy `convolve(mode='nearest')`; sums in double, stored in single precision as SciPy does).
    func mscn(_ plane: [Float], width: Int, height: Int) -> [Float] {
        let window = parameters.window
        let squares = plane.map { $0 * $0 }
        var out = [Float](repeating: 0, count: plane.count)
        for y in 0..<height {
            for x in 0..<width {
                var mean = 0.0, second = 0.0
                for j in 0..<7 {
                    let yy = min(max(y + j - 3, 0), height - 1)
                    for i in 0..<7 {
                        let xx = min(max(x + i - 3, 0), width - 1)
                        // Convolution flips the window; NIQE's is symmetric, but the flip is kept for exactness.
                        let w = window[(6 - j) * 7 + (6 - i)]
                        mean += w * Double(plane[yy * width + xx])
                        second += w * Double(squares[yy * width + xx])
                    }
                }
                let mu = Float(mean), meanSquare = Float(second)
                let sigma = abs(meanSquare - mu * mu).squareRoot()
                out[y * width + x] = (plane[y * width + x] - mu) / (sigma + 1)
            }
        }
        return out
    }

    /// √((μ_p − μ_d) ((Σ_p + Σ_d)/2)⁺ (μ_p − μ_d)ᵀ), with NaN blocks left out of the mean (per feature) and of the
    /// covariance (whole rows), as `nanmean` and the reference's NaN-free rows.
    func quality(_ rows: [[Double]]) throws -> Double {
        let d = Self.featureCount
        var mean = [Double](repeating: 0, count: d)
        for k in 0..<d {
            let finite = rows.map { $0[k] }.filter { !$0.isNaN }
            mean[k] = finite.isEmpty ? .nan : finite.reduce(0, +) / Double(finite.count)
        }
        let clean = rows.filter { !$0.contains { $0.isNaN } }
        guard clean.count >= 2, mean.allSatisfy(\.isFinite) else { throw MetricsError.undefined("NIQE: fewer than two blocks with finite features") }
        let cleanMean = (0..<d).map { k in clean.reduce(0) { $0 + $1[k] } / Double(clean.count) }
        var matrix = [Double](repeating: 0, count: d * d)
        for i in 0..<d {
            for j in 0..<d {
                var s = 0.0
                for row in clean { s += (row[i] - cleanMean[i]) * (row[j] - cleanMean[j]) }
                matrix[i * d + j] = (parameters.covariance[i * d + j] + s / Double(clean.count - 1)) / 2
            }
        }
        let delta = (0..<d).map { parameters.mean[$0] - mean[$0] }
        let value = try Self.quadraticFormWithPseudoInverse(matrix, delta, dimension: d)
        return value.squareRoot()
    }

    /// δᵀ A⁺ δ for a symmetric A, through LAPACK's eigendecomposition (A⁺ = Σ v vᵀ / λ over the eigenvalues above
    /// 10⁻¹⁵ of the largest magnitude: NumPy `pinv`'s cut-off, whose singular values are |λ| here).
    static func quadraticFormWithPseudoInverse(_ matrix: [Double], _ delta: [Double], dimension n: Int) throws -> Double {
        let eigen = try SymmetricEigensystem(matrix, dimension: n, vectors: true)
        let (eigenvalues, a) = (eigen.values, eigen.vectors)
        let cutoff = 1e-15 * (eigenvalues.map(abs).max() ?? 0)
        var total = 0.0
        for k in 0..<n where abs(eigenvalues[k]) > cutoff {
            // Column k of the column-major result is the k-th eigenvector.
            var projection = 0.0
            for i in 0..<n { projection += a[k * n + i] * delta[i] }
            total += projection * projection / eigenvalues[k]
        }
        return total
    }
}
