import Parallelism
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
        // Every signal here is real, so two of them share one complex transform (x + i·y). The channels go in
        // pairs and the kernel fills the last slot: 3 channels and the kernel take two forward transforms instead
        // of four, and the kernel's spectrum H and its partner's are separated by Hermitian symmetry. The filter W
        // is Hermitian too (its spatial response is real), so filtering a pair filters both halves, and the two
        // inverse transforms give the three channels (a gray image pairs its channel with the kernel). One plan per
        // pair and task (KissFFT plans keep scratch space).
        //
        // Separating the two halves cancels in float32 relative to the larger spectrum: an image's (DC term up to
        // rows·columns) dwarfs the kernel's (at most 1), which cost H about three digits. Scaled by
        // √(rows·columns), the kernel meets the image halfway: the result matched SciPy's float64 recipe to 1e-6
        // again (1e-4 unscaled, 2e-5 scaled by rows·columns).
        let kernelScale = Float(ph * pw).squareRoot()
        let slots = channels + 1
        let pairs = (slots + 1) / 2
        let plans = try (0..<pairs).map { _ in try FFT2D(rows: ph, columns: pw) }
        var spectra = [([Float], [Float])](repeating: ([], []), count: pairs)
        spectra.withUnsafeMutableBufferPointer { spectra in
            let box = UncheckedSendableBox((plans, spectra.baseAddress!))
            parallelChunks(pairs, minimumPerChunk: 1) { range in
                for pair in range {
                    func signal(_ slot: Int) -> [Float] {
                        slot < channels ? paddedChannel(slot) : slot == channels ? shifted.map { $0 * kernelScale }
                            : [Float](repeating: 0, count: ph * pw)
                    }
                    var (real, imaginary) = (signal(2 * pair), signal(2 * pair + 1))
                    box.value.0[pair].forward(real: &real, imaginary: &imaginary)
                    box.value.1[pair] = (real, imaginary)
                }
            }
        }
        let kernelPair = channels / 2, kernelIsImaginary = channels % 2 == 1
        let (realHalf, imaginaryHalf) = Self.separate(spectra[kernelPair], rows: ph, columns: pw)
        let (fr, fi) = Self.wienerFilter(kernelIsImaginary ? imaginaryHalf : realHalf, k: k, scale: Double(kernelScale))
        if kernelIsImaginary {
            spectra[kernelPair] = realHalf
        } else {
            let zero = [Float](repeating: 0, count: ph * pw)
            spectra[kernelPair] = (zero, zero)
        }
        var deconvolved = [[Float]](repeating: [], count: 2 * pairs)
        deconvolved.withUnsafeMutableBufferPointer { results in
            let box = UncheckedSendableBox((plans, results.baseAddress!, spectra))
            parallelChunks(pairs, minimumPerChunk: 1) { range in
                for pair in range {
                    var (real, imaginary) = box.value.2[pair]
                    Self.multiply(&real, &imaginary, by: fr, fi)
                    box.value.0[pair].inverse(real: &real, imaginary: &imaginary)
                    box.value.1[2 * pair] = real
                    box.value.1[2 * pair + 1] = imaginary
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

    /// The spectra X and Y of two real signals from the transform Z of x + i·y: X[k] = (Z[k] + conj(Z[−k]))/2 and
    /// Y[k] = (Z[k] − conj(Z[−k]))/(2i), with −k taken modulo each axis.
    static func separate(_ z: ([Float], [Float]), rows: Int, columns: Int) -> (([Float], [Float]), ([Float], [Float])) {
        let (zr, zi) = z
        var (xr, xi, yr, yi) = (zr, zi, zr, zi)
        for u in 0..<rows {
            let mu = (rows - u) % rows
            for v in 0..<columns {
                let (i, j) = (u * columns + v, mu * columns + (columns - v) % columns)
                let (ar, ai, br, bi) = (zr[i], zi[i], zr[j], -zi[j])  // Z[k] and conj(Z[−k])
                xr[i] = (ar + br) / 2
                xi[i] = (ai + bi) / 2
                yr[i] = (ai - bi) / 2
                yi[i] = (br - ar) / 2
            }
        }
        return ((xr, xi), (yr, yi))
    }

    /// W = H* / (|H|² + K) from the kernel's spectrum H, given as `scale`·H (computed in double precision).
    static func wienerFilter(_ h: ([Float], [Float]), k: Double, scale: Double = 1) -> ([Float], [Float]) {
        var (fr, fi) = h
        for i in fr.indices {
            let (a, b) = (Double(fr[i]) / scale, Double(fi[i]) / scale)
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
