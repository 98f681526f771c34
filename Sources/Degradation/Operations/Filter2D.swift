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

    private func filteredDirectly(_ kernel: BlurKernel) -> Image {
        let (w, h, c, k) = (width, height, channels, kernel.size)
        let half = k / 2
        let taps = kernel.weights.map(Float.init)
        let (xIndex, yIndex) = (Self.reflect101Table(w, half), Self.reflect101Table(h, half))
        var out = [Float](repeating: 0, count: samples.count)
        samples.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                let (s, d) = (UncheckedSendableBox(src.baseAddress!), UncheckedSendableBox(dst.baseAddress!))
                parallelChunks(c * h, minimumPerChunk: 4) { jobs in
                    var padded = [Float](repeating: 0, count: w + 2 * half)
                    for job in jobs {
                        let ch = job / h, y = job % h
                        let output = d.value + (ch * h + y) * w
                        let plane = s.value + ch * h * w
                        for x in 0..<w { output[x] = 0 }
                        padded.withUnsafeMutableBufferPointer { row in
                            let p = row.baseAddress!
                            for ky in 0..<k {
                                let input = plane + yIndex[y + ky] * w
                                for x in 0..<row.count { p[x] = input[xIndex[x]] }
                                for kx in 0..<k {
                                    let weight = taps[ky * k + kx]
                                    if weight == 0 { continue }
                                    let shifted = p + kx
                                    for x in 0..<w { output[x] += weight * shifted[x] }
                                }
                            }
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
