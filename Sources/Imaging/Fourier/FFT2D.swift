import CKissFFT

/// A 2-D discrete Fourier transform of complex single-precision data through KissFFT (mixed radix, any size),
/// with NumPy's conventions: forward unscaled, inverse scaled by 1/(rows·columns).
///
/// A plan is made once per size and direction and reused; it is not thread-safe to share one plan between
/// concurrent calls, so each call site owns its plans.
public final class FFT2D {
    /// Rows and columns of the transformed arrays.
    public let rows: Int
    public let columns: Int
    private let forwardPlan: kiss_fftnd_cfg
    private let inversePlan: kiss_fftnd_cfg

    /// Plans for `rows × columns` arrays.
    /// - Throws: ``ImagingError/invalidParameter(_:)`` for non-positive sizes or when KissFFT cannot allocate.
    public init(rows: Int, columns: Int) throws {
        guard rows > 0, columns > 0, rows <= Int(Int32.max), columns <= Int(Int32.max) else {
            throw ImagingError.invalidParameter("FFT size must be positive, got \(rows)×\(columns)")
        }
        var dims: [Int32] = [Int32(rows), Int32(columns)]
        guard let forward = kiss_fftnd_alloc(&dims, 2, 0, nil, nil) else {
            throw ImagingError.invalidParameter("cannot plan a \(rows)×\(columns) FFT")
        }
        guard let inverse = kiss_fftnd_alloc(&dims, 2, 1, nil, nil) else {
            free(UnsafeMutableRawPointer(forward))
            throw ImagingError.invalidParameter("cannot plan a \(rows)×\(columns) FFT")
        }
        self.rows = rows
        self.columns = columns
        forwardPlan = forward
        inversePlan = inverse
    }

    deinit {
        free(UnsafeMutableRawPointer(forwardPlan))
        free(UnsafeMutableRawPointer(inversePlan))
    }

    /// Forward transform of row-major complex data (`real`, `imaginary`, each `rows × columns`), in place.
    public func forward(real: inout [Float], imaginary: inout [Float]) {
        transform(forwardPlan, &real, &imaginary, scale: 1)
    }

    /// Inverse transform, scaled by 1/(rows·columns) like `numpy.fft.ifft2`, in place.
    public func inverse(real: inout [Float], imaginary: inout [Float]) {
        transform(inversePlan, &real, &imaginary, scale: 1 / Float(rows * columns))
    }

    private func transform(_ plan: kiss_fftnd_cfg, _ real: inout [Float], _ imaginary: inout [Float], scale: Float) {
        let n = rows * columns
        precondition(real.count == n && imaginary.count == n, "FFT2D: arrays must hold rows × columns values")
        var input = [kiss_fft_cpx](repeating: kiss_fft_cpx(), count: n)
        for i in 0..<n { input[i] = kiss_fft_cpx(r: real[i], i: imaginary[i]) }
        var output = [kiss_fft_cpx](repeating: kiss_fft_cpx(), count: n)
        kiss_fftnd(plan, input, &output)
        for i in 0..<n {
            real[i] = output[i].r * scale
            imaginary[i] = output[i].i * scale
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
