import Parallelism
import Imaging

/// Additive noise as Real-ESRGAN and DACLIP-IR add it (BasicSR `add_gaussian_noise` / `add_poisson_noise`).
public enum Noise {
    /// What happens to the noisy result: BasicSR's `clip` and `rounds` flags.
    public struct Finish: Sendable, Equatable {
        public var clip: Bool
        public var round: Bool
        /// Clip to [0, 1] and/or round to the 8-bit grid (`round(v·255)/255`).
        public init(clip: Bool = true, round: Bool = false) {
            self.clip = clip
            self.round = round
        }
    }

    /// Gaussian noise of standard deviation `sigma` on the 0…255 scale: independent per sample, or one value per
    /// pixel shared by the colour channels when `gray`.
    public static func gaussian(_ image: Image, sigma: Double, gray: Bool, finish: Finish = Finish(),
                                random: inout DegradationRandom) -> Image {
        let n = image.planeSize, channels = image.colourChannels
        let draws = gray ? n : channels * n
        var values = [Float](repeating: 0, count: draws)
        let scale = Float(sigma / 255)
        values.withUnsafeMutableBufferPointer { buffer in
            let out = UncheckedSendableBox(buffer.baseAddress!)
            inChunks(draws, random: &random) { range, stream in
                var i = range.lowerBound
                while i < range.upperBound {
                    let (z0, z1) = stream.normalPair()
                    out.value[i] = z0 * scale
                    if i + 1 < range.upperBound { out.value[i + 1] = z1 * scale }
                    i += 2
                }
            }
        }
        return adding(values, to: image, finish: finish)
    }

    /// Samples per independent random stream in the parallel noise loops. Fixed, so that results do not depend
    /// on the number of threads: chunk k always uses the k-th seed drawn from the caller's stream.
    static let chunkSize = 1 << 16

    /// Splits `0..<count` into fixed chunks, draws one seed per chunk from `random` (in order), and runs `body`
    /// on the chunks in parallel, each with its own stream.
    static func inChunks(_ count: Int, random: inout DegradationRandom,
                         _ body: (Range<Int>, inout DegradationRandom) -> Void) {
        let chunks = (count + chunkSize - 1) / chunkSize
        let seeds = (0..<chunks).map { _ in random.next() }
        parallelChunks(chunks, minimumPerChunk: 1) { range in
            for k in range {
                var stream = DegradationRandom(seed: seeds[k])
                body(k * chunkSize..<min(count, (k + 1) * chunkSize), &stream)
            }
        }
    }

    /// Poisson (shot) noise: the image is put on the 8-bit grid, its number of distinct values v is rounded up
    /// to a power of two, and each sample becomes Poisson(x·v)/v; the difference, times `scale`, is the noise.
    /// With `gray`, the noise is drawn once on the luma (0.299 R + 0.587 G + 0.114 B, OpenCV's gray) and shared.
    public static func poisson(_ image: Image, scale: Double, gray: Bool, finish: Finish = Finish(),
                               random: inout DegradationRandom) -> Image {
        let n = image.planeSize, channels = image.colourChannels
        let luma = gray && channels == 3
        let count = luma ? n : channels * n
        // Each sample's 8-bit level (clamped, ties to even; NaN counts as 0) and which levels occur: on the 8-bit
        // grid there are at most 256 distinct values, and one sampler per level is set up once, not per sample.
        var level = [UInt8](repeating: 0, count: count)
        var present = [Bool](repeating: false, count: 256)
        image.samples.withUnsafeBufferPointer { s in
            level.withUnsafeMutableBufferPointer { level in
                for i in 0..<count {
                    let v = luma ? 0.299 * s[i] + 0.587 * s[n + i] + 0.114 * s[2 * n + i] : s[i]
                    level[i] = UInt8(Image.level(v, maximum: 255))
                }
            }
        }
        for l in level { present[Int(l)] = true }
        let distinct = present.reduce(0) { $0 + ($1 ? 1 : 0) }
        let levels = pow(2, (log2(Double(max(distinct, 1)))).rounded(.up))
        let tables = PoissonTables(means: (0..<256).map { present[$0] ? Double(Float($0) / 255) * levels : nil })
        var values = [Float](repeating: 0, count: count)
        values.withUnsafeMutableBufferPointer { buffer in
            level.withUnsafeBufferPointer { level in
                tables.withSampler { sampler in
                    let (out, levelOf) = (UncheckedSendableBox(buffer.baseAddress!), UncheckedSendableBox(level.baseAddress!))
                    inChunks(count, random: &random) { range, stream in
                        for i in range {
                            let l = Int(levelOf.value[i])
                            let drawn = Double(sampler.draw(l, &stream)) / levels
                            out.value[i] = Float((drawn - Double(Float(l) / 255)) * scale)
                        }
                    }
                }
            }
        }
        return adding(values, to: image, finish: finish)
    }

