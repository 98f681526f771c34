/// The eight EXIF orientations (TIFF tag 0x0112) and the transform that makes a stored image upright,
/// as Pillow's `ImageOps.exif_transpose` applies them.
public enum ExifOrientation: Int, Sendable, CaseIterable {
    case up = 1, mirrored = 2, rotated180 = 3, flippedVertically = 4
    case transposed = 5, rotatedClockwise = 6, transversed = 7, rotatedCounterClockwise = 8
}

extension Image {
    /// The upright image for pixels stored with `orientation` (1 returns `self`).
    ///
    /// 2 mirrors left-right, 3 rotates 180°, 4 flips top-bottom, 5 transposes, 6 rotates 90° clockwise,
    /// 7 transverses, 8 rotates 90° counter-clockwise.
    public func applyingOrientation(_ orientation: ExifOrientation) -> Image {
        if orientation == .up { return self }
        let (w, h) = (width, height)
        let swaps = orientation.rawValue >= 5
        let (ow, oh) = swaps ? (h, w) : (w, h)
        // Source coordinate of output pixel (x, y).
        let sourceOf: (Int, Int) -> (Int, Int)
        switch orientation {
        case .up: sourceOf = { ($0, $1) }
        case .mirrored: sourceOf = { (w - 1 - $0, $1) }
        case .rotated180: sourceOf = { (w - 1 - $0, h - 1 - $1) }
        case .flippedVertically: sourceOf = { ($0, h - 1 - $1) }
        case .transposed: sourceOf = { ($1, $0) }
        case .rotatedClockwise: sourceOf = { ($1, h - 1 - $0) }
        case .transversed: sourceOf = { (w - 1 - $1, h - 1 - $0) }
        case .rotatedCounterClockwise: sourceOf = { (w - 1 - $1, $0) }
        }
        var out = [Float](repeating: 0, count: samples.count)
        samples.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for c in 0..<channels {
                    let si = c * w * h, so = c * ow * oh
                    for y in 0..<oh {
                        for x in 0..<ow {
                            let (sx, sy) = sourceOf(x, y)
                            dst[so + y * ow + x] = src[si + sy * w + sx]
                        }
                    }
                }
            }
        }
        return Image(uncheckedWidth: ow, height: oh, channels: channels, samples: out)
    }
}
