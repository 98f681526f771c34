import CTurboJPEG

/// JPEG through libjpeg-turbo's TurboJPEG API: baseline and progressive, gray, YCbCr and CMYK/YCCK in; gray or
/// RGB out; accurate (islow) DCT both ways and fancy upsampling, the libjpeg defaults that Pillow and OpenCV use
/// (TurboJPEG itself would pick the fast DCT for compression, which changes pixels by up to 11/255 at quality 90).
///
/// Any libjpeg warning (for example "premature end of data") is treated as an error, so a truncated file never
/// comes back as a silently half-grey picture.
enum JPEGCodec {
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>, source: String, options: DecodeOptions) throws -> Image {
        guard let handle = tjInitDecompress() else {
            throw ImagingError.corruptData(source: source, format: .jpeg, reason: "cannot initialise the decoder")
        }
        defer { tjDestroy(handle) }
        var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colourspace: Int32 = 0
        let headerStatus = bytes.withUnsafeBufferPointer {
            tjDecompressHeader3(handle, $0.baseAddress, UInt($0.count), &width, &height, &subsampling, &colourspace)
        }
        guard headerStatus == 0 else { throw failure(handle, source) }
        guard width > 0, height > 0 else {
            throw ImagingError.corruptData(source: source, format: .jpeg, reason: "zero image size")
        }
        guard Int(width) * Int(height) <= options.maxPixels else {
            throw ImagingError.tooManyPixels(source: source, width: Int(width), height: Int(height), limit: options.maxPixels)
        }
        let isCMYK = colourspace == Int32(TJCS_CMYK.rawValue) || colourspace == Int32(TJCS_YCCK.rawValue)
        let isGray = colourspace == Int32(TJCS_GRAY.rawValue)
        let pixelFormat = isGray ? TJPF_GRAY : (isCMYK ? TJPF_CMYK : TJPF_RGB)
        let components = isGray ? 1 : (isCMYK ? 4 : 3)
        let markers = JPEGMarkers(bytes)
        func decompress(into destination: UnsafeMutablePointer<UInt8>) throws {
            let status = bytes.withUnsafeBufferPointer { src in
                tjDecompress2(handle, src.baseAddress, UInt(src.count), destination, width, 0, height,
                              Int32(pixelFormat.rawValue), TJFLAG_STOPONWARNING | TJFLAG_ACCURATEDCT)
            }
            guard status == 0 else { throw failure(handle, source) }
        }
        var image: Image
        if isCMYK {
            var cmyk = [UInt8](repeating: 0, count: Int(width) * Int(height) * components)
            try cmyk.withUnsafeMutableBufferPointer { try decompress(into: $0.baseAddress!) }
            image = try Image(interleaved8: cmykToRGB(cmyk, inverted: markers.hasAdobeSegment),
                              width: Int(width), height: Int(height), channels: 3)
        } else {
            image = try Image.fromInterleaved(UInt8.self, width: Int(width), height: Int(height), channels: components,
                                              fill: decompress)
        }
        if options.applyOrientation, let tag = markers.orientation, let orientation = ExifOrientation(rawValue: tag) {
            image = image.applyingOrientation(orientation)
        }
        return image
    }

    /// CMYK → RGB as Pillow converts it: R = (255 − C)(255 − K)/255 with exact rounding, after undoing Adobe's
    /// inverted storage (an APP14 "Adobe" segment means the file stores 255 − C, 255 − M, 255 − Y, 255 − K).
    static func cmykToRGB(_ cmyk: [UInt8], inverted: Bool) -> [UInt8] {
        let n = cmyk.count / 4
        var rgb = [UInt8](repeating: 0, count: n * 3)
        for p in 0..<n {
            let k = Int(cmyk[4 * p + 3])
            let white = inverted ? k : 255 - k
            for c in 0..<3 {
                let v = Int(cmyk[4 * p + c])
                rgb[3 * p + c] = UInt8(mulDiv255(inverted ? v : 255 - v, white))
            }
        }
        return rgb
    }

    /// ⌊a·b/255⌉ computed exactly with integers.
    @inline(__always) static func mulDiv255(_ a: Int, _ b: Int) -> Int {
        let t = a * b + 128
        return (t + (t >> 8)) >> 8
    }

    static func encode(_ image: Image, options: EncodeOptions) throws -> [UInt8] {
        guard (1...100).contains(options.jpegQuality) else {
            throw ImagingError.invalidParameter("JPEG quality must be 1…100, got \(options.jpegQuality)")
        }
        guard let handle = tjInitCompress() else {
            throw ImagingError.encodingFailed(format: .jpeg, reason: "cannot initialise the encoder")
        }
        defer { tjDestroy(handle) }
        // JPEG has no alpha: it is dropped. Gray images are written as single-component JPEGs.
        let colour = image.droppingAlpha
        let gray = colour.channels == 1
        let pixels = colour.interleaved8()
        let subsampling: TJSAMP
        switch (gray, options.jpegSubsampling) {
        case (true, _), (_, .gray): subsampling = TJSAMP_GRAY
        case (_, .s444): subsampling = TJSAMP_444
        case (_, .s422): subsampling = TJSAMP_422
        case (_, .s420): subsampling = TJSAMP_420
        }
        var output: UnsafeMutablePointer<UInt8>?
        var size: UInt = 0
        let status = pixels.withUnsafeBufferPointer {
            tjCompress2(handle, $0.baseAddress, Int32(colour.width), 0, Int32(colour.height),
                        Int32((gray ? TJPF_GRAY : TJPF_RGB).rawValue), &output, &size, Int32(subsampling.rawValue),
                        Int32(options.jpegQuality), TJFLAG_ACCURATEDCT)
        }
        defer { tjFree(output) }
        guard status == 0, let output else {
            throw ImagingError.encodingFailed(format: .jpeg, reason: String(cString: tjGetErrorStr2(handle)))
        }
        return Array(UnsafeBufferPointer(start: output, count: Int(size)))
    }

    private static func failure(_ handle: tjhandle, _ source: String) -> ImagingError {
        .corruptData(source: source, format: .jpeg, reason: String(cString: tjGetErrorStr2(handle)))
    }
}
