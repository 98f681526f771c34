import Imaging

/// The noise step of DACLIP-IR's pipelines (official `random_noise`): Gaussian noise with `gaussianProbability`
/// (σ on the 0…255 scale), then Poisson noise with 1 − `gaussianProbability`, each gray with `grayProbability`,
/// then 8-bit quantisation. The step is named 'noise' whenever it runs, even if neither draw fired, as in the
/// official code.
public struct WildNoise: Sendable, Equatable, Codable {
    public var gaussianProbability = 0.6
    public var gaussianSigma: ClosedRange<Double> = 1...5
    public var poissonScale: ClosedRange<Double> = 0.01...0.5
    public var grayProbability = 0.4

    /// The official settings.
    public init() {}

    /// Checks the probabilities and that the ranges are non-negative.
    public func validate() throws {
        for (name, p) in [("noise.gaussianProbability", gaussianProbability), ("noise.grayProbability", grayProbability)]
            where !(0...1).contains(p) {
            throw DegradationError.invalidParameter("\(name) must be a probability in [0, 1], got \(p)")
        }
        guard gaussianSigma.lowerBound >= 0, poissonScale.lowerBound >= 0 else {
            throw DegradationError.invalidParameter("noise.gaussianSigma and noise.poissonScale must be non-negative")
        }
    }

    /// The noisy, quantised image; the operations are appended to `record`.
    public func apply(_ image: Image, _ record: inout DegradationRecord, _ random: inout DegradationRandom) -> Image {
        var img = image
        if random.bernoulli(gaussianProbability) {
            let sigma = random.uniform(gaussianSigma.lowerBound, gaussianSigma.upperBound)
            let gray = random.bernoulli(grayProbability)
            img = Noise.gaussian(img, sigma: sigma, gray: gray, random: &random)
            record.append(.init("gaussian_noise", ["sigma": .number(sigma), "gray": .number(gray ? 1 : 0)]),
                          names: [DegradationName.noise])
        }
        if random.bernoulli(1 - gaussianProbability) {
            let scale = random.uniform(poissonScale.lowerBound, poissonScale.upperBound)
            let gray = random.bernoulli(grayProbability)
            img = Noise.poisson(img, scale: scale, gray: gray, random: &random)
            record.append(.init("poisson_noise", ["scale": .number(scale), "gray": .number(gray ? 1 : 0)]),
                          names: [DegradationName.noise])
        }
        record.append(.init("quantise"), names: [DegradationName.noise])
        return img.quantisedTo8Bit
    }
}
