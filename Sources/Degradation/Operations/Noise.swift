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
        guard gray, channels > 1 else { return adding(values, to: image, finish: finish) }
        var noise = [Float](repeating: 0, count: channels * n)
        for c in 0..<channels { noise.replaceSubrange(c * n..<(c + 1) * n, with: values) }
        return adding(noise, to: image, finish: finish)
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
        var source: [Float]
        if gray && channels == 3 {
            source = (0..<n).map { p in
                0.299 * image.samples[p] + 0.587 * image.samples[n + p] + 0.114 * image.samples[2 * n + p]
            }
        } else {
            source = Array(image.samples[0..<(channels * n)])
        }
        // On the 8-bit grid there are at most 256 distinct values: count them with a presence table.
        var present = [Bool](repeating: false, count: 256)
        for i in source.indices {
            let level = (min(max(source[i] * 255, 0), 255)).rounded(.toNearestOrEven)
            source[i] = level / 255
            present[Int(level)] = true
        }
        let distinct = present.reduce(0) { $0 + ($1 ? 1 : 0) }
        let levels = pow(2, (log2(Double(max(distinct, 1)))).rounded(.up))
        var values = [Float](repeating: 0, count: source.count)
        values.withUnsafeMutableBufferPointer { buffer in
            let out = UncheckedSendableBox(buffer.baseAddress!)
            inChunks(source.count, random: &random) { range, stream in
                for i in range {
                    let drawn = Double(poissonSample(Double(source[i]) * levels, &stream)) / levels
                    out.value[i] = Float((drawn - Double(source[i])) * scale)
                }
            }
        }
        guard gray && channels == 3 else { return adding(values, to: image, finish: finish) }
        var noise = [Float](repeating: 0, count: channels * n)
        for c in 0..<3 { noise.replaceSubrange(c * n..<(c + 1) * n, with: values) }
        return adding(noise, to: image, finish: finish)
    }

    /// `image + noise` on the colour channels (noise planar, `colourChannels × height × width`, on the [0, 1]
    /// scale), then the finish — BasicSR's `img + noise`, `np.clip`, `(out·255).round()/255`.
    public static func adding(_ noise: [Float], to image: Image, finish: Finish) -> Image {
        var out = image
        out.samples.withUnsafeMutableBufferPointer { samples in
            noise.withUnsafeBufferPointer { noise in
                for i in noise.indices {
                    var v = samples[i] + noise[i]
                    if finish.round { v = (v * 255).rounded(.toNearestOrEven) / 255 }
                    if finish.clip { v = min(max(v, 0), 1) }
                    samples[i] = v
                }
            }
        }
        return out
    }

    /// A Poisson variate of mean `lambda`: inversion by sequential search below 10, Hörmann's PTRS
    /// (transformed rejection with squeeze, 1993) above.
    static func poissonSample(_ lambda: Double, _ random: inout DegradationRandom) -> Int {
        guard lambda > 0 else { return 0 }
        if lambda < 10 {
            var k = 0
            var p = exp(-lambda), cumulative = p
            let u = random.unit()
            while u > cumulative && k < 1000 {
                k += 1
                p *= lambda / Double(k)
                cumulative += p
            }
            return k
        }
        let slam = lambda.squareRoot(), loglam = log(lambda)
        let b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b
        let invalpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2)
        while true {
            let u = random.unit() - 0.5, v = random.unit()
            let us = 0.5 - abs(u)
            let k = ((2 * a / us + b) * u + lambda + 0.43).rounded(.down)
            if us >= 0.07 && v <= vr { return Int(k) }
            if k < 0 || (us < 0.013 && v > us) { continue }
            if log(v) + log(invalpha) - log(a / (us * us) + b) <= -lambda + k * loglam - lgamma(k + 1) {
                return Int(k)
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
