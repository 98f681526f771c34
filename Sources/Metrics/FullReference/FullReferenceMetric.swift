import Imaging

/// A metric that scores a restored image against its reference (PSNR, SSIM; later LPIPS, DISTS, …).
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

/// The planes a metric compares: colour channels (or Y), cropped, on the 0…255 scale in double precision,
/// as BasicSR's `calculate_psnr`/`calculate_ssim` prepare them. Alpha is ignored.
struct ComparedPlanes {
    let width: Int
    let height: Int
    /// One array per compared channel, row-major `height × width`.
    let restored: [[Double]]
    let reference: [[Double]]

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
        func planes(_ image: Image) -> [[Double]] {
            let source = region.onY ? image.luma : image.droppingAlpha
            return (0..<source.channels).map { c in
                var plane = [Double](repeating: 0, count: w * h)
                let offset = c * source.planeSize
                for y in 0..<h {
                    let row = offset + (y + crop) * source.width + crop
                    for x in 0..<w { plane[y * w + x] = Double(source.samples[row + x]) * 255 }
                }
                return plane
            }
        }
        width = w
        height = h
        self.restored = planes(restored)
        self.reference = planes(reference)
    }

    static func describe(_ image: Image) -> String { "\(image.width)×\(image.height)×\(image.colourChannels)" }
}
