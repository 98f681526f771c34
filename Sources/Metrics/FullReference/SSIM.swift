import Imaging

/// Structural similarity (Wang et al. 2004) as BasicSR `calculate_ssim`: an 11×11 Gaussian window with σ = 1.5
/// (`cv2.getGaussianKernel` normalisation), C1 = (0.01·255)², C2 = (0.03·255)², the SSIM map over the 'valid'
/// region only (5 pixels less on each side), averaged, then averaged over channels.
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
        let planes = try ComparedPlanes(restored: restored, reference: reference, region: region,
                                        minimumSide: 2 * Self.radius + 1)
        let scores = zip(planes.restored, planes.reference).map {
            Self.meanSSIM($0, $1, width: planes.width, height: planes.height)
        }
        return scores.reduce(0, +) / Double(scores.count)
    }

    /// Mean of the SSIM map of one channel pair (values on the 0…255 scale).
    static func meanSSIM(_ a: [Double], _ b: [Double], width w: Int, height h: Int) -> Double {
        let c1 = (0.01 * 255.0) * (0.01 * 255.0), c2 = (0.03 * 255.0) * (0.03 * 255.0)
        let r = radius, taps = 2 * radius + 1
        let vw = w - 2 * r, vh = h - 2 * r
        // Horizontal 'valid' pass of x, y, x², y², xy: five planes of h × vw.
        var horizontal = [Double](repeating: 0, count: 5 * h * vw)
        let plane = h * vw
        horizontal.withUnsafeMutableBufferPointer { out in
            let o = UncheckedSendableBox(out.baseAddress!)
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    let (sa, sb) = (UncheckedSendableBox(pa.baseAddress!), UncheckedSendableBox(pb.baseAddress!))
                    parallelChunks(h, minimumPerChunk: 16) { rows in
                        let g = window
                        for y in rows {
                            let ra = sa.value + y * w, rb = sb.value + y * w
                            for x in 0..<vw {
                                var mx = 0.0, my = 0.0, xx = 0.0, yy = 0.0, xy = 0.0
                                for k in 0..<taps {
                                    let u = ra[x + k], v = rb[x + k], gk = g[k]
                                    mx += gk * u; my += gk * v
                                    xx += gk * u * u; yy += gk * v * v; xy += gk * u * v
                                }
                                let at = y * vw + x
                                o.value[at] = mx; o.value[plane + at] = my
                                o.value[2 * plane + at] = xx; o.value[3 * plane + at] = yy; o.value[4 * plane + at] = xy
                            }
                        }
                    }
                }
            }
        }
        // Vertical 'valid' pass and the SSIM map, summed per row.
        var rowSums = [Double](repeating: 0, count: vh)
        horizontal.withUnsafeBufferPointer { hp in
            rowSums.withUnsafeMutableBufferPointer { sums in
                let (src, dst) = (UncheckedSendableBox(hp.baseAddress!), UncheckedSendableBox(sums.baseAddress!))
                parallelChunks(vh, minimumPerChunk: 16) { rows in
                    let g = window
                    for y in rows {
                        var total = 0.0
                        for x in 0..<vw {
                            var m = (0.0, 0.0, 0.0, 0.0, 0.0)
                            for k in 0..<taps {
                                let at = (y + k) * vw + x, gk = g[k]
                                m.0 += gk * src.value[at]
                                m.1 += gk * src.value[plane + at]
                                m.2 += gk * src.value[2 * plane + at]
                                m.3 += gk * src.value[3 * plane + at]
                                m.4 += gk * src.value[4 * plane + at]
                            }
                            let mu1 = m.0, mu2 = m.1
                            let s11 = m.2 - mu1 * mu1, s22 = m.3 - mu2 * mu2, s12 = m.4 - mu1 * mu2
                            total += ((2 * mu1 * mu2 + c1) * (2 * s12 + c2))
                                / ((mu1 * mu1 + mu2 * mu2 + c1) * (s11 + s22 + c2))
                        }
                        dst.value[y] = total
                    }
                }
            }
        }
        return rowSums.reduce(0, +) / Double(vw * vh)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
