import Imaging

/// Real-ESRGAN's second-order degradation (Wang et al. 2021; `RealESRNetModel.feed_data` with
/// `options/train_realesrnet_x4plus.yml` as defaults): blur → resize → noise → JPEG, then blur (p = 0.8) → resize →
/// noise → {resize to 1/scale + final sinc, JPEG} in random order, quantised to 8 bits. At ×1 it is the degradation
/// of the DACLIP-IR † baseline; at ×2/×4 it makes super-resolution pairs (LQ is 1/scale of GT).
///
/// Resizes draw PyTorch's modes uniformly: `area` (adaptive average pooling, ``ResizeFilter/adaptiveAverage``),
/// `bilinear` and `bicubic` (OpenCV's half-pixel bilinear and a = −0.75 bicubic are the same interpolations). As in
/// `feed_data`, the first resize is by a scale factor (`F.interpolate(scale_factor=)`: coordinates map with the
/// factor, not the size ratio), the others to a size.
/// Where WildIR deliberately differs from the PyTorch reference: JPEG is the real libjpeg-turbo codec at
/// ⌊quality⌋ rather than BasicSR's `DiffJPEG` approximation.
public struct RealESRGANPipeline: Sendable, Equatable, Codable {
    /// One blur stage: kernel sizes 7…21, sinc with `sincProbability`, else a mixed kernel.
    public struct Blur: Sendable, Equatable, Codable {
        public var sincProbability: Double
        public var sigmaRange: ClosedRange<Double>
        public var generalizedBetaRange: ClosedRange<Double>
        public var plateauBetaRange: ClosedRange<Double>
    }

    /// One noise stage.
    public struct NoiseStage: Sendable, Equatable, Codable {
        public var gaussianProbability: Double
        public var gaussianSigma: ClosedRange<Double>
        public var poissonScale: ClosedRange<Double>
        public var grayProbability: Double
    }

    /// Output scale: 1, 2 or 4.
    public var scale = 1
    /// Sharpen the ground truth with USM before degrading (`gt_usm`); the sharpened image is the GT.
    public var sharpenGroundTruth = true
    public var firstBlur = Blur(sincProbability: 0.1, sigmaRange: 0.2...3, generalizedBetaRange: 0.5...4, plateauBetaRange: 1...2)
    public var secondBlur = Blur(sincProbability: 0.1, sigmaRange: 0.2...1.5, generalizedBetaRange: 0.5...4, plateauBetaRange: 1...2)
    public var secondBlurProbability = 0.8
    public var finalSincProbability = 0.8
    /// Probabilities of up, down, keep and the scale range of each resize.
    public var firstResizeProbabilities = [0.2, 0.7, 0.1]
    public var firstResizeRange: ClosedRange<Double> = 0.15...1.5
    public var secondResizeProbabilities = [0.3, 0.4, 0.3]
    public var secondResizeRange: ClosedRange<Double> = 0.3...1.2
    public var firstNoise = NoiseStage(gaussianProbability: 0.5, gaussianSigma: 1...30, poissonScale: 0.05...3, grayProbability: 0.4)
    public var secondNoise = NoiseStage(gaussianProbability: 0.5, gaussianSigma: 1...25, poissonScale: 0.05...2.5, grayProbability: 0.4)
    public var firstJPEGQuality: ClosedRange<Double> = 30...95
    public var secondJPEGQuality: ClosedRange<Double> = 30...95

    /// The published configuration at `scale`.
    public init(scale: Int = 1) { self.scale = scale }

    /// Checks the scale and that probabilities are in [0, 1].
    public func validate() throws {
        guard [1, 2, 4].contains(scale) else { throw DegradationError.invalidParameter("scale must be 1, 2 or 4, got \(scale)") }
        let ps = [firstBlur.sincProbability, secondBlur.sincProbability, secondBlurProbability, finalSincProbability,
                  firstNoise.gaussianProbability, firstNoise.grayProbability, secondNoise.gaussianProbability,
                  secondNoise.grayProbability] + firstResizeProbabilities + secondResizeProbabilities
        guard ps.allSatisfy({ (0...1).contains($0) }) else { throw DegradationError.invalidParameter("probabilities must lie in [0, 1]") }
        guard firstResizeProbabilities.count == 3, secondResizeProbabilities.count == 3 else {
            throw DegradationError.invalidParameter("resize probabilities are [up, down, keep]")
        }
    }

