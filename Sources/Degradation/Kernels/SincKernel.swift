/// The circular low-pass ("sinc") kernel of Real-ESRGAN (BasicSR `circular_lowpass_kernel`), which produces
/// ringing and overshoot: w(r) = ω·J₁(ω·r)/(2π·r) at distance r from the centre, ω²/(4π) at the centre,
/// normalised to sum 1, optionally zero-padded to `padTo`.
public enum SincKernel {
    /// A kernel of odd `size` with cut-off frequency `cutoff` radians (π is the Nyquist limit).
    /// - Throws: ``DegradationError/invalidKernel(_:)`` for an even size or a non-positive cut-off.
    public static func circularLowPass(cutoff: Double, size: Int, padTo: Int = 0) throws -> BlurKernel {
        guard size > 0, size % 2 == 1 else { throw DegradationError.invalidKernel("kernel size must be odd, got \(size)") }
        guard cutoff > 0 else { throw DegradationError.invalidKernel("cut-off must be positive, got \(cutoff)") }
        let centre = Double(size - 1) / 2
        var weights = [Double](repeating: 0, count: size * size)
        for y in 0..<size {
            for x in 0..<size {
                let r = ((Double(x) - centre) * (Double(x) - centre) + (Double(y) - centre) * (Double(y) - centre)).squareRoot()
                weights[y * size + x] = r == 0 ? cutoff * cutoff / (4 * Double.pi) : cutoff * j1(cutoff * r) / (2 * Double.pi * r)
            }
        }
        let kernel = BlurKernel(uncheckedSize: size, weights: weights).normalised
        return padTo > size ? try kernel.padded(to: padTo) : kernel
    }

    /// Real-ESRGAN's cut-off range for a kernel size: ω ∈ [π/3, π] below 13 taps, [π/5, π] from 13 on.
    public static func cutoffRange(forSize size: Int) -> ClosedRange<Double> {
        size < 13 ? Double.pi / 3 ... Double.pi : Double.pi / 5 ... Double.pi
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
