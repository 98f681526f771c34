import Imaging

/// DACLIP-IR's synthetic degradation pipeline for restoration in the wild (paper Fig. 2, §3.2; official
/// `random_degrade`): three phases, each a random permutation — {blur, resize, noise, JPEG}, then {blur, noise},
/// then {blur, resize back to the original size, JPEG} — with light, diverse degradations, finally quantised to
/// 8 bits. Defaults are the official probabilities and ranges.
///
/// Two official ingredients are left out because their data (measured PSFs `psf.pkl`, under-display-camera PSFs
/// `ucdpsf.pkl`) is not distributed under a known licence: the 'psf' kernel kind (probability 0.03, the others
/// renormalised) and the under-display filter (tried with probability 0.2 when a phase's blur is not drawn).
public struct WildPipeline: Sendable, Equatable, Codable {
    /// One phase's blur: kernel sizes 5, 7, …, 2·maxRadius − 1; sinc with `sincProbability`; otherwise a mixed
    /// kernel, followed for kernels under 8 taps by Wiener ringing with `deblurProbability`.
    public struct Blur: Sendable, Equatable, Codable {
        public var maxRadius: Int
        public var sincProbability: Double
        public var deblurProbability: Double
        public var sigmaRange: ClosedRange<Double>
    }

    public var blurProbability = 0.8
    public var resizeProbability = 0.8
    public var noiseProbability = 0.4
    public var jpegProbability = 0.4
    public var firstBlur = Blur(maxRadius: 10, sincProbability: 0.1, deblurProbability: 0.1, sigmaRange: 0.2...2.2)
    public var secondBlur = Blur(maxRadius: 5, sincProbability: 0.1, deblurProbability: 0.1, sigmaRange: 0.2...1.5)
    public var thirdBlur = Blur(maxRadius: 10, sincProbability: 0.8, deblurProbability: 0.1, sigmaRange: 0.2...1.0)
    public var firstJPEGQuality: ClosedRange<Double> = 60...95
    public var thirdJPEGQuality: ClosedRange<Double> = 80...100
    public var resizeScale: ClosedRange<Double> = 0.5...1.4
    /// Wiener constant K and the probability and weight range of blending the ringing with the blurred image.
    public var wienerK = 0.006
    public var ringingBlendProbability = 0.1
    public var ringingBlendRange: ClosedRange<Double> = 0.1...0.5
    /// The noise step (official `random_noise`).
    public var noise = WildNoise()

    /// The official configuration.
    public init() {}

    /// Checks that every probability is in [0, 1], kernel radii give sizes 5…21, qualities are in 1…100 and
    /// σ, scales and K are positive.
    /// - Throws: ``DegradationError/invalidParameter(_:)`` naming the first offending field.
    public func validate() throws {
        let probabilities: [(String, Double)] = [
            ("blurProbability", blurProbability), ("resizeProbability", resizeProbability),
            ("noiseProbability", noiseProbability), ("jpegProbability", jpegProbability),
            ("ringingBlendProbability", ringingBlendProbability),
        ] + [("firstBlur", firstBlur), ("secondBlur", secondBlur), ("thirdBlur", thirdBlur)].flatMap { name, blur in
            [("\(name).sincProbability", blur.sincProbability), ("\(name).deblurProbability", blur.deblurProbability)]
        }
        for (name, p) in probabilities where !(0...1).contains(p) {
            throw DegradationError.invalidParameter("\(name) must be a probability in [0, 1], got \(p)")
        }
        for (name, blur) in [("firstBlur", firstBlur), ("secondBlur", secondBlur), ("thirdBlur", thirdBlur)] {
            guard (3...11).contains(blur.maxRadius) else {
                throw DegradationError.invalidParameter("\(name).maxRadius must be 3…11 (kernel sizes 5…21), got \(blur.maxRadius)")
            }
            guard blur.sigmaRange.lowerBound > 0 else {
                throw DegradationError.invalidParameter("\(name).sigmaRange must be positive")
            }
        }
        for (name, range) in [("firstJPEGQuality", firstJPEGQuality), ("thirdJPEGQuality", thirdJPEGQuality)]
            where range.lowerBound < 1 || range.upperBound > 100 {
            throw DegradationError.invalidParameter("\(name) must lie within 1…100")
        }
        try noise.validate()
        guard resizeScale.lowerBound > 0, wienerK > 0,
              (0...1).contains(ringingBlendRange.lowerBound), (0...1).contains(ringingBlendRange.upperBound) else {
            throw DegradationError.invalidParameter("resizeScale and wienerK must be positive; blend weights in [0, 1]")
        }
    }

