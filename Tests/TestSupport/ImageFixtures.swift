import Foundation
import Imaging

extension NPYArray {
    /// The array as an `Image`, reading an HWC (or HW) array and multiplying values by `scale`
    /// (1/255 for 8-bit, 1/65535 for 16-bit references).
    public func image(scale: Double = 1) throws -> Image {
        let h = shape[0], w = shape[1], c = shape.count > 2 ? shape[2] : 1
        var samples = [Float](repeating: 0, count: h * w * c)
        for y in 0..<h {
            for x in 0..<w {
                for ch in 0..<c { samples[(ch * h + y) * w + x] = Float(values[(y * w + x) * c + ch] * scale) }
            }
        }
        return try Image(width: w, height: h, channels: c, samples: samples)
    }

    /// `Fixtures.path(components…)` read as an array.
    public static func fixture(_ components: String...) throws -> NPYArray {
        try NPYArray(path: components.reduce(Fixtures.root) { $0.appendingPathComponent($1) }.path)
    }
}

/// Comparison helpers for images against references.
public enum ImageComparison {
    /// Largest absolute sample difference between `image` and an HWC reference array times `scale`.
    public static func maxDifference(_ image: Image, _ reference: NPYArray, scale: Double = 1) -> Double {
        worst(image, reference) { ours, theirs in abs(Double(ours) - theirs * scale) }
    }

    /// Largest difference in 8-bit steps after rounding `image` to 8 bits (ties to even, as `Image.interleaved8()`),
    /// against a uint8 reference.
    public static func maxDifference8(_ image: Image, _ reference: NPYArray) -> Int {
        Int(worst(image, reference) { ours, theirs in
            abs(Double((min(max(ours, 0), 1) * 255).rounded(.toNearestOrEven)) - theirs)
        })
    }

    /// The largest `difference(sample, reference value)` over all samples; the shapes must agree.
    static func worst(_ image: Image, _ reference: NPYArray, _ difference: (Float, Double) -> Double) -> Double {
        let h = reference.shape[0], w = reference.shape[1], c = reference.shape.count > 2 ? reference.shape[2] : 1
        precondition(image.width == w && image.height == h && image.channels == c,
                     "shape \(image.width)×\(image.height)×\(image.channels) vs reference \(reference.shape)")
        var result = 0.0
        for y in 0..<h {
            for x in 0..<w {
                for ch in 0..<c { result = max(result, difference(image[ch, y, x], reference.values[(y * w + x) * c + ch])) }
            }
        }
        return result
    }
}
