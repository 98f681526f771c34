import Imaging

/// Peak signal-to-noise ratio, `10·log10(255² / MSE)` over all compared channels (BasicSR `calculate_psnr`).
///
/// Returns `+infinity` for identical images. On pyiqa's Y (``YChannelConvention/pyiqa``) it is pyiqa's `psnry`,
/// `10·log10(1 / (MSE + 1e-8))` with the MSE on [0, 1], so identical images score 80 dB.
public struct PSNR: FullReferenceMetric {
    public let name = "PSNR"
    public let higherIsBetter = true
    /// Crop and Y-channel choice.
    public var region: ComparisonRegion

    /// The metric on `region` (default: every colour channel, no crop).
    public init(region: ComparisonRegion = ComparisonRegion()) { self.region = region }

    public func evaluate(restored: Image, reference: Image) throws -> Double {
        let planes = try ComparedPlanes(restored: restored, reference: reference, region: region, minimumSide: 1)
        var sum = 0.0
        for c in 0..<planes.channels {
            sum += planes.withChannel(c) { a, b, origin, stride in
                var total = 0.0
                for y in 0..<planes.height {
                    let (ra, rb) = (a + origin + y * stride, b + origin + y * stride)
                    var row: Double = 0
                    for x in 0..<planes.width {
                        let d = (Double(ra[x]) - Double(rb[x])) * planes.scale
                        row += d * d
                    }
                    total += row
                }
                return total
            }
        }
        let mse = sum / Double(planes.channels * planes.width * planes.height)
        if region.yChannel == .pyiqa { return 10 * log10(1 / (mse / (255 * 255) + YChannelConvention.pyiqaPSNREpsilon)) }
        return mse == 0 ? .infinity : 10 * log10(255 * 255 / mse)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
