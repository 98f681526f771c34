import Parallelism
extension Image {
    /// Largest output accepted by the resize functions (1 gigapixel per channel plane).
    public static let maximumResizePixels = 1 << 30

    /// Resizes to `width × height` with `filter` (OpenCV `cv2.resize(img, (width, height))` semantics for the
    /// OpenCV filters, MATLAB `imresize(img, [height width])` for ``ResizeFilter/matlabBicubic``).
    ///
    /// Every channel, alpha included, is resampled the same way; values are not clamped (bicubic can overshoot).
    /// - Throws: ``ImagingError/invalidDimensions(width:height:channels:)`` for non-positive or absurd sizes.
    public func resized(width: Int, height: Int, filter: ResizeFilter) throws -> Image {
        try resized(width: width, height: height, filter: filter,
                    scaleX: Double(self.width) / Double(max(width, 1)),
                    scaleY: Double(self.height) / Double(max(height, 1)))
    }

    /// Resizes both sides by `scale` (> 0). The output size is OpenCV's `round(size · scale)` for the OpenCV filters
    /// and MATLAB's `ceil(size · scale)` for ``ResizeFilter/matlabBicubic``; as in both references, coordinates
    /// map with the given scale itself, not with the rounded size ratio.
    /// - Throws: ``ImagingError/invalidParameter(_:)`` for a non-positive scale, or invalid dimensions.
    public func resized(scale: Double, filter: ResizeFilter) throws -> Image {
        guard scale > 0, scale.isFinite else {
            throw ImagingError.invalidParameter("resize scale must be a positive finite number, got \(scale)")
        }
        func size(_ n: Int) -> Int {
            let exact = Double(n) * scale
            return filter == .matlabBicubic ? Int((exact - 1e-10).rounded(.up)) : Int(exact.rounded(.toNearestOrEven))
        }
        guard Double(width) * scale < Double(Self.maximumResizePixels), Double(height) * scale < Double(Self.maximumResizePixels) else {
            throw ImagingError.invalidDimensions(width: Int.max, height: Int.max, channels: channels)
        }
        return try resized(width: size(width), height: size(height), filter: filter, scaleX: 1 / scale, scaleY: 1 / scale)
    }

    /// Resizes as PyTorch's `F.interpolate(x, scale_factor: scale, mode: …)` does without `recompute_scale_factor`:
    /// the output size is ⌊size · scale⌋ and source coordinates map with 1/`scale` itself, not with the size ratio
    /// (the difference shifts the content by up to half a source pixel towards the far edges). The adaptive
    /// ``ResizeFilter/adaptiveAverage`` depends on the sizes only. Real-ESRGAN's first resize is made this way.
    /// - Throws: ``ImagingError/invalidParameter(_:)`` for a non-positive scale, ``ImagingError/invalidDimensions(width:height:channels:)``
    ///   when a side would be empty or absurdly large.
    public func interpolated(scaleFactor scale: Double, filter: ResizeFilter) throws -> Image {
        guard scale > 0, scale.isFinite else {
            throw ImagingError.invalidParameter("interpolation scale factor must be a positive finite number, got \(scale)")
        }
        let (outW, outH) = (Double(width) * scale, Double(height) * scale)
        guard outW >= 1, outH >= 1, outW < Double(Self.maximumResizePixels), outH < Double(Self.maximumResizePixels) else {
            throw ImagingError.invalidDimensions(width: Int(min(outW, Double(Int.max / 2))), height: Int(min(outH, Double(Int.max / 2))),
                                                 channels: channels)
        }
        return try resized(width: Int(outW), height: Int(outH), filter: filter, scaleX: 1 / scale, scaleY: 1 / scale)
    }

    /// The image shrunk by `scale` ∈ (0, 1] with the area filter and stored at 8 bits, as a multi-scale dataset
    /// written to disk (Real-ESRGAN's multi-scale DF2K); `scale` 1 returns the image unchanged.
    public func shrunk(by scale: Double) throws -> Image {
        scale == 1 ? self : try resized(scale: scale, filter: .area).quantisedTo8Bit
    }

