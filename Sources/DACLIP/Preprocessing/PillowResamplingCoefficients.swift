import Foundation

/// The filter taps of one axis of Pillow's resampling with its bicubic filter, in Pillow's 8-bit fixed point
/// (Pillow `src/libImaging/Resample.c`: `precompute_coeffs`, `normalize_coeffs_8bpc`, `bicubic_filter`).
///
/// For output sample i, the source window starts at `starts[i]` and holds `counts[i]` samples, weighted by
/// `weights[i·taps ..< i·taps + counts[i]]`:
/// - centre c = (i + 0.5)·s with s = input/output; the filter is stretched by max(s, 1) (antialiasing when shrinking,
///   plain interpolation when enlarging), so its support is 2·max(s, 1);
/// - window [⌊c − support + 0.5⌋, ⌊c + support + 0.5⌋) clipped to the image (C's truncating `int` casts, which floor
///   the non-negative values that matter);
/// - tap k weighs K((start + k − c + 0.5)/max(s, 1)) with Keys' cubic K of a = −0.5 on [0, 2), normalised to sum 1;
/// - each weight becomes round-half-away(w·2²²) (`PRECISION_BITS` = 32 − 8 − 2).
///
/// Every step is the same IEEE double operation, in the same order, as Pillow's C (which x86-64 builds compile
/// without fused multiply-adds), so the integer weights are Pillow's bit for bit.
struct PillowResamplingCoefficients: Equatable {
    /// Fractional bits of the fixed-point weights.
    static let precisionBits = 22

    /// Window starts, one per output sample.
    let starts: [Int]
    /// Window lengths, one per output sample.
    let counts: [Int]
    /// `taps` fixed-point weights per output sample (unused ones zero).
    let weights: [Int32]
    /// Weights stored per output sample: 2·⌈support⌉ + 1.
    let taps: Int

    /// Keys' cubic convolution kernel with a = −0.5, as Pillow's `bicubic_filter` evaluates it.
    static func bicubic(_ x: Double) -> Double {
        let a = -0.5
        let x = x < 0 ? -x : x
        if x < 1 { return ((a + 2.0) * x - (a + 3.0)) * x * x + 1 }
        if x < 2 { return (((x - 5) * x + 8) * x - 4) * a }
        return 0
    }

    /// The taps that resample `inputSize` samples to `outputSize` over the whole axis (Pillow's box (0, size)).
    init(inputSize: Int, outputSize: Int) {
        precondition(inputSize > 0 && outputSize > 0, "resampling needs positive sizes")
        let scale = Double(inputSize) / Double(outputSize)
        let filterScale = max(scale, 1)
        let support = 2.0 * filterScale
        let taps = Int(support.rounded(.up)) * 2 + 1
        var starts = [Int](repeating: 0, count: outputSize), counts = starts
        var weights = [Int32](repeating: 0, count: outputSize * taps)
        var window = [Double](repeating: 0, count: taps)
        let inverse = 1.0 / filterScale
        for i in 0..<outputSize {
            let centre = 0 + (Double(i) + 0.5) * scale
            let start = max(Int(centre - support + 0.5), 0)
            let count = min(Int(centre + support + 0.5), inputSize) - start
            var total = 0.0
            for k in 0..<count {
                window[k] = Self.bicubic((Double(k + start) - centre + 0.5) * inverse)
                total += window[k]
            }
            for k in 0..<count {
                let w = total != 0 ? window[k] / total : window[k]
                let fixed = w * Double(1 << Self.precisionBits)
                weights[i * taps + k] = Int32(w < 0 ? (-0.5 + fixed).rounded(.towardZero) : (0.5 + fixed).rounded(.towardZero))
            }
            starts[i] = start
            counts[i] = count
        }
        self.starts = starts
        self.counts = counts
        self.weights = weights
        self.taps = taps
    }
}
