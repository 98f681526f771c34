extension Image {
    /// The full-range BT.601 luma `Y = 0.299 R + 0.587 G + 0.114 B` (YIQ's Y, JFIF's Y), as a one-channel image in
    /// [0, 1]: no studio-swing offset or 219/255 gain, unlike ``luma``.
    ///
    /// Computed in Float32 as `(0.299 R + 0.587 G) + 0.114 B`, the order and precision of pyiqa's `rgb2yiq` on a
    /// float32 tensor, so that a value later rounded on the 0…255 scale rounds as pyiqa's does. A gray image (1 or
    /// 2 channels) is its own luma (the weights sum to 1). Alpha is ignored.
    public var fullRangeLuma: Image {
        let n = planeSize
        guard colourChannels == 3 else {
            return Image(uncheckedWidth: width, height: height, channels: 1, samples: Array(samples[0..<n]))
        }
        var out = [Float](repeating: 0, count: n)
        let (wr, wg, wb): (Float, Float, Float) = (0.299, 0.587, 0.114)
        samples.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for p in 0..<n {
                    let rg = src[p] * wr + src[n + p] * wg
                    dst[p] = rg + src[2 * n + p] * wb
                }
            }
        }
        return Image(uncheckedWidth: width, height: height, channels: 1, samples: out)
    }
}
