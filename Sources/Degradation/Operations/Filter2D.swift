import Imaging

extension Image {
    /// Every channel correlated with `kernel`, exactly as OpenCV `cv2.filter2D(img, -1, kernel)`: anchor at the
    /// centre, correlation (not convolution), `BORDER_REFLECT_101` (…, 2, 1 | 0, 1, 2, …).
    ///
    /// Rank-one kernels (isotropic Gaussians, box) take a separable path of 2k instead of k² taps per sample.
    /// Values are not clamped.
    public func filtered(by kernel: BlurKernel) -> Image {
        if let (column, row) = kernel.separableFactors {
            return filteredSeparably(row: row.map(Float.init), column: column.map(Float.init))
        }
        return filteredDirectly(kernel)
    }

    /// Source indices of positions −half … n − 1 + half under `BORDER_REFLECT_101`.
    private static func reflect101Table(_ n: Int, _ half: Int) -> [Int] {
        (0..<(n + 2 * half)).map { BorderIndex.reflect101($0 - half, n) }
    }

    private func filteredSeparably(row: [Float], column: [Float]) -> Image {
        let (w, h, c, k) = (width, height, channels, row.count)
        let half = k / 2
        let (xIndex, yIndex) = (Self.reflect101Table(w, half), Self.reflect101Table(h, half))
        var horizontal = [Float](repeating: 0, count: samples.count)
        samples.withUnsafeBufferPointer { src in
            horizontal.withUnsafeMutableBufferPointer { dst in
                let (s, d) = (UncheckedSendableBox(src.baseAddress!), UncheckedSendableBox(dst.baseAddress!))
                parallelChunks(c * h, minimumPerChunk: 8) { rows in
                    var padded = [Float](repeating: 0, count: w + 2 * half)
                    for r in rows {
                        let input = s.value + r * w, output = d.value + r * w
                        for x in 0..<padded.count { padded[x] = input[xIndex[x]] }
                        for x in 0..<w {
                            var acc: Float = 0
                            for t in 0..<k { acc += row[t] * padded[x + t] }
                            output[x] = acc
                        }
                    }
                }
            }
        }
        var out = [Float](repeating: 0, count: samples.count)
        horizontal.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                let (s, d) = (UncheckedSendableBox(src.baseAddress!), UncheckedSendableBox(dst.baseAddress!))
                parallelChunks(c * h, minimumPerChunk: 8) { jobs in
                    for job in jobs {
                        let ch = job / h, y = job % h
                        let output = d.value + (ch * h + y) * w
                        let plane = s.value + ch * h * w
                        for x in 0..<w { output[x] = 0 }
                        for t in 0..<k {
                            let weight = column[t], input = plane + yIndex[y + t] * w
                            for x in 0..<w { output[x] += weight * input[x] }
                        }
                    }
                }
            }
        }
        var result = self
        result.samples = out
        return result
    }

    /// Direct correlation: each channel is padded once (reflect-101), then every block of 32 outputs keeps its
    /// sums in SIMD registers over all k² taps, so each tap costs one load and one multiply-add.
    private func filteredDirectly(_ kernel: BlurKernel) -> Image {
        let (w, h, c, k) = (width, height, channels, kernel.size)
        let half = k / 2
        let taps = kernel.weights.map(Float.init)
        let (pw, ph) = (w + 2 * half, h + 2 * half)
        let (xIndex, yIndex) = (Self.reflect101Table(w, half), Self.reflect101Table(h, half))
        var padded = [Float](repeating: 0, count: c * ph * pw)
        samples.withUnsafeBufferPointer { src in
            padded.withUnsafeMutableBufferPointer { dst in
                let (s, d) = (UncheckedSendableBox(src.baseAddress!), UncheckedSendableBox(dst.baseAddress!))
                parallelChunks(c * ph, minimumPerChunk: 16) { rows in
                    for job in rows {
                        let (ch, y) = (job / ph, job % ph)
                        let input = s.value + (ch * h + yIndex[y]) * w, output = d.value + (ch * ph + y) * pw
                        for x in 0..<pw { output[x] = input[xIndex[x]] }
                    }
                }
            }
        }
        var out = [Float](repeating: 0, count: samples.count)
        padded.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                let (s, d) = (UncheckedSendableBox(src.baseAddress!), UncheckedSendableBox(dst.baseAddress!))
                parallelChunks(c * h, minimumPerChunk: 4) { jobs in
                    for job in jobs {
                        let (ch, y) = (job / h, job % h)
                        let plane = s.value + ch * ph * pw
                        let output = d.value + (ch * h + y) * w
                        var x = 0
                        while x + 32 <= w {
                            var (a0, a1, a2, a3) = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>())
                            for ky in 0..<k {
                                let row = plane + (y + ky) * pw + x
                                for kx in 0..<k {
                                    let weight = taps[ky * k + kx]
                                    let p = UnsafeRawPointer(row + kx)
                                    a0 += weight * p.loadUnaligned(as: SIMD8<Float>.self)
                                    a1 += weight * p.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
                                    a2 += weight * p.loadUnaligned(fromByteOffset: 64, as: SIMD8<Float>.self)
                                    a3 += weight * p.loadUnaligned(fromByteOffset: 96, as: SIMD8<Float>.self)
                                }
                            }
                            UnsafeMutableRawPointer(output + x).storeBytes(of: a0, as: SIMD8<Float>.self)
                            UnsafeMutableRawPointer(output + x + 8).storeBytes(of: a1, as: SIMD8<Float>.self)
                            UnsafeMutableRawPointer(output + x + 16).storeBytes(of: a2, as: SIMD8<Float>.self)
                            UnsafeMutableRawPointer(output + x + 24).storeBytes(of: a3, as: SIMD8<Float>.self)
                            x += 32
                        }
                        while x < w {
                            var acc: Float = 0
                            for ky in 0..<k {
                                let row = plane + (y + ky) * pw + x
                                for kx in 0..<k { acc += taps[ky * k + kx] * row[kx] }
                            }
                            output[x] = acc
                            x += 1
                        }
                    }
                }
            }
        }
        var result = self
        result.samples = out
        return result
    }
}
