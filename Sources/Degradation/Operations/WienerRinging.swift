import Imaging

/// Wiener deconvolution of a blurred image with its own blur kernel, which leaves the natural ringing that
/// DACLIP-IR's `random_degrade` adds ("ringing artifact"; official `wiener_filter`):
/// pad every channel by `padding` pixels (symmetric), H = FFT of the kernel zero-padded to that size and centred
/// at the origin, W = H* / (|H|² + K), result = Re(IFFT(FFT(channel) · W)) cropped back.
public enum WienerRinging {
    /// The deconvolved image (colour channels; alpha is copied unchanged).
    /// - Parameters:
    ///   - k: the noise-to-signal constant K (official 0.006).
    ///   - padding: symmetric padding per side before the FFT (official 20).
    /// - Throws: ``DegradationError/invalidParameter(_:)`` for a negative K or padding.
    public static func deconvolve(_ image: Image, kernel: BlurKernel, k: Double = 0.006, padding: Int = 20) throws -> Image {
        guard k >= 0, padding >= 0 else {
            throw DegradationError.invalidParameter("Wiener K and padding must be non-negative, got \(k), \(padding)")
        }
        let (w, h) = (image.width, image.height)
        let (pw, ph) = (w + 2 * padding, h + 2 * padding)
        guard kernel.size <= min(pw, ph) else {
            throw DegradationError.invalidParameter("a \(kernel.size)-tap kernel is larger than the padded \(pw)×\(ph) image")
        }
        let channels = image.colourChannels
        let shifted = Self.centredKernel(kernel.normalised, rows: ph, columns: pw)
        func paddedChannel(_ c: Int) -> [Float] {
            var out = [Float](repeating: 0, count: ph * pw)
            let plane = c * image.planeSize
            for y in 0..<ph {
                let sy = BorderIndex.symmetric(y - padding, h)
                for x in 0..<pw { out[y * pw + x] = image.samples[plane + sy * w + BorderIndex.symmetric(x - padding, w)] }
            }
            return out
        }
        // The kernel is real, so filtering commutes with packing two channels into one complex signal
        // (x + i·y ↦ x′ + i·y′): channels go in pairs, halving the transforms, one pair per task and plan
        // (KissFFT plans keep scratch space).
        let pairs = (channels + 1) / 2
        let plans = try (0...pairs).map { _ in try FFT2D(rows: ph, columns: pw) }
        var hr = shifted, hi = [Float](repeating: 0, count: ph * pw)
        plans[pairs].forward(real: &hr, imaginary: &hi)
        let (fr, fi) = Self.wienerFilter((hr, hi), k: k)
        var deconvolved = [[Float]](repeating: [], count: 2 * pairs)
        deconvolved.withUnsafeMutableBufferPointer { results in
            let box = UncheckedSendableBox((plans, results.baseAddress!))
            parallelChunks(pairs, minimumPerChunk: 1) { range in
                for pair in range {
                    let (first, second) = (2 * pair, 2 * pair + 1)
                    var real = paddedChannel(first)
                    var imaginary = second < channels ? paddedChannel(second) : [Float](repeating: 0, count: ph * pw)
                    box.value.0[pair].forward(real: &real, imaginary: &imaginary)
                    Self.multiply(&real, &imaginary, by: fr, fi)
                    box.value.0[pair].inverse(real: &real, imaginary: &imaginary)
                    box.value.1[first] = real
                    box.value.1[second] = imaginary
                }
            }
        }
        var result = image
        for c in 0..<channels {
            for y in 0..<h {
                for x in 0..<w { result.samples[c * image.planeSize + y * w + x] = deconvolved[c][(y + padding) * pw + x + padding] }
            }
        }
        return result
    }

    /// W = H* / (|H|² + K) from the kernel's spectrum H (computed in double precision).
    static func wienerFilter(_ h: ([Float], [Float]), k: Double) -> ([Float], [Float]) {
        var (fr, fi) = h
        for i in fr.indices {
            let (a, b) = (Double(fr[i]), Double(fi[i]))
            let d = a * a + b * b + k
            fr[i] = Float(a / d)
            fi[i] = Float(-b / d)
        }
        return (fr, fi)
    }

    /// Complex multiplication in place: (real + i·imaginary) · (fr + i·fi).
    static func multiply(_ real: inout [Float], _ imaginary: inout [Float], by fr: [Float], _ fi: [Float]) {
        for i in real.indices {
            let (a, b) = (real[i], imaginary[i])
            real[i] = a * fr[i] - b * fi[i]
            imaginary[i] = a * fi[i] + b * fr[i]
        }
    }

    /// The kernel zero-padded to `rows × columns` as the official code pads it (`((n − k + 1)//2, (n − k)//2)` zeros
    /// before/after) and `ifftshift`ed, so that its centre sits at the origin.
    static func centredKernel(_ kernel: BlurKernel, rows: Int, columns: Int) -> [Float] {
        let size = kernel.size
        let (top, left) = ((rows - size + 1) / 2, (columns - size + 1) / 2)
        var out = [Float](repeating: 0, count: rows * columns)
        for ky in 0..<size {
            for kx in 0..<size {
                // Position in the padded kernel, then numpy's ifftshift: index i moves to (i − n//2) mod n.
                let y = (top + ky - rows / 2 + rows) % rows
                let x = (left + kx - columns / 2 + columns) % columns
                out[y * columns + x] = Float(kernel[ky, kx])
            }
        }
        return out
    }
}
