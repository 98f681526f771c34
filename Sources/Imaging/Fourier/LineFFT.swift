import CKissFFT

/// A 1-D discrete Fourier transform of one length, in place on `kiss_fft_cpx` lines (forward unscaled, inverse
/// unscaled; the caller scales), by KissFFT directly or by Bluestein's chirp-z algorithm.
///
/// KissFFT has fast butterflies for the factors 2, 3, 4 and 5 only; any other prime factor p goes through a
/// generic butterfly costing O(p) per value, so a prime length such as 509 or 617 costs 70–120 times its
/// neighbouring power of two. The degradation pipeline transforms images of whatever size a random resize left,
/// so such lengths are common. Bluestein (L. Bluestein, 1970) rewrites a DFT of any length n as a circular
/// convolution of a 5-smooth length m ≥ 2n − 1: with the chirp w_k = e^{∓πi·k²/n} and nk = (n² + k² − (k − n)²)/2,
/// X_k = w_k · Σ_j (x_j·w_j)·conj(w_{k−j}), two KissFFT transforms of length m per line (the chirp's own is
/// computed once per plan). KissFFT has no such path and Debian packages no permissively licensed FFT that has
/// one, hence this file.
final class LineFFT {
    /// The transformed length n.
    let length: Int
    private let direct: kiss_fft_cfg?
    private let chirpZ: ChirpZ?

    /// Which algorithm a plan uses: `automatic` picks the cheaper by ``estimatedCost(_:)``.
    enum Strategy { case automatic, direct, bluestein }

    /// A plan for `length` values; `inverse` selects the e^{+2πi·jk/n} kernel.
    /// - Throws: ``ImagingError/invalidParameter(_:)`` when KissFFT cannot allocate.
    init(length: Int, inverse: Bool, strategy: Strategy = .automatic) throws {
        self.length = length
        let useBluestein: Bool
        switch strategy {
        case .automatic: useBluestein = Self.estimatedCost(length) > ChirpZ.estimatedCost(length)
        case .direct: useBluestein = false
        case .bluestein: useBluestein = true
        }
        if useBluestein {
            chirpZ = try ChirpZ(length: length, inverse: inverse)
            direct = nil
        } else {
            guard let plan = kiss_fft_alloc(Int32(length), inverse ? 1 : 0, nil, nil) else {
                throw ImagingError.invalidParameter("cannot plan a length-\(length) FFT")
            }
            direct = plan
            chirpZ = nil
        }
    }

    deinit {
        if let direct { free(UnsafeMutableRawPointer(direct)) }
    }

    /// Whether this plan goes through Bluestein's algorithm.
    var usesBluestein: Bool { chirpZ != nil }

    /// Transforms `line` (``length`` values) in place; `scratch` holds at least ``length`` values.
    func transform(_ line: UnsafeMutablePointer<kiss_fft_cpx>, scratch: UnsafeMutablePointer<kiss_fft_cpx>) {
        if let direct {
            kiss_fft(direct, line, scratch)
            line.update(from: scratch, count: length)
        } else {
            chirpZ?.transform(line)
        }
    }

    /// KissFFT's work for length n in units of one radix-2 butterfly value: n per factor 2, 3 or 4 (a radix-4
    /// pass stands for two factors of 2), 1.5·n per factor 5 and about p·n per other prime factor p.
    static func estimatedCost(_ n: Int) -> Double {
        var (rest, cost) = (n, 0.0)
        while rest % 4 == 0 { rest /= 4; cost += 1.5 }
        for p in [2, 3] { while rest % p == 0 { rest /= p; cost += 1 } }
        while rest % 5 == 0 { rest /= 5; cost += 1.5 }
        var p = 7
        while rest > 1 {
            if p * p > rest { cost += Double(rest); break }
            while rest % p == 0 { rest /= p; cost += Double(p) }
            p += 2
        }
        return cost * Double(n)
    }

