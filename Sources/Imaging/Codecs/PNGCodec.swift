import PNGSupport

/// PNG through libpng: every colour type and bit depth in, 8- or 16-bit out (PNG specification, ISO/IEC 15948).
///
/// Palette images come out as RGB (RGBA with a tRNS chunk), 1/2/4-bit gray as 8-bit gray, Adam7 interlacing is
/// undone; gray stays one channel and gray+alpha two.
enum PNGCodec {
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>, source: String, options: DecodeOptions) throws -> Image {
        var info = WIRPNGInfo()
        var pixels: UnsafeMutableRawPointer?
        var message = [CChar](repeating: 0, count: 256)
        let status = wir_png_decode(bytes.baseAddress, bytes.count, UInt64(max(0, options.maxPixels)), &info, &pixels,
                                    &message, message.count)
        defer { wir_png_free(pixels) }
        let width = Int(info.width), height = Int(info.height), channels = Int(info.channels)
        switch status {
        case 0: break
        case 2: throw ImagingError.tooManyPixels(source: source, width: width, height: height, limit: options.maxPixels)
        default: throw ImagingError.corruptData(source: source, format: .png, reason: messageText(message))
        }
        guard let pixels, width > 0, height > 0, (1...4).contains(channels) else {
            throw ImagingError.corruptData(source: source, format: .png, reason: "no pixel data")
        }
        var image = Image(uncheckedWidth: width, height: height, channels: channels,
                          samples: SampleStorage.uninitialized(count: width * height * channels))
        if info.bitDepth == 16 {
            image.setInterleaved(UnsafePointer(pixels.assumingMemoryBound(to: UInt16.self)), scale: 1.0 / 65535)
        } else {
            image.setInterleaved(UnsafePointer(pixels.assumingMemoryBound(to: UInt8.self)), scale: 1.0 / 255)
        }
        return image
    }

    static func encode(_ image: Image, options: EncodeOptions) throws -> [UInt8] {
        guard options.pngBitDepth == 8 || options.pngBitDepth == 16 else {
            throw ImagingError.invalidParameter("PNG bit depth must be 8 or 16, got \(options.pngBitDepth)")
        }
        guard (0...9).contains(options.pngCompressionLevel) else {
            throw ImagingError.invalidParameter("PNG compression level must be 0…9, got \(options.pngCompressionLevel)")
        }
        var output: UnsafeMutablePointer<UInt8>?
        var size = 0
        var message = [CChar](repeating: 0, count: 256)
        let status: Int32
        if options.pngBitDepth == 16 {
            let rows = image.interleaved16()
            status = rows.withUnsafeBytes {
                wir_png_encode($0.baseAddress, UInt32(image.width), UInt32(image.height), Int32(image.channels), 16,
                               Int32(options.pngCompressionLevel), &output, &size, &message, message.count)
            }
        } else {
            let rows = image.interleaved8()
            status = rows.withUnsafeBytes {
                wir_png_encode($0.baseAddress, UInt32(image.width), UInt32(image.height), Int32(image.channels), 8,
                               Int32(options.pngCompressionLevel), &output, &size, &message, message.count)
            }
        }
        defer { wir_png_free(output) }
        guard status == 0, let output else {
            throw ImagingError.encodingFailed(format: .png, reason: messageText(message))
        }
        return Array(UnsafeBufferPointer(start: output, count: size))
    }
}