    /// Degrades `image` (colour channels; alpha is dropped) and reports what was done.
    /// - Throws: ``DegradationError/invalidParameter(_:)`` for settings that ``validate()`` refuses.
    public func apply(_ image: Image, random: inout DegradationRandom) throws -> (Image, DegradationRecord) {
        try validate()
        var record = DegradationRecord()
        var img = image.droppingAlpha
        let (width, height) = (img.width, img.height)
        let resize = random.bernoulli(resizeProbability)

        for step in Self.permutation([.blur, .resize, .noise, .jpeg], &random) {
            switch step {
            case .blur where random.bernoulli(blurProbability):
                img = try blur(img, firstBlur, &record, &random)
            case .resize where resize:
                img = try resized(img, to: nil, &record, &random)
            case .noise where random.bernoulli(noiseProbability):
                img = noise.apply(img, &record, &random)
            case .jpeg where random.bernoulli(jpegProbability):
                img = try jpeg(img, quality: firstJPEGQuality, &record, &random)
            default: break
            }
        }
        for step in Self.permutation([.blur, .noise], &random) {
            switch step {
            case .blur where random.bernoulli(blurProbability * 0.5):
                img = try blur(img, secondBlur, &record, &random)
            case .noise where random.bernoulli(noiseProbability * 0.5):
                img = noise.apply(img, &record, &random)
            default: break
            }
        }
        for step in Self.permutation([.blur, .resize, .jpeg], &random) {
            switch step {
            case .blur where random.bernoulli(blurProbability):
                img = try blur(img, thirdBlur, &record, &random)
            case .resize where resize:
                img = try resized(img, to: (width, height), &record, &random)
            case .jpeg where random.bernoulli(jpegProbability):
                img = try jpeg(img, quality: thirdJPEGQuality, &record, &random)
            default: break
            }
        }
        return (img.quantisedTo8Bit, record)
    }

    /// A uniformly random order of `steps` (Fisher–Yates).
    static func permutation(_ steps: [PipelineStep], _ random: inout DegradationRandom) -> [PipelineStep] {
        var out = steps
        out.shuffle(using: &random)
        return out
    }

    private func blur(_ image: Image, _ settings: Blur, _ record: inout DegradationRecord,
                      _ random: inout DegradationRandom) throws -> Image {
        let size = 2 * random.integer(in: 2...(settings.maxRadius - 1)) + 1
        if random.bernoulli(settings.sincProbability) {
            let range = SincKernel.cutoffRange(forSize: size)
            let cutoff = random.uniform(range.lowerBound, range.upperBound)
            let kernel = try SincKernel.circularLowPass(cutoff: cutoff, size: size)
            record.append(.init("sinc", ["size": .number(Double(size)), "cutoff": .number(cutoff)]),
                          names: [DegradationName.blur, DegradationName.ringing])
            return image.filtered(by: kernel)
        }
        let (kernel, operation) = try MixedKernelSampler.daclip(sigmaRange: settings.sigmaRange).draw(size: size, random: &random)
        let blurred = image.filtered(by: kernel)
        record.append(operation, names: [DegradationName.blur])
        guard random.bernoulli(settings.deblurProbability), size < 8 else { return blurred }
        var ringing = try WienerRinging.deconvolve(blurred, kernel: kernel, k: wienerK)
        record.append(.init("wiener", ["k": .number(wienerK)]), names: [DegradationName.ringing])
        if random.bernoulli(ringingBlendProbability) {
            let p = random.uniform(ringingBlendRange.lowerBound, ringingBlendRange.upperBound)
            for i in ringing.samples.indices {
                ringing.samples[i] = Float(p) * blurred.samples[i] + Float(1 - p) * ringing.samples[i]
            }
            record.append(.init("blend", ["weight": .number(p)]))
        }
        return ringing
    }

    private func resized(_ image: Image, to size: (Int, Int)?, _ record: inout DegradationRecord,
                         _ random: inout DegradationRandom) throws -> Image {
        let (out, filter): (Image, ResizeFilter)
        if let (w, h) = size {
            (out, filter) = try RandomResize.apply(image, width: w, height: h, random: &random)
        } else {
            (out, filter) = try RandomResize.apply(image, scaleRange: resizeScale, random: &random)
        }
        record.append(.init("resize", ["width": .number(Double(out.width)), "height": .number(Double(out.height)),
                                       "filter": .text(filter.rawValue)]), names: [DegradationName.blur])
        return out
    }

    private func jpeg(_ image: Image, quality range: ClosedRange<Double>, _ record: inout DegradationRecord,
                      _ random: inout DegradationRandom) throws -> Image {
        let quality = JPEGCompression.randomQuality(in: range, random: &random)
        record.append(.init("jpeg", ["quality": .number(Double(quality))]), names: [DegradationName.jpeg])
        return try JPEGCompression.apply(image, quality: min(max(quality, 1), 100))
    }
}
