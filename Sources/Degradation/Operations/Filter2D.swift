import Parallelism
import AVX2Kernels
import Imaging

/// Whether correlations run the AVX2 + FMA kernel (asked once of the CPU).
let avx2Available = wir_avx2_available() == 1

extension Image {
    /// Every channel correlated with `kernel`, exactly as OpenCV `cv2.filter2D(img, -1, kernel)`: anchor at the
    /// centre, correlation (not convolution), `BORDER_REFLECT_101` (…, 2, 1 | 0, 1, 2, …).
    ///
    /// Rank-one kernels (isotropic Gaussians, box) take a separable path of 2k instead of k² taps per sample: a
    /// 1 × k pass over rows, then a k × 1 pass over columns, each with its own reflect-101 border (the same
    /// result, since a row filter commutes with reflecting rows). On CPUs with AVX2 and FMA the passes run
    /// through `AVX2Kernels`. Values are not clamped.
    public func filtered(by kernel: BlurKernel) -> Image {
        filtered(by: kernel, vectorised: avx2Available)
    }

    /// `filtered(by:)` with the AVX2 kernel chosen by the caller (tests compare both paths).
    func filtered(by kernel: BlurKernel, vectorised: Bool) -> Image {
        let fast = vectorised && avx2Available
        if let (column, row) = kernel.separableFactors {
            return correlated(taps: row.map(Float.init), rows: 1, columns: kernel.size, vectorised: fast)
                .correlated(taps: column.map(Float.init), rows: kernel.size, columns: 1, vectorised: fast)
        }
        return correlated(taps: kernel.weights.map(Float.init), rows: kernel.size, columns: kernel.size, vectorised: fast)
    }

    /// Source indices of positions −half … n − 1 + half under `BORDER_REFLECT_101`.
    private static func reflect101Table(_ n: Int, _ half: Int) -> [Int] {
        (0..<(n + 2 * half)).map { BorderIndex.reflect101($0 - half, n) }
    }

    /// Correlation of every channel with a `kh × kw` kernel (odd sizes, row-major `taps`), centred, reflect-101.
    ///
    /// Each channel is padded once, then every block of 32 outputs keeps its sums in SIMD registers over all
    /// taps, so each tap costs one load and one multiply-add (the AVX2 kernel also shares each load between two
    /// output rows).
    private func correlated(taps: [Float], rows kh: Int, columns kw: Int, vectorised: Bool) -> Image {
        let (w, h, c) = (width, height, channels)
        let (pw, ph) = (w + kw - 1, h + kh - 1)
        let (xIndex, yIndex) = (Self.reflect101Table(w, kw / 2), Self.reflect101Table(h, kh / 2))
        var padded = SampleStorage.uninitialized(count: c * ph * pw)
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
        var out = SampleStorage.uninitialized(count: samples.count)
        padded.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                let (s, d) = (UncheckedSendableBox(src.baseAddress!), UncheckedSendableBox(dst.baseAddress!))
                parallelChunks(c * h, minimumPerChunk: 4) { jobs in
                    // Runs of rows within one channel.
                    var job = jobs.lowerBound
                    while job < jobs.upperBound {
                        let (ch, y) = (job / h, job % h)
                        let end = min(jobs.upperBound, (ch + 1) * h)
                        let (plane, output) = (s.value + ch * ph * pw, d.value + ch * h * w)
                        if vectorised {
                            wir_avx2_correlate(plane, pw, taps, Int32(kh), Int32(kw), output, w, y, y + end - job)
                        } else {
                            Self.correlateRows(plane, pw, taps, kh, kw, output, w, y..<(y + end - job))
                        }
                        job = end
                    }
                }
            }
        }
        var result = self
        result.samples = out
        return result
    }

    /// The portable correlation of output rows `rows` of one padded plane (SIMD8, SSE2 on x86-64, NEON on arm64).
    private static func correlateRows(_ plane: UnsafePointer<Float>, _ pw: Int, _ taps: [Float], _ kh: Int, _ kw: Int,
                                      _ output: UnsafeMutablePointer<Float>, _ w: Int, _ rows: Range<Int>) {
        for y in rows {
            let out = output + y * w
            var x = 0
            while x + 32 <= w {
                var (a0, a1, a2, a3) = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>())
                for ky in 0..<kh {
                    let row = plane + (y + ky) * pw + x
                    for kx in 0..<kw {
                        let weight = taps[ky * kw + kx]
                        let p = UnsafeRawPointer(row + kx)
                        a0 += weight * p.loadUnaligned(as: SIMD8<Float>.self)
                        a1 += weight * p.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
                        a2 += weight * p.loadUnaligned(fromByteOffset: 64, as: SIMD8<Float>.self)
                        a3 += weight * p.loadUnaligned(fromByteOffset: 96, as: SIMD8<Float>.self)
                    }
                }
                UnsafeMutableRawPointer(out + x).storeBytes(of: a0, as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(out + x + 8).storeBytes(of: a1, as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(out + x + 16).storeBytes(of: a2, as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(out + x + 24).storeBytes(of: a3, as: SIMD8<Float>.self)
                x += 32
            }
            while x < w {
                var acc: Float = 0
                for ky in 0..<kh {
                    let row = plane + (y + ky) * pw + x
                    for kx in 0..<kw { acc += taps[ky * kw + kx] * row[kx] }
                }
                out[x] = acc
                x += 1
            }
        }
    }
}
