import Parallelism
import Imaging

/// Structural similarity (Wang et al. 2004) as BasicSR `calculate_ssim`: an 11×11 Gaussian window with σ = 1.5
/// (`cv2.getGaussianKernel` normalisation), C1 = (0.01·255)², C2 = (0.03·255)², the SSIM map over the 'valid'
/// region only (5 pixels less on each side), averaged, then averaged over channels.
///
/// On pyiqa's Y (``YChannelConvention/pyiqa``) it is pyiqa's `ssim`: the same window and constants on the rounded
/// full-range luma, with the contrast-structure term clipped at zero.
public struct SSIM: FullReferenceMetric {
    public let name = "SSIM"
    public let higherIsBetter = true
    /// Crop and Y-channel choice.
    public var region: ComparisonRegion

    /// The metric on `region` (default: every colour channel, no crop).
    public init(region: ComparisonRegion = ComparisonRegion()) { self.region = region }

    /// Window radius (11 taps).
    static let radius = 5
    /// The normalised 1-D Gaussian, σ = 1.5, 11 taps.
    static let window: [Double] = {
        let g = (-radius...radius).map { exp(-Double($0 * $0) / (2 * 1.5 * 1.5)) }
        let total = g.reduce(0, +)
        return g.map { $0 / total }
    }()

    public func evaluate(restored: Image, reference: Image) throws -> Double {
        let pyiqa = region.yChannel == .pyiqa
        let planes = try ComparedPlanes(restored: restored, reference: reference, region: region,
                                        minimumSide: 2 * Self.radius + 1, roundedPyiqaLuma: pyiqa)
        let scores = (0..<planes.channels).map { c in
            planes.withChannel(c) { a, b, origin, stride in
                Self.meanSSIM(a + origin, b + origin, stride: stride, width: planes.width, height: planes.height,
                              scale: planes.scale, clipsContrastStructure: pyiqa)
            }
        }
        return scores.reduce(0, +) / Double(scores.count)
    }

    /// Output rows per band: each band filters its own rows (plus the 10-row window margin) horizontally into a
    /// small buffer, so memory stays O(band × width) instead of five full planes, and bands run in parallel.
    static let defaultBandHeight = 64

    /// Mean of the SSIM map of one channel pair: `height` rows of `width` samples, `stride` apart, scored on the
    /// 0…255 scale (each sample times `scale`: 255 for samples in [0, 1]).
    ///
    /// The separable Gaussian filters x, y, x², y², xy over the 'valid' region; the map is summed per band and the
    /// bands are added in order, so the result does not depend on the number of threads. `clipsContrastStructure`
    /// takes the map as `l · max(0, cs)` (pyiqa's `ssim`) instead of `l · cs` (BasicSR's).
    static func meanSSIM(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, stride: Int, width w: Int, height h: Int,
                         scale: Double = 255, clipsContrastStructure: Bool = false,
                         bandHeight: Int = defaultBandHeight) -> Double {
        let r = radius
        let vw = w - 2 * r, vh = h - 2 * r
        guard vw > 0, vh > 0 else { return .nan }
        let bands = (vh + bandHeight - 1) / bandHeight
        var bandSums = [Double](repeating: 0, count: bands)
        bandSums.withUnsafeMutableBufferPointer { sums in
            let (sa, sb, out) = (UncheckedSendableBox(a), UncheckedSendableBox(b), UncheckedSendableBox(sums))
            parallelChunks(bands, minimumPerChunk: 1) { chunk in
                // Five horizontally filtered planes of (bandHeight + 2r) rows × vw, five accumulator rows and two
                // input rows converted to Double, reused across the chunk's bands.
                var buffer = [Double](repeating: 0, count: 5 * (bandHeight + 2 * r) * vw + 5 * vw + 2 * w)
                buffer.withUnsafeMutableBufferPointer { scratch in
                    for band in chunk {
                        let rows = band * bandHeight ..< min(vh, (band + 1) * bandHeight)
                        out.value[band] = bandSum(sa.value, sb.value, stride: stride, width: w, validRows: rows, scale: scale,
                                                  clipsContrastStructure: clipsContrastStructure, scratch: scratch)
                    }
                }
            }
        }
        return bandSums.reduce(0, +) / Double(vw * vh)
    }

    /// Sum of the SSIM map over the valid output rows `validRows` (row y of the valid map is centred on input row y + r).
    private static func bandSum(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, stride: Int, width w: Int,
                                validRows: Range<Int>, scale: Double, clipsContrastStructure: Bool,
                                scratch: UnsafeMutableBufferPointer<Double>) -> Double {
        let c1 = (0.01 * 255.0) * (0.01 * 255.0), c2 = (0.03 * 255.0) * (0.03 * 255.0)
        let r = radius, taps = 2 * radius + 1
        let vw = w - 2 * r
        let inputRows = validRows.count + 2 * r
        let plane = inputRows * vw
        let g = window
        let acc = 5 * plane
        let (rowA, rowB) = (acc + 5 * vw, acc + 5 * vw + w)
        // Horizontal 'valid' pass over input rows validRows.lowerBound ..< validRows.upperBound + 2r.
        for i in 0..<inputRows {
            let y = validRows.lowerBound + i
            for x in 0..<w {
                scratch[rowA + x] = Double(a[y * stride + x]) * scale
                scratch[rowB + x] = Double(b[y * stride + x]) * scale
            }
            for x in 0..<vw {
                var mx = 0.0, my = 0.0, xx = 0.0, yy = 0.0, xy = 0.0
                for k in 0..<taps {
                    let u = scratch[rowA + x + k], v = scratch[rowB + x + k], gk = g[k]
                    mx += gk * u; my += gk * v
                    xx += gk * u * u; yy += gk * v * v; xy += gk * u * v
                }
                let at = i * vw + x
                scratch[at] = mx; scratch[plane + at] = my
                scratch[2 * plane + at] = xx; scratch[3 * plane + at] = yy; scratch[4 * plane + at] = xy
            }
        }
        // Vertical 'valid' pass, one output row at a time: five accumulator rows after the band's planes, filled
        // tap by tap so the inner loops run along contiguous rows; then the SSIM map (Wang et al. 2004, eq. 13).
        var total = 0.0
        for i in 0..<validRows.count {
            for q in 0..<5 * vw { scratch[acc + q] = 0 }
            for k in 0..<taps {
                let gk = g[k], row = (i + k) * vw
                for p in 0..<5 {
                    let src = p * plane + row, dst = acc + p * vw
                    for x in 0..<vw { scratch[dst + x] += gk * scratch[src + x] }
                }
            }
            for x in 0..<vw {
                let mu1 = scratch[acc + x], mu2 = scratch[acc + vw + x]
                let s11 = scratch[acc + 2 * vw + x] - mu1 * mu1
                let s22 = scratch[acc + 3 * vw + x] - mu2 * mu2
                let s12 = scratch[acc + 4 * vw + x] - mu1 * mu2
                let structure = clipsContrastStructure ? max(0, 2 * s12 + c2) : 2 * s12 + c2
                total += ((2 * mu1 * mu2 + c1) * structure) / ((mu1 * mu1 + mu2 * mu2 + c1) * (s11 + s22 + c2))
            }
        }
        return total
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