    /// The separable resize, in horizontal strips: for each strip of output rows, the source rows it needs are
    /// resampled horizontally into a small buffer, then combined vertically — so the intermediate image never
    /// exists in full and stays in cache.
    func resized(width outW: Int, height outH: Int, filter: ResizeFilter, scaleX: Double, scaleY: Double) throws -> Image {
        guard outW > 0, outH > 0, outW.multipliedReportingOverflow(by: outH).overflow == false,
              outW * outH <= Self.maximumResizePixels
        else { throw ImagingError.invalidDimensions(width: outW, height: outH, channels: channels) }
        if outW == width && outH == height && scaleX == 1 && scaleY == 1 { return self }
        // OpenCV enlarges with INTER_AREA's bilinear variant on both axes unless both axes shrink.
        let areaUpscale = filter == .area && (scaleX < 1 || scaleY < 1)
        let horizontal = AxisWeights.make(filter: filter, inputSize: width, outputSize: outW, scale: scaleX, areaUpscale: areaUpscale)
        let vertical = AxisWeights.make(filter: filter, inputSize: height, outputSize: outH, scale: scaleY, areaUpscale: areaUpscale)
        return resampleSeparable(horizontal, vertical)
    }

    /// Output rows per strip: large enough to amortise the overlap between strips, small enough for the cache.
    private static let stripRows = 32

