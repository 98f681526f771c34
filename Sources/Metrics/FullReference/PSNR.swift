import Imaging

/// Peak signal-to-noise ratio, `10·log10(255² / MSE)` over all compared channels (BasicSR `calculate_psnr`).
///
/// Returns `+infinity` for identical images.
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
        var count = 0
        for (a, b) in zip(planes.restored, planes.reference) {
            for i in a.indices {
                let d = a[i] - b[i]
                sum += d * d
            }
            count += a.count
        }
        let mse = sum / Double(count)
        return mse == 0 ? .infinity : 10 * log10(255 * 255 / mse)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
