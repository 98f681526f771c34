import Imaging

/// The mild augmentation of the robust DA-CLIP (DACLIP-IR paper §4, "Robust DACLIP Model"): "noise, resize and
/// JPEG compression (first part of the degradation pipeline in Fig. 2)". The paper gives no separate settings and
/// the official code does not include this augmentation, so WildIR takes phase 1 of ``WildPipeline`` without blur:
/// a random order of {resize by 1/s, noise, JPEG} with the wild probabilities and ranges, then a resize back to the
/// original size (random filter) if the size changed, quantised to 8 bits.
public struct MildPipeline: Sendable, Equatable, Codable {
    public var resizeProbability = 0.8
    public var noiseProbability = 0.4
    public var jpegProbability = 0.4
    public var resizeScale: ClosedRange<Double> = 0.5...1.4
    public var jpegQuality: ClosedRange<Double> = 60...95
    /// The noise step, with the wild pipeline's settings.
    public var noise = WildNoise()

    public init() {}

    /// Checks probabilities, the scale range and JPEG qualities.
    public func validate() throws {
        for (name, p) in [("resizeProbability", resizeProbability), ("noiseProbability", noiseProbability),
                          ("jpegProbability", jpegProbability)] where !(0...1).contains(p) {
            throw DegradationError.invalidParameter("\(name) must be a probability in [0, 1], got \(p)")
        }
        guard resizeScale.lowerBound > 0, jpegQuality.lowerBound >= 1, jpegQuality.upperBound <= 100 else {
            throw DegradationError.invalidParameter("resizeScale must be positive and jpegQuality within 1…100")
        }
        try noise.validate()
    }

    /// Degrades `image` (alpha dropped); the result has the input's size.
    public func apply(_ image: Image, random: inout DegradationRandom) throws -> (Image, DegradationRecord) {
        try validate()
        var record = DegradationRecord()
        var img = image.droppingAlpha
        let (width, height) = (img.width, img.height)
        for step in WildPipeline.permutation([.resize, .noise, .jpeg], &random) {
            switch step {
            case .resize where random.bernoulli(resizeProbability):
                let (out, filter) = try RandomResize.apply(img, scaleRange: resizeScale, random: &random)
                img = out
                record.append(.init("resize", ["width": .number(Double(out.width)), "height": .number(Double(out.height)),
                                               "filter": .text(filter.rawValue)]), names: [DegradationName.blur])
            case .noise where random.bernoulli(noiseProbability):
                img = noise.apply(img, &record, &random)
            case .jpeg where random.bernoulli(jpegProbability):
                let quality = JPEGCompression.randomQuality(in: jpegQuality, random: &random)
                record.append(.init("jpeg", ["quality": .number(Double(quality))]), names: [DegradationName.jpeg])
                img = try JPEGCompression.apply(img, quality: min(max(quality, 1), 100))
            default: break
            }
        }
        if img.width != width || img.height != height {
            let (out, filter) = try RandomResize.apply(img, width: width, height: height, random: &random)
            img = out
            record.append(.init("resize", ["width": .number(Double(width)), "height": .number(Double(height)),
                                           "filter": .text(filter.rawValue)]), names: [DegradationName.blur])
        }
        return (img.quantisedTo8Bit, record)
    }
}
