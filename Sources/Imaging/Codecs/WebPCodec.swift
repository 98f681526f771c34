import CWebP

/// WebP through libwebp: lossy and lossless, with or without alpha, in; lossy (quality) or lossless out.
///
/// Decoded images are RGB, or RGBA when the file has alpha. Gray images are written as RGB (WebP has no gray mode).
enum WebPCodec {
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>, source: String, options: DecodeOptions) throws -> Image {
        var features = WebPBitstreamFeatures()
        let status = bytes.withUnsafeBufferPointer {
            WebPGetFeaturesInternal($0.baseAddress, $0.count, &features, WEBP_DECODER_ABI_VERSION)
        }
        guard status == VP8_STATUS_OK else {
            throw ImagingError.corruptData(source: source, format: .webp, reason: describe(status))
        }
        let width = Int(features.width), height = Int(features.height)
        guard width > 0, height > 0 else {
            throw ImagingError.corruptData(source: source, format: .webp, reason: "zero image size")
        }
        guard width * height <= options.maxPixels else {
            throw ImagingError.tooManyPixels(source: source, width: width, height: height, limit: options.maxPixels)
        }
        let channels = features.has_alpha != 0 ? 4 : 3
        let count = width * height * channels
        return try Image.fromInterleaved(UInt8.self, width: width, height: height, channels: channels) { dst in
            let decoded = bytes.withUnsafeBufferPointer { src in
                channels == 4
                    ? WebPDecodeRGBAInto(src.baseAddress, src.count, dst, count, Int32(width * 4))
                    : WebPDecodeRGBInto(src.baseAddress, src.count, dst, count, Int32(width * 3))
            }
            guard decoded != nil else {
                throw ImagingError.corruptData(source: source, format: .webp, reason: "the bitstream could not be decoded")
            }
        }
    }

    static func encode(_ image: Image, options: EncodeOptions) throws -> [UInt8] {
        guard (0...100).contains(options.webpQuality) else {
            throw ImagingError.invalidParameter("WebP quality must be 0…100, got \(options.webpQuality)")
        }
        let rgb = image.expandedToRGB()
        let pixels = rgb.interleaved8()
        let alpha = rgb.channels == 4
        let stride = Int32(rgb.width * rgb.channels)
        var output: UnsafeMutablePointer<UInt8>?
        let size = pixels.withUnsafeBufferPointer { p -> Int in
            let (w, h) = (Int32(rgb.width), Int32(rgb.height))
            switch (options.webpLossless, alpha) {
            case (true, true): return WebPEncodeLosslessRGBA(p.baseAddress, w, h, stride, &output)
            case (true, false): return WebPEncodeLosslessRGB(p.baseAddress, w, h, stride, &output)
            case (false, true): return WebPEncodeRGBA(p.baseAddress, w, h, stride, options.webpQuality, &output)
            case (false, false): return WebPEncodeRGB(p.baseAddress, w, h, stride, options.webpQuality, &output)
            }
        }
        defer { WebPFree(output) }
        guard size > 0, let output else {
            throw ImagingError.encodingFailed(format: .webp, reason: "libwebp returned no data (image too large for WebP's 16383-pixel limit?)")
        }
        return Array(UnsafeBufferPointer(start: output, count: size))
    }

    private static func describe(_ status: VP8StatusCode) -> String {
        switch status {
        case VP8_STATUS_NOT_ENOUGH_DATA: return "unexpected end of data (file truncated)"
        case VP8_STATUS_BITSTREAM_ERROR: return "invalid bitstream"
        case VP8_STATUS_UNSUPPORTED_FEATURE: return "unsupported feature (animated WebP?)"
        case VP8_STATUS_OUT_OF_MEMORY: return "out of memory"
        default: return "invalid data (status \(status.rawValue))"
        }
    }
}