    /// The smallest 2^a·3^b·5^c ≥ `n`.
    static func smoothLength(atLeast n: Int) -> Int {
        var best = Int.max
        var p5 = 1
        while p5 < 2 * n {
            var p35 = p5
            while p35 < 2 * n {
                var candidate = p35
                while candidate < n { candidate *= 2 }
                best = min(best, candidate)
                p35 *= 3
            }
            p5 *= 5
        }
        return best
    }
}

/// Bluestein's algorithm for one length and direction: the chirp, the spectrum of its conjugate and KissFFT
/// plans of the convolution length.
private final class ChirpZ {
    let length: Int
    /// The 5-smooth convolution length, ≥ 2·length − 1.
    let padded: Int
    private let forward: kiss_fft_cfg
    private let backward: kiss_fft_cfg
    /// w_k = e^{∓πi·k²/n}, k < n.
    private var chirp: [kiss_fft_cpx]
    /// FFT_m of b_j = conj(w_|j|) placed circularly, divided by m (the inverse transform's missing scale).
    private var filter: [kiss_fft_cpx]
    private var buffer: [kiss_fft_cpx]
    private var spectrum: [kiss_fft_cpx]

    init(length n: Int, inverse: Bool) throws {
        length = n
        padded = LineFFT.smoothLength(atLeast: 2 * n - 1)
        guard padded <= Int(Int32.max), let f = kiss_fft_alloc(Int32(padded), 0, nil, nil) else {
            throw ImagingError.invalidParameter("cannot plan a length-\(n) FFT")
        }
        guard let i = kiss_fft_alloc(Int32(padded), 1, nil, nil) else {
            free(UnsafeMutableRawPointer(f))
            throw ImagingError.invalidParameter("cannot plan a length-\(n) FFT")
        }
        (forward, backward) = (f, i)
        // The angle's k² is reduced mod 2n in integers first, so large k lose no precision.
        let sign: Double = inverse ? 1 : -1
        let angles = (0..<n).map { k in sign * Double.pi * Double((k * k) % (2 * n)) / Double(n) }
        chirp = angles.map { kiss_fft_cpx(r: Float(cos($0)), i: Float(sin($0))) }
        var b = [kiss_fft_cpx](repeating: kiss_fft_cpx(), count: padded)
        let scale = 1 / Double(padded)
        for (k, angle) in angles.enumerated() {
            let value = kiss_fft_cpx(r: Float(cos(angle) * scale), i: Float(-sin(angle) * scale))
            b[k] = value
            if k > 0 { b[padded - k] = value }
        }
        filter = b
        buffer = b
        spectrum = b
        kiss_fft(forward, b, &filter)
    }

    deinit {
        free(UnsafeMutableRawPointer(forward))
        free(UnsafeMutableRawPointer(backward))
    }

    /// KissFFT's cost of the two length-m transforms per line plus the three pointwise products.
    static func estimatedCost(_ n: Int) -> Double {
        let m = LineFFT.smoothLength(atLeast: 2 * n - 1)
        return 2 * LineFFT.estimatedCost(m) + 4 * Double(m)
    }

    func transform(_ line: UnsafeMutablePointer<kiss_fft_cpx>) {
        let (n, m) = (length, padded)
        chirp.withUnsafeBufferPointer { w in
            buffer.withUnsafeMutableBufferPointer { a in
                for j in 0..<n { a[j] = Self.product(line[j], w[j]) }
                for j in n..<m { a[j] = kiss_fft_cpx() }
                spectrum.withUnsafeMutableBufferPointer { s in
                    kiss_fft(forward, a.baseAddress!, s.baseAddress!)
                    filter.withUnsafeBufferPointer { f in
                        for i in 0..<m { s[i] = Self.product(s[i], f[i]) }
                    }
                    kiss_fft(backward, s.baseAddress!, a.baseAddress!)
                }
                for k in 0..<n { line[k] = Self.product(a[k], w[k]) }
            }
        }
    }

    @inline(__always)
    private static func product(_ a: kiss_fft_cpx, _ b: kiss_fft_cpx) -> kiss_fft_cpx {
        kiss_fft_cpx(r: a.r * b.r - a.i * b.i, i: a.r * b.i + a.i * b.r)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
