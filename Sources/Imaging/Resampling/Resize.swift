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

    /// The separable resize: rows first (source height × output width), then columns.
    func resized(width outW: Int, height outH: Int, filter: ResizeFilter, scaleX: Double, scaleY: Double) throws -> Image {
        guard outW > 0, outH > 0, outW.multipliedReportingOverflow(by: outH).overflow == false,
              outW * outH <= Self.maximumResizePixels
        else { throw ImagingError.invalidDimensions(width: outW, height: outH, channels: channels) }
        if outW == width && outH == height && scaleX == 1 && scaleY == 1 { return self }
        // OpenCV enlarges with INTER_AREA's bilinear variant on both axes unless both axes shrink.
        let areaUpscale = filter == .area && (scaleX < 1 || scaleY < 1)
        let horizontal = AxisWeights.make(filter: filter, inputSize: width, outputSize: outW, scale: scaleX, areaUpscale: areaUpscale)
        let vertical = AxisWeights.make(filter: filter, inputSize: height, outputSize: outH, scale: scaleY, areaUpscale: areaUpscale)
        let rows = resampleRows(horizontal)
        return rows.resampleColumns(vertical)
    }

    /// Horizontal pass: every row of every channel through `table` (a gather per tap; 2- and 4-tap tables unrolled).
    private func resampleRows(_ table: AxisWeights) -> Image {
        let (w, h, c, outW, taps) = (width, height, channels, table.outputSize, table.taps)
        let count = c * h * outW
        var out = [Float](unsafeUninitializedCapacity: count) { _, n in n = count }
        samples.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                table.indices.withUnsafeBufferPointer { idx in
                    table.weights.withUnsafeBufferPointer { wts in
                        let (s, d, ix, wt) = (UncheckedSendableBox(src.baseAddress!), UncheckedSendableBox(dst.baseAddress!),
                                              UncheckedSendableBox(idx.baseAddress!), UncheckedSendableBox(wts.baseAddress!))
                        parallelChunks(c * h, minimumPerChunk: 8) { range in
                            let (ix, wt) = (ix.value, wt.value)
                            for row in range {
                                let input = s.value + row * w
                                let output = d.value + row * outW
                                switch taps {
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
                }
            }
        }
        return Image(uncheckedWidth: outW, height: h, channels: c, samples: out)
    }

    /// Vertical pass: each output row is a weighted sum of whole source rows, up to four rows per sweep so that
    /// the output row is written once per four taps (vectorises along x).
    private func resampleColumns(_ table: AxisWeights) -> Image {
        let (w, h, c, outH, taps) = (width, height, channels, table.outputSize, table.taps)
        let count = c * outH * w
        var out = [Float](unsafeUninitializedCapacity: count) { _, n in n = count }
        samples.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                let (s, d) = (UncheckedSendableBox(src.baseAddress!), UncheckedSendableBox(dst.baseAddress!))
                let (ix, wt) = (table.indices, table.weights)
                parallelChunks(c * outH, minimumPerChunk: 8) { range in
                    for job in range {
                        let ch = job / outH, y = job % outH
                        let output = d.value + (ch * outH + y) * w
                        let plane = s.value + ch * h * w
                        func row(_ k: Int) -> (UnsafePointer<Float>, Float) {
                            (UnsafePointer(plane + Int(ix[y * taps + k]) * w), wt[y * taps + k])
                        }
                        var k = 0
                        var first = true
                        while k < taps {
                            let n = min(4, taps - k)
                            let (r0, w0) = row(k)
                            let (r1, w1) = n > 1 ? row(k + 1) : (r0, 0)
                            let (r2, w2) = n > 2 ? row(k + 2) : (r0, 0)
                            let (r3, w3) = n > 3 ? row(k + 3) : (r0, 0)
                            if first {
                                for x in 0..<w { output[x] = w0 * r0[x] + w1 * r1[x] + w2 * r2[x] + w3 * r3[x] }
                                first = false
                            } else {
                                for x in 0..<w { output[x] += w0 * r0[x] + w1 * r1[x] + w2 * r2[x] + w3 * r3[x] }
                            }
                            k += n
                        }
                    }
                }
            }
        }
        return Image(uncheckedWidth: w, height: outH, channels: c, samples: out)
    }
}
