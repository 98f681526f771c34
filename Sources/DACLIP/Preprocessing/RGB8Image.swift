import Imaging

/// An 8-bit RGB raster, planar (channel, row, column): what a Pillow image of mode `"RGB"` holds, and what DA-CLIP's
/// preprocessing resizes and crops before it normalises.
public struct RGB8Image: Equatable, Sendable {
    /// Width in pixels (> 0).
    public let width: Int
    /// Height in pixels (> 0).
    public let height: Int
    /// Planar levels 0…255, `3 × height × width`.
    public var samples: [UInt8]

    /// An image from planar levels.
    /// - Throws: ``DACLIPError/invalidInput(_:)`` when a size is not positive or `samples` does not hold
    ///   `3 × height × width` levels.
    public init(width: Int, height: Int, samples: [UInt8]) throws {
        guard width > 0, height > 0, !width.multipliedReportingOverflow(by: height).overflow,
              samples.count == 3 * width * height else {
            throw DACLIPError.invalidInput("an RGB image of \(width)×\(height) needs \(3 * max(width, 0) * max(height, 0)) "
                + "levels, got \(samples.count)")
        }
        self.width = width
        self.height = height
        self.samples = samples
    }

    /// Sizes already checked by the caller.
    init(uncheckedWidth width: Int, height: Int, samples: [UInt8]) {
        precondition(samples.count == 3 * width * height, "RGB8Image sample count mismatch")
        self.width = width
        self.height = height
        self.samples = samples
    }

    /// The 8-bit RGB image DA-CLIP's official preprocessing makes of a float image: `(x * 255).astype(uint8)` in
    /// Float32, which truncates (`clip_transform`, daclip-uir `universal-image-restoration/data/util.py`). For an
    /// image read from an 8-bit file this gives back the file's levels exactly.
    ///
    /// Gray is replicated to RGB (the official dataset converts to RGB before `clip_transform`), alpha is dropped
    /// (the official `read_img` keeps the first three channels), and samples outside [0, 1] are clamped first (NaN
    /// reads as 0), where NumPy's cast would be undefined.
    public init(truncating image: Image) {
        let colour = image.opaqueRGB
        let plane = colour.planeSize
        var levels = [UInt8](repeating: 0, count: 3 * plane)
        colour.samples.withUnsafeBufferPointer { source in
            for i in 0..<(3 * plane) {
                let v = source[i] * 255
                // `v > 0` is false for NaN, so NaN becomes 0.
                levels[i] = v > 0 ? (v < 255 ? UInt8(v.rounded(.towardZero)) : 255) : 0
            }
        }
        self.init(uncheckedWidth: colour.width, height: colour.height, samples: levels)
    }

    /// The level of channel `c` at (`x`, `y`).
    public subscript(c: Int, y: Int, x: Int) -> UInt8 { samples[(c * height + y) * width + x] }

    /// Levels interleaved as NumPy's `HWC` array of a Pillow image (`np.asarray(image)`).
    public var interleaved: [UInt8] {
        let plane = width * height
        var out = [UInt8](repeating: 0, count: 3 * plane)
        for i in 0..<plane {
            for c in 0..<3 { out[3 * i + c] = samples[c * plane + i] }
        }
        return out
    }

    /// The rectangle of `width` × `height` pixels whose top-left corner is (`x`, `y`).
    /// - Throws: ``DACLIPError/invalidInput(_:)`` when the rectangle is empty or leaves the image.
    public func cropped(x: Int, y: Int, width: Int, height: Int) throws -> RGB8Image {
        guard width > 0, height > 0, x >= 0, y >= 0, x + width <= self.width, y + height <= self.height else {
            throw DACLIPError.invalidInput("the crop \(width)×\(height) at (\(x), \(y)) leaves the \(self.width)×\(self.height) image")
        }
        var out = [UInt8]()
        out.reserveCapacity(3 * width * height)
        for c in 0..<3 {
            for row in y..<(y + height) {
                let start = (c * self.height + row) * self.width + x
                out.append(contentsOf: samples[start..<(start + width)])
            }
        }
        return RGB8Image(uncheckedWidth: width, height: height, samples: out)
    }
}