    /// Degrades `image`; returns the ground truth (sharpened if configured), the LQ image (1/scale of it) and the record.
    /// The image sides should be multiples of `scale`.
    public func apply(_ image: Image, random: inout DegradationRandom) throws -> (groundTruth: Image, lq: Image, record: DegradationRecord) {
        try validate()
        var record = DegradationRecord()
        var gt = image.droppingAlpha
        if sharpenGroundTruth {
            gt = try UnsharpMask.apply(gt)
            record.append(.init("usm_sharpen"))
        }
        let (h, w) = (gt.height, gt.width)
        // Kernels are drawn first, as the dataset does before feed_data.
        let kernel1 = try drawKernel(firstBlur, &random)
        let kernel2 = try drawKernel(secondBlur, &random)
        let finalSinc = try drawFinalSinc(&random)

        var out = gt.filtered(by: kernel1.0)
        record.append(kernel1.1, names: kernel1.1.name == "sinc" ? [DegradationName.blur, DegradationName.ringing] : [DegradationName.blur])
        // The first resize is `F.interpolate(out, scale_factor=s1)`: coordinates map with s1 itself.
        let s1 = drawScale(firstResizeProbabilities, firstResizeRange, &random)
        out = try resize(out, scaleFactor: s1, &record, &random)
        out = noise(out, firstNoise, &record, &random)
        out = try jpeg(out, firstJPEGQuality, &record, &random)

        if random.bernoulli(secondBlurProbability) {
            out = out.filtered(by: kernel2.0)
            record.append(kernel2.1, names: kernel2.1.name == "sinc" ? [DegradationName.blur, DegradationName.ringing] : [DegradationName.blur])
        }
        let s2 = drawScale(secondResizeProbabilities, secondResizeRange, &random)
        out = try resize(out, width: Int(Double(w) / Double(scale) * s2), height: Int(Double(h) / Double(scale) * s2), &record, &random)
        out = noise(out, secondNoise, &record, &random)

        let (lw, lh) = (w / scale, h / scale)
        if random.bernoulli(0.5) {
            out = try resize(out, width: lw, height: lh, &record, &random)
            out = sinc(out, finalSinc, &record)
            out = try jpeg(out, secondJPEGQuality, &record, &random)
        } else {
            out = try jpeg(out, secondJPEGQuality, &record, &random)
            out = try resize(out, width: lw, height: lh, &record, &random)
            out = sinc(out, finalSinc, &record)
        }
        return (gt, out.quantisedTo8Bit, record)
    }

    private func drawKernel(_ blur: Blur, _ random: inout DegradationRandom) throws -> (BlurKernel, DegradationRecord.Operation) {
        let size = 2 * random.integer(in: 3...10) + 1
        if random.bernoulli(blur.sincProbability) {
            let range = SincKernel.cutoffRange(forSize: size)
            let cutoff = random.uniform(range.lowerBound, range.upperBound)
            return (try SincKernel.circularLowPass(cutoff: cutoff, size: size), .init("sinc", ["size": .number(Double(size)), "cutoff": .number(cutoff)]))
        }
        let sampler = MixedKernelSampler(
            probabilities: [.iso: 0.45, .aniso: 0.25, .generalizedIso: 0.12, .generalizedAniso: 0.03, .plateauIso: 0.12, .plateauAniso: 0.03],
            sigmaRange: blur.sigmaRange, rotationRange: -Double.pi...Double.pi,
            generalizedBetaRange: blur.generalizedBetaRange, plateauBetaRange: blur.plateauBetaRange, kernelNoiseRange: nil)
        return try sampler.draw(size: size, random: &random)
    }

