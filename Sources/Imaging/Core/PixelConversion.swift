/// Conversions between `Image`'s planar Float32 samples and the interleaved integer rows codecs use.
///
/// 8-bit: v = b / 255, back as ⌊255·clamp(v, 0, 1) + ½⌋ (round half up). 16-bit: v = s / 65535, back likewise.
extension Image {
    /// Builds an image from interleaved 8-bit samples (`height` rows of `width × channels`).
    public init(interleaved8 bytes: [UInt8], width: Int, height: Int, channels: Int) throws {
        try self.init(width: width, height: height, channels: channels, filledWith: 0)
        guard bytes.count == width * height * channels else {
            throw ImagingError.invalidDimensions(width: width, height: height, channels: channels)
        }
        bytes.withUnsafeBufferPointer { self.setInterleaved($0.baseAddress!, scale: 1.0 / 255) }
    }

    /// Builds an image from interleaved 16-bit samples (host byte order).
    public init(interleaved16 values: [UInt16], width: Int, height: Int, channels: Int) throws {
        try self.init(width: width, height: height, channels: channels, filledWith: 0)
        guard values.count == width * height * channels else {
            throw ImagingError.invalidDimensions(width: width, height: height, channels: channels)
        }
        values.withUnsafeBufferPointer { self.setInterleaved($0.baseAddress!, scale: 1.0 / 65535) }
    }

    /// Interleaved 8-bit samples, clamped and rounded half up.
    public func interleaved8() -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: samples.count) { buffer, count in
            writeInterleaved(into: buffer.baseAddress!, maximum: 255)
            count = samples.count
        }
    }

    /// Interleaved 16-bit samples (host byte order), clamped and rounded half up.
    public func interleaved16() -> [UInt16] {
        [UInt16](unsafeUninitializedCapacity: samples.count) { buffer, count in
            writeInterleaved(into: buffer.baseAddress!, maximum: 65535)
            count = samples.count
        }
    }

    /// Fills `samples` from interleaved integers times `scale` (rows in parallel).
    @usableFromInline
    mutating func setInterleaved<T: BinaryInteger>(_ source: UnsafePointer<T>, scale: Float) {
        let (w, h, c, plane) = (width, height, channels, planeSize)
        samples.withUnsafeMutableBufferPointer { dst in
            let out = UncheckedSendableBox(dst.baseAddress!)
            let src = UncheckedSendableBox(source)
            parallelChunks(h, minimumPerChunk: 64) { rows in
                for y in rows {
                    let row = src.value + y * w * c
                    for ch in 0..<c {
                        let o = out.value + ch * plane + y * w
                        for x in 0..<w { o[x] = Float(row[x * c + ch]) * scale }
                    }
                }
            }
        }
    }

    /// Writes clamped, rounded interleaved integers in 0…`maximum` (rows in parallel).
    func writeInterleaved<T: FixedWidthInteger>(into destination: UnsafeMutablePointer<T>, maximum: Float) {
        let (w, h, c, plane) = (width, height, channels, planeSize)
        samples.withUnsafeBufferPointer { src in
            let input = UncheckedSendableBox(src.baseAddress!)
            let out = UncheckedSendableBox(destination)
            parallelChunks(h, minimumPerChunk: 64) { rows in
                for y in rows {
                    let row = out.value + y * w * c
                    for ch in 0..<c {
                        let i = input.value + ch * plane + y * w
                        for x in 0..<w {
                            let v = min(max(i[x], 0), 1) * maximum + 0.5
                            row[x * c + ch] = T(v.rounded(.down))
                        }
                    }
                }
            }
        }
    }
}