    private func resampleSeparable(_ horizontal: AxisWeights, _ vertical: AxisWeights) -> Image {
        let (w, h, c) = (width, height, channels)
        let (outW, outH) = (horizontal.outputSize, vertical.outputSize)
        let count = c * outH * outW
        var out = SampleStorage.uninitialized(count: count)
        let strips = (outH + Self.stripRows - 1) / Self.stripRows
        samples.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                let (s, d) = (UncheckedSendableBox(src.baseAddress!), UncheckedSendableBox(dst.baseAddress!))
                parallelChunks(c * strips, minimumPerChunk: 1) { jobs in
                    var buffer: [Float] = []
                    var lanes: [SIMD8<Float>] = []
                    for job in jobs {
                        let ch = job / strips, first = (job % strips) * Self.stripRows
                        let rows = first..<min(outH, first + Self.stripRows)
                        // Source rows this strip reads (weights of zero included: they are in range anyway).
                        let taps = vertical.taps
                        var low = h, high = -1
                        for y in rows {
                            for k in 0..<taps {
                                let i = Int(vertical.indices[y * taps + k])
                                low = min(low, i)
                                high = max(high, i)
                            }
                        }
                        let needed = high - low + 1
                        if buffer.count < needed * outW { buffer = [Float](repeating: 0, count: needed * outW) }
                        if lanes.count < w { lanes = [SIMD8<Float>](repeating: .zero, count: w) }
                        buffer.withUnsafeMutableBufferPointer { tmp in
                            let plane = s.value + ch * h * w
                            var r = 0
                            lanes.withUnsafeMutableBufferPointer { lanes in
                                while r + 8 <= needed {
                                    Self.resampleEightRows(plane + (low + r) * w, width: w, into: tmp.baseAddress! + r * outW,
                                                           horizontal, lanes: lanes.baseAddress!)
                                    r += 8
                                }
                            }
                            for r in r..<needed {
                                Self.resampleRow(plane + (low + r) * w, into: tmp.baseAddress! + r * outW, horizontal)
                            }
                            for y in rows {
                                Self.combineRows(y, vertical, rows: UnsafePointer(tmp.baseAddress!), firstRow: low,
                                                 width: outW, into: d.value + (ch * outH + y) * outW)
                            }
                        }
                    }
                }
            }
        }
        return Image(uncheckedWidth: outW, height: outH, channels: c, samples: out)
    }

    /// Eight consecutive rows through a horizontal table at once: the rows are interleaved into `lanes` (column x
    /// of all eight in one SIMD8), so every tap is one vector multiply-add instead of eight scalar gathers, then
    /// the sums are written back row by row.
    @inline(__always)
    private static func resampleEightRows(_ input: UnsafePointer<Float>, width w: Int, into output: UnsafeMutablePointer<Float>,
                                          _ table: AxisWeights, lanes: UnsafeMutablePointer<SIMD8<Float>>) {
        for x in 0..<w {
            lanes[x] = SIMD8(input[x], input[w + x], input[2 * w + x], input[3 * w + x],
                             input[4 * w + x], input[5 * w + x], input[6 * w + x], input[7 * w + x])
        }
        let (outW, taps) = (table.outputSize, table.taps)
        table.indices.withUnsafeBufferPointer { ix in
            table.weights.withUnsafeBufferPointer { wt in
                for x in 0..<outW {
                    let b = x * taps
                    var acc = wt[b] * lanes[Int(ix[b])]
                    for k in 1..<max(taps, 1) { acc += wt[b + k] * lanes[Int(ix[b + k])] }
                    for j in 0..<8 { output[j * outW + x] = acc[j] }
                }
            }
        }
    }

    /// One row through a horizontal table (a gather per tap; 1-, 2- and 4-tap tables unrolled).
    @inline(__always)
    private static func resampleRow(_ input: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>, _ table: AxisWeights) {
        table.indices.withUnsafeBufferPointer { ix in
            table.weights.withUnsafeBufferPointer { wt in
                let outW = table.outputSize
                switch table.taps {
                case 1:
                    for x in 0..<outW { output[x] = input[Int(ix[x])] * wt[x] }
                case 2:
                    for x in 0..<outW {
                        let b = 2 * x
                        output[x] = input[Int(ix[b])] * wt[b] + input[Int(ix[b + 1])] * wt[b + 1]
                    }
                case 4:
                    for x in 0..<outW {
                        let b = 4 * x
                        output[x] = input[Int(ix[b])] * wt[b] + input[Int(ix[b + 1])] * wt[b + 1]
                            + input[Int(ix[b + 2])] * wt[b + 2] + input[Int(ix[b + 3])] * wt[b + 3]
                    }
                default:
                    let taps = table.taps
                    for x in 0..<outW {
                        var acc: Float = 0
                        let b = x * taps
                        for k in 0..<taps { acc += input[Int(ix[b + k])] * wt[b + k] }
                        output[x] = acc
                    }
                }
            }
        }
    }

    /// Output row `y` as the weighted sum of horizontally resampled rows (`rows` starts at source row `firstRow`),
    /// four taps per sweep so that the output row is written once per four taps (vectorises along x).
    @inline(__always)
    private static func combineRows(_ y: Int, _ table: AxisWeights, rows: UnsafePointer<Float>, firstRow: Int,
                                    width: Int, into output: UnsafeMutablePointer<Float>) {
        let taps = table.taps
        func row(_ k: Int) -> (UnsafePointer<Float>, Float) {
            (rows + (Int(table.indices[y * taps + k]) - firstRow) * width, table.weights[y * taps + k])
        }
        var k = 0
        while k < taps {
            let n = min(4, taps - k)
            let (r0, w0) = row(k)
            let (r1, w1) = n > 1 ? row(k + 1) : (r0, 0)
            let (r2, w2) = n > 2 ? row(k + 2) : (r0, 0)
            let (r3, w3) = n > 3 ? row(k + 3) : (r0, 0)
            if k == 0 {
                for x in 0..<width { output[x] = w0 * r0[x] + w1 * r1[x] + w2 * r2[x] + w3 * r3[x] }
            } else {
                for x in 0..<width { output[x] += w0 * r0[x] + w1 * r1[x] + w2 * r2[x] + w3 * r3[x] }
            }
            k += n
        }
    }
}
