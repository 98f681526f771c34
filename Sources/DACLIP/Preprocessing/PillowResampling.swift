/// Pillow's resampling of 8-bit images with its bicubic filter, `Image.resize(size, Image.BICUBIC)` on an `"RGB"`
/// image (Pillow `src/libImaging/Resample.c`, `ImagingResample` with the 8 bpc passes), reproduced to the byte.
///
/// Two separable passes, as Pillow makes them: horizontal first (only over the rows the vertical pass reads), its
/// result rounded and clipped to 8 bits, then vertical. Each output level is
/// `clip(⌊(2²¹ + Σ level·weight) / 2²²⌋, 0, 255)` in 32-bit integers, with the fixed-point weights of
/// ``PillowResamplingCoefficients``. An axis whose size does not change is not resampled (Pillow's `need_horizontal`
/// and `need_vertical`); when neither changes the image is returned as it is.
enum PillowResampling {
    /// `image` resized to `width` × `height` (both positive) as Pillow's bicubic `resize` does.
    static func bicubic(_ image: RGB8Image, width: Int, height: Int) -> RGB8Image {
        precondition(width > 0 && height > 0, "resize to a positive size")
        let vertical = PillowResamplingCoefficients(inputSize: image.height, outputSize: height)
        var source = image, firstRow = 0
        if width != image.width {
            // Only the rows the vertical pass reads (Pillow's ybox_first ..< ybox_last).
            firstRow = vertical.starts[0]
            let lastRow = vertical.starts[height - 1] + vertical.counts[height - 1]
            source = horizontalPass(image, rows: firstRow..<lastRow,
                                    PillowResamplingCoefficients(inputSize: image.width, outputSize: width))
        }
        if height != image.height {
            source = verticalPass(source, rowOffset: firstRow, vertical)
        }
        return source
    }

    /// `(2²¹ + sum) >> 22`, clipped to 0…255: Pillow's rounding of a fixed-point sum (`clip8`).
    @inline(__always)
    static func level(_ sum: Int32) -> UInt8 {
        let v = sum >> Int32(PillowResamplingCoefficients.precisionBits)
        return v < 0 ? 0 : (v > 255 ? 255 : UInt8(v))
    }

    /// Rows `rows` of `image` resampled along x.
    static func horizontalPass(_ image: RGB8Image, rows: Range<Int>, _ taps: PillowResamplingCoefficients) -> RGB8Image {
        let outWidth = taps.starts.count, outHeight = rows.count
        var out = [UInt8](repeating: 0, count: 3 * outWidth * outHeight)
        let half = Int32(1) << Int32(PillowResamplingCoefficients.precisionBits - 1)
        image.samples.withUnsafeBufferPointer { src in
            taps.weights.withUnsafeBufferPointer { weights in
                out.withUnsafeMutableBufferPointer { dst in
                    for c in 0..<3 {
                        for (row, y) in rows.enumerated() {
                            let line = (c * image.height + y) * image.width
                            let target = (c * outHeight + row) * outWidth
                            for x in 0..<outWidth {
                                let start = taps.starts[x], w = x * taps.taps
                                var sum = half
                                for k in 0..<taps.counts[x] { sum &+= Int32(src[line + start + k]) &* weights[w + k] }
                                dst[target + x] = level(sum)
                            }
                        }
                    }
                }
            }
        }
        return RGB8Image(uncheckedWidth: outWidth, height: outHeight, samples: out)
    }

    /// `image` resampled along y; window starts are shifted up by `rowOffset` (the first row `image` holds).
    static func verticalPass(_ image: RGB8Image, rowOffset: Int, _ taps: PillowResamplingCoefficients) -> RGB8Image {
        let width = image.width, outHeight = taps.starts.count
        var out = [UInt8](repeating: 0, count: 3 * width * outHeight)
        let half = Int32(1) << Int32(PillowResamplingCoefficients.precisionBits - 1)
        var sums = [Int32](repeating: 0, count: width)
        image.samples.withUnsafeBufferPointer { src in
            taps.weights.withUnsafeBufferPointer { weights in
                out.withUnsafeMutableBufferPointer { dst in
                    for c in 0..<3 {
                        for y in 0..<outHeight {
                            let start = taps.starts[y] - rowOffset, w = y * taps.taps
                            for x in 0..<width { sums[x] = half }
                            for k in 0..<taps.counts[y] {
                                let weight = weights[w + k], line = (c * image.height + start + k) * width
                                for x in 0..<width { sums[x] &+= Int32(src[line + x]) &* weight }
                            }
                            let target = (c * outHeight + y) * width
                            for x in 0..<width { dst[target + x] = level(sums[x]) }
                        }
                    }
                }
            }
        }
        return RGB8Image(uncheckedWidth: width, height: outHeight, samples: out)
    }
}
