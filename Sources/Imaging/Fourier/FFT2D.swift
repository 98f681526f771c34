import CKissFFT

/// A 2-D discrete Fourier transform of complex single-precision data through KissFFT (mixed radix, any size;
/// lengths with large prime factors by Bluestein's algorithm, see `LineFFT`), with NumPy's conventions: forward
/// unscaled, inverse scaled by 1/(rows·columns).
///
/// The transform runs as 1-D KissFFT passes over contiguous rows, a cache-blocked transpose, passes over the
/// former columns and a transpose back: KissFFT's own n-D routine walks columns with a stride of a whole row,
/// which made it about twice as slow on the 552² transforms of Wiener ringing.
///
/// A plan is made once per size and direction and reused; it is not thread-safe to share one plan between
/// concurrent calls, so each call site owns its plans.
public final class FFT2D {
    /// Rows and columns of the transformed arrays.
    public let rows: Int
    public let columns: Int
    private let plans: [(rows: LineFFT, columns: LineFFT)]  // [forward, inverse]
    private var work: [kiss_fft_cpx]
    private var transposed: [kiss_fft_cpx]
    private var line: [kiss_fft_cpx]

    /// Plans for `rows × columns` arrays.
    /// - Throws: ``ImagingError/invalidParameter(_:)`` for non-positive sizes or when KissFFT cannot allocate.
    public init(rows: Int, columns: Int) throws {
        guard rows > 0, columns > 0, rows <= Int(Int32.max), columns <= Int(Int32.max),
              rows.multipliedReportingOverflow(by: columns).overflow == false
        else {
            throw ImagingError.invalidParameter("FFT size must be positive, got \(rows)×\(columns)")
        }
        plans = try [false, true].map { inverse in
            (rows: try LineFFT(length: columns, inverse: inverse), columns: try LineFFT(length: rows, inverse: inverse))
        }
        self.rows = rows
        self.columns = columns
        work = [kiss_fft_cpx](repeating: kiss_fft_cpx(), count: rows * columns)
        transposed = work
        line = [kiss_fft_cpx](repeating: kiss_fft_cpx(), count: max(rows, columns))
    }

    /// Forward transform of row-major complex data (`real`, `imaginary`, each `rows × columns`), in place.
    public func forward(real: inout [Float], imaginary: inout [Float]) {
        transform(plans[0], &real, &imaginary, scale: 1)
    }

    /// Inverse transform, scaled by 1/(rows·columns) like `numpy.fft.ifft2`, in place.
    public func inverse(real: inout [Float], imaginary: inout [Float]) {
        transform(plans[1], &real, &imaginary, scale: 1 / Float(rows * columns))
    }

    private func transform(_ plan: (rows: LineFFT, columns: LineFFT), _ real: inout [Float],
                           _ imaginary: inout [Float], scale: Float) {
        let n = rows * columns
        precondition(real.count == n && imaginary.count == n, "FFT2D: arrays must hold rows × columns values")
        let (rows, columns) = (self.rows, self.columns)
        work.withUnsafeMutableBufferPointer { work in
            transposed.withUnsafeMutableBufferPointer { other in
                line.withUnsafeMutableBufferPointer { line in
                    real.withUnsafeBufferPointer { re in
                        imaginary.withUnsafeBufferPointer { im in
                            for i in 0..<n { work[i] = kiss_fft_cpx(r: re[i], i: im[i]) }
                        }
                    }
                    Self.transformLines(plan.rows, work.baseAddress!, count: rows, length: columns, line.baseAddress!)
                    Self.transpose(work.baseAddress!, rows: rows, columns: columns, into: other.baseAddress!)
                    Self.transformLines(plan.columns, other.baseAddress!, count: columns, length: rows, line.baseAddress!)
                    Self.transpose(other.baseAddress!, rows: columns, columns: rows, into: work.baseAddress!)
                    real.withUnsafeMutableBufferPointer { re in
                        imaginary.withUnsafeMutableBufferPointer { im in
                            for i in 0..<n { re[i] = work[i].r * scale; im[i] = work[i].i * scale }
                        }
                    }
                }
            }
        }
    }

    /// 1-D transforms of `count` contiguous lines of `length` values, each through the scratch `line`.
    private static func transformLines(_ plan: LineFFT, _ data: UnsafeMutablePointer<kiss_fft_cpx>, count: Int,
                                       length: Int, _ line: UnsafeMutablePointer<kiss_fft_cpx>) {
        for k in 0..<count { plan.transform(data + k * length, scratch: line) }
    }

    /// `destination[c][r] = source[r][c]`, in 32 × 32 tiles so that both sides stay in cache.
    private static func transpose(_ source: UnsafePointer<kiss_fft_cpx>, rows: Int, columns: Int,
                                  into destination: UnsafeMutablePointer<kiss_fft_cpx>) {
        let tile = 32
        for r0 in stride(from: 0, to: rows, by: tile) {
            for c0 in stride(from: 0, to: columns, by: tile) {
                for r in r0..<min(r0 + tile, rows) {
                    for c in c0..<min(c0 + tile, columns) { destination[c * rows + r] = source[r * columns + c] }
                }
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
