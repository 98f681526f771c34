import Imaging

/// A metric that scores a restored image against its reference (PSNR, SSIM, LPIPS, DISTS).
public protocol FullReferenceMetric: Sendable {
    /// Short name used in tables and files ("PSNR", "SSIM").
    var name: String { get }
    /// `true` when larger values mean better restorations.
    var higherIsBetter: Bool { get }
    /// The score of `restored` against `reference`.
    /// - Throws: ``MetricsError`` when the images cannot be compared.
    func evaluate(restored: Image, reference: Image) throws -> Double
}

/// Where a full-reference metric looks: BasicSR's `crop_border` and `test_y_channel` options, and whose Y.
public struct ComparisonRegion: Sendable, Equatable {
    /// Pixels removed from every side before comparing (BasicSR `crop_border`; the SR scale by convention).
    public var cropBorder: Int
    /// Compare only a luma channel Y, computed and scored as the convention says (BasicSR's `test_y_channel` or
    /// pyiqa's); nil compares the colour channels. A gray image is taken as R = G = B (BasicSR: Y = 16 + 219/255 ·
    /// gray; pyiqa: Y = gray), as both packages' readers make every image colour: the score then does not depend on
    /// whether a gray photo was stored with one channel or three.
    public var yChannel: YChannelConvention?

    /// Whether only a luma channel is compared.
    public var onY: Bool { yChannel != nil }

    /// A region with `cropBorder` pixels removed from each side, on the colour channels or on the Y of `yChannel`.
    public init(cropBorder: Int = 0, yChannel: YChannelConvention? = nil) {
        self.cropBorder = cropBorder
        self.yChannel = yChannel
    }
}

/// The planes a metric compares: colour channels (or a Y), cropped, read on the 0…255 scale (times ``scale``), as
/// BasicSR's `calculate_psnr`/`calculate_ssim` or pyiqa's metrics prepare them. Alpha is ignored. No copy is made
/// beyond the Y conversion.
struct ComparedPlanes {
    /// Width and height of the compared (cropped) region.
    let width: Int
    let height: Int
    /// Number of compared channels (1 or 3).
    let channels: Int
    let crop: Int
    let restored: Image
    let reference: Image
    /// The factor that brings a sample to the 0…255 scale: 255, or 1 for a luma already rounded on that scale.
    let scale: Double

    /// The planes of `region`; with `roundedPyiqaLuma`, pyiqa's Y is rounded to integers on the 0…255 scale (as
    /// pyiqa's SSIM reads it; its PSNR does not round).
    init(restored: Image, reference: Image, region: ComparisonRegion, minimumSide: Int, roundedPyiqaLuma: Bool = false) throws {
        guard restored.width == reference.width, restored.height == reference.height,
              restored.colourChannels == reference.colourChannels else {
            throw MetricsError.sizeMismatch(restored: Self.describe(restored), reference: Self.describe(reference))
        }
        let crop = region.cropBorder
        guard crop >= 0 else { throw MetricsError.invalidCropBorder(crop) }
        let w = restored.width - 2 * crop, h = restored.height - 2 * crop
        guard w >= minimumSide, h >= minimumSide else {
            throw MetricsError.cropTooLarge(cropBorder: crop, width: restored.width, height: restored.height, minimum: minimumSide)
        }
        switch region.yChannel {
        case nil:
            (self.restored, self.reference, scale) = (restored, reference, 255)
        case .basicsr?:
            (self.restored, self.reference, scale) = (restored.luma, reference.luma, 255)
        case .pyiqa? where roundedPyiqaLuma:
            (self.restored, self.reference, scale) = (try Self.roundedPyiqaLuma(restored), try Self.roundedPyiqaLuma(reference), 1)
        case .pyiqa?:
            (self.restored, self.reference, scale) = (restored.fullRangeLuma, reference.fullRangeLuma, 255)
        }
        width = w
        height = h
        channels = region.onY ? 1 : restored.colourChannels
        self.crop = crop
    }

    /// pyiqa's rounded Y of `image`: `round(255·Y)` with ties to even, Y computed in Float32 as pyiqa's
    /// `to_y_channel(…, 255)` does. pyiqa reads an 8-bit image as `float32(k) / 255`; WildIR's decoders scale by the
    /// reciprocal, which differs in the last bit for some k, and about one pixel in a thousand has a Y·255 that is
    /// exactly a half in exact arithmetic, where that bit decides the rounding. So samples that are an 8-bit level
    /// in either form are first taken in pyiqa's form; other samples (16-bit, computed) are used as they are.
    static func roundedPyiqaLuma(_ image: Image) throws -> Image {
        let reciprocal: Float = 1 / 255
        let levels = image.samples.map { v -> Float in
            let k = (v * 255).rounded()
            return k * reciprocal == v || k / 255 == v ? k / 255 : v
        }
        let canonical = try Image(width: image.width, height: image.height, channels: image.channels, samples: levels)
        let luma = canonical.fullRangeLuma
        return try Image(width: luma.width, height: luma.height, channels: 1,
                         samples: luma.samples.map { ($0 * 255).rounded(.toNearestOrEven) })
    }

    /// Calls `body` with the restored and reference buffers of channel `c` and the offset of the crop's origin;
    /// rows are `restored.width` apart.
    func withChannel<R>(_ c: Int, _ body: (UnsafePointer<Float>, UnsafePointer<Float>, _ origin: Int, _ stride: Int) -> R) -> R {
        let stride = restored.width
        let origin = c * restored.planeSize + crop * stride + crop
        return restored.samples.withUnsafeBufferPointer { a in
            reference.samples.withUnsafeBufferPointer { b in body(a.baseAddress!, b.baseAddress!, origin, stride) }
        }
    }

    static func describe(_ image: Image) -> String { "\(image.width)×\(image.height)×\(image.colourChannels)" }
}