    private func drawFinalSinc(_ random: inout DegradationRandom) throws -> (BlurKernel, Double)? {
        guard random.bernoulli(finalSincProbability) else { return nil }
        let size = 2 * random.integer(in: 3...10) + 1
        let cutoff = random.uniform(Double.pi / 3, Double.pi)
        return (try SincKernel.circularLowPass(cutoff: cutoff, size: size), cutoff)
    }

    private func drawScale(_ probabilities: [Double], _ range: ClosedRange<Double>, _ random: inout DegradationRandom) -> Double {
        switch random.choice(weights: probabilities) {
        case 0: return random.uniform(1, range.upperBound)
        case 1: return random.uniform(range.lowerBound, 1)
        default: return 1
        }
    }

    /// PyTorch's `['area', 'bilinear', 'bicubic']` of `feed_data`.
    static let resizeFilters: [ResizeFilter] = [.adaptiveAverage, .bilinear, .bicubic]

    /// `F.interpolate(size=…)`: to `width × height` (at least one pixel), coordinates mapped with the size ratio.
    private func resize(_ image: Image, width: Int, height: Int, _ record: inout DegradationRecord,
                        _ random: inout DegradationRandom) throws -> Image {
        let (out, filter) = try RandomResize.apply(image, width: max(1, width), height: max(1, height),
                                                   filters: Self.resizeFilters, random: &random)
        return recorded(out, filter, &record)
    }

    /// `F.interpolate(scale_factor=…)`: size ⌊size · factor⌋ (at least one pixel), coordinates mapped with the factor.
    private func resize(_ image: Image, scaleFactor: Double, _ record: inout DegradationRecord,
                        _ random: inout DegradationRandom) throws -> Image {
        // A factor that would leave no pixel keeps one, as the size form does.
        let factor = max(scaleFactor, (1 + 1e-9) / Double(min(image.width, image.height)))
        let (out, filter) = try RandomResize.apply(image, scaleFactor: factor, filters: Self.resizeFilters, random: &random)
        return recorded(out, filter, &record)
    }

    private func recorded(_ out: Image, _ filter: ResizeFilter, _ record: inout DegradationRecord) -> Image {
        record.append(.init("resize", ["width": .number(Double(out.width)), "height": .number(Double(out.height)),
                                       "filter": .text(filter.rawValue)]), names: [DegradationName.blur])
        return out
    }

    private func noise(_ image: Image, _ stage: NoiseStage, _ record: inout DegradationRecord, _ random: inout DegradationRandom) -> Image {
        let gray = random.bernoulli(stage.grayProbability)
        if random.bernoulli(stage.gaussianProbability) {
            let sigma = random.uniform(stage.gaussianSigma.lowerBound, stage.gaussianSigma.upperBound)
            record.append(.init("gaussian_noise", ["sigma": .number(sigma), "gray": .number(gray ? 1 : 0)]), names: [DegradationName.noise])
            return Noise.gaussian(image, sigma: sigma, gray: gray, random: &random)
        }
        let scale = random.uniform(stage.poissonScale.lowerBound, stage.poissonScale.upperBound)
        record.append(.init("poisson_noise", ["scale": .number(scale), "gray": .number(gray ? 1 : 0)]), names: [DegradationName.noise])
        return Noise.poisson(image, scale: scale, gray: gray, random: &random)
    }

    private func jpeg(_ image: Image, _ range: ClosedRange<Double>, _ record: inout DegradationRecord,
                      _ random: inout DegradationRandom) throws -> Image {
        let quality = JPEGCompression.randomQuality(in: range, random: &random)
        record.append(.init("jpeg", ["quality": .number(Double(quality))]), names: [DegradationName.jpeg])
        return try JPEGCompression.apply(image, quality: min(max(quality, 1), 100))
    }

    private func sinc(_ image: Image, _ kernel: (BlurKernel, Double)?, _ record: inout DegradationRecord) -> Image {
        guard let (k, cutoff) = kernel else { return image }
        record.append(.init("sinc", ["size": .number(Double(k.size)), "cutoff": .number(cutoff)]), names: [DegradationName.ringing])
        return image.filtered(by: k)
    }
}
