/// The seeded random source of every degradation: xoshiro256** (Blackman & Vigna 2018) seeded through SplitMix64.
///
/// Each image gets its own stream derived from `(seed, image name)` with a stable 64-bit FNV-1a hash of the name,
/// so a dataset degrades identically whatever the thread count or the order in which images are processed.
/// Swift's `Hasher` is deliberately not used: it is randomised per process.
public struct DegradationRandom: RandomNumberGenerator, Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64
    /// The second Box–Muller value, kept for the next `normal()` call.
    private var spareNormal: Double?

    /// A generator seeded with `seed` alone.
    public init(seed: UInt64) {
        var mixer = seed
        s0 = Self.splitMix(&mixer); s1 = Self.splitMix(&mixer); s2 = Self.splitMix(&mixer); s3 = Self.splitMix(&mixer)
        if s0 | s1 | s2 | s3 == 0 { s0 = 1 }  // the all-zero state is the one fixed point of xoshiro
    }

    /// The stream of one image: `seed` mixed with the FNV-1a hash of `name` (for example the file name).
    public init(seed: UInt64, name: String) {
        self.init(seed: seed ^ (Self.fnv1a(name) &* 0x9E37_79B9_7F4A_7C15))
    }

    /// The next 64 random bits (xoshiro256**).
    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// A uniform double in [0, 1) with 53 random bits.
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// A uniform double in [lower, upper) (NumPy `uniform(lower, upper)`).
    public mutating func uniform(_ lower: Double, _ upper: Double) -> Double { lower + (upper - lower) * unit() }

    /// A standard normal sample (Box–Muller, both values used).
    public mutating func normal() -> Double {
        if let spare = spareNormal { spareNormal = nil; return spare }
        var u = unit()
        while u <= Double.leastNonzeroMagnitude { u = unit() }
        let radius = (-2 * log(u)).squareRoot(), angle = 2 * Double.pi * unit()
        spareNormal = radius * sin(angle)
        return radius * cos(angle)
    }

    /// Two independent standard normal samples in single precision (Box–Muller on 24-bit uniforms), for bulk noise.
    public mutating func normalPair() -> (Float, Float) {
        let bits = next()
        let u1 = (Float(bits >> 40) + 0.5) * 0x1.0p-24  // in (0, 1): log is finite
        let u2 = Float((bits >> 16) & 0xFF_FFFF) * 0x1.0p-24
        let radius = (-2 * logf(u1)).squareRoot(), angle = 2 * Float.pi * u2
        return (radius * cosf(angle), radius * sinf(angle))
    }

    /// `true` with probability `p`.
    public mutating func bernoulli(_ p: Double) -> Bool { unit() < p }

    /// An index drawn with the given non-negative weights (Python `random.choices`), or `nil` if they sum to 0.
    public mutating func choice(weights: [Double]) -> Int? {
        let total = weights.reduce(0, +)
        guard total > 0 else { return nil }
        var target = unit() * total
        for (i, w) in weights.enumerated() {
            target -= w
            if target < 0 { return i }
        }
        return weights.lastIndex { $0 > 0 }
    }

    /// A uniform integer in `range` (unbiased).
    public mutating func integer(in range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }

    static func splitMix(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// 64-bit FNV-1a of the UTF-8 bytes of `text`.
    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return hash
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