    /// `image + noise` on the colour channels, then the finish — BasicSR's `img + noise`, `np.clip`,
    /// `(out·255).round()/255`. The noise is planar on the [0, 1] scale: `colourChannels × height × width`, or one
    /// plane (`height × width`) that every colour channel shares.
    public static func adding(_ noise: [Float], to image: Image, finish: Finish) -> Image {
        var out = image
        let shared = noise.count == image.planeSize && image.colourChannels > 1
        out.samples.withUnsafeMutableBufferPointer { samples in
            noise.withUnsafeBufferPointer { noise in
                for c in 0..<(shared ? image.colourChannels : 1) {
                    let plane = samples.baseAddress! + c * noise.count
                    for i in noise.indices {
                        var v = plane[i] + noise[i]
                        if finish.round { v = (v * 255).rounded(.toNearestOrEven) / 255 }
                        if finish.clip { v = min(max(v, 0), 1) }
                        plane[i] = v
                    }
                }
            }
        }
        return out
    }

    /// A Poisson variate of mean `lambda` (see ``PoissonTables``).
    static func poissonSample(_ lambda: Double, _ random: inout DegradationRandom) -> Int {
        PoissonTables(means: [lambda]).withSampler { $0.draw(0, &random) }
    }
}

/// Poisson variates of a few fixed means by inversion: each mean's cumulative distribution is tabulated once
/// (pₖ = pₖ₋₁·λ/k from the mode outwards, up to where the tails are below 2⁻⁵³) and a variate is the smallest k with
/// u < F(k), found from a guide table (Chen & Asau, 1974) so that a search takes a step or two. One uniform per
/// variate and no logarithms: the Poisson noise sees at most 256 distinct means per image (one per 8-bit level),
/// so the tables pay for themselves many times over, where a per-sample method (NumPy's PTRS) costs logarithms
/// and rejections. All tables share two flat arrays, so that the hot loop reads them through raw pointers.
struct PoissonTables {
    /// F(k) = P(X ≤ k) of every mean, one after the other; each table ends with 1.
    private var cumulative: [Double] = []
    /// guide[j] (relative to its table) = the smallest k with F(k) > j / (table length).
    private var guide: [Int32] = []
    /// Where each mean's tables start, and their length; length 0 for a mean that was not asked for (nil).
    private var starts: [Int] = []
    private var lengths: [Int] = []

    /// Tables for each mean (≥ 0, at most a few thousand as the noise's are); nil entries get none.
    init(means: [Double?]) {
        for mean in means {
            starts.append(cumulative.count)
            guard let lambda = mean else { lengths.append(0); continue }
            let table = Self.distribution(lambda)
            lengths.append(table.count)
            var k = 0
            for j in table.indices {
                let u = Double(j) / Double(table.count)
                while table[k] <= u { k += 1 }
                guide.append(Int32(k))
            }
            cumulative += table
        }
    }

    /// F(0) … F(K) for mean λ, normalised over the tabulated range, the last value exactly 1.
    private static func distribution(_ lambda: Double) -> [Double] {
        guard lambda > 0 else { return [1] }
        // From the mode both ways, so that no pₖ underflows for large λ.
        let mode = Int(lambda.rounded(.down))
        let width = Int(12 * lambda.squareRoot()) + 30
        let (low, high) = (max(0, mode - width), mode + width)
        var pmf = [Double](repeating: 0, count: high + 1)
        pmf[mode] = 1
        if mode > low { for k in stride(from: mode - 1, through: low, by: -1) { pmf[k] = pmf[k + 1] * Double(k + 1) / lambda } }
        for k in (mode + 1)...high { pmf[k] = pmf[k - 1] * lambda / Double(k) }
        let total = pmf.reduce(0, +)
        var sum = 0.0
        var table = pmf.map { sum += $0 / total; return sum }
        table[table.count - 1] = 1
        return table
    }

    /// Runs `body` with a sampler that reads the tables in place.
    func withSampler<R>(_ body: (Sampler) -> R) -> R {
        cumulative.withUnsafeBufferPointer { c in
            guide.withUnsafeBufferPointer { g in
                starts.withUnsafeBufferPointer { s in
                    lengths.withUnsafeBufferPointer { l in
                        body(Sampler(cumulative: c.baseAddress!, guide: g.baseAddress!, starts: s.baseAddress!, lengths: l.baseAddress!))
                    }
                }
            }
        }
    }

    /// Draws from the tables; valid inside ``withSampler(_:)`` only.
    struct Sampler: @unchecked Sendable {
        let cumulative: UnsafePointer<Double>
        let guide: UnsafePointer<Int32>
        let starts: UnsafePointer<Int>
        let lengths: UnsafePointer<Int>

        /// A variate of mean number `index` (one that has tables).
        @inline(__always)
        func draw(_ index: Int, _ random: inout DegradationRandom) -> Int {
            let (start, length) = (starts[index], lengths[index])
            let u = random.unit()
            var k = Int(guide[start + min(Int(u * Double(length)), length - 1)])
            while cumulative[start + k] <= u { k += 1 }
            return k
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
