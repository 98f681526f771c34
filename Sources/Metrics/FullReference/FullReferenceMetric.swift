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

/// Where a full-reference metric looks: BasicSR's `crop_border` and `test_y_channel` options.
public struct ComparisonRegion: Sendable, Equatable {
    /// Pixels removed from every side before comparing (BasicSR `crop_border`; the SR scale by convention).
    public var cropBorder: Int
    /// Compare only the BT.601 luma Y on the 0…255 scale, 16 + 65.481 R + 128.553 G + 24.966 B (MATLAB `rgb2ycbcr`),
    /// BasicSR `test_y_channel`. A gray image is taken as R = G = B (Y = 16 + 219/255 · gray), as in BasicSR's test
    /// pipeline, which reads every image as colour: the score then does not depend on whether a gray photo was
    /// stored with one channel or three.
    public var onY: Bool

    /// A region with `cropBorder` pixels removed from each side, on Y or on the colour channels.
    public init(cropBorder: Int = 0, onY: Bool = false) {
        self.cropBorder = cropBorder
        self.onY = onY
    }
}

/// The planes a metric compares: colour channels (or Y), cropped, read on the 0…255 scale, as BasicSR's
/// `calculate_psnr`/`calculate_ssim` prepare them. Alpha is ignored. No copy is made beyond the Y conversion.
struct ComparedPlanes {
    /// Width and height of the compared (cropped) region.
    let width: Int
    let height: Int
    /// Number of compared channels (1 or 3).
    let channels: Int
    let crop: Int
    let restored: Image
    let reference: Image

    init(restored: Image, reference: Image, region: ComparisonRegion, minimumSide: Int) throws {
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
        let useY = region.onY
        self.restored = useY ? restored.luma : restored
        self.reference = useY ? reference.luma : reference
        width = w
        height = h
        channels = useY ? 1 : restored.colourChannels
        self.crop = crop
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
