extension Image {
    /// The `width × height` region whose top-left corner is (`x`, `y`), every channel.
    /// - Throws: ``ImagingError/invalidParameter(_:)`` when the region is empty or leaves the image.
    public func cropped(x: Int, y: Int, width w: Int, height h: Int) throws -> Image {
        guard w > 0, h > 0, x >= 0, y >= 0, x + w <= width, y + h <= height else {
            throw ImagingError.invalidParameter("crop \(w)×\(h) at (\(x), \(y)) does not fit a \(width)×\(height) image")
        }
        var out = [Float](repeating: 0, count: w * h * channels)
        for c in 0..<channels {
            for row in 0..<h {
                let source = (c * height + y + row) * width + x
                out.replaceSubrange((c * h + row) * w..<(c * h + row + 1) * w, with: samples[source..<source + w])
            }
        }
        return Image(uncheckedWidth: w, height: h, channels: channels, samples: out)
    }
}
