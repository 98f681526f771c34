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
        let filter = try transferFunction(kernel.normalised, rows: ph, columns: pw, fft: try FFT2D(rows: ph, columns: pw), k: k)
        var result = image
        let channels = image.colourChannels
        // One channel per task, each with its own FFT plan (KissFFT plans keep scratch space).
        let plans = UncheckedSendableBox(try (0..<channels).map { _ in try FFT2D(rows: ph, columns: pw) })
        result.samples.withUnsafeMutableBufferPointer { output in
            let out = UncheckedSendableBox(output.baseAddress!)
            parallelChunks(channels, minimumPerChunk: 1) { range in
                for c in range {
                    let fft = plans.value[c]
                    var real = [Float](repeating: 0, count: ph * pw), imaginary = [Float](repeating: 0, count: ph * pw)
                    let plane = c * image.planeSize
                    for y in 0..<ph {
                        let sy = BorderIndex.symmetric(y - padding, h)
                        for x in 0..<pw { real[y * pw + x] = image.samples[plane + sy * w + BorderIndex.symmetric(x - padding, w)] }
                    }
                    fft.forward(real: &real, imaginary: &imaginary)
                    for i in 0..<(ph * pw) {
                        let (a, b) = (real[i], imaginary[i])
                        let (fr, fi) = (filter.real[i], filter.imaginary[i])
                        real[i] = a * fr - b * fi
                        imaginary[i] = a * fi + b * fr
                    }
                    fft.inverse(real: &real, imaginary: &imaginary)
                    for y in 0..<h {
                        for x in 0..<w { out.value[plane + y * w + x] = real[(y + padding) * pw + x + padding] }
                    }
                }
            }
        }
        return result
    }

    /// W = H* / (|H|² + K), with H the FFT of the kernel padded as the official code pads it
    /// (`((n − k + 1)//2, (n − k)//2)` zeros before/after) and `ifftshift`ed.
    static func transferFunction(_ kernel: BlurKernel, rows: Int, columns: Int, fft: FFT2D, k: Double)
        throws -> (real: [Float], imaginary: [Float]) {
        let size = kernel.size
        let (top, left) = ((rows - size + 1) / 2, (columns - size + 1) / 2)
        var real = [Float](repeating: 0, count: rows * columns), imaginary = real
        for ky in 0..<size {
            for kx in 0..<size {
                // Position in the padded kernel, then numpy's ifftshift: index i moves to (i − n//2) mod n.
                let y = (top + ky - rows / 2 + rows) % rows
                let x = (left + kx - columns / 2 + columns) % columns
                real[y * columns + x] = Float(kernel[ky, kx])
            }
        }
        fft.forward(real: &real, imaginary: &imaginary)
        for i in real.indices {
            let (a, b) = (Double(real[i]), Double(imaginary[i]))
            let denominator = a * a + b * b + k
            real[i] = Float(a / denominator)
            imaginary[i] = Float(-b / denominator)
        }
        return (real, imaginary)
    }
}
