import Parallelism
/// Conversions between `Image`'s planar Float32 samples and the interleaved integer rows codecs use.
///
/// 8-bit: v = b / 255, back as round(255·clamp(v, 0, 1)) with ties to even — NumPy's and PyTorch's `round()`,
/// hence BasicSR's `tensor2img`. 16-bit: v = s / 65535, back likewise. NaN is written as 0.
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

    /// The image clipped and rounded to the 8-bit grid (ties to even), as NumPy's
    /// `np.clip((img · 255).round(), 0, 255) / 255`: what saving to an 8-bit file and reading back gives (NaN
    /// becomes 0, as when saving).
    public var quantisedTo8Bit: Image {
        var out = self
        out.samples.withUnsafeMutableBufferPointer { v in
            for i in v.indices { v[i] = Self.level(v[i], maximum: 255) / 255 }
        }
        return out
    }

    /// round(`maximum` · clamp(v, 0, 1)) with ties to even, NaN as 0, as a Float (`maximum` < 2²²): clamping first
    /// lets the 1.5·2²³ addition do the rounding without a branch or a `rintf` call, so loops over it vectorise.
    @inlinable package static func level(_ v: Float, maximum: Float) -> Float {
        let t = (v > 0 ? (v < 1 ? v : 1) : 0) * maximum
        return (t + 12_582_912) - 12_582_912
    }

    /// Interleaved 8-bit samples, clamped and rounded to nearest (ties to even).
    public func interleaved8() -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: samples.count) { buffer, count in
            writeInterleaved(into: buffer.baseAddress!, maximum: 255)
            count = samples.count
        }
    }

    /// Interleaved 16-bit samples (host byte order), clamped and rounded to nearest (ties to even).
    public func interleaved16() -> [UInt16] {
        [UInt16](unsafeUninitializedCapacity: samples.count) { buffer, count in
            writeInterleaved(into: buffer.baseAddress!, maximum: 65535)
            count = samples.count
        }
    }

    /// An image whose planar samples are converted from interleaved integers that `fill` writes into a scratch
    /// buffer of `width × height × channels` elements (decoders write straight into it; no zero-filling).
    static func fromInterleaved<T: FixedWidthInteger & UnsignedInteger>(
        _ type: T.Type, width: Int, height: Int, channels: Int, fill: (UnsafeMutablePointer<T>) throws -> Void
    ) throws -> Image {
        let count = width * height * channels
        let scratch = SampleStorage.scratch(T.self, count: count)
        defer { scratch.deallocate() }
        try fill(scratch)
        var image = Image(uncheckedWidth: width, height: height, channels: channels,
                          samples: SampleStorage.uninitialized(count: count))
        image.setInterleaved(UnsafePointer(scratch), scale: 1 / Float(T.max))
        return image
    }

    /// Fills `samples` from interleaved integers times `scale` (rows in parallel, one sequential write stream per
    /// channel so that the loop vectorises).
    @usableFromInline
    mutating func setInterleaved<T: FixedWidthInteger & UnsignedInteger>(_ source: UnsafePointer<T>, scale: Float) {
        let (w, h, c, plane) = (width, height, channels, planeSize)
        samples.withUnsafeMutableBufferPointer { dst in
            let out = UncheckedSendableBox(dst.baseAddress!)
            let src = UncheckedSendableBox(source)
            parallelChunks(h, minimumPerChunk: 32) { rows in
                for y in rows {
                    let row = src.value + y * w * c
                    let o = out.value + y * w
                    switch c {
                    case 1:
                        for x in 0..<w { o[x] = Float(row[x]) * scale }
                    case 3:
                        let (o1, o2) = (o + plane, o + 2 * plane)
                        for x in 0..<w {
                            o[x] = Float(row[3 * x]) * scale
                            o1[x] = Float(row[3 * x + 1]) * scale
                            o2[x] = Float(row[3 * x + 2]) * scale
                        }
                    default:
                        for x in 0..<w {
                            for ch in 0..<c { o[ch * plane + x] = Float(row[c * x + ch]) * scale }
                        }
                    }
                }
            }
        }
    }

    /// Writes clamped, rounded interleaved integers in 0…`maximum` (rows in parallel).
    func writeInterleaved<T: FixedWidthInteger & UnsignedInteger>(into destination: UnsafeMutablePointer<T>, maximum: Float) {
        let (w, h, c, plane) = (width, height, channels, planeSize)
        // Clamp first (NaN counts as 0), then round to nearest-even without a trapping float→int conversion:
        // adding 1.5·2²³ leaves round(t) in the low mantissa bits for 0 ≤ t < 2²², so the loop stays branch-free.
        @inline(__always) func quantise(_ v: Float) -> T {
            let t = (v > 0 ? (v < 1 ? v : 1) : 0) * maximum
            return T(truncatingIfNeeded: (t + 12_582_912).bitPattern &- 0x4B40_0000)
        }
        samples.withUnsafeBufferPointer { src in
            let input = UncheckedSendableBox(src.baseAddress!)
            let out = UncheckedSendableBox(destination)
            parallelChunks(h, minimumPerChunk: 32) { rows in
                for y in rows {
                    let row = out.value + y * w * c
                    let i = input.value + y * w
                    switch c {
                    case 1:
                        for x in 0..<w { row[x] = quantise(i[x]) }
                    case 3:
                        let (i1, i2) = (i + plane, i + 2 * plane)
                        for x in 0..<w {
                            row[3 * x] = quantise(i[x])
                            row[3 * x + 1] = quantise(i1[x])
                            row[3 * x + 2] = quantise(i2[x])
                        }
                    default:
                        for x in 0..<w {
                            for ch in 0..<c { row[c * x + ch] = quantise(i[ch * plane + x]) }
                        }
                    }
                }
            }
        }
    }
}
